// Integration tests of resumption (docs/resume.md) against the mock's real faults
// (docs/faults.md): an in-process MockServer on 127.0.0.1:0, the curl-multi Engine and a
// VirtualUser over real sockets. For every fault kind the driver must classify the break as
// documented and, where a resume can help, recover with nothing lost and nothing repeated.
// Every wait is bounded and only a hang guard; no test asserts an absolute time.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "core/scenario_loader.h"
#include "harness/check.h"
#include "harness/checks.h"
#include "harness/engine.h"
#include "harness/metrics.h"
#include "harness/observation.h"
#include "harness/runner.h"
#include "harness/target.h"
#include "harness/virtual_user.h"
#include "mock_server/mock_options.h"
#include "mock_server/mock_server.h"
#include "reports/run_report.h"
#include "tests/integration/mock_fixture.h"
#include "tests/unit/step_test_support.h"

namespace ixh {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test::RecordingCheck;
using ::testing::ElementsAreArray;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

// A live story: PENDING, RUNNING, four text deltas 40 ms apart, COMPLETED (7 events).
json Timeline() {
  return json::parse(R"([{"after_ms": 0, "state": "RUNNING"},
    {"after_ms": 40, "text": "Once"}, {"after_ms": 80, "text": " upon"},
    {"after_ms": 120, "text": " a"}, {"after_ms": 160, "text": " time"},
    {"after_ms": 200, "state": "COMPLETED"}])");
}
constexpr std::size_t kEvents = 7;

// A scenario of one template with `faults` and one stream step built from `step`.
Scenario OneStep(const std::string& faults, const std::string& step) {
  json doc = {
      {"name", "drill"},
      {"interactions", {{"story", {{"timeline", Timeline()}, {"faults", json::parse(faults)}}}}},
      {"steps", json::array({json::parse(step)})}};
  doc["steps"][0]["stream"] = "story";
  return parse_scenario(doc, "drill.json");
}

struct DrillResult {
  StepObservation observation;
  StepReport report;
  Counters counters;
  RunReport metrics;
};

