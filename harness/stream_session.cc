#include "harness/stream_session.h"

#include <algorithm>
#include <set>

#include "harness/checks.h"
#include "harness/stream_break.h"

namespace ixh {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

bool in(const std::vector<int>& attempts, int attempt) {
  return std::find(attempts.begin(), attempts.end(), attempt) != attempts.end();
}

}  // namespace

void StreamSession::start(Transport& transport, const Target& target, std::string id,
                          const Step& step, std::uint64_t seed, Done done) {
  transport_ = &transport;
  target_ = &target;
  step_ = &step;
  id_ = std::move(id);
  done_ = std::move(done);
  out_ = StreamOutcome{};
  broke_at_ns_ = -1;
  retry_field_ms_.reset();
  resume_point_ = step.last_event_id;
  jitter_ = JitterSource(jitter_seed(seed, step.interaction, step.pointer));
  deadline_ns_ = transport.clock().now_ns() + step.timeout_ms * kNsPerMs;
  request(step.last_event_id);
}

void StreamSession::request(std::optional<std::string> last_event_id) {
  const Step& step = *step_;
  const int attempt = static_cast<int>(out_.attempts.size()) + 1;
  StreamFetch::Options o;
  o.include_input = step.include_input;
  o.last_event_id = std::move(last_event_id);
  const std::int64_t left_ns = deadline_ns_ - transport_->clock().now_ns();
  o.timeout_ms = std::max<std::int64_t>(1, (left_ns + kNsPerMs - 1) / kNsPerMs);
  o.first_event_timeout_ms = step.first_event_timeout_ms;
  o.idle_timeout_ms = step.idle_timeout_ms;
  if (step.resume) {
    o.last_event_id_in_header = step.resume->via == ResumePolicy::Via::kHeader;
    o.stop_on_rejected_event = true;
  }
  if (step.interrupt && in(step.interrupt->attempts, attempt)) {
    o.interrupt_after_events = step.interrupt->after_events.value_or(0);
    o.interrupt_after_ms = step.interrupt->after_ms.value_or(0);
  }
  fetch_.start(*transport_, *target_, id_, std::move(o),
               [this](ObservedStream s) { on_attempt(std::move(s)); });
}

