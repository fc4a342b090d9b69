#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ixh {

// Where requests go: `base_url` is scheme://host:port[/prefix] without a trailing slash.
struct Target {
  std::string base_url;
  std::string api_version = "v1beta";
};

// Percent-encodes everything outside RFC 3986 unreserved characters, so an id is one segment.
std::string percent_encode(std::string_view raw);

// The URL of interactions.get for `id` with the given parameters, in the order the official SDKs
// send them (include_input, last_event_id, stream). Called by step machines on worker threads.
std::string interaction_url(const Target& target, std::string_view id, bool stream,
                            bool include_input, std::optional<std::string_view> last_event_id);

}  // namespace ixh
