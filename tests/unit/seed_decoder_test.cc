#include "core/seed_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error_body.h"
#include "core/seed_dialect.h"
#include "core/sse_parser.h"
#include "core/wire_time.h"
#include "tests/unit/decode_differential.h"

namespace ixh {

void PrintTo(const DecodeFinding& f, std::ostream* os) { *os << format_finding(f); }

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Json = nlohmann::json;

constexpr std::int64_t kCreate = 1'795'000'000'000;  // 2026-11-18T11:06:40.000Z

std::string ReadTestdata(const std::string& relative) {
  std::ifstream in(std::string(IXH_SOURCE_DIR) + "/tests/testdata/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<SseEvent> ParseSse(std::string_view bytes) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(bytes, [&](const SseEvent& e) { events.push_back(e); });
  EXPECT_FALSE(parser.finish());
  return events;
}

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

// The finding at `pointer`, failing the test when there is none.
DecodeFinding At(const std::vector<DecodeFinding>& findings, const std::string& pointer) {
  for (const DecodeFinding& f : findings) {
    if (f.pointer == pointer) return f;
  }
  ADD_FAILURE() << "no finding at " << pointer
                << "; findings: " << ::testing::PrintToString(findings);
  return {};
}

// Decodes the encoder's JSON for Completed() after `mutate` changed it.
template <class Mutate>
DecodedInteraction DecodeMutated(Mutate mutate) {
  Json j = seed_interaction_json(Completed());
  mutate(j);
  return differential::seed_interaction(j.dump());
}

void ExpectSameInteraction(const Interaction& want, const Interaction& got) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.model, want.model);
  EXPECT_EQ(got.input, want.input);
  EXPECT_EQ(got.candidates, want.candidates);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.create_time_ms, want.create_time_ms);
  EXPECT_EQ(got.update_time_ms, want.update_time_ms);
  EXPECT_EQ(got.usage, is_terminal(want.state) ? want.usage : std::nullopt);
  EXPECT_EQ(got.previous_interaction_id, want.previous_interaction_id);
}

// ---- round trips -------------------------------------------------------------------------

TEST(SeedDecoderTest, GoldenInteractionsDecodeWithoutFindings) {
  for (const char* file :
       {"seed/completed.json", "seed/completed_with_input.json", "seed/running.json"}) {
    const DecodedInteraction d = differential::seed_interaction(ReadTestdata(file));
    EXPECT_THAT(d.findings, IsEmpty()) << file;
    EXPECT_TRUE(d.ok()) << file;
    EXPECT_TRUE(d.state_valid && d.create_time_valid && d.update_time_valid) << file;
  }
  const DecodedInteraction d = differential::seed_interaction(ReadTestdata("seed/completed.json"));
  ExpectSameInteraction(Completed(), d.value);
  EXPECT_TRUE(d.has_usage);
  EXPECT_FALSE(d.has_input);
  const DecodedInteraction with_input =
      differential::seed_interaction(ReadTestdata("seed/completed_with_input.json"));
  EXPECT_TRUE(with_input.has_input);
  EXPECT_EQ(with_input.value.input, "Tell me a story");
  const DecodedInteraction running =
      differential::seed_interaction(ReadTestdata("seed/running.json"));
  EXPECT_FALSE(running.has_usage);
  EXPECT_EQ(running.value.state, State::kRunning);
}

TEST(SeedDecoderTest, GoldenStreamDecodesWithoutFindings) {
  const std::vector<SseEvent> raw = ParseSse(ReadTestdata("seed/stream.sse"));
  ASSERT_EQ(raw.size(), 4u);
  std::vector<DecodedEvent> events;
  for (const SseEvent& e : raw) {
    events.push_back(differential::seed_event(e));
    EXPECT_THAT(events.back().findings, IsEmpty()) << e.data;
  }
  EXPECT_EQ(events[0].kind, EventKind::kStateChange);
  EXPECT_EQ(events[0].state, State::kPending);
  EXPECT_EQ(events[0].id, "evt_000001");
  EXPECT_EQ(events[0].interaction_id, "story.u1");
  EXPECT_EQ(events[1].state, State::kRunning);
  EXPECT_EQ(events[2].kind, EventKind::kTextDelta);
  EXPECT_EQ(events[2].candidate, 1);
  EXPECT_EQ(events[2].text, "Long\nago");
  EXPECT_EQ(events[2].update_time_ms, kCreate + 100);
  EXPECT_EQ(events[3].kind, EventKind::kTerminal);
  EXPECT_EQ(events[3].state, State::kCompleted);
  ASSERT_TRUE(events[3].interaction.has_value());
  EXPECT_TRUE(events[3].interaction->ok());
  ExpectSameInteraction(Completed(), events[3].interaction->value);
}

