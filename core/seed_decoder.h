#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/decoded.h"
#include "core/interaction.h"
#include "core/sse_parser.h"

namespace ixh {

// The decoding half of the seed dialect (docs/wire-seed.md). The driver judges any server with
// it, so nothing here throws: every way a body can deviate from the dialect becomes a finding
// and decoding carries on with what it could read. Pure functions, callable from any thread.

// Decodes a GET body, or the "interaction" object a terminal event embeds. Judges types and
// presence of every documented field, internal consistency (candidate indexes, candidates[0]
// equals output.text, update_time >= create_time, usage total) and flags unknown fields. It does
// not judge what depends on the request or the state (input asked for, usage only once
// terminal): the harness's checks do.
//
// The text overloads (and decode_seed_event below) try the fast path of core/fast_decoder.h
// first and decode through a JSON document only when it declines; the results are identical.
DecodedInteraction decode_seed_interaction(std::string_view json_body);
DecodedInteraction decode_seed_interaction(const nlohmann::json& body);
// The document path alone, without trying the fast path: for the differential tests and
// benchmarks that compare the two.
DecodedInteraction decode_seed_interaction_dom(std::string_view json_body);
// A std::string or a literal converts equally well to both overloads above: pick the text one.
inline DecodedInteraction decode_seed_interaction(const std::string& json_body) {
  return decode_seed_interaction(std::string_view(json_body));
}
inline DecodedInteraction decode_seed_interaction(const char* json_body) {
  return decode_seed_interaction(std::string_view(json_body));
}

// Decodes one dispatched SSE event of a seed stream. Checks: the SSE event type is one of
// interaction.state_change|text_delta|terminal and agrees with data.type; data is one line of
// one JSON object; data.id equals the SSE id (a missing `id:` line is a finding); the fields
// each kind requires, and no others; state_change carries a non-terminal state and terminal a
// terminal one, matching its embedded interaction; update_time is ISO 8601.
DecodedEvent decode_seed_event(const SseEvent& raw);
DecodedEvent decode_seed_event_dom(const SseEvent& raw);

// Decodes {"error":{"code":N,"message":S,"status":S}} (google.rpc.Status; an optional "details"
// array is allowed). code must equal http_status, status must equal
// google_status_name(http_status) when that name is not UNKNOWN, message must be a string.
DecodedError decode_error_body(std::string_view body, int http_status);

}  // namespace ixh
