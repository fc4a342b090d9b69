#include "mock_server/mock_clock.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <thread>

namespace ixh::mock {

MockClock::MockClock(const Clock& base, Mode mode, double time_scale)
    : base_(base), mode_(mode), scale_(time_scale), start_ns_(base.now_ns()) {}

std::int64_t MockClock::now_us() const {
  if (mode_ == Mode::kManual) return manual_us_.load(std::memory_order_acquire);
  const auto real_ns = static_cast<double>(base_.now_ns() - start_ns_);
  return static_cast<std::int64_t>(std::floor(real_ns * scale_ / 1000.0));
}

void MockClock::notify_all_shards() {
  for (Shard& shard : shards_) {
    // Taking the lock orders the bump before any waiter's predicate check: no lost wake-up.
    { std::lock_guard lock(shard.mu); }
    shard.cv.notify_all();
  }
  if (wake_hook_) wake_hook_();
}

std::int64_t MockClock::real_ns_until(std::int64_t due_us) const {
  if (mode_ == Mode::kManual) return -1;
  const std::int64_t ahead_us = due_us - now_us();
  if (ahead_us <= 0) return 0;
  // As in wait_until: land at or just after the due time, never a hair before it.
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(ahead_us) * 1000.0 / scale_)) +
         1000;
}

bool MockClock::advance_us(std::int64_t delta_us) {
  if (mode_ != Mode::kManual || delta_us < 0) return false;
  manual_us_.fetch_add(delta_us, std::memory_order_acq_rel);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  notify_all_shards();
  return true;
}

void MockClock::wait_until(std::int64_t due_us, std::chrono::nanoseconds max_real_wait) {
  std::chrono::nanoseconds wait = max_real_wait;
  if (due_us >= 0 && mode_ == Mode::kScaled) {
    const std::int64_t ahead_us = due_us - now_us();
    if (ahead_us <= 0) return;
    // +1 µs so a wake-up lands at or after the due time, not a hair before it.
    const auto real_ns =
        static_cast<std::int64_t>(std::ceil(static_cast<double>(ahead_us) * 1000.0 / scale_)) +
        1000;
    wait = std::min(wait, std::chrono::nanoseconds(real_ns));
  }
  Shard& shard = shards_[std::hash<std::thread::id>{}(std::this_thread::get_id()) % kShards];
  std::unique_lock lock(shard.mu);
  const std::uint64_t seen = generation_.load(std::memory_order_acquire);
  if (shut_down_.load(std::memory_order_acquire)) return;
  if (mode_ == Mode::kManual && due_us >= 0 &&
      manual_us_.load(std::memory_order_acquire) >= due_us) {
    return;
  }
  shard.cv.wait_for(lock, wait,
                    [&] { return generation_.load(std::memory_order_acquire) != seen; });
}

void MockClock::wake_all() {
  generation_.fetch_add(1, std::memory_order_acq_rel);
  notify_all_shards();
}

void MockClock::shut_down() {
  shut_down_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  notify_all_shards();
}

}  // namespace ixh::mock
