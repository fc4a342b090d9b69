#include "harness/checks.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/error_body.h"
#include "core/wire_time.h"
#include "harness/check.h"
#include "harness/check_base.h"
#include "harness/genai_frame_order.h"
#include "harness/id_check.h"

namespace ixh {
namespace {

using Records = std::vector<CheckRecord>;

// Record texts end up in every report format: long or hostile values are quoted only in part,
// and lists stop after a few items.
constexpr std::size_t kExcerptBytes = kQuoteBytes;
constexpr std::size_t kMaxListed = 8;
constexpr std::size_t kMaxEventRecords = 10;

bool is_2xx(int status) { return status >= 200 && status < 300; }

// The part of `s` an excerpt keeps: all of it, or up to max_bytes cut at a UTF-8 boundary so the
// JSON and XML writers get valid text.
std::string_view excerpt_head(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

std::string join_capped(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kMaxListed; ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  if (items.size() > kMaxListed) {
    out += std::string(sep) + "and " + std::to_string(items.size() - kMaxListed) + " more";
  }
  return out;
}

// Server values (ids) as a list of record texts shows them.
std::vector<std::string> quoted(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const std::string& v : values) out.push_back(quote(v));
  return out;
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out.append(buf, end);
}

// "1 event", "3 events", then `rest`.
std::string count_of(std::size_t n, std::string_view noun, std::string_view rest = {}) {
  std::string out;
  out.reserve(24 + noun.size() + rest.size());
  append_number(out, n);
  out.push_back(' ');
  out.append(noun);
  if (n != 1) out.push_back('s');
  out.append(rest);
  return out;
}

std::string findings_text(const std::vector<DecodeFinding>& findings,
                          std::string_view pointer_prefix = "") {
  std::vector<std::string> parts;
  parts.reserve(findings.size());
  for (const DecodeFinding& f : findings) {
    DecodeFinding shown = f;
    if (!pointer_prefix.empty()) shown.pointer = std::string(pointer_prefix) + f.pointer;
    shown.pointer = shown_pointer(shown.pointer);
    parts.push_back(format_finding(shown));
  }
  return join_capped(parts, "; ");
}

bool has_finding_at(const std::vector<DecodeFinding>& findings, std::string_view pointer) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const DecodeFinding& f) { return f.pointer == pointer; });
}

std::string ms_text(std::int64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

// Shows the texts from just before they part: long texts differing near the end would otherwise
// show only their shared start.
std::string first_difference(std::string_view expected, std::string_view actual) {
  const std::size_t n = std::min(expected.size(), actual.size());
  std::size_t pos = 0;
  while (pos < n && expected[pos] == actual[pos]) ++pos;
  const std::size_t from = pos > 20 ? pos - 20 : 0;
  return "first difference at byte " + std::to_string(pos) + ": expected " +
         quote(expected.substr(std::min(from, expected.size())), 40) + ", got " +
         quote(actual.substr(std::min(from, actual.size())), 40) +
         (from > 0 ? " (from byte " + std::to_string(from) + ")" : "");
}

// Whether the media type of a Content-Type value (before any parameter, without surrounding
// blanks, in any case) is `expected`, given in lower case.
bool media_type_is(std::string_view content_type, std::string_view expected) {
  const std::size_t semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return t.size() == expected.size() &&
         std::equal(t.begin(), t.end(), expected.begin(), [](char a, char b) {
           // ASCII case folding, as std::tolower does in the "C" locale ixh runs in.
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

// An event as records name it: its id, quoted (it is the server's), or its position ("#3").
void append_event_label(std::string& out, const ObservedEvent& e, std::size_t index) {
  if (e.decoded.id.empty()) {
    out.push_back('#');
    append_number(out, index + 1);
  } else {
    out.append(quote(e.decoded.id));
  }
}

std::string event_label(const ObservedEvent& e, std::size_t index) {
  std::string label;
  append_event_label(label, e, index);
  return label;
}

// How records name a request ("GET http://host/v1beta/interactions/x (poll 2 of 3)"). The text
// is written only into a record that needs it: a clean step costs one string per record, not one
// per check and request.
struct RequestLabel {
  enum class Note : std::uint8_t {
    kNone,
    kPoll,         // " (poll 2 of 3)"
    kHop,          // " (hop 2)"
    kRequest,      // " (request 2)"
    kRequestOf,    // " (request 2 of 3)"
    kRequests,     // " (3 requests)"
    kAfterStream,  // " (after the stream)"
    kReference,    // " (reference for the resume)"
  };
  const HttpObservation* http = nullptr;
  Note note = Note::kNone;
  std::size_t nth = 0;  // from 1
  std::size_t of = 0;

  void append_to(std::string& out) const {
    out.append(http->method).push_back(' ');
    out.append(http->url);
    switch (note) {
      case Note::kNone:
        return;
      case Note::kPoll:
      case Note::kRequestOf:
        out.append(note == Note::kPoll ? " (poll " : " (request ");
        append_number(out, nth);
        out.append(" of ");
        append_number(out, of);
        break;
      case Note::kHop:
      case Note::kRequest:
        out.append(note == Note::kHop ? " (hop " : " (request ");
        append_number(out, nth);
        break;
      case Note::kRequests:
        out.append(" (");
        append_number(out, of);
        out.append(" requests");
        break;
      case Note::kAfterStream:
        out.append(" (after the stream");
        break;
      case Note::kReference:
        out.append(" (reference for the resume");
        break;
    }
    out.push_back(')');
  }

  std::string str() const {
    std::string out;
    out.reserve(http->method.size() + http->url.size() + 32);
    append_to(out);
    return out;
  }
};

std::string event_where(const ObservedEvent& e, std::size_t index, const RequestLabel& stream) {
  std::string out;
  out.reserve(stream.http->method.size() + stream.http->url.size() + kQuoteBytes + 64);
  out.append("event ");
  append_event_label(out, e, index);
  out.append(" of ");
  stream.append_to(out);
  return out;
}

// The GETs of an observation in order, the GET after a stream last: fn(const ObservedGet&,
// const RequestLabel&).
template <typename Fn>
void for_each_get(const StepObservation& o, Fn&& fn) {
  const std::size_t n = o.gets.size();
  for (std::size_t i = 0; i < n; ++i) {
    RequestLabel label{&o.gets[i].http, RequestLabel::Note::kNone, i + 1, n};
    if (o.kind == Step::Kind::kPoll) {
      label.note = RequestLabel::Note::kPoll;
    } else if (o.kind == Step::Kind::kChain) {
      label.note = RequestLabel::Note::kHop;
    } else if (n > 1) {
      label.note = RequestLabel::Note::kRequest;
    }
    fn(o.gets[i], label);
  }
  if (o.final_get)
    fn(*o.final_get, RequestLabel{&o.final_get->http, RequestLabel::Note::kAfterStream});
}

// The stream of an observation, then the reference read for a resume: fn(const ObservedStream&,
// const RequestLabel&).
template <typename Fn>
void for_each_stream(const StepObservation& o, Fn&& fn) {
  if (o.stream) fn(*o.stream, RequestLabel{&o.stream->http});
  if (o.reference_stream) {
    fn(*o.reference_stream,
       RequestLabel{&o.reference_stream->http, RequestLabel::Note::kReference});
  }
}

// The requests of a resuming stream step before its last one (the union in `stream` carries the
// last one's HTTP outcome): their headers and error bodies are judged too, so a 503 that was
// retried still has to be a well-formed 503.
template <typename Fn>
void for_each_earlier_attempt(const StepObservation& o, Fn&& fn) {
  const std::size_t n = o.attempts.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    fn(o.attempts[i], RequestLabel{&o.attempts[i].http, RequestLabel::Note::kRequestOf, i + 1, n});
  }
}

// A stream whose transfer ended normally: its end says something about the server.
bool completed(const ObservedStream& s) {
  return is_2xx(s.http.status) && s.http.error == ErrorClass::kNone;
}

class ContentTypeCheck final : public CheckBase {
 public:
  ContentTypeCheck() : CheckBase(kCheckContentType) {}

 private:
  void judge(Records& out, const HttpObservation& http, std::string_view expected,
             const RequestLabel& where) const {
    if (http.status == 0) return;  // no response, no header to judge
    std::string wanted;
    wanted.reserve(expected.size() + 21);
    wanted.append(expected).append(" (parameters allowed)");
    record(out, media_type_is(http.content_type, expected), std::move(wanted),
           http.content_type.empty() ? "no Content-Type header" : quote(http.content_type),
           where.str());
  }

  void run(const StepObservation& o, Records& out) const override {
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& where) {
      judge(out, g.http, "application/json", where);
    });
    const auto stream = [&](const ObservedStream& s, const RequestLabel& where) {
      judge(out, s.http, is_2xx(s.http.status) ? "text/event-stream" : "application/json", where);
    };
    for_each_stream(o, stream);
    for_each_earlier_attempt(o, stream);
  }
};

class SchemaInteractionCheck final : public CheckBase {
 public:
  SchemaInteractionCheck() : CheckBase(kCheckSchemaInteraction) {}

 private:
  static constexpr std::string_view kExpected =
      "the interaction object of its dialect (docs/wire-seed.md, docs/wire-genai.md)";

  void run(const StepObservation& o, Records& out) const override {
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& where) {
      if (!g.decoded) return;
      const DecodedInteraction& d = *g.decoded;
      record(out, d.ok(), std::string(kExpected),
             d.ok() ? "no findings" : findings_text(d.findings), where.str());
    });
    for_each_stream(o, [&](const ObservedStream& s, const RequestLabel& where) {
      for (std::size_t i = 0; i < s.events.size(); ++i) {
        const ObservedEvent& e = s.events[i];
        if (!e.decoded.interaction) continue;
        const DecodedInteraction& d = *e.decoded.interaction;
        record(out, d.ok(), std::string(kExpected) + " (embedded in the terminal event)",
               d.ok() ? "no findings" : findings_text(d.findings, "/interaction"),
               event_where(e, i, where));
      }
    });
  }
};

