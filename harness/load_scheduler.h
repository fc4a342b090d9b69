#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/scenario.h"
#include "harness/check.h"
#include "harness/live_histogram.h"
#include "harness/metrics.h"
#include "harness/pacer.h"
#include "harness/step_tally.h"
#include "harness/target.h"
#include "harness/transport.h"
#include "reports/histogram.h"

namespace ixh {

enum class LoadMode : std::uint8_t {
  kClosed,  // a number of users, each starting its next iteration when the last one ended
  kOpen,    // arrivals from a pacer, each a new iteration; over max_inflight they are dropped
  kPaced,   // a number of users sharing a pacer's arrivals (wrk2); a late arrival waits for a
            // user and the wait shows in schedule_lag and every `_corrected` metric
};

// One scenario of the mix a worker runs.
struct LoadScenario {
  const std::vector<Step>* steps = nullptr;
  double weight = 1;
};

// One worker's share of a load run, built by the load runner. Times are relative to the
// scheduler's start.
struct WorkerPlan {
  LoadMode mode = LoadMode::kClosed;
  // Closed and paced: the run's total users over time (level = rate_at); this worker runs its
  // share, users_total / workers rounded so the shares add up.
  std::unique_ptr<RateProfile> users;
  std::unique_ptr<Pacer> pacer;  // open and paced: this worker's intended starts
  std::int64_t think_ns = 0;
  std::int64_t max_inflight = 0;  // open loop, this worker's share
  std::int64_t iterations = -1;   // this worker's share; -1: until the end
  std::int64_t warmup_ns = 0;
  std::int64_t end_ns = 0;  // no iteration starts at or after this
  std::int64_t grace_ns = 5'000'000'000;
  std::size_t worker = 0;
  std::size_t workers = 1;
  std::string suffix_prefix;  // instance ids are `template.<prefix><n>`
};

// Counters the progress line reads while the run goes on. Written by one worker (relaxed
// atomics, updated four times a second; ttfe once a second), read by any thread.
struct LiveStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::int64_t> active{0};
  LiveHistogram ttfe;  // of the last whole second
  std::atomic<bool> done{false};
};

// One second of one worker's measured part (merged across workers by the runner): from the end
// of the warm-up to the stop, never the grace period after it.
struct WorkerSecond {
  std::int64_t second = 0;
  std::uint64_t requests = 0, events = 0, errors = 0, iterations = 0, dropped = 0;
  nlohmann::json latency;  // Histogram::to_json of the second's values
  nlohmann::json ttfe;
};

// Starts virtual users on one worker's Transport, closed loop, open loop or paced (the modes
// above), ramps them along the plan, stops at the end (or on request) and drains in-flight
// iterations for the grace period. One iteration is one pass through a scenario's steps with
// fresh instance ids. Every method is called on the worker thread that owns the Transport.
class LoadScheduler {
 public:
  LoadScheduler(Transport& transport, const Target& target,
                const std::vector<std::unique_ptr<Check>>& checks,
                std::vector<LoadScenario> scenarios, WorkerPlan plan, LiveStats* live = nullptr);
  ~LoadScheduler();
  LoadScheduler(const LoadScheduler&) = delete;
  LoadScheduler& operator=(const LoadScheduler&) = delete;

  // Starts the run at the transport clock's now.
  void start();
  // Stops starting iterations; the ones in flight get the grace period. `interrupted`: a signal
  // asked for it, so iterations cut at the end of the grace period are reported as not completed
  // (failed `step.completed`), rather than only counted.
  void stop(bool interrupted);
  // Nothing is left to do: stopped and drained, or the grace period ran out.
  bool done() const { return done_; }
  bool stopping() const { return stopping_; }
  std::size_t in_flight() const { return inflight_.size(); }

  // Results, read after done() (or after the loop ended).
  Metrics& metrics() { return measured_; }
  const std::vector<ScenarioTally>& tallies() const { return tallies_; }
  const std::vector<WorkerSecond>& seconds() const { return seconds_; }
  std::uint64_t iterations() const { return iterations_; }
  std::uint64_t iterations_interrupted() const { return interrupted_; }
  std::uint64_t warmup_iterations() const { return warmup_iterations_; }
  std::uint64_t arrivals() const { return arrivals_; }
  std::uint64_t dropped() const { return dropped_; }
  // Nanoseconds from the end of the warm-up to the stop (0 if stopped during the warm-up).
  std::int64_t measured_ns() const;

 private:
  struct Iteration;

  std::int64_t now() const { return transport_.clock().now_ns(); }
  std::int64_t target_users(std::int64_t at_ns) const;
  bool exhausted() const;  // the plan's iteration count has started
  void ramp();
  // A user is free: think, pace or retire. Returns false when it retired.
  bool user_next(bool first);
  bool retire_user();
  void on_arrival();
  void schedule_arrival();
  void start_iteration(std::int64_t intended_ns, bool user_loop);
  void finish_iteration(std::uint64_t id);
  // Puts a finished iteration on the spare list for a later one.
  void recycle(std::unique_ptr<Iteration> it);
  void begin_drain();
  void end_grace();
  void finish_if_drained();
  void complete();
  void record_second();
  // The measured part ended at `end_ns` (stop): its last second is recorded, and the seconds of
  // the grace period after it are left out of the series.
  void close_series(std::int64_t end_ns);
  void tick_second();
  void publish();
  void tick_progress();
  std::size_t pick_scenario();
  std::uint64_t error_total(const Counters& c) const;

  Transport& transport_;
  const Target& target_;
  const std::vector<std::unique_ptr<Check>>& checks_;
  std::vector<LoadScenario> scenarios_;
  WorkerPlan plan_;
  LiveStats* live_;

  Metrics measured_;
  Metrics warmup_;
  std::vector<ScenarioTally> tallies_;
  std::vector<double> wrr_current_;  // smooth weighted round robin over the scenarios
  std::unordered_map<std::uint64_t, std::unique_ptr<Iteration>> inflight_;
  std::vector<std::unique_ptr<Iteration>> spare_;
  std::string suffix_;  // built for each iteration's user, reusing its buffer
  std::uint64_t next_iteration_ = 1;
  std::int64_t t0_ = 0;
  std::int64_t stopped_at_ = -1;
  std::int64_t live_users_ = 0;
  std::int64_t pending_arrival_ = -1;  // open loop: the next intended start (absolute)
  std::int64_t started_ = 0;           // iterations started (for plan_.iterations)
  bool stopping_ = false;
  bool interrupted_stop_ = false;
  bool done_ = false;
  bool grace_armed_ = false;
  std::uint64_t iterations_ = 0;
  std::uint64_t interrupted_ = 0;
  std::uint64_t warmup_iterations_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t dropped_ = 0;
  // Per-second series: counters at the last second boundary.
  std::vector<WorkerSecond> seconds_;
  std::int64_t second_index_ = 0;
  bool series_closed_ = false;
  std::uint64_t last_requests_ = 0, last_events_ = 0, last_errors_ = 0, last_iterations_ = 0,
                last_dropped_ = 0;
  // Timers cancelled once done, so an idle transport really is idle.
  TimerId ramp_timer_ = 0, end_timer_ = 0, second_timer_ = 0, progress_timer_ = 0,
          arrival_timer_ = 0, grace_timer_ = 0;
};

}  // namespace ixh
