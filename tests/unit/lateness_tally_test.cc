#include <gtest/gtest.h>

#include "mock_server/stream_timeliness.h"

namespace ixh::mock {
namespace {

TEST(LatenessTallyTest, EmptyTallyReportsZero) {
  const LatenessTally t;
  EXPECT_EQ(t.total(), 0u);
  EXPECT_EQ(t.upper_ms_at(50), 0.0);
  EXPECT_EQ(t.upper_ms_at(99), 0.0);
}

TEST(LatenessTallyTest, FineBucketsAreATenthOfAMillisecondUpTo100Ms) {
  LatenessTally t;
  t.record(0);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(100), 0.1);
  LatenessTally u;
  u.record(99);  // still [0, 0.1 ms)
  EXPECT_DOUBLE_EQ(u.upper_ms_at(100), 0.1);
  u.record(100);  // [0.1, 0.2 ms)
  EXPECT_DOUBLE_EQ(u.upper_ms_at(100), 0.2);
  LatenessTally v;
  v.record(99'999);  // the last fine bucket
  EXPECT_DOUBLE_EQ(v.upper_ms_at(100), 100.0);
}

TEST(LatenessTallyTest, CoarseBucketsAreTenMillisecondsUpTo10s) {
  LatenessTally t;
  t.record(100'000);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(100), 110.0);
  LatenessTally u;
  u.record(9'999'999);
  EXPECT_DOUBLE_EQ(u.upper_ms_at(100), 10'000.0);
  LatenessTally v;
  v.record(60'000'000);  // beyond 10 s: the open top bucket reports 10 s
  EXPECT_DOUBLE_EQ(v.upper_ms_at(100), 10'000.0);
}

TEST(LatenessTallyTest, NegativeLatenessCountsAsZero) {
  LatenessTally t;
  t.record(-5'000);
  EXPECT_EQ(t.total(), 1u);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(100), 0.1);
}

TEST(LatenessTallyTest, PercentilesUseNearestRank) {
  LatenessTally t;
  // 990 values at 1 ms, 9 at 30 ms, 1 at 500 ms: p99 is the 990th value, p99.9 the 999th.
  for (int i = 0; i < 990; ++i) t.record(1'000);
  for (int i = 0; i < 9; ++i) t.record(30'000);
  t.record(500'000);
  EXPECT_EQ(t.total(), 1000u);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(50), 1.1);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(99), 1.1);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(99.9), 30.1);
  EXPECT_DOUBLE_EQ(t.upper_ms_at(100), 510.0);
  t.record(30'000);  // now the 990th of 1001 values is still 1 ms, the 992nd is not
  EXPECT_DOUBLE_EQ(t.upper_ms_at(99), 30.1);
}

}  // namespace
}  // namespace ixh::mock
