#include "mock_server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace ixh::mock {
namespace {

TEST(WorkerPoolTest, RunsEveryJobBeforeShutdownReturns) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(4, 128 * 1024);
    for (int i = 0; i < 100; ++i) pool.enqueue([&] { ++ran; });
    pool.shutdown();
    EXPECT_EQ(ran.load(), 100);
    EXPECT_EQ(pool.stats().threads, 0u);
  }
}

TEST(WorkerPoolTest, GrowsToTheCapAndQueuesTheRest) {
  WorkerPool pool(3, 128 * 1024);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> started{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      ++started;
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
    });
  }
  // Three blocking jobs occupy every worker; the other two wait their turn.
  for (int i = 0; i < 5000 && started.load() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const WorkerPool::Stats s = pool.stats();
  EXPECT_EQ(started.load(), 3);
  EXPECT_EQ(s.threads, 3u);
  EXPECT_EQ(s.busy, 3u);
  EXPECT_EQ(s.queued, 2u);
  EXPECT_EQ(s.max_threads, 3u);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.shutdown();
  EXPECT_EQ(started.load(), 5);
  EXPECT_EQ(pool.stats().peak_busy, 3u);
}

TEST(WorkerPoolTest, ReusesIdleThreads) {
  WorkerPool pool(8, 128 * 1024);
  for (int round = 0; round < 20; ++round) {
    std::atomic<bool> done{false};
    pool.enqueue([&] { done = true; });
    while (!done) std::this_thread::yield();
    // Let the worker go back to idle before the next job so no second thread is needed.
    for (int i = 0; i < 1000 && pool.stats().busy != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  EXPECT_EQ(pool.stats().threads, 1u);
  pool.shutdown();
}

}  // namespace
}  // namespace ixh::mock
