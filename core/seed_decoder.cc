#include "core/seed_decoder.h"

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "core/error_body.h"
#include "core/fast_decoder.h"
#include "core/finding_reader.h"
#include "core/seed_dialect.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kStateNames =
    R"(one of "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")";
constexpr std::string_view kTimeFormat = R"(ISO 8601 UTC time like "2026-11-18T11:06:40.000Z")";

// Collects findings for one seed document.
class Reader : public FindingReader {
 public:
  explicit Reader(std::vector<DecodeFinding>& findings)
      : FindingReader(findings, "docs/wire-seed.md", kTimeFormat) {}

  std::optional<State> state(const Json& obj, std::string_view prefix) {
    const std::string* s = string_field(obj, prefix, "state");
    if (s == nullptr) return std::nullopt;
    const std::optional<State> st = parse_state(*s);
    if (!st) add(pointer_child(prefix, "state"), std::string(kStateNames), finding_quote(*s));
    return st;
  }

  // {"text": S} at obj[key]: the output object of the interaction, a candidate and a delta.
  const std::string* output_text(const Json& obj, std::string_view prefix) {
    const Json* out = object_field(obj, prefix, "output");
    if (out == nullptr) return nullptr;
    const std::string out_prefix = pointer_child(prefix, "output");
    unknown_keys(*out, out_prefix, {"text"});
    return string_field(*out, out_prefix, "text");
  }
};

std::string not_json(std::string_view text) {
  if (text.empty()) return "empty";
  return "not JSON: " + finding_quote(text);
}

void decode_candidates(Reader& r, const Json& obj, DecodedInteraction& d,
                       const std::string* output_text) {
  const Json* cands = r.member(obj, "", "candidates", true);
  if (cands == nullptr) return;
  if (!cands->is_array()) {
    r.add("/candidates", "an array", describe_json(*cands));
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
      r.add(prefix, "an object {index, output}", describe_json(c));
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
      r.add("/candidates/0/output/text", "equal to output.text " + finding_quote(*output_text),
            finding_quote(*text));
    }
  }
  d.value.candidates = std::move(texts);
}

void decode_usage(Reader& r, const Json& obj, DecodedInteraction& d) {
  const auto it = obj.find("usage_metadata");
  if (it == obj.end()) return;
  d.has_usage = true;
  if (!it->is_object()) {
    r.add("/usage_metadata", "an object", describe_json(*it));
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
      r.add("/type", finding_one_of({"state_change", "text_delta", "terminal"}),
            finding_quote(*type));
    } else if (sse_kind && *sse_kind != *data_kind) {
      r.add("/type",
            finding_quote(to_string(*sse_kind)) + " (the SSE event type is " +
                finding_quote(raw.type) + ")",
            finding_quote(*type));
    }
  }
  const std::optional<EventKind> kind = sse_kind ? sse_kind : data_kind;
  if (kind) ev.kind = *kind;

  if (const std::string* id = r.string_field(data, "", "id")) {
    ev.id = *id;
    if (!raw.last_event_id.empty() && *id != raw.last_event_id) {
      r.add("/id", "equal to the SSE id " + finding_quote(raw.last_event_id), finding_quote(*id));
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
                finding_quote(to_string(*st)));
        }
      }
      break;
    }
    case EventKind::kTextDelta: {
      r.unknown_keys(data, "",
                     {"id", "interaction_id", "type", "update_time", "candidate_index", "output"});
      if (const auto c =
              r.count(data, "", "candidate_index", true, std::numeric_limits<int>::max())) {
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
                finding_quote(to_string(*st)));
        }
      }
      if (const Json* inter = r.object_field(data, "", "interaction")) {
        ev.interaction = decode_seed_interaction(*inter);
        const DecodedInteraction& in = *ev.interaction;
        if (ev.state_valid && in.state_valid && in.value.state != ev.state) {
          r.add("/interaction/state",
                "equal to the event's state " + finding_quote(to_string(ev.state)),
                finding_quote(to_string(in.value.state)));
        }
        const auto id = inter->find("id");
        const auto iid = data.find("interaction_id");
        if (id != inter->end() && id->is_string() && iid != data.end() && iid->is_string() &&
            *id != *iid) {
          r.add("/interaction/id",
                "equal to interaction_id " + finding_quote(*iid->get_ptr<const std::string*>()),
                finding_quote(*id->get_ptr<const std::string*>()));
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
  if (std::optional<DecodedInteraction> fast = fast_decode_seed_interaction(json_body)) {
    return std::move(*fast);
  }
  return decode_seed_interaction_dom(json_body);
}

DecodedInteraction decode_seed_interaction_dom(std::string_view json_body) {
  const Json j = parse_json_lenient(json_body);
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
    r.add("", "a JSON object (the interaction)", describe_json(body));
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
          "not before create_time " + finding_quote(format_iso8601_ms(d.value.create_time_ms)),
          finding_quote(format_iso8601_ms(d.value.update_time_ms)));
  }
  decode_usage(r, body, d);
  if (const std::string* prev = r.string_field(body, "", "previous_interaction_id", false)) {
    d.value.previous_interaction_id = *prev;
  }
  return d;
}