class SchemaEventCheck final : public CheckBase {
 public:
  SchemaEventCheck() : CheckBase(kCheckSchemaEvent) {}

 private:
  static constexpr std::string_view kExpected =
      "events as their dialect documents them (docs/wire-seed.md, docs/wire-genai.md)";

  // One record per stream when every event is fine, one per bad event otherwise: a long stream
  // must not flood the report with passes.
  void run(const StepObservation& o, Records& out) const override {
    for_each_stream(o, [&](const ObservedStream& s, const RequestLabel& where) {
      const auto& events = s.events;
      if (events.empty()) return;
      std::size_t bad = 0;
      for (std::size_t i = 0; i < events.size(); ++i) {
        const DecodedEvent& d = events[i].decoded;
        if (d.ok()) continue;
        if (++bad <= kMaxEventRecords) {
          record(out, false, std::string(kExpected), findings_text(d.findings),
                 event_where(events[i], i, where));
        }
      }
      if (bad > kMaxEventRecords) {
        record(out, false, std::string(kExpected),
               count_of(bad - kMaxEventRecords, "more event", " with findings"), where.str());
      } else if (bad == 0) {
        record(out, true, std::string(kExpected), count_of(events.size(), "event", ", no findings"),
               where.str());
      }
    });
    // A resuming step drops an event the dialect rejects and reads it again from the server;
    // the server still sent it, which is a finding unless the step is a drill that expects it.
    const bool expected = o.step != nullptr && o.step->expect.breaks &&
                          std::find(o.step->expect.breaks->begin(), o.step->expect.breaks->end(),
                                    "sse_parse") != o.step->expect.breaks->end();
    if (expected) return;
    for (std::size_t a = 0; a < o.attempts.size(); ++a) {
      const ObservedStream& attempt = o.attempts[a];
      if (!attempt.rejected_event) continue;
      record(out, false, std::string(kExpected),
             findings_text(attempt.rejected_event->decoded.findings) +
                 " (dropped; the stream was resumed after the last good event)",
             "event after " + count_of(attempt.events.size(), "event") + " of " +
                 request_where(attempt.http) + " (request " + std::to_string(a + 1) + ")");
    }
  }
};

class ErrorBodyCheck final : public CheckBase {
 public:
  ErrorBodyCheck() : CheckBase(kCheckErrorBody) {}

 private:
  void judge(Records& out, const HttpObservation& http, const std::optional<DecodedError>& given,
             const RequestLabel& where) const {
    if (http.status == 0 || is_2xx(http.status)) return;
    const DecodedError e = given ? *given : decode_error_body(http.body, http.status);
    const std::string_view name = google_status_name(http.status);
    std::string expected = R"({"error":{"code":)" + std::to_string(http.status) +
                           R"(,"message":"...","status":)" +
                           (name == "UNKNOWN" ? std::string("\"...\"") : quote(name)) + "}}";
    record(out, e.ok(), std::move(expected),
           e.ok() ? "code " + std::to_string(e.code) + ", status " + quote(e.status)
                  : findings_text(e.findings),
           where.str());
  }

  void run(const StepObservation& o, Records& out) const override {
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& where) {
      judge(out, g.http, g.error, where);
    });
    const auto stream = [&](const ObservedStream& s, const RequestLabel& where) {
      judge(out, s.http, s.error, where);
    };
    for_each_stream(o, stream);
    for_each_earlier_attempt(o, stream);
  }
};

class InputCheck final : public CheckBase {
 public:
  InputCheck() : CheckBase(kCheckInput) {}

 private:
  void judge(Records& out, const DecodedInteraction& d, bool asked, std::string where) const {
    record(out, d.has_input == asked,
           asked ? "input present (include_input=true)" : "no input (include_input was not true)",
           d.has_input ? "input present" : "input absent", std::move(where));
  }

  void run(const StepObservation& o, Records& out) const override {
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& where) {
      if (g.decoded) judge(out, *g.decoded, g.include_input, where.str());
    });
    for_each_stream(o, [&](const ObservedStream& s, const RequestLabel& where) {
      for (std::size_t i = 0; i < s.events.size(); ++i) {
        const ObservedEvent& e = s.events[i];
        if (e.decoded.interaction) {
          judge(out, *e.decoded.interaction, s.include_input, event_where(e, i, where));
        }
      }
    });
  }
};

class UsageCheck final : public CheckBase {
 public:
  UsageCheck() : CheckBase(kCheckUsage) {}

 private:
  // `where` is called only for a record: a state the schema check reports costs no label.
  template <typename Where>
  void judge(Records& out, const DecodedInteraction& d, Where&& where) const {
    if (!d.state_valid) return;  // schema.interaction reports the state itself
    const bool terminal = is_terminal(d.value.state);
    const std::string_view state = to_string(d.value.state);
    std::string expected;
    expected.reserve(40 + state.size());
    if (terminal) {
      expected.append("usage_metadata present (").append(state).append(" is terminal)");
    } else {
      expected.append("no usage_metadata while ").append(state);
    }
    record(out, d.has_usage == terminal, std::move(expected),
           d.has_usage ? "usage_metadata present" : "usage_metadata absent", where());
  }

