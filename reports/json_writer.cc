#include "reports/json_writer.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/json_pointer.h"

namespace ixh {
namespace {

using OrderedJson = nlohmann::ordered_json;
using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Writing

// Histogram::to_json() in the order its header documents (unit, layout, summary, buckets).
OrderedJson HistogramJson(const Histogram& h) {
  const Json j = h.to_json();
  static constexpr std::array<const char*, 9> kOrder = {
      "unit", "significant_digits", "max_trackable", "count", "min", "max",
      "sum",  "saturated",          "buckets"};
  OrderedJson out = OrderedJson::object();
  for (const char* key : kOrder) {
    if (j.contains(key)) out[key] = OrderedJson(j.at(key));
  }
  for (const auto& [key, value] : j.items()) {
    if (!out.contains(key)) out[key] = OrderedJson(value);
  }
  return out;
}

OrderedJson MetricJson(const Histogram& h) {
  OrderedJson m = OrderedJson::object();
  m["count"] = h.count();
  m["min_us"] = h.min();
  m["max_us"] = h.max();
  m["mean_us"] = h.mean();
  m["stddev_us"] = h.stddev();
  m["p50_us"] = h.value_at_percentile(50);
  m["p90_us"] = h.value_at_percentile(90);
  m["p99_us"] = h.value_at_percentile(99);
  m["p999_us"] = h.value_at_percentile(99.9);
  m["histogram"] = HistogramJson(h);
  return m;
}

OrderedJson CheckJson(const CheckRecord& c) {
  OrderedJson j = OrderedJson::object();
  j["check"] = c.check;
  j["passed"] = c.passed;
  j["expected"] = c.expected;
  j["actual"] = c.actual;
  j["where"] = c.where;
  return j;
}

OrderedJson StepJson(const StepReport& s) {
  OrderedJson j = OrderedJson::object();
  j["index"] = s.index;
  j["kind"] = s.kind;
  j["interaction"] = s.interaction;
  j["pointer"] = s.pointer;
  j["duration_ms"] = s.duration_ms;
  j["passed"] = s.passed();
  OrderedJson checks = OrderedJson::array();
  for (const CheckRecord& c : s.checks) checks.push_back(CheckJson(c));
  j["checks"] = std::move(checks);
  return j;
}

OrderedJson ScenarioJson(const ScenarioReport& s) {
  OrderedJson j = OrderedJson::object();
  j["name"] = s.name;
  j["file"] = s.file;
  j["sha256"] = s.sha256;
  j["passed"] = s.passed();
  OrderedJson steps = OrderedJson::array();
  for (const StepReport& step : s.steps) steps.push_back(StepJson(step));
  j["steps"] = std::move(steps);
  return j;
}

OrderedJson CountersJson(const Counters& c) {
  OrderedJson j = OrderedJson::object();
  j["requests"] = c.requests;
  j["events"] = c.events;
  j["bytes"] = c.bytes;
  j["checks_passed"] = c.checks_passed;
  j["checks_failed"] = c.checks_failed;
  j["resumes_attempted"] = c.resumes_attempted;
  j["resumes_succeeded"] = c.resumes_succeeded;
  j["events_lost"] = c.events_lost;
  j["events_duplicated"] = c.events_duplicated;
  OrderedJson errors = OrderedJson::object();
  for (const auto& [error_class, n] : c.errors) errors[error_class] = n;
  j["errors"] = std::move(errors);
  // Written only when a stream broke, so reports of runs without breaks stay as they were.
  if (!c.breaks.empty()) {
    OrderedJson breaks = OrderedJson::object();
    for (const auto& [kind, n] : c.breaks) breaks[kind] = n;
    j["breaks"] = std::move(breaks);
  }
  return j;
}

OrderedJson LoadJson(const LoadReport& l) {
  OrderedJson j = OrderedJson::object();
  j["mode"] = l.mode;
  j["arrival"] = l.arrival;
  j["workers"] = l.workers;
  j["measured_s"] = l.measured_s;
  j["warmup_s"] = l.warmup_s;
  j["iterations"] = l.iterations;
  j["iterations_interrupted"] = l.iterations_interrupted;
  j["warmup_iterations"] = l.warmup_iterations;
  j["arrivals"] = l.arrivals;
  j["dropped"] = l.dropped;
  OrderedJson thresholds = OrderedJson::array();
  for (const ThresholdResult& t : l.thresholds) {
    OrderedJson o = OrderedJson::object();
    o["expression"] = t.expression;
    o["source"] = t.source;
    o["passed"] = t.passed;
    o["actual"] = t.actual;
    thresholds.push_back(std::move(o));
  }
  j["thresholds"] = std::move(thresholds);
  OrderedJson series = OrderedJson::array();
  for (const TimePoint& p : l.timeseries) {
    OrderedJson o = OrderedJson::object();
    o["second"] = p.second;
    o["requests"] = p.requests;
    o["events"] = p.events;
    o["errors"] = p.errors;
    o["iterations"] = p.iterations;
    o["dropped"] = p.dropped;
    o["latency_p50_us"] = p.latency_p50_us;
    o["latency_p99_us"] = p.latency_p99_us;
    o["ttfe_p50_us"] = p.ttfe_p50_us;
    o["ttfe_p99_us"] = p.ttfe_p99_us;
    series.push_back(std::move(o));
  }
  j["timeseries"] = std::move(series);
  return j;
}

std::string Dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

// Two-space indentation like dump(2), except that an array holding no object or array is
// written on one line: a histogram's [index, count] pairs take one line each, not four.
void Emit(const OrderedJson& j, std::size_t indent, std::string& out) {
  const bool structured_array =
      j.is_array() &&
      std::any_of(j.begin(), j.end(), [](const OrderedJson& e) { return e.is_structured(); });
  if (j.is_array() && !j.empty() && !structured_array) {
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i != 0) out += ", ";
      out += Dump(j[i]);
    }
    out += ']';
    return;
  }
  if (!j.is_structured() || j.empty()) {
    out += Dump(j);
    return;
  }
  out += j.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out.append(indent + 2, ' ');
    if (j.is_object()) out += Dump(OrderedJson(it.key())) + ": ";
    Emit(it.value(), indent + 2, out);
  }
  out += '\n';
  out.append(indent, ' ');
  out += j.is_object() ? '}' : ']';
}

