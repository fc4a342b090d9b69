#include "harness/genai_frame_order.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/json_scanner.h"
#include "harness/check_base.h"
#include "harness/checks.h"

namespace ixh {
namespace {

bool is_genai_frame(const SseEvent& e) {
  const std::string_view t = e.type;
  return t == "interaction.created" || t == "interaction.status_update" ||
         t == "interaction.completed" || t.substr(0, 5) == "step." || t == "done";
}

// What one scan of a frame's data tells of its top-level "index": a plain non-negative integer,
// absent, or something only the JSON document can answer (another number form, a duplicate,
// escaped names, invalid JSON).
enum class ScannedIndex { kValue, kAbsent, kAskTheDocument };

ScannedIndex scan_index(std::string_view data, std::int64_t& value) {
  JsonScanner s(data);
  if (!s.eat('{')) return ScannedIndex::kAskTheDocument;
  bool found = false;
  if (!s.eat('}')) {
    do {
      std::string_view key;
      if (!s.key(key)) return ScannedIndex::kAskTheDocument;
      if (key == "index") {
        if (found || !s.count(std::numeric_limits<std::int64_t>::max(), value)) {
          return ScannedIndex::kAskTheDocument;
        }
        found = true;
      } else if (!s.skip_value()) {
        return ScannedIndex::kAskTheDocument;
      }
    } while (s.eat(','));
    if (!s.eat('}')) return ScannedIndex::kAskTheDocument;
  }
  if (!s.at_end()) return ScannedIndex::kAskTheDocument;
  return found ? ScannedIndex::kValue : ScannedIndex::kAbsent;
}

// data.index of a step frame, when it is a non-negative integer (schema.event reports the rest).
// Every step frame of a long genai stream comes here: a scan answers for well-formed frames
// without building their JSON document.
std::optional<std::int64_t> index_of(const SseEvent& e) {
  std::int64_t value = 0;
  switch (scan_index(e.data, value)) {
    case ScannedIndex::kValue:
      return value;
    case ScannedIndex::kAbsent:
      return std::nullopt;
    case ScannedIndex::kAskTheDocument:
      break;
  }
  const auto j = nlohmann::json::parse(e.data, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find("index");
  if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) return std::nullopt;
  return it->get<std::int64_t>();
}

class GenaiFrameOrderCheck final : public CheckBase {
 public:
  GenaiFrameOrderCheck() : CheckBase(kCheckGenaiFrameOrder) {}

 private:
  void run(const StepObservation& o, std::vector<CheckRecord>& out) const override {
    if (o.stream) judge(*o.stream, "", out);
    if (o.reference_stream) judge(*o.reference_stream, " (reference for the resume)", out);
  }

  // `note` follows the request in the record's where.
  void judge(const ObservedStream& s, std::string_view note, std::vector<CheckRecord>& out) const {
    if (std::none_of(s.events.begin(), s.events.end(),
                     [](const ObservedEvent& e) { return is_genai_frame(e.raw); })) {
      return;
    }
    std::string where = request_where(s.http);
    where.append(note);
    const std::vector<std::string> problems =
        genai_frame_order_problems(s.events, s.last_event_id.has_value());
    std::string actual;
    for (const std::string& p : problems) actual += (actual.empty() ? "" : "; ") + p;
    record(out, problems.empty(),
           "created -> status_update -> (step.start -> step.delta... -> step.stop)+ -> "
           "completed, step indexes from 0",
           problems.empty() ? std::to_string(s.events.size()) + " frames in order" : actual,
           std::move(where));
  }
};

}  // namespace

std::vector<std::string> genai_frame_order_problems(const EventLog& events, bool resumed,
                                                    std::size_t max) {
  std::vector<std::string> problems;
  const auto add = [&](std::size_t i, const std::string& what) {
    if (problems.size() < max) {
      problems.push_back(quote(events[i].raw.type) + " #" + std::to_string(i + 1) + " " + what);
    }
  };
  // Plain integers, -1 for "none" or "unknown": GCC 12 at -O2 misreads std::optional here
  // (-Wmaybe-uninitialized).
  std::int64_t open = -1;                // index of the open step
  std::int64_t next = resumed ? -1 : 0;  // index the next step.start must carry
  bool step_seen = false;
  bool created = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string& t = events[i].raw.type;
    if (i == 0 && !resumed && t != "interaction.created") {
      add(i, "comes first (expected interaction.created)");
    }
    if (t == "interaction.created") {
      if (created || (i > 0 && !resumed)) add(i, "is not the first frame");
      created = true;
    } else if (t == "step.start") {
      const std::int64_t index = index_of(events[i].raw).value_or(-1);
      if (open >= 0) add(i, "while step " + std::to_string(open) + " is open");
      if (index >= 0 && next >= 0 && index != next) {
        add(i, "has index " + std::to_string(index) + " (expected " + std::to_string(next) + ")");
      }
      open = index;
      if (index >= 0) next = index + 1;
      step_seen = true;
    } else if (t == "step.delta" || t == "step.stop") {
      const std::int64_t index = index_of(events[i].raw).value_or(-1);
      if (open < 0) {
        if (!resumed || step_seen) {
          add(i, "outside an open step");
        } else if (index >= 0) {
          open = index;  // a resumed stream may start inside a step
          next = index + 1;
        }
        step_seen = true;
      } else if (index >= 0 && index != open) {
        add(i, "has index " + std::to_string(index) + " inside step " + std::to_string(open));
      }
      if (t == "step.stop") open = -1;
    } else if (t == "interaction.completed") {
      if (open >= 0) add(i, "while step " + std::to_string(open) + " is still open");
    }
  }
  return problems;
}

std::unique_ptr<Check> genai_frame_order_check() {
  return std::make_unique<GenaiFrameOrderCheck>();
}

}  // namespace ixh
