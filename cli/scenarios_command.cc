#include "cli/scenarios_command.h"

#include <iostream>

#include "core/errors.h"
#include "core/scenario_loader.h"
#include "mock_server/timeline.h"

namespace ixh::cli {

void ScenariosCommand::add_to(CLI::App& app) {
  auto* scenarios = app.add_subcommand("scenarios", "Work with scenario files");
  scenarios->require_subcommand(1);
  lint = scenarios->add_subcommand(
      "lint", "Validate scenario files or directories; exit 0 when all are usable, 2 otherwise");
  lint->add_option("paths", paths, "Scenario files or directories")->required();
}

int ScenariosCommand::run_lint() {
  // Every file on its own first, so one run reports every broken file; then the set as a whole
  // (unique names, previous links) and what the mock does at load (compiling each log).
  std::vector<std::string> files;
  try {
    files = scenario_files(paths);
  } catch (const ScenarioError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitUsage;
  }
  std::vector<Scenario> all;
  bool failed = false;
  for (const std::string& f : files) {
    try {
      all.push_back(load_scenario_file(f));
    } catch (const ScenarioError& e) {
      std::cerr << "error: " << e.what() << "\n";
      failed = true;
    }
  }
  if (failed) return kExitUsage;
  try {
    validate_scenario_set(all);
    for (const Scenario& s : all) {
      for (const InteractionTemplate& t : s.interactions) mock::compile_template(t, seed);
    }
  } catch (const ScenarioError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitUsage;
  }
  for (const Scenario& s : all) {
    std::cout << "ok  " << s.file << "  (" << s.name << ", " << s.interactions.size()
              << " interaction" << (s.interactions.size() == 1 ? "" : "s") << ")\n";
  }
  return kExitOk;
}

}  // namespace ixh::cli
