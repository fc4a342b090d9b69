#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/dialect.h"
#include "core/wakeable_epoll.h"
#include "mock_server/dialect_encoding.h"
#include "mock_server/journal.h"
#include "mock_server/mock_clock.h"
#include "mock_server/store.h"
#include "mock_server/stream_timeliness.h"

namespace ixh::mock {

// A stream request the interaction handler accepted and journaled, ready to be written: which
// instance, from where, and where its journal entry and verification record are.
struct StreamStart {
  std::shared_ptr<Instance> instance;
  bool include_input = false;
  StreamCursor cursor;
  std::uint64_t journal_seq = 0;
  std::size_t history_index = 0;  // the attempt in the instance's StreamHistory
  std::int64_t start_ns = 0;      // request seen, on the real clock
};

// Writes the SSE responses of unfaulted stream requests for many connections from one thread
// (docs/mock.md, "Capacity"): an epoll loop owning their sockets, a timer heap keyed on each
// stream's next scripted event (timeline time on the MockClock), heartbeats on real time,
// non-blocking writes that wait for EPOLLOUT when the client reads slowly, and client
// departures seen at once (EPOLLRDHUP, EPOLLHUP, EPOLLERR). The bytes are exactly those the
// worker-thread path writes: HTTP chunks of framed events, the terminal event, `0\r\n\r\n`, then
// the connection is closed. Journal and verification records are finished here as a stream ends.
//
// MockServer owns it, start()s it before the HTTP server and stop()s it before stopping that
// server. Worker threads call add(); the MockClock calls wake() when it advances.
class StreamWriter {
 public:
  struct Options {
    Dialect dialect = Dialect::kSeed;
    std::int64_t heartbeat_ms = 15000;
    // A client that takes nothing for this long has its stream ended (`write_failed`), as a
    // blocked write on the worker path times out.
    std::chrono::milliseconds write_timeout{5000};
  };

  StreamWriter(MockClock& clock, const Clock& real_clock, Journal& journal, Options options);
  ~StreamWriter();
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  // Creates the epoll set and starts the thread. False with the reason in `error`.
  bool start(std::string& error);
  // Ends every open stream (`server_stopped`: no terminator, connection closed) and joins the
  // thread. Streams added afterwards end the same way at once. Idempotent.
  void stop();

  // Takes over the connection `fd` (its ownership passes here) whose response head `head` (status
  // line and headers) was prepared but not sent, and writes the stream `start` on it. Any thread.
  void add(int fd, std::string head, StreamStart start);

  // Wakes the loop to look at the clock again (the manual clock moved). Any thread.
  void wake();

  // Streams being written now. Any thread.
  std::size_t live() const { return live_.load(std::memory_order_relaxed); }

  // How well the writer has kept the script so far (mock_server/stream_timeliness.h). Any thread.
  StreamTimeliness timeliness() const;

 private:
  struct Live;
  struct Timer {
    std::int64_t key;  // timeline µs (event timers) or real ns (the others)
    std::uint32_t slot;
    std::uint32_t gen;
    bool operator>(const Timer& o) const { return key > o.key; }
  };
  using TimerHeap = std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>>;
  struct Incoming {
    int fd;
    std::string head;
    StreamStart start;
  };

  void run();
  // Refuses further add()s and ends every stream still waiting in the inbox (`server_stopped`).
  void close_inbox();
  void take_incoming();
  void on_socket(std::uint64_t tag, std::uint32_t events);
  void run_timers();
  std::int64_t wait_ns() const;  // -1: no deadline
  // Writes whatever the timeline has made visible since the last write.
  void service(Live& s);
  void heartbeat(Live& s);
  // Counts the lateness of events [from, to) of `s`, about to be written.
  void note_lateness(const Live& s, std::size_t from, std::size_t to);
  // Sends `wire` (holding `events` events and `payload_bytes` body bytes); what the socket does
  // not take now waits for EPOLLOUT.
  void send_batch(Live& s, std::string_view wire, std::uint64_t events, std::uint64_t payload_bytes,
                  bool terminal);
  void on_writable(Live& s);
  void commit(Live& s);
  void schedule(Live& s);
  void end(Live& s, const char* ended);
  Live* lookup(std::uint32_t slot, std::uint32_t gen);
  void finish_records(const StreamStart& st, std::uint64_t events, std::uint64_t bytes,
                      const char* ended);

  MockClock& clock_;
  const Clock& real_clock_;
  Journal& journal_;
  const Options options_;
  WakeableEpoll epoll_;  // opened by start()
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> live_{0};
  // The writer records once per batch of events; timeliness() reads from any thread.
  mutable std::mutex timeliness_mu_;
  LatenessTally lateness_;
  std::uint64_t late_1ms_ = 0;
  std::uint64_t late_20ms_ = 0;
  std::int64_t max_late_us_ = 0;

  std::mutex inbox_mu_;
  std::vector<Incoming> inbox_;
  bool closed_ = false;  // under inbox_mu_: the loop has ended; add() ends streams itself

  // Loop thread only.
  std::vector<std::unique_ptr<Live>> slots_;
  std::vector<std::uint32_t> slot_gen_;
  std::vector<std::uint32_t> free_slots_;
  TimerHeap event_timers_;  // next scripted event, timeline µs
  TimerHeap real_timers_;   // heartbeat and write timeout, real ns
  std::string payload_;     // scratch: framed events
  std::string wire_;        // scratch: chunk framing around them
};

}  // namespace ixh::mock
