#include "cli/scenario_dialect.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "core/dialect_support.h"
#include "core/errors.h"
#include "core/scenario_loader.h"

namespace ixh::cli {
namespace {

bool named_on_command_line(const std::vector<std::string>& paths, const std::string& file) {
  std::error_code ec;
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
    return p == file || std::filesystem::equivalent(p, file, ec);
  });
}

}  // namespace

std::vector<Scenario> load_scenarios_for(const std::vector<std::string>& paths, Dialect dialect,
                                         std::string_view command) {
  std::vector<Scenario> all = load_scenarios(paths);
  std::vector<Scenario> kept;
  kept.reserve(all.size());
  for (Scenario& s : all) {
    try {
      check_expressible(dialect, s);
      kept.push_back(std::move(s));
    } catch (const ScenarioError& e) {
      if (named_on_command_line(paths, s.file)) throw;
      std::cerr << "ixh " << command << ": skipping " << s.file << " in the " << to_string(dialect)
                << " dialect: " << e.what() << "\n";
    }
  }
  if (kept.size() != all.size()) {
    if (kept.empty()) {
      throw ScenarioError(
          paths.front(), "",
          "at least one scenario the " + std::string(to_string(dialect)) + " dialect can express");
    }
    validate_scenario_set(kept);
  }
  return kept;
}

Dialect dialect_option(const std::string& value) {
  const std::optional<Dialect> d = parse_dialect(value);
  if (!d) throw UsageError("--dialect " + value + ": expected seed or genai");
  return *d;
}

}  // namespace ixh::cli
