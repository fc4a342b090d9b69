#include "core/scenario_loader.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/errors.h"
#include "core/interaction.h"
#include "core/json_pointer.h"

namespace ixh {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kMaxChunks = 1'000'000;
constexpr int kMaxChunkBytes = 1'048'576;
constexpr int kMaxRetryAfterS = 86'400;
constexpr int kMaxAttempt = 1'000'000;

constexpr int kMaxDripPieceBytes = 65'536;
constexpr std::int64_t kMaxDripDelayMs = 60'000;
constexpr int kMaxGarbageBytes = 1'048'576;

// Fault kinds, one key each. Kept in one list so that adding a kind also updates every message.
struct FaultKindSpec {
  FaultSpec::Kind kind;
  std::string_view key;
};
constexpr FaultKindSpec kFaultKinds[] = {
    {FaultSpec::Kind::kHttpError, "http_error"},
    {FaultSpec::Kind::kCut, "cut"},
    {FaultSpec::Kind::kReset, "reset"},
    {FaultSpec::Kind::kStall, "stall"},
    {FaultSpec::Kind::kDrip, "drip"},
    {FaultSpec::Kind::kMalformedSse, "malformed_sse"},
    {FaultSpec::Kind::kMalformedChunk, "malformed_chunk"},
    {FaultSpec::Kind::kGarbage, "garbage"},
    {FaultSpec::Kind::kEmptyReply, "empty_reply"},
};

struct SseVariantName {
  FaultSpec::SseVariant variant;
  std::string_view name;
};
constexpr SseVariantName kSseVariants[] = {
    {FaultSpec::SseVariant::kLongLine, "long_line"},
    {FaultSpec::SseVariant::kInvalidUtf8, "invalid_utf8"},
    {FaultSpec::SseVariant::kNulInId, "nul_in_id"},
    {FaultSpec::SseVariant::kNotJson, "not_json"},
    {FaultSpec::SseVariant::kMissingId, "missing_id"},
};

// Steps: one kind key each, and per kind the keys of the step and of its `expect`, in the order
// messages list them (docs/scenarios.md, "Steps").
constexpr std::string_view kGetKeys[] = {"get", "include_input", "expect"};
constexpr std::string_view kStreamKeys[] = {
    "stream",          "include_input", "last_event_id", "timeout_ms", "first_event_timeout_ms",
    "idle_timeout_ms", "resume",        "interrupt",     "expect"};
constexpr std::string_view kResumeKeys[] = {"max_attempts", "backoff", "via"};
constexpr std::string_view kBackoffKeys[] = {"kind", "initial_ms", "max_ms", "multiplier",
                                             "jitter"};
constexpr std::string_view kInterruptKeys[] = {"after_events", "after_ms", "attempts"};
constexpr int kMaxResumeAttempts = 1000;
constexpr std::string_view kMinMaxKeys[] = {"min", "max"};
constexpr std::string_view kPollKeys[] = {"poll", "interval_ms", "timeout_ms", "include_input",
                                          "expect"};
constexpr std::string_view kChainKeys[] = {"chain", "expect"};
constexpr std::string_view kWaitKeys[] = {"wait_ms"};

constexpr std::string_view kGetExpectKeys[] = {"status", "state", "text",           "text_contains",
                                               "usage",  "input", "latency_ms_max", "error_status"};
constexpr std::string_view kStreamExpectKeys[] = {
    "status",       "state",      "text",       "text_contains", "usage",
    "input",        "events_min", "events_max", "ttfe_ms_max",   "latency_ms_max",
    "error_status", "resumes",    "breaks",     "recovered"};
constexpr std::string_view kPollExpectKeys[] = {"status",        "state",          "text",
                                                "text_contains", "usage",          "input",
                                                "polls_max",     "latency_ms_max", "error_status"};
constexpr std::string_view kChainExpectKeys[] = {"status", "chain_length", "latency_ms_max",
                                                 "error_status"};

struct StepKindSpec {
  Step::Kind kind;
  std::string_view key;  // the kind key, e.g. "stream"
  std::span<const std::string_view> keys;
  std::span<const std::string_view> expect_keys;  // empty: no `expect`
};

constexpr StepKindSpec kStepKinds[] = {
    {Step::Kind::kGet, "get", kGetKeys, kGetExpectKeys},
    {Step::Kind::kStream, "stream", kStreamKeys, kStreamExpectKeys},
    {Step::Kind::kPoll, "poll", kPollKeys, kPollExpectKeys},
    {Step::Kind::kChain, "chain", kChainKeys, kChainExpectKeys},
    {Step::Kind::kWait, "wait_ms", kWaitKeys, {}},
};

// The key that names a step's kind, which is also the last token of the pointer to its template
// name.
std::string_view step_kind_key(Step::Kind kind) {
  for (const StepKindSpec& spec : kStepKinds) {
    if (spec.kind == kind) return spec.key;
  }
  return "get";
}

// The `status` of a Google JSON error body that a step may expect (core/error_body.cc).
constexpr std::string_view kErrorStatuses[] = {
    "INVALID_ARGUMENT", "UNAUTHENTICATED",    "PERMISSION_DENIED", "NOT_FOUND",
    "ABORTED",          "RESOURCE_EXHAUSTED", "CANCELLED",         "INTERNAL",
    "NOT_IMPLEMENTED",  "UNAVAILABLE",        "DEADLINE_EXCEEDED", "UNKNOWN"};

std::string child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + json_pointer_token(key);
}

std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string quoted_span(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += '"';
    out += item;
    out += '"';
  }
  return out;
}

std::string quoted_list(std::initializer_list<std::string_view> items) {
  return quoted_span(std::span<const std::string_view>(items.begin(), items.size()));
}

