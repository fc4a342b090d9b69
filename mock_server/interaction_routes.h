#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>

#include "core/clock.h"
#include "mock_server/journal.h"
#include "mock_server/mock_clock.h"
#include "mock_server/mock_options.h"
#include "mock_server/store.h"

namespace ixh::mock {

class StreamWriter;

// Everything the interaction routes share; owned by MockServer, which outlives every request.
struct RouteContext {
  Store& store;
  Journal& journal;
  MockClock& clock;
  const Clock& real_clock;
  const MockOptions& options;
  const std::atomic<bool>& stopping;  // set before the server stops: streams end promptly
  // Writes unfaulted streams from its own thread; null: every stream stays on its worker.
  StreamWriter* writer = nullptr;
};

// Serves `GET /{version}/interactions/{id}` (JSON, or SSE with stream=true) and returns true, or
// returns false for any other request. Called from the server's pre-routing handler on
// cpp-httplib worker threads. A stream with no fault in effect for its attempt is handed, socket
// and all, to the StreamWriter once its head is ready; a faulted one is written by its content
// provider on the same worker until it ends. Paths
// are matched by hand, not with a route regex: libstdc++'s std::regex recurses per character and
// overflows a small worker stack on a long path, and an empty id must reach the id check (400)
// rather than miss the route (404).
using PreRoute = std::function<bool(const httplib::Request&, httplib::Response&)>;
PreRoute interaction_pre_route(RouteContext& ctx);

// Writes a Google JSON error body with `Content-Type: application/json`.
void send_error(httplib::Response& res, int status, const std::string& message,
                int retry_after_s = -1);

}  // namespace ixh::mock
