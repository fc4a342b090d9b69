#include "mock_server/fault_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/sse_parser.h"
#include "mock_server/fault_stream.h"

namespace ixh::mock {
namespace {

FaultSpec Fault(FaultSpec::Kind kind, FaultSpec::Applies on, std::vector<int> attempts = {}) {
  FaultSpec f;
  f.kind = kind;
  f.applies_to = on;
  f.attempts = std::move(attempts);
  return f;
}

TEST(FaultPlanTest, PicksTheFirstFaultWhoseAttemptsAndKindMatch) {
  const std::vector<FaultSpec> faults = {
      Fault(FaultSpec::Kind::kCut, FaultSpec::Applies::kStream, {1, 3}),
      Fault(FaultSpec::Kind::kHttpError, FaultSpec::Applies::kGet, {1}),
      Fault(FaultSpec::Kind::kEmptyReply, FaultSpec::Applies::kAny, {2}),
  };
  EXPECT_EQ(choose_fault(faults, true, 1, 1, "a"), &faults[0]);
  EXPECT_EQ(choose_fault(faults, true, 2, 1, "a"), &faults[2]);
  EXPECT_EQ(choose_fault(faults, true, 3, 1, "a"), &faults[0]);
  EXPECT_EQ(choose_fault(faults, true, 4, 1, "a"), nullptr);
  EXPECT_EQ(choose_fault(faults, false, 1, 1, "a"), &faults[1]);
  EXPECT_EQ(choose_fault(faults, false, 2, 1, "a"), &faults[2]);
  EXPECT_EQ(choose_fault(faults, false, 3, 1, "a"), nullptr);
}

TEST(FaultPlanTest, NoAttemptsMeansEveryAttempt) {
  const std::vector<FaultSpec> faults = {
      Fault(FaultSpec::Kind::kDrip, FaultSpec::Applies::kStream)};
  for (int attempt = 1; attempt <= 50; ++attempt) {
    EXPECT_EQ(choose_fault(faults, true, attempt, 7, "x"), &faults[0]);
    EXPECT_EQ(choose_fault(faults, false, attempt, 7, "x"), nullptr);
  }
}

TEST(FaultPlanTest, ProbabilityIsReproducibleForASeed) {
  std::vector<FaultSpec> faults = {Fault(FaultSpec::Kind::kCut, FaultSpec::Applies::kStream)};
  faults[0].probability = 0.3;
  auto pattern = [&](std::uint64_t seed, const std::string& instance) {
    std::string hits;
    for (int attempt = 1; attempt <= 400; ++attempt) {
      hits += choose_fault(faults, true, attempt, seed, instance) != nullptr ? '1' : '0';
    }
    return hits;
  };
  const std::string a = pattern(42, "story.u1");
  EXPECT_EQ(a, pattern(42, "story.u1"));  // same seed, same instance: same faults
  EXPECT_NE(a, pattern(43, "story.u1"));  // another seed decides differently
  EXPECT_NE(a, pattern(42, "story.u2"));  // and so does another instance
  // Roughly the asked-for share (400 draws at p = 0.3: mean 120, sd about 9).
  const auto hits = std::count(a.begin(), a.end(), '1');
  EXPECT_GT(hits, 70);
  EXPECT_LT(hits, 170);
}

TEST(FaultPlanTest, ProbabilityZeroNeverAndOneAlways) {
  for (int attempt = 1; attempt <= 100; ++attempt) {
    EXPECT_FALSE(fault_coin(0.0, 1, "i", 0, true, attempt));
    EXPECT_TRUE(fault_coin(1.0, 1, "i", 0, true, attempt));
  }
}

TEST(FaultPlanTest, ProbabilityFallsThroughToTheNextFault) {
  std::vector<FaultSpec> faults = {
      Fault(FaultSpec::Kind::kCut, FaultSpec::Applies::kStream),
      Fault(FaultSpec::Kind::kHttpError, FaultSpec::Applies::kAny),
  };
  faults[0].probability = 0.0;
  EXPECT_EQ(choose_fault(faults, true, 1, 1, "a"), &faults[1]);
}

TEST(FaultPlanTest, GarbageIsSeededAndNeverLooksLikeHttp) {
  const std::string a = garbage_bytes(64, 9, "g", 1);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, garbage_bytes(64, 9, "g", 1));
  EXPECT_NE(a, garbage_bytes(64, 9, "g", 2));
  EXPECT_NE(a, garbage_bytes(64, 10, "g", 1));
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    EXPECT_NE(garbage_bytes(5, seed, "g", 1).rfind("H", 0), 0u);
  }
}

