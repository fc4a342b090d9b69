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

// One SSE stream of an interaction: parses events incrementally as bytes arrive and decodes
// them; gives up (cancelling the transfer) after `timeout_ms`.
class StreamFetch final : public TransferHandler {
 public:
  using Done = std::function<void(ObservedStream)>;
  struct Options {
    bool include_input = false;
    std::optional<std::string> last_event_id;  // sent as the last_event_id query parameter
    std::int64_t timeout_ms = 30000;
  };
  void start(Transport& transport, const Target& target, const std::string& id, Options options,
             Done done);

  void on_headers(const HttpObservation& http) override;
  bool on_body(std::string_view bytes, std::int64_t now_ns) override;
  void on_complete(const HttpObservation& http) override;

 private:
  Transport* transport_ = nullptr;
  TransferId transfer_ = 0;
  TimerId timer_ = 0;
  bool timed_out_ = false;
  bool is_event_stream_ = false;
  ObservedStream obs_;
  SseParser parser_;
  std::string error_body_;
  std::shared_ptr<DialectChoice> dialect_;
  Done done_;
};

}  // namespace ixh
