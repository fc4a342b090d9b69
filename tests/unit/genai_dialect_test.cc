#include "core/genai_dialect.h"

#include <gtest/gtest.h>

#include "core/sse_parser.h"
#include "tests/unit/genai_test_support.h"
#include "tests/unit/golden.h"

namespace ixh {
namespace {

using genai_test::Completed;
using genai_test::kCreate;
using genai_test::Log;
using genai_test::Stream;
using Json = nlohmann::json;

std::vector<SseEvent> Parse(std::string_view bytes) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(bytes, [&](const SseEvent& e) { events.push_back(e); });
  EXPECT_FALSE(parser.finish());
  return events;
}

TEST(GenaiDialectTest, EncodesCompletedInteractionExactly) {
  testing::ExpectGolden("genai/completed.json",
                        encode_genai_interaction(Completed(), false) + "\n");
  testing::ExpectGolden("genai/completed_with_input.json",
                        encode_genai_interaction(Completed(), true) + "\n");
}

TEST(GenaiDialectTest, UserInputStepAlwaysInputFieldOnlyWhenAsked) {
  const Json plain = genai_interaction_json(Completed(), false);
  EXPECT_FALSE(plain.contains("input"));
  ASSERT_EQ(plain["steps"].size(), 2u);
  EXPECT_EQ(plain["steps"][0]["type"], "user_input");
  EXPECT_EQ(plain["steps"][0]["content"][0]["text"], "Tell me a story");
  EXPECT_EQ(plain["steps"][1]["type"], "model_output");
  EXPECT_EQ(plain["steps"][1]["content"][0]["text"], "Once upon a time.");
  EXPECT_EQ(genai_interaction_json(Completed(), true)["input"], "Tell me a story");
  Interaction no_input = Completed();
  no_input.input.reset();
  EXPECT_EQ(genai_interaction_json(no_input, true)["steps"].size(), 1u);
}

TEST(GenaiDialectTest, RunningHasNoUsageAndNoModelOutputBeforeText) {
  Interaction s = Completed();
  s.state = State::kRunning;
  s.candidates = {""};
  const Json j = genai_interaction_json(s, false);
  EXPECT_EQ(j["status"], "in_progress");
  EXPECT_FALSE(j.contains("usage"));
  ASSERT_EQ(j["steps"].size(), 1u);
  EXPECT_EQ(j["steps"][0]["type"], "user_input");
  s.candidates = {"Once"};
  testing::ExpectGolden("genai/running.json", encode_genai_interaction(s, false) + "\n");
}

TEST(GenaiDialectTest, MapsEveryStateToItsStatus) {
  const std::pair<State, const char*> pairs[] = {{State::kPending, "queued"},
                                                 {State::kRunning, "in_progress"},
                                                 {State::kCompleted, "completed"},
                                                 {State::kFailed, "failed"},
                                                 {State::kCancelled, "cancelled"}};
  for (const auto& [state, name] : pairs) {
    EXPECT_EQ(genai_status(state), name);
    EXPECT_EQ(parse_genai_status(name), state);
    EXPECT_TRUE(is_genai_status(name));
  }
  for (const char* genai_only :
       {"requires_action", "incomplete", "budget_exceeded", "requires_continuation"}) {
    EXPECT_FALSE(parse_genai_status(genai_only).has_value()) << genai_only;
    EXPECT_TRUE(is_genai_status(genai_only)) << genai_only;
  }
  EXPECT_FALSE(is_genai_status("COMPLETED"));
}

TEST(GenaiDialectTest, TimesHaveSecondPrecisionAndUsageMapsTheModel) {
  const Json j = genai_interaction_json(Completed(), false);
  EXPECT_EQ(j["created"], "2026-11-18T11:06:40Z");
  EXPECT_EQ(j["updated"], "2026-11-18T11:06:43Z");
  EXPECT_EQ(j["usage"]["total_input_tokens"], 5);
  EXPECT_EQ(j["usage"]["total_output_tokens"], 7);
  EXPECT_EQ(j["usage"]["total_tokens"], 12);
  EXPECT_EQ(j["usage"]["total_thought_tokens"], 0);
}

TEST(GenaiDialectTest, FramesACompletedStreamExactly) {
  testing::ExpectGolden("genai/stream_completed.sse", Stream(Log(), Completed(), false));
}

TEST(GenaiDialectTest, FramesAFailedStreamWithAnErrorEvent) {
  Interaction failed = Completed();
  failed.state = State::kFailed;
  const std::string bytes = Stream(Log(State::kFailed), failed, true);
  testing::ExpectGolden("genai/stream_failed.sse", bytes);
  const std::vector<SseEvent> events = Parse(bytes);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[events.size() - 3].type, "error");
  const Json err = Json::parse(events[events.size() - 3].data);
  EXPECT_EQ(err["error"]["code"], kGenaiFailedErrorCode);
  EXPECT_TRUE(err["error"]["message"].is_string());
  const Json done = Json::parse(events[events.size() - 2].data);
  EXPECT_EQ(done["interaction"]["status"], "failed");
  EXPECT_EQ(done["interaction"]["input"], "Tell me a story");
  EXPECT_FALSE(done["interaction"].contains("steps"));
}

