#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ixh::cli {

// `ixh scenarios lint FILE...`: checks scenario files the way `ixh mock` loads them and reports
// every file's problem, not only the first.
struct ScenariosCommand {
  std::vector<std::string> paths;
  std::uint64_t seed = 1;
  CLI::App* lint = nullptr;

  // Called by main while building the command line.
  void add_to(CLI::App& app);
  // Called by main when the lint subcommand was chosen; returns the exit code.
  int run_lint();
};

}  // namespace ixh::cli
