#include "mock_server/timeline.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace ixh::mock {
namespace {

TimelineEntry StateAt(std::int64_t ms, State s) {
  TimelineEntry e;
  e.after_ms = ms;
  e.kind = TimelineEntry::Kind::kState;
  e.state = s;
  return e;
}

TimelineEntry TextAt(std::int64_t ms, std::string text, int candidate = 0) {
  TimelineEntry e;
  e.after_ms = ms;
  e.kind = TimelineEntry::Kind::kText;
  e.text = std::move(text);
  e.candidate = candidate;
  return e;
}

InteractionTemplate Story() {
  InteractionTemplate t;
  t.name = "story";
  t.input = "Tell me a story";  // 15 bytes: 4 estimated tokens
  t.candidates = 2;
  t.timeline = {StateAt(0, State::kRunning), TextAt(100, "Once"), TextAt(150, "Long", 1),
                TextAt(200, " upon"), StateAt(300, State::kCompleted)};
  return t;
}

TEST(TimelineTest, StartsEveryLogWithPendingThenFollowsTheScript) {
  const auto c = compile_template(Story(), 1);
  ASSERT_EQ(c->events.size(), 6u);
  EXPECT_EQ(c->events[0].kind, EventKind::kStateChange);
  EXPECT_EQ(c->events[0].state, State::kPending);
  EXPECT_EQ(c->events[1].state, State::kRunning);
  EXPECT_EQ(c->events[2].kind, EventKind::kTextDelta);
  EXPECT_EQ(c->events[3].candidate, 1);
  EXPECT_EQ(c->events[5].kind, EventKind::kTerminal);
  EXPECT_EQ(c->events[5].state, State::kCompleted);
  EXPECT_EQ(c->terminal_ms, 300);
  for (std::size_t i = 0; i < c->events.size(); ++i) {
    EXPECT_EQ(c->events[i].id, event_id(i + 1));
  }
  EXPECT_EQ(c->events[0].id, "evt_000001");
}

TEST(TimelineTest, CountsVisibleEventsByElapsedTime) {
  const auto c = compile_template(Story(), 1);
  EXPECT_EQ(visible_events(*c, 0), 2u);  // PENDING and RUNNING both at 0 ms
  EXPECT_EQ(visible_events(*c, 99'999), 2u);
  EXPECT_EQ(visible_events(*c, 100'000), 3u);
  EXPECT_EQ(visible_events(*c, 299'999), 5u);
  EXPECT_EQ(visible_events(*c, 300'000), 6u);
  EXPECT_EQ(visible_events(*c, 1'000'000'000), 6u);
  EXPECT_EQ(visible_events(*c, -5), 0u);
}

TEST(TimelineTest, SnapshotShowsTextSoFarAndUsageOnlyOnceTerminal) {
  const auto c = compile_template(Story(), 1);
  InstanceView view{"story.u1", 1000, std::string("prev.u1")};
  const Interaction mid = snapshot_after(*c, view, 4, false);
  EXPECT_EQ(mid.state, State::kRunning);
  EXPECT_EQ(mid.candidates, (std::vector<std::string>{"Once", "Long"}));
  EXPECT_EQ(mid.update_time_ms, 1150);
  EXPECT_FALSE(mid.usage.has_value());
  EXPECT_FALSE(mid.input.has_value());
  EXPECT_EQ(mid.previous_interaction_id, "prev.u1");

  const Interaction done = snapshot_after(*c, view, 6, true);
  EXPECT_EQ(done.state, State::kCompleted);
  EXPECT_EQ(done.output_text(), "Once upon");
  EXPECT_EQ(done.update_time_ms, 1300);
  ASSERT_TRUE(done.usage.has_value());
  EXPECT_EQ(done.usage->prompt_token_count, 4);
  EXPECT_EQ(done.usage->candidates_token_count, 3 + 1);  // "Once upon" 9 B, "Long" 4 B
  EXPECT_EQ(done.usage->total_token_count, 8);
  EXPECT_EQ(done.input, "Tell me a story");

  const Interaction before = snapshot_after(*c, view, 0, false);
  EXPECT_EQ(before.state, State::kPending);
  EXPECT_EQ(before.update_time_ms, before.create_time_ms);
}

TEST(TimelineTest, UsesScriptedUsageOverTheEstimate) {
  InteractionTemplate t = Story();
  TimelineEntry u;
  u.after_ms = 300;
  u.kind = TimelineEntry::Kind::kUsage;
  u.usage = Usage{10, 20, 30};
  t.timeline.insert(t.timeline.end() - 1, u);
  const auto c = compile_template(t, 1);
  EXPECT_EQ(c->events.size(), 6u);  // usage is not an event of its own
  EXPECT_EQ(c->usage, (Usage{10, 20, 30}));
}

TEST(TimelineTest, EmptyTimelineStaysPendingForever) {
  InteractionTemplate t;
  t.name = "pending";
  const auto c = compile_template(t, 1);
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->terminal_ms, -1);
  const Interaction s = snapshot_after(*c, {"pending", 0, std::nullopt}, 1, false);
  EXPECT_EQ(s.state, State::kPending);
  EXPECT_FALSE(s.usage.has_value());
}

TEST(TimelineTest, GeneratesChunksOfExactSizeAtFixedIntervals) {
  InteractionTemplate t;
  t.name = "bulk";
  t.generate = GenerateSpec{5, 64, 10, 20, State::kCompleted};
  const auto c = compile_template(t, 42);
  ASSERT_EQ(c->events.size(), 1u + 1u + 5u + 1u);
  EXPECT_EQ(c->events[1].at_ms, 20);
  EXPECT_EQ(c->events[1].state, State::kRunning);
  for (int i = 0; i < 5; ++i) {
    const Event& e = c->events[static_cast<std::size_t>(2 + i)];
    EXPECT_EQ(e.kind, EventKind::kTextDelta);
    EXPECT_EQ(e.text.size(), 64u);
    EXPECT_EQ(e.at_ms, 20 + 10 * (i + 1));
  }
  EXPECT_EQ(c->events.back().kind, EventKind::kTerminal);
  EXPECT_EQ(c->events.back().at_ms, 70);
  EXPECT_EQ(c->full_text[0].size(), 5u * 64u);
}

TEST(TimelineTest, GeneratedTextDependsOnSeedAndNameOnly) {
  InteractionTemplate t;
  t.name = "bulk";
  t.generate = GenerateSpec{3, 32, 1, 0, State::kCompleted};
  const auto a = compile_template(t, 7);
  const auto b = compile_template(t, 7);
  const auto other_seed = compile_template(t, 8);
  t.name = "bulk2";
  const auto other_name = compile_template(t, 7);
  EXPECT_EQ(a->full_text, b->full_text);
  EXPECT_NE(a->full_text, other_seed->full_text);
  EXPECT_NE(a->full_text, other_name->full_text);
}

TEST(TimelineTest, RejectsGeneratedLogsTooLargeToHold) {
  InteractionTemplate t;
  t.name = "huge";
  t.file = "huge.json";
  t.pointer = "/interactions/huge";
  t.generate = GenerateSpec{1'000'000, 1'048'576, 1, 0, State::kCompleted};
  try {
    compile_template(t, 1);
    FAIL() << "expected ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "huge.json");
    EXPECT_EQ(e.pointer(), "/interactions/huge/generate");
  }
}

}  // namespace
}  // namespace ixh::mock
