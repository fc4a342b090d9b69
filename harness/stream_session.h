#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.h"
#include "harness/backoff.h"
#include "harness/fetch.h"
#include "harness/observation.h"
#include "harness/target.h"
#include "harness/transport.h"

namespace ixh {

// Everything one stream step's requests produced: each attempt, each break, and their union.
struct StreamOutcome {
  // In order; the first is the step's own request. When that request ended the step (no break,
  // no resume point, no rejected event) its events are moved into `merged` rather than copied,
  // and attempts[0].events is empty: events_of() gives each attempt's events either way.
  std::vector<ObservedStream> attempts;
  std::vector<StreamBreak> breaks;  // one per attempt that broke, in order
  // The union of the attempts: every event each delivered, in order (a repeat stays visible),
  // the first request's last_event_id and start time, the last request's HTTP outcome.
  ObservedStream merged;
  int resumes = 0;         // resume requests made after breaks
  bool finished = false;   // the stream reached its end: the terminal event, or a clean end
  bool timed_out = false;  // the step's timeout_ms ran out (no further resume was possible)
  // For each recovery: the break → the first event not received before, in ns.
  std::vector<std::int64_t> resume_latency_ns;
  // The delays waited before each resume request, in ms (for reports and tests).
  std::vector<std::int64_t> delays_ms;
  // The events attempts[i] delivered.
  const EventLog& events_of(std::size_t i) const {
    return attempts.size() == 1 && i == 0 && attempts[0].events.empty() ? merged.events
                                                                        : attempts[i].events;
  }
};

// Runs one stream step: the first request, then on each break (classified by classify_break)
// a wait (backoff, the stream's `retry:` field, Retry-After) and a request resuming after the
// last event fully received, up to the policy's max_attempts and within the step's timeout_ms.
// Without a resume policy it makes exactly one request. Lives in its virtual user and runs on
// that user's worker thread, driven by the Transport's callbacks.
class StreamSession {
 public:
  using Done = std::function<void(StreamOutcome)>;
  // `step` must outlive the session's run. `done` runs once, outside curl callbacks.
  void start(Transport& transport, const Target& target, std::string id, const Step& step,
             std::uint64_t seed, Done done);

 private:
  void request(std::optional<std::string> last_event_id);
  void on_attempt(ObservedStream s);
  void finish();

  Transport* transport_ = nullptr;
  const Target* target_ = nullptr;
  const Step* step_ = nullptr;
  std::string id_;
  Done done_;
  StreamOutcome out_;
  std::int64_t deadline_ns_ = 0;
  std::int64_t broke_at_ns_ = -1;  // the first unrecovered break, -1 when none
  std::optional<std::string> resume_point_;
  std::optional<std::int64_t> retry_field_ms_;  // persists across attempts, as in EventSource
  JitterSource jitter_{0};
  StreamFetch fetch_;
};

}  // namespace ixh
