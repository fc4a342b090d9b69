#include "core/finding_reader.h"

#include <algorithm>

#include "core/json_pointer.h"
#include "core/wire_time.h"

namespace ixh {
namespace {

using Json = nlohmann::json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string finding_excerpt(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

std::string finding_quote(std::string_view s) {
  return finding_excerpt(dump(Json(std::string(s))));
}

std::string finding_one_of(std::initializer_list<std::string_view> names) {
  std::string out = "one of ";
  bool first = true;
  for (std::string_view n : names) {
    if (!first) out += ", ";
    first = false;
    out += finding_quote(n);
  }
  return out;
}

std::string describe_json(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case Json::value_t::string:
      return finding_excerpt(dump(j));
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number " + finding_excerpt(dump(j));
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array of " + std::to_string(j.size()) + " items";
    default:
      return "an invalid value";
  }
}

std::string pointer_child(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + "/" + json_pointer_token(key);
}

Json parse_json_lenient(std::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, false);
}

void FindingReader::add(std::string pointer, std::string expected, std::string actual) {
  findings_.push_back({std::move(pointer), std::move(expected), std::move(actual)});
}

void FindingReader::unknown_keys(const Json& obj, std::string_view prefix,
                                 std::span<const std::string_view> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      add(pointer_child(prefix, it.key()), "only the fields " + std::string(spec_) + " documents",
          "unknown field");
    }
  }
}

const Json* FindingReader::member(const Json& obj, std::string_view prefix, const char* key,
                                  bool required) {
  const auto it = obj.find(key);
  if (it != obj.end()) return &*it;
  if (required) add(pointer_child(prefix, key), "field " + finding_quote(key), "missing");
  return nullptr;
}

const Json* FindingReader::typed(const Json& obj, std::string_view prefix, const char* key,
                                 bool required, Json::value_t type, const char* what) {
  const Json* j = member(obj, prefix, key, required);
  if (j == nullptr) return nullptr;
  if (j->type() != type) {
    add(pointer_child(prefix, key), what, describe_json(*j));
    return nullptr;
  }
  return j;
}

const std::string* FindingReader::string_field(const Json& obj, std::string_view prefix,
                                               const char* key, bool required) {
  const Json* j = typed(obj, prefix, key, required, Json::value_t::string, "a string");
  return j == nullptr ? nullptr : j->get_ptr<const std::string*>();
}

std::optional<std::int64_t> FindingReader::count(const Json& obj, std::string_view prefix,
                                                 const char* key, bool required, std::int64_t max) {
  const Json* j = member(obj, prefix, key, required);
  if (j == nullptr) return std::nullopt;
  const bool fits =
      j->is_number_unsigned()
          ? j->get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
          : j->is_number_integer() && j->get<std::int64_t>() >= 0 && j->get<std::int64_t>() <= max;
  if (!fits) {
    add(pointer_child(prefix, key), "a non-negative integer", describe_json(*j));
    return std::nullopt;
  }
  return j->get<std::int64_t>();
}

std::optional<std::int64_t> FindingReader::time_field(const Json& obj, std::string_view prefix,
                                                      const char* key, bool required) {
  const std::string* s = string_field(obj, prefix, key, required);
  if (s == nullptr) return std::nullopt;
  const std::optional<std::int64_t> ms = parse_iso8601_ms(*s);
  if (!ms) add(pointer_child(prefix, key), std::string(time_format_), finding_quote(*s));
  return ms;
}

}  // namespace ixh
