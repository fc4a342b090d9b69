#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/histogram.h"
#include "reports/load_report.h"

namespace ixh {

// The result of one check: a protocol invariant or a scripted expectation. Filled by the
// harness's checks on a worker thread; read by writers after the run.
struct CheckRecord {
  std::string check;  // stable name, e.g. "state.forward_only", "expect.status"
  bool passed = false;
  std::string expected;  // in words or literal values
  std::string actual;
  std::string where;  // what was looked at, e.g. "GET /v1beta/interactions/running.r1-1"
};

// One step of one scenario as one virtual user ran it.
struct StepReport {
  std::size_t index = 0;    // position in the scenario's steps, from 0
  std::string kind;         // "get", "stream", "poll", "chain", "wait", "probe"
  std::string interaction;  // the instance id used
  std::string pointer;      // JSON pointer of the step in its scenario file
  double duration_ms = 0;
  std::vector<CheckRecord> checks;
  bool passed() const;  // every check passed
};

struct ScenarioReport {
  std::string name;
  std::string file;
  std::string sha256;
  std::vector<StepReport> steps;
  bool passed() const;
};

// Counters of DESIGN.md §8. Errors are counted by class: connect, timeout, http_status,
// protocol, sse_parse, check_failed, cancelled.
struct Counters {
  std::uint64_t requests = 0;
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
  std::uint64_t resumes_attempted = 0;
  std::uint64_t resumes_succeeded = 0;
  std::uint64_t events_lost = 0;
  std::uint64_t events_duplicated = 0;
  std::map<std::string, std::uint64_t> errors;
  // Broken stream attempts by kind (connect, reset, cut, first_event_timeout, idle_timeout,
  // timeout, malformed_chunk, protocol, sse_parse, http_status, interrupt): a finer reading of
  // `errors` beside it (an interrupt is the client's own doing and no error).
  std::map<std::string, std::uint64_t> breaks;
  void merge(const Counters& other);
};

// Histograms by step kind, then by metric name (latency, ttfb, ttfe, ttft, inter_event_gap,
// poll_to_terminal, ...). Values are microseconds.
using MetricHistograms = std::map<std::string, std::map<std::string, Histogram>>;

// Everything one run produced: the plain value the harness fills and every writer reads.
struct RunReport {
  static constexpr int kSchemaVersion = 2;
  std::string ixh_version;
  std::string started_at;  // ISO 8601 UTC
  double duration_ms = 0;
  std::string target;  // base URL driven, or "embedded mock at URL"
  std::string dialect;
  nlohmann::json options = nlohmann::json::object();  // the validated run options
  std::vector<ScenarioReport> scenarios;
  MetricHistograms metrics;
  Counters counters;
  std::optional<LoadReport> load;  // load runs only
  bool partial = false;            // stopped early (SIGINT); the numbers cover what ran
  int exit_code = 0;               // what ixh exits with for this report (DESIGN.md §9)

  std::uint64_t checks_failed() const;
};

}  // namespace ixh
