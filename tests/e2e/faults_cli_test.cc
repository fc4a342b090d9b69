// E2E: the built `ixh run scenarios/faults` against its embedded mock. Every drill passes, the
// JSON report counts the breaks by kind, and a drill whose expectation is wrong fails the run.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/process.h"

namespace ixh::e2e {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) { return json::parse(read_file(path), nullptr, false); }

TEST(FaultsCliTest, ShippedDrillsPassAgainstTheEmbeddedMock) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string report_path = tmp.file("faults.json");
  const ProcessResult r =
      run_ixh({"run", source_path("scenarios/faults"), "--json", report_path}, Millis(60000));
  ASSERT_TRUE(r.exit_code.has_value()) << "ixh run scenarios/faults did not exit";
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(last_line(r.out).rfind("ixh: PASS — ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("breaks: reset"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("resume_latency"), std::string::npos) << r.out;

  const json report = ReadJson(report_path);
  ASSERT_FALSE(report.is_discarded());
  const json& c = report.at("counters");
  EXPECT_EQ(c.at("events_lost"), 0);
  EXPECT_EQ(c.at("events_duplicated"), 0);
  EXPECT_GT(c.at("resumes_succeeded").get<int>(), 0);
  ASSERT_TRUE(c.contains("breaks"));
  for (const char* kind : {"cut", "reset", "idle_timeout", "first_event_timeout", "sse_parse",
                           "malformed_chunk", "protocol", "http_status", "interrupt"}) {
    EXPECT_GT(c.at("breaks").value(kind, 0), 0) << kind;
  }
  EXPECT_GT(report.at("metrics").at("stream").at("resume_latency").at("count").get<int>(), 0);
}

constexpr const char* kWrongDrill = R"({
  "interactions": {"story": {
    "timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 20, "text": "Hi"},
                 {"after_ms": 40, "state": "COMPLETED"}],
    "faults": [{"reset": {"after_events": 1}, "attempts": [1], "on": "stream"}]}},
  "steps": [{"stream": "story", "resume": {"backoff": {"kind": "constant", "initial_ms": 10}},
             "expect": {"breaks": ["cut"], "recovered": true}}]
})";

TEST(FaultsCliTest, ADrillExpectingTheWrongBreakFailsNamingWhatHappened) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("wrong_drill.json", kWrongDrill);
  const ProcessResult r = run_ixh({"run", file, "--no-probes"}, Millis(30000));
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL expect.breaks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[reset (attempt 1, after \"evt_000001\": curl 56"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace ixh::e2e
