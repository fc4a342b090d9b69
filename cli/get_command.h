#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ixh::cli {

// `ixh get ID --target URL [--stream] [--raw-events] ...` or `ixh get FULL_URL`: one request,
// like curl but parsed. Prints the interaction as JSON, or one JSON line per event as events
// arrive; with --raw-events exactly what the SSE parser dispatched and nothing else on stdout.
struct GetCommand {
  std::string what;  // an id (with --target) or a full URL
  std::string target;
  std::string api_version = "v1beta";
  std::string dialect;  // empty: detected from the response
  bool stream = false;
  bool include_input = false;
  std::string last_event_id;
  bool raw_events = false;
  std::int64_t timeout_ms = 60000;

  // Called by main while building the command line.
  void add_to(CLI::App& app);
  // Called by main once parsed; returns the exit code (0 fine, 1 error response or schema
  // findings, 2 usage, 3 unreachable).
  int run();
};

}  // namespace ixh::cli
