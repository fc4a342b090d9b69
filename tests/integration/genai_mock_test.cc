// Integration tests of the genai dialect (docs/wire-genai.md): the in-process mock speaking
// genai over real sockets on 127.0.0.1, and the driver judging it, told or detecting the dialect.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/dialect_support.h"
#include "core/errors.h"
#include "core/scenario_loader.h"
#include "core/sse_parser.h"
#include "harness/runner.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"
#include "tests/integration/test_client.h"

namespace ixh {
namespace {

using http_test::http_get;
using http_test::http_post;
using Json = nlohmann::json;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

Scenario Story() {
  return parse_scenario(Json::parse(R"({
    "name": "story",
    "interactions": {
      "story": {
        "input": "Tell me a story",
        "timeline": [
          {"after_ms": 0, "state": "RUNNING"},
          {"after_ms": 0, "text": "Once"},
          {"after_ms": 0, "text": " upon a time."},
          {"after_ms": 0, "state": "COMPLETED"}
        ]
      }
    }
  })"),
                        "story.json");
}

// The in-process mock speaking genai, on real time.
class GenaiMock : public test::InProcessMock {
 public:
  explicit GenaiMock(const std::vector<Scenario>& scenarios)
      : InProcessMock(scenarios, Options()) {}
  static mock::MockOptions Options() {
    mock::MockOptions o;
    o.dialect = Dialect::kGenai;
    return o;
  }
};

std::vector<SseEvent> Events(const std::string& body) {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed(body, [&](const SseEvent& e) { out.push_back(e); });
  EXPECT_FALSE(parser.finish());
  return out;
}

std::vector<std::string> Ids(const std::vector<SseEvent>& events) {
  std::vector<std::string> ids;
  for (const SseEvent& e : events) {
    ids.push_back(e.data == "[DONE]" ? "[DONE]"
                                     : Json::parse(e.data)["event_id"].get<std::string>());
  }
  return ids;
}

std::string FailedChecks(const RunReport& report) {
  std::string out;
  for (const ScenarioReport& s : report.scenarios) {
    for (const StepReport& step : s.steps) {
      for (const CheckRecord& c : step.checks) {
        if (!c.passed) out += "\n  " + s.name + " " + c.check + ": " + c.actual;
      }
    }
  }
  return out;
}

TEST(GenaiMockTest, ServesJsonWithItsContentTypeOnAnyVersionSegment) {
  GenaiMock mock({Story()});
  ASSERT_TRUE(mock.started()) << mock.error();
  for (const char* version : {"v1", "v1beta", "v1alpha"}) {
    // The newest SDK sends stream=false, an empty cookie header and a JSON content type.
    const auto res = http_get(
        mock.port(), std::string("/") + version + "/interactions/story?stream=false",
        {{"Accept", "application/json"}, {"cookie", ""}, {"content-type", "application/json"}});
    ASSERT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 200) << version;
    EXPECT_EQ(res.header("Content-Type"), "application/json");
    const Json j = Json::parse(res.body);
    EXPECT_EQ(j["status"], "completed");
    EXPECT_EQ(j["steps"][0]["type"], "user_input");
    EXPECT_EQ(j["steps"][1]["content"][0]["text"], "Once upon a time.");
    EXPECT_FALSE(j.contains("input"));
  }
  const auto with_input = http_get(mock.port(), "/v1/interactions/story?include_input=true");
  EXPECT_EQ(Json::parse(with_input.body)["input"], "Tell me a story");
}

