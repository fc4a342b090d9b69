// End-to-end test of `ixh run --target` against a deliberately broken server: an in-test
// cpp-httplib server (127.0.0.1, ephemeral port) that speaks the seed dialect through the seed
// encoder, correctly except for three defects, each hit by one step of
// tests/testdata/broken/broken.json:
//   (a) `renamed`: a GET body with "status" and "outputs" instead of "state" and "output";
//   (b) `backwards`: a stream whose state goes RUNNING -> PENDING before the terminal event;
//   (c) `resumable`: a resume after evt_000003 that starts at evt_000002, repeating the resume
//       point and the event before it.
// The run must exit 1 and the JSON report must fail exactly the checks these defects trip, on
// exactly those steps, while everything the server does right passes (the protocol probes
// included). A control run of the same file against the embedded mock passes.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/error_body.h"
#include "core/interaction.h"
#include "core/seed_dialect.h"
#include "core/wire_time.h"
#include "tests/e2e/process.h"

namespace ixh::e2e {
namespace {

using nlohmann::json;

const std::string kScenario = source_path("tests/testdata/broken/broken.json");

// The broken server: every interaction of broken.json is finished from the start (its timeline
// is all at 0 ms): PENDING, RUNNING, "Hel", "lo", COMPLETED with usage 3 + 2.
class BrokenServer {
 public:
  BrokenServer() {
    server_.set_keep_alive_max_count(1);  // no idle keep-alive connection pins a worker
    server_.Get(R"(/[^/]+/interactions/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_running();
  }
  ~BrokenServer() {
    wait_running();  // stop() is a no-op until the accept loop runs
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  BrokenServer(const BrokenServer&) = delete;
  BrokenServer& operator=(const BrokenServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // How often each defect was served: proof that the steps hit them.
  int renamed_gets() const { return renamed_gets_; }
  int backwards_streams() const { return backwards_streams_; }
  int repeating_resumes() const { return repeating_resumes_; }

 private:
  static constexpr std::string_view kCreateTime = "2026-11-18T11:06:40.000Z";

  void wait_running() {
    const auto deadline = SteadyClock::now() + Millis(5000);
    while (thread_.joinable() && !server_.is_running() && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(Millis(1));
    }
  }

  static bool known(const std::string& name) {
    return name == "renamed" || name == "backwards" || name == "resumable" || name == "good";
  }

  static void error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(google_error_json(status, message), "application/json");
  }

  // The finished interaction as a GET (or the terminal event) shows it.
  static Interaction finished(const std::string& id, bool include_input) {
    Interaction i;
    i.id = id;
    i.model = "ixh-broken-1";
    if (include_input) i.input = "Say hello";
    i.candidates = {"Hello"};
    i.state = State::kCompleted;
    i.create_time_ms = parse_iso8601_ms(kCreateTime).value_or(0);
    i.update_time_ms = i.create_time_ms;
    i.usage = Usage{3, 2, 5};
    return i;
  }

  // The event log; `backwards` slips a PENDING state change in after RUNNING.
  static std::vector<Event> log(bool backwards) {
    std::vector<Event> events;
    const auto add = [&](EventKind kind, State state, std::string text) {
      Event e;
      e.id = event_id(events.size() + 1);
      e.kind = kind;
      e.state = state;
      e.text = std::move(text);
      events.push_back(std::move(e));
    };
    add(EventKind::kStateChange, State::kPending, "");
    add(EventKind::kStateChange, State::kRunning, "");
    if (backwards) add(EventKind::kStateChange, State::kPending, "");
    add(EventKind::kTextDelta, State::kRunning, "Hel");
    add(EventKind::kTextDelta, State::kRunning, "lo");
    add(EventKind::kTerminal, State::kCompleted, "");
    return events;
  }

  void serve(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    const std::string name = id.substr(0, id.find('.'));
    const bool stream = req.get_param_value("stream") == "true";
    const bool include_input = req.get_param_value("include_input") == "true";
    const bool resume = req.has_param("last_event_id");
    if (!known(name)) return error(res, 404, "interaction " + id + " not found");
    if (resume && !stream) return error(res, 400, "last_event_id needs stream=true");
    const Interaction done = finished(id, include_input);

    if (!stream) {
      json body = seed_interaction_json(done);
      if (name == "renamed") {  // defect (a)
        ++renamed_gets_;
        body["status"] = body.at("state");
        body.erase("state");
        body["outputs"] = body.at("output");
        body.erase("output");
      }
      res.set_content(body.dump(), "application/json");
      return;
    }

    const std::vector<Event> events = log(name == "backwards");
    if (name == "backwards") ++backwards_streams_;  // defect (b)
    std::size_t start = 0;
    if (resume) {
      const std::string after = req.get_param_value("last_event_id");
      std::size_t at = events.size();
      for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i].id == after) at = i;
      }
      if (at == events.size()) return error(res, 400, "unknown last_event_id " + after);
      start = at + 1;
      if (name == "resumable" && at >= 1) {  // defect (c)
        ++repeating_resumes_;
        start = at - 1;
      }
    }
    std::string body;
    for (std::size_t i = start; i < events.size(); ++i) append_seed_event(body, events[i], done);
    res.set_header("Cache-Control", "no-cache");
    res.set_content(body, "text/event-stream");
  }

  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::atomic<int> renamed_gets_{0};
  std::atomic<int> backwards_streams_{0};
  std::atomic<int> repeating_resumes_{0};
};

using Triple = std::tuple<std::string, std::size_t, std::string>;

struct Failed {
  Triple key;
  std::string expected;
  std::string actual;
  std::string where;
};

std::vector<Failed> failed_records(const json& report) {
  std::vector<Failed> out;
  for (const json& s : report.at("scenarios")) {
    for (const json& step : s.at("steps")) {
      for (const json& c : step.at("checks")) {
        if (c.at("passed").get<bool>()) continue;
        out.push_back({{s.at("name"), step.at("index").get<std::size_t>(), c.at("check")},
                       c.at("expected"),
                       c.at("actual"),
                       c.at("where")});
      }
    }
  }
  return out;
}

const Failed* find(const std::vector<Failed>& records, const Triple& key) {
  for (const Failed& f : records) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(BrokenServerTest, RunFailsExactlyTheChecksTheDefectsTrip) {
  BrokenServer server;
  ASSERT_GT(server.port(), 0);
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string report_path = tmp.file("report.json");
  const ProcessResult r =
      run_ixh({"run", kScenario, "--target", server.url(), "--json", report_path});
  ASSERT_TRUE(r.exit_code.has_value()) << "ixh run did not exit";
  EXPECT_EQ(*r.exit_code, 1) << r.out << r.err;
  EXPECT_GE(server.renamed_gets(), 1);
  EXPECT_GE(server.backwards_streams(), 1);
  EXPECT_GE(server.repeating_resumes(), 1);

  const json report = json::parse(read_file(report_path), nullptr, false);
  ASSERT_TRUE(report.is_object()) << read_file(report_path);
  EXPECT_EQ(report.at("exit_code"), 1);
  EXPECT_EQ(report.at("partial"), false);
  EXPECT_EQ(report.at("target"), server.url());

  // Exactly these, and nothing the server does right.
  const std::vector<Failed> failed = failed_records(report);
  std::set<Triple> keys;
  for (const Failed& f : failed) keys.insert(f.key);
  const std::set<Triple> expected = {
      // (a) No "state" and no "output", two unknown fields: the body is not the interaction
      // object, and the step's expected state cannot be read. (Usage is judged only with a
      // readable state; expect.usage holds: usage_metadata is there.)
      {"broken", 0, "schema.interaction"},
      {"broken", 0, "expect.state"},
      // (b) PENDING after RUNNING; every event is well-formed on its own, the terminal event
      // ends the stream and the text matches the GET after it.
      {"broken", 1, "state.forward_only"},
      // (c) evt_000002 and evt_000003 again after resuming at evt_000003: the resumed stream
      // is not the reference's suffix; the client's whole text (reference up to the resume
      // point, then the resumed events) has "Hel" twice, unlike the GET; and the resumed
      // stream's own text is "Hello", not the "lo" after the resume point. The ids within
      // the resumed stream are still unique and its states still move forward.
      {"broken", 2, "stream.resume_suffix"},
      {"broken", 2, "stream.text_matches_get"},
      {"broken", 2, "expect.text"},
  };
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(failed.size(), expected.size()) << "one record per failed check";

  // Every scenario is reported; only "broken" failed (the probes passed), on steps 0 to 2.
  bool probes = false;
  for (const json& s : report.at("scenarios")) {
    if (s.at("name") == "protocol probes") {
      probes = true;
      EXPECT_TRUE(s.at("passed").get<bool>()) << s;
      EXPECT_EQ(s.at("steps").size(), 2u);
    } else {
      EXPECT_EQ(s.at("name"), "broken");
      EXPECT_FALSE(s.at("passed").get<bool>());
      ASSERT_EQ(s.at("steps").size(), 7u);
      for (const json& step : s.at("steps")) {
        EXPECT_EQ(step.at("passed").get<bool>(), step.at("index").get<int>() >= 3) << step;
      }
    }
  }
  EXPECT_TRUE(probes);

  // What each record says.
  if (const Failed* f = find(failed, {"broken", 0, "schema.interaction"})) {
    for (const char* part : {"/outputs: unknown field", "/status: unknown field",
                             "/output: missing", "/state: missing"}) {
      EXPECT_TRUE(contains(f->actual, part)) << part << " in " << f->actual;
    }
    EXPECT_TRUE(contains(f->where, "/v1beta/interactions/renamed.")) << f->where;
  }
  if (const Failed* f = find(failed, {"broken", 0, "expect.state"})) {
    EXPECT_EQ(f->expected, "COMPLETED");
    EXPECT_EQ(f->actual, "no readable state");
  }
  if (const Failed* f = find(failed, {"broken", 1, "state.forward_only"})) {
    EXPECT_EQ(f->actual.rfind("PENDING after RUNNING at event \"evt_000002\" of GET ", 0), 0u)
        << f->actual;
    EXPECT_EQ(f->where.rfind("event \"evt_000003\" of GET ", 0), 0u) << f->where;
    EXPECT_TRUE(contains(f->where, "/interactions/backwards.")) << f->where;
  }
  if (const Failed* f = find(failed, {"broken", 2, "stream.resume_suffix"})) {
    EXPECT_EQ(f->expected, "the 2 reference events strictly after \"evt_000003\"");
    EXPECT_EQ(f->actual,
              "2 duplicated: \"evt_000002\" (at or before the resume point \"evt_000003\"), "
              "\"evt_000003\" (at or before the resume point \"evt_000003\")");
    EXPECT_TRUE(contains(f->where, "last_event_id=evt_000003")) << f->where;
  }
  if (const Failed* f = find(failed, {"broken", 2, "stream.text_matches_get"})) {
    EXPECT_TRUE(contains(f->expected, "\"Hello\"")) << f->expected;
    EXPECT_TRUE(contains(f->actual, "\"HelHello\"")) << f->actual;
  }
  if (const Failed* f = find(failed, {"broken", 2, "expect.text"})) {
    EXPECT_EQ(f->expected, "\"lo\"");
    EXPECT_EQ(f->actual.rfind("\"Hello\"", 0), 0u) << f->actual;
  }

  // Counters: the two repeated events, nothing lost; one of the two resumes was right.
  const json& c = report.at("counters");
  EXPECT_EQ(c.at("events_duplicated"), 2);
  EXPECT_EQ(c.at("events_lost"), 0);
  EXPECT_EQ(c.at("resumes_attempted"), 2);
  EXPECT_EQ(c.at("resumes_succeeded"), 1);
  EXPECT_EQ(c.at("checks_failed"), 6);
  for (const auto& [cls, n] : c.at("errors").items()) {
    EXPECT_EQ(n.get<int>(), cls == "check_failed" ? 3 : 0) << cls;
  }
  EXPECT_EQ(report.at("summary").at("checks_failed"), 6);
  EXPECT_EQ(report.at("summary").at("scenarios_failed"), 1);

  // The console names each failed check with its expected and actual values.
  for (const Failed& f : failed) {
    SCOPED_TRACE(std::get<2>(f.key));
    EXPECT_TRUE(contains(r.out, "FAIL " + std::get<2>(f.key) + "\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "expected: " + f.expected + "\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "actual:   " + f.actual + "\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "where:    " + f.where + "\n")) << r.out;
  }
  for (const char* step : {"[FAIL] 0 get renamed.", "[FAIL] 1 stream backwards.",
                           "[FAIL] 2 stream resumable.", "[PASS] 3 get good."}) {
    EXPECT_TRUE(contains(r.out, step)) << step << " in\n" << r.out;
  }
  EXPECT_EQ(last_line(r.out).rfind("ixh: FAIL — 6 of ", 0), 0u) << r.out;
  bool counted = false;
  for (const std::string& line : lines_of(r.out)) {
    if (line.rfind("  events duplicated ", 0) == 0) counted = line.ends_with(" 2");
  }
  EXPECT_TRUE(counted) << r.out;
}

// The control: the same steps against the embedded mock, which keeps every rule, all pass. So
// the failures above come from the server's defects, not from the scenario file.
TEST(BrokenServerTest, SameStepsPassAgainstTheEmbeddedMock) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string report_path = tmp.file("report.json");
  const ProcessResult r = run_ixh({"run", kScenario, "--json", report_path});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  const json report = json::parse(read_file(report_path), nullptr, false);
  ASSERT_TRUE(report.is_object());
  EXPECT_TRUE(failed_records(report).empty());
  EXPECT_EQ(report.at("counters").at("resumes_succeeded"), 2);
  EXPECT_EQ(report.at("counters").at("events_duplicated"), 0);
}

}  // namespace
}  // namespace ixh::e2e
