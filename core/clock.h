#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ixh {

// Monotonic time source. Every component that measures or schedules takes a Clock& so tests can
// substitute FakeClock. Implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since an arbitrary, fixed epoch; never decreases.
  virtual std::int64_t now_ns() const = 0;
};

class SteadyClock final : public Clock {
 public:
  std::int64_t now_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// Test clock: time moves only when a test advances it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ns = 0) : ns_(start_ns) {}
  std::int64_t now_ns() const override { return ns_.load(std::memory_order_acquire); }
  void advance_ns(std::int64_t delta) { ns_.fetch_add(delta, std::memory_order_acq_rel); }
  void advance_ms(std::int64_t delta) { advance_ns(delta * 1'000'000); }

 private:
  std::atomic<std::int64_t> ns_;
};

// Wall-clock milliseconds since the Unix epoch, for timestamps shown on the wire.
std::int64_t unix_now_ms();

}  // namespace ixh
