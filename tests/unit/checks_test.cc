#include "harness/checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/error_body.h"
#include "core/seed_dialect.h"
#include "core/sse_parser.h"
#include "harness/check.h"
#include "harness/target.h"

namespace ixh {

void PrintTo(const CheckRecord& r, std::ostream* os) {
  *os << "{" << r.check << (r.passed ? " passed" : " FAILED") << " expected=" << r.expected
      << " actual=" << r.actual << " where=" << r.where << "}";
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Json = nlohmann::json;
using Records = std::vector<CheckRecord>;

constexpr std::int64_t kCreate = 1'795'000'000'000;  // 2026-11-18T11:06:40.000Z
constexpr std::int64_t kStartNs = 1'000'000;
const std::string kBase = "http://mock/v1beta/interactions/";
const std::string kGetWhere = "GET " + kBase + "story.u1";
const std::string kStreamWhere = "GET " + kBase + "story.u1?stream=true";

// ---- building observations --------------------------------------------------------------

// The story interaction as a GET shows it `after_ms` after creation.
Interaction Snapshot(State state, std::int64_t after_ms = 1234, std::string id = "story.u1") {
  Interaction s;
  s.id = std::move(id);
  s.model = "ixh-mock-1";
  s.candidates = {"Once upon a time", "Long ago"};
  s.state = state;
  s.create_time_ms = kCreate;
  s.update_time_ms = kCreate + after_ms;
  if (is_terminal(state)) s.usage = Usage{5, 7, 12};
  return s;
}

ObservedGet GetBody(std::string body, bool include_input = false,
                    const std::string& id = "story.u1", int status = 200) {
  ObservedGet g;
  g.http.url = kBase + id + (include_input ? "?include_input=true" : "");
  g.http.status = status;
  g.http.content_type = "application/json";
  g.http.body = std::move(body);
  g.http.start_ns = kStartNs;
  g.http.first_byte_ns = kStartNs + 3'000'000;
  g.http.end_ns = kStartNs + 5'000'000;
  g.include_input = include_input;
  if (status >= 200 && status < 300) {
    g.decoded = decode_seed_interaction(g.http.body);
  } else {
    g.error = decode_error_body(g.http.body, status);
  }
  return g;
}

// A GET of `s` as a conforming server answers it.
ObservedGet Get(Interaction s, bool include_input = false) {
  if (include_input) {
    s.input = "Tell me a story";
  } else {
    s.input.reset();
  }
  return GetBody(encode_seed_interaction(s), include_input, s.id);
}

// A GET of `s` whose JSON was changed after encoding.
template <class Mutate>
ObservedGet GetMutated(const Interaction& s, Mutate mutate, bool include_input = false) {
  Json j = seed_interaction_json(s);
  mutate(j);
  return GetBody(j.dump(), include_input, s.id);
}

ObservedGet ErrorGet(int status, std::string body) {
  return GetBody(std::move(body), false, "nope", status);
}

// PENDING, RUNNING, two deltas per candidate, COMPLETED: candidate 0 streams "Once upon a time"
// and candidate 1 "Long ago", as Snapshot(kCompleted) shows them.
std::vector<Event> StoryEvents() {
  return {
      {event_id(1), 0, EventKind::kStateChange, State::kPending, 0, ""},
      {event_id(2), 0, EventKind::kStateChange, State::kRunning, 0, ""},
      {event_id(3), 100, EventKind::kTextDelta, State::kRunning, 0, "Once "},
      {event_id(4), 200, EventKind::kTextDelta, State::kRunning, 1, "Long"},
      {event_id(5), 300, EventKind::kTextDelta, State::kRunning, 0, "upon a time"},
      {event_id(6), 400, EventKind::kTextDelta, State::kRunning, 1, " ago"},
      {event_id(7), 1234, EventKind::kTerminal, State::kCompleted, 0, ""},
  };
}

std::vector<Event> Slice(const std::vector<Event>& events, std::size_t from, std::size_t to) {
  return {events.begin() + static_cast<std::ptrdiff_t>(from),
          events.begin() + static_cast<std::ptrdiff_t>(to)};
}

// The SSE bytes the mock sends for `events`.
std::string Frames(const std::vector<Event>& events, bool include_input = false) {
  std::string out;
  for (const Event& e : events) {
    Interaction s = Snapshot(e.state, e.at_ms);
    if (include_input) s.input = "Tell me a story";
    append_seed_event(out, e, s);
  }
  return out;
}

// What the driver would record for a stream body, each event 2 ms after the previous one.
ObservedStream StreamOf(std::string_view bytes, bool include_input = false,
                        std::optional<std::string> last_event_id = std::nullopt,
                        SseLimits limits = {}) {
  ObservedStream s;
  s.http.url = kBase + "story.u1?stream=true";
  if (include_input) s.http.url += "&include_input=true";
  if (last_event_id) s.http.url += "&last_event_id=" + *last_event_id;
  s.http.status = 200;
  s.http.content_type = "text/event-stream";
  s.http.start_ns = kStartNs;
  s.include_input = include_input;
  s.last_event_id = std::move(last_event_id);
  SseParser parser(limits);
  std::int64_t at = kStartNs;
  parser.feed(bytes, [&](const SseEvent& raw) {
    at += 2'000'000;
    s.events.push_back({raw, at, decode_seed_event(raw)});
  });
  s.truncated = parser.finish();
  s.sse_error = parser.error();
  s.sse_error_message = parser.error_message();
  s.http.end_ns = at + 1'000'000;
  s.http.bytes = bytes.size();
  return s;
}

ObservedStream StoryStream(bool include_input = false) {
  return StreamOf(Frames(StoryEvents(), include_input), include_input);
}

StepObservation GetStep(ObservedGet g, const Step* step = nullptr) {
  StepObservation o;
  o.step = step;
  o.kind = Step::Kind::kGet;
  o.interaction_id = "story.u1";
  o.gets.push_back(std::move(g));
  return o;
}

StepObservation PollStep(std::vector<ObservedGet> gets, const Step* step = nullptr) {
  StepObservation o;
  o.step = step;
  o.kind = Step::Kind::kPoll;
  o.interaction_id = "story.u1";
  o.gets = std::move(gets);
  return o;
}

StepObservation StreamStep(ObservedStream s, std::optional<ObservedGet> final_get = std::nullopt,
                           std::optional<ObservedStream> reference = std::nullopt,
                           const Step* step = nullptr) {
  StepObservation o;
  o.step = step;
  o.kind = Step::Kind::kStream;
  o.interaction_id = "story.u1";
  o.stream = std::move(s);
  if (final_get) o.final_get = std::move(*final_get);
  if (reference) o.reference_stream = std::move(*reference);
  return o;
}

// A resume after `after` (1-based event number) of the story, with the whole story as
// reference and a completed GET after it.
StepObservation ResumeStep(const std::string& resumed_bytes, std::size_t after) {
  return StreamStep(StreamOf(resumed_bytes, false, event_id(after)),
                    Get(Snapshot(State::kCompleted)), StoryStream());
}

ObservedGet Hop(const std::string& id, std::optional<std::string> previous) {
  Interaction s = Snapshot(State::kCompleted, 1234, id);
  s.previous_interaction_id = std::move(previous);
  return Get(s);
}

StepObservation ChainStep(std::vector<ObservedGet> hops, const Step* step = nullptr) {
  StepObservation o;
  o.step = step;
  o.kind = Step::Kind::kChain;
  o.interaction_id = hops.empty() ? "" : hops.front().decoded->value.id;
  o.gets = std::move(hops);
  return o;
}

// ---- running checks ---------------------------------------------------------------------

Records RunProtocol(const StepObservation& o) {
  Records out;
  for (const auto& check : protocol_checks()) check->evaluate(o, out);
  return out;
}

Records Named(const Records& records, std::string_view check) {
  Records out;
  for (const CheckRecord& r : records) {
    if (r.check == check) out.push_back(r);
  }
  return out;
}

// Every record of `check` passed, and there was at least one.
void ExpectPasses(const StepObservation& o, std::string_view check) {
  const Records records = Named(RunProtocol(o), check);
  EXPECT_FALSE(records.empty()) << check << " judged nothing";
  for (const CheckRecord& r : records) {
    EXPECT_TRUE(r.passed) << ::testing::PrintToString(r);
    EXPECT_FALSE(r.expected.empty());
    EXPECT_FALSE(r.actual.empty());
    EXPECT_FALSE(r.where.empty());
  }
}

// The one failing record of `check`.
CheckRecord Failure(const StepObservation& o, std::string_view check) {
  const Records all = RunProtocol(o);
  Records failed;
  for (const CheckRecord& r : Named(all, check)) {
    if (!r.passed) failed.push_back(r);
  }
  EXPECT_EQ(failed.size(), 1u) << check << ": " << ::testing::PrintToString(Named(all, check));
  if (failed.empty()) return {};
  EXPECT_EQ(failed[0].check, check);
  return failed[0];
}

// ---- a conforming step passes everything ------------------------------------------------

TEST(ChecksTest, ProtocolChecksHaveTheirStableNames) {
  std::vector<std::string> names;
  for (const auto& check : protocol_checks()) names.emplace_back(check->name());
  EXPECT_THAT(names,
              ElementsAre("http.content_type", "schema.interaction", "schema.event", "error.body",
                          "input.iff_requested", "usage.only_when_terminal", "state.forward_only",
                          "update_time.monotonic", "stream.sse", "stream.event_ids_unique",
                          "stream.ends_after_terminal", "stream.text_matches_get",
                          "stream.resume_suffix", "stream.resume_union", "chain.reaches_root",
                          "stream.genai_frame_order", "id.matches_request"));
  EXPECT_EQ(expectation_check()->name(), "expect");
}

TEST(ChecksTest, RunChecksLeaveOutOnlyTheSkippedOnesAndKeepExpect) {
  std::vector<std::string> all;
  for (const auto& check : run_checks({})) all.emplace_back(check->name());
  ASSERT_EQ(all.size(), protocol_checks().size() + 1);
  EXPECT_EQ(all.back(), "expect");

  std::vector<std::string> kept;
  for (const auto& check : run_checks({"id.matches_request", "stream.sse"})) {
    kept.emplace_back(check->name());
  }
  std::vector<std::string> expected = all;
  std::erase(expected, "id.matches_request");
  std::erase(expected, "stream.sse");
  EXPECT_EQ(kept, expected);

  EXPECT_TRUE(is_protocol_check("id.matches_request"));
  EXPECT_TRUE(is_protocol_check("http.content_type"));
  EXPECT_FALSE(is_protocol_check("expect"));
  EXPECT_FALSE(is_protocol_check("expect.status"));
  EXPECT_FALSE(is_protocol_check("id.matches"));
}

TEST(ChecksTest, ConformingStreamStepPassesEveryCheck) {
  const Records records = RunProtocol(StreamStep(StoryStream(), Get(Snapshot(State::kCompleted))));
  std::set<std::string> judged;
  for (const CheckRecord& r : records) {
    EXPECT_TRUE(r.passed) << ::testing::PrintToString(r);
    judged.insert(r.check);
  }
  EXPECT_EQ(judged,
            (std::set<std::string>{"http.content_type", "schema.interaction", "schema.event",
                                   "input.iff_requested", "usage.only_when_terminal",
                                   "state.forward_only", "update_time.monotonic", "stream.sse",
                                   "stream.event_ids_unique", "stream.ends_after_terminal",
                                   "stream.text_matches_get", "id.matches_request"}));
}

TEST(ChecksTest, ConformingResumeAndChainPassEveryCheck) {
  for (const Records& records :
       {RunProtocol(ResumeStep(Frames(Slice(StoryEvents(), 4, 7)), 4)),
        RunProtocol(ChainStep({Hop("c", "b"), Hop("b", "a"), Hop("a", std::nullopt)}))}) {
    EXPECT_FALSE(records.empty());
    for (const CheckRecord& r : records) EXPECT_TRUE(r.passed) << ::testing::PrintToString(r);
  }
}

// ---- http.content_type ------------------------------------------------------------------

TEST(ChecksTest, ContentTypePassesForJsonAndEventStream) {
  ObservedGet g = Get(Snapshot(State::kCompleted));
  g.http.content_type = "Application/JSON; charset=utf-8";
  ExpectPasses(GetStep(g), "http.content_type");
  ExpectPasses(StreamStep(StoryStream()), "http.content_type");
  ExpectPasses(GetStep(ErrorGet(404, google_error_json(404, "no"))), "http.content_type");
}

TEST(ChecksTest, ContentTypeFailsForWrongMediaType) {
  ObservedGet g = Get(Snapshot(State::kCompleted));
  g.http.content_type = "text/html; charset=utf-8";
  const CheckRecord r = Failure(GetStep(g), "http.content_type");
  EXPECT_EQ(r.expected, "application/json (parameters allowed)");
  EXPECT_EQ(r.actual, "\"text/html; charset=utf-8\"");
  EXPECT_EQ(r.where, kGetWhere);
}

TEST(ChecksTest, ContentTypeFailsForAStreamServedAsJson) {
  ObservedStream s = StoryStream();
  s.http.content_type = "application/json";
  const CheckRecord r = Failure(StreamStep(s), "http.content_type");
  EXPECT_EQ(r.expected, "text/event-stream (parameters allowed)");
  EXPECT_EQ(r.where, kStreamWhere);
}

TEST(ChecksTest, ContentTypeFailsForAnErrorWithoutJsonType) {
  ObservedGet g = ErrorGet(404, google_error_json(404, "no"));
  g.http.content_type.clear();
  const CheckRecord r = Failure(GetStep(g), "http.content_type");
  EXPECT_EQ(r.expected, "application/json (parameters allowed)");
  EXPECT_EQ(r.actual, "no Content-Type header");
}

// ---- schema.interaction -----------------------------------------------------------------

TEST(ChecksTest, SchemaInteractionPassesOnEncoderOutput) {
  ExpectPasses(GetStep(Get(Snapshot(State::kRunning, 500))), "schema.interaction");
  const Records records = Named(RunProtocol(StreamStep(StoryStream())), "schema.interaction");
  ASSERT_EQ(records.size(), 1u);  // the terminal event's interaction
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].where, "event \"evt_000007\" of " + kStreamWhere);
}

