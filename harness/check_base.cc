#include "harness/check_base.h"

#include <exception>
#include <string>

namespace ixh {

void CheckBase::evaluate(const StepObservation& observation, std::vector<CheckRecord>& out) const {
  try {
    run(observation, out);
  } catch (const std::exception& e) {
    try {
      out.push_back({std::string(name_), false, "the check to complete",
                     std::string("internal error: ") + e.what(), observation.interaction_id});
    } catch (...) {
      // Out of memory while reporting: nothing sensible is left to do.
    }
  }
}

}  // namespace ixh
