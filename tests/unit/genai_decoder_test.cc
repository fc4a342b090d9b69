#include "core/genai_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/genai_dialect.h"
#include "core/sse_parser.h"
#include "tests/unit/decode_differential.h"
#include "tests/unit/genai_test_support.h"

namespace ixh {
namespace {

using genai_test::Completed;
using genai_test::kCreate;
using genai_test::Log;
using genai_test::Stream;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

std::string ReadTestdata(const std::string& relative) {
  std::ifstream in(std::string(IXH_SOURCE_DIR) + "/tests/testdata/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

DecodeFinding At(const std::vector<DecodeFinding>& findings, const std::string& pointer) {
  for (const DecodeFinding& f : findings) {
    if (f.pointer == pointer) return f;
  }
  ADD_FAILURE() << "no finding at " << pointer
                << "; findings: " << ::testing::PrintToString(findings);
  return {};
}

// Decodes every event of `bytes`, fed to the SSE parser in pieces of `piece` bytes (0: whole).
std::vector<DecodedEvent> DecodeStream(std::string_view bytes, std::size_t piece = 0) {
  SseParser parser;
  std::vector<DecodedEvent> out;
  const auto sink = [&](const SseEvent& e) { out.push_back(differential::genai_event(e)); };
  if (piece == 0) {
    parser.feed(bytes, sink);
  } else {
    for (std::size_t i = 0; i < bytes.size(); i += piece) parser.feed(bytes.substr(i, piece), sink);
  }
  EXPECT_FALSE(parser.finish());
  return out;
}

// What the checks see of a stream: kind, id, state, text, framing, end marker.
std::string Summary(const std::vector<DecodedEvent>& events) {
  std::string s;
  for (const DecodedEvent& e : events) {
    s += e.end_marker ? "END" : e.framing ? "frame" : std::string(to_string(e.kind));
    s += "|" + e.id + "|" + (e.state_valid ? std::string(to_string(e.state)) : "-") + "|" + e.text +
         "|" + std::to_string(e.findings.size()) + "\n";
  }
  return s;
}

TEST(GenaiDecoderTest, GoldenInteractionsDecodeWithoutFindings) {
  for (const char* file :
       {"genai/completed.json", "genai/completed_with_input.json", "genai/running.json"}) {
    const DecodedInteraction d = differential::genai_interaction(ReadTestdata(file));
    EXPECT_THAT(d.findings, IsEmpty()) << file;
    EXPECT_TRUE(d.state_valid && d.create_time_valid && d.update_time_valid) << file;
  }
  const DecodedInteraction d =
      differential::genai_interaction(ReadTestdata("genai/completed.json"));
  EXPECT_EQ(d.value.id, "story.u1");
  EXPECT_EQ(d.value.model, "gemini-3.5-flash");
  EXPECT_EQ(d.value.state, State::kCompleted);
  EXPECT_EQ(d.value.output_text(), "Once upon a time.");
  EXPECT_EQ(d.value.create_time_ms, kCreate);
  EXPECT_EQ(d.value.update_time_ms, kCreate + 3000);
  EXPECT_EQ(d.value.usage, (Usage{5, 7, 12}));
  EXPECT_EQ(d.value.previous_interaction_id, "prologue.u1");
  EXPECT_TRUE(d.has_usage);
  EXPECT_FALSE(d.has_input);
  const DecodedInteraction in =
      differential::genai_interaction(ReadTestdata("genai/completed_with_input.json"));
  EXPECT_TRUE(in.has_input);
  EXPECT_EQ(in.value.input, "Tell me a story");
  const DecodedInteraction running =
      differential::genai_interaction(ReadTestdata("genai/running.json"));
  EXPECT_EQ(running.value.state, State::kRunning);
  EXPECT_FALSE(running.has_usage);
  EXPECT_EQ(running.value.output_text(), "Once");
}

TEST(GenaiDecoderTest, TheReferenceExampleDecodes) {
  // The interaction the SDKs were observed to accept, thought step and modality lists included.
  const char* body = R"({"id":"v1_plain","object":"interaction","model":"gemini-3.5-flash",
    "status":"completed","created":"2026-05-12T18:44:51Z","updated":"2026-05-12T18:44:53Z",
    "service_tier":"standard","input":"Count from 1 to 5.","steps":[
    {"type":"user_input","content":[{"type":"text","text":"Count from 1 to 5."}]},
    {"type":"thought","signature":"c2lnbmF0dXJlLWJ5dGVz"},
    {"type":"model_output","content":[{"type":"text","text":"1, 2, 3, 4, 5."}]}],
    "usage":{"total_input_tokens":11,"input_tokens_by_modality":[{"modality":"text","tokens":11}],
    "total_cached_tokens":0,"total_output_tokens":14,
    "output_tokens_by_modality":[{"modality":"text","tokens":14}],"total_tool_use_tokens":0,
    "total_thought_tokens":21,"total_tokens":46}})";
  const DecodedInteraction d = differential::genai_interaction(body);
  EXPECT_THAT(d.findings, IsEmpty());
  EXPECT_EQ(d.value.output_text(), "1, 2, 3, 4, 5.");
  EXPECT_EQ(d.value.usage, (Usage{11, 14, 46}));
}

TEST(GenaiDecoderTest, DeviationsAreFindingsNeverThrows) {
  Json j = genai_interaction_json(Completed(), true);
  j["status"] = "COMPLETED";
  j["created"] = "yesterday";
  j["steps"][1]["content"][0].erase("text");
  j["usage"]["total_tokens"] = 13;
  j["extra"] = 1;
  j["object"] = "response";
  const DecodedInteraction d = differential::genai_interaction(j.dump());
  EXPECT_FALSE(d.state_valid);
  EXPECT_THAT(At(d.findings, "/status").expected, HasSubstr("genai statuses"));
  EXPECT_EQ(At(d.findings, "/created").actual, "\"yesterday\"");
  EXPECT_EQ(At(d.findings, "/steps/1/content/0/text").actual, "missing");
  EXPECT_EQ(At(d.findings, "/usage/total_tokens").actual, "13");
  EXPECT_EQ(At(d.findings, "/extra").actual, "unknown field");
  EXPECT_EQ(At(d.findings, "/object").actual, "\"response\"");
  EXPECT_EQ(differential::genai_interaction("").findings.size(), 1u);
  EXPECT_EQ(differential::genai_interaction("[1]").findings.at(0).actual, "an array of 1 items");
  EXPECT_EQ(At(differential::genai_interaction("{}").findings, "/id").actual, "missing");
}

TEST(GenaiDecoderTest, GenaiOnlyStatusesAreValidButUnmodelled) {
  Json j = genai_interaction_json(Completed(), false);
  j["status"] = "requires_action";
  const DecodedInteraction d = differential::genai_interaction(j.dump());
  EXPECT_THAT(d.findings, IsEmpty());
  EXPECT_FALSE(d.state_valid);
}

TEST(GenaiDecoderTest, UserInputOnlyFirst) {
  Json j = genai_interaction_json(Completed(), false);
  std::swap(j["steps"][0], j["steps"][1]);
  EXPECT_THAT(At(differential::genai_interaction(j.dump()).findings, "/steps/1/type").expected,
              HasSubstr("first step"));
}

TEST(GenaiDecoderTest, GoldenStreamDecodesWholeByteByByteAndAtEverySplit) {
  for (const char* file : {"genai/stream_completed.sse", "genai/stream_failed.sse"}) {
    const std::string bytes = ReadTestdata(file);
    const std::string whole = Summary(DecodeStream(bytes));
    EXPECT_EQ(Summary(DecodeStream(bytes, 1)), whole) << file;
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
      SseParser parser;
      std::vector<DecodedEvent> events;
      const auto sink = [&](const SseEvent& e) { events.push_back(differential::genai_event(e)); };
      parser.feed(std::string_view(bytes).substr(0, cut), sink);
      parser.feed(std::string_view(bytes).substr(cut), sink);
      ASSERT_FALSE(parser.finish());
      ASSERT_EQ(Summary(events), whole) << file << " split at " << cut;
    }
  }
  EXPECT_EQ(Summary(DecodeStream(ReadTestdata("genai/stream_completed.sse"))),
            "frame|evt_000001.1|PENDING||0\n"
            "state_change|evt_000001|PENDING||0\n"
            "state_change|evt_000002|RUNNING||0\n"
            "frame|evt_000003.1|-||0\n"
            "text_delta|evt_000003|-|Once|0\n"
            "text_delta|evt_000004|-| upon a time|0\n"
            "text_delta|evt_000005|-|.|0\n"
            "frame|evt_000006.1|-||0\n"
            "terminal|evt_000006|COMPLETED||0\n"
            "END||-||0\n");
  const std::vector<DecodedEvent> failed = DecodeStream(ReadTestdata("genai/stream_failed.sse"));
  ASSERT_EQ(failed.size(), 11u);
  EXPECT_TRUE(failed[8].framing);  // the error event
  EXPECT_EQ(failed[9].kind, EventKind::kTerminal);
  EXPECT_EQ(failed[9].state, State::kFailed);
  ASSERT_TRUE(failed[9].interaction.has_value());
  EXPECT_TRUE(failed[9].interaction->has_input);
  EXPECT_TRUE(failed[9].interaction->has_usage);
}

TEST(GenaiDecoderTest, EventDeviationsAreFindings) {
  const auto decode = [](std::string type, std::string data, std::string id = "") {
    SseEvent e;
    e.type = std::move(type);
    e.data = std::move(data);
    e.last_event_id = std::move(id);
    return differential::genai_event(e);
  };
  const DecodedEvent with_id_line =
      decode("step.stop", R"({"event_type":"step.stop","event_id":"e1","index":0})", "e1");
  EXPECT_THAT(At(with_id_line.findings, "").expected, HasSubstr("no SSE \"id:\" line"));
  const DecodedEvent mismatch =
      decode("step.stop", R"({"event_type":"step.start","event_id":"e1","index":0,"step":{}})");
  EXPECT_EQ(At(mismatch.findings, "/event_type").actual, "\"step.start\"");
  EXPECT_EQ(At(mismatch.findings, "/step/type").actual, "missing");
  const DecodedEvent no_id = decode("step.stop", R"({"event_type":"step.stop","index":0})");
  EXPECT_EQ(At(no_id.findings, "/event_id").actual, "missing");
  const DecodedEvent not_json = decode("step.delta", "{oops");
  EXPECT_TRUE(not_json.framing);
  EXPECT_THAT(At(not_json.findings, "").actual, HasSubstr("not JSON"));
  const DecodedEvent bad_error = decode("error", R"({"event_type":"error","event_id":"e",
    "error":{"code":500,"message":"x"}})");
  EXPECT_EQ(At(bad_error.findings, "/error/code").expected, "a string");
  const DecodedEvent unknown =
      decode("interaction.thinking", R"({"event_type":"interaction.thinking","event_id":"e"})");
  EXPECT_THAT(unknown.findings, IsEmpty());
  EXPECT_TRUE(unknown.framing);
  const DecodedEvent other_delta = decode(
      "step.delta",
      R"({"event_type":"step.delta","event_id":"e","index":0,"delta":{"type":"thought_signature","signature":"c2ln"}})");
  EXPECT_THAT(other_delta.findings, IsEmpty());
  EXPECT_TRUE(other_delta.framing);
  const DecodedEvent not_final = decode(
      "interaction.completed",
      R"({"event_type":"interaction.completed","event_id":"e","interaction":{"id":"a","status":"in_progress","model":"m"}})");
  EXPECT_EQ(At(not_final.findings, "/interaction/status").actual, "\"in_progress\"");
  const DecodedEvent done_wrong_type = decode("message", "[DONE]");
  EXPECT_TRUE(done_wrong_type.end_marker);
  EXPECT_EQ(done_wrong_type.findings.size(), 1u);
}

