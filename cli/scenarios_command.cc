#include "cli/scenarios_command.h"

#include <filesystem>
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
  // Each file alone first, so one run reports every broken file; then the set as a whole.
  std::vector<std::string> files;
  bool failed = false;
  for (const std::string& p : paths) {
    try {
      for (const Scenario& s : load_scenarios({p})) files.push_back(s.file);
    } catch (const ScenarioError& e) {
      if (std::filesystem::is_directory(p) || e.file() != p) {
        // A directory: find the broken files one by one.
        std::error_code ec;
        bool any = false;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(p, ec)) {
          const std::string f = entry.path().string();
          if (!entry.is_regular_file() || entry.path().extension() != ".json" ||
              f.ends_with(".schema.json")) {
            continue;
          }
          any = true;
          try {
            load_scenario_file(f);
            files.push_back(f);
          } catch (const ScenarioError& fe) {
            std::cerr << "error: " << fe.what() << "\n";
          }
        }
        if (!any) std::cerr << "error: " << e.what() << "\n";
      } else {
        std::cerr << "error: " << e.what() << "\n";
      }
      failed = true;
    }
  }
  if (!failed) {
    try {
      const std::vector<Scenario> all = load_scenarios(paths);
      for (const Scenario& s : all) {
        for (const InteractionTemplate& t : s.interactions) mock::compile_template(t, seed);
      }
      for (const Scenario& s : all) {
        std::cout << "ok  " << s.file << "  (" << s.name << ", " << s.interactions.size()
                  << " interaction" << (s.interactions.size() == 1 ? "" : "s") << ")\n";
      }
    } catch (const ScenarioError& e) {
      std::cerr << "error: " << e.what() << "\n";
      failed = true;
    }
  }
  return failed ? kExitUsage : kExitOk;
}

}  // namespace ixh::cli
