#pragma once

#include <memory>
#include <string_view>

#include "harness/check.h"

namespace ixh {

// Every response names the interaction it was asked for: a GET body's `id`, each stream event's
// `interaction_id` (genai: the interaction in interaction.created and .completed, and
// status_update's interaction_id) and the interaction a terminal event embeds. A proxy, gateway
// or cache that answers one interaction's request with another's bytes (a cache key without the
// id, a pooled connection handed to the wrong caller) passes every other check; under load is
// when it happens. One record per GET response group and per stream; values a response leaves
// out are the schema checks' business. Chain steps are left to chain.reaches_root, whose hops
// are other interactions by design. Created by protocol_checks(); evaluated on the virtual user's
// worker thread.
inline constexpr std::string_view kCheckIdMatchesRequest = "id.matches_request";
std::unique_ptr<Check> id_matches_request_check();

}  // namespace ixh
