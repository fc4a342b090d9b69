#include "core/scenario.h"

namespace ixh {

std::string_view to_string(FaultSpec::Kind kind) {
  switch (kind) {
    case FaultSpec::Kind::kHttpError:
      return "http_error";
    case FaultSpec::Kind::kCut:
      return "cut";
    case FaultSpec::Kind::kReset:
      return "reset";
    case FaultSpec::Kind::kStall:
      return "stall";
    case FaultSpec::Kind::kDrip:
      return "drip";
    case FaultSpec::Kind::kMalformedSse:
      return "malformed_sse";
    case FaultSpec::Kind::kMalformedChunk:
      return "malformed_chunk";
    case FaultSpec::Kind::kGarbage:
      return "garbage";
    case FaultSpec::Kind::kEmptyReply:
      return "empty_reply";
  }
  return "http_error";
}

std::string_view to_string(FaultSpec::Trigger trigger) {
  switch (trigger) {
    case FaultSpec::Trigger::kEvents:
      return "after_events";
    case FaultSpec::Trigger::kBytes:
      return "after_bytes";
    case FaultSpec::Trigger::kMs:
      return "after_ms";
  }
  return "after_events";
}

std::string_view to_string(FaultSpec::SseVariant variant) {
  switch (variant) {
    case FaultSpec::SseVariant::kLongLine:
      return "long_line";
    case FaultSpec::SseVariant::kInvalidUtf8:
      return "invalid_utf8";
    case FaultSpec::SseVariant::kNulInId:
      return "nul_in_id";
    case FaultSpec::SseVariant::kNotJson:
      return "not_json";
    case FaultSpec::SseVariant::kMissingId:
      return "missing_id";
  }
  return "not_json";
}

bool is_stream_only(FaultSpec::Kind kind) {
  switch (kind) {
    case FaultSpec::Kind::kCut:
    case FaultSpec::Kind::kReset:
    case FaultSpec::Kind::kStall:
    case FaultSpec::Kind::kDrip:
    case FaultSpec::Kind::kMalformedSse:
    case FaultSpec::Kind::kMalformedChunk:
      return true;
    case FaultSpec::Kind::kHttpError:
    case FaultSpec::Kind::kGarbage:
    case FaultSpec::Kind::kEmptyReply:
      return false;
  }
  return false;
}

}  // namespace ixh