  void run(const StepObservation& o, Records& out) const override {
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& where) {
      if (g.decoded) judge(out, *g.decoded, [&] { return where.str(); });
    });
    for_each_stream(o, [&](const ObservedStream& s, const RequestLabel& where) {
      for (std::size_t i = 0; i < s.events.size(); ++i) {
        const ObservedEvent& e = s.events[i];
        if (e.decoded.interaction) {
          judge(out, *e.decoded.interaction, [&] { return event_where(e, i, where); });
        }
      }
    });
  }
};

// What a step saw in order, for the two ordering checks: states and update times. A point names
// its request by a label, so long streams cost no string per event unless a record needs one.
struct Point {
  State state = State::kPending;
  bool has_state = false;
  std::int64_t update_time_ms = 0;
  bool has_update_time = false;
  RequestLabel label;                    // the GET's, or the stream's
  const ObservedEvent* event = nullptr;  // set for a stream event
  std::size_t index = 0;                 // of that event in its stream
};

std::string where_of(const Point& p) {
  return p.event != nullptr ? event_where(*p.event, p.index, p.label) : p.label.str();
}

Point point_of(const DecodedInteraction& d, const RequestLabel& label) {
  return {
      d.value.state, d.state_valid, d.value.update_time_ms, d.update_time_valid, label, nullptr, 0};
}

struct Sequence {
  RequestLabel where;  // the whole sequence, for a passing record
  std::vector<Point> points;
};

// The GETs of one step in order (a chain's hops are different interactions: not one sequence),
// and each stream's events, the stream continued by the GET made after it. Only sequences of two
// points or more: a single observation has nothing to compare with, so a one-GET step costs no
// allocation here.
std::vector<Sequence> sequences_of(const StepObservation& o) {
  std::vector<Sequence> list;
  const ObservedGet* final_get = o.final_get ? &*o.final_get : nullptr;
  if (o.kind != Step::Kind::kChain && o.gets.size() >= 2) {
    Sequence seq;
    seq.where = {&o.gets.front().http, RequestLabel::Note::kRequests, 0, o.gets.size()};
    seq.points.reserve(o.gets.size());
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& label) {
      if (&g != final_get && g.decoded) seq.points.push_back(point_of(*g.decoded, label));
    });
    if (seq.points.size() >= 2) list.push_back(std::move(seq));
  }
  for_each_stream(o, [&](const ObservedStream& s, const RequestLabel& label) {
    Sequence seq;
    seq.where = label;
    const auto& events = s.events;
    seq.points.reserve(events.size() + 1);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const DecodedEvent& d = events[i].decoded;
      const bool has_state = d.state_valid && d.kind != EventKind::kTextDelta;
      seq.points.push_back(
          {d.state, has_state, d.update_time_ms, d.update_time_valid, label, &events[i], i});
    }
    if (o.stream && &s == &*o.stream && final_get != nullptr && final_get->decoded) {
      seq.points.push_back(point_of(
          *final_get->decoded, RequestLabel{&final_get->http, RequestLabel::Note::kAfterStream}));
    }
    if (seq.points.size() >= 2) list.push_back(std::move(seq));
  });
  return list;
}

class StateForwardCheck final : public CheckBase {
 public:
  StateForwardCheck() : CheckBase(kCheckStateForward) {}

 private:
  static constexpr std::string_view kExpected =
      "the state never moves back (PENDING -> RUNNING -> terminal) and a terminal state never "
      "changes";

  void run(const StepObservation& o, Records& out) const override {
    for (const Sequence& seq : sequences_of(o)) {
      const Point* prev = nullptr;
      std::size_t judged = 0;
      bool failed = false;
      for (const Point& p : seq.points) {
        if (!p.has_state) continue;
        ++judged;
        if (prev != nullptr) {
          const bool back = state_rank(p.state) < state_rank(prev->state);
          const bool changed_final = is_terminal(prev->state) && p.state != prev->state;
          if (back || changed_final) {
            record(out, false, std::string(kExpected),
                   std::string(to_string(p.state)) + " after " +
                       std::string(to_string(prev->state)) + " at " + where_of(*prev),
                   where_of(p));
            failed = true;
            break;
          }
        }
        prev = &p;
      }
      // A single observation has nothing to compare with.
      if (!failed && judged >= 2) {
        record(out, true, std::string(kExpected), path_of(seq, judged), seq.where.str());
      }
    }
  }

  // "RUNNING -> COMPLETED (4 observations)": each state once, in the order first seen.
  static std::string path_of(const Sequence& seq, std::size_t judged) {
    std::string path;
    const Point* prev = nullptr;
    for (const Point& p : seq.points) {
      if (!p.has_state) continue;
      if (prev == nullptr || p.state != prev->state) {
        if (!path.empty()) path += " -> ";
        path += to_string(p.state);
      }
      prev = &p;
    }
    path += " (";
    append_number(path, judged);
    path += " observations)";
    return path;
  }
};

// A time as records show it: "\"2026-11-18T11:06:40.123Z\"".
void append_time(std::string& out, std::int64_t unix_ms) {
  out.push_back('"');
  append_iso8601_ms(out, unix_ms);
  out.push_back('"');
}

std::string time_text(std::string_view before, std::int64_t unix_ms) {
  std::string out;
  out.reserve(before.size() + 26);
  out.append(before);
  append_time(out, unix_ms);
  return out;
}

class UpdateTimeCheck final : public CheckBase {
 public:
  UpdateTimeCheck() : CheckBase(kCheckUpdateTime) {}

 private:
  void run(const StepObservation& o, Records& out) const override {
    for_each_get(o, [&](const ObservedGet& g, const RequestLabel& where) {
      if (!g.decoded) return;
      const DecodedInteraction& d = *g.decoded;
      if (!d.create_time_valid || !d.update_time_valid) return;
      record(out, d.value.update_time_ms >= d.value.create_time_ms,
             time_text("update_time not before create_time ", d.value.create_time_ms),
             time_text("update_time ", d.value.update_time_ms), where.str());
    });
    for (const Sequence& seq : sequences_of(o)) {
      const Point* prev = nullptr;
      std::size_t judged = 0;
      bool failed = false;
      for (const Point& p : seq.points) {
        if (!p.has_update_time) continue;
        ++judged;
        if (prev != nullptr && p.update_time_ms < prev->update_time_ms) {
          std::string actual = time_text("", p.update_time_ms);
          actual += " after ";
          append_time(actual, prev->update_time_ms);
          actual += " at ";
          actual += where_of(*prev);
          record(out, false, "update_time never decreases", std::move(actual), where_of(p));
          failed = true;
          break;
        }
        prev = &p;
      }
      if (!failed && judged >= 2) {
        std::string actual;
        append_number(actual, judged);
        actual += " observations in order";
        record(out, true, "update_time never decreases", std::move(actual), seq.where.str());
      }
    }
  }
};

class SseCheck final : public CheckBase {
 public:
  SseCheck() : CheckBase(kCheckSse) {}

 private:
  static constexpr std::string_view kExpected =
      "a text/event-stream body the parser accepts, ending on a block boundary";