TEST(SeedDecoderTest, EveryEncodedSnapshotDecodesBackExactly) {
  const std::vector<std::vector<std::string>> texts = {
      {""},
      {"plain"},
      {"a \"quoted\"\nline\r\nwith \\ and \t", "second"},
      {"ünïcödé ✓ 🙂", "", "third \x01 control"},
  };
  int decoded = 0;
  for (State state :
       {State::kPending, State::kRunning, State::kCompleted, State::kFailed, State::kCancelled}) {
    for (const auto& candidates : texts) {
      for (bool input : {false, true}) {
        for (bool previous : {false, true}) {
          Interaction s;
          s.id = "id/with%odd~chars";
          s.model = "m";
          s.candidates = candidates;
          s.state = state;
          s.create_time_ms = kCreate + decoded;
          s.update_time_ms = kCreate + decoded * 7;
          if (input) s.input = "the input";
          if (previous) s.previous_interaction_id = "prev";
          s.usage = Usage{decoded, 3, decoded + 3};
          const DecodedInteraction d = differential::seed_interaction(encode_seed_interaction(s));
          EXPECT_THAT(d.findings, IsEmpty()) << encode_seed_interaction(s);
          EXPECT_EQ(d.has_input, input);
          EXPECT_EQ(d.has_usage, is_terminal(state));
          ExpectSameInteraction(s, d.value);
          ++decoded;
        }
      }
    }
  }
  EXPECT_EQ(decoded, 80);
}

TEST(SeedDecoderTest, EveryEncodedEventDecodesBackExactly) {
  Interaction final_snapshot = Completed();
  Interaction light;
  light.id = final_snapshot.id;
  std::string bytes;
  std::vector<Event> events;
  std::size_t n = 0;
  auto add = [&](EventKind kind, State state, int candidate, std::string text) {
    Event e{event_id(++n),  static_cast<std::int64_t>(n) * 10, kind, state, candidate,
            std::move(text)};
    light.update_time_ms = kCreate + e.at_ms;
    append_seed_event(bytes, e, kind == EventKind::kTerminal ? final_snapshot : light);
    events.push_back(std::move(e));
  };
  add(EventKind::kStateChange, State::kPending, 0, "");
  add(EventKind::kStateChange, State::kRunning, 0, "");
  for (int i = 0; i < 20; ++i) {
    add(EventKind::kTextDelta, State::kRunning, i % 3, "chunk " + std::to_string(i) + "\n\"é\"");
  }
  add(EventKind::kTextDelta, State::kRunning, 0, "");
  for (State terminal : {State::kCompleted, State::kFailed, State::kCancelled}) {
    final_snapshot.state = terminal;
    add(EventKind::kTerminal, terminal, 0, "");
  }
  const std::vector<SseEvent> raw = ParseSse(bytes);
  ASSERT_EQ(raw.size(), events.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const DecodedEvent d = differential::seed_event(raw[i]);
    EXPECT_THAT(d.findings, IsEmpty()) << raw[i].data;
    EXPECT_EQ(d.kind, events[i].kind);
    EXPECT_EQ(d.id, events[i].id);
    EXPECT_EQ(d.interaction_id, "story.u1");
    EXPECT_TRUE(d.update_time_valid);
    if (events[i].kind == EventKind::kTextDelta) {
      EXPECT_EQ(d.candidate, events[i].candidate);
      EXPECT_EQ(d.text, events[i].text);
      EXPECT_EQ(d.update_time_ms, kCreate + events[i].at_ms);
    } else {
      EXPECT_TRUE(d.state_valid);
      EXPECT_EQ(d.state, events[i].state);
    }
    EXPECT_EQ(d.interaction.has_value(), events[i].kind == EventKind::kTerminal);
    if (d.interaction) {
      EXPECT_TRUE(d.interaction->ok());
    }
  }
}

