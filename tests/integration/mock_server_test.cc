// Integration tests of the mock server (DESIGN.md §5-§7): a MockServer runs in process on an
// ephemeral port with a manual clock, and a real HTTP client (tests/integration/test_client.h)
// talks to it over TCP. Every wait is bounded; no test asserts absolute times or throughput.

#include "mock_server/mock_server.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "core/scenario_loader.h"
#include "core/wire_time.h"
#include "tests/integration/mock_fixture.h"
#include "tests/integration/story_scenario.h"
#include "tests/integration/test_client.h"

namespace ixh::mock {
namespace {

using http_test::Connection;
using http_test::Headers;
using http_test::http_delete;
using http_test::http_get;
using http_test::http_post;
using http_test::HttpResponse;
using http_test::SseClient;
using http_test::StreamEvent;
using nlohmann::json;
using std::chrono::milliseconds;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

// The main scenario, with `story` and `forever` from tests/integration/story_scenario.h (see
// core_scenarios()). Times are on the manual clock, relative to each instance's creation.
constexpr char kCoreScenario[] = R"json({
  "name": "core",
  "interactions": {
    "failing": {
      "timeline": [
        {"after_ms": 0, "state": "RUNNING"},
        {"after_ms": 10, "text": "partial"},
        {"after_ms": 20, "state": "FAILED"}
      ]
    },
    "twin": {
      "candidates": 2,
      "timeline": [
        {"after_ms": 0, "state": "RUNNING"},
        {"after_ms": 10, "text": "left ", "candidate": 0},
        {"after_ms": 10, "text": "right ", "candidate": 1},
        {"after_ms": 20, "text": "one", "candidate": 0},
        {"after_ms": 30, "text": "two", "candidate": 1},
        {"after_ms": 40, "state": "COMPLETED"}
      ]
    },
    "idle": {"timeline": []},
    "hidden": {"store": false, "timeline": [{"after_ms": 0, "state": "COMPLETED"}]},
    "long": {"generate": {"chunks": 37, "bytes": 12, "every_ms": 10, "start_ms": 5}},
    "turn1": {
      "input": "first question",
      "timeline": [
        {"after_ms": 50, "state": "RUNNING"},
        {"after_ms": 60, "text": "first answer"},
        {"after_ms": 70, "state": "COMPLETED"}
      ]
    },
    "turn2": {
      "previous": "turn1",
      "timeline": [
        {"after_ms": 20, "state": "RUNNING"},
        {"after_ms": 30, "text": "second answer"},
        {"after_ms": 80, "state": "COMPLETED"}
      ]
    },
    "turn3": {
      "previous": "turn2",
      "timeline": [
        {"after_ms": 10, "state": "RUNNING"},
        {"after_ms": 20, "text": "third answer"},
        {"after_ms": 30, "state": "COMPLETED"}
      ]
    },
    "flaky": {
      "timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 0, "text": "ok"},
                   {"after_ms": 0, "state": "COMPLETED"}],
      "faults": [
        {"http_error": {"status": 401, "retry_after_s": 1, "message": "who are you"},
         "attempts": [1], "on": "get"},
        {"http_error": {"status": 403, "retry_after_s": 2, "message": "not yours"},
         "attempts": [2], "on": "get"},
        {"http_error": {"status": 429, "retry_after_s": 7, "message": "slow down"},
         "attempts": [3], "on": "get"},
        {"http_error": {"status": 503, "retry_after_s": 30, "message": "try later"},
         "attempts": [4], "on": "get"}
      ]
    },
    "split": {
      "timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 0, "text": "split ok"},
                   {"after_ms": 0, "state": "COMPLETED"}],
      "faults": [
        {"http_error": {"status": 429, "retry_after_s": 3}, "attempts": [1], "on": "get"},
        {"http_error": {"status": 503, "retry_after_s": 5}, "attempts": [1, 2], "on": "stream"}
      ]
    },
    "anyfault": {
      "timeline": [{"after_ms": 0, "state": "COMPLETED"}],
      "faults": [{"http_error": {"status": 503, "retry_after_s": 1}, "attempts": [1], "on": "any"}]
    }
  }
})json";

// A load template for the determinism tests.
constexpr char kGenerateScenario[] = R"json({
  "name": "gen",
  "interactions": {
    "gen": {"generate": {"chunks": 25, "bytes": 40, "every_ms": 5, "start_ms": 2}}
  }
})json";

Scenario scenario_from(const std::string& text, const std::string& file = "inline.json") {
  return parse_scenario(json::parse(text), file);
}

// The shared story with a model, and its usage reported at 500 ms, just before COMPLETED.
json core_story() {
  json story = test::StoryInteraction();
  story["model"] = "ixh-test-1";
  json& timeline = story.at("timeline");
  timeline.insert(timeline.end() - 1, json::parse(R"json({"after_ms": 500, "usage": {
      "prompt_token_count": 4, "candidates_token_count": 3, "total_token_count": 7}})json"));
  return story;
}

json core_scenario_json() {
  json doc = json::parse(kCoreScenario);
  doc.at("interactions")["story"] = core_story();
  doc.at("interactions")["forever"] = test::ForeverInteraction();
  return doc;
}

std::vector<Scenario> core_scenarios() {
  return {parse_scenario(core_scenario_json(), "core.json")};
}

// A started mock server, on the manual clock unless `options` say otherwise.
class TestServer : public test::InProcessMock {
 public:
  explicit TestServer(const std::vector<Scenario>& scenarios,
                      MockOptions options = test::ManualClockOptions())
      : InProcessMock(scenarios, std::move(options)) {}
};

std::string path_of(const std::string& id, const std::string& query = "",
                    const std::string& version = "v1beta") {
  return "/" + version + "/interactions/" + id + (query.empty() ? "" : "?" + query);
}

std::int64_t time_ms(const json& value) {
  const auto t = value.is_string() ? parse_iso8601_ms(value.get<std::string>()) : std::nullopt;
  EXPECT_TRUE(t.has_value()) << "not an ISO 8601 time: " << value.dump();
  return t.value_or(0);
}

int state_rank_of(const std::string& state) {
  if (state == "PENDING") return 0;
  if (state == "RUNNING") return 1;
  if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED") return 2;
  ADD_FAILURE() << "unknown state " << state;
  return -1;
}

// Ordinal of "evt_000042", or -1.
long event_ordinal(const std::string& id) {
  if (id.size() != 10 || id.rfind("evt_", 0) != 0) return -1;
  if (id.find_first_not_of("0123456789", 4) != std::string::npos) return -1;
  return std::stol(id.substr(4));
}

// Checks the exact Google error shape: {"error":{"code":N,"message":"...","status":"..."}}.
void expect_google_error(const HttpResponse& r, int code, const std::string& status,
                         const std::string& message_part = "") {
  SCOPED_TRACE("body: " + r.body);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, code);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json j = r.json();
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j.size(), 1u);
  ASSERT_TRUE(j.contains("error"));
  const json& e = j.at("error");
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e.size(), 3u);
  ASSERT_TRUE(e.contains("code") && e.at("code").is_number_integer());
  EXPECT_EQ(e.at("code").get<int>(), code);
  ASSERT_TRUE(e.contains("message") && e.at("message").is_string());
  EXPECT_FALSE(e.at("message").get<std::string>().empty());
  ASSERT_TRUE(e.contains("status") && e.at("status").is_string());
  EXPECT_EQ(e.at("status").get<std::string>(), status);
  if (!message_part.empty()) {
    EXPECT_NE(e.at("message").get<std::string>().find(message_part), std::string::npos)
        << "message should mention " << message_part;
  }
}

// A GET that must succeed with a JSON interaction.
json get_interaction(int port, const std::string& id, const std::string& query = "") {
  const HttpResponse r = http_get(port, path_of(id, query));
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json j = r.json();
  EXPECT_TRUE(j.is_object()) << r.body;
  return j.is_object() ? j : json::object();
}

json admin_json(const HttpResponse& r) {
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  return r.json();
}

const std::map<std::string, std::string>& sse_type_names() {
  static const std::map<std::string, std::string> names = {
      {"interaction.state_change", "state_change"},
      {"interaction.text_delta", "text_delta"},
      {"interaction.terminal", "terminal"}};
  return names;
}

