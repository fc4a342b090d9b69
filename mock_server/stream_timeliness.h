#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ixh::mock {

// How well the stream writer keeps the script: live events (those due after their stream
// began, not replayed ones) written so far, how many went out more than 1 ms and more than
// 20 ms after their scripted time, the latest one, and percentiles of the lateness, in
// timeline milliseconds. StreamWriter counts them; MockServer shows them in GET /_mock/health
// (`server.stream_timeliness`) and `ixh mock` at shutdown, so a load run can tell a late mock
// from a slow client.
struct StreamTimeliness {
  std::uint64_t live_events = 0;
  std::uint64_t late_over_1ms = 0;
  std::uint64_t late_over_20ms = 0;
  double max_lateness_ms = 0;
  // Upper bounds of the lateness buckets (LatenessTally) holding the median, the 99th and the
  // 99.9th percentile: "p99 <= x". 0 without live events.
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
};

// Counts lateness values into fixed buckets: 0.1 ms wide up to 100 ms, 10 ms wide up to 10 s,
// one bucket above. Fixed width keeps record() a division and an increment on the writer's hot
// path and makes percentiles exact to 0.1 ms where a lateness target lives (tens of ms).
// Threading: none inside; StreamWriter records on its thread and reads under its lock.
class LatenessTally {
 public:
  // A value below 0 (written early: cannot happen with a monotonic clock) counts as 0.
  void record(std::int64_t late_us) {
    ++counts_[bucket_of(late_us)];
    ++total_;
  }
  std::uint64_t total() const { return total_; }
  // The upper bound, in ms, of the bucket holding the value at `percentile` (0 < p <= 100);
  // 0 when empty. The open top bucket reports its lower bound, 10 s.
  double upper_ms_at(double percentile) const;

 private:
  static constexpr std::size_t kFine = 1000;   // 0.1 ms buckets: [0, 100 ms)
  static constexpr std::size_t kCoarse = 990;  // 10 ms buckets: [100 ms, 10 s)
  static std::size_t bucket_of(std::int64_t late_us) {
    if (late_us < 0) late_us = 0;
    const auto v = static_cast<std::uint64_t>(late_us);
    if (v < 100'000) return static_cast<std::size_t>(v / 100);
    if (v < 10'000'000) return kFine + static_cast<std::size_t>((v - 100'000) / 10'000);
    return kFine + kCoarse;
  }
  std::array<std::uint64_t, kFine + kCoarse + 1> counts_{};
  std::uint64_t total_ = 0;
};

}  // namespace ixh::mock