  void run(const StepObservation& o, Records& out) const override {
    for_each_stream(o, [&](const ObservedStream& st, const RequestLabel& label) {
      if (!is_2xx(st.http.status)) return;
      std::string where = label.str();
      if (st.sse_error != SseError::kNone) {
        record(out, false, std::string(kExpected),
               "parser stopped: " + std::string(to_string(st.sse_error)) +
                   (st.sse_error_message.empty() ? "" : " (" + st.sse_error_message + ")"),
               std::move(where));
      } else if (st.truncated && st.http.error == ErrorClass::kNone) {
        record(out, false, std::string(kExpected),
               "the transfer completed inside an SSE block (a truncated event) after " +
                   count_of(st.events.size(), "event"),
               std::move(where));
      } else if (st.http.error != ErrorClass::kNone) {
        record(out, true, std::string(kExpected),
               "no parser error; the transfer ended early (" +
                   std::string(to_string(st.http.error)) + "), so its end is not judged",
               std::move(where));
      } else {
        record(out, true, std::string(kExpected),
               count_of(st.events.size(), "event", ", clean end"), std::move(where));
      }
    });
  }
};

class EventIdsUniqueCheck final : public CheckBase {
 public:
  EventIdsUniqueCheck() : CheckBase(kCheckEventIdsUnique) {}

 private:
  // Whether the non-empty ids grow strictly in byte order, as seed's evt_000001, evt_000002, ...
  // do: then no two are equal, and the hash set a long stream would otherwise fill is not needed.
  static bool ids_increasing(const EventLog& events) {
    const std::string* prev = nullptr;
    for (const ObservedEvent& e : events) {
      const std::string& id = e.decoded.id;
      if (id.empty()) continue;
      if (prev != nullptr && !(*prev < id)) return false;
      prev = &id;
    }
    return true;
  }

  // "1 distinct ids" too: records keep the wording they always had.
  static std::string distinct_ids(std::size_t n) {
    std::string out;
    append_number(out, n);
    out += " distinct ids";
    return out;
  }

  void run(const StepObservation& o, Records& out) const override {
    for_each_stream(o, [&](const ObservedStream& s, const RequestLabel& where) {
      const auto& events = s.events;
      if (events.empty()) return;
      std::vector<std::string> dups;
      if (ids_increasing(events)) {
        record(out, true, "no two events of the stream share an id", distinct_ids(events.size()),
               where.str());
        return;
      }
      std::unordered_map<std::string_view, std::size_t> first;
      first.reserve(events.size());
      for (std::size_t i = 0; i < events.size(); ++i) {
        const std::string& id = events[i].decoded.id;
        if (id.empty()) continue;  // schema.event reports the missing id
        const auto [it, fresh] = first.emplace(id, i);
        if (!fresh) {
          dups.push_back(quote(id) + " (events " + std::to_string(it->second + 1) + " and " +
                         std::to_string(i + 1) + ")");
        }
      }
      record(out, dups.empty(), "no two events of the stream share an id",
             dups.empty() ? distinct_ids(events.size()) : "duplicate " + join_capped(dups),
             where.str());
    });
  }
};

const ObservedEvent* find_event(const ObservedStream& s, std::string_view id) {
  for (const ObservedEvent& e : s.events) {
    if (e.decoded.id == id) return &e;
  }
  return nullptr;
}

class EndsAfterTerminalCheck final : public CheckBase {
 public:
  EndsAfterTerminalCheck() : CheckBase(kCheckEndsAfterTerminal) {}

 private:
  static constexpr std::string_view kExpected = "the stream ends right after its terminal event";

  void judge(Records& out, const ObservedStream& st, const ObservedStream* reference,
             const RequestLabel& where) const {
    if (!completed(st)) return;  // cut or timed out: the end was not the server's choice
    const auto& events = st.events;
    // genai's [DONE] marker is the stream's end, not an event of the log.
    const bool only_end_markers = std::all_of(
        events.begin(), events.end(), [](const ObservedEvent& e) { return e.decoded.end_marker; });
    if (only_end_markers && st.last_event_id) {
      // Resuming after the terminal event legitimately gives an empty stream; only the
      // reference can tell whether that is where the resume point was.
      if (reference == nullptr) return;
      const ObservedEvent* at = find_event(*reference, *st.last_event_id);
      if (at == nullptr) return;  // stream.resume_suffix reports the unknown resume point
      const bool terminal = at->decoded.kind == EventKind::kTerminal;
      record(out, terminal, std::string(kExpected),
             terminal ? "empty stream, resumed after the terminal event " + quote(*st.last_event_id)
                      : "empty stream, but " + quote(*st.last_event_id) + " is a " +
                            std::string(to_string(at->decoded.kind)) + " event",
             where.str());
      return;
    }
    const auto terminal = std::find_if(events.begin(), events.end(), [](const ObservedEvent& e) {
      return e.decoded.kind == EventKind::kTerminal;
    });
    if (terminal == events.end()) {
      std::string actual =
          "ended after " + count_of(events.size(), "event") + " without a terminal event";
      if (!events.empty()) {
        actual += " (last: " + event_label(events.back(), events.size() - 1) + ", " +
                  std::string(to_string(events.back().decoded.kind)) + ")";
      }
      record(out, false, std::string(kExpected), std::move(actual), where.str());
      return;
    }
    const auto t = static_cast<std::size_t>(terminal - events.begin());
    if (std::all_of(terminal + 1, events.end(),
                    [](const ObservedEvent& e) { return e.decoded.end_marker; })) {
      record(out, true, std::string(kExpected),
             "ended after the terminal event " + event_label(*terminal, t) + " (" +
                 std::string(to_string(terminal->decoded.state)) + ")",
             where.str());
      return;
    }
    std::vector<std::string> after;
    for (std::size_t i = t + 1; i < events.size(); ++i) {
      if (events[i].decoded.end_marker) continue;
      after.push_back(event_label(events[i], i) + " (" +
                      std::string(to_string(events[i].decoded.kind)) + ")");
    }
    record(out, false, std::string(kExpected),
           count_of(after.size(), "event") + " after the terminal event " +
               event_label(*terminal, t) + ": " + join_capped(after),
           event_where(*terminal, t, where));
  }

  void run(const StepObservation& o, Records& out) const override {
    const ObservedStream* reference = o.reference_stream ? &*o.reference_stream : nullptr;
    // A step that timed out on a never-ending interaction proves nothing about the end.
    if (o.stream && !o.timed_out) judge(out, *o.stream, reference, RequestLabel{&o.stream->http});
    if (reference != nullptr) {
      judge(out, *reference, nullptr,
            RequestLabel{&reference->http, RequestLabel::Note::kReference});
    }
  }
};

// The events a client holding the whole log would have: for a resumed stream, the reference's
// events up to the resume point, then the resumed ones. Empty when that cannot be known.
std::vector<const ObservedEvent*> whole_log(const StepObservation& o) {
  std::vector<const ObservedEvent*> out;
  const ObservedStream& st = *o.stream;
  if (st.last_event_id) {
    if (!o.reference_stream) return out;
    const auto& ref = o.reference_stream->events;
    const auto at = std::find_if(ref.begin(), ref.end(), [&](const ObservedEvent& e) {
      return e.decoded.id == *st.last_event_id;
    });
    if (at == ref.end()) return out;
    for (auto it = ref.begin(); it != at + 1; ++it) out.push_back(&*it);
  }
  for (const ObservedEvent& e : st.events) out.push_back(&e);
  return out;
}

class TextMatchesGetCheck final : public CheckBase {
 public:
  TextMatchesGetCheck() : CheckBase(kCheckTextMatchesGet) {}

