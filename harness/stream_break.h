#pragma once

#include <optional>

#include "harness/observation.h"

namespace ixh {

// Classifies how one stream attempt ended, from its curl result, status, what the driver stopped
// itself and what was received. nullopt: it ended as a stream should (the terminal event
// arrived, or `clean_end_ok` and the transfer ended cleanly: a resume after the terminal event).
// Called by the stream session on its worker thread once the attempt completed.
std::optional<BreakKind> classify_break(const ObservedStream& attempt, bool clean_end_ok);

// The DESIGN.md §8 error class a break is counted under (connect, timeout, http_status,
// protocol, sse_parse); kNone for an interrupt, which the step asked for.
ErrorClass error_class_of(BreakKind kind);

// Whether a resume can help after this break: not for an HTTP status that will not change
// (400, 401, 403, 404, ...: only 408, 425, 429 and 5xx are retried).
bool resumable(BreakKind kind, int status);

}  // namespace ixh
