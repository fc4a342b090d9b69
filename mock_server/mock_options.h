#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/dialect.h"

namespace ixh::mock {

// Validated settings of one mock server, built by the cli (or a test) and passed down.
struct MockOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port, reported by MockServer::port()
  Dialect dialect = Dialect::kSeed;
  bool manual_clock = false;  // timelines move only through POST /_mock/clock/advance
  double time_scale = 1.0;    // timeline ms per real ms, when not manual
  std::uint64_t seed = 1;
  // Worker threads; a request being served holds one, and so does a faulted stream for its whole
  // life (unfaulted streams go to the stream writer, idle keep-alive connections to the keep-alive
  // loop). 0: sized to the open-file limit (raised to its hard limit at start); threads are only
  // created as they are needed.
  std::size_t max_connections = 0;
  int backlog = 4096;                 // listen queue; capped by net.core.somaxconn
  std::size_t stack_kib = 256;        // per worker thread
  std::int64_t heartbeat_ms = 15000;  // `: keep-alive` comment on a quiet stream
  int keep_alive_timeout_s = 5;       // idle keep-alive connection lifetime
  std::size_t journal_capacity = 10000;

  // Returns an empty string when valid, otherwise what is wrong, in words for the user.
  std::string validate() const;
};

}  // namespace ixh::mock