 private:
  void run(const StepObservation& o, Records& out) const override {
    if (!o.stream || !is_2xx(o.stream->http.status) || !o.final_get || !o.final_get->decoded) {
      return;
    }
    const DecodedInteraction& get = *o.final_get->decoded;
    if (!get.state_valid || !is_terminal(get.value.state)) return;
    const std::vector<const ObservedEvent*> log = whole_log(o);
    // Without the terminal event the stream is incomplete, which stream.ends_after_terminal
    // reports; comparing its text would only repeat that.
    if (std::none_of(log.begin(), log.end(), [](const ObservedEvent* e) {
          return e->decoded.kind == EventKind::kTerminal;
        })) {
      return;
    }
    std::map<int, std::string> streamed;
    for (const ObservedEvent* e : log) {
      if (e->decoded.kind == EventKind::kTextDelta) {
        streamed[e->decoded.candidate] += e->decoded.text;
      }
    }
    const std::string where =
        RequestLabel{&o.final_get->http, RequestLabel::Note::kAfterStream}.str();
    const std::string how =
        o.stream->last_event_id
            ? "streamed (reference up to " + quote(*o.stream->last_event_id) + ", resumed)"
            : "streamed";
    const auto& texts = get.value.candidates;
    for (std::size_t c = 0; c < texts.size(); ++c) {
      const auto it = streamed.find(static_cast<int>(c));
      const std::string_view got = it == streamed.end() ? std::string_view() : it->second;
      const std::string expected = "candidate " + std::to_string(c) + ": " + quote(texts[c]) +
                                   " (" + std::to_string(texts[c].size()) + " bytes, the GET)";
      if (got == texts[c]) {
        record(out, true, expected, how + " the same " + std::to_string(got.size()) + " bytes",
               where);
      } else {
        record(out, false, expected,
               how + " " + quote(got) + " (" + std::to_string(got.size()) + " bytes); " +
                   first_difference(texts[c], got),
               where);
      }
    }
    for (const auto& [candidate, text] : streamed) {
      if (candidate >= 0 && static_cast<std::size_t>(candidate) < texts.size()) continue;
      record(out, false,
             "text deltas only for the GET's " + std::to_string(texts.size()) + " candidates",
             how + " " + quote(text) + " for candidate " + std::to_string(candidate), where);
    }
  }
};

class ResumeSuffixCheck final : public CheckBase {
 public:
  ResumeSuffixCheck() : CheckBase(kCheckResumeSuffix) {}

 private:
  void run(const StepObservation& o, Records& out) const override {
    if (!o.stream || !o.stream->last_event_id || !o.reference_stream) return;
    // After breaks the step made several requests: stream.resume_union judges their union.
    if (o.attempts.size() > 1) return;
    const ObservedStream& resumed = *o.stream;
    const ObservedStream& reference = *o.reference_stream;
    // A cut or timed-out stream lacks its tail for reasons of its own: only whole streams say
    // whether the resume point was honoured.
    if (!completed(resumed) || o.timed_out || !completed(reference)) return;
    const std::string& after = *resumed.last_event_id;
    const std::string where = request_where(resumed.http);
    const ResumeComparison cmp = compare_resume(reference, resumed);
    if (!cmp.resume_point_found) {
      record(out, false, "the reference stream has an event " + quote(after),
             "it has no such event; " + std::to_string(resumed.events.size()) +
                 " resumed events cannot be aligned",
             where);
      return;
    }
    std::size_t suffix = 0;
    bool past = false;
    for (const ObservedEvent& e : reference.events) {
      if (past) ++suffix;
      past = past || e.decoded.id == after;
    }
    std::string expected =
        "the " + count_of(suffix, "reference event") + " strictly after " + quote(after);
    if (cmp.ok()) {
      record(out, true, std::move(expected), "the same " + count_of(suffix, "event"), where);
      return;
    }
    std::vector<std::string> parts;
    if (cmp.lost > 0) {
      parts.push_back(std::to_string(cmp.lost) + " lost: " + join_capped(quoted(cmp.lost_ids)));
    }
    if (cmp.duplicated > 0) {
      parts.push_back(std::to_string(cmp.duplicated) +
                      " duplicated: " + join_capped(cmp.duplicates));
    }
    if (cmp.mismatched > 0) {
      parts.push_back(std::to_string(cmp.mismatched) +
                      " mismatched: " + join_capped(cmp.mismatches));
    }
    std::string actual;
    for (const std::string& p : parts) actual += (actual.empty() ? "" : "; ") + p;
    record(out, false, std::move(expected), std::move(actual), where);
  }
};

class ChainCheck final : public CheckBase {
 public:
  ChainCheck() : CheckBase(kCheckChain) {}

 private:
  static constexpr std::string_view kExpected =
      "every hop 200 and decoded; each previous_interaction_id is the next hop's id; no id "
      "repeats; the last hop has none";

  void run(const StepObservation& o, Records& out) const override {
    if (o.kind != Step::Kind::kChain) return;
    if (o.gets.empty()) {
      record(out, false, std::string(kExpected), "no hop was fetched", o.interaction_id);
      return;
    }
    std::vector<std::string> problems;
    std::vector<const DecodedInteraction*> hops;
    for (std::size_t k = 0; k < o.gets.size(); ++k) {
      const ObservedGet& g = o.gets[k];
      const std::string hop = "hop " + std::to_string(k + 1);
      const DecodedInteraction* d = g.decoded ? &*g.decoded : nullptr;
      if (g.http.status != 200) {
        problems.push_back(hop + ": HTTP " + std::to_string(g.http.status));
        d = nullptr;
      } else if (d == nullptr) {
        problems.push_back(hop + ": body not decoded");
      } else if (has_finding_at(d->findings, "/id") ||
                 has_finding_at(d->findings, "/previous_interaction_id") ||
                 has_finding_at(d->findings, "")) {
        problems.push_back(hop + ": unreadable id or previous_interaction_id");
        d = nullptr;
      }
      hops.push_back(d);
    }
    if (hops.front() != nullptr && !o.interaction_id.empty() &&
        hops.front()->value.id != o.interaction_id) {
      problems.push_back("hop 1 is " + quote(hops.front()->value.id) + ", not the requested " +
                         quote(o.interaction_id));
    }
    std::unordered_map<std::string_view, std::size_t> seen;
    std::string path;
    for (std::size_t k = 0; k < hops.size(); ++k) {
      const DecodedInteraction* d = hops[k];
      if (d == nullptr) {
        path += (path.empty() ? "" : " -> ") + std::string("?");
        continue;
      }
      const std::string& id = d->value.id;
      path += (path.empty() ? "" : " -> ") + quote(id);
      if (const auto [it, fresh] = seen.emplace(id, k); !fresh) {
        problems.push_back("cycle: hop " + std::to_string(k + 1) + " repeats " + quote(id) +
                           " of hop " + std::to_string(it->second + 1));
      }
      const auto& prev = d->value.previous_interaction_id;
      if (k + 1 < hops.size()) {
        const DecodedInteraction* next = hops[k + 1];
        if (!prev) {
          problems.push_back("hop " + std::to_string(k + 1) + " " + quote(id) +
                             " has no previous_interaction_id, yet another hop followed");
        } else if (next != nullptr && *prev != next->value.id) {
          problems.push_back("hop " + std::to_string(k + 1) + " links to " + quote(*prev) +
                             " but hop " + std::to_string(k + 2) + " is " + quote(next->value.id));
        }
      } else if (prev) {
        const auto it = seen.find(*prev);
        problems.push_back(it != seen.end()
                               ? "cycle: the last hop " + quote(id) + " links back to " +
                                     quote(*prev) + " (hop " + std::to_string(it->second + 1) + ")"
                               : "the last hop " + quote(id) + " links to " + quote(*prev) +
                                     ", which was not fetched");
      }
    }
    const std::string where = request_where(o.gets.front().http);
    if (problems.empty()) {
      record(out, true, std::string(kExpected),
             path + " (root; " + std::to_string(hops.size()) + " interactions)", where);
    } else {
      record(out, false, std::string(kExpected), join_capped(problems, "; ") + " [" + path + "]",
             where);
    }
  }
};

