#include "reports/thresholds.h"

#include <cstdio>

namespace ixh {
namespace {

std::string format(double v, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f%s", v, unit);
  std::string s = buf;
  // 12.500ms -> 12.5ms, 3.000 -> 3
  const std::size_t u = s.size() - std::char_traits<char>::length(unit);
  std::string num = s.substr(0, u);
  while (num.find('.') != std::string::npos && (num.back() == '0' || num.back() == '.')) {
    const bool dot = num.back() == '.';
    num.pop_back();
    if (dot) break;
  }
  return num + unit;
}

std::string format_time(double us) {
  if (us >= 1e6) return format(us / 1e6, "s");
  if (us >= 1e3) return format(us / 1e3, "ms");
  return format(us, "us");
}

double statistic(const Histogram& h, const std::string& name) {
  if (name == "max") return static_cast<double>(h.max());
  if (name == "min") return static_cast<double>(h.min());
  if (name == "mean") return h.mean();
  if (name == "p999") return static_cast<double>(h.value_at_percentile(99.9));
  return static_cast<double>(h.value_at_percentile(std::stod(name.substr(1))));
}

std::uint64_t error_total(const Counters& c) {
  std::uint64_t n = 0;
  for (const auto& [name, count] : c.errors) n += count;
  return n;
}

ThresholdResult evaluate(const RunReport& report, const SourcedThreshold& st) {
  const Threshold& t = st.threshold;
  ThresholdResult r{t.expression, st.source, false, ""};
  const Counters& c = report.counters;
  const LoadReport load = report.load.value_or(LoadReport{});
  switch (t.kind) {
    case Threshold::Kind::kPercentile: {
      Histogram merged;
      for (const auto& [kind, by_metric] : report.metrics) {
        if (!t.step_kind.empty() && kind != t.step_kind) continue;
        const auto it = by_metric.find(t.metric);
        if (it != by_metric.end()) merged.merge(it->second);
      }
      if (merged.count() == 0) {
        r.actual = "no samples of " + (t.step_kind.empty() ? "" : t.step_kind + ".") + t.metric;
        return r;
      }
      const double v = statistic(merged, t.statistic);
      r.actual = is_count_metric(t.metric) ? format(v, "") : format_time(v);
      r.passed = compare(v, t.op, t.value);
      return r;
    }
    case Threshold::Kind::kRate: {
      double num = 0;
      double den = 0;
      if (t.metric == "errors") {
        num = static_cast<double>(error_total(c));
        den = static_cast<double>(c.requests);
      } else if (t.metric == "dropped") {
        num = static_cast<double>(load.dropped);
        den = static_cast<double>(load.arrivals);
      } else {
        num = static_cast<double>(c.checks_passed);
        den = static_cast<double>(c.checks_passed + c.checks_failed);
      }
      if (den == 0) {
        r.actual = "no " + std::string(t.metric == "errors"    ? "requests"
                                       : t.metric == "dropped" ? "arrivals"
                                                               : "checks");
        return r;
      }
      const double v = num / den;
      r.actual = format(v * 100, "%");
      r.passed = compare(v, t.op, t.value);
      return r;
    }
    case Threshold::Kind::kCounter: {
      std::uint64_t v = 0;
      const std::string& m = t.metric;
      if (m == "requests")
        v = c.requests;
      else if (m == "events")
        v = c.events;
      else if (m == "bytes")
        v = c.bytes;
      else if (m == "errors")
        v = error_total(c);
      else if (m == "checks_passed")
        v = c.checks_passed;
      else if (m == "checks_failed")
        v = c.checks_failed;
      else if (m == "resumes_attempted")
        v = c.resumes_attempted;
      else if (m == "resumes_succeeded")
        v = c.resumes_succeeded;
      else if (m == "events_lost")
        v = c.events_lost;
      else if (m == "events_duplicated")
        v = c.events_duplicated;
      else if (m == "iterations")
        v = load.iterations;
      else if (m == "iterations_interrupted")
        v = load.iterations_interrupted;
      else if (m == "dropped")
        v = load.dropped;
      else if (m == "arrivals")
        v = load.arrivals;
      else if (m.rfind("errors.", 0) == 0) {
        const auto it = c.errors.find(m.substr(7));
        v = it == c.errors.end() ? 0 : it->second;
      }
      r.actual = std::to_string(v);
      r.passed = compare(static_cast<double>(v), t.op, t.value);
      return r;
    }
  }
  return r;
}

}  // namespace

std::vector<ThresholdResult> evaluate_thresholds(const RunReport& report,
                                                 const std::vector<SourcedThreshold>& thresholds) {
  std::vector<ThresholdResult> out;
  out.reserve(thresholds.size());
  for (const SourcedThreshold& t : thresholds) out.push_back(evaluate(report, t));
  return out;
}

}  // namespace ixh
