#include "harness/chunked_vector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace ixh {
namespace {

// Chunks of 4, so every test crosses several chunk boundaries.
using Small = ChunkedVector<std::string, 2>;

std::vector<std::string> Items(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("item-" + std::to_string(i) + "-long-enough-for-heap");
  return out;
}

std::vector<std::string> Contents(const Small& c) { return {c.begin(), c.end()}; }

TEST(ChunkedVectorTest, HoldsWhatWasAppendedInOrderAtEverySize) {
  for (int n = 0; n <= 40; ++n) {
    const auto model = Items(n);
    Small c;
    for (const auto& s : model) c.push_back(s);
    ASSERT_EQ(c.size(), model.size());
    EXPECT_EQ(c.empty(), n == 0);
    for (std::size_t i = 0; i < model.size(); ++i) EXPECT_EQ(c[i], model[i]) << n << " " << i;
    EXPECT_EQ(Contents(c), model);
    if (n > 0) {
      EXPECT_EQ(c.front(), model.front());
      EXPECT_EQ(c.back(), model.back());
    }
  }
}

TEST(ChunkedVectorTest, AppendingNeverMovesElementsPastTheFirstChunk) {
  Small c;
  for (const auto& s : Items(5)) c.push_back(s);
  const std::string* fifth = &c[4];  // the first element of the second chunk
  const char* heap = c[4].data();
  for (const auto& s : Items(200)) c.emplace_back(s);
  EXPECT_EQ(&c[4], fifth);
  EXPECT_EQ(c[4].data(), heap);
}

TEST(ChunkedVectorTest, IteratorsWorkWithStandardAlgorithms) {
  const auto model = Items(23);
  Small c(model.begin(), model.end());
  EXPECT_EQ(c.end() - c.begin(), 23);
  const auto it = std::find(c.begin(), c.end(), model[17]);
  ASSERT_NE(it, c.end());
  EXPECT_EQ(it - c.begin(), 17);
  EXPECT_EQ(*(c.begin() + 9), model[9]);
  EXPECT_EQ(c.begin()[11], model[11]);
  EXPECT_EQ((c.end() - 1)->size(), model.back().size());
  EXPECT_TRUE(c.begin() < c.end());
  EXPECT_EQ(
      std::count_if(c.cbegin(), c.cend(), [](const std::string& s) { return s[5] == '1'; }),
      std::count_if(model.begin(), model.end(), [](const std::string& s) { return s[5] == '1'; }));

  std::vector<std::string> reversed(c.rbegin(), c.rend());
  EXPECT_EQ(reversed, std::vector<std::string>(model.rbegin(), model.rend()));

  // Sorting moves elements through the iterators across chunks.
  Small ints_as_text;
  std::vector<std::string> sorted;
  for (int i = 0; i < 30; ++i) {
    ints_as_text.push_back(std::to_string((i * 7919) % 31));
    sorted.push_back(std::to_string((i * 7919) % 31));
  }
  std::sort(ints_as_text.begin(), ints_as_text.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::vector<std::string>(ints_as_text.begin(), ints_as_text.end()), sorted);

  Small::const_iterator from_mutable = c.begin();  // iterator converts to const_iterator
  EXPECT_EQ(*from_mutable, model.front());
}

TEST(ChunkedVectorTest, InsertAndEraseShiftLikeAVectorAtEveryPosition) {
  for (int n = 0; n <= 13; ++n) {
    for (int at = 0; at <= n; ++at) {
      auto model = Items(n);
      Small c(model.begin(), model.end());
      const auto ret = c.insert(c.begin() + at, "new");
      model.insert(model.begin() + at, "new");
      EXPECT_EQ(ret - c.begin(), at);
      EXPECT_EQ(Contents(c), model) << n << " insert at " << at;

      const auto after = c.erase(c.begin() + at);
      model.erase(model.begin() + at);
      EXPECT_EQ(after - c.begin(), at);
      EXPECT_EQ(Contents(c), model) << n << " erase at " << at;
    }
  }
}

TEST(ChunkedVectorTest, PopBackAcrossChunkBoundariesThenGrowsAgain) {
  auto model = Items(17);
  Small c(model.begin(), model.end());
  while (!c.empty()) {
    c.pop_back();
    model.pop_back();
    EXPECT_EQ(Contents(c), model);
  }
  for (const auto& s : Items(9)) c.push_back(s);
  EXPECT_EQ(Contents(c), Items(9));
}

TEST(ChunkedVectorTest, CopiesMovesComparesAndClears) {
  const auto model = Items(11);
  Small a(model.begin(), model.end());
  Small b = a;
  EXPECT_EQ(a, b);
  b.back() = "changed";
  EXPECT_FALSE(a == b);
  b.pop_back();
  EXPECT_FALSE(a == b);

  Small moved = std::move(a);
  EXPECT_EQ(Contents(moved), model);

  Small listed = {"x", "y", "z", "w", "v"};
  EXPECT_EQ(Contents(listed), (std::vector<std::string>{"x", "y", "z", "w", "v"}));
  listed = {};
  EXPECT_TRUE(listed.empty());

  moved.clear();
  EXPECT_EQ(moved.size(), 0u);
  moved.push_back("again");
  EXPECT_EQ(Contents(moved), std::vector<std::string>{"again"});
}

TEST(ChunkedVectorTest, ReserveAndShrinkKeepTheContents) {
  Small c;
  c.reserve(3);
  for (const auto& s : Items(3)) c.push_back(s);
  c.reserve(50);
  for (const auto& s : Items(20)) c.push_back(s);
  c.shrink_to_fit();
  auto model = Items(3);
  for (const auto& s : Items(20)) model.push_back(s);
  EXPECT_EQ(Contents(c), model);
}

}  // namespace
}  // namespace ixh