// Checks what every seed stream must satisfy: ids unique and strictly increasing, each data
// object names its own id, the interaction and the kind its SSE `event:` field names,
// update_time never decreases, states never move back, and nothing follows a terminal event.
void expect_well_formed_events(const std::vector<StreamEvent>& events,
                               const std::string& interaction_id) {
  long last_ordinal = 0;
  std::int64_t last_update = 0;
  int last_rank = 0;
  bool terminal_seen = false;
  std::set<std::string> ids;
  for (const StreamEvent& e : events) {
    SCOPED_TRACE("event " + e.id + ": " + e.data);
    EXPECT_FALSE(terminal_seen) << "an event follows the terminal event";
    EXPECT_TRUE(ids.insert(e.id).second) << "repeated id";
    const long ordinal = event_ordinal(e.id);
    EXPECT_GT(ordinal, last_ordinal);
    last_ordinal = ordinal;
    ASSERT_TRUE(e.json.is_object());
    EXPECT_EQ(e.json.value("id", ""), e.id);
    EXPECT_EQ(e.json.value("interaction_id", ""), interaction_id);
    const auto type = sse_type_names().find(e.type);
    ASSERT_NE(type, sse_type_names().end()) << "unknown SSE event name " << e.type;
    EXPECT_EQ(e.json.value("type", ""), type->second);
    const std::int64_t update = time_ms(e.json.at("update_time"));
    EXPECT_GE(update, last_update);
    last_update = update;
    if (type->second == "text_delta") {
      EXPECT_TRUE(e.json.contains("candidate_index"));
      EXPECT_TRUE(e.json.at("output").at("text").is_string());
      EXPECT_FALSE(e.json.contains("state"));
    } else {
      const int rank = state_rank_of(e.json.value("state", ""));
      EXPECT_GE(rank, last_rank);
      last_rank = rank;
      EXPECT_EQ(rank == 2, type->second == "terminal");
    }
    if (type->second == "terminal") {
      terminal_seen = true;
      ASSERT_TRUE(e.json.at("interaction").is_object());
      EXPECT_EQ(e.json.at("interaction").value("id", ""), interaction_id);
      EXPECT_EQ(e.json.at("interaction").value("state", ""), e.json.value("state", ""));
      EXPECT_TRUE(e.json.at("interaction").contains("usage_metadata"));
    }
  }
}

std::string concat_text(const std::vector<StreamEvent>& events, int candidate = 0) {
  std::string out;
  for (const StreamEvent& e : events) {
    if (e.type == "interaction.text_delta" && e.json.value("candidate_index", -1) == candidate) {
      out += e.json.at("output").at("text").get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> ids_of(const std::vector<StreamEvent>& events) {
  std::vector<std::string> out;
  for (const StreamEvent& e : events) out.push_back(e.id);
  return out;
}

// Reads a whole stream that is expected to end on its own.
std::vector<StreamEvent> read_stream(int port, const std::string& target,
                                     const Headers& headers = {}) {
  SseClient s(port, target, headers);
  EXPECT_TRUE(s.wait_end()) << "stream did not end: " << target;
  EXPECT_EQ(s.status(), 200) << s.body();
  EXPECT_EQ(s.header("Content-Type"), "text/event-stream");
  EXPECT_TRUE(s.clean_end()) << target << " error: " << s.error();
  return s.events();
}

json journal(int port, const std::string& query = "") {
  return admin_json(http_get(port, "/_mock/journal" + (query.empty() ? "" : "?" + query)));
}

// Polls the journal until an entry satisfies `pred` (bounded); returns it or null.
json wait_journal_entry(int port, const std::function<bool(const json&)>& pred,
                        milliseconds timeout = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const json j = journal(port);
    for (const json& e : j.at("entries")) {
      if (pred(e)) return e;
    }
    if (std::chrono::steady_clock::now() > deadline) return nullptr;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

std::size_t count_threads() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(d);
  }
  return n;
}

// --- States, snapshots and the GET surface -----------------------------------------------------

TEST(MockServerTest, StatesMoveForwardAsManualClockAdvances) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  struct Step {
    std::int64_t advance_ms;
    std::string state;
    std::string text;
  };
  const std::vector<Step> steps = {{0, "PENDING", ""},
                                   {99, "PENDING", ""},
                                   {1, "RUNNING", ""},
                                   {100, "RUNNING", "Once"},
                                   {100, "RUNNING", "Once upon"},
                                   {100, "RUNNING", "Once upon a time"},
                                   {99, "RUNNING", "Once upon a time"},
                                   {1, "COMPLETED", "Once upon a time"},
                                   {10000, "COMPLETED", "Once upon a time"}};
  std::int64_t last_update = 0;
  int last_rank = 0;
  std::string last_text;
  std::int64_t create = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    if (steps[i].advance_ms > 0) {
      const json clock = admin_json(
          http_post(srv.port(), "/_mock/clock/advance?ms=" + std::to_string(steps[i].advance_ms)));
      EXPECT_EQ(clock.value("mode", ""), "manual");
    }
    const json j = get_interaction(srv.port(), "story");
    EXPECT_EQ(j.value("id", ""), "story");
    EXPECT_EQ(j.value("model", ""), "ixh-test-1");
    EXPECT_EQ(j.value("state", ""), steps[i].state);
    EXPECT_EQ(j.at("output").at("text"), steps[i].text);
    ASSERT_TRUE(j.at("candidates").is_array());
    ASSERT_EQ(j.at("candidates").size(), 1u);
    EXPECT_EQ(j.at("candidates").at(0).at("index"), 0);
    EXPECT_EQ(j.at("candidates").at(0).at("output").at("text"), steps[i].text);
    EXPECT_FALSE(j.contains("input"));
    EXPECT_FALSE(j.contains("previous_interaction_id"));
    const bool terminal = steps[i].state == "COMPLETED";
    EXPECT_EQ(j.contains("usage_metadata"), terminal) << j.dump();
    const std::int64_t c = time_ms(j.at("create_time"));
    if (i == 0) create = c;
    EXPECT_EQ(c, create) << "create_time must not change";
    const std::int64_t u = time_ms(j.at("update_time"));
    EXPECT_GE(u, c);
    EXPECT_GE(u, last_update) << "update_time decreased";
    last_update = u;
    const int rank = state_rank_of(j.value("state", ""));
    EXPECT_GE(rank, last_rank) << "state moved back";
    last_rank = rank;
    const std::string text = j.at("output").at("text").get<std::string>();
    EXPECT_EQ(text.rfind(last_text, 0), 0u) << "output.text must only grow";
    last_text = text;
    if (terminal) {
      EXPECT_EQ(j.at("usage_metadata"), json({{"prompt_token_count", 4},
                                              {"candidates_token_count", 3},
                                              {"total_token_count", 7}}));
      // The terminal update happened 500 ms (timeline time) after creation.
      EXPECT_EQ(u - c, 500);
    }
  }
}

TEST(MockServerTest, OtherTerminalStatesAreFinalAndCarryUsage) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  json j = get_interaction(srv.port(), "failing");
  EXPECT_EQ(j.value("state", ""), "RUNNING");
  EXPECT_FALSE(j.contains("usage_metadata"));
  srv.advance_ms(20);
  j = get_interaction(srv.port(), "failing");
  EXPECT_EQ(j.value("state", ""), "FAILED");
  EXPECT_EQ(j.at("output").at("text"), "partial");
  ASSERT_TRUE(j.contains("usage_metadata"));
  const json& usage = j.at("usage_metadata");
  EXPECT_EQ(usage.at("total_token_count").get<std::int64_t>(),
            usage.at("prompt_token_count").get<std::int64_t>() +
                usage.at("candidates_token_count").get<std::int64_t>());
  srv.advance_ms(100000);
  const json later = get_interaction(srv.port(), "failing");
  EXPECT_EQ(later.value("state", ""), "FAILED");
  EXPECT_EQ(later.at("update_time"), j.at("update_time"));
  EXPECT_EQ(later.at("output"), j.at("output"));
}

TEST(MockServerTest, InputPresentOnlyWithIncludeInput) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  EXPECT_EQ(get_interaction(srv.port(), "story", "include_input=true").value("input", ""),
            "Tell me a story");
  EXPECT_FALSE(get_interaction(srv.port(), "story").contains("input"));
  EXPECT_FALSE(get_interaction(srv.port(), "story", "include_input=false").contains("input"));
  expect_google_error(http_get(srv.port(), path_of("story", "include_input=yes")), 400,
                      "INVALID_ARGUMENT");

  // Streams: the terminal event embeds the interaction, with the input only when asked.
  srv.advance_ms(1000);
  const auto with = read_stream(srv.port(), path_of("story", "stream=true&include_input=true"));
  ASSERT_FALSE(with.empty());
  EXPECT_EQ(with.back().json.at("interaction").value("input", ""), "Tell me a story");
  const auto without = read_stream(srv.port(), path_of("story", "stream=true"));
  ASSERT_FALSE(without.empty());
  EXPECT_FALSE(without.back().json.at("interaction").contains("input"));
}

TEST(MockServerTest, CandidatesAreServedSeparately) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "twin");
  srv.advance_ms(40);
  const json j = get_interaction(srv.port(), "twin");
  EXPECT_EQ(j.value("state", ""), "COMPLETED");
  ASSERT_EQ(j.at("candidates").size(), 2u);
  EXPECT_EQ(j.at("candidates").at(0), json({{"index", 0}, {"output", {{"text", "left one"}}}}));
  EXPECT_EQ(j.at("candidates").at(1), json({{"index", 1}, {"output", {{"text", "right two"}}}}));
  EXPECT_EQ(j.at("output").at("text"), "left one");
  const auto events = read_stream(srv.port(), path_of("twin", "stream=true"));
  expect_well_formed_events(events, "twin");
  EXPECT_EQ(concat_text(events, 0), "left one");
  EXPECT_EQ(concat_text(events, 1), "right two");
}

// --- Streams -----------------------------------------------------------------------------------

