#include "harness/observation.h"

#include <algorithm>

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

bool ObservedStream::saw_terminal() const {
  return std::any_of(events.begin(), events.end(),
                     [](const ObservedEvent& e) { return e.decoded.kind == EventKind::kTerminal; });
}

}  // namespace ixh
