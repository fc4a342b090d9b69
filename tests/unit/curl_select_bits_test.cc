#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include "harness/engine.h"

namespace ixh {
namespace {

TEST(CurlSelectBitsTest, ReadinessMapsOneToOne) {
  EXPECT_EQ(curl_select_bits(0), 0);
  EXPECT_EQ(curl_select_bits(EPOLLIN), CURL_CSELECT_IN);
  EXPECT_EQ(curl_select_bits(EPOLLOUT), CURL_CSELECT_OUT);
  EXPECT_EQ(curl_select_bits(EPOLLIN | EPOLLOUT), CURL_CSELECT_IN | CURL_CSELECT_OUT);
}

// A socket error alone would make libcurl fail with "select/poll returned error" instead of
// reading the socket and reporting what happened (a reset, an end of file).
TEST(CurlSelectBitsTest, AnErrorOrHangUpAlsoAsksCurlToRead) {
  for (const std::uint32_t e :
       {static_cast<std::uint32_t>(EPOLLERR), static_cast<std::uint32_t>(EPOLLHUP),
        static_cast<std::uint32_t>(EPOLLERR | EPOLLHUP),
        static_cast<std::uint32_t>(EPOLLIN | EPOLLERR | EPOLLHUP)}) {
    EXPECT_EQ(curl_select_bits(e), CURL_CSELECT_IN | CURL_CSELECT_ERR) << e;
  }
  EXPECT_EQ(curl_select_bits(EPOLLOUT | EPOLLERR),
            CURL_CSELECT_IN | CURL_CSELECT_OUT | CURL_CSELECT_ERR);
}

}  // namespace
}  // namespace ixh
