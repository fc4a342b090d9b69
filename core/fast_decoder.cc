#include "core/fast_decoder.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/genai_dialect.h"
#include "core/json_scanner.h"
#include "core/seed_dialect.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

// Calls on(key) for each member of the object that comes next; `on` consumes the value.
template <class OnMember>
bool members(JsonScanner& s, OnMember&& on) {
  if (!s.eat('{')) return false;
  if (s.eat('}')) return true;
  do {
    std::string_view key;
    if (!s.key(key) || !on(key)) return false;
  } while (s.eat(','));
  return s.eat('}');
}

// Calls on(index) for each element of the array that comes next; `on` consumes the element.
template <class OnElement>
bool elements(JsonScanner& s, OnElement&& on) {
  if (!s.eat('[')) return false;
  if (s.eat(']')) return true;
  std::size_t i = 0;
  do {
    if (!on(i++)) return false;
  } while (s.eat(','));
  return s.eat(']');
}

// Marks a member as seen; false when it was seen before (a duplicate: the DOM keeps the last).
bool first_time(unsigned& seen, unsigned bit) {
  if ((seen & bit) != 0) return false;
  seen |= bit;
  return true;
}

bool read_time(JsonScanner& s, std::int64_t& ms) {
  std::string_view v;
  std::string scratch;
  if (!s.string(v, scratch)) return false;
  const std::optional<std::int64_t> t = parse_iso8601_ms(v);
  if (!t) return false;
  ms = *t;
  return true;
}

// --- seed --------------------------------------------------------------------------------------

// {"text": S}: the output of an interaction, a candidate or a text delta.
bool read_seed_output(JsonScanner& s, std::string& text) {
  bool have = false;
  if (!members(s, [&](std::string_view k) {
        if (k != "text" || have) return false;
        have = true;
        return s.string(text);
      })) {
    return false;
  }
  return have;
}

bool read_seed_state(JsonScanner& s, State& state) {
  std::string_view v;
  std::string scratch;
  if (!s.string(v, scratch)) return false;
  const std::optional<State> st = parse_state(v);
  if (!st) return false;
  state = *st;
  return true;
}

bool read_seed_candidates(JsonScanner& s, std::vector<std::string>& texts) {
  if (!elements(s, [&](std::size_t i) {
        enum : unsigned { kIndex = 1, kOutput = 2 };
        unsigned seen = 0;
        std::string& text = texts.emplace_back();
        if (!members(s, [&](std::string_view k) {
              if (k == "index") {
                std::int64_t index = 0;
                return first_time(seen, kIndex) && s.count(kMaxInt64, index) &&
                       static_cast<std::uint64_t>(index) == i;
              }
              if (k == "output") return first_time(seen, kOutput) && read_seed_output(s, text);
              return false;
            })) {
          return false;
        }
        return seen == (kIndex | kOutput);
      })) {
    return false;
  }
  return !texts.empty();
}

bool read_seed_usage(JsonScanner& s, Usage& usage) {
  enum : unsigned { kPrompt = 1, kCands = 2, kTotal = 4 };
  unsigned seen = 0;
  if (!members(s, [&](std::string_view k) {
        if (k == "prompt_token_count") {
          return first_time(seen, kPrompt) && s.count(kMaxInt64, usage.prompt_token_count);
        }
        if (k == "candidates_token_count") {
          return first_time(seen, kCands) && s.count(kMaxInt64, usage.candidates_token_count);
        }
        if (k == "total_token_count") {
          return first_time(seen, kTotal) && s.count(kMaxInt64, usage.total_token_count);
        }
        return false;
      })) {
    return false;
  }
  return seen == (kPrompt | kCands | kTotal) &&
         usage.prompt_token_count <= kMaxInt64 - usage.candidates_token_count &&
         usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count;
}

