#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/load_flags.h"

namespace ixh::cli {

// `ixh run PATH... [--target URL] [--id ID]... [--json FILE]`: runs every scenario's steps once
// against the embedded mock (no --target) or a server, checks everything, prints the summary and
// exits 0, 1, 2 or 3 (DESIGN.md §9).
struct RunCommand {
  std::vector<std::string> paths;
  std::string target;
  std::vector<std::string> ids;
  std::string ids_file;
  std::string json_path;
  std::string api_version = "v1beta";
  std::string dialect;  // empty: the embedded mock speaks seed, a --target is detected
  std::size_t workers = 1;
  std::uint64_t seed = 1;
  double time_scale = 1.0;
  bool no_probes = false;
  bool verbose = false;
  std::int64_t stream_timeout_ms = 30000;
  long stream_buffer = 4096;  // curl's receive buffer per live stream (EngineOptions)
  std::vector<std::string> skip_checks;
  LoadFlags load;  // any of them (or a scenario's load block) makes the run a load run

  // Called by main while building the command line.
  void add_to(CLI::App& app);
  // Called by main once parsed; returns the exit code.
  int run();
};

}  // namespace ixh::cli
