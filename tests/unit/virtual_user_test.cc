// Step-machine tests of harness/virtual_user.h on a scripted FakeTransport and a FakeClock: no
// sockets, no threads, no sleeps. Every time below is exact fake time, so metrics are asserted to
// the microsecond.

#include "harness/virtual_user.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_body.h"
#include "core/interaction.h"
#include "core/scenario.h"
#include "core/seed_dialect.h"
#include "harness/check.h"
#include "harness/checks.h"
#include "harness/metrics.h"
#include "harness/observation.h"
#include "harness/target.h"
#include "reports/histogram.h"
#include "reports/run_report.h"
#include "tests/unit/fake_transport.h"
#include "tests/unit/step_test_support.h"

namespace ixh {
namespace {

using test::DescribeFailures;
using test::FindCheck;
using test::RecordingCheck;

using fake::FakeTransport;
using fake::Response;
using fake::Slice;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::int64_t kT0 = 1'000'000'000'000;      // the fake clock's start, ns
constexpr std::int64_t kCreate = 1'795'000'000'000;  // Unix ms shown as create_time
const Target kTarget{"http://fake.test", "v1beta"};

// Absolute fake time `ms` after the start.
constexpr std::int64_t At(std::int64_t ms) { return kT0 + ms * 1'000'000; }

std::string GetUrl(const std::string& id, bool include_input = false) {
  return interaction_url(kTarget, id, false, include_input, std::nullopt);
}

std::string StreamUrl(const std::string& id,
                      std::optional<std::string> last_event_id = std::nullopt) {
  return interaction_url(kTarget, id, true, false, last_event_id);
}

// ---- wire bodies ------------------------------------------------------------------------------

Interaction Snapshot(const std::string& id, State state, std::string text = "",
                     std::int64_t after_ms = 0,
                     std::optional<std::string> previous = std::nullopt) {
  Interaction s;
  s.id = id;
  s.model = "ixh-mock-1";
  s.candidates = {std::move(text)};
  s.state = state;
  s.create_time_ms = kCreate;
  s.update_time_ms = kCreate + after_ms;
  if (is_terminal(state)) s.usage = Usage{4, 3, 7};
  s.previous_interaction_id = std::move(previous);
  return s;
}

std::string Body(const Interaction& s) { return encode_seed_interaction(s); }

constexpr std::string_view kStoryText = "Once upon a time";

// The story's event log as the mock keeps it: PENDING, RUNNING, three deltas, COMPLETED.
std::vector<Event> StoryLog() {
  return {
      {event_id(1), 0, EventKind::kStateChange, State::kPending, 0, ""},
      {event_id(2), 0, EventKind::kStateChange, State::kRunning, 0, ""},
      {event_id(3), 10, EventKind::kTextDelta, State::kRunning, 0, "Once"},
      {event_id(4), 20, EventKind::kTextDelta, State::kRunning, 0, " upon"},
      {event_id(5), 30, EventKind::kTextDelta, State::kRunning, 0, " a time"},
      {event_id(6), 40, EventKind::kTerminal, State::kCompleted, 0, ""},
  };
}

// One SSE frame of the story log for instance `id`.
std::string Frame(const Event& e, const std::string& id) {
  std::string text;
  for (const Event& x : StoryLog()) {
    if (x.kind == EventKind::kTextDelta && x.at_ms <= e.at_ms) text += x.text;
  }
  std::string out;
  append_seed_event(out, e, Snapshot(id, e.state, text, e.at_ms));
  return out;
}

// Frames of the given 1-based event ordinals, in the order given (repeats allowed).
std::string Frames(const std::string& id, const std::vector<int>& ordinals) {
  const std::vector<Event> log = StoryLog();
  std::string out;
  for (int n : ordinals) out += Frame(log[static_cast<std::size_t>(n - 1)], id);
  return out;
}

std::string CompletedBody(const std::string& id) {
  return Body(Snapshot(id, State::kCompleted, std::string(kStoryText), 40));
}

// A whole stream in one slice at 1 ms, ending at 2 ms.
Response SseAtOnce(std::string bytes) { return Response::Sse({{1, std::move(bytes)}}, 2); }

// ---- observing the user -----------------------------------------------------------------------

std::vector<std::string> Names(const std::vector<CheckRecord>& records, bool failed_only) {
  std::vector<std::string> out;
  for (const CheckRecord& r : records) {
    if (!failed_only || !r.passed) out.push_back(r.check);
  }
  return out;
}

class VirtualUserTest : public ::testing::Test {
 protected:
  VirtualUserTest() {
    checks_ = protocol_checks();
    checks_.push_back(expectation_check());
    checks_.push_back(std::make_unique<RecordingCheck>(&observed_));
  }

  // Appends a step; add every step before Start().
  Step& AddStep(Step::Kind kind, std::string interaction) {
    Step s;
    s.kind = kind;
    s.interaction = std::move(interaction);
    s.pointer = "/steps/" + std::to_string(steps_.size());
    steps_.push_back(std::move(s));
    return steps_.back();
  }
  Step& AddWait(std::int64_t ms) {
    Step& s = AddStep(Step::Kind::kWait, "");
    s.wait_ms = ms;
    return s;
  }

  void Start(std::string suffix = "u1") {
    user_ = std::make_unique<VirtualUser>(UserContext{transport_, kTarget, checks_, metrics_},
                                          steps_, std::move(suffix), report_);
    user_->start([this] { ++finished_calls_; });
  }

  // Runs the user to its end on the fake clock; nothing may be left running.
  void RunToEnd(std::string suffix = "u1") {
    Start(std::move(suffix));
    ASSERT_TRUE(transport_.run_until_idle());
    ASSERT_TRUE(user_->finished());
    EXPECT_EQ(finished_calls_, 1);
    EXPECT_EQ(transport_.active_transfers(), 0u);
    EXPECT_EQ(transport_.pending_timers(), 0u);
    EXPECT_EQ(transport_.stale_cancels(), 0) << "a timer outlived its transfer";
    EXPECT_THAT(transport_.unscripted(), IsEmpty());
    for (const fake::TransferRecord& t : transport_.transfers()) {
      EXPECT_EQ(t.completions, 1) << t.spec.url;
    }
    ASSERT_EQ(report_.steps.size(), steps_.size());
  }

  const Counters& counters() const { return metrics_.counters(); }
  std::uint64_t errors(const std::string& error_class) const {
    const auto it = counters().errors.find(error_class);
    return it == counters().errors.end() ? 0 : it->second;
  }

