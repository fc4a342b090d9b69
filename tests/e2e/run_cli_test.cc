// End-to-end tests of `ixh run` (the built binary): the embedded mock passes the shipped
// conformance suite with a consistent JSON report; a false expectation exits 1 naming the check;
// a bad scenario exits 2 naming file and pointer; an unreachable target exits 3 (DESIGN.md §9);
// the suite passes against the mock in another process, and so do the invariant checks of
// `--target URL --id ID`; SIGINT stops a run promptly with a partial report. Every wait is
// bounded; no assertion depends on how fast the machine is.

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/e2e/process.h"

namespace ixh::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The verdict line of the console summary (reports/console_writer.cc).
constexpr std::string_view kPassVerdict = "ixh: PASS — ";
constexpr std::string_view kFailVerdict = "ixh: FAIL — ";

// A template that finishes at 0 ms with the text "right"; its stream step expects "wrong".
constexpr std::string_view kWrongScenario = R"({
  "name": "wrong",
  "description": "A stream whose text is \"right\", expected to be \"wrong\": one failed check.",
  "interactions": {
    "quick": {
      "timeline": [
        {"after_ms": 0, "state": "RUNNING"},
        {"after_ms": 0, "text": "right"},
        {"after_ms": 0, "state": "COMPLETED"}
      ]
    }
  },
  "steps": [{"stream": "quick", "expect": {"state": "COMPLETED", "text": "wrong"}}]
})";

// A stream that stays quiet for ten seconds after its first delta: long enough to interrupt.
constexpr std::string_view kSlowScenario = R"({
  "name": "slow",
  "description": "A 10-second stream, for interrupting a run with SIGINT.",
  "interactions": {
    "slow": {
      "timeline": [
        {"after_ms": 0, "state": "RUNNING"},
        {"after_ms": 50, "text": "a"},
        {"after_ms": 10000, "state": "COMPLETED"}
      ]
    }
  },
  "steps": [{"stream": "slow", "timeout_ms": 20000, "expect": {"state": "COMPLETED"}}]
})";

// "stream" step with a key only "poll" steps have.
constexpr std::string_view kBadScenario = R"({
  "name": "bad",
  "interactions": {"quick": {"timeline": [{"after_ms": 0, "state": "RUNNING"}]}},
  "steps": [{"stream": "quick", "interval_ms": 5}]
})";

json parse_report(const std::string& path) {
  const std::string text = read_file(path);
  return json::parse(text, nullptr, false);
}

using Triple = std::tuple<std::string, std::size_t, std::string>;

// (scenario name, step index, check name) of every failed check record.
std::set<Triple> failed_checks(const json& report) {
  std::set<Triple> out;
  for (const json& s : report.at("scenarios")) {
    for (const json& step : s.at("steps")) {
      for (const json& c : step.at("checks")) {
        if (!c.at("passed").get<bool>()) {
          out.emplace(s.at("name").get<std::string>(), step.at("index").get<std::size_t>(),
                      c.at("check").get<std::string>());
        }
      }
    }
  }
  return out;
}

