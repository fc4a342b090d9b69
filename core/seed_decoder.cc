#include "core/seed_decoder.h"

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "core/error_body.h"
#include "core/json_pointer.h"
#include "core/seed_dialect.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

using Json = nlohmann::json;
using Keys = std::initializer_list<std::string_view>;

// Findings end up in reports: a hostile server must not be able to blow them up, so values are
// quoted only in part.
constexpr std::size_t kExcerptBytes = 80;

constexpr std::string_view kStateNames =
    R"(one of "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")";
constexpr std::string_view kTimeFormat = R"(ISO 8601 UTC time like "2026-11-18T11:06:40.000Z")";

// Cuts at a UTF-8 boundary so an excerpt stays valid text for the JSON and XML writers.
std::string excerpt(std::string_view s, std::size_t max_bytes = kExcerptBytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string quote(std::string_view s) { return excerpt(dump(Json(std::string(s)))); }

std::string describe(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case Json::value_t::string:
      return excerpt(dump(j));
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number " + excerpt(dump(j));
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array of " + std::to_string(j.size()) + " items";
    default:
      return "an invalid value";
  }
}

std::string join(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + "/" + json_pointer_token(key);
}

std::string quoted_list(Keys names) {
  std::string out = "one of ";
  bool first = true;
  for (std::string_view n : names) {
    if (!first) out += ", ";
    first = false;
    out += quote(n);
  }
  return out;
}

// Collects findings for one document; every reader below leaves what it could not read unset.
class Reader {
 public:
  explicit Reader(std::vector<DecodeFinding>& findings) : findings_(findings) {}

  void add(std::string pointer, std::string expected, std::string actual) {
    findings_.push_back({std::move(pointer), std::move(expected), std::move(actual)});
  }

  void unknown_keys(const Json& obj, std::string_view prefix, Keys allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& key = it.key();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        add(join(prefix, key), "only the fields docs/wire-seed.md documents", "unknown field");
      }
    }
  }

  // The member, or null after recording a finding when it is required and missing.
  const Json* member(const Json& obj, std::string_view prefix, const char* key, bool required) {
    const auto it = obj.find(key);
    if (it != obj.end()) return &*it;
    if (required) add(join(prefix, key), "field " + quote(key), "missing");
    return nullptr;
  }

  const std::string* string_field(const Json& obj, std::string_view prefix, const char* key,
                                  bool required = true) {
    const Json* j = member(obj, prefix, key, required);
    if (j == nullptr) return nullptr;
    if (!j->is_string()) {
      add(join(prefix, key), "a string", describe(*j));
      return nullptr;
    }
    return j->get_ptr<const std::string*>();
  }

  const Json* object_field(const Json& obj, std::string_view prefix, const char* key,
                           bool required = true) {
    const Json* j = member(obj, prefix, key, required);
    if (j == nullptr) return nullptr;
    if (!j->is_object()) {
      add(join(prefix, key), "an object", describe(*j));
      return nullptr;
    }
    return j;
  }

  std::optional<std::int64_t> count(const Json& obj, std::string_view prefix, const char* key,
                                    std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
    const Json* j = member(obj, prefix, key, true);
    if (j == nullptr) return std::nullopt;
    const bool fits = j->is_number_unsigned()
                          ? j->get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
                          : j->is_number_integer() && j->get<std::int64_t>() >= 0 &&
                                j->get<std::int64_t>() <= max;
    if (!fits) {
      add(join(prefix, key), "a non-negative integer", describe(*j));
      return std::nullopt;
    }
    return j->get<std::int64_t>();
  }

  std::optional<State> state(const Json& obj, std::string_view prefix) {
    const std::string* s = string_field(obj, prefix, "state");
    if (s == nullptr) return std::nullopt;
    const std::optional<State> st = parse_state(*s);
    if (!st) add(join(prefix, "state"), std::string(kStateNames), quote(*s));
    return st;
  }

  std::optional<std::int64_t> time_field(const Json& obj, std::string_view prefix,
                                         const char* key) {
    const std::string* s = string_field(obj, prefix, key);
    if (s == nullptr) return std::nullopt;
    const std::optional<std::int64_t> ms = parse_iso8601_ms(*s);
    if (!ms) add(join(prefix, key), std::string(kTimeFormat), quote(*s));
    return ms;
  }

  // {"text": S} at obj[key]: the output object of the interaction, a candidate and a delta.
  const std::string* output_text(const Json& obj, std::string_view prefix) {
    const Json* out = object_field(obj, prefix, "output");
    if (out == nullptr) return nullptr;
    const std::string out_prefix = join(prefix, "output");
    unknown_keys(*out, out_prefix, {"text"});
    return string_field(*out, out_prefix, "text");
  }

 private:
  std::vector<DecodeFinding>& findings_;
};

