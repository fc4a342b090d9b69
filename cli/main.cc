// The ixh executable: subcommands wire the components together, nothing more.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/mock_command.h"
#include "cli/scenarios_command.h"
#include "cli/signals.h"
#include "core/errors.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the blocked set.
  ixh::cli::block_stop_signals();

  CLI::App app{
      "ixh: conformance and load harness for the Interactions API read side "
      "(interactions.get with stream, include_input and last_event_id)",
      "ixh"};
  app.set_version_flag("--version", std::string("ixh ") + IXH_VERSION);
  app.require_subcommand(1);
  ixh::cli::MockCommand mock;
  mock.add_to(app);
  ixh::cli::ScenariosCommand scenarios;
  scenarios.add_to(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? ixh::kExitOk : ixh::kExitUsage;
  }

  try {
    if (app.got_subcommand("mock")) return mock.run();
    if (scenarios.lint->parsed()) return scenarios.run_lint();
  } catch (const ixh::ScenarioError& e) {
    std::cerr << "ixh: " << e.what() << "\n";
    return ixh::kExitUsage;
  } catch (const ixh::UsageError& e) {
    std::cerr << "ixh: " << e.what() << "\n";
    return ixh::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "ixh: unexpected error: " << e.what() << "\n";
    return ixh::kExitUnreachable;
  }
  return ixh::kExitUsage;
}
