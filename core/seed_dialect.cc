#include "core/seed_dialect.h"

#include "core/sse_writer.h"
#include "core/utf8.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

std::string dump(const nlohmann::json& j) {
  // Invalid UTF-8 in scripted text must not abort a request thread: replace it instead.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// True when `text` is written into a JSON string unchanged: printable ASCII other than `"` and
// `\\`, or well-formed multi-byte UTF-8 (RFC 3629 ranges). Anything else takes the DOM path,
// whose escaping and U+FFFD replacement stay the only definition of what goes on the wire.
bool verbatim_json_text(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') return false;
      ++p;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p, end);
    if (len == 0) return false;
    p += len;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  out.append(text);
  out.push_back('"');
}

// The members every event ends with, after its own: `"type"` and `"update_time"`, then the close.
void append_event_end(std::string& out, const Event& event, const Interaction& snapshot) {
  out.append(",\"type\":");
  append_json_string(out, to_string(event.kind));
  out.append(",\"update_time\":");
  append_json_string(out, format_iso8601_ms(snapshot.update_time_ms));
  out.push_back('}');
}

// seed_interaction_json's object, written directly in its sorted key order. Returns false,
// writing nothing, when a string needs escaping.
bool append_plain_interaction(std::string& out, const Interaction& snapshot) {
  if (!verbatim_json_text(snapshot.id) || !verbatim_json_text(snapshot.model)) return false;
  if (snapshot.input && !verbatim_json_text(*snapshot.input)) return false;
  if (snapshot.previous_interaction_id && !verbatim_json_text(*snapshot.previous_interaction_id)) {
    return false;
  }
  for (const std::string& text : snapshot.candidates) {
    if (!verbatim_json_text(text)) return false;
  }
  out.append("{\"candidates\":[");
  for (std::size_t i = 0; i < snapshot.candidates.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append("{\"index\":");
    out.append(std::to_string(i));
    out.append(",\"output\":{\"text\":");
    append_json_string(out, snapshot.candidates[i]);
    out.append("}}");
  }
  out.append("],\"create_time\":");
  append_json_string(out, format_iso8601_ms(snapshot.create_time_ms));
  out.append(",\"id\":");
  append_json_string(out, snapshot.id);
  if (snapshot.input) {
    out.append(",\"input\":");
    append_json_string(out, *snapshot.input);
  }
  out.append(",\"model\":");
  append_json_string(out, snapshot.model);
  out.append(",\"output\":{\"text\":");
  append_json_string(out, snapshot.output_text());
  out.push_back('}');
  if (snapshot.previous_interaction_id) {
    out.append(",\"previous_interaction_id\":");
    append_json_string(out, *snapshot.previous_interaction_id);
  }
  out.append(",\"state\":");
  append_json_string(out, to_string(snapshot.state));
  out.append(",\"update_time\":");
  append_json_string(out, format_iso8601_ms(snapshot.update_time_ms));
  if (snapshot.usage && is_terminal(snapshot.state)) {
    out.append(",\"usage_metadata\":{\"candidates_token_count\":");
    out.append(std::to_string(snapshot.usage->candidates_token_count));
    out.append(",\"prompt_token_count\":");
    out.append(std::to_string(snapshot.usage->prompt_token_count));
    out.append(",\"total_token_count\":");
    out.append(std::to_string(snapshot.usage->total_token_count));
    out.push_back('}');
  }
  out.push_back('}');
  return true;
}

// A terminal event: the event's fields around the whole interaction, in sorted key order.
bool append_plain_terminal_data(std::string& out, const Event& event, const Interaction& snapshot) {
  if (!verbatim_json_text(event.id)) return false;
  const std::size_t mark = out.size();
  out.append("{\"id\":");
  append_json_string(out, event.id);
  out.append(",\"interaction\":");
  if (!append_plain_interaction(out, snapshot)) {
    out.resize(mark);
    return false;
  }
  out.append(",\"interaction_id\":");
  append_json_string(out, snapshot.id);
  out.append(",\"state\":");
  append_json_string(out, to_string(event.state));
  append_event_end(out, event, snapshot);
  return true;
}

// The event data a live stream sends, written directly in the key order nlohmann's sorted objects
// give (the mock streams these per event, so the DOM was a third of its CPU per event). Returns
// false, writing nothing, when a string needs escaping.
bool append_plain_event_data(std::string& out, const Event& event, const Interaction& snapshot) {
  if (event.kind == EventKind::kTerminal) return append_plain_terminal_data(out, event, snapshot);
  if (!verbatim_json_text(event.id) || !verbatim_json_text(snapshot.id)) return false;
  if (event.kind == EventKind::kTextDelta && !verbatim_json_text(event.text)) return false;
  out.push_back('{');
  if (event.kind == EventKind::kTextDelta) {
    out.append("\"candidate_index\":");
    out.append(std::to_string(event.candidate));
    out.push_back(',');
  }
  out.append("\"id\":");
  append_json_string(out, event.id);
  out.append(",\"interaction_id\":");
  append_json_string(out, snapshot.id);
  if (event.kind == EventKind::kTextDelta) {
    out.append(",\"output\":{\"text\":");
    append_json_string(out, event.text);
    out.push_back('}');
  } else {
    out.append(",\"state\":");
    append_json_string(out, to_string(event.state));
  }
  append_event_end(out, event, snapshot);
  return true;
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

bool append_seed_event_direct(std::string& out, const Event& event, const Interaction& snapshot) {
  // The data line is JSON on one line, so the SSE framing needs no splitting; build it in a
  // reused buffer so a streamed event allocates nothing once warm.
  thread_local std::string data;
  data.clear();
  if (!append_plain_event_data(data, event, snapshot)) return false;
  append_sse_event(out, seed_event_name(event.kind), event.id, data);
  return true;
}

void append_seed_event(std::string& out, const Event& event, const Interaction& snapshot) {
  if (!append_seed_event_direct(out, event, snapshot)) append_seed_event_dom(out, event, snapshot);
}

void append_seed_event_dom(std::string& out, const Event& event, const Interaction& snapshot) {
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
