#pragma once

// Header-only fixtures of the integration suites, which run the mock in process on 127.0.0.1 and
// an ephemeral port and talk to it over real sockets: InProcessMock starts a MockServer when it
// is built and stops it when it dies (every suite in tests/integration that needs a mock), and
// RunEngineUntil drives the curl Engine's loop on the test's thread until a condition holds,
// bounded by a generous hang guard so a transfer that never ends fails its test instead of
// hanging the run (engine_pool_test.cc, stream_memory_test.cc, conformance_run_test.cc,
// fault_resume_test.cc). The guard is never a timing assertion.
//
// Header-only: CMake compiles only *_test.cc files into the test binaries.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/dialect.h"
#include "core/scenario.h"
#include "harness/engine.h"
#include "mock_server/mock_options.h"
#include "mock_server/mock_server.h"
#include "tests/integration/test_client.h"

namespace ixh::test {

// Runs `engine`'s loop until `done` holds or `guard` of real time has passed; true when `done`
// came first. Called from the test's thread, which owns the engine.
inline bool RunEngineUntil(Engine& engine, const std::function<bool()>& done,
                           std::chrono::milliseconds guard = std::chrono::milliseconds(30'000)) {
  const auto deadline = std::chrono::steady_clock::now() + guard;
  engine.run([&] { return done() || std::chrono::steady_clock::now() > deadline; });
  return done();
}

// Mock options whose timelines move only when a test advances the mock's manual clock.
inline mock::MockOptions ManualClockOptions(Dialect dialect = Dialect::kSeed) {
  mock::MockOptions o;
  o.manual_clock = true;
  o.dialect = dialect;
  return o;
}

// A MockServer serving `scenarios` on 127.0.0.1:0, started on construction and stopped on
// destruction, on the test's thread. A test asserts started() (error() says why not) before it
// sends anything. The real clock is declared first so it outlives the server; tests also give it
// to their Engine.
class InProcessMock {
 public:
  explicit InProcessMock(const std::vector<Scenario>& scenarios, mock::MockOptions options = {})
      : server_(std::move(options), scenarios, clock_) {
    started_ = server_.start(error_);
  }
  ~InProcessMock() { server_.stop(); }
  InProcessMock(const InProcessMock&) = delete;
  InProcessMock& operator=(const InProcessMock&) = delete;

  bool started() const { return started_; }
  const std::string& error() const { return error_; }
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  mock::MockServer& server() { return server_; }
  const SteadyClock& clock() const { return clock_; }

  // Moves the manual clock (ManualClockOptions) on by `ms`.
  void advance_ms(std::int64_t ms) { ASSERT_TRUE(server_.clock().advance_us(ms * 1000)); }
  // GET /_mock/health, parsed.
  nlohmann::json health() { return http_test::http_get(port(), "/_mock/health").json(); }

 private:
  SteadyClock clock_;
  mock::MockServer server_;
  bool started_ = false;
  std::string error_;
};

}  // namespace ixh::test
