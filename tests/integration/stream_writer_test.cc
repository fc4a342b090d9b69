// Integration tests of the mock's stream writer (docs/mock.md, "Capacity"): unfaulted streams are
// written by one epoll thread that owns their sockets. The mock runs in process on an ephemeral
// port with a manual clock; clients are plain sockets (tests/integration/test_client.h). The
// bytes each stream must carry are computed with the mock's own framing (dialect_encoding.h),
// and compared with what a stream written on its worker thread carries.

#include "mock_server/stream_writer.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario.h"
#include "core/scenario_loader.h"
#include "mock_server/dialect_encoding.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"
#include "tests/integration/story_scenario.h"
#include "tests/integration/test_client.h"

namespace ixh::mock {
namespace {

using http_test::Connection;
using http_test::http_get;
using http_test::SseClient;
using nlohmann::json;
using std::chrono::milliseconds;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

// The writer scenario: `bulk` below, `story` and `forever` from
// tests/integration/story_scenario.h, and `storz`, the story again with a fault that never
// strikes, so its streams are written on the worker thread while `story`'s go through the writer.
constexpr char kScenario[] = R"json({
  "name": "writer",
  "interactions": {
    "bulk": {"generate": {"chunks": 400, "bytes": 4000, "every_ms": 1, "start_ms": 1}}
  }
})json";

json scenario_json() {
  json doc = json::parse(kScenario);
  json& interactions = doc.at("interactions");
  interactions["story"] = test::StoryInteraction();
  interactions["storz"] = test::StoryInteraction();
  interactions["storz"]["faults"] = json::parse(R"json([{"cut": {"after_events": 100000}}])json");
  interactions["forever"] = test::ForeverInteraction();
  return doc;
}

std::vector<Scenario> scenarios() { return {parse_scenario(scenario_json(), "writer.json")}; }

// The writer scenario on the manual clock unless `options` say otherwise.
class TestServer : public test::InProcessMock {
 public:
  explicit TestServer(MockOptions options = test::ManualClockOptions())
      : InProcessMock(scenarios(), std::move(options)) {}
};

std::string stream_path(const std::string& id, const std::string& extra = "") {
  return "/v1beta/interactions/" + id + "?stream=true" + (extra.empty() ? "" : "&" + extra);
}

std::string chunk(const std::string& data) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

// The body bytes (chunk framing included) of a stream of `id` written in batches that end at
// the event indexes `ends` (the last one the log's end), starting at `from`.
std::string expected_wire(MockServer& srv, const std::string& id, StreamCursor from,
                          const std::vector<std::size_t>& ends, bool include_input = false) {
  Store::Lookup lookup;
  const std::shared_ptr<Instance> inst = srv.store().touch(id, lookup);
  EXPECT_TRUE(inst != nullptr);
  if (!inst) return {};
  std::string out;
  std::string frames;
  for (std::size_t end : ends) {
    frame_events(srv.options().dialect, frames, *inst, from, end, include_input);
    if (!frames.empty()) out += chunk(frames);
    from = {end, 0};
  }
  return out + "0\r\n\r\n";
}

// A raw HTTP client that keeps every byte it receives (head and chunk framing included).
class RawStream {
 public:
  // `rcvbuf` > 0 shrinks the receive buffer before connecting (a slow reader's small window).
  RawStream(int port, const std::string& target, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    const std::string req = http_test::build_request("GET", target);
    ok_ = ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  }
  ~RawStream() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }

  // Reads until `pred(bytes)` holds, the peer closes, or `timeout` passes; returns pred.
  bool read_until(const std::function<bool(const std::string&)>& pred,
                  milliseconds timeout = milliseconds(8000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred(bytes_) && !eof_ && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      bytes_.append(buf, static_cast<std::size_t>(n));
    }
    return pred(bytes_);
  }
  bool read_to_end(milliseconds timeout = milliseconds(8000)) {
    read_until([](const std::string&) { return false; }, timeout);
    return eof_;
  }
  const std::string& bytes() const { return bytes_; }
  std::string head() const { return bytes_.substr(0, bytes_.find("\r\n\r\n") + 4); }
  std::string body() const {
    const std::size_t at = bytes_.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : bytes_.substr(at + 4);
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  bool eof_ = false;
  std::string bytes_;
};

bool has_body_bytes(const std::string& bytes, std::size_t n) {
  const std::size_t at = bytes.find("\r\n\r\n");
  return at != std::string::npos && bytes.size() - at - 4 >= n;
}

