#include "core/genai_decoder.h"

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "core/fast_decoder.h"
#include "core/finding_reader.h"
#include "core/genai_dialect.h"
#include "core/seed_decoder.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kTimeFormat = R"(ISO 8601 UTC time like "2026-05-12T18:44:51Z")";
constexpr std::string_view kStatuses =
    "one of the genai statuses (queued, in_progress, requires_action, completed, failed, "
    "cancelled, incomplete, budget_exceeded, requires_continuation)";

// The interaction fields the API documents (docs/wire-genai.md); anything else is a finding.
constexpr std::string_view kInteractionKeys[] = {"id",
                                                 "object",
                                                 "model",
                                                 "agent",
                                                 "status",
                                                 "created",
                                                 "updated",
                                                 "input",
                                                 "steps",
                                                 "usage",
                                                 "previous_interaction_id",
                                                 "agent_config",
                                                 "generation_config",
                                                 "system_instruction",
                                                 "tools",
                                                 "safety_settings",
                                                 "response_format",
                                                 "response_mime_type",
                                                 "response_modalities",
                                                 "service_tier",
                                                 "labels",
                                                 "webhook_config",
                                                 "cached_content",
                                                 "environment",
                                                 "environment_id",
                                                 "continuation_token",
                                                 "errors",
                                                 "background",
                                                 "store"};
constexpr std::string_view kUsageCounts[] = {
    "total_input_tokens",    "total_output_tokens", "total_thought_tokens", "total_cached_tokens",
    "total_tool_use_tokens", "total_tokens",        "initial_input_tokens"};
constexpr std::string_view kUsageKeys[] = {
    "total_input_tokens",        "total_output_tokens",         "total_thought_tokens",
    "total_cached_tokens",       "total_tool_use_tokens",       "total_tokens",
    "initial_input_tokens",      "input_tokens_by_modality",    "output_tokens_by_modality",
    "cached_tokens_by_modality", "tool_use_tokens_by_modality", "grounding_tool_count"};

// Collects findings for one genai document.
class Reader : public FindingReader {
 public:
  explicit Reader(std::vector<DecodeFinding>& findings)
      : FindingReader(findings, "docs/wire-genai.md", kTimeFormat) {}

  // Reads a status; sets state/valid for the five the model has.
  void status(const Json& obj, std::string_view prefix, State& state, bool& valid) {
    const std::string* s = string_field(obj, prefix, "status");
    if (s == nullptr) return;
    if (const auto st = parse_genai_status(*s)) {
      state = *st;
      valid = true;
    } else if (!is_genai_status(*s)) {
      add(pointer_child(prefix, "status"), std::string(kStatuses), finding_quote(*s));
    }
  }
};

// content[] of a step: blocks {type, ...}; returns the concatenated text of its text blocks.
std::string decode_content(Reader& r, const Json& step, const std::string& prefix) {
  std::string text;
  const Json* content = r.typed(step, prefix, "content", false, Json::value_t::array, "an array");
  if (content == nullptr) return text;
  for (std::size_t i = 0; i < content->size(); ++i) {
    const Json& block = (*content)[i];
    const std::string p = prefix + "/content/" + std::to_string(i);
    if (!block.is_object()) {
      r.add(p, "a content block object {type, ...}", describe_json(block));
      continue;
    }
    const std::string* type = r.string_field(block, p, "type");
    if (type != nullptr && *type == "text") {
      if (const std::string* t = r.string_field(block, p, "text")) text += *t;
    }
  }
  return text;
}

void decode_steps(Reader& r, const Json& body, DecodedInteraction& d, bool embedded) {
  const Json* steps = r.typed(body, "", "steps", !embedded, Json::value_t::array, "an array");
  if (steps == nullptr) return;
  std::string text;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Json& step = (*steps)[i];
    const std::string p = "/steps/" + std::to_string(i);
    if (!step.is_object()) {
      r.add(p, "a step object {type, ...}", describe_json(step));
      continue;
    }
    const std::string* type = r.string_field(step, p, "type");
    if (type == nullptr) continue;
    if (*type == "model_output") {
      text += decode_content(r, step, p);
    } else if (*type == "user_input") {
      if (i != 0) r.add(p + "/type", "user_input only as the first step", finding_quote(*type));
      decode_content(r, step, p);
    }
    // Other step types (thought, function_call, ...) carry no text the model knows: clients
    // ignore what they do not know, and so does this decoder.
  }
  d.value.candidates.front() = std::move(text);
}

