// Integration tests of the driver (DESIGN.md §1.2, §2, §8): run_conformance and the curl-multi
// Engine against an in-process MockServer on 127.0.0.1 and an ephemeral port, over real sockets.
// Every wait is bounded and serves only as a hang guard; no test asserts absolute times or
// throughput.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "core/scenario_loader.h"
#include "harness/engine.h"
#include "harness/fetch.h"
#include "harness/observation.h"
#include "harness/runner.h"
#include "harness/target.h"
#include "harness/transport.h"
#include "mock_server/mock_options.h"
#include "mock_server/mock_server.h"
#include "reports/run_report.h"
#include "tests/integration/mock_fixture.h"

namespace ixh {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A peer closing a socket must not end the test process.
[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

std::vector<Scenario> ShippedConformance() {
  return load_scenarios({std::string(IXH_SOURCE_DIR) + "/scenarios/conformance"});
}

// A TCP port on 127.0.0.1 that refuses connections: bound, never listening, held for the
// lifetime of the object so no one else takes it.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~ClosedPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

RunOptions Options(const std::string& base_url, const std::string& run_id,
                   std::size_t workers = 1) {
  RunOptions o;
  o.target.base_url = base_url;
  o.run_id = run_id;
  o.workers = workers;
  return o;
}

RunReport RunToEnd(const std::vector<Scenario>& scenarios, const RunOptions& options) {
  SteadyClock clock;
  const std::atomic<bool> stop{false};
  return run_conformance(scenarios, options, clock, stop);
}

std::string FailedChecks(const RunReport& report) {
  std::string out;
  for (const ScenarioReport& s : report.scenarios) {
    for (const StepReport& step : s.steps) {
      for (const CheckRecord& c : step.checks) {
        if (c.passed) continue;
        out += "\n  " + s.name + " step " + std::to_string(step.index) + " " + c.check + " at " +
               c.where + ": expected " + c.expected + ", got " + c.actual;
      }
    }
  }
  return out;
}

std::string ErrorsText(const Counters& c) {
  std::string out;
  for (const auto& [name, n] : c.errors) out += " " + name + "=" + std::to_string(n);
  return out;
}

std::uint64_t CheckRecords(const RunReport& report) {
  std::uint64_t n = 0;
  for (const ScenarioReport& s : report.scenarios) {
    for (const StepReport& step : s.steps) n += step.checks.size();
  }
  return n;
}

std::size_t ScenariosWithSteps(const std::vector<Scenario>& scenarios) {
  return static_cast<std::size_t>(std::count_if(
      scenarios.begin(), scenarios.end(), [](const Scenario& s) { return !s.steps.empty(); }));
}

std::uint64_t ResumeSteps(const std::vector<Scenario>& scenarios) {
  std::uint64_t n = 0;
  for (const Scenario& s : scenarios) {
    for (const Step& step : s.steps) {
      if (step.kind == Step::Kind::kStream && step.last_event_id) ++n;
    }
  }
  return n;
}

// The checks a step was judged by, independent of timing: a poll makes as many requests as the
// timeline and the machine's speed allow, and the invariant checks judge each of them, so for a
// poll only its expectations (one record per `expect` key) are compared.
std::multiset<std::string> CheckShape(const StepReport& step) {
  std::multiset<std::string> out;
  for (const CheckRecord& c : step.checks) {
    if (step.kind == "poll" && c.check.rfind("expect.", 0) != 0) continue;
    out.insert(c.check);
  }
  return out;
}

// The engine loops' hang guard: generous for 300 concurrent streams on a loaded machine.
constexpr milliseconds kHangGuard{60'000};

// ---- run_conformance ------------------------------------------------------------------------

TEST(ConformanceRunTest, ShippedScenariosPassAgainstTheMock) {
  const std::vector<Scenario> scenarios = ShippedConformance();
  test::InProcessMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  const RunReport report = RunToEnd(scenarios, Options(mock.base_url(), "pass"));

  EXPECT_FALSE(report.partial);
  EXPECT_EQ(report.checks_failed(), 0u) << FailedChecks(report);
  ASSERT_EQ(report.scenarios.size(), ScenariosWithSteps(scenarios) + 1) << "plus the probes";
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    const ScenarioReport& s = report.scenarios[i];
    EXPECT_TRUE(s.passed()) << s.name;
    if (i + 1 < report.scenarios.size()) {
      ASSERT_EQ(s.steps.size(), scenarios[i].steps.size()) << s.name;
      EXPECT_EQ(s.name, scenarios[i].name);
    } else {
      EXPECT_EQ(s.name, "protocol probes");
      EXPECT_EQ(s.steps.size(), 2u);
    }
    for (std::size_t j = 0; j < s.steps.size(); ++j) EXPECT_EQ(s.steps[j].index, j) << s.name;
  }
  const Counters& c = report.counters;
  EXPECT_EQ(c.checks_failed, 0u);
  EXPECT_EQ(c.checks_passed, CheckRecords(report));
  EXPECT_GT(c.requests, 0u);
  EXPECT_GT(c.events, 0u);
  EXPECT_GT(c.bytes, 0u);
  EXPECT_EQ(c.resumes_attempted, ResumeSteps(scenarios));
  EXPECT_GT(c.resumes_attempted, 0u);
  EXPECT_EQ(c.resumes_succeeded, c.resumes_attempted);
  EXPECT_EQ(c.events_lost, 0u);
  EXPECT_EQ(c.events_duplicated, 0u);
  EXPECT_TRUE(c.errors.empty()) << ErrorsText(c);
  for (const char* kind : {"get", "stream", "poll", "chain"}) {
    ASSERT_TRUE(report.metrics.count(kind)) << kind;
    EXPECT_GT(report.metrics.at(kind).at("latency").count(), 0) << kind;
  }
  EXPECT_GT(report.metrics.at("stream").at("ttfe").count(), 0);
  EXPECT_GT(report.metrics.at("poll").at("poll_to_terminal").count(), 0);
}

TEST(ConformanceRunTest, WorkersDoNotChangeTheChecks) {
  const std::vector<Scenario> scenarios = ShippedConformance();
  test::InProcessMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  const RunReport one = RunToEnd(scenarios, Options(mock.base_url(), "w1", 1));
  const RunReport three = RunToEnd(scenarios, Options(mock.base_url(), "w3", 3));

  EXPECT_EQ(one.checks_failed(), 0u) << FailedChecks(one);
  EXPECT_EQ(three.checks_failed(), 0u) << FailedChecks(three);
  ASSERT_EQ(one.scenarios.size(), three.scenarios.size());
  for (std::size_t i = 0; i < one.scenarios.size(); ++i) {
    const ScenarioReport& a = one.scenarios[i];
    const ScenarioReport& b = three.scenarios[i];
    EXPECT_EQ(a.name, b.name);
    ASSERT_EQ(a.steps.size(), b.steps.size()) << a.name;
    std::size_t checks_a = 0;
    std::size_t checks_b = 0;
    for (std::size_t j = 0; j < a.steps.size(); ++j) {
      EXPECT_EQ(a.steps[j].kind, b.steps[j].kind) << a.name << " step " << j;
      EXPECT_EQ(a.steps[j].pointer, b.steps[j].pointer) << a.name << " step " << j;
      EXPECT_EQ(CheckShape(a.steps[j]), CheckShape(b.steps[j])) << a.name << " step " << j;
      checks_a += CheckShape(a.steps[j]).size();
      checks_b += CheckShape(b.steps[j]).size();
    }
    EXPECT_EQ(checks_a, checks_b) << a.name;
  }
  EXPECT_EQ(one.counters.resumes_attempted, three.counters.resumes_attempted);
  EXPECT_EQ(one.counters.resumes_succeeded, three.counters.resumes_succeeded);
  EXPECT_EQ(one.counters.events, three.counters.events) << "streams replay whole logs";
  EXPECT_TRUE(one.counters.errors.empty()) << ErrorsText(one.counters);
  EXPECT_TRUE(three.counters.errors.empty()) << ErrorsText(three.counters);
}

TEST(ConformanceRunTest, UnreachableTargetCountsOnlyConnectErrors) {
  const std::vector<Scenario> scenarios = ShippedConformance();
  const ClosedPort closed;
  ASSERT_GT(closed.port(), 0);
  RunOptions options = Options(closed.base_url(), "down");
  options.engine.connect_timeout_ms = 2000;
  const RunReport report = RunToEnd(scenarios, options);

  EXPECT_FALSE(report.partial);
  const Counters& c = report.counters;
  EXPECT_GT(c.requests, 0u);
  ASSERT_TRUE(c.errors.count("connect")) << ErrorsText(c);
  EXPECT_EQ(c.errors.at("connect"), c.requests) << "every request failed to connect";
  for (const auto& [name, n] : c.errors) {
    EXPECT_TRUE(name == "connect" || name == "check_failed") << name << "=" << n;
  }
  EXPECT_EQ(c.events, 0u);
  EXPECT_EQ(c.resumes_succeeded, 0u);
  EXPECT_TRUE(report.metrics.empty()) << "no response, no latency";
}

TEST(ConformanceRunTest, IdRunsPassTheInvariantChecks) {
  const std::vector<Scenario> scenarios = ShippedConformance();
  test::InProcessMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  RunOptions options = Options(mock.base_url(), "ids");
  options.ids = {"completed.idrun", "turn3.idrun", "long_story.idrun"};
  options.stream_timeout_ms = 20'000;
  const RunReport report = RunToEnd({}, options);

  EXPECT_FALSE(report.partial);
  EXPECT_EQ(report.checks_failed(), 0u) << FailedChecks(report);
  ASSERT_EQ(report.scenarios.size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) {
    const ScenarioReport& s = report.scenarios[i];
    EXPECT_EQ(s.name, "id " + options.ids[i]);
    ASSERT_EQ(s.steps.size(), 4u) << s.name;
    const std::vector<std::string> kinds = {"get", "get", "stream", "chain"};
    for (std::size_t j = 0; j < 4; ++j) {
      EXPECT_EQ(s.steps[j].kind, kinds[j]) << s.name;
      EXPECT_EQ(s.steps[j].interaction, options.ids[i]) << s.name;
      EXPECT_FALSE(s.steps[j].checks.empty()) << s.name << " step " << j;
    }
  }
  EXPECT_EQ(report.scenarios[3].name, "protocol probes");
  const Counters& c = report.counters;
  EXPECT_GT(c.checks_passed, 0u);
  EXPECT_TRUE(c.errors.empty()) << ErrorsText(c);
  // turn3 links to turn2 and turn1 of the same suffix: the chain step walked three hops.
  const StepReport& chain = report.scenarios[1].steps[3];
  const auto reaches_root =
      std::find_if(chain.checks.begin(), chain.checks.end(),
                   [](const CheckRecord& r) { return r.check == "chain.reaches_root"; });
  ASSERT_NE(reaches_root, chain.checks.end());
  EXPECT_NE(reaches_root->actual.find("3 interactions"), std::string::npos) << reaches_root->actual;
}

TEST(ConformanceRunTest, StopFlagEndsTheRunPromptlyAndMarksItPartial) {
  // A minute-long stream and a minute-long wait: without the stop flag the run lasts minutes.
  const std::vector<Scenario> scenarios = {parse_scenario(nlohmann::json::parse(R"json({
    "name": "slow",
    "interactions": {
      "slow": {"timeline": [{"after_ms": 0, "state": "RUNNING"},
                            {"after_ms": 60000, "state": "COMPLETED"}]}
    },
    "steps": [{"stream": "slow", "timeout_ms": 120000}, {"wait_ms": 60000}]
  })json"),
                                                          "slow.json")};
  test::InProcessMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  const RunOptions options = Options(mock.base_url(), "stop", 2);
  SteadyClock clock;
  std::atomic<bool> stop{false};
  const auto started = steady_clock::now();
  auto run = std::async(std::launch::async,
                        [&] { return run_conformance(scenarios, options, clock, stop); });
  std::this_thread::sleep_for(milliseconds(200));
  stop = true;
  const bool returned = run.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  EXPECT_TRUE(returned) << "run_conformance did not return within 5 s of the stop flag";
  const RunReport report = run.get();  // a hung run ends here under ctest's timeout
  const auto elapsed = steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_TRUE(report.partial);
  ASSERT_FALSE(report.scenarios.empty());
  EXPECT_EQ(report.scenarios[0].name, "slow");
  EXPECT_LT(report.scenarios[0].steps.size(), 2u) << "the wait cannot have finished";
}

// ---- Engine ---------------------------------------------------------------------------------

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : scenarios_(ShippedConformance()), mock_(scenarios_) {
    target_.base_url = mock_.base_url();
  }
  void SetUp() override { ASSERT_TRUE(mock_.started()) << mock_.error(); }

