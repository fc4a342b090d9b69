// Load engine tests on a FakeTransport and its FakeClock: pacers, the closed, open and paced
// loops, stages, warm-up, drops, draining, and the coordinated-omission correction. Every time
// is fake, so counts are exact.

#include "harness/load_scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/interaction.h"
#include "core/seed_dialect.h"
#include "harness/checks.h"
#include "harness/load_runner.h"
#include "harness/pacer.h"
#include "harness/target.h"
#include "reports/run_report.h"
#include "tests/unit/fake_transport.h"

namespace ixh {
namespace {

using fake::FakeTransport;
using fake::Response;

constexpr std::int64_t kT0 = 1'000'000'000'000;
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1'000'000'000;
const Target kTarget{"http://fake.test", "v1beta"};

std::vector<std::int64_t> Drain(Pacer& p) {
  std::vector<std::int64_t> out;
  for (std::int64_t t = p.next_ns(); t >= 0; t = p.next_ns()) out.push_back(t);
  return out;
}

RateProfile Flat(double rate, std::int64_t duration_ns) {
  return RateProfile({{duration_ns, rate, rate}});
}

// ---- pacers -----------------------------------------------------------------------------------

TEST(PacerTest, ConstantArrivalsAreEvenlySpacedAndExactlyCounted) {
  ConstantPacer p(Flat(100, 10 * kS), 0.0);
  const std::vector<std::int64_t> t = Drain(p);
  ASSERT_EQ(t.size(), 1000u);
  EXPECT_EQ(t.front(), 0);
  for (std::size_t i = 1; i < t.size(); ++i)
    EXPECT_LE(std::abs(t[i] - t[i - 1] - 10 * kMs), 1) << i;
}

TEST(PacerTest, ConstantPhasesInterleaveWorkers) {
  // Two workers at half the rate with phases 0 and 0.5 make one evenly spaced stream.
  const RateProfile whole = Flat(200, 1 * kS);
  ConstantPacer a(whole.scaled(0.5), 0.0);
  ConstantPacer b(whole.scaled(0.5), 0.5);
  std::vector<std::int64_t> t = Drain(a);
  const std::vector<std::int64_t> tb = Drain(b);
  t.insert(t.end(), tb.begin(), tb.end());
  std::sort(t.begin(), t.end());
  ASSERT_EQ(t.size(), 200u);
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_LE(std::abs(t[i] - t[i - 1] - 5 * kMs), 1) << i;
}

TEST(PacerTest, PoissonCountsAndGapsWithinStatisticalBounds) {
  // 10,000 expected arrivals: the count's standard deviation is 100; 5 sigma never fails by
  // chance in practice, and the seeds are fixed anyway.
  for (std::uint64_t seed : {1u, 2u, 3u, 42u, 1234u}) {
    PoissonPacer p(Flat(1000, 10 * kS), seed);
    const std::vector<std::int64_t> t = Drain(p);
    EXPECT_GT(t.size(), 9500u) << seed;
    EXPECT_LT(t.size(), 10500u) << seed;
    double sum = 0;
    double sum_sq = 0;
    for (std::size_t i = 1; i < t.size(); ++i) {
      const double gap = static_cast<double>(t[i] - t[i - 1]) / 1e6;  // ms
      sum += gap;
      sum_sq += gap * gap;
    }
    const double n = static_cast<double>(t.size() - 1);
    const double mean = sum / n;
    const double sd = std::sqrt(sum_sq / n - mean * mean);
    EXPECT_NEAR(mean, 1.0, 0.05) << seed;
    // Exponential gaps: the standard deviation equals the mean (evenly spaced would give 0).
    EXPECT_NEAR(sd / mean, 1.0, 0.06) << seed;
  }
}

TEST(PacerTest, PoissonIsDeterministicForASeed) {
  PoissonPacer a(Flat(500, 2 * kS), 7);
  PoissonPacer b(Flat(500, 2 * kS), 7);
  PoissonPacer c(Flat(500, 2 * kS), 8);
  const auto ta = Drain(a);
  EXPECT_EQ(ta, Drain(b));
  EXPECT_NE(ta, Drain(c));
}

TEST(PacerTest, RampFollowsTheIntegralOfTheRate) {
  // 0 -> 100/s over 10 s: 500 arrivals in all, 125 in the first half (the area under the ramp).
  const RateProfile ramp({{10 * kS, 0, 100}});
  EXPECT_DOUBLE_EQ(ramp.expected_by(10 * kS), 500.0);
  EXPECT_DOUBLE_EQ(ramp.expected_by(5 * kS), 125.0);
  ConstantPacer p(ramp, 0.0);
  const auto t = Drain(p);
  EXPECT_EQ(t.size(), 500u);
  EXPECT_EQ(std::count_if(t.begin(), t.end(), [](std::int64_t x) { return x < 5 * kS; }), 125);
  // Then a flat stage and a ramp down to 0.
  const RateProfile stages({{1 * kS, 0, 100}, {1 * kS, 100, 100}, {1 * kS, 100, 0}});
  ConstantPacer q(stages, 0.0);
  EXPECT_EQ(Drain(q).size(), 200u);
}

// ---- scheduler fixture ------------------------------------------------------------------------

class LoadSchedulerTest : public ::testing::Test {
 protected:
  LoadSchedulerTest() {
    Step get;
    get.kind = Step::Kind::kGet;
    get.interaction = "t";
    get.pointer = "/steps/0";
    steps_.push_back(get);
  }

