#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/scenario.h"

namespace ixh {

// A small deterministic PRNG (splitmix64) for backoff jitter: the same seed gives the same
// delays on every machine, so a run with --seed repeats exactly.
class JitterSource {
 public:
  explicit JitterSource(std::uint64_t seed) : state_(seed) {}
  // A value in [0, 1).
  double next();

 private:
  std::uint64_t state_;
};

// The seed of one stream step's jitter: the run's seed mixed with the step (template name and
// position), so users of one scenario share a schedule and different steps do not.
std::uint64_t jitter_seed(std::uint64_t run_seed, std::string_view interaction,
                          std::string_view step_pointer);

// The backoff before resume request `resume` (counted from 1), in ms, before jitter.
std::int64_t backoff_ms(const BackoffSpec& spec, int resume);

// What the server asked for before the next request, in ms: the stream's last `retry:` field,
// and the `Retry-After` header of an error response (delay-seconds; an HTTP date is ignored).
struct ServerDelay {
  std::optional<std::int64_t> retry_field_ms;
  std::optional<std::int64_t> retry_after_ms;
};
// Parses a Retry-After value: delay-seconds only. nullopt for anything else.
std::optional<std::int64_t> parse_retry_after_ms(std::string_view value);

// The wait before resume request `resume`: the jittered backoff, raised to whatever the server
// asked for (a server's request is a floor: asking it sooner would only be refused again).
// Called by the stream session on its worker thread.
std::int64_t resume_delay_ms(const BackoffSpec& spec, int resume, const ServerDelay& server,
                             JitterSource& jitter);

}  // namespace ixh
