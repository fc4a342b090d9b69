// Integration tests of the mock's faults (docs/faults.md): a MockServer runs in process on an
// ephemeral port with a manual clock, and a raw socket client (no HTTP library) reads exactly
// what goes on the wire, including how the connection ended. No test asserts an absolute time.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/scenario_loader.h"
#include "core/sse_parser.h"
#include "mock_server/fault_plan.h"
#include "mock_server/fault_stream.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"
#include "tests/integration/test_client.h"

namespace ixh::mock {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

// Every event at time 0, so a stream has its whole log at once on the manual clock. The text
// holds CR LF and two-, three- and four-byte UTF-8 characters, which a drip must split.
constexpr char kTimeline[] = R"([
  {"after_ms": 0, "state": "RUNNING"},
  {"after_ms": 0, "text": "Grüße, 世界 🌍\r\nzwei"},
  {"after_ms": 0, "text": " drei"},
  {"after_ms": 0, "state": "COMPLETED"}
])";
constexpr std::size_t kEvents = 5;  // PENDING, RUNNING, two texts, COMPLETED

// A later text and the end at 1000 ms: a stream then waits for the clock after two events.
constexpr char kSlowTimeline[] = R"([
  {"after_ms": 0, "state": "RUNNING"},
  {"after_ms": 1000, "text": "later"},
  {"after_ms": 1000, "state": "COMPLETED"}
])";

std::string Scenario(const std::vector<std::pair<std::string, std::string>>& templates) {
  json doc = {{"name", "faults"}, {"interactions", json::object()}};
  for (const auto& [name, faults] : templates) {
    doc["interactions"][name] = {
        {"timeline", json::parse(name == "cut_ms" ? kSlowTimeline : kTimeline)},
        {"faults", json::parse(faults)}};
  }
  return doc.dump();
}

const std::string kScenario = Scenario({
    {"plain", "[]"},
    {"cut_events", R"([{"cut": {"after_events": 2}, "attempts": [1]}])"},
    {"cut_bytes", R"([{"cut": {"after_bytes": 100}}])"},
    {"cut_ms", R"([{"cut": {"after_ms": 500}}])"},
    {"reset", R"([{"reset": {"after_events": 1}}])"},
    {"stall", R"([{"stall": {"after_events": 1, "ms": 1000}}])"},
    {"stall_forever", R"([{"stall": {"after_events": 0, "forever": true}}])"},
    {"drip", R"([{"drip": {"piece_bytes": 1, "delay_ms": 0}, "attempts": [1]}])"},
    {"not_json", R"([{"malformed_sse": {"after_events": 2, "variant": "not_json"}}])"},
    {"bad_chunk", R"([{"malformed_chunk": {"after_events": 1}}])"},
    {"garbage", R"([{"garbage": {"bytes": 64}}])"},
    {"reset_bytes", R"([{"reset": {"after_bytes": 150}}])"},
    {"stall_bytes", R"([{"stall": {"after_bytes": 150, "ms": 1000}, "attempts": [1]}])"},
    {"long_line", R"([{"malformed_sse": {"after_events": 1, "variant": "long_line"}}])"},
    {"invalid_utf8", R"([{"malformed_sse": {"after_events": 1, "variant": "invalid_utf8"}}])"},
    {"nul_in_id", R"([{"malformed_sse": {"after_events": 1, "variant": "nul_in_id"}}])"},
    {"missing_id", R"([{"malformed_sse": {"after_events": 1, "variant": "missing_id"}}])"},
    {"coin", R"([{"cut": {"after_events": 0}, "probability": 0.5}])"},
    {"empty", R"([{"empty_reply": {}}])"},
});

class FaultServer : public test::InProcessMock {
 public:
  FaultServer() : InProcessMock({parse_scenario_text(kScenario, "faults.json")}, options()) {}
  static MockOptions options() {
    MockOptions o = test::ManualClockOptions();
    o.seed = 7;
    return o;
  }
};

// How the server's side of the connection ended, as recv() saw it.
enum class End { kFin, kReset, kTimeout, kError };

struct Wire {
  std::string bytes;  // everything received, status line included
  End end = End::kError;
};

