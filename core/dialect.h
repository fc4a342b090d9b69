#pragma once

#include <optional>
#include <string_view>

namespace ixh {

// Wire dialects (DESIGN.md §5). The model is dialect-neutral; a dialect maps it to bytes.
enum class Dialect { kSeed, kGenai };

std::string_view to_string(Dialect dialect);
std::optional<Dialect> parse_dialect(std::string_view name);

}  // namespace ixh