TEST(ChecksTest, SchemaInteractionFailsOnWrongFieldName) {
  const ObservedGet g = GetMutated(Snapshot(State::kCompleted), [](Json& j) {
    j["status"] = j["state"];
    j.erase("state");
  });
  const CheckRecord r = Failure(GetStep(g), "schema.interaction");
  EXPECT_EQ(r.expected,
            "the interaction object of its dialect (docs/wire-seed.md, docs/wire-genai.md)");
  EXPECT_THAT(r.actual, HasSubstr("/status: unknown field"));
  EXPECT_THAT(r.actual, HasSubstr("/state: missing"));
  EXPECT_EQ(r.where, kGetWhere);
}

TEST(ChecksTest, SchemaInteractionFailsOnABadEmbeddedInteraction) {
  std::string bytes = Frames(StoryEvents());
  const std::string from = "\"state\":\"COMPLETED\",\"update_time\"";
  const auto at = bytes.find(from);  // inside the embedded interaction, which comes first
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, from.size(), "\"state\":\"COMPLETED\",\"updated\"");
  const CheckRecord r = Failure(StreamStep(StreamOf(bytes)), "schema.interaction");
  EXPECT_THAT(r.actual, HasSubstr("/interaction/updated: unknown field"));
  EXPECT_THAT(r.actual, HasSubstr("/interaction/update_time: missing"));
  EXPECT_EQ(r.where, "event \"evt_000007\" of " + kStreamWhere);
}

// ---- schema.event -----------------------------------------------------------------------

TEST(ChecksTest, SchemaEventPassesWithOneRecordPerStream) {
  const Records records = Named(RunProtocol(StreamStep(StoryStream())), "schema.event");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "7 events, no findings");
}

TEST(ChecksTest, SchemaEventFailsOnAFrameWithoutIdLine) {
  std::string bytes = Frames(StoryEvents());
  bytes.erase(bytes.find("id: evt_000003\n"), std::string("id: evt_000003\n").size());
  const CheckRecord r = Failure(StreamStep(StreamOf(bytes)), "schema.event");
  EXPECT_EQ(r.expected,
            "events as their dialect documents them (docs/wire-seed.md, docs/wire-genai.md)");
  EXPECT_EQ(r.actual, "/id: \"evt_000003\" (expected equal to the SSE id \"evt_000002\")");
  EXPECT_EQ(r.where, "event \"evt_000003\" of " + kStreamWhere);
}

TEST(ChecksTest, SchemaEventFailsWhenEventTypeDisagreesWithData) {
  std::string bytes = Frames(StoryEvents());
  const auto at = bytes.find("event: interaction.text_delta");
  bytes.replace(at, std::string("event: interaction.text_delta").size(),
                "event: interaction.state_change");
  const CheckRecord r = Failure(StreamStep(StreamOf(bytes)), "schema.event");
  EXPECT_THAT(r.actual, HasSubstr("/type: \"text_delta\" (expected \"state_change\""));
}

