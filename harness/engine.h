#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/wakeable_epoll.h"
#include "harness/curl_handles.h"
#include "harness/transport.h"

namespace ixh {

struct EngineOptions {
  std::int64_t connect_timeout_ms = 5000;
  // "host:port:address" entries, so a host name is resolved once up front and no transfer
  // starts a resolver thread.
  std::vector<std::string> resolve;
  long buffer_size = 16384;  // curl receive buffer of a GET (JSON bodies, read whole)
  // curl receive buffer of a stream (TransferSpec::stream). Held for the stream's whole life, so
  // it is a large share of what a live stream costs; the SSE parser joins lines cut at any byte,
  // so a small one changes nothing but how many bytes each write callback sees (and how many
  // reads a fast stream takes). libcurl's floor is 1024.
  long stream_buffer_size = 4096;
};

// One worker's event loop (the h2load/wrk model): a curl multi handle driven by
// curl_multi_socket_action with epoll and timers, so one thread keeps thousands of transfers in
// flight. Created, driven and destroyed on one worker thread; only wake() may be called from
// elsewhere.
class Engine final : public Transport {
 public:
  Engine(const Clock& clock, EngineOptions options);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const Clock& clock() const override { return clock_; }
  TransferId start(const TransferSpec& spec, TransferHandler* handler) override;
  void cancel(TransferId id) override;
  TimerId schedule(std::int64_t at_ns, std::function<void()> fn) override;
  void cancel_timer(TimerId id) override;

  // Drives I/O and timers until `done()` is true, or nothing is left to wait for (no transfer,
  // no timer). `done` is checked after every batch of work.
  void run(const std::function<bool()>& done);
  // Makes a blocked run() re-check `done` at once. Any thread.
  void wake();

  std::size_t active_transfers() const { return active_; }
  // Of those, the ones started but not yet handed to curl (see admit()).
  std::size_t waiting_transfers() const { return admit_queue_.size(); }
  // How many started transfers one loop turn hands to curl at most.
  static constexpr int kAdmitPerTurn = 64;
  // Sockets opened for connections so far: with keep-alive, far fewer than transfers.
  std::uint64_t connections_opened() const { return connections_opened_; }

 private:
  struct Transfer;
  struct Timer {
    std::int64_t at_ns;
    TimerId id;
    bool operator>(const Timer& o) const { return at_ns != o.at_ns ? at_ns > o.at_ns : id > o.id; }
  };

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* engine, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* engine);
  static curl_socket_t on_open_socket(void* engine, curlsocktype purpose, curl_sockaddr* address);
  static int on_close_socket(void* engine, curl_socket_t s);
  void unpark(int fd);
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* transfer);
  static std::size_t on_write(char* data, std::size_t size, std::size_t n, void* transfer);

  void drain_completions();
  void finish(Transfer* t, CURLcode code);
  void run_due_timers();
  int next_wait_ms() const;
  // A pooled transfer whose easy handle already carries the options every transfer shares.
  Transfer* acquire();
  void release(Transfer* t);
  Transfer* find(TransferId id) const;
  // Hands a started transfer to curl. A loop turn hands over at most kAdmitPerTurn; start()
  // queues the rest and run() admits them turn by turn (admit_queued, at the top of a turn).
  // curl runs every newly added handle in its next timeout action, so thousands started at
  // once (a ramp, a burst of arrivals) would connect in one long call while the live transfers'
  // data waited unread, and be measured late by the driver itself. Their latency still counts
  // from their start, so the wait is measured, not hidden.
  void admit(Transfer* t);
  void admit_queued();

  const Clock& clock_;
  const EngineOptions options_;
  // A proxy variable is set: libcurl reads the environment itself, for every transfer.
  const bool proxy_from_environment_;
  MultiHandle multi_;
  StringList resolve_;
  WakeableEpoll epoll_;
  std::int64_t curl_deadline_ns_ = -1;  // -1: curl wants no timeout callback
  TransferId next_transfer_ = 1;
  TimerId next_timer_ = 1;
  // Every Transfer ever needed, reused for later transfers with its easy handle, so starting
  // one allocates nothing in the steady state. A TransferId is (serial << 32) | slot.
  std::vector<std::unique_ptr<Transfer>> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t active_ = 0;
  std::uint64_t connections_opened_ = 0;
  std::deque<TransferId> admit_queue_;  // started, not yet handed to curl (oldest first)
  int admitted_this_turn_ = 0;
  // epoll registration per socket number: the events registered (0: none), and whether curl has
  // stopped watching it (see on_socket).
  struct FdState {
    std::uint32_t events = 0;
    bool parked = false;
  };
  std::vector<FdState> fds_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timer_queue_;
  std::unordered_map<TimerId, std::function<void()>> timer_fns_;
};

// Maps a libcurl result to the error classes of DESIGN.md §8.
ErrorClass classify_curl_error(CURLcode code);

// The CURL_CSELECT_* bits for curl_multi_socket_action from what epoll reported on a socket.
// An error or hang-up always comes with CURL_CSELECT_IN: libcurl 7.88 fails a transfer whose
// bits are CURL_CSELECT_ERR alone with CURLE_SEND_ERROR "select/poll returned error", and epoll
// can report EPOLLERR alone while the kernel is still processing a peer's RST, so a reset would
// read as a protocol break now and then. With IN, curl reads the socket and reports the error it
// finds there (ECONNRESET: a reset; end of file: a cut). Called by Engine::run for every ready
// socket; pure.
int curl_select_bits(std::uint32_t epoll_events);

}  // namespace ixh
