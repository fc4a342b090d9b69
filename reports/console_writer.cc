#include "reports/console_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "core/threshold.h"

namespace ixh {
namespace {

// Display orders; names not listed follow in alphabetical order.
constexpr std::array<std::string_view, 6> kKindOrder = {"get",   "stream", "poll",
                                                        "chain", "wait",   "probe"};
// Metrics of DESIGN.md §8; each _corrected variant follows its base metric (see RankMetric).
constexpr std::array<std::string_view, 9> kMetricOrder = {
    "latency",          "ttfb",  "ttfe",        "ttft", "inter_event_gap", "resume_latency",
    "poll_to_terminal", "polls", "schedule_lag"};
constexpr std::array<std::string_view, 7> kErrorOrder = {
    "connect", "timeout", "http_status", "protocol", "sse_parse", "check_failed", "cancelled"};

template <std::size_t N>
std::size_t Rank(const std::array<std::string_view, N>& order, std::string_view name) {
  const auto it = std::find(order.begin(), order.end(), name);
  return static_cast<std::size_t>(it - order.begin());  // N when not listed
}

// Sort key of a metric: base metrics in kMetricOrder, each followed by its _corrected variant.
std::pair<std::size_t, int> RankMetric(std::string_view name) {
  constexpr std::string_view kCorrected = "_corrected";
  int corrected = 0;
  if (name.size() > kCorrected.size() && name.ends_with(kCorrected)) {
    name.remove_suffix(kCorrected.size());
    corrected = 1;
  }
  return {Rank(kMetricOrder, name), corrected};
}

// The keys of a map in display order: listed names first by `rank`, then the rest by name.
template <typename Map, typename RankFn>
std::vector<std::string> Ordered(const Map& map, RankFn rank) {
  std::vector<std::string> keys;
  for (const auto& entry : map) keys.push_back(entry.first);
  std::stable_sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    return rank(a) < rank(b);
  });  // the map's order (by name) is kept among keys of equal rank
  return keys;
}

std::string Plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// One line of report text: control characters escaped, so that a string coming from a server
// cannot move the cursor, clear the screen or colour the log.
std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// A possibly multi-line value: each line escaped, continuation lines indented by `indent`.
std::string EscapeLines(std::string_view s, std::size_t indent) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = s.find('\n', start);
    out += Escape(s.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    out += '\n';
    out.append(indent, ' ');
    start = nl + 1;
  }
  return out;
}

// Fixed-point with `decimals` digits, independent of the C and C++ locales.
std::string Fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "?";
  std::array<char, 64> buf{};
  const auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "?";
  return std::string(buf.data(), end);
}

std::string FormatDuration(double ms) {
  if (!std::isfinite(ms)) return "?";
  if (std::fabs(ms) < 1000) return format_thousandths(std::llround(ms * 1000)) + " ms";
  if (std::fabs(ms) >= 1e15) return Fixed(ms / 1000, 0) + " s";
  return format_thousandths(std::llround(ms)) + " s";
}

std::string OrDash(std::string s) { return s.empty() ? "-" : s; }
std::string OrEmpty(std::string s) { return s.empty() ? "(empty)" : s; }

