#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "harness/observation.h"

namespace ixh {

using TransferId = std::uint64_t;
using TimerId = std::uint64_t;

// One GET to start.
struct TransferSpec {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  bool stream = false;               // SSE: never reuse its connection afterwards
  std::int64_t timeout_ms = 0;       // whole transfer; 0 = none (streams use their own timers)
};

// Receives one transfer's progress. Called on the transport's worker thread; the handler must
// stay alive until on_complete. on_headers and on_body run inside curl callbacks: they must not
// call the transport; on_complete runs outside them and may start the next transfer.
class TransferHandler {
 public:
  virtual ~TransferHandler() = default;
  // Once the status line and headers have arrived (final response only).
  virtual void on_headers(const HttpObservation& http) { (void)http; }
  // Each slice of the body as it arrives, at `now_ns`. Return false to abort the transfer.
  virtual bool on_body(std::string_view bytes, std::int64_t now_ns) = 0;
  // Exactly once: the transfer ended, failed, or was cancelled. `http` holds status, timing,
  // curl result and error class.
  virtual void on_complete(const HttpObservation& http) = 0;
};

// The seam between step machines and the network: the curl engine in production, a scripted
// fake in step-machine tests. Single-threaded: every call on the worker thread that owns it.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual const Clock& clock() const = 0;
  virtual TransferId start(const TransferSpec& spec, TransferHandler* handler) = 0;
  // Aborts a running transfer; its handler's on_complete follows with ErrorClass::kCancelled.
  // Not from inside on_headers/on_body.
  virtual void cancel(TransferId id) = 0;
  // Runs `fn` on the worker thread once the clock reaches `at_ns`.
  virtual TimerId schedule(std::int64_t at_ns, std::function<void()> fn) = 0;
  virtual void cancel_timer(TimerId id) = 0;
};

}  // namespace ixh
