#include "harness/runner.h"

#include <memory>
#include <thread>

#include "core/thread_name.h"
#include "harness/check.h"
#include "harness/metrics.h"
#include "harness/virtual_user.h"

namespace ixh {
namespace {

// One virtual user's work: its steps, its instance suffix and where it reports.
struct UserJob {
  const std::vector<Step>* steps = nullptr;
  std::string suffix;
  ScenarioReport* report = nullptr;
};

// Steps that judge an interaction ixh did not script: only the invariants apply.
std::vector<Step> steps_for_id(const std::string& id, std::int64_t stream_timeout_ms) {
  std::vector<Step> steps(4);
  steps[0].kind = Step::Kind::kGet;
  steps[1].kind = Step::Kind::kGet;
  steps[1].include_input = true;
  steps[2].kind = Step::Kind::kStream;
  steps[2].timeout_ms = stream_timeout_ms;
  steps[3].kind = Step::Kind::kChain;
  for (Step& s : steps) s.interaction = id;
  return steps;
}

// Probes every server must answer the same way (DESIGN.md §5): an unknown id is 404 NOT_FOUND,
// last_event_id without stream=true is 400 INVALID_ARGUMENT.
std::vector<Step> probe_steps(const std::string& unknown_id, const std::string& existing_id) {
  std::vector<Step> steps(2);
  steps[0].kind = Step::Kind::kGet;
  steps[0].interaction = unknown_id;
  steps[0].expect.status = 404;
  steps[0].expect.error_status = "NOT_FOUND";
  steps[0].pointer = "probe:unknown_id";
  steps[1].kind = Step::Kind::kGet;
  steps[1].interaction = existing_id;
  steps[1].last_event_id = "evt_000001";
  steps[1].expect.status = 400;
  steps[1].expect.error_status = "INVALID_ARGUMENT";
  steps[1].pointer = "probe:last_event_id_without_stream";
  return steps;
}

// Returns how many of its users did not finish (stopped early).
std::size_t run_worker(const std::vector<UserJob*>& jobs, const RunOptions& options,
                       const Clock& clock, const std::atomic<bool>& stop, Metrics& metrics) {
  Engine engine(clock, options.engine);
  const auto checks = run_checks(options.skip_checks);
  UserContext ctx{engine, options.target, checks, metrics, options.seed};
  std::vector<std::unique_ptr<VirtualUser>> users;
  std::size_t finished = 0;
  for (UserJob* job : jobs) {
    users.push_back(std::make_unique<VirtualUser>(ctx, *job->steps, job->suffix, *job->report));
  }
  for (auto& u : users) u->start([&finished] { ++finished; });
  engine.run([&] { return finished == users.size() || stop.load(); });
  for (auto& u : users) u->abandon("stopped before it finished (SIGINT or SIGTERM)");
  return users.size() - finished;
}

}  // namespace

RunReport run_conformance(const std::vector<Scenario>& scenarios, const RunOptions& options,
                          const Clock& clock, const std::atomic<bool>& stop) {
  RunReport report;
  // Every user reports into a slot made before any thread starts, so no slot ever moves.
  std::vector<std::vector<Step>> synthetic;
  std::vector<UserJob> jobs;
  std::string existing_id;
  for (const Scenario& s : scenarios) {
    if (s.steps.empty()) continue;
    ScenarioReport r;
    r.name = s.name;
    r.file = s.file;
    r.sha256 = s.sha256;
    report.scenarios.push_back(std::move(r));
  }
  // The last_event_id probe needs an interaction that exists, or a server may rightly answer 404
  // before it looks at the parameters.
  for (const Scenario& s : scenarios) {
    for (const InteractionTemplate& t : s.interactions) {
      if (existing_id.empty() && t.store) existing_id = t.name + "." + options.run_id + "-probe";
    }
  }
  for (const std::string& id : options.ids) {
    ScenarioReport r;
    r.name = "id " + id;
    report.scenarios.push_back(std::move(r));
    synthetic.push_back(steps_for_id(id, options.stream_timeout_ms));
    if (existing_id.empty()) existing_id = id;
  }
  if (options.probes && !existing_id.empty()) {
    ScenarioReport r;
    r.name = "protocol probes";
    report.scenarios.push_back(std::move(r));
    synthetic.push_back(probe_steps("ixh_no_such_interaction_" + options.run_id, existing_id));
  }
  std::size_t slot = 0;
  std::size_t user = 0;
  for (const Scenario& s : scenarios) {
    if (s.steps.empty()) continue;
    jobs.push_back(
        {&s.steps, options.run_id + "-" + std::to_string(++user), &report.scenarios[slot++]});
  }
  for (const auto& steps : synthetic) {
    jobs.push_back({&steps, "", &report.scenarios[slot++]});
  }

  const std::size_t workers = std::max<std::size_t>(1, std::min(options.workers, jobs.size()));
  std::vector<std::vector<UserJob*>> per_worker(workers);
  for (std::size_t i = 0; i < jobs.size(); ++i) per_worker[i % workers].push_back(&jobs[i]);
  std::vector<Metrics> metrics(workers);
  std::atomic<std::size_t> unfinished{0};
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) {
    threads.emplace_back([&, w] {
      name_this_thread("ixh-run-" + std::to_string(w));
      unfinished += run_worker(per_worker[w], options, clock, stop, metrics[w]);
    });
  }
  if (!jobs.empty()) unfinished += run_worker(per_worker[0], options, clock, stop, metrics[0]);
  for (auto& t : threads) t.join();
  for (const Metrics& m : metrics) m.merge_into(report);
  // Partial means work was left undone, not merely that a stop arrived after the last step.
  report.partial = unfinished.load() > 0;
  return report;
}

}  // namespace ixh
