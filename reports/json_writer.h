#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "reports/run_report.h"
#include "reports/writer.h"

namespace ixh {

// The value of the document's "schema" key.
inline constexpr std::string_view kRunReportSchemaName = "ixh.run_report";

// The lossless form of a run (`ixh run --json FILE`), described by reports/run_report.schema.json
// and docs/metrics.md:
//   {"schema": "ixh.run_report", "schema_version": RunReport::kSchemaVersion, "ixh_version",
//    "started_at", "duration_ms", "target", "dialect", "options", "partial", "exit_code",
//    "scenarios": [{"name", "file", "sha256", "passed",
//                   "steps": [{"index", "kind", "interaction", "pointer", "duration_ms", "passed",
//                              "checks": [{"check", "passed", "expected", "actual", "where"}]}]}],
//    "metrics": {"<step kind>": {"<metric>": {"count", "min_us", "max_us", "mean_us",
//                                             "stddev_us", "p50_us", "p90_us", "p99_us",
//                                             "p999_us", "histogram": Histogram::to_json()}}},
//    "counters": {"requests", "events", "bytes", "checks_passed", "checks_failed",
//                 "resumes_attempted", "resumes_succeeded", "events_lost", "events_duplicated",
//                 "errors": {"<class>": n}},
//    "load" (load runs only): {"mode", "arrival", "workers", "measured_s", "warmup_s",
//             "iterations", "iterations_interrupted", "warmup_iterations", "arrivals", "dropped",
//             "thresholds": [{"expression", "source", "passed", "actual"}],
//             "timeseries": [{"second", "requests", "events", "errors", "iterations", "dropped",
//                             "latency_p50_us", "latency_p99_us", "ttfe_p50_us", "ttfe_p99_us"}]},
//    "summary": {"scenarios", "scenarios_failed", "checks_passed", "checks_failed"}}
// Keys appear in that order; the document is indented by two spaces, arrays of scalars (a
// histogram bucket [index, count]) on one line, and ends with a newline. "passed", the metric
// statistics and "summary" are derived (from the checks, the histograms and summarize());
// everything else is the report's own data, so read_json_report() gets the report back.
// Strings that are not valid UTF-8 are written with U+FFFD in place of the bad bytes.
class JsonWriter final : public Writer {
 public:
  void write(const RunReport& report, std::ostream& out) const override;
};

// The document JsonWriter writes, for callers that embed or post-process it.
nlohmann::ordered_json run_report_to_json(const RunReport& report);

// The inverse of JsonWriter, for merging shards and comparing runs. It accepts exactly the
// documents JsonWriter writes for some report (with finite durations), so
//   JsonWriter re-writing read_json_report(nlohmann::json::parse(text)) gives `text` back, byte
//   for byte, when `text` was written by JsonWriter.
// Strict: every key above is required and no other key is allowed; "schema" must be
// "ixh.run_report" and "schema_version" RunReport::kSchemaVersion; types are checked (strings,
// booleans, numbers; counts and microseconds are non-negative integers); and the derived fields
// must agree with the data they derive from ("passed" with the checks, "summary" with the
// scenarios, a metric's count/min_us/max_us with its histogram; the other statistics are only
// type-checked and are recomputed when written again). Strings are free-form, as in RunReport.
// Throws std::invalid_argument, "run report JSON: at <JSON pointer>: <what>", on anything else.
RunReport read_json_report(const nlohmann::json& doc);

}  // namespace ixh
