#pragma once

// A scripted, single-threaded ixh::Transport on a FakeClock, for step-machine tests: no sockets,
// no threads, no sleeps. Responses are scripted per URL (status, content type, body slices at
// given times after the request started, or a transport error); time moves only when the test
// calls advance_ms() or run_until_idle(), which run due timers and due scripted slices in time
// order. It keeps the Transport contract the curl engine keeps:
//   - on_complete is never called inside start(): even an immediate failure is queued;
//   - on_headers (final response only) and on_body come before on_complete, which comes exactly
//     once per transfer;
//   - cancel() delivers on_complete with ErrorClass::kCancelled at once (as Engine::cancel does);
//   - a handler returning false from on_body aborts the transfer: on_complete follows with
//     kCancelled (curl's CURLE_WRITE_ERROR), after on_body returned;
//   - TransferSpec::timeout_ms bounds the whole transfer (curl's CURLOPT_TIMEOUT_MS): a scripted
//     response still going at the deadline ends with kTimeout.
// Calls into the transport from inside on_headers/on_body break that contract; the fake reports
// them as test failures.
//
// Header-only: CMake compiles only *_test.cc files into the test binaries.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "harness/observation.h"
#include "harness/transport.h"

namespace ixh::fake {

inline constexpr std::int64_t kNsPerMs = 1'000'000;

// Bytes of a body arriving `at_ms` after the request started.
struct Slice {
  std::int64_t at_ms = 0;
  std::string bytes;
};

// What the fake server does with one request. Times are ms after the request started.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string retry_after;
  std::int64_t headers_at_ms = 0;
  std::vector<Slice> slices;  // in order, at non-decreasing times
  // When the transfer ends: never before the headers or the last slice.
  std::int64_t end_at_ms = 0;
  // True: the transfer stays open after its slices until it is cancelled or its
  // TransferSpec::timeout_ms expires (a stream that never ends).
  bool never_ends = false;
  // How the transfer ends. kNone: cleanly. kConnect or kTimeout: no response at all (status,
  // headers and slices are ignored). kProtocol: the headers and slices arrive, then the
  // connection breaks.
  ErrorClass error = ErrorClass::kNone;
  std::string curl_error;

  // A complete JSON (or error) response: headers at `headers_ms`, `body` split into the given
  // number of equal slices between `first_byte_ms` and `end_ms`.
  static Response Json(int status, std::string body, std::int64_t headers_ms = 0,
                       std::int64_t first_byte_ms = 0, std::int64_t end_ms = 0, int pieces = 1) {
    Response r;
    r.status = status;
    r.headers_at_ms = headers_ms;
    r.end_at_ms = end_ms;
    const std::size_t n = static_cast<std::size_t>(std::max(pieces, 1));
    const std::size_t step = (body.size() + n - 1) / n;
    for (std::size_t i = 0; i < n && i * step < body.size(); ++i) {
      const std::int64_t at = n == 1 ? first_byte_ms
                                     : first_byte_ms + (end_ms - first_byte_ms) *
                                                           static_cast<std::int64_t>(i) /
                                                           static_cast<std::int64_t>(n);
      r.slices.push_back({at, body.substr(i * step, step)});
    }
    return r;
  }

  // A text/event-stream response with the given slices; ends at `end_ms` (or never).
  static Response Sse(std::vector<Slice> slices, std::optional<std::int64_t> end_ms,
                      std::int64_t headers_ms = 0) {
    Response r;
    r.status = 200;
    r.content_type = "text/event-stream";
    r.headers_at_ms = headers_ms;
    r.slices = std::move(slices);
    r.never_ends = !end_ms.has_value();
    r.end_at_ms = end_ms.value_or(0);
    return r;
  }

  // No response: the connection could not be made (after `after_ms`).
  static Response ConnectError(std::int64_t after_ms = 0) {
    Response r;
    r.status = 0;
    r.content_type.clear();
    r.error = ErrorClass::kConnect;
    r.end_at_ms = after_ms;
    r.curl_error = "Failed to connect to fake host: Connection refused";
    return r;
  }
};

