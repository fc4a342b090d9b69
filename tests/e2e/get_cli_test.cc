// End-to-end tests of `ixh get` (the built binary) against `ixh mock` in another process, on the
// mock's manual clock so every interaction is exactly where the test put it: the interaction
// JSON, --include-input, --stream (one JSON line per event), --raw-events (exactly
// {type, data, last_event_id} per SSE event, compared byte for byte with the seed encoder's
// frames), --last-event-id, full URLs, an unknown id, a closed port and a usage error. Then
// --raw-events against an in-test server sending hand-made SSE bytes, to see WHATWG parsing
// semantics through the CLI. Every wait is bounded.

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/interaction.h"
#include "core/seed_decoder.h"
#include "core/seed_dialect.h"
#include "core/sse_parser.h"
#include "tests/e2e/process.h"

namespace ixh::e2e {
namespace {

using nlohmann::json;

// Six events: PENDING, RUNNING, three deltas at 10/20/30 ms, COMPLETED at 40 ms.
constexpr std::string_view kStoryScenario = R"({
  "name": "get_story",
  "description": "A short story for ixh get: RUNNING, three deltas, usage, COMPLETED at 40 ms.",
  "interactions": {
    "story": {
      "model": "ixh-e2e-get",
      "input": "Tell me a story",
      "timeline": [
        {"after_ms": 0, "state": "RUNNING"},
        {"after_ms": 10, "text": "Once"},
        {"after_ms": 20, "text": " upon"},
        {"after_ms": 30, "text": " a time"},
        {"after_ms": 40, "usage": {"prompt_token_count": 4, "candidates_token_count": 3,
                                   "total_token_count": 7}},
        {"after_ms": 40, "state": "COMPLETED"}
      ]
    }
  }
})";

constexpr std::string_view kStoryText = "Once upon a time";

json parse(std::string_view text) { return json::parse(text, nullptr, false); }

// Each test gets its own mock on a manual clock.
class GetCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    dir_.write("story.json", kStoryScenario);
    mock_.emplace(std::vector<std::string>{dir_.path(), "--clock", "manual"});
    ASSERT_GT(mock_->port(), 0) << mock_->process().err();
  }

  void TearDown() override {
    if (!mock_) return;
    const std::optional<int> code = mock_->stop();
    EXPECT_TRUE(code.has_value() && *code == 0) << mock_->process().err();
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", mock_->port());
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(5, 0);
    return c;
  }

  // Creates the instance (first touch) and moves the clock past its end; the body of a GET
  // made afterwards (a COMPLETED interaction, without input).
  std::string finished(const std::string& id) {
    httplib::Client c = client();
    const httplib::Result touch = c.Get("/v1beta/interactions/" + id);
    EXPECT_TRUE(touch && touch->status == 200) << id;
    const httplib::Result adv = c.Post("/_mock/clock/advance?ms=1000", "", "application/json");
    EXPECT_TRUE(adv && adv->status == 200) << (adv ? adv->body : "no answer");
    const httplib::Result done = c.Get("/v1beta/interactions/" + id);
    EXPECT_TRUE(done && done->status == 200) << id;
    return done ? done->body : std::string();
  }

  std::string target() const { return mock_->url(); }

  TempDir dir_;
  std::optional<MockProcess> mock_;
};