bool scan_seed_interaction(JsonScanner& s, DecodedInteraction& d) {
  enum : unsigned {
    kId = 1,
    kModel = 2,
    kInput = 4,
    kOutput = 8,
    kCandidates = 16,
    kState = 32,
    kCreate = 64,
    kUpdate = 128,
    kUsage = 256,
    kPrevious = 512,
  };
  unsigned seen = 0;
  std::string output_text;
  std::vector<std::string> texts;
  Interaction& v = d.value;
  if (!members(s, [&](std::string_view k) {
        if (k == "id") return first_time(seen, kId) && s.string(v.id);
        if (k == "model") return first_time(seen, kModel) && s.string(v.model);
        if (k == "input") return first_time(seen, kInput) && s.string(v.input.emplace());
        if (k == "output") return first_time(seen, kOutput) && read_seed_output(s, output_text);
        if (k == "candidates") {
          return first_time(seen, kCandidates) && read_seed_candidates(s, texts);
        }
        if (k == "state") return first_time(seen, kState) && read_seed_state(s, v.state);
        if (k == "create_time") return first_time(seen, kCreate) && read_time(s, v.create_time_ms);
        if (k == "update_time") return first_time(seen, kUpdate) && read_time(s, v.update_time_ms);
        if (k == "usage_metadata") {
          return first_time(seen, kUsage) && read_seed_usage(s, v.usage.emplace());
        }
        if (k == "previous_interaction_id") {
          return first_time(seen, kPrevious) && s.string(v.previous_interaction_id.emplace());
        }
        return false;
      })) {
    return false;
  }
  constexpr unsigned kRequired = kId | kModel | kOutput | kCandidates | kState | kCreate | kUpdate;
  if ((seen & kRequired) != kRequired || texts.front() != output_text ||
      v.update_time_ms < v.create_time_ms) {
    return false;
  }
  v.candidates = std::move(texts);
  d.has_input = (seen & kInput) != 0;
  d.has_usage = (seen & kUsage) != 0;
  d.state_valid = d.create_time_valid = d.update_time_valid = true;
  return true;
}

std::optional<EventKind> seed_kind_of_event_name(std::string_view name) {
  if (name == kSeedTextDeltaEvent) return EventKind::kTextDelta;
  if (name == kSeedStateChangeEvent) return EventKind::kStateChange;
  if (name == kSeedTerminalEvent) return EventKind::kTerminal;
  return std::nullopt;
}

// --- genai -------------------------------------------------------------------------------------

// Reads a genai status: the five the model has set `state`; the others known to the dialect are
// no finding but leave it invalid.
bool read_genai_status(JsonScanner& s, State& state, bool& valid) {
  std::string_view v;
  std::string scratch;
  if (!s.string(v, scratch)) return false;
  if (const std::optional<State> st = parse_genai_status(v)) {
    state = *st;
    valid = true;
    return true;
  }
  return is_genai_status(v);
}

// content[] of a step. Whether it is judged depends on the step's type, which may come after it:
// a block the DOM would judge bad only sets `bad`, and text blocks are appended to `text`.
bool read_genai_content(JsonScanner& s, std::string& text, bool& bad) {
  if (!s.next_is('[')) {
    bad = true;
    return s.skip_value();
  }
  return elements(s, [&](std::size_t) {
    if (!s.next_is('{')) {
      bad = true;
      return s.skip_value();
    }
    enum : unsigned { kType = 1, kText = 2 };
    unsigned seen = 0;
    std::string_view type;
    std::string type_scratch;
    bool type_ok = false;
    std::string_view block_text;
    std::string text_scratch;
    bool text_ok = false;
    if (!members(s, [&](std::string_view k) {
          if (k == "type") {
            if (!first_time(seen, kType)) return false;
            if (!s.next_is('"')) return s.skip_value();
            type_ok = true;
            return s.string(type, type_scratch);
          }
          if (k == "text") {
            if (!first_time(seen, kText)) return false;
            if (!s.next_is('"')) return s.skip_value();
            text_ok = true;
            return s.string(block_text, text_scratch);
          }
          return s.skip_value();
        })) {
      return false;
    }
    if (!type_ok) {
      bad = true;
    } else if (type == "text") {
      if (text_ok) {
        text.append(block_text);
      } else {
        bad = true;
      }
    }
    return true;
  });
}

