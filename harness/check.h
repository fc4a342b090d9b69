#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "harness/observation.h"
#include "reports/run_report.h"

namespace ixh {

// A judgement over what one step observed. The virtual user calls evaluate() on its worker
// thread once the step is over; a check appends one record per thing it judged (passed or not)
// and never throws. Checks hold no state across steps, so one set serves every user.
class Check {
 public:
  virtual ~Check() = default;
  virtual std::string_view name() const = 0;
  virtual void evaluate(const StepObservation& observation,
                        std::vector<CheckRecord>& out) const = 0;
};

// The protocol invariants (DESIGN.md §6) that hold for any server and any id, in either dialect.
std::vector<std::unique_ptr<Check>> protocol_checks();

// The scenario's `expect` clauses of the observed step.
std::unique_ptr<Check> expectation_check();

}  // namespace ixh
