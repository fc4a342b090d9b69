#pragma once

#include <string>
#include <vector>

#include "core/threshold.h"
#include "reports/run_report.h"

namespace ixh {

// A threshold and where it came from ("cli" or a scenario file).
struct SourcedThreshold {
  Threshold threshold;
  std::string source;
};

// Evaluates thresholds against a finished run's metrics, counters and load summary. A
// percentile of a metric without a single sample fails (a rule that cannot be checked never
// passes). Called by the cli on the main thread after the run.
std::vector<ThresholdResult> evaluate_thresholds(const RunReport& report,
                                                 const std::vector<SourcedThreshold>& thresholds);

}  // namespace ixh
