#include "mock_server/fault_stream.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/interaction.h"
#include "core/seed_dialect.h"
#include "core/sse_parser.h"
#include "mock_server/served_connection.h"

namespace ixh::mock {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Longest the stream thread sleeps without checking whether its client is still there.
constexpr std::int64_t kLivenessCheckNs = 1'000'000'000;
// Longest a reset waits for the client's TCP to acknowledge what was sent: an RST discards
// data still in flight, which the mock would otherwise count as delivered.
constexpr milliseconds kResetDrainLimit(1000);

// Invalid chunk framing: a size line that is not hexadecimal, then bytes that are not a chunk.
constexpr std::string_view kBadChunk = "zz\r\nnot a chunk\r\n";

}  // namespace

std::string malformed_sse_frame(FaultSpec::SseVariant variant, std::string_view instance_id) {
  std::string frame;
  switch (variant) {
    case FaultSpec::SseVariant::kLongLine: {
      // One byte past the driver's default line limit, not counting the "data: " prefix.
      const std::size_t n = SseLimits{}.max_line_bytes + 1;
      frame.reserve(n + 16);
      frame += "data: ";
      frame.append(n, 'x');
      frame += "\n\n";
      break;
    }
    case FaultSpec::SseVariant::kInvalidUtf8:
      // C3 28: a lead byte without its continuation; FF never occurs in UTF-8.
      frame = ": ixh invalid UTF-8 \xC3\x28 \xFF\n\n";
      break;
    case FaultSpec::SseVariant::kNulInId: {
      // Readers must ignore an id containing NUL and keep the previous one.
      static constexpr char kNulId[] = "id: evt_bogus\0x\n\n";
      frame.assign(kNulId, sizeof kNulId - 1);  // the literal's own NUL is not part of the frame
      break;
    }
    case FaultSpec::SseVariant::kNotJson:
      frame = "event: " + std::string(kSeedTextDeltaEvent) +
              "\ndata: {\"output\": {\"text\": \"unterminated\n\n";
      break;
    case FaultSpec::SseVariant::kMissingId:
      frame = "event: " + std::string(kSeedTextDeltaEvent) + "\ndata: {\"interaction_id\":\"" +
              std::string(instance_id) + "\",\"type\":\"" +
              std::string(to_string(EventKind::kTextDelta)) +
              "\",\"candidate_index\":0,\"output\":{\"text\":\"\"}}\n\n";
      break;
  }
  return frame;
}

FaultStream::FaultStream(const FaultSpec& spec, ConnectionAddress conn, std::string instance_id,
                         MockClock& clock, const std::atomic<bool>& stopping, std::int64_t start_us)
    : spec_(spec),
      conn_(std::move(conn)),
      instance_id_(std::move(instance_id)),
      clock_(clock),
      stopping_(stopping),
      start_us_(start_us) {
  // A drip has no trigger: it shapes every write.
  if (spec_.kind == FaultSpec::Kind::kDrip) fired_ = true;
}

int FaultStream::socket() {
  if (fd_ == -2) {
    // The serving thread knows its socket; the search is for a caller that has none.
    const ServedConnection* served = ServedConnection::current();
    fd_ = served != nullptr ? served->socket() : find_connection_socket(conn_);
  }
  return fd_;
}

bool FaultStream::triggered(std::uint64_t events_sent, std::uint64_t bytes_sent) const {
  const auto after = static_cast<std::uint64_t>(spec_.after);
  switch (spec_.trigger) {
    case FaultSpec::Trigger::kEvents:
      return events_sent >= after;
    case FaultSpec::Trigger::kBytes:
      return bytes_sent >= after;
    case FaultSpec::Trigger::kMs:
      return clock_.now_us() - start_us_ >= spec_.after * 1000;
  }
  return false;
}

std::int64_t FaultStream::deadline_us() const {
  if (fired_ || spec_.trigger != FaultSpec::Trigger::kMs) return -1;
  return start_us_ + spec_.after * 1000;
}

bool FaultStream::strike_end() {
  fired_ = true;
  const int fd = socket();
  // Without the socket the only way left is cpp-httplib's orderly close: a cut.
  ended_ = fd < 0 ? "cut" : std::string(to_string(spec_.kind));
  if (fd >= 0 && spec_.kind == FaultSpec::Kind::kReset) {
    wait_until_acknowledged(fd, kResetDrainLimit);
  }
  if (on_strike_) on_strike_(ended_);
  if (fd < 0) return false;
  switch (spec_.kind) {
    case FaultSpec::Kind::kReset:
      if (!reset_connection(fd)) ended_ = "cut";
      break;
    case FaultSpec::Kind::kMalformedChunk:
      if (!send_raw(fd, kBadChunk)) ended_ = "write_failed";
      shut_down_writes(fd);
      break;
    default:
      // cut: FIN now, before cpp-httplib's own shutdown and close.
      shut_down_writes(fd);
      break;
  }
  return false;
}

