#include "core/genai_dialect.h"

#include <array>

#include "core/sse_writer.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 9> kGenaiStatuses = {
    "queued",     "in_progress",     "requires_action",      "completed", "failed", "cancelled",
    "incomplete", "budget_exceeded", "requires_continuation"};

std::string dump(const Json& j) {
  // Invalid UTF-8 in scripted text must not abort a request thread: replace it instead.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The API documents second precision: "2026-05-12T18:44:51Z".
std::string wire_time(std::int64_t unix_ms) {
  std::string t = format_iso8601_ms(unix_ms);
  const std::size_t dot = t.rfind('.');
  if (dot != std::string::npos) t.erase(dot, t.size() - dot - 1);
  return t;
}

Json text_content(const std::string& text) {
  return Json::array({{{"type", "text"}, {"text", text}}});
}

// The fields of the interaction every frame that embeds it shares with a GET.
Json interaction_head(const Interaction& s) {
  Json j = Json::object();
  j["id"] = s.id;
  j["object"] = "interaction";
  j["model"] = s.model;
  j["status"] = std::string(genai_status(s.state));
  j["created"] = wire_time(s.create_time_ms);
  j["updated"] = wire_time(s.update_time_ms);
  return j;
}

Json usage_json(const Usage& u) {
  // The model has prompt and candidate counts only; thought, cached and tool-use tokens are 0,
  // so total_tokens = total_input_tokens + total_output_tokens holds as in the model.
  return {{"total_input_tokens", u.prompt_token_count},
          {"total_output_tokens", u.candidates_token_count},
          {"total_thought_tokens", 0},
          {"total_cached_tokens", 0},
          {"total_tool_use_tokens", 0},
          {"total_tokens", u.total_token_count}};
}

void add_tail(Json& j, const Interaction& s, bool include_input) {
  if (include_input && s.input) j["input"] = *s.input;
  if (s.usage && is_terminal(s.state)) j["usage"] = usage_json(*s.usage);
  if (s.previous_interaction_id) j["previous_interaction_id"] = *s.previous_interaction_id;
}

struct Frame {
  std::string_view type;
  Json data;
};

// The frames of one event in stream order, before ids are assigned.
std::vector<Frame> frames_of(const Event& event, const Interaction& snapshot,
                             const GenaiFrameContext& ctx) {
  std::vector<Frame> frames;
  if (ctx.first) {
    Json created = interaction_head(snapshot);
    // The status as of the first event; usage cannot exist yet unless that event is terminal.
    if (!is_terminal(event.state)) created["status"] = std::string(genai_status(event.state));
    if (snapshot.previous_interaction_id) {
      created["previous_interaction_id"] = *snapshot.previous_interaction_id;
    }
    frames.push_back({"interaction.created", {{"interaction", std::move(created)}}});
  }
  switch (event.kind) {
    case EventKind::kStateChange:
      frames.push_back(
          {"interaction.status_update",
           {{"interaction_id", snapshot.id}, {"status", std::string(genai_status(event.state))}}});
      break;
    case EventKind::kTextDelta:
      if (!ctx.step_open) {
        frames.push_back({"step.start", {{"index", 0}, {"step", {{"type", "model_output"}}}}});
      }
      frames.push_back(
          {"step.delta", {{"index", 0}, {"delta", {{"type", "text"}, {"text", event.text}}}}});
      break;
    case EventKind::kTerminal: {
      if (ctx.step_open) frames.push_back({"step.stop", {{"index", 0}}});
      if (event.state == State::kFailed) {
        frames.push_back({"error",
                          {{"error",
                            {{"code", std::string(kGenaiFailedErrorCode)},
                             {"message", "The interaction failed."}}}}});
      }
      Json done = interaction_head(snapshot);
      add_tail(done, snapshot, ctx.include_input);
      frames.push_back({"interaction.completed", {{"interaction", std::move(done)}}});
      break;
    }
  }
  return frames;
}

}  // namespace

std::string_view genai_status(State state) {
  switch (state) {
    case State::kPending:
      return "queued";
    case State::kRunning:
      return "in_progress";
    case State::kCompleted:
      return "completed";
    case State::kFailed:
      return "failed";
    case State::kCancelled:
      return "cancelled";
  }
  return "queued";
}

std::optional<State> parse_genai_status(std::string_view status) {
  for (State s :
       {State::kPending, State::kRunning, State::kCompleted, State::kFailed, State::kCancelled}) {
    if (genai_status(s) == status) return s;
  }
  return std::nullopt;
}

bool is_genai_status(std::string_view status) {
  for (std::string_view s : kGenaiStatuses) {
    if (s == status) return true;
  }
  return false;
}

Json genai_interaction_json(const Interaction& snapshot, bool include_input) {
  Json j = interaction_head(snapshot);
  Json steps = Json::array();
  if (snapshot.input) {
    steps.push_back({{"type", "user_input"}, {"content", text_content(*snapshot.input)}});
  }
  if (!snapshot.output_text().empty()) {
    steps.push_back({{"type", "model_output"}, {"content", text_content(snapshot.output_text())}});
  }
  j["steps"] = std::move(steps);
  add_tail(j, snapshot, include_input);
  return j;
}

std::string encode_genai_interaction(const Interaction& snapshot, bool include_input) {
  return dump(genai_interaction_json(snapshot, include_input));
}

std::size_t genai_frame_count(const Event& event, const GenaiFrameContext& ctx) {
  std::size_t n = ctx.first ? 2 : 1;
  if (event.kind == EventKind::kTextDelta && !ctx.step_open) ++n;
  if (event.kind == EventKind::kTerminal) {
    if (ctx.step_open) ++n;
    if (event.state == State::kFailed) ++n;
  }
  return n;
}

void append_genai_frames(std::string& out, const Event& event, const Interaction& snapshot,
                         const GenaiFrameContext& ctx, std::size_t skip) {
  std::vector<Frame> frames = frames_of(event, snapshot, ctx);
  for (std::size_t i = skip; i < frames.size(); ++i) {
    Frame& f = frames[i];
    Json data = Json::object();
    data["event_type"] = std::string(f.type);
    for (auto it = f.data.begin(); it != f.data.end(); ++it) data[it.key()] = std::move(*it);
    data["event_id"] = i + 1 == frames.size() ? event.id : event.id + "." + std::to_string(i + 1);
    append_sse_event(out, f.type, "", dump(data));
  }
}

void append_genai_done(std::string& out) { append_sse_event(out, "done", "", "[DONE]"); }

std::optional<GenaiFrameId> split_genai_frame_id(std::string_view frame_id) {
  const std::size_t dot = frame_id.rfind('.');
  if (dot == std::string_view::npos) return GenaiFrameId{std::string(frame_id), 0};
  const std::string_view digits = frame_id.substr(dot + 1);
  if (digits.empty() || digits.size() > 2 || digits.front() == '0') return std::nullopt;
  std::size_t sub = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    sub = sub * 10 + static_cast<std::size_t>(c - '0');
  }
  return GenaiFrameId{std::string(frame_id.substr(0, dot)), sub};
}

}  // namespace ixh
