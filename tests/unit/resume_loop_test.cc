// The stream step's resume loop (harness/stream_session.h through harness/virtual_user.h) on a
// scripted FakeTransport and FakeClock: backoff, retry: and Retry-After, max_attempts, query vs
// header, interruption, timeouts, and the proof that the union of the attempts is the whole log.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/interaction.h"
#include "core/scenario.h"
#include "core/seed_dialect.h"
#include "harness/check.h"
#include "harness/checks.h"
#include "harness/metrics.h"
#include "harness/observation.h"
#include "harness/stream_break.h"
#include "harness/target.h"
#include "harness/virtual_user.h"
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kT0 = 1'000'000'000'000;
constexpr std::int64_t kCreate = 1'795'000'000'000;
const Target kTarget{"http://fake.test", "v1beta"};
const std::string kId = "story.u1";

constexpr std::int64_t At(std::int64_t ms) { return kT0 + ms * 1'000'000; }

std::string GetUrl() { return interaction_url(kTarget, kId, false, false, std::nullopt); }
std::string StreamUrl(std::optional<std::string> after = std::nullopt) {
  return interaction_url(kTarget, kId, true, false, after);
}

Interaction Snapshot(State state, std::string text, std::int64_t after_ms) {
  Interaction s;
  s.id = kId;
  s.model = "ixh-mock-1";
  s.candidates = {std::move(text)};
  s.state = state;
  s.create_time_ms = kCreate;
  s.update_time_ms = kCreate + after_ms;
  if (is_terminal(state)) s.usage = Usage{4, 3, 7};
  return s;
}

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

// SSE frames of the story's events first..last (1-based, inclusive).
std::string Frames(int first, int last) {
  const std::vector<Event> log = StoryLog();
  std::string out;
  for (int n = first; n <= last; ++n) {
    const Event& e = log[static_cast<std::size_t>(n - 1)];
    std::string text;
    for (const Event& x : log) {
      if (x.kind == EventKind::kTextDelta && x.at_ms <= e.at_ms) text += x.text;
    }
    append_seed_event(out, e, Snapshot(e.state, text, e.at_ms));
  }
  return out;
}

std::string CompletedBody() {
  return encode_seed_interaction(Snapshot(State::kCompleted, "Once upon a time", 40));
}

// A stream that delivers `bytes` at 1 ms and then breaks (curl: transfer closed early) at 2 ms.
Response CutAfter(std::string bytes) {
  Response r = Response::Sse({{1, std::move(bytes)}}, 2);
  r.error = ErrorClass::kProtocol;
  r.curl_error = "transfer closed with outstanding read data remaining";
  return r;
}
Response Whole(std::string bytes) { return Response::Sse({{1, std::move(bytes)}}, 2); }

std::vector<std::string> Kinds(const std::vector<StreamBreak>& breaks) {
  std::vector<std::string> out;
  for (const StreamBreak& b : breaks) out.emplace_back(to_string(b.kind));
  return out;
}

class ResumeLoopTest : public ::testing::Test {
 protected:
  ResumeLoopTest() {
    checks_ = protocol_checks();
    checks_.push_back(expectation_check());
    checks_.push_back(std::make_unique<RecordingCheck>(&observed_));
  }

  // A stream step with a resume policy: constant 100 ms backoff, 3 resumes, query.
  Step& AddStream() {
    Step s;
    s.kind = Step::Kind::kStream;
    s.interaction = "story";
    s.pointer = "/steps/" + std::to_string(steps_.size());
    s.timeout_ms = 60000;
    ResumePolicy p;
    p.max_attempts = 3;
    p.backoff.kind = BackoffSpec::Kind::kConstant;
    p.backoff.initial_ms = 100;
    s.resume = p;
    steps_.push_back(std::move(s));
    return steps_.back();
  }

  // The requests after a recovered stream: the GET and the reference stream from the start.
  void ScriptProof() {
    transport_.script(GetUrl(), Response::Json(200, CompletedBody()));
    transport_.script(StreamUrl(), Whole(Frames(1, 6)));
  }

