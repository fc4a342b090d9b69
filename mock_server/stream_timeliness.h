#pragma once

#include <cstdint>

namespace ixh::mock {

// How well the stream writer keeps the script: live events (those due after their stream
// began, not replayed ones) written so far, how many went out more than 1 ms and more than
// 20 ms after their scripted time, and the latest one, in timeline milliseconds. StreamWriter
// counts them; MockServer shows them in GET /_mock/health (`server.stream_timeliness`) and
// `ixh mock` at shutdown, so a load run can tell a late mock from a slow client.
struct StreamTimeliness {
  std::uint64_t live_events = 0;
  std::uint64_t late_over_1ms = 0;
  std::uint64_t late_over_20ms = 0;
  double max_lateness_ms = 0;
};

}  // namespace ixh::mock
