// End-to-end tests of the genai dialect through the built binary: `ixh mock --dialect genai`
// serves the SDKs' format, `ixh run --dialect genai` passes the shipped conformance suite against
// its embedded mock and against a genai mock in another process (told and detected), `ixh get`
// decodes genai, and a scenario genai cannot express is a load error naming it. Every wait is
// bounded.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/process.h"
#include "tests/integration/test_client.h"

namespace ixh::e2e {
namespace {

using nlohmann::json;

constexpr std::string_view kPassVerdict = "ixh: PASS — ";

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

TEST(GenaiCliTest, MockServesTheGenaiFormat) {
  MockProcess mock({"--dialect", "genai", source_path("scenarios/conformance")});
  ASSERT_GT(mock.port(), 0) << mock.process().err();
  EXPECT_NE(mock.process().err().find("skipping"), std::string::npos) << mock.process().err();
  const auto res = http_test::http_get(mock.port(), "/v1/interactions/completed.e2e?stream=false",
                                       {{"cookie", ""}});
  ASSERT_TRUE(res.ok()) << res.error;
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  const json j = json::parse(res.body);
  EXPECT_EQ(j.at("object"), "interaction");
  EXPECT_TRUE(j.contains("status"));
  EXPECT_FALSE(j.contains("state"));
  EXPECT_EQ(j.at("steps").at(0).at("type"), "user_input");
  const std::optional<int> code = mock.stop();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST(GenaiCliTest, RunPassesConformanceEmbeddedToldAndDetected) {
  const std::string suite = source_path("scenarios/conformance");
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  {
    const std::string report_path = tmp.file("embedded.json");
    const ProcessResult r =
        run_ixh({"run", suite, "--dialect", "genai", "--json", report_path}, Millis(60000));
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(last_line(r.out).rfind(kPassVerdict, 0), 0u) << r.out;
    EXPECT_NE(r.err.find("candidates.json"), std::string::npos) << r.err;
    EXPECT_EQ(ReadJson(report_path).at("dialect"), "genai");
  }
  MockProcess mock({"--dialect", "genai", suite});
  ASSERT_GT(mock.port(), 0) << mock.process().err();
  // Detection happens after scenarios load, so nothing is skipped then: name the files genai
  // can express.
  std::vector<std::string> expressible;
  for (const auto& entry : std::filesystem::directory_iterator(suite)) {
    if (entry.path().filename() != "candidates.json") expressible.push_back(entry.path());
  }
  for (bool told : {true, false}) {
    SCOPED_TRACE(told ? "told" : "detected");
    const std::string report_path = tmp.file(told ? "told.json" : "detected.json");
    std::vector<std::string> args = {"run", "--target", mock.url(), "--json", report_path};
    if (told) {
      args.insert(args.end(), {"--dialect", "genai", suite});
    } else {
      args.insert(args.end(), expressible.begin(), expressible.end());
    }
    const ProcessResult r = run_ixh(args, Millis(60000));
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(ReadJson(report_path).at("dialect"), "genai");
  }
  EXPECT_EQ(mock.stop(), 0);
}

TEST(GenaiCliTest, GetDecodesGenaiAndFindsSeedWrongInGenai) {
  MockProcess mock({"--dialect", "genai", source_path("scenarios/conformance/completed.json")});
  ASSERT_GT(mock.port(), 0) << mock.process().err();
  // The whole stream first: it follows the interaction to its end.
  const ProcessResult whole = run_ixh({"get", "completed.get", "--target", mock.url(), "--stream"});
  ASSERT_TRUE(whole.exit_code.has_value());
  EXPECT_EQ(*whole.exit_code, 0) << whole.out << whole.err;
  EXPECT_NE(whole.out.find("\"interaction.completed\""), std::string::npos) << whole.out;
  const ProcessResult plain =
      run_ixh({"get", "completed.get", "--target", mock.url(), "--api-version", "v1"});
  ASSERT_TRUE(plain.exit_code.has_value());
  EXPECT_EQ(*plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_NE(plain.out.find("\"status\": \"completed\""), std::string::npos) << plain.out;
  const ProcessResult stream = run_ixh({"get", "completed.get", "--target", mock.url(), "--stream",
                                        "--last-event-id", "evt_000003.1"});
  ASSERT_TRUE(stream.exit_code.has_value());
  EXPECT_EQ(*stream.exit_code, 0) << stream.out << stream.err;
  const std::vector<std::string> lines = lines_of(stream.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(json::parse(lines.front()).at("id"), "evt_000003");
  // Told the wrong dialect, get reports findings and exits 1.
  const ProcessResult wrong =
      run_ixh({"get", "completed.get", "--target", mock.url(), "--dialect", "seed"});
  ASSERT_TRUE(wrong.exit_code.has_value());
  EXPECT_EQ(*wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.err.find("/state"), std::string::npos) << wrong.err;
  EXPECT_EQ(mock.stop(), 0);
}

TEST(GenaiCliTest, ScenarioGenaiCannotExpressIsALoadError) {
  const std::string file = source_path("scenarios/conformance/candidates.json");
  for (const char* command : {"mock", "run"}) {
    SCOPED_TRACE(command);
    const ProcessResult r = run_ixh({command, file, "--dialect", "genai"});
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("/interactions/candidates/candidates"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace ixh::e2e