// Runs the scenario's single stream step against a fresh mock and returns what it observed.
DrillResult RunDrill(const Scenario& scenario) {
  test::InProcessMock mock({scenario});
  EXPECT_TRUE(mock.started()) << mock.error();
  Target target;
  target.base_url = mock.base_url();
  Engine engine(mock.clock(), EngineOptions{});
  std::vector<std::unique_ptr<Check>> checks = protocol_checks();
  checks.push_back(expectation_check());
  std::vector<StepObservation> observed;
  checks.push_back(std::make_unique<RecordingCheck>(&observed));
  Metrics metrics;
  ScenarioReport report;
  VirtualUser user(UserContext{engine, target, checks, metrics, 7}, scenario.steps, "it", report);
  bool done = false;
  user.start([&] { done = true; });
  test::RunEngineUntil(
      engine, [&] { return done; }, milliseconds(60'000));
  mock.server().stop();
  DrillResult r;
  EXPECT_TRUE(done) << "the drill did not finish within the guard";
  if (!done || observed.empty() || report.steps.empty()) return r;
  r.observation = observed.front();
  r.report = report.steps.front();
  r.counters = metrics.counters();
  metrics.merge_into(r.metrics);
  return r;
}

std::string Failures(const StepReport& step) {
  std::string out;
  for (const CheckRecord& r : step.checks) {
    if (!r.passed) out += "\n  " + r.check + ": expected " + r.expected + ", got " + r.actual;
  }
  return out;
}

std::vector<std::string> Kinds(const StepObservation& o) {
  std::vector<std::string> out;
  for (const StreamBreak& b : o.breaks) out.emplace_back(to_string(b.kind));
  return out;
}

std::vector<std::string> Ids(const ObservedStream& s) {
  std::vector<std::string> out;
  for (const ObservedEvent& e : s.events) out.push_back(e.decoded.id);
  return out;
}

constexpr const char* kResume =
    R"("timeout_ms": 20000, "resume": {"max_attempts": 3, "backoff": {"kind": "constant", "initial_ms": 10}})";

// The drill recovered: every event exactly once, the union proven against the reference.
// `recoveries`: how many times new events followed a break (one resume_latency sample each).
void ExpectRecovered(const DrillResult& r, const std::vector<std::string>& breaks,
                     std::int64_t recoveries = 1) {
  const StepObservation& o = r.observation;
  EXPECT_TRUE(r.report.passed()) << Failures(r.report);
  EXPECT_THAT(Kinds(o), ElementsAreArray(breaks));
  EXPECT_TRUE(o.recovered);
  ASSERT_TRUE(o.stream.has_value());
  ASSERT_TRUE(o.reference_stream.has_value());
  EXPECT_EQ(Ids(*o.stream), Ids(*o.reference_stream));
  EXPECT_EQ(o.stream->events.size(), kEvents);
  EXPECT_EQ(r.counters.events_lost, 0u);
  EXPECT_EQ(r.counters.events_duplicated, 0u);
  bool union_checked = false;
  for (const CheckRecord& c : r.report.checks) {
    if (c.check == kCheckResumeUnion) union_checked = c.passed;
  }
  EXPECT_TRUE(union_checked) << "stream.resume_union did not pass";
  ASSERT_EQ(r.metrics.metrics.count("stream"), 1u);
  ASSERT_EQ(r.metrics.metrics.at("stream").count("resume_latency"), 1u);
  EXPECT_EQ(r.metrics.metrics.at("stream").at("resume_latency").count(), recoveries);
}

TEST(FaultResumeTest, CutBetweenEventsIsClassifiedAndRecovered) {
  const DrillResult r = RunDrill(OneStep(R"([{"cut": {"after_events": 3}, "attempts": [1]}])",
                                         std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"cut"});
  ASSERT_FALSE(r.observation.breaks.empty());
  EXPECT_EQ(r.observation.breaks[0].curl_code, 18);  // CURLE_PARTIAL_FILE
  EXPECT_EQ(r.observation.breaks[0].after_event_id, "evt_000003");
  EXPECT_EQ(r.observation.attempts[1].last_event_id, "evt_000003");
}

TEST(FaultResumeTest, CutInsideAnEventResumesAfterTheLastWholeOne) {
  const DrillResult r = RunDrill(OneStep(R"([{"cut": {"after_bytes": 300}, "attempts": [1]}])",
                                         std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"cut"});
  EXPECT_TRUE(r.observation.attempts[0].truncated);
}

TEST(FaultResumeTest, ResetIsClassifiedAndRecovered) {
  const DrillResult r = RunDrill(OneStep(R"([{"reset": {"after_events": 2}, "attempts": [1]}])",
                                         std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"reset"});
  EXPECT_EQ(r.observation.breaks[0].curl_code, 56);  // CURLE_RECV_ERROR, ECONNRESET
}

TEST(FaultResumeTest, AStallLongerThanTheIdleTimeoutIsCutAndResumed) {
  const DrillResult r =
      RunDrill(OneStep(R"([{"stall": {"after_events": 2, "ms": 30000}, "attempts": [1]}])",
                       std::string("{") + kResume + R"(, "idle_timeout_ms": 1000})"));
  ExpectRecovered(r, {"idle_timeout"});
  EXPECT_EQ(r.observation.attempts[0].events.size(), 2u);
}

TEST(FaultResumeTest, AStallBeforeTheFirstEventHitsTheFirstEventTimeout) {
  const DrillResult r =
      RunDrill(OneStep(R"([{"stall": {"after_events": 0, "forever": true}, "attempts": [1]}])",
                       std::string("{") + kResume + R"(, "first_event_timeout_ms": 1000})"));
  ExpectRecovered(r, {"first_event_timeout"});
}

TEST(FaultResumeTest, DripAtOneBytePiecesYieldsIdenticalEvents) {
  // The first stream drips, the reference (the third stream) does not: same instance, same log.
  const DrillResult r = RunDrill(
      OneStep(R"([{"drip": {"piece_bytes": 1, "delay_ms": 0}, "attempts": [1]}])",
              std::string("{") + kResume + R"(, "expect": {"breaks": [], "recovered": true}})"));
  EXPECT_TRUE(r.report.passed()) << Failures(r.report);
  ASSERT_TRUE(r.observation.stream && r.observation.final_get);
  EXPECT_EQ(r.observation.attempts.size(), 1u);
  // Compare with a second, undripped stream of the same finished instance.
  const Scenario s = OneStep(R"([{"drip": {"piece_bytes": 1, "delay_ms": 0}, "attempts": [1]}])",
                             R"({"timeout_ms": 20000})");
  test::InProcessMock mock({s});
  ASSERT_TRUE(mock.started()) << mock.error();
  Target target;
  target.base_url = mock.base_url();
  Engine engine(mock.clock(), EngineOptions{});
  StreamFetch fetch;
  std::vector<ObservedStream> got;
  std::function<void()> next = [&] {
    StreamFetch::Options o;
    o.timeout_ms = 20000;
    o.keep_raw_data = true;
    fetch.start(engine, target, "story.same", o, [&](ObservedStream x) {
      got.push_back(std::move(x));
      if (got.size() < 2) next();
    });
  };
  next();
  test::RunEngineUntil(engine, [&] { return got.size() == 2; });
  mock.server().stop();
  ASSERT_EQ(got.size(), 2u);
  // The first (dripped, live) and second (replayed) streams carry the same events byte for byte.
  ASSERT_EQ(got[0].events.size(), kEvents);
  ASSERT_EQ(got[1].events.size(), kEvents);
  for (std::size_t i = 0; i < kEvents; ++i) {
    EXPECT_EQ(got[0].events[i].raw, got[1].events[i].raw) << i;
  }
  EXPECT_FALSE(got[0].truncated);
  EXPECT_EQ(got[0].http.error, ErrorClass::kNone);
}

TEST(FaultResumeTest, MalformedSseFramesAreDroppedAndRecovered) {
  for (const std::string variant : {"not_json", "missing_id", "long_line"}) {
    SCOPED_TRACE(variant);
    const DrillResult r =
        RunDrill(OneStep(R"([{"malformed_sse": {"after_events": 2, "variant": ")" + variant +
                             R"("}, "attempts": [1]}])",
                         std::string("{") + kResume + R"(, "expect": {"breaks": ["sse_parse"]}})"));
    ExpectRecovered(r, {"sse_parse"});
    EXPECT_EQ(r.observation.breaks[0].after_event_id, "evt_000002");
  }
}

