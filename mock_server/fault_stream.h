#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/scenario.h"
#include "mock_server/connection_socket.h"
#include "mock_server/mock_clock.h"

namespace ixh::mock {

// Applies one scripted mid-stream fault (cut, reset, stall, drip, malformed_sse,
// malformed_chunk) to one SSE response, with real bytes on its socket (docs/faults.md). The
// stream's content provider owns it and calls it on the worker thread serving the stream, at
// three hooks: before() at the top of every call, events_allowed() before framing, write()
// instead of DataSink::write for events. It never throws, never busy-waits (every wait sleeps
// on the mock clock, which wakes at once when the server stops), and checks at least once a
// second whether the client is still there.
class FaultStream {
 public:
  // `spec` must outlive this object (it lives in the instance's compiled template, which the
  // stream holds). `start_us` is the response's start on `clock`.
  FaultStream(const FaultSpec& spec, ConnectionAddress conn, std::string instance_id,
              MockClock& clock, const std::atomic<bool>& stopping, std::int64_t start_us);

  enum class Gate {
    kGo,   // go on: write events or wait for them (a stall has already slept)
    kEnd,  // end the response now: return false from the provider
  };
  // Strikes when the trigger is reached: cut, reset and malformed_chunk end the response, stall
  // sleeps through its silence, malformed_sse writes its frame. Counts bytes
  // it writes into `bytes_sent`.
  Gate before(httplib::DataSink& sink, std::uint64_t events_sent, std::uint64_t& bytes_sent);

  // How many of the `available` events the provider may frame into its next write, so that an
  // after_events trigger falls between two writes and an after_bytes one within a single event.
  std::size_t events_allowed(std::size_t available, std::uint64_t events_sent) const;

  enum class Write {
    kWritten,  // every byte went out; the events in it count as delivered
    kEnded,    // the fault struck inside the bytes and ended the response
    kFailed,   // the client is gone or the server is stopping
  };
  // Writes framed events (drip: in pieces; after_bytes: up to the trigger, then strikes).
  Write write(httplib::DataSink& sink, std::string_view bytes, std::uint64_t& bytes_sent);

  // Timeline time at which before() must run even if no event is due (after_ms); -1 for none.
  std::int64_t deadline_us() const;

  // Called with how the response is about to end, just before the fault ends it on the socket,
  // so that whoever watches the journal sees the ending no later than the client sees it.
  void set_on_strike(std::function<void(const std::string& ended)> on_strike) {
    on_strike_ = std::move(on_strike);
  }

  // How the fault ended the response ("cut", "reset", "malformed_chunk"), or "" when it did not.
  const std::string& ended() const { return ended_; }
  // Whether a stall happened (and ended: the stream went on afterwards).
  bool stalled() const { return stall_done_; }

 private:
  bool triggered(std::uint64_t events_sent, std::uint64_t bytes_sent) const;
  // Ends the response the way the fault says. Returns false (the provider then returns false).
  bool strike_end();
  // Sleeps through the stall; false when the client left or the server stopped meanwhile.
  bool stall(httplib::DataSink& sink);
  bool sleep_real_ms(std::int64_t ms);
  int socket();

  const FaultSpec& spec_;
  const ConnectionAddress conn_;
  const std::string instance_id_;
  MockClock& clock_;
  const std::atomic<bool>& stopping_;
  const std::int64_t start_us_;
  int fd_ = -2;  // -2: not looked up yet
  bool fired_ = false;
  bool stall_done_ = false;
  bool dripped_ = false;  // a drip piece went out already
  std::int64_t stall_until_us_ = -1;
  std::string ended_;
  std::function<void(const std::string&)> on_strike_;
};

// The frame a malformed_sse fault inserts (docs/faults.md). Pure; exposed for tests.
std::string malformed_sse_frame(FaultSpec::SseVariant variant, std::string_view instance_id);

}  // namespace ixh::mock
