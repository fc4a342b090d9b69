#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ixh {

// One threshold as evaluated at the end of a load run (reports/thresholds.h).
struct ThresholdResult {
  std::string expression;  // as written, e.g. "p99(ttfe)<250ms"
  std::string source;      // "cli" or the scenario file that declared it
  bool passed = false;
  std::string actual;  // the measured value in the threshold's unit, or why there is none
};

// One second of the measured part of a load run, summed over the workers: from the end of the
// warm-up to the end of the duration or stages (or SIGINT), never the grace period after it.
struct TimePoint {
  std::int64_t second = 0;  // 1 for [0 s, 1 s) after the warm-up, and so on
  std::uint64_t requests = 0;
  std::uint64_t events = 0;
  std::uint64_t errors = 0;
  std::uint64_t iterations = 0;  // iterations that finished within the second
  std::uint64_t dropped = 0;
  // Percentiles of the values recorded within the second (0 when there were none), µs.
  std::int64_t latency_p50_us = 0;
  std::int64_t latency_p99_us = 0;
  std::int64_t ttfe_p50_us = 0;
  std::int64_t ttfe_p99_us = 0;
};

// What a load run adds to its RunReport (docs/load.md). Filled by the load runner and the cli on
// the main thread after the workers joined; read by the writers.
struct LoadReport {
  std::string mode;     // "closed", "open" or "paced"
  std::string arrival;  // "constant" or "poisson"; empty in a closed loop
  std::int64_t workers = 1;
  double measured_s = 0;  // length of the measured part (after the warm-up)
  double warmup_s = 0;
  std::uint64_t iterations = 0;              // measured iterations that finished
  std::uint64_t iterations_interrupted = 0;  // cut at the end of the grace period
  std::uint64_t warmup_iterations = 0;       // left out of metrics and counters
  std::uint64_t arrivals = 0;                // open and paced loops: intended starts
  std::uint64_t dropped = 0;                 // open loop: arrivals over max_inflight
  std::vector<ThresholdResult> thresholds;
  std::vector<TimePoint> timeseries;

  bool thresholds_passed() const {
    for (const ThresholdResult& t : thresholds) {
      if (!t.passed) return false;
    }
    return true;
  }
};

}  // namespace ixh