  static std::string Id(int n) { return "t.p" + std::to_string(n); }
  static std::string Url(int n) { return interaction_url(kTarget, Id(n), false, false, {}); }

  // Iteration n's GET answers with a completed interaction after `ms(n, start)` milliseconds.
  template <typename Delay>
  void ScriptGets(int count, Delay ms) {
    for (int n = 1; n <= count; ++n) {
      const std::string body = encode_seed_interaction(Completed(Id(n)));
      transport_.script_fn(Url(n), [this, body, ms, n](const TransferSpec&, int) {
        const std::int64_t d = ms(n, transport_.now_ns() - kT0);
        return Response::Json(200, body, d, d, d);
      });
    }
  }

  static Interaction Completed(const std::string& id) {
    Interaction s;
    s.id = id;
    s.model = "ixh-mock-1";
    s.candidates = {"done"};
    s.state = State::kCompleted;
    s.create_time_ms = 1'795'000'000'000;
    s.update_time_ms = s.create_time_ms;
    s.usage = Usage{1, 1, 2};
    return s;
  }

  WorkerPlan Plan(LoadMode mode) {
    WorkerPlan p;
    p.mode = mode;
    p.suffix_prefix = "p";
    return p;
  }

  std::unique_ptr<LoadScheduler> Make(WorkerPlan plan) {
    return std::make_unique<LoadScheduler>(transport_, kTarget, checks_,
                                           std::vector<LoadScenario>{{&steps_, 1.0}},
                                           std::move(plan), &live_);
  }

  // Runs the fake until the scheduler is done, watching the largest number of transfers at once.
  void RunToEnd(LoadScheduler& s, std::int64_t max_ms = 600'000) {
    const std::int64_t limit = transport_.now_ns() + max_ms * kMs;
    while (!s.done() && transport_.now_ns() < limit) {
      transport_.advance_ms(1);
      max_active_ = std::max(max_active_, transport_.active_transfers());
    }
    ASSERT_TRUE(s.done());
  }

  static Histogram Hist(LoadScheduler& s, const std::string& kind, const std::string& metric) {
    RunReport r;
    s.metrics().merge_into(r);
    return r.metrics[kind][metric];
  }

