#include "core/dialect.h"

namespace ixh {

std::string_view to_string(Dialect dialect) {
  return dialect == Dialect::kGenai ? "genai" : "seed";
}

std::optional<Dialect> parse_dialect(std::string_view name) {
  if (name == "seed") return Dialect::kSeed;
  if (name == "genai") return Dialect::kGenai;
  return std::nullopt;
}

}  // namespace ixh
