// Micro benchmarks of the wire dialects: what the mock spends per GET body and per stream event
// (encode), and what the driver spends judging them (decode). Every decode benchmark comes in a
// pair: the public decoder (the fast path of core/fast_decoder.h, which takes these clean inputs)
// and ...Dom, the document path alone that it falls back to.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_payload.h"
#include "core/genai_decoder.h"
#include "core/genai_dialect.h"
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

template <ixh::DecodedInteraction (*Decode)(std::string_view)>
void decode_interaction_bench(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    ixh::DecodedInteraction d = Decode(body);
    if (!d.ok()) state.SkipWithError("sample interaction did not decode cleanly");
    benchmark::DoNotOptimize(d.value.state);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

std::string seed_body(const benchmark::State& state) {
  return ixh::encode_seed_interaction(
      ixh::bench::sample_interaction(static_cast<std::size_t>(state.range(0))));
}

ixh::DecodedInteraction seed_public(std::string_view body) {
  return ixh::decode_seed_interaction(body);
}
ixh::DecodedInteraction genai_public(std::string_view body) {
  return ixh::decode_genai_interaction(body);
}

// 64 B and 4 KiB of text, and 128 KiB: output.text plus candidates[0] make the 256 KiB GET body
// of a finished 2,000-delta stream (bench/scenarios/load_sse.json's final GET).
void BM_SeedDecodeInteraction(benchmark::State& state) {
  decode_interaction_bench<seed_public>(state, seed_body(state));
}
BENCHMARK(BM_SeedDecodeInteraction)->Arg(64)->Arg(4096)->Arg(128 * 1024);
void BM_SeedDecodeInteractionDom(benchmark::State& state) {
  decode_interaction_bench<ixh::decode_seed_interaction_dom>(state, seed_body(state));
}
BENCHMARK(BM_SeedDecodeInteractionDom)->Arg(64)->Arg(4096)->Arg(128 * 1024);

std::string genai_body(const benchmark::State& state) {
  return ixh::encode_genai_interaction(
      ixh::bench::sample_interaction(static_cast<std::size_t>(state.range(0))), true);
}
void BM_GenaiDecodeInteraction(benchmark::State& state) {
  decode_interaction_bench<genai_public>(state, genai_body(state));
}
BENCHMARK(BM_GenaiDecodeInteraction)->Arg(64)->Arg(128 * 1024);
void BM_GenaiDecodeInteractionDom(benchmark::State& state) {
  decode_interaction_bench<ixh::decode_genai_interaction_dom>(state, genai_body(state));
}
BENCHMARK(BM_GenaiDecodeInteractionDom)->Arg(64)->Arg(128 * 1024);

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

// Decodes every event of a parsed stream (PENDING, RUNNING, 200 deltas, the terminal event with
// its interaction; genai adds its framing frames).
template <ixh::DecodedEvent (*Decode)(const ixh::SseEvent&)>
void decode_events_bench(benchmark::State& state, const std::string& body) {
  std::vector<ixh::SseEvent> events;
  ixh::SseParser parser;
  parser.feed(body, [&](const ixh::SseEvent& e) { events.push_back(e); });
  for (auto _ : state) {
    for (const ixh::SseEvent& e : events) {
      ixh::DecodedEvent d = Decode(e);
      if (!d.ok()) state.SkipWithError("sample event did not decode cleanly");
      benchmark::DoNotOptimize(d.kind);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

std::string seed_events_body(const benchmark::State& state) {
  return ixh::bench::seed_stream(200, static_cast<std::size_t>(state.range(0)));
}

// The genai frames of the same log as seed_stream(200, n).
std::string genai_events_body(const benchmark::State& state) {
  const auto delta = static_cast<std::size_t>(state.range(0));
  const ixh::Interaction final_snapshot = ixh::bench::seed_stream_final(200, delta);
  std::string out;
  std::string text;
  std::size_t n = 0;
  auto add = [&](ixh::EventKind kind, ixh::State st, std::string delta_text) {
    const ixh::Event e{ixh::event_id(++n),   static_cast<std::int64_t>(n), kind, st, 0,
                       std::move(delta_text)};
    ixh::Interaction snap = final_snapshot;
    snap.state = st;
    if (kind != ixh::EventKind::kTerminal) snap.usage.reset();
    const ixh::GenaiFrameContext ctx{n == 1, !text.empty(), false};
    ixh::append_genai_frames(out, e, snap, ctx, 0);
    text += e.text;
  };
  add(ixh::EventKind::kStateChange, ixh::State::kPending, "");
  add(ixh::EventKind::kStateChange, ixh::State::kRunning, "");
  for (int i = 0; i < 200; ++i) {
    add(ixh::EventKind::kTextDelta, ixh::State::kRunning, std::string(delta, 'x'));
  }
  add(ixh::EventKind::kTerminal, ixh::State::kCompleted, "");
  ixh::append_genai_done(out);
  return out;
}

ixh::DecodedEvent seed_event_public(const ixh::SseEvent& e) { return ixh::decode_seed_event(e); }
ixh::DecodedEvent genai_event_public(const ixh::SseEvent& e) { return ixh::decode_genai_event(e); }

void BM_SeedDecodeEvents(benchmark::State& state) {
  decode_events_bench<seed_event_public>(state, seed_events_body(state));
}
BENCHMARK(BM_SeedDecodeEvents)->Arg(64);
void BM_SeedDecodeEventsDom(benchmark::State& state) {
  decode_events_bench<ixh::decode_seed_event_dom>(state, seed_events_body(state));
}
BENCHMARK(BM_SeedDecodeEventsDom)->Arg(64);

void BM_GenaiDecodeEvents(benchmark::State& state) {
  decode_events_bench<genai_event_public>(state, genai_events_body(state));
}
BENCHMARK(BM_GenaiDecodeEvents)->Arg(64);
void BM_GenaiDecodeEventsDom(benchmark::State& state) {
  decode_events_bench<ixh::decode_genai_event_dom>(state, genai_events_body(state));
}
BENCHMARK(BM_GenaiDecodeEventsDom)->Arg(64);

}  // namespace