// ---------------------------------------------------------------------------------------------
// Reading

std::string Child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + json_pointer_token(key);
}

std::string Child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

[[noreturn]] void Fail(const std::string& pointer, const std::string& what) {
  throw std::invalid_argument("run report JSON: at " + (pointer.empty() ? "/" : pointer) + ": " +
                              what);
}

// A value for an error message, shortened.
std::string Show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr std::size_t kMax = 60;
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

// Requires `v` to be an object with exactly `keys`.
void ExpectKeys(const Json& v, const std::string& pointer,
                std::initializer_list<std::string_view> keys) {
  if (!v.is_object()) Fail(pointer, "expected an object, got " + Show(v));
  for (const auto& [key, value] : v.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      Fail(Child(pointer, key), "unknown key");
    }
  }
  for (const std::string_view key : keys) {
    if (!v.contains(key)) Fail(Child(pointer, key), "required key missing");
  }
}

std::string String(const Json& v, const std::string& pointer) {
  if (!v.is_string()) Fail(pointer, "expected a string, got " + Show(v));
  return v.get<std::string>();
}

bool Bool(const Json& v, const std::string& pointer) {
  if (!v.is_boolean()) Fail(pointer, "expected true or false, got " + Show(v));
  return v.get<bool>();
}

double Number(const Json& v, const std::string& pointer) {
  if (!v.is_number()) Fail(pointer, "expected a number, got " + Show(v));
  return v.get<double>();
}

std::uint64_t Unsigned(const Json& v, const std::string& pointer) {
  // A parsed document holds non-negative integers as unsigned; one built in C++ may not.
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
    Fail(pointer, "expected a non-negative integer, got " + Show(v));
  }
  return static_cast<std::uint64_t>(v.get<std::int64_t>());
}

