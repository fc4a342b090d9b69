#include "mock_server/journal.h"

#include <gtest/gtest.h>

namespace ixh::mock {
namespace {

JournalEntry Entry(const std::string& path) {
  JournalEntry e;
  e.method = "GET";
  e.path = path;
  return e;
}

TEST(JournalTest, NumbersEntriesAndFinishesThem) {
  Journal j(10);
  const auto a = j.begin(Entry("/a"));
  const auto b = j.begin(Entry("/b"));
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
  j.finish(b, 200, 7, 1234, "complete", 5.5);
  const auto doc = j.to_json(0);
  ASSERT_EQ(doc["entries"].size(), 2u);
  EXPECT_EQ(doc["entries"][0]["ended"], "in_progress");
  EXPECT_EQ(doc["entries"][1]["events_sent"], 7);
  EXPECT_EQ(doc["entries"][1]["bytes_sent"], 1234);
  EXPECT_EQ(doc["entries"][1]["status"], 200);
  EXPECT_EQ(doc["next_seq"], 3);
}

TEST(JournalTest, ReturnsOnlyEntriesAfterSince) {
  Journal j(10);
  for (int i = 0; i < 5; ++i) j.begin(Entry("/" + std::to_string(i)));
  const auto doc = j.to_json(3);
  ASSERT_EQ(doc["entries"].size(), 2u);
  EXPECT_EQ(doc["entries"][0]["seq"], 4);
}

TEST(JournalTest, DropsTheOldestBeyondCapacity) {
  Journal j(3);
  for (int i = 0; i < 5; ++i) j.begin(Entry("/" + std::to_string(i)));
  j.finish(1, 200, 0, 0, "complete", 0);  // already dropped: ignored
  j.finish(5, 404, 0, 0, "complete", 0);
  const auto doc = j.to_json(0);
  ASSERT_EQ(doc["entries"].size(), 3u);
  EXPECT_EQ(doc["entries"][0]["seq"], 3);
  EXPECT_EQ(doc["entries"][2]["status"], 404);
  EXPECT_EQ(doc["dropped"], 2);
}

TEST(JournalTest, ClearEmptiesButKeepsNumbering) {
  Journal j(3);
  j.begin(Entry("/a"));
  j.clear();
  EXPECT_TRUE(j.to_json(0)["entries"].empty());
  EXPECT_EQ(j.begin(Entry("/b")), 2u);
}

}  // namespace
}  // namespace ixh::mock
