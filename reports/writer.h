#pragma once

#include <cstdint>
#include <ostream>

#include "reports/run_report.h"

namespace ixh {

// The seam between a run and its outputs (DESIGN.md §1.3): a writer turns the plain RunReport
// value into one output format, like a Google Benchmark reporter fed plain data. It never sees
// the driver, the scheduler or the mock; everything it shows comes from the report.
//
// Who calls it: the cli (`ixh run`), on the main thread, once the run is over (or stopped by
// SIGINT, with report.partial set) and the workers' metrics have been merged into the report.
// The cli picks the writers by flag: the console writer always (to stdout), the JSON writer for
// `--json FILE`; JUnit, HTML, CSV and Markdown writers plug in the same way. Each write() gets
// the same report and its own stream; the cli opens and closes the streams and checks them for
// errors afterwards.
//
// Contract for implementations:
//   * write() is const and keeps no state between calls, so one writer may write many reports;
//   * the output is a pure function of (report, construction options): no clock, locale,
//     environment or address-dependent content, so golden-file tests can pin it;
//   * write() does not throw for any report the harness can build (strings with invalid UTF-8
//     or control characters included); errors of the stream itself are left in its state.
//   * writers are not a hot path: clarity over speed.
class Writer {
 public:
  virtual ~Writer() = default;
  virtual void write(const RunReport& report, std::ostream& out) const = 0;
};

// The totals every writer's summary shows, counted over the check records of report.scenarios
// (the same records RunReport::checks_failed() counts), so all formats agree on the verdict.
struct ReportSummary {
  std::uint64_t scenarios = 0;
  std::uint64_t scenarios_failed = 0;
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
};

inline ReportSummary summarize(const RunReport& report) {
  ReportSummary s;
  for (const ScenarioReport& scenario : report.scenarios) {
    ++s.scenarios;
    bool failed = false;
    for (const StepReport& step : scenario.steps) {
      for (const CheckRecord& check : step.checks) {
        if (check.passed) {
          ++s.checks_passed;
        } else {
          ++s.checks_failed;
          failed = true;
        }
      }
    }
    if (failed) ++s.scenarios_failed;
  }
  return s;
}

}  // namespace ixh