TEST(SeedDecoderTest, OverloadsAgree) {
  const Json j = seed_interaction_json(Completed());
  const std::string text = j.dump();
  EXPECT_TRUE(decode_seed_interaction(j).ok());
  EXPECT_TRUE(decode_seed_interaction(text).ok());
  EXPECT_TRUE(decode_seed_interaction(std::string_view(text)).ok());
  EXPECT_TRUE(decode_seed_interaction(text.c_str()).ok());
}

// ---- interaction deviations -------------------------------------------------------------

TEST(SeedDecoderTest, NotJsonIsAWholeDocumentFinding) {
  const DecodedInteraction d = differential::seed_interaction("<html>oops</html>");
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].pointer, "");
  EXPECT_EQ(d.findings[0].expected, "a JSON object (the interaction)");
  EXPECT_THAT(d.findings[0].actual, StartsWith("not JSON: \"<html>"));
  EXPECT_EQ(differential::seed_interaction("").findings[0].actual, "empty");
  EXPECT_EQ(differential::seed_interaction("{\"id\":\"\xff\"}").findings[0].pointer, "");
}

TEST(SeedDecoderTest, NonObjectIsAWholeDocumentFinding) {
  const DecodedInteraction d = differential::seed_interaction("[1,2]");
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].actual, "an array of 2 items");
}

TEST(SeedDecoderTest, WrongFieldNameIsUnknownAndMissing) {
  const DecodedInteraction d = DecodeMutated([](Json& j) {
    j["status"] = j["state"];
    j.erase("state");
  });
  ASSERT_EQ(d.findings.size(), 2u);
  EXPECT_EQ(d.findings[0], (DecodeFinding{"/status", "only the fields docs/wire-seed.md documents",
                                          "unknown field"}));
  EXPECT_EQ(d.findings[1], (DecodeFinding{"/state", "field \"state\"", "missing"}));
  EXPECT_FALSE(d.state_valid);
  EXPECT_EQ(format_finding(d.findings[1]), "/state: missing (expected field \"state\")");
}

TEST(SeedDecoderTest, UnknownStateNameIsAFinding) {
  const DecodedInteraction d = DecodeMutated([](Json& j) { j["state"] = "DONE"; });
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].pointer, "/state");
  EXPECT_EQ(d.findings[0].expected,
            R"(one of "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")");
  EXPECT_EQ(d.findings[0].actual, "\"DONE\"");
  // Wire names are exact: lower case is another name.
  EXPECT_FALSE(DecodeMutated([](Json& j) { j["state"] = "completed"; }).ok());
}

TEST(SeedDecoderTest, WrongTypesAreFindings) {
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["id"] = 5; }).findings, "/id"),
            (DecodeFinding{"/id", "a string", "number 5"}));
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["model"] = nullptr; }).findings, "/model").actual,
            "null");
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["input"] = true; }).findings, "/input").actual,
            "true");
  EXPECT_EQ(
      At(DecodeMutated([](Json& j) { j["state"] = Json::object(); }).findings, "/state").actual,
      "an object");
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["previous_interaction_id"] = nullptr; }).findings,
               "/previous_interaction_id")
                .expected,
            "a string");
}

TEST(SeedDecoderTest, EveryRequiredFieldMissingIsAFinding) {
  for (const char* field :
       {"id", "model", "output", "candidates", "state", "create_time", "update_time"}) {
    const DecodedInteraction d = DecodeMutated([&](Json& j) { j.erase(field); });
    EXPECT_EQ(At(d.findings, std::string("/") + field),
              (DecodeFinding{std::string("/") + field, "field \"" + std::string(field) + "\"",
                             "missing"}))
        << field;
  }
  // The optional ones may go.
  for (const char* field : {"input", "usage_metadata", "previous_interaction_id"}) {
    EXPECT_TRUE(DecodeMutated([&](Json& j) { j.erase(field); }).ok()) << field;
  }
}

TEST(SeedDecoderTest, OutputShapeIsJudged) {
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["output"] = "text"; }).findings, "/output").expected,
            "an object");
  EXPECT_EQ(
      At(DecodeMutated([](Json& j) { j["output"].erase("text"); }).findings, "/output/text").actual,
      "missing");
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["output"]["parts"] = Json::array(); }).findings,
               "/output/parts")
                .actual,
            "unknown field");
}