TEST(ChecksTest, SchemaEventCapsRecordsForAFloodOfBadEvents) {
  std::string bytes;
  for (int i = 1; i <= 15; ++i)
    bytes += "event: message\nid: e" + std::to_string(i) + "\ndata: x\n\n";
  const Records records = Named(RunProtocol(StreamStep(StreamOf(bytes))), "schema.event");
  ASSERT_EQ(records.size(), 11u);
  for (const CheckRecord& r : records) EXPECT_FALSE(r.passed);
  EXPECT_EQ(records.back().actual, "5 more events with findings");
}

// ---- error.body -------------------------------------------------------------------------

TEST(ChecksTest, ErrorBodyPassesOnGoogleError) {
  const StepObservation o = GetStep(ErrorGet(404, google_error_json(404, "interaction nope")));
  ExpectPasses(o, "error.body");
  const Records records = Named(RunProtocol(o), "error.body");
  EXPECT_EQ(records[0].expected, R"({"error":{"code":404,"message":"...","status":"NOT_FOUND"}})");
  EXPECT_EQ(records[0].actual, "code 404, status \"NOT_FOUND\"");
}

TEST(ChecksTest, ErrorBodyFailsOnMalformedBody) {
  const CheckRecord r =
      Failure(GetStep(ErrorGet(503, "<html>Service Unavailable</html>")), "error.body");
  EXPECT_THAT(r.actual, StartsWith("(document): not JSON: \"<html>"));
  EXPECT_EQ(r.where, "GET " + kBase + "nope");
}

TEST(ChecksTest, ErrorBodyFailsWhenCodeIsNotTheHttpStatus) {
  const CheckRecord r = Failure(
      GetStep(ErrorGet(404, R"({"error":{"code":400,"message":"m","status":"NOT_FOUND"}})")),
      "error.body");
  EXPECT_EQ(r.actual, "/error/code: number 400 (expected 404 (the HTTP status))");
}

TEST(ChecksTest, ErrorBodyJudgesStreamsAndUndecodedBodies) {
  ObservedStream s;
  s.http.url = kBase + "story.u1?stream=true&last_event_id=evt_999999";
  s.http.status = 400;
  s.http.content_type = "application/json";
  s.http.body = google_error_json(400, "unknown last_event_id");  // not decoded by the driver
  ExpectPasses(StreamStep(s), "error.body");
  s.http.body = R"({"error":{"code":400,"message":"m","status":"BAD_REQUEST"}})";
  EXPECT_EQ(Failure(StreamStep(s), "error.body").actual,
            "/error/status: \"BAD_REQUEST\" (expected \"INVALID_ARGUMENT\" (for HTTP 400))");
}

// ---- input.iff_requested ----------------------------------------------------------------

TEST(ChecksTest, InputPassesWhenPresentExactlyWhenAsked) {
  ExpectPasses(GetStep(Get(Snapshot(State::kCompleted), false)), "input.iff_requested");
  ExpectPasses(GetStep(Get(Snapshot(State::kCompleted), true)), "input.iff_requested");
  ExpectPasses(StreamStep(StoryStream(true)), "input.iff_requested");
}

TEST(ChecksTest, InputFailsWhenPresentButNotAsked) {
  const ObservedGet g =
      GetMutated(Snapshot(State::kCompleted), [](Json& j) { j["input"] = "Tell me a story"; });
  const CheckRecord r = Failure(GetStep(g), "input.iff_requested");
  EXPECT_EQ(r.expected, "no input (include_input was not true)");
  EXPECT_EQ(r.actual, "input present");
  EXPECT_EQ(r.where, kGetWhere);
}

TEST(ChecksTest, InputFailsWhenAskedButTheTerminalEventLacksIt) {
  ObservedStream s = StreamOf(Frames(StoryEvents(), false), true);  // asked, not given
  const CheckRecord r = Failure(StreamStep(s), "input.iff_requested");
  EXPECT_EQ(r.expected, "input present (include_input=true)");
  EXPECT_EQ(r.actual, "input absent");
  EXPECT_EQ(r.where, "event \"evt_000007\" of GET " + s.http.url);
}

// ---- usage.only_when_terminal -----------------------------------------------------------

TEST(ChecksTest, UsagePassesOnlyWhenTerminal) {
  ExpectPasses(GetStep(Get(Snapshot(State::kCompleted))), "usage.only_when_terminal");
  ExpectPasses(GetStep(Get(Snapshot(State::kRunning))), "usage.only_when_terminal");
  ExpectPasses(StreamStep(StoryStream()), "usage.only_when_terminal");
}

TEST(ChecksTest, UsageFailsWhileRunning) {
  const ObservedGet g = GetMutated(Snapshot(State::kRunning), [](Json& j) {
    j["usage_metadata"] = {
        {"prompt_token_count", 1}, {"candidates_token_count", 2}, {"total_token_count", 3}};
  });
  const CheckRecord r = Failure(GetStep(g), "usage.only_when_terminal");
  EXPECT_EQ(r.expected, "no usage_metadata while RUNNING");
  EXPECT_EQ(r.actual, "usage_metadata present");
}

TEST(ChecksTest, UsageFailsWhenMissingOnceTerminal) {
  const ObservedGet g =
      GetMutated(Snapshot(State::kFailed), [](Json& j) { j.erase("usage_metadata"); });
  const CheckRecord r = Failure(GetStep(g), "usage.only_when_terminal");
  EXPECT_EQ(r.expected, "usage_metadata present (FAILED is terminal)");
  EXPECT_EQ(r.actual, "usage_metadata absent");
}

TEST(ChecksTest, UsageIsNotJudgedWithoutAReadableState) {
  const ObservedGet g = GetMutated(Snapshot(State::kRunning), [](Json& j) { j["state"] = "DONE"; });
  EXPECT_THAT(Named(RunProtocol(GetStep(g)), "usage.only_when_terminal"), IsEmpty());
}

// ---- state.forward_only -----------------------------------------------------------------

TEST(ChecksTest, StateForwardOnlyPassesAcrossPolls) {
  const StepObservation o =
      PollStep({Get(Snapshot(State::kPending, 0)), Get(Snapshot(State::kRunning, 100)),
                Get(Snapshot(State::kRunning, 200)), Get(Snapshot(State::kCompleted, 300))});
  const Records records = Named(RunProtocol(o), "state.forward_only");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "PENDING -> RUNNING -> COMPLETED (4 observations)");
  EXPECT_EQ(records[0].where, kGetWhere + " (4 requests)");
}

TEST(ChecksTest, StateForwardOnlyFailsWhenStateGoesBack) {
  const StepObservation o =
      PollStep({Get(Snapshot(State::kRunning, 0)), Get(Snapshot(State::kCompleted, 100)),
                Get(Snapshot(State::kRunning, 200))});
  const CheckRecord r = Failure(o, "state.forward_only");
  EXPECT_EQ(r.actual, "RUNNING after COMPLETED at " + kGetWhere + " (poll 2 of 3)");
  EXPECT_EQ(r.where, kGetWhere + " (poll 3 of 3)");
  EXPECT_THAT(r.expected, HasSubstr("never moves back"));
}

TEST(ChecksTest, StateForwardOnlyFailsWhenATerminalStateChanges) {
  const StepObservation o =
      PollStep({Get(Snapshot(State::kCompleted, 100)), Get(Snapshot(State::kFailed, 200))});
  EXPECT_EQ(Failure(o, "state.forward_only").actual,
            "FAILED after COMPLETED at " + kGetWhere + " (poll 1 of 2)");
}

TEST(ChecksTest, StateForwardOnlyFailsWhenAStreamGoesBack) {
  std::vector<Event> events = StoryEvents();
  events.insert(events.begin() + 2,
                Event{"evt_back", 50, EventKind::kStateChange, State::kPending, 0, ""});
  const CheckRecord r = Failure(StreamStep(StreamOf(Frames(events))), "state.forward_only");
  EXPECT_EQ(r.actual, "PENDING after RUNNING at event \"evt_000002\" of " + kStreamWhere);
  EXPECT_EQ(r.where, "event \"evt_back\" of " + kStreamWhere);
}

TEST(ChecksTest, StateForwardOnlyFailsWhenTheGetAfterTheStreamIsBehind) {
  const CheckRecord r = Failure(StreamStep(StoryStream(), Get(Snapshot(State::kRunning, 1500))),
                                "state.forward_only");
  EXPECT_EQ(r.actual, "RUNNING after COMPLETED at event \"evt_000007\" of " + kStreamWhere);
  EXPECT_EQ(r.where, kGetWhere + " (after the stream)");
}

TEST(ChecksTest, StateForwardOnlyHasNothingToCompareForOneGet) {
  EXPECT_THAT(Named(RunProtocol(GetStep(Get(Snapshot(State::kCompleted)))), "state.forward_only"),
              IsEmpty());
}

