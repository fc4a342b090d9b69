#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/interaction.h"
#include "core/sse_parser.h"

namespace ixh {

// The decoding half of the seed dialect (docs/wire-seed.md). The driver judges any server with
// it, so nothing here throws: every way a body can deviate from the dialect becomes a finding
// and decoding carries on with what it could read. Pure functions, callable from any thread.

// One deviation from the dialect.
struct DecodeFinding {
  std::string pointer;   // RFC 6901 pointer into the body (or event data) JSON; "" = the whole
  std::string expected;  // e.g. `one of "PENDING", "RUNNING", ...`, `field "state"`
  std::string actual;    // e.g. `"DONE"`, `missing`, `unknown field`
  bool operator==(const DecodeFinding&) const = default;
};

struct DecodedInteraction {
  // What could be read; a field that was missing or malformed keeps its default.
  Interaction value;
  bool has_input = false;  // the body had an "input" field (of any type)
  bool has_usage = false;  // the body had a "usage_metadata" field (of any type)
  // Which of value's judged fields came from the wire, so checks that compare them (state order,
  // time order) skip what the schema findings already report instead of judging defaults.
  bool state_valid = false;
  bool create_time_valid = false;
  bool update_time_valid = false;
  std::vector<DecodeFinding> findings;
  bool ok() const { return findings.empty(); }
};

// Decodes a GET body, or the "interaction" object a terminal event embeds. Judges types and
// presence of every documented field, internal consistency (candidate indexes, candidates[0]
// equals output.text, update_time >= create_time, usage total) and flags unknown fields. It does
// not judge what depends on the request or the state (input asked for, usage only once
// terminal): the harness's checks do.
DecodedInteraction decode_seed_interaction(std::string_view json_body);
DecodedInteraction decode_seed_interaction(const nlohmann::json& body);
// A std::string or a literal converts equally well to both overloads above: pick the text one.
inline DecodedInteraction decode_seed_interaction(const std::string& json_body) {
  return decode_seed_interaction(std::string_view(json_body));
}
inline DecodedInteraction decode_seed_interaction(const char* json_body) {
  return decode_seed_interaction(std::string_view(json_body));
}

struct DecodedEvent {
  EventKind kind = EventKind::kStateChange;  // from the SSE event type, else from data.type
  std::string id;                            // data.id, else the SSE id
  std::string interaction_id;
  State state = State::kPending;  // state_change and terminal only (a text delta has none)
  int candidate = 0;              // text_delta only
  std::string text;               // text_delta only
  std::int64_t update_time_ms = 0;
  bool state_valid = false;        // state_change/terminal: "state" is one of the five names
  bool update_time_valid = false;  // update_time parsed
  // terminal only, when data.interaction is an object. Its findings (pointers relative to that
  // object) stay there: `findings` below is about the event's own fields.
  std::optional<DecodedInteraction> interaction;
  std::vector<DecodeFinding> findings;
  bool ok() const { return findings.empty(); }
};

// Decodes one dispatched SSE event of a seed stream. Checks: the SSE event type is one of
// interaction.state_change|text_delta|terminal and agrees with data.type; data is one line of
// one JSON object; data.id equals the SSE id (a missing `id:` line is a finding); the fields
// each kind requires, and no others; state_change carries a non-terminal state and terminal a
// terminal one, matching its embedded interaction; update_time is ISO 8601.
DecodedEvent decode_seed_event(const SseEvent& raw);

struct DecodedError {
  int code = 0;
  std::string message;
  std::string status;
  std::vector<DecodeFinding> findings;
  bool ok() const { return findings.empty(); }
};

// Decodes {"error":{"code":N,"message":S,"status":S}} (google.rpc.Status; an optional "details"
// array is allowed). code must equal http_status, status must equal
// google_status_name(http_status) when that name is not UNKNOWN, message must be a string.
DecodedError decode_error_body(std::string_view body, int http_status);

// "/state: missing (expected field \"state\")": one finding as reports print it.
std::string format_finding(const DecodeFinding& finding);

}  // namespace ixh