Json parse(std::string_view text) {
  // Never throws: a parse error (invalid UTF-8 included) gives a discarded value.
  return Json::parse(text.begin(), text.end(), nullptr, false);
}

std::string not_json(std::string_view text) {
  if (text.empty()) return "empty";
  return "not JSON: " + quote(text);
}

void decode_candidates(Reader& r, const Json& obj, DecodedInteraction& d,
                       const std::string* output_text) {
  const Json* cands = r.member(obj, "", "candidates", true);
  if (cands == nullptr) return;
  if (!cands->is_array()) {
    r.add("/candidates", "an array", describe(*cands));
    return;
  }
  if (cands->empty()) {
    r.add("/candidates", "at least one candidate", "an empty array");
    return;
  }
  std::vector<std::string> texts;
  texts.reserve(cands->size());
  for (std::size_t i = 0; i < cands->size(); ++i) {
    const Json& c = (*cands)[i];
    const std::string prefix = "/candidates/" + std::to_string(i);
    texts.emplace_back();
    if (!c.is_object()) {
      r.add(prefix, "an object {index, output}", describe(c));
      continue;
    }
    r.unknown_keys(c, prefix, {"index", "output"});
    if (const auto index = r.count(c, prefix, "index")) {
      if (static_cast<std::uint64_t>(*index) != i) {
        r.add(prefix + "/index", std::to_string(i) + " (its position)", std::to_string(*index));
      }
    }
    const std::string* text = r.output_text(c, prefix);
    if (text == nullptr) continue;
    texts.back() = *text;
    if (i == 0 && output_text != nullptr && *text != *output_text) {
      r.add("/candidates/0/output/text", "equal to output.text " + quote(*output_text),
            quote(*text));
    }
  }
  d.value.candidates = std::move(texts);
}

void decode_usage(Reader& r, const Json& obj, DecodedInteraction& d) {
  const auto it = obj.find("usage_metadata");
  if (it == obj.end()) return;
  d.has_usage = true;
  if (!it->is_object()) {
    r.add("/usage_metadata", "an object", describe(*it));
    return;
  }
  constexpr std::string_view kPrefix = "/usage_metadata";
  r.unknown_keys(*it, kPrefix,
                 {"prompt_token_count", "candidates_token_count", "total_token_count"});
  const auto prompt = r.count(*it, kPrefix, "prompt_token_count");
  const auto cands = r.count(*it, kPrefix, "candidates_token_count");
  const auto total = r.count(*it, kPrefix, "total_token_count");
  if (!prompt || !cands || !total) return;
  // Both halves fit in int64, but their sum might not: compare without overflowing.
  if (*prompt > std::numeric_limits<std::int64_t>::max() - *cands || *total != *prompt + *cands) {
    r.add("/usage_metadata/total_token_count",
          "prompt_token_count + candidates_token_count = " + std::to_string(*prompt) + " + " +
              std::to_string(*cands),
          std::to_string(*total));
  }
  d.value.usage = Usage{*prompt, *cands, *total};
}

std::optional<EventKind> kind_from_event_name(std::string_view name) {
  for (EventKind k : {EventKind::kStateChange, EventKind::kTextDelta, EventKind::kTerminal}) {
    if (seed_event_name(k) == name) return k;
  }
  return std::nullopt;
}

std::optional<EventKind> kind_from_type(std::string_view type) {
  for (EventKind k : {EventKind::kStateChange, EventKind::kTextDelta, EventKind::kTerminal}) {
    if (to_string(k) == type) return k;
  }
  return std::nullopt;
}

