// A short real load run: run_load on two worker threads against an in-process MockServer on
// 127.0.0.1 (the shipped load profiles). Bounded by iteration count; asserts correctness counters
// and the merge of the workers, never speed. Run under TSan (-DIXH_TSAN=ON) it also proves the
// workers and the progress counters share nothing unsafely.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario_loader.h"
#include "harness/load_runner.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"

namespace ixh {
namespace {

std::string Profile(const std::string& name) {
  return std::string(IXH_SOURCE_DIR) + "/scenarios/load/" + name;
}

class LoadRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scenarios_ = load_scenarios(
        {Profile("get-heavy.json"), Profile("stream-heavy.json"), Profile("poll-heavy.json")});
    mock_ = std::make_unique<test::InProcessMock>(scenarios_);
    ASSERT_TRUE(mock_->started()) << mock_->error();
    options_.target.base_url = mock_->base_url();
    options_.workers = 2;
    options_.run_id = "it";
    options_.duration_ns = 60'000'000'000;  // a bound only: the iteration count ends the run
    options_.grace_ns = 10'000'000'000;
  }
  void TearDown() override { mock_.reset(); }

  std::vector<WeightedScenario> Mix() const {
    return {{&scenarios_[0], 5}, {&scenarios_[1], 3}, {&scenarios_[2], 2}};
  }

  SteadyClock clock_;
  std::vector<Scenario> scenarios_;
  std::unique_ptr<test::InProcessMock> mock_;
  LoadOptions options_;
};

TEST_F(LoadRunTest, ClosedLoopMixOnTwoWorkersChecksEverything) {
  options_.mode = LoadMode::kClosed;
  options_.vus = 6;
  options_.iterations = 40;
  std::atomic<bool> stop{false};
  std::vector<LiveStats> live(options_.workers);
  // Reads the progress counters while the workers write them, as the progress line does.
  std::atomic<bool> reading{true};
  std::thread reader([&] {
    while (reading.load()) {
      std::uint64_t n = 0;
      for (const LiveStats& s : live) n += s.requests.load(std::memory_order_relaxed);
      (void)n;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const RunReport r = run_load(Mix(), options_, clock_, stop, &live);
  reading = false;
  reader.join();

  ASSERT_TRUE(r.load.has_value());
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(r.load->iterations, 40u);
  EXPECT_EQ(r.load->iterations_interrupted, 0u);
  EXPECT_EQ(r.counters.checks_failed, 0u);
  EXPECT_GT(r.counters.checks_passed, 0u);
  EXPECT_TRUE(r.counters.errors.empty());
  // The weights split the iterations 5:3:2 on each worker (20 each): 10, 6 and 4 per worker.
  ASSERT_EQ(r.scenarios.size(), 3u);
  for (const ScenarioReport& s : r.scenarios) EXPECT_TRUE(s.passed()) << s.name;
  // get-heavy makes 2 requests, stream-heavy 2 (stream and GET), poll-heavy at least 2.
  EXPECT_GE(r.counters.requests, 20u * 2 + 12u * 2 + 8u * 2);
  // Merged exactly: one latency per GET of get-heavy.
  EXPECT_EQ(r.metrics.at("get").at("latency").count(), 40);
  EXPECT_EQ(r.metrics.at("stream").at("ttfe").count(), 12);
  EXPECT_EQ(r.metrics.at("stream").at("ttfe_corrected").count(), 12);
  EXPECT_EQ(r.metrics.at("iteration").at("schedule_lag").count(), 40);
  std::uint64_t series_requests = 0;
  for (const TimePoint& p : r.load->timeseries) series_requests += p.requests;
  EXPECT_EQ(series_requests, r.counters.requests);
  std::uint64_t live_requests = 0;
  for (const LiveStats& s : live) live_requests += s.requests.load();
  EXPECT_EQ(live_requests, r.counters.requests);
}

TEST_F(LoadRunTest, OpenLoopPoissonCountsEveryArrival) {
  options_.mode = LoadMode::kOpen;
  options_.rate = 100;
  options_.poisson = true;
  options_.max_inflight = 1000;
  options_.iterations = 30;
  std::atomic<bool> stop{false};
  const RunReport r = run_load(Mix(), options_, clock_, stop);
  ASSERT_TRUE(r.load.has_value());
  EXPECT_EQ(r.load->arrivals, 30u);
  EXPECT_EQ(r.load->dropped, 0u);
  EXPECT_EQ(r.load->iterations, 30u);
  EXPECT_EQ(r.counters.checks_failed, 0u);
  EXPECT_EQ(r.load->mode, "open");
  EXPECT_EQ(r.load->arrival, "poisson");
}

TEST_F(LoadRunTest, StopFlagEndsARunEarlyAndMarksItPartial) {
  options_.mode = LoadMode::kClosed;
  options_.vus = 4;
  options_.grace_ns = 3'000'000'000;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = true;
  });
  const RunReport r = run_load(Mix(), options_, clock_, stop);
  stopper.join();
  EXPECT_TRUE(r.partial);
  ASSERT_TRUE(r.load.has_value());
  EXPECT_GT(r.load->iterations, 0u);
  EXPECT_LT(r.load->measured_s, 30.0);
}

}  // namespace
}  // namespace ixh
