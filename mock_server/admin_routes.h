#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "mock_server/interaction_routes.h"

namespace ixh::mock {

// Registers the admin API under /_mock/ (docs/mock.md): health, reset, clock, scenarios,
// instances and the request journal. `health_extra` adds server-level figures (worker pool) to
// the health document. Handlers run on cpp-httplib worker threads.
void add_admin_routes(httplib::Server& server, RouteContext& ctx,
                      std::function<nlohmann::json()> health_extra);

// A POST without Content-Length or Transfer-Encoding has an empty body (RFC 9112 §6.3), but
// cpp-httplib waits for one until its read timeout. The pre-routing handler calls this, before
// any body is read, to answer `curl -X POST .../_mock/reset` at once. Returns whether it
// answered.
bool serve_bodyless_admin_post(RouteContext& ctx, const httplib::Request& req,
                               httplib::Response& res);

}  // namespace ixh::mock