void decode_event_body(Reader& r, const Json& data, const SseEvent& raw,
                       std::optional<EventKind> sse_kind, DecodedEvent& ev) {
  std::optional<EventKind> data_kind;
  if (const std::string* type = r.string_field(data, "", "type")) {
    data_kind = kind_from_type(*type);
    if (!data_kind) {
      r.add("/type", quoted_list({"state_change", "text_delta", "terminal"}), quote(*type));
    } else if (sse_kind && *sse_kind != *data_kind) {
      r.add("/type",
            quote(to_string(*sse_kind)) + " (the SSE event type is " + quote(raw.type) + ")",
            quote(*type));
    }
  }
  const std::optional<EventKind> kind = sse_kind ? sse_kind : data_kind;
  if (kind) ev.kind = *kind;

  if (const std::string* id = r.string_field(data, "", "id")) {
    ev.id = *id;
    if (!raw.last_event_id.empty() && *id != raw.last_event_id) {
      r.add("/id", "equal to the SSE id " + quote(raw.last_event_id), quote(*id));
    }
  }
  if (const std::string* iid = r.string_field(data, "", "interaction_id")) ev.interaction_id = *iid;
  if (const auto t = r.time_field(data, "", "update_time")) {
    ev.update_time_ms = *t;
    ev.update_time_valid = true;
  }
  if (!kind) {
    // Which fields belong depends on the kind: with none known, only the shared ones are judged.
    r.unknown_keys(data, "",
                   {"id", "interaction_id", "type", "update_time", "state", "candidate_index",
                    "output", "interaction"});
    return;
  }
  switch (*kind) {
    case EventKind::kStateChange: {
      r.unknown_keys(data, "", {"id", "interaction_id", "type", "update_time", "state"});
      if (const auto st = r.state(data, "")) {
        ev.state = *st;
        ev.state_valid = true;
        if (is_terminal(*st)) {
          r.add("/state", R"(a non-terminal state ("PENDING" or "RUNNING"))",
                quote(to_string(*st)));
        }
      }
      break;
    }
    case EventKind::kTextDelta: {
      r.unknown_keys(data, "",
                     {"id", "interaction_id", "type", "update_time", "candidate_index", "output"});
      if (const auto c = r.count(data, "", "candidate_index", std::numeric_limits<int>::max())) {
        ev.candidate = static_cast<int>(*c);
      }
      if (const std::string* text = r.output_text(data, "")) ev.text = *text;
      break;
    }
    case EventKind::kTerminal: {
      r.unknown_keys(data, "",
                     {"id", "interaction_id", "type", "update_time", "state", "interaction"});
      if (const auto st = r.state(data, "")) {
        ev.state = *st;
        ev.state_valid = true;
        if (!is_terminal(*st)) {
          r.add("/state", R"(a terminal state ("COMPLETED", "FAILED" or "CANCELLED"))",
                quote(to_string(*st)));
        }
      }
      if (const Json* inter = r.object_field(data, "", "interaction")) {
        ev.interaction = decode_seed_interaction(*inter);
        const DecodedInteraction& in = *ev.interaction;
        if (ev.state_valid && in.state_valid && in.value.state != ev.state) {
          r.add("/interaction/state", "equal to the event's state " + quote(to_string(ev.state)),
                quote(to_string(in.value.state)));
        }
        const auto id = inter->find("id");
        const auto iid = data.find("interaction_id");
        if (id != inter->end() && id->is_string() && iid != data.end() && iid->is_string() &&
            *id != *iid) {
          r.add("/interaction/id",
                "equal to interaction_id " + quote(*iid->get_ptr<const std::string*>()),
                quote(*id->get_ptr<const std::string*>()));
        }
      }
      break;
    }
  }
}

}  // namespace

std::string format_finding(const DecodeFinding& finding) {
  return (finding.pointer.empty() ? std::string("(document)") : finding.pointer) + ": " +
         finding.actual + " (expected " + finding.expected + ")";
}

DecodedInteraction decode_seed_interaction(std::string_view json_body) {
  const Json j = parse(json_body);
  if (j.is_discarded()) {
    DecodedInteraction d;
    d.findings.push_back({"", "a JSON object (the interaction)", not_json(json_body)});
    return d;
  }
  return decode_seed_interaction(j);
}

