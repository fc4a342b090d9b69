#include "harness/observation.h"

#include <algorithm>
#include <iterator>

namespace ixh {

std::string_view to_string(ErrorClass error) {
  switch (error) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kConnect:
      return "connect";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kHttpStatus:
      return "http_status";
    case ErrorClass::kProtocol:
      return "protocol";
    case ErrorClass::kSseParse:
      return "sse_parse";
    case ErrorClass::kCancelled:
      return "cancelled";
  }
  return "none";
}

std::string_view to_string(BreakKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kBreakKindNames) ? kBreakKindNames[i] : "cut";
}

std::string ObservedStream::last_id() const {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (!it->decoded.id.empty()) return it->decoded.id;
    if (!it->raw.last_event_id.empty()) return it->raw.last_event_id;
  }
  return "";
}

bool ObservedStream::saw_terminal() const {
  return std::any_of(events.begin(), events.end(),
                     [](const ObservedEvent& e) { return e.decoded.kind == EventKind::kTerminal; });
}

}  // namespace ixh
