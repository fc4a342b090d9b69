#include "harness/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace ixh {
namespace {

BackoffSpec Exponential(std::int64_t initial, std::int64_t max, double multiplier,
                        double jitter = 0) {
  BackoffSpec b;
  b.kind = BackoffSpec::Kind::kExponential;
  b.initial_ms = initial;
  b.max_ms = max;
  b.multiplier = multiplier;
  b.jitter = jitter;
  return b;
}

TEST(BackoffTest, ConstantIsTheSameEveryTime) {
  BackoffSpec b;
  b.kind = BackoffSpec::Kind::kConstant;
  b.initial_ms = 250;
  for (int k = 1; k <= 5; ++k) EXPECT_EQ(backoff_ms(b, k), 250) << k;
}

TEST(BackoffTest, ExponentialGrowsAndStopsAtMax) {
  const BackoffSpec b = Exponential(100, 1000, 2.0);
  EXPECT_EQ(backoff_ms(b, 1), 100);
  EXPECT_EQ(backoff_ms(b, 2), 200);
  EXPECT_EQ(backoff_ms(b, 3), 400);
  EXPECT_EQ(backoff_ms(b, 4), 800);
  EXPECT_EQ(backoff_ms(b, 5), 1000);
  EXPECT_EQ(backoff_ms(b, 1000), 1000);  // no overflow on a huge power
}

TEST(BackoffTest, FractionalMultiplierRounds) {
  const BackoffSpec b = Exponential(10, 10000, 1.5);
  EXPECT_EQ(backoff_ms(b, 2), 15);
  EXPECT_EQ(backoff_ms(b, 3), 23);  // 22.5 rounds half away from zero
}

TEST(BackoffTest, JitterShortensWithinBoundsAndRepeatsWithTheSeed) {
  const BackoffSpec b = Exponential(1000, 1000, 1.0, 0.5);
  JitterSource a(jitter_seed(7, "story", "/steps/0"));
  JitterSource same(jitter_seed(7, "story", "/steps/0"));
  JitterSource other(jitter_seed(8, "story", "/steps/0"));
  std::set<std::int64_t> distinct;
  bool differs = false;
  for (int k = 1; k <= 20; ++k) {
    const std::int64_t d = resume_delay_ms(b, k, {}, a);
    EXPECT_GE(d, 500);
    EXPECT_LE(d, 1000);
    EXPECT_EQ(d, resume_delay_ms(b, k, {}, same));
    differs = differs || d != resume_delay_ms(b, k, {}, other);
    distinct.insert(d);
  }
  EXPECT_TRUE(differs);
  EXPECT_GT(distinct.size(), 10u);
}

TEST(BackoffTest, NoJitterGivesTheBareBackoff) {
  const BackoffSpec b = Exponential(100, 1000, 2.0);
  JitterSource j(1);
  EXPECT_EQ(resume_delay_ms(b, 1, {}, j), 100);
  EXPECT_EQ(resume_delay_ms(b, 3, {}, j), 400);
}

TEST(BackoffTest, ServerRequestsAreAFloor) {
  const BackoffSpec b = Exponential(100, 1000, 2.0);
  JitterSource j(1);
  EXPECT_EQ(resume_delay_ms(b, 1, {.retry_field_ms = 700, .retry_after_ms = std::nullopt}, j), 700);
  EXPECT_EQ(resume_delay_ms(b, 1, {.retry_field_ms = std::nullopt, .retry_after_ms = 2000}, j),
            2000);
  EXPECT_EQ(resume_delay_ms(b, 1, {.retry_field_ms = 3000, .retry_after_ms = 2000}, j), 3000);
  // A server asking for less than the backoff does not shorten it.
  EXPECT_EQ(resume_delay_ms(b, 3, {.retry_field_ms = 10, .retry_after_ms = 0}, j), 400);
}

TEST(BackoffTest, ParsesRetryAfterSecondsOnly) {
  EXPECT_EQ(parse_retry_after_ms("1"), 1000);
  EXPECT_EQ(parse_retry_after_ms(" 30 "), 30000);
  EXPECT_EQ(parse_retry_after_ms("0"), 0);
  EXPECT_FALSE(parse_retry_after_ms(""));
  EXPECT_FALSE(parse_retry_after_ms("-1"));
  EXPECT_FALSE(parse_retry_after_ms("1.5"));
  EXPECT_FALSE(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_retry_after_ms("99999999999"));
}

TEST(BackoffTest, JitterSourceStaysInTheUnitInterval) {
  JitterSource j(0);
  for (int i = 0; i < 10000; ++i) {
    const double u = j.next();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace ixh