  FakeTransport transport_{kT0};
  std::vector<std::unique_ptr<Check>> checks_;
  std::vector<Step> steps_;
  LiveStats live_;
  std::size_t max_active_ = 0;
};

TEST_F(LoadSchedulerTest, ClosedLoopKeepsEveryUserBusyUntilTheEnd) {
  ScriptGets(100, [](int, std::int64_t) { return 100; });
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{1 * kS, 3, 3}});
  plan.end_ns = 1 * kS;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  // Three users, iterations of 100 ms, started at 0, 100, ..., 900 ms: ten each.
  EXPECT_EQ(s->iterations(), 30u);
  EXPECT_EQ(transport_.transfers().size(), 30u);
  EXPECT_EQ(max_active_, 3u);
  EXPECT_EQ(s->iterations_interrupted(), 0u);
  EXPECT_EQ(Hist(*s, "get", "latency").count(), 30);
  EXPECT_EQ(Hist(*s, "get", "latency").max(), 100'000);
  // A closed loop starts each iteration when it means to: no lag, corrected == measured.
  EXPECT_EQ(Hist(*s, "iteration", "schedule_lag").max(), 0);
  EXPECT_EQ(Hist(*s, "get", "latency_corrected"), Hist(*s, "get", "latency"));
  EXPECT_EQ(live_.requests.load(), 30u);
  EXPECT_TRUE(live_.done.load());
}

TEST_F(LoadSchedulerTest, ClosedLoopThinkTimeSpacesIterations) {
  ScriptGets(100, [](int, std::int64_t) { return 100; });
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{1 * kS, 1, 1}});
  plan.end_ns = 1 * kS;
  plan.think_ns = 150 * kMs;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  // Starts at 0, 250, 500, 750 ms.
  EXPECT_EQ(s->iterations(), 4u);
}

TEST_F(LoadSchedulerTest, OpenLoopCountsArrivalsOverMaxInflightAsDropped) {
  ScriptGets(200, [](int, std::int64_t) { return 35; });
  WorkerPlan plan = Plan(LoadMode::kOpen);
  plan.pacer = std::make_unique<ConstantPacer>(Flat(100, 1 * kS), 0.0);
  plan.end_ns = 1 * kS;
  plan.max_inflight = 2;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  // Arrivals every 10 ms, each taking 35 ms, two at most in flight: every 40 ms two start
  // (t, t+10) and two are dropped (t+20, t+30).
  EXPECT_EQ(s->arrivals(), 100u);
  EXPECT_EQ(s->dropped(), 50u);
  EXPECT_EQ(s->iterations(), 50u);
  EXPECT_EQ(transport_.transfers().size(), 50u);
  EXPECT_EQ(max_active_, 2u);
  // Dropped arrivals were never started late: nothing waited.
  EXPECT_EQ(Hist(*s, "iteration", "schedule_lag").max(), 0);
}

TEST_F(LoadSchedulerTest, OpenLoopIterationCountEndsTheRun) {
  ScriptGets(50, [](int, std::int64_t) { return 5; });
  WorkerPlan plan = Plan(LoadMode::kOpen);
  plan.pacer = std::make_unique<ConstantPacer>(Flat(100, 60 * kS), 0.0);
  plan.end_ns = 60 * kS;
  plan.max_inflight = 10;
  plan.iterations = 7;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  EXPECT_EQ(s->iterations(), 7u);
  EXPECT_LT(transport_.now_ns() - kT0, 1 * kS);
}

TEST_F(LoadSchedulerTest, StagesRampUsersLinearly) {
  ScriptGets(1000, [](int, std::int64_t) { return 50; });
  WorkerPlan plan = Plan(LoadMode::kClosed);
  // 0 -> 10 users over 1 s, hold 10 for 1 s, down to 0 over 1 s.
  plan.users = std::make_unique<RateProfile>(
      std::vector<RateProfile::Segment>{{1 * kS, 0, 10}, {1 * kS, 10, 10}, {1 * kS, 10, 0}});
  plan.end_ns = 3 * kS;
  auto s = Make(std::move(plan));
  s->start();
  transport_.advance_ms(525);
  EXPECT_EQ(transport_.active_transfers(), 5u);  // round(5.0) users at the 500 ms ramp tick
  transport_.advance_ms(1000);                   // 1525 ms: the flat stage
  EXPECT_EQ(transport_.active_transfers(), 10u);
  transport_.advance_ms(1000);  // 2525 ms: ramping down, round(4.75) = 5 users
  EXPECT_EQ(transport_.active_transfers(), 5u);
  RunToEnd(*s);
}