TEST(GenaiMockTest, StreamIsChosenByTheParameterNeverByAccept) {
  GenaiMock mock({Story()});
  ASSERT_TRUE(mock.started()) << mock.error();
  // Older SDKs send Accept: application/json on streaming GETs too.
  const auto res = http_get(mock.port(), "/v1beta/interactions/story.%61b?stream=true",
                            {{"Accept", "application/json"}});
  ASSERT_TRUE(res.ok()) << res.error;
  EXPECT_EQ(res.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(res.body.find("\nid:"), std::string::npos);
  const std::vector<SseEvent> events = Events(res.body);
  EXPECT_EQ(Ids(events), (std::vector<std::string>{"evt_000001.1", "evt_000001", "evt_000002",
                                                   "evt_000003.1", "evt_000003", "evt_000004",
                                                   "evt_000005.1", "evt_000005", "[DONE]"}));
  EXPECT_EQ(Json::parse(events[0].data)["interaction"]["id"], "story.ab");
}

TEST(GenaiMockTest, ResumesAfterAnyFrame) {
  GenaiMock mock({Story()});
  ASSERT_TRUE(mock.started()) << mock.error();
  const auto mid_step =
      http_get(mock.port(), "/v1/interactions/story?last_event_id=evt_000003.1&stream=true");
  EXPECT_EQ(Ids(Events(mid_step.body)),
            (std::vector<std::string>{"evt_000003", "evt_000004", "evt_000005.1", "evt_000005",
                                      "[DONE]"}));
  const auto before_end =
      http_get(mock.port(), "/v1/interactions/story?last_event_id=evt_000005.1&stream=true");
  EXPECT_EQ(Ids(Events(before_end.body)), (std::vector<std::string>{"evt_000005", "[DONE]"}));
  const auto after_end =
      http_get(mock.port(), "/v1/interactions/story?last_event_id=evt_000005&stream=true");
  EXPECT_EQ(Ids(Events(after_end.body)), (std::vector<std::string>{"[DONE]"}));
  // evt_000004 is a delta inside the open step: it has no frame before its own.
  for (const char* bad : {"evt_000004.1", "evt_000003.2", "evt_000009", "evt_000003.0"}) {
    const auto res = http_get(
        mock.port(), std::string("/v1/interactions/story?last_event_id=") + bad + "&stream=true");
    EXPECT_EQ(res.status, 400) << bad;
    EXPECT_EQ(res.header("Content-Type"), "application/json");
    EXPECT_EQ(Json::parse(res.body)["error"]["status"], "INVALID_ARGUMENT");
  }
  const auto unknown = http_get(mock.port(), "/v1/interactions/nothing_here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json::parse(unknown.body)["error"]["status"], "NOT_FOUND");
}

TEST(GenaiMockTest, RefusesWhatGenaiCannotExpress) {
  Scenario two = Story();
  two.interactions[0].candidates = 2;
  SteadyClock clock;
  EXPECT_THROW(mock::MockServer(GenaiMock::Options(), {two}, clock), ScenarioError);
  try {
    check_expressible(Dialect::kGenai, two);
    ADD_FAILURE() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer(), "/interactions/story/candidates");
  }
  EXPECT_NO_THROW(check_expressible(Dialect::kSeed, two));
  GenaiMock mock({Story()});
  ASSERT_TRUE(mock.started()) << mock.error();
  const auto res = http_post(mock.port(), "/_mock/scenarios",
                             R"({"name":"two","interactions":{"two":{"candidates":2,
                                "timeline":[{"after_ms":0,"state":"COMPLETED"}]}}})");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("candidates"), std::string::npos);
}

// What the official SDKs send on a stream request (docs/wire-genai.md): query parameters, an
// empty cookie header and a JSON content type, whatever the Accept header says.
const http_test::Headers kSdkHeaders = {
    {"Accept", "application/json"}, {"cookie", ""}, {"content-type", "application/json"}};

std::string SdkStreamPath(const std::string& instance, const std::string& last_event_id = "") {
  std::string path = "/v1beta/interactions/" + instance + "?stream=true";
  if (!last_event_id.empty()) path += "&last_event_id=" + last_event_id;
  return path;
}

// The event ids of the frames that arrived whole (a frame cut in two is not dispatched).
std::vector<std::string> WholeFrameIds(const std::string& body) {
  SseParser parser;
  std::vector<std::string> ids;
  parser.feed(body, [&](const SseEvent& e) {
    if (e.data != "[DONE]") ids.push_back(Json::parse(e.data)["event_id"].get<std::string>());
  });
  return ids;
}

Json VerdictOf(const Json& verify, const std::string& instance) {
  for (const Json& i : verify.at("instances")) {
    if (i.at("instance") == instance) return i;
  }
  ADD_FAILURE() << "no verdict for " << instance << " in " << verify.dump(2);
  return Json::object();
}

bool AllAttemptsEnded(const Json& verify) {
  if (!verify.is_object() || !verify.contains("instances")) return false;
  for (const Json& i : verify.at("instances")) {
    for (const Json& a : i.at("attempts")) {
      if (a.at("ended").get<std::string>().empty()) return false;
    }
  }
  return true;
}