std::int64_t Int(const Json& v, const std::string& pointer, std::int64_t min, std::int64_t max) {
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v.is_number_integer()) Fail(pointer, "expected " + range + ", got " + Show(v));
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                             : (v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)) {
    Fail(pointer, "expected " + range + ", got " + Show(v));
  }
  return v.get<std::int64_t>();
}

void ExpectDerived(bool stated, bool actual, const std::string& pointer, const char* why_false) {
  if (stated != actual) {
    Fail(pointer, std::string(stated ? "true" : "false") + " but " +
                      (actual ? "every check passed" : why_false));
  }
}

CheckRecord ReadCheck(const Json& v, const std::string& p) {
  ExpectKeys(v, p, {"check", "passed", "expected", "actual", "where"});
  CheckRecord c;
  c.check = String(v["check"], Child(p, "check"));
  c.passed = Bool(v["passed"], Child(p, "passed"));
  c.expected = String(v["expected"], Child(p, "expected"));
  c.actual = String(v["actual"], Child(p, "actual"));
  c.where = String(v["where"], Child(p, "where"));
  return c;
}

StepReport ReadStep(const Json& v, const std::string& p) {
  ExpectKeys(v, p, {"index", "kind", "interaction", "pointer", "duration_ms", "passed", "checks"});
  StepReport s;
  s.index = Unsigned(v["index"], Child(p, "index"));
  s.kind = String(v["kind"], Child(p, "kind"));
  s.interaction = String(v["interaction"], Child(p, "interaction"));
  s.pointer = String(v["pointer"], Child(p, "pointer"));
  s.duration_ms = Number(v["duration_ms"], Child(p, "duration_ms"));
  const Json& checks = v["checks"];
  if (!checks.is_array()) Fail(Child(p, "checks"), "expected an array, got " + Show(checks));
  for (std::size_t i = 0; i < checks.size(); ++i) {
    s.checks.push_back(ReadCheck(checks[i], Child(Child(p, "checks"), i)));
  }
  ExpectDerived(Bool(v["passed"], Child(p, "passed")), s.passed(), Child(p, "passed"),
                "a check failed");
  return s;
}

ScenarioReport ReadScenario(const Json& v, const std::string& p) {
  ExpectKeys(v, p, {"name", "file", "sha256", "passed", "steps"});
  ScenarioReport s;
  s.name = String(v["name"], Child(p, "name"));
  s.file = String(v["file"], Child(p, "file"));
  s.sha256 = String(v["sha256"], Child(p, "sha256"));
  const Json& steps = v["steps"];
  if (!steps.is_array()) Fail(Child(p, "steps"), "expected an array, got " + Show(steps));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    s.steps.push_back(ReadStep(steps[i], Child(Child(p, "steps"), i)));
  }
  ExpectDerived(Bool(v["passed"], Child(p, "passed")), s.passed(), Child(p, "passed"),
                "a check of the scenario failed");
  return s;
}

Histogram ReadHistogram(const Json& v, const std::string& p) {
  try {
    return Histogram::from_json(v);
  } catch (const std::invalid_argument& e) {
    // "histogram JSON: at /buckets/0: what" becomes "at <p>/buckets/0: what".
    const std::string what = e.what();
    constexpr std::string_view kPrefix = "histogram JSON: at ";
    const std::size_t colon = what.find(": ", kPrefix.size());
    if (what.starts_with(kPrefix) && colon != std::string::npos) {
      std::string inner = what.substr(kPrefix.size(), colon - kPrefix.size());
      if (inner == "/") inner.clear();
      Fail(p + inner, "invalid histogram: " + what.substr(colon + 2));
    }
    Fail(p, "invalid histogram: " + what);
  }
}

