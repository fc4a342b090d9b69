#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ixh {

// Formats Unix milliseconds as ISO 8601 UTC with milliseconds: "2026-11-25T18:40:00.123Z".
// Called by dialect encoders on the mock's request threads.
std::string format_iso8601_ms(std::int64_t unix_ms);

// The same text appended to `out`, for callers that build a longer string (check records).
void append_iso8601_ms(std::string& out, std::int64_t unix_ms);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (fraction of any length, kept to ms) into Unix ms.
// Returns nullopt for anything else: decoders turn that into a schema finding, never a throw.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace ixh