// ---- update_time.monotonic --------------------------------------------------------------

TEST(ChecksTest, UpdateTimeMonotonicPassesAcrossPollsAndStreams) {
  ExpectPasses(PollStep({Get(Snapshot(State::kRunning, 100)), Get(Snapshot(State::kRunning, 100)),
                         Get(Snapshot(State::kCompleted, 300))}),
               "update_time.monotonic");
  ExpectPasses(StreamStep(StoryStream(), Get(Snapshot(State::kCompleted))),
               "update_time.monotonic");
}

TEST(ChecksTest, UpdateTimeMonotonicFailsWhenItDecreases) {
  const CheckRecord r =
      Failure(PollStep({Get(Snapshot(State::kRunning, 500)), Get(Snapshot(State::kRunning, 400))}),
              "update_time.monotonic");
  EXPECT_EQ(r.expected, "update_time never decreases");
  EXPECT_EQ(r.actual, "\"2026-11-18T11:06:40.400Z\" after \"2026-11-18T11:06:40.500Z\" at " +
                          kGetWhere + " (poll 1 of 2)");
  EXPECT_EQ(r.where, kGetWhere + " (poll 2 of 2)");
}

TEST(ChecksTest, UpdateTimeMonotonicFailsWhenUpdateIsBeforeCreate) {
  const CheckRecord r =
      Failure(GetStep(Get(Snapshot(State::kRunning, -1))), "update_time.monotonic");
  EXPECT_EQ(r.expected, "update_time not before create_time \"2026-11-18T11:06:40.000Z\"");
  EXPECT_EQ(r.actual, "update_time \"2026-11-18T11:06:39.999Z\"");
}

TEST(ChecksTest, UpdateTimeMonotonicFailsWhenAStreamGoesBackInTime) {
  std::vector<Event> events = StoryEvents();
  events[4].at_ms = 50;  // evt_000005 before evt_000004's 200 ms
  const CheckRecord r = Failure(StreamStep(StreamOf(Frames(events))), "update_time.monotonic");
  EXPECT_EQ(r.where, "event \"evt_000005\" of " + kStreamWhere);
  EXPECT_THAT(r.actual, HasSubstr("at event \"evt_000004\""));
}

// ---- stream.sse -------------------------------------------------------------------------

TEST(ChecksTest, StreamSsePassesOnACleanBody) {
  const Records records = Named(RunProtocol(StreamStep(StoryStream())), "stream.sse");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "7 events, clean end");
}

TEST(ChecksTest, StreamSseFailsOnATruncatedStream) {
  std::string bytes = Frames(StoryEvents());
  bytes.resize(bytes.size() - 20);  // the transfer "completed" inside the terminal frame
  const CheckRecord r = Failure(StreamStep(StreamOf(bytes)), "stream.sse");
  EXPECT_EQ(r.actual,
            "the transfer completed inside an SSE block (a truncated event) after 6 events");
}

TEST(ChecksTest, StreamSseDoesNotBlameTruncationOnACutTransfer) {
  std::string bytes = Frames(StoryEvents());
  bytes.resize(bytes.size() - 20);
  ObservedStream s = StreamOf(bytes);
  s.http.error = ErrorClass::kProtocol;
  const Records records = Named(RunProtocol(StreamStep(s)), "stream.sse");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_THAT(records[0].actual, HasSubstr("ended early (protocol)"));
}

TEST(ChecksTest, StreamSseFailsWhenTheParserStops) {
  SseLimits tight;
  tight.max_line_bytes = 200;  // the terminal event's data line is longer
  const CheckRecord r = Failure(
      StreamStep(StreamOf(Frames(StoryEvents()), false, std::nullopt, tight)), "stream.sse");
  EXPECT_THAT(r.actual, StartsWith("parser stopped: line_too_long"));
}

// ---- stream.event_ids_unique ------------------------------------------------------------

TEST(ChecksTest, EventIdsUniquePasses) {
  const Records records = Named(RunProtocol(StreamStep(StoryStream())), "stream.event_ids_unique");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "7 distinct ids");
}

TEST(ChecksTest, EventIdsUniqueFailsOnDuplicateEventId) {
  std::vector<Event> events = StoryEvents();
  events[3].id = "evt_000003";
  const CheckRecord r = Failure(StreamStep(StreamOf(Frames(events))), "stream.event_ids_unique");
  EXPECT_EQ(r.expected, "no two events of the stream share an id");
  EXPECT_EQ(r.actual, "duplicate \"evt_000003\" (events 3 and 4)");
  EXPECT_EQ(r.where, kStreamWhere);
}

// ---- stream.ends_after_terminal ---------------------------------------------------------

TEST(ChecksTest, EndsAfterTerminalPasses) {
  const Records records =
      Named(RunProtocol(StreamStep(StoryStream())), "stream.ends_after_terminal");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "ended after the terminal event \"evt_000007\" (COMPLETED)");
}

TEST(ChecksTest, EndsAfterTerminalFailsOnEventsAfterTerminal) {
  std::vector<Event> events = StoryEvents();
  events.push_back({event_id(8), 1300, EventKind::kTextDelta, State::kCompleted, 0, "!"});
  const CheckRecord r = Failure(StreamStep(StreamOf(Frames(events))), "stream.ends_after_terminal");
  EXPECT_EQ(r.actual,
            "1 event after the terminal event \"evt_000007\": \"evt_000008\" (text_delta)");
  EXPECT_EQ(r.where, "event \"evt_000007\" of " + kStreamWhere);
}

TEST(ChecksTest, EndsAfterTerminalFailsWithoutTerminal) {
  const CheckRecord r = Failure(StreamStep(StreamOf(Frames(Slice(StoryEvents(), 0, 6)))),
                                "stream.ends_after_terminal");
  EXPECT_EQ(r.expected, "the stream ends right after its terminal event");
  EXPECT_EQ(r.actual,
            "ended after 6 events without a terminal event (last: \"evt_000006\", text_delta)");
}

TEST(ChecksTest, EndsAfterTerminalSkipsATimedOutStep) {
  StepObservation o = StreamStep(StreamOf(Frames(Slice(StoryEvents(), 0, 3))));
  o.timed_out = true;
  EXPECT_THAT(Named(RunProtocol(o), "stream.ends_after_terminal"), IsEmpty());
}

TEST(ChecksTest, EndsAfterTerminalAcceptsAnEmptyResumeAfterTerminal) {
  const Records records = Named(RunProtocol(ResumeStep("", 7)), "stream.ends_after_terminal");
  ASSERT_EQ(records.size(), 2u);  // the resumed stream and the reference
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "empty stream, resumed after the terminal event \"evt_000007\"");
  EXPECT_EQ(Failure(ResumeStep("", 5), "stream.ends_after_terminal").actual,
            "empty stream, but \"evt_000005\" is a text_delta event");
}

// ---- stream.text_matches_get ------------------------------------------------------------

TEST(ChecksTest, TextMatchesGetPassesForEveryCandidate) {
  const Records records =
      Named(RunProtocol(StreamStep(StoryStream(), Get(Snapshot(State::kCompleted)))),
            "stream.text_matches_get");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].passed && records[1].passed);
  EXPECT_EQ(records[0].expected, "candidate 0: \"Once upon a time\" (16 bytes, the GET)");
  EXPECT_EQ(records[0].actual, "streamed the same 16 bytes");
  EXPECT_EQ(records[1].expected, "candidate 1: \"Long ago\" (8 bytes, the GET)");
}

TEST(ChecksTest, TextMatchesGetFailsOnTextMismatch) {
  std::vector<Event> events = StoryEvents();
  events[4].text = "upon a tim";
  const CheckRecord r =
      Failure(StreamStep(StreamOf(Frames(events)), Get(Snapshot(State::kCompleted))),
              "stream.text_matches_get");
  EXPECT_EQ(r.expected, "candidate 0: \"Once upon a time\" (16 bytes, the GET)");
  EXPECT_EQ(r.actual,
            "streamed \"Once upon a tim\" (15 bytes); first difference at byte 15: expected "
            "\"Once upon a time\", got \"Once upon a tim\"");
  EXPECT_EQ(r.where, kGetWhere + " (after the stream)");
}

TEST(ChecksTest, TextMatchesGetJoinsTheReferencePrefixWithAResume) {
  const Records records = Named(RunProtocol(ResumeStep(Frames(Slice(StoryEvents(), 3, 7)), 3)),
                                "stream.text_matches_get");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].passed && records[1].passed);
  EXPECT_EQ(records[0].actual,
            "streamed (reference up to \"evt_000003\", resumed) the same 16 bytes");
}

