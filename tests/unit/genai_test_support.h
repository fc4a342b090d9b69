#pragma once

// Shared fixtures of the genai dialect's unit tests: a scripted log and the stream the mock
// frames from it (the same rules as mock_server/dialect_encoding.cc, restated here so the
// encoder is tested without the mock).

#include <string>
#include <vector>

#include "core/genai_dialect.h"
#include "core/interaction.h"

namespace ixh::genai_test {

inline constexpr std::int64_t kCreate = 1'795'000'000'000;  // 2026-11-18T11:06:40.000Z

inline Interaction Completed() {
  Interaction s;
  s.id = "story.u1";
  s.model = "gemini-3.5-flash";
  s.input = "Tell me a story";
  s.candidates = {"Once upon a time."};
  s.state = State::kCompleted;
  s.create_time_ms = kCreate;
  s.update_time_ms = kCreate + 3000;
  s.usage = Usage{5, 7, 12};
  s.previous_interaction_id = "prologue.u1";
  return s;
}

// PENDING, RUNNING, three deltas, then `end` (a terminal state).
inline std::vector<Event> Log(State end = State::kCompleted) {
  return {
      {"evt_000001", 0, EventKind::kStateChange, State::kPending, 0, ""},
      {"evt_000002", 1000, EventKind::kStateChange, State::kRunning, 0, ""},
      {"evt_000003", 1500, EventKind::kTextDelta, State::kRunning, 0, "Once"},
      {"evt_000004", 2000, EventKind::kTextDelta, State::kRunning, 0, " upon a time"},
      {"evt_000005", 2500, EventKind::kTextDelta, State::kRunning, 0, "."},
      {"evt_000006", 3000, EventKind::kTerminal, end, 0, ""},
  };
}

// The bytes of a stream of `log` from event `from` (skipping `skip` frames of it), as the mock
// sends them, [DONE] included once the terminal event is framed.
inline std::string Stream(const std::vector<Event>& log, const Interaction& final_snapshot,
                          bool include_input, std::size_t from = 0, std::size_t skip = 0) {
  std::string out;
  std::string text;
  for (std::size_t i = 0; i < log.size(); ++i) {
    const Event& e = log[i];
    const GenaiFrameContext ctx{i == 0, !text.empty(), include_input};
    Interaction snap = final_snapshot;
    snap.state = e.state;
    snap.update_time_ms = final_snapshot.create_time_ms + e.at_ms;
    if (e.kind != EventKind::kTerminal) snap.usage.reset();
    if (i >= from) append_genai_frames(out, e, snap, ctx, i == from ? skip : 0);
    if (e.kind == EventKind::kTextDelta) text += e.text;
  }
  append_genai_done(out);
  return out;
}

}  // namespace ixh::genai_test
