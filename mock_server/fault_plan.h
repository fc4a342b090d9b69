#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/scenario.h"

namespace ixh::mock {

// Which scripted fault, if any, one request gets (docs/scenarios.md, "Faults"). Pure functions of
// their arguments, so a run with the same --seed and the same instance ids repeats exactly
// whatever the timing. Called by the interaction routes on worker threads.

// The first fault of `faults` whose `on` matches the request, and whose `attempts` contain
// `attempt` or whose seeded coin comes up (`probability`); nullptr when none does. `attempt` is
// the request's number among the instance's GETs or streams, from 1.
const FaultSpec* choose_fault(const std::vector<FaultSpec>& faults, bool stream, int attempt,
                              std::uint64_t seed, std::string_view instance);

// The seeded coin behind `probability`: true with probability `p` for this (seed, instance,
// fault index, request kind, attempt), the same answer every time.
bool fault_coin(double p, std::uint64_t seed, std::string_view instance, std::size_t fault_index,
                bool stream, int attempt);

// `n` bytes of seeded noise for the garbage fault; never starts like an HTTP status line.
std::string garbage_bytes(std::size_t n, std::uint64_t seed, std::string_view instance,
                          int attempt);

// The fault as the journal shows it: {"kind": ..., and the parameters of that kind}.
nlohmann::json describe_fault(const FaultSpec& fault);

}  // namespace ixh::mock
