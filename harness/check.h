#pragma once

#include <memory>
#include <string>
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

// What a run applies: protocol_checks() except those named in `skip`, then expectation_check().
// The runners call it once per worker thread before the run starts. `skip` serves servers that
// cannot keep an invariant by construction, e.g. a canned-response stub that names one
// interaction in every answer (id.matches_request); the cli accepts only names for which
// is_protocol_check() holds.
std::vector<std::unique_ptr<Check>> run_checks(const std::vector<std::string>& skip);
bool is_protocol_check(std::string_view name);

}  // namespace ixh
