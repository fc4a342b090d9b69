#include "reports/run_report.h"

#include <algorithm>

namespace ixh {

bool StepReport::passed() const {
  return std::all_of(checks.begin(), checks.end(), [](const CheckRecord& c) { return c.passed; });
}

bool ScenarioReport::passed() const {
  return std::all_of(steps.begin(), steps.end(), [](const StepReport& s) { return s.passed(); });
}

void Counters::merge(const Counters& o) {
  requests += o.requests;
  events += o.events;
  bytes += o.bytes;
  checks_passed += o.checks_passed;
  checks_failed += o.checks_failed;
  resumes_attempted += o.resumes_attempted;
  resumes_succeeded += o.resumes_succeeded;
  events_lost += o.events_lost;
  events_duplicated += o.events_duplicated;
  for (const auto& [k, v] : o.errors) errors[k] += v;
  for (const auto& [k, v] : o.breaks) breaks[k] += v;
}

std::uint64_t RunReport::checks_failed() const {
  std::uint64_t n = 0;
  for (const ScenarioReport& s : scenarios) {
    for (const StepReport& st : s.steps) {
      n += static_cast<std::uint64_t>(std::count_if(
          st.checks.begin(), st.checks.end(), [](const CheckRecord& c) { return !c.passed; }));
    }
  }
  return n;
}

}  // namespace ixh