bool read_genai_steps(JsonScanner& s, std::string& text) {
  return elements(s, [&](std::size_t i) {
    enum : unsigned { kType = 1, kContent = 2 };
    unsigned seen = 0;
    std::string_view type;
    std::string scratch;
    const std::size_t mark = text.size();
    bool content_bad = false;
    if (!members(s, [&](std::string_view k) {
          if (k == "type") return first_time(seen, kType) && s.string(type, scratch);
          if (k == "content") {
            return first_time(seen, kContent) && read_genai_content(s, text, content_bad);
          }
          return s.skip_value();
        })) {
      return false;
    }
    if ((seen & kType) == 0) return false;
    if (type == "model_output") return !content_bad;
    text.resize(mark);
    if (type == "user_input") return i == 0 && !content_bad;
    return true;
  });
}

bool read_genai_usage(JsonScanner& s, Usage& usage) {
  // The counts in the order the DOM decoder sums them.
  constexpr std::string_view kCounts[] = {
      "total_input_tokens",  "total_output_tokens", "total_thought_tokens", "total_tool_use_tokens",
      "total_cached_tokens", "total_tokens",        "initial_input_tokens"};
  constexpr std::string_view kOthers[] = {"input_tokens_by_modality", "output_tokens_by_modality",
                                          "cached_tokens_by_modality",
                                          "tool_use_tokens_by_modality", "grounding_tool_count"};
  std::int64_t counts[7] = {};
  unsigned seen = 0;
  if (!members(s, [&](std::string_view k) {
        for (unsigned i = 0; i < 7; ++i) {
          if (k == kCounts[i]) return first_time(seen, 1u << i) && s.count(kMaxInt64, counts[i]);
        }
        for (unsigned i = 0; i < 5; ++i) {
          if (k == kOthers[i]) return first_time(seen, 1u << (7 + i)) && s.skip_value();
        }
        return false;
      })) {
    return false;
  }
  std::int64_t parts = 0;
  bool overflow = false;
  for (unsigned i = 0; i < 4; ++i) {
    if ((seen & (1u << i)) == 0) continue;
    overflow = overflow || counts[i] > kMaxInt64 - parts;
    if (!overflow) parts += counts[i];
  }
  constexpr unsigned kTotalBit = 1u << 5;
  if ((seen & kTotalBit) != 0 && !overflow && counts[5] != parts) return false;
  usage = Usage{counts[0], counts[1], counts[5]};
  return true;
}

// The interaction fields the dialect documents whose values the decoder does not read.
bool is_opaque_genai_field(std::string_view k) {
  constexpr std::string_view kOpaque[] = {"agent_config",       "generation_config",
                                          "system_instruction", "tools",
                                          "safety_settings",    "response_format",
                                          "response_mime_type", "response_modalities",
                                          "service_tier",       "labels",
                                          "webhook_config",     "cached_content",
                                          "environment",        "environment_id",
                                          "continuation_token", "errors",
                                          "background",         "store"};
  for (std::string_view o : kOpaque) {
    if (k == o) return true;
  }
  return false;
}

bool scan_genai_interaction(JsonScanner& s, DecodedInteraction& d, bool embedded) {
  enum : unsigned {
    kId = 1,
    kObject = 2,
    kModel = 4,
    kAgent = 8,
    kStatus = 16,
    kCreated = 32,
    kUpdated = 64,
    kInput = 128,
    kSteps = 256,
    kUsage = 512,
    kPrevious = 1024,
  };
  unsigned seen = 0;
  std::vector<std::string_view> opaque_seen;
  Interaction& v = d.value;
  std::string text;
  if (!members(s, [&](std::string_view k) {
        if (k == "id") return first_time(seen, kId) && s.string(v.id);
        if (k == "object") {
          std::string_view o;
          std::string scratch;
          return first_time(seen, kObject) && s.string(o, scratch) && o == "interaction";
        }
        if (k == "model") return first_time(seen, kModel) && s.string(v.model);
        if (k == "agent") {
          std::string_view a;
          std::string scratch;
          return first_time(seen, kAgent) && s.string(a, scratch);
        }
        if (k == "status") {
          return first_time(seen, kStatus) && read_genai_status(s, v.state, d.state_valid);
        }
        if (k == "created") {
          return first_time(seen, kCreated) && read_time(s, v.create_time_ms) &&
                 (d.create_time_valid = true);
        }
        if (k == "updated") {
          return first_time(seen, kUpdated) && read_time(s, v.update_time_ms) &&
                 (d.update_time_valid = true);
        }
        if (k == "input") {
          if (!first_time(seen, kInput)) return false;
          if (s.next_is('"')) return s.string(v.input.emplace());
          return s.skip_value();
        }
        if (k == "steps") return first_time(seen, kSteps) && read_genai_steps(s, text);
        if (k == "usage") return first_time(seen, kUsage) && read_genai_usage(s, v.usage.emplace());
        if (k == "previous_interaction_id") {
          return first_time(seen, kPrevious) && s.string(v.previous_interaction_id.emplace());
        }
        if (!is_opaque_genai_field(k)) return false;
        for (std::string_view o : opaque_seen) {
          if (o == k) return false;
        }
        opaque_seen.push_back(k);
        return s.skip_value();
      })) {
    return false;
  }
  if ((seen & kId) == 0 || (seen & kStatus) == 0) return false;
  if ((seen & (kModel | kAgent)) == 0) return false;
  if (!embedded && (seen & (kCreated | kUpdated | kSteps)) != (kCreated | kUpdated | kSteps)) {
    return false;
  }
  if (d.create_time_valid && d.update_time_valid && v.update_time_ms < v.create_time_ms) {
    return false;
  }
  if ((seen & kSteps) != 0) v.candidates.front() = std::move(text);
  d.has_input = (seen & kInput) != 0;
  d.has_usage = (seen & kUsage) != 0;
  return true;
}

