// The decoders' fast path against their document path over a deterministic corpus: encoder output
// of both dialects, then every kind of deviation generated from it (truncation at every offset,
// byte flips, type swaps, missing, unknown and duplicate fields, escapes valid and invalid,
// whitespace everywhere, key orders, numbers in every JSON form, huge strings, deep nesting).
// Every decode goes through tests/unit/decode_differential.h, which fails when the fast path
// differs from the document path or declines input the document path found clean.

#include "core/fast_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/genai_dialect.h"
#include "core/seed_dialect.h"
#include "core/sse_parser.h"
#include "tests/unit/decode_differential.h"
#include "tests/unit/genai_test_support.h"

namespace ixh {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kCreate = 1'795'000'000'000;

// --- a JSON writer with the freedoms JSON allows -------------------------------------------------

struct Style {
  std::mt19937* shuffle = nullptr;  // key order: as stored (sorted) or shuffled
  bool escape_all = false;          // every character of every string value as \uXXXX
  std::string ws;                   // written between every two tokens
  std::string dup_pointer;          // the member at this pointer is written twice
  std::string dup_raw;              // ... the second time with this value ("" = the same)
};

void append_escaped_all(std::string_view s, std::string& out) {
  // Decodes UTF-8 (the strings here are valid) and writes UTF-16 escapes, surrogate pairs too.
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr char kHexUpper[] = "0123456789ABCDEF";
  bool upper = false;
  auto unit = [&](std::uint32_t u) {
    const char* hex = upper ? kHexUpper : kHex;
    upper = !upper;
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(u >> shift) & 0xF];
  };
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xF0) {
      cp = c & 0x07u;
      n = 4;
    } else if (c >= 0xE0) {
      cp = c & 0x0Fu;
      n = 3;
    } else if (c >= 0xC0) {
      cp = c & 0x1Fu;
      n = 2;
    }
    for (std::size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  out += '"';
}

void write(const Json& j, const Style& st, const std::string& pointer, std::string& out) {
  if (j.is_object()) {
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    if (st.shuffle != nullptr) std::shuffle(keys.begin(), keys.end(), *st.shuffle);
    out += '{';
    bool first = true;
    for (const std::string& k : keys) {
      const std::string child = pointer + "/" + k;
      const int times = child == st.dup_pointer ? 2 : 1;
      for (int t = 0; t < times; ++t) {
        if (!first) out += st.ws + "," + st.ws;
        first = false;
        out += st.ws + Json(k).dump() + st.ws + ":" + st.ws;
        if (t == 1 && !st.dup_raw.empty()) {
          out += st.dup_raw;
        } else {
          write(j[k], st, child, out);
        }
      }
    }
    out += st.ws + '}';
  } else if (j.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i > 0) out += st.ws + "," + st.ws;
      out += st.ws;
      write(j[i], st, pointer + "/" + std::to_string(i), out);
    }
    out += st.ws + ']';
  } else if (j.is_string() && st.escape_all) {
    append_escaped_all(j.get_ref<const std::string&>(), out);
  } else {
    out += j.dump();
  }
}

std::string write(const Json& j, const Style& st) {
  std::string out;
  write(j, st, "", out);
  return out;
}

// Every value's pointer (the root excluded), parents before children.
void pointers(const Json& j, const std::string& at, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string p = at + "/" + it.key();
      out.push_back(p);
      pointers(it.value(), p, out);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      const std::string p = at + "/" + std::to_string(i);
      out.push_back(p);
      pointers(j[i], p, out);
    }
  }
}

std::string nested(int depth, bool arrays) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += arrays ? "[" : "{\"a\":";
  s += "1";
  for (int i = 0; i < depth; ++i) s += arrays ? "]" : "}";
  return s;
}

