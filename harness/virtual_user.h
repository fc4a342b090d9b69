#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/scenario.h"
#include "harness/check.h"
#include "harness/fetch.h"
#include "harness/metrics.h"
#include "harness/stream_session.h"
#include "harness/target.h"
#include "harness/transport.h"
#include "reports/run_report.h"

namespace ixh {

// Shared, read-only context of every user on one worker.
struct UserContext {
  Transport& transport;
  const Target& target;
  const std::vector<std::unique_ptr<Check>>& checks;
  Metrics& metrics;
  std::uint64_t seed = 1;  // the run's --seed: resume backoff jitter
};

// One virtual user: runs a list of steps in order against one set of instances, records
// observations, checks and metrics, and reports each step. A failing step never stops the run:
// it becomes failed checks and counted errors, and the next step starts. Lives on one worker
// thread and is driven entirely by its Transport's callbacks.
class VirtualUser {
 public:
  // `steps` and `report` must outlive the user. Instance ids are `template.<suffix>` (or the
  // step's `interaction` verbatim when `suffix` is empty).
  VirtualUser(UserContext ctx, const std::vector<Step>& steps, std::string suffix,
              ScenarioReport& report);
  VirtualUser(const VirtualUser&) = delete;
  VirtualUser& operator=(const VirtualUser&) = delete;

  // Starts the first step; `on_finished` runs once after the last step was reported.
  void start(std::function<void()> on_finished);
  bool finished() const { return finished_; }
  // Called by the runner after a stop: reports the step in flight as not completed (a failed
  // `step.completed` check), so a stopped scenario never reads as passed.
  void abandon(const std::string& why);

 private:
  void next_step();
  void run_get(const Step& step);
  void run_stream(const Step& step);
  void on_stream_done(const Step& step, StreamOutcome out);
  void fetch_reference(const Step& step);
  void run_poll(const Step& step);
  void poll_once(const Step& step);
  void run_chain(const Step& step, std::string id);
  void complete_step();
  // The report of the step in flight, without checks yet.
  StepReport step_report(const Step& step) const;
  std::string instance_id(const Step& step) const;
  void count_http(const HttpObservation& http);
  // A stream attempt: a break is counted under its error class (an interrupt under none).
  void count_attempt(const ObservedStream& attempt, const StreamBreak* broke);
  void record_get_metrics(Step::Kind kind, const ObservedGet& get);
  void record_stream_metrics(const HttpObservation& http, const EventLog& events);

  UserContext ctx_;
  const std::vector<Step>& steps_;
  const std::string suffix_;
  ScenarioReport& report_;
  std::function<void()> on_finished_;
  std::size_t index_ = 0;
  bool finished_ = false;
  // The step in flight.
  StepObservation obs_;
  std::int64_t step_start_ns_ = 0;
  std::int64_t poll_deadline_ns_ = 0;
  GetFetch get_;
  // The whole-log read of a resumed stream step: made only for those steps, so it is allocated
  // then rather than carried by every user.
  std::unique_ptr<StreamFetch> reference_;
  StreamSession session_;
};

}  // namespace ixh
