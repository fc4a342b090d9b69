#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/threshold.h"

namespace ixh {

// One ramp stage: over `duration_ms` the load moves linearly from where the previous stage
// ended to `target` (virtual users in a closed loop, arrivals per second in an open loop).
struct LoadStage {
  std::int64_t duration_ms = 0;
  double target = 0;
};

// Another scenario file run in the same load, with its share of the iterations.
struct LoadMixEntry {
  std::string file;  // resolved against the directory of the file that names it
  double weight = 1;
  std::string pointer;  // JSON pointer of the entry, for messages
};

// The optional `load` block of a scenario (docs/load.md): how many users or arrivals run the
// scenario's steps and for how long. Every field is optional; `ixh run` flags override them and
// the cli validates the combination (harness/load_options.h). Loaded at start-up only.
struct LoadSpec {
  std::optional<std::int64_t> vus;  // closed loop: concurrent users
  std::optional<std::int64_t> think_ms;
  std::optional<double> rate;          // open loop: arrivals per second
  std::optional<std::string> arrival;  // "constant" or "poisson"
  std::optional<std::int64_t> max_inflight;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> iterations;
  std::optional<std::int64_t> warmup_ms;
  std::vector<LoadStage> stages;
  double weight = 1;  // share of the iterations when several scenarios run together
  std::vector<Threshold> thresholds;
  std::vector<LoadMixEntry> mix;  // other scenario files this one runs with (mixed profiles)
};

// Limits shared by the loader, the cli and the JSON Schema.
inline constexpr std::int64_t kLoadMaxVus = 100'000;
inline constexpr double kLoadMaxRate = 1'000'000;
inline constexpr std::int64_t kLoadMaxDurationMs = 86'400'000;
inline constexpr std::int64_t kLoadMaxIterations = 1'000'000'000'000;
inline constexpr std::int64_t kLoadMaxInflight = 1'000'000;

}  // namespace ixh

#include <nlohmann/json.hpp>

namespace ixh {

// Parses a scenario's `load` block at `pointer` of `file` (the scenario loader calls it).
// Throws ScenarioError naming the offending value; `mix` files are resolved against `file`'s
// directory but not read here.
LoadSpec parse_load_spec(const nlohmann::json& v, const std::string& file,
                         const std::string& pointer);

}  // namespace ixh