json journal_entry(MockServer& srv, const std::string& instance) {
  const json j = srv.journal().to_json(0);
  for (const json& e : j.at("entries")) {
    if (e.value("instance", "") == instance && e.value("stream", false)) return e;
  }
  return nullptr;
}

// Waits (bounded) for the journal entry of `instance` to leave in_progress.
json wait_ended(MockServer& srv, const std::string& instance) {
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  for (;;) {
    const json e = journal_entry(srv, instance);
    if ((!e.is_null() && e.value("ended", "") != "in_progress") ||
        std::chrono::steady_clock::now() > deadline) {
      return e;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

TEST(StreamWriterTest, LiveStreamBytesMatchTheWorkerThreadPath) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  RawStream writer(srv.port(), stream_path("story.x"));
  RawStream worker(srv.port(), stream_path("storz.x"));
  ASSERT_TRUE(writer.ok() && worker.ok());
  // Batches: the initial PENDING event, RUNNING at 100, then the rest with the terminal event.
  auto at_least = [](std::size_t n) {
    return [n](const std::string& b) { return has_body_bytes(b, n); };
  };
  ASSERT_TRUE(writer.read_until(at_least(10)));
  ASSERT_TRUE(worker.read_until(at_least(10)));
  srv.advance_ms(150);
  const std::size_t w1 = writer.body().size();
  const std::size_t t1 = worker.body().size();
  ASSERT_TRUE(writer.read_until(at_least(w1 + 10)));
  ASSERT_TRUE(worker.read_until(at_least(t1 + 10)));
  srv.advance_ms(1000);
  ASSERT_TRUE(writer.read_to_end());
  ASSERT_TRUE(worker.read_to_end());

  EXPECT_EQ(writer.body(), expected_wire(srv.server(), "story.x", {}, {1, 2, 6}));
  std::string from_worker = worker.bytes();
  replace_all(from_worker, "storz.x", "story.x");
  EXPECT_EQ(writer.bytes(), from_worker) << "head and body, byte for byte";
  EXPECT_NE(writer.head().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(writer.head().find("Connection: close\r\n"), std::string::npos);

  const json e = wait_ended(srv.server(), "story.x");
  EXPECT_EQ(e.value("ended", ""), "complete") << e.dump();
  EXPECT_EQ(e.value("events_sent", 0), 6);
  // Body bytes without the chunk framing.
  Store::Lookup lookup;
  std::string frames;
  frame_events(Dialect::kSeed, frames, *srv.server().store().touch("story.x", lookup), {}, 6,
               false);
  EXPECT_EQ(e.value("bytes_sent", std::size_t{0}), frames.size());
}

TEST(StreamWriterTest, ManyConcurrentStreamsCompleteWithCorrectBytes) {
  constexpr std::size_t kStreams = 300;
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  std::vector<std::unique_ptr<SseClient>> owned;
  std::vector<SseClient*> clients;
  for (std::size_t i = 0; i < kStreams; ++i) {
    owned.push_back(
        std::make_unique<SseClient>(srv.port(), stream_path("story.c" + std::to_string(i))));
    clients.push_back(owned.back().get());
  }
  ASSERT_TRUE(http_test::pump_all(clients, [](SseClient& c) { return !c.events().empty(); }));
  const json health = srv.health();
  EXPECT_EQ(health.at("server").value("streams", 0), static_cast<int>(kStreams));
  // The streams hold no worker: once the workers that handed them over are back in the pool,
  // only the health request does.
  int busy = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);;) {
    busy = srv.health().at("server").value("busy", -1);
    if (busy <= 1 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(busy, 1);
  srv.advance_ms(1000);
  ASSERT_TRUE(http_test::pump_all(clients, [](SseClient& c) { return c.ended(); }));
  for (std::size_t i = 0; i < kStreams; ++i) {
    const std::string id = "story.c" + std::to_string(i);
    const SseClient& c = *clients[i];
    EXPECT_TRUE(c.clean_end()) << id << ": " << c.error();
    // The client keeps the body without its chunk framing.
    Store::Lookup lookup;
    std::string frames;
    frame_events(Dialect::kSeed, frames, *srv.server().store().touch(id, lookup), {}, 6, false);
    EXPECT_EQ(c.body(), frames) << id;
  }
  const json j = srv.server().journal().to_json(0);
  std::size_t complete = 0;
  for (const json& e : j.at("entries")) {
    if (e.value("stream", false) && e.value("ended", "") == "complete" &&
        e.value("events_sent", 0) == 6) {
      ++complete;
    }
  }
  EXPECT_EQ(complete, kStreams);
  EXPECT_EQ(srv.health().at("server").value("streams", -1), 0);
}

TEST(StreamWriterTest, ClientResetMidStreamIsJournaledAsClientClosed) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  SseClient s(srv.port(), stream_path("forever.r"));
  ASSERT_TRUE(s.wait_events(3));
  // An abortive close: the mock sees an RST rather than a FIN.
  const linger abortive{1, 0};
  ASSERT_EQ(::setsockopt(s.fd(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive), 0);
  s.close();
  const json e = wait_ended(srv.server(), "forever.r");
  EXPECT_EQ(e.value("ended", ""), "client_closed") << e.dump();
  EXPECT_EQ(e.value("events_sent", 0), 3);
  const json verify = http_get(srv.port(), "/_mock/verify").json();
  ASSERT_EQ(verify.value("clients", 0), 1) << verify.dump();
  const json& attempt = verify.at("instances").at(0).at("attempts").at(0);
  EXPECT_EQ(attempt.value("ended", ""), "client_closed");
  EXPECT_EQ(attempt.value("events_written", 0), 3);
}

TEST(StreamWriterTest, SlowReaderGetsEveryByteLater) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  RawStream slow(srv.port(), stream_path("bulk.s"), 4096);
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE(slow.read_until([](const std::string& b) { return has_body_bytes(b, 10); }));
  // 1.6 MB become due at once; the client takes nothing for a while.
  srv.advance_ms(1000);
  std::this_thread::sleep_for(milliseconds(300));
  const json during = journal_entry(srv.server(), "bulk.s");
  EXPECT_EQ(during.value("ended", ""), "in_progress") << during.dump();
  // The writer stays responsive to other streams meanwhile.
  SseClient other(srv.port(), stream_path("story.o"));
  ASSERT_TRUE(other.wait_events(1));
  ASSERT_TRUE(slow.read_to_end(milliseconds(20000)));
  EXPECT_EQ(slow.body(), expected_wire(srv.server(), "bulk.s", {}, {1, 403}));
  const json e = wait_ended(srv.server(), "bulk.s");
  EXPECT_EQ(e.value("ended", ""), "complete") << e.dump();
  EXPECT_EQ(e.value("events_sent", 0), 403);
}

TEST(StreamWriterTest, ManualClockAloneMovesWriterStreams) {
  TestServer srv;
  ASSERT_TRUE(srv.started()) << srv.error();
  SseClient s(srv.port(), stream_path("story.m"));
  ASSERT_TRUE(s.wait_events(1));
  // Real time passing moves nothing on a manual clock.
  s.wait_for([] { return false; }, milliseconds(300));
  EXPECT_EQ(s.events().size(), 1u);
  srv.advance_ms(250);
  ASSERT_TRUE(s.wait_events(3));
  s.wait_for([] { return false; }, milliseconds(200));
  EXPECT_EQ(s.events().size(), 3u) << "only RUNNING at 100 and the text at 200 were due";
  srv.advance_ms(250);
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.clean_end()) << s.error();
  EXPECT_EQ(s.events().size(), 6u);
  // Five events became due after the stream began (the first was there already).
  const json t = srv.health().at("server").at("stream_timeliness");
  EXPECT_EQ(t.value("live_events", 0), 5) << t.dump();
  // On the manual clock each event is written at the advanced time: 150 and 50 ms after their
  // scripted times at 250, then 200, 100 and 0 ms at 500. Percentiles are bucket upper bounds.
  EXPECT_EQ(t.value("late_over_1ms", 0), 4) << t.dump();
  EXPECT_EQ(t.value("late_over_20ms", 0), 4) << t.dump();
  EXPECT_DOUBLE_EQ(t.value("max_lateness_ms", 0.0), 200.0) << t.dump();
  EXPECT_DOUBLE_EQ(t.value("p50_ms", 0.0), 110.0) << t.dump();
  EXPECT_DOUBLE_EQ(t.value("p99_ms", 0.0), 210.0) << t.dump();
  EXPECT_DOUBLE_EQ(t.value("p999_ms", 0.0), 210.0) << t.dump();
}

TEST(StreamWriterTest, QuietWriterStreamGetsHeartbeats) {
  MockOptions o = test::ManualClockOptions();
  o.heartbeat_ms = 100;
  TestServer srv(o);
  ASSERT_TRUE(srv.started()) << srv.error();
  SseClient s(srv.port(), stream_path("story.h"));
  ASSERT_TRUE(s.wait_events(1));
  ASSERT_TRUE(s.wait_for([&] { return s.comments() >= 2; }, milliseconds(5000))) << s.body();
  EXPECT_NE(s.body().find("\n\n: keep-alive\n\n"), std::string::npos);
  srv.advance_ms(1000);
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.clean_end()) << s.error();
  EXPECT_EQ(s.events().size(), 6u);
}