// Reads one connection raw until FIN, RST, an error, or `quiet` without a byte.
class RawClient {
 public:
  RawClient(int port, const std::string& target) {
    conn_.open(port);
    conn_.send_all(http_test::build_request("GET", target));
  }
  // Reads until the connection ends or nothing arrives for `quiet`.
  End read(milliseconds quiet) {
    for (;;) {
      pollfd p{conn_.fd(), POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(quiet.count()));
      if (rc == 0) return End::kTimeout;
      if (rc < 0) return End::kError;
      char buf[65536];
      const ssize_t n = ::recv(conn_.fd(), buf, sizeof buf, 0);
      if (n == 0) return End::kFin;
      if (n < 0) return errno == ECONNRESET ? End::kReset : End::kError;
      bytes_.append(buf, static_cast<std::size_t>(n));
    }
  }
  const std::string& bytes() const { return bytes_; }

 private:
  http_test::Connection conn_;
  std::string bytes_;
};

Wire Fetch(int port, const std::string& target) {
  RawClient c(port, target);
  Wire w;
  w.end = c.read(milliseconds(10000));
  w.bytes = c.bytes();
  return w;
}

std::string StreamPath(const std::string& id, const std::string& extra = "") {
  return "/v1beta/interactions/" + id + "?stream=true" + extra;
}

// A chunked body taken apart: the payload, each chunk's size, whether the terminating 0-size
// chunk came, and the offset of the first framing error (npos when none).
struct Chunks {
  std::string payload;
  std::vector<std::size_t> sizes;
  bool terminated = false;
  std::size_t error_at = std::string::npos;
};

Chunks Dechunk(const std::string& wire) {
  Chunks out;
  std::size_t at = wire.find("\r\n\r\n");
  if (at == std::string::npos) {
    out.error_at = 0;
    return out;
  }
  at += 4;
  while (at < wire.size()) {
    const std::size_t eol = wire.find("\r\n", at);
    if (eol == std::string::npos) break;  // cut inside a size line
    const std::string size = wire.substr(at, eol - at);
    if (size.empty() || size.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      out.error_at = at;
      return out;
    }
    const std::size_t n = std::stoul(size, nullptr, 16);
    if (n == 0) {
      out.terminated = wire.compare(eol, 4, "\r\n\r\n") == 0;
      return out;
    }
    const std::size_t data = eol + 2;
    out.payload.append(wire, data, std::min(n, wire.size() - data));
    out.sizes.push_back(n);
    if (data + n + 2 > wire.size()) break;  // cut inside a chunk
    at = data + n + 2;
  }
  return out;
}

std::vector<SseEvent> Events(const std::string& payload) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(payload, [&](const SseEvent& e) { events.push_back(e); });
  return events;
}

std::string malformed_sse_frame_for(const std::string& variant) {
  const std::pair<const char*, FaultSpec::SseVariant> names[] = {
      {"long_line", FaultSpec::SseVariant::kLongLine},
      {"invalid_utf8", FaultSpec::SseVariant::kInvalidUtf8},
      {"nul_in_id", FaultSpec::SseVariant::kNulInId},
      {"not_json", FaultSpec::SseVariant::kNotJson},
      {"missing_id", FaultSpec::SseVariant::kMissingId}};
  for (const auto& [name, v] : names) {
    if (variant == name) return malformed_sse_frame(v, variant);
  }
  return {};
}

json Journal(int port, const std::string& instance) {
  const json all = http_test::http_get(port, "/_mock/journal").json();
  json out = json::array();
  for (const json& e : all.at("entries")) {
    if (e.value("instance", "") == instance) out.push_back(e);
  }
  return out;
}

TEST(MockFaultsTest, CutAfterEventsEndsWithFinAndNoTerminatingChunk) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("cut_events"));
  EXPECT_EQ(w.end, End::kFin);
  EXPECT_EQ(w.bytes.rfind("HTTP/1.1 200", 0), 0u);
  const Chunks c = Dechunk(w.bytes);
  EXPECT_FALSE(c.terminated);
  EXPECT_EQ(w.bytes.find("\r\n0\r\n\r\n"), std::string::npos);
  EXPECT_EQ(c.error_at, std::string::npos);
  const std::vector<SseEvent> events = Events(c.payload);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].last_event_id, "evt_000002");
  const json j = Journal(srv.port(), "cut_events");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["fault"], (json{{"kind", "cut"}, {"after_events", 2}}));
  EXPECT_EQ(j[0]["ended"], "cut");
  EXPECT_EQ(j[0]["events_sent"], 2);
  EXPECT_EQ(j[0]["bytes_sent"], c.payload.size());
}

