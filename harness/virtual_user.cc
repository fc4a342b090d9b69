#include "harness/virtual_user.h"

#include <algorithm>
#include <set>

#include "harness/checks.h"
#include "harness/stream_break.h"

namespace ixh {
namespace {

// Longest chain walked; a longer one is reported as what it is rather than followed forever.
constexpr std::size_t kMaxChainHops = 64;

}  // namespace

VirtualUser::VirtualUser(UserContext ctx, const std::vector<Step>& steps, std::string suffix,
                         ScenarioReport& report)
    : ctx_(ctx), steps_(steps), suffix_(std::move(suffix)), report_(report) {}

void VirtualUser::start(std::function<void()> on_finished) {
  on_finished_ = std::move(on_finished);
  next_step();
}

std::string VirtualUser::instance_id(const Step& step) const {
  return suffix_.empty() ? step.interaction : step.interaction + "." + suffix_;
}

void VirtualUser::next_step() {
  if (index_ >= steps_.size()) {
    finished_ = true;
    if (on_finished_) on_finished_();
    return;
  }
  const Step& step = steps_[index_];
  obs_ = StepObservation{};
  obs_.step = &step;
  obs_.kind = step.kind;
  obs_.interaction_id = step.kind == Step::Kind::kWait ? std::string() : instance_id(step);
  step_start_ns_ = ctx_.transport.clock().now_ns();
  switch (step.kind) {
    case Step::Kind::kGet:
      return run_get(step);
    case Step::Kind::kStream:
      return run_stream(step);
    case Step::Kind::kPoll:
      return run_poll(step);
    case Step::Kind::kChain:
      return run_chain(step, obs_.interaction_id);
    case Step::Kind::kWait:
      ctx_.transport.schedule(step_start_ns_ + step.wait_ms * 1'000'000,
                              [this] { complete_step(); });
      return;
  }
}

void VirtualUser::run_get(const Step& step) {
  get_.start(
      ctx_.transport, ctx_.target, obs_.interaction_id, step.include_input,
      [this](ObservedGet g) {
        count_http(g.http);
        record_get_metrics(Step::Kind::kGet, g);
        obs_.gets.push_back(std::move(g));
        complete_step();
      },
      step.last_event_id);
}

void VirtualUser::run_stream(const Step& step) {
  session_.start(ctx_.transport, ctx_.target, obs_.interaction_id, step, ctx_.seed,
                 [this, &step](StreamOutcome out) { on_stream_done(step, std::move(out)); });
}

void VirtualUser::on_stream_done(const Step& step, StreamOutcome out) {
  Counters& c = ctx_.metrics.counters();
  for (std::size_t i = 0; i < out.attempts.size(); ++i) {
    const ObservedStream& a = out.attempts[i];
    const auto b = std::find_if(out.breaks.begin(), out.breaks.end(), [&](const StreamBreak& x) {
      return x.attempt == static_cast<int>(i) + 1;
    });
    count_attempt(a, b == out.breaks.end() ? nullptr : &*b);
    record_stream_metrics(a.http, out.events_of(i));
    if (a.last_event_id) ++c.resumes_attempted;
  }
  for (const std::int64_t ns : out.resume_latency_ns) {
    ctx_.metrics.record_ns(Step::Kind::kStream, Metric::kResumeLatency, ns);
  }
  obs_.timed_out = out.timed_out || out.merged.http.error == ErrorClass::kTimeout;
  obs_.resumes = out.resumes;
  obs_.recovered = out.merged.saw_terminal();
  obs_.breaks = std::move(out.breaks);
  obs_.attempts = std::move(out.attempts);
  obs_.stream = std::move(out.merged);
  if (!out.finished) {
    // Unrecovered: the resumes that were made still count, as failures.
    return complete_step();
  }
  // The text a stream delivered must equal what a GET shows afterwards.
  get_.start(ctx_.transport, ctx_.target, obs_.interaction_id, step.include_input,
             [this, &step](ObservedGet g) {
               count_http(g.http);
               obs_.final_get = std::move(g);
               const bool resumed = step.last_event_id || obs_.attempts.size() > 1;
               if (!resumed) return complete_step();
               fetch_reference(step);
             });
}

void VirtualUser::fetch_reference(const Step& step) {
  // A resumed stream is judged against the whole log, read from the start in one request.
  StreamFetch::Options full;
  full.include_input = step.include_input;
  full.timeout_ms = step.timeout_ms;
  full.reference = true;
  if (!reference_) reference_ = std::make_unique<StreamFetch>();
  reference_->start(
      ctx_.transport, ctx_.target, obs_.interaction_id, full, [this](ObservedStream r) {
        count_http(r.http);
        obs_.reference_stream = std::move(r);
        Counters& c = ctx_.metrics.counters();
        if (obs_.reference_stream->http.error == ErrorClass::kNone &&
            obs_.reference_stream->saw_terminal()) {
          const ResumeComparison cmp = compare_resume(*obs_.reference_stream, *obs_.stream);
          c.events_lost += cmp.lost;
          c.events_duplicated += cmp.duplicated;
          for (const ObservedStream& a : obs_.attempts) {
            if (a.last_event_id && resume_delivered(*obs_.reference_stream, a))
              ++c.resumes_succeeded;
          }
        }
        complete_step();
      });
}

void VirtualUser::run_poll(const Step& step) {
  poll_deadline_ns_ = step_start_ns_ + step.timeout_ms * 1'000'000;
  poll_once(step);
}

void VirtualUser::poll_once(const Step& step) {
  // A request still running at the deadline is cut there (at least 1 ms: 0 means no timeout).
  const std::int64_t left_ns = poll_deadline_ns_ - ctx_.transport.clock().now_ns();
  const std::int64_t remaining_ms = std::max<std::int64_t>(1, (left_ns + 999'999) / 1'000'000);
  get_.start(
      ctx_.transport, ctx_.target, obs_.interaction_id, step.include_input,
      [this, &step](ObservedGet g) {
        count_http(g.http);
        record_get_metrics(Step::Kind::kPoll, g);
        const bool decoded = g.decoded.has_value();
        const bool terminal = decoded && is_terminal(g.decoded->value.state);
        obs_.gets.push_back(std::move(g));
        const std::int64_t now = ctx_.transport.clock().now_ns();
        if (terminal) {
          ctx_.metrics.record_ns(Step::Kind::kPoll, Metric::kPollToTerminal,
                                 obs_.gets.back().http.end_ns - obs_.gets.front().http.start_ns);
          ctx_.metrics.record_us(Step::Kind::kPoll, Metric::kPolls,
                                 static_cast<std::int64_t>(obs_.gets.size()));
          return complete_step();
        }
        const bool expired = now >= poll_deadline_ns_;
        if (!decoded || expired) {
          // A GET cut at the deadline was already counted as a timeout by count_http.
          obs_.timed_out = expired;
          if (decoded) ++ctx_.metrics.counters().errors["timeout"];
          return complete_step();
        }
        // timeout_ms bounds the whole poll: the last request starts at the deadline.
        ctx_.transport.schedule(std::min(now + step.interval_ms * 1'000'000, poll_deadline_ns_),
                                [this, &step] { poll_once(step); });
      },
      std::nullopt, remaining_ms);
}

void VirtualUser::run_chain(const Step& step, std::string id) {
  get_.start(ctx_.transport, ctx_.target, id, false, [this, &step](ObservedGet g) {
    count_http(g.http);
    record_get_metrics(Step::Kind::kChain, g);
    std::optional<std::string> previous;
    if (g.decoded) previous = g.decoded->value.previous_interaction_id;
    obs_.gets.push_back(std::move(g));
    if (!previous || obs_.gets.size() >= kMaxChainHops) return complete_step();
    // Stop at a cycle; the chain check reports it.
    const bool seen = std::any_of(obs_.gets.begin(), obs_.gets.end(), [&](const ObservedGet& h) {
      return h.decoded && h.decoded->value.id == *previous;
    });
    if (seen) return complete_step();
    run_chain(step, *previous);
  });
}

StepReport VirtualUser::step_report(const Step& step) const {
  StepReport r;
  r.index = index_;
  r.kind = std::string(to_string(step.kind));
  r.interaction = obs_.interaction_id;
  r.pointer = step.pointer;
  r.duration_ms =
      static_cast<double>(ctx_.transport.clock().now_ns() - step_start_ns_) / 1'000'000.0;
  return r;
}

void VirtualUser::complete_step() {
  const Step& step = steps_[index_];
  StepReport r = step_report(step);
  if (step.kind != Step::Kind::kWait) {
    // Most checks record once per step or not at all: room for one each saves the regrowth.
    r.checks.reserve(ctx_.checks.size());
    for (const auto& check : ctx_.checks) check->evaluate(obs_, r.checks);
  }
  Counters& c = ctx_.metrics.counters();
  bool failed = false;
  for (const CheckRecord& rec : r.checks) {
    if (rec.passed) {
      ++c.checks_passed;
    } else {
      ++c.checks_failed;
      failed = true;
    }
  }
  if (failed) ++c.errors["check_failed"];
  report_.steps.push_back(std::move(r));
  ++index_;
  next_step();
}

void VirtualUser::abandon(const std::string& why) {
  if (finished_ || index_ >= steps_.size()) return;
  const Step& step = steps_[index_];
  StepReport r = step_report(step);
  r.checks.push_back({"step.completed", false, "the step to finish", why,
                      obs_.interaction_id.empty() ? "step " + step.pointer : obs_.interaction_id});
  ++ctx_.metrics.counters().checks_failed;
  ++ctx_.metrics.counters().errors["cancelled"];
  report_.steps.push_back(std::move(r));
  finished_ = true;
}

void VirtualUser::count_http(const HttpObservation& http) {
  Counters& c = ctx_.metrics.counters();
  ++c.requests;
  c.bytes += http.bytes;
  if (http.error != ErrorClass::kNone) {
    ++c.errors[std::string(to_string(http.error))];
  } else if (http.status >= 400) {
    const Step* step = obs_.step;
    const bool expected = step && step->expect.status && *step->expect.status == http.status;
    if (!expected) ++c.errors["http_status"];
  }
}

void VirtualUser::count_attempt(const ObservedStream& attempt, const StreamBreak* broke) {
  Counters& c = ctx_.metrics.counters();
  if (broke == nullptr) return count_http(attempt.http);
  if (broke->kind == BreakKind::kHttpStatus) {
    count_http(attempt.http);
    // A status the step asked for (a 404 probe) is an answer, not a broken stream.
    const Step* step = obs_.step;
    if (step && step->expect.status && *step->expect.status == attempt.http.status) return;
  } else {
    ++c.requests;
    c.bytes += attempt.http.bytes;
    const ErrorClass error = error_class_of(broke->kind);
    if (error != ErrorClass::kNone) ++c.errors[std::string(to_string(error))];
  }
  ++c.breaks[std::string(to_string(broke->kind))];
}

void VirtualUser::record_get_metrics(Step::Kind kind, const ObservedGet& get) {
  const HttpObservation& h = get.http;
  if (h.status == 0) return;
  ctx_.metrics.record_ns(kind, Metric::kLatency, h.end_ns - h.start_ns);
  if (h.first_byte_ns > 0)
    ctx_.metrics.record_ns(kind, Metric::kTtfb, h.first_byte_ns - h.start_ns);
}

void VirtualUser::record_stream_metrics(const HttpObservation& h, const EventLog& events) {
  Metrics& m = ctx_.metrics;
  m.counters().events += events.size();
  if (h.status == 0) return;
  constexpr Step::Kind kStream = Step::Kind::kStream;
  m.record_ns(kStream, Metric::kLatency, h.end_ns - h.start_ns);
  if (h.first_byte_ns > 0) m.record_ns(kStream, Metric::kTtfb, h.first_byte_ns - h.start_ns);
  if (events.empty()) return;
  m.record_ns(kStream, Metric::kTtfe, events.front().at_ns - h.start_ns);
  const auto text = std::find_if(events.begin(), events.end(), [](const ObservedEvent& e) {
    return e.decoded.kind == EventKind::kTextDelta && e.decoded.ok();
  });
  if (text != events.end()) m.record_ns(kStream, Metric::kTtft, text->at_ns - h.start_ns);
  for (std::size_t i = 1; i < events.size(); ++i) {
    m.record_ns(kStream, Metric::kInterEventGap, events[i].at_ns - events[i - 1].at_ns);
  }
}

}  // namespace ixh
