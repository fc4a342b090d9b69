#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/interaction.h"

namespace ixh {

// The genai dialect (DESIGN.md §5, docs/wire-genai.md): the "steps" wire format the official
// google-genai SDKs send and parse. Encoders are pure functions of their arguments; the mock
// calls them on its request threads, tests call them to build golden files.

// Wire status of a model state: queued, in_progress, completed, failed, cancelled.
std::string_view genai_status(State state);
// The inverse for the five statuses the model has; nullopt for every other name (including the
// genai-only requires_action, incomplete, budget_exceeded and requires_continuation).
std::optional<State> parse_genai_status(std::string_view status);
// Whether `status` is one of the nine statuses the genai dialect defines.
bool is_genai_status(std::string_view status);

// The interaction object of a GET. steps[] holds a user_input step when snapshot.input is set
// and a model_output step once candidate 0 has text; `input` appears only when `include_input`;
// `usage` only when the state is terminal. created/updated have second precision, as the API
// documents them ("2026-05-12T18:44:51Z").
nlohmann::json genai_interaction_json(const Interaction& snapshot, bool include_input);
std::string encode_genai_interaction(const Interaction& snapshot, bool include_input);

// Where one model event sits in its log, which decides the frames it becomes.
struct GenaiFrameContext {
  bool first = false;      // the first event of the log: preceded by interaction.created
  bool step_open = false;  // candidate 0 already had text: the model_output step is open
  bool include_input = false;
};

// Number of frames model event `event` becomes. The last of them carries the event's own id
// (evt_000004); the ones before it carry "<id>.1", "<id>.2", ... in stream order, so a client
// can resume after any frame, including in the middle of a step.
std::size_t genai_frame_count(const Event& event, const GenaiFrameContext& ctx);

// Appends the frames of `event` to `out`, skipping the first `skip` of them (a stream resumed
// after "<id>.<skip>"). `snapshot` is the interaction as of this event; only the first and the
// terminal event embed it (without steps). Frames are `event: <event_type>` plus one `data:`
// line of JSON carrying event_type and event_id: never an `id:` line.
void append_genai_frames(std::string& out, const Event& event, const Interaction& snapshot,
                         const GenaiFrameContext& ctx, std::size_t skip = 0);

// The frame after the terminal event's frames: `event: done` / `data: [DONE]`.
void append_genai_done(std::string& out);

// Splits a genai frame id into the model event id and the frame's position before it:
// "evt_000004" -> {"evt_000004", 0}, "evt_000004.2" -> {"evt_000004", 2}. nullopt when the part
// after the last '.' is not a positive decimal number below 100.
struct GenaiFrameId {
  std::string event_id;
  std::size_t sub = 0;  // 0: the event's own frame; k: its k-th auxiliary frame
};
std::optional<GenaiFrameId> split_genai_frame_id(std::string_view frame_id);

// The error code string of the `error` frame a FAILED interaction's stream carries.
inline constexpr std::string_view kGenaiFailedErrorCode = "internal";

}  // namespace ixh