std::string fault_kind_list() {
  std::string out;
  for (const FaultKindSpec& k : kFaultKinds) {
    if (!out.empty()) out += ", ";
    out += '"';
    out += k.key;
    out += '"';
  }
  return out;
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  return "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}

bool is_template_name(std::string_view name) {
  if (name.empty() || name.size() > static_cast<std::size_t>(kScenarioMaxTemplateNameLength)) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

constexpr char kTemplateNameText[] =
    "a template name: 1 to 64 characters from A-Z, a-z, 0-9, \"_\" and \"-\"";

std::string sha256_hex(std::string_view bytes, const std::string& file) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw ScenarioError(file, "", "a file whose SHA-256 OpenSSL can compute");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

// Walks one document. Keeps the file name so every check can throw a complete ScenarioError.
class DocumentParser {
 public:
  explicit DocumentParser(const std::string& file) : file_(file) {}

  Scenario parse(const json& doc) {
    Scenario scenario;
    scenario.file = file_;
    expect_object(doc, "");
    check_keys(doc, "", {"$schema", "name", "description", "interactions", "steps", "load"});
    if (const json* l = find(doc, "load")) scenario.load = parse_load_spec(*l, file_, "/load");
    // A mixed load profile may only name other files, which bring their own interactions.
    if (!scenario.load || scenario.load->mix.empty() || doc.contains("interactions")) {
      require_key(doc, "", "interactions");
    } else {
      if (const json* v = find(doc, "$schema")) get_string(*v, "/$schema", false);
      scenario.name = fs::path(file_).stem().string();
      if (const json* v = find(doc, "name")) scenario.name = get_string(*v, "/name", true);
      if (const json* v = find(doc, "description")) {
        scenario.description = get_string(*v, "/description", false);
      }
      if (find(doc, "steps")) fail("/steps", "no steps in a file whose load block has a \"mix\"");
      return scenario;
    }
    if (const json* v = find(doc, "$schema")) get_string(*v, "/$schema", false);
    if (const json* v = find(doc, "name")) {
      scenario.name = get_string(*v, "/name", true);
    } else {
      scenario.name = fs::path(file_).stem().string();
    }
    if (const json* v = find(doc, "description")) {
      scenario.description = get_string(*v, "/description", false);
    }
    const json& interactions = doc.at("interactions");
    if (!interactions.is_object() || interactions.empty()) {
      fail("/interactions", "a non-empty object of interaction templates");
    }
    // nlohmann orders object keys, so templates come out sorted by name: stable across edits
    // that only move definitions around.
    for (const auto& [name, value] : interactions.items()) {
      const std::string pointer = child("/interactions", name);
      if (!is_template_name(name)) fail(pointer, kTemplateNameText);
      scenario.interactions.push_back(parse_template(name, value, pointer));
    }
    if (const json* steps = find(doc, "steps")) scenario.steps = parse_steps(*steps, "/steps");
    return scenario;
  }

 private:
  [[noreturn]] void fail(const std::string& pointer, const std::string& expected) const {
    throw ScenarioError(file_, pointer, expected);
  }

  static const json* find(const json& object, std::string_view key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  void expect_object(const json& v, const std::string& pointer) const {
    if (!v.is_object()) fail(pointer, "an object");
  }

  void check_keys(const json& object, const std::string& pointer,
                  std::initializer_list<std::string_view> allowed) const {
    check_allowed_keys(object, pointer,
                       std::span<const std::string_view>(allowed.begin(), allowed.size()), "");
  }

  // `note` follows the list of keys in the message, e.g. to say which kind of step they are for.
  void check_allowed_keys(const json& object, const std::string& pointer,
                          std::span<const std::string_view> allowed,
                          const std::string& note) const {
    for (const auto& [key, value] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(child(pointer, key), "one of the keys " + quoted_span(allowed) + note);
      }
    }
  }

  void require_key(const json& object, const std::string& pointer, std::string_view key) const {
    if (!object.contains(key)) {
      fail(pointer, "an object with the key \"" + std::string(key) + "\"");
    }
  }

  std::string get_string(const json& v, const std::string& pointer, bool non_empty) const {
    if (!v.is_string() || (non_empty && v.get_ref<const std::string&>().empty())) {
      fail(pointer, non_empty ? "a non-empty string" : "a string");
    }
    return v.get<std::string>();
  }

  bool get_bool(const json& v, const std::string& pointer) const {
    if (!v.is_boolean()) fail(pointer, "true or false");
    return v.get<bool>();
  }

  // JSON Schema counts 3.0 as an integer, so the loader does too: the two must agree.
  std::int64_t get_int(const json& v, const std::string& pointer, std::int64_t lo, std::int64_t hi,
                       const std::string& note = "") const {
    bool ok = false;
    std::int64_t value = 0;
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      ok = u <= static_cast<std::uint64_t>(hi);
      if (ok) value = static_cast<std::int64_t>(u);
    } else if (v.is_number_integer()) {
      value = v.get<std::int64_t>();
      ok = true;
    } else if (v.is_number_float()) {
      const double d = v.get<double>();
      ok = std::isfinite(d) && std::floor(d) == d && d >= static_cast<double>(lo) &&
           d <= static_cast<double>(hi);
      if (ok) value = static_cast<std::int64_t>(d);
    }
    if (!ok || value < lo || value > hi) fail(pointer, range_text(lo, hi) + note);
    return value;
  }

  int get_small_int(const json& v, const std::string& pointer, int lo, int hi,
                    const std::string& note = "") const {
    return static_cast<int>(get_int(v, pointer, lo, hi, note));
  }

  State get_state(const json& v, const std::string& pointer) const {
    std::optional<State> state;
    if (v.is_string()) state = parse_state(v.get_ref<const std::string&>());
    if (!state) {
      fail(pointer,
           "one of " + quoted_list({"PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}));
    }
    return *state;
  }

  State get_terminal_state(const json& v, const std::string& pointer) const {
    std::optional<State> state;
    if (v.is_string()) state = parse_state(v.get_ref<const std::string&>());
    if (!state || !is_terminal(*state)) {
      fail(pointer, "one of " + quoted_list({"COMPLETED", "FAILED", "CANCELLED"}));
    }
    return *state;
  }

  InteractionTemplate parse_template(const std::string& name, const json& v,
                                     const std::string& pointer) const {
    InteractionTemplate t;
    t.name = name;
    t.file = file_;
    t.pointer = pointer;
    expect_object(v, pointer);
    check_keys(
        v, pointer,
        {"model", "input", "store", "previous", "candidates", "timeline", "generate", "faults"});
    if (const json* m = find(v, "model")) t.model = get_string(*m, child(pointer, "model"), true);
    if (const json* i = find(v, "input")) t.input = get_string(*i, child(pointer, "input"), false);
    if (const json* s = find(v, "store")) t.store = get_bool(*s, child(pointer, "store"));
    if (const json* p = find(v, "previous")) {
      const std::string previous_pointer = child(pointer, "previous");
      if (!p->is_string() || !is_template_name(p->get_ref<const std::string&>())) {
        fail(previous_pointer, kTemplateNameText);
      }
      t.previous = p->get<std::string>();
    }
    if (const json* c = find(v, "candidates")) {
      t.candidates = get_small_int(*c, child(pointer, "candidates"), 1, kScenarioMaxCandidates);
    }
    const json* timeline = find(v, "timeline");
    const json* generate = find(v, "generate");
    if ((timeline == nullptr) == (generate == nullptr)) {
      fail(pointer, "exactly one of the keys \"timeline\" and \"generate\"");
    }
    if (timeline != nullptr) {
      t.timeline = parse_timeline(*timeline, child(pointer, "timeline"), t.candidates);
    } else {
      t.generate = parse_generate(*generate, child(pointer, "generate"));
    }
    if (const json* f = find(v, "faults")) t.faults = parse_faults(*f, child(pointer, "faults"));
    return t;
  }

  std::vector<TimelineEntry> parse_timeline(const json& v, const std::string& pointer,
                                            int candidates) const {
    if (!v.is_array()) fail(pointer, "an array of timeline entries");
    std::vector<TimelineEntry> entries;
    entries.reserve(v.size());
    // The instance starts PENDING without an entry saying so; every state entry must raise it.
    State state = State::kPending;
    std::int64_t previous_ms = 0;
    std::string terminal_pointer;
    std::string usage_pointer;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& e = v[i];
      const std::string p = child(pointer, i);
      expect_object(e, p);
      check_keys(e, p, {"after_ms", "state", "text", "usage", "candidate"});
      require_key(e, p, "after_ms");
      TimelineEntry entry;
      entry.after_ms = get_int(e.at("after_ms"), child(p, "after_ms"), 0, kScenarioMaxMs);
      if (entry.after_ms < previous_ms) {
        fail(child(p, "after_ms"), range_text(previous_ms, kScenarioMaxMs) +
                                       " (after_ms never decreases along the timeline)");
      }
      previous_ms = entry.after_ms;
      const int kinds = static_cast<int>(e.contains("state")) +
                        static_cast<int>(e.contains("text")) +
                        static_cast<int>(e.contains("usage"));
      if (kinds != 1) fail(p, "exactly one of the keys " + quoted_list({"state", "text", "usage"}));
      if (!terminal_pointer.empty()) {
        fail(p, "no entry after the terminal state at " + terminal_pointer);
      }
      if (e.contains("candidate") && !e.contains("text")) {
        fail(child(p, "candidate"), "no \"candidate\" key except on a \"text\" entry");
      }
      if (const json* s = find(e, "state")) {
        entry.kind = TimelineEntry::Kind::kState;
        entry.state = get_state(*s, child(p, "state"));
        if (state_rank(entry.state) <= state_rank(state)) {
          fail(child(p, "state"),
               std::string("one of ") +
                   (state == State::kPending
                        ? quoted_list({"RUNNING", "COMPLETED", "FAILED", "CANCELLED"})
                        : quoted_list({"COMPLETED", "FAILED", "CANCELLED"})) +
                   " (states only move forward, and here it is " + std::string(to_string(state)) +
                   ")");
        }
        state = entry.state;
        if (is_terminal(state)) terminal_pointer = p;
      } else if (const json* t = find(e, "text")) {
        entry.kind = TimelineEntry::Kind::kText;
        entry.text = get_string(*t, child(p, "text"), true);
        if (state != State::kRunning) {
          fail(p, "a \"RUNNING\" state entry before the first text entry");
        }
        if (const json* c = find(e, "candidate")) {
          entry.candidate = get_small_int(*c, child(p, "candidate"), 0, candidates - 1,
                                          " (the template has " + std::to_string(candidates) +
                                              (candidates == 1 ? " candidate)" : " candidates)"));
        }
      } else {
        if (!usage_pointer.empty()) {
          fail(p, "at most one usage entry (the first is at " + usage_pointer + ")");
        }
        usage_pointer = p;
        entry.kind = TimelineEntry::Kind::kUsage;
        entry.usage = parse_usage(e.at("usage"), child(p, "usage"));
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  Usage parse_usage(const json& v, const std::string& pointer) const {
    expect_object(v, pointer);
    check_keys(v, pointer, {"prompt_token_count", "candidates_token_count", "total_token_count"});
    require_key(v, pointer, "prompt_token_count");
    require_key(v, pointer, "candidates_token_count");
    require_key(v, pointer, "total_token_count");
    Usage usage;
    usage.prompt_token_count =
        get_int(v.at("prompt_token_count"), child(pointer, "prompt_token_count"), 0,
                kScenarioMaxTokenCount);
    usage.candidates_token_count =
        get_int(v.at("candidates_token_count"), child(pointer, "candidates_token_count"), 0,
                kScenarioMaxTokenCount);
    usage.total_token_count = get_int(
        v.at("total_token_count"), child(pointer, "total_token_count"), 0, kScenarioMaxTokenCount);
    // Both addends are below 2^53, so the sum cannot overflow.
    const std::int64_t sum = usage.prompt_token_count + usage.candidates_token_count;
    if (usage.total_token_count != sum) {
      fail(child(pointer, "total_token_count"),
           std::to_string(sum) + ", the sum of prompt_token_count and candidates_token_count");
    }
    return usage;
  }

  GenerateSpec parse_generate(const json& v, const std::string& pointer) const {
    expect_object(v, pointer);
    check_keys(v, pointer, {"chunks", "bytes", "every_ms", "start_ms", "final_state"});
    require_key(v, pointer, "chunks");
    require_key(v, pointer, "bytes");
    require_key(v, pointer, "every_ms");
    GenerateSpec g;
    g.chunks = get_small_int(v.at("chunks"), child(pointer, "chunks"), 1, kMaxChunks);
    g.bytes = get_small_int(v.at("bytes"), child(pointer, "bytes"), 1, kMaxChunkBytes);
    g.every_ms = get_int(v.at("every_ms"), child(pointer, "every_ms"), 0, kScenarioMaxMs);
    if (const json* s = find(v, "start_ms")) {
      g.start_ms = get_int(*s, child(pointer, "start_ms"), 0, kScenarioMaxMs);
    }
    if (const json* f = find(v, "final_state")) {
      g.final_state = get_terminal_state(*f, child(pointer, "final_state"));
    }
    // Every instance of a template shares its event log, so the generated text must fit in
    // memory; checked here rather than first at mock start so that lint catches it too.
    if (static_cast<std::int64_t>(g.chunks) * g.bytes > kScenarioMaxGeneratedBytes) {
      fail(pointer, "chunks * bytes of at most 268435456 (256 MiB)");
    }
    // Bounded operands (1e6 * 8.64e7), so the product fits easily.
    const std::int64_t end_ms = g.start_ms + static_cast<std::int64_t>(g.chunks) * g.every_ms;
    if (end_ms > kScenarioMaxMs) {
      fail(pointer, "a stream that ends within " + std::to_string(kScenarioMaxMs) +
                        " ms (start_ms + chunks * every_ms is " + std::to_string(end_ms) + ")");
    }
    return g;
  }

  std::vector<FaultSpec> parse_faults(const json& v, const std::string& pointer) const {
    if (!v.is_array()) fail(pointer, "an array of faults");
    std::vector<FaultSpec> faults;
    faults.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      faults.push_back(parse_fault(v[i], child(pointer, i)));
    }
    return faults;
  }

  FaultSpec parse_fault(const json& f, const std::string& p) const {
    expect_object(f, p);
    const FaultKindSpec* spec = nullptr;
    int kinds = 0;
    for (const FaultKindSpec& candidate : kFaultKinds) {
      if (f.contains(candidate.key)) {
        spec = &candidate;
        ++kinds;
      }
    }
    if (kinds != 1) fail(p, "exactly one fault-kind key: " + fault_kind_list());
    check_keys(f, p, {spec->key, "attempts", "probability", "on"});
    FaultSpec fault;
    fault.kind = spec->kind;
    const json& body = f.at(spec->key);
    const std::string body_pointer = child(p, spec->key);
    switch (fault.kind) {
      case FaultSpec::Kind::kHttpError:
        parse_http_error(body, body_pointer, fault);
        break;
      case FaultSpec::Kind::kCut:
      case FaultSpec::Kind::kReset:
      case FaultSpec::Kind::kMalformedChunk:
        expect_object(body, body_pointer);
        check_keys(body, body_pointer, {"after_events", "after_bytes", "after_ms"});
        parse_trigger(body, body_pointer, fault, true);
        break;
      case FaultSpec::Kind::kStall:
        parse_stall(body, body_pointer, fault);
        break;
      case FaultSpec::Kind::kDrip:
        expect_object(body, body_pointer);
        check_keys(body, body_pointer, {"piece_bytes", "delay_ms"});
        require_key(body, body_pointer, "piece_bytes");
        require_key(body, body_pointer, "delay_ms");
        fault.piece_bytes = get_small_int(
            body.at("piece_bytes"), child(body_pointer, "piece_bytes"), 1, kMaxDripPieceBytes);
        fault.delay_ms =
            get_int(body.at("delay_ms"), child(body_pointer, "delay_ms"), 0, kMaxDripDelayMs);
        break;
      case FaultSpec::Kind::kMalformedSse:
        parse_malformed_sse(body, body_pointer, fault);
        break;
      case FaultSpec::Kind::kGarbage:
        expect_object(body, body_pointer);
        check_keys(body, body_pointer, {"bytes"});
        require_key(body, body_pointer, "bytes");
        fault.garbage_bytes =
            get_small_int(body.at("bytes"), child(body_pointer, "bytes"), 1, kMaxGarbageBytes);
        break;
      case FaultSpec::Kind::kEmptyReply:
        expect_object(body, body_pointer);
        if (!body.empty()) {
          fail(child(body_pointer, body.items().begin().key()),
               "no key (empty_reply takes an empty object)");
        }
        break;
    }
    const json* attempts = find(f, "attempts");
    const json* probability = find(f, "probability");
    if (attempts != nullptr && probability != nullptr) {
      fail(child(p, "probability"), "no \"probability\" beside \"attempts\" (choose one)");
    }
    if (attempts != nullptr) {
      const std::string attempts_pointer = child(p, "attempts");
      // An empty list would read as "never" but FaultSpec takes empty as "every attempt".
      if (!attempts->is_array() || attempts->empty()) {
        fail(attempts_pointer, "a non-empty array of attempt numbers (counted from 1)");
      }
      for (std::size_t j = 0; j < attempts->size(); ++j) {
        fault.attempts.push_back(
            get_small_int((*attempts)[j], child(attempts_pointer, j), 1, kMaxAttempt));
      }
    }
    if (probability != nullptr) {
      const std::string probability_pointer = child(p, "probability");
      if (!probability->is_number() || !(probability->get<double>() >= 0.0) ||
          !(probability->get<double>() <= 1.0)) {
        fail(probability_pointer, "a number from 0 to 1");
      }
      fault.probability = probability->get<double>();
    }
    const bool stream_only = is_stream_only(fault.kind);
    fault.applies_to = stream_only ? FaultSpec::Applies::kStream : FaultSpec::Applies::kAny;
    if (const json* on = find(f, "on")) {
      const std::string on_pointer = child(p, "on");
      const std::string applies = on->is_string() ? on->get<std::string>() : std::string();
      if (stream_only) {
        if (applies != "stream") {
          fail(on_pointer, "\"stream\" (a " + std::string(spec->key) +
                               " fault acts on a stream's body, so it never applies to a plain "
                               "GET)");
        }
      } else if (applies == "any") {
        fault.applies_to = FaultSpec::Applies::kAny;
      } else if (applies == "get") {
        fault.applies_to = FaultSpec::Applies::kGet;
      } else if (applies == "stream") {
        fault.applies_to = FaultSpec::Applies::kStream;
      } else {
        fail(on_pointer, "one of " + quoted_list({"any", "get", "stream"}));
      }
    }
    return fault;
  }

  // Exactly one of after_events, after_bytes and after_ms (only after_events unless `any`).
  void parse_trigger(const json& v, const std::string& pointer, FaultSpec& fault, bool any) const {
    const int n = static_cast<int>(v.contains("after_events")) +
                  static_cast<int>(v.contains("after_bytes")) +
                  static_cast<int>(v.contains("after_ms"));
    if (n != 1) {
      fail(pointer, any ? "exactly one of the keys " +
                              quoted_list({"after_events", "after_bytes", "after_ms"})
                        : std::string("an object with the key \"after_events\""));
    }
    if (const json* e = find(v, "after_events")) {
      fault.trigger = FaultSpec::Trigger::kEvents;
      fault.after = get_int(*e, child(pointer, "after_events"), 0, kScenarioMaxCount);
    } else if (const json* b = find(v, "after_bytes")) {
      fault.trigger = FaultSpec::Trigger::kBytes;
      fault.after = get_int(*b, child(pointer, "after_bytes"), 0, kScenarioMaxCount);
    } else {
      fault.trigger = FaultSpec::Trigger::kMs;
      fault.after = get_int(v.at("after_ms"), child(pointer, "after_ms"), 0, kScenarioMaxMs);
    }
  }

  void parse_stall(const json& v, const std::string& pointer, FaultSpec& fault) const {
    expect_object(v, pointer);
    check_keys(v, pointer, {"after_events", "after_bytes", "after_ms", "ms", "forever"});
    parse_trigger(v, pointer, fault, true);
    const json* ms = find(v, "ms");
    const json* forever = find(v, "forever");
    if ((ms == nullptr) == (forever == nullptr)) {
      fail(pointer, "exactly one of the keys " + quoted_list({"ms", "forever"}));
    }
    if (ms != nullptr) {
      fault.stall_ms = get_int(*ms, child(pointer, "ms"), 1, kScenarioMaxMs);
    } else if (!forever->is_boolean() || !forever->get<bool>()) {
      fail(child(pointer, "forever"), "true (for a bounded stall use \"ms\")");
    } else {
      fault.forever = true;
    }
  }

  void parse_malformed_sse(const json& v, const std::string& pointer, FaultSpec& fault) const {
    expect_object(v, pointer);
    check_keys(v, pointer, {"after_events", "variant"});
    require_key(v, pointer, "after_events");
    require_key(v, pointer, "variant");
    parse_trigger(v, pointer, fault, false);
    const json& variant = v.at("variant");
    const std::string name = variant.is_string() ? variant.get<std::string>() : std::string();
    for (const SseVariantName& candidate : kSseVariants) {
      if (candidate.name == name) {
        fault.variant = candidate.variant;
        return;
      }
    }
    std::vector<std::string_view> names;
    for (const SseVariantName& candidate : kSseVariants) names.push_back(candidate.name);
    fail(child(pointer, "variant"), "one of " + quoted_span(names));
  }

  void parse_http_error(const json& v, const std::string& pointer, FaultSpec& fault) const {
    expect_object(v, pointer);
    check_keys(v, pointer, {"status", "retry_after_s", "message"});
    require_key(v, pointer, "status");
    fault.status = get_small_int(v.at("status"), child(pointer, "status"), 400, 599);
    if (const json* r = find(v, "retry_after_s")) {
      fault.retry_after_s = get_small_int(*r, child(pointer, "retry_after_s"), 0, kMaxRetryAfterS);
    }
    if (const json* m = find(v, "message")) {
      fault.message = get_string(*m, child(pointer, "message"), false);
    }
  }

  std::vector<Step> parse_steps(const json& v, const std::string& pointer) const {
    if (!v.is_array() || v.empty()) fail(pointer, "a non-empty array of steps");
    std::vector<Step> steps;
    steps.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      steps.push_back(parse_step(v[i], child(pointer, i)));
    }
    return steps;
  }

  Step parse_step(const json& v, const std::string& pointer) const {
    expect_object(v, pointer);
    const StepKindSpec* spec = nullptr;
    int kinds = 0;
    for (const StepKindSpec& candidate : kStepKinds) {
      if (v.contains(candidate.key)) {
        spec = &candidate;
        ++kinds;
      }
    }
    if (kinds != 1) {
      fail(pointer,
           "exactly one of the keys " + quoted_list({"get", "stream", "poll", "chain", "wait_ms"}));
    }
    check_allowed_keys(v, pointer, spec->keys,
                       " (the keys of a \"" + std::string(spec->key) + "\" step)");
    Step step;
    step.kind = spec->kind;
    step.pointer = pointer;
    const json& kind_value = v.at(spec->key);
    const std::string kind_pointer = child(pointer, spec->key);
    if (step.kind == Step::Kind::kWait) {
      step.wait_ms = get_int(kind_value, kind_pointer, 0, kScenarioMaxMs);
      return step;
    }
    if (!kind_value.is_string() || !is_template_name(kind_value.get_ref<const std::string&>())) {
      fail(kind_pointer, kTemplateNameText);
    }
    step.interaction = kind_value.get<std::string>();
    if (const json* i = find(v, "include_input")) {
      step.include_input = get_bool(*i, child(pointer, "include_input"));
    }
    if (const json* l = find(v, "last_event_id")) {
      // It travels in a query parameter or a Last-Event-ID header, where CR, LF and NUL break
      // the request.
      if (!l->is_string() || l->get_ref<const std::string&>().empty() ||
          l->get_ref<const std::string&>().find_first_of(std::string_view("\r\n\0", 3)) !=
              std::string::npos) {
        fail(child(pointer, "last_event_id"), "a non-empty string without CR, LF or NUL");
      }
      step.last_event_id = l->get<std::string>();
    }
    if (const json* i = find(v, "interval_ms")) {
      step.interval_ms = get_int(*i, child(pointer, "interval_ms"), 1, kScenarioMaxPollIntervalMs);
    }
    if (const json* t = find(v, "timeout_ms")) {
      step.timeout_ms = get_int(*t, child(pointer, "timeout_ms"), 1, kScenarioMaxMs);
    }
    if (const json* t = find(v, "first_event_timeout_ms")) {
      step.first_event_timeout_ms =
          get_int(*t, child(pointer, "first_event_timeout_ms"), 1, kScenarioMaxMs);
    }
    if (const json* t = find(v, "idle_timeout_ms")) {
      step.idle_timeout_ms = get_int(*t, child(pointer, "idle_timeout_ms"), 1, kScenarioMaxMs);
    }
    if (const json* r = find(v, "resume")) step.resume = parse_resume(*r, child(pointer, "resume"));
    if (const json* i = find(v, "interrupt")) {
      const std::string p = child(pointer, "interrupt");
      step.interrupt = parse_interrupt(*i, p);
      if (!step.resume) fail(p, "a \"resume\" policy beside it (an interrupted stream resumes)");
    }
    if (const json* e = find(v, "expect")) {
      step.expect = parse_expect(*e, child(pointer, "expect"), *spec);
      const std::string ep = child(pointer, "expect");
      if (!step.resume) {
        for (const char* key : {"resumes", "breaks", "recovered"}) {
          if (e->contains(key)) {
            fail(child(ep, key), "a \"resume\" policy on the step (expect." + std::string(key) +
                                     " judges resumption)");
          }
        }
      }
    }
    return step;
  }

  ResumePolicy parse_resume(const json& v, const std::string& pointer) const {
    expect_object(v, pointer);
    check_allowed_keys(v, pointer, kResumeKeys, " (the keys of a resume policy)");
    ResumePolicy r;
    if (const json* n = find(v, "max_attempts")) {
      r.max_attempts = get_small_int(*n, child(pointer, "max_attempts"), 0, kMaxResumeAttempts);
    }
    if (const json* via = find(v, "via")) {
      const std::string p = child(pointer, "via");
      const std::string s = via->is_string() ? via->get<std::string>() : std::string();
      if (s == "query") {
        r.via = ResumePolicy::Via::kQuery;
      } else if (s == "header") {
        r.via = ResumePolicy::Via::kHeader;
      } else {
        fail(p, "one of " + quoted_list({"query", "header"}));
      }
    }
    if (const json* b = find(v, "backoff"))
      r.backoff = parse_backoff(*b, child(pointer, "backoff"));
    return r;
  }

  BackoffSpec parse_backoff(const json& v, const std::string& pointer) const {
    expect_object(v, pointer);
    check_allowed_keys(v, pointer, kBackoffKeys, " (the keys of a backoff)");
    BackoffSpec b;
    if (const json* k = find(v, "kind")) {
      const std::string s = k->is_string() ? k->get<std::string>() : std::string();
      if (s == "constant") {
        b.kind = BackoffSpec::Kind::kConstant;
      } else if (s == "exponential") {
        b.kind = BackoffSpec::Kind::kExponential;
      } else {
        fail(child(pointer, "kind"), "one of " + quoted_list({"constant", "exponential"}));
      }
    }
    if (const json* n = find(v, "initial_ms")) {
      b.initial_ms = get_int(*n, child(pointer, "initial_ms"), 0, kScenarioMaxMs);
    }
    if (const json* n = find(v, "max_ms")) {
      b.max_ms = get_int(*n, child(pointer, "max_ms"), 0, kScenarioMaxMs);
    } else {
      b.max_ms = std::max(b.max_ms, b.initial_ms);
    }
    if (b.max_ms < b.initial_ms) {
      fail(child(pointer, "max_ms"),
           range_text(b.initial_ms, kScenarioMaxMs) + " (max_ms is at least initial_ms)");
    }
    if (const json* m = find(v, "multiplier")) {
      b.multiplier = get_number(*m, child(pointer, "multiplier"), 1.0, 100.0);
    }
    if (const json* j = find(v, "jitter")) {
      b.jitter = get_number(*j, child(pointer, "jitter"), 0.0, 1.0);
    }
    return b;
  }

  double get_number(const json& v, const std::string& pointer, double lo, double hi) const {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo ||
        v.get<double>() > hi) {
      fail(pointer, "a number from " + format_number(lo) + " to " + format_number(hi));
    }
    return v.get<double>();
  }

  static std::string format_number(double d) {
    std::string s = std::to_string(d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  InterruptSpec parse_interrupt(const json& v, const std::string& pointer) const {
    expect_object(v, pointer);
    check_allowed_keys(v, pointer, kInterruptKeys, " (the keys of an interrupt)");
    InterruptSpec in;
    const json* events = find(v, "after_events");
    const json* ms = find(v, "after_ms");
    if ((events == nullptr) == (ms == nullptr)) {
      fail(pointer, "exactly one of the keys " + quoted_list({"after_events", "after_ms"}));
    }
    if (events)
      in.after_events = get_int(*events, child(pointer, "after_events"), 1, kScenarioMaxCount);
    if (ms) in.after_ms = get_int(*ms, child(pointer, "after_ms"), 1, kScenarioMaxMs);
    if (const json* a = find(v, "attempts")) {
      const std::string p = child(pointer, "attempts");
      if (!a->is_array() || a->empty()) fail(p, "a non-empty array of attempt numbers");
      in.attempts.clear();
      for (std::size_t i = 0; i < a->size(); ++i) {
        in.attempts.push_back(get_small_int((*a)[i], child(p, i), 1, kMaxResumeAttempts + 1));
      }
    }
    return in;
  }

  Expect parse_expect(const json& v, const std::string& pointer, const StepKindSpec& spec) const {
    expect_object(v, pointer);
    check_allowed_keys(v, pointer, spec.expect_keys,
                       " (the expect keys of a \"" + std::string(spec.key) + "\" step)");
    Expect e;
    if (const json* s = find(v, "status")) {
      e.status = get_small_int(*s, child(pointer, "status"), 100, 599);
    }
    if (const json* s = find(v, "state")) e.state = get_state(*s, child(pointer, "state"));
    if (const json* t = find(v, "text")) e.text = get_string(*t, child(pointer, "text"), false);
    if (const json* t = find(v, "text_contains")) {
      e.text_contains = get_string(*t, child(pointer, "text_contains"), true);
    }
    if (const json* u = find(v, "usage")) e.usage = get_bool(*u, child(pointer, "usage"));
    if (const json* i = find(v, "input")) e.input = get_bool(*i, child(pointer, "input"));
    if (const json* n = find(v, "events_min")) {
      e.events_min = get_int(*n, child(pointer, "events_min"), 0, kScenarioMaxCount);
    }
    if (const json* n = find(v, "events_max")) {
      e.events_max = get_int(*n, child(pointer, "events_max"), 0, kScenarioMaxCount);
      if (e.events_min && *e.events_max < *e.events_min) {
        fail(child(pointer, "events_max"),
             range_text(*e.events_min, kScenarioMaxCount) + " (events_max is at least events_min)");
      }
    }
    if (const json* n = find(v, "polls_max")) {
      e.polls_max = get_int(*n, child(pointer, "polls_max"), 1, kScenarioMaxCount);
    }
    if (const json* n = find(v, "chain_length")) {
      e.chain_length = get_int(*n, child(pointer, "chain_length"), 1, kScenarioMaxCount);
    }
    if (const json* n = find(v, "ttfe_ms_max")) {
      e.ttfe_ms_max = get_int(*n, child(pointer, "ttfe_ms_max"), 0, kScenarioMaxMs);
    }
    if (const json* n = find(v, "latency_ms_max")) {
      e.latency_ms_max = get_int(*n, child(pointer, "latency_ms_max"), 0, kScenarioMaxMs);
    }
    if (const json* s = find(v, "error_status")) {
      const std::string p = child(pointer, "error_status");
      const std::string status = s->is_string() ? s->get<std::string>() : std::string();
      if (std::find(std::begin(kErrorStatuses), std::end(kErrorStatuses), status) ==
          std::end(kErrorStatuses)) {
        fail(p, "one of " + quoted_span(kErrorStatuses));
      }
      e.error_status = status;
    }
    if (const json* r = find(v, "resumes")) {
      const std::string p = child(pointer, "resumes");
      if (r->is_object()) {
        check_allowed_keys(*r, p, kMinMaxKeys, " (bounds of expect.resumes)");
        if (r->empty()) fail(p, "an object with \"min\", \"max\" or both");
        if (const json* lo = find(*r, "min")) {
          e.resumes_min = get_int(*lo, child(p, "min"), 0, kMaxResumeAttempts);
        }
        if (const json* hi = find(*r, "max")) {
          e.resumes_max = get_int(*hi, child(p, "max"), 0, kMaxResumeAttempts);
          if (e.resumes_min && *e.resumes_max < *e.resumes_min) {
            fail(child(p, "max"),
                 range_text(*e.resumes_min, kMaxResumeAttempts) + " (max is at least min)");
          }
        }
      } else {
        e.resumes_min = get_int(*r, p, 0, kMaxResumeAttempts, " or an object {\"min\", \"max\"}");
        e.resumes_max = e.resumes_min;
      }
    }
    if (const json* b = find(v, "breaks")) {
      const std::string p = child(pointer, "breaks");
      if (!b->is_array()) fail(p, "an array of break kinds");
      std::vector<std::string> kinds;
      for (std::size_t i = 0; i < b->size(); ++i) {
        const json& k = (*b)[i];
        const std::string s = k.is_string() ? k.get<std::string>() : std::string();
        if (std::find(std::begin(kBreakKindNames), std::end(kBreakKindNames), s) ==
            std::end(kBreakKindNames)) {
          fail(child(p, i), "one of " + quoted_span(kBreakKindNames));
        }
        kinds.push_back(s);
      }
      e.breaks = std::move(kinds);
    }
    if (const json* r = find(v, "recovered"))
      e.recovered = get_bool(*r, child(pointer, "recovered"));
    return e;
  }

  const std::string& file_;
};

// Rejects a key repeated within one object while parsing: nlohmann keeps only the last value,
// so a duplicated template would otherwise vanish without a word. Tracks the JSON pointer of the
// current position from the parser's events.
class DuplicateKeyGuard {
 public:
  explicit DuplicateKeyGuard(const std::string& file) : file_(file) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        count_array_element();
        frames_.push_back(Frame{event == json::parse_event_t::array_start, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          throw ScenarioError(file_, pointer(), "a key that appears only once in its object");
        }
        break;
      }
      case json::parse_event_t::value:
        count_array_element();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    std::size_t elements;  // arrays: elements seen so far
    std::string key;       // objects: the key being parsed
    std::set<std::string> keys;
  };

  void count_array_element() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().elements;
  }

  std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) {
      out = f.is_array ? child(out, f.elements - 1) : child(out, f.key);
    }
    return out;
  }

  const std::string& file_;
  std::vector<Frame> frames_;
};

std::string strip_exception_prefix(const std::string& what) {
  // nlohmann prefixes "[json.exception.parse_error.101] ", which means nothing to a user.
  if (!what.empty() && what.front() == '[') {
    const auto end = what.find("] ");
    if (end != std::string::npos) return what.substr(end + 2);
  }
  return what;
}

json parse_json(const std::string& bytes, const std::string& file) {
  try {
    // By reference: the guard's state must survive however often the parser copies its callback.
    DuplicateKeyGuard guard(file);
    return json::parse(bytes.begin(), bytes.end(), std::ref(guard));
  } catch (const json::parse_error& e) {
    throw ScenarioError(file, "",
                        "valid JSON (byte " + std::to_string(e.byte) + ": " +
                            strip_exception_prefix(e.what()) + ")");
  } catch (const json::exception& e) {
    throw ScenarioError(file, "", "valid JSON (" + strip_exception_prefix(e.what()) + ")");
  }
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  // An ifstream opens a directory without complaint on Linux and then reads nothing.
  if (fs::is_directory(path, ec)) throw ScenarioError(path, "", "a readable file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, "", "a readable file");
  std::string bytes;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw ScenarioError(path, "", "a readable file");
  return bytes;
}

bool is_scenario_file_name(const fs::path& path) {
  const std::string name = path.filename().string();
  constexpr std::string_view kSchemaSuffix = ".schema.json";
  if (path.extension() != ".json") return false;
  return !(name.size() >= kSchemaSuffix.size() &&
           name.compare(name.size() - kSchemaSuffix.size(), kSchemaSuffix.size(), kSchemaSuffix) ==
               0);
}

std::vector<std::string> scenario_files_below(const std::string& directory) {
  std::vector<fs::path> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(directory, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_scenario_file_name(it->path())) {
      found.push_back(it->path());
    }
  }
  if (ec) throw ScenarioError(directory, "", "a readable directory");
  // path::operator< compares component by component, so a directory's files stay together.
  std::sort(found.begin(), found.end());
  if (found.empty()) {
    throw ScenarioError(directory, "",
                        "a directory with at least one *.json scenario file (*.schema.json files "
                        "do not count)");
  }
  std::vector<std::string> files;
  files.reserve(found.size());
  for (const fs::path& p : found) files.push_back(p.string());
  return files;
}

const std::string& file_of(const InteractionTemplate& t, const Scenario& s) {
  return t.file.empty() ? s.file : t.file;
}

}  // namespace

