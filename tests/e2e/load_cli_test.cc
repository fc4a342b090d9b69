// E2E tests of `ixh run` as a load run (docs/load.md), on the built binary against its embedded
// mock: a short bounded run with thresholds and the JSON time series, threshold failures (exit 1)
// and mistakes (exit 2), and SIGINT during a long run (exit 1, partial report). Every run is
// bounded in time and count; nothing asserts speed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/process.h"

namespace ixh::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kLoadScenario[] = R"({
  "interactions": {
    "lg": {"timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 0, "text": "hi"},
                        {"after_ms": 0, "state": "COMPLETED"}]},
    "ls": {"generate": {"chunks": 5, "bytes": 16, "every_ms": 20}}
  },
  "steps": [
    {"get": "lg", "expect": {"status": 200, "state": "COMPLETED", "text": "hi"}},
    {"stream": "ls", "timeout_ms": 10000, "expect": {"state": "COMPLETED", "events_min": 5}}
  ],
  "load": {"vus": 4, "duration_ms": 60000}
})";

TEST(LoadCliTest, ShortClosedRunPassesThresholdsAndWritesTheSeries) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("load.json", kLoadScenario);
  const std::string report = tmp.file("run.json");
  const ProcessResult r =
      run_ixh({"run", file, "--vus", "3", "--iterations", "12", "--duration", "20s", "--quiet",
               "--threshold", "checks>=100%", "--threshold", "rate(errors)<1%", "--threshold",
               "p99(stream.ttfe_corrected)<10s", "--json", report},
              Millis(30000));
  ASSERT_TRUE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  checks>=100%"));
  EXPECT_THAT(r.out, HasSubstr("mode:        closed loop"));
  const nlohmann::json j = nlohmann::json::parse(read_file(report));
  EXPECT_EQ(j.at("partial"), false);
  const nlohmann::json& load = j.at("load");
  EXPECT_EQ(load.at("mode"), "closed");
  EXPECT_EQ(load.at("iterations"), 12);
  EXPECT_EQ(load.at("thresholds").size(), 3u);
  EXPECT_GE(load.at("timeseries").size(), 1u);
  std::uint64_t requests = 0;
  for (const auto& p : load.at("timeseries")) requests += p.at("requests").get<std::uint64_t>();
  // Per iteration: the GET, the stream and the GET after it.
  EXPECT_EQ(requests, 36u);
  EXPECT_EQ(j.at("counters").at("requests"), 36);
  EXPECT_EQ(j.at("counters").at("checks_failed"), 0);
  EXPECT_TRUE(j.at("metrics").at("stream").contains("ttfe_corrected"));
  EXPECT_TRUE(j.at("metrics").at("iteration").contains("schedule_lag"));
}

// Each poll step records how many GETs it took to see COMPLETED; thresholds and the summary
// treat that as a count.
TEST(LoadCliTest, PollCountIsAHistogramWithThresholds) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("poll.json", R"({
    "interactions": {
      "lp": {"timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 60, "text": "ok"},
                          {"after_ms": 60, "state": "COMPLETED"}]}
    },
    "steps": [{"poll": "lp", "interval_ms": 20, "timeout_ms": 10000,
               "expect": {"state": "COMPLETED"}}]
  })");
  const std::string report = tmp.file("run.json");
  const ProcessResult r = run_ixh(
      {"run", file, "--vus", "2", "--iterations", "4", "--duration", "20s", "--quiet",
       "--threshold", "p99(polls)<20", "--threshold", "min(poll.polls)>=2", "--json", report},
      Millis(30000));
  ASSERT_TRUE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  p99(polls)<20"));
  EXPECT_THAT(r.out, HasSubstr("PASS  min(poll.polls)>=2"));
  EXPECT_THAT(r.out, HasSubstr("polls (count)"));
  const nlohmann::json j = nlohmann::json::parse(read_file(report));
  const nlohmann::json& polls = j.at("metrics").at("poll").at("polls");
  EXPECT_EQ(polls.at("count"), 4);
  EXPECT_GE(polls.at("min_us").get<int>(), 2);  // a count, in the shape of every metric
  EXPECT_LE(polls.at("max_us").get<int>(), 20);
  EXPECT_FALSE(j.at("metrics").at("poll").contains("polls_corrected"));
}