// The SSE events the mock must send for a finished `story` instance, built with the seed encoder
// from the finished GET (times count from create_time, docs/scenarios.md) and parsed back with
// the SSE parser: what --raw-events must print, field for field.
std::vector<SseEvent> expected_story_events(const std::string& final_get_body) {
  const DecodedInteraction d = decode_seed_interaction(final_get_body);
  EXPECT_TRUE(d.ok()) << final_get_body;
  const Interaction& done = d.value;
  struct Step {
    EventKind kind;
    State state;
    std::int64_t at_ms;
    std::string text;
  };
  const std::vector<Step> script = {
      {EventKind::kStateChange, State::kPending, 0, ""},
      {EventKind::kStateChange, State::kRunning, 0, ""},
      {EventKind::kTextDelta, State::kRunning, 10, "Once"},
      {EventKind::kTextDelta, State::kRunning, 20, " upon"},
      {EventKind::kTextDelta, State::kRunning, 30, " a time"},
      {EventKind::kTerminal, State::kCompleted, 40, ""},
  };
  std::string frames;
  for (std::size_t i = 0; i < script.size(); ++i) {
    Event e;
    e.id = event_id(i + 1);
    e.at_ms = script[i].at_ms;
    e.kind = script[i].kind;
    e.state = script[i].state;
    e.text = script[i].text;
    Interaction snapshot = done;
    if (e.kind != EventKind::kTerminal) snapshot.update_time_ms = done.create_time_ms + e.at_ms;
    append_seed_event(frames, e, snapshot);
  }
  std::vector<SseEvent> events;
  SseParser parser;
  parser.feed(frames, [&](const SseEvent& e) { events.push_back(e); });
  EXPECT_FALSE(parser.finish());
  return events;
}

// Parses --raw-events output: every line one object with exactly type, data, last_event_id.
std::vector<SseEvent> raw_events_of(const std::string& out) {
  std::vector<SseEvent> events;
  for (const std::string& line : lines_of(out)) {
    const json j = parse(line);
    EXPECT_TRUE(j.is_object()) << "not a JSON object on stdout: " << line;
    if (!j.is_object()) continue;
    EXPECT_EQ(j.size(), 3u) << line;
    for (const char* key : {"type", "data", "last_event_id"}) {
      EXPECT_TRUE(j.contains(key) && j.at(key).is_string()) << key << " in " << line;
    }
    events.push_back({j.value("type", "?"), j.value("data", "?"), j.value("last_event_id", "?")});
  }
  return events;
}

void expect_same_events(const std::vector<SseEvent>& actual,
                        const std::vector<SseEvent>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i + 1));
    EXPECT_EQ(actual[i].type, expected[i].type);
    EXPECT_EQ(actual[i].data, expected[i].data);
    EXPECT_EQ(actual[i].last_event_id, expected[i].last_event_id);
  }
}

TEST_F(GetCliTest, PrintsTheInteractionJson) {
  finished("story.get");
  const ProcessResult r = run_ixh({"get", "story.get", "--target", target()});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  const json j = parse(r.out);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.at("id"), "story.get");
  EXPECT_EQ(j.at("model"), "ixh-e2e-get");
  EXPECT_EQ(j.at("state"), "COMPLETED");
  EXPECT_EQ(j.at("output").at("text"), kStoryText);
  EXPECT_EQ(j.at("candidates").at(0).at("output").at("text"), kStoryText);
  EXPECT_EQ(j.at("usage_metadata").at("total_token_count"), 7);
  EXPECT_TRUE(j.at("create_time").is_string());
  EXPECT_TRUE(j.at("update_time").is_string());
  EXPECT_FALSE(j.contains("input"));
  EXPECT_TRUE(decode_seed_interaction(j).ok());
}

TEST_F(GetCliTest, PrintsARunningInteractionAsItIsNow) {
  // First touch by ixh itself: the clock stands still, so the instance is RUNNING, no text yet.
  const ProcessResult r = run_ixh({"get", "story.now", "--target", target()});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  const json j = parse(r.out);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.at("state"), "RUNNING");
  EXPECT_EQ(j.at("output").at("text"), "");
  EXPECT_FALSE(j.contains("usage_metadata"));
}

TEST_F(GetCliTest, IncludeInputAddsTheInput) {
  finished("story.input");
  const ProcessResult r = run_ixh({"get", "story.input", "--target", target(), "--include-input"});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  const json j = parse(r.out);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.at("input"), "Tell me a story");
  EXPECT_EQ(j.at("state"), "COMPLETED");
}

TEST_F(GetCliTest, StreamPrintsOneJsonLinePerEvent) {
  const std::vector<SseEvent> expected = expected_story_events(finished("story.stream"));
  const ProcessResult r = run_ixh({"get", "story.stream", "--target", target(), "--stream"});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), expected.size()) << r.out;
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    const json j = parse(lines[i]);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.size(), 3u);
    EXPECT_EQ(j.at("event"), expected[i].type);
    EXPECT_EQ(j.at("id"), expected[i].last_event_id);
    EXPECT_EQ(j.at("data"), parse(expected[i].data));
    if (j.at("event") == "interaction.text_delta") text += j.at("data").at("output").at("text");
  }
  EXPECT_EQ(text, kStoryText);
  EXPECT_EQ(parse(lines.back()).at("data").at("interaction").at("state"), "COMPLETED");
}