TEST(MockServerTest, StreamOfFinishedInteractionReplaysWholeLogAndEndsCleanly) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");  // creates the instance at t=0
  srv.advance_ms(600);
  SseClient s(srv.port(), path_of("story", "stream=true"));
  ASSERT_TRUE(s.wait_end());
  EXPECT_EQ(s.status(), 200);
  EXPECT_EQ(s.header("Content-Type"), "text/event-stream");
  EXPECT_TRUE(s.clean_end()) << s.error();
  const auto& events = s.events();
  expect_well_formed_events(events, "story");
  ASSERT_EQ(events.size(), 6u);
  const std::vector<std::string> expected_ids = {"evt_000001", "evt_000002", "evt_000003",
                                                 "evt_000004", "evt_000005", "evt_000006"};
  EXPECT_EQ(ids_of(events), expected_ids);
  EXPECT_EQ(events[0].type, "interaction.state_change");
  EXPECT_EQ(events[0].json.value("state", ""), "PENDING");
  EXPECT_EQ(events[1].json.value("state", ""), "RUNNING");
  EXPECT_EQ(events[2].type, "interaction.text_delta");
  EXPECT_EQ(events[2].json.at("candidate_index"), 0);
  EXPECT_EQ(events[2].json.at("output").at("text"), "Once");
  EXPECT_EQ(events[5].type, "interaction.terminal");
  EXPECT_EQ(events[5].json.value("state", ""), "COMPLETED");

  const json after = get_interaction(srv.port(), "story");
  EXPECT_EQ(concat_text(events), after.at("output").at("text").get<std::string>());
  // The terminal event embeds the same interaction a GET shows.
  EXPECT_EQ(events[5].json.at("interaction"), after);
}

TEST(MockServerTest, StreamOnRunningInteractionFollowsLiveUntilTerminal) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  srv.advance_ms(250);  // PENDING, RUNNING, "Once" have happened
  SseClient s(srv.port(), path_of("story", "stream=true"));
  ASSERT_TRUE(s.wait_events(3)) << s.body();
  EXPECT_EQ(s.header("Content-Type"), "text/event-stream");
  // Nothing more happens while the clock stands still.
  EXPECT_FALSE(s.wait_events(4, milliseconds(300)));
  EXPECT_FALSE(s.ended());
  srv.advance_ms(50);  // " upon" at 300
  ASSERT_TRUE(s.wait_events(4)) << s.body();
  EXPECT_EQ(s.events().at(3).json.at("output").at("text"), " upon");
  EXPECT_FALSE(s.wait_events(5, milliseconds(200)));
  http_post(srv.port(), "/_mock/clock/advance?ms=1000");
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.clean_end()) << s.error();
  expect_well_formed_events(s.events(), "story");
  ASSERT_EQ(s.events().size(), 6u);
  EXPECT_EQ(s.events().back().type, "interaction.terminal");
  EXPECT_EQ(concat_text(s.events()),
            get_interaction(srv.port(), "story").at("output").at("text").get<std::string>());
}

TEST(MockServerTest, ScaledClockStreamsLiveToTheEnd) {
  MockOptions o;
  o.manual_clock = false;
  o.time_scale = 50.0;  // the 500 ms script plays in about 10 ms
  TestServer srv(core_scenarios(), o);
  ASSERT_TRUE(srv.started()) << srv.error();
  SseClient s(srv.port(), path_of("story.live", "stream=true"));
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.clean_end()) << s.error();
  expect_well_formed_events(s.events(), "story.live");
  ASSERT_EQ(s.events().size(), 6u);
  EXPECT_EQ(concat_text(s.events()), "Once upon a time");
  const json j = get_interaction(srv.port(), "story.live");
  EXPECT_EQ(j.value("state", ""), "COMPLETED");
  EXPECT_EQ(s.events().back().json.at("interaction"), j);
}

TEST(MockServerTest, ResumesStrictlyAfterLastEventId) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  srv.advance_ms(600);
  const auto full = read_stream(srv.port(), path_of("story", "stream=true"));
  ASSERT_EQ(full.size(), 6u);
  for (std::size_t k = 0; k < full.size(); ++k) {
    SCOPED_TRACE("resume after " + full[k].id);
    const auto suffix =
        read_stream(srv.port(), path_of("story", "stream=true&last_event_id=" + full[k].id));
    ASSERT_EQ(suffix.size(), full.size() - k - 1);
    for (std::size_t i = 0; i < suffix.size(); ++i) {
      EXPECT_EQ(suffix[i].id, full[k + 1 + i].id);
      EXPECT_EQ(suffix[i].type, full[k + 1 + i].type);
      EXPECT_EQ(suffix[i].data, full[k + 1 + i].data);
    }
  }
}

TEST(MockServerTest, ResumesWithLastEventIdHeader) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  srv.advance_ms(600);
  const auto full = read_stream(srv.port(), path_of("story", "stream=true"));
  ASSERT_EQ(full.size(), 6u);
  for (std::size_t k = 0; k < full.size(); ++k) {
    SCOPED_TRACE("resume after " + full[k].id);
    const auto suffix =
        read_stream(srv.port(), path_of("story", "stream=true"), {{"Last-Event-ID", full[k].id}});
    ASSERT_EQ(suffix.size(), full.size() - k - 1);
    for (std::size_t i = 0; i < suffix.size(); ++i) {
      EXPECT_EQ(suffix[i].id, full[k + 1 + i].id);
      EXPECT_EQ(suffix[i].data, full[k + 1 + i].data);
    }
  }
}

TEST(MockServerTest, ResumeAfterTerminalIdEndsCleanlyWithNoEvents) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  srv.advance_ms(600);
  for (const Headers& h : {Headers{}, Headers{{"Last-Event-ID", "evt_000006"}}}) {
    const std::string query =
        h.empty() ? "stream=true&last_event_id=evt_000006" : std::string("stream=true");
    SseClient s(srv.port(), path_of("story", query), h);
    ASSERT_TRUE(s.wait_end());
    EXPECT_EQ(s.status(), 200);
    EXPECT_EQ(s.header("Content-Type"), "text/event-stream");
    EXPECT_TRUE(s.clean_end()) << s.error();
    EXPECT_TRUE(s.events().empty()) << s.body();
  }
}

TEST(MockServerTest, FortyEventStreamResumedFromEveryIdYieldsExactSuffix) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "long");
  srv.advance_ms(1000);
  const auto full = read_stream(srv.port(), path_of("long", "stream=true"));
  expect_well_formed_events(full, "long");
  ASSERT_EQ(full.size(), 40u);
  const std::string full_text = concat_text(full);
  EXPECT_EQ(full_text.size(), 37u * 12u);
  EXPECT_EQ(full_text,
            get_interaction(srv.port(), "long").at("output").at("text").get<std::string>());
  for (std::size_t k = 0; k < full.size(); ++k) {
    SCOPED_TRACE("resume after " + full[k].id);
    const bool by_header = k % 2 == 1;
    const auto suffix =
        by_header
            ? read_stream(srv.port(), path_of("long", "stream=true"),
                          {{"Last-Event-ID", full[k].id}})
            : read_stream(srv.port(), path_of("long", "stream=true&last_event_id=" + full[k].id));
    ASSERT_EQ(suffix.size(), full.size() - k - 1);
    for (std::size_t i = 0; i < suffix.size(); ++i) {
      ASSERT_EQ(suffix[i].id, full[k + 1 + i].id);
      ASSERT_EQ(suffix[i].data, full[k + 1 + i].data);
    }
    // What was seen before the resume plus the resumed suffix is the whole text, once.
    const std::vector<StreamEvent> prefix(full.begin(),
                                          full.begin() + static_cast<std::ptrdiff_t>(k + 1));
    EXPECT_EQ(concat_text(prefix) + concat_text(suffix), full_text);
  }
}

TEST(MockServerTest, ResumeOfRunningInteractionLosesAndRepeatsNothing) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  srv.advance_ms(200);
  std::vector<StreamEvent> seen;
  {
    SseClient first(srv.port(), path_of("story", "stream=true"));
    ASSERT_TRUE(first.wait_events(3));
    seen = first.events();
    first.close();  // the client drops the connection mid-stream
  }
  srv.advance_ms(100);  // " upon" happens while nobody listens
  SseClient second(srv.port(), path_of("story", "stream=true"),
                   {{"Last-Event-ID", seen.back().id}});
  ASSERT_TRUE(second.wait_events(1));
  EXPECT_EQ(second.events().at(0).id, "evt_000004");
  EXPECT_EQ(second.events().at(0).json.at("output").at("text"), " upon");
  srv.advance_ms(1000);
  ASSERT_TRUE(second.wait_end());
  EXPECT_TRUE(second.clean_end()) << second.error();
  std::vector<StreamEvent> all = seen;
  all.insert(all.end(), second.events().begin(), second.events().end());
  expect_well_formed_events(all, "story");
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(concat_text(all), "Once upon a time");
}

// --- Content negotiation and the HTTP surface ----------------------------------------------------

