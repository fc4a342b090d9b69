// The stream step's resume keys: resume policy, timeouts, interrupt and the drill expectations.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/errors.h"
#include "core/scenario_loader.h"

namespace ixh {
namespace {

const std::string kFixtures = std::string(IXH_SOURCE_DIR) + "/tests/testdata/scenarios/";

void ExpectRejected(std::string_view fixture, std::string_view pointer, std::string_view expected) {
  SCOPED_TRACE(std::string(fixture));
  try {
    load_scenario_file(kFixtures + std::string(fixture));
    ADD_FAILURE() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer(), pointer);
    EXPECT_EQ(e.expected(), expected);
  }
}

TEST(ScenarioResumeTest, LoadsEveryResumeKey) {
  const Scenario s = load_scenario_file(kFixtures + "good/resume.json");
  ASSERT_EQ(s.steps.size(), 4u);
  const Step& a = s.steps[0];
  EXPECT_EQ(a.timeout_ms, 10000);
  EXPECT_EQ(a.first_event_timeout_ms, 2000);
  EXPECT_EQ(a.idle_timeout_ms, 1000);
  ASSERT_TRUE(a.resume);
  EXPECT_EQ(a.resume->max_attempts, 3);
  EXPECT_EQ(a.resume->via, ResumePolicy::Via::kHeader);
  EXPECT_EQ(a.resume->backoff.kind, BackoffSpec::Kind::kExponential);
  EXPECT_EQ(a.resume->backoff.initial_ms, 10);
  EXPECT_EQ(a.resume->backoff.max_ms, 200);
  EXPECT_DOUBLE_EQ(a.resume->backoff.multiplier, 2.5);
  EXPECT_DOUBLE_EQ(a.resume->backoff.jitter, 0.5);
  EXPECT_EQ(a.expect.resumes_min, 1);
  EXPECT_EQ(a.expect.resumes_max, 1);
  ASSERT_TRUE(a.expect.breaks);
  EXPECT_EQ(*a.expect.breaks, std::vector<std::string>{"cut"});
  EXPECT_EQ(a.expect.recovered, true);
  EXPECT_FALSE(a.interrupt);

  const Step& b = s.steps[1];
  ASSERT_TRUE(b.resume);
  EXPECT_EQ(b.resume->max_attempts, 3);  // default
  EXPECT_EQ(b.resume->via, ResumePolicy::Via::kQuery);
  EXPECT_EQ(b.resume->backoff.kind, BackoffSpec::Kind::kConstant);
  EXPECT_EQ(b.resume->backoff.initial_ms, 0);
  ASSERT_TRUE(b.interrupt);
  EXPECT_EQ(b.interrupt->after_events, 1);
  EXPECT_FALSE(b.interrupt->after_ms);
  EXPECT_EQ(b.interrupt->attempts, (std::vector<int>{1, 2}));
  EXPECT_EQ(b.expect.resumes_min, 1);
  EXPECT_EQ(b.expect.resumes_max, 3);

  const Step& c = s.steps[2];
  EXPECT_EQ(c.resume->max_attempts, 0);
  ASSERT_TRUE(c.interrupt);
  EXPECT_EQ(c.interrupt->after_ms, 50);
  EXPECT_EQ(c.interrupt->attempts, std::vector<int>{1});  // default: the first request
  EXPECT_FALSE(c.expect.resumes_min);
  EXPECT_EQ(c.expect.resumes_max, 0);
  EXPECT_EQ(c.expect.recovered, false);
  EXPECT_EQ(c.expect.breaks, std::vector<std::string>{});

  const Step& d = s.steps[3];
  ASSERT_TRUE(d.resume);
  EXPECT_EQ(d.resume->backoff.kind, BackoffSpec::Kind::kExponential);
  EXPECT_EQ(d.resume->backoff.initial_ms, 100);
  EXPECT_EQ(d.resume->backoff.max_ms, 5000);
  EXPECT_DOUBLE_EQ(d.resume->backoff.multiplier, 2.0);
  EXPECT_DOUBLE_EQ(d.resume->backoff.jitter, 0.0);
  EXPECT_EQ(d.first_event_timeout_ms, 0);
  EXPECT_EQ(d.idle_timeout_ms, 0);
}

TEST(ScenarioResumeTest, StepWithoutResumeKeysHasNoPolicy) {
  const Scenario s = parse_scenario_text(
      R"({"interactions": {"t": {"timeline": [{"after_ms": 0, "state": "COMPLETED"}]}},
          "steps": [{"stream": "t"}]})",
      "inline");
  EXPECT_FALSE(s.steps[0].resume);
  EXPECT_FALSE(s.steps[0].interrupt);
  EXPECT_FALSE(s.steps[0].expect.breaks);
}