TEST(MockFaultsTest, CutAfterBytesSplitsAnEvent) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("cut_bytes"));
  EXPECT_EQ(w.end, End::kFin);
  const Chunks c = Dechunk(w.bytes);
  EXPECT_FALSE(c.terminated);
  EXPECT_EQ(c.payload.size(), 100u);
  // The first event is longer than 100 bytes: no event is whole, and none is counted.
  EXPECT_TRUE(Events(c.payload).empty());
  const json j = Journal(srv.port(), "cut_bytes");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["events_sent"], 0);
  EXPECT_EQ(j[0]["bytes_sent"], 100);
}

TEST(MockFaultsTest, CutAfterMsFollowsTheMockClock) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  RawClient client(srv.port(), StreamPath("cut_ms"));
  // PENDING and RUNNING arrive; the next event is due at 1000 ms, the cut at 500 ms.
  EXPECT_EQ(client.read(milliseconds(300)), End::kTimeout);
  ASSERT_TRUE(srv.server().clock().advance_us(499'000));
  EXPECT_EQ(client.read(milliseconds(300)), End::kTimeout);
  ASSERT_TRUE(srv.server().clock().advance_us(1'000));
  EXPECT_EQ(client.read(milliseconds(10000)), End::kFin);
  const Chunks c = Dechunk(client.bytes());
  EXPECT_FALSE(c.terminated);
  EXPECT_EQ(Events(c.payload).size(), 2u);
  const json j = Journal(srv.port(), "cut_ms");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "cut");
}

TEST(MockFaultsTest, ResetMakesRecvFailWithEconnreset) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("reset"));
  EXPECT_EQ(w.end, End::kReset);
  const Chunks c = Dechunk(w.bytes);
  EXPECT_FALSE(c.terminated);
  EXPECT_EQ(Events(c.payload).size(), 1u);
  const json j = Journal(srv.port(), "reset");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "reset");
  EXPECT_EQ(j[0]["events_sent"], 1);
}

TEST(MockFaultsTest, StallSendsNothingUntilTheClockPassesIt) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  RawClient client(srv.port(), StreamPath("stall"));
  EXPECT_EQ(client.read(milliseconds(300)), End::kTimeout);
  const std::string before = client.bytes();
  EXPECT_EQ(Events(Dechunk(before).payload).size(), 1u);
  // Silence, heartbeats included, while the clock stands still.
  EXPECT_EQ(client.read(milliseconds(300)), End::kTimeout);
  EXPECT_EQ(client.bytes(), before);
  ASSERT_TRUE(srv.server().clock().advance_us(999'000));
  EXPECT_EQ(client.read(milliseconds(300)), End::kTimeout);
  EXPECT_EQ(client.bytes(), before);
  ASSERT_TRUE(srv.server().clock().advance_us(1'000));
  EXPECT_EQ(client.read(milliseconds(10000)), End::kFin);
  const Chunks c = Dechunk(client.bytes());
  EXPECT_TRUE(c.terminated);
  EXPECT_EQ(Events(c.payload).size(), kEvents);
  const json j = Journal(srv.port(), "stall");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "stalled_then_complete");
}

TEST(MockFaultsTest, StallForeverEndsWhenTheClientLeavesOrTheServerStops) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  {
    RawClient leaving(srv.port(), StreamPath("stall_forever.a"));
    EXPECT_EQ(leaving.read(milliseconds(200)), End::kTimeout);
  }
  // The mock notices within its one-second liveness check.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string ended;
  while (std::chrono::steady_clock::now() < deadline) {
    const json j = Journal(srv.port(), "stall_forever.a");
    ended = j.empty() ? "" : j[0].value("ended", "");
    if (ended != "in_progress") break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(ended, "client_closed");
  RawClient staying(srv.port(), StreamPath("stall_forever.b"));
  EXPECT_EQ(staying.read(milliseconds(200)), End::kTimeout);
  const auto stop_start = std::chrono::steady_clock::now();
  srv.server().stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::seconds(10));
  EXPECT_NE(staying.read(milliseconds(10000)), End::kTimeout);
}

TEST(MockFaultsTest, DripAtOneBytePiecesIsByteIdenticalToTheUnfaultedStream) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  // Attempt 1 drips, attempt 2 of the same instance does not: same ids, same times.
  const Wire dripped = Fetch(srv.port(), StreamPath("drip"));
  const Wire plain = Fetch(srv.port(), StreamPath("drip"));
  EXPECT_EQ(dripped.end, End::kFin);
  const Chunks d = Dechunk(dripped.bytes);
  const Chunks p = Dechunk(plain.bytes);
  EXPECT_TRUE(d.terminated);
  EXPECT_TRUE(p.terminated);
  EXPECT_EQ(d.payload, p.payload);
  EXPECT_EQ(Events(d.payload).size(), kEvents);
  ASSERT_EQ(d.sizes.size(), d.payload.size());  // one chunk per byte
  for (std::size_t n : d.sizes) EXPECT_EQ(n, 1u);
  // The multi-byte characters and the CR LF really were split across chunks.
  EXPECT_NE(d.payload.find("\xF0\x9F\x8C\x8D"), std::string::npos);
  EXPECT_NE(d.payload.find("世界"), std::string::npos);
  const json j = Journal(srv.port(), "drip");
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["fault"], (json{{"kind", "drip"}, {"piece_bytes", 1}, {"delay_ms", 0}}));
  EXPECT_EQ(j[0]["ended"], "complete");
  EXPECT_FALSE(j[1].contains("fault"));
}

