// The ixh executable: subcommands wire the components together, nothing more.
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/get_command.h"
#include "cli/mock_command.h"
#include "cli/run_command.h"
#include "cli/scenarios_command.h"
#include "cli/signals.h"
#include "core/errors.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the blocked set.
  ixh::cli::block_stop_signals();
  curl_global_init(CURL_GLOBAL_DEFAULT);

  CLI::App app{
      "ixh: conformance and load harness for the Interactions API read side "
      "(interactions.get with stream, include_input and last_event_id)",
      "ixh"};
  app.set_version_flag("--version", std::string("ixh ") + IXH_VERSION);
  app.require_subcommand(1);
  ixh::cli::MockCommand mock;
  mock.add_to(app);
  ixh::cli::RunCommand run;
  run.add_to(app);
  ixh::cli::GetCommand get;
  get.add_to(app);
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
    if (app.got_subcommand("run")) return run.run();
    if (app.got_subcommand("get")) return get.run();
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
