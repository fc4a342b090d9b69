#include "mock_server/request_path.h"

#include <gtest/gtest.h>

namespace ixh::mock {
namespace {

TEST(RequestPathTest, AcceptsAnyVersionSegment) {
  for (const char* version : {"v1", "v1beta", "v1alpha", "v2"}) {
    const auto p = parse_interaction_path(std::string("/") + version + "/interactions/story");
    ASSERT_TRUE(p.has_value()) << version;
    EXPECT_EQ(p->version, version);
    EXPECT_EQ(p->id, "story");
    EXPECT_FALSE(p->malformed);
  }
}

TEST(RequestPathTest, DecodesTheIdAsOneSegment) {
  const auto p = parse_interaction_path("/v1/interactions/v1_a%20b%2Fc%3Fd");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->id, "v1_a b/c?d");
  EXPECT_FALSE(p->malformed);
}

TEST(RequestPathTest, KeepsPlusAsPlus) {
  EXPECT_EQ(parse_interaction_path("/v1/interactions/a+b")->id, "a+b");
}

TEST(RequestPathTest, IsNotAnInteractionPathOtherwise) {
  EXPECT_FALSE(parse_interaction_path("/v1/interactions/a/b").has_value());
  EXPECT_FALSE(parse_interaction_path("/v1/interaction/a").has_value());
  EXPECT_FALSE(parse_interaction_path("//interactions/a").has_value());
  EXPECT_FALSE(parse_interaction_path("/interactions/a").has_value());
  EXPECT_FALSE(parse_interaction_path("").has_value());
  EXPECT_FALSE(parse_interaction_path("/v1/models/a").has_value());
}

TEST(RequestPathTest, FlagsMalformedIds) {
  for (const char* raw :
       {"/v1/interactions/", "/v1/interactions/%zz", "/v1/interactions/%4", "/v1/interactions/%00x",
        "/v1/interactions/a%0Ab", "/v1/interactions/%FF%FE", "/v1/interactions/a%7F"}) {
    const auto p = parse_interaction_path(raw);
    ASSERT_TRUE(p.has_value()) << raw;
    EXPECT_TRUE(p->malformed) << raw;
  }
  EXPECT_TRUE(parse_interaction_path("/v1/interactions/" + std::string(513, 'a'))->malformed);
  EXPECT_FALSE(parse_interaction_path("/v1/interactions/" + std::string(512, 'a'))->malformed);
}

TEST(RequestPathTest, AcceptsUtf8Ids) {
  const auto p = parse_interaction_path("/v1/interactions/caf%C3%A9");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->id, "caf\xC3\xA9");
  EXPECT_FALSE(p->malformed);
}

TEST(RequestPathTest, ValidatesUtf8Strictly) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
}

TEST(RequestPathTest, PercentDecodeRejectsBadEscapes) {
  EXPECT_EQ(percent_decode("a%41"), "aA");
  EXPECT_FALSE(percent_decode("%").has_value());
  EXPECT_FALSE(percent_decode("%a").has_value());
  EXPECT_FALSE(percent_decode("%g0").has_value());
}

}  // namespace
}  // namespace ixh::mock
