#pragma once

#include "core/dialect.h"
#include "core/scenario.h"

namespace ixh {

// What each dialect can express of the scenario model (docs/wire-genai.md, "What the genai
// dialect cannot express"). The seed dialect expresses everything; genai has one text output per
// interaction, so a template with more than one candidate cannot be served in it.

// Throws ScenarioError naming the file, the pointer and why, for the first template of
// `scenario` that `dialect` cannot express. Called wherever scenarios load for a mock: the
// MockServer constructor and the admin load endpoint (any thread; no shared state).
void check_expressible(Dialect dialect, const Scenario& scenario);

}  // namespace ixh
