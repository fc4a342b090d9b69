#include "core/sse_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ixh {

// Readable failures for EXPECT_EQ on events and vectors of them.
void PrintTo(const SseEvent& event, std::ostream* os) {
  *os << "{type=" << testing::PrintToString(event.type)
      << " data=" << testing::PrintToString(event.data)
      << " id=" << testing::PrintToString(event.last_event_id) << "}";
}

namespace {

using namespace std::string_literals;

// Everything observable about one parsed stream.
struct Outcome {
  std::vector<SseEvent> events = {};
  std::string last_event_id = {};
  std::optional<std::int64_t> retry_ms = {};
  bool truncated = false;  // what finish() returned
  std::uint64_t comments = 0;
  std::uint64_t replacements = 0;
  SseError error = SseError::kNone;
};

SseEvent Event(std::string data, std::string type = "message", std::string id = "") {
  return SseEvent{std::move(type), std::move(data), std::move(id)};
}

// Feeds input cut at the given ascending offsets, then finishes.
Outcome Parse(std::string_view input, const std::vector<std::size_t>& cuts, SseLimits limits) {
  SseParser parser(limits);
  Outcome outcome;
  auto on_event = [&outcome](const SseEvent& event) { outcome.events.push_back(event); };
  std::size_t begin = 0;
  for (const std::size_t cut : cuts) {
    parser.feed(input.substr(begin, cut - begin), on_event);
    begin = cut;
  }
  parser.feed(input.substr(begin), on_event);
  EXPECT_EQ(parser.bytes_fed(), input.size());
  outcome.truncated = parser.finish();
  outcome.last_event_id = parser.last_event_id();
  outcome.retry_ms = parser.retry_ms();
  outcome.comments = parser.comments();
  outcome.replacements = parser.replacement_chars();
  outcome.error = parser.error();
  return outcome;
}

void ExpectOutcome(const Outcome& actual, const Outcome& expected) {
  EXPECT_EQ(actual.events, expected.events);
  EXPECT_EQ(actual.last_event_id, expected.last_event_id);
  EXPECT_EQ(actual.retry_ms, expected.retry_ms);
  EXPECT_EQ(actual.truncated, expected.truncated);
  EXPECT_EQ(actual.comments, expected.comments);
  EXPECT_EQ(actual.replacements, expected.replacements);
  EXPECT_EQ(actual.error, expected.error);
}

// The parser must not care where the transport cuts the bytes: checks the input fed whole, byte
// by byte, and in two pieces at every offset, against the same expectation.
void ExpectParse(std::string_view input, const Outcome& expected, SseLimits limits = {}) {
  {
    SCOPED_TRACE("fed whole");
    ExpectOutcome(Parse(input, {}, limits), expected);
  }
  {
    SCOPED_TRACE("fed byte by byte");
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
    ExpectOutcome(Parse(input, cuts, limits), expected);
  }
  for (std::size_t i = 0; i <= input.size(); ++i) {
    SCOPED_TRACE("fed in two pieces cut at " + std::to_string(i));
    ExpectOutcome(Parse(input, {i}, limits), expected);
    if (testing::Test::HasFailure()) return;  // one failing cut says enough
  }
}

// --- Line endings ---

TEST(SseParserTest, DispatchesOnLf) {
  ExpectParse("data: a\n\ndata: b\n\n", {.events = {Event("a"), Event("b")}});
}

TEST(SseParserTest, DispatchesOnCr) {
  ExpectParse("data: a\r\rdata: b\r\r", {.events = {Event("a"), Event("b")}});
}

TEST(SseParserTest, DispatchesOnCrLf) {
  ExpectParse("data: a\r\n\r\ndata: b\r\n\r\n", {.events = {Event("a"), Event("b")}});
}

TEST(SseParserTest, AcceptsMixedLineEndings) {
  ExpectParse("data: a\rdata: b\ndata: c\r\n\ndata: d\n\r\n",
              {.events = {Event("a\nb\nc"), Event("d")}});
}

TEST(SseParserTest, CountsCrCrLfLfAsThreeLineEndings) {
  // CR ends "data: a", CRLF is the blank line that dispatches, LF is one more blank line. Were
  // CR+CR+LF+LF read as two endings, the second data line would join the first event.
  ExpectParse("data: a\r\r\n\ndata: b\n\n", {.events = {Event("a"), Event("b")}});
  ExpectParse("data: a\n\r\r\n\n", {.events = {Event("a")}});
}

TEST(SseParserTest, TreatsCrLfCutAcrossFeedsAsOneLineEnding) {
  // Cut between CR and LF: "data: b" must stay in the same block as "data: a".
  SseParser parser;
  std::vector<SseEvent> events = {};
  auto on_event = [&events](const SseEvent& event) { events.push_back(event); };
  parser.feed("data: a\r", on_event);
  parser.feed("\ndata: b\r", on_event);
  parser.feed("\n\r", on_event);
  parser.feed("\n", on_event);
  EXPECT_EQ(events, std::vector<SseEvent>{Event("a\nb")});
  EXPECT_FALSE(parser.finish());
}

TEST(SseParserTest, TreatsCrCrCutAcrossFeedsAsTwoLineEndings) {
  SseParser parser;
  std::vector<SseEvent> events = {};
  auto on_event = [&events](const SseEvent& event) { events.push_back(event); };
  parser.feed("data: a\r", on_event);
  parser.feed("\r", on_event);
  EXPECT_EQ(events, std::vector<SseEvent>{Event("a")});
  parser.feed("", on_event);  // an empty slice must not forget the pending CR
  parser.feed("\n", on_event);
  EXPECT_EQ(events, std::vector<SseEvent>{Event("a")});
}

// --- BOM ---

TEST(SseParserTest, StripsLeadingBom) {
  ExpectParse(
      "\xEF\xBB\xBF"
      "data: a\n\n",
      {.events = {Event("a")}});
  // Without stripping, the first line would be the unknown field "\uFEFFdata".
  ExpectParse(
      "\xEF\xBB\xBF\n"
      "data: a\n\n",
      {.events = {Event("a")}});
}

TEST(SseParserTest, KeepsBomAfterTheStart) {
  // A second BOM makes the first field name "\uFEFFdata": unknown, so nothing is dispatched.
  ExpectParse(
      "\xEF\xBB\xBF\xEF\xBB\xBF"
      "data: a\n\n",
      {});
  ExpectParse(
      "data: \xEF\xBB\xBF"
      "a\n\n",
      {.events = {Event("\xEF\xBB\xBF"
                        "a")}});
  ExpectParse(
      "\n\xEF\xBB\xBF"
      "data: a\n\n",
      {});
}

TEST(SseParserTest, TreatsBomPrefixAsData) {
  // EF BB then 'd': not a BOM, so the two bytes are one truncated UTF-8 sequence (one U+FFFD)
  // at the start of the first field name.
  ExpectParse(
      "\xEF\xBB"
      "data: a\n\ndata: b\n\n",
      {.events = {Event("b")}, .replacements = 1});
  ExpectParse(
      "\xEF\n"
      "data: a\n\n",
      {.events = {Event("a")}, .replacements = 1});
  ExpectParse("\xEF\xBB", {.truncated = true, .replacements = 1});
  ExpectParse("\xEF\xBB\xBF", {});
}

// --- Fields ---

TEST(SseParserTest, JoinsDataLinesWithLf) {
  ExpectParse("data: a\ndata: b\ndata: c\n\n", {.events = {Event("a\nb\nc")}});
}

TEST(SseParserTest, RemovesOnlyOneTrailingLf) {
  ExpectParse("data: a\ndata:\n\n", {.events = {Event("a\n")}});
  ExpectParse("data:\ndata:\n\n", {.events = {Event("\n")}});
}

TEST(SseParserTest, DispatchesEmptyData) {
  // A data field with an empty value still makes the data buffer non-empty ("\n").
  ExpectParse("data:\n\n", {.events = {Event("")}});
  ExpectParse("data\n\n", {.events = {Event("")}});
}

TEST(SseParserTest, StripsExactlyOneLeadingSpace) {
  ExpectParse("data:  x\n\n", {.events = {Event(" x")}});
  ExpectParse("data:x\n\n", {.events = {Event("x")}});
  ExpectParse("data: x \n\n", {.events = {Event("x ")}});
  ExpectParse("data:\tx\n\n", {.events = {Event("\tx")}});
}

TEST(SseParserTest, SplitsAtFirstColonOnly) {
  ExpectParse("data: a: b:c\n\n", {.events = {Event("a: b:c")}});
}

TEST(SseParserTest, TreatsLineWithoutColonAsNameWithEmptyValue) {
  ExpectParse("data\ndata\n\n", {.events = {Event("\n")}});
  ExpectParse("event\ndata: a\n\n", {.events = {Event("a")}});
  ExpectParse("id: 1\nid\ndata: a\n\n", {.events = {Event("a", "message", "")}});
}

TEST(SseParserTest, IgnoresAndCountsComments) {
  ExpectParse(": hello\n:\n:data: x\ndata: a\n: between\n\n",
              {.events = {Event("a")}, .comments = 4});
  // A comment-only block dispatches nothing and is not a truncation.
  ExpectParse(": heartbeat\n\n: heartbeat\n", {.comments = 2});
}

TEST(SseParserTest, DefaultsEventTypeToMessage) {
  ExpectParse("event: delta\ndata: a\n\nevent:\ndata: b\n\ndata: c\n\n",
              {.events = {Event("a", "delta"), Event("b"), Event("c")}});
}

TEST(SseParserTest, ResetsEventTypeAfterDispatch) {
  ExpectParse("event: delta\ndata: a\n\ndata: b\n\n",
              {.events = {Event("a", "delta"), Event("b")}});
  // A type without data is dropped at the blank line, not carried to the next event.
  ExpectParse("event: delta\n\ndata: b\n\n", {.events = {Event("b")}});
}

TEST(SseParserTest, UsesLastEventFieldOfBlock) {
  ExpectParse("event: a\ndata: x\nevent: b\n\n", {.events = {Event("x", "b")}});
}

TEST(SseParserTest, KeepsLastEventIdAcrossEvents) {
  ExpectParse("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
              {.events = {Event("a", "message", "1"), Event("b", "message", "1"),
                          Event("c", "message", "2")},
               .last_event_id = "2"});
}

TEST(SseParserTest, IgnoresIdContainingNul) {
  ExpectParse(
      "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"s,
      {.events = {Event("a", "message", "1"), Event("b", "message", "1")}, .last_event_id = "1"});
}

TEST(SseParserTest, IdOnlyBlockUpdatesLastEventId) {
  ExpectParse("id: 7\n\n", {.last_event_id = "7"});
  ExpectParse("id: 7\n\ndata: a\n\n",
              {.events = {Event("a", "message", "7")}, .last_event_id = "7"});
}

TEST(SseParserTest, EmptyIdResetsLastEventId) {
  ExpectParse("id: 1\ndata: a\n\nid:\ndata: b\n\n",
              {.events = {Event("a", "message", "1"), Event("b")}, .last_event_id = ""});
  ExpectParse("id: 1\n\nid\n\n", {.last_event_id = ""});
}

TEST(SseParserTest, KeepsIdVerbatimAfterOneSpace) {
  ExpectParse("id:  evt 1 \ndata: a\n\n",
              {.events = {Event("a", "message", " evt 1 ")}, .last_event_id = " evt 1 "});
}

TEST(SseParserTest, AcceptsDigitOnlyRetry) {
  ExpectParse("retry: 3000\n\n", {.retry_ms = 3000});
  ExpectParse("retry:0\n\n", {.retry_ms = 0});
  ExpectParse("retry: 0042\n\n", {.retry_ms = 42});
  ExpectParse("retry: 1000\n\nretry: 2000\n\n", {.retry_ms = 2000});
  ExpectParse("retry: 9223372036854775807\n\n", {.retry_ms = INT64_MAX});
  // Applied when the line arrives, not at dispatch, and alongside data.
  ExpectParse("data: a\nretry: 5\n\n", {.events = {Event("a")}, .retry_ms = 5});
}

TEST(SseParserTest, IgnoresInvalidRetry) {
  for (const std::string_view line :
       {"retry: 12a\n", "retry:\n", "retry\n", "retry:  5\n", "retry: -5\n", "retry: +5\n",
        "retry: 5 \n", "retry: 1.5\n", "retry: \xD9\xA5\n",  // ARABIC-INDIC DIGIT FIVE
        "retry: 9223372036854775808\n", "retry: 99999999999999999999999\n"}) {
    SCOPED_TRACE(testing::PrintToString(line));
    ExpectParse("retry: 100\n\n" + std::string(line) + "\n", {.retry_ms = 100});
  }
}

TEST(SseParserTest, IgnoresUnknownFields) {
  ExpectParse("foo: bar\nData: x\nEVENT: y\n data: z\ndata : w\ndata: a\n\n",
              {.events = {Event("a")}});
  ExpectParse("foo: bar\n\n", {});
}

TEST(SseParserTest, KeepsNulInData) {
  ExpectParse("data: a\0b\n\n"s, {.events = {Event("a\0b"s)}});
}

// --- End of stream ---

TEST(SseParserTest, DiscardsUnterminatedFinalBlock) {
  // The id of the unfinished block is not committed.
  ExpectParse("id: 1\ndata: a\n\nid: 2\ndata: b\n",
              {.events = {Event("a", "message", "1")}, .last_event_id = "1", .truncated = true});
  ExpectParse("data: a\n\ndata: b", {.events = {Event("a")}, .truncated = true});
  ExpectParse("data: a\n\nid: 2\n", {.events = {Event("a")}, .truncated = true});
  ExpectParse("data: a\n\nevent: x\n", {.events = {Event("a")}, .truncated = true});
  ExpectParse("data: a\n\n:partial comment", {.events = {Event("a")}, .truncated = true});
  // A final CR is a complete line ending: the block is closed.
  ExpectParse("data: a\r\r", {.events = {Event("a")}});
}

TEST(SseParserTest, AppliesRetryOfUnterminatedBlock) {
  // Fields take effect per line; only the dispatch of the final block is lost.
  ExpectParse("retry: 10\n", {.retry_ms = 10, .truncated = true});
}

TEST(SseParserTest, ReportsCleanEnd) {
  ExpectParse("", {});
  ExpectParse("data: a\n\n", {.events = {Event("a")}});
  ExpectParse("data: a\n\n: bye\n", {.events = {Event("a")}, .comments = 1});
}

TEST(SseParserTest, IgnoresInputAfterFinish) {
  SseParser parser;
  int events = 0;
  auto on_event = [&events](const SseEvent&) { ++events; };
  parser.feed("data: a\n", on_event);
  EXPECT_TRUE(parser.finish());
  parser.feed("\n", on_event);
  EXPECT_EQ(events, 0);
  EXPECT_FALSE(parser.finish());
  EXPECT_EQ(parser.bytes_fed(), 9u);
}

// --- UTF-8 ---

// Buffers a long line or event grew are given back after it; what follows parses the same.
TEST(SseParserTest, EventsAfterALongLineAndALongEventParseTheSame) {
  const std::string long_line(3000, 'x');
  const std::string half(1500, 'y');
  std::string input = "data: short\nid: 1\n\n";
  input += "data: " + long_line + "\xFF\nid: 2\n\n";  // invalid UTF-8: repaired in a copy
  input += "event: big\ndata: " + half + "\ndata: " + half + "\n\n";
  input += ": " + long_line + "\n";
  input += "data: after\n\ndata: end\nid: 3\n\n";
  Outcome expected;
  expected.events = {Event("short", "message", "1"), Event(long_line + "\uFFFD", "message", "2"),
                     Event(half + "\n" + half, "big", "2"), Event("after", "message", "2"),
                     Event("end", "message", "3")};
  expected.last_event_id = "3";
  expected.comments = 1;
  expected.replacements = 1;
  ExpectParse(input, expected);
}

TEST(SseParserTest, DecodesValidUtf8) {
  ExpectParse(
      "event: \xC3\xA9t\xC3\xA9\nid: \xE2\x82\xAC\ndata: \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\n\n",
      {.events = {Event("\xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF", "\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC")},
       .last_event_id = "\xE2\x82\xAC"});
}

TEST(SseParserTest, ReplacesInvalidUtf8WithMaximalSubparts) {
  struct Case {
    std::string_view bytes;
    std::string_view text;
    std::uint64_t replacements;
  };
  // One U+FFFD per maximal subpart, as in the Encoding standard's UTF-8 decoder.
  const Case cases[] = {
      {"\x80", "\uFFFD", 1},                                // lone continuation
      {"\xBF\xBF", "\uFFFD\uFFFD", 2},                      // continuations
      {"\xC0\x80", "\uFFFD\uFFFD", 2},                      // overlong NUL: C0 never leads
      {"\xC1\xBF", "\uFFFD\uFFFD", 2},                      // overlong
      {"\xE0\x80\x80", "\uFFFD\uFFFD\uFFFD", 3},            // overlong 3-byte
      {"\xE0\x9F\xBF", "\uFFFD\uFFFD\uFFFD", 3},            // overlong 3-byte
      {"\xF0\x80\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD", 4},  // overlong 4-byte
      {"\xED\xA0\x80", "\uFFFD\uFFFD\uFFFD", 3},            // surrogate U+D800
      {"\xED\xBF\xBF", "\uFFFD\uFFFD\uFFFD", 3},            // surrogate U+DFFF
      {"\xF4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD", 4},  // above U+10FFFF
      {"\xF5\x80\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD", 4},  // F5 never leads
      {"\xFE\xFF", "\uFFFD\uFFFD", 2},                      // never in UTF-8
      {"\xE2\x82", "\uFFFD", 1},                            // truncated by the line end
      {"\xE2\x82x", "\uFFFDx", 1},                          // truncated by ASCII
      {"\xF0\x9F\x98", "\uFFFD", 1},                        // truncated 4-byte
      {"\xF0\x9F\x98\xC3\xA9", "\uFFFD\xC3\xA9", 1},        // truncated by a new lead
      {"\xE2\x28\xA1", "\uFFFD(\uFFFD", 2},                 // bad second byte
      {"a\xE2\x82\xAC\xFF"
       "b",
       "a\xE2\x82\xAC\uFFFD"
       "b",
       1},                                  // valid around invalid
      {"\xED\x9F\xBF", "\xED\x9F\xBF", 0},  // U+D7FF is fine
      {"\xEE\x80\x80", "\xEE\x80\x80", 0},  // U+E000 is fine
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.bytes));
    ExpectParse("data: " + std::string(c.bytes) + "\n\n",
                {.events = {Event(std::string(c.text))}, .replacements = c.replacements});
  }
}

