#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "reports/run_report.h"
#include "reports/writer.h"

namespace ixh {

struct ConsoleWriterOptions {
  bool verbose = false;  // also list passing checks (otherwise they are only counted)
  bool color = false;    // ANSI colours; the cli passes isatty(stdout)
};

// The readable summary for a terminal or a CI log; see docs/metrics.md for what the numbers
// mean. Layout, top to bottom:
//   * header: ixh version, target, dialect, started_at, duration; a PARTIAL banner when the run
//     was stopped early;
//   * per scenario: PASS/FAIL, name and file; per step one line
//       "  [PASS] 2 stream running.r7-1  (1102.3 ms, 14 checks)"
//     and, under a failed step, each failed check with its name, where, expected and actual;
//   * per step kind, a table of the latency metrics in report.metrics (count, p50, p90, p99,
//     max, in ms with 3 significant digits);
//   * the counters, error classes with a zero count omitted;
//   * one verdict line: "ixh: PASS — 12 scenarios, 214 checks passed" or
//     "ixh: FAIL — 2 of 214 checks failed in 1 scenario".
// Strings from the report are printed with control characters escaped (a server cannot move
// the cursor or colour the log), and continuation lines of multi-line values indented.
class ConsoleWriter final : public Writer {
 public:
  explicit ConsoleWriter(ConsoleWriterOptions options = {}) : options_(options) {}
  // The cli's form: ConsoleWriter(verbose_flag, isatty(STDOUT_FILENO) != 0).
  ConsoleWriter(bool verbose, bool color) : options_{.verbose = verbose, .color = color} {}
  void write(const RunReport& report, std::ostream& out) const override;

 private:
  ConsoleWriterOptions options_;
};

// n / 1000 with 3 significant digits and at most 3 decimals, rounded half up: 412 -> "0.412",
// 12345 -> "12.3", 1104000 -> "1104", 0 -> "0". For microseconds shown as milliseconds (and
// milliseconds as seconds). Negative n is shown with a minus sign.
std::string format_thousandths(std::int64_t n);

}  // namespace ixh