TEST_F(GetCliTest, RawEventsPrintExactlyTypeDataAndLastEventId) {
  const std::vector<SseEvent> expected = expected_story_events(finished("story.raw"));
  ASSERT_EQ(expected.size(), 6u);
  // What docs/wire-seed.md documents, independently of the encoder.
  const std::vector<std::string> types = {"interaction.state_change", "interaction.state_change",
                                          "interaction.text_delta",   "interaction.text_delta",
                                          "interaction.text_delta",   "interaction.terminal"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].type, types[i]);
    EXPECT_EQ(expected[i].last_event_id, "evt_00000" + std::to_string(i + 1));
  }

  const ProcessResult r = run_ixh({"get", "story.raw", "--target", target(), "--raw-events"});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.back(), '\n');
  expect_same_events(raw_events_of(r.out), expected);

  // --raw-events implies --stream; with --stream too it is the same.
  const ProcessResult both =
      run_ixh({"get", "story.raw", "--target", target(), "--raw-events", "--stream"});
  ASSERT_TRUE(both.exit_code.has_value());
  EXPECT_EQ(*both.exit_code, 0) << both.err;
  EXPECT_EQ(both.out, r.out);
}

TEST_F(GetCliTest, LastEventIdResumesStrictlyAfterIt) {
  const std::vector<SseEvent> all = expected_story_events(finished("story.resume"));
  ASSERT_EQ(all.size(), 6u);
  const ProcessResult r = run_ixh(
      {"get", "story.resume", "--target", target(), "--stream", "--last-event-id", "evt_000004"});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  std::vector<std::string> ids;
  for (const std::string& line : lines_of(r.out)) {
    const json j = parse(line);
    ASSERT_TRUE(j.is_object()) << line;
    ids.push_back(j.at("id"));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"evt_000005", "evt_000006"})) << r.out;

  const ProcessResult raw = run_ixh({"get", "story.resume", "--target", target(), "--raw-events",
                                     "--last-event-id", "evt_000004"});
  ASSERT_TRUE(raw.exit_code.has_value());
  EXPECT_EQ(*raw.exit_code, 0) << raw.err;
  expect_same_events(raw_events_of(raw.out), {all[4], all[5]});

  // After the terminal event: an empty, clean stream.
  const ProcessResult after = run_ixh({"get", "story.resume", "--target", target(), "--raw-events",
                                       "--last-event-id", "evt_000006"});
  ASSERT_TRUE(after.exit_code.has_value());
  EXPECT_EQ(*after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "");
}

TEST_F(GetCliTest, FullUrlWorksInsteadOfTargetAndId) {
  const std::vector<SseEvent> expected = expected_story_events(finished("story.url"));
  const std::string url = target() + "/v1beta/interactions/story.url";
  const ProcessResult get = run_ixh({"get", url + "?include_input=true"});
  ASSERT_TRUE(get.exit_code.has_value());
  EXPECT_EQ(*get.exit_code, 0) << get.err;
  const json j = parse(get.out);
  ASSERT_TRUE(j.is_object()) << get.out;
  EXPECT_EQ(j.at("id"), "story.url");
  EXPECT_EQ(j.at("input"), "Tell me a story");

  // Another version segment, and stream=true in the URL itself.
  const ProcessResult raw =
      run_ixh({"get", target() + "/v1/interactions/story.url?stream=true", "--raw-events"});
  ASSERT_TRUE(raw.exit_code.has_value());
  EXPECT_EQ(*raw.exit_code, 0) << raw.err;
  expect_same_events(raw_events_of(raw.out), expected);

  // A full URL and --target together are ambiguous.
  const ProcessResult both = run_ixh({"get", url, "--target", target()});
  ASSERT_TRUE(both.exit_code.has_value());
  EXPECT_EQ(*both.exit_code, 2) << both.out << both.err;
}