DecodedInteraction decode_seed_interaction(const Json& body) {
  DecodedInteraction d;
  Reader r(d.findings);
  if (!body.is_object()) {
    r.add("", "a JSON object (the interaction)", describe(body));
    return d;
  }
  r.unknown_keys(body, "",
                 {"id", "model", "input", "output", "candidates", "state", "create_time",
                  "update_time", "usage_metadata", "previous_interaction_id"});
  if (const std::string* id = r.string_field(body, "", "id")) d.value.id = *id;
  if (const std::string* model = r.string_field(body, "", "model")) d.value.model = *model;
  if (body.contains("input")) {
    d.has_input = true;
    if (const std::string* input = r.string_field(body, "", "input")) d.value.input = *input;
  }
  const std::string* output_text = r.output_text(body, "");
  if (output_text != nullptr) d.value.candidates.front() = *output_text;
  decode_candidates(r, body, d, output_text);
  if (const auto st = r.state(body, "")) {
    d.value.state = *st;
    d.state_valid = true;
  }
  if (const auto t = r.time_field(body, "", "create_time")) {
    d.value.create_time_ms = *t;
    d.create_time_valid = true;
  }
  if (const auto t = r.time_field(body, "", "update_time")) {
    d.value.update_time_ms = *t;
    d.update_time_valid = true;
  }
  if (d.create_time_valid && d.update_time_valid &&
      d.value.update_time_ms < d.value.create_time_ms) {
    r.add("/update_time",
          "not before create_time " + quote(format_iso8601_ms(d.value.create_time_ms)),
          quote(format_iso8601_ms(d.value.update_time_ms)));
  }
  decode_usage(r, body, d);
  if (const std::string* prev = r.string_field(body, "", "previous_interaction_id", false)) {
    d.value.previous_interaction_id = *prev;
  }
  return d;
}

DecodedEvent decode_seed_event(const SseEvent& raw) {
  DecodedEvent ev;
  ev.id = raw.last_event_id;
  Reader r(ev.findings);
  const std::optional<EventKind> sse_kind = kind_from_event_name(raw.type);
  if (!sse_kind) {
    r.add("",
          "SSE event type " +
              quoted_list({kSeedStateChangeEvent, kSeedTextDeltaEvent, kSeedTerminalEvent}),
          quote(raw.type));
  }
  if (raw.last_event_id.empty()) r.add("", R"(an SSE "id:" line)", "missing");
  if (const auto lines = std::count(raw.data.begin(), raw.data.end(), '\n'); lines > 0) {
    r.add("", R"(one "data:" line)", std::to_string(lines + 1) + " data lines");
  }
  const Json data = parse(raw.data);
  if (data.is_discarded()) {
    r.add("", "data: a JSON object", not_json(raw.data));
  } else if (!data.is_object()) {
    r.add("", "data: a JSON object", describe(data));
  } else {
    decode_event_body(r, data, raw, sse_kind, ev);
  }
  if (!data.is_object() && sse_kind) ev.kind = *sse_kind;
  return ev;
}

DecodedError decode_error_body(std::string_view body, int http_status) {
  DecodedError e;
  Reader r(e.findings);
  const Json j = parse(body);
  constexpr std::string_view kShape = R"(a JSON error body {"error":{"code","message","status"}})";
  if (j.is_discarded()) {
    r.add("", std::string(kShape), not_json(body));
    return e;
  }
  if (!j.is_object()) {
    r.add("", std::string(kShape), describe(j));
    return e;
  }
  r.unknown_keys(j, "", {"error"});
  const Json* err = r.object_field(j, "", "error");
  if (err == nullptr) return e;
  r.unknown_keys(*err, "/error", {"code", "message", "status", "details"});
  if (const Json* code = r.member(*err, "/error", "code", true)) {
    const bool fits_int = code->is_number_unsigned()
                              ? code->get<std::uint64_t>() <= std::numeric_limits<int>::max()
                              : code->is_number_integer() &&
                                    code->get<std::int64_t>() >= std::numeric_limits<int>::min() &&
                                    code->get<std::int64_t>() <= std::numeric_limits<int>::max();
    if (fits_int) e.code = code->get<int>();
    if (!fits_int || e.code != http_status) {
      r.add("/error/code", std::to_string(http_status) + " (the HTTP status)", describe(*code));
    }
  }
  if (const std::string* message = r.string_field(*err, "/error", "message")) e.message = *message;
  if (const std::string* status = r.string_field(*err, "/error", "status")) {
    e.status = *status;
    const std::string_view name = google_status_name(http_status);
    if (name != "UNKNOWN" && *status != name) {
      r.add("/error/status", quote(name) + " (for HTTP " + std::to_string(http_status) + ")",
            quote(*status));
    }
  }
  if (const auto details = err->find("details"); details != err->end() && !details->is_array()) {
    r.add("/error/details", "an array", describe(*details));
  }
  return e;
}

}  // namespace ixh
