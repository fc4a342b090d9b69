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
  obs_ = ObservedStream{};
  obs_.include_input = options.include_input;
  obs_.last_event_id = options.last_event_id;
  parser_ = SseParser();
  error_body_.clear();
  timed_out_ = false;
  is_event_stream_ = false;
  dialect_ = target.dialect;
  done_ = std::move(done);
  TransferSpec spec;
  spec.url = interaction_url(target, id, true, options.include_input, options.last_event_id);
  spec.headers = request_headers(true, std::nullopt);
  spec.stream = true;
  transfer_ = transport.start(spec, this);
  const std::int64_t deadline = transport.clock().now_ns() + options.timeout_ms * 1'000'000;
  timer_ = transport.schedule(deadline, [this] {
    timed_out_ = true;
    transport_->cancel(transfer_);
  });
}

void StreamFetch::on_headers(const HttpObservation& http) {
  is_event_stream_ = is_success(http.status);
}

bool StreamFetch::on_body(std::string_view bytes, std::int64_t now_ns) {
  if (!is_event_stream_) {
    if (error_body_.size() + bytes.size() <= kMaxErrorBody) error_body_.append(bytes);
    return true;
  }
  parser_.feed(bytes, [&](const SseEvent& e) {
    ObservedEvent ev;
    ev.raw = e;
    ev.at_ns = now_ns;
    const std::optional<Dialect> known = dialect_->current();
    ev.decoded = decode_event(known ? *known : dialect_->resolve(detect_dialect_of_event(e)), e);
    obs_.events.push_back(std::move(ev));
  });
  // The parser ignores everything after an error; reading on would only waste the stream.
  return parser_.error() == SseError::kNone;
}

void StreamFetch::on_complete(const HttpObservation& http) {
  transport_->cancel_timer(timer_);
  obs_.http = http;
  if (timed_out_) obs_.http.error = ErrorClass::kTimeout;
  if (is_event_stream_) {
    // A cut connection leaves the last block open; finish() tells whether it did.
    obs_.truncated = parser_.finish();
    obs_.sse_error = parser_.error();
    obs_.sse_error_message = parser_.error_message();
    obs_.comments = parser_.comments();
    if (obs_.sse_error != SseError::kNone) {
      obs_.http.error = ErrorClass::kSseParse;
    }
  } else if (http.status != 0) {
    obs_.http.body = error_body_;
    obs_.error = decode_error_body(error_body_, http.status);
  }
  Done done = std::move(done_);
  done(std::move(obs_));
}

}  // namespace ixh
