#include "harness/backoff.h"

#include <algorithm>
#include <cmath>

namespace ixh {

double JitterSource::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  // 53 random bits give every double in [0, 1) on a 2^-53 grid.
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::uint64_t jitter_seed(std::uint64_t run_seed, std::string_view interaction,
                          std::string_view step_pointer) {
  std::uint64_t h = 0xCBF29CE484222325ull ^ run_seed;  // FNV-1a over both strings
  auto mix = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001B3ull;
    }
    h ^= 0xFF;
    h *= 0x100000001B3ull;
  };
  mix(interaction);
  mix(step_pointer);
  return h;
}

std::int64_t backoff_ms(const BackoffSpec& spec, int resume) {
  if (spec.kind == BackoffSpec::Kind::kConstant || resume <= 1) {
    return std::min(spec.initial_ms, spec.max_ms);
  }
  const double raw = static_cast<double>(spec.initial_ms) *
                     std::pow(spec.multiplier, static_cast<double>(resume - 1));
  if (!std::isfinite(raw) || raw >= static_cast<double>(spec.max_ms)) return spec.max_ms;
  return static_cast<std::int64_t>(std::llround(raw));
}

std::optional<std::int64_t> parse_retry_after_ms(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  std::int64_t s = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + (c - '0');
  }
  return s * 1000;
}

std::int64_t resume_delay_ms(const BackoffSpec& spec, int resume, const ServerDelay& server,
                             JitterSource& jitter) {
  std::int64_t delay = backoff_ms(spec, resume);
  // Always draw, so the k-th delay does not depend on whether an earlier one had jitter.
  const double u = jitter.next();
  if (spec.jitter > 0) {
    delay -= static_cast<std::int64_t>(std::floor(static_cast<double>(delay) * spec.jitter * u));
  }
  if (server.retry_field_ms) delay = std::max(delay, *server.retry_field_ms);
  if (server.retry_after_ms) delay = std::max(delay, *server.retry_after_ms);
  return delay;
}

}  // namespace ixh