Histogram ReadMetric(const Json& v, const std::string& p) {
  ExpectKeys(v, p,
             {"count", "min_us", "max_us", "mean_us", "stddev_us", "p50_us", "p90_us", "p99_us",
              "p999_us", "histogram"});
  Histogram h = ReadHistogram(v["histogram"], Child(p, "histogram"));
  const auto agree = [&](const char* key, std::int64_t actual) {
    const std::string pointer = Child(p, key);
    if (Unsigned(v[key], pointer) != static_cast<std::uint64_t>(actual)) {
      Fail(pointer, Show(v[key]) + " but the histogram says " + std::to_string(actual));
    }
  };
  agree("count", h.count());
  agree("min_us", h.min());
  agree("max_us", h.max());
  for (const char* key : {"p50_us", "p90_us", "p99_us", "p999_us"}) {
    Int(v[key], Child(p, key), 0, Histogram::kMaxTrackable);
  }
  for (const char* key : {"mean_us", "stddev_us"}) {
    if (Number(v[key], Child(p, key)) < 0) Fail(Child(p, key), "expected a number >= 0");
  }
  return h;
}

MetricHistograms ReadMetrics(const Json& v, const std::string& p) {
  if (!v.is_object()) Fail(p, "expected an object, got " + Show(v));
  MetricHistograms metrics;
  for (const auto& [kind, by_metric] : v.items()) {
    const std::string kind_pointer = Child(p, kind);
    if (!by_metric.is_object()) Fail(kind_pointer, "expected an object, got " + Show(by_metric));
    auto& out = metrics[kind];
    for (const auto& [metric, value] : by_metric.items()) {
      const std::string metric_pointer = Child(kind_pointer, metric);
      out.emplace(metric, ReadMetric(value, metric_pointer));
    }
  }
  return metrics;
}

Counters ReadCounters(const Json& v, const std::string& p) {
  // `breaks` is optional (written only when a stream broke); every other key is required.
  Json required = v;
  if (required.is_object()) required.erase("breaks");
  ExpectKeys(required, p,
             {"requests", "events", "bytes", "checks_passed", "checks_failed", "resumes_attempted",
              "resumes_succeeded", "events_lost", "events_duplicated", "errors"});
  Counters c;
  const std::pair<const char*, std::uint64_t*> fields[] = {
      {"requests", &c.requests},
      {"events", &c.events},
      {"bytes", &c.bytes},
      {"checks_passed", &c.checks_passed},
      {"checks_failed", &c.checks_failed},
      {"resumes_attempted", &c.resumes_attempted},
      {"resumes_succeeded", &c.resumes_succeeded},
      {"events_lost", &c.events_lost},
      {"events_duplicated", &c.events_duplicated},
  };
  for (const auto& [key, field] : fields) *field = Unsigned(v[key], Child(p, key));
  const Json& errors = v["errors"];
  const std::string errors_pointer = Child(p, "errors");
  if (!errors.is_object()) Fail(errors_pointer, "expected an object, got " + Show(errors));
  for (const auto& [error_class, n] : errors.items()) {
    const std::string pointer = Child(errors_pointer, error_class);
    c.errors[error_class] = Unsigned(n, pointer);
  }
  if (v.contains("breaks")) {
    const Json& breaks = v["breaks"];
    const std::string breaks_pointer = Child(p, "breaks");
    if (!breaks.is_object()) Fail(breaks_pointer, "expected an object, got " + Show(breaks));
    for (const auto& [kind, n] : breaks.items()) {
      c.breaks[kind] = Unsigned(n, Child(breaks_pointer, kind));
    }
  }
  return c;
}

