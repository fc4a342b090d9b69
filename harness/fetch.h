#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/sse_parser.h"
#include "harness/observation.h"
#include "harness/target.h"
#include "harness/transport.h"

namespace ixh {

// Request headers every ixh request carries.
std::vector<std::string> request_headers(bool stream,
                                         std::optional<std::string_view> last_event_id_header);

// One GET of an interaction: collects the body and decodes it as an interaction (2xx) or an
// error body. Lives in its step machine; used on that machine's worker thread.
class GetFetch final : public TransferHandler {
 public:
  using Done = std::function<void(ObservedGet)>;
  // Starts the request; `done` runs once, outside curl callbacks, when it ended.
  // `last_event_id` without a stream is a protocol probe: servers must answer 400. The request
  // is cut (ErrorClass::kTimeout) after `timeout_ms`.
  void start(Transport& transport, const Target& target, const std::string& id, bool include_input,
             Done done, std::optional<std::string> last_event_id = std::nullopt,
             std::int64_t timeout_ms = 30000);

  bool on_body(std::string_view bytes, std::int64_t now_ns) override;
  void on_complete(const HttpObservation& http) override;

 private:
  ObservedGet obs_;
  std::string body_;
  std::shared_ptr<DialectChoice> dialect_;
  Done done_;
};

// Whether StreamFetch keeps an event's SSE data after decoding it: a genai step frame's
// (genai.frame_order reads data.index from it). Every other check reads the decoded event.
bool keeps_raw_data(const SseEvent& event);

// One SSE stream of an interaction: parses events incrementally as bytes arrive and decodes
// them; gives up (cancelling the transfer) after `timeout_ms`, and breaks the stream itself on
// the optional first-event and idle timeouts and the client-side interruption. Lives in its step
// machine; used on that machine's worker thread.
class StreamFetch final : public TransferHandler {
 public:
  using Done = std::function<void(ObservedStream)>;
  struct Options {
    bool include_input = false;
    std::optional<std::string> last_event_id;  // resume after this id
    std::int64_t timeout_ms = 30000;
    bool last_event_id_in_header = false;     // Last-Event-ID header instead of the query parameter
    std::int64_t first_event_timeout_ms = 0;  // 0: none
    // Silence after the first event: any byte counts as life, heartbeat comments included.
    std::int64_t idle_timeout_ms = 0;
    std::int64_t interrupt_after_events = 0;  // 0: none
    std::int64_t interrupt_after_ms = 0;      // 0: none
    // An event the dialect rejects ends the stream (StreamStop::kSseParse) instead of being
    // kept: set for steps that resume, so they resume after the last good event.
    bool stop_on_rejected_event = false;
    // The whole-log read a resumed step is judged against: marked with the header
    // `X-Ixh-Purpose: reference` so a server or the mock's client verification can tell it
    // from a client's own attempts.
    bool reference = false;
    // Keep every event's SSE data in ObservedEvent::raw. Off, only the frames a check reads it
    // from keep it (see keeps_raw_data); the rest are judged by what they decoded to, and a
    // live stream holds about half the bytes per event.
    bool keep_raw_data = false;
  };
  void start(Transport& transport, const Target& target, const std::string& id, Options options,
             Done done);

  void on_headers(const HttpObservation& http) override;
  bool on_body(std::string_view bytes, std::int64_t now_ns) override;
  void on_complete(const HttpObservation& http) override;

 private:
  void stop(StreamStop why);
  void check_idle();
  void cancel_timers();

  Transport* transport_ = nullptr;
  Options options_;
  TransferId transfer_ = 0;
  TimerId timer_ = 0;
  TimerId first_event_timer_ = 0;
  TimerId idle_timer_ = 0;
  TimerId interrupt_timer_ = 0;
  bool running_ = false;
  bool is_event_stream_ = false;
  std::int64_t start_ns_ = 0;
  std::int64_t last_byte_ns_ = 0;
  ObservedStream obs_;
  SseParser parser_;
  std::string error_body_;
  std::shared_ptr<DialectChoice> dialect_;
  Done done_;
};

}  // namespace ixh
