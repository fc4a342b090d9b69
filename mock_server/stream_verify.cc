#include "mock_server/stream_verify.h"

#include <algorithm>
#include <optional>

#include "core/genai_dialect.h"

namespace ixh::mock {

std::size_t StreamHistory::begin(StreamAttempt attempt) {
  std::lock_guard lock(mu_);
  attempts_.push_back(std::move(attempt));
  return attempts_.size() - 1;
}

void StreamHistory::finish(std::size_t index, std::uint64_t events_written, std::int64_t end_ns,
                           const std::string& ended) {
  std::lock_guard lock(mu_);
  if (index >= attempts_.size()) return;
  StreamAttempt& a = attempts_[index];
  a.events_written = events_written;
  a.end_ns = end_ns;
  a.ended = ended;
}

std::vector<StreamAttempt> StreamHistory::snapshot() const {
  std::lock_guard lock(mu_);
  return attempts_;
}

bool StreamHistory::empty() const {
  std::lock_guard lock(mu_);
  return attempts_.empty();
}

namespace {

constexpr std::int64_t kNone = -1;

std::int64_t index_of(const std::vector<std::string>& ids, const std::string& id) {
  const auto it = std::find(ids.begin(), ids.end(), id);
  return it == ids.end() ? kNone : static_cast<std::int64_t>(it - ids.begin());
}

// Where a resume from `id` says the client is: the index of the last event it holds whole (kNone
// for none), or nullopt for an id that names nothing in the log. Verification counts whole
// events, so a genai frame id `<event>.k` (frame k of the frames before the event's own) places
// the client just before that event: the event was not fully delivered, the one before it was.
std::optional<std::int64_t> resume_position(const VerifyInput& in, const std::string& id) {
  const std::int64_t whole = index_of(in.event_ids, id);
  if (whole != kNone) return whole;
  if (!in.genai_frames) return std::nullopt;
  const std::optional<GenaiFrameId> frame = split_genai_frame_id(id);
  if (!frame || frame->sub == 0) return std::nullopt;
  const std::int64_t event = index_of(in.event_ids, frame->event_id);
  if (event == kNone) return std::nullopt;
  return event - 1;
}

}  // namespace

nlohmann::json verify_instance(const VerifyInput& in) {
  const std::size_t n = in.event_ids.size();
  std::vector<std::uint32_t> times(n, 0);
  std::vector<StreamAttempt> attempts;
  for (const StreamAttempt& a : in.attempts) {
    if (!a.reference) attempts.push_back(a);
  }
  std::stable_sort(
      attempts.begin(), attempts.end(),
      [](const StreamAttempt& a, const StreamAttempt& b) { return a.start_ns < b.start_ns; });
  nlohmann::json resumes = nlohmann::json::array();
  nlohmann::json problems = nlohmann::json::array();
  // The last event the client holds: the last one written whole by the latest attempt that
  // wrote any. A correct client asks to resume right after it.
  std::int64_t last_held = kNone;
  const StreamAttempt* previous = nullptr;
  for (const StreamAttempt& a : attempts) {
    if (previous != nullptr) {
      std::string verdict;
      if (a.last_event_id.empty()) {
        verdict = last_held == kNone ? "fresh" : "restart";
      } else if (const std::optional<std::int64_t> asked = resume_position(in, a.last_event_id);
                 !asked) {
        verdict = "unknown_id";
      } else if (*asked == last_held) {
        verdict = "exact";
      } else if (*asked < last_held) {
        verdict = "older";
      } else {
        verdict = "newer";
      }
      nlohmann::json r = {
          {"attempt", a.attempt},
          {"last_event_id",
           a.last_event_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.last_event_id)},
          {"expected", last_held == kNone
                           ? nlohmann::json(nullptr)
                           : nlohmann::json(in.event_ids[static_cast<std::size_t>(last_held)])},
          {"verdict", verdict}};
      if (previous->end_ns >= 0) {
        r["reconnect_ms"] = static_cast<double>(a.start_ns - previous->end_ns) / 1e6;
      } else {
        r["reconnect_ms"] = nullptr;  // the previous response was still open
      }
      if (verdict != "exact" && verdict != "fresh") {
        problems.push_back(
            "attempt " + std::to_string(a.attempt) + " resumed " +
            (a.last_event_id.empty() ? std::string("from the start") : "after " + a.last_event_id) +
            ", expected " +
            (last_held == kNone ? std::string("the start")
                                : "after " + in.event_ids[static_cast<std::size_t>(last_held)]) +
            " (" + verdict + ")");
      }
      resumes.push_back(std::move(r));
    }
    if (a.status == 200) {
      const std::size_t end =
          std::min<std::size_t>(n, a.first_event + static_cast<std::size_t>(a.events_written));
      for (std::size_t i = a.first_event; i < end; ++i) ++times[i];
      if (end > a.first_event) last_held = static_cast<std::int64_t>(end) - 1;
    }
    previous = &a;
  }
  std::size_t highest = 0;
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (times[i] > 0) {
      highest = i;
      any = true;
    }
  }
  nlohmann::json lost = nlohmann::json::array();
  nlohmann::json duplicated = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i) {
    if (times[i] == 0 && any && i < highest) lost.push_back(in.event_ids[i]);
    if (times[i] > 1) duplicated.push_back({{"id", in.event_ids[i]}, {"times", times[i]}});
  }
  const bool completed = n > 0 && in.final_event < n && times[in.final_event] > 0;
  if (!completed) {
    problems.push_back(n == 0 ? std::string("the interaction has no events")
                              : "no attempt delivered the final event " +
                                    in.event_ids[std::min(in.final_event, n - 1)]);
  }
  if (!lost.empty()) problems.push_back(std::to_string(lost.size()) + " event(s) lost");
  if (!duplicated.empty()) {
    problems.push_back(std::to_string(duplicated.size()) + " event(s) delivered more than once");
  }
  nlohmann::json attempt_list = nlohmann::json::array();
  for (const StreamAttempt& a : attempts) {
    nlohmann::json j = {
        {"attempt", a.attempt},
        {"status", a.status},
        {"first_event",
         a.first_event < n ? nlohmann::json(in.event_ids[a.first_event]) : nlohmann::json(nullptr)},
        {"events_written", a.events_written},
        {"ended", a.ended}};
    if (!a.last_event_id.empty()) j["last_event_id"] = a.last_event_id;
    if (!a.fault.empty()) j["fault"] = a.fault;
    attempt_list.push_back(std::move(j));
  }
  const bool ok = completed && lost.empty() && duplicated.empty();
  return {
      {"instance", in.instance},  {"ok", ok},     {"completed", completed},   {"events", n},
      {"attempts", attempt_list}, {"lost", lost}, {"duplicated", duplicated}, {"resumes", resumes},
      {"problems", problems}};
}

nlohmann::json verify_instances(const std::vector<VerifyInput>& inputs) {
  nlohmann::json list = nlohmann::json::array();
  std::size_t failed = 0;
  for (const VerifyInput& in : inputs) {
    nlohmann::json v = verify_instance(in);
    if (!v.at("ok").get<bool>()) ++failed;
    list.push_back(std::move(v));
  }
  return {{"ok", failed == 0},
          {"clients", inputs.size()},
          {"failed", failed},
          {"instances", std::move(list)}};
}

}  // namespace ixh::mock