// The event_type of a genai event whose SSE type does not name it ("message").
bool find_event_type(std::string_view data, std::string& type) {
  JsonScanner s(data, false);
  bool found = false;
  if (!members(s, [&](std::string_view k) {
        if (k != "event_type") return s.skip_value();
        if (found) return false;
        found = true;
        return s.string(type);
      })) {
    return false;
  }
  return found;
}

enum class GenaiFrame {
  kCreated,
  kCompleted,
  kStatusUpdate,
  kStepStart,
  kStepDelta,
  kStepStop,
  kError,
  kUnknown
};

GenaiFrame genai_frame_of(std::string_view type) {
  if (type == "step.delta") return GenaiFrame::kStepDelta;
  if (type == "step.start") return GenaiFrame::kStepStart;
  if (type == "step.stop") return GenaiFrame::kStepStop;
  if (type == "interaction.status_update") return GenaiFrame::kStatusUpdate;
  if (type == "interaction.created") return GenaiFrame::kCreated;
  if (type == "interaction.completed") return GenaiFrame::kCompleted;
  if (type == "error") return GenaiFrame::kError;
  return GenaiFrame::kUnknown;
}

// {type, ...} of step.start: only the type is judged.
bool read_genai_step_head(JsonScanner& s) {
  bool have = false;
  if (!members(s, [&](std::string_view k) {
        if (k != "type") return s.skip_value();
        if (have) return false;
        have = true;
        std::string_view t;
        std::string scratch;
        return s.string(t, scratch);
      })) {
    return false;
  }
  return have;
}

// {type, text?, ...} of step.delta: a text delta when its type is "text".
bool read_genai_delta(JsonScanner& s, DecodedEvent& ev) {
  enum : unsigned { kType = 1, kText = 2 };
  unsigned seen = 0;
  std::string_view type;
  std::string scratch;
  bool text_ok = false;
  std::string text;
  if (!members(s, [&](std::string_view k) {
        if (k == "type") return first_time(seen, kType) && s.string(type, scratch);
        if (k == "text") {
          if (!first_time(seen, kText)) return false;
          if (!s.next_is('"')) return s.skip_value();
          text_ok = true;
          return s.string(text);
        }
        return s.skip_value();
      })) {
    return false;
  }
  if ((seen & kType) == 0) return false;
  if (type != "text") return true;
  if (!text_ok) return false;
  ev.framing = false;
  ev.kind = EventKind::kTextDelta;
  ev.candidate = 0;
  ev.text = std::move(text);
  return true;
}

// {code, message, ...} of an error frame.
bool read_genai_error(JsonScanner& s) {
  enum : unsigned { kCode = 1, kMessage = 2 };
  unsigned seen = 0;
  if (!members(s, [&](std::string_view k) {
        std::string_view v;
        std::string scratch;
        if (k == "code") return first_time(seen, kCode) && s.string(v, scratch);
        if (k == "message") return first_time(seen, kMessage) && s.string(v, scratch);
        return s.skip_value();
      })) {
    return false;
  }
  return seen == (kCode | kMessage);
}

}  // namespace

