#include "harness/fetch.h"

#include "core/genai_decoder.h"
#include "core/seed_decoder.h"

namespace ixh {
namespace {

// A JSON body larger than this is not an interaction; stop reading rather than exhaust memory.
constexpr std::size_t kMaxJsonBody = 16u << 20;
constexpr std::size_t kMaxErrorBody = 64u << 10;

bool is_success(int status) { return status >= 200 && status < 300; }

}  // namespace

bool keeps_raw_data(const SseEvent& event) { return event.type.rfind("step.", 0) == 0; }

std::vector<std::string> request_headers(bool stream,
                                         std::optional<std::string_view> last_event_id_header) {
  std::vector<std::string> h = {
      stream ? "Accept: text/event-stream" : "Accept: application/json",
      std::string("User-Agent: ixh/") + IXH_VERSION,
  };
  if (stream) h.emplace_back("Cache-Control: no-cache");
  if (last_event_id_header) h.push_back("Last-Event-ID: " + std::string(*last_event_id_header));
  return h;
}

void GetFetch::start(Transport& transport, const Target& target, const std::string& id,
                     bool include_input, Done done, std::optional<std::string> last_event_id,
                     std::int64_t timeout_ms) {
  obs_ = ObservedGet{};
  obs_.include_input = include_input;
  body_.clear();
  dialect_ = target.dialect;
  done_ = std::move(done);
  TransferSpec spec;
  spec.url = interaction_url(target, id, false, include_input, last_event_id);
  spec.headers = request_headers(false, std::nullopt);
  spec.timeout_ms = timeout_ms;
  transport.start(spec, this);
}

bool GetFetch::on_body(std::string_view bytes, std::int64_t) {
  if (body_.size() + bytes.size() > kMaxJsonBody) return false;
  body_.append(bytes);
  return true;
}

void GetFetch::on_complete(const HttpObservation& http) {
  obs_.http = http;
  obs_.http.body = std::move(body_);
  body_.clear();
  if (http.status != 0 && obs_.http.error == ErrorClass::kNone) {
    if (is_success(http.status)) {
      const std::optional<Dialect> known = dialect_->current();
      const Dialect dialect =
          known ? *known : dialect_->resolve(detect_dialect_of_body(obs_.http.body));
      obs_.decoded = decode_interaction(dialect, obs_.http.body);
    } else {
      obs_.error = decode_error_body(obs_.http.body, http.status);
    }
  }
  // The callback may start this same fetch again (polling), so hand the result over first.
  Done done = std::move(done_);
  done(std::move(obs_));
}

void StreamFetch::start(Transport& transport, const Target& target, const std::string& id,
                        Options options, Done done) {
  transport_ = &transport;
  options_ = std::move(options);
  obs_ = ObservedStream{};
  obs_.include_input = options_.include_input;
  obs_.last_event_id = options_.last_event_id;
  obs_.last_event_id_in_header = options_.last_event_id_in_header && options_.last_event_id;
  parser_ = SseParser();
  error_body_.clear();
  is_event_stream_ = false;
  dialect_ = target.dialect;
  running_ = true;
  done_ = std::move(done);
  TransferSpec spec;
  const bool in_header = obs_.last_event_id_in_header;
  spec.url = interaction_url(target, id, true, options_.include_input,
                             in_header ? std::nullopt : options_.last_event_id);
  spec.headers = request_headers(
      true, in_header ? std::optional<std::string_view>(*options_.last_event_id) : std::nullopt);
  if (options_.reference) spec.headers.emplace_back("X-Ixh-Purpose: reference");
  spec.stream = true;
  transfer_ = transport.start(spec, this);
  start_ns_ = transport.clock().now_ns();
  last_byte_ns_ = start_ns_;
  constexpr std::int64_t kMs = 1'000'000;
  timer_ = transport.schedule(start_ns_ + options_.timeout_ms * kMs, [this] {
    timer_ = 0;
    stop(StreamStop::kDeadline);
  });
  first_event_timer_ = options_.first_event_timeout_ms > 0
                           ? transport.schedule(start_ns_ + options_.first_event_timeout_ms * kMs,
                                                [this] {
                                                  first_event_timer_ = 0;
                                                  if (obs_.events.empty())
                                                    stop(StreamStop::kFirstEventTimeout);
                                                })
                           : 0;
  // Byte arrivals cannot reschedule timers (they run inside curl callbacks), so the idle timer
  // looks at the last byte's time when it fires and sleeps on when the stream was not silent.
  idle_timer_ =
      options_.idle_timeout_ms > 0
          ? transport.schedule(start_ns_ + options_.idle_timeout_ms * kMs, [this] { check_idle(); })
          : 0;
  interrupt_timer_ = options_.interrupt_after_ms > 0
                         ? transport.schedule(start_ns_ + options_.interrupt_after_ms * kMs,
                                              [this] {
                                                interrupt_timer_ = 0;
                                                stop(StreamStop::kInterrupt);
                                              })
                         : 0;
}

void StreamFetch::stop(StreamStop why) {
  if (!running_) return;
  if (obs_.stop == StreamStop::kNone) obs_.stop = why;
  transport_->cancel(transfer_);
}

void StreamFetch::check_idle() {
  idle_timer_ = 0;
  if (!running_) return;
  const std::int64_t now = transport_->clock().now_ns();
  const std::int64_t idle_ns = options_.idle_timeout_ms * 1'000'000;
  // Before the first event the first-event timeout (or the step's) is the bound.
  const std::int64_t due = obs_.events.empty() ? now + idle_ns : last_byte_ns_ + idle_ns;
  if (!obs_.events.empty() && now >= due) return stop(StreamStop::kIdleTimeout);
  idle_timer_ = transport_->schedule(due, [this] { check_idle(); });
}

void StreamFetch::cancel_timers() {
  for (TimerId* t : {&timer_, &first_event_timer_, &idle_timer_, &interrupt_timer_}) {
    if (*t != 0) transport_->cancel_timer(*t);
    *t = 0;
  }
}

void StreamFetch::on_headers(const HttpObservation& http) {
  is_event_stream_ = is_success(http.status);
}

bool StreamFetch::on_body(std::string_view bytes, std::int64_t now_ns) {
  last_byte_ns_ = now_ns;
  if (!is_event_stream_) {
    if (error_body_.size() + bytes.size() <= kMaxErrorBody) error_body_.append(bytes);
    return true;
  }
  parser_.feed(bytes, [&](const SseEvent& e) {
    // Events after the point where this client stopped listening were never received.
    if (obs_.stop != StreamStop::kNone) return;
    ObservedEvent ev;
    ev.at_ns = now_ns;
    const std::optional<Dialect> known = dialect_->current();
    ev.decoded = decode_event(known ? *known : dialect_->resolve(detect_dialect_of_event(e)), e);
    ev.raw.type = e.type;
    ev.raw.last_event_id = e.last_event_id;
    const bool rejected = options_.stop_on_rejected_event && !ev.decoded.ok();
    if (rejected || options_.keep_raw_data || keeps_raw_data(e)) ev.raw.data = e.data;
    if (rejected) {
      obs_.rejected_event = std::make_shared<const ObservedEvent>(std::move(ev));
      obs_.stop = StreamStop::kSseParse;
      return;
    }
    obs_.events.push_back(std::move(ev));
    const bool terminal = obs_.events.back().decoded.kind == EventKind::kTerminal;
    if (options_.interrupt_after_events > 0 && !terminal &&
        static_cast<std::int64_t>(obs_.events.size()) >= options_.interrupt_after_events) {
      obs_.stop = StreamStop::kInterrupt;
    }
  });
  if (parser_.error() != SseError::kNone && obs_.stop == StreamStop::kNone) {
    obs_.stop = StreamStop::kSseParse;
  }
  // The parser ignores everything after an error; reading on would only waste the stream.
  return obs_.stop == StreamStop::kNone;
}

void StreamFetch::on_complete(const HttpObservation& http) {
  running_ = false;
  cancel_timers();
  obs_.http = http;
  if (obs_.stop == StreamStop::kDeadline) obs_.http.error = ErrorClass::kTimeout;
  if (obs_.stop == StreamStop::kFirstEventTimeout || obs_.stop == StreamStop::kIdleTimeout) {
    obs_.http.error = ErrorClass::kTimeout;
  }
  if (is_event_stream_) {
    // A cut connection leaves the last block open; finish() tells whether it did.
    obs_.truncated = parser_.finish();
    obs_.sse_error = parser_.error();
    obs_.sse_error_message = parser_.error_message();
    obs_.comments = parser_.comments();
    obs_.retry_ms = parser_.retry_ms();
    // Its buffers are as large as the longest line and event seen; nothing reads them again.
    parser_ = SseParser();
    if (obs_.sse_error != SseError::kNone || obs_.stop == StreamStop::kSseParse) {
      obs_.http.error = ErrorClass::kSseParse;
    }
    // The client walked away on purpose: what the parser held then says nothing of the server.
    if (obs_.stop == StreamStop::kInterrupt || obs_.stop == StreamStop::kFirstEventTimeout ||
        obs_.stop == StreamStop::kIdleTimeout) {
      obs_.truncated = false;
    }
  } else if (http.status != 0) {
    obs_.http.body = error_body_;
    obs_.error = decode_error_body(error_body_, http.status);
  }
  obs_.events.shrink_to_fit();
  std::string().swap(error_body_);
  Done done = std::move(done_);
  done(std::move(obs_));
}

}  // namespace ixh