void StreamSession::on_attempt(ObservedStream s) {
  const Step& step = *step_;
  const int attempt = static_cast<int>(out_.attempts.size()) + 1;
  if (s.retry_ms) retry_field_ms_ = s.retry_ms;
  // Events this client did not have yet: the resume latency ends at the first of them.
  if (broke_at_ns_ >= 0) {
    std::set<std::string> had;
    for (const ObservedEvent& e : out_.merged.events) had.insert(e.decoded.id);
    for (const ObservedEvent& e : s.events) {
      if (had.count(e.decoded.id) != 0) continue;
      out_.resume_latency_ns.push_back(e.at_ns - broke_at_ns_);
      broke_at_ns_ = -1;
      break;
    }
  }
  // Only the step's own first request may legitimately end empty: it resumed after the end.
  const bool clean_end_ok = attempt == 1 && step.last_event_id.has_value();
  // Once the terminal event is in, whatever happened to the connection afterwards lost nothing.
  const std::optional<BreakKind> classified =
      s.saw_terminal() ? std::nullopt : classify_break(s, clean_end_ok);
  // A plain pair rather than the optional: GCC 12 at -O2 misreads the optional's later uses as
  // possibly uninitialized.
  const bool broke = classified.has_value();
  const BreakKind kind = classified.value_or(BreakKind::kCut);
  const std::size_t delivered = s.events.size();

  // The union.
  if (out_.attempts.empty()) {
    out_.merged.include_input = s.include_input;
    out_.merged.last_event_id = s.last_event_id;
    out_.merged.last_event_id_in_header = s.last_event_id_in_header;
    out_.merged.http.start_ns = s.http.start_ns;
  }
  const std::int64_t first_start = out_.merged.http.start_ns;
  const std::int64_t first_byte = out_.merged.http.first_byte_ns;
  out_.merged.http = s.http;
  out_.merged.http.start_ns = first_start;
  if (first_byte > 0) out_.merged.http.first_byte_ns = first_byte;
  if (out_.attempts.empty() && !broke && !s.last_event_id && !s.rejected_event) {
    // The step ends with its first request: its events are the union, kept once (see
    // StreamOutcome::attempts).
    out_.merged.events = std::move(s.events);
    s.events = {};
  } else {
    out_.merged.events.reserve(out_.merged.events.size() + s.events.size());
    for (const ObservedEvent& e : s.events) out_.merged.events.push_back(e);
  }
  out_.merged.truncated = s.truncated;
  out_.merged.sse_error = s.sse_error;
  out_.merged.sse_error_message = s.sse_error_message;
  out_.merged.comments += s.comments;
  out_.merged.error = s.error;
  out_.merged.stop = s.stop;
  out_.merged.retry_ms = retry_field_ms_;
  out_.merged.rejected_event = s.rejected_event;
  const std::string last = out_.merged.last_id();
  const int status = s.http.status;
  const std::optional<std::string> retry_after =
      s.http.retry_after.empty() ? std::nullopt : std::optional<std::string>(s.http.retry_after);
  if (broke) {
    StreamBreak b;
    b.kind = kind;
    b.attempt = attempt;
    b.events = delivered;
    b.after_event_id = last;
    b.at_ns = s.http.end_ns;
    b.status = status;
    b.curl_code = s.http.curl_code;
    b.detail = s.http.curl_error;
    if (kind == BreakKind::kSseParse) {
      b.curl_code = 0;  // the driver's own abort (CURLE_WRITE_ERROR) says nothing of the server
      b.detail = s.sse_error_message;
      if (s.rejected_event && !s.rejected_event->decoded.findings.empty()) {
        const DecodeFinding& f = s.rejected_event->decoded.findings.front();
        b.detail = "an event the dialect rejects: " +
                   (f.pointer.empty() ? "data" : shown_pointer(f.pointer)) + " expected " +
                   f.expected + ", got " + f.actual;
      }
    } else if (kind == BreakKind::kHttpStatus) {
      b.detail = "HTTP " + std::to_string(status);
    } else if (kind == BreakKind::kCut && s.http.error == ErrorClass::kNone) {
      b.detail = "the stream ended before its terminal event";
    } else if (kind == BreakKind::kInterrupt) {
      b.detail =
          s.stop == StreamStop::kInterrupt && step.interrupt && step.interrupt->after_events
              ? "the step stopped reading after " + std::to_string(*step.interrupt->after_events) +
                    " events"
              : "the step stopped reading after " +
                    std::to_string(step.interrupt ? step.interrupt->after_ms.value_or(0) : 0) +
                    " ms";
      b.curl_code = 0;
    } else if (kind == BreakKind::kIdleTimeout) {
      b.detail = "no byte for " + std::to_string(step.idle_timeout_ms) + " ms";
      b.curl_code = 0;
    } else if (kind == BreakKind::kFirstEventTimeout) {
      b.detail = "no event within " + std::to_string(step.first_event_timeout_ms) + " ms";
      b.curl_code = 0;
    }
    out_.breaks.push_back(std::move(b));
    if (broke_at_ns_ < 0) broke_at_ns_ = s.http.end_ns;
  }
  out_.attempts.push_back(std::move(s));

  if (!broke) {
    out_.finished = true;
    return finish();
  }
  if (kind == BreakKind::kTimeout) out_.timed_out = true;
  const bool can_resume =
      step.resume && out_.resumes < step.resume->max_attempts && resumable(kind, status);
  if (!can_resume) return finish();
  ++out_.resumes;
  ServerDelay server;
  server.retry_field_ms = retry_field_ms_;
  if (retry_after) server.retry_after_ms = parse_retry_after_ms(*retry_after);
  const std::int64_t delay_ms =
      resume_delay_ms(step.resume->backoff, out_.resumes, server, jitter_);
  const std::int64_t at = transport_->clock().now_ns() + delay_ms * kNsPerMs;
  if (at >= deadline_ns_) {
    --out_.resumes;
    out_.timed_out = true;
    return finish();
  }
  out_.delays_ms.push_back(delay_ms);
  // Nothing received yet: the resume starts where the step's first request did.
  if (!last.empty()) resume_point_ = last;
  transport_->schedule(at, [this] { request(resume_point_); });
}

void StreamSession::finish() {
  Done done = std::move(done_);
  done(std::move(out_));
}

}  // namespace ixh
