// What a live stream holds, against the real mock and curl engine: streams read through libcurl's
// smallest receive buffer (harness/engine.h, EngineOptions::stream_buffer_size) still decode
// events many times larger, pooled handles switch between the GET and stream buffer sizes, and
// StreamFetch keeps an event's SSE data only where asked to.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/dialect.h"
#include "core/genai_decoder.h"
#include "core/scenario_loader.h"
#include "harness/engine.h"
#include "harness/fetch.h"
#include "harness/target.h"
#include "mock_server/mock_options.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"

namespace ixh {
namespace {

using nlohmann::json;

[[maybe_unused]] const bool kSigpipeIgnored = http_test::ignore_sigpipe();

// Five times libcurl's smallest receive buffer, in one text delta.
const std::string kLongText = [] {
  std::string s;
  for (int i = 0; s.size() < 5 * 1024; ++i) s += "word" + std::to_string(i) + ' ';
  return s;
}();

Scenario LongEventScenario() {
  json doc = {{"name", "long"},
              {"interactions",
               {{"long",
                 {{"timeline", json::array({{{"after_ms", 0}, {"state", "RUNNING"}},
                                            {{"after_ms", 0}, {"text", "short "}},
                                            {{"after_ms", 0}, {"text", kLongText}},
                                            {{"after_ms", 0}, {"state", "COMPLETED"}}})}}}}},
              {"steps", json::array({{{"stream", "long"}}})}};
  return parse_scenario(doc, "long.json");
}

// Passes every transfer through to the engine and records the largest body slice each handler
// was given, so a test sees the receive buffer a transfer really ran with.
class SliceTap final : public Transport {
 public:
  explicit SliceTap(Engine& engine) : engine_(engine) {}
  const Clock& clock() const override { return engine_.clock(); }
  TransferId start(const TransferSpec& spec, TransferHandler* handler) override {
    Tap& tap = taps_[handler];
    tap.inner = handler;
    tap.largest = 0;
    return engine_.start(spec, &tap);
  }
  void cancel(TransferId id) override { engine_.cancel(id); }
  TimerId schedule(std::int64_t at_ns, std::function<void()> fn) override {
    return engine_.schedule(at_ns, std::move(fn));
  }
  void cancel_timer(TimerId id) override { engine_.cancel_timer(id); }
  std::size_t largest(TransferHandler* handler) { return taps_[handler].largest; }

 private:
  struct Tap final : TransferHandler {
    TransferHandler* inner = nullptr;
    std::size_t largest = 0;
    void on_headers(const HttpObservation& h) override { inner->on_headers(h); }
    bool on_body(std::string_view b, std::int64_t now) override {
      largest = std::max(largest, b.size());
      return inner->on_body(b, now);
    }
    void on_complete(const HttpObservation& h) override { inner->on_complete(h); }
  };
  Engine& engine_;
  std::unordered_map<TransferHandler*, Tap> taps_;
};

class StreamMemoryTest : public ::testing::Test {
 protected:
  StreamMemoryTest() : mock_({LongEventScenario()}) {}
  void SetUp() override {
    ASSERT_TRUE(mock_.started()) << mock_.error();
    target_.base_url = mock_.base_url();
  }

  ObservedStream Stream(Engine& engine, Transport& transport, StreamFetch& fetch,
                        const std::string& id, StreamFetch::Options options = {}) {
    options.timeout_ms = 20'000;
    std::optional<ObservedStream> got;
    fetch.start(transport, target_, id, options, [&](ObservedStream s) { got = std::move(s); });
    EXPECT_TRUE(test::RunEngineUntil(engine, [&] { return got.has_value(); }));
    return got.value_or(ObservedStream{});
  }

  ObservedGet Get(Engine& engine, Transport& transport, GetFetch& fetch, const std::string& id) {
    std::optional<ObservedGet> got;
    fetch.start(transport, target_, id, false, [&](ObservedGet g) { got = std::move(g); });
    EXPECT_TRUE(test::RunEngineUntil(engine, [&] { return got.has_value(); }));
    return got.value_or(ObservedGet{});
  }

  // The stream decoded whole: state changes, both deltas (the long one intact), the terminal.
  static void ExpectWhole(const ObservedStream& s) {
    EXPECT_EQ(s.http.status, 200) << s.http.curl_error;
    EXPECT_EQ(s.http.error, ErrorClass::kNone) << s.http.curl_error;
    EXPECT_EQ(s.sse_error, SseError::kNone);
    EXPECT_FALSE(s.truncated);
    ASSERT_TRUE(s.saw_terminal());
    std::string text;
    for (const ObservedEvent& e : s.events) {
      EXPECT_TRUE(e.decoded.ok()) << e.decoded.id;
      if (e.decoded.kind == EventKind::kTextDelta) text += e.decoded.text;
    }
    EXPECT_EQ(text, "short " + kLongText);
    const ObservedEvent& terminal = s.events.back();
    ASSERT_TRUE(terminal.decoded.interaction.has_value());
    EXPECT_EQ(terminal.decoded.interaction->value.state, State::kCompleted);
  }