TEST(ChecksTest, TextMatchesGetSkipsAResumeWithoutReference) {
  StepObservation o = ResumeStep(Frames(Slice(StoryEvents(), 3, 7)), 3);
  o.reference_stream.reset();
  EXPECT_THAT(Named(RunProtocol(o), "stream.text_matches_get"), IsEmpty());
  // Nor is a GET that is not terminal yet a reference.
  EXPECT_THAT(Named(RunProtocol(StreamStep(StoryStream(), Get(Snapshot(State::kRunning)))),
                    "stream.text_matches_get"),
              IsEmpty());
}

TEST(ChecksTest, TextMatchesGetFailsOnACandidateTheGetLacks) {
  std::vector<Event> events = StoryEvents();
  events.insert(events.end() - 1,
                Event{"evt_extra", 500, EventKind::kTextDelta, State::kRunning, 2, "x"});
  const CheckRecord r =
      Failure(StreamStep(StreamOf(Frames(events)), Get(Snapshot(State::kCompleted))),
              "stream.text_matches_get");
  EXPECT_EQ(r.expected, "text deltas only for the GET's 2 candidates");
  EXPECT_EQ(r.actual, "streamed \"x\" for candidate 2");
}

// ---- stream.resume_suffix ---------------------------------------------------------------

TEST(ChecksTest, ResumeSuffixPassesOnTheExactSuffix) {
  const Records records =
      Named(RunProtocol(ResumeStep(Frames(Slice(StoryEvents(), 4, 7)), 4)), "stream.resume_suffix");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].expected, "the 3 reference events strictly after \"evt_000004\"");
  EXPECT_EQ(records[0].actual, "the same 3 events");
  EXPECT_EQ(records[0].where, "GET " + kBase + "story.u1?stream=true&last_event_id=evt_000004");
}

TEST(ChecksTest, ResumeSuffixFailsWhenTheResumeRepeatsAnEvent) {
  const CheckRecord r =
      Failure(ResumeStep(Frames(Slice(StoryEvents(), 3, 7)), 4), "stream.resume_suffix");
  EXPECT_EQ(r.actual,
            "1 duplicated: \"evt_000004\" (at or before the resume point \"evt_000004\")");
}

TEST(ChecksTest, ResumeSuffixFailsWhenTheResumeLosesAnEvent) {
  std::vector<Event> events = Slice(StoryEvents(), 4, 7);
  events.erase(events.begin() + 1);  // evt_000006
  const CheckRecord r = Failure(ResumeStep(Frames(events), 4), "stream.resume_suffix");
  EXPECT_EQ(r.actual, "1 lost: \"evt_000006\"");
}

TEST(ChecksTest, ResumeSuffixFailsWhenAnEventDiffers) {
  std::vector<Event> events = Slice(StoryEvents(), 4, 7);
  events[0].text = "upon a dime";
  const CheckRecord r = Failure(ResumeStep(Frames(events), 4), "stream.resume_suffix");
  EXPECT_EQ(r.actual,
            "1 mismatched: \"evt_000005\": text \"upon a dime\", reference \"upon a time\"");
}

TEST(ChecksTest, ResumeSuffixFailsOnAResumePointTheReferenceLacks) {
  const CheckRecord r =
      Failure(ResumeStep(Frames(Slice(StoryEvents(), 4, 7)), 9), "stream.resume_suffix");
  EXPECT_EQ(r.expected, "the reference stream has an event \"evt_000009\"");
  EXPECT_EQ(r.actual, "it has no such event; 3 resumed events cannot be aligned");
}

TEST(ResumeComparisonTest, CountsLostDuplicatedAndMismatched) {
  const ObservedStream reference = StoryStream();
  std::vector<Event> events = StoryEvents();
  // After evt_000003: repeat evt_000002, send 5 (changed) twice, 4 after it, skip 6 and 7.
  events[4].text = "changed";
  std::vector<Event> resumed = {events[1], events[4], events[4], events[3]};
  const ResumeComparison cmp =
      compare_resume(reference, StreamOf(Frames(resumed), false, event_id(3)));
  EXPECT_EQ(cmp.lost, 2u);
  EXPECT_EQ(cmp.lost_ids, (std::vector<std::string>{"evt_000006", "evt_000007"}));
  EXPECT_EQ(cmp.duplicated, 2u);
  EXPECT_EQ(cmp.duplicates, (std::vector<std::string>{
                                "\"evt_000002\" (at or before the resume point \"evt_000003\")",
                                "\"evt_000005\" (sent twice)"}));
  EXPECT_EQ(cmp.mismatched, 2u);
  EXPECT_EQ(cmp.mismatches,
            (std::vector<std::string>{"\"evt_000005\": text \"changed\", reference \"upon a time\"",
                                      "\"evt_000004\": out of order (after \"evt_000005\")"}));
  EXPECT_FALSE(cmp.ok());
}

TEST(ResumeComparisonTest, AStreamFromTheStartMatchesItself) {
  const ResumeComparison cmp = compare_resume(StoryStream(), StoryStream());
  EXPECT_TRUE(cmp.ok());
  const ResumeComparison after_all =
      compare_resume(StoryStream(), StreamOf("", false, event_id(7)));
  EXPECT_TRUE(after_all.ok());
  const ResumeComparison unknown =
      compare_resume(StoryStream(), StreamOf(Frames(Slice(StoryEvents(), 5, 7)), false, "zzz"));
  EXPECT_FALSE(unknown.resume_point_found);
  EXPECT_EQ(unknown.mismatched, 2u);
  EXPECT_EQ(unknown.lost, 0u);
}

// ---- id.matches_request -----------------------------------------------------------------

// `bytes` with the n-th (1-based) occurrence of `from` replaced by `to`.
std::string ReplaceNth(std::string bytes, std::string_view from, std::string_view to, int n) {
  std::size_t at = 0;
  for (int k = 0; k < n; ++k) {
    at = bytes.find(from, k == 0 ? 0 : at + 1);
    if (at == std::string::npos) return bytes;
  }
  return bytes.replace(at, from.size(), to);
}

TEST(ChecksTest, IdMatchesRequestCountsEveryIdOfAConformingStep) {
  const StepObservation o = StreamStep(StoryStream(), Get(Snapshot(State::kCompleted)));
  ExpectPasses(o, "id.matches_request");
  const Records records = Named(RunProtocol(o), "id.matches_request");
  ASSERT_EQ(records.size(), 2u);
  // Seven events name the interaction and the terminal one also embeds it.
  EXPECT_EQ(records[0].actual, "8 ids name it");
  EXPECT_EQ(records[0].expected, "the interaction asked for, \"story.u1\"");
  EXPECT_EQ(records[1].actual, "the body's id is \"story.u1\"");
  EXPECT_THAT(records[1].where, HasSubstr("(after the stream)"));
  ExpectPasses(PollStep({Get(Snapshot(State::kRunning)), Get(Snapshot(State::kCompleted))}),
               "id.matches_request");
}

TEST(ChecksTest, IdMatchesRequestFailsAGetAnsweredWithAnotherInteraction) {
  const CheckRecord f =
      Failure(GetStep(Get(Snapshot(State::kCompleted, 1234, "other.u9"))), "id.matches_request");
  EXPECT_EQ(f.expected, "the interaction asked for, \"story.u1\"");
  EXPECT_EQ(f.actual, "the body is interaction \"other.u9\"");
  EXPECT_THAT(f.where, StartsWith("GET "));
}

TEST(ChecksTest, IdMatchesRequestQuotesAServersIdAsEveryRecordDoes) {
  const std::string hostile = "other\n" + std::string(200, 'x');
  const CheckRecord f =
      Failure(GetStep(Get(Snapshot(State::kCompleted, 1234, hostile))), "id.matches_request");
  // JSON string syntax, cut after 80 bytes: no raw line break, no 200-byte value.
  EXPECT_EQ(f.actual, "the body is interaction \"other\\n" + std::string(74, 'x') + "...\"");
}

TEST(ChecksTest, IdMatchesRequestFailsAStreamEventOfAnotherInteraction) {
  const std::string bytes = ReplaceNth(Frames(StoryEvents()), "\"interaction_id\":\"story.u1\"",
                                       "\"interaction_id\":\"other.u9\"", 4);
  const CheckRecord f = Failure(StreamStep(StreamOf(bytes)), "id.matches_request");
  EXPECT_EQ(f.actual, "event #4 (\"evt_000004\") names \"other.u9\"");
  EXPECT_THAT(f.where, HasSubstr("story.u1?stream=true"));
}

