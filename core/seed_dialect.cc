#include "core/seed_dialect.h"

#include "core/sse_writer.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

std::string dump(const nlohmann::json& j) {
  // Invalid UTF-8 in scripted text must not abort a request thread: replace it instead.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string_view seed_event_name(EventKind kind) {
  switch (kind) {
    case EventKind::kStateChange:
      return kSeedStateChangeEvent;
    case EventKind::kTextDelta:
      return kSeedTextDeltaEvent;
    case EventKind::kTerminal:
      return kSeedTerminalEvent;
  }
  return kSeedStateChangeEvent;
}

nlohmann::json seed_interaction_json(const Interaction& snapshot) {
  nlohmann::json j = nlohmann::json::object();
  j["id"] = snapshot.id;
  j["model"] = snapshot.model;
  if (snapshot.input) j["input"] = *snapshot.input;
  j["output"] = {{"text", snapshot.output_text()}};
  nlohmann::json candidates = nlohmann::json::array();
  for (std::size_t i = 0; i < snapshot.candidates.size(); ++i) {
    candidates.push_back({{"index", i}, {"output", {{"text", snapshot.candidates[i]}}}});
  }
  j["candidates"] = std::move(candidates);
  j["state"] = std::string(to_string(snapshot.state));
  j["create_time"] = format_iso8601_ms(snapshot.create_time_ms);
  j["update_time"] = format_iso8601_ms(snapshot.update_time_ms);
  if (snapshot.usage && is_terminal(snapshot.state)) {
    j["usage_metadata"] = {{"prompt_token_count", snapshot.usage->prompt_token_count},
                           {"candidates_token_count", snapshot.usage->candidates_token_count},
                           {"total_token_count", snapshot.usage->total_token_count}};
  }
  if (snapshot.previous_interaction_id) {
    j["previous_interaction_id"] = *snapshot.previous_interaction_id;
  }
  return j;
}

std::string encode_seed_interaction(const Interaction& snapshot) {
  return dump(seed_interaction_json(snapshot));
}

void append_seed_event(std::string& out, const Event& event, const Interaction& snapshot) {
  nlohmann::json j = nlohmann::json::object();
  j["id"] = event.id;
  j["interaction_id"] = snapshot.id;
  j["type"] = std::string(to_string(event.kind));
  switch (event.kind) {
    case EventKind::kStateChange:
      j["state"] = std::string(to_string(event.state));
      break;
    case EventKind::kTextDelta:
      j["candidate_index"] = event.candidate;
      j["output"] = {{"text", event.text}};
      break;
    case EventKind::kTerminal:
      j["state"] = std::string(to_string(event.state));
      j["interaction"] = seed_interaction_json(snapshot);
      break;
  }
  j["update_time"] = format_iso8601_ms(snapshot.update_time_ms);
  append_sse_event(out, seed_event_name(event.kind), event.id, dump(j));
}

}  // namespace ixh