// The step's main request (DESIGN.md §7): what expect.status, latency and friends are about.
struct MainRequest {
  const HttpObservation* http = nullptr;
  const ObservedGet* get = nullptr;
  const ObservedStream* stream = nullptr;
};

MainRequest main_request(const StepObservation& o) {
  MainRequest m;
  switch (o.kind) {
    case Step::Kind::kGet:
    case Step::Kind::kChain:
      if (!o.gets.empty()) m.get = &o.gets.front();
      break;
    case Step::Kind::kPoll:
      if (!o.gets.empty()) m.get = &o.gets.back();
      break;
    case Step::Kind::kStream:
      if (o.stream) m.stream = &*o.stream;
      break;
    case Step::Kind::kWait:
      break;
  }
  if (m.get != nullptr) m.http = &m.get->http;
  if (m.stream != nullptr) m.http = &m.stream->http;
  return m;
}

// "HTTP 200"
std::string http_text(int status) {
  char buf[32] = "HTTP ";
  const auto end = std::to_chars(buf + 5, buf + sizeof buf, status).ptr;
  return std::string(buf, end);
}

std::string no_response(const HttpObservation& http) {
  std::string out = "no response (" + std::string(to_string(http.error));
  if (!http.curl_error.empty()) out += ": " + http.curl_error;
  return out + ")";
}

// Candidate 0's streamed text: what expect.text means for a stream step.
std::string streamed_text(const ObservedStream& s) {
  std::string text;
  for (const ObservedEvent& e : s.events) {
    if (e.decoded.kind == EventKind::kTextDelta && e.decoded.candidate == 0) {
      text += e.decoded.text;
    }
  }
  return text;
}

const ObservedEvent* terminal_event(const ObservedStream& s) {
  for (const ObservedEvent& e : s.events) {
    if (e.decoded.kind == EventKind::kTerminal) return &e;
  }
  return nullptr;
}

// "[cut (attempt 1, after evt_000003: transfer closed ...), http_status (attempt 2: HTTP 503)]"
std::string breaks_text(const std::vector<StreamBreak>& breaks) {
  if (breaks.empty()) return "no breaks";
  std::string out = "[";
  for (const StreamBreak& b : breaks) {
    if (out.size() > 1) out += ", ";
    out += std::string(to_string(b.kind)) + " (attempt " + std::to_string(b.attempt);
    if (!b.after_event_id.empty()) out += ", after " + quote(b.after_event_id);
    if (b.curl_code != 0) {
      out += ": curl " + std::to_string(b.curl_code);
      if (!b.detail.empty()) out += " " + b.detail;
    } else if (!b.detail.empty()) {
      out += ": " + b.detail;
    }
    out += ")";
  }
  return out + "]";
}

// The union of a stream step's attempts against the whole log read from the start: nothing lost,
// nothing repeated, nothing different. Judged on steps that resumed after a break.
class ResumeUnionCheck final : public CheckBase {
 public:
  ResumeUnionCheck() : CheckBase(kCheckResumeUnion) {}

 private:
  void run(const StepObservation& o, Records& out) const override {
    if (!o.stream || o.attempts.size() < 2) return;
    const std::string where = request_where(o.stream->http) + " (" +
                              count_of(o.attempts.size(), "request") + ", " +
                              breaks_text(o.breaks) + ")";
    const std::string expected =
        "the union of the requests is the whole event log after " +
        (o.stream->last_event_id ? quote(*o.stream->last_event_id) : std::string("the start")) +
        ": no gap, no duplicate";
    if (!o.recovered) {
      // A drill that expects no recovery says so with expect.recovered: false.
      if (o.step != nullptr && o.step->expect.recovered == false) return;
      record(out, false, expected,
             "the stream never reached its terminal event (" +
                 count_of(static_cast<std::size_t>(o.resumes), "resume") + ")",
             where);
      return;
    }
    if (!o.reference_stream || !completed(*o.reference_stream) ||
        !o.reference_stream->saw_terminal()) {
      record(out, false, expected,
             "no complete reference stream to compare with" +
                 (o.reference_stream ? " (" + breaks_or_status(*o.reference_stream) + ")"
                                     : std::string()),
             where);
      return;
    }
    const ResumeComparison cmp = compare_resume(*o.reference_stream, *o.stream);
    if (cmp.ok()) {
      record(out, true, expected,
             "the same " + count_of(o.stream->events.size(), "event") + " in " +
                 count_of(o.attempts.size(), "request"),
             where);
      return;
    }
    std::string actual;
    if (!cmp.resume_point_found) {
      actual = "the reference has no event " + quote(*o.stream->last_event_id);
    }
    auto part = [&actual](const std::string& p) { actual += (actual.empty() ? "" : "; ") + p; };
    if (cmp.lost > 0) {
      part(std::to_string(cmp.lost) + " lost: " + join_capped(quoted(cmp.lost_ids)));
    }
    if (cmp.duplicated > 0) {
      part(std::to_string(cmp.duplicated) + " duplicated: " + join_capped(cmp.duplicates));
    }
    if (cmp.mismatched > 0) {
      part(std::to_string(cmp.mismatched) + " mismatched: " + join_capped(cmp.mismatches));
    }
    record(out, false, expected, std::move(actual), where);
  }

  static std::string breaks_or_status(const ObservedStream& s) {
    if (s.http.status == 0) return no_response_text(s.http);
    return "HTTP " + std::to_string(s.http.status) + ", " + count_of(s.events.size(), "event");
  }

  static std::string no_response_text(const HttpObservation& http) {
    std::string out = "no response (" + std::string(to_string(http.error));
    if (!http.curl_error.empty()) out += ": " + http.curl_error;
    return out + ")";
  }
};

class ExpectationCheck final : public CheckBase {
 public:
  ExpectationCheck() : CheckBase(kCheckExpect) {}

 private:
  void add(Records& out, std::string_view field, bool passed, std::string expected,
           std::string actual, const std::string& where) const {
    std::string check;
    check.reserve(7 + field.size());
    check.append("expect.").append(field);
    out.push_back({std::move(check), passed, std::move(expected), std::move(actual), where});
  }

  // What the step's text is, or why there is none.
  static bool text_of(const MainRequest& m, std::string& text, std::string& why) {
    if (m.stream != nullptr) {
      text = streamed_text(*m.stream);
      return true;
    }
    if (m.get != nullptr && m.get->decoded) {
      text = m.get->decoded->value.output_text();
      return true;
    }
    why = m.http == nullptr
              ? "no request was made"
              : "no decoded interaction (HTTP " + std::to_string(m.http->status) + ")";
    return false;
  }

  // The interaction whose input/usage the step judges: the GET's, or the terminal event's.
  static const DecodedInteraction* interaction_of(const MainRequest& m, std::string& why) {
    if (m.stream != nullptr) {
      const ObservedEvent* t = terminal_event(*m.stream);
      if (t != nullptr && t->decoded.interaction) return &*t->decoded.interaction;
      why = "no terminal event with an interaction";
      return nullptr;
    }
    if (m.get != nullptr && m.get->decoded) return &*m.get->decoded;
    why = m.http == nullptr
              ? "no request was made"
              : "no decoded interaction (HTTP " + std::to_string(m.http->status) + ")";
    return nullptr;
  }

