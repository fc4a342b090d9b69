#include "mock_server/worker_pool.h"

#include <pthread.h>

#include <algorithm>

#include "core/thread_name.h"

namespace ixh::mock {

WorkerPool::WorkerPool(std::size_t max_threads, std::size_t stack_bytes)
    : max_threads_(std::max<std::size_t>(1, max_threads)),
      stack_bytes_(std::max<std::size_t>(PTHREAD_STACK_MIN, stack_bytes)) {}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  bool spawn = false;
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(fn));
    if (idle_ < jobs_.size() && threads_ < max_threads_) {
      ++threads_;
      spawn = true;
    }
  }
  if (spawn) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes_);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t tid;
    const int rc = pthread_create(&tid, &attr, &WorkerPool::thread_main, this);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      // Out of threads: the job stays queued for an existing worker, so it still runs. With no
      // worker at all, run it here rather than leak its socket.
      std::unique_lock lock(mu_);
      --threads_;
      exit_cv_.notify_all();
      if (threads_ == 0 && !jobs_.empty()) {
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        return;
      }
    }
  }
  // Under the lock: enqueue() is also called from the keep-alive loop's thread, and shutdown()
  // (then the destructor) must be ordered after the whole call, not just its queue push.
  std::lock_guard lock(mu_);
  work_cv_.notify_one();
}

void* WorkerPool::thread_main(void* self) {
  name_this_thread("ixh-mock-work");
  static_cast<WorkerPool*>(self)->run();
  return nullptr;
}

void WorkerPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    work_cv_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
    --idle_;
    if (jobs_.empty()) break;  // shutting down and nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    peak_busy_ = std::max(peak_busy_, threads_ - idle_);
    lock.unlock();
    job();
    lock.lock();
  }
  --threads_;
  exit_cv_.notify_all();
}

void WorkerPool::shutdown() {
  std::unique_lock lock(mu_);
  shutdown_ = true;
  work_cv_.notify_all();
  // Threads are detached; wait until the last one has left run() (they use this object).
  exit_cv_.wait(lock, [&] { return threads_ == 0; });
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard lock(mu_);
  return {threads_, threads_ - idle_, jobs_.size(), max_threads_, peak_busy_};
}

}  // namespace ixh::mock
