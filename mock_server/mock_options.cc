#include "mock_server/mock_options.h"

namespace ixh::mock {

std::string MockOptions::validate() const {
  if (host.empty()) return "listen host must not be empty";
  if (port < 0 || port > 65535) return "port must be within 0..65535";
  if (!manual_clock && !(time_scale > 0.0 && time_scale <= 1000.0)) {
    return "--time-scale must be > 0 and <= 1000";
  }
  if (max_connections > 100000) {
    return "--max-connections must be within 0..100000 (0: sized to the open-file limit)";
  }
  if (backlog < 1) return "backlog must be positive";
  if (stack_kib < 64 || stack_kib > 65536) return "worker stack must be within 64..65536 KiB";
  if (heartbeat_ms < 100) return "--heartbeat must be at least 100 ms";
  if (keep_alive_timeout_s < 1) return "keep-alive timeout must be at least 1 s";
  return {};
}

}  // namespace ixh::mock
