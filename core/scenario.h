#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/interaction.h"
#include "core/load_spec.h"

namespace ixh {

// One scripted moment of an interaction's life, `after_ms` from its creation.
struct TimelineEntry {
  enum class Kind : std::uint8_t { kState, kText, kUsage };
  std::int64_t after_ms = 0;
  Kind kind = Kind::kState;
  State state = State::kPending;  // kState
  std::string text;               // kText
  int candidate = 0;              // kText
  Usage usage;                    // kUsage
};

// Synthetic load: RUNNING at start_ms, `chunks` text deltas of `bytes` bytes every `every_ms`,
// then `final_state`. Text comes from a PRNG seeded by the mock's --seed and the template name.
struct GenerateSpec {
  int chunks = 0;
  int bytes = 0;
  std::int64_t every_ms = 0;
  std::int64_t start_ms = 0;
  State final_state = State::kCompleted;
};

// A scripted misbehaviour of one instance (docs/faults.md), chosen by attempt number (the n-th
// request of the matching kind for that instance, counted from 1) or by a seeded coin per
// attempt. Only the fields of its kind are meaningful.
struct FaultSpec {
  enum class Kind : std::uint8_t {
    kHttpError,       // an error status instead of the response
    kCut,             // clean FIN mid-stream, no terminating chunk
    kReset,           // TCP RST mid-stream
    kStall,           // silence mid-stream, then the rest (or nothing, forever)
    kDrip,            // the whole stream in small pieces with delays
    kMalformedSse,    // one frame the SSE rules or the dialect reject, inserted mid-stream
    kMalformedChunk,  // invalid chunked framing mid-stream, then close
    kGarbage,         // random bytes instead of an HTTP response, then close
    kEmptyReply,      // close without a byte
  };
  enum class Applies : std::uint8_t { kAny, kGet, kStream };
  // Where a mid-stream fault strikes, counted within one response: after this many whole events,
  // body bytes (SSE payload, chunk framing excluded) or ms of timeline time since it started.
  enum class Trigger : std::uint8_t { kEvents, kBytes, kMs };
  enum class SseVariant : std::uint8_t {
    kLongLine,     // a data line longer than the driver's SseLimits::max_line_bytes
    kInvalidUtf8,  // a comment line with bytes that are not UTF-8
    kNulInId,      // an id field containing NUL, which readers must ignore
    kNotJson,      // an event whose data is not JSON
    kMissingId,    // an event without an id (no id field and no "id" member)
  };

  Kind kind = Kind::kHttpError;
  Applies applies_to = Applies::kAny;
  std::vector<int> attempts;          // empty (and no probability): every attempt
  std::optional<double> probability;  // 0..1: a seeded coin per (instance, attempt)

