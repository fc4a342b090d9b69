// Micro benchmarks of the wire dialects: what the mock spends per GET body and per stream event
// (encode), and what the driver spends judging them (decode). Seed dialect only so far; the
// genai dialect gets the same four benchmarks (BM_Genai...) when its encoder and decoder land.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_payload.h"
#include "core/seed_decoder.h"
#include "core/seed_dialect.h"
#include "core/sse_parser.h"

namespace {

void BM_SeedEncodeInteraction(benchmark::State& state) {
  const ixh::Interaction it =
      ixh::bench::sample_interaction(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = ixh::encode_seed_interaction(it);
    bytes += body.size();
    benchmark::DoNotOptimize(body.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_SeedEncodeInteraction)->Arg(64)->Arg(4096);

void BM_SeedDecodeInteraction(benchmark::State& state) {
  const std::string body = ixh::encode_seed_interaction(
      ixh::bench::sample_interaction(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    ixh::DecodedInteraction d = ixh::decode_seed_interaction(std::string_view(body));
    if (!d.ok()) state.SkipWithError("sample interaction did not decode cleanly");
    benchmark::DoNotOptimize(d.value.state);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SeedDecodeInteraction)->Arg(64)->Arg(4096);

void BM_SeedEncodeTextDelta(benchmark::State& state) {
  ixh::Interaction snapshot = ixh::bench::sample_interaction(0);
  snapshot.state = ixh::State::kRunning;
  ixh::Event ev;
  ev.id = ixh::event_id(42);
  ev.kind = ixh::EventKind::kTextDelta;
  ev.state = ixh::State::kRunning;
  ev.text = std::string(static_cast<std::size_t>(state.range(0)), 'x');
  std::string out;
  for (auto _ : state) {
    out.clear();
    ixh::append_seed_event(out, ev, snapshot);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SeedEncodeTextDelta)->Arg(64)->Arg(1024);

// Decodes every event of a parsed seed stream (text deltas plus the terminal snapshot).
void BM_SeedDecodeEvents(benchmark::State& state) {
  const std::string body = ixh::bench::seed_stream(200, static_cast<std::size_t>(state.range(0)));
  std::vector<ixh::SseEvent> events;
  ixh::SseParser parser;
  parser.feed(body, [&](const ixh::SseEvent& e) { events.push_back(e); });
  for (auto _ : state) {
    for (const ixh::SseEvent& e : events) {
      ixh::DecodedEvent d = ixh::decode_seed_event(e);
      if (!d.ok()) state.SkipWithError("sample event did not decode cleanly");
      benchmark::DoNotOptimize(d.kind);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SeedDecodeEvents)->Arg(64);

// genai: add BM_GenaiEncodeInteraction, BM_GenaiDecodeInteraction, BM_GenaiEncodeStep and
// BM_GenaiDecodeEvents here, mirroring the four above, once core/genai_dialect.h exists.

}  // namespace