TEST(ChecksTest, IdMatchesRequestFailsATerminalEventEmbeddingAnotherInteraction) {
  // The terminal event's embedded interaction is the only place `"id":"story.u1"` occurs.
  const std::string bytes =
      ReplaceNth(Frames(StoryEvents()), "\"id\":\"story.u1\"", "\"id\":\"other.u9\"", 1);
  ASSERT_NE(bytes, Frames(StoryEvents()));
  const CheckRecord f = Failure(StreamStep(StreamOf(bytes)), "id.matches_request");
  EXPECT_EQ(f.actual, "event #7 (\"evt_000007\") embeds \"other.u9\"");
}

TEST(ChecksTest, IdMatchesRequestListsThreeMismatchesAndCountsTheRest) {
  const std::string right = "\"interaction_id\":\"story.u1\"";
  const std::string wrong = "\"interaction_id\":\"other.u9\"";
  std::string bytes = Frames(StoryEvents());
  for (std::size_t at = bytes.find(right); at != std::string::npos; at = bytes.find(right, at)) {
    bytes.replace(at, right.size(), wrong);
  }
  const CheckRecord f = Failure(StreamStep(StreamOf(bytes)), "id.matches_request");
  EXPECT_EQ(
      f.actual,
      "event #1 (\"evt_000001\") names \"other.u9\"; event #2 (\"evt_000002\") names \"other.u9\"; "
      "event #3 (\"evt_000003\") names \"other.u9\"; 4 more");
}

TEST(ChecksTest, IdMatchesRequestLeavesChainsAndIdlessResponsesToOtherChecks) {
  // A chain's hops are other interactions by design: chain.reaches_root judges them.
  EXPECT_THAT(Named(RunProtocol(ChainStep(
                        {Hop("c.u3", "b.u2"), Hop("b.u2", "a.u1"), Hop("a.u1", std::nullopt)})),
                    "id.matches_request"),
              IsEmpty());
  // An error body names no interaction.
  EXPECT_THAT(
      Named(RunProtocol(GetStep(ErrorGet(404, google_error_json(404, "no such interaction")))),
            "id.matches_request"),
      IsEmpty());
}

// ---- chain.reaches_root -----------------------------------------------------------------

TEST(ChecksTest, ChainReachesRootPasses) {
  const Records records =
      Named(RunProtocol(ChainStep({Hop("c", "b"), Hop("b", "a"), Hop("a", std::nullopt)})),
            "chain.reaches_root");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].passed);
  EXPECT_EQ(records[0].actual, "\"c\" -> \"b\" -> \"a\" (root; 3 interactions)");
  EXPECT_EQ(records[0].where, "GET " + kBase + "c");
}

TEST(ChecksTest, ChainReachesRootFailsOnACycle) {
  const CheckRecord r =
      Failure(ChainStep({Hop("a", "b"), Hop("b", "a"), Hop("a", "b")}), "chain.reaches_root");
  EXPECT_EQ(r.actual,
            "cycle: hop 3 repeats \"a\" of hop 1; cycle: the last hop \"a\" links back to \"b\" "
            "(hop 2) [\"a\" -> \"b\" -> \"a\"]");
}

TEST(ChecksTest, ChainReachesRootFailsOnABrokenLink) {
  EXPECT_EQ(
      Failure(ChainStep({Hop("c", "x"), Hop("b", std::nullopt)}), "chain.reaches_root").actual,
      "hop 1 links to \"x\" but hop 2 is \"b\" [\"c\" -> \"b\"]");
  EXPECT_EQ(Failure(ChainStep({Hop("c", "b")}), "chain.reaches_root").actual,
            "the last hop \"c\" links to \"b\", which was not fetched [\"c\"]");
}

TEST(ChecksTest, ChainReachesRootFailsOnAMissingHop) {
  StepObservation o = ChainStep({Hop("c", "b")});
  o.gets.push_back(ErrorGet(404, google_error_json(404, "gone")));
  EXPECT_EQ(Failure(o, "chain.reaches_root").actual, "hop 2: HTTP 404 [\"c\" -> ?]");
}

// ---- expect.* ---------------------------------------------------------------------------

template <class SetExpect>
Step StepWith(Step::Kind kind, SetExpect set_expect) {
  Step s;
  s.kind = kind;
  s.interaction = "story";
  set_expect(s.expect);
  s.pointer = "/steps/0";
  return s;
}

Records RunExpect(const StepObservation& o) {
  Records out;
  expectation_check()->evaluate(o, out);
  return out;
}

// The only record, which must be named `check`.
CheckRecord Only(const Records& records, std::string_view check) {
  EXPECT_EQ(records.size(), 1u) << ::testing::PrintToString(records);
  if (records.empty()) return {};
  EXPECT_EQ(records[0].check, check);
  return records[0];
}

TEST(ChecksTest, ExpectJudgesNothingWithoutAStepOrClauses) {
  EXPECT_THAT(RunExpect(GetStep(Get(Snapshot(State::kCompleted)))), IsEmpty());
  const Step step = StepWith(Step::Kind::kGet, [](Expect&) {});
  EXPECT_THAT(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &step)), IsEmpty());
}

TEST(ChecksTest, ExpectStatus) {
  const Step ok = StepWith(Step::Kind::kGet, [](Expect& e) { e.status = 200; });
  const CheckRecord pass =
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &ok)), "expect.status");
  EXPECT_TRUE(pass.passed);
  EXPECT_EQ(pass.where, kGetWhere);
  const Step not_found = StepWith(Step::Kind::kGet, [](Expect& e) { e.status = 404; });
  const CheckRecord fail =
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &not_found)), "expect.status");
  EXPECT_FALSE(fail.passed);
  EXPECT_EQ(fail.expected, "HTTP 404");
  EXPECT_EQ(fail.actual, "HTTP 200");
  ObservedGet refused;
  refused.http.url = kBase + "story.u1";
  refused.http.error = ErrorClass::kConnect;
  refused.http.curl_error = "Couldn't connect to server";
  EXPECT_EQ(Only(RunExpect(GetStep(refused, &ok)), "expect.status").actual,
            "no response (connect: Couldn't connect to server)");
}

TEST(ChecksTest, ExpectState) {
  const Step get = StepWith(Step::Kind::kGet, [](Expect& e) { e.state = State::kCompleted; });
  EXPECT_TRUE(
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &get)), "expect.state").passed);
  const CheckRecord r =
      Only(RunExpect(GetStep(Get(Snapshot(State::kRunning)), &get)), "expect.state");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "COMPLETED");
  EXPECT_EQ(r.actual, "RUNNING");
  const Step stream = StepWith(Step::Kind::kStream, [](Expect& e) { e.state = State::kCompleted; });
  EXPECT_TRUE(Only(RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &stream)),
                   "expect.state")
                  .passed);
  const CheckRecord cut = Only(RunExpect(StreamStep(StreamOf(Frames(Slice(StoryEvents(), 0, 3))),
                                                    std::nullopt, std::nullopt, &stream)),
                               "expect.state");
  EXPECT_FALSE(cut.passed);
  EXPECT_EQ(cut.actual, "RUNNING");
  const Step poll = StepWith(Step::Kind::kPoll, [](Expect& e) { e.state = State::kFailed; });
  const CheckRecord polled =
      Only(RunExpect(PollStep({Get(Snapshot(State::kRunning, 0)), Get(Snapshot(State::kCompleted))},
                              &poll)),
           "expect.state");
  EXPECT_FALSE(polled.passed);
  EXPECT_EQ(polled.actual, "COMPLETED");
  EXPECT_EQ(polled.where, kGetWhere);
}

TEST(ChecksTest, ExpectText) {
  const Step get = StepWith(Step::Kind::kGet, [](Expect& e) { e.text = "Once upon a time"; });
  EXPECT_TRUE(
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &get)), "expect.text").passed);
  const Step wrong = StepWith(Step::Kind::kGet, [](Expect& e) { e.text = "Once upon a dime"; });
  const CheckRecord r =
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &wrong)), "expect.text");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "\"Once upon a dime\"");
  EXPECT_THAT(r.actual, StartsWith("\"Once upon a time\"; first difference at byte 12"));
  const Step stream = StepWith(Step::Kind::kStream, [](Expect& e) { e.text = "Once upon a time"; });
  EXPECT_TRUE(
      Only(RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &stream)), "expect.text")
          .passed);
  const CheckRecord partial =
      Only(RunExpect(StreamStep(StreamOf(Frames(Slice(StoryEvents(), 0, 4))), std::nullopt,
                                std::nullopt, &stream)),
           "expect.text");
  EXPECT_FALSE(partial.passed);
  EXPECT_THAT(partial.actual, StartsWith("\"Once \""));
}

