#include "mock_server/stream_verify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ixh::mock {
namespace {

const std::vector<std::string> kIds = {"e1", "e2", "e3", "e4", "e5"};

StreamAttempt Attempt(int n, std::string last_id, std::size_t first, std::uint64_t written,
                      std::int64_t start_ms, std::int64_t end_ms, int status = 200) {
  StreamAttempt a;
  a.attempt = n;
  a.last_event_id = std::move(last_id);
  a.first_event = first;
  a.events_written = written;
  a.start_ns = start_ms * 1'000'000;
  a.end_ns = end_ms * 1'000'000;
  a.status = status;
  return a;
}

nlohmann::json Verify(std::vector<StreamAttempt> attempts, bool genai_frames = false) {
  VerifyInput in;
  in.genai_frames = genai_frames;
  in.instance = "story.u1";
  in.event_ids = kIds;
  in.final_event = kIds.size() - 1;
  in.attempts = std::move(attempts);
  return verify_instance(in);
}

TEST(StreamVerifyTest, OneCompleteStreamIsExactlyOnce) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 5, 0, 10)});
  EXPECT_TRUE(v["ok"]);
  EXPECT_TRUE(v["completed"]);
  EXPECT_TRUE(v["lost"].empty());
  EXPECT_TRUE(v["duplicated"].empty());
  EXPECT_TRUE(v["resumes"].empty());
  EXPECT_TRUE(v["problems"].empty());
}

TEST(StreamVerifyTest, ExactResumeIsExactlyOnceAndTimesTheReturn) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e2", 2, 3, 35, 50)});
  EXPECT_TRUE(v["ok"]) << v.dump(2);
  ASSERT_EQ(v["resumes"].size(), 1u);
  EXPECT_EQ(v["resumes"][0]["verdict"], "exact");
  EXPECT_EQ(v["resumes"][0]["expected"], "e2");
  EXPECT_DOUBLE_EQ(v["resumes"][0]["reconnect_ms"].get<double>(), 25.0);
}

TEST(StreamVerifyTest, SkipsTheCheckersReferenceRead) {
  StreamAttempt reference = Attempt(3, "", 0, 5, 60, 70);
  reference.reference = true;
  const nlohmann::json v =
      Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e2", 2, 3, 35, 50), reference});
  EXPECT_TRUE(v["ok"]) << v.dump(2);
  EXPECT_TRUE(v["duplicated"].empty());
  EXPECT_EQ(v["resumes"].size(), 1u);
}

TEST(StreamVerifyTest, ResumeFromAnOlderIdDuplicates) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 3, 0, 10), Attempt(2, "e1", 1, 4, 20, 30)});
  EXPECT_FALSE(v["ok"]);
  EXPECT_TRUE(v["completed"]);
  EXPECT_EQ(v["resumes"][0]["verdict"], "older");
  EXPECT_EQ(v["resumes"][0]["expected"], "e3");
  EXPECT_EQ(v["duplicated"],
            (nlohmann::json{{{"id", "e2"}, {"times", 2}}, {{"id", "e3"}, {"times", 2}}}));
  EXPECT_TRUE(v["lost"].empty());
}

TEST(StreamVerifyTest, RestartWithoutAnIdDuplicatesEverything) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "", 0, 5, 20, 30)});
  EXPECT_FALSE(v["ok"]);
  EXPECT_EQ(v["resumes"][0]["verdict"], "restart");
  EXPECT_EQ(v["duplicated"].size(), 2u);
}

TEST(StreamVerifyTest, NeverResumingLosesTheRest) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 2, 0, 10)});
  EXPECT_FALSE(v["ok"]);
  EXPECT_FALSE(v["completed"]);
  EXPECT_TRUE(v["lost"].empty());  // nothing after them arrived: undelivered, not a gap
  ASSERT_EQ(v["problems"].size(), 1u);
  EXPECT_EQ(v["problems"][0], "no attempt delivered the final event e5");
}

TEST(StreamVerifyTest, ResumeFromANewerIdLosesTheGap) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e3", 3, 2, 20, 30)});
  EXPECT_FALSE(v["ok"]);
  EXPECT_TRUE(v["completed"]);
  EXPECT_EQ(v["resumes"][0]["verdict"], "newer");
  EXPECT_EQ(v["lost"], (nlohmann::json{"e3"}));
}

TEST(StreamVerifyTest, RefusedAttemptsCountAsResumesButDeliverNothing) {
  // A 503 in between: the next resume must still ask for the last event held (e2).
  const nlohmann::json v = Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e2", 0, 0, 20, 21, 503),
                                   Attempt(3, "e2", 2, 3, 30, 40)});
  EXPECT_TRUE(v["ok"]) << v.dump(2);
  ASSERT_EQ(v["resumes"].size(), 2u);
  EXPECT_EQ(v["resumes"][1]["verdict"], "exact");
  EXPECT_DOUBLE_EQ(v["resumes"][1]["reconnect_ms"].get<double>(), 9.0);
}

