#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "core/clock.h"

namespace ixh::mock {

// The clock timelines run on (DESIGN.md §7): real time scaled by --time-scale, or a manual clock
// that moves only when the admin API advances it. Stream threads block in wait_until() until the
// next scripted event is due; advance() and wake_all() wake them. Thread-safe.
class MockClock {
 public:
  enum class Mode { kScaled, kManual };

  // `base` supplies real time in scaled mode; it must outlive this object.
  MockClock(const Clock& base, Mode mode, double time_scale);

  Mode mode() const { return mode_; }
  double time_scale() const { return scale_; }

  // Timeline time in microseconds since the mock started. Any thread.
  std::int64_t now_us() const;

  // Manual mode only: moves time forward and wakes every waiter. Returns false in scaled mode.
  // Called by the admin API handler.
  bool advance_us(std::int64_t delta_us);

  // Blocks the calling stream thread until timeline time reaches `due_us`, `max_real_wait`
  // has passed, or wake_all()/advance_us() was called, whichever is first. `due_us` < 0 means
  // no scripted deadline.
  void wait_until(std::int64_t due_us, std::chrono::nanoseconds max_real_wait);

  // Wakes every waiter at once (reset). Any thread.
  void wake_all();

  // Real nanoseconds from now until timeline time reaches `due_us` (0 when it has), or -1 in
  // manual mode, where only advance_us() moves time. Any thread.
  std::int64_t real_ns_until(std::int64_t due_us) const;

  // Also called on every advance_us(), wake_all() and shut_down(), on the calling thread: the
  // stream writer's wake-up, since it waits in epoll rather than here. Set by MockServer before
  // it serves and cleared after every thread that could advance the clock has been joined.
  void set_wake_hook(std::function<void()> hook) { wake_hook_ = std::move(hook); }

  // From now on wait_until() returns at once, so stream threads notice a stopping server
  // without sleeping out their liveness interval. Called once by MockServer::stop().
  void shut_down();

 private:
  // Stream threads wait in one of several shards, picked by thread, so thousands of them sleeping
  // until their own next event do not all contend for one mutex and one futex (measured: with
  // a single pair, futex wake-ups took half the mock's CPU at 1,000 streams). Waking everyone
  // bumps generation_ and notifies every shard.
  static constexpr std::size_t kShards = 64;
  struct alignas(64) Shard {
    std::mutex mu;
    std::condition_variable cv;
  };
  void notify_all_shards();

  const Clock& base_;
  const Mode mode_;
  const double scale_;
  const std::int64_t start_ns_;
  std::atomic<std::int64_t> manual_us_{0};
  std::atomic<std::uint64_t> generation_{0};  // bumped by every wake
  std::atomic<bool> shut_down_{false};
  std::array<Shard, kShards> shards_;
  std::function<void()> wake_hook_;
};

}  // namespace ixh::mock
