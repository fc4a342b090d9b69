#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace ixh::mock {

// cpp-httplib's task queue, replaced so that threads are started on demand up to `max_threads`
// (--max-connections) with small stacks: a connection holds a worker while a request on it is
// served, and a faulted stream for its whole life. Idle threads are reused, and connections
// beyond the cap wait in FIFO order (counted, never dropped: dropping a job would leak its
// socket). The accept thread and the keep-alive loop call enqueue(); the server calls
// shutdown() once, after the listening socket is closed and the keep-alive loop has stopped.
class WorkerPool final : public httplib::TaskQueue {
 public:
  WorkerPool(std::size_t max_threads, std::size_t stack_bytes);
  ~WorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  // Runs every queued job, then joins all threads.
  void shutdown() override;

  struct Stats {
    std::size_t threads = 0;
    std::size_t busy = 0;
    std::size_t queued = 0;
    std::size_t max_threads = 0;
    std::size_t peak_busy = 0;
  };
  Stats stats() const;

 private:
  static void* thread_main(void* self);
  void run();

  const std::size_t max_threads_;
  const std::size_t stack_bytes_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable exit_cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  std::size_t peak_busy_ = 0;
  bool shutdown_ = false;
};

}  // namespace ixh::mock