  std::vector<Scenario> scenarios_;
  test::InProcessMock mock_;
  Target target_;
  SteadyClock clock_;
};

TEST_F(EngineTest, ThreeHundredConcurrentStreamsAllComplete) {
  constexpr std::size_t kStreams = 300;
  Engine engine(clock_, EngineOptions{});
  std::vector<StreamFetch> fetches(kStreams);
  std::vector<std::optional<ObservedStream>> results(kStreams);
  std::size_t done = 0;
  for (std::size_t i = 0; i < kStreams; ++i) {
    StreamFetch::Options options;
    options.timeout_ms = 60'000;
    fetches[i].start(engine, target_, "completed.many-" + std::to_string(i), options,
                     [&, i](ObservedStream s) {
                       results[i] = std::move(s);
                       ++done;
                     });
  }
  EXPECT_EQ(done, 0u) << "no completion inside start()";
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return done == kStreams; }, kHangGuard))
      << done << " of " << kStreams << " streams completed";
  std::size_t complete = 0;
  for (std::size_t i = 0; i < kStreams; ++i) {
    ASSERT_TRUE(results[i].has_value()) << i;
    const ObservedStream& s = *results[i];
    EXPECT_EQ(s.http.status, 200) << i << " " << s.http.curl_error;
    EXPECT_EQ(s.http.error, ErrorClass::kNone) << i << " " << s.http.curl_error;
    EXPECT_EQ(s.events.size(), 5u) << i;
    if (s.saw_terminal() && !s.truncated && s.http.error == ErrorClass::kNone) ++complete;
  }
  EXPECT_EQ(complete, kStreams);
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(EngineTest, ReusesConnectionsForGets) {
  constexpr int kGets = 10;
  Engine engine(clock_, EngineOptions{});
  GetFetch fetch;
  int done = 0;
  std::vector<int> statuses;
  std::function<void()> next = [&] {
    fetch.start(engine, target_, "completed.reuse", false, [&](ObservedGet g) {
      statuses.push_back(g.http.status);
      if (++done < kGets) next();  // from on_complete: the next request on the same worker
    });
  };
  next();
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return done == kGets; }, kHangGuard));
  EXPECT_EQ(statuses, std::vector<int>(kGets, 200));

  const nlohmann::json journal = mock_.server().journal().to_json(0);
  std::set<std::string> remotes;
  int requests = 0;
  for (const nlohmann::json& e : journal.at("entries")) {
    if (e.value("instance", "") != "completed.reuse") continue;
    ++requests;
    remotes.insert(e.value("remote", ""));
  }
  EXPECT_EQ(requests, kGets);
  EXPECT_LT(remotes.size(), static_cast<std::size_t>(requests))
      << "every GET opened a connection of its own";
}

