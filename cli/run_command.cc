#include "cli/run_command.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/load_run.h"
#include "cli/run_target.h"
#include "cli/scenario_dialect.h"
#include "core/clock.h"
#include "core/errors.h"
#include "core/scenario_loader.h"
#include "core/wire_time.h"
#include "harness/check.h"
#include "harness/runner.h"
#include "reports/console_writer.h"
#include "reports/json_writer.h"

namespace ixh::cli {
namespace {

std::vector<std::string> read_ids(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw UsageError("--ids " + file + ": cannot read the file");
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line.front() != '#') ids.push_back(line);
  }
  return ids;
}

}  // namespace

void RunCommand::add_to(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("run", "Run scenarios' steps once, check every response, print a summary");
  cmd->add_option("paths", paths, "Scenario files or directories");
  cmd->add_option("--target", target,
                  "Base URL of the server to drive (e.g. http://127.0.0.1:8080). Without it, "
                  "the scenarios run against an embedded mock on an ephemeral port");
  cmd->add_option("--id", ids,
                  "Id of an interaction that exists on the target; it gets the invariant checks "
                  "(repeatable)");
  cmd->add_option("--ids", ids_file, "File of ids, one per line, like --id");
  cmd->add_option("--json", json_path, "Also write the full report as JSON to this file");
  cmd->add_option("--api-version", api_version, "Version segment of request paths")
      ->capture_default_str();
  cmd->add_option("--dialect", dialect,
                  "Wire format to speak and judge: seed or genai. The embedded mock serves it; "
                  "without it the embedded mock speaks seed and a --target's dialect is "
                  "detected from its first response")
      ->check(CLI::IsMember({"seed", "genai"}));
  cmd->add_option("--workers", workers, "Worker threads, each with its own curl multi handle")
      ->capture_default_str();
  cmd->add_option("--seed", seed, "Seed of the embedded mock and of resume backoff jitter")
      ->capture_default_str();
  cmd->add_option("--time-scale", time_scale,
                  "Time scale of the embedded mock (2 plays scripts twice as fast)")
      ->capture_default_str();
  cmd->add_option("--stream-timeout", stream_timeout_ms,
                  "Milliseconds an --id stream may take before it is abandoned")
      ->capture_default_str();
  cmd->add_option("--stream-buffer", stream_buffer,
                  "Bytes of curl's receive buffer per live stream, 1024..524288. It is held for "
                  "the stream's life: smaller holds more streams in less memory, larger reads a "
                  "fast stream in fewer calls")
      ->capture_default_str();
  cmd->add_option("--skip-check", skip_checks,
                  "A protocol check not to apply (repeatable), for a server that cannot keep it "
                  "by construction, e.g. id.matches_request against a canned-response stub");
  cmd->add_flag("--no-probes", no_probes,
                "Skip the protocol probes (unknown id, last_event_id without stream)");
  cmd->add_flag("--verbose", verbose, "List passing checks too");
  load.add_to(*cmd);
}

int RunCommand::run() {
  if (!ids_file.empty()) {
    for (std::string& id : read_ids(ids_file)) ids.push_back(std::move(id));
  }
  if (workers < 1 || workers > 256) throw UsageError("--workers must be within 1..256");
  // libcurl's own bounds for CURLOPT_BUFFERSIZE: outside them it silently clamps.
  if (stream_buffer < 1024 || stream_buffer > 524288) {
    throw UsageError("--stream-buffer must be within 1024..524288 bytes");
  }
  for (const std::string& name : skip_checks) {
    if (!is_protocol_check(name)) {
      throw UsageError("--skip-check " + name +
                       ": not a protocol check (docs/checks.md lists them; expect clauses are "
                       "the scenario's own)");
    }
  }
  if (api_version.empty() || api_version.find('/') != std::string::npos) {
    throw UsageError("--api-version must be one path segment, e.g. v1beta");
  }
  if (!ids.empty() && target.empty()) throw UsageError("--id and --ids need --target");
  if (paths.empty() && ids.empty()) {
    throw UsageError("give scenario files or directories, or --target with --id");
  }
  std::optional<Dialect> told;
  if (!dialect.empty()) told = dialect_option(dialect);
  // The embedded mock needs a dialect; a remote target's is detected unless told.
  if (target.empty() && !told) told = Dialect::kSeed;
  const std::vector<Scenario> scenarios = paths.empty() ? std::vector<Scenario>{}
                                          : told        ? load_scenarios_for(paths, *told, "run")
                                                        : load_scenarios(paths);
  if (wants_load(load, scenarios)) return run_load_command(*this, scenarios, told);

  SteadyClock clock;
  RunOptions options;
  options.workers = workers;
  options.run_id = make_run_id('r');
  options.ids = ids;
  options.probes = !no_probes;
  options.stream_timeout_ms = stream_timeout_ms;
  options.engine.stream_buffer_size = stream_buffer;
  options.skip_checks = skip_checks;
  options.seed = static_cast<std::uint64_t>(seed);
  options.target.api_version = api_version;
  if (told) options.target.dialect = std::make_shared<DialectChoice>(*told);

  RunTarget run_target;
  if (!run_target.open(*this, scenarios, told.value_or(Dialect::kSeed), clock)) {
    return kExitUnreachable;
  }
  options.target.base_url = run_target.base_url();
  for (const std::string& entry : run_target.resolve()) options.engine.resolve.push_back(entry);
  const std::string& target_label = run_target.label();

  // SIGINT or SIGTERM stops the run; the report still gets written, marked partial.
  std::atomic<bool> stop{false};
  StopSignalWatch signals(stop);

  const std::int64_t started_ms = unix_now_ms();
  RunReport report = run_conformance(scenarios, options, clock, stop);
  signals.finish();
  run_target.stop();

  report.ixh_version = IXH_VERSION;
  report.started_at = format_iso8601_ms(started_ms);
  report.duration_ms = static_cast<double>(unix_now_ms() - started_ms);
  report.target = target_label;
  const std::optional<Dialect> spoken = options.target.dialect->current();
  report.dialect = spoken ? std::string(to_string(*spoken)) : "undetected";
  report.options = {{"paths", paths},
                    {"target", target},
                    {"ids", ids},
                    {"api_version", api_version},
                    {"dialect", dialect.empty() ? "detect" : dialect},
                    {"workers", workers},
                    {"seed", seed},
                    {"time_scale", time_scale},
                    {"stream_buffer", stream_buffer},
                    {"skip_checks", skip_checks},
                    {"probes", !no_probes},
                    {"run_id", options.run_id}};
  if (unreachable(report)) {
    report.exit_code = kExitUnreachable;
  } else if (report.checks_failed() > 0 || report.partial) {
    report.exit_code = kExitCheckFailed;
  } else {
    report.exit_code = kExitOk;
  }

  ConsoleWriter(verbose, isatty(STDOUT_FILENO) != 0).write(report, std::cout);
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::binary);
    JsonWriter().write(report, out);
    if (!out) {
      std::cerr << "ixh run: cannot write " << json_path << "\n";
      return kExitUsage;
    }
  }
  if (report.exit_code == kExitUnreachable) {
    std::cerr << "ixh run: could not connect to " << target_label << "\n";
  }
  return report.exit_code;
}

}  // namespace ixh::cli