  static std::optional<State> state_of(const MainRequest& m, std::string& why) {
    if (m.stream != nullptr) {
      std::optional<State> last;
      for (const ObservedEvent& e : m.stream->events) {
        if (e.decoded.kind == EventKind::kTerminal && e.decoded.state_valid) {
          return e.decoded.state;
        }
        if (e.decoded.kind == EventKind::kStateChange && e.decoded.state_valid) {
          last = e.decoded.state;
        }
      }
      if (!last) why = "no state event";
      return last;
    }
    if (m.get != nullptr && m.get->decoded && m.get->decoded->state_valid) {
      return m.get->decoded->value.state;
    }
    why = m.http == nullptr ? "no request was made" : "no readable state";
    return std::nullopt;
  }

  void run(const StepObservation& o, Records& out) const override {
    if (o.step == nullptr) return;
    const Expect& x = o.step->expect;
    const MainRequest m = main_request(o);
    const std::string where =
        m.http != nullptr ? request_where(*m.http) : "step " + o.step->pointer;
    const std::string_view none = "no request was made";

    if (x.status) {
      std::string actual = m.http == nullptr     ? std::string(none)
                           : m.http->status == 0 ? no_response(*m.http)
                                                 : http_text(m.http->status);
      add(out, "status", m.http != nullptr && m.http->status == *x.status, http_text(*x.status),
          std::move(actual), where);
    }
    if (x.state) {
      std::string why;
      const std::optional<State> st = state_of(m, why);
      add(out, "state", st == x.state, std::string(to_string(*x.state)),
          st ? std::string(to_string(*st)) : why, where);
    }
    if (x.text || x.text_contains) {
      std::string text, why;
      const bool have = text_of(m, text, why);
      if (x.text) {
        const bool ok = have && text == *x.text;
        add(out, "text", ok, quote(*x.text),
            !have ? why
            : ok  ? quote(text)
                  : quote(text) + "; " + first_difference(*x.text, text),
            where);
      }
      if (x.text_contains) {
        add(out, "text_contains", have && text.find(*x.text_contains) != std::string::npos,
            "text containing " + quote(*x.text_contains), have ? quote(text) : why, where);
      }
    }
    if (x.usage || x.input) {
      std::string why;
      const DecodedInteraction* d = interaction_of(m, why);
      if (x.usage) {
        add(out, "usage", d != nullptr && d->has_usage == *x.usage,
            *x.usage ? "usage_metadata present" : "usage_metadata absent",
            d == nullptr   ? why
            : d->has_usage ? "usage_metadata present"
                           : "usage_metadata absent",
            where);
      }
      if (x.input) {
        add(out, "input", d != nullptr && d->has_input == *x.input,
            *x.input ? "input present" : "input absent",
            d == nullptr   ? why
            : d->has_input ? "input present"
                           : "input absent",
            where);
      }
    }
    if (x.events_min || x.events_max) {
      const bool have = o.stream.has_value();
      // Events of the model's log: genai's framing frames (created, step.start/stop, [DONE]...)
      // are not counted, so one expectation holds in both dialects.
      const auto n = have ? static_cast<std::int64_t>(std::count_if(
                                o.stream->events.begin(), o.stream->events.end(),
                                [](const ObservedEvent& e) { return !e.decoded.framing; }))
                          : 0;
      const std::string actual = have ? std::to_string(n) + " events" : "no stream";
      if (x.events_min) {
        add(out, "events_min", have && n >= *x.events_min,
            "at least " + std::to_string(*x.events_min) + " events", actual, where);
      }
      if (x.events_max) {
        add(out, "events_max", have && n <= *x.events_max,
            "at most " + std::to_string(*x.events_max) + " events", actual, where);
      }
    }
    if (x.polls_max) {
      const auto n = static_cast<std::int64_t>(o.gets.size());
      add(out, "polls_max", n > 0 && n <= *x.polls_max,
          "at most " + std::to_string(*x.polls_max) + " polls", std::to_string(n) + " polls",
          where);
    }
    if (x.chain_length) {
      const auto n = static_cast<std::int64_t>(o.gets.size());
      add(out, "chain_length", n == *x.chain_length,
          std::to_string(*x.chain_length) + " interactions", std::to_string(n) + " interactions",
          where);
    }
    if (x.ttfe_ms_max) {
      const std::string expected = "first event within " + std::to_string(*x.ttfe_ms_max) + " ms";
      if (!o.stream || o.stream->events.empty()) {
        add(out, "ttfe_ms_max", false, expected, o.stream ? "no event arrived" : "no stream",
            where);
      } else {
        const std::int64_t ns = o.stream->events.front().at_ns - o.stream->http.start_ns;
        add(out, "ttfe_ms_max", ns <= *x.ttfe_ms_max * 1'000'000, expected, ms_text(ns), where);
      }
    }
    if (x.latency_ms_max) {
      const std::string expected = "at most " + std::to_string(*x.latency_ms_max) + " ms";
      if (m.http == nullptr) {
        add(out, "latency_ms_max", false, expected, std::string(none), where);
      } else {
        const std::int64_t ns = m.http->end_ns - m.http->start_ns;
        add(out, "latency_ms_max", ns <= *x.latency_ms_max * 1'000'000, expected, ms_text(ns),
            where);
      }
    }
    if (x.error_status) {
      std::optional<DecodedError> err;
      if (m.get != nullptr) err = m.get->error;
      if (m.stream != nullptr) err = m.stream->error;
      if (!err && m.http != nullptr && m.http->status != 0 && !is_2xx(m.http->status)) {
        err = decode_error_body(m.http->body, m.http->status);
      }
      std::string actual = m.http == nullptr     ? std::string(none)
                           : m.http->status == 0 ? no_response(*m.http)
                           : !err ? "no error body (HTTP " + std::to_string(m.http->status) + ")"
                           : err->status.empty()
                               ? "no readable status (HTTP " + std::to_string(m.http->status) + ")"
                               : quote(err->status);
      add(out, "error_status", err && !err->status.empty() && err->status == *x.error_status,
          quote(*x.error_status), std::move(actual), where);
    }
    if (x.resumes_min || x.resumes_max) {
      const std::int64_t n = o.resumes;
      const bool ok =
          (!x.resumes_min || n >= *x.resumes_min) && (!x.resumes_max || n <= *x.resumes_max);
      std::string expected =
          x.resumes_min && x.resumes_max && *x.resumes_min == *x.resumes_max
              ? count_of(static_cast<std::size_t>(*x.resumes_min), "resume")
          : x.resumes_min && x.resumes_max ? "from " + std::to_string(*x.resumes_min) + " to " +
                                                 std::to_string(*x.resumes_max) + " resumes"
          : x.resumes_min
              ? "at least " + count_of(static_cast<std::size_t>(*x.resumes_min), "resume")
              : "at most " + count_of(static_cast<std::size_t>(*x.resumes_max), "resume");
      add(out, "resumes", ok, std::move(expected), count_of(static_cast<std::size_t>(n), "resume"),
          where);
    }
    if (x.breaks) {
      std::vector<std::string> seen;
      for (const StreamBreak& b : o.breaks) seen.emplace_back(to_string(b.kind));
      add(out, "breaks", seen == *x.breaks, list_text(*x.breaks), breaks_text(o.breaks), where);
    }
    if (x.recovered) {
      add(out, "recovered", o.recovered == *x.recovered,
          *x.recovered ? "the stream reaches its terminal event"
                       : "the stream never reaches its terminal event",
          o.recovered ? "reached the terminal event after " +
                            count_of(static_cast<std::size_t>(o.resumes), "resume")
                      : "no terminal event after " +
                            count_of(static_cast<std::size_t>(o.resumes), "resume"),
          where);
    }
  }

