#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ixh {

// Framing of text/event-stream bodies for the mock server. Each function appends one complete
// block (ending in a blank line) to `out`, so blocks can be concatenated and flushed in any
// grouping. Bytes are passed through as given: callers send valid UTF-8, or a reader will see
// U+FFFD (which is how a fault-injecting caller can provoke that on purpose).

// Called by the mock server for each event it streams. Appends
//   "event: <type>\n"   (omitted when type is empty: readers then report "message")
//   "id: <id>\n"        (omitted when id is empty: readers keep the previous id)
//   "data: <line>\n"    (one per line of data; data is split on CRLF, CR and LF)
//   "\n"
// A conforming reader dispatches exactly one event whose data is `data` with every CRLF and CR
// turned into LF (empty data gives one "data: \n" line, so the event is still dispatched).
// Returns false and leaves `out` unchanged when the frame would not mean what was asked: type or
// id containing CR or LF (it would end the field early), or id containing NUL (readers ignore
// such an id).
bool append_sse_event(std::string& out, std::string_view type, std::string_view id,
                      std::string_view data);

// Called by the mock server for heartbeats. Appends ": <text>\n" per line of text (split like
// data, so a CR or LF in text cannot leak out of the comment; ":\n" when text is empty), then
// "\n". Readers dispatch nothing for it.
void append_sse_comment(std::string& out, std::string_view text);

// Called by the mock server to set the reader's reconnection time. Appends "retry: <ms>\n\n".
// Returns false and leaves `out` unchanged when ms is negative (not expressible as digits).
bool append_sse_retry(std::string& out, std::int64_t ms);

}  // namespace ixh
