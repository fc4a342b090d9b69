#include "harness/pacer.h"

#include <algorithm>
#include <cmath>

namespace ixh {
namespace {

constexpr double kNsPerS = 1e9;

// Expected arrivals within the first `tau_s` seconds of a segment.
double area(const RateProfile::Segment& s, double tau_s) {
  const double d_s = static_cast<double>(s.duration_ns) / kNsPerS;
  const double slope = d_s > 0 ? (s.to_per_s - s.from_per_s) / d_s : 0;
  return s.from_per_s * tau_s + 0.5 * slope * tau_s * tau_s;
}

}  // namespace

RateProfile::RateProfile(std::vector<Segment> segments) : segments_(std::move(segments)) {
  double total = 0;
  std::int64_t t = 0;
  for (const Segment& s : segments_) {
    starts_.push_back(t);
    cumulative_.push_back(total);
    total += area(s, static_cast<double>(s.duration_ns) / kNsPerS);
    t += s.duration_ns;
  }
  end_ns_ = t;
}

double RateProfile::rate_at(std::int64_t t_ns) const {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (t_ns < starts_[i] + s.duration_ns) {
      const double f = static_cast<double>(t_ns - starts_[i]) / static_cast<double>(s.duration_ns);
      return s.from_per_s + (s.to_per_s - s.from_per_s) * std::clamp(f, 0.0, 1.0);
    }
  }
  return 0;
}

double RateProfile::expected_by(std::int64_t t_ns) const {
  double total = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    const std::int64_t into = std::clamp<std::int64_t>(t_ns - starts_[i], 0, s.duration_ns);
    total = cumulative_[i] + area(s, static_cast<double>(into) / kNsPerS);
    if (t_ns < starts_[i] + s.duration_ns) break;
  }
  return total;
}

std::int64_t RateProfile::time_of(double lambda) const {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    const double d_s = static_cast<double>(s.duration_ns) / kNsPerS;
    const double in_segment = area(s, d_s);
    const double need = lambda - cumulative_[i];
    if (need > in_segment || in_segment <= 0) continue;
    if (need <= 0) return starts_[i];
    // Solve a*tau^2 + b*tau = need in the stable form tau = 2*need / (b + sqrt(b^2 + 4*a*need)).
    const double a = 0.5 * (s.to_per_s - s.from_per_s) / d_s;
    const double b = s.from_per_s;
    const double disc = std::max(0.0, b * b + 4 * a * need);
    const double denom = b + std::sqrt(disc);
    const double tau = denom > 0 ? 2 * need / denom : d_s;
    const auto offset = static_cast<std::int64_t>(std::ceil(tau * kNsPerS));
    return starts_[i] + std::clamp<std::int64_t>(offset, 0, s.duration_ns);
  }
  return -1;
}

RateProfile RateProfile::scaled(double factor) const {
  std::vector<Segment> out = segments_;
  for (Segment& s : out) {
    s.from_per_s *= factor;
    s.to_per_s *= factor;
  }
  return RateProfile(std::move(out));
}

std::int64_t ConstantPacer::next_ns() {
  const std::int64_t t = profile_.time_of(next_);
  if (t < 0 || t >= profile_.end_ns()) return -1;
  next_ += 1;
  return t;
}

std::int64_t PoissonPacer::next_ns() {
  // 53 random bits to a uniform in (0, 1]; the same on every standard library.
  const double u = static_cast<double>((rng_() >> 11) + 1) * 0x1.0p-53;
  lambda_ += -std::log(u);
  const std::int64_t t = profile_.time_of(lambda_);
  if (t < 0 || t >= profile_.end_ns()) return -1;
  return t;
}

}  // namespace ixh