TEST_F(LoadSchedulerTest, WarmupIterationsAreLeftOutOfMetrics) {
  ScriptGets(100, [](int, std::int64_t) { return 100; });
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{1500 * kMs, 1, 1}});
  plan.end_ns = 1500 * kMs;
  plan.warmup_ns = 500 * kMs;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  EXPECT_EQ(s->warmup_iterations(), 5u);
  EXPECT_EQ(s->iterations(), 10u);
  EXPECT_EQ(Hist(*s, "get", "latency").count(), 10);
  EXPECT_EQ(s->metrics().counters().requests, 10u);
  EXPECT_EQ(s->measured_ns(), 1 * kS);
  // The series covers the measured part, [0.5 s, 1.5 s): one second. The last request ended at
  // 1.5 s, once the measured part was over: it counts in the totals but in no second.
  ASSERT_EQ(s->seconds().size(), 1u);
  EXPECT_EQ(s->seconds()[0].second, 1);
  EXPECT_EQ(s->seconds()[0].requests, 9u);
  EXPECT_EQ(s->seconds()[0].iterations, 9u);
  EXPECT_EQ(Histogram::from_json(s->seconds()[0].latency).count(), 9);
}

TEST_F(LoadSchedulerTest, SeriesEndsWithTheMeasuredPartNotTheGracePeriod) {
  // One user, iterations of 0.8 s, 2.5 s measured after a 1 s warm-up: iterations start at 0 and
  // 0.8 s (warm-up), 1.6, 2.4 and 3.2 s (measured); the last ends at 4.0 s, in the grace period.
  ScriptGets(10, [](int, std::int64_t) { return 800; });
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(
      std::vector<RateProfile::Segment>{{1 * kS, 1, 1}, {2500 * kMs, 1, 1}});
  plan.warmup_ns = 1 * kS;
  plan.end_ns = 3500 * kMs;
  plan.grace_ns = 5 * kS;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  EXPECT_EQ(transport_.now_ns() - kT0, 4000 * kMs);
  EXPECT_EQ(s->warmup_iterations(), 2u);
  EXPECT_EQ(s->iterations(), 3u);
  EXPECT_EQ(s->metrics().counters().requests, 3u);
  // Seconds 1 and 2 whole, second 3 cut at the end of the measured part (3.5 s): measured
  // completions at 2.4 s (second 2) and 3.2 s (second 3); the one at 4.0 s is in the grace.
  ASSERT_EQ(s->seconds().size(), 3u);
  EXPECT_EQ(s->seconds()[2].second, 3);
  EXPECT_EQ(s->seconds()[0].requests, 0u);
  EXPECT_EQ(s->seconds()[1].requests, 1u);
  EXPECT_EQ(s->seconds()[2].requests, 1u);
}

TEST_F(LoadSchedulerTest, SeriesEndsAtTheSignal) {
  ScriptGets(10, [](int, std::int64_t) { return 700; });
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{60 * kS, 1, 1}});
  plan.end_ns = 60 * kS;
  plan.grace_ns = 5 * kS;
  auto s = Make(std::move(plan));
  s->start();
  transport_.advance_ms(1500);
  s->stop(true);
  RunToEnd(*s);
  // Completions at 0.7 and 1.4 s, the signal at 1.5 s, the third ends in the grace at 2.1 s.
  EXPECT_EQ(s->iterations(), 3u);
  ASSERT_EQ(s->seconds().size(), 2u);
  EXPECT_EQ(s->seconds()[0].requests, 1u);
  EXPECT_EQ(s->seconds()[1].requests, 1u);
}

