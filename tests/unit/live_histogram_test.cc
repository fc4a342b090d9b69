// Unit tests of LiveHistogram (harness/live_histogram.h): what the load progress line reads from
// each worker. The line's percentiles are those of every worker's values merged, which differ
// from the largest per-worker percentile.

#include "harness/live_histogram.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "reports/histogram.h"

namespace ixh {
namespace {

Histogram Of(std::int64_t value_us, int times) {
  Histogram h;
  for (int i = 0; i < times; ++i) h.record(value_us);
  return h;
}

TEST(LiveHistogramTest, MergedPercentilesAreThoseOfEveryWorkersValues) {
  // Worker 0: 1000 first events at 1 ms. Worker 1: 10 at 50 ms.
  std::vector<LiveHistogram> workers(2);
  workers[0].publish(Of(1000, 1000));
  workers[1].publish(Of(50'000, 10));
  Histogram total;
  for (const LiveHistogram& w : workers) w.merge_into(total);
  Histogram all = Of(1000, 1000);
  all.merge(Of(50'000, 10));
  EXPECT_EQ(total, all);
  // 1010 values, 99% of them are 1010 * 0.99 = 999.9 -> the 1000th: 1 ms. The worst worker's
  // p50 and p99 are both 50 ms.
  EXPECT_EQ(total.value_at_percentile(50), 1000);
  EXPECT_EQ(total.value_at_percentile(99), 1000);
  EXPECT_EQ(total.value_at_percentile(99.5), 50'000);
}

TEST(LiveHistogramTest, PublishReplacesTheLastSecond) {
  LiveHistogram live;
  live.publish(Of(7000, 5));
  live.publish(Of(3000, 2));
  Histogram total;
  live.merge_into(total);
  EXPECT_EQ(total, Of(3000, 2));
  live.publish(Histogram());
  Histogram empty;
  live.merge_into(empty);
  EXPECT_EQ(empty.count(), 0);
}

TEST(LiveHistogramTest, ReadersSeeWholeSecondsWhileAWorkerPublishes) {
  // Every published second holds 100 values: a reader never sees a half-copied one.
  LiveHistogram live;
  live.publish(Of(1, 100));
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    for (std::int64_t v = 2; v < 400 && !stop.load(); ++v) live.publish(Of(v * 100, 100));
  });
  Histogram total;
  for (int i = 0; i < 200; ++i) {
    total.reset();
    live.merge_into(total);
    ASSERT_EQ(total.count(), 100);
    ASSERT_EQ(total.min(), total.max());
  }
  stop = true;
  worker.join();
}

}  // namespace
}  // namespace ixh
