#include "cli/load_run.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <set>

#include "cli/load_progress.h"
#include "cli/run_command.h"
#include "cli/run_target.h"
#include "cli/scenario_dialect.h"
#include "core/errors.h"
#include "core/scenario_loader.h"
#include "core/wire_time.h"
#include "harness/load_runner.h"
#include "reports/console_writer.h"
#include "reports/json_writer.h"
#include "reports/thresholds.h"

namespace ixh::cli {
namespace {

// The files the mixes name, loaded with the given paths as one set (so the cross-file rules
// hold across all of them).
std::vector<Scenario> with_mixes(const std::vector<std::string>& paths,
                                 std::vector<Scenario> scenarios, std::optional<Dialect> told) {
  std::vector<std::string> all = paths;
  std::set<std::string> known;
  for (const Scenario& s : scenarios) known.insert(s.file);
  bool added = false;
  for (const Scenario& s : scenarios) {
    if (!s.load) continue;
    for (const LoadMixEntry& e : s.load->mix) {
      if (known.insert(e.file).second) {
        all.push_back(e.file);
        added = true;
      }
    }
  }
  if (!added) return scenarios;
  return told ? load_scenarios_for(all, *told, "run") : load_scenarios(all);
}

std::int64_t planned_ns(const LoadOptions& o) {
  if (!o.stages.empty()) return load_profile(o, 0).end_ns();
  if (o.duration_ns > 0) return o.warmup_ns + o.duration_ns;
  return -1;
}

}  // namespace

bool wants_load(const LoadFlags& flags, const std::vector<Scenario>& scenarios) {
  if (flags.any()) return true;
  for (const Scenario& s : scenarios) {
    if (s.load) return true;
  }
  return false;
}

int run_load_command(const RunCommand& cmd, std::vector<Scenario> scenarios,
                     std::optional<Dialect> told) {
  if (!cmd.ids.empty()) throw UsageError("--id and --ids run conformance checks, not load");
  scenarios = with_mixes(cmd.paths, std::move(scenarios), told);
  const ResolvedLoad resolved = resolve_load(cmd.load, scenarios, cmd.workers, cmd.seed);
  LoadOptions options = resolved.options;
  options.run_id = make_run_id('l');
  options.target.api_version = cmd.api_version;
  options.engine.stream_buffer_size = cmd.stream_buffer;
  options.skip_checks = cmd.skip_checks;
  if (told) options.target.dialect = std::make_shared<DialectChoice>(*told);

  SteadyClock clock;
  RunTarget run_target;
  if (!run_target.open(cmd, scenarios, told.value_or(Dialect::kSeed), clock)) {
    return kExitUnreachable;
  }
  options.target.base_url = run_target.base_url();
  for (const std::string& entry : run_target.resolve()) options.engine.resolve.push_back(entry);
  const std::string& target_label = run_target.label();

  // SIGINT or SIGTERM: stop starting iterations, drain for the grace period, report partial.
  std::atomic<bool> stop{false};
  StopSignalWatch signals(stop);

  std::vector<LiveStats> live(options.workers);
  std::optional<LoadProgress> progress;
  if (!cmd.load.quiet) {
    progress.emplace(live, clock, planned_ns(options), isatty(STDERR_FILENO) != 0, std::cerr);
    progress->start();
  }
  const std::int64_t started_ms = unix_now_ms();
  RunReport report = run_load(resolved.scenarios, options, clock, stop, &live);
  if (progress) progress->stop();
  signals.finish();
  run_target.stop();

  report.ixh_version = IXH_VERSION;
  report.started_at = format_iso8601_ms(started_ms);
  report.duration_ms = static_cast<double>(unix_now_ms() - started_ms);
  report.target = target_label;
  const std::optional<Dialect> spoken = options.target.dialect->current();
  report.dialect = spoken ? std::string(to_string(*spoken)) : "undetected";
  report.options = {{"paths", cmd.paths},
                    {"target", cmd.target},
                    {"api_version", cmd.api_version},
                    {"dialect", cmd.dialect.empty() ? "detect" : cmd.dialect},
                    {"workers", cmd.workers},
                    {"seed", cmd.seed},
                    {"time_scale", cmd.time_scale},
                    {"stream_buffer", cmd.stream_buffer},
                    {"skip_checks", cmd.skip_checks},
                    {"run_id", options.run_id},
                    {"load", resolved.recorded}};
  report.load->thresholds = evaluate_thresholds(report, resolved.thresholds);
  if (unreachable(report)) {
    report.exit_code = kExitUnreachable;
  } else if (report.checks_failed() > 0 || report.partial || !report.load->thresholds_passed()) {
    report.exit_code = kExitCheckFailed;
  } else {
    report.exit_code = kExitOk;
  }

  ConsoleWriter(cmd.verbose, isatty(STDOUT_FILENO) != 0).write(report, std::cout);
  if (!cmd.json_path.empty()) {
    std::ofstream out(cmd.json_path, std::ios::binary);
    JsonWriter().write(report, out);
    if (!out) {
      std::cerr << "ixh run: cannot write " << cmd.json_path << "\n";
      return kExitUsage;
    }
  }
  if (report.exit_code == kExitUnreachable) {
    std::cerr << "ixh run: could not connect to " << target_label << "\n";
  }
  return report.exit_code;
}

}  // namespace ixh::cli
