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
    case Metric::kPolls:
      return "polls";
    case Metric::kCount_:
      break;
  }
  return "unknown";
}

void Metrics::record_into(ByKind& table, Step::Kind kind, Metric metric, std::int64_t value_us) {
  auto& slot = table[static_cast<std::size_t>(kind)][static_cast<std::size_t>(metric)];
  if (!slot) slot = std::make_unique<Histogram>();
  slot->record(value_us);
}

void Metrics::record_us(Step::Kind kind, Metric metric, std::int64_t value_us) {
  if (sink_ != nullptr) {
    sink_->record_us(kind, metric, value_us);
    // A gap between events is not measured from a start, and a count is no time: neither has a
    // corrected form.
    if (metric != Metric::kInterEventGap && metric != Metric::kPolls) {
      record_into(sink_->corrected_, kind, metric, value_us + lag_us_);
    }
    return;
  }
  record_into(histograms_, kind, metric, value_us);
  if (window_) {
    if (metric == Metric::kLatency) window_->latency.record(value_us);
    if (metric == Metric::kTtfe) window_->ttfe.record(value_us);
  }
}

void Metrics::record_iteration(std::int64_t schedule_lag_ns, std::int64_t duration_ns) {
  if (sink_ != nullptr) return sink_->record_iteration(schedule_lag_ns, duration_ns);
  if (!schedule_lag_) schedule_lag_ = std::make_unique<Histogram>();
  if (!iteration_duration_) iteration_duration_ = std::make_unique<Histogram>();
  schedule_lag_->record(schedule_lag_ns / 1000);
  iteration_duration_->record(duration_ns / 1000);
}

void Metrics::merge_into(RunReport& report) const {
  for (std::size_t k = 0; k < kStepKinds; ++k) {
    for (std::size_t m = 0; m < histograms_[k].size(); ++m) {
      if (!histograms_[k][m]) continue;
      const std::string kind(to_string(static_cast<Step::Kind>(k)));
      const std::string metric(to_string(static_cast<Metric>(m)));
      report.metrics[kind][metric].merge(*histograms_[k][m]);
    }
    for (std::size_t m = 0; m < corrected_[k].size(); ++m) {
      if (!corrected_[k][m]) continue;
      const std::string kind(to_string(static_cast<Step::Kind>(k)));
      const std::string metric = std::string(to_string(static_cast<Metric>(m))) + "_corrected";
      report.metrics[kind][metric].merge(*corrected_[k][m]);
    }
  }
  if (schedule_lag_) report.metrics["iteration"]["schedule_lag"].merge(*schedule_lag_);
  if (iteration_duration_) {
    report.metrics["iteration"]["iteration_duration"].merge(*iteration_duration_);
  }
  report.counters.merge(counters_);
}

}  // namespace ixh
