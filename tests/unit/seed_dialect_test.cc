#include "core/seed_dialect.h"

#include <gtest/gtest.h>

#include "core/sse_parser.h"
#include "tests/unit/golden.h"

namespace ixh {
namespace {

constexpr std::int64_t kCreate = 1'795'000'000'000;  // 2026-11-18T11:06:40.000Z

Interaction Completed() {
  Interaction s;
  s.id = "story.u1";
  s.model = "ixh-mock-1";
  s.candidates = {"Once upon a time", "Long ago"};
  s.state = State::kCompleted;
  s.create_time_ms = kCreate;
  s.update_time_ms = kCreate + 1234;
  s.usage = Usage{5, 7, 12};
  s.previous_interaction_id = "prologue.u1";
  return s;
}

TEST(SeedDialectTest, EncodesCompletedInteractionExactly) {
  testing::ExpectGolden("seed/completed.json", encode_seed_interaction(Completed()) + "\n");
}

TEST(SeedDialectTest, IncludesInputOnlyWhenSet) {
  Interaction s = Completed();
  EXPECT_FALSE(seed_interaction_json(s).contains("input"));
  s.input = "Tell me a story";
  EXPECT_EQ(seed_interaction_json(s)["input"], "Tell me a story");
  testing::ExpectGolden("seed/completed_with_input.json", encode_seed_interaction(s) + "\n");
}

TEST(SeedDialectTest, OmitsUsageUntilTerminal) {
  Interaction s = Completed();
  s.state = State::kRunning;
  s.usage = Usage{1, 2, 3};  // even if a caller leaves it set, a running interaction hides it
  const auto j = seed_interaction_json(s);
  EXPECT_FALSE(j.contains("usage_metadata"));
  EXPECT_EQ(j["state"], "RUNNING");
  testing::ExpectGolden("seed/running.json", encode_seed_interaction(s) + "\n");
}

TEST(SeedDialectTest, OmitsPreviousWhenNone) {
  Interaction s = Completed();
  s.previous_interaction_id.reset();
  EXPECT_FALSE(seed_interaction_json(s).contains("previous_interaction_id"));
}

TEST(SeedDialectTest, WritesEveryStateName) {
  for (State st :
       {State::kPending, State::kRunning, State::kCompleted, State::kFailed, State::kCancelled}) {
    Interaction s = Completed();
    s.state = st;
    EXPECT_EQ(seed_interaction_json(s)["state"], std::string(to_string(st)));
  }
}

TEST(SeedDialectTest, FramesEachEventKindExactly) {
  Interaction light;
  light.id = "story.u1";
  light.update_time_ms = kCreate;
  std::string out;
  Event pending{"evt_000001", 0, EventKind::kStateChange, State::kPending, 0, ""};
  Event running{"evt_000002", 0, EventKind::kStateChange, State::kRunning, 0, ""};
  Event delta{"evt_000003", 100, EventKind::kTextDelta, State::kRunning, 1, "Long\nago"};
  append_seed_event(out, pending, light);
  append_seed_event(out, running, light);
  light.update_time_ms = kCreate + 100;
  append_seed_event(out, delta, light);
  Event done{"evt_000004", 1234, EventKind::kTerminal, State::kCompleted, 0, ""};
  append_seed_event(out, done, Completed());
  testing::ExpectGolden("seed/stream.sse", out);
}

TEST(SeedDialectTest, StreamFramesParseBackToTheirEvents) {
  std::string out;
  Interaction light;
  light.id = "a";
  Event delta{"evt_000007", 0, EventKind::kTextDelta, State::kRunning, 0, "x\r\ny"};
  append_seed_event(out, delta, light);
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(out, [&](const SseEvent& e) { events.push_back(e); });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "interaction.text_delta");
  EXPECT_EQ(events[0].last_event_id, "evt_000007");
  const auto j = nlohmann::json::parse(events[0].data);
  EXPECT_EQ(j["output"]["text"], "x\r\ny");
  EXPECT_EQ(j["id"], "evt_000007");
  EXPECT_EQ(j["interaction_id"], "a");
  EXPECT_EQ(j["candidate_index"], 0);
}

}  // namespace
}  // namespace ixh
