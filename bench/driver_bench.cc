// ixh_driver_bench: drives one ixh Engine (harness/engine.h, the curl-multi event loop `ixh run`
// uses) on one thread and prints one JSON line of results. bench/run.sh runs it side by side with
// wrk and h2load; it also works by hand against any server on 127.0.0.1:
//
//   ixh_driver_bench get     --url http://127.0.0.1:8080/ok --inflight 64 --duration 10
//   ixh_driver_bench fetch   --base http://127.0.0.1:8080 --id x --inflight 64 --duration 10
//   ixh_driver_bench sse     --base http://127.0.0.1:8080 --id sse --inflight 8 --duration 10
//   ixh_driver_bench streams --base http://127.0.0.1:8080 --id probe --count 1000 --hold 30
//                            [--gap-ms 10] [--server-pid PID] [--buffer 4096]
//
// Modes:
//   get      back-to-back GETs of one URL, N in flight, body counted and dropped, status
//            checked: the engine's raw capacity (compare with wrk -t1).
//   fetch    the same through GetFetch, the driver's real GET path: body decoded as a seed
//            interaction and judged by every protocol check.
//   sse      back-to-back streams through StreamFetch: every event parsed, decoded and judged by
//            every protocol check (compare events/s with wrk moving the same bytes).
//   streams  `count` streams of fresh ids <id>.r<run>s<i> opened at once and held for up to
//            `hold` seconds: peak concurrent live streams, driver (and server) RSS per stream,
//            the driver's heap in use per stream (malloc'd, to tell live data from allocator
//            slack) and the body bytes each stream had received by then,
//            time to first event, and with --gap-ms (servers that follow a script, i.e. the
//            mock) the lateness of each text delta against its scripted time, which the mock
//            writes into the event's update_time, and the error of every gap between
//            consecutive deltas against gap-ms: over the whole run, and over its steady part
//            (all streams live, none ending yet), with the events more than 5 ms late counted by
//            the 100 ms of the run they arrived in, to show where the late ones are.
// Load stops by itself after --duration / --hold; exit status 0 unless the run itself failed.

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/check.h"
#include "harness/engine.h"
#include "harness/fetch.h"

namespace {

using ixh::Engine;
using ixh::HttpObservation;
using ixh::TransferHandler;

struct Args {
  std::string mode;
  std::string url;
  std::string base;
  std::string id = "bench";
  int inflight = 32;
  double duration_s = 10;
  double warmup_s = 1;
  int count = 1000;
  double hold_s = 30;
  double gap_ms = 0;
  long server_pid = 0;
  long buffer = 16384;
  bool bare = false;  // streams: a byte-counting handler instead of StreamFetch
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "ixh_driver_bench: %s\nusage: ixh_driver_bench get|fetch|sse|streams [--url U] "
               "[--base B] [--id ID] [--inflight N] [--duration S] [--warmup S] [--count N] "
               "[--hold S] [--gap-ms MS] [--server-pid PID] [--buffer BYTES] [--bare 1]\n",
               why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  if (argc < 2) usage("no mode");
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; i += 2) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage("missing value for " + k);
    const std::string v = argv[i + 1];
    if (k == "--url")
      a.url = v;
    else if (k == "--base")
      a.base = v;
    else if (k == "--id")
      a.id = v;
    else if (k == "--inflight")
      a.inflight = std::stoi(v);
    else if (k == "--duration")
      a.duration_s = std::stod(v);
    else if (k == "--warmup")
      a.warmup_s = std::stod(v);
    else if (k == "--count")
      a.count = std::stoi(v);
    else if (k == "--hold")
      a.hold_s = std::stod(v);
    else if (k == "--gap-ms")
      a.gap_ms = std::stod(v);
    else if (k == "--server-pid")
      a.server_pid = std::stol(v);
    else if (k == "--buffer")
      a.buffer = std::stol(v);
    else if (k == "--bare")
      a.bare = v == "1";
    else
      usage("unknown option " + k);
  }
  if (a.inflight < 1 || a.count < 1 || a.duration_s <= 0 || a.hold_s <= 0) usage("bad numbers");
  return a;
}

// Resident set of a process in KiB ("self" or a pid), 0 when unreadable.
// Bytes malloc has handed out and not had back (mmapped chunks included): with RSS it tells live
// data from what the allocator holds on to (fragmentation, freed memory it keeps).
long heap_kib() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<long>((m.uordblks + m.hblkhd) / 1024);
}