TEST(ChecksTest, ExpectTextContains) {
  const Step yes = StepWith(Step::Kind::kGet, [](Expect& e) { e.text_contains = "upon"; });
  EXPECT_TRUE(
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &yes)), "expect.text_contains")
          .passed);
  const Step no = StepWith(Step::Kind::kStream, [](Expect& e) { e.text_contains = "ago"; });
  const CheckRecord r = Only(RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &no)),
                             "expect.text_contains");
  EXPECT_FALSE(r.passed);  // "ago" is candidate 1's: the step's text is candidate 0
  EXPECT_EQ(r.expected, "text containing \"ago\"");
  EXPECT_EQ(r.actual, "\"Once upon a time\"");
}

TEST(ChecksTest, ExpectUsage) {
  const Step usage = StepWith(Step::Kind::kGet, [](Expect& e) { e.usage = true; });
  EXPECT_TRUE(
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &usage)), "expect.usage").passed);
  const CheckRecord r =
      Only(RunExpect(GetStep(Get(Snapshot(State::kRunning)), &usage)), "expect.usage");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "usage_metadata present");
  EXPECT_EQ(r.actual, "usage_metadata absent");
  const Step stream = StepWith(Step::Kind::kStream, [](Expect& e) { e.usage = true; });
  EXPECT_TRUE(Only(RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &stream)),
                   "expect.usage")
                  .passed);
  EXPECT_EQ(Only(RunExpect(StreamStep(StreamOf(Frames(Slice(StoryEvents(), 0, 3))), std::nullopt,
                                      std::nullopt, &stream)),
                 "expect.usage")
                .actual,
            "no terminal event with an interaction");
}

TEST(ChecksTest, ExpectInput) {
  const Step input = StepWith(Step::Kind::kGet, [](Expect& e) { e.input = true; });
  EXPECT_TRUE(
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted), true), &input)), "expect.input")
          .passed);
  const CheckRecord r =
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted), false), &input)), "expect.input");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "input present");
  EXPECT_EQ(r.actual, "input absent");
  const Step stream = StepWith(Step::Kind::kStream, [](Expect& e) { e.input = false; });
  EXPECT_FALSE(Only(RunExpect(StreamStep(StoryStream(true), std::nullopt, std::nullopt, &stream)),
                    "expect.input")
                   .passed);
}

TEST(ChecksTest, ExpectEventsMinAndMax) {
  const Step within = StepWith(Step::Kind::kStream, [](Expect& e) {
    e.events_min = 7;
    e.events_max = 7;
  });
  const Records ok = RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &within));
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].check, "expect.events_min");
  EXPECT_EQ(ok[1].check, "expect.events_max");
  EXPECT_TRUE(ok[0].passed && ok[1].passed);
  const Step outside = StepWith(Step::Kind::kStream, [](Expect& e) {
    e.events_min = 8;
    e.events_max = 6;
  });
  const Records bad = RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &outside));
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_FALSE(bad[0].passed);
  EXPECT_EQ(bad[0].expected, "at least 8 events");
  EXPECT_EQ(bad[0].actual, "7 events");
  EXPECT_FALSE(bad[1].passed);
  EXPECT_EQ(bad[1].expected, "at most 6 events");
}

TEST(ChecksTest, ExpectPollsMax) {
  const Step poll = StepWith(Step::Kind::kPoll, [](Expect& e) { e.polls_max = 2; });
  const std::vector<ObservedGet> two = {Get(Snapshot(State::kRunning, 0)),
                                        Get(Snapshot(State::kCompleted))};
  EXPECT_TRUE(Only(RunExpect(PollStep(two, &poll)), "expect.polls_max").passed);
  std::vector<ObservedGet> three = two;
  three.insert(three.begin(), Get(Snapshot(State::kPending, 0)));
  const CheckRecord r = Only(RunExpect(PollStep(three, &poll)), "expect.polls_max");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "at most 2 polls");
  EXPECT_EQ(r.actual, "3 polls");
}

TEST(ChecksTest, ExpectChainLength) {
  const Step chain = StepWith(Step::Kind::kChain, [](Expect& e) { e.chain_length = 3; });
  EXPECT_TRUE(
      Only(RunExpect(ChainStep({Hop("c", "b"), Hop("b", "a"), Hop("a", std::nullopt)}, &chain)),
           "expect.chain_length")
          .passed);
  const CheckRecord r = Only(RunExpect(ChainStep({Hop("b", "a"), Hop("a", std::nullopt)}, &chain)),
                             "expect.chain_length");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "3 interactions");
  EXPECT_EQ(r.actual, "2 interactions");
}

TEST(ChecksTest, ExpectTtfeMsMax) {
  const Step fast = StepWith(Step::Kind::kStream, [](Expect& e) { e.ttfe_ms_max = 5; });
  EXPECT_TRUE(Only(RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &fast)),
                   "expect.ttfe_ms_max")
                  .passed);
  const Step faster = StepWith(Step::Kind::kStream, [](Expect& e) { e.ttfe_ms_max = 1; });
  const CheckRecord r =
      Only(RunExpect(StreamStep(StoryStream(), std::nullopt, std::nullopt, &faster)),
           "expect.ttfe_ms_max");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "first event within 1 ms");
  EXPECT_EQ(r.actual, "2.000 ms");
  EXPECT_EQ(Only(RunExpect(StreamStep(StreamOf(""), std::nullopt, std::nullopt, &fast)),
                 "expect.ttfe_ms_max")
                .actual,
            "no event arrived");
}

TEST(ChecksTest, ExpectLatencyMsMax) {
  const Step slow_ok = StepWith(Step::Kind::kGet, [](Expect& e) { e.latency_ms_max = 5; });
  EXPECT_TRUE(
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &slow_ok)), "expect.latency_ms_max")
          .passed);
  const Step quick = StepWith(Step::Kind::kGet, [](Expect& e) { e.latency_ms_max = 4; });
  const CheckRecord r =
      Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &quick)), "expect.latency_ms_max");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "at most 4 ms");
  EXPECT_EQ(r.actual, "5.000 ms");
}

TEST(ChecksTest, ExpectErrorStatus) {
  const Step step = StepWith(Step::Kind::kGet, [](Expect& e) { e.error_status = "NOT_FOUND"; });
  EXPECT_TRUE(Only(RunExpect(GetStep(ErrorGet(404, google_error_json(404, "no")), &step)),
                   "expect.error_status")
                  .passed);
  const CheckRecord wrong =
      Only(RunExpect(GetStep(ErrorGet(503, google_error_json(503, "busy")), &step)),
           "expect.error_status");
  EXPECT_FALSE(wrong.passed);
  EXPECT_EQ(wrong.expected, "\"NOT_FOUND\"");
  EXPECT_EQ(wrong.actual, "\"UNAVAILABLE\"");
  EXPECT_EQ(Only(RunExpect(GetStep(Get(Snapshot(State::kCompleted)), &step)), "expect.error_status")
                .actual,
            "no error body (HTTP 200)");
}

TEST(ChecksTest, ExpectWithoutAnyRequestFailsEachClause) {
  const Step step = StepWith(Step::Kind::kGet, [](Expect& e) {
    e.status = 200;
    e.latency_ms_max = 10;
  });
  StepObservation o;
  o.step = &step;
  o.kind = Step::Kind::kGet;
  const Records records = RunExpect(o);
  ASSERT_EQ(records.size(), 2u);
  for (const CheckRecord& r : records) {
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.actual, "no request was made");
    EXPECT_EQ(r.where, "step /steps/0");
  }
}

// ---- where: how records name each request -----------------------------------------------

// The `where` of every record of `check`, in order.
std::vector<std::string> WheresOf(const StepObservation& o, std::string_view check) {
  std::vector<std::string> out;
  for (const CheckRecord& r : Named(RunProtocol(o), check)) out.push_back(r.where);
  return out;
}

TEST(ChecksTest, WhereNumbersTheRequestsOfAStepAndNamesTheirSequence) {
  StepObservation o = GetStep(Get(Snapshot(State::kRunning, 100)));
  o.gets.push_back(Get(Snapshot(State::kCompleted, 300)));
  EXPECT_THAT(WheresOf(o, "http.content_type"),
              ElementsAre(kGetWhere + " (request 1)", kGetWhere + " (request 2)"));
  EXPECT_THAT(WheresOf(o, "state.forward_only"), ElementsAre(kGetWhere + " (2 requests)"));
  const Records times = Named(RunProtocol(o), "update_time.monotonic");
  ASSERT_EQ(times.size(), 3u);
  EXPECT_EQ(times[2].actual, "2 observations in order");
  EXPECT_EQ(times[2].where, kGetWhere + " (2 requests)");
}