TEST(MockServerTest, StreamIsChosenByQueryNeverByAcceptHeader) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const HttpResponse json_despite_accept =
      http_get(srv.port(), path_of("story"), {{"Accept", "text/event-stream"}});
  ASSERT_TRUE(json_despite_accept.ok()) << json_despite_accept.error;
  EXPECT_EQ(json_despite_accept.status, 200);
  EXPECT_EQ(json_despite_accept.header("Content-Type"), "application/json");
  EXPECT_EQ(json_despite_accept.json().value("id", ""), "story");

  const HttpResponse explicit_false =
      http_get(srv.port(), path_of("story", "stream=false"), {{"Accept", "text/event-stream"}});
  EXPECT_EQ(explicit_false.status, 200);
  EXPECT_EQ(explicit_false.header("Content-Type"), "application/json");

  srv.advance_ms(600);
  SseClient s(srv.port(), path_of("story", "stream=true"), {{"Accept", "application/json"}});
  ASSERT_TRUE(s.wait_end());
  EXPECT_EQ(s.status(), 200);
  EXPECT_EQ(s.header("Content-Type"), "text/event-stream");
  EXPECT_TRUE(s.clean_end());
  EXPECT_EQ(s.events().size(), 6u);
}

TEST(MockServerTest, ContentTypesAreExact) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  EXPECT_EQ(http_get(srv.port(), path_of("story")).header("Content-Type"), "application/json");
  EXPECT_EQ(http_get(srv.port(), path_of("nope")).header("Content-Type"), "application/json");
  EXPECT_EQ(http_get(srv.port(), path_of("story", "stream=maybe")).header("Content-Type"),
            "application/json");
  EXPECT_EQ(http_get(srv.port(), "/nothing/here").header("Content-Type"), "application/json");
  EXPECT_EQ(http_get(srv.port(), "/_mock/health").header("Content-Type"), "application/json");
  srv.advance_ms(600);
  const HttpResponse stream = http_get(srv.port(), path_of("story", "stream=true"));
  ASSERT_TRUE(stream.ok()) << stream.error;
  EXPECT_EQ(stream.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(stream.header_count("Content-Type"), 1u);
  EXPECT_TRUE(stream.chunked);
}

TEST(MockServerTest, AnyVersionSegmentServesTheSameInteraction) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const json first = get_interaction(srv.port(), "story");
  srv.advance_ms(600);
  for (const std::string version : {"v1beta", "v1", "v1alpha", "v2", "v1beta1"}) {
    SCOPED_TRACE(version);
    const HttpResponse r = http_get(srv.port(), path_of("story", "", version));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json().at("create_time"), first.at("create_time"))
        << "one instance for all versions";
    const auto events =
        read_stream(srv.port(), path_of("story", "stream=true&last_event_id=evt_000005", version));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].id, "evt_000006");
  }
}

TEST(MockServerTest, IdIsPercentDecodedAsOneSegment) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  // A suffix with a space: the id on the wire is the decoded one.
  const HttpResponse spaced = http_get(srv.port(), path_of("story.a%20b"));
  ASSERT_TRUE(spaced.ok()) << spaced.error;
  EXPECT_EQ(spaced.status, 200) << spaced.body;
  EXPECT_EQ(spaced.json().value("id", ""), "story.a b");
  // %2F stays inside the id: it names an instance, it does not split the path.
  const HttpResponse slashed = http_get(srv.port(), path_of("story.a%2Fb"));
  EXPECT_EQ(slashed.status, 200) << slashed.body;
  EXPECT_EQ(slashed.json().value("id", ""), "story.a/b");
  expect_google_error(http_get(srv.port(), path_of("nope%2Fx")), 404, "NOT_FOUND", "nope/x");
  // '+' is not a space in a path.
  EXPECT_EQ(http_get(srv.port(), path_of("story.a+b")).json().value("id", ""), "story.a+b");
  // Encoded and plain spellings of one id reach one instance.
  const HttpResponse plain = http_get(srv.port(), path_of("st%6Fry"));
  EXPECT_EQ(plain.json().value("id", ""), "story");
  const json instances = admin_json(http_get(srv.port(), "/_mock/instances"));
  std::set<std::string> ids;
  for (const json& i : instances) ids.insert(i.value("id", ""));
  EXPECT_EQ(ids, (std::set<std::string>{"story", "story.a b", "story.a/b", "story.a+b"}));
  // The stream carries the decoded id too.
  srv.advance_ms(600);
  const auto events = read_stream(srv.port(), path_of("story.a%20b", "stream=true"));
  expect_well_formed_events(events, "story.a b");
}

TEST(MockServerTest, MalformedIdsAreInvalidArgument) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  for (const std::string id : {"%zz", "story.%zz", "story.%2", "story.%", "%00", "story.a%00",
                               "story.%1F", "story.%7F", "story.%FF", "story.%C3%28"}) {
    SCOPED_TRACE(id);
    expect_google_error(http_get(srv.port(), path_of(id)), 400, "INVALID_ARGUMENT");
    expect_google_error(http_get(srv.port(), path_of(id, "stream=true")), 400, "INVALID_ARGUMENT");
  }
}

// Runs one request against a fresh server and exits 0 when its status is `expected_status` and
// the server still answers afterwards. Called in a child process by EXPECT_EXIT, so a crash of
// the server fails the calling test instead of ending the whole test binary.
[[noreturn]] void probe_in_child(const std::string& target, int expected_status) {
  TestServer srv(core_scenarios());
  if (!srv.started()) std::_Exit(2);
  const HttpResponse r = http_get(srv.port(), target);
  const HttpResponse health = http_get(srv.port(), "/_mock/health");
  std::fprintf(stderr, "status %d (%s), then health %d\n", r.status, r.error.c_str(),
               health.status);
  std::_Exit(r.status == expected_status && health.status == 200 ? 0 : 1);
}

TEST(MockServerTest, LongPathsAreServedWithoutCrashing) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // A 500-byte id is within the 512-byte limit (request_path.cc): served.
  EXPECT_EXIT(probe_in_child(path_of("story." + std::string(494, 'x')), 200),
              ::testing::ExitedWithCode(0), "");
  // A 600-byte id is over it: 400 INVALID_ARGUMENT.
  EXPECT_EXIT(probe_in_child(path_of("story." + std::string(600, 'x')), 400),
              ::testing::ExitedWithCode(0), "");
  // Any version segment works, a long one too.
  EXPECT_EXIT(probe_in_child("/" + std::string(2000, 'v') + "/interactions/story", 200),
              ::testing::ExitedWithCode(0), "");
  // A long path that is no route at all is a 404.
  EXPECT_EXIT(probe_in_child("/" + std::string(2000, 'x'), 404), ::testing::ExitedWithCode(0), "");
}

TEST(MockServerTest, EmptyOrLineBreakIdIsInvalidArgument) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  // request_path.h calls an empty id, or one with a control character, malformed; the route must
  // let such ids reach that check rather than answer 404 "no route".
  expect_google_error(http_get(srv.port(), "/v1beta/interactions/"), 400, "INVALID_ARGUMENT");
  expect_google_error(http_get(srv.port(), "/v1beta/interactions/?stream=true"), 400,
                      "INVALID_ARGUMENT");
  for (const std::string id : {"story.%0A", "story.a%0Db", "%0A", "%0D%0A"}) {
    SCOPED_TRACE(id);
    expect_google_error(http_get(srv.port(), path_of(id)), 400, "INVALID_ARGUMENT");
  }
}

TEST(MockServerTest, UnknownAndUnstoredIdsAreNotFound) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  expect_google_error(http_get(srv.port(), path_of("nope")), 404, "NOT_FOUND", "nope");
  expect_google_error(http_get(srv.port(), path_of("nope.x")), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), path_of("nope", "stream=true")), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), path_of("hidden")), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), path_of("hidden.u1")), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), path_of("hidden", "stream=true")), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), "/v1beta/interactions/story/extra"), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), "/v1beta/other/story"), 404, "NOT_FOUND");
  // Nothing was instantiated by the misses.
  EXPECT_EQ(admin_json(http_get(srv.port(), "/_mock/instances")).size(), 0u);
}

TEST(MockServerTest, QueryParameterErrorsAreInvalidArgument) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  srv.advance_ms(600);
  get_interaction(srv.port(), "story");
  // last_event_id needs stream=true, as a query parameter or as the header.
  expect_google_error(http_get(srv.port(), path_of("story", "last_event_id=evt_000001")), 400,
                      "INVALID_ARGUMENT", "last_event_id");
  expect_google_error(
      http_get(srv.port(), path_of("story", "stream=false&last_event_id=evt_000001")), 400,
      "INVALID_ARGUMENT");
  expect_google_error(http_get(srv.port(), path_of("story"), {{"Last-Event-ID", "evt_000001"}}),
                      400, "INVALID_ARGUMENT");
  // Unknown ids, including one the log has not reached yet.
  get_interaction(srv.port(), "story.young");
  for (const std::string id : {"evt_999999", "garbage", "evt_1", "evt_000007"}) {
    SCOPED_TRACE(id);
    expect_google_error(http_get(srv.port(), path_of("story", "stream=true&last_event_id=" + id)),
                        400, "INVALID_ARGUMENT", id);
    expect_google_error(
        http_get(srv.port(), path_of("story", "stream=true"), {{"Last-Event-ID", id}}), 400,
        "INVALID_ARGUMENT");
  }
  expect_google_error(
      http_get(srv.port(), path_of("story.young", "stream=true&last_event_id=evt_000002")), 400,
      "INVALID_ARGUMENT");
  for (const std::string value : {"maybe", "1", "TRUE", "yes", ""}) {
    SCOPED_TRACE("stream=" + value);
    expect_google_error(http_get(srv.port(), path_of("story", "stream=" + value)), 400,
                        "INVALID_ARGUMENT", "stream");
  }
}

