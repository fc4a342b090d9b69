#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace ixh {

namespace histogram_internal {
// Counts-array index of a value in [0, Histogram::kMaxTrackable]; index == value below 2048.
// Internal to Histogram (it is inline because record() is); nothing else should call it.
constexpr std::int64_t index_of(std::int64_t v) noexcept {
  const int bucket = 53 - std::countl_zero(static_cast<std::uint64_t>(v) | 2047u);
  return (static_cast<std::int64_t>(bucket) << 10) + (v >> bucket);
}
}  // namespace histogram_internal

// HDR-style log-linear histogram of durations in microseconds (DESIGN.md §8): 1 µs to 1 h with
// 3 significant decimal digits, mergeable exactly.
//
// Layout (the standard HdrHistogram layout for lowest = 1, highest = 3'600'000'000, 3 digits):
// index i < 2048 holds exactly the value i (index 0 is the zero bucket); above that, every
// power-of-two range [2^k, 2^(k+1)) is split into 1024 buckets of width 2^(k-10). A bucket is
// therefore never wider than 1/1024 of its lowest value, so every value reported back (by
// value_at_percentile, min, max) is within 0.1% of a value that was recorded.
//
// Threading: none inside. Each driver worker thread owns its histograms and records into them;
// after the run the main thread merges the workers' histograms and reports read the result.
//
// Memory: the counts array (about 181 KiB) is allocated once, in the constructor; record() never
// allocates. Copying copies the array. Moves are deliberately copies too, so a histogram that was
// "moved from" is still a valid histogram (record() has no null check to trip over).
class Histogram {
 public:
  // Values above this are clamped to it and counted by saturated().
  static constexpr std::int64_t kMaxTrackable = 3'600'000'000;  // 1 h in µs
  static constexpr int kSignificantDigits = 3;

  // Called by whoever owns a metric (driver worker setup, report merging, tests). Allocates.
  Histogram();
  Histogram(const Histogram&) = default;
  Histogram& operator=(const Histogram&) = default;
  ~Histogram() = default;

  // Called by the owning worker thread on the hot path (curl callbacks): O(1), no allocation, no
  // locking. A value < 1 (0 or negative) is recorded as 0, in the zero bucket; a value above
  // kMaxTrackable is recorded as kMaxTrackable and counted by saturated().
  void record(std::int64_t value_us) noexcept {
    saturated_ += static_cast<std::int64_t>(value_us > kMaxTrackable);
    const std::int64_t v = std::clamp<std::int64_t>(value_us, 0, kMaxTrackable);
    ++counts_[static_cast<std::size_t>(histogram_internal::index_of(v))];
    ++count_;
    sum_ += v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }

  // Called on the main thread after the run, to fold each worker's histogram (or one read back
  // from a report file) into a total. Exact: counts add bucket by bucket; min, max, sum and
  // saturated combine. Merging a histogram into itself doubles it. Throws std::overflow_error
  // (leaving *this unchanged) if the total count would not fit in int64.
  void merge(const Histogram& other);

  // Called by the owner to start a new measurement window (e.g. after warm-up). Keeps the array.
  void reset() noexcept;

  // Queries, called by reports on the main thread after the run. All return 0 when count() == 0.

  // Number of recorded values, including zeros and saturated ones.
  std::int64_t count() const noexcept { return count_; }
  // How many values were above kMaxTrackable (and were recorded as kMaxTrackable).
  std::int64_t saturated() const noexcept { return saturated_; }
  // Smallest and largest recorded value (after clamping to [0, kMaxTrackable]), exactly.
  std::int64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const noexcept { return max_; }
  // Exact sum of the recorded values (after clamping); exact as long as it is below 2^64.
  long double sum() const noexcept { return static_cast<long double>(sum_); }
  // Exact mean (from the exact sum), rounded to double.
  double mean() const noexcept;
  // Population standard deviation computed from the buckets' midpoints (as HdrHistogram does):
  // exact while all values are below 2048 µs, otherwise off by at most about max() / 2048.
  double stddev() const noexcept;
  // HdrHistogram semantics, nearest rank: the smallest recorded-equivalent value such that at
  // least p% of the recorded values are <= it; reports the highest value equivalent to it (the
  // upper edge of its bucket), clipped to max(). p = 0 gives min(), p = 100 gives max(). p is
  // clamped to [0, 100] (NaN counts as 0). Monotonic in p. O(number of buckets) per call.
  std::int64_t value_at_percentile(double p) const noexcept;

  // Lossless serialisation, for report files (reports write, the report merger reads back):
  //   {"unit":"us","significant_digits":3,"max_trackable":3600000000,"count":N,"min":..,"max":..,
  //    "sum":..,"saturated":..,"buckets":[[index,count],...]}
  // buckets lists only non-empty buckets, by ascending index. "sum" is a JSON number, or a
  // string of decimal digits in the (theoretical) case it exceeds 2^64 - 1.
  nlohmann::json to_json() const;
  // Throws std::invalid_argument, naming the offending JSON pointer, unless the document is
  // exactly what to_json() produces for some histogram: same layout, no unknown keys, valid
  // ascending bucket indexes with positive counts adding up to "count", and min, max, sum and
  // saturated consistent with the buckets. from_json(h.to_json()) == h.
  static Histogram from_json(const nlohmann::json& doc);

  // Bucket-exact equality (counts, min, max, sum, saturated). For tests and the report merger.
  bool operator==(const Histogram& other) const = default;

 private:
  __extension__ typedef __int128 Int128;

  std::vector<std::int64_t> counts_;
  std::int64_t count_ = 0;
  std::int64_t saturated_ = 0;
  std::int64_t min_ = kMaxTrackable;  // meaningful only when count_ > 0
  std::int64_t max_ = 0;
  Int128 sum_ = 0;
};

}  // namespace ixh
