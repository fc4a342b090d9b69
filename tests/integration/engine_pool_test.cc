// The engine's transfer pool and parked sockets (harness/engine.cc) against the real mock:
// pooled transfers carry nothing over from one request to the next, and a keep-alive connection
// the server closes while curl is not watching it never breaks the next request.

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/scenario_loader.h"
#include "harness/engine.h"
#include "harness/fetch.h"
#include "harness/target.h"
#include "mock_server/connection_sweep.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"

namespace ixh {
namespace {

class EnginePoolTest : public ::testing::Test {
 protected:
  EnginePoolTest()
      : scenarios_(load_scenarios({std::string(IXH_SOURCE_DIR) + "/scenarios/conformance"})),
        mock_(scenarios_) {}
  void SetUp() override {
    ASSERT_TRUE(mock_.started()) << mock_.error();
    target_.base_url = mock_.base_url();
  }

  // One GET through a fresh GetFetch; returns what it observed.
  ObservedGet Get(Engine& engine, const std::string& id, bool include_input = false) {
    GetFetch fetch;
    std::optional<ObservedGet> got;
    fetch.start(engine, target_, id, include_input, [&](ObservedGet g) { got = std::move(g); });
    EXPECT_TRUE(test::RunEngineUntil(engine, [&] { return got.has_value(); }));
    return got.value_or(ObservedGet{});
  }

