#include "cli/load_flags.h"

#include <charconv>
#include <cmath>
#include <map>

#include "core/errors.h"

namespace ixh::cli {
namespace {

double parse_number(std::string_view text, const std::string& flag, const std::string& what) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
      v < 0) {
    throw UsageError(flag + ": \"" + std::string(text) + "\" is not " + what);
  }
  return v;
}

// One field of the scenario defaults, from the primary load block (see resolve_load).
template <typename T, typename Get>
std::optional<T> from_blocks(const LoadSpec* primary, Get get) {
  if (primary == nullptr) return std::nullopt;
  return get(*primary);
}

}  // namespace

std::int64_t parse_duration_ns(const std::string& text, const std::string& flag) {
  const std::string what = "a duration such as 500ms, 30s, 2m or 1h";
  std::size_t n = 0;
  while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.'))
    ++n;
  const std::string unit = text.substr(n);
  double scale = 0;
  if (unit == "us")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else
    throw UsageError(flag + ": \"" + text + "\" is not " + what);
  const double ns = parse_number(std::string_view(text).substr(0, n), flag, what) * scale;
  if (ns > static_cast<double>(kLoadMaxDurationMs) * 1e6) {
    throw UsageError(flag + ": \"" + text + "\" is longer than a day");
  }
  return static_cast<std::int64_t>(std::llround(ns));
}

double parse_rate(const std::string& text, const std::string& flag) {
  const std::string what = "a rate such as 3000/s, 3000 or 600/m";
  std::string_view v = text;
  double per = 1;
  if (v.size() > 2 && v.substr(v.size() - 2) == "/s") {
    v.remove_suffix(2);
  } else if (v.size() > 2 && v.substr(v.size() - 2) == "/m") {
    v.remove_suffix(2);
    per = 60;
  }
  const double r = parse_number(v, flag, what) / per;
  if (r > kLoadMaxRate) throw UsageError(flag + ": at most 1000000/s");
  return r;
}

std::vector<LoadStage> parse_stages(const std::string& text, const std::string& flag) {
  std::vector<LoadStage> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const std::size_t colon = item.find(':');
    if (colon == std::string::npos) {
      throw UsageError(flag + ": \"" + item + "\" is not DURATION:TARGET (e.g. 30s:500)");
    }
    LoadStage s;
    s.duration_ms = parse_duration_ns(item.substr(0, colon), flag) / 1'000'000;
    if (s.duration_ms < 1) throw UsageError(flag + ": a stage lasts at least 1ms");
    std::string target = item.substr(colon + 1);
    if (target.size() > 2 && target.substr(target.size() - 2) == "/s")
      target.resize(target.size() - 2);
    s.target = parse_number(target, flag, "a target number of users or arrivals per second");
    out.push_back(s);
    start = comma + 1;
  }
  return out;
}

void LoadFlags::add_to(CLI::App& cmd) {
  const std::string g = "Load";
  cmd.add_option("--vus", vus, "Closed loop: concurrent virtual users")->group(g);
  cmd.add_option("--rate", rate, "Open loop: arrivals per second, e.g. 3000/s (with --vus: paced)")
      ->group(g);
  cmd.add_option("--arrival", arrival, "Open loop arrivals: constant or poisson")->group(g);
  cmd.add_option("--max-inflight", max_inflight,
                 "Open loop: iterations in flight at most; arrivals over it are dropped")
      ->group(g);
  cmd.add_option("--stages", stages,
                 "Ramp users (closed) or rate (open) linearly: 30s:500,60s:2000,10s:0")
      ->group(g);
  cmd.add_option("--duration", duration, "Measured time after the warm-up, e.g. 60s")->group(g);
  cmd.add_option("--iterations", iterations, "Stop after this many iterations in all")->group(g);
  cmd.add_option("--warmup", warmup, "Warm-up before the measured time, left out of results")
      ->group(g);
  cmd.add_option("--think", think, "Closed loop: pause between a user's iterations, e.g. 100ms")
      ->group(g);
  cmd.add_option("--grace", grace, "After the end or SIGINT: time in-flight iterations get (5s)")
      ->group(g);
  cmd.add_option("--threshold", thresholds,
                 "Pass/fail rule, e.g. 'p99(ttfe)<250ms' or 'rate(errors)<0.1%' (repeatable)")
      ->group(g);
  cmd.add_flag("--quiet", quiet, "No progress line while the load runs")->group(g);
}