Scenario parse_scenario(const nlohmann::json& doc, const std::string& file) {
  Scenario scenario = DocumentParser(file).parse(doc);
  scenario.sha256 = sha256_hex(doc.dump(), file);
  return scenario;
}

Scenario load_scenario_file(const std::string& path) {
  return parse_scenario_text(read_file(path), path);
}

Scenario parse_scenario_text(const std::string& bytes, const std::string& label) {
  Scenario scenario = DocumentParser(label).parse(parse_json(bytes, label));
  scenario.sha256 = sha256_hex(bytes, label);
  return scenario;
}

std::vector<std::string> scenario_files(const std::vector<std::string>& paths) {
  if (paths.empty()) throw ScenarioError("", "", "at least one scenario file or directory");
  std::vector<std::string> expanded;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (fs::is_directory(status)) {
      for (std::string& f : scenario_files_below(path)) expanded.push_back(std::move(f));
    } else if (fs::exists(status)) {
      expanded.push_back(path);
    } else {
      throw ScenarioError(path, "", "an existing file or directory");
    }
  }
  // Overlapping arguments (a directory and a file inside it) must not look like two
  // definitions of the same templates.
  std::set<std::string> seen;
  std::vector<std::string> files;
  for (const std::string& file : expanded) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    if (seen.insert(ec ? file : canonical.string()).second) files.push_back(file);
  }
  return files;
}