TEST(SseParserTest, ReplacesInvalidUtf8InEveryField) {
  ExpectParse("event: \xFF\nid: \xFF\ndata: x\n\n: \xFF\n",
              {.events = {Event("x", "\uFFFD", "\uFFFD")},
               .last_event_id = "\uFFFD",
               .comments = 1,
               .replacements = 3});
  // A repaired name is no known name.
  ExpectParse(
      "d\xFF"
      "ata: x\n\n",
      {.replacements = 1});
}

TEST(SseParserTest, ReplacesSequenceTruncatedAtEndOfStream) {
  ExpectParse("data: a\n\ndata: \xE2\x82",
              {.events = {Event("a")}, .truncated = true, .replacements = 1});
}

TEST(SseParserTest, DecodesSequencesCutAcrossFeeds) {
  // ExpectParse cuts inside every sequence; also check an explicit three-way cut.
  SseParser parser;
  std::vector<SseEvent> events = {};
  auto on_event = [&events](const SseEvent& event) { events.push_back(event); };
  parser.feed("data: \xF0", on_event);
  parser.feed("\x9F\x98", on_event);
  parser.feed("\x80\n\n", on_event);
  EXPECT_EQ(events, std::vector<SseEvent>{Event("\xF0\x9F\x98\x80")});
  EXPECT_EQ(parser.replacement_chars(), 0u);
}