// A genai client cut inside an event (after its step.start frame, evt_000003.1) resumes from that
// frame's id, as the SDKs do with the last event_id they saw. Verification reads the id as "event
// 3 not yet whole": exact for that client, older or newer for clients that ask for less or more.
TEST(GenaiMockTest, VerifyReadsResumesFromAFrameBeforeAnEventsOwn) {
  GenaiMock mock({Story()});
  ASSERT_TRUE(mock.started()) << mock.error();
  // Where the step.start frame ends in a whole stream of an instance with an id of equal length.
  const auto whole = http_get(mock.port(), SdkStreamPath("story.ref"), kSdkHeaders);
  ASSERT_TRUE(whole.ok()) << whole.error;
  const std::size_t frame = whole.body.find("\"evt_000003.1\"");
  ASSERT_NE(frame, std::string::npos) << whole.body;
  const std::size_t cut = whole.body.find("\n\n", frame) + 2 + 5;  // 5 bytes into the next frame
  Json cutting = Json::parse(R"({"name":"cutting","interactions":{"storz":{
      "input":"Tell me a story",
      "timeline":[{"after_ms":0,"state":"RUNNING"},{"after_ms":0,"text":"Once"},
                  {"after_ms":0,"text":" upon a time."},{"after_ms":0,"state":"COMPLETED"}],
      "faults":[{"cut":{"after_bytes":0},"attempts":[1]}]}}})");
  cutting["interactions"]["storz"]["faults"][0]["cut"]["after_bytes"] = cut;
  ASSERT_EQ(http_post(mock.port(), "/_mock/scenarios", cutting.dump()).status, 200);

  // Each client's first stream is cut inside evt_000003, after its step.start frame.
  const std::pair<const char*, const char*> clients[] = {
      {"storz.ok1", "evt_000003.1"},  // the frame it got last: exact
      {"storz.old", "evt_000001.1"},  // inside an event it already holds: older
      {"storz.new", "evt_000005.1"},  // inside a later event: newer
  };
  for (const auto& [instance, resume_from] : clients) {
    const auto first = http_get(mock.port(), SdkStreamPath(instance), kSdkHeaders);
    EXPECT_FALSE(first.ok()) << instance << " was not cut";
    const std::vector<std::string> got = WholeFrameIds(first.body);
    ASSERT_FALSE(got.empty()) << instance;
    EXPECT_EQ(got.back(), "evt_000003.1") << instance;
    const auto resumed = http_get(mock.port(), SdkStreamPath(instance, resume_from), kSdkHeaders);
    EXPECT_TRUE(resumed.ok()) << instance << ": " << resumed.error;
    EXPECT_EQ(resumed.status, 200) << instance;
  }

  // The mock records a response's end just after its last bytes left: wait until it has.
  Json v;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    v = http_get(mock.port(), "/_mock/verify").json();
  } while (!AllAttemptsEnded(v) && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(AllAttemptsEnded(v)) << v.dump(2);
  const Json ok = VerdictOf(v, "storz.ok1");
  EXPECT_EQ(ok["ok"], true) << ok.dump(2);
  ASSERT_EQ(ok["resumes"].size(), 1u);
  EXPECT_EQ(ok["resumes"][0]["last_event_id"], "evt_000003.1");
  EXPECT_EQ(ok["resumes"][0]["verdict"], "exact");
  EXPECT_EQ(ok["resumes"][0]["expected"], "evt_000002");
  EXPECT_TRUE(ok["lost"].empty());
  EXPECT_TRUE(ok["duplicated"].empty());
  const Json old = VerdictOf(v, "storz.old");
  EXPECT_EQ(old["ok"], false);
  EXPECT_EQ(old["resumes"][0]["verdict"], "older");
  EXPECT_EQ(old["resumes"][0]["expected"], "evt_000002");
  EXPECT_EQ(old["duplicated"],
            (Json{{{"id", "evt_000001"}, {"times", 2}}, {{"id", "evt_000002"}, {"times", 2}}}));
  const Json newer = VerdictOf(v, "storz.new");
  EXPECT_EQ(newer["ok"], false);
  EXPECT_EQ(newer["resumes"][0]["verdict"], "newer");
  EXPECT_EQ(newer["lost"], (Json{"evt_000003", "evt_000004"})) << newer.dump(2);
}

// The shipped conformance suite, minus what genai cannot express, passes in genai: told, and
// detected from the first response.
TEST(GenaiMockTest, ShippedConformancePassesTold_AndDetected) {
  std::vector<Scenario> scenarios;
  for (Scenario& s : load_scenarios({std::string(IXH_SOURCE_DIR) + "/scenarios/conformance"})) {
    try {
      check_expressible(Dialect::kGenai, s);
      scenarios.push_back(std::move(s));
    } catch (const ScenarioError&) {
    }
  }
  ASSERT_GE(scenarios.size(), 10u);
  GenaiMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  for (bool told : {true, false}) {
    RunOptions o;
    o.target.base_url = mock.base_url();
    o.run_id = told ? "told" : "detected";
    if (told) o.target.dialect = std::make_shared<DialectChoice>(Dialect::kGenai);
    SteadyClock clock;
    const std::atomic<bool> stop{false};
    const RunReport report = run_conformance(scenarios, o, clock, stop);
    EXPECT_EQ(report.checks_failed(), 0u) << FailedChecks(report);
    EXPECT_GT(report.counters.events, 0u);
    EXPECT_EQ(o.target.dialect->current(), Dialect::kGenai);
  }
}

}  // namespace
}  // namespace ixh