// Both dialects, with and without include_input: a finished interaction's stream, and its resume
// after every id the stream carried, are exactly the framing of the log from that point.
TEST(StreamWriterTest, EveryResumeInBothDialectsCarriesExactlyTheRest) {
  for (const Dialect dialect : {Dialect::kSeed, Dialect::kGenai}) {
    for (const bool include_input : {false, true}) {
      SCOPED_TRACE(std::string(dialect == Dialect::kSeed ? "seed" : "genai") +
                   (include_input ? " include_input" : ""));
      TestServer srv(test::ManualClockOptions(dialect));
      ASSERT_TRUE(srv.started()) << srv.error();
      const std::string extra = include_input ? "include_input=true" : "";
      SseClient first(srv.port(), stream_path("story.d", extra));
      ASSERT_TRUE(first.wait_events(1));
      srv.advance_ms(1000);
      ASSERT_TRUE(first.wait_end());
      ASSERT_TRUE(first.clean_end()) << first.error();
      std::vector<std::string> ids;
      for (const auto& e : first.events()) {
        if (!e.id.empty()) ids.push_back(e.id);
      }
      if (dialect == Dialect::kGenai) {
        // genai sends no id lines: the ids are the data's event_id.
        for (const auto& e : first.events()) {
          if (e.json.is_object() && e.json.contains("event_id")) {
            ids.push_back(e.json.at("event_id").get<std::string>());
          }
        }
      }
      ASSERT_GE(ids.size(), 6u);
      Store::Lookup lookup;
      const auto inst = srv.server().store().touch("story.d", lookup);
      for (const std::string& id : ids) {
        SCOPED_TRACE("last_event_id " + id);
        const auto cursor = resume_cursor(dialect, *inst, inst->compiled->events.size(), id);
        ASSERT_TRUE(cursor.has_value());
        RawStream resumed(
            srv.port(),
            stream_path("story.d", "last_event_id=" + id + (extra.empty() ? "" : "&" + extra)));
        ASSERT_TRUE(resumed.read_to_end());
        std::string expected;
        if (cursor->event < inst->compiled->events.size()) {
          expected = expected_wire(srv.server(), "story.d", *cursor,
                                   {inst->compiled->events.size()}, include_input);
        } else {
          std::string end;
          append_stream_end(dialect, end);
          expected = (end.empty() ? "" : chunk(end)) + "0\r\n\r\n";
        }
        EXPECT_EQ(resumed.body(), expected);
      }
      const json verify = http_get(srv.port(), "/_mock/verify").json();
      EXPECT_EQ(verify.value("clients", 0), 1) << verify.dump();
    }
  }
}

TEST(StreamWriterTest, StopEndsWriterStreamsAsServerStopped) {
  auto srv = std::make_unique<TestServer>();
  ASSERT_TRUE(srv->started()) << srv->error();
  SseClient a(srv->port(), stream_path("forever.a"));
  SseClient b(srv->port(), stream_path("story.b"));
  ASSERT_TRUE(a.wait_events(1));
  ASSERT_TRUE(b.wait_events(1));
  srv->server().stop();
  EXPECT_TRUE(a.wait_end(milliseconds(2000)));
  EXPECT_TRUE(b.wait_end(milliseconds(2000)));
  EXPECT_FALSE(a.body_complete());
  EXPECT_FALSE(b.body_complete());
  EXPECT_EQ(journal_entry(srv->server(), "forever.a").value("ended", ""), "server_stopped");
  EXPECT_EQ(journal_entry(srv->server(), "story.b").value("ended", ""), "server_stopped");
}

}  // namespace
}  // namespace ixh::mock