// --- Limits ---

TEST(SseParserTest, FailsOnLineTooLong) {
  const SseLimits limits{.max_line_bytes = 10, .max_event_bytes = 100};
  // 10 bytes is the limit and fine; 11 is not, whether or not the line ending arrived.
  ExpectParse("data: 1234\n\n", {.events = {Event("1234")}}, limits);
  const Outcome failed{.events = {Event("a")}, .error = SseError::kLineTooLong};
  ExpectParse("data: a\n\ndata: 12345\n\ndata: b\n\n", failed, limits);
  ExpectParse("data: a\n\ndata: 12345", failed, limits);
  ExpectParse("data: a\n\n: comment is a line too\n\ndata: b\n\n",
              {.events = {Event("a")}, .error = SseError::kLineTooLong}, limits);
}

TEST(SseParserTest, FailsOnEventTooLarge) {
  const SseLimits limits{.max_line_bytes = 100, .max_event_bytes = 8};
  // Counted as dispatched: data without its final LF, plus the type.
  ExpectParse("data: 1234\ndata: 567\n\n", {.events = {Event("1234\n567")}}, limits);
  ExpectParse("event: abcd\ndata: 1234\n\n", {.events = {Event("1234", "abcd")}}, limits);
  ExpectParse("data: a\n\ndata: 1234\ndata: 5678\n\ndata: b\n\n",
              {.events = {Event("a")}, .error = SseError::kEventTooLarge}, limits);
  ExpectParse("data: 12345\nevent: abcd\n\n", {.error = SseError::kEventTooLarge}, limits);
}