TEST(ScenarioResumeTest, RejectsBadResumePolicies) {
  ExpectRejected("bad/resume_max_attempts_negative.json", "/steps/0/resume/max_attempts",
                 "an integer from 0 to 1000");
  ExpectRejected("bad/resume_via_unknown.json", "/steps/0/resume/via",
                 "one of \"query\", \"header\"");
  ExpectRejected("bad/resume_unknown_key.json", "/steps/0/resume/retries",
                 "one of the keys \"max_attempts\", \"backoff\", \"via\" (the keys of a resume "
                 "policy)");
  ExpectRejected("bad/resume_not_object.json", "/steps/0/resume", "an object");
  ExpectRejected("bad/backoff_kind_unknown.json", "/steps/0/resume/backoff/kind",
                 "one of \"constant\", \"exponential\"");
  ExpectRejected("bad/backoff_jitter_above_one.json", "/steps/0/resume/backoff/jitter",
                 "a number from 0 to 1");
  ExpectRejected("bad/backoff_multiplier_below_one.json", "/steps/0/resume/backoff/multiplier",
                 "a number from 1 to 100");
  ExpectRejected("bad_loader_only/backoff_max_below_initial.json", "/steps/0/resume/backoff/max_ms",
                 "an integer from 500 to 86400000 (max_ms is at least initial_ms)");
  ExpectRejected("bad/resume_on_get.json", "/steps/0/resume",
                 "one of the keys \"get\", \"include_input\", \"expect\" (the keys of a \"get\" "
                 "step)");
}

TEST(ScenarioResumeTest, RejectsBadInterrupts) {
  ExpectRejected("bad/interrupt_two_triggers.json", "/steps/0/interrupt",
                 "exactly one of the keys \"after_events\", \"after_ms\"");
  ExpectRejected("bad/interrupt_no_trigger.json", "/steps/0/interrupt",
                 "exactly one of the keys \"after_events\", \"after_ms\"");
  ExpectRejected("bad/interrupt_after_events_zero.json", "/steps/0/interrupt/after_events",
                 "an integer from 1 to 9007199254740991");
  ExpectRejected("bad/interrupt_attempts_empty.json", "/steps/0/interrupt/attempts",
                 "a non-empty array of attempt numbers");
  ExpectRejected("bad/interrupt_without_resume.json", "/steps/0/interrupt",
                 "a \"resume\" policy beside it (an interrupted stream resumes)");
}

TEST(ScenarioResumeTest, RejectsBadTimeouts) {
  ExpectRejected("bad/first_event_timeout_zero.json", "/steps/0/first_event_timeout_ms",
                 "an integer from 1 to 86400000");
  ExpectRejected("bad/idle_timeout_not_integer.json", "/steps/0/idle_timeout_ms",
                 "an integer from 1 to 86400000");
}

TEST(ScenarioResumeTest, RejectsBadDrillExpectations) {
  ExpectRejected("bad/expect_breaks_unknown_kind.json", "/steps/0/expect/breaks/0",
                 "one of \"connect\", \"reset\", \"cut\", \"first_event_timeout\", "
                 "\"idle_timeout\", \"timeout\", \"malformed_chunk\", \"protocol\", "
                 "\"sse_parse\", \"http_status\", \"interrupt\"");
  ExpectRejected("bad/expect_breaks_not_array.json", "/steps/0/expect/breaks",
                 "an array of break kinds");
  ExpectRejected("bad/expect_resumes_negative.json", "/steps/0/expect/resumes",
                 "an integer from 0 to 1000 or an object {\"min\", \"max\"}");
  ExpectRejected("bad/expect_resumes_unknown_key.json", "/steps/0/expect/resumes/least",
                 "one of the keys \"min\", \"max\" (bounds of expect.resumes)");
  ExpectRejected("bad/expect_resumes_empty_object.json", "/steps/0/expect/resumes",
                 "an object with \"min\", \"max\" or both");
  ExpectRejected("bad_loader_only/expect_resumes_max_below_min.json", "/steps/0/expect/resumes/max",
                 "an integer from 3 to 1000 (max is at least min)");
  ExpectRejected("bad/expect_recovered_not_bool.json", "/steps/0/expect/recovered",
                 "true or false");
  ExpectRejected("bad/expect_resumes_without_resume.json", "/steps/0/expect/resumes",
                 "a \"resume\" policy on the step (expect.resumes judges resumption)");
  ExpectRejected("bad/expect_breaks_without_resume.json", "/steps/0/expect/breaks",
                 "a \"resume\" policy on the step (expect.breaks judges resumption)");
  ExpectRejected("bad/expect_recovered_without_resume.json", "/steps/0/expect/recovered",
                 "a \"resume\" policy on the step (expect.recovered judges resumption)");
}

}  // namespace
}  // namespace ixh