LoadReport ReadLoad(const Json& v, const std::string& p) {
  ExpectKeys(v, p,
             {"mode", "arrival", "workers", "measured_s", "warmup_s", "iterations",
              "iterations_interrupted", "warmup_iterations", "arrivals", "dropped", "thresholds",
              "timeseries"});
  LoadReport l;
  l.mode = String(v["mode"], Child(p, "mode"));
  if (l.mode != "closed" && l.mode != "open" && l.mode != "paced") {
    Fail(Child(p, "mode"), "expected \"closed\", \"open\" or \"paced\", got " + Show(v["mode"]));
  }
  l.arrival = String(v["arrival"], Child(p, "arrival"));
  l.workers = Int(v["workers"], Child(p, "workers"), 1, 256);
  l.measured_s = Number(v["measured_s"], Child(p, "measured_s"));
  l.warmup_s = Number(v["warmup_s"], Child(p, "warmup_s"));
  const std::pair<const char*, std::uint64_t*> fields[] = {
      {"iterations", &l.iterations},
      {"iterations_interrupted", &l.iterations_interrupted},
      {"warmup_iterations", &l.warmup_iterations},
      {"arrivals", &l.arrivals},
      {"dropped", &l.dropped},
  };
  for (const auto& [key, field] : fields) *field = Unsigned(v[key], Child(p, key));
  const std::string tp = Child(p, "thresholds");
  if (!v["thresholds"].is_array()) Fail(tp, "expected an array, got " + Show(v["thresholds"]));
  for (std::size_t i = 0; i < v["thresholds"].size(); ++i) {
    const Json& t = v["thresholds"][i];
    const std::string ip = Child(tp, i);
    ExpectKeys(t, ip, {"expression", "source", "passed", "actual"});
    l.thresholds.push_back(
        {String(t["expression"], Child(ip, "expression")), String(t["source"], Child(ip, "source")),
         Bool(t["passed"], Child(ip, "passed")), String(t["actual"], Child(ip, "actual"))});
  }
  const std::string sp = Child(p, "timeseries");
  if (!v["timeseries"].is_array()) Fail(sp, "expected an array, got " + Show(v["timeseries"]));
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < v["timeseries"].size(); ++i) {
    const Json& o = v["timeseries"][i];
    const std::string ip = Child(sp, i);
    ExpectKeys(o, ip,
               {"second", "requests", "events", "errors", "iterations", "dropped", "latency_p50_us",
                "latency_p99_us", "ttfe_p50_us", "ttfe_p99_us"});
    TimePoint t;
    t.second = Int(o["second"], Child(ip, "second"), previous + 1,
                   std::numeric_limits<std::int64_t>::max());
    previous = t.second;
    const std::pair<const char*, std::uint64_t*> counts[] = {
        {"requests", &t.requests},     {"events", &t.events},   {"errors", &t.errors},
        {"iterations", &t.iterations}, {"dropped", &t.dropped},
    };
    for (const auto& [key, field] : counts) *field = Unsigned(o[key], Child(ip, key));
    const std::pair<const char*, std::int64_t*> times[] = {
        {"latency_p50_us", &t.latency_p50_us},
        {"latency_p99_us", &t.latency_p99_us},
        {"ttfe_p50_us", &t.ttfe_p50_us},
        {"ttfe_p99_us", &t.ttfe_p99_us},
    };
    for (const auto& [key, field] : times) {
      *field = Int(o[key], Child(ip, key), 0, Histogram::kMaxTrackable);
    }
    l.timeseries.push_back(t);
  }
  return l;
}

void CheckSummary(const Json& v, const std::string& p, const RunReport& report) {
  ExpectKeys(v, p, {"scenarios", "scenarios_failed", "checks_passed", "checks_failed"});
  const ReportSummary s = summarize(report);
  const std::pair<const char*, std::uint64_t> fields[] = {
      {"scenarios", s.scenarios},
      {"scenarios_failed", s.scenarios_failed},
      {"checks_passed", s.checks_passed},
      {"checks_failed", s.checks_failed},
  };
  for (const auto& [key, actual] : fields) {
    const std::string pointer = Child(p, key);
    if (Unsigned(v[key], pointer) != actual) {
      Fail(pointer, Show(v[key]) + " but the scenarios give " + std::to_string(actual));
    }
  }
}

}  // namespace