// --- Faults ------------------------------------------------------------------------------------

TEST(MockServerTest, ScriptedHttpErrorsThenSuccess) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  struct Expected {
    int code;
    std::string status;
    std::string retry_after;
    std::string message;
  };
  const std::vector<Expected> expected = {{401, "UNAUTHENTICATED", "1", "who are you"},
                                          {403, "PERMISSION_DENIED", "2", "not yours"},
                                          {429, "RESOURCE_EXHAUSTED", "7", "slow down"},
                                          {503, "UNAVAILABLE", "30", "try later"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("attempt " + std::to_string(i + 1));
    const HttpResponse r = http_get(srv.port(), path_of("flaky"));
    expect_google_error(r, expected[i].code, expected[i].status, expected[i].message);
    EXPECT_EQ(r.header("Retry-After"), expected[i].retry_after);
  }
  const HttpResponse ok = http_get(srv.port(), path_of("flaky"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(ok.has_header("Retry-After"));
  EXPECT_EQ(ok.json().at("output").at("text"), "ok");
  EXPECT_EQ(http_get(srv.port(), path_of("flaky")).status, 200);
  // The faults were scripted for GETs only: streams are served from the first attempt.
  EXPECT_EQ(read_stream(srv.port(), path_of("flaky", "stream=true")).size(), 4u);
  // Each is in the journal with its attempt number and the fault applied.
  const json entries = journal(srv.port()).at("entries");
  ASSERT_GE(entries.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(entries[i].value("attempt", 0), static_cast<int>(i + 1));
    if (i < 4) {
      ASSERT_TRUE(entries[i].contains("fault"));
      EXPECT_EQ(entries[i]["fault"].value("kind", ""), "http_error");
      EXPECT_EQ(entries[i]["fault"].value("status", 0), expected[i].code);
      EXPECT_EQ(entries[i].value("status", 0), expected[i].code);
    } else {
      EXPECT_FALSE(entries[i].contains("fault"));
      EXPECT_EQ(entries[i].value("status", 0), 200);
    }
  }
}

TEST(MockServerTest, FaultAttemptsAreCountedPerKindAndInstance) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const int port = srv.port();
  // split: GET attempt 1 fails with 429; stream attempts 1 and 2 fail with 503.
  HttpResponse r = http_get(port, path_of("split"));
  expect_google_error(r, 429, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(r.header("Retry-After"), "3");
  r = http_get(port, path_of("split", "stream=true"));
  expect_google_error(r, 503, "UNAVAILABLE");
  EXPECT_EQ(r.header("Retry-After"), "5");
  r = http_get(port, path_of("split", "stream=true&last_event_id=evt_000001"));
  expect_google_error(r, 503, "UNAVAILABLE");
  EXPECT_EQ(http_get(port, path_of("split")).status, 200);
  const auto events = read_stream(port, path_of("split", "stream=true"));
  EXPECT_EQ(concat_text(events), "split ok");
  // Another instance of the same template has its own counters.
  expect_google_error(http_get(port, path_of("split.other")), 429, "RESOURCE_EXHAUSTED");
  expect_google_error(http_get(port, path_of("split.other", "stream=true")), 503, "UNAVAILABLE");
  EXPECT_EQ(http_get(port, path_of("split.other")).status, 200);
  // on: any applies to the first GET and to the first stream, counted separately.
  expect_google_error(http_get(port, path_of("anyfault")), 503, "UNAVAILABLE");
  expect_google_error(http_get(port, path_of("anyfault", "stream=true")), 503, "UNAVAILABLE");
  EXPECT_EQ(http_get(port, path_of("anyfault")).status, 200);
  EXPECT_EQ(read_stream(port, path_of("anyfault", "stream=true")).size(), 2u);

  std::map<std::string, json> by_id;
  for (const json& i : admin_json(http_get(port, "/_mock/instances"))) {
    by_id[i.value("id", "")] = i;
  }
  EXPECT_EQ(by_id.at("split").value("get_attempts", 0), 2);
  EXPECT_EQ(by_id.at("split").value("stream_attempts", 0), 3);
  EXPECT_EQ(by_id["split.other"].value("get_attempts", 0), 2);
  EXPECT_EQ(by_id["split.other"].value("stream_attempts", 0), 1);
  EXPECT_EQ(by_id["split.other"].value("template", ""), "split");
  EXPECT_EQ(by_id.at("anyfault").value("get_attempts", 0), 2);
  EXPECT_EQ(by_id.at("anyfault").value("stream_attempts", 0), 2);
}

// --- Lazy instances and chains ----------------------------------------------------------------

TEST(MockServerTest, SuffixedInstancesHaveIndependentTimelines) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const json a0 = get_interaction(srv.port(), "story.a");
  EXPECT_EQ(a0.value("state", ""), "PENDING");
  srv.advance_ms(300);
  const json a1 = get_interaction(srv.port(), "story.a");
  const json b1 = get_interaction(srv.port(), "story.b");  // created now, 300 ms after story.a
  EXPECT_EQ(a1.value("state", ""), "RUNNING");
  EXPECT_EQ(a1.at("output").at("text"), "Once upon");
  EXPECT_EQ(b1.value("state", ""), "PENDING");
  EXPECT_EQ(b1.at("output").at("text"), "");
  EXPECT_EQ(b1.value("id", ""), "story.b");
  EXPECT_EQ(time_ms(b1.at("create_time")) - time_ms(a1.at("create_time")), 300);
  srv.advance_ms(300);
  const json a2 = get_interaction(srv.port(), "story.a");
  const json b2 = get_interaction(srv.port(), "story.b");
  EXPECT_EQ(a2.value("state", ""), "COMPLETED");
  EXPECT_EQ(b2.value("state", ""), "RUNNING");
  EXPECT_EQ(b2.at("output").at("text"), "Once upon");
  // The plain name is an instance of its own as well.
  EXPECT_EQ(get_interaction(srv.port(), "story").value("state", ""), "PENDING");
  const json instances = admin_json(http_get(srv.port(), "/_mock/instances"));
  ASSERT_EQ(instances.size(), 3u);
  for (const json& i : instances) {
    EXPECT_EQ(i.value("template", ""), "story");
    EXPECT_EQ(i.value("events_total", 0), 6);
  }
  // Sorted by id: story, story.a, story.b.
  EXPECT_EQ(instances.at(0).value("state", ""), "PENDING");
  EXPECT_EQ(instances.at(0).value("events_emitted", 0), 1);
  EXPECT_EQ(instances.at(1).value("id", ""), "story.a");
  EXPECT_EQ(instances.at(1).value("state", ""), "COMPLETED");
  EXPECT_EQ(instances.at(1).value("events_emitted", 0), 6);
  EXPECT_EQ(instances.at(1).value("get_attempts", 0), 3);
  EXPECT_EQ(instances.at(2).value("state", ""), "RUNNING");
  EXPECT_EQ(instances.at(2).value("events_emitted", 0), 4);
  EXPECT_EQ(instances.at(2).value("created_ms", 0) - instances.at(1).value("created_ms", 0), 300);
}

TEST(MockServerTest, PreviousChainWalksToRootWithCompleteAncestors) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const json t3 = get_interaction(srv.port(), "turn3.u7");
  EXPECT_EQ(t3.value("state", ""), "PENDING");
  // Walk the chain to its root.
  std::vector<json> chain = {t3};
  while (chain.back().contains("previous_interaction_id")) {
    ASSERT_LT(chain.size(), 10u) << "the chain does not end";
    chain.push_back(get_interaction(srv.port(),
                                    chain.back().at("previous_interaction_id").get<std::string>(),
                                    "include_input=true"));
  }
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].value("previous_interaction_id", ""), "turn2.u7");
  EXPECT_EQ(chain[1].value("id", ""), "turn2.u7");
  EXPECT_EQ(chain[1].value("previous_interaction_id", ""), "turn1.u7");
  EXPECT_EQ(chain[2].value("id", ""), "turn1.u7");
  EXPECT_EQ(chain[2].value("input", ""), "first question");
  // The ancestors finished before their successor began.
  EXPECT_EQ(chain[1].value("state", ""), "COMPLETED");
  EXPECT_EQ(chain[1].at("output").at("text"), "second answer");
  EXPECT_TRUE(chain[1].contains("usage_metadata"));
  EXPECT_EQ(chain[2].value("state", ""), "COMPLETED");
  EXPECT_EQ(chain[2].at("output").at("text"), "first answer");
  for (std::size_t i = 1; i < chain.size(); ++i) {
    EXPECT_LE(time_ms(chain[i].at("update_time")), time_ms(chain[i - 1].at("create_time")));
  }
  // An ancestor streams its whole finished log.
  const auto events = read_stream(srv.port(), path_of("turn1.u7", "stream=true"));
  expect_well_formed_events(events, "turn1.u7");
  EXPECT_EQ(concat_text(events), "first answer");
  // Without a suffix the links name the plain templates.
  EXPECT_EQ(get_interaction(srv.port(), "turn3").value("previous_interaction_id", ""), "turn2");
  EXPECT_FALSE(get_interaction(srv.port(), "turn1.zz").contains("previous_interaction_id"));
}