  void RunToEnd() {
    user_ = std::make_unique<VirtualUser>(UserContext{transport_, kTarget, checks_, metrics_, 42},
                                          steps_, "u1", report_);
    user_->start([] {});
    ASSERT_TRUE(transport_.run_until_idle());
    ASSERT_TRUE(user_->finished());
    EXPECT_EQ(transport_.active_transfers(), 0u);
    EXPECT_EQ(transport_.pending_timers(), 0u);
    EXPECT_EQ(transport_.stale_cancels(), 0);
    EXPECT_THAT(transport_.unscripted(), IsEmpty());
    ASSERT_EQ(report_.steps.size(), steps_.size());
    ASSERT_EQ(observed_.size(), steps_.size());
  }

  // Start times of the stream requests (fake ns), in order.
  std::vector<std::int64_t> StreamStarts() const {
    std::vector<std::int64_t> out;
    for (const fake::TransferRecord& t : transport_.transfers()) {
      if (t.spec.stream) out.push_back(t.start_ns);
    }
    return out;
  }

  const Counters& counters() const { return metrics_.counters(); }
  std::uint64_t Count(const std::map<std::string, std::uint64_t>& m, const std::string& k) const {
    const auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
  }

  FakeTransport transport_{kT0};
  std::vector<std::unique_ptr<Check>> checks_;
  std::vector<StepObservation> observed_;
  Metrics metrics_;
  ScenarioReport report_;
  std::vector<Step> steps_;
  std::unique_ptr<VirtualUser> user_;
};