TEST(GenaiDecoderTest, DetectsTheDialect) {
  EXPECT_EQ(detect_dialect_of_body(ReadTestdata("genai/completed.json")), Dialect::kGenai);
  EXPECT_EQ(detect_dialect_of_body(ReadTestdata("seed/completed.json")), Dialect::kSeed);
  EXPECT_FALSE(detect_dialect_of_body("not json").has_value());
  SseEvent e;
  e.type = "step.delta";
  EXPECT_EQ(detect_dialect_of_event(e), Dialect::kGenai);
  e.type = "message";
  e.data = R"({"event_type":"step.delta"})";
  EXPECT_EQ(detect_dialect_of_event(e), Dialect::kGenai);
  e.type = "interaction.text_delta";
  e.data = R"({"id":"evt_000001"})";
  EXPECT_EQ(detect_dialect_of_event(e), Dialect::kSeed);
}

TEST(GenaiDecoderTest, EncodedStreamsOfEveryEndDecodeBackToTheLog) {
  for (State end : {State::kCompleted, State::kFailed, State::kCancelled}) {
    Interaction snap = Completed();
    snap.state = end;
    const std::vector<Event> log = Log(end);
    std::vector<DecodedEvent> model;
    for (const DecodedEvent& d : DecodeStream(Stream(log, snap, false))) {
      EXPECT_THAT(d.findings, IsEmpty()) << d.id;
      if (!d.framing) model.push_back(d);
    }
    ASSERT_EQ(model.size(), log.size());
    for (std::size_t i = 0; i < log.size(); ++i) {
      EXPECT_EQ(model[i].id, log[i].id);
      EXPECT_EQ(model[i].kind, log[i].kind);
      if (log[i].kind == EventKind::kTextDelta) {
        EXPECT_EQ(model[i].text, log[i].text);
      } else {
        EXPECT_EQ(model[i].state, log[i].state);
      }
    }
  }
}

}  // namespace
}  // namespace ixh