// What the test can learn about one transfer afterwards.
struct TransferRecord {
  TransferId id = 0;
  TransferSpec spec;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = -1;  // -1 while running
  bool headers_delivered = false;
  std::size_t body_calls = 0;
  int completions = 0;
  bool cancelled = false;  // by cancel()
  bool aborted = false;    // by on_body returning false
  HttpObservation result;  // what on_complete received
};

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(std::int64_t start_ns = 0) : clock_(start_ns) {}
  ~FakeTransport() override = default;
  FakeTransport(const FakeTransport&) = delete;
  FakeTransport& operator=(const FakeTransport&) = delete;

  using Responder = std::function<Response(const TransferSpec& spec, int attempt)>;

  // ---- scripting ----------------------------------------------------------------------------

  // Queues `r` for the next request of `url` (exact match, query included). Queued responses are
  // used in order; once the queue is empty, the sticky response (if any) answers.
  void script(const std::string& url, Response r) { urls_[url].queue.push_back(std::move(r)); }
  // Answers every request of `url` that finds the queue empty.
  void script_always(const std::string& url, Response r) {
    urls_[url].sticky = [r = std::move(r)](const TransferSpec&, int) { return r; };
  }
  // Computes the response; `attempt` counts the requests of `url` from 1.
  void script_fn(const std::string& url, Responder fn) { urls_[url].sticky = std::move(fn); }

  // ---- driving time -------------------------------------------------------------------------

  FakeClock& fake_clock() { return clock_; }
  std::int64_t now_ns() const { return clock_.now_ns(); }

  // Moves the clock forward by `ms`, running every timer and scripted transfer step that falls
  // due, in time order (ties in the order they were scheduled), each at its own time.
  void advance_ms(std::int64_t ms) { advance_ns(ms * kNsPerMs); }
  void advance_ns(std::int64_t ns) {
    const std::int64_t target = clock_.now_ns() + ns;
    while (!queue_.empty() && queue_.top().at_ns <= target) run_next();
    if (clock_.now_ns() < target) clock_.advance_ns(target - clock_.now_ns());
  }
  // Runs what is due now without moving the clock.
  void run_due() { advance_ns(0); }
  // Jumps from one due item to the next until nothing is left (no timer, no live transfer step)
  // or the next item lies more than `max_ms` after the call. Returns true when idle.
  bool run_until_idle(std::int64_t max_ms = 86'400'000) {
    const std::int64_t limit = clock_.now_ns() + max_ms * kNsPerMs;
    while (!queue_.empty()) {
      if (queue_.top().at_ns > limit) return false;
      run_next();
    }
    return true;
  }

  // ---- inspection ---------------------------------------------------------------------------

  // Every transfer started, in start order.
  const std::vector<TransferRecord>& transfers() const { return records_; }
  std::vector<std::string> urls() const {
    std::vector<std::string> out;
    for (const TransferRecord& r : records_) out.push_back(r.spec.url);
    return out;
  }
  // URLs requested without any scripted response (they failed with kConnect).
  const std::vector<std::string>& unscripted() const { return unscripted_; }
  std::size_t active_transfers() const { return live_.size(); }
  std::size_t pending_timers() const { return timers_.size(); }
  // Calls of cancel() for a transfer that was not running (already complete or unknown).
  int stale_cancels() const { return stale_cancels_; }

  // ---- Transport ----------------------------------------------------------------------------

  const Clock& clock() const override { return clock_; }

  TransferId start(const TransferSpec& spec, TransferHandler* handler) override {
    check_not_in_callback("start");
    const TransferId id = next_transfer_++;
    TransferRecord rec;
    rec.id = id;
    rec.spec = spec;
    rec.start_ns = clock_.now_ns();
    records_.push_back(rec);
    auto live = std::make_unique<Live>();
    live->record_index = records_.size() - 1;
    live->handler = handler;
    live->response = respond(spec);
    live->http.url = spec.url;
    live->http.start_ns = rec.start_ns;
    plan(id, *live);
    live_.emplace(id, std::move(live));
    return id;
  }

  void cancel(TransferId id) override {
    check_not_in_callback("cancel");
    auto it = live_.find(id);
    if (it == live_.end()) {
      ++stale_cancels_;
      return;
    }
    records_[it->second->record_index].cancelled = true;
    complete(it, ErrorClass::kCancelled, kCurlAbortedByCallback, "cancelled by the driver");
  }

  TimerId schedule(std::int64_t at_ns, std::function<void()> fn) override {
    check_not_in_callback("schedule");
    const TimerId id = next_timer_++;
    timers_.emplace(id, std::move(fn));
    push({at_ns, next_seq_++, Item::kTimer, id, 0, 0});
    return id;
  }

  void cancel_timer(TimerId id) override {
    check_not_in_callback("cancel_timer");
    timers_.erase(id);
  }

 private:
  // CURLcode values, so observations look like the engine's.
  static constexpr int kCurlCouldntConnect = 7;
  static constexpr int kCurlPartialFile = 18;
  static constexpr int kCurlWriteError = 23;
  static constexpr int kCurlTimedOut = 28;
  static constexpr int kCurlAbortedByCallback = 42;

  struct Item {
    enum Kind : std::uint8_t { kTimer, kHeaders, kSlice, kEnd };
    std::int64_t at_ns;
    std::uint64_t seq;
    Kind kind;
    std::uint64_t id;   // timer or transfer
    std::size_t slice;  // kSlice: index into the response's slices
    int generation;     // transfer steps: stale once the transfer was aborted
    bool operator>(const Item& o) const { return std::tie(at_ns, seq) > std::tie(o.at_ns, o.seq); }
  };

  struct Live {
    std::size_t record_index = 0;
    TransferHandler* handler = nullptr;
    Response response;
    HttpObservation http;
    ErrorClass end_error = ErrorClass::kNone;  // how the planned end finishes
    int generation = 0;  // bumped when on_body aborts: the rest of the script is void
  };

  struct UrlScript {
    std::vector<Response> queue;
    std::size_t next = 0;
    Responder sticky;
    int attempts = 0;
  };

  Response respond(const TransferSpec& spec) {
    auto it = urls_.find(spec.url);
    if (it != urls_.end()) {
      UrlScript& s = it->second;
      ++s.attempts;
      if (s.next < s.queue.size()) return s.queue[s.next++];
      if (s.sticky) return s.sticky(spec, s.attempts);
    }
    unscripted_.push_back(spec.url);
    Response r = Response::ConnectError();
    r.curl_error = "no scripted response for " + spec.url;
    return r;
  }

  // Queues every step of a new transfer, clipped at its spec timeout.
  void plan(TransferId id, Live& live) {
    const Response& r = live.response;
    const std::int64_t t0 = live.http.start_ns;
    const std::int64_t timeout_ms = records_[live.record_index].spec.timeout_ms;
    const std::int64_t deadline = timeout_ms > 0 ? t0 + timeout_ms * kNsPerMs : -1;
    auto late = [&](std::int64_t at) { return deadline >= 0 && at >= deadline; };
    const bool no_response = r.error == ErrorClass::kConnect || r.error == ErrorClass::kTimeout;
    std::int64_t last = t0;
    if (!no_response) {
      last = std::max(last, t0 + r.headers_at_ms * kNsPerMs);
      if (late(last)) return plan_end(id, live, deadline, ErrorClass::kTimeout);
      push({last, next_seq_++, Item::kHeaders, id, 0, live.generation});
      for (std::size_t i = 0; i < r.slices.size(); ++i) {
        last = std::max(last, t0 + r.slices[i].at_ms * kNsPerMs);
        if (late(last)) return plan_end(id, live, deadline, ErrorClass::kTimeout);
        push({last, next_seq_++, Item::kSlice, id, i, live.generation});
      }
    }
    if (r.never_ends) {
      if (deadline >= 0) plan_end(id, live, deadline, ErrorClass::kTimeout);
      return;  // otherwise open until cancel()
    }
    last = std::max(last, t0 + r.end_at_ms * kNsPerMs);
    if (late(last)) return plan_end(id, live, deadline, ErrorClass::kTimeout);
    plan_end(id, live, last, r.error);
  }

  void plan_end(TransferId id, Live& live, std::int64_t at, ErrorClass error) {
    live.end_error = error;
    push({at, next_seq_++, Item::kEnd, id, 0, live.generation});
  }

  void push(Item item) { queue_.push(item); }

  void run_next() {
    const Item item = queue_.top();
    queue_.pop();
    if (item.at_ns > clock_.now_ns()) clock_.advance_ns(item.at_ns - clock_.now_ns());
    if (item.kind == Item::kTimer) {
      auto it = timers_.find(item.id);
      if (it == timers_.end()) return;  // cancelled
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
      return;
    }
    auto it = live_.find(item.id);
    if (it == live_.end()) return;  // cancelled: the rest of its script is void
    Live& live = *it->second;
    if (item.generation != live.generation) return;  // aborted: likewise
    TransferRecord& rec = records_[live.record_index];
    switch (item.kind) {
      case Item::kHeaders:
        live.http.status = live.response.status;
        live.http.content_type = live.response.content_type;
        live.http.retry_after = live.response.retry_after;
        if (live.http.status >= 200) {
          rec.headers_delivered = true;
          in_callback_ = true;
          live.handler->on_headers(live.http);
          in_callback_ = false;
        }
        return;
      case Item::kSlice: {
        const std::string& bytes = live.response.slices[item.slice].bytes;
        if (bytes.empty()) return;
        const std::int64_t now = clock_.now_ns();
        if (live.http.first_byte_ns == 0) live.http.first_byte_ns = now;
        live.http.bytes += bytes.size();
        ++rec.body_calls;
        in_callback_ = true;
        const bool go_on = live.handler->on_body(bytes, now);
        in_callback_ = false;
        if (!go_on) {
          // curl stops at once; its completion is reported outside the write callback.
          rec.aborted = true;
          ++live.generation;
          plan_end(item.id, live, now, ErrorClass::kCancelled);
        }
        return;
      }
      case Item::kEnd: {
        switch (live.end_error) {
          case ErrorClass::kNone:
            return complete(it, ErrorClass::kNone, 0, "");
          case ErrorClass::kConnect:
            live.http.status = 0;
            return complete(it, ErrorClass::kConnect, kCurlCouldntConnect,
                            live.response.curl_error.empty() ? "Couldn't connect to server"
                                                             : live.response.curl_error);
          case ErrorClass::kTimeout:
            return complete(it, ErrorClass::kTimeout, kCurlTimedOut,
                            "Operation timed out (fake transfer timeout)");
          case ErrorClass::kCancelled:
            return complete(it, ErrorClass::kCancelled, kCurlWriteError,
                            "Failure writing output to destination");
          default:
            return complete(it, live.end_error, kCurlPartialFile,
                            live.response.curl_error.empty() ? "transfer closed early"
                                                             : live.response.curl_error);
        }
      }
      case Item::kTimer:
        return;
    }
  }

  void complete(std::unordered_map<TransferId, std::unique_ptr<Live>>::iterator it,
                ErrorClass error, int curl_code, std::string curl_error) {
    std::unique_ptr<Live> live = std::move(it->second);
    live_.erase(it);
    live->http.end_ns = clock_.now_ns();
    live->http.error = error;
    live->http.curl_code = curl_code;
    live->http.curl_error = std::move(curl_error);
    TransferRecord& rec = records_[live->record_index];
    rec.end_ns = live->http.end_ns;
    rec.result = live->http;
    ++rec.completions;
    live->handler->on_complete(live->http);
  }

  void check_not_in_callback(std::string_view call) const {
    if (in_callback_) {
      ADD_FAILURE() << "Transport::" << call
                    << " called from inside on_headers/on_body (contract violation)";
    }
  }

  FakeClock clock_;
  std::map<std::string, UrlScript> urls_;
  std::vector<std::string> unscripted_;
  std::vector<TransferRecord> records_;
  std::unordered_map<TransferId, std::unique_ptr<Live>> live_;
  std::unordered_map<TimerId, std::function<void()>> timers_;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue_;
  TransferId next_transfer_ = 1;
  TimerId next_timer_ = 1;
  std::uint64_t next_seq_ = 1;
  int stale_cancels_ = 0;
  bool in_callback_ = false;
};

}  // namespace ixh::fake