TEST_F(LoadSchedulerTest, AReusedIterationStartsWithFreshIdsAndAnEmptyReport) {
  // One user, six iterations one after the other, so every iteration after the first reuses the
  // last one's state. Only the third answers 500: its failure must be counted once, and the
  // iterations after it must pass.
  for (int n = 1; n <= 6; ++n) {
    const std::string body = encode_seed_interaction(Completed(Id(n)));
    transport_.script(Url(n), Response::Json(n == 3 ? 500 : 200, body, 10, 10, 10));
  }
  steps_[0].expect.status = 200;
  checks_.push_back(expectation_check());
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{10 * kS, 1, 1}});
  plan.end_ns = 10 * kS;
  plan.iterations = 6;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  EXPECT_EQ(s->iterations(), 6u);
  ASSERT_EQ(transport_.transfers().size(), 6u);
  for (int n = 1; n <= 6; ++n) {
    EXPECT_EQ(transport_.transfers()[static_cast<std::size_t>(n - 1)].spec.url, Url(n));
  }
  ASSERT_EQ(s->tallies().size(), 1u);
  EXPECT_EQ(s->tallies()[0].iterations(), 6u);
  ScenarioReport out;
  s->tallies()[0].write_steps(out);
  ASSERT_EQ(out.steps.size(), 1u);
  const auto status = std::find_if(out.steps[0].checks.begin(), out.steps[0].checks.end(),
                                   [](const CheckRecord& r) { return r.check == "expect.status"; });
  ASSERT_NE(status, out.steps[0].checks.end());
  EXPECT_FALSE(status->passed);
  EXPECT_NE(status->actual.find("failed in 1 of 6 iterations"), std::string::npos)
      << status->actual;
  EXPECT_EQ(s->metrics().counters().requests, 6u);
}

TEST_F(LoadSchedulerTest, StopDrainsThenAbandonsAfterTheGracePeriod) {
  // Streams that never end: a signal stops the run, the grace period passes, the report says
  // which steps never finished.
  steps_[0].kind = Step::Kind::kStream;
  steps_[0].timeout_ms = 600'000;
  for (int n = 1; n <= 10; ++n) {
    transport_.script_always(interaction_url(kTarget, Id(n), true, false, {}),
                             Response::Sse({}, std::nullopt));
  }
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{60 * kS, 4, 4}});
  plan.end_ns = 60 * kS;
  plan.grace_ns = 2 * kS;
  auto s = Make(std::move(plan));
  s->start();
  transport_.advance_ms(1000);
  s->stop(true);
  transport_.advance_ms(1999);
  EXPECT_FALSE(s->done());
  EXPECT_EQ(transport_.transfers().size(), 4u);  // nothing new started while draining
  transport_.advance_ms(1);
  EXPECT_TRUE(s->done());
  EXPECT_EQ(s->iterations_interrupted(), 4u);
  ScenarioReport r;
  s->tallies()[0].write_steps(r);
  ASSERT_EQ(r.steps.size(), 1u);
  ASSERT_EQ(r.steps[0].checks.size(), 1u);
  EXPECT_EQ(r.steps[0].checks[0].check, "step.completed");
  EXPECT_FALSE(r.steps[0].checks[0].passed);
  EXPECT_THAT(r.steps[0].checks[0].actual, ::testing::HasSubstr("failed in 4 of 4 iterations"));
}

