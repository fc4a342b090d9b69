#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ixh {

// A pass/fail rule on a finished run (docs/load.md, "Thresholds"):
//   p50|p90|p95|p99|p999|max|mean|min ( [kind.]metric[_corrected] ) OP value(us|ms|s)
//   p50|p90|p95|p99|p999|max|mean|min ( [kind.]count_metric ) OP number     (e.g. polls)
//   rate(errors|dropped|checks) OP value[%]      checks OP value[%]      counter OP integer
// with OP one of < <= > >=. Parsed by the loader (a scenario's `load.thresholds`) and the cli
// (--threshold); evaluated by reports/thresholds.h once the run ended.
struct Threshold {
  enum class Kind : std::uint8_t { kPercentile, kRate, kCounter };
  enum class Op : std::uint8_t { kLt, kLe, kGt, kGe };
  std::string expression;  // as written, trimmed
  Kind kind = Kind::kPercentile;
  std::string statistic;  // p50 ... p999, max, mean, min (kPercentile)
  std::string step_kind;  // kPercentile: optional "get", "stream", ...; empty: every step kind
  std::string metric;     // metric name, rate subject or counter name
  Op op = Op::kLt;
  // microseconds (kPercentile of a time), a count (kPercentile of a count metric, kCounter) or a
  // fraction (kRate)
  double value = 0;
};

// Whether `metric` (a histogram name of the report, e.g. "polls") holds counts rather than
// microseconds: its percentiles are compared with a plain number and shown without a unit.
bool is_count_metric(std::string_view metric);

// Parses one threshold. Returns the reason it is malformed or names an unknown metric in
// `error` (and nullopt); never throws. Any thread.
std::optional<Threshold> parse_threshold(std::string_view text, std::string& error);

std::string_view to_string(Threshold::Op op);
bool compare(double actual, Threshold::Op op, double limit);

}  // namespace ixh