std::optional<DecodedInteraction> fast_decode_seed_interaction(std::string_view json_body) {
  JsonScanner s(json_body);
  DecodedInteraction d;
  if (!scan_seed_interaction(s, d) || !s.at_end()) return std::nullopt;
  return d;
}

std::optional<DecodedEvent> fast_decode_seed_event(const SseEvent& raw) {
  const std::optional<EventKind> kind = seed_kind_of_event_name(raw.type);
  if (!kind || raw.last_event_id.empty()) return std::nullopt;
  enum : unsigned {
    kId = 1,
    kInteractionId = 2,
    kType = 4,
    kUpdate = 8,
    kState = 16,
    kCandidate = 32,
    kOutput = 64,
    kInteraction = 128,
  };
  unsigned allowed = kId | kInteractionId | kType | kUpdate;
  unsigned required = allowed;
  switch (*kind) {
    case EventKind::kStateChange:
      required = allowed |= kState;
      break;
    case EventKind::kTextDelta:
      required = allowed |= kCandidate | kOutput;
      break;
    case EventKind::kTerminal:
      required = allowed |= kState | kInteraction;
      break;
  }
  DecodedEvent ev;
  ev.kind = *kind;
  unsigned seen = 0;
  std::string scratch;
  JsonScanner s(raw.data, false);
  if (!members(s, [&](std::string_view k) {
        unsigned bit = 0;
        if (k == "id") {
          bit = kId;
        } else if (k == "interaction_id") {
          bit = kInteractionId;
        } else if (k == "type") {
          bit = kType;
        } else if (k == "update_time") {
          bit = kUpdate;
        } else if (k == "state") {
          bit = kState;
        } else if (k == "candidate_index") {
          bit = kCandidate;
        } else if (k == "output") {
          bit = kOutput;
        } else if (k == "interaction") {
          bit = kInteraction;
        }
        if ((bit & allowed) == 0 || !first_time(seen, bit)) return false;
        std::string_view v;
        switch (bit) {
          case kId:
            return s.string(v, scratch) && v == raw.last_event_id;
          case kInteractionId:
            return s.string(ev.interaction_id);
          case kType:
            return s.string(v, scratch) && v == to_string(*kind);
          case kUpdate:
            return read_time(s, ev.update_time_ms);
          case kState:
            return read_seed_state(s, ev.state) &&
                   is_terminal(ev.state) == (*kind == EventKind::kTerminal);
          case kCandidate: {
            std::int64_t c = 0;
            if (!s.count(std::numeric_limits<int>::max(), c)) return false;
            ev.candidate = static_cast<int>(c);
            return true;
          }
          case kOutput:
            return read_seed_output(s, ev.text);
          default:
            return s.next_is('{') && scan_seed_interaction(s, ev.interaction.emplace());
        }
      })) {
    return std::nullopt;
  }
  if (seen != required || !s.at_end()) return std::nullopt;
  if (ev.interaction &&
      (ev.interaction->value.state != ev.state || ev.interaction->value.id != ev.interaction_id)) {
    return std::nullopt;
  }
  ev.id = raw.last_event_id;
  ev.update_time_valid = true;
  ev.state_valid = *kind != EventKind::kTextDelta;
  return ev;
}

std::optional<DecodedInteraction> fast_decode_genai_interaction(std::string_view json_body) {
  JsonScanner s(json_body);
  DecodedInteraction d;
  if (!scan_genai_interaction(s, d, false) || !s.at_end()) return std::nullopt;
  return d;
}