// --- Determinism -------------------------------------------------------------------------------

// The events of a full stream with every timestamp removed, as comparable strings.
std::vector<std::string> normalized_stream(int seed) {
  MockOptions o = test::ManualClockOptions();
  o.seed = static_cast<std::uint64_t>(seed);
  TestServer srv({scenario_from(kGenerateScenario, "gen.json")}, o);
  EXPECT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "gen");
  srv.server().clock().advance_us(1'000'000);
  std::vector<std::string> out;
  for (const StreamEvent& e : read_stream(srv.port(), path_of("gen", "stream=true"))) {
    json j = e.json;
    j.erase("update_time");
    if (j.contains("interaction")) {
      j.at("interaction").erase("create_time");
      j.at("interaction").erase("update_time");
    }
    out.push_back(e.type + "|" + e.id + "|" + j.dump());
  }
  return out;
}

TEST(MockServerTest, EventIdsAndGeneratedTextAreDeterministicPerSeed) {
  const std::vector<std::string> a = normalized_stream(42);
  const std::vector<std::string> b = normalized_stream(42);
  const std::vector<std::string> c = normalized_stream(43);
  ASSERT_EQ(a.size(), 28u);  // PENDING, RUNNING, 25 chunks, terminal
  EXPECT_EQ(a, b);
  ASSERT_EQ(c.size(), a.size());
  EXPECT_NE(a, c);
  std::size_t same_text = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // Ids and kinds do not depend on the seed; the generated text does.
    EXPECT_EQ(a[i].substr(0, a[i].find('|', a[i].find('|') + 1)),
              c[i].substr(0, c[i].find('|', c[i].find('|') + 1)));
    same_text += a[i] == c[i] ? 1 : 0;
  }
  EXPECT_LT(same_text, 10u);
}

// --- Admin API ---------------------------------------------------------------------------------

TEST(MockServerTest, HealthReportsStatusSeedClockAndWorkers) {
  MockOptions o = test::ManualClockOptions();
  o.seed = 7;
  o.max_connections = 64;
  TestServer srv(core_scenarios(), o);
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  get_interaction(srv.port(), "turn2");  // and its ancestor turn1
  srv.advance_ms(125);
  const json h = admin_json(http_get(srv.port(), "/_mock/health"));
  EXPECT_EQ(h.value("status", ""), "ok");
  EXPECT_EQ(h.value("dialect", ""), "seed");
  EXPECT_EQ(h.value("seed", 0), 7);
  EXPECT_EQ(h.value("instances", 0), 3);
  ASSERT_TRUE(h.at("clock").is_object());
  EXPECT_EQ(h.at("clock").value("mode", ""), "manual");
  EXPECT_DOUBLE_EQ(h.at("clock").value("now_ms", -1.0), 125.0);
  EXPECT_DOUBLE_EQ(h.at("clock").value("time_scale", -1.0), 1.0);
  ASSERT_TRUE(h.at("server").is_object());
  EXPECT_EQ(h.at("server").value("max_connections", 0), 64);
  EXPECT_GE(h.at("server").value("workers", 0), 1);
  EXPECT_GE(h.at("server").value("busy", 0), 1);  // the health request itself
  EXPECT_EQ(h.at("server").value("queued", -1), 0);
  EXPECT_GE(h.at("server").value("peak_busy", 0), 1);
  const json clock = admin_json(http_get(srv.port(), "/_mock/clock"));
  EXPECT_EQ(clock, h.at("clock"));
}

TEST(MockServerTest, ResetDropsInstancesAndRestartsTimelines) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  get_interaction(srv.port(), "story");
  expect_google_error(http_get(srv.port(), path_of("anyfault")), 503, "UNAVAILABLE");
  srv.advance_ms(600);
  EXPECT_EQ(get_interaction(srv.port(), "story").value("state", ""), "COMPLETED");
  EXPECT_EQ(admin_json(http_get(srv.port(), "/_mock/health")).value("instances", 0), 2);

  const json reset = admin_json(http_post(srv.port(), "/_mock/reset"));
  EXPECT_EQ(reset.value("status", ""), "reset");
  EXPECT_EQ(admin_json(http_get(srv.port(), "/_mock/health")).value("instances", -1), 0);
  EXPECT_EQ(admin_json(http_get(srv.port(), "/_mock/instances")).size(), 0u);
  EXPECT_TRUE(journal(srv.port()).at("entries").empty());

  // The timeline starts again from the initial state, and attempts count from 1 again.
  const json fresh = get_interaction(srv.port(), "story");
  EXPECT_EQ(fresh.value("state", ""), "PENDING");
  EXPECT_EQ(fresh.at("output").at("text"), "");
  EXPECT_FALSE(fresh.contains("usage_metadata"));
  expect_google_error(http_get(srv.port(), path_of("anyfault")), 503, "UNAVAILABLE");
  srv.advance_ms(150);
  EXPECT_EQ(get_interaction(srv.port(), "story").value("state", ""), "RUNNING");
}

TEST(MockServerTest, ClockAdvanceWorksOnlyOnManualClock) {
  {
    TestServer manual(core_scenarios());
    ASSERT_TRUE(manual.started()) << manual.error();
    json c = admin_json(http_post(manual.port(), "/_mock/clock/advance?ms=250"));
    EXPECT_EQ(c.value("mode", ""), "manual");
    EXPECT_DOUBLE_EQ(c.value("now_ms", -1.0), 250.0);
    c = admin_json(http_post(manual.port(), "/_mock/clock/advance", R"({"ms": 50})",
                             {{"Content-Type", "application/json"}}));
    EXPECT_DOUBLE_EQ(c.value("now_ms", -1.0), 300.0);
    expect_google_error(http_post(manual.port(), "/_mock/clock/advance?ms=-1"), 400,
                        "INVALID_ARGUMENT");
    expect_google_error(http_post(manual.port(), "/_mock/clock/advance?ms=abc"), 400,
                        "INVALID_ARGUMENT");
    expect_google_error(http_post(manual.port(), "/_mock/clock/advance"), 400, "INVALID_ARGUMENT");
    EXPECT_DOUBLE_EQ(admin_json(http_get(manual.port(), "/_mock/clock")).value("now_ms", -1.0),
                     300.0);
  }
  MockOptions scaled;
  scaled.manual_clock = false;
  scaled.time_scale = 2.0;
  TestServer srv(core_scenarios(), scaled);
  ASSERT_TRUE(srv.started()) << srv.error();
  const HttpResponse r = http_post(srv.port(), "/_mock/clock/advance?ms=10");
  expect_google_error(r, 409, "ABORTED", "manual");
  const json c = admin_json(http_get(srv.port(), "/_mock/clock"));
  EXPECT_EQ(c.value("mode", ""), "scaled");
  EXPECT_DOUBLE_EQ(c.value("time_scale", 0.0), 2.0);
  EXPECT_FALSE(srv.server().clock().advance_us(1000));
}

TEST(MockServerTest, AdminPostWithoutContentLengthIsServed) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  // What `curl -X POST URL` sends: no body, and so neither Content-Length nor Transfer-Encoding.
  // Such a request has an empty body (RFC 9112 section 6.3) and must be answered at once.
  const std::string advance =
      "POST /_mock/clock/advance?ms=5 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  const HttpResponse r = http_test::send_request(srv.port(), advance, milliseconds(2000));
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string reset =
      "POST /_mock/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  const HttpResponse r2 = http_test::send_request(srv.port(), reset, milliseconds(2000));
  EXPECT_TRUE(r2.ok()) << r2.error;
  EXPECT_EQ(r2.status, 200) << r2.body;
}

constexpr char kExtraScenario[] = R"json({
  "name": "extra",
  "interactions": {
    "added": {"timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 5, "text": "v1"},
                           {"after_ms": 10, "state": "COMPLETED"}]}
  }
})json";

