#include "core/dialect_support.h"

#include "core/errors.h"

namespace ixh {

void check_expressible(Dialect dialect, const Scenario& scenario) {
  if (dialect != Dialect::kGenai) return;
  for (const InteractionTemplate& t : scenario.interactions) {
    if (t.candidates > 1) {
      throw ScenarioError(t.file.empty() ? scenario.file : t.file, t.pointer + "/candidates",
                          "1 candidate in the genai dialect (its interactions have one text "
                          "output), got " +
                              std::to_string(t.candidates));
    }
  }
}

}  // namespace ixh