  std::vector<Scenario> scenarios_;
  test::InProcessMock mock_;
  Target target_;
};

TEST_F(EnginePoolTest, PooledTransfersCarryNothingOver) {
  Engine engine(mock_.clock(), EngineOptions{});
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
  Engine engine(mock_.clock(), EngineOptions{});
  EXPECT_EQ(Get(engine, "completed.idle").http.status, 200);
  // The cached connection is closed by the server while no transfer uses it; the next request
  // starts at once, before the loop has seen the close.
  EXPECT_GE(mock::shut_down_accepted_sockets(mock_.port()), 1u);
  const ObservedGet second = Get(engine, "completed.idle");
  EXPECT_EQ(second.http.status, 200) << second.http.curl_error;
  EXPECT_EQ(second.http.error, ErrorClass::kNone) << second.http.curl_error;
  // Closed again, and this time the loop runs idle first and sees the close of a socket curl is
  // not watching.
  EXPECT_GE(mock::shut_down_accepted_sockets(mock_.port()), 1u);
  bool idled = false;
  engine.schedule(mock_.clock().now_ns() + 200'000'000, [&] { idled = true; });
  ASSERT_TRUE(test::RunEngineUntil(engine, [&] { return idled; }));
  const ObservedGet third = Get(engine, "completed.idle");
  EXPECT_EQ(third.http.status, 200) << third.http.curl_error;
  EXPECT_EQ(third.http.error, ErrorClass::kNone) << third.http.curl_error;
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(EnginePoolTest, ManyBackToBackGetsOnFewConnections) {
  constexpr int kInFlight = 8;
  constexpr int kTotal = 400;
  Engine engine(mock_.clock(), EngineOptions{});
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
  ASSERT_TRUE(test::RunEngineUntil(engine, [&] { return done == kTotal; })) << done;
  EXPECT_EQ(ok, kTotal);
  EXPECT_EQ(engine.active_transfers(), 0u);
  // Keep-alive: every request after the first few rode a cached connection.
  EXPECT_GE(engine.connections_opened(), 1u);
  EXPECT_LE(engine.connections_opened(), static_cast<std::uint64_t>(kInFlight));
}

TEST_F(EnginePoolTest, APooledTransferAsksForEachRequestsOwnUrl) {
  Engine engine(mock_.clock(), EngineOptions{});
  // The same pooled transfer and connection, a different instance each time (and one repeated):
  // the server must see each request's own path, not the one parsed for the last request.
  for (const std::string id : {"completed.u1", "completed.u2", "completed.u2", "completed.u1"}) {
    const ObservedGet got = Get(engine, id);
    EXPECT_EQ(got.http.status, 200) << id << ": " << got.http.curl_error;
    ASSERT_TRUE(got.decoded.has_value()) << id;
    EXPECT_EQ(got.decoded->value.id, id);
  }
  EXPECT_EQ(engine.connections_opened(), 1u);
}

TEST_F(EnginePoolTest, AMalformedUrlFailsAloneAndTheNextRequestWorks) {
  Engine engine(mock_.clock(), EngineOptions{});
  EXPECT_EQ(Get(engine, "completed.m1").http.status, 200);
  // libcurl's own error for a URL it cannot parse, as a failed transfer of the loop.
  Target bad = target_;
  bad.base_url = "http://[::1";
  GetFetch fetch;
  std::optional<ObservedGet> failed;
  fetch.start(engine, bad, "completed.m2", false, [&](ObservedGet g) { failed = std::move(g); });
  ASSERT_TRUE(test::RunEngineUntil(engine, [&] { return failed.has_value(); }));
  EXPECT_EQ(failed->http.status, 0);
  EXPECT_EQ(failed->http.curl_code, static_cast<int>(CURLE_URL_MALFORMAT));
  EXPECT_EQ(failed->http.error, classify_curl_error(CURLE_URL_MALFORMAT));
  // The pooled transfer that carried the bad URL serves a good one again.
  const ObservedGet after = Get(engine, "completed.m3");
  EXPECT_EQ(after.http.status, 200) << after.http.curl_error;
  ASSERT_TRUE(after.decoded.has_value());
  EXPECT_EQ(after.decoded->value.id, "completed.m3");
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(EnginePoolTest, AProxyVariableInTheEnvironmentIsStillHonoured) {
  // The engine stops libcurl's per-transfer proxy lookup only when no proxy variable is set;
  // with one set, requests go through that proxy (here a closed port, so they fail to connect).
  // Whatever proxy settings the test's environment has are put aside and restored after.
  std::vector<std::pair<std::string, std::string>> saved;
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    if (const char* v = std::getenv(name)) saved.emplace_back(name, v);
    unsetenv(name);
  }
  ASSERT_EQ(setenv("http_proxy", "http://127.0.0.1:1", 1), 0);
  {
    Engine proxied(mock_.clock(), EngineOptions{});
    const ObservedGet via_proxy = Get(proxied, "completed.proxy");
    EXPECT_EQ(via_proxy.http.status, 0);
    EXPECT_EQ(via_proxy.http.error, ErrorClass::kConnect) << via_proxy.http.curl_error;
  }
  ASSERT_EQ(unsetenv("http_proxy"), 0);
  {
    Engine direct(mock_.clock(), EngineOptions{});
    EXPECT_EQ(Get(direct, "completed.proxy").http.status, 200);
  }
  for (const auto& [name, value] : saved) setenv(name.c_str(), value.c_str(), 1);
}

// Records one transfer and cancels it from a timer once its first body bytes arrived.
struct CancelAfterFirstBytes final : TransferHandler {
  Engine* engine = nullptr;
  TransferId id = 0;
  bool saw_body = false;
  bool cancel_scheduled = false;
  std::optional<HttpObservation> done;
  bool on_body(std::string_view, std::int64_t) override {
    if (!cancel_scheduled) {
      cancel_scheduled = true;
      // Not from inside a curl callback: from the loop, at once.
      engine->schedule(engine->clock().now_ns(), [this] { engine->cancel(id); });
    }
    saw_body = true;
    return true;
  }
  void on_complete(const HttpObservation& http) override { done = http; }
};

TEST_F(EnginePoolTest, CancellingALiveStreamCompletesItOnceAndFreesItsTransfer) {
  Engine engine(mock_.clock(), EngineOptions{});
  CancelAfterFirstBytes h;
  h.engine = &engine;
  TransferSpec spec;
  // A stream the mock paces over about a second: still live when it is cancelled.
  spec.url = interaction_url(target_, "running.cancel", true, false, std::nullopt);
  spec.headers = request_headers(true, std::nullopt);
  spec.stream = true;
  h.id = engine.start(spec, &h);
  ASSERT_TRUE(test::RunEngineUntil(engine, [&] { return h.done.has_value(); }));
  EXPECT_TRUE(h.saw_body);
  EXPECT_EQ(h.done->error, ErrorClass::kCancelled);
  EXPECT_EQ(engine.active_transfers(), 0u);
  // A second cancel of the same id is a no-op; the freed transfer serves the next request.
  engine.cancel(h.id);
  const ObservedGet next = Get(engine, "completed.after_cancel");
  EXPECT_EQ(next.http.status, 200) << next.http.curl_error;
  EXPECT_EQ(engine.active_transfers(), 0u);
}

// Counts one transfer's outcome.
struct Outcome final : TransferHandler {
  std::optional<HttpObservation> done;
  bool on_body(std::string_view, std::int64_t) override { return true; }
  void on_complete(const HttpObservation& http) override { done = http; }
};

TEST_F(EnginePoolTest, TransfersStartedTogetherAreHandedToCurlATurnAtATime) {
  Engine engine(mock_.clock(), EngineOptions{});
  const std::size_t n = 3 * Engine::kAdmitPerTurn + 7;
  std::vector<Outcome> outcomes(n);
  for (std::size_t i = 0; i < n; ++i) {
    TransferSpec spec;
    spec.url =
        interaction_url(target_, "completed.turn" + std::to_string(i), false, false, std::nullopt);
    spec.headers = request_headers(false, std::nullopt);
    engine.start(spec, &outcomes[i]);
  }
  // The first turn's worth went to curl at once; the rest wait, in order, and still count as
  // active, so run() keeps going until they are done.
  EXPECT_EQ(engine.active_transfers(), n);
  EXPECT_EQ(engine.waiting_transfers(), n - static_cast<std::size_t>(Engine::kAdmitPerTurn));
  ASSERT_TRUE(test::RunEngineUntil(engine, [&] { return engine.active_transfers() == 0; }));
  EXPECT_EQ(engine.waiting_transfers(), 0u);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(outcomes[i].done.has_value()) << i;
    EXPECT_EQ(outcomes[i].done->status, 200) << i << " " << outcomes[i].done->curl_error;
    EXPECT_NE(outcomes[i].done->url.find("completed.turn" + std::to_string(i)), std::string::npos);
  }
}

TEST_F(EnginePoolTest, ACancelledWaitingTransferCompletesOnceAndNeverReachesTheServer) {
  Engine engine(mock_.clock(), EngineOptions{});
  const std::size_t n = static_cast<std::size_t>(Engine::kAdmitPerTurn) + 2;
  std::vector<Outcome> outcomes(n);
  std::vector<TransferId> ids;
  for (std::size_t i = 0; i < n; ++i) {
    TransferSpec spec;
    spec.url =
        interaction_url(target_, "completed.wait" + std::to_string(i), false, false, std::nullopt);
    spec.headers = request_headers(false, std::nullopt);
    ids.push_back(engine.start(spec, &outcomes[i]));
  }
  ASSERT_EQ(engine.waiting_transfers(), 2u);
  engine.cancel(ids[n - 2]);
  ASSERT_TRUE(outcomes[n - 2].done.has_value());
  EXPECT_EQ(outcomes[n - 2].done->error, ErrorClass::kCancelled);
  ASSERT_TRUE(test::RunEngineUntil(engine, [&] { return engine.active_transfers() == 0; }));
  EXPECT_EQ(outcomes[n - 1].done->status, 200) << outcomes[n - 1].done->curl_error;
  // The mock's instance list shows every id a request touched: all but the cancelled one.
  const nlohmann::json instances = http_test::http_get(mock_.port(), "/_mock/instances").json();
  const std::string dump = instances.dump();
  EXPECT_EQ(dump.find("completed.wait" + std::to_string(n - 2) + "\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("completed.wait" + std::to_string(n - 1) + "\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("completed.wait0\""), std::string::npos) << dump;
}

}  // namespace
}  // namespace ixh