TEST(GenaiDialectTest, FrameOrderIdsAndShapes) {
  const std::vector<SseEvent> events = Parse(Stream(Log(), Completed(), false));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"interaction.created", "evt_000001.1"},
      {"interaction.status_update", "evt_000001"},
      {"interaction.status_update", "evt_000002"},
      {"step.start", "evt_000003.1"},
      {"step.delta", "evt_000003"},
      {"step.delta", "evt_000004"},
      {"step.delta", "evt_000005"},
      {"step.stop", "evt_000006.1"},
      {"interaction.completed", "evt_000006"},
      {"done", ""}};
  ASSERT_EQ(events.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const SseEvent& e = events[i];
    EXPECT_EQ(e.type, want[i].first) << i;
    EXPECT_EQ(e.last_event_id, "") << "no id: lines";
    if (e.type == "done") {
      EXPECT_EQ(e.data, "[DONE]");
      continue;
    }
    EXPECT_EQ(e.data.find('\n'), std::string::npos);
    const Json j = Json::parse(e.data);
    EXPECT_EQ(j["event_type"], want[i].first) << i;
    EXPECT_EQ(j["event_id"], want[i].second) << i;
  }
  const Json created = Json::parse(events[0].data)["interaction"];
  EXPECT_EQ(created["status"], "queued");
  EXPECT_EQ(created["object"], "interaction");
  EXPECT_FALSE(created.contains("usage"));
  EXPECT_EQ(Json::parse(events[2].data)["status"], "in_progress");
  EXPECT_EQ(Json::parse(events[3].data)["step"]["type"], "model_output");
  EXPECT_EQ(Json::parse(events[5].data)["delta"]["text"], " upon a time");
  EXPECT_EQ(Json::parse(events[8].data)["interaction"]["usage"]["total_tokens"], 12);
}

TEST(GenaiDialectTest, FrameCountMatchesTheFramesWritten) {
  const std::vector<Event> log = Log(State::kFailed);
  for (bool first : {false, true}) {
    for (bool open : {false, true}) {
      for (const Event& e : log) {
        std::string out;
        const GenaiFrameContext ctx{first, open, false};
        append_genai_frames(out, e, Completed(), ctx);
        EXPECT_EQ(Parse(out).size(), genai_frame_count(e, ctx)) << e.id;
        // Skipping k frames leaves count - k, always ending on the event's own id.
        for (std::size_t k = 0; k < genai_frame_count(e, ctx); ++k) {
          std::string rest;
          append_genai_frames(rest, e, Completed(), ctx, k);
          const std::vector<SseEvent> frames = Parse(rest);
          ASSERT_EQ(frames.size(), genai_frame_count(e, ctx) - k);
          EXPECT_EQ(Json::parse(frames.back().data)["event_id"], e.id);
        }
      }
    }
  }
}

TEST(GenaiDialectTest, SplitsFrameIds) {
  EXPECT_EQ(split_genai_frame_id("evt_000004")->event_id, "evt_000004");
  EXPECT_EQ(split_genai_frame_id("evt_000004")->sub, 0u);
  EXPECT_EQ(split_genai_frame_id("evt_000004.2")->event_id, "evt_000004");
  EXPECT_EQ(split_genai_frame_id("evt_000004.2")->sub, 2u);
  for (const char* bad : {"evt_000004.", "evt_000004.0", "evt_000004.x", "evt_000004.100"}) {
    EXPECT_FALSE(split_genai_frame_id(bad).has_value()) << bad;
  }
}

TEST(GenaiDialectTest, ResumedStreamStartsMidStep) {
  const std::vector<SseEvent> events = Parse(Stream(Log(), Completed(), false, 2, 1));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].type, "step.delta");
  EXPECT_EQ(Json::parse(events[0].data)["event_id"], "evt_000003");
  (void)kCreate;
}

}  // namespace
}  // namespace ixh
