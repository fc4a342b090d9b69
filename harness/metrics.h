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
  kPolls,  // a count, not a time: the GETs a poll step made until it saw a terminal state
  kCount_,
};
std::string_view to_string(Metric metric);

// One worker's measurements: a histogram per (step kind, metric), created on first use, and the
// counters. Owned and written by one worker thread without locks; merged into the RunReport by
// the runner after the workers joined.
class Metrics {
 public:
  static constexpr std::size_t kStepKinds = 5;

  Metrics() = default;
  // A view for one load iteration (harness/load_scheduler.h): records into `sink`, and records
  // every latency a second time as `<metric>_corrected`, `schedule_lag_ns` longer (measured from
  // the iteration's intended start, DESIGN.md §8). `sink` must outlive the view.
  Metrics(Metrics& sink, std::int64_t schedule_lag_ns)
      : sink_(&sink), lag_us_(schedule_lag_ns / 1000) {}
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;
  Metrics(Metrics&&) = default;

  void record_us(Step::Kind kind, Metric metric, std::int64_t value_us);
  void record_ns(Step::Kind kind, Metric metric, std::int64_t value_ns) {
    record_us(kind, metric, value_ns / 1000);
  }
  Counters& counters() { return sink_ ? sink_->counters() : counters_; }
  const Counters& counters() const { return sink_ ? sink_->counters() : counters_; }

  // Load runs: one finished iteration, recorded as iteration/schedule_lag and
  // iteration/iteration_duration.
  void record_iteration(std::int64_t schedule_lag_ns, std::int64_t duration_ns);

  // Load runs: latency (every step kind) and stream ttfe since the last window reset, for the
  // per-second time series and the progress line. Off until enabled.
  struct Window {
    Histogram latency;
    Histogram ttfe;
  };
  void enable_window() { window_ = std::make_unique<Window>(); }
  Window* window() { return window_.get(); }

  // Adds this worker's histograms and counters to `report` (exact histogram merge).
  void merge_into(RunReport& report) const;

 private:
  using ByKind =
      std::array<std::array<std::unique_ptr<Histogram>, static_cast<std::size_t>(Metric::kCount_)>,
                 kStepKinds>;
  static void record_into(ByKind& table, Step::Kind kind, Metric metric, std::int64_t value_us);

  ByKind histograms_;
  ByKind corrected_;  // load runs: from the intended start
  std::unique_ptr<Histogram> schedule_lag_;
  std::unique_ptr<Histogram> iteration_duration_;
  std::unique_ptr<Window> window_;
  Counters counters_;
  Metrics* sink_ = nullptr;  // set in a view
  std::int64_t lag_us_ = 0;
};

}  // namespace ixh
