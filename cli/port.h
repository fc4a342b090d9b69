#pragma once

#include <optional>
#include <string_view>

namespace ixh::cli {

// A TCP port written as 1 to 5 ASCII digits with a value in 0..65535, or nullopt. Used by the
// --listen and --target parsers; each decides whether 0 ("any free port") is allowed.
inline std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return std::nullopt;
  return value;
}

}  // namespace ixh::cli