TEST(SeedDecoderTest, CandidatesShapeIsJudged) {
  EXPECT_EQ(
      At(DecodeMutated([](Json& j) { j["candidates"] = Json::array(); }).findings, "/candidates"),
      (DecodeFinding{"/candidates", "at least one candidate", "an empty array"}));
  EXPECT_EQ(
      At(DecodeMutated([](Json& j) { j["candidates"] = "x"; }).findings, "/candidates").expected,
      "an array");
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["candidates"][1]["index"] = 3; }).findings,
               "/candidates/1/index"),
            (DecodeFinding{"/candidates/1/index", "1 (its position)", "3"}));
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["candidates"][1]["index"] = -1; }).findings,
               "/candidates/1/index")
                .expected,
            "a non-negative integer");
  EXPECT_EQ(
      At(DecodeMutated([](Json& j) { j["candidates"][1] = 7; }).findings, "/candidates/1").actual,
      "number 7");
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["candidates"][0]["role"] = "model"; }).findings,
               "/candidates/0/role")
                .actual,
            "unknown field");
  EXPECT_EQ(At(DecodeMutated([](Json& j) { j["candidates"][1]["output"]["text"] = 1; }).findings,
               "/candidates/1/output/text")
                .expected,
            "a string");
  const DecodedInteraction d =
      DecodeMutated([](Json& j) { j["candidates"][0]["output"]["text"] = "Once upon"; });
  EXPECT_EQ(At(d.findings, "/candidates/0/output/text"),
            (DecodeFinding{"/candidates/0/output/text", "equal to output.text \"Once upon a time\"",
                           "\"Once upon\""}));
}

TEST(SeedDecoderTest, TimesAreJudged) {
  const DecodedInteraction bad =
      DecodeMutated([](Json& j) { j["create_time"] = "2026-11-18 11:06:40"; });
  EXPECT_EQ(At(bad.findings, "/create_time").expected,
            R"(ISO 8601 UTC time like "2026-11-18T11:06:40.000Z")");
  EXPECT_EQ(At(bad.findings, "/create_time").actual, "\"2026-11-18 11:06:40\"");
  EXPECT_FALSE(bad.create_time_valid);
  EXPECT_TRUE(bad.update_time_valid);

  const DecodedInteraction back =
      DecodeMutated([](Json& j) { j["update_time"] = "2026-11-18T11:06:39.999Z"; });
  EXPECT_EQ(At(back.findings, "/update_time"),
            (DecodeFinding{"/update_time", "not before create_time \"2026-11-18T11:06:40.000Z\"",
                           "\"2026-11-18T11:06:39.999Z\""}));
  // Both times were read: the ordering checks can still use them.
  EXPECT_TRUE(back.create_time_valid && back.update_time_valid);
}

TEST(SeedDecoderTest, UsageIsJudged) {
  auto usage_finding = [](auto mutate, const std::string& pointer) {
    return At(DecodeMutated([&](Json& j) { mutate(j["usage_metadata"]); }).findings, pointer);
  };
  EXPECT_EQ(usage_finding([](Json& u) { u["total_token_count"] = 13; },
                          "/usage_metadata/total_token_count"),
            (DecodeFinding{"/usage_metadata/total_token_count",
                           "prompt_token_count + candidates_token_count = 5 + 7", "13"}));
  EXPECT_EQ(
      usage_finding([](Json& u) { u["prompt_token_count"] = -1; },
                    "/usage_metadata/prompt_token_count"),
      (DecodeFinding{"/usage_metadata/prompt_token_count", "a non-negative integer", "number -1"}));
  EXPECT_EQ(usage_finding([](Json& u) { u["candidates_token_count"] = 7.5; },
                          "/usage_metadata/candidates_token_count")
                .actual,
            "number 7.5");
  EXPECT_EQ(usage_finding([](Json& u) { u.erase("total_token_count"); },
                          "/usage_metadata/total_token_count")
                .actual,
            "missing");
  EXPECT_EQ(usage_finding([](Json& u) { u["cached_token_count"] = 1; },
                          "/usage_metadata/cached_token_count")
                .actual,
            "unknown field");
  EXPECT_EQ(usage_finding([](Json& u) { u["total_token_count"] = 18446744073709551615u; },
                          "/usage_metadata/total_token_count")
                .expected,
            "a non-negative integer");
  const DecodedInteraction not_object = DecodeMutated([](Json& j) { j["usage_metadata"] = 12; });
  EXPECT_TRUE(not_object.has_usage);
  EXPECT_EQ(At(not_object.findings, "/usage_metadata").expected, "an object");
  // Adding two huge counts must not overflow into a false match.
  const DecodedInteraction huge = DecodeMutated([](Json& j) {
    j["usage_metadata"] = {{"prompt_token_count", INT64_MAX},
                           {"candidates_token_count", INT64_MAX},
                           {"total_token_count", -2}};
  });
  EXPECT_FALSE(huge.ok());
}