// What docs/metrics.md says the derived fields of a report agree with.
void expect_consistent(const json& r) {
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r.at("schema"), "ixh.run_report");
  EXPECT_EQ(r.at("schema_version"), 2);
  EXPECT_EQ(r.at("dialect"), "seed");
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  std::uint64_t scenarios_failed = 0;
  for (const json& s : r.at("scenarios")) {
    bool scenario_ok = true;
    std::size_t index = 0;
    for (const json& step : s.at("steps")) {
      bool step_ok = true;
      for (const json& c : step.at("checks")) {
        for (const char* key : {"check", "expected", "actual", "where"}) {
          EXPECT_TRUE(c.at(key).is_string()) << key;
        }
        if (c.at("passed").get<bool>()) {
          ++passed;
        } else {
          ++failed;
          step_ok = false;
        }
      }
      EXPECT_EQ(step.at("passed").get<bool>(), step_ok) << s.at("name") << " step " << index;
      EXPECT_EQ(step.at("index").get<std::size_t>(), index) << s.at("name");
      scenario_ok = scenario_ok && step_ok;
      ++index;
    }
    EXPECT_EQ(s.at("passed").get<bool>(), scenario_ok) << s.at("name");
    if (!scenario_ok) ++scenarios_failed;
  }
  const json& summary = r.at("summary");
  EXPECT_EQ(summary.at("scenarios").get<std::size_t>(), r.at("scenarios").size());
  EXPECT_EQ(summary.at("scenarios_failed").get<std::uint64_t>(), scenarios_failed);
  EXPECT_EQ(summary.at("checks_passed").get<std::uint64_t>(), passed);
  EXPECT_EQ(summary.at("checks_failed").get<std::uint64_t>(), failed);
  EXPECT_EQ(r.at("counters").at("checks_passed").get<std::uint64_t>(), passed);
  EXPECT_EQ(r.at("counters").at("checks_failed").get<std::uint64_t>(), failed);
  for (const auto& [kind, metrics] : r.at("metrics").items()) {
    for (const auto& [name, m] : metrics.items()) {
      SCOPED_TRACE(kind + "." + name);
      const json& h = m.at("histogram");
      std::uint64_t in_buckets = 0;
      for (const json& b : h.at("buckets")) in_buckets += b.at(1).get<std::uint64_t>();
      EXPECT_GT(m.at("count").get<std::uint64_t>(), 0u) << "a metric nothing recorded is absent";
      EXPECT_EQ(m.at("count"), h.at("count"));
      EXPECT_EQ(h.at("count").get<std::uint64_t>(), in_buckets);
      EXPECT_LE(m.at("min_us").get<std::uint64_t>(), m.at("p50_us").get<std::uint64_t>());
      EXPECT_LE(m.at("p50_us").get<std::uint64_t>(), m.at("max_us").get<std::uint64_t>());
    }
  }
}

bool has_metric(const json& r, const std::string& kind, const std::string& metric) {
  const json& m = r.at("metrics");
  return m.contains(kind) && m.at(kind).contains(metric);
}

// GET of a JSON admin endpoint of a mock; a discarded value when it did not answer 200.
json get_json(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  const httplib::Result res = client.Get(path);
  if (!res || res->status != 200) return json(json::value_t::discarded);
  return json::parse(res->body, nullptr, false);
}

TEST(RunCliTest, EmbeddedMockPassesConformanceWithConsistentJsonReport) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string suite = source_path("scenarios/conformance");
  const std::string report_path = tmp.file("report.json");
  const std::vector<std::string> args = {"run", suite, "--json", report_path};
  const ProcessResult r = run_ixh(args);
  ASSERT_TRUE(r.exit_code.has_value()) << joined(args) << " did not exit";
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(last_line(r.out).rfind(kPassVerdict, 0), 0u) << r.out;

  const json report = parse_report(report_path);
  ASSERT_FALSE(report.is_discarded()) << read_file(report_path);
  expect_consistent(report);
  EXPECT_EQ(report.at("exit_code"), 0);
  EXPECT_EQ(report.at("partial"), false);
  EXPECT_EQ(report.at("target").get<std::string>().rfind("embedded mock at http://127.0.0.1:", 0),
            0u)
      << report.at("target");
  EXPECT_EQ(report.at("summary").at("checks_failed"), 0);
  EXPECT_EQ(report.at("summary").at("scenarios_failed"), 0);
  EXPECT_GT(report.at("summary").at("checks_passed").get<int>(), 0);
  EXPECT_TRUE(failed_checks(report).empty());

  // One scenario report per shipped file, plus the protocol probes, each passed.
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(suite)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 5 && name.ends_with(".json") && !name.ends_with(".schema.json")) {
      files.insert(name);
    }
  }
  ASSERT_FALSE(files.empty());
  std::set<std::string> reported;
  bool probes = false;
  for (const json& s : report.at("scenarios")) {
    EXPECT_TRUE(s.at("passed").get<bool>()) << s.at("name");
    EXPECT_FALSE(s.at("steps").empty()) << s.at("name");
    const std::string file = s.at("file");
    if (s.at("name") == "protocol probes") probes = true;
    if (!file.empty()) {
      reported.insert(fs::path(file).filename().string());
      EXPECT_EQ(s.at("sha256").get<std::string>().size(), 64u) << file;
    }
  }
  EXPECT_EQ(reported, files);
  EXPECT_TRUE(probes);

  const json& c = report.at("counters");
  EXPECT_GT(c.at("requests").get<int>(), 0);
  EXPECT_GT(c.at("events").get<int>(), 0);
  EXPECT_GT(c.at("bytes").get<int>(), 0);
  EXPECT_EQ(c.at("resumes_attempted"), c.at("resumes_succeeded"));
  EXPECT_EQ(c.at("events_lost"), 0);
  EXPECT_EQ(c.at("events_duplicated"), 0);
  for (const auto& [cls, n] : c.at("errors").items()) EXPECT_EQ(n, 0) << cls;

  // Metrics per step kind (docs/metrics.md, "Which metrics exist for which step").
  for (const char* m : {"latency", "ttfb", "ttfe", "ttft", "inter_event_gap"}) {
    EXPECT_TRUE(has_metric(report, "stream", m)) << m;
  }
  for (const char* m : {"latency", "ttfb"}) {
    EXPECT_TRUE(has_metric(report, "get", m)) << m;
    EXPECT_TRUE(has_metric(report, "chain", m)) << m;
  }
  EXPECT_TRUE(has_metric(report, "poll", "poll_to_terminal"));
  EXPECT_FALSE(report.at("metrics").contains("wait"));
  EXPECT_FALSE(has_metric(report, "get", "ttfe"));
}

