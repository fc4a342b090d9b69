#include "reports/histogram.h"

#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

namespace ixh {
namespace {

using histogram_internal::index_of;

constexpr std::int64_t kUnitResolutionEnd = 2048;  // below this, bucket index == value
constexpr std::int64_t kCountsLength = index_of(Histogram::kMaxTrackable) + 1;

// A bucket of the layout: its lowest value and width.
struct Bucket {
  std::int64_t lowest;
  std::int64_t width;
  constexpr std::int64_t highest() const { return lowest + width - 1; }
};

constexpr Bucket bucket_at(std::int64_t index) {
  if (index < kUnitResolutionEnd) return {index, 1};
  const int shift = static_cast<int>(index >> 10) - 1;
  return {((index & 1023) + 1024) << shift, std::int64_t{1} << shift};
}

static_assert(kCountsLength == 23221);
static_assert(index_of(0) == 0 && index_of(2047) == 2047 && index_of(2048) == 2048);
static_assert(bucket_at(index_of(Histogram::kMaxTrackable)).lowest <= Histogram::kMaxTrackable);
static_assert(bucket_at(index_of(Histogram::kMaxTrackable)).highest() >= Histogram::kMaxTrackable);
static_assert(bucket_at(kCountsLength - 1).width * 1000 <= bucket_at(kCountsLength - 1).lowest);

[[noreturn]] void fail(const std::string& pointer, const std::string& what) {
  throw std::invalid_argument("histogram JSON: at " + pointer + ": " + what);
}

// An integer JSON value in [lo, hi], or fail() naming `pointer`.
std::int64_t to_int(const nlohmann::json& j, const std::string& pointer, std::int64_t lo,
                    std::int64_t hi) {
  if (!j.is_number_integer()) fail(pointer, "expected an integer, got " + j.dump());
  bool in_range = false;
  std::int64_t v = 0;
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    in_range = u <= static_cast<std::uint64_t>(hi);
    v = static_cast<std::int64_t>(in_range ? u : 0);
  } else {
    v = j.get<std::int64_t>();
    in_range = v <= hi;
  }
  if (!in_range || v < lo) {
    fail(pointer,
         j.dump() + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

const nlohmann::json& member(const nlohmann::json& doc, const char* key) {
  const auto it = doc.find(key);
  if (it == doc.end()) fail(std::string("/") + key, "missing");
  return *it;
}

std::int64_t int_member(const nlohmann::json& doc, const char* key, std::int64_t lo,
                        std::int64_t hi) {
  return to_int(member(doc, key), std::string("/") + key, lo, hi);
}

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kUint64Max = std::numeric_limits<std::uint64_t>::max();

}  // namespace

Histogram::Histogram() : counts_(static_cast<std::size_t>(kCountsLength), 0) {}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  std::int64_t total = 0;
  if (__builtin_add_overflow(count_, other.count_, &total)) {
    throw std::overflow_error("Histogram::merge: total count would exceed 2^63 - 1");
  }
  // Read everything from `other` before writing: `other` may be *this.
  const auto lo = static_cast<std::size_t>(index_of(other.min_));
  const auto hi = static_cast<std::size_t>(index_of(other.max_));
  for (std::size_t i = lo; i <= hi; ++i) counts_[i] += other.counts_[i];
  // No overflow below: saturated <= count, and sum <= count * kMaxTrackable < 2^96.
  saturated_ += other.saturated_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ = total;
}

void Histogram::reset() noexcept {
  if (count_ != 0) {
    const auto lo = static_cast<std::ptrdiff_t>(index_of(min_));
    const auto hi = static_cast<std::ptrdiff_t>(index_of(max_));
    std::fill(counts_.begin() + lo, counts_.begin() + hi + 1, 0);
  }
  count_ = 0;
  saturated_ = 0;
  min_ = kMaxTrackable;
  max_ = 0;
  sum_ = 0;
}

double Histogram::mean() const noexcept {
  if (count_ == 0) return 0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_));
}

