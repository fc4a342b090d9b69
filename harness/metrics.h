#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/scenario.h"
#include "reports/histogram.h"
#include "reports/run_report.h"

namespace ixh {

// The latency metrics of DESIGN.md §8 that a step can record.
enum class Metric : std::uint8_t {
  kLatency,
  kTtfb,
  kTtfe,
  kTtft,
  kInterEventGap,
  kPollToTerminal,
  kResumeLatency,
  kCount_,
};
std::string_view to_string(Metric metric);

// One worker's measurements: a histogram per (step kind, metric), created on first use, and the
// counters. Owned and written by one worker thread without locks; merged into the RunReport by
// the runner after the workers joined.
class Metrics {
 public:
  static constexpr std::size_t kStepKinds = 5;

  void record_us(Step::Kind kind, Metric metric, std::int64_t value_us);
  void record_ns(Step::Kind kind, Metric metric, std::int64_t value_ns) {
    record_us(kind, metric, value_ns / 1000);
  }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }

  // Adds this worker's histograms and counters to `report` (exact histogram merge).
  void merge_into(RunReport& report) const;

 private:
  std::array<std::array<std::unique_ptr<Histogram>, static_cast<std::size_t>(Metric::kCount_)>,
             kStepKinds>
      histograms_;
  Counters counters_;
};

}  // namespace ixh