// Records what the engine hands one transfer's handler.
class CountingHandler final : public TransferHandler {
 public:
  explicit CountingHandler(bool keep_reading = true) : keep_reading_(keep_reading) {}
  void on_headers(const HttpObservation& http) override {
    ++headers;
    status = http.status;
    EXPECT_EQ(completions, 0) << "headers after the end";
  }
  bool on_body(std::string_view bytes, std::int64_t) override {
    ++bodies;
    body_bytes += bytes.size();
    EXPECT_EQ(completions, 0) << "body after the end";
    return keep_reading_;
  }
  void on_complete(const HttpObservation& http) override {
    ++completions;
    last = http;
  }

  int headers = 0;
  int bodies = 0;
  std::size_t body_bytes = 0;
  int status = 0;
  int completions = 0;
  HttpObservation last;

 private:
  bool keep_reading_;
};

TransferSpec StreamSpec(const Target& target, const std::string& id) {
  TransferSpec spec;
  spec.url = interaction_url(target, id, true, false, std::nullopt);
  spec.headers = request_headers(true, std::nullopt);
  spec.stream = true;
  return spec;
}

TEST_F(EngineTest, CancelMidStreamDeliversCancelledOnce) {
  Engine engine(clock_, EngineOptions{});
  CountingHandler handler;
  // long_story streams for 820 ms of timeline time.
  const TransferId id = engine.start(StreamSpec(target_, "long_story.cancel"), &handler);
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return handler.bodies > 0 || handler.completions > 0; }, kHangGuard));
  ASSERT_EQ(handler.completions, 0) << handler.last.curl_error;
  EXPECT_EQ(handler.status, 200);
  engine.cancel(id);
  EXPECT_EQ(handler.completions, 1);
  EXPECT_EQ(handler.last.error, ErrorClass::kCancelled);
  EXPECT_EQ(engine.active_transfers(), 0u);
  // Nothing more arrives for it, even while the engine keeps running.
  bool fired = false;
  engine.schedule(clock_.now_ns() + 300'000'000, [&] { fired = true; });
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return fired; }, kHangGuard));
  EXPECT_EQ(handler.completions, 1);
  engine.cancel(id);  // a second cancel of a finished transfer is a no-op
  EXPECT_EQ(handler.completions, 1);
}