TEST(SeedDecoderTest, UnknownFieldPointersAreEscaped) {
  const DecodedInteraction d = DecodeMutated([](Json& j) { j["a/b~c"] = 1; });
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].pointer, "/a~1b~0c");
}

TEST(SeedDecoderTest, LongValuesAreExcerpted) {
  const DecodedInteraction d =
      DecodeMutated([](Json& j) { j["state"] = std::string(10000, 'x') + "é"; });
  const DecodeFinding f = At(d.findings, "/state");
  EXPECT_LT(f.actual.size(), 100u);
  EXPECT_THAT(f.actual, HasSubstr("..."));
}

TEST(SeedDecoderTest, ReadsWhatItCanAroundFindings) {
  const DecodedInteraction d = DecodeMutated([](Json& j) {
    j["state"] = "DONE";
    j["extra"] = 1;
  });
  EXPECT_EQ(d.findings.size(), 2u);
  EXPECT_EQ(d.value.id, "story.u1");
  EXPECT_EQ(d.value.candidates, (std::vector<std::string>{"Once upon a time", "Long ago"}));
  EXPECT_TRUE(d.has_usage);
}

// ---- event deviations --------------------------------------------------------------------

SseEvent GoodDelta() {
  return {"interaction.text_delta",
          R"({"candidate_index":0,"id":"evt_000003","interaction_id":"a","output":{"text":"hi"},)"
          R"("type":"text_delta","update_time":"2026-11-18T11:06:40.100Z"})",
          "evt_000003"};
}

template <class Mutate>
DecodedEvent DecodeEvent(SseEvent raw, Mutate mutate) {
  Json j = Json::parse(raw.data);
  mutate(j, raw);
  raw.data = j.dump();
  return differential::seed_event(raw);
}

SseEvent GoldenTerminal() { return ParseSse(ReadTestdata("seed/stream.sse")).back(); }
SseEvent GoldenStateChange() { return ParseSse(ReadTestdata("seed/stream.sse")).front(); }

TEST(SeedDecoderTest, GoodDeltaHasNoFindings) {
  const DecodedEvent d = differential::seed_event(GoodDelta());
  EXPECT_TRUE(d.ok()) << ::testing::PrintToString(d.findings);
  EXPECT_EQ(d.text, "hi");
}

TEST(SeedDecoderTest, UnknownSseEventTypeIsAFinding) {
  SseEvent raw = GoodDelta();
  raw.type = "message";
  const DecodedEvent d = differential::seed_event(raw);
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].pointer, "");
  EXPECT_EQ(d.findings[0].expected,
            R"(SSE event type one of "interaction.state_change", "interaction.text_delta", )"
            R"("interaction.terminal")");
  EXPECT_EQ(d.findings[0].actual, "\"message\"");
  // The kind falls back to data.type so the rest is still judged.
  EXPECT_EQ(d.kind, EventKind::kTextDelta);
}

TEST(SeedDecoderTest, SseTypeAndDataTypeMustAgree) {
  SseEvent raw = GoodDelta();
  raw.type = "interaction.terminal";
  const DecodedEvent d = differential::seed_event(raw);
  EXPECT_EQ(At(d.findings, "/type"),
            (DecodeFinding{"/type", R"("terminal" (the SSE event type is "interaction.terminal"))",
                           "\"text_delta\""}));
  const DecodedEvent unknown =
      DecodeEvent(GoodDelta(), [](Json& j, SseEvent&) { j["type"] = "delta"; });
  EXPECT_EQ(At(unknown.findings, "/type").expected,
            R"(one of "state_change", "text_delta", "terminal")");
}

TEST(SeedDecoderTest, MissingSseIdLineIsAFinding) {
  SseEvent raw = GoodDelta();
  raw.last_event_id.clear();
  const DecodedEvent d = differential::seed_event(raw);
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0], (DecodeFinding{"", R"(an SSE "id:" line)", "missing"}));
  EXPECT_EQ(d.id, "evt_000003");  // still known from the data
}

