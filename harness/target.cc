#include "harness/target.h"

namespace ixh {

Dialect DialectChoice::resolve(std::optional<Dialect> detected) {
  int v = value_.load(std::memory_order_acquire);
  if (v >= 0) return static_cast<Dialect>(v);
  if (!detected) return Dialect::kSeed;
  // The first detection wins; a racing worker adopts it.
  if (value_.compare_exchange_strong(v, static_cast<int>(*detected))) return *detected;
  return static_cast<Dialect>(v);
}

std::optional<Dialect> DialectChoice::current() const {
  const int v = value_.load(std::memory_order_acquire);
  if (v < 0) return std::nullopt;
  return static_cast<Dialect>(v);
}

std::string percent_encode(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string interaction_url(const Target& target, std::string_view id, bool stream,
                            bool include_input, std::optional<std::string_view> last_event_id) {
  std::string url =
      target.base_url + "/" + target.api_version + "/interactions/" + percent_encode(id);
  char sep = '?';
  if (include_input) {
    url += sep;
    url += "include_input=true";
    sep = '&';
  }
  if (last_event_id) {
    url += sep;
    url += "last_event_id=" + percent_encode(*last_event_id);
    sep = '&';
  }
  if (stream) {
    url += sep;
    url += "stream=true";
  }
  return url;
}

}  // namespace ixh
