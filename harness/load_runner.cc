#include "harness/load_runner.h"

#include <map>
#include <mutex>
#include <thread>

#include "core/thread_name.h"
#include "harness/checks.h"

namespace ixh {
namespace {

// A run bounded only by its iteration count still ends (every step has its own timeout).
constexpr std::int64_t kUnboundedNs = 86'400'000'000'000;

// What one worker hands back after its loop ended.
struct WorkerResult {
  RunReport metrics;  // histograms and counters only
  std::vector<ScenarioTally> tallies;
  std::vector<WorkerSecond> seconds;
  std::uint64_t iterations = 0, interrupted = 0, warmup_iterations = 0, arrivals = 0, dropped = 0;
  std::int64_t measured_ns = 0;
};

std::int64_t share(std::int64_t total, std::size_t worker, std::size_t workers) {
  const auto n = static_cast<std::int64_t>(workers);
  return total / n + (static_cast<std::int64_t>(worker) < total % n ? 1 : 0);
}

WorkerPlan make_plan(const LoadOptions& o, std::size_t w) {
  WorkerPlan plan;
  plan.mode = o.mode;
  plan.worker = w;
  plan.workers = o.workers;
  plan.think_ns = o.think_ns;
  plan.warmup_ns = o.warmup_ns;
  plan.grace_ns = o.grace_ns;
  plan.suffix_prefix = o.run_id + "-w" + std::to_string(w) + "-";
  plan.iterations = o.iterations < 0 ? -1 : share(o.iterations, w, o.workers);
  plan.max_inflight = std::max<std::int64_t>(1, share(o.max_inflight, w, o.workers));
  const auto n = static_cast<double>(o.workers);
  switch (o.mode) {
    case LoadMode::kClosed: {
      RateProfile users = load_profile(o, static_cast<double>(o.vus));
      plan.end_ns = users.end_ns();
      plan.users = std::make_unique<RateProfile>(std::move(users));
      break;
    }
    case LoadMode::kOpen:
    case LoadMode::kPaced: {
      const RateProfile rate = load_profile(o, o.rate);
      plan.end_ns = rate.end_ns();
      if (o.poisson) {
        plan.pacer =
            std::make_unique<PoissonPacer>(rate.scaled(1.0 / n), o.seed * 1'000'003ULL + w);
      } else {
        // Interleaved phases: the workers' arrivals together are evenly spaced.
        plan.pacer =
            std::make_unique<ConstantPacer>(rate.scaled(1.0 / n), static_cast<double>(w) / n);
      }
      if (o.mode == LoadMode::kPaced) {
        plan.users = std::make_unique<RateProfile>(std::vector<RateProfile::Segment>{
            {plan.end_ns, static_cast<double>(o.vus), static_cast<double>(o.vus)}});
      }
      break;
    }
  }
  return plan;
}

WorkerResult run_worker(const std::vector<LoadScenario>& scenarios, const LoadOptions& o,
                        std::size_t w, const Clock& clock, const std::atomic<bool>& stop,
                        LiveStats* live) {
  Engine engine(clock, o.engine);
  const auto checks = run_checks(o.skip_checks);
  LoadScheduler scheduler(engine, o.target, checks, scenarios, make_plan(o, w), live);
  scheduler.start();
  bool signalled = false;
  engine.run([&] {
    if (!signalled && stop.load(std::memory_order_relaxed)) {
      signalled = true;
      scheduler.stop(true);
    }
    return scheduler.done();
  });
  WorkerResult r;
  scheduler.metrics().merge_into(r.metrics);
  r.tallies = scheduler.tallies();
  r.seconds = scheduler.seconds();
  r.iterations = scheduler.iterations();
  r.interrupted = scheduler.iterations_interrupted();
  r.warmup_iterations = scheduler.warmup_iterations();
  r.arrivals = scheduler.arrivals();
  r.dropped = scheduler.dropped();
  r.measured_ns = scheduler.measured_ns();
  return r;
}

std::vector<TimePoint> merge_seconds(const std::vector<WorkerResult>& results) {
  struct Acc {
    TimePoint point;
    Histogram latency;
    Histogram ttfe;
  };
  std::map<std::int64_t, Acc> by_second;
  for (const WorkerResult& r : results) {
    for (const WorkerSecond& s : r.seconds) {
      Acc& a = by_second[s.second];
      a.point.second = s.second;
      a.point.requests += s.requests;
      a.point.events += s.events;
      a.point.errors += s.errors;
      a.point.iterations += s.iterations;
      a.point.dropped += s.dropped;
      a.latency.merge(Histogram::from_json(s.latency));
      a.ttfe.merge(Histogram::from_json(s.ttfe));
    }
  }
  std::vector<TimePoint> out;
  for (auto& [second, a] : by_second) {
    a.point.latency_p50_us = a.latency.value_at_percentile(50);
    a.point.latency_p99_us = a.latency.value_at_percentile(99);
    a.point.ttfe_p50_us = a.ttfe.value_at_percentile(50);
    a.point.ttfe_p99_us = a.ttfe.value_at_percentile(99);
    out.push_back(a.point);
  }
  return out;
}

}  // namespace

std::string_view to_string(LoadMode mode) {
  switch (mode) {
    case LoadMode::kClosed:
      return "closed";
    case LoadMode::kOpen:
      return "open";
    case LoadMode::kPaced:
      return "paced";
  }
  return "closed";
}

RateProfile load_profile(const LoadOptions& o, double start_level) {
  std::vector<RateProfile::Segment> segments;
  if (o.warmup_ns > 0) segments.push_back({o.warmup_ns, start_level, start_level});
  if (!o.stages.empty()) {
    double level = start_level;
    for (const LoadStage& s : o.stages) {
      segments.push_back({s.duration_ms * 1'000'000, level, s.target});
      level = s.target;
    }
  } else {
    segments.push_back(
        {o.duration_ns > 0 ? o.duration_ns : kUnboundedNs, start_level, start_level});
  }
  return RateProfile(std::move(segments));
}

RunReport run_load(const std::vector<WeightedScenario>& scenarios, const LoadOptions& options,
                   const Clock& clock, const std::atomic<bool>& stop,
                   std::vector<LiveStats>* live) {
  std::vector<LoadScenario> mix;
  for (const WeightedScenario& s : scenarios) mix.push_back({&s.scenario->steps, s.weight});
  const std::size_t workers = std::max<std::size_t>(1, options.workers);
  std::vector<WorkerResult> results(workers);
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) {
    threads.emplace_back([&, w] {
      name_this_thread("ixh-load-" + std::to_string(w));
      results[w] = run_worker(mix, options, w, clock, stop, live ? &(*live)[w] : nullptr);
    });
  }
  results[0] = run_worker(mix, options, 0, clock, stop, live ? &(*live)[0] : nullptr);
  for (std::thread& t : threads) t.join();

