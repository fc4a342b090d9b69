#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.h"
#include "core/seed_decoder.h"
#include "core/sse_parser.h"
#include "harness/chunked_vector.h"

namespace ixh {

// How a transfer failed, from the client's point of view (DESIGN.md §8 error classes).
enum class ErrorClass : std::uint8_t {
  kNone,
  kConnect,     // could not connect / resolve
  kTimeout,     // a deadline of ours or of curl expired
  kHttpStatus,  // a status the step did not expect
  kProtocol,    // broken HTTP: reset, cut, bad chunking, empty reply
  kSseParse,    // the SSE parser stopped (line or event too large)
  kCancelled,   // the client aborted on purpose
};
std::string_view to_string(ErrorClass error);

// One HTTP exchange as the driver saw it. Times are on the driver's Clock, in nanoseconds.
struct HttpObservation {
  std::string method = "GET";
  std::string url;
  int status = 0;  // 0 when no response arrived
  std::string content_type;
  std::string retry_after;
  std::string body;   // JSON responses only; streams keep their events instead
  int curl_code = 0;  // CURLcode, 0 for success
  std::string curl_error;
  ErrorClass error = ErrorClass::kNone;
  std::int64_t start_ns = 0;
  std::int64_t first_byte_ns = 0;  // 0 when no body byte arrived
  std::int64_t end_ns = 0;
  std::uint64_t bytes = 0;
};

// A GET and what its body decoded to.
struct ObservedGet {
  HttpObservation http;
  bool include_input = false;                 // what the request asked for
  std::optional<DecodedInteraction> decoded;  // set for a 2xx JSON body
  std::optional<DecodedError> error;          // set for a non-2xx body
};

struct ObservedEvent {
  // The event as dispatched. StreamFetch keeps `raw.data` only where a check reads it (see
  // keeps_raw_data in harness/fetch.h) or when asked to; checks read the decoded form.
  SseEvent raw;
  std::int64_t at_ns = 0;  // when the slice completing it arrived
  DecodedEvent decoded;
};

// A stream's events in arrival order (see harness/chunked_vector.h for why not a vector).
using EventLog = ChunkedVector<ObservedEvent>;

// Why the driver ended a stream transfer itself (kNone: it did not).
enum class StreamStop : std::uint8_t {
  kNone,
  kDeadline,           // the step's timeout_ms
  kFirstEventTimeout,  // first_event_timeout_ms passed without an event
  kIdleTimeout,        // idle_timeout_ms of silence after the first event
  kInterrupt,          // the step's `interrupt` (client-side interruption)
  kSseParse,           // the SSE parser stopped, or (with a resume policy) an event did not decode
};

// How one stream attempt broke (names: kBreakKindNames in core/scenario.h). A finer reading of
// the error classes: each maps to one of them (error_class_of in harness/stream_break.h).
enum class BreakKind : std::uint8_t {
  kConnect,
  kReset,
  kCut,
  kFirstEventTimeout,
  kIdleTimeout,
  kTimeout,
  kMalformedChunk,
  kProtocol,
  kSseParse,
  kHttpStatus,
  kInterrupt,
};
std::string_view to_string(BreakKind kind);

// One stream request and everything it delivered.
struct ObservedStream {
  HttpObservation http;
  bool include_input = false;
  std::optional<std::string> last_event_id;  // what the request resumed after
  EventLog events;
  bool truncated = false;  // the body ended inside an SSE block (parser finish() said so)
  SseError sse_error = SseError::kNone;
  std::string sse_error_message;
  std::uint64_t comments = 0;            // heartbeats
  std::optional<DecodedError> error;     // set for a non-2xx body
  bool last_event_id_in_header = false;  // resumed via Last-Event-ID rather than the query
  StreamStop stop = StreamStop::kNone;
  std::optional<std::int64_t> retry_ms;  // the last valid SSE retry: field
  // An event whose data the dialect rejected; with a resume policy it ends the attempt and stays
  // out of `events`, so the resume starts after the last good event. Shared and immutable: rare,
  // and a pointer keeps every ObservedStream (one per live stream, more per step) small.
  std::shared_ptr<const ObservedEvent> rejected_event;
  bool saw_terminal() const;
  // Id of the last event fully received (decoded id, else the SSE id); "" when none.
  std::string last_id() const;
};

// One broken stream attempt, as the step's report and checks see it.
struct StreamBreak {
  BreakKind kind = BreakKind::kCut;
  int attempt = 1;             // the stream request it ended, from 1
  std::size_t events = 0;      // events that attempt delivered
  std::string after_event_id;  // the last event received overall before the break
  std::int64_t at_ns = 0;      // when it broke
  int status = 0;              // HTTP status, 0 when none arrived
  int curl_code = 0;
  std::string detail;  // curl's message, the parser's, or ours
};

// Everything one step observed, handed to every Check once the step is over.
struct StepObservation {
  const Step* step = nullptr;  // null for protocol probes and id runs
  Step::Kind kind = Step::Kind::kGet;
  std::string interaction_id;            // the instance driven
  std::vector<ObservedGet> gets;         // get: one; poll: each poll; chain: each hop
  std::optional<ObservedStream> stream;  // stream: the stream the step asked for
  // stream: a GET made after the stream ended, to compare the streamed text with output.text.
  HeapOptional<ObservedGet> final_get;
  // stream with last_event_id: the whole log fetched from the start, to compare suffixes.
  HeapOptional<ObservedStream> reference_stream;
  bool timed_out = false;  // poll or stream gave up at its timeout
  // stream: every request of the step in order (the first, then each resume). `stream` is then
  // their union: every event each delivered, in order, with the last request's HTTP outcome.
  // A step that ended with its first request (no break, no resume point, no rejected event)
  // keeps that request's events in `stream` only: attempts[0].events is empty then.
  std::vector<ObservedStream> attempts;
  std::vector<StreamBreak> breaks;
  int resumes = 0;         // resume requests made after breaks
  bool recovered = false;  // the union reached the terminal event
};

}  // namespace ixh