// The series holds the measured part alone: 2 s after a 1 s warm-up make seconds 1 and 2,
// however long the streams in flight at the end take to drain in the grace period.
TEST(LoadCliTest, TimeSeriesLeavesOutWarmupAndGrace) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("slow.json", R"({
    "interactions": {"slow": {"generate": {"chunks": 4, "bytes": 8, "every_ms": 400}}},
    "steps": [{"stream": "slow", "timeout_ms": 20000, "expect": {"state": "COMPLETED"}}]
  })");
  const std::string report = tmp.file("run.json");
  const ProcessResult r = run_ixh({"run", file, "--vus", "2", "--warmup", "1s", "--duration", "2s",
                                   "--grace", "10s", "--quiet", "--json", report},
                                  Millis(30000));
  ASSERT_TRUE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(report));
  const nlohmann::json& series = j.at("load").at("timeseries");
  ASSERT_EQ(series.size(), 2u) << series.dump(2);
  EXPECT_EQ(series[0].at("second"), 1);
  EXPECT_EQ(series[1].at("second"), 2);
  // Streams still running at the end finished in the grace period: in the totals, in no second.
  std::uint64_t requests = 0;
  for (const auto& p : series) requests += p.at("requests").get<std::uint64_t>();
  EXPECT_LE(requests, j.at("counters").at("requests").get<std::uint64_t>());
  EXPECT_GT(j.at("load").at("iterations").get<int>(), 0);
}

TEST(LoadCliTest, FailingThresholdExitsOne) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("load.json", kLoadScenario);
  const ProcessResult r = run_ixh({"run", file, "--rate", "20/s", "--iterations", "4", "--duration",
                                   "20s", "--quiet", "--threshold", "requests<1"},
                                  Millis(30000));
  ASSERT_TRUE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(*r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  requests<1"));
  EXPECT_THAT(r.out, HasSubstr("1 of 1 threshold failed"));
}

TEST(LoadCliTest, UnknownMetricAndBadValuesAreUsageErrors) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("load.json", kLoadScenario);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--threshold", "p99(ttfx)<250ms"}, "unknown metric \"ttfx\""},
      {{"--threshold", "p99(ttfe)<250"}, "needs a unit"},
      {{"--threshold", "p99(pollz)<20"}, "unknown metric \"pollz\""},
      {{"--threshold", "p99(polls)<20ms"}, "polls is a count"},
      {{"--rate", "fast"}, "--rate"},
      {{"--duration", "10"}, "--duration"},
      {{"--stages", "30s-500"}, "--stages"},
      {{"--arrival", "bursty", "--rate", "10/s"}, "--arrival"},
      {{"--vus", "2", "--think", "10ms", "--rate", "5/s"}, "--think"},
      {{"--vus", "0"}, "--vus"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {"run", file, "--quiet"};
    args.insert(args.end(), flags.begin(), flags.end());
    const ProcessResult r = run_ixh(args);
    ASSERT_TRUE(r.exit_code.has_value()) << joined(args);
    EXPECT_EQ(*r.exit_code, 2) << joined(args) << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(message)) << joined(args);
  }
}

TEST(LoadCliTest, SigintDrainsAndWritesAPartialReport) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("load.json", kLoadScenario);
  const std::string report = tmp.file("run.json");
  Process run({"run", file, "--grace", "2s", "--json", report});
  ASSERT_TRUE(run.spawned());
  ASSERT_TRUE(wait_sigint_blocked(run));
  run.pump(Millis(1500));
  run.signal(SIGINT);
  // A 60-second run: ending within 10 s means it stopped on the signal (2 s grace at most).
  const std::optional<int> code = run.wait_exit(Millis(10000));
  ASSERT_TRUE(code.has_value()) << "ixh run did not stop within 10 s of SIGINT";
  EXPECT_EQ(*code, 1) << run.out() << run.err();
  const nlohmann::json j = nlohmann::json::parse(read_file(report));
  EXPECT_EQ(j.at("partial"), true);
  EXPECT_EQ(j.at("exit_code"), 1);
  EXPECT_GT(j.at("load").at("iterations").get<int>(), 0);
  EXPECT_THAT(run.out(), HasSubstr("PARTIAL"));
}

}  // namespace
}  // namespace ixh::e2e