TEST(FaultResumeTest, AnUnexpectedRejectedEventIsStillAFinding) {
  // Recovered, but the server did send an event the dialect rejects: schema.event says so unless
  // the step is a drill expecting an sse_parse break.
  const DrillResult r = RunDrill(
      OneStep(R"([{"malformed_sse": {"after_events": 2, "variant": "not_json"}, "attempts": [1]}])",
              std::string("{") + kResume + "}"));
  EXPECT_TRUE(r.observation.recovered);
  EXPECT_EQ(r.counters.events_lost, 0u);
  bool flagged = false;
  for (const CheckRecord& c : r.report.checks) {
    if (c.check == kCheckSchemaEvent && !c.passed) flagged = true;
  }
  EXPECT_TRUE(flagged) << Failures(r.report);
}

TEST(FaultResumeTest, AnInvalidUtf8CommentChangesNothing) {
  const DrillResult r = RunDrill(OneStep(
      R"([{"malformed_sse": {"after_events": 2, "variant": "invalid_utf8"}, "attempts": [1]}])",
      std::string("{") + kResume + R"(, "expect": {"breaks": [], "text": "Once upon a time"}})"));
  EXPECT_TRUE(r.report.passed()) << Failures(r.report);
  EXPECT_EQ(r.observation.stream->events.size(), kEvents);
}

TEST(FaultResumeTest, MalformedChunkIsClassifiedAndRecovered) {
  const DrillResult r =
      RunDrill(OneStep(R"([{"malformed_chunk": {"after_events": 2}, "attempts": [1]}])",
                       std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"malformed_chunk"});
  EXPECT_EQ(r.observation.breaks[0].curl_code, 56);
}

TEST(FaultResumeTest, GarbageOnceIsRecoveredAsAProtocolBreak) {
  const DrillResult r =
      RunDrill(OneStep(R"([{"garbage": {"bytes": 64}, "attempts": [1], "on": "stream"}])",
                       std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"protocol"});
  EXPECT_EQ(r.observation.breaks[0].curl_code, 1);  // CURLE_UNSUPPORTED_PROTOCOL: HTTP/0.9
  EXPECT_EQ(r.observation.breaks[0].status, 0);
}

TEST(FaultResumeTest, GarbageOnEveryAttemptIsClassifiedNotRecovered) {
  const DrillResult r = RunDrill(OneStep(
      R"([{"garbage": {"bytes": 64}, "on": "stream"}])",
      R"({"timeout_ms": 20000, "resume": {"max_attempts": 2, "backoff": {"kind": "constant", "initial_ms": 10}},
          "expect": {"breaks": ["protocol", "protocol", "protocol"], "recovered": false, "resumes": 2}})"));
  EXPECT_TRUE(r.report.passed()) << Failures(r.report);
  EXPECT_FALSE(r.observation.recovered);
  EXPECT_EQ(r.counters.errors.at("protocol"), 3u);
  EXPECT_EQ(r.counters.breaks.at("protocol"), 3u);
}