OrderedJson run_report_to_json(const RunReport& report) {
  OrderedJson j = OrderedJson::object();
  j["schema"] = kRunReportSchemaName;
  j["schema_version"] = RunReport::kSchemaVersion;
  j["ixh_version"] = report.ixh_version;
  j["started_at"] = report.started_at;
  j["duration_ms"] = report.duration_ms;
  j["target"] = report.target;
  j["dialect"] = report.dialect;
  j["options"] = OrderedJson(report.options);
  j["partial"] = report.partial;
  j["exit_code"] = report.exit_code;
  OrderedJson scenarios = OrderedJson::array();
  for (const ScenarioReport& s : report.scenarios) scenarios.push_back(ScenarioJson(s));
  j["scenarios"] = std::move(scenarios);
  OrderedJson metrics = OrderedJson::object();
  for (const auto& [kind, by_metric] : report.metrics) {
    OrderedJson m = OrderedJson::object();
    for (const auto& [metric, h] : by_metric) m[metric] = MetricJson(h);
    metrics[kind] = std::move(m);
  }
  j["metrics"] = std::move(metrics);
  j["counters"] = CountersJson(report.counters);
  if (report.load) j["load"] = LoadJson(*report.load);
  const ReportSummary s = summarize(report);
  OrderedJson summary = OrderedJson::object();
  summary["scenarios"] = s.scenarios;
  summary["scenarios_failed"] = s.scenarios_failed;
  summary["checks_passed"] = s.checks_passed;
  summary["checks_failed"] = s.checks_failed;
  j["summary"] = std::move(summary);
  return j;
}

void JsonWriter::write(const RunReport& report, std::ostream& out) const {
  std::string text;
  Emit(run_report_to_json(report), 0, text);
  text += '\n';
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

RunReport read_json_report(const Json& doc) {
  const std::string root;
  // "load" is there for load runs only.
  if (doc.is_object() && doc.contains("load")) {
    ExpectKeys(doc, root,
               {"schema", "schema_version", "ixh_version", "started_at", "duration_ms", "target",
                "dialect", "options", "partial", "exit_code", "scenarios", "metrics", "counters",
                "load", "summary"});
  } else {
    ExpectKeys(doc, root,
               {"schema", "schema_version", "ixh_version", "started_at", "duration_ms", "target",
                "dialect", "options", "partial", "exit_code", "scenarios", "metrics", "counters",
                "summary"});
  }
  if (String(doc["schema"], "/schema") != kRunReportSchemaName) {
    Fail("/schema",
         "expected \"" + std::string(kRunReportSchemaName) + "\", got " + Show(doc["schema"]));
  }
  const Json& version = doc["schema_version"];
  if (!version.is_number_integer() || version != RunReport::kSchemaVersion) {
    Fail("/schema_version", "unsupported version " + Show(version) + "; this ixh reads version " +
                                std::to_string(RunReport::kSchemaVersion));
  }
  RunReport r;
  r.ixh_version = String(doc["ixh_version"], "/ixh_version");
  r.started_at = String(doc["started_at"], "/started_at");
  r.duration_ms = Number(doc["duration_ms"], "/duration_ms");
  r.target = String(doc["target"], "/target");
  r.dialect = String(doc["dialect"], "/dialect");
  if (!doc["options"].is_object())
    Fail("/options", "expected an object, got " + Show(doc["options"]));
  r.options = doc["options"];
  r.partial = Bool(doc["partial"], "/partial");
  r.exit_code =
      static_cast<int>(Int(doc["exit_code"], "/exit_code", std::numeric_limits<int>::min(),
                           std::numeric_limits<int>::max()));
  const Json& scenarios = doc["scenarios"];
  if (!scenarios.is_array()) Fail("/scenarios", "expected an array, got " + Show(scenarios));
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    r.scenarios.push_back(ReadScenario(scenarios[i], Child("/scenarios", i)));
  }
  r.metrics = ReadMetrics(doc["metrics"], "/metrics");
  r.counters = ReadCounters(doc["counters"], "/counters");
  if (doc.contains("load")) r.load = ReadLoad(doc["load"], "/load");
  CheckSummary(doc["summary"], "/summary", r);
  return r;
}

}  // namespace ixh
