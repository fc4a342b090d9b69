#include "reports/console_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "reports/run_report.h"
#include "tests/unit/golden.h"

namespace ixh::testing {

// Defined in json_writer_test.cc: the hand-built reports both writer tests use.
RunReport SampleRunReport();
RunReport PassingPartialRunReport();

namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteConsole(const RunReport& report, ConsoleWriterOptions options = {}) {
  std::ostringstream out;
  ConsoleWriter(options).write(report, out);
  return out.str();
}

TEST(ConsoleWriterTest, MatchesGoldenForFailingRun) {
  ExpectGolden("reports/console_fail.txt", WriteConsole(SampleRunReport()));
}

TEST(ConsoleWriterTest, MatchesGoldenForPassingPartialRun) {
  ExpectGolden("reports/console_pass_partial.txt", WriteConsole(PassingPartialRunReport()));
}

TEST(ConsoleWriterTest, MatchesGoldenWhenVerbose) {
  ExpectGolden("reports/console_verbose.txt",
               WriteConsole(SampleRunReport(), {.verbose = true, .color = false}));
}

TEST(ConsoleWriterTest, MatchesGoldenForEmptyReport) {
  ExpectGolden("reports/console_empty.txt", WriteConsole(RunReport{}));
}

TEST(ConsoleWriterTest, NamesSkippedChecksUnderTheHeader) {
  RunReport report = PassingPartialRunReport();
  EXPECT_THAT(WriteConsole(report), Not(HasSubstr("not judged")));
  report.options["skip_checks"] = {"id.matches_request", "stream.sse"};
  EXPECT_THAT(WriteConsole(report), HasSubstr("  duration:    ")) << "header still whole";
  EXPECT_THAT(WriteConsole(report),
              HasSubstr("\n  not judged:  id.matches_request, stream.sse (--skip-check)\n"));
  report.options["skip_checks"] = nlohmann::json::array();
  EXPECT_THAT(WriteConsole(report), Not(HasSubstr("not judged")));
}

TEST(ConsoleWriterTest, IsDeterministic) {
  EXPECT_EQ(WriteConsole(SampleRunReport()), WriteConsole(SampleRunReport()));
}

TEST(ConsoleWriterTest, ListsFailedChecksOnlyUnlessVerbose) {
  const std::string quiet = WriteConsole(SampleRunReport());
  EXPECT_THAT(quiet, HasSubstr("  [FAIL] 0 stream running.r7-1  (1102.3 ms, 14 checks, 2 failed)"
                               "  at /steps/0\n"));
  EXPECT_THAT(quiet, HasSubstr("    FAIL state.forward_only\n"
                               "         where:    event \"evt_0005\" of GET "
                               "/v1beta/interactions/running.r7-1\n"
                               "         expected: RUNNING or a terminal state after RUNNING\n"
                               "         actual:   PENDING\n"));
  // Multi-line values keep their lines, indented under the first.
  EXPECT_THAT(quiet, HasSubstr("         actual:   Once upon\n"
                               "                   a time\n"
                               "                   the end\n"));
  EXPECT_THAT(quiet, Not(HasSubstr("sse.frame_well_formed")));
  EXPECT_THAT(WriteConsole(SampleRunReport(), {.verbose = true}),
              HasSubstr("    ok   sse.frame_well_formed  at GET "
                        "/v1beta/interactions/running.r7-1?stream=true: ok\n"));
}

TEST(ConsoleWriterTest, VerdictLines) {
  EXPECT_THAT(WriteConsole(SampleRunReport()),
              EndsWith("\nixh: FAIL — 2 of 18 checks failed in 1 scenario\n"));
  EXPECT_THAT(WriteConsole(PassingPartialRunReport()),
              EndsWith("\nixh: PASS — 1 scenario, 3 checks passed (partial run)\n"));
  RunReport unreachable;
  unreachable.exit_code = 3;
  EXPECT_THAT(WriteConsole(unreachable),
              EndsWith("\nixh: FAIL — 0 scenarios, 0 checks passed; exit code 3 (target "
                       "unreachable or mock did not start)\n"));
  RunReport threshold = PassingPartialRunReport();
  threshold.partial = false;
  threshold.exit_code = 1;
  EXPECT_THAT(WriteConsole(threshold),
              EndsWith("\nixh: FAIL — 1 scenario, 3 checks passed; exit code 1 (a threshold "
                       "failed)\n"));
  RunReport interrupted = PassingPartialRunReport();
  interrupted.exit_code = 1;  // the cli fails a partial run
  EXPECT_THAT(WriteConsole(interrupted),
              EndsWith("\nixh: FAIL — 1 scenario, 3 checks passed (partial run)\n"));
}

TEST(ConsoleWriterTest, PartialBanner) {
  EXPECT_THAT(WriteConsole(PassingPartialRunReport()),
              HasSubstr("\nPARTIAL: the run was stopped early; the numbers cover only what ran\n"));
  EXPECT_THAT(WriteConsole(SampleRunReport()), Not(HasSubstr("PARTIAL")));
}

TEST(ConsoleWriterTest, ColourOnlyWhenAsked) {
  EXPECT_THAT(WriteConsole(SampleRunReport()), Not(HasSubstr("\x1b")));
  const std::string coloured = WriteConsole(SampleRunReport(), {.color = true});
  EXPECT_THAT(coloured, HasSubstr("  [\x1b[32mPASS\x1b[0m] 0 get completed.u1"));
  EXPECT_THAT(coloured, HasSubstr("ixh: \x1b[1;31mFAIL\x1b[0m — 2 of 18"));
}

TEST(ConsoleWriterTest, CliConstructorTakesVerboseThenColor) {
  std::ostringstream cli;
  ConsoleWriter(true, true).write(SampleRunReport(), cli);
  EXPECT_EQ(cli.str(), WriteConsole(SampleRunReport(), {.verbose = true, .color = true}));
}

TEST(ConsoleWriterTest, EmptyHistogramShowsDashes) {
  RunReport r;
  r.metrics["get"]["latency"];
  EXPECT_THAT(WriteConsole(r), HasSubstr("\n    latency      0    -    -    -    -\n"));
}

TEST(ConsoleWriterTest, PollCountsShowAsWholeNumbersAfterPollToTerminal) {
  RunReport r;
  for (std::int64_t polls : {1, 2, 2, 3, 14}) r.metrics["poll"]["polls"].record(polls);
  r.metrics["poll"]["poll_to_terminal"].record(316'000);
  const std::string text = WriteConsole(r);
  EXPECT_THAT(text, HasSubstr("\n    polls (count)         5    2   14   14   14\n"));
  EXPECT_LT(text.find("    poll_to_terminal "), text.find("    polls (count) "));
}

TEST(ConsoleWriterTest, EscapesControlCharactersFromTheReport) {
  RunReport r;
  r.target = "http://x\x1b[2J\r";
  ScenarioReport s;
  s.name = "a\nb";
  StepReport step;
  step.kind = "get";
  step.checks = {{"c", false, "x", "\x1b]0;title\x07", "w\tw"}};
  s.steps = {step};
  r.scenarios = {s};
  const std::string text = WriteConsole(r);
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, HasSubstr("target:      http://x\\x1b[2J\\r\n"));
  EXPECT_THAT(text, HasSubstr("FAIL  a\\nb\n"));
  EXPECT_THAT(text, HasSubstr("actual:   \\x1b]0;title\\x07\n"));
  EXPECT_THAT(text, HasSubstr("where:    w\\tw\n"));
}

TEST(ConsoleWriterTest, OmitsZeroErrorClasses) {
  const std::string text = WriteConsole(SampleRunReport());
  EXPECT_THAT(text, HasSubstr("  events duplicated          0\n"
                              "  errors: timeout            1\n"
                              "  errors: http_status        2\n"
                              "  errors: check_failed       2\n"
                              "  breaks: idle_timeout       1\n"
                              "  breaks: interrupt          2\n\n"));
  EXPECT_THAT(text, Not(HasSubstr("connect")));
  RunReport clean;
  clean.counters.errors = {{"timeout", 0}};
  EXPECT_THAT(WriteConsole(clean), HasSubstr("  errors             none\n"));
  clean.counters.breaks = {{"reset", 0}};
  EXPECT_THAT(WriteConsole(clean), Not(HasSubstr("breaks")));
}

TEST(ConsoleWriterTest, OrdersKindsAndMetricsCanonically) {
  const std::string text = WriteConsole(SampleRunReport());
  const auto at = [&text](const std::string& s) { return text.find(s); };
  EXPECT_LT(at("\n  get\n"), at("\n  stream\n"));
  EXPECT_LT(at("\n  stream\n"), at("\n  poll\n"));
  EXPECT_LT(at("\n  poll\n"), at("\n  chain\n"));
  EXPECT_LT(at("\n  chain\n"), at("\n  probe  (no metrics)\n"));
  EXPECT_LT(at("    latency "), at("    latency_corrected "));
  EXPECT_LT(at("    latency_corrected "), at("    ttfb "));
  EXPECT_THAT(text, HasSubstr("    note: poll_to_terminal: 1 value above 1 h counted as 1 h\n"));
}

TEST(FormatThousandthsTest, ThreeSignificantDigits) {
  const std::pair<std::int64_t, std::string> cases[] = {
      {0, "0"},
      {1, "0.001"},
      {12, "0.012"},
      {412, "0.412"},
      {999, "0.999"},
      {1000, "1.00"},
      {1004, "1.00"},
      {1005, "1.01"},
      {9994, "9.99"},
      {9995, "10.0"},
      {12345, "12.3"},
      {99949, "99.9"},
      {99950, "100"},
      {100499, "100"},
      {100500, "101"},
      {1104000, "1104"},
      {3'600'000'000, "3600000"},
      {-412, "-0.412"},
      {-12345, "-12.3"},
      {std::numeric_limits<std::int64_t>::max(), "9223372036854776"},
      {std::numeric_limits<std::int64_t>::min(), "-9223372036854776"},
  };
  for (const auto& [n, expected] : cases) EXPECT_EQ(format_thousandths(n), expected) << n;
}

}  // namespace
}  // namespace ixh::testing