long rss_kib(const std::string& pid) {
  std::ifstream f("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

double pct(std::vector<double>& v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

nlohmann::json summary(std::vector<double> v) {
  if (v.empty()) return nullptr;
  return {{"n", v.size()},
          {"p50", pct(v, 0.5)},
          {"p90", pct(v, 0.9)},
          {"p99", pct(v, 0.99)},
          {"max", v.back()}};
}

constexpr std::int64_t kNsPerS = 1'000'000'000;

// The measurement window: counts only what completes between warm-up end and the deadline.
struct Window {
  std::int64_t begin_ns = 0;
  std::int64_t end_ns = 0;
  bool stop = false;
  bool in(std::int64_t t) const { return t >= begin_ns && t < end_ns; }
};

// --- get: the engine's raw capacity -------------------------------------------------------------

struct RawGet final : TransferHandler {
  Engine* engine = nullptr;
  const ixh::TransferSpec* spec = nullptr;
  const Window* window = nullptr;
  std::uint64_t ok = 0, bad = 0, bytes = 0;
  bool on_body(std::string_view b, std::int64_t) override {
    bytes += b.size();
    return true;
  }
  void on_complete(const HttpObservation& http) override {
    if (window->in(http.end_ns)) (http.status == 200 && http.curl_code == 0 ? ok : bad)++;
    if (!window->stop) engine->start(*spec, this);
  }
};

// --- fetch / sse: the driver's real GET and stream paths -----------------------------------------

struct Judged {
  std::uint64_t units = 0;   // requests (fetch) or streams (sse) completed in the window
  std::uint64_t events = 0;  // sse: events parsed, decoded and judged
  std::uint64_t checks = 0;  // check records evaluated
  std::uint64_t failed = 0;  // failed check records
  std::uint64_t errors = 0;  // transfers with an error class
  std::map<std::string, std::uint64_t> failed_by_check;
};

void judge(const std::vector<std::unique_ptr<ixh::Check>>& checks, const ixh::StepObservation& o,
           Judged& j) {
  std::vector<ixh::CheckRecord> records;
  for (const auto& c : checks) c->evaluate(o, records);
  j.checks += records.size();
  for (const auto& r : records) {
    if (!r.passed) {
      ++j.failed;
      ++j.failed_by_check[r.check];
    }
  }
}

nlohmann::json judged_json(const Judged& j) {
  return {{"checks", j.checks},
          {"checks_failed", j.failed},
          {"errors", j.errors},
          {"failed_by_check", j.failed_by_check}};
}

// --- streams: a Transport decorator that sees every stream's first byte --------------------------

// Wraps the engine so the benchmark learns when each stream goes live (first body byte) and when
// it ends, without touching StreamFetch. One Tap per handler, reused across its transfers.
class TapTransport final : public ixh::Transport {
 public:
  explicit TapTransport(Engine& e) : engine_(e) {}
  const ixh::Clock& clock() const override { return engine_.clock(); }
  ixh::TransferId start(const ixh::TransferSpec& spec, TransferHandler* handler) override {
    auto& tap = taps_[handler];
    if (!tap) tap = std::make_unique<Tap>();
    tap->owner = this;
    tap->inner = handler;
    tap->live = false;
    return engine_.start(spec, tap.get());
  }
  void cancel(ixh::TransferId id) override { engine_.cancel(id); }
  ixh::TimerId schedule(std::int64_t at_ns, std::function<void()> fn) override {
    return engine_.schedule(at_ns, std::move(fn));
  }
  void cancel_timer(ixh::TimerId id) override { engine_.cancel_timer(id); }
  std::size_t live() const { return live_; }
  std::uint64_t bytes() const { return bytes_; }  // body bytes of every stream so far

 private:
  struct Tap final : TransferHandler {
    TapTransport* owner = nullptr;
    TransferHandler* inner = nullptr;
    bool live = false;
    void on_headers(const HttpObservation& h) override { inner->on_headers(h); }
    bool on_body(std::string_view b, std::int64_t now) override {
      if (!live) {
        live = true;
        ++owner->live_;
      }
      owner->bytes_ += b.size();
      return inner->on_body(b, now);
    }
    void on_complete(const HttpObservation& h) override {
      if (live) --owner->live_;
      live = false;
      inner->on_complete(h);
    }
  };
  Engine& engine_;
  std::unordered_map<TransferHandler*, std::unique_ptr<Tap>> taps_;
  std::size_t live_ = 0;
  std::uint64_t bytes_ = 0;
};

void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

int run_get(const Args& a, Engine& engine, Window& w) {
  if (a.url.empty()) usage("get needs --url");
  ixh::TransferSpec spec;
  spec.url = a.url;
  spec.timeout_ms = 10000;
  std::vector<RawGet> slots(static_cast<std::size_t>(a.inflight));
  for (auto& s : slots) {
    s.engine = &engine;
    s.spec = &spec;
    s.window = &w;
    engine.start(spec, &s);
  }
  engine.run([&] { return w.stop; });
  std::uint64_t ok = 0, bad = 0, bytes = 0;
  for (const auto& s : slots) ok += s.ok, bad += s.bad, bytes += s.bytes;
  const double secs = static_cast<double>(w.end_ns - w.begin_ns) / kNsPerS;
  std::printf("%s\n", nlohmann::json{{"mode", "get"},
                                     {"inflight", a.inflight},
                                     {"seconds", secs},
                                     {"requests", ok},
                                     {"errors", bad},
                                     {"requests_per_s", static_cast<double>(ok) / secs},
                                     {"body_bytes", bytes}}
                          .dump()
                          .c_str());
  return ok > 0 ? 0 : 1;
}

int run_fetch(const Args& a, Engine& engine, Window& w) {
  if (a.base.empty()) usage("fetch needs --base");
  const ixh::Target target{a.base, "v1beta"};
  const auto checks = ixh::protocol_checks();
  Judged j;
  std::vector<ixh::GetFetch> slots(static_cast<std::size_t>(a.inflight));
  std::function<void(ixh::GetFetch&)> go = [&](ixh::GetFetch& f) {
    f.start(engine, target, a.id, false, [&, fp = &f](ixh::ObservedGet obs) {
      if (w.in(obs.http.end_ns)) {
        ++j.units;
        if (obs.http.error != ixh::ErrorClass::kNone || obs.http.status != 200) ++j.errors;
        ixh::StepObservation o;
        o.kind = ixh::Step::Kind::kGet;
        o.interaction_id = a.id;
        o.gets.push_back(std::move(obs));
        judge(checks, o, j);
      }
      if (!w.stop) go(*fp);
    });
  };
  for (auto& f : slots) go(f);
  engine.run([&] { return w.stop; });
  const double secs = static_cast<double>(w.end_ns - w.begin_ns) / kNsPerS;
  nlohmann::json out = {{"mode", "fetch"},
                        {"inflight", a.inflight},
                        {"seconds", secs},
                        {"requests", j.units},
                        {"requests_per_s", static_cast<double>(j.units) / secs}};
  out.update(judged_json(j));
  std::printf("%s\n", out.dump().c_str());
  return j.units > 0 ? 0 : 1;
}

int run_sse(const Args& a, Engine& engine, Window& w) {
  if (a.base.empty()) usage("sse needs --base");
  const ixh::Target target{a.base, "v1beta"};
  const auto checks = ixh::protocol_checks();
  Judged j;
  std::uint64_t bytes = 0;
  std::vector<ixh::StreamFetch> slots(static_cast<std::size_t>(a.inflight));
  std::function<void(ixh::StreamFetch&)> go = [&](ixh::StreamFetch& f) {
    f.start(engine, target, a.id, {}, [&, fp = &f](ixh::ObservedStream obs) {
      if (w.in(obs.http.end_ns)) {
        ++j.units;
        j.events += obs.events.size();
        bytes += obs.http.bytes;
        if (obs.http.error != ixh::ErrorClass::kNone || !obs.saw_terminal()) ++j.errors;
        ixh::StepObservation o;
        o.kind = ixh::Step::Kind::kStream;
        o.interaction_id = a.id;
        o.stream = std::move(obs);
        judge(checks, o, j);
      }
      if (!w.stop) go(*fp);
    });
  };
  for (auto& f : slots) go(f);
  engine.run([&] { return w.stop; });
  const double secs = static_cast<double>(w.end_ns - w.begin_ns) / kNsPerS;
  nlohmann::json out = {{"mode", "sse"},
                        {"inflight", a.inflight},
                        {"seconds", secs},
                        {"streams", j.units},
                        {"events", j.events},
                        {"events_per_s", static_cast<double>(j.events) / secs},
                        {"bytes_per_s", static_cast<double>(bytes) / secs}};
  out.update(judged_json(j));
  std::printf("%s\n", out.dump().c_str());
  return j.events > 0 ? 0 : 1;
}

// streams --bare 1: what the engine and libcurl alone cost per live stream (the handler counts
// bytes and keeps nothing), to separate them from StreamFetch's share.
int run_bare_streams(const Args& a, Engine& engine) {
  struct Bare final : TransferHandler {
    std::size_t* done = nullptr;
    std::uint64_t bytes = 0;
    bool on_body(std::string_view b, std::int64_t) override {
      bytes += b.size();
      return true;
    }
    void on_complete(const HttpObservation&) override { ++*done; }
  };
  const ixh::Target target{a.base, "v1beta"};
  const auto n = static_cast<std::size_t>(a.count);
  TapTransport tap(engine);
  const long driver_base = rss_kib("self");
  const long heap_base = heap_kib();
  std::vector<Bare> slots(n);
  std::vector<ixh::TransferId> ids(n);
  std::size_t done = 0;
  const std::int64_t t0 = engine.clock().now_ns();
  const std::string tag = std::to_string(getpid()) + "-" + std::to_string(t0 % 100000) + "-";
  for (std::size_t i = 0; i < n; ++i) {
    slots[i].done = &done;
    ixh::TransferSpec spec;
    spec.url = ixh::interaction_url(target, a.id + ".r" + tag + "s" + std::to_string(i), true,
                                    false, std::nullopt);
    spec.headers = ixh::request_headers(true, std::nullopt);
    spec.stream = true;
    ids[i] = tap.start(spec, &slots[i]);
  }
  long driver_live = 0, heap_live = 0;
  std::int64_t all_live_ns = -1;
  std::size_t peak_live = 0;
  std::function<void()> sample = [&] {
    const std::size_t live = tap.live();
    if (all_live_ns < 0 && live > peak_live) {
      peak_live = live;
      driver_live = rss_kib("self");
      heap_live = heap_kib();
      if (live == n) all_live_ns = engine.clock().now_ns() - t0;
    }
    if (done < n) engine.schedule(engine.clock().now_ns() + 100'000'000, sample);
  };
  engine.schedule(t0 + 100'000'000, sample);
  engine.schedule(t0 + static_cast<std::int64_t>(a.hold_s * kNsPerS), [&] {
    for (ixh::TransferId id : ids) tap.cancel(id);
  });
  engine.run([&] { return done == n; });
  nlohmann::json out = {
      {"mode", "streams"},
      {"bare", true},
      {"streams", n},
      {"peak_live", peak_live},
      {"seconds_to_all_live", all_live_ns < 0
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(static_cast<double>(all_live_ns) / kNsPerS)},
      {"driver_rss_kib_base", driver_base},
      {"driver_rss_kib_live", driver_live},
      {"driver_kib_per_stream",
       peak_live ? static_cast<double>(driver_live - driver_base) / static_cast<double>(peak_live)
                 : 0},
      {"driver_heap_kib_per_stream",
       peak_live ? static_cast<double>(heap_live - heap_base) / static_cast<double>(peak_live)
                 : 0}};
  std::printf("%s\n", out.dump().c_str());
  return peak_live > 0 ? 0 : 1;
}

int run_streams(const Args& a, Engine& engine) {
  if (a.base.empty()) usage("streams needs --base");
  if (a.bare) return run_bare_streams(a, engine);
  const ixh::Target target{a.base, "v1beta"};
  const auto n = static_cast<std::size_t>(a.count);
  TapTransport tap(engine);
  const std::string pid = a.server_pid > 0 ? std::to_string(a.server_pid) : std::string();
  const long server_base = pid.empty() ? 0 : rss_kib(pid);

  // Everything a stream owns is allocated after the baseline, so the delta is its full cost.
  const long driver_base = rss_kib("self");
  const long heap_base = heap_kib();
  std::vector<ixh::StreamFetch> slots(n);
  std::size_t done = 0, complete = 0, timed_out = 0, errors = 0;
  std::map<std::string, std::size_t> error_classes;
  std::vector<std::string> first_errors;  // status and curl message of the first few
  std::vector<double> ttfe_ms, gap_err_ms;
  // Each sample with its arrival time, to pick out parts of the run afterwards.
  std::vector<std::pair<std::int64_t, double>> timed_lateness, timed_gap_abs_err;
  std::int64_t first_terminal_ns = std::numeric_limits<std::int64_t>::max();
  const std::int64_t t0 = engine.clock().now_ns();
  // Engine clock (steady) to Unix time, to compare arrivals with the mock's scripted times.
  const std::int64_t unix_offset_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count() -
                                      engine.clock().now_ns();
  const auto hold_ms = static_cast<std::int64_t>(a.hold_s * 1000);
  // Fresh instances every run: a mock replays a finished instance at once, which would measure
  // nothing about live streams.
  const std::string tag = std::to_string(getpid()) + "-" + std::to_string(t0 % 100000) + "-";
  for (std::size_t i = 0; i < n; ++i) {
    ixh::StreamFetch::Options opt;
    opt.timeout_ms = hold_ms;
    slots[i].start(
        tap, target, a.id + ".r" + tag + "s" + std::to_string(i), opt,
        [&](ixh::ObservedStream obs) {
          ++done;
          if (obs.saw_terminal() && obs.http.error == ixh::ErrorClass::kNone) {
            ++complete;
          } else if (obs.http.error == ixh::ErrorClass::kTimeout) {
            ++timed_out;
          } else {
            ++errors;
            ++error_classes[std::string(ixh::to_string(obs.http.error))];
            if (first_errors.size() < 3) {
              first_errors.push_back(std::to_string(obs.http.status) + " " + obs.http.curl_error);
            }
          }
          if (obs.events.empty()) return;
          ttfe_ms.push_back(static_cast<double>(obs.events.front().at_ns - obs.http.start_ns) /
                            1e6);
          if (a.gap_ms <= 0) return;
          std::int64_t prev = -1;
          for (const auto& ev : obs.events) {
            if (ev.decoded.kind == ixh::EventKind::kTerminal) {
              first_terminal_ns = std::min(first_terminal_ns, ev.at_ns);
            }
            if (ev.decoded.kind != ixh::EventKind::kTextDelta) continue;
            // The mock stamps each event with its scripted time (update_time, Unix ms, floored):
            // lateness is arrival minus that, within 1 ms.
            if (ev.decoded.update_time_valid) {
              const double late = static_cast<double>(ev.at_ns + unix_offset_ns) / 1e6 -
                                  static_cast<double>(ev.decoded.update_time_ms);
              timed_lateness.emplace_back(ev.at_ns, late);
            }
            if (prev >= 0) {
              const double err = static_cast<double>(ev.at_ns - prev) / 1e6 - a.gap_ms;
              gap_err_ms.push_back(err);
              timed_gap_abs_err.emplace_back(ev.at_ns, std::fabs(err));
            }
            prev = ev.at_ns;
          }
        });
  }
  // Sample memory while streams are live. The per-stream figures use the first sample at which
  // every stream was live (later ones also hold the events received since), else the sample at
  // the highest live count.
  std::size_t peak_live = 0;
  long driver_at_peak = 0, server_at_peak = 0, heap_at_peak = 0;
  std::uint64_t bytes_at_peak = 0;
  std::int64_t all_live_ns = -1;
  std::function<void()> sample = [&] {
    const std::size_t live = tap.live();
    if (all_live_ns < 0 && live > peak_live) {
      peak_live = live;
      driver_at_peak = rss_kib("self");
      heap_at_peak = heap_kib();
      bytes_at_peak = tap.bytes();
      if (!pid.empty()) server_at_peak = rss_kib(pid);
      if (live == n) all_live_ns = engine.clock().now_ns() - t0;
    }
    if (done < n) engine.schedule(engine.clock().now_ns() + 100'000'000, sample);
  };
  engine.schedule(t0 + 100'000'000, sample);
  engine.run([&] { return done == n; });
  const double per_driver =
      peak_live ? static_cast<double>(driver_at_peak - driver_base) / static_cast<double>(peak_live)
                : 0;
  nlohmann::json out = {
      {"mode", "streams"},
      {"streams", n},
      {"complete", complete},
      {"held_to_deadline", timed_out},
      {"errors", errors},
      {"error_classes", error_classes},
      {"first_errors", first_errors},
      {"peak_live", peak_live},
      {"seconds_to_all_live", all_live_ns < 0
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(static_cast<double>(all_live_ns) / kNsPerS)},
      {"driver_rss_kib_base", driver_base},
      {"driver_rss_kib_live", driver_at_peak},
      {"driver_kib_per_stream", per_driver},
      {"driver_heap_kib_per_stream",
       peak_live ? static_cast<double>(heap_at_peak - heap_base) / static_cast<double>(peak_live)
                 : 0},
      {"body_bytes_per_stream_at_peak",
       peak_live ? static_cast<double>(bytes_at_peak) / static_cast<double>(peak_live) : 0},
      {"ttfe_ms", summary(ttfe_ms)},
  };
  if (!pid.empty()) {
    out["server_rss_kib_base"] = server_base;
    out["server_rss_kib_live"] = server_at_peak;
    out["server_kib_per_stream"] = peak_live ? static_cast<double>(server_at_peak - server_base) /
                                                   static_cast<double>(peak_live)
                                             : 0;
  }
  if (a.gap_ms > 0) {
    // The samples that arrived in [from, to).
    const auto within = [](const std::vector<std::pair<std::int64_t, double>>& timed,
                           std::int64_t from, std::int64_t to) {
      std::vector<double> v;
      for (const auto& [at, x] : timed) {
        if (at >= from && at < to) v.push_back(x);
      }
      return v;
    };
    constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();
    out["gap_ms"] = a.gap_ms;
    out["lateness_ms"] = summary(within(timed_lateness, 0, kAll));
    out["gap_error_ms"] = summary(gap_err_ms);
    out["gap_abs_error_ms"] = summary(within(timed_gap_abs_err, 0, kAll));
    // Events more than 5 ms late, by the 100 ms of the run they arrived in.
    std::map<std::int64_t, std::size_t> late_by_100ms;
    for (const auto& [at, late] : timed_lateness) {
      if (late > 5) ++late_by_100ms[(at - t0) / 100'000'000];
    }
    nlohmann::json lb = nlohmann::json::object();
    for (auto [k, v] : late_by_100ms) lb[std::to_string(k)] = v;
    out["late_over_5ms_by_100ms"] = lb;
    // The steady part: from 100 ms after every stream was live to the first terminal event, when
    // all streams are open and none is connecting or ending. The whole-run figures above also
    // hold the ramp (all streams connecting at once) and the end (every terminal event, which
    // carries the whole interaction, within the ramp's width).
    if (all_live_ns >= 0 && first_terminal_ns != kAll) {
      const std::int64_t from = t0 + all_live_ns + 100'000'000;
      out["steady_seconds"] = static_cast<double>(first_terminal_ns - from) / kNsPerS;
      out["steady_lateness_ms"] = summary(within(timed_lateness, from, first_terminal_ns));
      out["steady_gap_abs_error_ms"] = summary(within(timed_gap_abs_err, from, first_terminal_ns));
    }
  }
  std::printf("%s\n", out.dump().c_str());
  return complete + timed_out > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  raise_nofile();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ixh::SteadyClock clock;
  ixh::EngineOptions opt;
  opt.buffer_size = a.buffer;
  opt.stream_buffer_size = a.buffer;
  int rc = 2;
  {
    Engine engine(clock, opt);
    if (a.mode == "streams") {
      rc = run_streams(a, engine);
    } else {
      Window w;
      const std::int64_t now = clock.now_ns();
      w.begin_ns = now + static_cast<std::int64_t>(a.warmup_s * kNsPerS);
      w.end_ns = w.begin_ns + static_cast<std::int64_t>(a.duration_s * kNsPerS);
      engine.schedule(w.end_ns, [&] { w.stop = true; });
      if (a.mode == "get") {
        rc = run_get(a, engine, w);
      } else if (a.mode == "fetch") {
        rc = run_fetch(a, engine, w);
      } else if (a.mode == "sse") {
        rc = run_sse(a, engine, w);
      } else {
        usage("unknown mode " + a.mode);
      }
    }
  }
  curl_global_cleanup();
  return rc;
}
