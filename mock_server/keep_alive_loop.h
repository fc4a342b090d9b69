#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/wakeable_epoll.h"
#include "mock_server/served_connection.h"

namespace ixh::mock {

// Idle keep-alive connections, parked in one epoll loop instead of each holding a worker thread
// blocked in poll() until its next request. When a parked connection has bytes, the loop asks
// the server what to do: serve the request right there on the loop thread (a whole plain GET
// already buffered: nothing can block), or hand the connection back to a worker (anything
// else). So a client that keeps its connections busy with GETs is served the way an event-loop
// server serves it, without a thread wake-up per request.
//
// The server (ListeningServer) owns it: start() before serving, stop() before stopping the HTTP
// server. Worker threads call park(); `ready` and `to_worker` run on the loop thread.
class KeepAliveLoop {
 public:
  enum class Verdict {
    kKeep,      // stay parked (the request was served, or is not all there yet)
    kClose,     // end the connection
    kToWorker,  // give it to a worker thread (`to_worker`)
    kHandOver,  // it became a stream: complete its hand-over to the stream writer
  };
  using Ready = std::function<Verdict(ServedConnection&)>;
  using ToWorker = std::function<void(std::unique_ptr<ServedConnection>)>;

  KeepAliveLoop(std::chrono::milliseconds idle_timeout, Ready ready, ToWorker to_worker);
  ~KeepAliveLoop();
  KeepAliveLoop(const KeepAliveLoop&) = delete;
  KeepAliveLoop& operator=(const KeepAliveLoop&) = delete;

  bool start(std::string& error);
  // Closes every parked connection and joins the thread; later park() calls return false.
  void stop();

  // Parks `conn` until its next request or the idle timeout. Any thread. False (and `conn` left
  // with the caller) once the loop has stopped.
  bool park(std::unique_ptr<ServedConnection>& conn);

  std::size_t parked() const { return parked_.load(std::memory_order_relaxed); }

 private:
  struct Parked {
    std::unique_ptr<ServedConnection> conn;
    std::int64_t deadline_ns = 0;
  };
  void run();
  void take_inbox();
  void on_event(int fd, std::uint32_t events);
  void drop(int fd);  // unregisters and closes
  void sweep(std::int64_t now_ns);

  const std::chrono::milliseconds idle_timeout_;
  const Ready ready_;
  const ToWorker to_worker_;
  WakeableEpoll epoll_;  // opened by start()
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> parked_{0};
  std::mutex inbox_mu_;
  std::vector<std::unique_ptr<ServedConnection>> inbox_;
  bool closed_ = false;                    // under inbox_mu_
  std::unordered_map<int, Parked> conns_;  // loop thread only
};

}  // namespace ixh::mock