double Histogram::stddev() const noexcept {
  if (count_ == 0) return 0;
  // Two passes over the occupied range, with bucket midpoints clipped to [min, max]; the mean
  // used is the buckets' own, so a histogram whose values share one bucket has stddev 0.
  const std::int64_t lo = index_of(min_);
  const std::int64_t hi = index_of(max_);
  const auto midpoint = [this](std::int64_t index) {
    const Bucket b = bucket_at(index);
    return static_cast<long double>(std::clamp(b.lowest + b.width / 2, min_, max_));
  };
  const auto n = static_cast<long double>(count_);
  long double weighted = 0;
  for (std::int64_t i = lo; i <= hi; ++i) {
    const std::int64_t c = counts_[static_cast<std::size_t>(i)];
    if (c != 0) weighted += static_cast<long double>(c) * midpoint(i);
  }
  const long double m = weighted / n;
  long double squares = 0;
  for (std::int64_t i = lo; i <= hi; ++i) {
    const std::int64_t c = counts_[static_cast<std::size_t>(i)];
    if (c == 0) continue;
    const long double d = midpoint(i) - m;
    squares += static_cast<long double>(c) * d * d;
  }
  return static_cast<double>(std::sqrt(squares / n));
}

std::int64_t Histogram::value_at_percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  if (!(p > 0)) return min_;  // also NaN
  if (p >= 100) return max_;
  // Nearest rank, ceil(p/100 * count). Like HdrHistogram, step p down by one ulp first, so that
  // a p whose double is a hair above its decimal value (99.9 is 99.900000000000006) does not
  // push an exact rank (999 of 1000) to the next one; the product is taken in long double so
  // its own rounding stays well below that step.
  const long double rank_fp = std::ceil(static_cast<long double>(std::nextafter(p, 0.0)) / 100.0L *
                                        static_cast<long double>(count_));
  std::int64_t rank = 1;
  if (rank_fp >= static_cast<long double>(count_)) {
    rank = count_;
  } else if (rank_fp > 1) {
    rank = static_cast<std::int64_t>(rank_fp);
  }
  const std::int64_t lo = index_of(min_);
  const std::int64_t hi = index_of(max_);
  std::int64_t seen = 0;
  for (std::int64_t i = lo; i < hi; ++i) {
    seen += counts_[static_cast<std::size_t>(i)];
    if (seen >= rank) return std::min(bucket_at(i).highest(), max_);
  }
  return max_;
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  if (count_ != 0) {
    for (std::int64_t i = index_of(min_); i <= index_of(max_); ++i) {
      const std::int64_t c = counts_[static_cast<std::size_t>(i)];
      if (c != 0) buckets.push_back(nlohmann::json::array({i, c}));
    }
  }
  nlohmann::json sum;
  if (sum_ <= static_cast<Int128>(kUint64Max)) {
    sum = static_cast<std::uint64_t>(sum_);
  } else {
    std::string digits;
    for (Int128 v = sum_; v != 0; v /= 10) {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    }
    sum = digits;
  }
  return nlohmann::json{{"unit", "us"},
                        {"significant_digits", kSignificantDigits},
                        {"max_trackable", kMaxTrackable},
                        {"count", count_},
                        {"min", min()},
                        {"max", max()},
                        {"sum", std::move(sum)},
                        {"saturated", saturated_},
                        {"buckets", std::move(buckets)}};
}

