#include "harness/stream_break.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace ixh {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) ==
                                       std::tolower(static_cast<unsigned char>(b));
                              });
  return it != haystack.end();
}

// libcurl 7.88.1 reports a peer's RST and a broken chunked framing with the same code
// (CURLE_RECV_ERROR); only its message tells them apart (docs/faults.md lists both).
BreakKind classify_recv_error(const HttpObservation& http) {
  if (contains_ci(http.curl_error, "chunk")) return BreakKind::kMalformedChunk;
  return BreakKind::kReset;
}

}  // namespace

std::optional<BreakKind> classify_break(const ObservedStream& s, bool clean_end_ok) {
  switch (s.stop) {
    case StreamStop::kDeadline:
      return BreakKind::kTimeout;
    case StreamStop::kFirstEventTimeout:
      return BreakKind::kFirstEventTimeout;
    case StreamStop::kIdleTimeout:
      return BreakKind::kIdleTimeout;
    case StreamStop::kInterrupt:
      return BreakKind::kInterrupt;
    case StreamStop::kSseParse:
      return BreakKind::kSseParse;
    case StreamStop::kNone:
      break;
  }
  const HttpObservation& h = s.http;
  if (h.error == ErrorClass::kConnect) return BreakKind::kConnect;
  if (h.error == ErrorClass::kSseParse || s.sse_error != SseError::kNone) {
    return BreakKind::kSseParse;
  }
  if (h.error != ErrorClass::kNone) {
    switch (static_cast<CURLcode>(h.curl_code)) {
      case CURLE_PARTIAL_FILE:
        return BreakKind::kCut;
      case CURLE_RECV_ERROR:
        return classify_recv_error(h);
      case CURLE_BAD_CONTENT_ENCODING:
        return BreakKind::kMalformedChunk;
      case CURLE_OPERATION_TIMEDOUT:
        return BreakKind::kTimeout;
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
        return BreakKind::kConnect;
      default:
        // Empty reply (CURLE_GOT_NOTHING), garbage (CURLE_WEIRD_SERVER_REPLY,
        // CURLE_UNSUPPORTED_PROTOCOL for an HTTP/0.9-looking reply) and the rest of broken HTTP.
        return BreakKind::kProtocol;
    }
  }
  if (h.status == 0) return BreakKind::kProtocol;
  if (h.status < 200 || h.status >= 300) return BreakKind::kHttpStatus;
  if (s.saw_terminal()) return std::nullopt;
  if (clean_end_ok && !s.truncated) return std::nullopt;
  // A 2xx stream that ended before its terminal event: the server closed it early.
  return BreakKind::kCut;
}

ErrorClass error_class_of(BreakKind kind) {
  switch (kind) {
    case BreakKind::kConnect:
      return ErrorClass::kConnect;
    case BreakKind::kFirstEventTimeout:
    case BreakKind::kIdleTimeout:
    case BreakKind::kTimeout:
      return ErrorClass::kTimeout;
    case BreakKind::kSseParse:
      return ErrorClass::kSseParse;
    case BreakKind::kHttpStatus:
      return ErrorClass::kHttpStatus;
    case BreakKind::kInterrupt:
      return ErrorClass::kNone;
    case BreakKind::kReset:
    case BreakKind::kCut:
    case BreakKind::kMalformedChunk:
    case BreakKind::kProtocol:
      return ErrorClass::kProtocol;
  }
  return ErrorClass::kProtocol;
}

bool resumable(BreakKind kind, int status) {
  if (kind == BreakKind::kTimeout) return false;  // the step's own time is up
  if (kind != BreakKind::kHttpStatus) return true;
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

}  // namespace ixh
