#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "harness/load_scheduler.h"
#include "reports/histogram.h"

namespace ixh::cli {

// The progress of a load run on stderr, read from the workers' LiveStats (atomics and a locked
// histogram, so any thread may read them while the workers write); the ttfe percentiles are
// those of every worker's last whole second merged. On a terminal: one line rewritten at most four
// times a second; otherwise a plain line every five seconds. Runs its own thread from start() to
// stop(); the owner (the load command on the main thread) keeps `live` alive until stop().
class LoadProgress {
 public:
  LoadProgress(const std::vector<LiveStats>& live, const Clock& clock, std::int64_t total_ns,
               bool terminal, std::ostream& out);
  ~LoadProgress();
  LoadProgress(const LoadProgress&) = delete;
  LoadProgress& operator=(const LoadProgress&) = delete;

  void start();
  void stop();

 private:
  void loop();
  void print(bool final_line);

  const std::vector<LiveStats>& live_;
  const Clock& clock_;
  const std::int64_t total_ns_;  // -1 when the run ends by iteration count
  const bool terminal_;
  std::ostream& out_;
  std::int64_t start_ns_ = 0;
  std::int64_t last_ns_ = 0;
  std::uint64_t last_requests_ = 0;
  std::uint64_t last_events_ = 0;
  Histogram ttfe_;  // the workers' last whole seconds merged, rebuilt for each line
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ixh::cli
