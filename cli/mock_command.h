#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "mock_server/mock_options.h"

namespace ixh::cli {

// `ixh mock PATH... [options]`: serves the scripted interactions until SIGINT or SIGTERM.
struct MockCommand {
  std::vector<std::string> paths;
  std::string listen = "127.0.0.1:0";
  std::string clock = "real";
  std::string dialect = "seed";
  mock::MockOptions options;
  bool verify = false;  // print the client verdict at shutdown; exit 1 if a client failed

  // Called by main while building the command line.
  void add_to(CLI::App& app);
  // Called by main once the command line parsed; returns the process exit code.
  int run();
};

// Splits "HOST:PORT" or "[V6]:PORT"; throws UsageError naming the value.
void parse_listen(const std::string& value, std::string& host, int& port);

}  // namespace ixh::cli