// The flags that shape the request must not be dropped silently when the interaction is given
// as a full URL: `ixh get URL --stream --last-event-id X` has to resume after X (or refuse the
// combination as a usage error), never replay the whole stream with exit 0.
TEST_F(GetCliTest, FullUrlHonoursLastEventIdAndIncludeInput) {
  finished("story.urlflags");
  const std::string url = target() + "/v1beta/interactions/story.urlflags";

  const ProcessResult resumed = run_ixh({"get", url, "--stream", "--last-event-id", "evt_000004"});
  ASSERT_TRUE(resumed.exit_code.has_value());
  if (*resumed.exit_code != 2) {
    EXPECT_EQ(*resumed.exit_code, 0) << resumed.err;
    std::vector<std::string> ids;
    for (const std::string& line : lines_of(resumed.out)) {
      const json j = parse(line);
      if (j.is_object() && j.contains("id")) ids.push_back(j.at("id"));
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"evt_000005", "evt_000006"}))
        << "--last-event-id was ignored for a full URL: the stream was replayed from the start";
  }

  const ProcessResult input = run_ixh({"get", url, "--include-input"});
  ASSERT_TRUE(input.exit_code.has_value());
  if (*input.exit_code != 2) {
    EXPECT_EQ(*input.exit_code, 0) << input.err;
    const json j = parse(input.out);
    ASSERT_TRUE(j.is_object()) << input.out;
    EXPECT_TRUE(j.contains("input")) << "--include-input was ignored for a full URL: " << input.out;
  }
}

TEST_F(GetCliTest, UnknownIdExitsOneAndPrintsTheErrorBody) {
  const ProcessResult r = run_ixh({"get", "nope.e2e", "--target", target()});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 1) << r.out << r.err;
  const json j = parse(r.out);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.at("error").at("code"), 404);
  EXPECT_EQ(j.at("error").at("status"), "NOT_FOUND");
  EXPECT_TRUE(j.at("error").at("message").is_string());
  EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;

  // The same for a stream; with --raw-events stdout stays free of anything but events.
  const ProcessResult stream = run_ixh({"get", "nope.e2e", "--target", target(), "--stream"});
  ASSERT_TRUE(stream.exit_code.has_value());
  EXPECT_EQ(*stream.exit_code, 1);
  EXPECT_EQ(parse(stream.out).value("error", json::object()).value("code", 0), 404) << stream.out;
  const ProcessResult raw = run_ixh({"get", "nope.e2e", "--target", target(), "--raw-events"});
  ASSERT_TRUE(raw.exit_code.has_value());
  EXPECT_EQ(*raw.exit_code, 1);
  EXPECT_EQ(raw.out, "");
  EXPECT_NE(raw.err.find("HTTP 404"), std::string::npos) << raw.err;
}

TEST_F(GetCliTest, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {"get", "story.usage", "--target", target(), "--last-event-id", "evt_000004"},
      {"get", "story.usage"},
      {"get", "--target", target()},
      {"get", "story.usage", "--target", "not a url"},
  };
  for (const auto& args : cases) {
    SCOPED_TRACE(joined(args));
    const ProcessResult r = run_ixh(args);
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.out, "");
  }
  const ProcessResult r =
      run_ixh({"get", "story.usage", "--target", target(), "--last-event-id", "evt_000004"});
  EXPECT_NE(r.err.find("--last-event-id needs --stream"), std::string::npos) << r.err;
}

TEST(GetCliNoServerTest, ClosedPortExitsThree) {
  const int port = closed_port();
  ASSERT_GT(port, 0);
  const std::string target = "http://127.0.0.1:" + std::to_string(port);
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "get");
    std::vector<std::string> args = {"get", "story.x", "--target", target};
    if (stream) args.push_back("--stream");
    const ProcessResult r = run_ixh(args);
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 3) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(std::to_string(port)), std::string::npos) << r.err;
  }
}

