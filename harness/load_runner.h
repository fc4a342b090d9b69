#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "harness/engine.h"
#include "harness/load_scheduler.h"
#include "harness/target.h"
#include "reports/run_report.h"

namespace ixh {

// The validated options of one load run: the cli merges the scenario's `load` block with its
// flags into this value (cli/load_flags.h) and passes it down; nothing else sets it.
struct LoadOptions {
  LoadMode mode = LoadMode::kClosed;
  std::int64_t vus = 0;  // closed and paced: users (the start level when stages ramp them)
  double rate = 0;       // open and paced: arrivals per second (the start level with stages)
  bool poisson = false;  // open and paced: Poisson rather than evenly spaced arrivals
  std::int64_t max_inflight = 1000;  // open loop
  std::int64_t think_ns = 0;         // closed loop: pause between a user's iterations
  std::int64_t duration_ns = -1;     // measured part; -1: given by stages or iterations
  std::int64_t iterations = -1;      // -1: until the end of the duration or stages
  std::int64_t warmup_ns = 0;        // before the measured part, at the start level
  std::vector<LoadStage> stages;     // after the warm-up; ramp users (closed) or rate
  std::int64_t grace_ns = 5'000'000'000;
  std::size_t workers = 1;
  std::uint64_t seed = 1;  // Poisson arrivals
  std::string run_id;      // instance ids are `template.<run_id>-w<worker>-<iteration>`
  Target target;
  EngineOptions engine;
  std::vector<std::string> skip_checks;  // protocol checks not applied (run_checks)
};

// One scenario of the run and its share of the iterations.
struct WeightedScenario {
  const Scenario* scenario = nullptr;
  double weight = 1;
};

// Runs the scenarios as load on `options.workers` threads, each with its own curl engine and
// scheduler, and merges what they measured exactly. Blocks the calling thread. When `stop`
// becomes true (SIGINT) it stops starting iterations, drains for the grace period and returns
// the report marked partial. `live` (optional) gets one LiveStats per worker, for a progress
// line; it must hold `options.workers` entries. The report's header fields, thresholds and exit
// code are left to the cli.
RunReport run_load(const std::vector<WeightedScenario>& scenarios, const LoadOptions& options,
                   const Clock& clock, const std::atomic<bool>& stop,
                   std::vector<LiveStats>* live = nullptr);

// The level (users or arrivals per second) over time that `options` describe: the warm-up at
// the start level, then the stages or the duration. Ends when no more iterations start.
RateProfile load_profile(const LoadOptions& options, double start_level);

std::string_view to_string(LoadMode mode);

}  // namespace ixh
