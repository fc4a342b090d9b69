#include "core/interaction.h"

#include <cstdio>

#include "core/scenario.h"

namespace ixh {

std::string_view to_string(State state) {
  switch (state) {
    case State::kPending:
      return "PENDING";
    case State::kRunning:
      return "RUNNING";
    case State::kCompleted:
      return "COMPLETED";
    case State::kFailed:
      return "FAILED";
    case State::kCancelled:
      return "CANCELLED";
  }
  return "PENDING";
}

std::optional<State> parse_state(std::string_view name) {
  for (State s :
       {State::kPending, State::kRunning, State::kCompleted, State::kFailed, State::kCancelled}) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

bool is_terminal(State state) { return state_rank(state) == 2; }

int state_rank(State state) {
  switch (state) {
    case State::kPending:
      return 0;
    case State::kRunning:
      return 1;
    default:
      return 2;
  }
}

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::kStateChange:
      return "state_change";
    case EventKind::kTextDelta:
      return "text_delta";
    case EventKind::kTerminal:
      return "terminal";
  }
  return "state_change";
}

std::string_view to_string(Step::Kind kind) {
  switch (kind) {
    case Step::Kind::kGet:
      return "get";
    case Step::Kind::kStream:
      return "stream";
    case Step::Kind::kPoll:
      return "poll";
    case Step::Kind::kChain:
      return "chain";
    case Step::Kind::kWait:
      return "wait";
  }
  return "get";
}

std::string event_id(std::size_t ordinal) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "evt_%06zu", ordinal);
  return buf;
}

}  // namespace ixh
