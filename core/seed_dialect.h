#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/interaction.h"

namespace ixh {

// The seed dialect (DESIGN.md §5, docs/wire-seed.md): exactly the fields the Interactions API
// reference documents. Encoders are pure functions of their arguments; the mock calls them on
// its request threads, tests call them to build golden files.

// SSE `event:` names of the seed dialect, one per EventKind.
inline constexpr std::string_view kSeedStateChangeEvent = "interaction.state_change";
inline constexpr std::string_view kSeedTextDeltaEvent = "interaction.text_delta";
inline constexpr std::string_view kSeedTerminalEvent = "interaction.terminal";
std::string_view seed_event_name(EventKind kind);

// The interaction object of a GET. `input` appears only when snapshot.input is set (the caller
// asked for include_input=true); `usage_metadata` only when the state is terminal.
nlohmann::json seed_interaction_json(const Interaction& snapshot);
std::string encode_seed_interaction(const Interaction& snapshot);

// Appends one SSE frame for `event` to `out`: `event:`, `id:` and a one-line JSON `data:`.
// `snapshot` is the interaction as of this event; only a terminal event embeds it whole.
// Called by the mock's stream writers for every streamed event, on their threads. State changes
// and text deltas whose strings need no escaping are written directly; everything else goes
// through append_seed_event_dom, the definition of the bytes (tests hold the two equal).
void append_seed_event(std::string& out, const Event& event, const Interaction& snapshot);
void append_seed_event_dom(std::string& out, const Event& event, const Interaction& snapshot);
// The direct writer alone: appends and returns true, or returns false having appended nothing.
bool append_seed_event_direct(std::string& out, const Event& event, const Interaction& snapshot);

}  // namespace ixh
