// End-to-end tests of `ixh mock --verify` (docs/mock.md, "Verifying clients"): the built binary
// serves a stream that is cut after two events; at SIGTERM it prints its verdict and exits 0
// when every client resumed right, 1 when one did not. Every wait is bounded.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>

#include "core/sse_parser.h"
#include "tests/e2e/process.h"
#include "tests/integration/test_client.h"

namespace ixh {
namespace {

using std::chrono::milliseconds;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

const std::string kScenario = std::string(IXH_SOURCE_DIR) + "/tests/testdata/mock/verify.json";

// Streams `id` (resuming after `last_event_id` unless empty); returns the last event id received.
std::string stream(int port, const std::string& id, const std::string& last_event_id) {
  std::string target = "/v1beta/interactions/" + id + "?stream=true";
  if (!last_event_id.empty()) target += "&last_event_id=" + last_event_id;
  const http_test::HttpResponse r = http_test::http_get(port, target);
  SseParser parser;
  parser.feed(r.body, [](const SseEvent&) {});
  return parser.last_event_id();
}

struct Verdict {
  std::optional<int> code;
  std::string out;
};

// Runs the mock with --verify, lets `clients` talk to it, then stops it with SIGTERM.
template <class Clients>
Verdict run(Clients clients) {
  e2e::Process mock({"mock", kScenario, "--listen", "127.0.0.1:0", "--verify"});
  const int port = e2e::wait_listening(mock);
  EXPECT_GT(port, 0) << mock.err();
  if (port <= 0) return {};
  clients(port);
  mock.signal(SIGTERM);
  Verdict v;
  v.code = mock.wait_exit(milliseconds(10000));
  v.out = mock.out();
  return v;
}

TEST(MockVerifyCliTest, ExitsZeroWhenEveryClientResumedRight) {
  const Verdict v = run([](int port) {
    const std::string last = stream(port, "story.a", "");
    EXPECT_EQ(last, "evt_000002");
    EXPECT_EQ(stream(port, "story.a", last), "evt_000004");
  });
  ASSERT_TRUE(v.code.has_value());
  EXPECT_EQ(*v.code, 0) << v.out;
  EXPECT_NE(v.out.find("ok   story.a: 2 attempt(s), 4 event(s)"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("verify: 1 client(s), 0 failed"), std::string::npos) << v.out;
}

TEST(MockVerifyCliTest, ExitsOneWhenAClientNeverResumedOrResumedTooEarly) {
  const Verdict v = run([](int port) {
    const std::string last = stream(port, "story.right", "");
    stream(port, "story.right", last);
    stream(port, "story.never", "");
    stream(port, "story.older", "");
    stream(port, "story.older", "evt_000001");
  });
  ASSERT_TRUE(v.code.has_value());
  EXPECT_EQ(*v.code, 1) << v.out;
  EXPECT_NE(v.out.find("ok   story.right"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("FAIL story.never"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("no attempt delivered the final event evt_000004"), std::string::npos)
      << v.out;
  EXPECT_NE(v.out.find("FAIL story.older"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("attempt 2 resumed after evt_000001, expected after evt_000002 (older)"),
            std::string::npos)
      << v.out;
  EXPECT_NE(v.out.find("verify: 3 client(s), 2 failed"), std::string::npos) << v.out;
}

TEST(MockVerifyCliTest, WithoutVerifyTheExitStaysZero) {
  e2e::Process mock({"mock", kScenario, "--listen", "127.0.0.1:0"});
  const int port = e2e::wait_listening(mock);
  ASSERT_GT(port, 0) << mock.err();
  stream(port, "story.never", "");
  mock.signal(SIGTERM);
  const std::optional<int> code = mock.wait_exit(milliseconds(10000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(mock.out().find("verify:"), std::string::npos);
}

}  // namespace
}  // namespace ixh