TEST_F(LoadSchedulerTest, MixFollowsTheWeights) {
  std::vector<Step> other = steps_;
  other[0].interaction = "u";
  ScriptGets(40, [](int, std::int64_t) { return 1; });
  for (int n = 1; n <= 40; ++n) {
    const std::string id = "u.p" + std::to_string(n);
    transport_.script_always(interaction_url(kTarget, id, false, false, {}),
                             Response::Json(200, encode_seed_interaction(Completed(id))));
  }
  WorkerPlan plan = Plan(LoadMode::kClosed);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{60 * kS, 1, 1}});
  plan.end_ns = 60 * kS;
  plan.iterations = 40;
  LoadScheduler s(transport_, kTarget, checks_, {{&steps_, 3.0}, {&other, 1.0}}, std::move(plan));
  s.start();
  RunToEnd(s);
  ScenarioTally t;
  EXPECT_EQ(s.tallies()[0].iterations(), 30u);
  EXPECT_EQ(s.tallies()[1].iterations(), 10u);
  EXPECT_TRUE(transport_.unscripted().empty());
}

// ---- coordinated omission -----------------------------------------------------------------------

// A server that answers at once, except that it stalls for 1 s every 5 s: a request arriving in
// [5k + 1 s, 5k + 2 s) is answered at 5k + 2 s. One user paced at 100 requests/s (wrk2's model).
// Measured from the actual start, only the one request that hits the stall sees it; measured from
// the intended start, all 100 requests meant for the stalled second do, 1000 ms, 990 ms, ... 10 ms.
TEST_F(LoadSchedulerTest, SeriesCountsTheArrivalsTheEndFoundWaiting) {
  // Paced, one user, 10 arrivals a second for 2 s, iterations of 1.5 s: the user takes the
  // arrivals meant for 0 and 0.1 s; the 18 others are still waiting at the end, dropped within
  // the measured part, so within its last second.
  ScriptGets(20, [](int, std::int64_t) { return 1500; });
  WorkerPlan plan = Plan(LoadMode::kPaced);
  plan.pacer = std::make_unique<ConstantPacer>(Flat(10, 2 * kS), 0.0);
  plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{2 * kS, 1, 1}});
  plan.end_ns = 2 * kS;
  plan.grace_ns = 5 * kS;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  EXPECT_EQ(s->arrivals(), 20u);
  EXPECT_EQ(s->dropped(), 18u);
  EXPECT_EQ(s->iterations(), 2u);
  ASSERT_EQ(s->seconds().size(), 2u);
  EXPECT_EQ(s->seconds()[1].dropped, 18u);
  EXPECT_EQ(s->seconds()[1].requests, 1u);  // the second iteration ends at 3 s, in the grace
}