TEST(RunCliTest, FalseExpectationExitsOneNamingTheCheck) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("wrong.json", kWrongScenario);
  const std::string report_path = tmp.file("report.json");
  const ProcessResult r = run_ixh({"run", file, "--json", report_path});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 1) << r.out << r.err;

  // The console names the check with what was expected and what came.
  EXPECT_NE(r.out.find("FAIL  wrong"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL expect.text"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected: \"wrong\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("actual:   \"right\""), std::string::npos) << r.out;
  EXPECT_EQ(last_line(r.out).rfind(std::string(kFailVerdict) + "1 of ", 0), 0u) << r.out;

  const json report = parse_report(report_path);
  ASSERT_FALSE(report.is_discarded());
  expect_consistent(report);
  EXPECT_EQ(report.at("exit_code"), 1);
  EXPECT_EQ(report.at("partial"), false);
  const std::set<Triple> expected = {{"wrong", 0, "expect.text"}};
  EXPECT_EQ(failed_checks(report), expected);
  EXPECT_EQ(report.at("counters").at("errors").value("check_failed", 0), 1);
}

TEST(RunCliTest, BadScenarioFileExitsTwoNamingFileAndPointer) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  struct Case {
    std::string name;
    std::string content;
    std::string pointer;
  };
  const std::vector<Case> cases = {
      {"bad_key.json", std::string(kBadScenario), "/steps/0/interval_ms"},
      {"not_json.json", "{\"name\": ", "at /:"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string file = tmp.write(c.name, c.content);
    const std::string report_path = tmp.file(c.name + ".report");
    const ProcessResult r = run_ixh({"run", file, "--json", report_path});
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.pointer), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("Scenarios"), std::string::npos) << "no run happened: " << r.out;
    EXPECT_FALSE(fs::exists(report_path));
  }
  const ProcessResult missing = run_ixh({"run", tmp.file("does_not_exist.json")});
  ASSERT_TRUE(missing.exit_code.has_value());
  EXPECT_EQ(*missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does_not_exist.json"), std::string::npos) << missing.err;
}

// A text delta of 6,000 bytes: six reads of the smallest receive buffer.
std::string LongDeltaScenario() {
  const std::string text(6000, 'x');
  return R"({"name": "long", "description": "One event several receive buffers long.",
    "interactions": {"long": {"timeline": [
      {"after_ms": 0, "state": "RUNNING"},
      {"after_ms": 0, "text": ")" +
         text + R"("},
      {"after_ms": 0, "state": "COMPLETED"}]}},
    "steps": [{"stream": "long", "expect": {"state": "COMPLETED", "text": ")" +
         text + R"("}}]})";
}