TEST(SseParserTest, ErrorIsStickyAndExplained) {
  SseParser parser(SseLimits{.max_line_bytes = 4, .max_event_bytes = 100});
  EXPECT_EQ(parser.error(), SseError::kNone);
  EXPECT_EQ(parser.error_message(), "");
  int events = 0;
  auto on_event = [&events](const SseEvent&) { ++events; };
  parser.feed("data: a\n\n", on_event);
  EXPECT_EQ(parser.error(), SseError::kLineTooLong);
  EXPECT_EQ(parser.error_message(), "SSE line exceeds 4 bytes");
  parser.feed("\n\ndata\n\n", on_event);
  EXPECT_EQ(events, 0);
  EXPECT_EQ(parser.error(), SseError::kLineTooLong);
  EXPECT_FALSE(parser.finish());
  EXPECT_EQ(parser.bytes_fed(), 17u);
}

TEST(SseParserTest, ExplainsEventTooLarge) {
  SseParser parser(SseLimits{.max_line_bytes = 100, .max_event_bytes = 2});
  parser.feed("data: abc\n", [](const SseEvent&) {});
  EXPECT_EQ(parser.error(), SseError::kEventTooLarge);
  EXPECT_EQ(parser.error_message(), "SSE event exceeds 2 bytes");
  EXPECT_EQ(to_string(parser.error()), "event_too_large");
}