// Values put in place of every value, as raw JSON text (so "-0", "1.0" and invalid escapes stay as
// written). `may_decline`: a clean document may hold it where the fast path still declines.
struct RawValue {
  std::string text;
  bool may_decline = false;
};
std::vector<RawValue> replacement_values() {
  std::vector<RawValue> v = {
      {"null"},
      {"true"},
      {"false"},
      {"0"},
      {"-0", true},
      {"00"},
      {"01"},
      {"7"},
      {"1.0"},
      {"1e0"},
      {"1E+2"},
      {"-1"},
      {"0.5"},
      {"2147483647"},
      {"2147483648"},
      {"9223372036854775807"},
      {"9223372036854775808"},
      {"18446744073709551616"},
      {"1e400"},
      {"-"},
      {"1."},
      {"\"\""},
      {"\"x\""},
      {"\"PENDING\""},
      {"\"COMPLETED\""},
      {"\"completed\""},
      {"\"requires_action\""},
      {"\"text\""},
      {"\"model_output\""},
      {"\"user_input\""},
      {"\"interaction\""},
      {"\"2026-11-18T11:06:40Z\""},
      {"\"2026-11-18T11:06:40.5Z\""},
      {"\"2026-11-18T11:06:40\""},
      {"\"\\u00e9\\ud83d\\ude42\\n\\\"\\\\\\/\\b\\f\\r\\t\""},
      {"\"\\ud800\""},
      {"\"\\udc00\""},
      {"\"\\ud800\\u0041\""},
      {"\"\\ud800x\""},
      {"\"\\x\""},
      {"\"\\u12\""},
      {"\"\x01\""},
      {"\"\xff\""},
      {"\"\xc3\""},
      {"\"\xed\xa0\x80\""},
      {"\"caf\xc3\xa9 \xf0\x9f\x99\x82\""},
      {"[]"},
      {"[1,{}]"},
      {"{}"},
      {"{\"text\":\"x\"}"},
      {"{\"type\":\"text\",\"text\":\"y\"}"},
      {"[{\"type\":\"text\",\"text\":\"y\"}]"},
      {"{\"a\":1,\"a\":2}"},
      {"tru"},
      {"nul"},
      {nested(10, true)},
      {nested(64, false), true},  // 64 levels plus those around it: past the fast path's bound
      {nested(70, true), true},
      {nested(300, false), true},
  };
  return v;
}

// Decodes one input of a family through both paths.
using Check = std::function<void(const std::string& text, bool may_decline)>;

struct Tally {
  std::size_t inputs = 0;
};