TEST(RunCliTest, StreamBufferIsUsedRecordedAndBounded) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("long.json", LongDeltaScenario());
  struct Case {
    std::vector<std::string> extra;  // conformance, then a load run
  };
  for (const Case& c : {Case{{}}, Case{{"--vus", "2", "--iterations", "4"}}}) {
    SCOPED_TRACE(c.extra.empty() ? "conformance" : "load");
    const std::string report_path = tmp.file("long.report");
    std::vector<std::string> args = {"run",         file,     "--stream-buffer", "1024",
                                     "--no-probes", "--json", report_path};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const ProcessResult r = run_ixh(args);
    ASSERT_TRUE(r.exit_code.has_value()) << joined(args) << " did not exit";
    EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
    const json report = parse_report(report_path);
    ASSERT_FALSE(report.is_discarded()) << read_file(report_path);
    EXPECT_EQ(report.at("options").at("stream_buffer"), 1024);
    EXPECT_EQ(report.at("summary").at("checks_failed"), 0);
    EXPECT_GT(report.at("summary").at("checks_passed").get<int>(), 0);
  }
  for (const char* bad : {"1023", "524289", "0"}) {
    SCOPED_TRACE(bad);
    const ProcessResult r = run_ixh({"run", file, "--stream-buffer", bad});
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--stream-buffer must be within 1024..524288"), std::string::npos)
        << r.err;
  }
}

TEST(RunCliTest, SkipCheckLeavesOutANamedProtocolCheckAndRecordsIt) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("long.json", LongDeltaScenario());
  const auto judged = [](const json& report) {
    std::set<std::string> names;
    for (const json& s : report.at("scenarios")) {
      for (const json& step : s.at("steps")) {
        for (const json& c : step.at("checks")) names.insert(c.at("check").get<std::string>());
      }
    }
    return names;
  };
  const std::string plain_path = tmp.file("plain.report");
  const ProcessResult plain = run_ixh({"run", file, "--no-probes", "--json", plain_path});
  ASSERT_TRUE(plain.exit_code.has_value());
  EXPECT_EQ(*plain.exit_code, 0) << plain.out << plain.err;
  const json plain_report = parse_report(plain_path);
  EXPECT_TRUE(judged(plain_report).contains("id.matches_request"));

  const std::string skip_path = tmp.file("skip.report");
  const ProcessResult skip = run_ixh(
      {"run", file, "--no-probes", "--skip-check", "id.matches_request", "--json", skip_path});
  ASSERT_TRUE(skip.exit_code.has_value());
  EXPECT_EQ(*skip.exit_code, 0) << skip.out << skip.err;
  const json skip_report = parse_report(skip_path);
  EXPECT_FALSE(judged(skip_report).contains("id.matches_request"));
  EXPECT_TRUE(judged(skip_report).contains("stream.sse"));
  EXPECT_EQ(skip_report.at("options").at("skip_checks"), json::array({"id.matches_request"}));
  EXPECT_NE(skip.out.find("  not judged:  id.matches_request (--skip-check)\n"), std::string::npos)
      << skip.out;
  EXPECT_EQ(plain.out.find("not judged"), std::string::npos) << plain.out;

  for (const char* bad : {"expect.status", "no.such_check"}) {
    SCOPED_TRACE(bad);
    const ProcessResult r = run_ixh({"run", file, "--skip-check", bad});
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(std::string("--skip-check ") + bad + ": not a protocol check"),
              std::string::npos)
        << r.err;
  }
}