TEST(SeedDecoderTest, DataIdMustEqualSseId) {
  SseEvent raw = GoodDelta();
  raw.last_event_id = "evt_000002";  // a frame without id: keeps the previous one
  const DecodedEvent d = differential::seed_event(raw);
  EXPECT_EQ(At(d.findings, "/id"),
            (DecodeFinding{"/id", "equal to the SSE id \"evt_000002\"", "\"evt_000003\""}));
}

TEST(SeedDecoderTest, DataMustBeOneLineOfOneJsonObject) {
  SseEvent raw = GoodDelta();
  raw.data = "{\"id\":\n\"evt_000003\"}";
  EXPECT_EQ(At(differential::seed_event(raw).findings, "").actual, "2 data lines");
  raw.data = "not json";
  const DecodedEvent not_json = differential::seed_event(raw);
  ASSERT_EQ(not_json.findings.size(), 1u);
  EXPECT_EQ(not_json.findings[0].expected, "data: a JSON object");
  EXPECT_EQ(not_json.findings[0].actual, "not JSON: \"not json\"");
  raw.data = "[]";
  EXPECT_EQ(differential::seed_event(raw).findings.at(0).actual, "an array of 0 items");
}

TEST(SeedDecoderTest, RequiredEventFieldsAreJudged) {
  for (const char* field :
       {"id", "interaction_id", "type", "update_time", "candidate_index", "output"}) {
    const DecodedEvent d = DecodeEvent(GoodDelta(), [&](Json& j, SseEvent&) { j.erase(field); });
    EXPECT_EQ(At(d.findings, std::string("/") + field).actual, "missing") << field;
  }
  EXPECT_EQ(At(DecodeEvent(GoodDelta(), [](Json& j, SseEvent&) { j["update_time"] = "yesterday"; })
                   .findings,
               "/update_time")
                .expected,
            R"(ISO 8601 UTC time like "2026-11-18T11:06:40.000Z")");
  EXPECT_EQ(
      At(DecodeEvent(GoodDelta(), [](Json& j, SseEvent&) { j["state"] = "RUNNING"; }).findings,
         "/state")
          .actual,
      "unknown field");
}

TEST(SeedDecoderTest, TextDeltaFieldsAreJudged) {
  EXPECT_EQ(
      At(DecodeEvent(GoodDelta(), [](Json& j, SseEvent&) { j["candidate_index"] = -1; }).findings,
         "/candidate_index"),
      (DecodeFinding{"/candidate_index", "a non-negative integer", "number -1"}));
  EXPECT_EQ(
      At(DecodeEvent(GoodDelta(), [](Json& j, SseEvent&) { j["candidate_index"] = 4294967296; })
             .findings,
         "/candidate_index")
          .expected,
      "a non-negative integer");
  EXPECT_EQ(
      At(DecodeEvent(GoodDelta(), [](Json& j, SseEvent&) { j["output"]["text"] = 3; }).findings,
         "/output/text"),
      (DecodeFinding{"/output/text", "a string", "number 3"}));
}

TEST(SeedDecoderTest, StateChangeMustCarryANonTerminalState) {
  const DecodedEvent d =
      DecodeEvent(GoldenStateChange(), [](Json& j, SseEvent&) { j["state"] = "COMPLETED"; });
  EXPECT_EQ(At(d.findings, "/state"),
            (DecodeFinding{"/state", R"(a non-terminal state ("PENDING" or "RUNNING"))",
                           "\"COMPLETED\""}));
  EXPECT_TRUE(d.state_valid);
  EXPECT_EQ(
      At(DecodeEvent(GoldenStateChange(), [](Json& j, SseEvent&) { j.erase("state"); }).findings,
         "/state")
          .actual,
      "missing");
}