// An in-test HTTP server on 127.0.0.1 that answers every interactions path with one fixed
// text/event-stream body, written in the given pieces (one HTTP chunk each).
class FixedSseServer {
 public:
  explicit FixedSseServer(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {
    server_.set_keep_alive_max_count(1);
    server_.Get(R"(/[^/]+/interactions/[^/]+)",
                [this](const httplib::Request&, httplib::Response& res) {
                  res.set_chunked_content_provider("text/event-stream",
                                                   [this](std::size_t, httplib::DataSink& sink) {
                                                     for (const std::string& p : pieces_) {
                                                       if (!sink.write(p.data(), p.size()))
                                                         return false;
                                                     }
                                                     sink.done();
                                                     return true;
                                                   });
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = SteadyClock::now() + Millis(5000);
    while (port_ > 0 && !server_.is_running() && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(Millis(1));
    }
  }
  ~FixedSseServer() {
    // stop() is a no-op until the accept loop runs (is_running), so wait for it first.
    const auto deadline = SteadyClock::now() + Millis(5000);
    while (thread_.joinable() && !server_.is_running() && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(Millis(1));
    }
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  FixedSseServer(const FixedSseServer&) = delete;
  FixedSseServer& operator=(const FixedSseServer&) = delete;

  int port() const { return port_; }

 private:
  std::vector<std::string> pieces_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

TEST(GetCliRawSseTest, RawEventsFollowWhatwgParsing) {
  // Pieces cut inside a CRLF, inside a field name and right after a CR.
  const std::vector<std::string> pieces = {
      "\xEF\xBB\xBF: a comment after the BOM\r",
      "\nretry: 1000\r\ndata: first\r\nid: 1\r\n\r\n",  // no event: line: type "message"
      "event: custom\r\nda",
      "ta: second\r\ndata:  two spaces\r\n: a comment inside an event\r\n\r\n",
      "data:no space\r\n\r\n",       // the id "1" persists
      "id: 2\r\n\r\n",               // no data: nothing dispatched, yet the id is now "2"
      "event: dropped\r\n\r\n",      // no data: nothing dispatched, the type is forgotten
      "data: lf only\n\n",           // LF line endings
      "data: cr only\r\r",           // CR line endings
      "id\r\ndata: fourth\r\n\r\n",  // "id" without a colon: the id becomes ""
      // An unknown field is ignored, and so is an id containing NUL.
      "unknown: field\r\ndata: last\r\nid: 3" + std::string(1, '\0') + "x\r\n\r\n",
      "data: never dispatched\r\n",  // no blank line before the end: discarded
  };
  FixedSseServer server(pieces);
  ASSERT_GT(server.port(), 0);
  const std::string target = "http://127.0.0.1:" + std::to_string(server.port());

  const ProcessResult r = run_ixh({"get", "anything", "--target", target, "--raw-events"});
  ASSERT_TRUE(r.exit_code.has_value());
  const std::vector<SseEvent> expected = {
      {"message", "first", "1"},    {"custom", "second\n two spaces", "1"},
      {"message", "no space", "1"}, {"message", "lf only", "2"},
      {"message", "cr only", "2"},  {"message", "fourth", ""},
      {"message", "last", ""},
  };
  expect_same_events(raw_events_of(r.out), expected);
  // The body ends inside an event: ixh reports the truncation (stderr), and exits 1.
  EXPECT_EQ(*r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

TEST(GetCliRawSseTest, RawEventsOfACleanStreamExitZero) {
  FixedSseServer server(
      {"data: {\"not\":\"seed\"}\r\n\r\n", "event: x\r\nid: a\r\ndata: y\r\n\r\n"});
  ASSERT_GT(server.port(), 0);
  const ProcessResult r = run_ixh(
      {"get", "http://127.0.0.1:" + std::to_string(server.port()) + "/v1beta/interactions/w",
       "--raw-events"});
  ASSERT_TRUE(r.exit_code.has_value());
  // Raw events judge nothing: any well-formed SSE body is printed as parsed, exit 0.
  EXPECT_EQ(*r.exit_code, 0) << r.err;
  expect_same_events(raw_events_of(r.out),
                     {{"message", "{\"not\":\"seed\"}", ""}, {"x", "y", "a"}});
}

}  // namespace
}  // namespace ixh::e2e