TEST(RunCliTest, UnreachableTargetExitsThree) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const int port = closed_port();
  ASSERT_GT(port, 0);
  const std::string target = "http://127.0.0.1:" + std::to_string(port);
  const std::string file = tmp.write("wrong.json", kWrongScenario);
  const std::string report_path = tmp.file("report.json");
  const ProcessResult r = run_ixh({"run", file, "--target", target, "--json", report_path});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("could not connect to " + target), std::string::npos) << r.err;

  const json report = parse_report(report_path);
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report.at("exit_code"), 3);
  EXPECT_EQ(report.at("target"), target);
  const json& c = report.at("counters");
  EXPECT_GT(c.at("requests").get<int>(), 0);
  EXPECT_EQ(c.at("errors").value("connect", 0), c.at("requests").get<int>());

  // The same for the invariant checks of an id.
  const ProcessResult ids = run_ixh({"run", "--target", target, "--id", "anything"});
  ASSERT_TRUE(ids.exit_code.has_value());
  EXPECT_EQ(*ids.exit_code, 3) << ids.out << ids.err;
}

TEST(RunCliTest, MockInAnotherProcessPassesConformance) {
  const std::string suite = source_path("scenarios/conformance");
  MockProcess mock({suite});
  ASSERT_GT(mock.port(), 0) << mock.process().err();
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string report_path = tmp.file("report.json");
  const ProcessResult r = run_ixh({"run", "--target", mock.url(), suite, "--json", report_path});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(last_line(r.out).rfind(kPassVerdict, 0), 0u) << r.out;

  const json report = parse_report(report_path);
  ASSERT_FALSE(report.is_discarded());
  expect_consistent(report);
  EXPECT_EQ(report.at("target"), mock.url());
  EXPECT_EQ(report.at("exit_code"), 0);
  EXPECT_TRUE(failed_checks(report).empty());
  EXPECT_GT(report.at("scenarios").size(), 1u);

  // The requests went to that mock: it holds the instances the run touched.
  const json instances = get_json(mock.port(), "/_mock/instances");
  ASSERT_TRUE(instances.is_array()) << instances;
  EXPECT_FALSE(instances.empty());

  const std::optional<int> code = mock.stop();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << mock.process().err();
}

TEST(RunCliTest, TargetWithIdsChecksInvariantsOfExistingInstances) {
  MockProcess mock({source_path("scenarios/conformance")});
  ASSERT_GT(mock.port(), 0) << mock.process().err();
  // Touch the instances so they exist on the mock before ixh looks at them.
  for (const char* id : {"completed.e2e-ids", "turn3.e2e-ids"}) {
    const json j = get_json(mock.port(), std::string("/v1beta/interactions/") + id);
    ASSERT_TRUE(j.is_object()) << id;
  }
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string ids_file = tmp.write("ids.txt", "# ids to check\nturn3.e2e-ids\n\n");
  const std::string report_path = tmp.file("report.json");
  const std::vector<std::string> args = {
      "run",   "--target", mock.url(), "--id",     "completed.e2e-ids",
      "--ids", ids_file,   "--json",   report_path};
  const ProcessResult r = run_ixh(args);
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(last_line(r.out).rfind(kPassVerdict, 0), 0u) << r.out;

  const json report = parse_report(report_path);
  ASSERT_FALSE(report.is_discarded());
  expect_consistent(report);
  EXPECT_TRUE(failed_checks(report).empty());
  std::map<std::string, const json*> by_name;
  for (const json& s : report.at("scenarios")) by_name[s.at("name")] = &s;
  ASSERT_EQ(by_name.size(), 3u) << report.at("scenarios");
  ASSERT_TRUE(by_name.count("protocol probes"));
  for (const char* id : {"completed.e2e-ids", "turn3.e2e-ids"}) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(by_name.count(std::string("id ") + id));
    const json& steps = by_name[std::string("id ") + id]->at("steps");
    std::vector<std::string> kinds;
    std::set<std::string> check_names;
    for (const json& step : steps) {
      kinds.push_back(step.at("kind"));
      EXPECT_EQ(step.at("interaction"), id);
      EXPECT_FALSE(step.at("checks").empty());
      for (const json& c : step.at("checks")) check_names.insert(c.at("check"));
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"get", "get", "stream", "chain"}));
    for (const char* name : {"schema.interaction", "input.iff_requested", "schema.event",
                             "stream.ends_after_terminal", "chain.reaches_root"}) {
      EXPECT_TRUE(check_names.count(name)) << name;
    }
  }
  // turn3 -> turn2 -> turn1: the chain step walked to the root.
  const json& chain = by_name["id turn3.e2e-ids"]->at("steps").at(3);
  bool walked = false;
  for (const json& c : chain.at("checks")) {
    if (c.at("check") == "chain.reaches_root") {
      walked = c.at("actual").get<std::string>().find(
                   "\"turn3.e2e-ids\" -> \"turn2.e2e-ids\" -> "
                   "\"turn1.e2e-ids\"") != std::string::npos;
    }
  }
  EXPECT_TRUE(walked) << chain;
  const std::optional<int> code = mock.stop();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

