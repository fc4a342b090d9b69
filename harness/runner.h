#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "harness/engine.h"
#include "harness/target.h"
#include "reports/run_report.h"

namespace ixh {

// Validated options of one conformance run, built by the cli.
struct RunOptions {
  Target target;
  std::size_t workers = 1;
  std::string run_id;  // makes instance ids unique per run: `template.<run_id>-<user>`
  // Ids of interactions that exist on a server ixh does not script: each gets the invariant
  // checks (get, get with input, stream, chain) instead of scripted steps.
  std::vector<std::string> ids;
  bool probes = true;                      // unknown id and last_event_id-without-stream probes
  std::int64_t stream_timeout_ms = 30000;  // for id runs
  std::uint64_t seed = 1;                  // seeds resume backoff jitter (reproducible runs)
  std::vector<std::string> skip_checks;    // protocol checks not applied (run_checks)
  EngineOptions engine;
};

// Runs every scenario's steps once (one virtual user each, spread over the workers), plus the
// protocol probes and the id runs, and returns the report (without exit code or header fields,
// which the cli fills). Blocks the calling thread; returns early, marked partial, once `stop`
// becomes true (checked at least once a second).
RunReport run_conformance(const std::vector<Scenario>& scenarios, const RunOptions& options,
                          const Clock& clock, const std::atomic<bool>& stop);

}  // namespace ixh
