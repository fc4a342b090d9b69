#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/interaction.h"
#include "core/scenario.h"

namespace ixh::mock {

// A template turned into its immutable event log, shared by every instance of it. Built once
// when scenarios load; read concurrently by request threads without locks.
struct CompiledTemplate {
  InteractionTemplate tmpl;
  std::vector<Event> events;  // the whole log, ordered by at_ms; ids evt_000001...
  // full_text[c] is candidate c's final text; prefix_len[k * candidates + c] its length once
  // k events have happened (flat, so a million-chunk log stays one allocation).
  std::vector<std::string> full_text;
  std::vector<std::uint32_t> prefix_len;
  Usage usage;                    // scripted, or estimated from the text when not scripted
  std::int64_t terminal_ms = -1;  // when the terminal event happens, -1 if never
};

// Builds the event log of `tmpl`. Generated text is a deterministic function of `seed` and the
// template name. Throws ScenarioError when the log would be unreasonably large. Called at load
// time (cli start-up or the admin load endpoint).
std::shared_ptr<const CompiledTemplate> compile_template(const InteractionTemplate& tmpl,
                                                         std::uint64_t seed);

// Number of events that have happened `elapsed_us` after the instance's creation.
std::size_t visible_events(const CompiledTemplate& compiled, std::int64_t elapsed_us);

// What identifies one instance of a template on the wire.
struct InstanceView {
  std::string id;
  std::int64_t create_time_ms = 0;  // Unix ms
  std::optional<std::string> previous_interaction_id;
};

// The interaction as it stands once the first `n_events` events have happened. Input is set
// only when `include_input`; usage only once terminal. Pure; any thread.
Interaction snapshot_after(const CompiledTemplate& compiled, const InstanceView& instance,
                           std::size_t n_events, bool include_input);

}  // namespace ixh::mock