TEST(FaultResumeTest, EmptyReplyIsAProtocolBreak) {
  const DrillResult r =
      RunDrill(OneStep(R"([{"empty_reply": {}, "attempts": [1], "on": "stream"}])",
                       std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"protocol"});
  EXPECT_EQ(r.observation.breaks[0].curl_code, 52);  // CURLE_GOT_NOTHING
}

TEST(FaultResumeTest, HttpErrorWithRetryAfterIsHonoured) {
  const DrillResult r = RunDrill(OneStep(
      R"([{"http_error": {"status": 503, "retry_after_s": 1}, "attempts": [1], "on": "stream"}])",
      std::string("{") + kResume + "}"));
  ExpectRecovered(r, {"http_status"});
  ASSERT_EQ(r.observation.attempts.size(), 2u);
  // The resume waited at least the second the server asked for, not the 10 ms backoff.
  EXPECT_GE(r.observation.attempts[1].http.start_ns - r.observation.attempts[0].http.end_ns,
            1'000'000'000);
}

TEST(FaultResumeTest, ANotFoundStreamIsNotRetried) {
  const DrillResult r = RunDrill(OneStep(
      R"([{"http_error": {"status": 404}, "on": "stream"}])",
      std::string("{") + kResume +
          R"(, "expect": {"status": 404, "breaks": ["http_status"], "recovered": false}})"));
  EXPECT_TRUE(r.report.passed()) << Failures(r.report);
  EXPECT_EQ(r.observation.attempts.size(), 1u);
}

TEST(FaultResumeTest, ClientInterruptionTestsTheServersResumeAlone) {
  const DrillResult r =
      RunDrill(OneStep("[]", std::string("{") + kResume +
                                 R"(, "interrupt": {"after_events": 2, "attempts": [1, 2]}})"));
  ExpectRecovered(r, {"interrupt", "interrupt"}, 2);
  EXPECT_EQ(r.counters.resumes_attempted, 2u);
  EXPECT_EQ(r.counters.resumes_succeeded, 2u);
  EXPECT_TRUE(r.counters.errors.empty());
}

TEST(FaultResumeTest, ResumeViaHeaderWorksAgainstTheMock) {
  const DrillResult r = RunDrill(OneStep(
      R"([{"cut": {"after_events": 4}, "attempts": [1]}])",
      R"({"timeout_ms": 20000, "resume": {"via": "header", "backoff": {"kind": "constant", "initial_ms": 10}}})"));
  ExpectRecovered(r, {"cut"});
  EXPECT_TRUE(r.observation.attempts[1].last_event_id_in_header);
  EXPECT_EQ(r.observation.attempts[1].http.url.find("last_event_id"), std::string::npos);
}

// ---- the shipped drills -----------------------------------------------------------------------

TEST(FaultResumeTest, ShippedDrillsPassAgainstTheMock) {
  const std::vector<Scenario> scenarios =
      load_scenarios({std::string(IXH_SOURCE_DIR) + "/scenarios/faults"});
  ASSERT_GE(scenarios.size(), 10u);
  test::InProcessMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  RunOptions options;
  options.target.base_url = mock.base_url();
  options.run_id = "drills";
  options.workers = 2;
  const std::atomic<bool> stop{false};
  const RunReport report = run_conformance(scenarios, options, mock.clock(), stop);
  mock.server().stop();
  for (const ScenarioReport& s : report.scenarios) {
    for (const StepReport& step : s.steps) {
      EXPECT_TRUE(step.passed()) << s.name << " step " << step.index << Failures(step);
    }
  }
  EXPECT_EQ(report.counters.events_lost, 0u);
  EXPECT_EQ(report.counters.events_duplicated, 0u);
  EXPECT_GT(report.counters.resumes_succeeded, 0u);
  for (const char* kind : {"cut", "reset", "idle_timeout", "first_event_timeout", "sse_parse",
                           "malformed_chunk", "protocol", "http_status", "interrupt"}) {
    EXPECT_GT(report.counters.breaks.count(kind), 0u) << kind;
  }
}

}  // namespace
}  // namespace ixh
