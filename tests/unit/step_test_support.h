#pragma once

// Helpers shared by the tests that run virtual users and read their step reports (unit:
// virtual_user_test.cc, resume_loop_test.cc on the fake transport; integration:
// fault_resume_test.cc against the mock): a check that records what it is shown, and lookups in
// a step's check records.

#include <string>
#include <string_view>
#include <vector>

#include "harness/check.h"
#include "harness/observation.h"
#include "reports/run_report.h"

namespace ixh::test {

// A check that judges nothing and keeps a copy of every observation it is shown. `out` must
// outlive the check.
class RecordingCheck final : public Check {
 public:
  explicit RecordingCheck(std::vector<StepObservation>* out) : out_(out) {}
  std::string_view name() const override { return "test.recorder"; }
  void evaluate(const StepObservation& observation, std::vector<CheckRecord>&) const override {
    out_->push_back(observation);
  }

 private:
  std::vector<StepObservation>* out_;
};

// The step's record of check `name`, or nullptr when the step has none.
inline const CheckRecord* FindCheck(const StepReport& step, std::string_view name) {
  for (const CheckRecord& r : step.checks) {
    if (r.check == name) return &r;
  }
  return nullptr;
}

// The step's failed checks, one a line, for an assertion's message.
inline std::string DescribeFailures(const StepReport& step) {
  std::string out;
  for (const CheckRecord& r : step.checks) {
    if (r.passed) continue;
    out += "\n  " + r.check + " at " + r.where + ": expected " + r.expected + ", got " + r.actual;
  }
  return out;
}

}  // namespace ixh::test
