#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ixh::mock {

// The parts of `GET /{version}/interactions/{id}` taken from the raw request target, before any
// decoding, so an id containing %2F stays one segment.
struct InteractionPath {
  std::string version;
  std::string id;          // percent-decoded
  bool malformed = false;  // the id segment is not a usable id (see parse_interaction_path)
};

// Returns nullopt when `raw_path` (target without query) is not an interactions path at all.
// Otherwise the id is percent-decoded; it is malformed when empty, longer than 512 bytes, holding
// a bad %-escape, a control character or invalid UTF-8. Called by the request handler.
std::optional<InteractionPath> parse_interaction_path(std::string_view raw_path);

// Strict percent-decoding: nullopt on a '%' not followed by two hex digits. '+' stays '+'.
std::optional<std::string> percent_decode(std::string_view in);

bool is_valid_utf8(std::string_view s);

}  // namespace ixh::mock