bool FaultStream::stall(httplib::DataSink& sink) {
  if (stall_until_us_ < 0) stall_until_us_ = clock_.now_us() + spec_.stall_ms * 1000;
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (!spec_.forever && clock_.now_us() >= stall_until_us_) {
      stall_done_ = true;
      return true;
    }
    clock_.wait_until(spec_.forever ? -1 : stall_until_us_, nanoseconds(kLivenessCheckNs));
    // Silence means no heartbeats either; is_writable() notices a departed client without a
    // single byte.
    if (!sink.is_writable()) return false;
  }
  return false;
}

bool FaultStream::sleep_real_ms(std::int64_t ms) {
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(ms);
  while (!stopping_.load(std::memory_order_relaxed)) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= nanoseconds(0)) return true;
    // Not a scripted deadline: the clock only serves as a sleep that stop() interrupts.
    clock_.wait_until(-1, std::min<nanoseconds>(left, nanoseconds(kLivenessCheckNs)));
  }
  return false;
}

FaultStream::Gate FaultStream::before(httplib::DataSink& sink, std::uint64_t events_sent,
                                      std::uint64_t& bytes_sent) {
  if (fired_) return Gate::kGo;
  if (!triggered(events_sent, bytes_sent)) return Gate::kGo;
  switch (spec_.kind) {
    case FaultSpec::Kind::kStall:
      if (!stall(sink)) return Gate::kEnd;
      fired_ = true;
      return Gate::kGo;
    case FaultSpec::Kind::kMalformedSse: {
      fired_ = true;
      const std::string frame = malformed_sse_frame(spec_.variant, instance_id_);
      if (!sink.write(frame.data(), frame.size())) return Gate::kEnd;
      bytes_sent += frame.size();
      return Gate::kGo;
    }
    case FaultSpec::Kind::kCut:
    case FaultSpec::Kind::kReset:
    case FaultSpec::Kind::kMalformedChunk:
      strike_end();
      return Gate::kEnd;
    default:
      return Gate::kGo;
  }
}

std::size_t FaultStream::events_allowed(std::size_t available, std::uint64_t events_sent) const {
  if (fired_) return available;
  switch (spec_.trigger) {
    case FaultSpec::Trigger::kEvents: {
      const auto after = static_cast<std::uint64_t>(spec_.after);
      const std::uint64_t left = after > events_sent ? after - events_sent : 0;
      return static_cast<std::size_t>(
          std::min<std::uint64_t>(available, std::max<std::uint64_t>(left, 1)));
    }
    case FaultSpec::Trigger::kBytes:
    case FaultSpec::Trigger::kMs:
      // One event per write: the trigger then splits at most that event.
      return std::min<std::size_t>(available, 1);
  }
  return available;
}

FaultStream::Write FaultStream::write(httplib::DataSink& sink, std::string_view bytes,
                                      std::uint64_t& bytes_sent) {
  if (spec_.kind == FaultSpec::Kind::kDrip) {
    const auto piece = static_cast<std::size_t>(spec_.piece_bytes);
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      // Between every two pieces of the response, also across writes (live events, heartbeats).
      if (dripped_ && spec_.delay_ms > 0 && !sleep_real_ms(spec_.delay_ms)) return Write::kFailed;
      dripped_ = true;
      const std::size_t n = std::min(piece, bytes.size() - at);
      if (!sink.write(bytes.data() + at, n)) return Write::kFailed;
      bytes_sent += n;
    }
    return Write::kWritten;
  }
  if (!fired_ && spec_.trigger == FaultSpec::Trigger::kBytes) {
    const auto after = static_cast<std::uint64_t>(spec_.after);
    const std::uint64_t left = after > bytes_sent ? after - bytes_sent : 0;
    if (left < bytes.size()) {
      // The trigger falls inside these bytes: the part before it, then the fault.
      const auto head = static_cast<std::size_t>(left);
      if (head > 0) {
        if (!sink.write(bytes.data(), head)) return Write::kFailed;
        bytes_sent += head;
      }
      if (spec_.kind != FaultSpec::Kind::kStall) {
        strike_end();
        return Write::kEnded;
      }
      if (!stall(sink)) return Write::kEnded;
      fired_ = true;
      bytes.remove_prefix(head);
    }
  }
  if (!sink.write(bytes.data(), bytes.size())) return Write::kFailed;
  bytes_sent += bytes.size();
  return Write::kWritten;
}

}  // namespace ixh::mock
