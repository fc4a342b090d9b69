#include "mock_server/timeline.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/errors.h"
#include "core/scenario_loader.h"

namespace ixh::mock {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Readable filler text so generated streams look like prose in logs and dumps.
std::string generate_chunk(std::uint64_t& rng, int bytes) {
  static constexpr std::array<std::string_view, 16> kWords = {
      "the",   "stream",  "of", "tokens", "keeps", "flowing", "while", "every",
      "event", "arrives", "in", "order",  "and",   "nothing", "is",    "lost"};
  std::string out;
  out.reserve(static_cast<std::size_t>(bytes));
  while (out.size() < static_cast<std::size_t>(bytes)) {
    out += kWords[splitmix64(rng) % kWords.size()];
    out += ' ';
  }
  out.resize(static_cast<std::size_t>(bytes));
  return out;
}

std::int64_t estimate_tokens(std::size_t bytes) {
  return static_cast<std::int64_t>((bytes + 3) / 4);
}

class LogBuilder {
 public:
  explicit LogBuilder(CompiledTemplate& c) : c_(c) {
    c_.full_text.assign(static_cast<std::size_t>(std::max(1, c_.tmpl.candidates)), "");
    c_.prefix_len.assign(c_.full_text.size(), 0);
  }

  void add(std::int64_t at_ms, EventKind kind, State state, int candidate = 0,
           std::string text = {}) {
    Event e;
    e.id = event_id(c_.events.size() + 1);
    e.at_ms = at_ms;
    e.kind = kind;
    e.state = state;
    e.candidate = candidate;
    if (kind == EventKind::kTextDelta) {
      c_.full_text[static_cast<std::size_t>(candidate)] += text;
      e.text = std::move(text);
    }
    if (kind == EventKind::kTerminal) c_.terminal_ms = at_ms;
    c_.events.push_back(std::move(e));
    for (const std::string& t : c_.full_text) {
      c_.prefix_len.push_back(static_cast<std::uint32_t>(t.size()));
    }
  }

 private:
  CompiledTemplate& c_;
};

}  // namespace

std::shared_ptr<const CompiledTemplate> compile_template(const InteractionTemplate& tmpl,
                                                         std::uint64_t seed) {
  auto c = std::make_shared<CompiledTemplate>();
  c->tmpl = tmpl;
  LogBuilder log(*c);
  // Every log starts with the initial PENDING state, so a stream opened at once sees an event
  // and event ids count the same way for every template.
  log.add(0, EventKind::kStateChange, State::kPending);
  std::optional<Usage> scripted_usage;
  if (tmpl.generate) {
    const GenerateSpec& g = *tmpl.generate;
    if (static_cast<std::uint64_t>(g.chunks) * static_cast<std::uint64_t>(g.bytes) >
        static_cast<std::uint64_t>(kScenarioMaxGeneratedBytes)) {
      // The loader already refuses this; templates built in code get the same guard.
      throw ScenarioError(tmpl.file, tmpl.pointer + "/generate",
                          "chunks * bytes of at most 268435456 (256 MiB)");
    }
    std::uint64_t rng = seed ^ fnv1a(tmpl.name);
    log.add(g.start_ms, EventKind::kStateChange, State::kRunning);
    std::int64_t at = g.start_ms;
    for (int i = 0; i < g.chunks; ++i) {
      at += g.every_ms;
      log.add(at, EventKind::kTextDelta, State::kRunning, 0, generate_chunk(rng, g.bytes));
    }
    log.add(at, EventKind::kTerminal, g.final_state);
  } else {
    State state = State::kPending;
    for (const TimelineEntry& entry : tmpl.timeline) {
      switch (entry.kind) {
        case TimelineEntry::Kind::kState:
          state = entry.state;
          log.add(entry.after_ms,
                  is_terminal(state) ? EventKind::kTerminal : EventKind::kStateChange, state);
          break;
        case TimelineEntry::Kind::kText:
          log.add(entry.after_ms, EventKind::kTextDelta, state, entry.candidate, entry.text);
          break;
        case TimelineEntry::Kind::kUsage:
          scripted_usage = entry.usage;
          break;
      }
    }
  }
  if (scripted_usage) {
    c->usage = *scripted_usage;
  } else {
    c->usage.prompt_token_count = estimate_tokens(tmpl.input.size());
    for (const std::string& t : c->full_text) {
      c->usage.candidates_token_count += estimate_tokens(t.size());
    }
    c->usage.total_token_count = c->usage.prompt_token_count + c->usage.candidates_token_count;
  }
  return c;
}

std::size_t visible_events(const CompiledTemplate& compiled, std::int64_t elapsed_us) {
  const auto it =
      std::upper_bound(compiled.events.begin(), compiled.events.end(), elapsed_us,
                       [](std::int64_t t, const Event& e) { return t < e.at_ms * 1000; });
  return static_cast<std::size_t>(it - compiled.events.begin());
}

Interaction snapshot_after(const CompiledTemplate& compiled, const InstanceView& instance,
                           std::size_t n_events, bool include_input) {
  n_events = std::min(n_events, compiled.events.size());
  Interaction s;
  s.id = instance.id;
  s.model = compiled.tmpl.model;
  if (include_input) s.input = compiled.tmpl.input;
  const std::size_t n_candidates = compiled.full_text.size();
  s.candidates.clear();
  for (std::size_t i = 0; i < n_candidates; ++i) {
    s.candidates.push_back(
        compiled.full_text[i].substr(0, compiled.prefix_len[n_events * n_candidates + i]));
  }
  s.create_time_ms = instance.create_time_ms;
  s.update_time_ms = instance.create_time_ms;
  if (n_events > 0) {
    const Event& last = compiled.events[n_events - 1];
    s.state = last.state;
    s.update_time_ms += last.at_ms;
  }
  if (is_terminal(s.state)) s.usage = compiled.usage;
  s.previous_interaction_id = instance.previous_interaction_id;
  return s;
}

}  // namespace ixh::mock
