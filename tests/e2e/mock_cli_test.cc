// End-to-end tests of the built `ixh` binary (IXH_BINARY): `ixh mock` serves over real sockets
// and stops on SIGTERM/SIGINT with exit 0; bad scenarios exit 2 naming the file and the JSON
// pointer; a port in use exits 3 (DESIGN.md §9); the help texts list every flag; `ixh scenarios
// lint` tells good files from bad ones. Every wait is bounded.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/process.h"
#include "tests/integration/test_client.h"

extern char** environ;

namespace ixh {
namespace {

namespace fs = std::filesystem;
using http_test::http_get;
using http_test::http_post;
using http_test::HttpResponse;
using http_test::SseClient;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

const std::string kTestdata = std::string(IXH_SOURCE_DIR) + "/tests/testdata/mock";

// Spawning, pipes and bounded waits are shared with the other e2e suites.
using Child = ixh::e2e::Process;
using RunResult = ixh::e2e::ProcessResult;
using ixh::e2e::run_ixh;

// A fresh directory holding a copy of serve.json, removed at the end of the test.
class ScenarioDir {
 public:
  ScenarioDir() {
    std::string templ = (fs::temp_directory_path() / "ixh_e2e_XXXXXX").string();
    if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
    fs::copy_file(kTestdata + "/serve.json", fs::path(path_) / "serve.json");
  }
  ~ScenarioDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Parses "listening on http://127.0.0.1:PORT"; 0 when the line is something else.
int port_of(const std::string& line) {
  const std::string prefix = "listening on http://127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) return 0;
  const std::string digits = line.substr(prefix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::atoi(digits.c_str());
}

// Starts `ixh mock` and waits for its "listening on" line; the port, or 0 on failure.
int start_mock(Child& child) {
  if (!child.spawned()) return 0;
  const std::optional<std::string> line = child.first_line();
  EXPECT_TRUE(line.has_value()) << "no 'listening on' line; stderr: " << child.err();
  if (!line) return 0;
  const int port = port_of(*line);
  EXPECT_GT(port, 0) << "unexpected first line: " << *line;
  return port;
}

// Serves a GET, a finished stream and an open stream, then stops on `sig` with exit 0.
void serve_then_stop(int sig, bool manual_clock) {
  ScenarioDir dir;
  std::vector<std::string> args = {"mock", dir.path(), "--listen", "127.0.0.1:0"};
  if (manual_clock) args.insert(args.end(), {"--clock", "manual"});
  Child mock(args);
  ASSERT_TRUE(mock.spawned());
  const int port = start_mock(mock);
  ASSERT_GT(port, 0);

  const HttpResponse health = http_get(port, "/_mock/health");
  ASSERT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(health.json().value("status", ""), "ok");

  const HttpResponse first = http_get(port, "/v1beta/interactions/hello?include_input=true");
  ASSERT_EQ(first.status, 200) << first.error << first.body;
  EXPECT_EQ(first.header("Content-Type"), "application/json");
  EXPECT_EQ(first.json().value("input", ""), "Say hello");
  EXPECT_EQ(first.json().value("model", ""), "ixh-e2e-1");

  if (manual_clock) {
    EXPECT_EQ(http_post(port, "/_mock/clock/advance?ms=100").status, 200);
  }
  // Real clock: the 30 ms timeline finishes soon; poll for it (bounded).
  json done;
  const auto deadline = Clock::now() + milliseconds(5000);
  for (;;) {
    done = http_get(port, "/v1beta/interactions/hello").json();
    if (done.value("state", "") == "COMPLETED" || Clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(done.value("state", ""), "COMPLETED");
  EXPECT_EQ(done.at("output").at("text"), "Hello, world");

  SseClient finished(port, "/v1/interactions/hello?stream=true");
  ASSERT_TRUE(finished.wait_end());
  EXPECT_EQ(finished.header("Content-Type"), "text/event-stream");
  EXPECT_TRUE(finished.clean_end()) << finished.error();
  ASSERT_EQ(finished.events().size(), 5u);
  EXPECT_EQ(finished.events().back().type, "interaction.terminal");
  EXPECT_EQ(finished.events().back().id, "evt_000005");

  // A stream that never ends is open while the signal arrives.
  SseClient open(port, "/v1beta/interactions/endless.e2e?stream=true");
  ASSERT_TRUE(open.wait_events(2));

  const auto t0 = Clock::now();
  mock.signal(sig);
  const std::optional<int> code = mock.wait_exit(milliseconds(8000));
  ASSERT_TRUE(code.has_value()) << "ixh mock did not exit after signal " << sig;
  EXPECT_EQ(*code, 0) << "stderr: " << mock.err();
  EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), 5000);
  EXPECT_TRUE(open.wait_end(milliseconds(2000))) << "the open stream did not end";
  EXPECT_NE(mock.err().find(sig == SIGINT ? "SIGINT" : "SIGTERM"), std::string::npos) << mock.err();
}

TEST(MockCliTest, ServesAndExitsZeroOnSigterm) { serve_then_stop(SIGTERM, true); }

TEST(MockCliTest, ServesAndExitsZeroOnSigint) { serve_then_stop(SIGINT, false); }

TEST(MockCliTest, ShutdownLineReportsHowLateLiveEventsWereWritten) {
  ScenarioDir dir;
  Child mock({"mock", dir.path(), "--listen", "127.0.0.1:0", "--clock", "manual"});
  const int port = start_mock(mock);
  ASSERT_GT(port, 0);
  // PENDING and RUNNING are due when the stream begins (replayed, not live); the texts at 10 and
  // 20 ms and COMPLETED at 30 ms become due while it is open and go out when the clock reaches
  // 100 ms: 90, 80 and 70 ms late.
  SseClient s(port, "/v1beta/interactions/hello.late?stream=true");
  ASSERT_TRUE(s.wait_events(2));
  ASSERT_EQ(http_post(port, "/_mock/clock/advance?ms=100").status, 200);
  ASSERT_TRUE(s.wait_end());
  EXPECT_EQ(s.events().size(), 5u);
  const json t = http_get(port, "/_mock/health").json().at("server").at("stream_timeliness");
  EXPECT_EQ(t.value("live_events", 0), 3) << t.dump();
  EXPECT_DOUBLE_EQ(t.value("p99_ms", 0.0), 90.1) << t.dump();
  mock.signal(SIGTERM);
  const std::optional<int> code = mock.wait_exit(milliseconds(8000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << mock.err();
  EXPECT_NE(
      mock.err().find("ixh mock: 3 live stream event(s) written, 3 more than 1 ms after their "
                      "scripted time, 3 more than 20 ms; latest 90 ms; lateness p50 <= 80.1 "
                      "ms, p99 <= 90.1 ms, p99.9 <= 90.1 ms\n"),
      std::string::npos)
      << mock.err();
}

TEST(MockCliTest, ExitsPromptlyOnSigtermWithIdleKeepAliveClient) {
  ScenarioDir dir;
  Child mock({"mock", dir.path(), "--listen", "127.0.0.1:0"});
  const int port = start_mock(mock);
  ASSERT_GT(port, 0);
  // An HTTP/1.1 client that keeps its connection after the response.
  http_test::Connection conn(port);
  ASSERT_TRUE(
      conn.send_all(http_test::build_request("GET", "/v1beta/interactions/hello", {}, {}, false)));
  http_test::ResponseParser parser;
  std::string in;
  std::string body;
  const auto deadline = Clock::now() + milliseconds(5000);
  while (!parser.complete() && Clock::now() < deadline) {
    in.clear();
    if (conn.read_some(in, milliseconds(100)) == http_test::Connection::Read::kData) {
      parser.feed(in, body);
    }
  }
  ASSERT_TRUE(parser.complete());
  ASSERT_EQ(parser.status(), 200);
  // Let the server's worker go back to waiting for the next request on this connection.
  std::this_thread::sleep_for(milliseconds(200));
  const auto t0 = Clock::now();
  mock.signal(SIGTERM);
  const std::optional<int> code = mock.wait_exit(milliseconds(8000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
  EXPECT_LT(ms, 2000) << "ixh mock took " << ms << " ms to exit with one idle client";
}

TEST(MockCliTest, LongRequestPathDoesNotKillTheMock) {
  ScenarioDir dir;
  Child mock({"mock", dir.path(), "--listen", "127.0.0.1:0"});
  const int port = start_mock(mock);
  ASSERT_GT(port, 0);
  // Over the 512-byte id limit: a 400 for this request, and the mock keeps serving.
  const HttpResponse r = http_get(port, "/v1beta/interactions/hello." + std::string(600, 'x'));
  EXPECT_EQ(r.status, 400) << r.error;
  const HttpResponse health = http_get(port, "/_mock/health");
  EXPECT_EQ(health.status, 200) << health.error;
  mock.signal(SIGTERM);
  const std::optional<int> code = mock.wait_exit(milliseconds(8000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << "exit status 128+N means signal N; stderr: " << mock.err();
}

TEST(MockCliTest, BadScenarioFileExitsTwoNamingFileAndPointer) {
  const std::string bad = kTestdata + "/bad_after_ms.json";
  for (const std::string& path : {bad, kTestdata}) {
    SCOPED_TRACE(path);
    const RunResult r = run_ixh({"mock", path, "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(r.exit_code.has_value()) << "ixh mock did not exit";
    EXPECT_EQ(*r.exit_code, 2);
    EXPECT_NE(r.err.find("bad_after_ms.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/interactions/broken/timeline/1/after_ms"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("listening on"), std::string::npos) << r.out;
  }
  const RunResult missing = run_ixh({"mock", kTestdata + "/does_not_exist.json"});
  ASSERT_TRUE(missing.exit_code.has_value());
  EXPECT_EQ(*missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does_not_exist.json"), std::string::npos) << missing.err;
}

TEST(MockCliTest, UsageErrorsExitTwo) {
  ScenarioDir dir;
  const std::vector<std::vector<std::string>> cases = {
      {"mock"},
      {"mock", dir.path(), "--listen", "nonsense"},
      {"mock", dir.path(), "--listen", "127.0.0.1:70000"},
      {"mock", dir.path(), "--clock", "sideways"},
      {"mock", dir.path(), "--time-scale", "0"},
      {"mock", dir.path(), "--heartbeat", "5"},
      {"mock", dir.path(), "--no-such-flag"},
      {"no-such-command"}};
  for (const auto& args : cases) {
    std::string joined;
    for (const std::string& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    const RunResult r = run_ixh(args);
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out.find("listening on"), std::string::npos);
  }
}

TEST(MockCliTest, PortInUseExitsThree) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  ScenarioDir dir;
  const RunResult r = run_ixh({"mock", dir.path(), "--listen", "127.0.0.1:" + port});
  ::close(fd);
  ASSERT_TRUE(r.exit_code.has_value()) << "ixh mock did not exit; stdout: " << r.out;
  EXPECT_EQ(*r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(port), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("listening on"), std::string::npos) << r.out;
}

TEST(MockCliTest, PortHeldByAnotherMockExitsThree) {
  ScenarioDir dir;
  Child first({"mock", dir.path(), "--listen", "127.0.0.1:0"});
  const int port = start_mock(first);
  ASSERT_GT(port, 0);
  const RunResult second = run_ixh(
      {"mock", dir.path(), "--listen", "127.0.0.1:" + std::to_string(port)}, milliseconds(3000));
  ASSERT_TRUE(second.exit_code.has_value())
      << "a second ixh mock is serving on the port the first one holds; stdout: " << second.out;
  EXPECT_EQ(*second.exit_code, 3) << second.err;
}

TEST(MockCliTest, HelpMentionsEveryFlag) {
  const RunResult top = run_ixh({"--help"});
  ASSERT_TRUE(top.exit_code.has_value());
  EXPECT_EQ(*top.exit_code, 0);
  for (const char* word : {"mock", "scenarios", "--help", "--version"}) {
    EXPECT_NE(top.out.find(word), std::string::npos) << word << " missing from:\n" << top.out;
  }
  const RunResult mock = run_ixh({"mock", "--help"});
  ASSERT_TRUE(mock.exit_code.has_value());
  EXPECT_EQ(*mock.exit_code, 0);
  for (const char* flag : {"--listen", "--clock", "--time-scale", "--seed", "--max-connections",
                           "--heartbeat", "real", "manual"}) {
    EXPECT_NE(mock.out.find(flag), std::string::npos) << flag << " missing from:\n" << mock.out;
  }
}

TEST(MockCliTest, ScenariosLintExitsZeroOnGoodAndTwoOnBadFiles) {
  const std::string good = kTestdata + "/serve.json";
  const std::string bad = kTestdata + "/bad_after_ms.json";
  const RunResult ok = run_ixh({"scenarios", "lint", good});
  ASSERT_TRUE(ok.exit_code.has_value());
  EXPECT_EQ(*ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("serve.json"), std::string::npos) << ok.out;

  const RunResult ko = run_ixh({"scenarios", "lint", bad});
  ASSERT_TRUE(ko.exit_code.has_value());
  EXPECT_EQ(*ko.exit_code, 2);
  EXPECT_NE(ko.err.find("bad_after_ms.json"), std::string::npos) << ko.err;
  EXPECT_NE(ko.err.find("/interactions/broken/timeline/1/after_ms"), std::string::npos) << ko.err;

  // A mix fails, and names only the bad file.
  const RunResult mixed = run_ixh({"scenarios", "lint", good, bad});
  ASSERT_TRUE(mixed.exit_code.has_value());
  EXPECT_EQ(*mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("bad_after_ms.json"), std::string::npos) << mixed.err;
  EXPECT_EQ(mixed.err.find("serve.json"), std::string::npos) << mixed.err;

  // A directory: every broken file in it is reported.
  const RunResult dir = run_ixh({"scenarios", "lint", kTestdata});
  ASSERT_TRUE(dir.exit_code.has_value());
  EXPECT_EQ(*dir.exit_code, 2);
  EXPECT_NE(dir.err.find("/interactions/broken/timeline/1/after_ms"), std::string::npos) << dir.err;
}

}  // namespace
}  // namespace ixh
