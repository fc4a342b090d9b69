#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace ixh {

// Arrivals per second as a piecewise-linear function of time since the start of a load run:
// each segment moves linearly from `from_per_s` to `to_per_s` over `duration_ns`. Plain value,
// built by the load runner from the options; read by pacers on one worker thread.
class RateProfile {
 public:
  struct Segment {
    std::int64_t duration_ns = 0;
    double from_per_s = 0;
    double to_per_s = 0;
  };
  explicit RateProfile(std::vector<Segment> segments);

  std::int64_t end_ns() const { return end_ns_; }
  double rate_at(std::int64_t t_ns) const;
  // Expected arrivals in [0, t_ns): the integral of the rate.
  double expected_by(std::int64_t t_ns) const;
  // The earliest time at which expected_by() reaches `lambda`; -1 if only after end_ns().
  std::int64_t time_of(double lambda) const;
  // The same profile with every rate multiplied by `factor` (a worker's share).
  RateProfile scaled(double factor) const;

 private:
  std::vector<Segment> segments_;
  std::vector<std::int64_t> starts_;  // start of each segment
  std::vector<double> cumulative_;    // expected arrivals before each segment
  std::int64_t end_ns_ = 0;
};

// The seam between a scheduler and its arrival process: produces the intended start times of an
// open-loop (or paced) run, in nanoseconds since the run's start, in non-decreasing order.
// Deterministic for a given seed. Owned and called by one worker's scheduler on its thread.
class Pacer {
 public:
  virtual ~Pacer() = default;
  // The next intended start, or -1 once the profile has ended.
  virtual std::int64_t next_ns() = 0;
};

// Evenly spaced arrivals (wrk2): the k-th arrival where the expected count reaches k + phase.
// `phase` in [0, 1) interleaves the workers of one run so their arrivals do not coincide.
class ConstantPacer final : public Pacer {
 public:
  ConstantPacer(RateProfile profile, double phase) : profile_(std::move(profile)), next_(phase) {}
  std::int64_t next_ns() override;

 private:
  RateProfile profile_;
  double next_;
};

// A Poisson process with the profile's (possibly varying) rate: exponential gaps with mean 1 in
// expected-arrival units, mapped back to time (the time-change theorem), from a seeded PRNG.
class PoissonPacer final : public Pacer {
 public:
  PoissonPacer(RateProfile profile, std::uint64_t seed)
      : profile_(std::move(profile)), rng_(seed) {}
  std::int64_t next_ns() override;

 private:
  RateProfile profile_;
  std::mt19937_64 rng_;
  double lambda_ = 0;
};

}  // namespace ixh