TEST_F(LoadSchedulerTest, CorrectedLatencyShowsTheStallThatMeasuredLatencyHides) {
  constexpr int kCycles = 10;
  constexpr int kPerCycle = 500;  // 5 s at 100/s
  ScriptGets(kCycles * kPerCycle + 10, [](int, std::int64_t at_ns) {
    const std::int64_t in_cycle = at_ns % (5 * kS);
    return in_cycle >= 1 * kS && in_cycle < 2 * kS ? (2 * kS - in_cycle + kMs - 1) / kMs
                                                   : std::int64_t{0};
  });
  WorkerPlan plan = Plan(LoadMode::kPaced);
  plan.pacer = std::make_unique<ConstantPacer>(Flat(100, kCycles * 5 * kS), 0.0);
  plan.users =
      std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{{kCycles * 5 * kS, 1, 1}});
  plan.end_ns = kCycles * 5 * kS;
  auto s = Make(std::move(plan));
  s->start();
  RunToEnd(*s);
  ASSERT_EQ(s->iterations(), static_cast<std::uint64_t>(kCycles * kPerCycle));
  EXPECT_EQ(s->arrivals(), static_cast<std::uint64_t>(kCycles * kPerCycle));
  EXPECT_EQ(s->dropped(), 0u);

  // The analytic expectation: per cycle, 400 requests at 0 ms and 1000 - 10 k ms for k = 0..99.
  std::vector<std::int64_t> expected;
  for (int c = 0; c < kCycles; ++c) {
    for (int i = 0; i < 400; ++i) expected.push_back(0);
    for (int k = 0; k < 100; ++k) expected.push_back((1000 - 10 * k) * 1000);
  }
  std::sort(expected.begin(), expected.end());
  const auto nearest_rank = [&](double p) {
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(expected.size())));
    return expected[std::max<std::size_t>(rank, 1) - 1];
  };
  const Histogram corrected = Hist(*s, "get", "latency_corrected");
  const Histogram measured = Hist(*s, "get", "latency");
  ASSERT_EQ(corrected.count(), kCycles * kPerCycle);
  for (double p : {50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
    const auto want = static_cast<double>(nearest_rank(p));
    // Within the histogram's 0.1% resolution.
    EXPECT_NEAR(static_cast<double>(corrected.value_at_percentile(p)), want, want * 0.001 + 1)
        << "p" << p;
  }
  // 4000 zeros, then ten each of 10, 20, ..., 1000 ms: p90 is 500 ms, p99 950 ms.
  EXPECT_NEAR(static_cast<double>(corrected.value_at_percentile(90)), 500'000, 500);
  EXPECT_NEAR(static_cast<double>(corrected.value_at_percentile(99)), 950'000, 950);
  // The measured latency saw the stall once per cycle: its p99 says all is well.
  EXPECT_EQ(measured.value_at_percentile(99), 0);
  EXPECT_EQ(measured.max(), 1'000'000);
  EXPECT_EQ(std::count_if(expected.begin(), expected.end(), [](std::int64_t v) { return v > 0; }),
            kCycles * 100);
  // The wait shows up as schedule lag: up to 990 ms (the request meant for 1.010 s started at 2 s).
  EXPECT_EQ(Hist(*s, "iteration", "schedule_lag").max(), 990'000);
}

// ---- merging workers ----------------------------------------------------------------------------

TEST(LoadMergeTest, PerWorkerHistogramsMergeExactly) {
  Metrics a;
  Metrics b;
  Metrics all;
  for (std::int64_t v = 0; v < 5000; ++v) {
    const std::int64_t us = (v * 7919) % 1'000'003;
    (v % 3 == 0 ? a : b).record_us(Step::Kind::kStream, Metric::kTtfe, us);
    all.record_us(Step::Kind::kStream, Metric::kTtfe, us);
  }
  RunReport merged;
  a.merge_into(merged);
  b.merge_into(merged);
  RunReport whole;
  all.merge_into(whole);
  EXPECT_EQ(merged.metrics["stream"]["ttfe"], whole.metrics["stream"]["ttfe"]);
  EXPECT_EQ(merged.metrics["stream"]["ttfe"].count(), 5000);
}

TEST(LoadMergeTest, ViewRecordsCorrectedValuesIntoItsSink) {
  Metrics sink;
  {
    Metrics view(sink, 250 * kMs);
    view.record_us(Step::Kind::kGet, Metric::kLatency, 1000);
    view.record_us(Step::Kind::kStream, Metric::kInterEventGap, 50);
    ++view.counters().requests;
  }
  RunReport r;
  sink.merge_into(r);
  EXPECT_EQ(r.metrics["get"]["latency"].max(), 1000);
  EXPECT_EQ(r.metrics["get"]["latency_corrected"].max(), 251'000);
  EXPECT_EQ(r.metrics["stream"].count("inter_event_gap_corrected"), 0u);
  EXPECT_EQ(r.counters.requests, 1u);
}

TEST(LoadProfileTest, WarmupHoldsTheStartLevelThenTheStagesRamp) {
  LoadOptions o;
  o.warmup_ns = 2 * kS;
  o.stages = {{1000, 10}, {1000, 0}};
  const RateProfile p = load_profile(o, 4);
  EXPECT_EQ(p.end_ns(), 4 * kS);
  EXPECT_DOUBLE_EQ(p.rate_at(1 * kS), 4);
  EXPECT_DOUBLE_EQ(p.rate_at(2500 * kMs), 7);
  EXPECT_DOUBLE_EQ(p.rate_at(3500 * kMs), 5);
}

}  // namespace
}  // namespace ixh