  static std::string list_text(const std::vector<std::string>& items) {
    if (items.empty()) return "no breaks";
    std::string out = "[";
    for (const std::string& i : items) out += (out.size() > 1 ? ", " : "") + i;
    return out + "]";
  }
};

}  // namespace

// JSON string syntax shows control characters and line breaks of streamed text unambiguously.
std::string quote(std::string_view s, std::size_t max_bytes) {
  const std::string_view head = excerpt_head(s, max_bytes);
  const std::string_view dots = head.size() < s.size() ? "..." : "";
  // Printable ASCII without '"' and '\\' is its own JSON text: skip the JSON writer, which every
  // passing record of a GET (its content type, its times) would otherwise go through.
  if (std::all_of(head.begin(), head.end(),
                  [](char c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'; })) {
    std::string out;
    out.reserve(head.size() + dots.size() + 2);
    out.push_back('"');
    out.append(head).append(dots).push_back('"');
    return out;
  }
  std::string cut;
  cut.reserve(head.size() + dots.size());
  cut.append(head).append(dots);
  return nlohmann::json(std::move(cut))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string shown_pointer(std::string_view pointer) {
  const bool plain =
      pointer.size() <= kQuoteBytes &&
      std::all_of(pointer.begin(), pointer.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
  return plain ? std::string(pointer) : quote(pointer);
}

std::vector<std::unique_ptr<Check>> protocol_checks() {
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<ContentTypeCheck>());
  checks.push_back(std::make_unique<SchemaInteractionCheck>());
  checks.push_back(std::make_unique<SchemaEventCheck>());
  checks.push_back(std::make_unique<ErrorBodyCheck>());
  checks.push_back(std::make_unique<InputCheck>());
  checks.push_back(std::make_unique<UsageCheck>());
  checks.push_back(std::make_unique<StateForwardCheck>());
  checks.push_back(std::make_unique<UpdateTimeCheck>());
  checks.push_back(std::make_unique<SseCheck>());
  checks.push_back(std::make_unique<EventIdsUniqueCheck>());
  checks.push_back(std::make_unique<EndsAfterTerminalCheck>());
  checks.push_back(std::make_unique<TextMatchesGetCheck>());
  checks.push_back(std::make_unique<ResumeSuffixCheck>());
  checks.push_back(std::make_unique<ResumeUnionCheck>());
  checks.push_back(std::make_unique<ChainCheck>());
  checks.push_back(genai_frame_order_check());
  checks.push_back(id_matches_request_check());
  return checks;
}

std::unique_ptr<Check> expectation_check() { return std::make_unique<ExpectationCheck>(); }

std::vector<std::unique_ptr<Check>> run_checks(const std::vector<std::string>& skip) {
  std::vector<std::unique_ptr<Check>> kept;
  for (auto& check : protocol_checks()) {
    if (std::find(skip.begin(), skip.end(), check->name()) == skip.end()) {
      kept.push_back(std::move(check));
    }
  }
  kept.push_back(expectation_check());
  return kept;
}

bool is_protocol_check(std::string_view name) {
  for (const auto& check : protocol_checks()) {
    if (check->name() == name) return true;
  }
  return false;
}

ResumeComparison compare_resume(const ObservedStream& reference, const ObservedStream& resumed) {
  ResumeComparison cmp;
  const auto& ref = reference.events;
  std::size_t start = 0;
  if (resumed.last_event_id) {
    const auto at = std::find_if(ref.begin(), ref.end(), [&](const ObservedEvent& e) {
      return e.decoded.id == *resumed.last_event_id;
    });
    if (at == ref.end()) {
      cmp.resume_point_found = false;
      cmp.mismatched = resumed.events.size();
      for (const ObservedEvent& e : resumed.events) {
        cmp.mismatches.push_back(quote(e.decoded.id) + ": cannot be aligned");
      }
      return cmp;
    }
    start = static_cast<std::size_t>(at - ref.begin()) + 1;
  }
  const std::string resume_point = resumed.last_event_id ? quote(*resumed.last_event_id) : "";
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < ref.size(); ++i) index.emplace(ref[i].decoded.id, i);
  std::vector<bool> received(ref.size(), false);
  std::unordered_set<std::string_view> seen;
  std::optional<std::size_t> last;  // reference index of the last in-order resumed event
  for (const ObservedEvent& e : resumed.events) {
    const DecodedEvent& d = e.decoded;
    if (!seen.insert(d.id).second) {
      ++cmp.duplicated;
      cmp.duplicates.push_back(quote(d.id) + " (sent twice)");
      continue;
    }
    const auto it = index.find(d.id);
    if (it == index.end()) {
      ++cmp.mismatched;
      cmp.mismatches.push_back(quote(d.id) + ": not in the reference stream");
      continue;
    }
    const std::size_t i = it->second;
    if (i < start) {
      ++cmp.duplicated;
      cmp.duplicates.push_back(quote(d.id) + " (at or before the resume point " + resume_point +
                               ")");
      continue;
    }
    received[i] = true;
    const DecodedEvent& r = ref[i].decoded;
    std::vector<std::string> diffs;
    if (last && i < *last) {
      diffs.push_back("out of order (after " + quote(ref[*last].decoded.id) + ")");
    }
    if (!last || i > *last) last = i;
    if (d.kind != r.kind) {
      diffs.push_back("kind " + std::string(to_string(d.kind)) + ", reference " +
                      std::string(to_string(r.kind)));
    } else if (d.kind == EventKind::kTextDelta) {
      if (d.candidate != r.candidate) {
        diffs.push_back("candidate " + std::to_string(d.candidate) + ", reference " +
                        std::to_string(r.candidate));
      }
      if (d.text != r.text)
        diffs.push_back("text " + quote(d.text) + ", reference " + quote(r.text));
    } else if (d.state != r.state) {
      diffs.push_back("state " + std::string(to_string(d.state)) + ", reference " +
                      std::string(to_string(r.state)));
    }
    if (!diffs.empty()) {
      ++cmp.mismatched;
      std::string text = quote(d.id) + ":";
      for (const std::string& part : diffs) text += " " + part + ";";
      text.pop_back();
      cmp.mismatches.push_back(std::move(text));
    }
  }
  for (std::size_t i = start; i < ref.size(); ++i) {
    if (!received[i]) {
      ++cmp.lost;
      cmp.lost_ids.push_back(ref[i].decoded.id);
    }
  }
  return cmp;
}

bool resume_delivered(const ObservedStream& reference, const ObservedStream& resumed) {
  if (!resumed.last_event_id || !is_2xx(resumed.http.status)) return false;
  const auto& ref = reference.events;
  const auto at = std::find_if(ref.begin(), ref.end(), [&](const ObservedEvent& e) {
    return e.decoded.id == *resumed.last_event_id;
  });
  if (at == ref.end()) return false;
  const auto next = static_cast<std::size_t>(at - ref.begin()) + 1;
  if (resumed.events.empty()) {
    // Nothing after the resume point is right only when the resume point was the end.
    return next == ref.size() && completed(resumed);
  }
  for (std::size_t k = 0; k < resumed.events.size(); ++k) {
    if (next + k >= ref.size() || ref[next + k].decoded.id != resumed.events[k].decoded.id) {
      return false;
    }
  }
  return true;
}

std::string request_where(const HttpObservation& http) { return RequestLabel{&http}.str(); }

}  // namespace ixh
