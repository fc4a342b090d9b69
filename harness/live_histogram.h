#pragma once

#include <mutex>

#include "reports/histogram.h"

namespace ixh {

// A histogram one load worker publishes while a run goes on and any thread may read: the
// progress line's view of the worker's last whole second of ttfe. The worker replaces it once a
// second (publish); the progress thread folds every worker's into one total (merge_into), four
// times a second at most, so the line shows the percentiles of all workers' values together
// (histograms merge exactly, DESIGN.md §8), not the worst worker's. Both calls hold the lock
// only for a copy or a merge, which touch just the buckets between the smallest and largest
// recorded value.
class LiveHistogram {
 public:
  // Worker thread, once a second: the histogram shown from now on.
  void publish(const Histogram& latest) {
    std::lock_guard lock(mu_);
    current_.reset();
    current_.merge(latest);
  }
  // Any thread: adds the latest published histogram to `total`.
  void merge_into(Histogram& total) const {
    std::lock_guard lock(mu_);
    total.merge(current_);
  }

 private:
  mutable std::mutex mu_;
  Histogram current_;
};

}  // namespace ixh