TEST(ChecksTest, WhereNamesTheReferenceTheEarlierRequestsAndEventsWithoutId) {
  StepObservation o = ResumeStep(Frames(Slice(StoryEvents(), 4, 7)), 4);
  o.reference_stream->events.back().decoded.id.clear();
  ObservedStream first = StreamOf(Frames(Slice(StoryEvents(), 0, 4)));
  first.http.status = 503;
  first.http.content_type = "application/json";
  o.attempts = {std::move(first), ObservedStream{}};
  const std::string resumed = kStreamWhere + "&last_event_id=evt_000004";
  const std::string reference = kStreamWhere + " (reference for the resume)";
  EXPECT_THAT(WheresOf(o, "http.content_type"),
              ElementsAre(kGetWhere + " (after the stream)", resumed, reference,
                          kStreamWhere + " (request 1 of 2)"));
  EXPECT_THAT(WheresOf(o, "usage.only_when_terminal"),
              ElementsAre(kGetWhere + " (after the stream)", "event \"evt_000007\" of " + resumed,
                          "event #7 of " + reference));
}

// ---- server values in record texts ------------------------------------------------------

// An event id as a hostile or broken server might send it: a line break, 204 bytes.
const std::string kHostileId = "evt\n" + std::string(200, 'x');
// What every record shows of it: JSON string syntax, cut after 80 bytes.
const std::string kHostileShown = "\"evt\\n" + std::string(76, 'x') + "...\"";

// No raw line break, nothing of the id past its excerpt, and a bounded text. A request's URL
// carries the id percent-encoded where the driver sent it (a chain hop, a resume in the query),
// so `where` is held to the line breaks and the bound only.
void ExpectQuotedAndBounded(const Records& records) {
  for (const CheckRecord& r : records) {
    for (const std::string* text : {&r.expected, &r.actual, &r.where}) {
      EXPECT_EQ(text->find_first_of("\r\n"), std::string::npos) << ::testing::PrintToString(r);
      EXPECT_LT(text->size(), 1024u) << ::testing::PrintToString(r);
      if (text != &r.where) {
        EXPECT_EQ(text->find(std::string(77, 'x')), std::string::npos)
            << ::testing::PrintToString(r);
      }
    }
  }
}

Records RunAll(const StepObservation& o) {
  Records out = RunProtocol(o);
  for (CheckRecord& r : RunExpect(o)) out.push_back(std::move(r));
  return out;
}

const CheckRecord* FailedRecord(const Records& records, std::string_view check) {
  for (const CheckRecord& r : records) {
    if (r.check == check && !r.passed) return &r;
  }
  return nullptr;
}

TEST(ChecksTest, AHostileEventIdReachesRecordsQuotedAndCut) {
  // The story with its terminal event sent twice, both under the hostile id, as is the fourth
  // event, which names another interaction.
  ObservedStream s = StreamOf(Frames(StoryEvents()) + Frames(Slice(StoryEvents(), 6, 7)));
  ASSERT_EQ(s.events.size(), 8u);
  for (const std::size_t i : {3u, 6u, 7u}) s.events[i].decoded.id = kHostileId;
  s.events[3].decoded.interaction_id = "other.u9";
  const Records records = RunAll(StreamStep(std::move(s), Get(Snapshot(State::kCompleted))));
  ExpectQuotedAndBounded(records);

  const CheckRecord* dup = FailedRecord(records, "stream.event_ids_unique");
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->actual, "duplicate " + kHostileShown + " (events 4 and 7), " + kHostileShown +
                             " (events 4 and 8)");
  const CheckRecord* end = FailedRecord(records, "stream.ends_after_terminal");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->actual, "1 event after the terminal event " + kHostileShown + ": " +
                             kHostileShown + " (terminal)");
  EXPECT_EQ(end->where, "event " + kHostileShown + " of " + kStreamWhere);
  const CheckRecord* id = FailedRecord(records, "id.matches_request");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->actual, "event #4 (" + kHostileShown + ") names \"other.u9\"");
}

TEST(ChecksTest, AHostileResumePointReachesRecordsQuotedAndCut) {
  // A resume after the hostile id (sent as Last-Event-ID), which the reference lacks.
  StepObservation o = StreamStep(StreamOf(Frames(Slice(StoryEvents(), 4, 7))),
                                 Get(Snapshot(State::kCompleted)), StoryStream());
  o.stream->last_event_id = kHostileId;
  o.stream->last_event_id_in_header = true;
  o.stream->events[0].decoded.id = kHostileId;
  Records records = RunAll(o);
  ExpectQuotedAndBounded(records);
  const CheckRecord* suffix = FailedRecord(records, "stream.resume_suffix");
  ASSERT_NE(suffix, nullptr);
  EXPECT_EQ(suffix->expected, "the reference stream has an event " + kHostileShown);

  // The same after a break: the step's requests are judged as a union.
  const Step step = StepWith(Step::Kind::kStream,
                             [](Expect& e) { e.breaks = std::vector<std::string>{"reset"}; });
  o.step = &step;
  o.attempts = {ObservedStream{}, ObservedStream{}};
  StreamBreak cut;
  cut.kind = BreakKind::kCut;
  cut.after_event_id = kHostileId;
  cut.detail = "the stream ended before its terminal event";
  o.breaks = {cut};
  o.resumes = 1;
  o.recovered = true;
  records = RunAll(o);
  ExpectQuotedAndBounded(records);
  const CheckRecord* union_record = FailedRecord(records, "stream.resume_union");
  ASSERT_NE(union_record, nullptr);
  EXPECT_EQ(union_record->expected, "the union of the requests is the whole event log after " +
                                        kHostileShown + ": no gap, no duplicate");
  EXPECT_THAT(union_record->actual,
              StartsWith("the reference has no event " + kHostileShown +
                         "; 3 mismatched: " + kHostileShown + ": cannot be aligned, "));
  EXPECT_THAT(union_record->where, HasSubstr("[cut (attempt 1, after " + kHostileShown + ": "));
  const CheckRecord* breaks = FailedRecord(records, "expect.breaks");
  ASSERT_NE(breaks, nullptr);
  EXPECT_THAT(breaks->actual, StartsWith("[cut (attempt 1, after " + kHostileShown + ": "));
}

TEST(ChecksTest, AHostileInteractionIdInAChainReachesRecordsQuotedAndCut) {
  const std::string hostile = "turn\n" + std::string(200, 'x');
  const std::string shown = "\"turn\\n" + std::string(75, 'x') + "...\"";
  ObservedGet second = Hop(hostile, std::nullopt);
  second.http.url = kBase + percent_encode(hostile);  // as the driver asks for a hop
  const Records records = RunAll(ChainStep({Hop("c", hostile), std::move(second)}));
  ExpectQuotedAndBounded(records);
  const Records chain = Named(records, "chain.reaches_root");
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_TRUE(chain[0].passed);
  EXPECT_EQ(chain[0].actual, "\"c\" -> " + shown + " (root; 2 interactions)");
}

TEST(ChecksTest, AHostileFieldNameReachesFindingsQuotedAndCut) {
  const std::string name = "x\n" + std::string(200, 'y');
  const Records records =
      RunAll(GetStep(GetMutated(Snapshot(State::kCompleted), [&](Json& j) { j[name] = 1; })));
  ExpectQuotedAndBounded(records);
  const CheckRecord* schema = FailedRecord(records, "schema.interaction");
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(schema->actual,
              StartsWith("\"/x\\n" + std::string(77, 'y') + "...\": unknown field (expected "));
  // A pointer the dialect defines stays as it is.
  EXPECT_EQ(shown_pointer("/candidates/0/output/text"), "/candidates/0/output/text");
  EXPECT_EQ(shown_pointer(""), "");
}

// ---- observation helpers ----------------------------------------------------------------

TEST(ObservationTest, ErrorClassNames) {
  EXPECT_EQ(to_string(ErrorClass::kNone), "none");
  EXPECT_EQ(to_string(ErrorClass::kConnect), "connect");
  EXPECT_EQ(to_string(ErrorClass::kTimeout), "timeout");
  EXPECT_EQ(to_string(ErrorClass::kHttpStatus), "http_status");
  EXPECT_EQ(to_string(ErrorClass::kProtocol), "protocol");
  EXPECT_EQ(to_string(ErrorClass::kSseParse), "sse_parse");
  EXPECT_EQ(to_string(ErrorClass::kCancelled), "cancelled");
}

TEST(ObservationTest, SawTerminal) {
  EXPECT_TRUE(StoryStream().saw_terminal());
  EXPECT_FALSE(StreamOf(Frames(Slice(StoryEvents(), 0, 6))).saw_terminal());
  EXPECT_FALSE(ObservedStream{}.saw_terminal());
}

}  // namespace
}  // namespace ixh