std::string PadLeft(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string PadRight(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// Width in terminal columns, counting a UTF-8 sequence as one column.
std::size_t Columns(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

const char* ExitCodeMeaning(int code) {
  switch (code) {
    case 0:
      return "success";
    case 1:
      return "a threshold failed";
    case 2:
      return "usage or scenario error";
    case 3:
      return "target unreachable or mock did not start";
    default:
      return "unknown";
  }
}

class Printer {
 public:
  Printer(const ConsoleWriterOptions& options, std::string& out) : options_(options), out_(out) {}

  void Report(const RunReport& report) {
    Header(report);
    Scenarios(report);
    Metrics(report);
    CountersSection(report.counters);
    if (report.load) LoadSection(*report.load);
    Verdict(report);
  }

 private:
  std::string Paint(std::string_view text, std::string_view sgr) const {
    if (!options_.color) return std::string(text);
    return "\x1b[" + std::string(sgr) + "m" + std::string(text) + "\x1b[0m";
  }
  std::string Status(bool passed) const {
    return passed ? Paint("PASS", "32") : Paint("FAIL", "1;31");
  }

  void Line(std::string_view text = {}) {
    out_ += text;
    out_ += '\n';
  }

  void Header(const RunReport& r) {
    Line(Paint(
        r.ixh_version.empty() ? "ixh run report" : "ixh " + Escape(r.ixh_version) + " run report",
        "1"));
    Line("  target:      " + OrDash(Escape(r.target)));
    Line("  dialect:     " + OrDash(Escape(r.dialect)));
    Line("  started at:  " + OrDash(Escape(r.started_at)));
    Line("  duration:    " + FormatDuration(r.duration_ms));
    // A reader of the summary must see that some invariants were not judged at all.
    if (const auto it = r.options.find("skip_checks"); it != r.options.end() && it->is_array()) {
      std::string names;
      for (const auto& name : *it) {
        if (!name.is_string()) continue;
        if (!names.empty()) names += ", ";
        names += Escape(name.get<std::string>());
      }
      if (!names.empty()) Line("  not judged:  " + names + " (--skip-check)");
    }
    if (r.partial) {
      Line();
      Line(Paint("PARTIAL", "1;33") +
           ": the run was stopped early; the numbers cover only what ran");
    }
  }

  void Scenarios(const RunReport& r) {
    Line();
    Line(Paint("Scenarios", "1"));
    if (r.scenarios.empty()) Line("  (none)");
    for (const ScenarioReport& scenario : r.scenarios) {
      std::string line = Status(scenario.passed()) + "  " + Escape(scenario.name);
      if (!scenario.file.empty()) line += "  (" + Escape(scenario.file) + ")";
      Line(line);
      for (const StepReport& step : scenario.steps) Step(step);
    }
  }

  void Step(const StepReport& step) {
    const auto failed = static_cast<std::uint64_t>(std::count_if(
        step.checks.begin(), step.checks.end(), [](const CheckRecord& c) { return !c.passed; }));
    std::string line =
        "  [" + Status(failed == 0) + "] " + std::to_string(step.index) + " " + Escape(step.kind);
    if (!step.interaction.empty()) line += " " + Escape(step.interaction);
    line += "  (" + Fixed(step.duration_ms, 1) + " ms, " +
            Plural(step.checks.size(), "check", "checks");
    if (failed != 0) line += ", " + std::to_string(failed) + " failed";
    line += ")";
    if (failed != 0 && !step.pointer.empty()) line += "  at " + Escape(step.pointer);
    Line(line);
    for (const CheckRecord& check : step.checks) {
      if (!check.passed) {
        Line("    " + Paint("FAIL", "1;31") + " " + Escape(check.check));
        constexpr std::size_t kIndent = 9;  // under the check name
        const std::string pad(kIndent, ' ');
        if (!check.where.empty()) Line(pad + "where:    " + Escape(check.where));
        Line(pad + "expected: " + OrEmpty(EscapeLines(check.expected, kIndent + 10)));
        Line(pad + "actual:   " + OrEmpty(EscapeLines(check.actual, kIndent + 10)));
      } else if (options_.verbose) {
        std::string ok = "    ok   " + Escape(check.check);
        if (!check.where.empty()) ok += "  at " + Escape(check.where);
        if (!check.actual.empty()) ok += ": " + Escape(check.actual);
        Line(ok);
      }
    }
  }

  void Metrics(const RunReport& r) {
    Line();
    Line(Paint("Latency", "1") + " (ms, by step kind)");
    if (r.metrics.empty()) {
      Line("  (no measurements)");
      return;
    }
    static constexpr std::array<std::string_view, 6> kHeader = {"metric", "count", "p50",
                                                                "p90",    "p99",   "max"};
    struct Table {
      std::string kind;
      std::vector<std::array<std::string, 6>> rows;
      std::vector<std::string> notes;
    };
    std::vector<Table> tables;
    std::array<std::size_t, 6> width{};
    for (std::size_t c = 0; c < kHeader.size(); ++c) width[c] = kHeader[c].size();
    const auto kinds = Ordered(r.metrics, [](const std::string& k) { return Rank(kKindOrder, k); });
    for (const std::string& kind : kinds) {
      const auto& by_metric = r.metrics.at(kind);
      Table table{Escape(kind), {}, {}};
      for (const std::string& metric : Ordered(by_metric, RankMetric)) {
        const Histogram& h = by_metric.at(metric);
        std::array<std::string, 6> row;
        row[0] = Escape(metric);
        row[1] = std::to_string(h.count());
        if (h.count() == 0) {
          std::fill(row.begin() + 2, row.end(), "-");
        } else if (is_count_metric(metric)) {
          // Counts, not times: whole numbers, and the name says so.
          row[0] += " (count)";
          row[2] = std::to_string(h.value_at_percentile(50));
          row[3] = std::to_string(h.value_at_percentile(90));
          row[4] = std::to_string(h.value_at_percentile(99));
          row[5] = std::to_string(h.max());
        } else {
          row[2] = format_thousandths(h.value_at_percentile(50));
          row[3] = format_thousandths(h.value_at_percentile(90));
          row[4] = format_thousandths(h.value_at_percentile(99));
          row[5] = format_thousandths(h.max());
        }
        if (h.saturated() != 0) {
          table.notes.push_back(
              row[0] + ": " + Plural(static_cast<std::uint64_t>(h.saturated()), "value", "values") +
              " above 1 h counted as 1 h");
        }
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], Columns(row[c]));
        table.rows.push_back(std::move(row));
      }
      tables.push_back(std::move(table));
    }
    for (const Table& table : tables) {
      if (table.rows.empty()) {
        Line("  " + table.kind + "  (no metrics)");
        continue;
      }
      Line("  " + table.kind);
      Line(TableRow(width,
                    {std::string(kHeader[0]), std::string(kHeader[1]), std::string(kHeader[2]),
                     std::string(kHeader[3]), std::string(kHeader[4]), std::string(kHeader[5])}));
      for (const auto& row : table.rows) Line(TableRow(width, row));
      for (const std::string& note : table.notes) Line("    note: " + note);
    }
  }

  static std::string TableRow(const std::array<std::size_t, 6>& width,
                              const std::array<std::string, 6>& cells) {
    std::string line = "    " + cells[0] + std::string(width[0] - Columns(cells[0]), ' ');
    for (std::size_t c = 1; c < cells.size(); ++c) {
      line += "  " + std::string(width[c] - Columns(cells[c]), ' ') + cells[c];
    }
    return line;
  }

  void CountersSection(const Counters& c) {
    Line();
    Line(Paint("Counters", "1"));
    std::vector<std::pair<std::string, std::string>> rows = {
        {"requests", std::to_string(c.requests)},
        {"events", std::to_string(c.events)},
        {"bytes", std::to_string(c.bytes)},
        {"checks passed", std::to_string(c.checks_passed)},
        {"checks failed", std::to_string(c.checks_failed)},
        {"resumes attempted", std::to_string(c.resumes_attempted)},
        {"resumes succeeded", std::to_string(c.resumes_succeeded)},
        {"events lost", std::to_string(c.events_lost)},
        {"events duplicated", std::to_string(c.events_duplicated)},
    };
    const auto classes =
        Ordered(c.errors, [](const std::string& k) { return Rank(kErrorOrder, k); });
    bool any_error = false;
    for (const std::string& error_class : classes) {
      const std::uint64_t n = c.errors.at(error_class);
      if (n == 0) continue;
      rows.emplace_back("errors: " + Escape(error_class), std::to_string(n));
      any_error = true;
    }
    if (!any_error) rows.emplace_back("errors", "none");
    for (const auto& [kind, n] : c.breaks) {
      if (n != 0) rows.emplace_back("breaks: " + Escape(kind), std::to_string(n));
    }
    std::size_t label_width = 0;
    std::size_t value_width = 0;
    for (const auto& [label, value] : rows) {
      label_width = std::max(label_width, Columns(label));
      value_width = std::max(value_width, value.size());
    }
    for (const auto& [label, value] : rows) {
      Line("  " + PadRight(label, label_width) + "  " + PadLeft(value, value_width));
    }
  }

  // Load runs: how the load ran, the thresholds and the per-second series in brief.
  void LoadSection(const LoadReport& l) {
    Line();
    Line(Paint("Load", "1"));
    std::string mode = "  mode:        " + Escape(l.mode) + " loop";
    if (!l.arrival.empty()) mode += ", " + Escape(l.arrival) + " arrivals";
    mode += ", " + Plural(static_cast<std::uint64_t>(l.workers), "worker", "workers");
    Line(mode);
    Line("  measured:    " + format_thousandths(std::llround(l.measured_s * 1e3)) + " s after " +
         format_thousandths(std::llround(l.warmup_s * 1e3)) + " s of warm-up");
    std::string its = "  iterations:  " + std::to_string(l.iterations);
    if (l.measured_s > 0) {
      its += " (" +
             format_thousandths(
                 std::llround(static_cast<double>(l.iterations) / l.measured_s * 1000)) +
             "/s)";
    }
    its += ", " + std::to_string(l.iterations_interrupted) + " interrupted, " +
           std::to_string(l.warmup_iterations) + " in warm-up";
    Line(its);
    if (l.mode != "closed") {
      Line("  arrivals:    " + std::to_string(l.arrivals) + ", dropped " +
           std::to_string(l.dropped));
    }
    if (!l.timeseries.empty()) {
      std::uint64_t peak = 0;
      for (const TimePoint& p : l.timeseries) peak = std::max(peak, p.requests);
      Line("  per second:  " + std::to_string(l.timeseries.size()) +
           " points in the JSON report; peak " + std::to_string(peak) + " requests/s");
    }
    if (l.thresholds.empty()) return;
    Line();
    Line(Paint("Thresholds", "1"));
    for (const ThresholdResult& t : l.thresholds) {
      Line(Status(t.passed) + "  " + Escape(t.expression) + "  actual " + Escape(t.actual) + "  (" +
           Escape(t.source) + ")");
    }
  }

  void Verdict(const RunReport& r) {
    const ReportSummary s = summarize(r);
    const std::uint64_t total = s.checks_passed + s.checks_failed;
    const bool passed = s.checks_failed == 0 && r.exit_code == 0;
    std::string line = "ixh: " + Status(passed) + " — ";
    if (s.checks_failed != 0) {
      line += std::to_string(s.checks_failed) + " of " + Plural(total, "check", "checks") +
              " failed in " + Plural(s.scenarios_failed, "scenario", "scenarios");
    } else {
      line += Plural(s.scenarios, "scenario", "scenarios") + ", " +
              Plural(s.checks_passed, "check", "checks") + " passed";
      // A load run tallies each check once per step; say how often each was evaluated.
      if (r.load) {
        line += " over " + Plural(r.load->iterations, "iteration", "iterations") + " (" +
                std::to_string(r.counters.checks_passed) + " evaluations)";
      }
    }
    std::uint64_t thresholds_failed = 0;
    if (r.load) {
      for (const ThresholdResult& t : r.load->thresholds) thresholds_failed += t.passed ? 0 : 1;
    }
    if (thresholds_failed > 0) {
      line += "; " + std::to_string(thresholds_failed) + " of " +
              Plural(r.load->thresholds.size(), "threshold", "thresholds") + " failed";
    }
    // Say why the exit code is not 0 when the failed checks do not already say it.
    if (r.exit_code != 0 &&
        !(r.exit_code == 1 && (s.checks_failed != 0 || r.partial || thresholds_failed > 0))) {
      line +=
          "; exit code " + std::to_string(r.exit_code) + " (" + ExitCodeMeaning(r.exit_code) + ")";
    }
    if (r.partial) line += " (partial run)";
    Line();
    Line(line);
  }

  const ConsoleWriterOptions& options_;
  std::string& out_;
};

}  // namespace

std::string format_thousandths(std::int64_t n) {
  std::string sign;
  std::uint64_t u = static_cast<std::uint64_t>(n);
  if (n < 0) {
    sign = "-";
    u = ~u + 1;  // also right for INT64_MIN
  }
  const auto digits = [](std::uint64_t v, int width) {
    std::string s = std::to_string(v);
    return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))),
                       '0') +
           s;
  };
  if (u == 0) return "0";
  if (u >= 99'950) return sign + std::to_string(u / 1000 + (u % 1000 >= 500 ? 1 : 0));
  if (u >= 9'995) {
    const std::uint64_t tenths = (u + 50) / 100;
    return sign + std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
  }
  if (u >= 1'000) {
    const std::uint64_t hundredths = (u + 5) / 10;
    return sign + std::to_string(hundredths / 100) + "." + digits(hundredths % 100, 2);
  }
  return sign + "0." + digits(u, 3);
}

void ConsoleWriter::write(const RunReport& report, std::ostream& out) const {
  std::string text;
  Printer(options_, text).Report(report);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace ixh
