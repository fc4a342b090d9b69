#include "mock_server/admin_routes.h"

#include <cmath>
#include <string>

#include "core/dialect_support.h"
#include "core/errors.h"
#include "core/scenario_loader.h"
#include "mock_server/store_verify.h"

namespace ixh::mock {
namespace {

void send_json(httplib::Response& res, const nlohmann::json& body) {
  res.set_content(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
}

nlohmann::json clock_json(const MockClock& clock) {
  return {{"mode", clock.mode() == MockClock::Mode::kManual ? "manual" : "scaled"},
          {"time_scale", clock.time_scale()},
          {"now_ms", static_cast<double>(clock.now_us()) / 1000.0}};
}

// Reads a number of milliseconds from ?ms= or a JSON body {"ms": N}.
bool read_advance_ms(const httplib::Request& req, double& ms) {
  try {
    if (req.has_param("ms")) {
      std::size_t used = 0;
      const std::string v = req.get_param_value("ms");
      ms = std::stod(v, &used);
      return used == v.size();
    }
    const auto body = nlohmann::json::parse(req.body);
    if (!body.is_object() || !body.contains("ms") || !body["ms"].is_number()) return false;
    ms = body["ms"].get<double>();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void reset(RouteContext& ctx, const httplib::Request&, httplib::Response& res) {
  ctx.store.reset();
  ctx.journal.clear();
  ctx.clock.wake_all();
  send_json(res, {{"status", "reset"}});
}

void advance_clock(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  double ms = 0;
  if (!read_advance_ms(req, ms) || !(ms >= 0) || !std::isfinite(ms)) {
    return send_error(res, 400, "expected ?ms=N or {\"ms\": N} with N >= 0");
  }
  if (!ctx.clock.advance_us(static_cast<std::int64_t>(std::llround(ms * 1000.0)))) {
    return send_error(res, 409, "the clock is not manual; start the mock with --clock manual");
  }
  send_json(res, clock_json(ctx.clock));
}

}  // namespace

bool serve_bodyless_admin_post(RouteContext& ctx, const httplib::Request& req,
                               httplib::Response& res) {
  if (req.method != "POST" || req.has_header("Content-Length") ||
      req.has_header("Transfer-Encoding")) {
    return false;
  }
  if (req.path == "/_mock/reset") {
    reset(ctx, req, res);
    return true;
  }
  if (req.path == "/_mock/clock/advance") {
    advance_clock(ctx, req, res);
    return true;
  }
  return false;
}

void add_admin_routes(httplib::Server& server, RouteContext& ctx,
                      std::function<nlohmann::json()> health_extra) {
  server.Get("/_mock/health",
             [&ctx, health_extra](const httplib::Request&, httplib::Response& res) {
               nlohmann::json body = {{"status", "ok"},
                                      {"dialect", std::string(to_string(ctx.options.dialect))},
                                      {"seed", ctx.options.seed},
                                      {"instances", ctx.store.instance_count()},
                                      {"clock", clock_json(ctx.clock)}};
               if (health_extra) body["server"] = health_extra();
               send_json(res, body);
             });

  server.Post("/_mock/reset", [&ctx](const httplib::Request& req, httplib::Response& res) {
    reset(ctx, req, res);
  });

  server.Get("/_mock/clock", [&ctx](const httplib::Request&, httplib::Response& res) {
    send_json(res, clock_json(ctx.clock));
  });

  server.Post("/_mock/clock/advance", [&ctx](const httplib::Request& req, httplib::Response& res) {
    advance_clock(ctx, req, res);
  });

  server.Get("/_mock/scenarios", [&ctx](const httplib::Request&, httplib::Response& res) {
    send_json(res, ctx.store.describe_scenarios());
  });

  // Body: one scenario document. ?replace=true swaps out a loaded scenario of the same name.
  server.Post("/_mock/scenarios", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string label = req.has_param("file") ? req.get_param_value("file") : "<request>";
    try {
      Scenario s = parse_scenario_text(req.body, label);
      check_expressible(ctx.options.dialect, s);
      ctx.store.load({s}, req.get_param_value("replace") == "true");
      send_json(res, {{"loaded", s.name}, {"interactions", s.interactions.size()}});
    } catch (const ScenarioError& e) {
      send_error(res, 400, e.what());
    }
  });

  server.Get("/_mock/instances", [&ctx](const httplib::Request&, httplib::Response& res) {
    send_json(res, ctx.store.describe_instances());
  });

  // Whether each client that streamed got every event exactly once (docs/mock.md).
  server.Get("/_mock/verify", [&ctx](const httplib::Request&, httplib::Response& res) {
    send_json(res, verify_store(ctx.store, ctx.options.dialect));
  });

  server.Get("/_mock/journal", [&ctx](const httplib::Request& req, httplib::Response& res) {
    std::uint64_t since = 0;
    if (req.has_param("since")) {
      try {
        since = std::stoull(req.get_param_value("since"));
      } catch (const std::exception&) {
        return send_error(res, 400, "since must be a sequence number");
      }
    }
    send_json(res, ctx.journal.to_json(since));
  });

  server.Delete("/_mock/journal", [&ctx](const httplib::Request&, httplib::Response& res) {
    ctx.journal.clear();
    send_json(res, {{"status", "cleared"}});
  });
}

}  // namespace ixh::mock