TEST(SeedDecoderTest, TerminalMustCarryATerminalStateAndItsInteraction) {
  const DecodedEvent good = differential::seed_event(GoldenTerminal());
  EXPECT_TRUE(good.ok());
  const DecodedEvent running =
      DecodeEvent(GoldenTerminal(), [](Json& j, SseEvent&) { j["state"] = "RUNNING"; });
  EXPECT_EQ(At(running.findings, "/state").expected,
            R"(a terminal state ("COMPLETED", "FAILED" or "CANCELLED"))");
  EXPECT_EQ(At(running.findings, "/interaction/state"),
            (DecodeFinding{"/interaction/state", "equal to the event's state \"RUNNING\"",
                           "\"COMPLETED\""}));
  EXPECT_EQ(
      At(DecodeEvent(GoldenTerminal(), [](Json& j, SseEvent&) { j.erase("interaction"); }).findings,
         "/interaction")
          .actual,
      "missing");
  const DecodedEvent not_object =
      DecodeEvent(GoldenTerminal(), [](Json& j, SseEvent&) { j["interaction"] = "x"; });
  EXPECT_EQ(At(not_object.findings, "/interaction").expected, "an object");
  EXPECT_FALSE(not_object.interaction.has_value());
  EXPECT_EQ(
      At(DecodeEvent(GoldenTerminal(), [](Json& j, SseEvent&) { j["interaction"]["id"] = "other"; })
             .findings,
         "/interaction/id"),
      (DecodeFinding{"/interaction/id", "equal to interaction_id \"story.u1\"", "\"other\""}));
}

TEST(SeedDecoderTest, EmbeddedInteractionFindingsStayWithTheInteraction) {
  const DecodedEvent d = DecodeEvent(
      GoldenTerminal(), [](Json& j, SseEvent&) { j["interaction"]["status"] = "COMPLETED"; });
  EXPECT_TRUE(d.ok());
  ASSERT_TRUE(d.interaction.has_value());
  EXPECT_EQ(At(d.interaction->findings, "/status").actual, "unknown field");
}

// ---- error bodies ------------------------------------------------------------------------

TEST(SeedDecoderTest, GoogleErrorBodiesDecode) {
  for (int status : {400, 401, 403, 404, 429, 500, 503, 418}) {
    const DecodedError e = decode_error_body(google_error_json(status, "why"), status);
    EXPECT_THAT(e.findings, IsEmpty()) << status;
    EXPECT_EQ(e.code, status);
    EXPECT_EQ(e.message, "why");
    EXPECT_EQ(e.status, google_status_name(status));
  }
  EXPECT_TRUE(decode_error_body(
                  R"({"error":{"code":404,"message":"m","status":"NOT_FOUND","details":[]}})", 404)
                  .ok());
  // No canonical name for 418: any status string will do.
  EXPECT_TRUE(
      decode_error_body(R"({"error":{"code":418,"message":"m","status":"TEAPOT"}})", 418).ok());
}

TEST(SeedDecoderTest, ErrorBodyDeviationsAreFindings) {
  const DecodedError code =
      decode_error_body(R"({"error":{"code":500,"message":"m","status":"NOT_FOUND"}})", 404);
  ASSERT_EQ(code.findings.size(), 1u);
  EXPECT_EQ(code.findings[0],
            (DecodeFinding{"/error/code", "404 (the HTTP status)", "number 500"}));
  EXPECT_EQ(code.code, 500);

  const DecodedError status =
      decode_error_body(R"({"error":{"code":404,"message":"m","status":"NOTFOUND"}})", 404);
  EXPECT_EQ(At(status.findings, "/error/status"),
            (DecodeFinding{"/error/status", "\"NOT_FOUND\" (for HTTP 404)", "\"NOTFOUND\""}));

  EXPECT_EQ(At(decode_error_body(R"({"error":{"code":404,"status":"NOT_FOUND"}})", 404).findings,
               "/error/message")
                .actual,
            "missing");
  EXPECT_EQ(
      At(decode_error_body(R"({"error":{"code":"404","message":"m","status":"NOT_FOUND"}})", 404)
             .findings,
         "/error/code")
          .actual,
      "\"404\"");
  EXPECT_EQ(At(decode_error_body(R"({"message":"m"})", 404).findings, "/error").actual, "missing");
  EXPECT_EQ(At(decode_error_body(R"({"message":"m"})", 404).findings, "/message").actual,
            "unknown field");
  EXPECT_EQ(At(decode_error_body(
                   R"({"error":{"code":404,"message":"m","status":"NOT_FOUND","details":{}}})", 404)
                   .findings,
               "/error/details")
                .expected,
            "an array");
  const DecodedError html = decode_error_body("<html>Bad Gateway</html>", 502);
  ASSERT_EQ(html.findings.size(), 1u);
  EXPECT_EQ(html.findings[0].expected,
            R"(a JSON error body {"error":{"code","message","status"}})");
  EXPECT_THAT(html.findings[0].actual, StartsWith("not JSON:"));
  EXPECT_EQ(decode_error_body("", 503).findings.at(0).actual, "empty");
}

}  // namespace
}  // namespace ixh