Histogram Histogram::from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) fail("/", "expected an object, got " + doc.dump());
  static const std::set<std::string> kKeys = {
      "unit", "significant_digits", "max_trackable", "count", "min", "max",
      "sum",  "saturated",          "buckets"};
  for (const auto& [key, value] : doc.items()) {
    if (kKeys.count(key) == 0) fail("/" + key, "unknown key");
  }

  // Layout.
  const nlohmann::json& unit = member(doc, "unit");
  if (unit != "us") fail("/unit", "unknown unit " + unit.dump() + ", expected \"us\"");
  const nlohmann::json& digits = member(doc, "significant_digits");
  if (!digits.is_number_integer() || digits != kSignificantDigits) {
    fail("/significant_digits", "unknown layout: " + digits.dump() +
                                    " significant digits, expected " +
                                    std::to_string(kSignificantDigits));
  }
  const nlohmann::json& max_trackable = member(doc, "max_trackable");
  if (!max_trackable.is_number_integer() || max_trackable != kMaxTrackable) {
    fail("/max_trackable", "unknown layout: max_trackable " + max_trackable.dump() + ", expected " +
                               std::to_string(kMaxTrackable));
  }

  Histogram h;
  h.count_ = int_member(doc, "count", 0, kInt64Max);
  const std::int64_t min = int_member(doc, "min", 0, kMaxTrackable);
  const std::int64_t max = int_member(doc, "max", 0, kMaxTrackable);
  h.saturated_ = int_member(doc, "saturated", 0, h.count_);

  const nlohmann::json& sum = member(doc, "sum");
  if (sum.is_string()) {
    const auto& s = sum.get_ref<const std::string&>();
    if (s.empty() || s.size() > 38 || s.front() == '0' ||
        s.find_first_not_of("0123456789") != std::string::npos) {
      fail("/sum", "expected a non-negative integer, got " + sum.dump());
    }
    for (const char c : s) h.sum_ = h.sum_ * 10 + (c - '0');  // < 10^38 < 2^127
    if (h.sum_ <= static_cast<Int128>(kUint64Max)) {
      fail("/sum", "a sum below 2^64 must be a JSON number, got " + sum.dump());
    }
  } else if (sum.is_number_unsigned()) {
    h.sum_ = sum.get<std::uint64_t>();
  } else if (sum.is_number_integer() && sum.get<std::int64_t>() >= 0) {
    h.sum_ = sum.get<std::int64_t>();
  } else {
    fail("/sum", "expected a non-negative integer, got " + sum.dump());
  }

  const nlohmann::json& buckets = member(doc, "buckets");
  if (!buckets.is_array()) fail("/buckets", "expected an array, got " + buckets.dump());
  std::int64_t total = 0;
  std::int64_t first = -1;
  std::int64_t last = -1;
  Int128 sum_lo = 0;  // bounds of the sum given the buckets and min/max
  Int128 sum_hi = 0;
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    const std::string pointer = "/buckets/" + std::to_string(k);
    const nlohmann::json& pair = buckets[k];
    if (!pair.is_array() || pair.size() != 2) {
      fail(pointer, "expected [index, count], got " + pair.dump());
    }
    const std::int64_t index = to_int(pair[0], pointer + "/0", 0, kCountsLength - 1);
    if (index <= last) {
      fail(pointer + "/0", "bucket index " + std::to_string(index) + " does not ascend (previous " +
                               std::to_string(last) + ")");
    }
    const std::int64_t c = to_int(pair[1], pointer + "/1", 1, kInt64Max);
    if (__builtin_add_overflow(total, c, &total)) {
      fail(pointer + "/1", "bucket counts add up to more than 2^63 - 1");
    }
    h.counts_[static_cast<std::size_t>(index)] = c;
    const Bucket b = bucket_at(index);
    sum_lo += static_cast<Int128>(c) * std::max(b.lowest, min);
    sum_hi += static_cast<Int128>(c) * std::min(b.highest(), max);
    if (first < 0) first = index;
    last = index;
  }

  // Consistency of the summary fields with the buckets.
  if (total != h.count_) {
    fail("/count",
         std::to_string(h.count_) + " but the buckets add up to " + std::to_string(total));
  }
  if (h.count_ == 0) {
    if (min != 0 || max != 0 || h.sum_ != 0) {
      fail("/", "an empty histogram must have min, max and sum 0");
    }
    return h;
  }
  if (index_of(min) != first) {
    fail("/min", std::to_string(min) + " is not in the first non-empty bucket (index " +
                     std::to_string(first) + ")");
  }
  if (index_of(max) != last) {
    fail("/max", std::to_string(max) + " is not in the last non-empty bucket (index " +
                     std::to_string(last) + ")");
  }
  if (min > max) fail("/min", "greater than max");
  if (h.saturated_ > 0 && max != kMaxTrackable) {
    fail("/saturated",
         "saturated values were recorded, so max must be " + std::to_string(kMaxTrackable));
  }
  if (h.saturated_ > h.counts_[static_cast<std::size_t>(last)]) {
    fail("/saturated", "more than the last bucket holds");
  }
  // One recorded value is exactly min and, if there are several values, another one (or, if
  // values were saturated, those) exactly max.
  sum_lo += static_cast<Int128>(std::max<std::int64_t>(h.saturated_, 1)) *
            (max - std::max(bucket_at(last).lowest, min));
  sum_hi -= std::min(bucket_at(first).highest(), max) - min;
  if (h.sum_ < sum_lo || h.sum_ > sum_hi) {
    fail("/sum", "not within the range the buckets allow");
  }
  h.min_ = min;
  h.max_ = max;
  return h;
}

}  // namespace ixh