bool LoadFlags::any() const {
  return vus || !rate.empty() || !arrival.empty() || max_inflight || !stages.empty() ||
         !duration.empty() || iterations || !warmup.empty() || !think.empty() || !grace.empty() ||
         !thresholds.empty();
}

ResolvedLoad resolve_load(const LoadFlags& f, const std::vector<Scenario>& scenarios,
                          std::size_t workers, std::uint64_t seed) {
  ResolvedLoad r;
  LoadOptions& o = r.options;
  o.workers = workers;
  o.seed = seed;

  // Which scenarios run, with what weight: a mix entry's weight wins over the file's own.
  std::map<std::string, double> mix_weight;
  for (const Scenario& s : scenarios) {
    if (!s.load) continue;
    for (const LoadMixEntry& e : s.load->mix) mix_weight[e.file] = e.weight;
  }
  for (const Scenario& s : scenarios) {
    if (s.steps.empty()) continue;
    double weight = s.load ? s.load->weight : 1.0;
    if (const auto it = mix_weight.find(s.file); it != mix_weight.end()) weight = it->second;
    r.scenarios.push_back({&s, weight});
  }
  if (r.scenarios.empty()) throw UsageError("a load run needs a scenario with steps");
  // The defaults come from one block: the first scenario with a load block that is not itself a
  // member of a mix (members bring their steps and interactions only).
  const LoadSpec* primary = nullptr;
  for (const Scenario& s : scenarios) {
    if (s.load && !mix_weight.contains(s.file)) {
      primary = &*s.load;
      break;
    }
  }

  // Users and rate choose the mode together: flags replace both of the block's.
  std::optional<std::int64_t> vus;
  std::optional<double> rate;
  if (f.vus || !f.rate.empty()) {
    vus = f.vus;
    if (!f.rate.empty()) rate = parse_rate(f.rate, "--rate");
  } else {
    vus = from_blocks<std::int64_t>(primary, [](const LoadSpec& l) { return l.vus; });
    rate = from_blocks<double>(primary, [](const LoadSpec& l) { return l.rate; });
  }
  if (vus && (*vus < 1 || *vus > kLoadMaxVus)) {
    throw UsageError("--vus must be within 1.." + std::to_string(kLoadMaxVus));
  }
  std::string arrival = f.arrival;
  if (arrival.empty()) {
    arrival = from_blocks<std::string>(primary, [](const LoadSpec& l) {
                return l.arrival;
              }).value_or("constant");
  }
  if (arrival != "constant" && arrival != "poisson") {
    throw UsageError("--arrival must be constant or poisson");
  }
  o.poisson = arrival == "poisson";

  // The length: duration and stages replace the block's together; iterations apply as well.
  std::optional<std::int64_t> duration_ns;
  std::vector<LoadStage> stages;
  if (!f.duration.empty() || !f.stages.empty()) {
    if (!f.duration.empty()) duration_ns = parse_duration_ns(f.duration, "--duration");
    if (!f.stages.empty()) stages = parse_stages(f.stages, "--stages");
  } else {
    const auto ms =
        from_blocks<std::int64_t>(primary, [](const LoadSpec& l) { return l.duration_ms; });
    if (ms) duration_ns = *ms * 1'000'000;
    if (primary != nullptr) stages = primary->stages;
  }
  if (duration_ns && !stages.empty()) {
    throw UsageError("give either a duration or stages, not both (stages set the length)");
  }
  if (duration_ns && *duration_ns <= 0) throw UsageError("--duration must be above 0");
  o.stages = stages;
  o.duration_ns = duration_ns.value_or(-1);
  std::optional<std::int64_t> iterations =
      f.iterations
          ? f.iterations
          : from_blocks<std::int64_t>(primary, [](const LoadSpec& l) { return l.iterations; });
  if (iterations && (*iterations < 1 || *iterations > kLoadMaxIterations)) {
    throw UsageError("--iterations must be at least 1");
  }
  o.iterations = iterations.value_or(-1);
  if (!duration_ns && stages.empty() && !iterations) {
    throw UsageError(
        "a load run needs --duration, --iterations or --stages (or the scenario's "
        "load block: duration_ms, iterations or stages)");
  }

  if (!f.warmup.empty()) {
    o.warmup_ns = parse_duration_ns(f.warmup, "--warmup");
  } else if (auto ms = from_blocks<std::int64_t>(primary,
                                                 [](const LoadSpec& l) { return l.warmup_ms; })) {
    o.warmup_ns = *ms * 1'000'000;
  }
  if (!f.grace.empty()) o.grace_ns = parse_duration_ns(f.grace, "--grace");

  if (rate && vus) {
    o.mode = LoadMode::kPaced;
  } else if (rate || !f.arrival.empty() || f.max_inflight) {
    o.mode = LoadMode::kOpen;
  } else {
    o.mode = LoadMode::kClosed;
  }
  o.vus = vus.value_or(0);
  o.rate = rate.value_or(0);
  if (o.mode == LoadMode::kClosed && o.vus == 0 && stages.empty()) {
    throw UsageError("a closed-loop run needs --vus (or stages that ramp users)");
  }
  if (o.mode == LoadMode::kOpen && o.rate <= 0 && stages.empty()) {
    throw UsageError("an open-loop run needs --rate above 0 (or stages that ramp the rate)");
  }
  if (o.mode == LoadMode::kPaced && o.rate <= 0) throw UsageError("--rate must be above 0");
  if (!f.think.empty()) {
    o.think_ns = parse_duration_ns(f.think, "--think");
  } else if (auto ms =
                 from_blocks<std::int64_t>(primary, [](const LoadSpec& l) { return l.think_ms; })) {
    o.think_ns = *ms * 1'000'000;
  }
  if (o.think_ns > 0 && o.mode != LoadMode::kClosed) {
    throw UsageError("--think applies to a closed loop (--vus without --rate)");
  }
  const auto max_inflight =
      f.max_inflight
          ? f.max_inflight
          : from_blocks<std::int64_t>(primary, [](const LoadSpec& l) { return l.max_inflight; });
  if (max_inflight) {
    if (*max_inflight < 1 || *max_inflight > kLoadMaxInflight) {
      throw UsageError("--max-inflight must be within 1.." + std::to_string(kLoadMaxInflight));
    }
    o.max_inflight = *max_inflight;
  }
  if (o.mode == LoadMode::kOpen && static_cast<std::size_t>(o.max_inflight) < workers) {
    throw UsageError("--max-inflight must be at least --workers");
  }

  for (const std::string& text : f.thresholds) {
    std::string error;
    const auto t = parse_threshold(text, error);
    if (!t) throw UsageError("--threshold " + error);
    r.thresholds.push_back({*t, "cli"});
  }
  for (const Scenario& s : scenarios) {
    if (!s.load || mix_weight.contains(s.file)) continue;
    for (const Threshold& t : s.load->thresholds) r.thresholds.push_back({t, s.file});
  }

  nlohmann::json stages_json = nlohmann::json::array();
  for (const LoadStage& s : stages) {
    stages_json.push_back({{"duration_ms", s.duration_ms}, {"target", s.target}});
  }
  nlohmann::json mix = nlohmann::json::array();
  for (const WeightedScenario& w : r.scenarios) {
    mix.push_back({{"file", w.scenario->file}, {"weight", w.weight}});
  }
  r.recorded = {{"mode", std::string(to_string(o.mode))},
                {"vus", o.vus},
                {"rate", o.rate},
                {"arrival", arrival},
                {"max_inflight", o.max_inflight},
                {"think_ms", o.think_ns / 1'000'000},
                {"duration_ms", o.duration_ns < 0 ? -1 : o.duration_ns / 1'000'000},
                {"iterations", o.iterations},
                {"warmup_ms", o.warmup_ns / 1'000'000},
                {"grace_ms", o.grace_ns / 1'000'000},
                {"stages", stages_json},
                {"mix", mix}};
  return r;
}

}  // namespace ixh::cli
