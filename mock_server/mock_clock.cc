#include "mock_server/mock_clock.h"

#include <algorithm>
#include <cmath>

namespace ixh::mock {

MockClock::MockClock(const Clock& base, Mode mode, double time_scale)
    : base_(base), mode_(mode), scale_(time_scale), start_ns_(base.now_ns()) {}

std::int64_t MockClock::now_us() const {
  if (mode_ == Mode::kManual) {
    std::lock_guard lock(mu_);
    return manual_us_;
  }
  const auto real_ns = static_cast<double>(base_.now_ns() - start_ns_);
  return static_cast<std::int64_t>(std::floor(real_ns * scale_ / 1000.0));
}

bool MockClock::advance_us(std::int64_t delta_us) {
  if (mode_ != Mode::kManual || delta_us < 0) return false;
  {
    std::lock_guard lock(mu_);
    manual_us_ += delta_us;
    ++generation_;
  }
  cv_.notify_all();
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
  std::unique_lock lock(mu_);
  if (shut_down_) return;
  if (mode_ == Mode::kManual && due_us >= 0 && manual_us_ >= due_us) return;
  const std::uint64_t seen = generation_;
  cv_.wait_for(lock, wait, [&] { return generation_ != seen; });
}

void MockClock::wake_all() {
  {
    std::lock_guard lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

void MockClock::shut_down() {
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    ++generation_;
  }
  cv_.notify_all();
}

}  // namespace ixh::mock
