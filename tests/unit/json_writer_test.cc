#include "reports/json_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/histogram.h"
#include "reports/run_report.h"
#include "tests/unit/golden.h"

namespace ixh::testing {

// The hand-built report both writer tests use (console_writer_test.cc declares it too): one
// passing and one failing scenario, a few recorded values per metric (one saturated), errors by
// class with a zero class among them, and options. Not partial; exit code 1.
RunReport SampleRunReport() {
  RunReport r;
  r.ixh_version = "0.1.0";
  r.started_at = "2025-11-25T18:00:00.123Z";
  r.duration_ms = 12345.678;
  r.target = "embedded mock at http://127.0.0.1:40123";
  r.dialect = "seed";
  r.options = {{"scenarios", {"scenarios/conformance"}}, {"vus", 1}, {"timeout_ms", 30000}};

  ScenarioReport basic;
  basic.name = "get_basic";
  basic.file = "scenarios/conformance/get_basic.json";
  basic.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  StepReport get;
  get.index = 0;
  get.kind = "get";
  get.interaction = "completed.u1";
  get.pointer = "/steps/0";
  get.duration_ms = 1.25;
  get.checks = {
      {"expect.status", true, "200", "200", "GET /v1beta/interactions/completed.u1"},
      {"usage.only_when_terminal", true, "usage_metadata present", "present",
       "GET /v1beta/interactions/completed.u1"},
  };
  StepReport chain;
  chain.index = 1;
  chain.kind = "chain";
  chain.interaction = "child.u1";
  chain.pointer = "/steps/1";
  chain.duration_ms = 3.5;
  chain.checks = {{"chain.reaches_root", true, "root within 8 links", "root after 2 links",
                   "GET /v1beta/interactions/child.u1"}};
  basic.steps = {get, chain};

  ScenarioReport resume;
  resume.name = "resume";
  resume.file = "scenarios/faults/resume.json";
  resume.sha256 = "";
  StepReport stream;
  stream.index = 0;
  stream.kind = "stream";
  stream.interaction = "running.r7-1";
  stream.pointer = "/steps/0";
  stream.duration_ms = 1102.3;
  for (int i = 0; i < 12; ++i) {
    stream.checks.push_back({"sse.frame_well_formed", true, "a well-formed SSE frame", "ok",
                             "GET /v1beta/interactions/running.r7-1?stream=true"});
  }
  stream.checks.push_back({"state.forward_only", false, "RUNNING or a terminal state after RUNNING",
                           "PENDING",
                           "event \"evt_0005\" of GET /v1beta/interactions/running.r7-1"});
  stream.checks.push_back({"text.equals_get", false, "Once upon a time\nthe end",
                           "Once upon\na time\nthe end", "stream text vs GET output.text"});
  StepReport poll;
  poll.index = 1;
  poll.kind = "poll";
  poll.interaction = "running.r7-1";
  poll.pointer = "/steps/1";
  poll.duration_ms = 250;
  poll.checks = {{"poll.reaches_terminal", true, "a terminal state within 30000 ms",
                  "COMPLETED after 3 polls", "GET /v1beta/interactions/running.r7-1"}};
  resume.steps = {stream, poll};
  r.scenarios = {basic, resume};

  const auto record = [&r](const char* kind, const char* metric,
                           std::initializer_list<std::int64_t> values) {
    Histogram& h = r.metrics[kind][metric];
    for (const std::int64_t v : values) h.record(v);
  };
  record("get", "latency", {412, 530, 1100, 1204});
  record("get", "ttfb", {201, 250, 333});
  record("get", "latency_corrected", {415, 2600});
  record("chain", "latency", {3500});
  record("chain", "ttfb", {900});
  record("stream", "latency", {1'102'300});
  record("stream", "ttfb", {812});
  record("stream", "ttfe", {1'020});
  record("stream", "ttft", {100'400});
  record("stream", "inter_event_gap", {9'000, 10'000, 10'100, 49'990, 99'950});
  record("poll", "latency", {700, 800, 950});
  record("poll", "ttfb", {300, 310, 320});
  record("poll", "poll_to_terminal", {210'000, 4'000'000'000});  // the second one saturates
  r.metrics["probe"];                                            // a kind without metrics

  r.counters.requests = 11;
  r.counters.events = 42;
  r.counters.bytes = 123'456;
  r.counters.checks_passed = 16;
  r.counters.checks_failed = 2;
  r.counters.resumes_attempted = 1;
  r.counters.resumes_succeeded = 1;
  r.counters.errors = {{"connect", 0}, {"timeout", 1}, {"http_status", 2}, {"check_failed", 2}};
  r.counters.breaks = {{"idle_timeout", 1}, {"interrupt", 2}};
  r.exit_code = 1;
  return r;
}

// Every check passes; stopped early by SIGINT.
RunReport PassingPartialRunReport() {
  RunReport r = SampleRunReport();
  r.scenarios.pop_back();
  r.metrics.erase("stream");
  r.metrics.erase("poll");
  r.counters.checks_passed = 3;
  r.counters.checks_failed = 0;
  r.counters.errors = {{"cancelled", 1}};
  r.partial = true;
  r.exit_code = 0;
  return r;
}

namespace {

using ::testing::HasSubstr;

std::string WriteJson(const RunReport& report) {
  std::ostringstream out;
  JsonWriter().write(report, out);
  return out.str();
}

std::string ReadTestdata(const std::string& relative) {
  std::ifstream in(std::string(IXH_SOURCE_DIR) + "/tests/testdata/" + relative, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(JsonWriterTest, MatchesGolden) {
  ExpectGolden("reports/run_report.json", WriteJson(SampleRunReport()));
}

TEST(JsonWriterTest, MatchesGoldenForPassingPartialRun) {
  ExpectGolden("reports/run_report_partial.json", WriteJson(PassingPartialRunReport()));
}

TEST(JsonWriterTest, StartsWithSchemaAndEndsWithNewline) {
  const std::string text = WriteJson(RunReport{});
  EXPECT_THAT(text, ::testing::StartsWith("{\n  \"schema\": \"ixh.run_report\",\n"
                                          "  \"schema_version\": 2,\n"));
  EXPECT_THAT(text, ::testing::EndsWith("}\n"));
}

TEST(JsonWriterTest, WritesDerivedFields) {
  const nlohmann::json doc = nlohmann::json::parse(WriteJson(SampleRunReport()));
  EXPECT_EQ(doc["scenarios"][0]["passed"], true);
  EXPECT_EQ(doc["scenarios"][1]["passed"], false);
  EXPECT_EQ(doc["scenarios"][1]["steps"][0]["passed"], false);
  EXPECT_EQ(doc["scenarios"][1]["steps"][1]["passed"], true);
  EXPECT_EQ(doc["summary"], nlohmann::json({{"scenarios", 2},
                                            {"scenarios_failed", 1},
                                            {"checks_passed", 16},
                                            {"checks_failed", 2}}));
  const nlohmann::json& latency = doc["metrics"]["get"]["latency"];
  EXPECT_EQ(latency["count"], 4);
  EXPECT_EQ(latency["min_us"], 412);
  EXPECT_EQ(latency["max_us"], 1204);
  EXPECT_EQ(latency["p50_us"], 530);
  EXPECT_EQ(latency["p999_us"], 1204);
  EXPECT_DOUBLE_EQ(latency["mean_us"].get<double>(), 811.5);
  EXPECT_EQ(doc["metrics"]["poll"]["poll_to_terminal"]["histogram"]["saturated"], 1);
  EXPECT_EQ(doc["counters"]["errors"]["connect"], 0);  // lossless: zero classes kept
}

void ExpectRoundTrip(const RunReport& report) {
  const std::string first = WriteJson(report);
  const RunReport back = read_json_report(nlohmann::json::parse(first));
  EXPECT_EQ(WriteJson(back), first);
}

TEST(JsonWriterTest, RoundTripIsByteIdentical) {
  ExpectRoundTrip(SampleRunReport());
  ExpectRoundTrip(PassingPartialRunReport());
  ExpectRoundTrip(RunReport{});
}

TEST(JsonWriterTest, RoundTripKeepsOddStringsAndNumbers) {
  RunReport r;
  r.duration_ms = 0.1 + 0.2;  // needs all 17 digits
  r.target = "tab\there, quote \" backslash \\ and \x1b[31m escape, ü, 日本";
  r.options = {{"nested", {{"b", {1, 2.5, nullptr, "x"}}, {"a", nlohmann::json::object()}}}};
  ScenarioReport s;
  s.name = "odd";
  StepReport step;
  step.duration_ms = -0.0;
  step.checks = {{"c", false, "", "line\r\nbreak", ""}};
  s.steps = {step};
  r.scenarios = {s};
  r.counters.bytes = UINT64_MAX;
  ExpectRoundTrip(r);
}

TEST(JsonWriterTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  RunReport r;
  r.target = "bad \xff\xfe bytes";
  std::string text;
  ASSERT_NO_THROW(text = WriteJson(r));
  EXPECT_THAT(text, HasSubstr("\"target\": \"bad \xef\xbf\xbd\xef\xbf\xbd bytes\""));
  ExpectRoundTrip(r);
}

TEST(JsonWriterTest, GoldenFilesReadBackExactly) {
  for (const char* file : {"reports/run_report.json", "reports/run_report_partial.json"}) {
    SCOPED_TRACE(file);
    const std::string golden = ReadTestdata(file);
    ASSERT_FALSE(golden.empty());
    EXPECT_EQ(WriteJson(read_json_report(nlohmann::json::parse(golden))), golden);
  }
}

TEST(ReadJsonReportTest, RecoversTheReport) {
  const RunReport original = SampleRunReport();
  const RunReport back = read_json_report(nlohmann::json::parse(WriteJson(original)));
  EXPECT_EQ(back.ixh_version, original.ixh_version);
  EXPECT_EQ(back.started_at, original.started_at);
  EXPECT_EQ(back.duration_ms, original.duration_ms);
  EXPECT_EQ(back.options, original.options);
  EXPECT_EQ(back.exit_code, 1);
  ASSERT_EQ(back.scenarios.size(), 2u);
  ASSERT_EQ(back.scenarios[1].steps[0].checks.size(), 14u);
  const CheckRecord& failed = back.scenarios[1].steps[0].checks[13];
  EXPECT_EQ(failed.check, "text.equals_get");
  EXPECT_FALSE(failed.passed);
  EXPECT_EQ(failed.actual, "Once upon\na time\nthe end");
  EXPECT_EQ(back.checks_failed(), 2u);
  EXPECT_EQ(back.metrics, original.metrics);  // bucket-exact histograms
  EXPECT_EQ(back.counters.errors, original.counters.errors);
  EXPECT_EQ(back.counters.breaks, original.counters.breaks);
  EXPECT_EQ(back.counters.bytes, 123'456u);
}

TEST(ReadJsonReportTest, BreaksAreWrittenOnlyWhenAStreamBrokeAndReadEitherWay) {
  RunReport r = SampleRunReport();
  r.counters.breaks.clear();
  const nlohmann::json doc = nlohmann::json::parse(WriteJson(r));
  EXPECT_FALSE(doc.at("counters").contains("breaks"));
  EXPECT_TRUE(read_json_report(doc).counters.breaks.empty());
  nlohmann::json bad = doc;
  bad["counters"]["breaks"] = nlohmann::json::array();
  try {
    read_json_report(bad);
    ADD_FAILURE() << "breaks as an array was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/counters/breaks"), std::string::npos) << e.what();
  }
  bad["counters"]["breaks"] = {{"cut", -1}};
  EXPECT_THROW(read_json_report(bad), std::exception);
}

// A valid document with one change, and the pointer the error must name.
struct Malformed {
  std::string what;
  std::function<void(nlohmann::json&)> change;
  std::string pointer;
};

TEST(ReadJsonReportTest, RejectsMalformedDocumentsNamingThePointer) {
  using nlohmann::json;
  const json valid = json::parse(WriteJson(SampleRunReport()));
  const std::vector<Malformed> cases = {
      {"not an object", [](json& d) { d = json::array(); }, "at /:"},
      {"unknown key", [](json& d) { d["extra"] = 1; }, "at /extra:"},
      {"missing key", [](json& d) { d.erase("counters"); }, "at /counters: required key missing"},
      {"wrong schema", [](json& d) { d["schema"] = "other"; }, "at /schema:"},
      {"newer version", [](json& d) { d["schema_version"] = 3; }, "at /schema_version:"},
      {"string for a number", [](json& d) { d["duration_ms"] = "12"; }, "at /duration_ms:"},
      {"options not an object", [](json& d) { d["options"] = json::array(); }, "at /options:"},
      {"fractional exit code", [](json& d) { d["exit_code"] = 1.5; }, "at /exit_code:"},
      {"exit code beyond int", [](json& d) { d["exit_code"] = 1LL << 40; }, "at /exit_code:"},
      {"partial not a bool", [](json& d) { d["partial"] = "no"; }, "at /partial:"},
      {"scenarios not an array", [](json& d) { d["scenarios"] = json::object(); },
       "at /scenarios:"},
      {"sha256 not a string", [](json& d) { d["scenarios"][0]["sha256"] = nullptr; },
       "at /scenarios/0/sha256:"},
      {"passed contradicts checks", [](json& d) { d["scenarios"][1]["passed"] = true; },
       "at /scenarios/1/passed:"},
      {"step passed contradicts checks",
       [](json& d) { d["scenarios"][1]["steps"][0]["passed"] = true; },
       "at /scenarios/1/steps/0/passed:"},
      {"negative index", [](json& d) { d["scenarios"][0]["steps"][1]["index"] = -1; },
       "at /scenarios/0/steps/1/index:"},
      {"fractional index", [](json& d) { d["scenarios"][0]["steps"][1]["index"] = 1.5; },
       "at /scenarios/0/steps/1/index:"},
      {"step kind not a string", [](json& d) { d["scenarios"][0]["steps"][0]["kind"] = 1; },
       "at /scenarios/0/steps/0/kind:"},
      {"step unknown key", [](json& d) { d["scenarios"][0]["steps"][0]["extra~/"] = 1; },
       "at /scenarios/0/steps/0/extra~0~1: unknown key"},
      {"check without where",
       [](json& d) { d["scenarios"][1]["steps"][0]["checks"][13].erase("where"); },
       "at /scenarios/1/steps/0/checks/13/where: required key missing"},
      {"check passed not a bool",
       [](json& d) { d["scenarios"][1]["steps"][0]["checks"][2]["passed"] = 1; },
       "at /scenarios/1/steps/0/checks/2/passed:"},
      {"metric kind not an object", [](json& d) { d["metrics"]["a/b"] = json::array(); },
       "at /metrics/a~1b:"},
      {"metric not an object", [](json& d) { d["metrics"]["get"]["latency"] = 3; },
       "at /metrics/get/latency:"},
      {"count disagrees", [](json& d) { d["metrics"]["get"]["latency"]["count"] = 5; },
       "at /metrics/get/latency/count: 5 but the histogram says 4"},
      {"max disagrees", [](json& d) { d["metrics"]["get"]["latency"]["max_us"] = 1; },
       "at /metrics/get/latency/max_us:"},
      {"percentile not an integer", [](json& d) { d["metrics"]["get"]["ttfb"]["p90_us"] = 1.5; },
       "at /metrics/get/ttfb/p90_us:"},
      {"mean not a number", [](json& d) { d["metrics"]["get"]["ttfb"]["mean_us"] = nullptr; },
       "at /metrics/get/ttfb/mean_us:"},
      {"bad histogram bucket",
       [](json& d) { d["metrics"]["get"]["ttfb"]["histogram"]["buckets"][1][1] = 0; },
       "at /metrics/get/ttfb/histogram/buckets/1/1:"},
      {"histogram unknown key", [](json& d) { d["metrics"]["get"]["ttfb"]["histogram"]["x"] = 0; },
       "at /metrics/get/ttfb/histogram/x:"},
      {"histogram not an object", [](json& d) { d["metrics"]["get"]["ttfb"]["histogram"] = 1; },
       "at /metrics/get/ttfb/histogram:"},
      {"negative counter", [](json& d) { d["counters"]["events"] = -3; }, "at /counters/events:"},
      {"errors not an object", [](json& d) { d["counters"]["errors"] = 1; },
       "at /counters/errors:"},
      {"error count not an integer", [](json& d) { d["counters"]["errors"]["timeout"] = "1"; },
       "at /counters/errors/timeout:"},
      {"summary disagrees", [](json& d) { d["summary"]["checks_failed"] = 0; },
       "at /summary/checks_failed: 0 but the scenarios give 2"},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.what);
    json doc = valid;
    c.change(doc);
    try {
      read_json_report(doc);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), ::testing::StartsWith("run report JSON: "));
      EXPECT_THAT(e.what(), HasSubstr(c.pointer));
    }
  }
}

}  // namespace
}  // namespace ixh::testing
