// Micro benchmarks of the driver's per-response CPU without a network: StreamFetch fed the bytes
// of the 2,003-event seed stream bench/run.sh serves (in 16 KiB slices, as curl hands them over),
// and GetFetch fed a finished interaction's GET body, each followed by every protocol check, as
// `ixh_driver_bench sse|fetch` and `ixh run` do per response. What is left once the socket work
// is taken away: SSE parsing, event copies, decoding and checks. Stable under callgrind.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_payload.h"
#include "core/clock.h"
#include "core/seed_dialect.h"
#include "harness/check.h"
#include "harness/fetch.h"
#include "harness/target.h"
#include "harness/transport.h"

namespace {

// A transport that starts nothing: the benchmark plays the transfer's callbacks itself.
class NullTransport final : public ixh::Transport {
 public:
  const ixh::Clock& clock() const override { return clock_; }
  ixh::TransferId start(const ixh::TransferSpec&, ixh::TransferHandler*) override { return 1; }
  void cancel(ixh::TransferId) override {}
  ixh::TimerId schedule(std::int64_t, std::function<void()>) override { return ++timers_; }
  void cancel_timer(ixh::TimerId) override {}

 private:
  ixh::FakeClock clock_;
  ixh::TimerId timers_ = 0;
};

constexpr std::size_t kSlice = 16 * 1024;

ixh::HttpObservation ok_response(const char* content_type) {
  ixh::HttpObservation http;
  http.status = 200;
  http.content_type = content_type;
  http.url = "http://127.0.0.1:1/v1beta/interactions/bench.sse";
  return http;
}

// One whole stream through StreamFetch, then the protocol checks: the `sse` mode's work per
// stream.
void BM_StreamFetchSeed(benchmark::State& state) {
  const std::string body = ixh::bench::seed_stream(2000, 64, "bench.sse");
  const auto checks = ixh::protocol_checks();
  NullTransport transport;
  const ixh::Target target{"http://127.0.0.1:1", "v1beta"};
  target.dialect->resolve(ixh::Dialect::kSeed);
  ixh::StreamFetch fetch;
  std::vector<ixh::CheckRecord> records;
  std::uint64_t events = 0;
  const ixh::HttpObservation http = ok_response("text/event-stream");
  const bool judge = state.range(0) != 0;
  for (auto _ : state) {
    ixh::ObservedStream obs;
    fetch.start(transport, target, "bench.sse", {},
                [&](ixh::ObservedStream o) { obs = std::move(o); });
    fetch.on_headers(http);
    for (std::size_t off = 0; off < body.size(); off += kSlice) {
      fetch.on_body(std::string_view(body).substr(off, kSlice), 0);
    }
    fetch.on_complete(http);
    events += obs.events.size();
    if (judge) {
      ixh::StepObservation o;
      o.kind = ixh::Step::Kind::kStream;
      o.interaction_id = "bench.sse";
      o.stream = std::move(obs);
      records.clear();
      for (const auto& c : checks) c->evaluate(o, records);
      for (const auto& r : records) {
        if (!r.passed) state.SkipWithError("a check failed on the benchmark stream");
      }
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_StreamFetchSeed)->ArgName("checks")->Arg(0)->Arg(1);

// One GET through GetFetch, then the protocol checks: the `fetch` mode's work per request (64 B
// text: bench/run.sh's row 1 body; 128 KiB: the finished 2,000-delta stream, output.text plus
// candidates[0], 256 KiB of text, that load_sse.json's final GET reads).
void BM_GetFetchSeed(benchmark::State& state) {
  const auto text = static_cast<std::size_t>(state.range(0));
  const std::string body =
      ixh::encode_seed_interaction(ixh::bench::sample_interaction(text, "bench.get"));
  const auto checks = ixh::protocol_checks();
  NullTransport transport;
  const ixh::Target target{"http://127.0.0.1:1", "v1beta"};
  target.dialect->resolve(ixh::Dialect::kSeed);
  ixh::GetFetch fetch;
  std::vector<ixh::CheckRecord> records;
  const ixh::HttpObservation http = ok_response("application/json");
  for (auto _ : state) {
    ixh::ObservedGet obs;
    fetch.start(transport, target, "bench.get", false,
                [&](ixh::ObservedGet o) { obs = std::move(o); });
    for (std::size_t off = 0; off < body.size(); off += kSlice) {
      fetch.on_body(std::string_view(body).substr(off, kSlice), 0);
    }
    fetch.on_complete(http);
    ixh::StepObservation o;
    o.kind = ixh::Step::Kind::kGet;
    o.interaction_id = "bench.get";
    o.gets.push_back(std::move(obs));
    records.clear();
    for (const auto& c : checks) c->evaluate(o, records);
    for (const auto& r : records) {
      if (!r.passed) state.SkipWithError("a check failed on the benchmark GET");
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_GetFetchSeed)->Arg(64)->Arg(128 * 1024);

}  // namespace
