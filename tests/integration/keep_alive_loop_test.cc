// Integration tests of the mock's keep-alive loop (docs/mock.md, "Capacity"): idle keep-alive
// connections wait in one epoll loop, which answers whole plain GETs itself and gives everything
// else back to a worker. The mock runs in process on an ephemeral port with a manual clock; the
// client is a plain socket that sends bytes exactly as the test says.

#include "mock_server/keep_alive_loop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario_loader.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"
#include "tests/integration/test_client.h"

namespace ixh::mock {
namespace {

using http_test::build_request;
using http_test::Connection;
using http_test::http_get;
using nlohmann::json;
using std::chrono::milliseconds;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

constexpr char kScenario[] = R"json({
  "name": "keepalive",
  "interactions": {
    "done": {"timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 0, "text": "hi"},
                          {"after_ms": 0, "state": "COMPLETED"}]},
    "later": {"timeline": [{"after_ms": 100, "state": "RUNNING"},
                           {"after_ms": 200, "state": "COMPLETED"}]}
  }
})json";

class TestServer : public test::InProcessMock {
 public:
  explicit TestServer(int keep_alive_s = 5) : InProcessMock(scenarios(), options(keep_alive_s)) {}

 private:
  static MockOptions options(int keep_alive_s) {
    MockOptions o = test::ManualClockOptions();
    o.keep_alive_timeout_s = keep_alive_s;
    return o;
  }
  static std::vector<Scenario> scenarios() {
    return {parse_scenario(json::parse(kScenario), "keepalive.json")};
  }
};

// Reads `n` whole responses from `conn` (bounded); returns their statuses and bodies. Bytes of a
// response not yet asked for stay in `raw`. Bodies are framed by Content-Length or chunked.
struct Response {
  int status = 0;
  std::string body;
};
bool take_response(std::string& raw, Response& out) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::string head = raw.substr(0, head_end);
  std::size_t total = std::string::npos;
  if (const std::size_t cl = head.find("Content-Length: "); cl != std::string::npos) {
    total = head_end + 4 + std::stoul(head.substr(cl + 16));
    if (raw.size() < total) return false;
  } else {
    const std::size_t last = raw.find("\r\n0\r\n\r\n", head_end);
    if (last == std::string::npos) return false;
    total = last + 7;
  }
  out.status = std::stoi(head.substr(9, 3));
  out.body = raw.substr(head_end + 4, total - head_end - 4);
  raw.erase(0, total);
  return true;
}
std::vector<Response> read_responses(Connection& conn, std::size_t n, std::string& raw) {
  std::vector<Response> out;
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    Response r;
    if (take_response(raw, r)) {
      out.push_back(std::move(r));
      continue;
    }
    const Connection::Read got = conn.read_some(raw, milliseconds(100));
    if (got == Connection::Read::kEof || got == Connection::Read::kError) break;
  }
  return out;
}

TEST(KeepAliveLoopTest, ManyGetsOnOneConnectionAreServedAndItWaitsIdleInTheLoop) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  Connection conn(srv.port());
  ASSERT_TRUE(conn.is_open());
  std::string leftover;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(conn.send_all(build_request("GET", "/v1beta/interactions/done.k", {}, {}, false)));
    const auto r = read_responses(conn, 1, leftover);
    ASSERT_EQ(r.size(), 1u) << i;
    EXPECT_EQ(r[0].status, 200);
    EXPECT_NE(r[0].body.find("\"COMPLETED\""), std::string::npos) << r[0].body;
  }
  // Idle now: it waits in the loop and holds no worker.
  int idle = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);;) {
    idle = srv.health().at("server").value("keep_alive_idle", -1);
    if (idle >= 1 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_GE(idle, 1);
}

TEST(KeepAliveLoopTest, PipelinedAndSplitRequestsAreAnsweredInOrder) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  Connection conn(srv.port());
  std::string leftover;
  ASSERT_TRUE(conn.send_all(build_request("GET", "/v1beta/interactions/done.p", {}, {}, false)));
  ASSERT_EQ(read_responses(conn, 1, leftover).size(), 1u);
  std::this_thread::sleep_for(milliseconds(100));  // parked by now
  // Two requests in one write, then one in two writes with a pause inside its head.
  const std::string two = build_request("GET", "/v1beta/interactions/nope.p", {}, {}, false) +
                          build_request("GET", "/v1beta/interactions/done.p", {}, {}, false);
  ASSERT_TRUE(conn.send_all(two));
  const auto first = read_responses(conn, 2, leftover);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].status, 404);
  EXPECT_EQ(first[1].status, 200);
  const std::string split = build_request("GET", "/v1beta/interactions/done.p", {}, {}, false);
  ASSERT_TRUE(conn.send_all(split.substr(0, 20)));
  std::this_thread::sleep_for(milliseconds(200));
  ASSERT_TRUE(conn.send_all(split.substr(20)));
  const auto second = read_responses(conn, 1, leftover);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].status, 200);
}

TEST(KeepAliveLoopTest, StreamsAndPostsOnAParkedConnectionGoBackToAWorker) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  Connection conn(srv.port());
  std::string leftover;
  ASSERT_TRUE(conn.send_all(build_request("GET", "/v1beta/interactions/later.s", {}, {}, false)));
  ASSERT_EQ(read_responses(conn, 1, leftover).size(), 1u);
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(conn.send_all(build_request("POST", "/_mock/clock/advance?ms=150", {}, {}, false)));
  const auto advanced = read_responses(conn, 1, leftover);
  ASSERT_EQ(advanced.size(), 1u);
  EXPECT_EQ(advanced[0].status, 200) << advanced[0].body;
  std::this_thread::sleep_for(milliseconds(100));
  // A stream on the same connection: served to its end (the clock then moves it), then closed.
  ASSERT_TRUE(conn.send_all(
      build_request("GET", "/v1beta/interactions/later.s?stream=true", {}, {}, false)));
  std::this_thread::sleep_for(milliseconds(100));
  Connection admin(srv.port());
  ASSERT_TRUE(admin.send_all(build_request("POST", "/_mock/clock/advance?ms=100")));
  const auto stream = read_responses(conn, 1, leftover);
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].status, 200);
  EXPECT_NE(stream[0].body.find("COMPLETED"), std::string::npos) << stream[0].body;
}

TEST(KeepAliveLoopTest, IdleConnectionIsClosedAfterTheKeepAliveTimeout) {
  TestServer srv(1);
  ASSERT_TRUE(srv.started()) << srv.error();
  Connection conn(srv.port());
  std::string leftover;
  ASSERT_TRUE(conn.send_all(build_request("GET", "/v1beta/interactions/done.t", {}, {}, false)));
  ASSERT_EQ(read_responses(conn, 1, leftover).size(), 1u);
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    std::string in;
    const Connection::Read r = conn.read_some(in, milliseconds(100));
    closed = r == Connection::Read::kEof;
  }
  EXPECT_TRUE(closed) << "the idle connection was kept past its timeout";
}

}  // namespace
}  // namespace ixh::mock
