#include "core/sse_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/sse_parser.h"

namespace ixh {
namespace {

using namespace std::string_literals;

TEST(SseWriterTest, WritesFullEvent) {
  std::string out = "before|";
  EXPECT_TRUE(append_sse_event(out, "delta", "evt_1", R"({"text":"hi"})"));
  EXPECT_EQ(out, "before|event: delta\nid: evt_1\ndata: {\"text\":\"hi\"}\n\n");
}

TEST(SseWriterTest, OmitsEmptyTypeAndId) {
  std::string out;
  EXPECT_TRUE(append_sse_event(out, "", "", "x"));
  EXPECT_EQ(out, "data: x\n\n");
}

TEST(SseWriterTest, WritesOneDataLinePerLine) {
  std::string out;
  EXPECT_TRUE(append_sse_event(out, "", "", "a\nb\r\nc\rd"));
  EXPECT_EQ(out, "data: a\ndata: b\ndata: c\ndata: d\n\n");
  out.clear();
  // CR CR LF is two line endings (CR, then CRLF), as for a reader.
  EXPECT_TRUE(append_sse_event(out, "", "", "a\r\r\nb"));
  EXPECT_EQ(out, "data: a\ndata: \ndata: b\n\n");
}

TEST(SseWriterTest, FindsALineEndingAtEveryOffset) {
  for (const char eol : {'\n', '\r'}) {
    for (std::size_t at = 0; at < 40; ++at) {
      std::string text(40, 'x');
      text[at] = eol;
      std::string out;
      ASSERT_TRUE(append_sse_event(out, "", "", text));
      EXPECT_EQ(out, "data: " + text.substr(0, at) + "\ndata: " + text.substr(at + 1) + "\n\n")
          << "line ending at " << at;
    }
  }
}

TEST(SseWriterTest, KeepsEmptyLinesAtEitherEnd) {
  std::string out;
  EXPECT_TRUE(append_sse_event(out, "", "", ""));
  EXPECT_EQ(out, "data: \n\n");
  out.clear();
  EXPECT_TRUE(append_sse_event(out, "", "", "\na\n"));
  EXPECT_EQ(out, "data: \ndata: a\ndata: \n\n");
}

TEST(SseWriterTest, KeepsLeadingSpacesAndColons) {
  std::string out;
  EXPECT_TRUE(append_sse_event(out, " t", " i", " : d"));
  EXPECT_EQ(out, "event:  t\nid:  i\ndata:  : d\n\n");
}

TEST(SseWriterTest, RejectsBrokenTypeOrId) {
  std::string out = "kept";
  EXPECT_FALSE(append_sse_event(out, "a\nb", "", "x"));
  EXPECT_FALSE(append_sse_event(out, "a\rb", "", "x"));
  EXPECT_FALSE(append_sse_event(out, "", "1\n", "x"));
  EXPECT_FALSE(append_sse_event(out, "", "\r1", "x"));
  EXPECT_FALSE(append_sse_event(out, "", "1\0"s, "x"));
  EXPECT_EQ(out, "kept");
  // NUL is fine in the type and the data.
  EXPECT_TRUE(append_sse_event(out, "t\0"s, "", "\0"s));
  EXPECT_EQ(out, "keptevent: t\0\ndata: \0\n\n"s);
}

TEST(SseWriterTest, WritesComment) {
  std::string out;
  append_sse_comment(out, "heartbeat");
  EXPECT_EQ(out, ": heartbeat\n\n");
  out.clear();
  append_sse_comment(out, "");
  EXPECT_EQ(out, ":\n\n");
  out.clear();
  append_sse_comment(out, "a\r\nb\rc\n");
  EXPECT_EQ(out, ": a\n: b\n: c\n: \n\n");
}

TEST(SseWriterTest, WritesRetry) {
  std::string out;
  EXPECT_TRUE(append_sse_retry(out, 0));
  EXPECT_TRUE(append_sse_retry(out, 1500));
  EXPECT_EQ(out, "retry: 0\n\nretry: 1500\n\n");
  EXPECT_FALSE(append_sse_retry(out, -1));
  EXPECT_EQ(out, "retry: 0\n\nretry: 1500\n\n");
}

// What a reader gets back for data: every CRLF and CR becomes LF.
std::string NormalizeLineEndings(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string RandomText(std::mt19937& rng, bool allow_line_endings, bool allow_nul) {
  static const std::vector<std::string> kPieces = {"a",
                                                   "Z",
                                                   " ",
                                                   "  ",
                                                   ":",
                                                   ": ",
                                                   "data: ",
                                                   "id",
                                                   "{\"k\":1}",
                                                   "\xC3\xA9",
                                                   "\xE2\x82\xAC",
                                                   "\xF0\x9F\x98\x80",
                                                   "\xEF\xBB\xBF",
                                                   "\t",
                                                   "\r",
                                                   "\n",
                                                   "\r\n",
                                                   "\n\r",
                                                   "\0"s};
  std::uniform_int_distribution<int> length(0, 12);
  std::uniform_int_distribution<std::size_t> piece(0, kPieces.size() - 1);
  std::string text;
  for (int n = length(rng); n > 0; --n) {
    const std::string& p = kPieces[piece(rng)];
    if (!allow_line_endings && p.find_first_of("\r\n") != std::string::npos) continue;
    if (!allow_nul && p.find('\0') != std::string::npos) continue;
    text += p;
  }
  return text;
}

TEST(SseWriterTest, RoundTripsThroughParserUnderRandomCuts) {
  std::mt19937 rng(20240611);
  std::bernoulli_distribution coin(0.3);
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::string body;
    std::vector<SseEvent> expected;
    std::string last_id;
    std::optional<std::int64_t> retry;
    std::uint64_t comments = 0;
    if (coin(rng)) body = "\xEF\xBB\xBF";  // a leading BOM, stripped by the reader
    const int count = std::uniform_int_distribution<int>(0, 8)(rng);
    for (int i = 0; i < count; ++i) {
      if (coin(rng)) {
        const std::string text = RandomText(rng, true, true);
        append_sse_comment(body, text);
        const std::string lines = NormalizeLineEndings(text);
        comments += 1 + static_cast<std::uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
      }
      if (coin(rng)) {
        retry = std::uniform_int_distribution<std::int64_t>(0, 1 << 30)(rng);
        ASSERT_TRUE(append_sse_retry(body, *retry));
      }
      const std::string type = RandomText(rng, false, true);
      const std::string id = RandomText(rng, false, false);
      const std::string data = RandomText(rng, true, true);
      ASSERT_TRUE(append_sse_event(body, type, id, data));
      if (!id.empty()) last_id = id;
      expected.push_back(
          SseEvent{type.empty() ? "message" : type, NormalizeLineEndings(data), last_id});
    }
    // Cut the body into random slices, often tiny so that CRLF, UTF-8 and the BOM get cut.
    std::vector<SseEvent> events;
    SseParser parser;
    std::size_t begin = 0;
    while (begin < body.size()) {
      const std::size_t max_slice = coin(rng) ? 3 : 64;
      const std::size_t size = std::uniform_int_distribution<std::size_t>(0, max_slice)(rng);
      parser.feed(std::string_view(body).substr(begin, size),
                  [&events](const SseEvent& event) { events.push_back(event); });
      begin += size;
    }
    EXPECT_FALSE(parser.finish());
    EXPECT_EQ(parser.error(), SseError::kNone);
    EXPECT_EQ(parser.replacement_chars(), 0u);
    EXPECT_EQ(parser.retry_ms(), retry);
    EXPECT_EQ(parser.comments(), comments);
    EXPECT_EQ(parser.last_event_id(), last_id);
    ASSERT_EQ(events.size(), expected.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].type, expected[i].type) << "event " << i;
      EXPECT_EQ(events[i].data, expected[i].data) << "event " << i;
      EXPECT_EQ(events[i].last_event_id, expected[i].last_event_id) << "event " << i;
    }
  }
}

}  // namespace
}  // namespace ixh
