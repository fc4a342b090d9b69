#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/decoded.h"

namespace ixh {

// The JSON-reading half every dialect decoder shares (core/seed_decoder.cc,
// core/genai_decoder.cc). Decoders judge any server's bytes, so nothing here throws: a field that
// is missing or of the wrong type becomes a DecodeFinding and reading carries on. Pure helpers and
// a reader object local to one decode call, on whichever thread decodes.

// Findings end up in reports: a hostile server must not be able to blow them up, so values are
// quoted only in part, cut at a UTF-8 boundary so an excerpt stays valid text.
inline constexpr std::size_t kFindingExcerptBytes = 80;
std::string finding_excerpt(std::string_view s, std::size_t max_bytes = kFindingExcerptBytes);
// `s` as a JSON string literal, cut like an excerpt.
std::string finding_quote(std::string_view s);
// `one of "a", "b"`.
std::string finding_one_of(std::initializer_list<std::string_view> names);
// How a value looks in a finding: `null`, `number 5`, `"text"`, `an object`, `an array of 3 items`.
std::string describe_json(const nlohmann::json& j);
// `prefix/key`, with `key` escaped as an RFC 6901 token.
std::string pointer_child(std::string_view prefix, std::string_view key);
// Parses without throwing: a parse error (invalid UTF-8 included) gives a discarded value.
nlohmann::json parse_json_lenient(std::string_view text);

// Collects findings for one document; every reader leaves what it could not read unset.
class FindingReader {
 public:
  // `spec` names the document that lists the dialect's fields (for unknown-field findings);
  // `time_format` describes the dialect's time strings (for bad-time findings).
  FindingReader(std::vector<DecodeFinding>& findings, std::string_view spec,
                std::string_view time_format)
      : findings_(findings), spec_(spec), time_format_(time_format) {}

  void add(std::string pointer, std::string expected, std::string actual);

  // A finding for each key of `obj` not in `allowed`.
  void unknown_keys(const nlohmann::json& obj, std::string_view prefix,
                    std::span<const std::string_view> allowed);
  void unknown_keys(const nlohmann::json& obj, std::string_view prefix,
                    std::initializer_list<std::string_view> allowed) {
    unknown_keys(obj, prefix, std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }

  // The member, or null after recording a finding when it is required and missing.
  const nlohmann::json* member(const nlohmann::json& obj, std::string_view prefix, const char* key,
                               bool required);
  // The member when it has `type`; otherwise null, with a finding that expected `what`.
  const nlohmann::json* typed(const nlohmann::json& obj, std::string_view prefix, const char* key,
                              bool required, nlohmann::json::value_t type, const char* what);
  const std::string* string_field(const nlohmann::json& obj, std::string_view prefix,
                                  const char* key, bool required = true);
  const nlohmann::json* object_field(const nlohmann::json& obj, std::string_view prefix,
                                     const char* key, bool required = true) {
    return typed(obj, prefix, key, required, nlohmann::json::value_t::object, "an object");
  }
  // A non-negative integer no larger than `max`.
  std::optional<std::int64_t> count(const nlohmann::json& obj, std::string_view prefix,
                                    const char* key, bool required = true,
                                    std::int64_t max = std::numeric_limits<std::int64_t>::max());
  // An ISO 8601 UTC time, as Unix milliseconds.
  std::optional<std::int64_t> time_field(const nlohmann::json& obj, std::string_view prefix,
                                         const char* key, bool required = true);

 private:
  std::vector<DecodeFinding>& findings_;
  std::string_view spec_;
  std::string_view time_format_;
};

}  // namespace ixh
