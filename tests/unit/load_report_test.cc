// The load section of the run report: JSON golden file, lossless read-back, strict reader, and
// the console summary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "reports/console_writer.h"
#include "reports/json_writer.h"
#include "reports/run_report.h"
#include "tests/unit/golden.h"

namespace ixh::testing {

RunReport SampleRunReport();  // tests/unit/json_writer_test.cc

namespace {

using ::testing::HasSubstr;

RunReport LoadRunReport() {
  RunReport r = SampleRunReport();
  LoadReport l;
  l.mode = "open";
  l.arrival = "poisson";
  l.workers = 2;
  l.measured_s = 3.0;
  l.warmup_s = 1.0;
  l.iterations = 597;
  l.iterations_interrupted = 1;
  l.warmup_iterations = 201;
  l.arrivals = 600;
  l.dropped = 2;
  l.thresholds = {{"p99(ttfe)<250ms", "cli", true, "12.5ms"},
                  {"rate(errors)<0.1%", "scenarios/load/mixed.json", false, "0.25%"}};
  l.timeseries = {{1, 400, 2000, 1, 199, 0, 850, 4100, 12000, 15000},
                  {2, 402, 2010, 0, 200, 2, 840, 3900, 11800, 14700},
                  {3, 398, 1990, 0, 198, 0, 860, 4000, 12100, 15100}};
  r.load = l;
  return r;
}

std::string WriteJson(const RunReport& r) {
  std::ostringstream out;
  JsonWriter().write(r, out);
  return out.str();
}

TEST(LoadReportTest, MatchesGolden) {
  ExpectGolden("reports/run_report_load.json", WriteJson(LoadRunReport()));
}

TEST(LoadReportTest, ReadsBackExactly) {
  const std::string text = WriteJson(LoadRunReport());
  const RunReport back = read_json_report(nlohmann::json::parse(text));
  ASSERT_TRUE(back.load.has_value());
  EXPECT_EQ(back.load->timeseries.size(), 3u);
  EXPECT_EQ(back.load->timeseries[1].dropped, 2u);
  EXPECT_EQ(back.load->thresholds[1].source, "scenarios/load/mixed.json");
  EXPECT_EQ(WriteJson(back), text);
  // Without a load section the key is absent, and stays absent.
  const std::string plain = WriteJson(SampleRunReport());
  EXPECT_THAT(plain, ::testing::Not(HasSubstr("\"load\"")));
  EXPECT_FALSE(read_json_report(nlohmann::json::parse(plain)).load.has_value());
}

TEST(LoadReportTest, ReaderRejectsABrokenLoadSection) {
  const nlohmann::json good = nlohmann::json::parse(WriteJson(LoadRunReport()));
  const std::pair<std::string, std::function<void(nlohmann::json&)>> cases[] = {
      {"/load/mode", [](nlohmann::json& d) { d["load"]["mode"] = "sideways"; }},
      {"/load/timeseries/1/second",
       [](nlohmann::json& d) { d["load"]["timeseries"][1]["second"] = 1; }},
      {"/load/extra", [](nlohmann::json& d) { d["load"]["extra"] = 1; }},
      {"/load/thresholds/0/passed",
       [](nlohmann::json& d) { d["load"]["thresholds"][0]["passed"] = "yes"; }},
      {"/load/dropped", [](nlohmann::json& d) { d["load"]["dropped"] = -1; }},
  };
  for (const auto& [pointer, change] : cases) {
    nlohmann::json doc = good;
    change(doc);
    try {
      read_json_report(doc);
      ADD_FAILURE() << "accepted a broken " << pointer;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("at " + pointer)) << pointer;
    }
  }
}

TEST(LoadReportTest, ConsoleShowsTheLoadAndEachThreshold) {
  RunReport r = LoadRunReport();
  r.exit_code = 1;
  std::ostringstream out;
  ConsoleWriter(false, false).write(r, out);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("mode:        open loop, poisson arrivals, 2 workers"));
  EXPECT_THAT(text, HasSubstr("iterations:  597 (199/s), 1 interrupted, 201 in warm-up"));
  EXPECT_THAT(text, HasSubstr("arrivals:    600, dropped 2"));
  EXPECT_THAT(text, HasSubstr("PASS  p99(ttfe)<250ms  actual 12.5ms  (cli)"));
  EXPECT_THAT(text,
              HasSubstr("FAIL  rate(errors)<0.1%  actual 0.25%  (scenarios/load/mixed.json)"));
  EXPECT_THAT(text, HasSubstr("1 of 2 thresholds failed"));
}

TEST(LoadReportTest, VerdictSaysHowOftenEachCheckWasEvaluated) {
  RunReport r = LoadRunReport();
  for (ScenarioReport& scenario : r.scenarios) {
    for (StepReport& step : scenario.steps) {
      for (CheckRecord& check : step.checks) check.passed = true;
    }
  }
  r.load->thresholds.clear();
  r.counters.checks_passed = 4631;
  r.exit_code = 0;
  std::ostringstream out;
  ConsoleWriter(false, false).write(r, out);
  EXPECT_THAT(out.str(), HasSubstr("checks passed over 597 iterations (4631 evaluations)"));
}

}  // namespace
}  // namespace ixh::testing