TEST(MockFaultsTest, MalformedSseInsertsAFrameTheDialectRejects) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("not_json"));
  const Chunks c = Dechunk(w.bytes);
  EXPECT_TRUE(c.terminated);
  const std::vector<SseEvent> events = Events(c.payload);
  ASSERT_EQ(events.size(), kEvents + 1);
  EXPECT_TRUE(json::parse(events[2].data, nullptr, false).is_discarded());
  EXPECT_EQ(events[2].last_event_id, "evt_000002");  // the frame carries no id
  for (std::size_t i : {0u, 1u, 3u, 4u, 5u}) {
    EXPECT_FALSE(json::parse(events[i].data, nullptr, false).is_discarded());
  }
}

TEST(MockFaultsTest, MalformedChunkPutsBadFramingOnTheWire) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("bad_chunk"));
  EXPECT_EQ(w.end, End::kFin);
  const Chunks c = Dechunk(w.bytes);
  ASSERT_NE(c.error_at, std::string::npos);
  EXPECT_EQ(w.bytes.substr(c.error_at), "zz\r\nnot a chunk\r\n");
  EXPECT_EQ(Events(c.payload).size(), 1u);
  const json j = Journal(srv.port(), "bad_chunk");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "malformed_chunk");
}

TEST(MockFaultsTest, GarbageIsSeededNoiseInsteadOfAResponse) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), "/v1beta/interactions/garbage");
  EXPECT_EQ(w.end, End::kFin);
  EXPECT_EQ(w.bytes, garbage_bytes(64, 7, "garbage", 1));
  EXPECT_NE(w.bytes.rfind("HTTP/", 0), 0u);
  const json j = Journal(srv.port(), "garbage");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "garbage");
  EXPECT_EQ(j[0]["status"], 0);
  EXPECT_EQ(j[0]["bytes_sent"], 64);
}

TEST(MockFaultsTest, EmptyReplyClosesWithoutAByte) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("empty"));
  EXPECT_EQ(w.end, End::kFin);
  EXPECT_TRUE(w.bytes.empty());
  const json j = Journal(srv.port(), "empty");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "empty_reply");
  EXPECT_EQ(j[0]["fault"], (json{{"kind", "empty_reply"}}));
}

TEST(MockFaultsTest, ResetAfterBytesResetsInsideAnEvent) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Wire w = Fetch(srv.port(), StreamPath("reset_bytes"));
  EXPECT_EQ(w.end, End::kReset);
  const Chunks c = Dechunk(w.bytes);
  EXPECT_EQ(c.payload.size(), 150u);
  const json j = Journal(srv.port(), "reset_bytes");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ended"], "reset");
  EXPECT_EQ(j[0]["bytes_sent"], 150);
  EXPECT_EQ(j[0]["events_sent"], Events(c.payload).size());
}

TEST(MockFaultsTest, StallAfterBytesLeavesHalfAnEventPending) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  RawClient client(srv.port(), StreamPath("stall_bytes"));
  EXPECT_EQ(client.read(milliseconds(300)), End::kTimeout);
  EXPECT_EQ(Dechunk(client.bytes()).payload.size(), 150u);
  ASSERT_TRUE(srv.server().clock().advance_us(1'000'000));
  EXPECT_EQ(client.read(milliseconds(10000)), End::kFin);
  const Chunks c = Dechunk(client.bytes());
  EXPECT_TRUE(c.terminated);
  EXPECT_EQ(Events(c.payload).size(), kEvents);
  // The same bytes as an unfaulted stream of the same instance.
  const Chunks again = Dechunk(Fetch(srv.port(), StreamPath("stall_bytes")).bytes);
  EXPECT_TRUE(again.terminated);
  EXPECT_EQ(c.payload, again.payload);
}