  RunReport report;
  LoadReport load;
  load.mode = std::string(to_string(options.mode));
  load.arrival = options.mode == LoadMode::kClosed ? "" : options.poisson ? "poisson" : "constant";
  load.workers = static_cast<std::int64_t>(workers);
  load.warmup_s = static_cast<double>(options.warmup_ns) / 1e9;
  std::vector<ScenarioTally> tallies(scenarios.size());
  for (const WorkerResult& r : results) {
    for (const auto& [kind, by_metric] : r.metrics.metrics) {
      for (const auto& [metric, h] : by_metric) report.metrics[kind][metric].merge(h);
    }
    report.counters.merge(r.metrics.counters);
    for (std::size_t i = 0; i < tallies.size() && i < r.tallies.size(); ++i) {
      tallies[i].merge(r.tallies[i]);
    }
    load.iterations += r.iterations;
    load.iterations_interrupted += r.interrupted;
    load.warmup_iterations += r.warmup_iterations;
    load.arrivals += r.arrivals;
    load.dropped += r.dropped;
    load.measured_s = std::max(load.measured_s, static_cast<double>(r.measured_ns) / 1e9);
  }
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    ScenarioReport s;
    s.name = scenarios[i].scenario->name;
    s.file = scenarios[i].scenario->file;
    s.sha256 = scenarios[i].scenario->sha256;
    tallies[i].write_steps(s);
    report.scenarios.push_back(std::move(s));
  }
  load.timeseries = merge_seconds(results);
  report.load = std::move(load);
  report.partial = stop.load();
  return report;
}

}  // namespace ixh
