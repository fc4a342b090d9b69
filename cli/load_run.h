#pragma once

#include <optional>
#include <vector>

#include "cli/load_flags.h"
#include "core/dialect.h"
#include "core/scenario.h"

namespace ixh::cli {

struct RunCommand;

// Whether `ixh run` runs load: a load flag was given or a scenario has a `load` block.
bool wants_load(const LoadFlags& flags, const std::vector<Scenario>& scenarios);

// `ixh run` as a load run (docs/load.md): expands mixes, resolves the options, runs the load
// against the embedded mock or --target, prints the summary with its thresholds, writes the JSON
// report and returns the exit code (DESIGN.md §9). Main thread.
int run_load_command(const RunCommand& cmd, std::vector<Scenario> scenarios,
                     std::optional<Dialect> told);

}  // namespace ixh::cli
