#include "core/seed_dialect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

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

// The direct writer for state changes and text deltas must give the DOM's bytes exactly, and
// hand anything it does not write verbatim to the DOM: every byte value, every UTF-8 boundary
// case, in ids as well as text.
TEST(SeedDialectTest, DirectEventWriterMatchesTheDomByteForByte) {
  std::vector<std::string> texts = {"",
                                    "plain",
                                    "caf\xc3\xa9",
                                    "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80",
                                    "a\"b",
                                    "a\\b",
                                    "line\nbreak",
                                    "tab\t",
                                    "\x7f",
                                    "\xc3",
                                    "\xe2\x82",
                                    "\xf0\x9f\x98",
                                    "\xc0\xaf",
                                    "\xed\xa0\x80",
                                    "\xf4\x90\x80\x80",
                                    "\xe0\x80\xaf",
                                    "\xf0\x80\x80\x80",
                                    "\xef\xbf\xbf",
                                    "\xf4\x8f\xbf\xbf",
                                    "\xff",
                                    std::string(1, '\0')};
  for (int b = 0; b < 256; ++b) texts.push_back("x" + std::string(1, static_cast<char>(b)) + "y");
  Interaction snapshot = Completed();
  snapshot.state = State::kRunning;
  int direct = 0;
  for (const std::string& text : texts) {
    for (const EventKind kind : {EventKind::kStateChange, EventKind::kTextDelta}) {
      for (int where = 0; where < 3; ++where) {
        Event e;
        e.id = where == 1 ? "evt_" + text : "evt_000007";
        e.kind = kind;
        e.state = State::kRunning;
        e.candidate = where == 2 ? 12 : 0;
        e.text = text;
        Interaction snap = snapshot;
        if (where == 2) snap.id = "story." + text;
        std::string fast;
        std::string dom;
        append_seed_event(fast, e, snap);
        append_seed_event_dom(dom, e, snap);
        EXPECT_EQ(fast, dom) << "text bytes " << ::testing::PrintToString(text) << " where "
                             << where;
        std::string alone = "kept";
        const bool wrote = append_seed_event_direct(alone, e, snap);
        EXPECT_EQ(alone, wrote ? "kept" + dom : "kept");
        const bool text_used = kind == EventKind::kTextDelta || where != 0;
        const bool needs_escape =
            text.find_first_of(std::string("\"\\\x7f\0", 4)) != std::string::npos ||
            std::any_of(text.begin(), text.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20; });
        if (text_used && needs_escape) {
          EXPECT_FALSE(wrote) << ::testing::PrintToString(text);
        }
        if (!text_used || text == "plain" || text == "caf\xc3\xa9" || text == "\xf0\x9f\x98\x80") {
          EXPECT_TRUE(wrote) << ::testing::PrintToString(text) << " where " << where;
          ++direct;
        }
      }
    }
  }
  EXPECT_EQ(direct, static_cast<int>(texts.size()) +
                        15);  // every state change without text in it, the plain texts elsewhere
}

// Terminal events embed the whole interaction: every optional field present and absent, several
// candidates, every state, and a string needing escapes in each field (which hands the event
// to the DOM).
TEST(SeedDialectTest, DirectTerminalWriterMatchesTheDomByteForByte) {
  const std::vector<std::string> texts = {
      "", "Once upon a time", "caf\xc3\xa9 \xf0\x9f\x98\x80", "a\"b", "line\nbreak", "\xff"};
  int direct = 0;
  int cases = 0;
  for (const State state :
       {State::kCompleted, State::kFailed, State::kCancelled, State::kRunning}) {
    for (int variant = 0; variant < 16; ++variant) {
      for (std::size_t t = 0; t < texts.size(); ++t) {
        for (int field = 0; field < 6; ++field) {
          Interaction snap = Completed();
          snap.state = state;
          if ((variant & 1) != 0) snap.input = "Tell me a story";
          if ((variant & 2) != 0) snap.usage.reset();
          if ((variant & 4) != 0) snap.previous_interaction_id.reset();
          if ((variant & 8) != 0) snap.candidates = {"only"};
          Event e;
          e.id = "evt_000042";
          e.kind = EventKind::kTerminal;
          e.state = state;
          const std::string& text = texts[t];
          switch (field) {
            case 0:
              snap.candidates[0] = text;
              break;
            case 1:
              snap.candidates.back() = text;
              break;
            case 2:
              snap.model = "model-" + text;
              break;
            case 3:
              if (snap.input) snap.input = text;
              break;
            case 4:
              if (snap.previous_interaction_id) snap.previous_interaction_id = "p" + text;
              break;
            case 5:
              e.id = "evt_" + text;
              break;
          }
          std::string dom;
          append_seed_event_dom(dom, e, snap);
          std::string fast;
          append_seed_event(fast, e, snap);
          EXPECT_EQ(fast, dom) << "variant " << variant << " field " << field << " text " << t;
          std::string alone;
          const bool wrote = append_seed_event_direct(alone, e, snap);
          EXPECT_EQ(alone, wrote ? dom : "");
          ++cases;
          if (t < 3) {
            EXPECT_TRUE(wrote) << "variant " << variant << " field " << field << " text " << t;
          }
          direct += wrote ? 1 : 0;
        }
      }
    }
  }
  EXPECT_GE(direct, cases / 2);
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