  test::InProcessMock mock_;
  Target target_;
};

TEST_F(StreamMemoryTest, EventsLongerThanTheReceiveBufferDecodeWhole) {
  EngineOptions options;
  options.stream_buffer_size = 1024;  // libcurl's smallest
  Engine engine(mock_.clock(), options);
  SliceTap tap(engine);
  GetFetch get;
  StreamFetch stream;
  // A GET first: the pooled handle it leaves behind runs the stream next, and must switch to the
  // stream's buffer size; the GET after the stream switches back.
  const ObservedGet before = Get(engine, tap, get, "long.first");
  EXPECT_EQ(before.http.status, 200) << before.http.curl_error;
  const ObservedStream s = Stream(engine, tap, stream, "long.first");
  ExpectWhole(s);
  EXPECT_GT(s.http.bytes, 5u * 1024);
  EXPECT_LE(tap.largest(&stream), 1024u);
  const ObservedGet after = Get(engine, tap, get, "long.first");
  EXPECT_EQ(after.http.status, 200) << after.http.curl_error;
  ASSERT_TRUE(after.decoded.has_value());
  EXPECT_TRUE(after.decoded->ok());
  EXPECT_EQ(after.decoded->value.state, State::kCompleted);
  EXPECT_EQ(engine.active_transfers(), 0u);
}

TEST_F(StreamMemoryTest, StreamsRunWithTheStreamBufferAndGetsWithTheirs) {
  EngineOptions options;
  options.buffer_size = 1024;
  options.stream_buffer_size = 16384;
  Engine engine(mock_.clock(), options);
  SliceTap tap(engine);
  GetFetch get;
  StreamFetch stream;
  const ObservedStream s = Stream(engine, tap, stream, "long.sizes");
  ExpectWhole(s);
  const ObservedGet g = Get(engine, tap, get, "long.sizes");
  EXPECT_EQ(g.http.status, 200) << g.http.curl_error;
  EXPECT_GT(g.http.bytes, 5u * 1024);
  EXPECT_LE(tap.largest(&get), 1024u);
  ASSERT_TRUE(g.decoded.has_value());
  EXPECT_TRUE(g.decoded->ok());
}

TEST_F(StreamMemoryTest, EventDataIsKeptOnlyWhenAsked) {
  Engine engine(mock_.clock(), EngineOptions{});
  StreamFetch fetch;
  const ObservedStream lean = Stream(engine, engine, fetch, "long.lean");
  ExpectWhole(lean);
  for (const ObservedEvent& e : lean.events) {
    EXPECT_TRUE(e.raw.data.empty()) << e.decoded.id;
    EXPECT_FALSE(e.raw.type.empty()) << e.decoded.id;
    EXPECT_EQ(e.raw.last_event_id, e.decoded.id);
  }
  StreamFetch::Options keep;
  keep.keep_raw_data = true;
  const ObservedStream full = Stream(engine, engine, fetch, "long.lean", keep);
  ExpectWhole(full);
  ASSERT_EQ(full.events.size(), lean.events.size());
  for (std::size_t i = 0; i < full.events.size(); ++i) {
    const ObservedEvent& e = full.events[i];
    EXPECT_EQ(e.raw.type, lean.events[i].raw.type);
    EXPECT_EQ(e.raw.last_event_id, lean.events[i].raw.last_event_id);
    // The data it was decoded from, whole: it decodes to the same event again.
    const DecodedEvent again = decode_event(Dialect::kSeed, e.raw);
    EXPECT_EQ(again.id, e.decoded.id);
    EXPECT_EQ(again.text, e.decoded.text);
    EXPECT_EQ(again.kind, e.decoded.kind);
  }
  EXPECT_TRUE(std::any_of(full.events.begin(), full.events.end(), [](const ObservedEvent& e) {
    return e.raw.data.find(kLongText.substr(0, 64)) != std::string::npos;
  }));
}

TEST(KeepsRawDataTest, OnlyGenaiStepFramesKeepTheirData) {
  EXPECT_TRUE(keeps_raw_data(SseEvent{"step.start", "{}", ""}));
  EXPECT_TRUE(keeps_raw_data(SseEvent{"step.delta", "{}", ""}));
  EXPECT_TRUE(keeps_raw_data(SseEvent{"step.stop", "{}", ""}));
  EXPECT_FALSE(keeps_raw_data(SseEvent{"interaction.text_delta", "{}", "evt_000001"}));
  EXPECT_FALSE(keeps_raw_data(SseEvent{"interaction.created", "{}", ""}));
  EXPECT_FALSE(keeps_raw_data(SseEvent{"message", "{}", ""}));
}

}  // namespace
}  // namespace ixh
