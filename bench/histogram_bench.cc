// Micro benchmarks of ixh::Histogram (reports/histogram.h): record() on the driver's hot path,
// merge() and value_at_percentile() at the end of a run. Part of ixh_micro_bench.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

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

}  // namespace