TEST(MockFaultsTest, EveryMalformedSseVariantIsOnTheWireAfterItsEvent) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  const Chunks plain = Dechunk(Fetch(srv.port(), StreamPath("plain")).bytes);
  const std::vector<SseEvent> plain_events = Events(plain.payload);
  ASSERT_EQ(plain_events.size(), kEvents);
  for (const char* variant : {"long_line", "invalid_utf8", "nul_in_id", "missing_id"}) {
    SCOPED_TRACE(variant);
    const Wire w = Fetch(srv.port(), StreamPath(variant));
    const Chunks c = Dechunk(w.bytes);
    EXPECT_TRUE(c.terminated);
    // The frame follows the first event's blank line, in a chunk of its own.
    const std::size_t first_end = c.payload.find("\n\n") + 2;
    const std::string frame = malformed_sse_frame_for(variant);
    EXPECT_EQ(c.payload.compare(first_end, frame.size(), frame), 0);
    EXPECT_NE(std::find(c.sizes.begin(), c.sizes.end(), frame.size()), c.sizes.end());
    const json j = Journal(srv.port(), variant);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["fault"]["variant"], variant);
    EXPECT_EQ(j[0]["events_sent"], kEvents);
    EXPECT_EQ(j[0]["ended"], "complete");
  }
}

TEST(MockFaultsTest, ProbabilityFaultsRepeatAcrossRunsWithTheSameSeed) {
  auto pattern = [] {
    FaultServer srv;
    std::string hits;
    for (int i = 0; i < 16; ++i) {
      hits += Fetch(srv.port(), StreamPath("coin")).bytes.find("\r\n0\r\n\r\n") == std::string::npos
                  ? 'x'
                  : '.';
    }
    return hits;
  };
  const std::string first = pattern();
  EXPECT_EQ(first, pattern());
  EXPECT_NE(first.find('x'), std::string::npos);  // 2^-16 odds of a false failure each way
  EXPECT_NE(first.find('.'), std::string::npos);
}

json VerifyOf(const json& verdict, const std::string& instance) {
  for (const json& i : verdict.at("instances")) {
    if (i.at("instance") == instance) return i;
  }
  ADD_FAILURE() << "no verdict for " << instance;
  return json::object();
}

TEST(MockFaultsTest, VerifyTellsCorrectClientsFromWrongOnes) {
  FaultServer srv;
  ASSERT_TRUE(srv.started());
  // Each client's first stream is cut after two events (evt_000001, evt_000002).
  for (const char* id : {"cut_events.right", "cut_events.older", "cut_events.never"}) {
    EXPECT_EQ(Events(Dechunk(Fetch(srv.port(), StreamPath(id)).bytes).payload).size(), 2u);
  }
  // Right: resumes after the last event it got. Older: after the first. Never: gives up.
  Fetch(srv.port(), StreamPath("cut_events.right", "&last_event_id=evt_000002"));
  Fetch(srv.port(), StreamPath("cut_events.older", "&last_event_id=evt_000001"));
  const json v = http_test::http_get(srv.port(), "/_mock/verify").json();
  EXPECT_EQ(v["ok"], false);
  EXPECT_EQ(v["clients"], 3);
  EXPECT_EQ(v["failed"], 2);
  const json right = VerifyOf(v, "cut_events.right");
  EXPECT_EQ(right["ok"], true) << right.dump(2);
  ASSERT_EQ(right["resumes"].size(), 1u);
  EXPECT_EQ(right["resumes"][0]["verdict"], "exact");
  EXPECT_GE(right["resumes"][0]["reconnect_ms"].get<double>(), 0.0);
  const json older = VerifyOf(v, "cut_events.older");
  EXPECT_EQ(older["ok"], false);
  EXPECT_EQ(older["resumes"][0]["verdict"], "older");
  EXPECT_EQ(older["resumes"][0]["expected"], "evt_000002");
  EXPECT_EQ(older["duplicated"], (json{{{"id", "evt_000002"}, {"times", 2}}}));
  const json never = VerifyOf(v, "cut_events.never");
  EXPECT_EQ(never["ok"], false);
  EXPECT_EQ(never["completed"], false);
  EXPECT_TRUE(never["resumes"].empty());
  // Plain GETs are not clients of the stream check.
  http_test::http_get(srv.port(), "/v1beta/interactions/plain");
  EXPECT_EQ(http_test::http_get(srv.port(), "/_mock/verify").json()["clients"], 3);
}

}  // namespace
}  // namespace ixh::mock
