#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "mock_server/journal.h"
#include "mock_server/mock_clock.h"
#include "mock_server/mock_options.h"
#include "mock_server/store.h"
#include "mock_server/stream_timeliness.h"

namespace ixh::mock {

class WorkerPool;
class ListeningServer;
class StreamWriter;
struct RouteContext;

// The scripted mock (DESIGN.md §1.1): owns the HTTP server, the store, the clock and the
// journal. The cli (`ixh mock`, the embedded default of `ixh run`) and integration tests create
// one, start() it, and stop() it from the thread that started it.
class MockServer {
 public:
  // Compiles every scenario up front; throws ScenarioError (nothing half-loaded) or UsageError
  // for invalid options. `real_clock` must outlive the server.
  MockServer(MockOptions options, const std::vector<Scenario>& scenarios, const Clock& real_clock);
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  // Binds, raises the listen backlog, and returns once connections are being accepted. On
  // failure returns false with the reason in `error`.
  bool start(std::string& error);
  // Ends open streams, stops accepting, and joins every thread. Idempotent.
  void stop();

  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"

  // How punctually the stream writer has written live events so far (StreamWriter::timeliness);
  // all zero before start(). Any thread while the server runs.
  StreamTimeliness stream_timeliness() const;

  Store& store() { return store_; }
  MockClock& clock() { return clock_; }
  Journal& journal() { return journal_; }
  const MockOptions& options() const { return options_; }

 private:
  const MockOptions options_;
  const Clock& real_clock_;
  MockClock clock_;
  Store store_;
  Journal journal_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<StreamWriter> writer_;
  std::unique_ptr<RouteContext> routes_;
  std::unique_ptr<ListeningServer> http_;
  std::atomic<WorkerPool*> pool_{nullptr};
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  int port_ = -1;
};

}  // namespace ixh::mock
