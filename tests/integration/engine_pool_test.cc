// The engine's transfer pool and parked sockets (harness/engine.cc) against the real mock:
// pooled transfers carry nothing over from one request to the next, and a keep-alive connection
// the server closes while curl is not watching it never breaks the next request.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/scenario_loader.h"
#include "harness/engine.h"
#include "harness/fetch.h"
#include "harness/target.h"
#include "mock_server/connection_sweep.h"
#include "mock_server/mock_server.h"

namespace ixh {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class EnginePoolTest : public ::testing::Test {
 protected:
  EnginePoolTest()
      : scenarios_(load_scenarios({std::string(IXH_SOURCE_DIR) + "/scenarios/conformance"})),
        server_(mock::MockOptions{}, scenarios_, clock_) {}
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.start(error)) << error;
    target_.base_url = server_.base_url();
  }
  void TearDown() override { server_.stop(); }

  // Runs the engine until `done` or a generous deadline; true when `done` came first.
  static bool Run(Engine& engine, const std::function<bool()>& done) {
    const auto deadline = steady_clock::now() + milliseconds(30'000);
    engine.run([&] { return done() || steady_clock::now() > deadline; });
    return done();
  }

  // One GET through a fresh GetFetch; returns what it observed.
  ObservedGet Get(Engine& engine, const std::string& id, bool include_input = false) {
    GetFetch fetch;
    std::optional<ObservedGet> got;
    fetch.start(engine, target_, id, include_input, [&](ObservedGet g) { got = std::move(g); });
    EXPECT_TRUE(Run(engine, [&] { return got.has_value(); }));
    return got.value_or(ObservedGet{});
  }

  SteadyClock clock_;
  std::vector<Scenario> scenarios_;
  mock::MockServer server_;
  Target target_;
};

TEST_F(EnginePoolTest, PooledTransfersCarryNothingOver) {
  Engine engine(clock_, EngineOptions{});
  // A 404 with a body, then a 200 of another id with other headers, on the same pooled
  // transfer: status, body, content type and URL are each request's own.
  const ObservedGet missing = Get(engine, "no_such_template.x");
  EXPECT_EQ(missing.http.status, 404);
  ASSERT_TRUE(missing.error.has_value());
  const ObservedGet found = Get(engine, "completed.pool", /*include_input=*/true);
  EXPECT_EQ(found.http.status, 200) << found.http.curl_error;
  EXPECT_EQ(found.http.error, ErrorClass::kNone);
  EXPECT_EQ(found.http.content_type, "application/json");
  EXPECT_NE(found.http.url.find("completed.pool"), std::string::npos) << found.http.url;
  EXPECT_NE(found.http.url.find("include_input=true"), std::string::npos) << found.http.url;
  ASSERT_TRUE(found.decoded.has_value());
  EXPECT_TRUE(found.decoded->has_input);
  EXPECT_FALSE(found.error.has_value());
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(EnginePoolTest, ServerClosingAnIdleConnectionNeverBreaksTheNextRequest) {
  Engine engine(clock_, EngineOptions{});
  EXPECT_EQ(Get(engine, "completed.idle").http.status, 200);
  // The cached connection is closed by the server while no transfer uses it; the next request
  // starts at once, before the loop has seen the close.
  EXPECT_GE(mock::shut_down_accepted_sockets(server_.port()), 1u);
  const ObservedGet second = Get(engine, "completed.idle");
  EXPECT_EQ(second.http.status, 200) << second.http.curl_error;
  EXPECT_EQ(second.http.error, ErrorClass::kNone) << second.http.curl_error;
  // Closed again, and this time the loop runs idle first and sees the close of a socket curl is
  // not watching.
  EXPECT_GE(mock::shut_down_accepted_sockets(server_.port()), 1u);
  bool idled = false;
  engine.schedule(clock_.now_ns() + 200'000'000, [&] { idled = true; });
  ASSERT_TRUE(Run(engine, [&] { return idled; }));
  const ObservedGet third = Get(engine, "completed.idle");
  EXPECT_EQ(third.http.status, 200) << third.http.curl_error;
  EXPECT_EQ(third.http.error, ErrorClass::kNone) << third.http.curl_error;
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(EnginePoolTest, ManyBackToBackGetsOnFewConnections) {
  constexpr int kInFlight = 8;
  constexpr int kTotal = 400;
  Engine engine(clock_, EngineOptions{});
  std::vector<GetFetch> fetches(kInFlight);
  int started = 0, ok = 0, done = 0;
  std::function<void(GetFetch&)> go = [&](GetFetch& f) {
    ++started;
    f.start(engine, target_, "completed.burst", false, [&, fp = &f](ObservedGet g) {
      ++done;
      if (g.http.status == 200 && g.decoded && g.decoded->ok()) ++ok;
      if (started < kTotal) go(*fp);
    });
  };
  for (auto& f : fetches) go(f);
  ASSERT_TRUE(Run(engine, [&] { return done == kTotal; })) << done;
  EXPECT_EQ(ok, kTotal);
  EXPECT_EQ(engine.active_transfers(), 0u);
}

}  // namespace
}  // namespace ixh
