#include "bench/bench_payload.h"

#include "core/seed_dialect.h"

namespace ixh::bench {
namespace {

constexpr std::int64_t kCreateMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::string filler(std::size_t bytes, std::size_t salt) {
  static constexpr std::string_view kWords = "the quick brown fox jumps over a lazy dog ";
  std::string s;
  s.reserve(bytes);
  for (std::size_t i = 0; i < bytes; ++i) s.push_back(kWords[(i + salt) % kWords.size()]);
  return s;
}

}  // namespace

Interaction sample_interaction(std::size_t text_bytes, const std::string& id) {
  Interaction it;
  it.id = id;
  it.model = "models/bench";
  it.candidates = {filler(text_bytes, 0)};
  it.state = State::kCompleted;
  it.create_time_ms = kCreateMs;
  it.update_time_ms = kCreateMs + 1500;
  it.usage = Usage{12, static_cast<std::int64_t>(text_bytes / 4),
                   12 + static_cast<std::int64_t>(text_bytes / 4)};
  return it;
}

namespace {

// Builds the stream event by event; `final_state` receives the interaction it ends in.
std::string build_stream(std::size_t deltas, std::size_t delta_bytes, const std::string& id,
                         Interaction* final_state) {
  Interaction snapshot;
  snapshot.id = id;
  snapshot.model = "models/bench";
  snapshot.create_time_ms = kCreateMs;
  std::string out;
  std::size_t ordinal = 0;
  auto add = [&](EventKind kind, State state, std::string text) {
    Event ev;
    ev.id = event_id(++ordinal);
    ev.at_ms = static_cast<std::int64_t>(ordinal);
    ev.kind = kind;
    ev.state = state;
    ev.text = std::move(text);
    snapshot.state = state;
    snapshot.update_time_ms = kCreateMs + ev.at_ms;
    if (kind == EventKind::kTextDelta) snapshot.candidates[0] += ev.text;
    if (kind == EventKind::kTerminal) {
      const auto tokens = static_cast<std::int64_t>(snapshot.candidates[0].size() / 4);
      snapshot.usage = Usage{12, tokens, 12 + tokens};
    }
    append_seed_event(out, ev, snapshot);
  };
  add(EventKind::kStateChange, State::kPending, {});
  add(EventKind::kStateChange, State::kRunning, {});
  for (std::size_t i = 0; i < deltas; ++i) {
    add(EventKind::kTextDelta, State::kRunning, filler(delta_bytes, i));
  }
  add(EventKind::kTerminal, State::kCompleted, {});
  if (final_state != nullptr) *final_state = std::move(snapshot);
  return out;
}

}  // namespace

std::string seed_stream(std::size_t deltas, std::size_t delta_bytes, const std::string& id) {
  return build_stream(deltas, delta_bytes, id, nullptr);
}

Interaction seed_stream_final(std::size_t deltas, std::size_t delta_bytes, const std::string& id) {
  Interaction final_state;
  build_stream(deltas, delta_bytes, id, &final_state);
  return final_state;
}

}  // namespace ixh::bench