  // http_error
  int status = 503;
  std::optional<int> retry_after_s;
  std::string message;
  // cut, reset, stall, malformed_sse, malformed_chunk
  Trigger trigger = Trigger::kEvents;
  std::int64_t after = 0;
  // stall: how long (timeline ms), or until the client leaves or the server stops
  std::int64_t stall_ms = 0;
  bool forever = false;
  // drip
  int piece_bytes = 1;
  std::int64_t delay_ms = 0;  // real ms between pieces
  // malformed_sse
  SseVariant variant = SseVariant::kNotJson;
  // garbage
  int garbage_bytes = 0;
};
std::string_view to_string(FaultSpec::Kind kind);
std::string_view to_string(FaultSpec::Trigger trigger);
std::string_view to_string(FaultSpec::SseVariant variant);
// Whether the fault acts on a stream's body (and so cannot apply to a plain GET).
bool is_stream_only(FaultSpec::Kind kind);

struct InteractionTemplate {
  std::string name;  // [A-Za-z0-9_-]+; instances are `name` or `name.<suffix>`
  std::string model = "ixh-mock-1";
  std::string input;
  bool store = true;
  std::optional<std::string> previous;  // template name the instance links back to
  int candidates = 1;
  std::vector<TimelineEntry> timeline;  // sorted by after_ms; empty when generate is set
  std::optional<GenerateSpec> generate;
  std::vector<FaultSpec> faults;
  std::string file;     // where it was defined, for messages
  std::string pointer;  // JSON pointer of its definition in that file
};

// How a stream attempt broke: the names `expect.breaks` lists and reports show
// (harness/stream_break.h classifies, docs/resume.md explains each).
inline constexpr std::string_view kBreakKindNames[] = {
    "connect",         "reset",    "cut",       "first_event_timeout", "idle_timeout", "timeout",
    "malformed_chunk", "protocol", "sse_parse", "http_status",         "interrupt"};

// What a step expects beyond the protocol invariants every response is held to. Unset fields are
// not checked.
struct Expect {
  std::optional<int> status;                 // HTTP status of the step's main request
  std::optional<State> state;                // get: the state; stream/poll: the final state
  std::optional<std::string> text;           // output.text (get/poll) or streamed text (stream)
  std::optional<std::string> text_contains;  // substring of the same
  std::optional<bool> usage;                 // usage_metadata present
  std::optional<bool> input;                 // input present
  std::optional<std::int64_t> events_min;    // stream: events received
  std::optional<std::int64_t> events_max;
  std::optional<std::int64_t> polls_max;       // poll: requests until terminal
  std::optional<std::int64_t> chain_length;    // chain: interactions including the first
  std::optional<std::int64_t> ttfe_ms_max;     // stream: start to first event
  std::optional<std::int64_t> latency_ms_max;  // request start to complete response/stream end
  std::optional<std::string> error_status;     // the error body's status, e.g. "NOT_FOUND"
  // stream with a resume policy: resume requests made (exact when min == max), the breaks seen
  // in order (break kind names, harness/stream_break.h), and whether the stream reached its
  // terminal event in the end.
  std::optional<std::int64_t> resumes_min;
  std::optional<std::int64_t> resumes_max;
  std::optional<std::vector<std::string>> breaks;
  std::optional<bool> recovered;
};

// How long a stream step waits before resume request k (counted from 1): constant `initial_ms`,
// or `initial_ms * multiplier^(k-1)` capped at `max_ms`; then shortened by up to `jitter` of
// itself, drawn from a PRNG seeded by the run's --seed so runs repeat exactly.
struct BackoffSpec {
  enum class Kind : std::uint8_t { kConstant, kExponential };
  Kind kind = Kind::kExponential;
  std::int64_t initial_ms = 100;
  std::int64_t max_ms = 5000;
  double multiplier = 2.0;
  double jitter = 0.0;  // 0..1
};

// A stream step's answer to a broken stream: re-request it after the last event fully received.
struct ResumePolicy {
  enum class Via : std::uint8_t { kQuery, kHeader };
  int max_attempts = 3;  // resume requests after the first request, at most
  BackoffSpec backoff;
  Via via = Via::kQuery;  // last_event_id query parameter, or Last-Event-ID header
};

// The step aborts its own transfer (after N events or T ms of the attempt) and resumes, to test
// a server's resume without any server fault. Applies to the listed attempts (1 = first request).
struct InterruptSpec {
  std::optional<std::int64_t> after_events;
  std::optional<std::int64_t> after_ms;
  std::vector<int> attempts = {1};
};

// One thing a virtual user does. `interaction` names a template; the driver adds a per-user
// suffix (`name.<run>-<user>`) so every user and every run gets fresh instances.
struct Step {
  enum class Kind : std::uint8_t { kGet, kStream, kPoll, kChain, kWait };
  Kind kind = Kind::kGet;
  std::string interaction;
  bool include_input = false;
  std::optional<std::string> last_event_id;  // stream: resume after this id
  std::int64_t interval_ms = 100;            // poll: time between requests
  std::int64_t timeout_ms = 30000;  // poll: give up after; stream: bounds every request and wait
  std::int64_t wait_ms = 0;         // wait
  // stream: per-request bounds (0 = none): request start to first event, and silence (no byte,
  // heartbeats included) after the first event. Either one breaks the stream when it expires.
  std::int64_t first_event_timeout_ms = 0;
  std::int64_t idle_timeout_ms = 0;
  std::optional<ResumePolicy> resume;      // stream: absent = a break ends the step
  std::optional<InterruptSpec> interrupt;  // stream: client-side interruption
  Expect expect;
  std::string pointer;  // JSON pointer of the step, for messages and report `where`
};
std::string_view to_string(Step::Kind kind);

struct Scenario {
  std::string name;  // the "name" field, or the file stem
  std::string description;
  std::string file;
  std::string sha256;  // of the file bytes, so reports can tell which version ran
  std::vector<InteractionTemplate> interactions;
  std::vector<Step> steps;       // empty: the scenario only scripts the mock
  std::optional<LoadSpec> load;  // how `ixh run` runs it as load (docs/load.md)
};

}  // namespace ixh