TEST(SseParserTest, DefaultLimitsAreOneAndEightMebibytes) {
  const SseLimits limits;
  EXPECT_EQ(limits.max_line_bytes, 1u << 20);
  EXPECT_EQ(limits.max_event_bytes, 8u << 20);
  SseParser parser;
  std::size_t data_bytes = 0;
  auto on_event = [&data_bytes](const SseEvent& event) { data_bytes = event.data.size(); };
  const std::string line = "data: " + std::string((1u << 20) - 6, 'x') + "\n";
  parser.feed(line + "\n", on_event);
  EXPECT_EQ(data_bytes, (1u << 20) - 6);
  parser.feed("data: " + std::string((1u << 20) - 5, 'x') + "\n", on_event);
  EXPECT_EQ(parser.error_message(), "SSE line exceeds 1048576 bytes");
}

// --- Reset ---

TEST(SseParserTest, ResetStartsNewStreamKeepingIdAndRetry) {
  SseParser parser(SseLimits{.max_line_bytes = 16, .max_event_bytes = 100});
  std::vector<SseEvent> events = {};
  auto on_event = [&events](const SseEvent& event) { events.push_back(event); };
  parser.feed("retry: 50\nid: 1\n\n: hb\ndata: lost\nid: 2\n", on_event);
  parser.feed("data: 0123456789abcdef\n", on_event);
  EXPECT_EQ(parser.error(), SseError::kLineTooLong);
  EXPECT_FALSE(parser.finish());

  parser.reset();
  EXPECT_EQ(parser.error(), SseError::kNone);
  EXPECT_EQ(parser.error_message(), "");
  EXPECT_EQ(parser.comments(), 0u);
  EXPECT_EQ(parser.bytes_fed(), 0u);
  EXPECT_EQ(parser.last_event_id(), "1");
  EXPECT_EQ(parser.retry_ms(), 50);
  // A new stream: its BOM is stripped again, and its events carry the kept id until it sends
  // its own.
  parser.feed(
      "\xEF\xBB\xBF"
      "data: a\n\nid: 3\ndata: b\n\n",
      on_event);
  EXPECT_EQ(events,
            (std::vector<SseEvent>{Event("a", "message", "1"), Event("b", "message", "3")}));
  EXPECT_FALSE(parser.finish());
  EXPECT_EQ(parser.last_event_id(), "3");
}

TEST(SseParserTest, ResetDropsPartialLineAndBlock) {
  SseParser parser;
  std::vector<SseEvent> events = {};
  auto on_event = [&events](const SseEvent& event) { events.push_back(event); };
  parser.feed("event: x\ndata: a\nid: 9\ndata: b\r", on_event);
  parser.reset();
  parser.feed("\ndata: c\n\n", on_event);  // the LF is a blank line: the CR was forgotten
  EXPECT_EQ(events, std::vector<SseEvent>{Event("c")});
  EXPECT_EQ(parser.last_event_id(), "");
}

// --- Delivery ---

TEST(SseParserTest, DeliversEventsInOrderDuringFeed) {
  SseParser parser;
  std::vector<std::string> seen;
  parser.feed("data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4",
              [&seen](const SseEvent& event) { seen.push_back(event.data); });
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(SseParserTest, AcceptsConstAndMutableCallables) {
  SseParser parser;
  struct Counter {
    int* count;
    void operator()(const SseEvent&) const { ++*count; }
  };
  int count = 0;
  const Counter counter{&count};
  parser.feed("data: a\n\n", counter);
  parser.feed("data: b\n\n", Counter{&count});
  EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace ixh
