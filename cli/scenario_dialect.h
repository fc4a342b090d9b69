#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dialect.h"
#include "core/scenario.h"

namespace ixh::cli {

// Loads scenarios for a mock that speaks `dialect`. A scenario the dialect cannot express
// (core/dialect_support.h) is a load error (ScenarioError, exit 2) when its file was named on the
// command line, and is skipped with a note on stderr when a directory brought it in, so that one
// directory serves both dialects. Called by `ixh mock` and `ixh run` at start-up.
std::vector<Scenario> load_scenarios_for(const std::vector<std::string>& paths, Dialect dialect,
                                         std::string_view command);

// Parses a --dialect value ("seed" or "genai"); throws UsageError otherwise.
Dialect dialect_option(const std::string& value);

}  // namespace ixh::cli
