#include "cli/mock_command.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/port.h"
#include "cli/scenario_dialect.h"
#include "cli/signals.h"
#include "core/clock.h"
#include "core/errors.h"
#include "core/scenario_loader.h"
#include "mock_server/mock_server.h"
#include "mock_server/store_verify.h"

namespace ixh::cli {

void parse_listen(const std::string& value, std::string& host, int& port) {
  const std::size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon + 1 == value.size()) {
    throw UsageError("--listen " + value + ": expected HOST:PORT, e.g. 127.0.0.1:0");
  }
  host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::optional<int> p = parse_port(value.substr(colon + 1));
  if (host.empty() || !p) {
    throw UsageError("--listen " + value + ": expected HOST:PORT with a port in 0..65535");
  }
  port = *p;
}

namespace {

// Prints the --verify verdict on stdout: one line per client (instance), its problems indented
// below it, then the summary. Returns whether every client passed.
bool print_verdict(const nlohmann::json& v) {
  for (const nlohmann::json& inst : v.at("instances")) {
    const bool ok = inst.at("ok").get<bool>();
    std::cout << (ok ? "ok   " : "FAIL ") << inst.at("instance").get<std::string>() << ": "
              << inst.at("attempts").size() << " attempt(s), " << inst.at("events").get<int>()
              << " event(s)";
    double slowest = -1;
    for (const nlohmann::json& r : inst.at("resumes")) {
      if (!r.at("reconnect_ms").is_null()) {
        slowest = std::max(slowest, r.at("reconnect_ms").get<double>());
      }
    }
    if (slowest >= 0) std::cout << ", slowest return " << slowest << " ms";
    std::cout << "\n";
    for (const nlohmann::json& p : inst.at("problems")) {
      std::cout << "       " << p.get<std::string>() << "\n";
    }
  }
  std::cout << "verify: " << v.at("clients").get<std::size_t>() << " client(s), "
            << v.at("failed").get<std::size_t>() << " failed" << std::endl;
  return v.at("ok").get<bool>();
}

}  // namespace

void MockCommand::add_to(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("mock", "Serve scripted interactions over HTTP (seed or genai dialect)");
  cmd->add_option("paths", paths, "Scenario files or directories (every *.json below)")->required();
  cmd->add_option("--listen", listen,
                  "HOST:PORT to listen on; port 0 picks a free one. Prints "
                  "'listening on http://HOST:PORT' once connections are accepted")
      ->capture_default_str();
  cmd->add_option("--dialect", dialect,
                  "Wire format: seed, or genai (the official google-genai SDKs' format, "
                  "docs/wire-genai.md)")
      ->check(CLI::IsMember({"seed", "genai"}))
      ->capture_default_str();
  cmd->add_option("--clock", clock,
                  "real: timelines follow real time times --time-scale; manual: time moves "
                  "only through POST /_mock/clock/advance")
      ->check(CLI::IsMember({"real", "manual"}))
      ->capture_default_str();
  cmd->add_option("--time-scale", options.time_scale,
                  "Timeline milliseconds per real millisecond (2 plays scripts twice as fast)")
      ->capture_default_str();
  cmd->add_option("--seed", options.seed, "Seed for generated text; same seed, same bytes")
      ->capture_default_str();
  cmd->add_option(
         "--max-connections", options.max_connections,
         "Worker threads: one per request being served and per open faulted stream (unfaulted "
         "streams and idle keep-alive connections need none); more queue. 0: sized to the "
         "open-file limit (raised to its hard limit)")
      ->capture_default_str();
  cmd->add_option("--backlog", options.backlog,
                  "Listen queue length (capped by net.core.somaxconn)")
      ->capture_default_str();
  cmd->add_option("--heartbeat", options.heartbeat_ms,
                  "Milliseconds of silence after which a stream gets a ': keep-alive' comment")
      ->capture_default_str();
  cmd->add_option("--keep-alive-timeout", options.keep_alive_timeout_s,
                  "Seconds an idle keep-alive connection is held open")
      ->capture_default_str();
  cmd->add_option("--stack-kib", options.stack_kib, "Stack size of each worker thread in KiB")
      ->capture_default_str();
  cmd->add_flag("--verify", verify,
                "At shutdown (SIGINT/SIGTERM) print whether every streaming client got every "
                "event exactly once across its resumes; exit 1 if one did not");
  cmd->add_option("--journal-size", options.journal_capacity,
                  "Requests kept in the journal (GET /_mock/journal); older ones are dropped")
      ->capture_default_str();
}

int MockCommand::run() {
  parse_listen(listen, options.host, options.port);
  options.manual_clock = clock == "manual";
  options.dialect = dialect_option(dialect);
  if (const std::string problem = options.validate(); !problem.empty()) throw UsageError(problem);
  const std::vector<Scenario> scenarios = load_scenarios_for(paths, options.dialect, "mock");

  SteadyClock real_clock;
  mock::MockServer server(options, scenarios, real_clock);
  std::string error;
  if (!server.start(error)) {
    std::cerr << "ixh mock: " << error << "\n";
    return kExitUnreachable;
  }
  std::size_t templates = 0;
  for (const Scenario& s : scenarios) templates += s.interactions.size();
  std::cerr << "ixh mock: " << scenarios.size() << " scenario(s), " << templates
            << " interaction template(s), dialect " << dialect << ", clock " << clock << ", seed "
            << options.seed << "\n";
  std::cout << "listening on " << server.base_url() << std::endl;
  const int sig = wait_for_stop_signal();
  std::cerr << "ixh mock: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
  if (const auto t = server.stream_timeliness(); t.live_events > 0) {
    std::cerr << "ixh mock: " << t.live_events << " live stream event(s) written, "
              << t.late_over_1ms << " more than 1 ms after their scripted time, "
              << t.late_over_20ms << " more than 20 ms; latest " << t.max_lateness_ms
              << " ms; lateness p50 <= " << t.p50_ms << " ms, p99 <= " << t.p99_ms
              << " ms, p99.9 <= " << t.p999_ms << " ms\n";
  }
  server.stop();
  if (!verify) return kExitOk;
  return print_verdict(mock::verify_store(server.store(), options.dialect)) ? kExitOk
                                                                            : kExitCheckFailed;
}

}  // namespace ixh::cli