std::optional<DecodedEvent> fast_decode_genai_event(const SseEvent& raw) {
  if (!raw.last_event_id.empty()) return std::nullopt;
  DecodedEvent ev;
  if (raw.data == "[DONE]") {
    if (raw.type != "done") return std::nullopt;
    ev.framing = true;
    ev.end_marker = true;
    return ev;
  }
  std::string message_type;
  std::string_view type = raw.type;
  if (type == "message") {
    if (!find_event_type(raw.data, message_type)) return std::nullopt;
    type = message_type;
  }
  const GenaiFrame frame = genai_frame_of(type);
  ev.framing = true;
  enum : unsigned {
    kEventType = 1,
    kEventId = 2,
    kMetadata = 4,
    kInteraction = 8,
    kInteractionId = 16,
    kStatus = 32,
    kUsage = 64,
    kContinuation = 128,
    kIndex = 256,
    kStep = 512,
    kDelta = 1024,
    kStepUsage = 2048,
    kError = 4096,
  };
  unsigned allowed = kEventType | kEventId | kMetadata;
  unsigned required = kEventType | kEventId;
  switch (frame) {
    case GenaiFrame::kCreated:
    case GenaiFrame::kCompleted:
      allowed |= kInteraction;
      required |= kInteraction;
      break;
    case GenaiFrame::kStatusUpdate:
      allowed |= kInteractionId | kStatus | kUsage | kContinuation;
      required |= kInteractionId | kStatus;
      ev.framing = false;
      ev.kind = EventKind::kStateChange;
      break;
    case GenaiFrame::kStepStart:
      allowed |= kIndex | kStep;
      required |= kIndex | kStep;
      break;
    case GenaiFrame::kStepDelta:
      allowed |= kIndex | kDelta;
      required |= kIndex | kDelta;
      break;
    case GenaiFrame::kStepStop:
      allowed |= kIndex | kUsage | kStepUsage;
      required |= kIndex;
      break;
    case GenaiFrame::kError:
      allowed |= kError;
      required |= kError;
      break;
    case GenaiFrame::kUnknown:
      break;
  }
  DecodedInteraction inter;
  unsigned seen = 0;
  std::string scratch;
  JsonScanner s(raw.data, false);
  if (!members(s, [&](std::string_view k) {
        unsigned bit = 0;
        if (k == "event_type") {
          bit = kEventType;
        } else if (k == "event_id") {
          bit = kEventId;
        } else if (k == "metadata") {
          bit = kMetadata;
        } else if (k == "interaction") {
          bit = kInteraction;
        } else if (k == "interaction_id") {
          bit = kInteractionId;
        } else if (k == "status") {
          bit = kStatus;
        } else if (k == "usage") {
          bit = kUsage;
        } else if (k == "continuation_token") {
          bit = kContinuation;
        } else if (k == "index") {
          bit = kIndex;
        } else if (k == "step") {
          bit = kStep;
        } else if (k == "delta") {
          bit = kDelta;
        } else if (k == "step_usage") {
          bit = kStepUsage;
        } else if (k == "error") {
          bit = kError;
        }
        if ((bit & allowed) == 0) {
          // Unknown event types are framing whose members nobody judges.
          return frame == GenaiFrame::kUnknown && s.skip_value();
        }
        if (!first_time(seen, bit)) return false;
        std::string_view v;
        switch (bit) {
          case kEventType:
            return s.string(v, scratch) && v == type;
          case kEventId:
            return s.string(ev.id);
          case kInteraction:
            return s.next_is('{') && scan_genai_interaction(s, inter, true);
          case kInteractionId:
            return s.string(ev.interaction_id);
          case kStatus:
            return read_genai_status(s, ev.state, ev.state_valid);
          case kIndex: {
            std::int64_t index = 0;
            return s.count(kMaxInt64, index);
          }
          case kStep:
            return s.next_is('{') && read_genai_step_head(s);
          case kDelta:
            return s.next_is('{') && read_genai_delta(s, ev);
          case kError:
            return s.next_is('{') && read_genai_error(s);
          default:  // metadata, usage, continuation_token, step_usage: not judged
            return s.skip_value();
        }
      })) {
    return std::nullopt;
  }
  if ((seen & required) != required || !s.at_end()) return std::nullopt;
  if (frame == GenaiFrame::kCreated || frame == GenaiFrame::kCompleted) {
    ev.interaction_id = inter.value.id;
    ev.state = inter.value.state;
    ev.state_valid = inter.state_valid;
    ev.update_time_ms = inter.value.update_time_ms;
    ev.update_time_valid = inter.update_time_valid;
    if (frame == GenaiFrame::kCompleted) {
      if (inter.state_valid && !is_terminal(inter.value.state)) return std::nullopt;
      ev.framing = false;
      ev.kind = EventKind::kTerminal;
      ev.interaction = std::move(inter);
    }
  }
  return ev;
}

}  // namespace ixh