void decode_usage(Reader& r, const Json& body, DecodedInteraction& d) {
  const auto it = body.find("usage");
  if (it == body.end()) return;
  d.has_usage = true;
  if (!it->is_object()) {
    r.add("/usage", "an object", describe_json(*it));
    return;
  }
  r.unknown_keys(*it, "/usage", kUsageKeys);
  std::int64_t parts = 0;
  bool overflow = false;
  for (std::string_view key : kUsageCounts) {
    const auto n = r.count(*it, "/usage", std::string(key).c_str(), false);
    if (n && (key == "total_input_tokens" || key == "total_output_tokens" ||
              key == "total_thought_tokens" || key == "total_tool_use_tokens")) {
      overflow = overflow || *n > std::numeric_limits<std::int64_t>::max() - parts;
      if (!overflow) parts += *n;
    }
  }
  const auto input = r.count(*it, "/usage", "total_input_tokens", false);
  const auto output = r.count(*it, "/usage", "total_output_tokens", false);
  const auto total = r.count(*it, "/usage", "total_tokens", false);
  if (total && !overflow && *total != parts) {
    r.add("/usage/total_tokens",
          "total_input_tokens + total_output_tokens + total_thought_tokens + "
          "total_tool_use_tokens = " +
              std::to_string(parts),
          std::to_string(*total));
  }
  d.value.usage = Usage{input.value_or(0), output.value_or(0), total.value_or(0)};
}

void decode_frame(Reader& r, const Json& data, const std::string& type, DecodedEvent& ev) {
  ev.framing = true;
  if (type == "interaction.created" || type == "interaction.completed") {
    r.unknown_keys(data, "", {"event_type", "event_id", "interaction", "metadata"});
    const Json* inter = r.typed(data, "", "interaction", true, Json::value_t::object,
                                "an object (the interaction)");
    if (type == "interaction.completed") {
      ev.framing = false;
      ev.kind = EventKind::kTerminal;
    }
    if (inter == nullptr) return;
    DecodedInteraction in = decode_genai_interaction(*inter, true);
    ev.interaction_id = in.value.id;
    ev.state = in.value.state;
    ev.state_valid = in.state_valid;
    ev.update_time_ms = in.value.update_time_ms;
    ev.update_time_valid = in.update_time_valid;
    if (type == "interaction.completed") {
      if (in.state_valid && !is_terminal(in.value.state)) {
        r.add("/interaction/status", "a final status (completed, failed, cancelled, ...)",
              finding_quote(genai_status(in.value.state)));
      }
      ev.interaction = std::move(in);
    }
    return;
  }
  if (type == "interaction.status_update") {
    ev.framing = false;
    ev.kind = EventKind::kStateChange;
    r.unknown_keys(data, "",
                   {"event_type", "event_id", "interaction_id", "status", "usage",
                    "continuation_token", "metadata"});
    if (const std::string* id = r.string_field(data, "", "interaction_id")) {
      ev.interaction_id = *id;
    }
    r.status(data, "", ev.state, ev.state_valid);
    return;
  }
  if (type == "step.start" || type == "step.delta" || type == "step.stop") {
    r.count(data, "", "index", true);
    if (type == "step.start") {
      r.unknown_keys(data, "", {"event_type", "event_id", "index", "step", "metadata"});
      if (const Json* step =
              r.typed(data, "", "step", true, Json::value_t::object, "an object (the step)")) {
        r.string_field(*step, "/step", "type");
      }
    } else if (type == "step.stop") {
      r.unknown_keys(data, "",
                     {"event_type", "event_id", "index", "usage", "step_usage", "metadata"});
    } else {
      r.unknown_keys(data, "", {"event_type", "event_id", "index", "delta", "metadata"});
      const Json* delta =
          r.typed(data, "", "delta", true, Json::value_t::object, "an object (the delta)");
      if (delta == nullptr) return;
      const std::string* dtype = r.string_field(*delta, "/delta", "type");
      if (dtype != nullptr && *dtype == "text") {
        ev.framing = false;
        ev.kind = EventKind::kTextDelta;
        ev.candidate = 0;
        if (const std::string* t = r.string_field(*delta, "/delta", "text")) ev.text = *t;
      }
    }
    return;
  }
  if (type == "error") {
    r.unknown_keys(data, "", {"event_type", "event_id", "error", "metadata"});
    if (const Json* err =
            r.typed(data, "", "error", true, Json::value_t::object, "an object {code, message}")) {
      r.string_field(*err, "/error", "code");
      r.string_field(*err, "/error", "message");
    }
  }
  // Unknown event types: clients must ignore them, so they are framing without a finding.
}

}  // namespace

DecodedInteraction decode_genai_interaction(std::string_view json_body) {
  if (std::optional<DecodedInteraction> fast = fast_decode_genai_interaction(json_body)) {
    return std::move(*fast);
  }
  return decode_genai_interaction_dom(json_body);
}

DecodedInteraction decode_genai_interaction_dom(std::string_view json_body) {
  const Json j = parse_json_lenient(json_body);
  if (j.is_discarded()) {
    DecodedInteraction d;
    d.findings.push_back({"", "a JSON object (the interaction)",
                          json_body.empty() ? "empty" : "not JSON: " + finding_quote(json_body)});
    return d;
  }
  return decode_genai_interaction(j);
}

