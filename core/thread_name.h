#pragma once

#include <string>

namespace ixh {

// Names the calling thread (at most 15 bytes; longer names are cut) so `top -H`, `perf` and
// /proc/PID/task/*/comm show which of ixh's threads is busy: the mock's stream writer, its
// workers, a load run's workers. Each thread calls it once, first thing; the main thread is never
// renamed, because its name is the process's (`ps`, `pidof ixh`). Best effort: never fails.
void name_this_thread(const std::string& name);

}  // namespace ixh
