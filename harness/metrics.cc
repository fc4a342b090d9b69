#include "harness/metrics.h"

namespace ixh {

std::string_view to_string(Metric metric) {
  switch (metric) {
    case Metric::kLatency:
      return "latency";
    case Metric::kTtfb:
      return "ttfb";
    case Metric::kTtfe:
      return "ttfe";
    case Metric::kTtft:
      return "ttft";
    case Metric::kInterEventGap:
      return "inter_event_gap";
    case Metric::kPollToTerminal:
      return "poll_to_terminal";
    case Metric::kResumeLatency:
      return "resume_latency";
    case Metric::kCount_:
      break;
  }
  return "unknown";
}

void Metrics::record_us(Step::Kind kind, Metric metric, std::int64_t value_us) {
  auto& slot = histograms_[static_cast<std::size_t>(kind)][static_cast<std::size_t>(metric)];
  if (!slot) slot = std::make_unique<Histogram>();
  slot->record(value_us);
}

void Metrics::merge_into(RunReport& report) const {
  for (std::size_t k = 0; k < kStepKinds; ++k) {
    for (std::size_t m = 0; m < histograms_[k].size(); ++m) {
      if (!histograms_[k][m]) continue;
      const std::string kind(to_string(static_cast<Step::Kind>(k)));
      const std::string metric(to_string(static_cast<Metric>(m)));
      report.metrics[kind][metric].merge(*histograms_[k][m]);
    }
  }
  report.counters.merge(counters_);
}

}  // namespace ixh