  std::optional<Histogram> Hist(std::string_view kind, std::string_view metric) const {
    RunReport r;
    metrics_.merge_into(r);
    const auto k = r.metrics.find(std::string(kind));
    if (k == r.metrics.end()) return std::nullopt;
    const auto m = k->second.find(std::string(metric));
    if (m == k->second.end()) return std::nullopt;
    return m->second;
  }

  // Expects exactly one value, `us` microseconds, in a histogram.
  void ExpectOnly(std::string_view kind, std::string_view metric, std::int64_t us) const {
    const std::optional<Histogram> h = Hist(kind, metric);
    ASSERT_TRUE(h.has_value()) << kind << "/" << metric;
    EXPECT_EQ(h->count(), 1) << kind << "/" << metric;
    EXPECT_EQ(h->min(), us) << kind << "/" << metric;
    EXPECT_EQ(h->max(), us) << kind << "/" << metric;
  }

  std::uint64_t CheckRecords() const {
    std::uint64_t n = 0;
    for (const StepReport& s : report_.steps) n += s.checks.size();
    return n;
  }

  FakeTransport transport_{kT0};
  std::vector<std::unique_ptr<Check>> checks_;
  std::vector<StepObservation> observed_;
  Metrics metrics_;
  ScenarioReport report_;
  std::vector<Step> steps_;
  int finished_calls_ = 0;
  std::unique_ptr<VirtualUser> user_;
};

// ---- get ------------------------------------------------------------------------------------

TEST(FakeTransportTest, CompletesOutsideStartAndInTimeOrder) {
  struct Handler final : TransferHandler {
    std::vector<std::string> calls;
    bool on_body(std::string_view bytes, std::int64_t) override {
      calls.push_back("body " + std::string(bytes));
      return true;
    }
    void on_headers(const HttpObservation& http) override {
      calls.push_back("headers " + std::to_string(http.status));
    }
    void on_complete(const HttpObservation& http) override {
      calls.push_back("complete " + std::string(to_string(http.error)));
    }
  };
  FakeTransport t(kT0);
  t.script("http://x/refused", Response::ConnectError());
  t.script("http://x/ok", Response::Json(200, "abcd", 1, 2, 3, 2));
  Handler refused, ok;
  TransferSpec spec;
  spec.url = "http://x/refused";
  t.start(spec, &refused);
  spec.url = "http://x/ok";
  t.start(spec, &ok);
  std::vector<int> fired;
  t.schedule(At(2), [&] { fired.push_back(2); });
  const TimerId cancelled = t.schedule(At(1), [&] { fired.push_back(-1); });
  t.schedule(At(1), [&] { fired.push_back(1); });
  t.cancel_timer(cancelled);
  EXPECT_THAT(refused.calls, IsEmpty()) << "never inside start()";
  t.run_due();
  EXPECT_THAT(refused.calls, ElementsAre("complete connect"));
  EXPECT_THAT(ok.calls, IsEmpty());
  t.advance_ms(2);
  EXPECT_THAT(ok.calls, ElementsAre("headers 200", "body ab", "body cd"));
  EXPECT_THAT(fired, ElementsAre(1, 2));
  t.advance_ms(1);
  EXPECT_THAT(ok.calls, ElementsAre("headers 200", "body ab", "body cd", "complete none"));
  EXPECT_EQ(t.transfers()[1].result.first_byte_ns, At(2));
  EXPECT_EQ(t.transfers()[1].result.end_ns, At(3));
  EXPECT_EQ(t.transfers()[1].result.bytes, 4u);
  EXPECT_TRUE(t.run_until_idle());
}

TEST(FakeTransportTest, CancelAndAbortDeliverCancelledOnce) {
  struct Handler final : TransferHandler {
    bool keep_going = true;
    int bodies = 0;
    std::vector<HttpObservation> completions;
    bool on_body(std::string_view, std::int64_t) override {
      ++bodies;
      return keep_going;
    }
    void on_complete(const HttpObservation& http) override { completions.push_back(http); }
  };
  FakeTransport t(kT0);
  t.script_always("http://x/s", Response::Sse({{1, "a"}, {2, "b"}, {3, "c"}}, std::nullopt));
  TransferSpec spec;
  spec.url = "http://x/s";
  spec.stream = true;
  Handler cancelled, aborted;
  aborted.keep_going = false;
  const TransferId id = t.start(spec, &cancelled);
  t.start(spec, &aborted);
  t.advance_ms(2);
  t.cancel(id);
  ASSERT_EQ(cancelled.completions.size(), 1u);
  EXPECT_EQ(cancelled.completions[0].error, ErrorClass::kCancelled);
  EXPECT_EQ(cancelled.completions[0].end_ns, At(2));
  EXPECT_EQ(cancelled.bodies, 2);
  ASSERT_EQ(aborted.completions.size(), 1u);
  EXPECT_EQ(aborted.completions[0].error, ErrorClass::kCancelled);
  EXPECT_EQ(aborted.completions[0].end_ns, At(1));
  EXPECT_EQ(aborted.bodies, 1);
  t.cancel(id);
  EXPECT_EQ(t.stale_cancels(), 1);
  EXPECT_TRUE(t.run_until_idle());
  EXPECT_EQ(cancelled.completions.size(), 1u);
  EXPECT_EQ(aborted.completions.size(), 1u);
}

TEST(FakeTransportTest, SpecTimeoutEndsTheTransferWithTimeout) {
  struct Handler final : TransferHandler {
    std::optional<HttpObservation> done;
    bool on_body(std::string_view, std::int64_t) override { return true; }
    void on_complete(const HttpObservation& http) override { done = http; }
  };
  FakeTransport t(kT0);
  t.script("http://x/slow", Response::Json(200, "{}", 10, 20, 500));
  TransferSpec spec;
  spec.url = "http://x/slow";
  spec.timeout_ms = 100;
  Handler h;
  t.start(spec, &h);
  EXPECT_TRUE(t.run_until_idle());
  ASSERT_TRUE(h.done.has_value());
  EXPECT_EQ(h.done->error, ErrorClass::kTimeout);
  EXPECT_EQ(h.done->status, 200);
  EXPECT_EQ(h.done->end_ns, At(100));
}

TEST_F(VirtualUserTest, GetStepRecordsOneObservationMetricsAndChecks) {
  Step& s = AddStep(Step::Kind::kGet, "story");
  s.expect.status = 200;
  s.expect.state = State::kCompleted;
  s.expect.text = std::string(kStoryText);
  s.expect.usage = true;
  s.expect.input = false;
  s.expect.latency_ms_max = 5;
  const std::string body = CompletedBody("story.u1");
  // Headers at 2 ms, the body in two slices at 3 and 4 ms, complete at 5 ms.
  transport_.script(GetUrl("story.u1"), Response::Json(200, body, 2, 3, 5, 2));
  RunToEnd();

  EXPECT_THAT(transport_.urls(), ElementsAre(GetUrl("story.u1")));
  const fake::TransferRecord& t = transport_.transfers()[0];
  EXPECT_FALSE(t.spec.stream);
  EXPECT_THAT(t.spec.headers, Contains("Accept: application/json"));
  EXPECT_EQ(t.body_calls, 2u);

  ASSERT_EQ(observed_.size(), 1u);
  const StepObservation& o = observed_[0];
  EXPECT_EQ(o.kind, Step::Kind::kGet);
  EXPECT_EQ(o.step, &steps_[0]);
  EXPECT_EQ(o.interaction_id, "story.u1");
  EXPECT_FALSE(o.stream.has_value());
  EXPECT_FALSE(o.final_get.has_value());
  EXPECT_FALSE(o.timed_out);
  ASSERT_EQ(o.gets.size(), 1u);
  const ObservedGet& g = o.gets[0];
  EXPECT_EQ(g.http.status, 200);
  EXPECT_EQ(g.http.body, body);
  EXPECT_EQ(g.http.start_ns, At(0));
  EXPECT_EQ(g.http.first_byte_ns, At(3));
  EXPECT_EQ(g.http.end_ns, At(5));
  ASSERT_TRUE(g.decoded.has_value());
  EXPECT_TRUE(g.decoded->ok());
  EXPECT_EQ(g.decoded->value.output_text(), kStoryText);

  ExpectOnly("get", "latency", 5000);
  ExpectOnly("get", "ttfb", 3000);
  EXPECT_FALSE(Hist("get", "ttfe").has_value());
  EXPECT_EQ(counters().requests, 1u);
  EXPECT_EQ(counters().bytes, body.size());
  EXPECT_EQ(counters().events, 0u);
  EXPECT_EQ(counters().checks_failed, 0u);
  EXPECT_EQ(counters().checks_passed, CheckRecords());
  EXPECT_THAT(counters().errors, IsEmpty());

  const StepReport& r = report_.steps[0];
  EXPECT_EQ(r.index, 0u);
  EXPECT_EQ(r.kind, "get");
  EXPECT_EQ(r.interaction, "story.u1");
  EXPECT_EQ(r.pointer, "/steps/0");
  EXPECT_DOUBLE_EQ(r.duration_ms, 5.0);
  EXPECT_TRUE(r.passed()) << DescribeFailures(r);
  const std::vector<std::string> names = Names(r.checks, false);
  for (const char* name :
       {"expect.status", "expect.state", "expect.text", "expect.usage", "expect.input",
        "expect.latency_ms_max", "http.content_type", "schema.interaction", "input.iff_requested",
        "usage.only_when_terminal"}) {
    EXPECT_THAT(names, Contains(name));
  }
}

TEST_F(VirtualUserTest, IdRunUsesTheInteractionIdVerbatim) {
  AddStep(Step::Kind::kGet, "given-id").include_input = true;
  Interaction s = Snapshot("given-id", State::kRunning, "Once", 10);
  s.input = "Tell me a story";
  transport_.script(GetUrl("given-id", true), Response::Json(200, Body(s)));
  RunToEnd("");
  EXPECT_THAT(transport_.urls(), ElementsAre(GetUrl("given-id", true)));
  EXPECT_EQ(report_.steps[0].interaction, "given-id");
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
}

// ---- stream -----------------------------------------------------------------------------------

TEST_F(VirtualUserTest, StreamStepParsesSlicesSplitMidEventThenComparesWithGet) {
  Step& s = AddStep(Step::Kind::kStream, "story");
  s.expect.status = 200;
  s.expect.state = State::kCompleted;
  s.expect.text = std::string(kStoryText);
  s.expect.usage = true;
  s.expect.events_min = 6;
  s.expect.events_max = 6;
  s.expect.ttfe_ms_max = 5;
  const std::string id = "story.u1";
  const std::string f12 = Frames(id, {1, 2});
  const std::string f3 = Frames(id, {3});
  const std::string f4 = Frames(id, {4});
  const std::string f56 = Frames(id, {5, 6});
  ASSERT_GT(f3.size(), 10u);
  // Cuts inside a field, before the blank line that dispatches, inside an event's data, and
  // just before the final line endings.
  const std::vector<Slice> slices = {
      {5, f12 + f3.substr(0, 7)},                          // events 1, 2
      {12, f3.substr(7, f3.size() - 8)},                   // event 3 still open
      {20, f3.substr(f3.size() - 1) + f4.substr(0, 9)},    // event 3
      {31, f4.substr(9) + f56.substr(0, f56.size() - 2)},  // events 4, 5
      {47, f56.substr(f56.size() - 2)},                    // event 6
  };
  transport_.script(StreamUrl(id), Response::Sse(slices, 50, 1));
  transport_.script(GetUrl(id), Response::Json(200, CompletedBody(id), 1, 1, 2));
  RunToEnd();

  EXPECT_THAT(transport_.urls(), ElementsAre(StreamUrl(id), GetUrl(id)));
  EXPECT_TRUE(transport_.transfers()[0].spec.stream);
  EXPECT_THAT(transport_.transfers()[0].spec.headers, Contains("Accept: text/event-stream"));
  EXPECT_EQ(transport_.transfers()[1].start_ns, At(50)) << "the GET follows the stream's end";

  ASSERT_EQ(observed_.size(), 1u);
  const StepObservation& o = observed_[0];
  ASSERT_TRUE(o.stream.has_value());
  std::vector<std::string> ids;
  std::vector<std::int64_t> at;
  for (const ObservedEvent& e : o.stream->events) {
    ids.push_back(e.decoded.id);
    at.push_back(e.at_ns);
    EXPECT_TRUE(e.decoded.ok()) << e.decoded.id;
  }
  EXPECT_THAT(ids, ElementsAre(event_id(1), event_id(2), event_id(3), event_id(4), event_id(5),
                               event_id(6)));
  EXPECT_THAT(at, ElementsAre(At(5), At(5), At(20), At(31), At(31), At(47)));
  EXPECT_FALSE(o.stream->truncated);
  EXPECT_EQ(o.stream->sse_error, SseError::kNone);
  ASSERT_TRUE(o.final_get.has_value());
  EXPECT_EQ(o.final_get->http.status, 200);
  EXPECT_FALSE(o.reference_stream.has_value());

  ExpectOnly("stream", "latency", 50'000);
  ExpectOnly("stream", "ttfb", 5'000);
  ExpectOnly("stream", "ttfe", 5'000);
  ExpectOnly("stream", "ttft", 20'000);
  const std::optional<Histogram> gaps = Hist("stream", "inter_event_gap");
  ASSERT_TRUE(gaps.has_value());
  EXPECT_EQ(gaps->count(), 5);  // 0, 15, 11, 0 and 16 ms
  EXPECT_EQ(gaps->min(), 0);
  EXPECT_EQ(gaps->max(), 16'000);
  EXPECT_EQ(gaps->sum(), 42'000);
  EXPECT_FALSE(Hist("get", "latency").has_value()) << "the GET after a stream is not a get step";

  EXPECT_EQ(counters().requests, 2u);
  EXPECT_EQ(counters().events, 6u);
  EXPECT_THAT(counters().errors, IsEmpty());
  const StepReport& r = report_.steps[0];
  EXPECT_EQ(r.kind, "stream");
  EXPECT_DOUBLE_EQ(r.duration_ms, 52.0);
  EXPECT_TRUE(r.passed()) << DescribeFailures(r);
  const std::vector<std::string> names = Names(r.checks, false);
  for (const char* name : {"stream.text_matches_get", "stream.sse", "stream.ends_after_terminal",
                           "stream.event_ids_unique", "schema.event", "expect.events_min",
                           "expect.ttfe_ms_max", "expect.text"}) {
    EXPECT_THAT(names, Contains(name));
  }
}

TEST_F(VirtualUserTest, AStreamEndedByOneRequestKeepsEachEventOnceWithoutItsData) {
  AddStep(Step::Kind::kStream, "story");
  const std::string id = "story.u1";
  transport_.script(StreamUrl(id), SseAtOnce(Frames(id, {1, 2, 3, 4, 5, 6})));
  transport_.script(GetUrl(id), Response::Json(200, CompletedBody(id), 1, 1, 2));
  RunToEnd();

  ASSERT_EQ(observed_.size(), 1u);
  const StepObservation& o = observed_[0];
  ASSERT_TRUE(o.stream.has_value());
  ASSERT_EQ(o.stream->events.size(), 6u);
  // The union is the only copy of the events; the request keeps its HTTP outcome.
  ASSERT_EQ(o.attempts.size(), 1u);
  EXPECT_TRUE(o.attempts[0].events.empty());
  EXPECT_EQ(o.attempts[0].http.status, 200);
  EXPECT_EQ(o.attempts[0].http.start_ns, o.stream->http.start_ns);
  // Seed events are judged by what they decoded to: their SSE data is not kept, their type and
  // id are.
  for (std::size_t i = 0; i < o.stream->events.size(); ++i) {
    const ObservedEvent& e = o.stream->events[i];
    EXPECT_TRUE(e.decoded.ok()) << i;
    EXPECT_EQ(e.decoded.id, event_id(i + 1));
    EXPECT_EQ(e.raw.last_event_id, event_id(i + 1));
    EXPECT_EQ(e.raw.type.rfind("interaction.", 0), 0u) << e.raw.type;
    EXPECT_TRUE(e.raw.data.empty()) << i;
  }
  // Metrics still see every event of the request.
  EXPECT_EQ(counters().events, 6u);
  const std::optional<Histogram> gaps = Hist("stream", "inter_event_gap");
  ASSERT_TRUE(gaps.has_value());
  EXPECT_EQ(gaps->count(), 5);
  ASSERT_TRUE(Hist("stream", "ttfe").has_value());
  EXPECT_EQ(Hist("stream", "ttfe")->count(), 1);
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
}

TEST_F(VirtualUserTest, StreamTextDifferentFromTheFinalGetFailsTheCheck) {
  AddStep(Step::Kind::kStream, "story");
  const std::string id = "story.u1";
  transport_.script(StreamUrl(id), SseAtOnce(Frames(id, {1, 2, 3, 4, 5, 6})));
  transport_.script(
      GetUrl(id),
      Response::Json(200, Body(Snapshot(id, State::kCompleted, "Once upon a tim", 40))));
  RunToEnd();
  EXPECT_THAT(Names(report_.steps[0].checks, true), ElementsAre("stream.text_matches_get"));
  EXPECT_EQ(errors("check_failed"), 1u);
  EXPECT_EQ(counters().checks_failed, 1u);
}

TEST_F(VirtualUserTest, ResumedStreamIsJudgedAgainstTheReferenceStream) {
  Step& s = AddStep(Step::Kind::kStream, "story");
  s.last_event_id = event_id(3);
  s.expect.text = " upon a time";
  s.expect.events_min = 3;
  s.expect.events_max = 3;
  const std::string id = "story.u1";
  const std::string resumed = Frames(id, {4, 5, 6});
  transport_.script(StreamUrl(id, event_id(3)),
                    Response::Sse({{2, resumed.substr(0, 50)}, {6, resumed.substr(50)}}, 8));
  transport_.script(GetUrl(id), Response::Json(200, CompletedBody(id), 0, 1, 3));
  transport_.script(StreamUrl(id), Response::Sse({{4, Frames(id, {1, 2, 3, 4, 5, 6})}}, 5));
  RunToEnd();

  EXPECT_THAT(transport_.urls(),
              ElementsAre(StreamUrl(id, event_id(3)), GetUrl(id), StreamUrl(id)));
  EXPECT_EQ(transport_.transfers()[1].start_ns, At(8));
  EXPECT_EQ(transport_.transfers()[2].start_ns, At(11));
  ASSERT_EQ(observed_.size(), 1u);
  const StepObservation& o = observed_[0];
  ASSERT_TRUE(o.stream.has_value());
  EXPECT_EQ(o.stream->last_event_id, event_id(3));
  EXPECT_EQ(o.stream->events.size(), 3u);
  ASSERT_TRUE(o.reference_stream.has_value());
  EXPECT_FALSE(o.reference_stream->last_event_id.has_value());
  EXPECT_EQ(o.reference_stream->events.size(), 6u);
  EXPECT_EQ(counters().resumes_attempted, 1u);
  EXPECT_EQ(counters().resumes_succeeded, 1u);
  EXPECT_EQ(counters().events_lost, 0u);
  EXPECT_EQ(counters().events_duplicated, 0u);
  EXPECT_EQ(counters().requests, 3u);
  EXPECT_EQ(counters().events, 3u) << "the reference stream is not the step's stream";
  const StepReport& r = report_.steps[0];
  EXPECT_DOUBLE_EQ(r.duration_ms, 16.0);
  EXPECT_TRUE(r.passed()) << DescribeFailures(r);
  EXPECT_THAT(Names(r.checks, false), Contains("stream.resume_suffix"));
  EXPECT_THAT(counters().errors, IsEmpty());
}

TEST_F(VirtualUserTest, ResumedStreamsCountRepeatedAndLostEvents) {
  const std::string id = "story.u1";
  // The first server response repeats evt_000004; the second loses evt_000005.
  AddStep(Step::Kind::kStream, "story").last_event_id = event_id(2);
  AddStep(Step::Kind::kStream, "story").last_event_id = event_id(3);
  transport_.script(StreamUrl(id, event_id(2)), SseAtOnce(Frames(id, {3, 4, 4, 5, 6})));
  transport_.script(StreamUrl(id, event_id(3)), SseAtOnce(Frames(id, {4, 6})));
  transport_.script_always(GetUrl(id), Response::Json(200, CompletedBody(id)));
  transport_.script_always(StreamUrl(id), SseAtOnce(Frames(id, {1, 2, 3, 4, 5, 6})));
  RunToEnd();

  EXPECT_THAT(transport_.urls(),
              ElementsAre(StreamUrl(id, event_id(2)), GetUrl(id), StreamUrl(id),
                          StreamUrl(id, event_id(3)), GetUrl(id), StreamUrl(id)));
  EXPECT_EQ(counters().resumes_attempted, 2u);
  EXPECT_EQ(counters().resumes_succeeded, 0u);
  EXPECT_EQ(counters().events_duplicated, 1u);
  EXPECT_EQ(counters().events_lost, 1u);
  EXPECT_THAT(Names(report_.steps[0].checks, true), Contains("stream.resume_suffix"));
  EXPECT_THAT(Names(report_.steps[0].checks, true), Contains("stream.event_ids_unique"));
  EXPECT_THAT(Names(report_.steps[1].checks, true), Contains("stream.resume_suffix"));
  EXPECT_THAT(Names(report_.steps[1].checks, true), Contains("stream.text_matches_get"));
  EXPECT_EQ(errors("check_failed"), 2u);
}

// A resume whose point the reference stream does not have delivered nothing that can be aligned:
// it did not "deliver exactly the rest of the event log" (docs/metrics.md, resumes_succeeded).
TEST_F(VirtualUserTest, ResumeAfterAnIdTheReferenceLacksIsNotASuccess) {
  const std::string id = "story.u1";
  AddStep(Step::Kind::kStream, "story").last_event_id = "evt_000099";
  // A lenient server ignores the unknown id and ends the stream at once, cleanly.
  transport_.script(StreamUrl(id, "evt_000099"), Response::Sse({}, 1));
  transport_.script(GetUrl(id), Response::Json(200, CompletedBody(id)));
  transport_.script(StreamUrl(id), SseAtOnce(Frames(id, {1, 2, 3, 4, 5, 6})));
  RunToEnd();

  EXPECT_THAT(Names(report_.steps[0].checks, true), Contains("stream.resume_suffix"));
  EXPECT_EQ(counters().resumes_attempted, 1u);
  EXPECT_EQ(counters().resumes_succeeded, 0u) << "success needs ResumeComparison::ok()";
}

TEST_F(VirtualUserTest, StreamThatNeverEndsIsCutAtItsTimeout) {
  Step& s = AddStep(Step::Kind::kStream, "story");
  s.timeout_ms = 500;
  const std::string id = "story.u1";
  transport_.script(StreamUrl(id), Response::Sse({{10, Frames(id, {1, 2})}, {100, Frames(id, {3})}},
                                                 std::nullopt));
  Start();
  transport_.advance_ms(499);
  EXPECT_EQ(transport_.active_transfers(), 1u);
  EXPECT_TRUE(report_.steps.empty());
  transport_.advance_ms(1);
  EXPECT_EQ(transport_.active_transfers(), 0u);
  ASSERT_EQ(report_.steps.size(), 1u);
  ASSERT_TRUE(transport_.run_until_idle());
  ASSERT_TRUE(user_->finished());

  ASSERT_EQ(transport_.transfers().size(), 1u) << "no GET after a stream without its end";
  const fake::TransferRecord& t = transport_.transfers()[0];
  EXPECT_TRUE(t.cancelled);
  EXPECT_EQ(t.end_ns, At(500));
  EXPECT_EQ(t.completions, 1);
  ASSERT_EQ(observed_.size(), 1u);
  const StepObservation& o = observed_[0];
  EXPECT_TRUE(o.timed_out);
  ASSERT_TRUE(o.stream.has_value());
  EXPECT_EQ(o.stream->http.error, ErrorClass::kTimeout);
  EXPECT_EQ(o.stream->events.size(), 3u);
  EXPECT_FALSE(o.final_get.has_value());
  ExpectOnly("stream", "latency", 500'000);
  ExpectOnly("stream", "ttfe", 10'000);
  const std::map<std::string, std::uint64_t> expected = {{"timeout", 1}};
  EXPECT_EQ(counters().errors, expected);
  EXPECT_EQ(counters().requests, 1u);
  EXPECT_EQ(counters().events, 3u);
  EXPECT_DOUBLE_EQ(report_.steps[0].duration_ms, 500.0);
  EXPECT_EQ(transport_.pending_timers(), 0u);
}

// ---- poll -------------------------------------------------------------------------------------

TEST_F(VirtualUserTest, PollStopsAtTerminalState) {
  Step& s = AddStep(Step::Kind::kPoll, "story");
  s.interval_ms = 100;
  s.timeout_ms = 2000;
  s.expect.state = State::kCompleted;
  s.expect.text = std::string(kStoryText);
  s.expect.polls_max = 4;
  const std::string id = "story.u1";
  // Each poll: headers at 1 ms, body at 2 ms, complete at 4 ms.
  const std::string url = GetUrl(id);
  transport_.script(url, Response::Json(200, Body(Snapshot(id, State::kPending, "", 0)), 1, 2, 4));
  transport_.script(url,
                    Response::Json(200, Body(Snapshot(id, State::kRunning, "Once", 10)), 1, 2, 4));
  transport_.script(
      url, Response::Json(200, Body(Snapshot(id, State::kRunning, "Once upon", 20)), 1, 2, 4));
  transport_.script(url, Response::Json(200, CompletedBody(id), 1, 2, 4));
  RunToEnd();

  // The interval runs from the end of one request to the start of the next.
  std::vector<std::int64_t> starts;
  for (const fake::TransferRecord& t : transport_.transfers()) starts.push_back(t.start_ns);
  EXPECT_THAT(starts, ElementsAre(At(0), At(104), At(208), At(312)));
  ASSERT_EQ(observed_.size(), 1u);
  EXPECT_EQ(observed_[0].gets.size(), 4u);
  EXPECT_FALSE(observed_[0].timed_out);
  ExpectOnly("poll", "poll_to_terminal", 316'000);
  ExpectOnly("poll", "polls", 4);  // a count: four GETs until COMPLETED
  const std::optional<Histogram> latency = Hist("poll", "latency");
  ASSERT_TRUE(latency.has_value());
  EXPECT_EQ(latency->count(), 4);
  EXPECT_EQ(latency->min(), 4'000);
  EXPECT_EQ(latency->max(), 4'000);
  EXPECT_EQ(counters().requests, 4u);
  EXPECT_THAT(counters().errors, IsEmpty());
  const StepReport& r = report_.steps[0];
  EXPECT_EQ(r.kind, "poll");
  EXPECT_DOUBLE_EQ(r.duration_ms, 316.0);
  EXPECT_TRUE(r.passed()) << DescribeFailures(r);
  EXPECT_THAT(Names(r.checks, false), Contains("state.forward_only"));
  EXPECT_THAT(Names(r.checks, false), Contains("expect.polls_max"));
}

TEST_F(VirtualUserTest, PollGivesUpAtItsTimeout) {
  Step& s = AddStep(Step::Kind::kPoll, "story");
  s.interval_ms = 100;
  s.timeout_ms = 1000;
  s.expect.state = State::kCompleted;
  const std::string id = "story.u1";
  transport_.script_always(GetUrl(id),
                           Response::Json(200, Body(Snapshot(id, State::kRunning, "Once", 10))));
  RunToEnd();

  std::vector<std::int64_t> starts;
  for (const fake::TransferRecord& t : transport_.transfers()) starts.push_back(t.start_ns);
  std::vector<std::int64_t> expected_starts;
  for (int k = 0; k <= 10; ++k) expected_starts.push_back(At(100 * k));
  EXPECT_THAT(starts, ElementsAreArray(expected_starts));
  ASSERT_EQ(observed_.size(), 1u);
  EXPECT_TRUE(observed_[0].timed_out);
  EXPECT_EQ(observed_[0].gets.size(), 11u);
  EXPECT_FALSE(Hist("poll", "poll_to_terminal").has_value());
  EXPECT_FALSE(Hist("poll", "polls").has_value());  // no terminal state, no count
  EXPECT_EQ(errors("timeout"), 1u);
  EXPECT_EQ(errors("check_failed"), 1u);
  EXPECT_THAT(Names(report_.steps[0].checks, true), ElementsAre("expect.state"));
  EXPECT_DOUBLE_EQ(report_.steps[0].duration_ms, 1000.0);
}

// timeout_ms is "the bound on the whole poll" (docs/scenarios.md): with an interval that does not
// divide it, no request may start after it and the step may not last longer.
TEST_F(VirtualUserTest, PollStartsNoRequestAfterItsTimeout) {
  Step& s = AddStep(Step::Kind::kPoll, "story");
  s.interval_ms = 300;
  s.timeout_ms = 1000;
  const std::string id = "story.u1";
  transport_.script_always(GetUrl(id),
                           Response::Json(200, Body(Snapshot(id, State::kRunning, "Once", 10))));
  RunToEnd();

  for (const fake::TransferRecord& t : transport_.transfers()) {
    EXPECT_LE(t.start_ns, At(1000))
        << "poll started " << (t.start_ns - kT0) / 1'000'000
        << " ms into a poll step bounded at 1000 ms (harness/virtual_user.cc poll_once schedules "
           "the next poll at now + interval_ms without clamping it to poll_deadline_ns_)";
  }
  EXPECT_TRUE(observed_[0].timed_out);
  EXPECT_EQ(errors("timeout"), 1u);
  EXPECT_LE(report_.steps[0].duration_ms, 1000.0);
}

// The same bound holds for a poll request still running when the timeout passes: the server
// hanging on one GET must not stretch the step to the GET's own 30 s transfer timeout.
TEST_F(VirtualUserTest, PollCutsARequestStillRunningAtItsTimeout) {
  Step& s = AddStep(Step::Kind::kPoll, "story");
  s.interval_ms = 100;
  s.timeout_ms = 1000;
  const std::string id = "story.u1";
  transport_.script(GetUrl(id), Response::Json(200, Body(Snapshot(id, State::kRunning))));
  transport_.script(GetUrl(id), Response::Json(200, CompletedBody(id), 0, 0, 5000));
  RunToEnd();
  EXPECT_EQ(transport_.transfers().size(), 2u);
  EXPECT_LE(report_.steps[0].duration_ms, 1000.0)
      << "the second poll started at 100 ms and was allowed to run to 5100 ms: GetFetch::start "
         "gives every GET a fixed 30 s transfer timeout, poll_once does not bound it by the "
         "poll's deadline";
  EXPECT_EQ(errors("timeout"), 1u);
}

TEST_F(VirtualUserTest, PollStopsAtAnHttpError) {
  Step& s = AddStep(Step::Kind::kPoll, "story");
  s.interval_ms = 50;
  s.expect.status = 503;
  const std::string id = "story.u1";
  transport_.script(GetUrl(id), Response::Json(200, Body(Snapshot(id, State::kRunning))));
  Response unavailable = Response::Json(503, google_error_json(503, "overloaded"));
  unavailable.retry_after = "1";
  transport_.script(GetUrl(id), unavailable);
  RunToEnd();
  EXPECT_EQ(transport_.transfers().size(), 2u);
  EXPECT_FALSE(observed_[0].timed_out);
  EXPECT_THAT(counters().errors, IsEmpty()) << "503 was expected";
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
}

// ---- chain ------------------------------------------------------------------------------------

TEST_F(VirtualUserTest, ChainWalksPreviousInteractionIdToTheRoot) {
  Step& s = AddStep(Step::Kind::kChain, "turn3");
  s.expect.status = 200;
  s.expect.chain_length = 3;
  transport_.script(
      GetUrl("turn3.u1"),
      Response::Json(200, Body(Snapshot("turn3.u1", State::kCompleted, "c", 5, "turn2.u1")), 0, 1,
                     2));
  transport_.script(
      GetUrl("turn2.u1"),
      Response::Json(200, Body(Snapshot("turn2.u1", State::kCompleted, "b", 5, "turn1.u1")), 0, 1,
                     2));
  transport_.script(
      GetUrl("turn1.u1"),
      Response::Json(200, Body(Snapshot("turn1.u1", State::kCompleted, "a", 5)), 0, 1, 2));
  RunToEnd();
  EXPECT_THAT(transport_.urls(),
              ElementsAre(GetUrl("turn3.u1"), GetUrl("turn2.u1"), GetUrl("turn1.u1")));
  ASSERT_EQ(observed_.size(), 1u);
  EXPECT_EQ(observed_[0].gets.size(), 3u);
  const StepReport& r = report_.steps[0];
  EXPECT_EQ(r.kind, "chain");
  EXPECT_EQ(r.interaction, "turn3.u1");
  EXPECT_DOUBLE_EQ(r.duration_ms, 6.0);
  EXPECT_TRUE(r.passed()) << DescribeFailures(r);
  EXPECT_THAT(Names(r.checks, false), Contains("chain.reaches_root"));
  EXPECT_THAT(Names(r.checks, false), Contains("expect.chain_length"));
  const std::optional<Histogram> latency = Hist("chain", "latency");
  ASSERT_TRUE(latency.has_value());
  EXPECT_EQ(latency->count(), 3);
}

TEST_F(VirtualUserTest, ChainStopsAtACycle) {
  AddStep(Step::Kind::kChain, "a");
  AddStep(Step::Kind::kChain, "self");
  transport_.script(GetUrl("a.u1"),
                    Response::Json(200, Body(Snapshot("a.u1", State::kCompleted, "", 0, "b.u1"))));
  transport_.script(GetUrl("b.u1"),
                    Response::Json(200, Body(Snapshot("b.u1", State::kCompleted, "", 0, "a.u1"))));
  transport_.script(
      GetUrl("self.u1"),
      Response::Json(200, Body(Snapshot("self.u1", State::kCompleted, "", 0, "self.u1"))));
  RunToEnd();
  EXPECT_THAT(transport_.urls(), ElementsAre(GetUrl("a.u1"), GetUrl("b.u1"), GetUrl("self.u1")));
  ASSERT_EQ(observed_.size(), 2u);
  EXPECT_EQ(observed_[0].gets.size(), 2u);
  EXPECT_EQ(observed_[1].gets.size(), 1u);
  for (const StepReport& r : report_.steps) {
    ASSERT_THAT(Names(r.checks, true), ElementsAre("chain.reaches_root"));
    const CheckRecord* c = FindCheck(r, "chain.reaches_root");
    ASSERT_NE(c, nullptr);
    EXPECT_THAT(c->actual, HasSubstr("cycle"));
  }
}

// ---- wait, failures, errors, order --------------------------------------------------------------

TEST_F(VirtualUserTest, WaitStepWaitsExactlyWaitMs) {
  AddWait(250);
  AddStep(Step::Kind::kGet, "story");
  transport_.script(GetUrl("story.u1"), Response::Json(200, CompletedBody("story.u1")));
  Start();
  transport_.advance_ms(249);
  EXPECT_TRUE(transport_.transfers().empty());
  EXPECT_TRUE(report_.steps.empty());
  transport_.advance_ms(1);
  ASSERT_EQ(transport_.transfers().size(), 1u);
  EXPECT_EQ(transport_.transfers()[0].start_ns, At(250));
  ASSERT_TRUE(transport_.run_until_idle());
  ASSERT_TRUE(user_->finished());
  ASSERT_EQ(report_.steps.size(), 2u);
  const StepReport& w = report_.steps[0];
  EXPECT_EQ(w.kind, "wait");
  EXPECT_EQ(w.interaction, "");
  EXPECT_DOUBLE_EQ(w.duration_ms, 250.0);
  EXPECT_THAT(w.checks, IsEmpty());
  EXPECT_EQ(observed_.size(), 1u) << "a wait is not judged";
  EXPECT_EQ(counters().requests, 1u);
}

TEST_F(VirtualUserTest, FailingStepDoesNotStopTheNextStep) {
  AddStep(Step::Kind::kGet, "broken").expect.status = 200;
  AddStep(Step::Kind::kGet, "down").expect.status = 200;
  AddStep(Step::Kind::kGet, "story").expect.status = 200;
  transport_.script(
      GetUrl("broken.u1"),
      Response::Json(500, google_error_json(500, "Internal error encountered."), 0, 1, 2));
  transport_.script(GetUrl("down.u1"), Response::ConnectError(3));
  transport_.script(GetUrl("story.u1"), Response::Json(200, CompletedBody("story.u1")));
  RunToEnd();

  EXPECT_THAT(transport_.urls(),
              ElementsAre(GetUrl("broken.u1"), GetUrl("down.u1"), GetUrl("story.u1")));
  EXPECT_EQ(transport_.transfers()[1].start_ns, At(2));
  EXPECT_EQ(transport_.transfers()[2].start_ns, At(5));
  EXPECT_FALSE(report_.steps[0].passed());
  EXPECT_THAT(Names(report_.steps[0].checks, true), ElementsAre("expect.status"));
  EXPECT_THAT(Names(report_.steps[0].checks, false), Contains("error.body"));
  EXPECT_FALSE(report_.steps[1].passed());
  EXPECT_TRUE(report_.steps[2].passed()) << DescribeFailures(report_.steps[2]);
  EXPECT_EQ(errors("http_status"), 1u);
  EXPECT_EQ(errors("connect"), 1u);
  EXPECT_EQ(errors("check_failed"), 2u);
  ASSERT_EQ(observed_.size(), 3u);
  ASSERT_TRUE(observed_[0].gets[0].error.has_value());
  EXPECT_EQ(observed_[0].gets[0].error->status, "INTERNAL");
  EXPECT_EQ(observed_[1].gets[0].http.status, 0);
  EXPECT_EQ(observed_[1].gets[0].http.error, ErrorClass::kConnect);
  const std::optional<Histogram> latency = Hist("get", "latency");
  ASSERT_TRUE(latency.has_value());
  EXPECT_EQ(latency->count(), 2) << "a request without a response records no latency";
}

TEST_F(VirtualUserTest, ErrorsAreCountedByClass) {
  AddStep(Step::Kind::kGet, "refused");
  AddStep(Step::Kind::kGet, "slow");
  AddStep(Step::Kind::kGet, "busy").expect.status = 503;
  AddStep(Step::Kind::kGet, "limited");
  AddStep(Step::Kind::kStream, "cut");
  AddStep(Step::Kind::kStream, "huge");
  Step& denied = AddStep(Step::Kind::kStream, "denied");
  denied.expect.status = 401;
  denied.expect.error_status = "UNAUTHENTICATED";

  transport_.script(GetUrl("refused.u1"), Response::ConnectError(1));
  // Never answers within the GET's 30 s transfer timeout.
  transport_.script(GetUrl("slow.u1"), Response::Json(200, CompletedBody("slow.u1"), 0, 0, 40'000));
  transport_.script(GetUrl("busy.u1"), Response::Json(503, google_error_json(503, "overloaded")));
  transport_.script(GetUrl("limited.u1"),
                    Response::Json(429, google_error_json(429, "quota exhausted")));
  const std::string cut = Frames("cut.u1", {1, 2, 3});
  Response broken = Response::Sse({{5, cut.substr(0, cut.size() - 20)}}, 10);
  broken.error = ErrorClass::kProtocol;
  transport_.script(StreamUrl("cut.u1"), broken);
  // One SSE line of more than the parser's 1 MiB limit, arriving in two slices.
  const std::string half(600 * 1024, 'x');
  transport_.script(
      StreamUrl("huge.u1"),
      Response::Sse({{5, "event: interaction.text_delta\ndata: " + half}, {6, half}, {7, "\n\n"}},
                    std::nullopt));
  Response unauthenticated = Response::Json(401, google_error_json(401, "API key not valid."));
  transport_.script(StreamUrl("denied.u1"), unauthenticated);
  RunToEnd();

  std::map<std::string, std::uint64_t> by_class = counters().errors;
  by_class.erase("check_failed");
  const std::map<std::string, std::uint64_t> expected = {
      {"connect", 1}, {"timeout", 1}, {"http_status", 1}, {"protocol", 1}, {"sse_parse", 1}};
  EXPECT_EQ(by_class, expected);
  EXPECT_EQ(counters().requests, 7u) << "no GET after a stream that did not end";

  const fake::TransferRecord& slow = transport_.transfers()[1];
  EXPECT_EQ(slow.result.error, ErrorClass::kTimeout);
  EXPECT_EQ(slow.end_ns, At(1 + 30'000));
  const fake::TransferRecord& huge = transport_.transfers()[5];
  EXPECT_TRUE(huge.aborted) << "the parser's error stops reading";
  EXPECT_EQ(huge.body_calls, 2u);
  ASSERT_EQ(observed_.size(), 7u);
  ASSERT_TRUE(observed_[5].stream.has_value());
  EXPECT_EQ(observed_[5].stream->sse_error, SseError::kLineTooLong);
  EXPECT_EQ(observed_[5].stream->http.error, ErrorClass::kSseParse);
  EXPECT_THAT(Names(report_.steps[5].checks, true), Contains("stream.sse"));
  ASSERT_TRUE(observed_[6].stream.has_value());
  EXPECT_EQ(observed_[6].stream->http.status, 401);
  ASSERT_TRUE(observed_[6].stream->error.has_value());
  EXPECT_EQ(observed_[6].stream->error->status, "UNAUTHENTICATED");
  EXPECT_TRUE(report_.steps[2].passed()) << DescribeFailures(report_.steps[2]);
  EXPECT_TRUE(report_.steps[6].passed()) << DescribeFailures(report_.steps[6]);
}

TEST_F(VirtualUserTest, StepsRunStrictlyInOrderAndEachIsReported) {
  AddStep(Step::Kind::kGet, "a");
  AddWait(50);
  AddStep(Step::Kind::kStream, "b");
  Step& poll = AddStep(Step::Kind::kPoll, "c");
  poll.interval_ms = 10;
  AddStep(Step::Kind::kChain, "d");
  AddStep(Step::Kind::kGet, "e").expect.status = 404;

  transport_.script(GetUrl("a.u1"), Response::Json(200, CompletedBody("a.u1"), 1, 2, 3));
  transport_.script(
      StreamUrl("b.u1"),
      Response::Sse({{2, Frames("b.u1", {1, 2, 3})}, {7, Frames("b.u1", {4, 5, 6})}}, 9));
  transport_.script(GetUrl("b.u1"), Response::Json(200, CompletedBody("b.u1"), 0, 1, 2));
  transport_.script(GetUrl("c.u1"),
                    Response::Json(200, Body(Snapshot("c.u1", State::kRunning)), 0, 1, 2));
  transport_.script(GetUrl("c.u1"), Response::Json(200, CompletedBody("c.u1"), 0, 1, 2));
  transport_.script(GetUrl("d.u1"), Response::Json(200, CompletedBody("d.u1"), 0, 1, 2));
  transport_.script(GetUrl("e.u1"), Response::Json(404, google_error_json(404, "not found")));
  RunToEnd();

  EXPECT_THAT(transport_.urls(),
              ElementsAre(GetUrl("a.u1"), StreamUrl("b.u1"), GetUrl("b.u1"), GetUrl("c.u1"),
                          GetUrl("c.u1"), GetUrl("d.u1"), GetUrl("e.u1")));
  const auto& t = transport_.transfers();
  for (std::size_t i = 1; i < t.size(); ++i) {
    EXPECT_GE(t[i].start_ns, t[i - 1].end_ns) << t[i].spec.url << " overlapped its predecessor";
  }
  // a: 0-3; wait: 3-53; b: 53-62 and its GET 62-64; c: 64-66, 76-78; d: 78-80; e: 80.
  std::vector<std::int64_t> starts;
  for (const fake::TransferRecord& x : t) starts.push_back(x.start_ns);
  EXPECT_THAT(starts, ElementsAre(At(0), At(53), At(62), At(64), At(76), At(78), At(80)));

  const std::vector<std::string> kinds = {"get", "wait", "stream", "poll", "chain", "get"};
  const std::vector<std::string> instances = {"a.u1", "", "b.u1", "c.u1", "d.u1", "e.u1"};
  const std::vector<double> durations = {3, 50, 11, 14, 2, 0};
  for (std::size_t i = 0; i < report_.steps.size(); ++i) {
    const StepReport& r = report_.steps[i];
    EXPECT_EQ(r.index, i);
    EXPECT_EQ(r.kind, kinds[i]);
    EXPECT_EQ(r.interaction, instances[i]);
    EXPECT_EQ(r.pointer, "/steps/" + std::to_string(i));
    EXPECT_DOUBLE_EQ(r.duration_ms, durations[i]) << i;
    EXPECT_TRUE(r.passed()) << i << DescribeFailures(r);
  }
  EXPECT_THAT(counters().errors, IsEmpty());
  EXPECT_EQ(counters().requests, 7u);
  EXPECT_EQ(counters().checks_passed, CheckRecords());
  ASSERT_EQ(observed_.size(), 5u);
  EXPECT_THAT(Names(report_.steps[5].checks, false), Not(Contains("schema.interaction")));
}

}  // namespace
}  // namespace ixh
