#include "harness/step_tally.h"

#include <algorithm>

namespace ixh {

ScenarioTally::StepTally& ScenarioTally::step(std::size_t index, const StepReport& like) {
  if (steps_.size() <= index) steps_.resize(index + 1);
  StepTally& s = steps_[index];
  if (s.runs == 0 && s.kind.empty()) {
    s.index = index;
    s.kind = like.kind;
    s.pointer = like.pointer;
    s.interaction = like.interaction;
  }
  return s;
}

ScenarioTally::CheckTally& ScenarioTally::check(StepTally& s, const std::string& name) {
  auto it = std::find_if(s.checks.begin(), s.checks.end(),
                         [&](const CheckTally& c) { return c.name == name; });
  if (it != s.checks.end()) return *it;
  s.checks.push_back(CheckTally{name, 0, 0, std::nullopt, {}});
  return s.checks.back();
}

void ScenarioTally::add(const ScenarioReport& iteration) {
  ++iterations_;
  for (const StepReport& r : iteration.steps) {
    StepTally& s = step(r.index, r);
    ++s.runs;
    s.total_ms += r.duration_ms;
    for (const CheckRecord& rec : r.checks) {
      CheckTally& c = check(s, rec.check);
      if (rec.passed) {
        if (c.passed == 0) c.example = rec;
        ++c.passed;
      } else {
        if (!c.first_failure) c.first_failure = rec;
        ++c.failed;
      }
    }
  }
}

void ScenarioTally::merge(const ScenarioTally& other) {
  iterations_ += other.iterations_;
  for (const StepTally& o : other.steps_) {
    if (o.runs == 0 && o.kind.empty()) continue;
    StepReport like;
    like.kind = o.kind;
    like.pointer = o.pointer;
    like.interaction = o.interaction;
    StepTally& s = step(o.index, like);
    s.runs += o.runs;
    s.total_ms += o.total_ms;
    for (const CheckTally& oc : o.checks) {
      CheckTally& c = check(s, oc.name);
      if (c.passed == 0 && oc.passed > 0) c.example = oc.example;
      if (!c.first_failure && oc.first_failure) c.first_failure = oc.first_failure;
      c.passed += oc.passed;
      c.failed += oc.failed;
    }
  }
}

void ScenarioTally::write_steps(ScenarioReport& out) const {
  for (const StepTally& s : steps_) {
    if (s.runs == 0 && s.kind.empty()) continue;
    StepReport r;
    r.index = s.index;
    r.kind = s.kind;
    r.pointer = s.pointer;
    r.interaction = s.interaction;
    r.duration_ms = s.runs > 0 ? s.total_ms / static_cast<double>(s.runs) : 0;
    for (const CheckTally& c : s.checks) {
      const std::string tally =
          std::to_string(c.failed) + " of " + std::to_string(c.passed + c.failed) + " iterations";
      if (c.failed > 0) {
        CheckRecord rec = *c.first_failure;
        rec.actual += " (failed in " + tally + ")";
        r.checks.push_back(std::move(rec));
      } else {
        CheckRecord rec = c.example;
        rec.actual = "passed in " + std::to_string(c.passed) + " iterations";
        r.checks.push_back(std::move(rec));
      }
    }
    out.steps.push_back(std::move(r));
  }
}

}  // namespace ixh