TEST_F(EngineTest, HandlerReturningFalseAbortsWithCancelled) {
  Engine engine(clock_, EngineOptions{});
  CountingHandler handler(/*keep_reading=*/false);
  engine.start(StreamSpec(target_, "long_story.abort"), &handler);
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return handler.completions > 0; }, kHangGuard));
  EXPECT_EQ(handler.completions, 1);
  EXPECT_EQ(handler.bodies, 1);
  EXPECT_EQ(handler.last.error, ErrorClass::kCancelled);
  EXPECT_EQ(handler.last.curl_code, static_cast<int>(CURLE_WRITE_ERROR));
  EXPECT_EQ(handler.last.status, 200);
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(EngineTest, NeverCompletesInsideStart) {
  const ClosedPort closed;
  Engine engine(clock_, EngineOptions{});
  CountingHandler refused;
  CountingHandler malformed;
  TransferSpec spec;
  spec.url = closed.base_url() + "/v1beta/interactions/x";
  engine.start(spec, &refused);
  spec.url = "http://[bad";
  engine.start(spec, &malformed);
  EXPECT_EQ(refused.completions, 0);
  EXPECT_EQ(malformed.completions, 0);
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return refused.completions + malformed.completions == 2; }, kHangGuard));
  EXPECT_EQ(refused.last.error, ErrorClass::kConnect) << refused.last.curl_error;
  EXPECT_EQ(refused.last.status, 0);
  EXPECT_NE(malformed.last.error, ErrorClass::kNone);
  EXPECT_EQ(refused.headers + refused.bodies, 0);
}

TEST(EngineTimerTest, TimersFireInOrder) {
  SteadyClock clock;
  Engine engine(clock, EngineOptions{});
  const std::int64_t t0 = clock.now_ns();
  std::vector<std::string> fired;
  std::vector<std::int64_t> late_by;
  auto at = [&](std::int64_t ms, std::string name) {
    const std::int64_t when = t0 + ms * 1'000'000;
    return engine.schedule(when, [&, when, name] {
      fired.push_back(name);
      late_by.push_back(clock.now_ns() - when);
    });
  };
  at(30, "a");
  at(10, "b");
  at(20, "c");
  at(10, "d");  // same time as b, scheduled later: after b
  const TimerId e = at(5, "e");
  engine.cancel_timer(e);
  ASSERT_TRUE(test::RunEngineUntil(
      engine, [&] { return fired.size() == 4; }, milliseconds(10'000)));
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "d", "c", "a"}));
  for (std::int64_t late : late_by) EXPECT_GE(late, 0) << "a timer fired early";
}

}  // namespace
}  // namespace ixh
