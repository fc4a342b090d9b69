#include "core/threshold.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

namespace ixh {
namespace {

constexpr std::array<std::string_view, 8> kStatistics = {"p50",  "p90", "p95",  "p99",
                                                         "p999", "max", "mean", "min"};
// Latencies of DESIGN.md §8 that are measured from a start, and so also exist `_corrected`.
constexpr std::array<std::string_view, 6> kCorrectable = {
    "latency", "ttfb", "ttfe", "ttft", "poll_to_terminal", "resume_latency"};
constexpr std::array<std::string_view, 3> kOtherTimes = {"inter_event_gap", "schedule_lag",
                                                         "iteration_duration"};
// Histograms of counts (DESIGN.md §8: the poll count that goes with poll_to_terminal).
constexpr std::array<std::string_view, 1> kCountMetrics = {"polls"};
constexpr std::array<std::string_view, 5> kStepKinds = {"get", "stream", "poll", "chain",
                                                        "iteration"};
constexpr std::array<std::string_view, 3> kRates = {"errors", "dropped", "checks"};
constexpr std::array<std::string_view, 14> kCounters = {"requests",
                                                        "events",
                                                        "bytes",
                                                        "errors",
                                                        "checks_passed",
                                                        "checks_failed",
                                                        "resumes_attempted",
                                                        "resumes_succeeded",
                                                        "events_lost",
                                                        "events_duplicated",
                                                        "iterations",
                                                        "iterations_interrupted",
                                                        "dropped",
                                                        "arrivals"};
constexpr std::array<std::string_view, 7> kErrorClasses = {
    "connect", "timeout", "http_status", "protocol", "sse_parse", "check_failed", "cancelled"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool known_time_metric(std::string_view m) {
  constexpr std::string_view kSuffix = "_corrected";
  if (m.size() > kSuffix.size() && m.substr(m.size() - kSuffix.size()) == kSuffix) {
    return one_of(kCorrectable, m.substr(0, m.size() - kSuffix.size()));
  }
  return one_of(kCorrectable, m) || one_of(kOtherTimes, m);
}

bool known_counter(std::string_view c) {
  if (one_of(kCounters, c)) return true;
  return c.rfind("errors.", 0) == 0 && one_of(kErrorClasses, c.substr(7));
}

// A non-negative decimal number at the start of `s`; `s` keeps what follows it.
std::optional<double> take_number(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
  if (n == 0) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + n, v);
  if (ec != std::errc() || end != s.data() + n || !std::isfinite(v)) return std::nullopt;
  s.remove_prefix(n);
  return v;
}

}  // namespace

bool is_count_metric(std::string_view metric) { return one_of(kCountMetrics, metric); }

std::string_view to_string(Threshold::Op op) {
  switch (op) {
    case Threshold::Op::kLt:
      return "<";
    case Threshold::Op::kLe:
      return "<=";
    case Threshold::Op::kGt:
      return ">";
    case Threshold::Op::kGe:
      return ">=";
  }
  return "?";
}

bool compare(double actual, Threshold::Op op, double limit) {
  switch (op) {
    case Threshold::Op::kLt:
      return actual < limit;
    case Threshold::Op::kLe:
      return actual <= limit;
    case Threshold::Op::kGt:
      return actual > limit;
    case Threshold::Op::kGe:
      return actual >= limit;
  }
  return false;
}

std::optional<Threshold> parse_threshold(std::string_view text, std::string& error) {
  Threshold t;
  const std::string_view s = trim(text);
  t.expression = std::string(s);
  const std::size_t op_at = s.find_first_of("<>");
  if (op_at == std::string_view::npos || op_at == 0) {
    error = "\"" + t.expression + "\" is not SUBJECT OP VALUE (OP one of <, <=, >, >=)";
    return std::nullopt;
  }
  std::string_view subject = trim(s.substr(0, op_at));
  std::string_view rest = s.substr(op_at);
  const bool or_equal = rest.size() > 1 && rest[1] == '=';
  if (rest[0] == '<') {
    t.op = or_equal ? Threshold::Op::kLe : Threshold::Op::kLt;
  } else {
    t.op = or_equal ? Threshold::Op::kGe : Threshold::Op::kGt;
  }
  rest = trim(rest.substr(or_equal ? 2 : 1));

  const std::size_t open = subject.find('(');
  if (open != std::string_view::npos) {
    if (subject.back() != ')') {
      error = "\"" + t.expression + "\": missing ')' after the metric";
      return std::nullopt;
    }
    const std::string_view fn = trim(subject.substr(0, open));
    std::string_view arg = trim(subject.substr(open + 1, subject.size() - open - 2));
    if (fn == "rate") {
      t.kind = Threshold::Kind::kRate;
      if (!one_of(kRates, arg)) {
        error = "\"" + t.expression + "\": rate() takes errors, dropped or checks, not \"" +
                std::string(arg) + "\"";
        return std::nullopt;
      }
      t.metric = std::string(arg);
    } else if (one_of(kStatistics, fn)) {
      t.kind = Threshold::Kind::kPercentile;
      t.statistic = std::string(fn);
      const std::size_t dot = arg.find('.');
      if (dot != std::string_view::npos) {
        const std::string_view step_kind = arg.substr(0, dot);
        if (!one_of(kStepKinds, step_kind)) {
          error = "\"" + t.expression + "\": unknown step kind \"" + std::string(step_kind) +
                  "\" (get, stream, poll, chain or iteration)";
          return std::nullopt;
        }
        t.step_kind = std::string(step_kind);
        arg = arg.substr(dot + 1);
      }
      if (!known_time_metric(arg) && !is_count_metric(arg)) {
        error = "\"" + t.expression + "\": unknown metric \"" + std::string(arg) +
                "\" (latency, ttfb, ttfe, ttft, poll_to_terminal, resume_latency, each also "
                "_corrected; inter_event_gap, schedule_lag, iteration_duration; polls)";
        return std::nullopt;
      }
      t.metric = std::string(arg);
    } else {
      error = "\"" + t.expression + "\": unknown function \"" + std::string(fn) +
              "\" (p50, p90, p95, p99, p999, max, mean, min or rate)";
      return std::nullopt;
    }
  } else if (subject == "checks") {
    t.kind = Threshold::Kind::kRate;
    t.metric = "checks";
  } else if (known_counter(subject)) {
    t.kind = Threshold::Kind::kCounter;
    t.metric = std::string(subject);
  } else {
    error = "\"" + t.expression + "\": unknown metric or counter \"" + std::string(subject) + "\"";
    return std::nullopt;
  }

  const std::optional<double> number = take_number(rest);
  if (!number) {
    error = "\"" + t.expression + "\": the value must be a non-negative number";
    return std::nullopt;
  }
  const std::string_view unit = trim(rest);
  switch (t.kind) {
    case Threshold::Kind::kPercentile:
      if (is_count_metric(t.metric)) {
        if (!unit.empty()) {
          error = "\"" + t.expression + "\": " + t.metric +
                  " is a count, compared with a plain number (no unit)";
          return std::nullopt;
        }
        t.value = *number;
      } else if (unit == "us") {
        t.value = *number;
      } else if (unit == "ms") {
        t.value = *number * 1e3;
      } else if (unit == "s") {
        t.value = *number * 1e6;
      } else {
        error = "\"" + t.expression + "\": a time needs a unit: us, ms or s";
        return std::nullopt;
      }
      break;
    case Threshold::Kind::kRate:
      if (unit == "%") {
        t.value = *number / 100.0;
      } else if (unit.empty()) {
        t.value = *number;
      } else {
        error = "\"" + t.expression + "\": a rate is a fraction (0.001) or a percentage (0.1%)";
        return std::nullopt;
      }
      if (t.value > 1.0) {
        error = "\"" + t.expression + "\": a rate lies within 0..100%";
        return std::nullopt;
      }
      break;
    case Threshold::Kind::kCounter:
      if (!unit.empty()) {
        error = "\"" + t.expression + "\": a counter is compared with a plain number";
        return std::nullopt;
      }
      t.value = *number;
      break;
  }
  return t;
}

}  // namespace ixh