std::vector<Scenario> load_scenarios(const std::vector<std::string>& paths) {
  std::vector<Scenario> scenarios;
  for (const std::string& file : scenario_files(paths)) {
    scenarios.push_back(load_scenario_file(file));
  }
  validate_scenario_set(scenarios);
  return scenarios;
}

void validate_scenario_set(const std::vector<Scenario>& scenarios) {
  struct Entry {
    const InteractionTemplate* tmpl;
    const std::string* file;
    std::size_t order;
  };
  std::map<std::string, Entry> by_name;
  std::vector<Entry> in_order;
  for (const Scenario& s : scenarios) {
    for (const InteractionTemplate& t : s.interactions) {
      const Entry entry{&t, &file_of(t, s), in_order.size()};
      const auto [it, inserted] = by_name.emplace(t.name, entry);
      if (!inserted) {
        throw ScenarioError(*entry.file, t.pointer,
                            "a template name not already defined in " + *it->second.file);
      }
      in_order.push_back(entry);
    }
  }
  for (const Entry& e : in_order) {
    if (e.tmpl->previous && by_name.count(*e.tmpl->previous) == 0) {
      throw ScenarioError(*e.file, e.tmpl->pointer + "/previous",
                          "the name of a template in the loaded files (no template is named \"" +
                              *e.tmpl->previous + "\")");
    }
  }
  // Each template has at most one `previous`, so following the links from any start either ends
  // or runs into a cycle; colouring visits every template once.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> marks(in_order.size(), Mark::kNew);
  for (std::size_t start = 0; start < in_order.size(); ++start) {
    std::vector<std::size_t> path;
    std::size_t at = start;
    while (marks[at] == Mark::kNew) {
      marks[at] = Mark::kOnPath;
      path.push_back(at);
      const auto& previous = in_order[at].tmpl->previous;
      if (!previous) break;
      at = by_name.at(*previous).order;
    }
    if (marks[at] == Mark::kOnPath && in_order[at].tmpl->previous) {
      // `at` was reached twice on this walk: the cycle is the tail of `path` from `at`. Report it
      // at its member defined first, so the message does not depend on where the walk began.
      const auto cycle_begin = std::find(path.begin(), path.end(), at);
      const std::vector<std::size_t> cycle(cycle_begin, path.end());
      const std::size_t first = *std::min_element(cycle.begin(), cycle.end());
      std::string names;
      std::size_t n = first;
      do {
        names += in_order[n].tmpl->name + " -> ";
        n = by_name.at(*in_order[n].tmpl->previous).order;
      } while (n != first);
      names += in_order[first].tmpl->name;
      throw ScenarioError(*in_order[first].file, in_order[first].tmpl->pointer + "/previous",
                          "a chain of \"previous\" links that ends, not the cycle " + names);
    }
    for (std::size_t p : path) marks[p] = Mark::kDone;
  }
  for (const Scenario& s : scenarios) {
    for (const Step& step : s.steps) {
      if (step.kind == Step::Kind::kWait || by_name.count(step.interaction) != 0) continue;
      throw ScenarioError(s.file, child(step.pointer, step_kind_key(step.kind)),
                          "the name of a template in the loaded files (no template is named \"" +
                              step.interaction + "\")");
    }
  }
}

}  // namespace ixh
