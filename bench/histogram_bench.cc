// Micro benchmarks of ixh::Histogram (reports/histogram.h): record() on the driver's hot path,
// merge() and value_at_percentile() at the end of a run. Part of ixh_micro_bench.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "harness/live_histogram.h"
#include "reports/histogram.h"

namespace {

enum Spread : std::int64_t { kNarrow = 0, kWide = 1 };

// Latency-like values: kNarrow around 150 µs to 250 µs, kWide log-uniform over 1 µs to 1 h.
std::vector<std::int64_t> Values(std::size_t n, std::int64_t spread) {
  std::mt19937_64 rng(1);
  std::vector<std::int64_t> values(n);
  if (spread == kNarrow) {
    std::uniform_int_distribution<std::int64_t> dist(150, 250);
    for (auto& v : values) v = dist(rng);
  } else {
    std::uniform_real_distribution<double> exponent(
        0, std::log(static_cast<double>(ixh::Histogram::kMaxTrackable)));
    for (auto& v : values) v = std::llround(std::exp(exponent(rng)));
  }
  return values;
}

ixh::Histogram Filled(std::int64_t spread, std::uint64_t seed) {
  std::vector<std::int64_t> values = Values(100'000, spread);
  std::shuffle(values.begin(), values.end(), std::mt19937_64(seed));
  ixh::Histogram h;
  for (std::size_t i = 0; i < values.size() / 2; ++i) h.record(values[i]);
  return h;
}

void BM_Record(benchmark::State& state) {
  const std::vector<std::int64_t> values = Values(4096, state.range(0));  // power of two
  ixh::Histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Record)->Arg(kNarrow)->Arg(kWide)->ArgName("wide");

void BM_Merge(benchmark::State& state) {
  const ixh::Histogram shard = Filled(state.range(0), 2);
  ixh::Histogram total = Filled(state.range(0), 3);
  for (auto _ : state) {
    total.merge(shard);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(total.count());
}
BENCHMARK(BM_Merge)->Arg(kNarrow)->Arg(kWide)->ArgName("wide");

void BM_ValueAtPercentile(benchmark::State& state) {
  const ixh::Histogram h = Filled(state.range(0), 4);
  double p = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.value_at_percentile(p));
    p = p >= 100 ? 0 : p + 0.7;
  }
}
BENCHMARK(BM_ValueAtPercentile)->Arg(kNarrow)->Arg(kWide)->ArgName("wide");

// One refresh of the load progress line (cli/load_progress.cc): the workers' last-second ttfe
// histograms (LiveHistogram) merged into one, then p50 and p99. Each worker's second holds 1000
// values log-uniform over 1 µs to 1 h (the widest spread). Runs four times a second.
void BM_ProgressLineMerge(benchmark::State& state) {
  const auto workers = static_cast<std::size_t>(state.range(0));
  std::vector<ixh::LiveHistogram> live(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    std::vector<std::int64_t> values = Values(1000, kWide);
    std::shuffle(values.begin(), values.end(), std::mt19937_64(w));
    ixh::Histogram second;
    for (const std::int64_t v : values) second.record(v);
    live[w].publish(second);
  }
  ixh::Histogram total;
  for (auto _ : state) {
    total.reset();
    for (const ixh::LiveHistogram& l : live) l.merge_into(total);
    benchmark::DoNotOptimize(total.value_at_percentile(50));
    benchmark::DoNotOptimize(total.value_at_percentile(99));
  }
}
BENCHMARK(BM_ProgressLineMerge)->Arg(1)->Arg(8)->Arg(64)->ArgName("workers");

}  // namespace