TEST_F(ResumeLoopTest, CutStreamResumesAfterTheLastEventAndProvesTheUnion) {
  Step& step = AddStream();
  step.expect.breaks = std::vector<std::string>{"cut"};
  step.expect.resumes_min = step.expect.resumes_max = 1;
  step.expect.recovered = true;
  step.expect.text = "Once upon a time";
  transport_.script(StreamUrl(), CutAfter(Frames(1, 3)));
  transport_.script(StreamUrl(event_id(3)), Whole(Frames(4, 6)));
  ScriptProof();
  RunToEnd();

  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  const StepObservation& o = observed_[0];
  EXPECT_THAT(Kinds(o.breaks), ElementsAre("cut"));
  EXPECT_EQ(o.breaks[0].after_event_id, event_id(3));
  EXPECT_EQ(o.breaks[0].events, 3u);
  EXPECT_EQ(o.breaks[0].curl_code, 18);
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_EQ(o.attempts[1].last_event_id, event_id(3));
  EXPECT_EQ(o.stream->events.size(), 6u);
  EXPECT_TRUE(o.recovered);
  const CheckRecord* u = FindCheck(report_.steps[0], kCheckResumeUnion);
  ASSERT_NE(u, nullptr);
  EXPECT_TRUE(u->passed);
  // The break came at 2 ms; the resume 100 ms later (its first event 1 ms after that); the
  // reference once the resume ended.
  EXPECT_THAT(StreamStarts(), ElementsAre(At(0), At(102), At(104)));
  // Only the reference read says what it is, so servers can tell it from the client's attempts.
  const auto& t = transport_.transfers();
  EXPECT_THAT(t.back().spec.headers, ::testing::Contains("X-Ixh-Purpose: reference"));
  EXPECT_THAT(t.front().spec.headers,
              ::testing::Not(::testing::Contains("X-Ixh-Purpose: reference")));
  EXPECT_EQ(counters().resumes_attempted, 1u);
  EXPECT_EQ(counters().resumes_succeeded, 1u);
  EXPECT_EQ(counters().events_lost, 0u);
  EXPECT_EQ(counters().events_duplicated, 0u);
  EXPECT_EQ(Count(counters().breaks, "cut"), 1u);
  EXPECT_EQ(Count(counters().errors, "protocol"), 1u);
  RunReport r;
  metrics_.merge_into(r);
  const Histogram& h = r.metrics["stream"]["resume_latency"];
  ASSERT_EQ(h.count(), 1);
  EXPECT_EQ(h.min(), 101'000);  // µs: broke at 2 ms, new event at 103 ms
}

TEST_F(ResumeLoopTest, ViaHeaderSendsLastEventIdAsAHeader) {
  Step& step = AddStream();
  step.resume->via = ResumePolicy::Via::kHeader;
  transport_.script(StreamUrl(), CutAfter(Frames(1, 2)));
  transport_.script(StreamUrl(), Whole(Frames(3, 6)));  // the resume: same URL, header set
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  std::vector<const fake::TransferRecord*> streams;
  for (const auto& t : transport_.transfers()) {
    if (t.spec.stream) streams.push_back(&t);
  }
  ASSERT_EQ(streams.size(), 3u);
  EXPECT_THAT(streams[1]->spec.headers, ::testing::Contains("Last-Event-ID: " + event_id(2)));
  EXPECT_THAT(streams[0]->spec.headers, ::testing::Not(::testing::Contains(HasSubstr("Last-"))));
  EXPECT_TRUE(observed_[0].attempts[1].last_event_id_in_header);
}

TEST_F(ResumeLoopTest, ViaQueryPutsLastEventIdInTheUrl) {
  AddStream();
  transport_.script(StreamUrl(), CutAfter(Frames(1, 2)));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_THAT(transport_.transfers()[1].spec.url, HasSubstr("last_event_id=" + event_id(2)));
  EXPECT_THAT(transport_.transfers()[1].spec.headers,
              ::testing::Not(::testing::Contains(HasSubstr("Last-Event-ID"))));
}

TEST_F(ResumeLoopTest, ExponentialBackoffGrowsBetweenFailedResumes) {
  Step& step = AddStream();
  step.resume->backoff = BackoffSpec{BackoffSpec::Kind::kExponential, 100, 1000, 3.0, 0.0};
  step.expect.breaks = std::vector<std::string>{"cut", "cut", "cut"};
  step.expect.resumes_min = step.expect.resumes_max = 3;
  transport_.script(StreamUrl(), CutAfter(Frames(1, 1)));
  transport_.script(StreamUrl(event_id(1)), CutAfter(""));
  transport_.script(StreamUrl(event_id(1)), CutAfter(""));
  transport_.script(StreamUrl(event_id(1)), Whole(Frames(2, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  // Breaks at 2, 104, 406 ms; waits 100, 300, 900 ms.
  EXPECT_THAT(StreamStarts(), ElementsAre(At(0), At(102), At(404), At(1306), At(1308)));
  // resume_latency runs from the first unrecovered break (2 ms) to the first new event.
  RunReport r;
  metrics_.merge_into(r);
  EXPECT_EQ(r.metrics["stream"]["resume_latency"].min(), 1305'000);
  EXPECT_EQ(counters().resumes_attempted, 3u);
  EXPECT_EQ(counters().resumes_succeeded, 1u);  // the two empty cuts delivered nothing
}

TEST_F(ResumeLoopTest, RetryFieldOfTheStreamRaisesTheDelay) {
  AddStream();
  transport_.script(StreamUrl(), CutAfter("retry: 700\n\n" + Frames(1, 2)));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_THAT(StreamStarts(), ElementsAre(At(0), At(702), At(704)));
}

TEST_F(ResumeLoopTest, RetryAfterOfAnErrorResponseRaisesTheDelay) {
  Step& step = AddStream();
  step.expect.breaks = std::vector<std::string>{"http_status"};
  Response busy = Response::Json(
      503, R"({"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}})", 0, 0, 1);
  busy.retry_after = "2";
  transport_.script(StreamUrl(), busy);
  transport_.script(StreamUrl(), Whole(Frames(1, 6)));  // nothing received: from the start
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_THAT(StreamStarts(), ElementsAre(At(0), At(2001), At(2003)));
  EXPECT_FALSE(observed_[0].attempts[1].last_event_id);
  EXPECT_EQ(Count(counters().errors, "http_status"), 1u);
  EXPECT_EQ(Count(counters().breaks, "http_status"), 1u);
}

TEST_F(ResumeLoopTest, ARetriedErrorResponseIsStillJudged) {
  AddStream();
  Response busy = Response::Json(503, "busy, try later");
  busy.content_type = "text/plain";
  transport_.script(StreamUrl(), busy);
  transport_.script(StreamUrl(), Whole(Frames(1, 6)));
  ScriptProof();
  RunToEnd();
  std::vector<std::string> failed;
  for (const CheckRecord& r : report_.steps[0].checks) {
    if (!r.passed) {
      failed.push_back(r.check);
      EXPECT_THAT(r.where, HasSubstr("(request 1 of 2)")) << r.check;
    }
  }
  EXPECT_THAT(failed, ElementsAre(std::string(kCheckContentType), std::string(kCheckErrorBody)));
  // The well-formed 503 of another test passes the same checks.
}

TEST_F(ResumeLoopTest, NotFoundIsNotRetried) {
  Step& step = AddStream();
  step.expect.breaks = std::vector<std::string>{"http_status"};
  step.expect.recovered = false;
  step.expect.status = 404;
  transport_.script(
      StreamUrl(),
      Response::Json(404, R"({"error":{"code":404,"message":"no","status":"NOT_FOUND"}})"));
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_EQ(observed_[0].resumes, 0);
  EXPECT_EQ(StreamStarts().size(), 1u);
  // The step asked for the 404: no error and no break in the counters.
  EXPECT_EQ(Count(counters().breaks, "http_status"), 0u);
  EXPECT_EQ(Count(counters().errors, "http_status"), 0u);
}

TEST_F(ResumeLoopTest, MaxAttemptsBoundsTheResumesAndTheStepReportsNoRecovery) {
  Step& step = AddStream();
  step.resume->max_attempts = 2;
  transport_.script_always(StreamUrl(), CutAfter(""));
  RunToEnd();
  const StepObservation& o = observed_[0];
  EXPECT_EQ(o.resumes, 2);
  EXPECT_EQ(o.attempts.size(), 3u);
  EXPECT_THAT(Kinds(o.breaks), ElementsAre("cut", "cut", "cut"));
  EXPECT_FALSE(o.recovered);
  // No expectation said that was fine: the union check fails.
  const CheckRecord* u = FindCheck(report_.steps[0], kCheckResumeUnion);
  ASSERT_NE(u, nullptr);
  EXPECT_FALSE(u->passed);
  EXPECT_THAT(u->actual, HasSubstr("never reached its terminal event (2 resumes)"));
  EXPECT_EQ(counters().resumes_attempted, 0u);  // nothing received: no last_event_id to send
  EXPECT_EQ(Count(counters().breaks, "cut"), 3u);
}

TEST_F(ResumeLoopTest, ADrillExpectingNoRecoveryPasses) {
  Step& step = AddStream();
  step.resume->max_attempts = 1;
  step.expect.breaks = std::vector<std::string>{"connect", "connect"};
  step.expect.recovered = false;
  step.expect.resumes_min = step.expect.resumes_max = 1;
  transport_.script_always(StreamUrl(), Response::ConnectError(5));
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_EQ(FindCheck(report_.steps[0], kCheckResumeUnion), nullptr);
  // The same outcome fails a drill that expected recovery.
  EXPECT_THAT(FindCheck(report_.steps[0], "expect.recovered")->actual,
              HasSubstr("no terminal event after 1 resume"));
}

TEST_F(ResumeLoopTest, ExpectationsFailWhenTheBreaksDiffer) {
  Step& step = AddStream();
  step.expect.breaks = std::vector<std::string>{"reset"};
  step.expect.resumes_min = 2;
  step.expect.resumes_max = 3;
  step.expect.recovered = false;
  transport_.script(StreamUrl(), CutAfter(Frames(1, 3)));
  transport_.script(StreamUrl(event_id(3)), Whole(Frames(4, 6)));
  ScriptProof();
  RunToEnd();
  const StepReport& r = report_.steps[0];
  const CheckRecord* b = FindCheck(r, "expect.breaks");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->passed);
  EXPECT_EQ(b->expected, "[reset]");
  EXPECT_THAT(b->actual, HasSubstr("[cut (attempt 1, after \"" + event_id(3) + "\""));
  EXPECT_FALSE(FindCheck(r, "expect.resumes")->passed);
  EXPECT_EQ(FindCheck(r, "expect.resumes")->expected, "from 2 to 3 resumes");
  EXPECT_FALSE(FindCheck(r, "expect.recovered")->passed);
}

TEST_F(ResumeLoopTest, InterruptAfterEventsAbortsAndResumesWithoutAnError) {
  Step& step = AddStream();
  step.interrupt = InterruptSpec{2, std::nullopt, {1}};
  step.expect.breaks = std::vector<std::string>{"interrupt"};
  step.expect.recovered = true;
  // The server would send everything; the client stops listening after two events.
  transport_.script(StreamUrl(), Whole(Frames(1, 6)));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  const StepObservation& o = observed_[0];
  EXPECT_EQ(o.attempts[0].events.size(), 2u);
  EXPECT_TRUE(transport_.transfers()[0].aborted);
  EXPECT_EQ(o.stream->events.size(), 6u);
  EXPECT_TRUE(counters().errors.empty() ||
              std::all_of(counters().errors.begin(), counters().errors.end(),
                          [](const auto& kv) { return kv.second == 0; }));
  EXPECT_EQ(Count(counters().breaks, "interrupt"), 1u);
  EXPECT_EQ(counters().resumes_succeeded, 1u);
}

TEST_F(ResumeLoopTest, InterruptAfterMsCancelsTheTransfer) {
  Step& step = AddStream();
  step.interrupt = InterruptSpec{std::nullopt, 50, {1}};
  transport_.script(StreamUrl(), Response::Sse({{1, Frames(1, 3)}, {80, Frames(4, 6)}}, 90));
  transport_.script(StreamUrl(event_id(3)), Whole(Frames(4, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_THAT(Kinds(observed_[0].breaks), ElementsAre("interrupt"));
  EXPECT_EQ(transport_.transfers()[0].end_ns, At(50));
  EXPECT_THAT(StreamStarts(), ElementsAre(At(0), At(150), At(152)));
}

TEST_F(ResumeLoopTest, IdleTimeoutCutsAStalledStreamAndResumes) {
  Step& step = AddStream();
  step.idle_timeout_ms = 500;
  step.expect.breaks = std::vector<std::string>{"idle_timeout"};
  // Two events, then silence that never ends.
  transport_.script(StreamUrl(), Response::Sse({{1, Frames(1, 2)}}, std::nullopt));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_EQ(transport_.transfers()[0].end_ns, At(501));
  EXPECT_EQ(Count(counters().errors, "timeout"), 1u);
  EXPECT_EQ(counters().events_lost, 0u);
}

TEST_F(ResumeLoopTest, HeartbeatsKeepAnIdleStreamAlive) {
  Step& step = AddStream();
  step.idle_timeout_ms = 500;
  step.expect.breaks = std::vector<std::string>{};
  transport_.script(StreamUrl(), Response::Sse({{1, Frames(1, 2)},
                                                {400, ": keep-alive\n\n"},
                                                {800, ": keep-alive\n\n"},
                                                {1200, Frames(3, 6)}},
                                               1201));
  transport_.script(GetUrl(), Response::Json(200, CompletedBody()));
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_EQ(observed_[0].attempts.size(), 1u);
  EXPECT_EQ(observed_[0].stream->comments, 2u);
}

TEST_F(ResumeLoopTest, FirstEventTimeoutBreaksASilentStream) {
  Step& step = AddStream();
  step.first_event_timeout_ms = 300;
  step.expect.breaks = std::vector<std::string>{"first_event_timeout"};
  transport_.script(StreamUrl(), Response::Sse({}, std::nullopt));
  transport_.script(StreamUrl(), Whole(Frames(1, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  EXPECT_EQ(transport_.transfers()[0].end_ns, At(300));
}

TEST_F(ResumeLoopTest, TheStepTimeoutBoundsTheWholeLoop) {
  Step& step = AddStream();
  step.timeout_ms = 1000;
  step.resume->max_attempts = 100;
  step.resume->backoff.initial_ms = 300;
  transport_.script_always(StreamUrl(), CutAfter(""));
  RunToEnd();
  // Requests at 0, 302, 604, 906; the next would start at 908 + 300 > 1000.
  EXPECT_THAT(StreamStarts(), ElementsAre(At(0), At(302), At(604), At(906)));
  EXPECT_TRUE(observed_[0].timed_out);
  EXPECT_EQ(observed_[0].resumes, 3);
}

TEST_F(ResumeLoopTest, WithoutAPolicyABreakEndsTheStep) {
  Step& step = AddStream();
  step.resume.reset();
  transport_.script(StreamUrl(), CutAfter(Frames(1, 3)));
  RunToEnd();
  EXPECT_EQ(observed_[0].attempts.size(), 1u);
  EXPECT_THAT(Kinds(observed_[0].breaks), ElementsAre("cut"));
  EXPECT_EQ(observed_[0].resumes, 0);
}

TEST_F(ResumeLoopTest, AnEventTheDialectRejectsIsABreakAndStaysOutOfTheUnion) {
  Step& step = AddStream();
  step.expect.breaks = std::vector<std::string>{"sse_parse"};
  transport_.script(
      StreamUrl(),
      Whole(Frames(1, 2) + "event: interaction.text_delta\nid: x\ndata: {nope\n\n" + Frames(3, 6)));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  EXPECT_TRUE(report_.steps[0].passed()) << DescribeFailures(report_.steps[0]);
  const StepObservation& o = observed_[0];
  ASSERT_TRUE(o.attempts[0].rejected_event);
  EXPECT_EQ(o.stream->events.size(), 6u);
  EXPECT_THAT(o.breaks[0].detail, HasSubstr("an event the dialect rejects"));
}

TEST_F(ResumeLoopTest, ABreaksDetailQuotesTheFieldNameARejectedEventCarries) {
  Step& step = AddStream();
  step.expect.breaks = std::vector<std::string>{"sse_parse"};
  std::string bad = Frames(3, 3);
  const std::size_t data = bad.find("data: {");
  ASSERT_NE(data, std::string::npos);
  bad.insert(data + 7, "\"x\\n" + std::string(200, 'y') + "\":1,");
  transport_.script(StreamUrl(), Whole(Frames(1, 2) + bad + Frames(3, 6)));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  const StepObservation& o = observed_[0];
  ASSERT_EQ(o.breaks.size(), 1u);
  EXPECT_EQ(o.breaks[0].detail.find('\n'), std::string::npos) << o.breaks[0].detail;
  EXPECT_THAT(o.breaks[0].detail,
              HasSubstr("an event the dialect rejects: \"/x\\n" + std::string(77, 'y') + "...\""));
}

TEST_F(ResumeLoopTest, ARejectedEventTheStepDidNotExpectFailsSchemaEvent) {
  AddStream();  // no expect.breaks: a conformance step that happens to resume
  transport_.script(
      StreamUrl(),
      Whole(Frames(1, 2) + "event: interaction.text_delta\nid: x\ndata: {nope\n\n" + Frames(3, 6)));
  transport_.script(StreamUrl(event_id(2)), Whole(Frames(3, 6)));
  ScriptProof();
  RunToEnd();
  bool flagged = false;
  for (const CheckRecord& r : report_.steps[0].checks) {
    if (r.check == kCheckSchemaEvent && !r.passed) {
      flagged = true;
      EXPECT_THAT(r.actual, HasSubstr("dropped; the stream was resumed"));
      EXPECT_THAT(r.where, HasSubstr("event after 2 events of GET"));
    }
  }
  EXPECT_TRUE(flagged);
  // The union itself is whole.
  EXPECT_TRUE(FindCheck(report_.steps[0], kCheckResumeUnion)->passed);
}

TEST_F(ResumeLoopTest, AServerRepeatingEventsOnResumeIsCaught) {
  AddStream();
  transport_.script(StreamUrl(), CutAfter(Frames(1, 3)));
  // A broken server: the resume starts at evt_000002 instead of after evt_000003.
  transport_.script(StreamUrl(event_id(3)), Whole(Frames(2, 6)));
  ScriptProof();
  RunToEnd();
  const CheckRecord* u = FindCheck(report_.steps[0], kCheckResumeUnion);
  ASSERT_NE(u, nullptr);
  EXPECT_FALSE(u->passed);
  EXPECT_THAT(u->actual, HasSubstr("2 duplicated"));
  EXPECT_EQ(counters().events_duplicated, 2u);
  EXPECT_EQ(counters().resumes_succeeded, 0u);
}

TEST_F(ResumeLoopTest, AServerSkippingEventsOnResumeIsCaught) {
  AddStream();
  transport_.script(StreamUrl(), CutAfter(Frames(1, 3)));
  transport_.script(StreamUrl(event_id(3)), Whole(Frames(5, 6)));
  ScriptProof();
  RunToEnd();
  const CheckRecord* u = FindCheck(report_.steps[0], kCheckResumeUnion);
  ASSERT_NE(u, nullptr);
  EXPECT_FALSE(u->passed);
  EXPECT_THAT(u->actual, HasSubstr("1 lost: \"" + event_id(4) + "\""));
  EXPECT_EQ(counters().events_lost, 1u);
  // The streamed text lacks " upon": the GET comparison fails too.
  const CheckRecord* t = FindCheck(report_.steps[0], kCheckTextMatchesGet);
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->passed);
}

// ---- classification --------------------------------------------------------------------------

ObservedStream Attempt(int status, ErrorClass error, int curl_code, std::string message) {
  ObservedStream s;
  s.http.status = status;
  s.http.error = error;
  s.http.curl_code = curl_code;
  s.http.curl_error = std::move(message);
  return s;
}

TEST(StreamBreakTest, ClassifiesCurlResults) {
  using E = ErrorClass;
  EXPECT_EQ(classify_break(Attempt(200, E::kProtocol, 18, "transfer closed"), false),
            BreakKind::kCut);
  EXPECT_EQ(classify_break(Attempt(200, E::kProtocol, 56, "Recv failure: Connection reset by peer"),
                           false),
            BreakKind::kReset);
  EXPECT_EQ(
      classify_break(Attempt(200, E::kProtocol, 56, "Malformed encoding found in chunked-encoding"),
                     false),
      BreakKind::kMalformedChunk);
  EXPECT_EQ(classify_break(Attempt(0, E::kProtocol, 52, "Empty reply from server"), false),
            BreakKind::kProtocol);
  EXPECT_EQ(classify_break(Attempt(0, E::kProtocol, 8, "Weird server reply"), false),
            BreakKind::kProtocol);
  EXPECT_EQ(
      classify_break(Attempt(0, E::kProtocol, 1, "Received HTTP/0.9 when not allowed"), false),
      BreakKind::kProtocol);
  EXPECT_EQ(classify_break(Attempt(0, E::kConnect, 7, "Failed to connect"), false),
            BreakKind::kConnect);
  EXPECT_EQ(classify_break(Attempt(503, E::kNone, 0, ""), false), BreakKind::kHttpStatus);
}

TEST(StreamBreakTest, ClassifiesWhatTheDriverStoppedItself) {
  for (const auto& [stop, kind] : std::vector<std::pair<StreamStop, BreakKind>>{
           {StreamStop::kDeadline, BreakKind::kTimeout},
           {StreamStop::kFirstEventTimeout, BreakKind::kFirstEventTimeout},
           {StreamStop::kIdleTimeout, BreakKind::kIdleTimeout},
           {StreamStop::kInterrupt, BreakKind::kInterrupt},
           {StreamStop::kSseParse, BreakKind::kSseParse}}) {
    ObservedStream s = Attempt(200, ErrorClass::kCancelled, 42, "cancelled");
    s.stop = stop;
    EXPECT_EQ(classify_break(s, false), kind);
  }
}

TEST(StreamBreakTest, ACleanEndIsABreakOnlyWithoutTheTerminalEvent) {
  ObservedStream s = Attempt(200, ErrorClass::kNone, 0, "");
  EXPECT_EQ(classify_break(s, false), BreakKind::kCut);
  EXPECT_EQ(classify_break(s, true), std::nullopt);  // resumed after the terminal event
  s.truncated = true;
  EXPECT_EQ(classify_break(s, true), BreakKind::kCut);
  ObservedEvent terminal;
  terminal.decoded.kind = EventKind::kTerminal;
  s.truncated = false;
  s.events.push_back(terminal);
  EXPECT_EQ(classify_break(s, false), std::nullopt);
}

TEST(StreamBreakTest, MapsBreaksToErrorClassesAndRetries) {
  EXPECT_EQ(error_class_of(BreakKind::kReset), ErrorClass::kProtocol);
  EXPECT_EQ(error_class_of(BreakKind::kMalformedChunk), ErrorClass::kProtocol);
  EXPECT_EQ(error_class_of(BreakKind::kIdleTimeout), ErrorClass::kTimeout);
  EXPECT_EQ(error_class_of(BreakKind::kInterrupt), ErrorClass::kNone);
  EXPECT_TRUE(resumable(BreakKind::kHttpStatus, 503));
  EXPECT_TRUE(resumable(BreakKind::kHttpStatus, 429));
  EXPECT_FALSE(resumable(BreakKind::kHttpStatus, 404));
  EXPECT_FALSE(resumable(BreakKind::kTimeout, 0));
  EXPECT_TRUE(resumable(BreakKind::kReset, 200));
}

TEST(StreamBreakTest, NamesMatchTheScenarioVocabulary) {
  EXPECT_EQ(to_string(BreakKind::kConnect), "connect");
  EXPECT_EQ(to_string(BreakKind::kFirstEventTimeout), "first_event_timeout");
  EXPECT_EQ(to_string(BreakKind::kInterrupt), "interrupt");
  EXPECT_EQ(std::size(kBreakKindNames), static_cast<std::size_t>(BreakKind::kInterrupt) + 1);
}

}  // namespace
}  // namespace ixh

namespace ixh {
namespace {

// ---- stream.resume_union on hand-built observations -------------------------------------------

ObservedEvent Ev(const std::string& id, EventKind kind = EventKind::kTextDelta,
                 std::string text = "x") {
  ObservedEvent e;
  e.decoded.id = id;
  e.decoded.kind = kind;
  e.decoded.text = std::move(text);
  e.decoded.state = kind == EventKind::kTerminal ? State::kCompleted : State::kRunning;
  e.decoded.state_valid = true;
  return e;
}

ObservedStream Stream(const EventLog& events) {
  ObservedStream s;
  s.http.status = 200;
  s.http.url = "http://fake.test/v1beta/interactions/x?stream=true";
  s.events = events;
  return s;
}

std::vector<CheckRecord> Union(const StepObservation& o) {
  std::vector<CheckRecord> out;
  for (const auto& c : protocol_checks()) {
    if (c->name() == kCheckResumeUnion) c->evaluate(o, out);
  }
  return out;
}

// Two requests whose union is `got`, judged against a reference a, b, c, d(terminal).
StepObservation Resumed(const EventLog& got) {
  StepObservation o;
  o.kind = Step::Kind::kStream;
  o.attempts = {Stream({got.front()}), Stream({})};
  o.stream = Stream(got);
  o.reference_stream = Stream({Ev("a"), Ev("b"), Ev("c"), Ev("d", EventKind::kTerminal, "")});
  o.recovered = std::any_of(got.begin(), got.end(), [](const ObservedEvent& e) {
    return e.decoded.kind == EventKind::kTerminal;
  });
  o.resumes = 1;
  return o;
}

TEST(ResumeUnionCheckTest, PassesWhenTheUnionIsTheWholeLog) {
  const auto r = Union(Resumed({Ev("a"), Ev("b"), Ev("c"), Ev("d", EventKind::kTerminal, "")}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].passed) << r[0].actual;
  EXPECT_EQ(r[0].actual, "the same 4 events in 2 requests");
}

TEST(ResumeUnionCheckTest, FindsAGap) {
  const auto r = Union(Resumed({Ev("a"), Ev("c"), Ev("d", EventKind::kTerminal, "")}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_EQ(r[0].actual, "1 lost: \"b\"");
}

TEST(ResumeUnionCheckTest, FindsADuplicate) {
  const auto r =
      Union(Resumed({Ev("a"), Ev("b"), Ev("b"), Ev("c"), Ev("d", EventKind::kTerminal, "")}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_EQ(r[0].actual, "1 duplicated: \"b\" (sent twice)");
}

TEST(ResumeUnionCheckTest, FindsADifferentEvent) {
  const auto r = Union(Resumed(
      {Ev("a"), Ev("b", EventKind::kTextDelta, "y"), Ev("c"), Ev("d", EventKind::kTerminal, "")}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_THAT(r[0].actual, HasSubstr("1 mismatched: \"b\": text \"y\", reference \"x\""));
}

TEST(ResumeUnionCheckTest, FailsWithoutRecoveryUnlessTheStepExpectsIt) {
  StepObservation o = Resumed({Ev("a"), Ev("b")});
  o.reference_stream.reset();
  auto r = Union(o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  Step step;
  step.kind = Step::Kind::kStream;
  step.resume = ResumePolicy{};
  step.expect.recovered = false;
  o.step = &step;
  EXPECT_TRUE(Union(o).empty());
}

TEST(ResumeUnionCheckTest, FailsWhenNoReferenceCouldBeRead) {
  StepObservation o = Resumed({Ev("a"), Ev("b"), Ev("c"), Ev("d", EventKind::kTerminal, "")});
  o.reference_stream->http.status = 503;
  const auto r = Union(o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_THAT(r[0].actual, HasSubstr("no complete reference stream"));
}

TEST(ResumeUnionCheckTest, JudgesNothingForASingleRequest) {
  StepObservation o = Resumed({Ev("a"), Ev("b"), Ev("c"), Ev("d", EventKind::kTerminal, "")});
  o.attempts.pop_back();
  EXPECT_TRUE(Union(o).empty());
}

}  // namespace
}  // namespace ixh
