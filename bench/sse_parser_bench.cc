// Micro benchmarks of ixh::SseParser (core/sse_parser.h), the driver's per-byte hot path: a
// whole seed stream fed at once, and the same bytes fed in slices of 1 to 64 bytes (curl hands
// the write callback arbitrary slices; a slow server drips them).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "bench/bench_payload.h"
#include "core/sse_parser.h"

namespace {

// 200 deltas of 64 bytes: about 60 KiB of typical seed frames.
const std::string& payload() {
  static const std::string s = ixh::bench::seed_stream(200, 64);
  return s;
}

void run(benchmark::State& state, std::size_t slice) {
  const std::string& body = payload();
  std::uint64_t events = 0;
  for (auto _ : state) {
    ixh::SseParser parser;
    for (std::size_t off = 0; off < body.size(); off += slice) {
      parser.feed(std::string_view(body).substr(off, slice), [&](const ixh::SseEvent& e) {
        benchmark::DoNotOptimize(e.data.size());
        ++events;
      });
    }
    benchmark::DoNotOptimize(parser.finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_SseParseWhole(benchmark::State& state) { run(state, payload().size()); }
BENCHMARK(BM_SseParseWhole);

void BM_SseParseSlices(benchmark::State& state) {
  run(state, static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_SseParseSlices)->Arg(1)->Arg(7)->Arg(16)->Arg(64);

}  // namespace
