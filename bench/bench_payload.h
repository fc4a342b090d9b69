#pragma once

#include <cstddef>
#include <string>

#include "core/interaction.h"

namespace ixh::bench {

// Shared inputs of the micro benchmarks and of the macro benchmark's nginx payloads, so every
// benchmark measures the same bytes a seed-dialect mock would send. Pure functions; any thread.

// A completed interaction `id` with `text_bytes` of output text (readable ASCII), usage and
// times.
Interaction sample_interaction(std::size_t text_bytes, const std::string& id = "bench.1");

// A whole seed-dialect SSE body: PENDING, RUNNING, `deltas` text deltas of `delta_bytes` each,
// then the terminal event embedding the full interaction. Event ids are evt_000001, ...
std::string seed_stream(std::size_t deltas, std::size_t delta_bytes,
                        const std::string& id = "bench.1");

// The interaction the terminal event of seed_stream() embeds: what a GET of the finished
// interaction answers, so a driver comparing the stream's text with a GET finds them equal.
Interaction seed_stream_final(std::size_t deltas, std::size_t delta_bytes,
                              const std::string& id = "bench.1");

}  // namespace ixh::bench
