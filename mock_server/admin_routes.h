#pragma once

#include <functional>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mock_server/interaction_routes.h"

namespace ixh::mock {

// Registers the admin API under /_mock/ (docs/mock.md): health, reset, clock, scenarios,
// instances and the request journal. `health_extra` adds server-level figures (worker pool) to
// the health document. Handlers run on cpp-httplib worker threads.
void add_admin_routes(httplib::Server& server, RouteContext& ctx,
                      std::function<nlohmann::json()> health_extra);

}  // namespace ixh::mock