// True once the mock journals an open stream of a "slow" instance whose delta was emitted.
bool slow_stream_open(int port) {
  const json journal = get_json(port, "/_mock/journal");
  const json instances = get_json(port, "/_mock/instances");
  if (!journal.is_object() || !instances.is_array()) return false;
  bool open = false;
  for (const json& e : journal.value("entries", json::array())) {
    open = open || (e.value("stream", false) && e.value("ended", "") == "in_progress" &&
                    e.value("instance", "").rfind("slow.", 0) == 0);
  }
  bool emitted = false;
  for (const json& i : instances) {
    emitted = emitted || (i.value("template", "") == "slow" && i.value("events_emitted", 0) >= 3);
  }
  return open && emitted;
}

void expect_partial_report(const std::string& report_path, const std::string& out) {
  const json report = parse_report(report_path);
  ASSERT_FALSE(report.is_discarded()) << read_file(report_path);
  expect_consistent(report);
  EXPECT_EQ(report.at("partial"), true);
  EXPECT_EQ(report.at("exit_code"), 1);
  const std::string verdict = last_line(out);
  EXPECT_EQ(verdict.rfind(kFailVerdict, 0), 0u) << out;
  EXPECT_NE(verdict.find("partial"), std::string::npos) << out;
}

TEST(RunCliTest, SigintDuringAStreamExitsOneWithPartialReport) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("slow.json", kSlowScenario);
  MockProcess mock({file});
  ASSERT_GT(mock.port(), 0) << mock.process().err();
  const std::string report_path = tmp.file("report.json");
  Process run({"run", "--target", mock.url(), file, "--json", report_path});
  ASSERT_TRUE(run.spawned());

  // Interrupt only once the stream is open and has delivered its delta.
  const auto deadline = SteadyClock::now() + Millis(8000);
  bool open = false;
  while (!(open = slow_stream_open(mock.port())) && SteadyClock::now() < deadline) {
    run.pump(Millis(20));
  }
  ASSERT_TRUE(open) << "the run never opened its stream; stderr: " << run.err();
  run.signal(SIGINT);
  // The stream has ~10 s to go: an exit within 5 s means the run stopped on the signal.
  const std::optional<int> code = run.wait_exit(Millis(5000));
  ASSERT_TRUE(code.has_value()) << "ixh run did not stop within 5 s of SIGINT";
  EXPECT_EQ(*code, 1) << run.out() << run.err();
  expect_partial_report(report_path, run.out());
  EXPECT_NE(run.out().find("PARTIAL"), std::string::npos) << run.out();
  mock.stop();
}

TEST(RunCliTest, SigintDuringEmbeddedRunExitsOneWithPartialReport) {
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string file = tmp.write("slow.json", kSlowScenario);
  const std::string report_path = tmp.file("report.json");
  Process run({"run", file, "--json", report_path});
  ASSERT_TRUE(run.spawned());
  // SIGINT before main blocks it would kill the process outright: wait until it is blocked,
  // then give the run a moment to get into its 10-second stream.
  ASSERT_TRUE(wait_sigint_blocked(run));
  run.pump(Millis(300));
  run.signal(SIGINT);
  const std::optional<int> code = run.wait_exit(Millis(5000));
  ASSERT_TRUE(code.has_value()) << "ixh run did not stop within 5 s of SIGINT";
  EXPECT_EQ(*code, 1) << run.out() << run.err();
  expect_partial_report(report_path, run.out());
}

}  // namespace
}  // namespace ixh::e2e
