#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/dialect.h"

namespace ixh {

// The dialect the driver decodes responses in: fixed (--dialect), or detected from the first
// response that tells (core/genai_decoder.h: detect_dialect_of_*) and kept for the rest of the
// run. Shared by every copy of a Target and every worker thread; lock-free.
class DialectChoice {
 public:
  DialectChoice() = default;
  explicit DialectChoice(Dialect fixed) : value_(static_cast<int>(fixed)) {}
  // The dialect to decode a response with. While none is set, `detected` becomes the choice;
  // with neither, seed is used for this response and the choice stays open.
  Dialect resolve(std::optional<Dialect> detected);
  std::optional<Dialect> current() const;

 private:
  std::atomic<int> value_{-1};
};

// Where requests go: `base_url` is scheme://host:port[/prefix] without a trailing slash.
struct Target {
  std::string base_url;
  std::string api_version = "v1beta";
  std::shared_ptr<DialectChoice> dialect = std::make_shared<DialectChoice>();
};

// Percent-encodes everything outside RFC 3986 unreserved characters, so an id is one segment.
std::string percent_encode(std::string_view raw);

// The URL of interactions.get for `id` with the given parameters, in the order the official SDKs
// send them (include_input, last_event_id, stream). Called by step machines on worker threads.
std::string interaction_url(const Target& target, std::string_view id, bool stream,
                            bool include_input, std::optional<std::string_view> last_event_id);

}  // namespace ixh
