#include "reports/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ixh {
namespace {

constexpr std::int64_t kMax = Histogram::kMaxTrackable;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// A percentile both as the double the API takes and exactly, in parts per million, so the
// reference rank is computed in integers.
struct Percentile {
  double p;
  std::int64_t ppm;
};
constexpr Percentile kPercentiles[] = {
    {0, 0},          {1, 10'000},      {10, 100'000},    {25, 250'000},
    {50, 500'000},   {75, 750'000},    {90, 900'000},    {99, 990'000},
    {99.9, 999'000}, {99.99, 999'900}, {100, 1'000'000},
};

std::int64_t Clamped(std::int64_t v) { return std::clamp<std::int64_t>(v, 0, kMax); }

// Nearest rank on the sorted, clamped values: the ceil(p * n)-th smallest (the smallest for 0).
std::int64_t ExactPercentile(const std::vector<std::int64_t>& sorted, std::int64_t ppm) {
  const auto n = static_cast<std::int64_t>(sorted.size());
  const std::int64_t rank = std::max<std::int64_t>(1, (ppm * n + 999'999) / 1'000'000);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

Histogram Record(const std::vector<std::int64_t>& values) {
  Histogram h;
  for (const std::int64_t v : values) h.record(v);
  return h;
}

// Checks every query of a histogram of `values` against the exact answer.
void ExpectMatchesExact(const std::vector<std::int64_t>& values) {
  ASSERT_FALSE(values.empty());
  const Histogram h = Record(values);
  std::vector<std::int64_t> sorted;
  std::int64_t saturated = 0;
  for (const std::int64_t v : values) {
    sorted.push_back(Clamped(v));
    saturated += v > kMax ? 1 : 0;
  }
  std::sort(sorted.begin(), sorted.end());

  EXPECT_EQ(h.count(), static_cast<std::int64_t>(values.size()));
  EXPECT_EQ(h.saturated(), saturated);
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.max(), sorted.back());

  for (const Percentile& pc : kPercentiles) {
    SCOPED_TRACE("p = " + std::to_string(pc.p));
    const std::int64_t want = ExactPercentile(sorted, pc.ppm);
    const std::int64_t got = h.value_at_percentile(pc.p);
    if (want < 2048) {
      EXPECT_EQ(got, want);  // buckets of width 1
    } else {
      // The highest value equivalent to the exact one: never below it, at most 0.1% above.
      EXPECT_GE(got, want);
      EXPECT_LE(static_cast<double>(got - want), static_cast<double>(want) / 1000);
    }
  }

  long double sum = 0;
  for (const std::int64_t v : sorted) sum += static_cast<long double>(v);
  const long double n = static_cast<long double>(sorted.size());
  const long double mean = sum / n;
  long double squares = 0;
  for (const std::int64_t v : sorted) {
    squares += (static_cast<long double>(v) - mean) * (static_cast<long double>(v) - mean);
  }
  const double stddev = static_cast<double>(std::sqrt(squares / n));
  EXPECT_EQ(h.sum(), sum);
  EXPECT_NEAR(h.mean(), static_cast<double>(mean), static_cast<double>(mean) * 1e-12);
  EXPECT_NEAR(h.stddev(), stddev, stddev * 1e-3);

  EXPECT_EQ(Histogram::from_json(h.to_json()), h);
}

std::vector<std::int64_t> UniformValues(std::size_t n, std::int64_t lo, std::int64_t hi,
                                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> dist(lo, hi);
  std::vector<std::int64_t> values(n);
  for (auto& v : values) v = dist(rng);
  return values;
}

std::vector<std::int64_t> LogUniformValues(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0, std::log(static_cast<double>(kMax)));
  std::vector<std::int64_t> values(n);
  for (auto& v : values) v = std::llround(std::exp(exponent(rng)));
  return values;
}

TEST(HistogramTest, PercentilesMatchExactWithinOneThousandthOnUniformValues) {
  ExpectMatchesExact(UniformValues(200'000, 1, kMax, 42));
}

TEST(HistogramTest, PercentilesMatchExactWithinOneThousandthOnLogUniformValues) {
  ExpectMatchesExact(LogUniformValues(200'000, 7));
}

TEST(HistogramTest, PercentilesMatchExactOnAConstant) {
  ExpectMatchesExact(std::vector<std::int64_t>(1000, 123'457));
  const Histogram h = Record(std::vector<std::int64_t>(1000, 123'457));
  for (const Percentile& pc : kPercentiles) EXPECT_EQ(h.value_at_percentile(pc.p), 123'457);
  EXPECT_EQ(h.stddev(), 0);
}

TEST(HistogramTest, PercentilesMatchExactOnTwoFarApartClusters) {
  // 90% around 150 µs and 10% around 50 min: p90 is exactly the last value of the low cluster.
  std::vector<std::int64_t> values = UniformValues(90'000, 140, 160, 1);
  const std::vector<std::int64_t> high = UniformValues(10'000, 2'999'995'000, 3'000'005'000, 2);
  values.insert(values.end(), high.begin(), high.end());
  ExpectMatchesExact(values);
  const Histogram h = Record(values);
  EXPECT_LE(h.value_at_percentile(90), 160);
  EXPECT_GE(h.value_at_percentile(90.001), 2'999'995'000);
}

TEST(HistogramTest, PercentilesMatchExactOnBucketEdges) {
  // Powers of two and their neighbours are where the layout's bucket widths change.
  std::vector<std::int64_t> values;
  for (int k = 0; k <= 31; ++k) {
    const std::int64_t p = std::int64_t{1} << k;
    for (const std::int64_t v : {p - 1, p, p + 1}) {
      if (v <= kMax) values.insert(values.end(), static_cast<std::size_t>(k % 3 + 1), v);
    }
  }
  values.push_back(kMax - 1);
  values.push_back(kMax);
  ExpectMatchesExact(values);
  // Each single edge value on its own comes back exactly (clipped to min and max).
  for (const std::int64_t v : values) {
    const Histogram h = Record({v});
    EXPECT_EQ(h.value_at_percentile(50), v);
  }
}

TEST(HistogramTest, PercentilesAreExactForValuesOneToFiveThousand) {
  std::vector<std::int64_t> values;
  for (std::int64_t v = 1; v <= 5000; ++v) values.push_back(v);
  ExpectMatchesExact(values);
  const Histogram h = Record(values);
  EXPECT_EQ(h.value_at_percentile(0), 1);
  EXPECT_EQ(h.value_at_percentile(0.02), 1);
  EXPECT_EQ(h.value_at_percentile(0.0201), 2);
  EXPECT_EQ(h.value_at_percentile(40), 2000);
  EXPECT_EQ(h.value_at_percentile(50), 2501);  // the bucket {2500, 2501}, upper edge
  EXPECT_EQ(h.value_at_percentile(100), 5000);
}

TEST(HistogramTest, PercentileRankIsNotPushedUpByFloatingPoint) {
  // 99.9 as a double is a hair above 99.9; the rank of 999 values out of 1000 must stay 999.
  std::vector<std::int64_t> values;
  for (std::int64_t v = 1; v <= 1000; ++v) values.push_back(v);
  const Histogram h = Record(values);
  EXPECT_EQ(h.value_at_percentile(99.9), 999);
  EXPECT_EQ(h.value_at_percentile(0.1), 1);
  EXPECT_EQ(h.value_at_percentile(0.3), 3);
  EXPECT_EQ(h.value_at_percentile(70), 700);
  EXPECT_EQ(h.value_at_percentile(70.01), 701);
}

TEST(HistogramTest, SingleValueIsReportedExactlyEverywhere) {
  ExpectMatchesExact({987'654'321});
  const Histogram h = Record({987'654'321});
  for (const Percentile& pc : kPercentiles) EXPECT_EQ(h.value_at_percentile(pc.p), 987'654'321);
  EXPECT_EQ(h.min(), 987'654'321);
  EXPECT_EQ(h.max(), 987'654'321);
  EXPECT_EQ(h.mean(), 987'654'321);
  EXPECT_EQ(h.stddev(), 0);
}

TEST(HistogramTest, ZeroAndNegativeValuesAreRecordedAsZero) {
  const std::vector<std::int64_t> values = {0, -1, -5, std::numeric_limits<std::int64_t>::min(),
                                            0, 3,  5};
  ExpectMatchesExact(values);
  const Histogram h = Record(values);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
  EXPECT_EQ(h.value_at_percentile(75), 3);
  EXPECT_EQ(h.sum(), 8);
  EXPECT_EQ(h.saturated(), 0);
  EXPECT_EQ(h.to_json()["buckets"], nlohmann::json::parse("[[0,5],[3,1],[5,1]]"));
}

TEST(HistogramTest, ValuesAboveOneHourAreClampedAndCountedAsSaturated) {
  const std::vector<std::int64_t> values = {kMax + 1, 1'000'000'000'000, kInt64Max, 5, kMax};
  ExpectMatchesExact(values);
  const Histogram h = Record(values);
  EXPECT_EQ(h.saturated(), 3);  // kMax itself is trackable
  EXPECT_EQ(h.max(), kMax);
  EXPECT_EQ(h.value_at_percentile(100), kMax);
  EXPECT_EQ(h.value_at_percentile(50), kMax);
  EXPECT_EQ(h.sum(), 4.0L * kMax + 5);
}

TEST(HistogramTest, EmptyHistogramAnswersZero) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.sum(), 0);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.stddev(), 0);
  EXPECT_EQ(h.saturated(), 0);
  for (const Percentile& pc : kPercentiles) EXPECT_EQ(h.value_at_percentile(pc.p), 0);
  EXPECT_EQ(Histogram::from_json(h.to_json()), h);
}

TEST(HistogramTest, PercentileArgumentIsClamped) {
  const Histogram h = Record({10, 20, 30});
  EXPECT_EQ(h.value_at_percentile(-5), 10);
  EXPECT_EQ(h.value_at_percentile(std::nan("")), 10);
  EXPECT_EQ(h.value_at_percentile(250), 30);
  EXPECT_EQ(h.value_at_percentile(std::numeric_limits<double>::infinity()), 30);
  EXPECT_EQ(h.value_at_percentile(1e-300), 10);
}

TEST(HistogramTest, PercentilesAreMonotonic) {
  std::vector<std::int64_t> values = LogUniformValues(50'000, 11);
  values.insert(values.end(), 20'000, 0);
  values.insert(values.end(), 5'000, kMax + 7);
  const Histogram h = Record(values);
  std::int64_t previous = h.value_at_percentile(0);
  EXPECT_EQ(previous, h.min());
  for (int i = 1; i <= 2000; ++i) {
    const double p = i / 20.0;
    const std::int64_t v = h.value_at_percentile(p);
    EXPECT_GE(v, previous) << "p = " << p;
    EXPECT_LE(v, h.max());
    previous = v;
  }
  EXPECT_EQ(previous, h.max());
}

TEST(HistogramTest, MergeOfShardsEqualsOneHistogramOfAllValues) {
  const std::vector<std::int64_t> values = LogUniformValues(100'000, 3);
  const Histogram whole = Record(values);
  // 9 shards, values dealt round-robin to 7 of them; shards 2 and 5 stay empty.
  std::vector<Histogram> shards(9);
  const std::size_t used[] = {0, 1, 3, 4, 6, 7, 8};
  for (std::size_t i = 0; i < values.size(); ++i) shards[used[i % 7]].record(values[i]);

  Histogram merged;
  for (const Histogram& s : shards) merged.merge(s);
  EXPECT_EQ(merged, whole);
  EXPECT_EQ(merged.count(), 100'000);

  // In reverse order, starting from a non-empty one.
  Histogram reversed = shards[8];
  for (int i = 7; i >= 0; --i) reversed.merge(shards[static_cast<std::size_t>(i)]);
  EXPECT_EQ(reversed, whole);

  // Through the report files' JSON, as the report merger does.
  Histogram from_files;
  for (const Histogram& s : shards) from_files.merge(Histogram::from_json(s.to_json()));
  EXPECT_EQ(from_files, whole);
}

TEST(HistogramTest, MergeCombinesMinMaxSumAndSaturated) {
  Histogram a = Record({500, 7'000, kMax + 1});
  const Histogram b = Record({3, 9'000'000, -2});
  a.merge(b);
  EXPECT_EQ(a, Record({500, 7'000, kMax + 1, 3, 9'000'000, -2}));
  EXPECT_EQ(a.min(), 0);
  EXPECT_EQ(a.max(), kMax);
  EXPECT_EQ(a.saturated(), 1);
  EXPECT_EQ(a.sum(), 500.0L + 7'000 + kMax + 3 + 9'000'000);
  a.merge(Histogram());
  EXPECT_EQ(a.count(), 6);
}

TEST(HistogramTest, MergeIntoItselfDoubles) {
  Histogram h = Record({1, 2'000'000, 77});
  h.merge(h);
  EXPECT_EQ(h, Record({1, 2'000'000, 77, 1, 2'000'000, 77}));
}

TEST(HistogramTest, ResetEmptiesAndKeepsWorking) {
  Histogram h = Record(LogUniformValues(1000, 5));
  h.record(kMax + 1);
  h.reset();
  EXPECT_EQ(h, Histogram());
  h.record(42);
  EXPECT_EQ(h, Record({42}));
}

TEST(HistogramTest, MovedFromHistogramStaysUsable) {
  Histogram a = Record({10, 20});
  const Histogram b = std::move(a);
  a.record(30);  // NOLINT(bugprone-use-after-move): moves copy on purpose
  EXPECT_EQ(b, Record({10, 20}));
  EXPECT_EQ(a, Record({10, 20, 30}));
}

TEST(HistogramTest, ToJsonHasTheDocumentedSparseForm) {
  const Histogram h = Record({5, 0, 5, 3'000});
  // 3000 lies in [2048, 4096), where buckets are 2 wide: index 1024 + 3000 / 2 = 2524.
  EXPECT_EQ(h.to_json(), nlohmann::json::parse(R"({
    "unit": "us", "significant_digits": 3, "max_trackable": 3600000000,
    "count": 4, "min": 0, "max": 3000, "sum": 3010, "saturated": 0,
    "buckets": [[0, 1], [5, 2], [2524, 1]]
  })"));
  EXPECT_EQ(Histogram().to_json(), nlohmann::json::parse(R"({
    "unit": "us", "significant_digits": 3, "max_trackable": 3600000000,
    "count": 0, "min": 0, "max": 0, "sum": 0, "saturated": 0, "buckets": []
  })"));
}

TEST(HistogramTest, JsonRoundTripIsExact) {
  std::vector<std::int64_t> values = UniformValues(20'000, -100, kMax + 100'000, 9);
  const std::vector<std::int64_t> log = LogUniformValues(20'000, 10);
  values.insert(values.end(), log.begin(), log.end());
  values.insert(values.end(), {kMax + 1, kInt64Max, -3, 0, kMax});
  const Histogram h = Record(values);
  ASSERT_GT(h.saturated(), 0);
  const Histogram back = Histogram::from_json(nlohmann::json::parse(h.to_json().dump()));
  EXPECT_EQ(back, h);
  EXPECT_EQ(back.to_json(), h.to_json());
  for (const Percentile& pc : kPercentiles) {
    EXPECT_EQ(back.value_at_percentile(pc.p), h.value_at_percentile(pc.p));
  }
  EXPECT_EQ(back.stddev(), h.stddev());
}

// A valid document with two values, 7 and 3000, for the malformed-document cases to break.
nlohmann::json ValidDoc() { return Record({7, 3'000}).to_json(); }

TEST(HistogramTest, FromJsonRejectsMalformedDocuments) {
  ASSERT_NO_THROW(Histogram::from_json(ValidDoc()));
  struct Case {
    const char* name;
    nlohmann::json doc;
    const char* pointer;  // expected in the message
  };
  std::vector<Case> cases;
  const auto with = [](const char* pointer, nlohmann::json value) {
    nlohmann::json doc = ValidDoc();
    doc[nlohmann::json::json_pointer(pointer)] = std::move(value);
    return doc;
  };
  const auto without = [](const char* key) {
    nlohmann::json doc = ValidDoc();
    doc.erase(key);
    return doc;
  };
  cases.push_back({"not an object", nlohmann::json::array({1, 2}), "at /:"});
  cases.push_back({"unknown key", with("/extra", 1), "at /extra:"});
  for (const char* key : {"unit", "significant_digits", "max_trackable", "count", "min", "max",
                          "sum", "saturated", "buckets"}) {
    cases.push_back({key, without(key), key});
  }
  cases.push_back({"unit ms", with("/unit", "ms"), "at /unit:"});
  cases.push_back({"2 digits", with("/significant_digits", 2), "at /significant_digits:"});
  cases.push_back({"3.0 digits", with("/significant_digits", 3.0), "at /significant_digits:"});
  cases.push_back({"other range", with("/max_trackable", 60'000'000), "at /max_trackable:"});
  cases.push_back({"count string", with("/count", "2"), "at /count:"});
  cases.push_back({"count negative", with("/count", -2), "at /count:"});
  cases.push_back({"count too high", with("/count", 3), "at /count:"});
  cases.push_back({"count too low", with("/count", 1), "at /count:"});
  cases.push_back({"buckets object", with("/buckets", nlohmann::json::object()), "at /buckets:"});
  cases.push_back({"bucket not a pair", with("/buckets/0", {7}), "at /buckets/0:"});
  cases.push_back({"bucket triple", with("/buckets/0", {7, 1, 1}), "at /buckets/0:"});
  cases.push_back({"index too big", with("/buckets/1/0", 23'221), "at /buckets/1/0:"});
  cases.push_back({"index negative", with("/buckets/0/0", -1), "at /buckets/0/0:"});
  cases.push_back({"index float", with("/buckets/0/0", 7.0), "at /buckets/0/0:"});
  cases.push_back({"indexes descend", with("/buckets/1/0", 6), "at /buckets/1/0:"});
  cases.push_back({"index repeated", with("/buckets/1/0", 7), "at /buckets/1/0:"});
  cases.push_back({"zero count", with("/buckets/1/1", 0), "at /buckets/1/1:"});
  cases.push_back({"min elsewhere", with("/min", 8), "at /min:"});
  cases.push_back({"max elsewhere", with("/max", 3'002), "at /max:"});
  cases.push_back({"max too big", with("/max", kMax + 1), "at /max:"});
  cases.push_back({"sum too low", with("/sum", 3'006), "at /sum:"});
  cases.push_back({"sum too high", with("/sum", 3'008), "at /sum:"});
  cases.push_back({"sum negative", with("/sum", -1), "at /sum:"});
  cases.push_back({"sum float", with("/sum", 3007.0), "at /sum:"});
  cases.push_back({"sum small string", with("/sum", "3007"), "at /sum:"});
  cases.push_back({"sum not digits", with("/sum", "3e40"), "at /sum:"});
  cases.push_back({"saturated, max below", with("/saturated", 1), "at /saturated:"});
  cases.push_back({"saturated > count", with("/saturated", 3), "at /saturated:"});
  cases.push_back({"sum 39 digits", with("/sum", std::string(39, '9')), "at /sum:"});
  cases.push_back({"sum leading zero", with("/sum", "0" + std::string(30, '9')), "at /sum:"});
  nlohmann::json top = Record({7, kMax}).to_json();
  top["saturated"] = 2;  // <= count, but only one value is in the top bucket
  cases.push_back({"saturated > top bucket", top, "at /saturated:"});
  nlohmann::json empty = Histogram().to_json();
  empty["min"] = 5;
  cases.push_back({"empty with min", empty, "at /:"});
  nlohmann::json overflow = ValidDoc();
  overflow["buckets"] = {{7, kInt64Max}, {2524, 1}};
  cases.push_back({"counts overflow", overflow, "at /buckets/1/1:"});
  nlohmann::json one = Record({2'048}).to_json();
  one["max"] = 2'049;  // same bucket, but one value cannot be both
  cases.push_back({"one value, min != max", one, "at /sum:"});

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      Histogram::from_json(c.doc);
      ADD_FAILURE() << "accepted " << c.doc.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.pointer), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("histogram JSON: at /", 0), 0u) << e.what();
    }
  }
}

TEST(HistogramTest, TenMillionRecordsOfOneValueCountExactly) {
  Histogram h;
  for (int i = 0; i < 10'000'000; ++i) h.record(4'242);
  EXPECT_EQ(h.count(), 10'000'000);
  EXPECT_EQ(h.sum(), 42'420'000'000.0L);
  EXPECT_EQ(h.mean(), 4'242);
  EXPECT_EQ(h.stddev(), 0);
  for (const Percentile& pc : kPercentiles) EXPECT_EQ(h.value_at_percentile(pc.p), 4'242);
  EXPECT_EQ(h.to_json()["buckets"].size(), 1u);
}

TEST(HistogramTest, HugeCountsDoNotOverflow) {
  // One value of 1 µs and one above 1 h, doubled 61 times by merging into itself: 2^62 values.
  Histogram h = Record({1, kMax + 5});
  for (int i = 0; i < 61; ++i) h.merge(h);
  EXPECT_EQ(h.count(), std::int64_t{1} << 62);
  EXPECT_EQ(h.saturated(), std::int64_t{1} << 61);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), kMax);
  EXPECT_EQ(h.value_at_percentile(50), 1);
  EXPECT_EQ(h.value_at_percentile(50.0001), kMax);
  EXPECT_EQ(h.mean(), 1'800'000'000.5);  // the sum, 2^61 * 3'600'000'001, is exact
  EXPECT_NEAR(h.stddev(), 1'799'999'999.5, 1'800'000);

  // The sum no longer fits 64 bits: JSON carries it as a decimal string, losslessly.
  const nlohmann::json doc = h.to_json();
  EXPECT_EQ(doc["sum"], "8301034835475141236413693952");
  EXPECT_EQ(doc["buckets"], nlohmann::json::parse("[[1,2305843009213693952],"
                                                  "[23220,2305843009213693952]]"));
  EXPECT_EQ(Histogram::from_json(nlohmann::json::parse(doc.dump())), h);

  // 2^63 no longer fits int64: merge refuses and leaves the histogram as it was.
  const Histogram before = h;
  EXPECT_THROW(h.merge(before), std::overflow_error);
  EXPECT_EQ(h, before);
}

}  // namespace
}  // namespace ixh
