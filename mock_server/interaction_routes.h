#pragma once

#include <atomic>

#include <httplib.h>

#include "core/clock.h"
#include "mock_server/journal.h"
#include "mock_server/mock_clock.h"
#include "mock_server/mock_options.h"
#include "mock_server/store.h"

namespace ixh::mock {

// Everything the interaction routes share; owned by MockServer, which outlives every request.
struct RouteContext {
  Store& store;
  Journal& journal;
  MockClock& clock;
  const Clock& real_clock;
  const MockOptions& options;
  const std::atomic<bool>& stopping;  // set before the server stops: streams end promptly
};

// Registers `GET /{version}/interactions/{id}` (JSON, or SSE with stream=true). Handlers run on
// cpp-httplib worker threads; a stream's provider runs on the same worker until it ends.
void add_interaction_routes(httplib::Server& server, RouteContext& ctx);

// Writes a Google JSON error body with `Content-Type: application/json`.
void send_error(httplib::Response& res, int status, const std::string& message,
                int retry_after_s = -1);

}  // namespace ixh::mock
