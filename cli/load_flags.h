#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.h"
#include "harness/load_runner.h"
#include "reports/thresholds.h"

namespace ixh::cli {

// The load flags of `ixh run` as typed; validated into LoadOptions by resolve(). Owned by
// RunCommand on the main thread.
struct LoadFlags {
  std::optional<std::int64_t> vus;
  std::string rate;     // "3000/s", "3000", "60/m"
  std::string arrival;  // constant | poisson
  std::optional<std::int64_t> max_inflight;
  std::string stages;  // "30s:500,60s:2000,10s:0"
  std::string duration;
  std::optional<std::int64_t> iterations;
  std::string warmup;
  std::string think;
  std::string grace;
  std::vector<std::string> thresholds;
  bool quiet = false;

  // Called by RunCommand::add_to.
  void add_to(CLI::App& cmd);
  // Whether any load flag was given.
  bool any() const;
};

// What resolve() produces: the options, the scenarios with their weights, and the thresholds.
struct ResolvedLoad {
  LoadOptions options;
  std::vector<WeightedScenario> scenarios;
  std::vector<SourcedThreshold> thresholds;
  nlohmann::json recorded;  // the options as the report records them
};

// Merges the scenarios' load blocks with the flags (flags win; the first block that sets a field
// is the scenario default) and validates the result. Throws UsageError naming the flag or the
// scenario field on any bad or missing value. `scenarios` must stay alive while the result is
// used.
ResolvedLoad resolve_load(const LoadFlags& flags, const std::vector<Scenario>& scenarios,
                          std::size_t workers, std::uint64_t seed);

// Parsers of the flag values, exposed for tests. Each throws UsageError naming `flag`.
std::int64_t parse_duration_ns(const std::string& text, const std::string& flag);
double parse_rate(const std::string& text, const std::string& flag);
std::vector<LoadStage> parse_stages(const std::string& text, const std::string& flag);

}  // namespace ixh::cli
