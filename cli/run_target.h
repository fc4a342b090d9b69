#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/dialect.h"
#include "core/scenario.h"
#include "mock_server/mock_server.h"
#include "reports/run_report.h"

namespace ixh::cli {

struct RunCommand;

// A fresh id for one run: `prefix` and six random characters. Instances the run drives are named
// `template.<run id>-<user>`, so runs sharing one mock never share an instance. Main thread.
std::string make_run_id(char prefix);

// Every request failed to connect: the target is not there (exit 3), rather than wrong (exit 1).
bool unreachable(const RunReport& report);

// Where `ixh run` sends its requests: the embedded mock on an ephemeral port, or --target.
// RunCommand::run and run_load_command open it on the main thread before any worker starts and
// stop it after every worker finished.
class RunTarget {
 public:
  // Starts the embedded mock (speaking `mock_dialect`, with the run's seed and time scale) when
  // the command has no --target, else parses --target. Returns false, having said why on stderr,
  // when the embedded mock could not start. Throws UsageError for a bad --target.
  bool open(const RunCommand& cmd, const std::vector<Scenario>& scenarios, Dialect mock_dialect,
            const Clock& clock);
  void stop();

  const std::string& base_url() const { return base_url_; }
  // "embedded mock at URL" or the target URL, for reports.
  const std::string& label() const { return label_; }
  // CURLOPT_RESOLVE entries, so a --target host name is resolved once.
  const std::vector<std::string>& resolve() const { return resolve_; }

 private:
  std::optional<mock::MockServer> embedded_;
  std::string base_url_;
  std::string label_;
  std::vector<std::string> resolve_;
};

// Sets `stop` when SIGINT or SIGTERM arrives while a run goes on, from a thread of its own. The
// main thread creates it before the run and calls finish() (or lets it go out of scope) after.
class StopSignalWatch {
 public:
  explicit StopSignalWatch(std::atomic<bool>& stop);
  ~StopSignalWatch();
  StopSignalWatch(const StopSignalWatch&) = delete;
  StopSignalWatch& operator=(const StopSignalWatch&) = delete;
  void finish();

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace ixh::cli
