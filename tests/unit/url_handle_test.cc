// UrlHandle (harness/curl_handles.h): whatever sequence of URLs a pooled transfer is given, its
// parsed URL is exactly what libcurl makes of that URL alone, short path or not.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/curl_handles.h"

namespace ixh {
namespace {

// The URL libcurl assembles from a handle, or nullopt when it holds none.
std::optional<std::string> Assembled(CURLU* h) {
  char* out = nullptr;
  if (curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK) return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

// The same URL parsed whole on a fresh handle, as libcurl parses CURLOPT_URL.
std::optional<std::string> Fresh(const std::string& url) {
  CURLU* h = curl_url();
  std::optional<std::string> s;
  if (curl_url_set(h, CURLUPART_URL, url.c_str(), CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) ==
      CURLUE_OK) {
    s = Assembled(h);
  }
  curl_url_cleanup(h);
  return s;
}

TEST(UrlHandleTest, EverySequenceOfUrlsParsesAsEachUrlAlone) {
  const std::vector<std::string> urls = {
      "http://127.0.0.1:8080/v1beta/interactions/t.run-w0-1",
      "http://127.0.0.1:8080/v1beta/interactions/t.run-w0-2",
      "http://127.0.0.1:8080/v1beta/interactions/t.run-w0-3?stream=true&include_input=true",
      "http://127.0.0.1:8080/v1beta/interactions/t.run-w0-3",
      "http://127.0.0.1:8080/v1beta/interactions/t.run-w0-4?stream=true",
      "http://127.0.0.1:8080/a/../v1beta/interactions/dots",
      "http://127.0.0.1:8080/v1beta/interactions/x#fragment",
      "http://127.0.0.1:8080/v1beta/interactions/after-fragment",
      "http://127.0.0.1:8080/v1beta/interactions/with%20escape?q=a%2Fb",
      "http://127.0.0.1:8080/v1beta/interactions/has space",
      "http://127.0.0.1:8080/v1beta/interactions/after-space",
      "http://127.0.0.1:8080/v1beta/interactions/empty-query?",
      "http://localhost:9/v1beta/interactions/other-origin",
      "http://127.0.0.1:8080/v1beta/interactions/back",
      "http://[::1",
      "http://127.0.0.1:8080/v1beta/interactions/after-bad",
      "HTTP://127.0.0.1:8080/v1beta/interactions/upper-scheme",
      "127.0.0.1:8080/v1beta/interactions/no-scheme",
      "http://user@127.0.0.1:8080/v1beta/interactions/user",
      "http://127.0.0.1:8080",
      "http://127.0.0.1:8080/v1beta/interactions/after-bare-origin",
  };
  UrlHandle h;
  for (const std::string& url : urls) {
    const std::optional<std::string> want = Fresh(url);
    const bool ok = h.set(url);
    EXPECT_EQ(ok, want.has_value()) << url;
    if (ok && want) {
      EXPECT_EQ(Assembled(h.get()), want) << url;
    }
  }
}

TEST(UrlHandleTest, EveryPairInEitherOrderMatchesAWholeParse) {
  // Each URL after each other one: the short path must never carry a part of the last URL over.
  const std::vector<std::string> urls = {
      "http://127.0.0.1:8080/p/a?x=1", "http://127.0.0.1:8080/p/b",   "http://127.0.0.1:8080/p/c#f",
      "http://127.0.0.1:8081/p/d?y=2", "http://127.0.0.1:8080/p/./e",
  };
  for (const std::string& first : urls) {
    for (const std::string& second : urls) {
      UrlHandle h;
      ASSERT_TRUE(h.set(first)) << first;
      ASSERT_TRUE(h.set(second)) << first << " then " << second;
      EXPECT_EQ(Assembled(h.get()), Fresh(second)) << first << " then " << second;
    }
  }
}

}  // namespace
}  // namespace ixh