DecodedEvent decode_seed_event(const SseEvent& raw) {
  if (std::optional<DecodedEvent> fast = fast_decode_seed_event(raw)) return std::move(*fast);
  return decode_seed_event_dom(raw);
}

DecodedEvent decode_seed_event_dom(const SseEvent& raw) {
  DecodedEvent ev;
  ev.id = raw.last_event_id;
  Reader r(ev.findings);
  const std::optional<EventKind> sse_kind = kind_from_event_name(raw.type);
  if (!sse_kind) {
    r.add("",
          "SSE event type " +
              finding_one_of({kSeedStateChangeEvent, kSeedTextDeltaEvent, kSeedTerminalEvent}),
          finding_quote(raw.type));
  }
  if (raw.last_event_id.empty()) r.add("", R"(an SSE "id:" line)", "missing");
  if (const auto lines = std::count(raw.data.begin(), raw.data.end(), '\n'); lines > 0) {
    r.add("", R"(one "data:" line)", std::to_string(lines + 1) + " data lines");
  }
  const Json data = parse_json_lenient(raw.data);
  if (data.is_discarded()) {
    r.add("", "data: a JSON object", not_json(raw.data));
  } else if (!data.is_object()) {
    r.add("", "data: a JSON object", describe_json(data));
  } else {
    decode_event_body(r, data, raw, sse_kind, ev);
  }
  if (!data.is_object() && sse_kind) ev.kind = *sse_kind;
  return ev;
}

DecodedError decode_error_body(std::string_view body, int http_status) {
  DecodedError e;
  Reader r(e.findings);
  const Json j = parse_json_lenient(body);
  constexpr std::string_view kShape = R"(a JSON error body {"error":{"code","message","status"}})";
  if (j.is_discarded()) {
    r.add("", std::string(kShape), not_json(body));
    return e;
  }
  if (!j.is_object()) {
    r.add("", std::string(kShape), describe_json(j));
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
      r.add("/error/code", std::to_string(http_status) + " (the HTTP status)",
            describe_json(*code));
    }
  }
  if (const std::string* message = r.string_field(*err, "/error", "message")) e.message = *message;
  if (const std::string* status = r.string_field(*err, "/error", "status")) {
    e.status = *status;
    const std::string_view name = google_status_name(http_status);
    if (name != "UNKNOWN" && *status != name) {
      r.add("/error/status",
            finding_quote(name) + " (for HTTP " + std::to_string(http_status) + ")",
            finding_quote(*status));
    }
  }
  if (const auto details = err->find("details"); details != err->end() && !details->is_array()) {
    r.add("/error/details", "an array", describe_json(*details));
  }
  return e;
}

}  // namespace ixh
