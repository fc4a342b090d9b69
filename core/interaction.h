#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ixh {

// Lifecycle of an interaction. States only move forward: PENDING -> RUNNING -> one terminal.
enum class State : std::uint8_t { kPending, kRunning, kCompleted, kFailed, kCancelled };

// Wire names of the seed dialect: "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED".
std::string_view to_string(State state);
std::optional<State> parse_state(std::string_view name);
bool is_terminal(State state);
// 0 for PENDING, 1 for RUNNING, 2 for every terminal state; a legal move never lowers it.
int state_rank(State state);

struct Usage {
  std::int64_t prompt_token_count = 0;
  std::int64_t candidates_token_count = 0;
  std::int64_t total_token_count = 0;
  bool operator==(const Usage&) const = default;
};

// One entry of an interaction's event log, the unit a stream sends and resumes after.
enum class EventKind : std::uint8_t {
  kStateChange,  // a non-terminal state was entered (the first event is the initial state)
  kTextDelta,    // text appended to one candidate
  kTerminal,     // a terminal state was entered; the last event of every finished log
};
std::string_view to_string(EventKind kind);

struct Event {
  std::string id;          // unique within the log, e.g. "evt_000004"
  std::int64_t at_ms = 0;  // timeline time, relative to the instance's creation
  EventKind kind = EventKind::kStateChange;
  State state = State::kPending;  // the state once this event has happened
  int candidate = 0;              // kTextDelta only
  std::string text;               // kTextDelta only: the delta
};

// What a GET shows at one moment: the dialect-neutral snapshot that encoders turn into bytes.
struct Interaction {
  std::string id;
  std::string model;
  std::optional<std::string> input;                       // set only when the caller asked for it
  std::vector<std::string> candidates = {std::string()};  // [0] is output.text
  State state = State::kPending;
  std::int64_t create_time_ms = 0;  // Unix milliseconds
  std::int64_t update_time_ms = 0;  // Unix milliseconds, never below create_time_ms
  std::optional<Usage> usage;       // present only once terminal
  std::optional<std::string> previous_interaction_id;

  const std::string& output_text() const { return candidates.front(); }
  bool operator==(const Interaction&) const = default;
};

// Id of the n-th event of a log, n counted from 1: "evt_000001". Deterministic by design so a
// client can resume after an id it saw in an earlier run of the same scenario.
std::string event_id(std::size_t ordinal);

}  // namespace ixh
