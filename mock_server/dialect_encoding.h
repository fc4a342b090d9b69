#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/dialect.h"
#include "mock_server/store.h"

namespace ixh::mock {

// The dialect-specific framing of the interaction routes (docs/wire-seed.md,
// docs/wire-genai.md): both dialects are served from the same store and timelines, and only
// these functions know the bytes. Called on the worker thread that serves the request.

// The body of a GET once `visible` events of the instance's log have happened.
std::string encode_snapshot(Dialect dialect, const Instance& instance, std::size_t visible,
                            bool include_input);

// encode_snapshot, remembered per instance for the last `visible` count (with and without
// include_input), so that repeated GETs of an unchanged interaction share one encoding. Any thread.
std::shared_ptr<const std::string> encode_snapshot_cached(Dialect dialect, const Instance& instance,
                                                          std::size_t visible, bool include_input);

// Where a stream starts: the first event of the log to frame, and how many of that event's
// frames to leave out (genai only: a stream resumed after one of its auxiliary frames).
struct StreamCursor {
  std::size_t event = 0;
  std::size_t skip_frames = 0;
};

// The cursor just after `last_event_id` among the first `visible` events, or nullopt when no
// frame sent so far carries that id. Seed ids name events; genai ids name frames
// ("evt_000004.1" is the first frame before evt_000004's own).
std::optional<StreamCursor> resume_cursor(Dialect dialect, const Instance& instance,
                                          std::size_t visible, std::string_view last_event_id);

// Appends the frames of events [from.event, to) to `out` (after clearing it), leaving out
// from.skip_frames frames of the first. When the terminal event is among them, the stream's end
// follows (genai: `event: done` / `data: [DONE]`).
void frame_events(Dialect dialect, std::string& out, const Instance& instance, StreamCursor from,
                  std::size_t to, bool include_input);

// What a stream resumed after its terminal event sends before it ends (genai: the [DONE] frame;
// seed: nothing).
void append_stream_end(Dialect dialect, std::string& out);

}  // namespace ixh::mock