TEST(MockServerTest, LoadsScenarioThroughAdminApi) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  expect_google_error(http_get(srv.port(), path_of("added")), 404, "NOT_FOUND");
  const json loaded = admin_json(http_post(srv.port(), "/_mock/scenarios", kExtraScenario,
                                           {{"Content-Type", "application/json"}}));
  EXPECT_EQ(loaded.value("loaded", ""), "extra");
  EXPECT_EQ(loaded.value("interactions", 0), 1);
  const json listed = admin_json(http_get(srv.port(), "/_mock/scenarios"));
  std::set<std::string> names;
  for (const json& s : listed) names.insert(s.value("name", ""));
  EXPECT_EQ(names, (std::set<std::string>{"core", "extra"}));
  srv.advance_ms(10);  // instances start when touched, not when loaded
  json j = get_interaction(srv.port(), "added");
  EXPECT_EQ(j.value("state", ""), "RUNNING");
  EXPECT_EQ(j.at("output").at("text"), "");
  srv.advance_ms(5);
  EXPECT_EQ(get_interaction(srv.port(), "added").at("output").at("text"), "v1");
  srv.advance_ms(5);
  EXPECT_EQ(get_interaction(srv.port(), "added").value("state", ""), "COMPLETED");
  j = get_interaction(srv.port(), "added.x");
  EXPECT_EQ(j.value("state", ""), "RUNNING");
  EXPECT_EQ(j.at("output").at("text"), "");
  // Existing templates keep working.
  EXPECT_EQ(get_interaction(srv.port(), "story").value("id", ""), "story");
}

TEST(MockServerTest, RejectsBadScenarioDocumentNamingPointer) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const std::string bad = R"({"name": "bad", "interactions": {
      "broken": {"timeline": [{"after_ms": "soon", "state": "RUNNING"}]}}})";
  expect_google_error(http_post(srv.port(), "/_mock/scenarios", bad), 400, "INVALID_ARGUMENT",
                      "/interactions/broken/timeline/0/after_ms");
  expect_google_error(http_post(srv.port(), "/_mock/scenarios?file=mine.json", bad), 400,
                      "INVALID_ARGUMENT", "mine.json");
  expect_google_error(http_post(srv.port(), "/_mock/scenarios", "{not json"), 400,
                      "INVALID_ARGUMENT");
  expect_google_error(http_post(srv.port(), "/_mock/scenarios",
                                R"({"interactions": {"x": {"timeline": [], "previous": "nope"}}})"),
                      400, "INVALID_ARGUMENT", "/interactions/x/previous");
  // Nothing of a rejected document was loaded.
  expect_google_error(http_get(srv.port(), path_of("broken")), 404, "NOT_FOUND");
  expect_google_error(http_get(srv.port(), path_of("x")), 404, "NOT_FOUND");
  EXPECT_EQ(admin_json(http_get(srv.port(), "/_mock/scenarios")).size(), 1u);
}

TEST(MockServerTest, RejectsDuplicateTemplateKeyInPostedDocument) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  // A file with a repeated key is rejected by the loader (load_scenario_file); the admin API must
  // not silently keep the last definition instead.
  const std::string doubled = R"({"name": "dup", "interactions": {
      "twice": {"timeline": [{"after_ms": 0, "state": "RUNNING"}]},
      "twice": {"timeline": [{"after_ms": 0, "state": "FAILED"}]}}})";
  expect_google_error(http_post(srv.port(), "/_mock/scenarios", doubled), 400, "INVALID_ARGUMENT",
                      "/interactions/twice");
}

TEST(MockServerTest, RejectsDuplicateTemplateNameUnlessReplace) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  ASSERT_EQ(http_post(srv.port(), "/_mock/scenarios", kExtraScenario).status, 200);
  // Another scenario defining a template that already exists.
  expect_google_error(
      http_post(srv.port(), "/_mock/scenarios",
                R"({"name": "other", "interactions": {"story": {"timeline": []}}})"),
      400, "INVALID_ARGUMENT", "/interactions/story");
  // The same scenario posted again without replace.
  expect_google_error(http_post(srv.port(), "/_mock/scenarios", kExtraScenario), 400,
                      "INVALID_ARGUMENT", "/interactions/added");
  EXPECT_EQ(get_interaction(srv.port(), "added.old").value("state", ""), "RUNNING");
  // With replace=true the new definition serves new instances.
  const std::string v2 = R"json({"name": "extra", "interactions": {
      "added": {"timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 0, "text": "v2"},
                             {"after_ms": 0, "state": "CANCELLED"}]}}})json";
  const json replaced = admin_json(http_post(srv.port(), "/_mock/scenarios?replace=true", v2));
  EXPECT_EQ(replaced.value("loaded", ""), "extra");
  const json fresh = get_interaction(srv.port(), "added.new");
  EXPECT_EQ(fresh.value("state", ""), "CANCELLED");
  EXPECT_EQ(fresh.at("output").at("text"), "v2");
  const json listed = admin_json(http_get(srv.port(), "/_mock/scenarios"));
  EXPECT_EQ(listed.size(), 2u);
}

TEST(MockServerTest, JournalRecordsRequests) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  const int port = srv.port();
  const HttpResponse get =
      http_get(port, path_of("story.j%20k", "include_input=true"),
               {{"Accept", "application/json"}, {"x-goog-api-key", "secret-value"}});
  ASSERT_EQ(get.status, 200);
  srv.advance_ms(600);
  SseClient s(port, path_of("story.j%20k", "stream=true"),
              {{"Accept", "text/event-stream"}, {"Last-Event-ID", "evt_000002"}});
  ASSERT_TRUE(s.wait_end());
  ASSERT_TRUE(s.clean_end());
  ASSERT_EQ(s.events().size(), 4u);
  http_get(port, path_of("nope"));

  const json stream_entry = wait_journal_entry(port, [](const json& e) {
    return e.value("stream", false) && e.value("ended", "") == "complete";
  });
  ASSERT_FALSE(stream_entry.is_null()) << journal(port).dump(2);
  const json j = journal(port);
  const json& entries = j.at("entries");
  ASSERT_EQ(entries.size(), 3u) << j.dump(2);
  EXPECT_EQ(j.value("next_seq", 0), entries[2].value("seq", 0) + 1);

  const json& g = entries[0];
  EXPECT_EQ(g.value("method", ""), "GET");
  EXPECT_EQ(g.value("path", ""), "/v1beta/interactions/story.j%20k");  // raw, as sent
  EXPECT_EQ(g.value("query", ""), "include_input=true");
  EXPECT_EQ(g.value("instance", ""), "story.j k");
  EXPECT_EQ(g.at("headers").value("Accept", ""), "application/json");
  EXPECT_EQ(g.at("headers").value("x-goog-api-key", ""), "<redacted>");
  EXPECT_EQ(g.dump().find("secret-value"), std::string::npos);
  EXPECT_FALSE(g.value("stream", true));
  EXPECT_EQ(g.value("attempt", 0), 1);
  EXPECT_EQ(g.value("status", 0), 200);
  EXPECT_EQ(g.value("events_sent", -1), 0);
  EXPECT_EQ(g.value("bytes_sent", 0u), get.body.size());
  EXPECT_EQ(g.value("ended", ""), "complete");

  const json& st = entries[1];
  EXPECT_EQ(st.value("query", ""), "stream=true");
  EXPECT_TRUE(st.value("stream", false));
  EXPECT_EQ(st.at("headers").value("Last-Event-ID", ""), "evt_000002");
  EXPECT_EQ(st.at("headers").value("Accept", ""), "text/event-stream");
  EXPECT_EQ(st.value("last_event_id", ""), "evt_000002");
  EXPECT_EQ(st.value("attempt", 0), 1);
  EXPECT_EQ(st.value("status", 0), 200);
  EXPECT_EQ(st.value("events_sent", 0), 4);
  EXPECT_EQ(st.value("bytes_sent", 0u), s.body().size());
  EXPECT_EQ(st.value("ended", ""), "complete");

  const json& miss = entries[2];
  EXPECT_EQ(miss.value("status", 0), 404);
  EXPECT_EQ(miss.value("instance", ""), "nope");

  // since filters by sequence number.
  const std::uint64_t first_seq = entries[0].value("seq", std::uint64_t{0});
  const json tail = journal(port, "since=" + std::to_string(first_seq + 1));
  ASSERT_EQ(tail.at("entries").size(), 1u);
  EXPECT_EQ(tail.at("entries").at(0).value("status", 0), 404);
  EXPECT_EQ(journal(port, "since=" + std::to_string(first_seq + 2)).at("entries").size(), 0u);
  expect_google_error(http_get(port, "/_mock/journal?since=abc"), 400, "INVALID_ARGUMENT");

  // DELETE clears it; sequence numbers keep counting.
  EXPECT_EQ(admin_json(http_delete(port, "/_mock/journal")).value("status", ""), "cleared");
  http_get(port, path_of("story"));
  const json after = journal(port);
  ASSERT_EQ(after.at("entries").size(), 1u);
  EXPECT_GT(after.at("entries").at(0).value("seq", std::uint64_t{0}), first_seq + 2);
}

TEST(MockServerTest, JournalKeepsOnlyItsCapacity) {
  MockOptions o = test::ManualClockOptions();
  o.journal_capacity = 2;
  TestServer srv(core_scenarios(), o);
  ASSERT_TRUE(srv.started()) << srv.error();
  for (const std::string id : {"story.1", "story.2", "story.3"}) get_interaction(srv.port(), id);
  const json j = journal(srv.port());
  ASSERT_EQ(j.at("entries").size(), 2u);
  EXPECT_EQ(j.at("entries").at(0).value("instance", ""), "story.2");
  EXPECT_EQ(j.at("entries").at(1).value("instance", ""), "story.3");
  EXPECT_EQ(j.value("dropped", 0), 1);
}