// The generated deviations of one JSON document `base` (text as the encoder wrote it).
void mutate_json(const std::string& base, bool allow_lf, const Check& check, Tally& tally,
                 std::mt19937& rng) {
  auto run = [&](const std::string& text, bool may_decline) {
    ++tally.inputs;
    check(text, may_decline);
  };
  const Json doc = Json::parse(base);
  // Conforming rewrites: the fast path must take every one of them.
  run(base, false);
  for (const std::string ws : {" ", "\t", "\r", " \t\r ", "\n", "\r\n  "}) {
    if (!allow_lf && ws.find('\n') != std::string::npos) {
      run(write(doc, Style{nullptr, false, ws, "", ""}), false);  // one data line broken in two
      continue;
    }
    run(write(doc, Style{nullptr, false, ws, "", ""}), false);
    run(ws + base + ws, false);
  }
  for (int i = 0; i < 6; ++i)
    run(write(doc, Style{&rng, i % 2 == 1, i % 3 == 0 ? " " : "", "", ""}), false);
  run(write(doc, Style{nullptr, true, "", "", ""}), false);
  run("\xEF\xBB\xBF" + base, true);  // a BOM: the DOM skips it
  // Truncation at every offset, and every single byte replaced by a few that matter to JSON.
  for (std::size_t n = 0; n < base.size(); ++n) run(base.substr(0, n), false);
  const std::string flips = "\"\\{}[],:0-e. x\x01\xff\xc3";
  for (std::size_t n = 0; n < base.size(); ++n) {
    std::string t = base;
    t[n] = flips[rng() % flips.size()];
    run(t, t[n] == '\\');  // a backslash may make an escaped member name, left to the DOM
  }
  // Structural mutations at every value.
  std::vector<std::string> ptrs;
  pointers(doc, "", ptrs);
  const std::vector<RawValue> raws = replacement_values();
  const std::string kMark = "\x01raw\x01";
  for (const std::string& p : ptrs) {
    const Json::json_pointer jp(p);
    {
      Json d = doc;  // removed
      d[jp.parent_pointer()].is_object() ? (void)d[jp.parent_pointer()].erase(jp.back())
                                         : d[jp.parent_pointer()].erase(std::stoul(jp.back()));
      run(d.dump(), false);
    }
    for (const RawValue& r : raws) {  // every other type and form
      Json d = doc;
      d[jp] = kMark;
      std::string t = d.dump();
      const std::string quoted = Json(kMark).dump();
      t.replace(t.find(quoted), quoted.size(), r.text);
      run(t, r.may_decline);
    }
    // Twice, the same value or another: the DOM keeps the last and reports nothing.
    if (doc[jp.parent_pointer()].is_object()) {
      run(write(doc, Style{nullptr, false, "", p, ""}), true);
      run(write(doc, Style{nullptr, false, "", p, "\"dup\""}), true);
      run(write(doc, Style{nullptr, false, "", p, "7"}), true);
    }
    if (doc[jp].is_object()) {  // an unknown member
      Json d = doc;
      d[jp]["zz_unknown"] = 1;
      run(d.dump(), false);
      Json e = doc;
      e[jp]["metadata"] = Json::object({{"k", "v"}});
      run(e.dump(), false);
    }
    if (doc[jp].is_string()) {  // escaped and huge strings
      Json d = doc;
      d[jp] = doc[jp].get<std::string>() + std::string(300'000, 'w') + "\"\\\n\xc3\xa9";
      run(d.dump(), false);
    }
  }
  // Member names with escapes, and control characters around the document.
  std::string escaped_key = base;
  if (const std::size_t q = escaped_key.find("\"i"); q != std::string::npos) {
    escaped_key.replace(q + 1, 1, "\\u0069");
    run(escaped_key, true);
  }
  run(base + "x", false);
  run(base + base, false);
  run("[" + base + "]", false);
}

std::vector<SseEvent> parse_sse(std::string_view bytes) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(bytes, [&](const SseEvent& e) { events.push_back(e); });
  EXPECT_FALSE(parser.finish());
  return events;
}

// --- seed
// ------------------------------------------------------------------------------------------

std::vector<Interaction> seed_snapshots() {
  std::vector<Interaction> out;
  Interaction s;
  s.id = "story.u1";
  s.model = "ixh-mock-1";
  s.candidates = {"Once upon a time", "Long ago", "caf\xc3\xa9 \xf0\x9f\x99\x82 \"q\"\n\t\\"};
  s.state = State::kCompleted;
  s.create_time_ms = kCreate;
  s.update_time_ms = kCreate + 1234;
  s.usage = Usage{5, 7, 12};
  s.previous_interaction_id = "prologue.u1";
  s.input = "Tell me a story";
  out.push_back(s);
  Interaction r = s;
  r.state = State::kRunning;
  r.usage.reset();
  r.input.reset();
  r.previous_interaction_id.reset();
  r.candidates = {""};
  out.push_back(r);
  return out;
}

void seed_events(std::string& bytes) {
  Interaction final_snapshot = seed_snapshots()[0];
  Interaction light;
  light.id = final_snapshot.id;
  std::size_t n = 0;
  auto add = [&](EventKind kind, State state, int candidate, std::string text) {
    const Event e{event_id(++n),  static_cast<std::int64_t>(n) * 10, kind, state, candidate,
                  std::move(text)};
    light.update_time_ms = kCreate + e.at_ms;
    append_seed_event(bytes, e, kind == EventKind::kTerminal ? final_snapshot : light);
  };
  add(EventKind::kStateChange, State::kPending, 0, "");
  add(EventKind::kStateChange, State::kRunning, 0, "");
  add(EventKind::kTextDelta, State::kRunning, 1, "chunk\n\"\xc3\xa9\" \xf0\x9f\x99\x82");
  add(EventKind::kTextDelta, State::kRunning, 0, "");
  add(EventKind::kTerminal, State::kCompleted, 0, "");
}