TEST(FaultPlanTest, DescribesEachFaultWithItsParameters) {
  FaultSpec cut = Fault(FaultSpec::Kind::kCut, FaultSpec::Applies::kStream);
  cut.trigger = FaultSpec::Trigger::kBytes;
  cut.after = 100;
  EXPECT_EQ(describe_fault(cut), (nlohmann::json{{"kind", "cut"}, {"after_bytes", 100}}));
  FaultSpec stall = Fault(FaultSpec::Kind::kStall, FaultSpec::Applies::kStream);
  stall.after = 2;
  stall.forever = true;
  EXPECT_EQ(describe_fault(stall),
            (nlohmann::json{{"kind", "stall"}, {"after_events", 2}, {"forever", true}}));
  FaultSpec error = Fault(FaultSpec::Kind::kHttpError, FaultSpec::Applies::kAny);
  error.status = 429;
  error.retry_after_s = 3;
  error.probability = 0.5;
  EXPECT_EQ(
      describe_fault(error),
      (nlohmann::json{
          {"kind", "http_error"}, {"status", 429}, {"retry_after_s", 3}, {"probability", 0.5}}));
}

// What a strict reader makes of each malformed frame.
struct Parsed {
  std::vector<SseEvent> events;
  SseError error = SseError::kNone;
  std::uint64_t replacements = 0;
  std::string last_id;
};

Parsed Parse(const std::string& bytes) {
  SseParser parser;
  Parsed out;
  parser.feed("id: evt_000001\ndata: {}\n\n", [](const SseEvent&) {});
  parser.feed(bytes, [&](const SseEvent& e) { out.events.push_back(e); });
  out.error = parser.error();
  out.replacements = parser.replacement_chars();
  out.last_id = parser.last_event_id();
  return out;
}

TEST(FaultPlanTest, MalformedSseFramesBreakTheRuleTheyName) {
  EXPECT_EQ(Parse(malformed_sse_frame(FaultSpec::SseVariant::kLongLine, "i")).error,
            SseError::kLineTooLong);
  const Parsed utf8 = Parse(malformed_sse_frame(FaultSpec::SseVariant::kInvalidUtf8, "i"));
  EXPECT_EQ(utf8.error, SseError::kNone);
  EXPECT_GT(utf8.replacements, 0u);
  EXPECT_TRUE(utf8.events.empty());
  const Parsed nul = Parse(malformed_sse_frame(FaultSpec::SseVariant::kNulInId, "i"));
  EXPECT_TRUE(nul.events.empty());
  EXPECT_EQ(nul.last_id, "evt_000001");  // the NUL id is ignored
  const Parsed not_json = Parse(malformed_sse_frame(FaultSpec::SseVariant::kNotJson, "i"));
  ASSERT_EQ(not_json.events.size(), 1u);
  EXPECT_TRUE(nlohmann::json::parse(not_json.events[0].data, nullptr, false).is_discarded());
  const Parsed missing = Parse(malformed_sse_frame(FaultSpec::SseVariant::kMissingId, "i"));
  ASSERT_EQ(missing.events.size(), 1u);
  const nlohmann::json data = nlohmann::json::parse(missing.events[0].data);
  EXPECT_FALSE(data.contains("id"));
  EXPECT_EQ(missing.last_id, "evt_000001");  // no id line: the previous id stays
}

}  // namespace
}  // namespace ixh::mock