TEST(MockServerTest, JournalMarksStreamClosedByClient) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  SseClient s(srv.port(), path_of("forever.c", "stream=true"));
  ASSERT_TRUE(s.wait_events(3));
  const json open = wait_journal_entry(srv.port(), [](const json& e) {
    return e.value("stream", false) && e.value("ended", "") == "in_progress";
  });
  ASSERT_FALSE(open.is_null()) << journal(srv.port()).dump(2);
  s.close();
  const json closed = wait_journal_entry(srv.port(), [](const json& e) {
    return e.value("stream", false) && e.value("ended", "") == "client_closed";
  });
  ASSERT_FALSE(closed.is_null()) << journal(srv.port()).dump(2);
  EXPECT_EQ(closed.value("events_sent", 0), 3);
  EXPECT_EQ(closed.value("instance", ""), "forever.c");
  // The worker was given back.
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
  int busy = 0;
  for (;;) {
    busy = admin_json(http_get(srv.port(), "/_mock/health")).at("server").value("busy", -1);
    if (busy <= 1 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(busy, 1);  // only the health request
}

// --- Heartbeat, stop and load ------------------------------------------------------------------

TEST(MockServerTest, QuietStreamGetsKeepAliveComments) {
  MockOptions o = test::ManualClockOptions();
  o.heartbeat_ms = 100;
  TestServer srv(core_scenarios(), o);
  ASSERT_TRUE(srv.started()) << srv.error();
  SseClient s(srv.port(), path_of("idle", "stream=true"));
  ASSERT_TRUE(s.wait_events(1));
  ASSERT_TRUE(s.wait_for([&] { return s.comments() >= 1; }, milliseconds(3000))) << s.body();
  EXPECT_NE(s.body().find("\n\n: keep-alive\n\n"), std::string::npos) << s.body();
  EXPECT_EQ(s.events().size(), 1u);  // comments dispatch nothing
  EXPECT_FALSE(s.ended());
}

TEST(MockServerTest, StopEndsOpenStreamsPromptlyAndReleasesWorkers) {
  // Sanitizer runtimes start a helper thread of their own with the first thread the process
  // creates; start and join one first so the baseline already includes it.
  std::thread([] {}).join();
  const std::size_t threads_before = count_threads();
  auto srv = std::make_unique<TestServer>(core_scenarios());
  ASSERT_TRUE(srv->started()) << srv->error();
  std::vector<std::unique_ptr<SseClient>> streams;
  for (const std::string id : {"forever", "idle", "forever.b", "story"}) {
    streams.push_back(std::make_unique<SseClient>(srv->port(), path_of(id, "stream=true")));
    ASSERT_TRUE(streams.back()->wait_events(1)) << id;
  }
  const json health = admin_json(http_get(srv->port(), "/_mock/health"));
  // All four are unfaulted: the stream writer holds them, no worker does.
  EXPECT_EQ(health.at("server").value("streams", 0), 4);
  EXPECT_GT(count_threads(), threads_before);

  const auto t0 = std::chrono::steady_clock::now();
  srv->server().stop();
  const auto stop_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(stop_ms, 3000) << "stop() took " << stop_ms << " ms";
  for (auto& s : streams) {
    EXPECT_TRUE(s->wait_end(milliseconds(2000))) << "the client still sees an open stream";
    EXPECT_FALSE(s->body_complete()) << "a stopped stream has no final chunk";
  }
  const json j = srv->server().journal().to_json(0);
  std::size_t stopped = 0;
  for (const json& e : j.at("entries")) {
    if (e.value("stream", false)) {
      EXPECT_EQ(e.value("ended", ""), "server_stopped");
      ++stopped;
    }
  }
  EXPECT_EQ(stopped, 4u);
  srv.reset();
  // Every worker thread is gone again (they are detached, so allow them a moment to exit).
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
  while (count_threads() > threads_before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_LE(count_threads(), threads_before);
}

TEST(MockServerTest, StopIsPromptWithIdleKeepAliveConnection) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  // A client that keeps its connection open after a response (as HTTP/1.1 clients do).
  Connection conn(srv.port());
  ASSERT_TRUE(conn.is_open());
  ASSERT_TRUE(conn.send_all(http_test::build_request("GET", path_of("story"), {}, {}, false)));
  http_test::ResponseParser parser;
  std::string in;
  std::string body;
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (!parser.complete() && std::chrono::steady_clock::now() < deadline) {
    in.clear();
    if (conn.read_some(in, milliseconds(100)) == Connection::Read::kData) parser.feed(in, body);
  }
  ASSERT_TRUE(parser.complete());
  ASSERT_EQ(parser.status(), 200);
  // Let the server's worker go back to waiting for the next request on this connection.
  std::this_thread::sleep_for(milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  srv.server().stop();
  const auto stop_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(stop_ms, 2000) << "stop() waited " << stop_ms
                           << " ms for an idle keep-alive connection";
}

TEST(MockServerTest, ServesTwoHundredConcurrentStreams) {
  constexpr std::size_t kStreams = 200;
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  std::vector<std::unique_ptr<SseClient>> owned;
  std::vector<SseClient*> clients;
  for (std::size_t i = 0; i < kStreams; ++i) {
    owned.push_back(std::make_unique<SseClient>(
        srv.port(), path_of("story.c" + std::to_string(i), "stream=true")));
    clients.push_back(owned.back().get());
  }
  // Every stream is open at the same time: each got its initial event and waits for more.
  ASSERT_TRUE(http_test::pump_all(clients, [](SseClient& c) { return !c.events().empty(); }));
  const json health = admin_json(http_get(srv.port(), "/_mock/health"));
  // Unfaulted streams are written by the stream writer, not by a worker each: the workers that
  // handed them over go back to the pool (allow them a moment to get there).
  EXPECT_EQ(health.at("server").value("streams", 0), static_cast<int>(kStreams));
  int busy = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);;) {
    busy = admin_json(http_get(srv.port(), "/_mock/health")).at("server").value("busy", -1);
    if (busy <= 1 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(busy, 1);  // only the health request
  EXPECT_EQ(health.value("instances", 0), static_cast<int>(kStreams));
  srv.advance_ms(1000);
  EXPECT_TRUE(http_test::pump_all(clients, [](SseClient& c) { return c.ended(); }));
  std::size_t complete = 0;
  for (std::size_t i = 0; i < kStreams; ++i) {
    const SseClient& c = *clients[i];
    const bool ok = c.clean_end() && c.events().size() == 6 &&
                    concat_text(c.events()) == "Once upon a time" &&
                    c.events().back().type == "interaction.terminal";
    EXPECT_TRUE(ok) << "stream " << i << ": " << c.events().size() << " events, " << c.error();
    complete += ok ? 1 : 0;
  }
  EXPECT_EQ(complete, kStreams);
}

TEST(MockServerTest, ServesCppHttplibClient) {
  TestServer srv(core_scenarios());
  ASSERT_TRUE(srv.started()) << srv.error();
  {
    httplib::Client client("127.0.0.1", srv.port());
    client.set_read_timeout(5, 0);
    client.set_keep_alive(true);
    // Two requests on one keep-alive connection, then a stream.
    auto first = client.Get(path_of("story"));
    ASSERT_TRUE(first) << httplib::to_string(first.error());
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->get_header_value("Content-Type"), "application/json");
    srv.advance_ms(600);
    auto second = client.Get(path_of("story"));
    ASSERT_TRUE(second);
    EXPECT_EQ(json::parse(second->body).at("state"), "COMPLETED");
    std::string body;
    auto stream = client.Get(path_of("story", "stream=true"), [&](const char* data, std::size_t n) {
      body.append(data, n);
      return true;
    });
    ASSERT_TRUE(stream) << httplib::to_string(stream.error());
    EXPECT_EQ(stream->status, 200);
    EXPECT_EQ(stream->get_header_value("Content-Type"), "text/event-stream");
    SseParser parser;
    std::size_t events = 0;
    parser.feed(body, [&](const SseEvent&) { ++events; });
    EXPECT_FALSE(parser.finish());
    EXPECT_EQ(events, 6u);
  }
}

TEST(MockServerTest, StartFailsWhenPortIsTaken) {
  // A plain listening socket holds the port.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  MockOptions o = test::ManualClockOptions();
  o.port = ntohs(addr.sin_port);
  {
    TestServer blocked(core_scenarios(), o);
    EXPECT_FALSE(blocked.started());
    EXPECT_NE(blocked.error().find(std::to_string(o.port)), std::string::npos) << blocked.error();
  }
  ::close(fd);
}

TEST(MockServerTest, StartFailsWhenAnotherMockHoldsThePort) {
  TestServer first(core_scenarios());
  ASSERT_TRUE(first.started()) << first.error();
  MockOptions o = test::ManualClockOptions();
  o.port = first.port();
  TestServer second(core_scenarios(), o);
  // Two mocks on one port would split connections between them at random.
  EXPECT_FALSE(second.started()) << "a second mock also listens on port " << o.port;
}

}  // namespace
}  // namespace ixh::mock