TEST(StreamVerifyTest, UnknownIdIsReported) {
  const nlohmann::json v = Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "zz", 0, 0, 20, 21, 400),
                                   Attempt(3, "e2", 2, 3, 30, 40)});
  EXPECT_TRUE(v["ok"]);  // it recovered, but the bad resume is on record
  EXPECT_EQ(v["resumes"][0]["verdict"], "unknown_id");
  EXPECT_EQ(v["problems"].size(), 1u);
}

// genai: `e3.1` is the first frame before e3's own, so the client holds e1 and e2 whole and e3 in
// part. A first attempt that wrote e1 and e2 whole (and perhaps e3's first frame) left it there.
TEST(StreamVerifyTest, GenaiFrameIdAfterTheLastWholeEventIsExact) {
  const nlohmann::json v =
      Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e3.1", 2, 3, 30, 40)}, true);
  EXPECT_TRUE(v["ok"]) << v.dump(2);
  ASSERT_EQ(v["resumes"].size(), 1u);
  EXPECT_EQ(v["resumes"][0]["verdict"], "exact");
  EXPECT_EQ(v["resumes"][0]["last_event_id"], "e3.1");
  EXPECT_EQ(v["resumes"][0]["expected"], "e2");
  EXPECT_TRUE(v["problems"].empty());
}

TEST(StreamVerifyTest, GenaiFrameIdOfAnEventAlreadyWholeIsOlder) {
  // e3 arrived whole; resuming inside it sends e3 again.
  const nlohmann::json v =
      Verify({Attempt(1, "", 0, 3, 0, 10), Attempt(2, "e3.1", 2, 3, 30, 40)}, true);
  EXPECT_FALSE(v["ok"]);
  EXPECT_EQ(v["resumes"][0]["verdict"], "older");
  EXPECT_EQ(v["resumes"][0]["expected"], "e3");
  EXPECT_EQ(v["duplicated"], (nlohmann::json{{{"id", "e3"}, {"times", 2}}}));
  EXPECT_TRUE(v["lost"].empty());
}

TEST(StreamVerifyTest, GenaiFrameIdPastAMissingEventIsNewer) {
  // Only e1 and e2 arrived; resuming inside e4 skips e3.
  const nlohmann::json v =
      Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e4.1", 3, 2, 30, 40)}, true);
  EXPECT_FALSE(v["ok"]);
  EXPECT_EQ(v["resumes"][0]["verdict"], "newer");
  EXPECT_EQ(v["lost"], (nlohmann::json{"e3"}));
}

TEST(StreamVerifyTest, GenaiFrameIdInsideTheFirstEventIsAnExactResume) {
  // Cut inside e1: nothing whole yet, but the client holds a frame and says so.
  const nlohmann::json v =
      Verify({Attempt(1, "", 0, 0, 0, 10), Attempt(2, "e1.1", 0, 5, 30, 40)}, true);
  EXPECT_TRUE(v["ok"]) << v.dump(2);
  EXPECT_EQ(v["resumes"][0]["verdict"], "exact");
  EXPECT_EQ(v["resumes"][0]["expected"], nullptr);
}

TEST(StreamVerifyTest, FrameIdsAreUnknownOutsideGenaiAndWhenMalformed) {
  const nlohmann::json seed =
      Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, "e3.1", 2, 3, 30, 40)}, false);
  EXPECT_EQ(seed["resumes"][0]["verdict"], "unknown_id");
  for (const char* id : {"e3.0", "e9.1", "e3.", "e3.x", "e3.01"}) {
    const nlohmann::json v =
        Verify({Attempt(1, "", 0, 2, 0, 10), Attempt(2, id, 0, 0, 20, 21, 400)}, true);
    EXPECT_EQ(v["resumes"][0]["verdict"], "unknown_id") << id;
  }
}

TEST(StreamVerifyTest, TotalsCountFailedClients) {
  VerifyInput good;
  good.instance = "a";
  good.event_ids = kIds;
  good.final_event = 4;
  good.attempts = {Attempt(1, "", 0, 5, 0, 1)};
  VerifyInput bad = good;
  bad.instance = "b";
  bad.attempts = {Attempt(1, "", 0, 1, 0, 1)};
  const nlohmann::json v = verify_instances({good, bad});
  EXPECT_FALSE(v["ok"]);
  EXPECT_EQ(v["clients"], 2);
  EXPECT_EQ(v["failed"], 1);
  EXPECT_TRUE(verify_instances({good})["ok"]);
  EXPECT_TRUE(verify_instances({})["ok"]);
}

}  // namespace
}  // namespace ixh::mock