DecodedInteraction decode_genai_interaction(const Json& body, bool embedded) {
  DecodedInteraction d;
  Reader r(d.findings);
  if (!body.is_object()) {
    r.add("", "a JSON object (the interaction)", describe_json(body));
    return d;
  }
  r.unknown_keys(body, "", kInteractionKeys);
  if (const std::string* id = r.string_field(body, "", "id")) d.value.id = *id;
  if (const std::string* object = r.string_field(body, "", "object", false)) {
    if (*object != "interaction")
      r.add("/object", finding_quote("interaction"), finding_quote(*object));
  }
  const bool has_agent = body.contains("agent");
  if (const std::string* model = r.string_field(body, "", "model", !has_agent)) {
    d.value.model = *model;
  }
  if (has_agent) r.string_field(body, "", "agent");
  r.status(body, "", d.value.state, d.state_valid);
  if (const auto t = r.time_field(body, "", "created", !embedded)) {
    d.value.create_time_ms = *t;
    d.create_time_valid = true;
  }
  if (const auto t = r.time_field(body, "", "updated", !embedded)) {
    d.value.update_time_ms = *t;
    d.update_time_valid = true;
  }
  if (d.create_time_valid && d.update_time_valid &&
      d.value.update_time_ms < d.value.create_time_ms) {
    r.add("/updated",
          "not before created " + finding_quote(format_iso8601_ms(d.value.create_time_ms)),
          finding_quote(format_iso8601_ms(d.value.update_time_ms)));
  }
  if (const auto it = body.find("input"); it != body.end()) {
    // A string, a Content, Content[] or Step[]: any of them is the input.
    d.has_input = true;
    if (it->is_string()) d.value.input = it->get<std::string>();
  }
  decode_steps(r, body, d, embedded);
  decode_usage(r, body, d);
  if (const std::string* prev = r.string_field(body, "", "previous_interaction_id", false)) {
    d.value.previous_interaction_id = *prev;
  }
  return d;
}

DecodedEvent decode_genai_event(const SseEvent& raw) {
  if (std::optional<DecodedEvent> fast = fast_decode_genai_event(raw)) return std::move(*fast);
  return decode_genai_event_dom(raw);
}

DecodedEvent decode_genai_event_dom(const SseEvent& raw) {
  DecodedEvent ev;
  Reader r(ev.findings);
  if (!raw.last_event_id.empty()) {
    r.add("", R"(no SSE "id:" line (event ids travel in data.event_id))",
          "id " + finding_quote(raw.last_event_id));
  }
  if (const auto lines = std::count(raw.data.begin(), raw.data.end(), '\n'); lines > 0) {
    r.add("", R"(one "data:" line)", std::to_string(lines + 1) + " data lines");
  }
  if (raw.data == "[DONE]") {
    ev.framing = true;
    ev.end_marker = true;
    if (raw.type != "done")
      r.add("", R"(SSE event type "done" for [DONE])", finding_quote(raw.type));
    return ev;
  }
  const Json data = parse_json_lenient(raw.data);
  if (data.is_discarded() || !data.is_object()) {
    ev.framing = true;
    r.add("", "data: a JSON object",
          data.is_discarded()
              ? (raw.data.empty() ? "empty" : "not JSON: " + finding_quote(raw.data))
              : describe_json(data));
    return ev;
  }
  const std::string* type = r.string_field(data, "", "event_type");
  if (type != nullptr && raw.type != "message" && raw.type != *type) {
    r.add("/event_type", finding_quote(raw.type) + " (the SSE event type)", finding_quote(*type));
  }
  if (const std::string* id = r.string_field(data, "", "event_id")) ev.id = *id;
  decode_frame(r, data, type != nullptr ? *type : raw.type, ev);
  return ev;
}

DecodedInteraction decode_interaction(Dialect dialect, std::string_view json_body) {
  return dialect == Dialect::kGenai ? decode_genai_interaction(json_body)
                                    : decode_seed_interaction(json_body);
}

DecodedEvent decode_event(Dialect dialect, const SseEvent& raw) {
  return dialect == Dialect::kGenai ? decode_genai_event(raw) : decode_seed_event(raw);
}

std::optional<Dialect> detect_dialect_of_body(std::string_view json_body) {
  const Json j = parse_json_lenient(json_body);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  // A vote over the fields only one dialect has, so that one renamed field of a broken seed body
  // does not make it genai; a tie is seed.
  int votes = 0;
  for (const char* key :
       {"state", "create_time", "update_time", "output", "candidates", "usage_metadata"}) {
    if (j.contains(key)) --votes;
  }
  for (const char* key : {"status", "object", "steps", "created", "updated", "usage"}) {
    if (j.contains(key)) ++votes;
  }
  return votes > 0 ? Dialect::kGenai : Dialect::kSeed;
}

Dialect detect_dialect_of_event(const SseEvent& raw) {
  const std::string_view t = raw.type;
  if (t == "interaction.created" || t == "interaction.status_update" ||
      t == "interaction.completed" || t.substr(0, 5) == "step." || t == "done" ||
      raw.data == "[DONE]") {
    return Dialect::kGenai;
  }
  const Json j = parse_json_lenient(raw.data);
  if (j.is_object() && j.contains("event_type")) return Dialect::kGenai;
  return Dialect::kSeed;
}

}  // namespace ixh
