#include "core/wire_time.h"

#include <gtest/gtest.h>

namespace ixh {
namespace {

TEST(WireTimeTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(1'795'000'000'123), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(format_iso8601_ms(951'782'400'000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(WireTimeTest, FormatsTheYearsOutsideFourDigitsToo) {
  // Year 0 and 9999 take the fast formatter; years before and after it the general one.
  EXPECT_EQ(format_iso8601_ms(-62'167'219'200'000), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_ms(253'402'300'800'000), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(-62'167'219'200'001), "-001-12-31T23:59:59.999Z");
}

TEST(WireTimeTest, AppendsAfterWhatTheStringHolds) {
  std::string out = "at ";
  append_iso8601_ms(out, 1'795'000'000'123);
  EXPECT_EQ(out, "at 2026-11-18T11:06:40.123Z");
  out += ", ";
  append_iso8601_ms(out, 253'402'300'800'000);  // the general formatter appends too
  EXPECT_EQ(out, "at 2026-11-18T11:06:40.123Z, 10000-01-01T00:00:00.000Z");
}

TEST(WireTimeTest, ParsesWhatItFormats) {
  for (std::int64_t ms : {0LL, 1LL, 999LL, 951'782'400'000LL, 1'795'000'000'123LL, -1LL}) {
    EXPECT_EQ(parse_iso8601_ms(format_iso8601_ms(ms)), ms);
  }
}

TEST(WireTimeTest, ParsesOtherFractionLengths) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01.123456789Z"), 1123);
}

TEST(WireTimeTest, RejectsAnythingElse) {
  for (const char* bad : {"", "1970-01-01", "1970-01-01T00:00:00", "1970-01-01T00:00:00+00:00",
                          "1970-13-01T00:00:00Z", "1970-01-01T24:00:00Z", "1970-01-01T00:00:00.Z",
                          "1970-01-01 00:00:00Z", "1970-01-01T00:00:00ZZ"}) {
    EXPECT_FALSE(parse_iso8601_ms(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ixh
