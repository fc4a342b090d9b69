#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace ixh {
namespace {

std::string NameOf(pthread_t t) {
  char buf[32] = {};
  pthread_getname_np(t, buf, sizeof buf);
  return buf;
}

TEST(ThreadNameTest, NamesTheCallingThreadAndCutsLongNames) {
  std::string short_name, long_name;
  std::thread a([&] {
    name_this_thread("ixh-writer");
    short_name = NameOf(pthread_self());
  });
  a.join();
  std::thread b([&] {
    name_this_thread("ixh-load-worker-12345");
    long_name = NameOf(pthread_self());
  });
  b.join();
  EXPECT_EQ(short_name, "ixh-writer");
  EXPECT_EQ(long_name, "ixh-load-worker");  // the kernel's 15 bytes
}

}  // namespace
}  // namespace ixh