TEST(FastDecoderTest, SeedInteractionsEqualTheDocumentPath) {
  std::mt19937 rng(20261125);
  Tally tally;
  const Check check = [](const std::string& text, bool may_decline) {
    differential::seed_interaction(text, may_decline);
  };
  for (const Interaction& s : seed_snapshots()) {
    const std::string body = encode_seed_interaction(s);
    ASSERT_TRUE(fast_decode_seed_interaction(body).has_value()) << body;
    mutate_json(body, true, check, tally, rng);
  }
  EXPECT_GT(tally.inputs, 2'000u);
}

TEST(FastDecoderTest, SeedEventsEqualTheDocumentPath) {
  std::mt19937 rng(20261126);
  Tally tally;
  std::string bytes;
  seed_events(bytes);
  for (const SseEvent& raw : parse_sse(bytes)) {
    ASSERT_TRUE(fast_decode_seed_event(raw).has_value()) << raw.data;
    const Check check = [&](const std::string& text, bool may_decline) {
      SseEvent e = raw;
      e.data = text;
      differential::seed_event(e, may_decline);
    };
    mutate_json(raw.data, false, check, tally, rng);
    // The SSE fields around the data.
    for (const std::string type : {"message", "interaction.state_change", "interaction.text_delta",
                                   "interaction.terminal", "interaction.terminal ", ""}) {
      SseEvent e = raw;
      e.type = type;
      differential::seed_event(e);
    }
    for (const std::string& id :
         {std::string(), std::string("evt_other"), raw.last_event_id + "x"}) {
      SseEvent e = raw;
      e.last_event_id = id;
      differential::seed_event(e);
    }
  }
  EXPECT_GT(tally.inputs, 2'000u);
}

// --- genai
// -----------------------------------------------------------------------------------------

TEST(FastDecoderTest, GenaiInteractionsEqualTheDocumentPath) {
  std::mt19937 rng(20261127);
  Tally tally;
  const Check check = [](const std::string& text, bool may_decline) {
    differential::genai_interaction(text, may_decline);
  };
  Interaction s = genai_test::Completed();
  s.candidates = {"caf\xc3\xa9 \xf0\x9f\x99\x82 \"q\"\n\t\\"};
  for (bool input : {false, true}) {
    Json j = genai_interaction_json(s, input);
    // A thought step and an opaque configuration field: fields the decoder passes over.
    j["steps"].push_back({{"type", "thought"}, {"signature", "c2ln"}});
    j["service_tier"] = "standard";
    j["tools"] = Json::array({{{"google_search", Json::object()}}});
    const std::string body = j.dump();
    ASSERT_TRUE(fast_decode_genai_interaction(body).has_value()) << body;
    mutate_json(body, true, check, tally, rng);
  }
  Interaction running = s;
  running.state = State::kRunning;
  running.usage.reset();
  const std::string body = encode_genai_interaction(running, false);
  ASSERT_TRUE(fast_decode_genai_interaction(body).has_value()) << body;
  mutate_json(body, true, check, tally, rng);
  EXPECT_GT(tally.inputs, 2'000u);
}

// interaction.created keeps only a few values of the interaction it embeds and drops that
// interaction's findings (interaction.completed keeps them), so such an event is clean to the
// document path even when its interaction is not. The fast path takes only a clean one.
bool embedded_interaction_clean(const std::string& data) {
  const Json j = Json::parse(data, nullptr, false);
  if (!j.is_object()) return true;
  const auto it = j.find("interaction");
  if (it == j.end() || !it->is_object()) return true;
  return decode_genai_interaction(*it, true).ok();
}

TEST(FastDecoderTest, GenaiEventsEqualTheDocumentPath) {
  std::mt19937 rng(20261128);
  Tally tally;
  Interaction s = genai_test::Completed();
  std::vector<Event> log = genai_test::Log();
  log[3].text = "caf\xc3\xa9 \xf0\x9f\x99\x82 \"q\"\n";
  s.candidates = {"Once" + log[3].text + "."};
  const std::vector<SseEvent> events = parse_sse(genai_test::Stream(log, s, true));
  ASSERT_GT(events.size(), 8u);
  for (const SseEvent& raw : events) {
    ASSERT_TRUE(fast_decode_genai_event(raw).has_value()) << raw.type << " " << raw.data;
    if (raw.data == "[DONE]") {
      for (const std::string type : {"done", "message", "error"}) {
        SseEvent e = raw;
        e.type = type;
        differential::genai_event(e);
      }
      continue;
    }
    const Check check = [&](const std::string& text, bool may_decline) {
      SseEvent e = raw;
      e.data = text;
      differential::genai_event(e, may_decline || !embedded_interaction_clean(text));
    };
    mutate_json(raw.data, false, check, tally, rng);
    for (const std::string type : {"message", "step.delta", "interaction.created",
                                   "interaction.completed", "something.new", "done"}) {
      SseEvent e = raw;
      e.type = type;
      differential::genai_event(e);
    }
    SseEvent with_id = raw;
    with_id.last_event_id = "evt_000001";
    differential::genai_event(with_id);
  }
  // Frames the mock does not send: unknown types, errors, other deltas, a step.start.
  for (
      const std::string data :
      {R"({"event_type":"something.new","event_id":"e1","anything":[1,{"b":null}]})",
       R"({"event_type":"error","event_id":"e2","error":{"code":"INTERNAL","message":"m","x":1}})",
       R"({"event_type":"step.delta","event_id":"e3","index":2,"delta":{"type":"thought_summary","content":{}}})",
       R"({"event_type":"step.start","event_id":"e4","index":0,"step":{"type":"model_output","content":[]}})",
       R"({"event_type":"step.stop","event_id":"e5","index":0,"step_usage":{"a":1},"metadata":null})",
       R"({"event_type":"interaction.status_update","event_id":"e6","interaction_id":"i","status":"requires_action","usage":{},"continuation_token":"t"})"}) {
    const Json j = Json::parse(data);
    SseEvent e{j["event_type"].get<std::string>(), data, ""};
    ASSERT_TRUE(fast_decode_genai_event(e).has_value()) << data;
    const Check check = [&](const std::string& text, bool may_decline) {
      SseEvent m = e;
      m.data = text;
      differential::genai_event(m, may_decline);
    };
    mutate_json(data, false, check, tally, rng);
    e.type = "message";
    differential::genai_event(e);
  }
  EXPECT_GT(tally.inputs, 2'000u);
}

TEST(FastDecoderTest, DeclinesWhatOnlyTheDocumentPathReads) {
  // Each of these is clean to the document path; the fast path leaves them to it on purpose.
  SseEvent e{"interaction.state_change",
             R"({"id":"evt_1","interaction_id":"i","type":"state_change","update_time":)"
             R"("2026-11-18T11:06:40Z","state":"PENDING"})",
             "evt_1"};
  ASSERT_TRUE(fast_decode_seed_event(e).has_value());
  EXPECT_TRUE(decode_seed_event_dom(e).ok());
  SseEvent dup = e;
  dup.data.insert(1, R"("state":"RUNNING",)");
  EXPECT_FALSE(fast_decode_seed_event(dup).has_value());
  EXPECT_TRUE(decode_seed_event_dom(dup).ok());
  EXPECT_EQ(decode_seed_event(dup), decode_seed_event_dom(dup));
  SseEvent escaped_key = e;
  escaped_key.data.replace(2, 2, "\\u0069d");
  EXPECT_FALSE(fast_decode_seed_event(escaped_key).has_value());
  EXPECT_TRUE(decode_seed_event_dom(escaped_key).ok());
}

}  // namespace
}  // namespace ixh
