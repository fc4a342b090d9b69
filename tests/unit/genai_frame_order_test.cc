#include "harness/genai_frame_order.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/genai_decoder.h"
#include "core/sse_parser.h"
#include "tests/unit/genai_test_support.h"

namespace ixh {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

EventLog Observe(std::string_view bytes) {
  SseParser parser;
  EventLog out;
  parser.feed(bytes, [&](const SseEvent& e) {
    ObservedEvent o;
    o.raw = e;
    o.decoded = decode_genai_event(e);
    out.push_back(std::move(o));
  });
  return out;
}

std::string Frame(const std::string& type, int index) {
  return "event: " + type + "\ndata: {\"event_type\":\"" + type +
         "\",\"event_id\":\"e\",\"index\":" + std::to_string(index) + "}\n\n";
}

TEST(GenaiFrameOrderTest, TheMocksStreamsAreInOrderWholeAndResumedAnywhere) {
  const auto log = genai_test::Log();
  const std::string whole = genai_test::Stream(log, genai_test::Completed(), false);
  EXPECT_THAT(genai_frame_order_problems(Observe(whole), false), IsEmpty());
  for (std::size_t from = 0; from < log.size(); ++from) {
    for (std::size_t skip = 0; skip < 2; ++skip) {
      const std::string resumed =
          genai_test::Stream(log, genai_test::Completed(), false, from, skip);
      EXPECT_THAT(genai_frame_order_problems(Observe(resumed), true), IsEmpty())
          << from << "/" << skip;
    }
  }
}

TEST(GenaiFrameOrderTest, FindsEachKindOfDisorder) {
  const std::string created =
      "event: interaction.created\ndata: {\"event_type\":\"interaction.created\"}\n\n";
  EXPECT_THAT(genai_frame_order_problems(Observe(Frame("step.start", 0)), false),
              ElementsAre(HasSubstr("expected interaction.created")));
  EXPECT_THAT(genai_frame_order_problems(Observe(created + Frame("step.delta", 0)), false),
              ElementsAre(HasSubstr("outside an open step")));
  EXPECT_THAT(genai_frame_order_problems(Observe(created + Frame("step.start", 1)), false),
              ElementsAre(HasSubstr("index 1 (expected 0)")));
  EXPECT_THAT(genai_frame_order_problems(
                  Observe(created + Frame("step.start", 0) + Frame("step.start", 1)), false),
              ElementsAre(HasSubstr("while step 0 is open")));
  EXPECT_THAT(genai_frame_order_problems(
                  Observe(created + Frame("step.start", 0) + Frame("step.delta", 2)), false),
              ElementsAre(HasSubstr("index 2 inside step 0")));
  EXPECT_THAT(genai_frame_order_problems(Observe(created + Frame("step.start", 0) +
                                                 "event: interaction.completed\ndata: {}\n\n"),
                                         false),
              ElementsAre(HasSubstr("still open")));
  EXPECT_THAT(genai_frame_order_problems(Observe(created + created), false),
              ElementsAre(HasSubstr("not the first frame")));
  // Resumed mid-step is fine once; a second step must start properly.
  EXPECT_THAT(
      genai_frame_order_problems(
          Observe(Frame("step.delta", 3) + Frame("step.stop", 3) + Frame("step.delta", 3)), true),
      ElementsAre(HasSubstr("outside an open step")));
}

TEST(GenaiFrameOrderTest, ReadsTheIndexInEveryJsonFormTheSameWay) {
  // A plain index is read by a scan; every other form by the JSON document, as before.
  const std::string created =
      "event: interaction.created\ndata: {\"event_type\":\"interaction.created\"}\n\n";
  // Read as 0, the delta is inside the open step; read as anything else, it is not.
  auto start = [](const std::string& data) {
    return "event: step.start\ndata: " + data + "\n\n" + Frame("step.delta", 0);
  };
  for (const std::string data :
       {R"({"index":0})", R"( { "event_type" : "step.start" , "index" : 0 } )", R"({"index":-0})",
        R"({"index":1,"index":0})", R"({"\u0069ndex":0})",
        R"({"x":{"index":5},"index":0,"y":[1,"\u00e9"]})"}) {
    EXPECT_THAT(genai_frame_order_problems(Observe(created + start(data)), false), IsEmpty())
        << data;
  }
  for (const std::string data :
       {R"({"index":1})", R"({"index":0,"index":1})", R"({"index":1.0})", R"({"index":"0"})",
        R"({"index":18446744073709551615})", R"({"index":0)", R"({})"}) {
    EXPECT_THAT(genai_frame_order_problems(Observe(created + start(data)), false),
                ::testing::Not(IsEmpty()))
        << data;
  }
}

TEST(GenaiFrameOrderTest, QuotesAndCutsTheServersFrameType) {
  // An SSE event type cannot hold a line break, but any other control character and any length.
  const std::string type = "bad\x01" + std::string(200, 'y');
  const std::string shown = "\"bad\\u0001" + std::string(76, 'y') + "...\"";
  const std::string created =
      "event: interaction.created\ndata: {\"event_type\":\"interaction.created\"}\n\n";
  StepObservation o;
  o.kind = Step::Kind::kStream;
  o.stream.emplace();
  o.stream->events = Observe("event: " + type + "\ndata: {}\n\n" + created);
  EXPECT_THAT(genai_frame_order_problems(o.stream->events, false),
              ElementsAre(shown + " #1 comes first (expected interaction.created)",
                          "\"interaction.created\" #2 is not the first frame"));
  std::vector<CheckRecord> out;
  genai_frame_order_check()->evaluate(o, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].passed);
  EXPECT_EQ(out[0].actual, shown +
                               " #1 comes first (expected interaction.created); "
                               "\"interaction.created\" #2 is not the first frame");
}

TEST(GenaiFrameOrderTest, TheCheckIgnoresSeedStreamsAndRecordsGenaiOnes) {
  StepObservation o;
  o.kind = Step::Kind::kStream;
  o.stream.emplace();
  o.stream->events = Observe("event: interaction.state_change\nid: evt_000001\ndata: {}\n\n");
  std::vector<CheckRecord> out;
  genai_frame_order_check()->evaluate(o, out);
  EXPECT_THAT(out, IsEmpty());
  o.stream->events = Observe(genai_test::Stream(genai_test::Log(), genai_test::Completed(), false));
  genai_frame_order_check()->evaluate(o, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].passed) << out[0].actual;
  EXPECT_EQ(out[0].check, "stream.genai_frame_order");
}

}  // namespace
}  // namespace ixh
