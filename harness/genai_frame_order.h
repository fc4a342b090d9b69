#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/check.h"

namespace ixh {

// The order of a genai stream's frames (docs/wire-genai.md): interaction.created first (unless
// the stream resumed), steps opened by step.start with indexes counting up from 0, step.delta and
// step.stop only inside the open step and with its index, no step.start while a step is open, and
// interaction.completed only once the step is closed. Judges only streams that carry genai frames
// (a seed stream gets no record). Created by protocol_checks(); evaluated on the virtual user's
// worker thread.
inline constexpr std::string_view kCheckGenaiFrameOrder = "stream.genai_frame_order";
std::unique_ptr<Check> genai_frame_order_check();

// The order problems of one stream's events, at most `max` of them ("\"step.delta\" #5 outside
// an open step": the frame's type as the server sent it, quoted). `resumed`: the stream started
// after last_event_id, so it may begin inside a step and without interaction.created. Used by the
// check and its tests.
std::vector<std::string> genai_frame_order_problems(const EventLog& events, bool resumed,
                                                    std::size_t max = 8);

}  // namespace ixh
