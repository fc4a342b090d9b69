#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/decoded.h"
#include "core/dialect.h"
#include "core/sse_parser.h"

namespace ixh {

// The decoding half of the genai dialect (docs/wire-genai.md). Like core/seed_decoder.h it never
// throws: every deviation becomes a finding and decoding carries on with what it could read.
// Values come out dialect-neutral (queued -> PENDING, in_progress -> RUNNING, ...), so the
// harness's checks judge both dialects alike. Pure functions, callable from any thread.

// Decodes a GET body, or the "interaction" object interaction.created/completed embed
// (`embedded`: steps optional, no user_input step expected). Judges the types of documented
// fields, status names, the step and content block shapes, update not before create, and
// total_tokens = input + output + thought + tool_use tokens. Text is the concatenated text blocks
// of the model_output steps. The statuses the model lacks (requires_action, incomplete,
// budget_exceeded, requires_continuation) are no finding but leave state_valid false.
//
// The text overloads (and decode_genai_event below) try the fast path of core/fast_decoder.h
// first and decode through a JSON document only when it declines; the results are identical.
DecodedInteraction decode_genai_interaction(std::string_view json_body);
DecodedInteraction decode_genai_interaction(const nlohmann::json& body, bool embedded = false);
// The document path alone, for the differential tests and benchmarks that compare the two.
DecodedInteraction decode_genai_interaction_dom(std::string_view json_body);
inline DecodedInteraction decode_genai_interaction(const std::string& json_body) {
  return decode_genai_interaction(std::string_view(json_body));
}
inline DecodedInteraction decode_genai_interaction(const char* json_body) {
  return decode_genai_interaction(std::string_view(json_body));
}

// Decodes one dispatched SSE event of a genai stream: one line of JSON whose event_type equals
// the SSE event type and which carries a string event_id; no `id:` line (older SDKs crash on
// comment heartbeats after one). interaction.status_update -> a state change, step.delta of type
// text -> a text delta (candidate 0), interaction.completed -> the terminal event with its
// interaction; interaction.created, step.start, step.stop, error, other deltas and unknown event
// types are framing; `data: [DONE]` is the end marker.
DecodedEvent decode_genai_event(const SseEvent& raw);
DecodedEvent decode_genai_event_dom(const SseEvent& raw);

// Dialect dispatch for the driver's decode call sites.
DecodedInteraction decode_interaction(Dialect dialect, std::string_view json_body);
DecodedEvent decode_event(Dialect dialect, const SseEvent& raw);

// The dialect a response is written in, for a driver that was not told: a JSON object with more
// genai-only members (status, object, steps, created, updated, usage) than seed-only ones (state,
// create_time, update_time, output, candidates, usage_metadata) is genai, any other seed; an SSE
// event whose
// type is interaction.created|status_update|completed or step.* or done, or whose data has an
// "event_type", is genai, any other event seed. nullopt when the body is not a JSON object.
std::optional<Dialect> detect_dialect_of_body(std::string_view json_body);
Dialect detect_dialect_of_event(const SseEvent& raw);

}  // namespace ixh
