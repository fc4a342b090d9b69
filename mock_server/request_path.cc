#include "mock_server/request_path.h"

#include <cstdint>

namespace ixh::mock {
namespace {

constexpr std::size_t kMaxIdBytes = 512;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::optional<InteractionPath> parse_interaction_path(std::string_view raw_path) {
  static constexpr std::string_view kMiddle = "/interactions/";
  if (raw_path.size() < 2 || raw_path[0] != '/') return std::nullopt;
  const std::size_t version_end = raw_path.find('/', 1);
  if (version_end == std::string_view::npos || version_end == 1) return std::nullopt;
  if (raw_path.substr(version_end, kMiddle.size()) != kMiddle) return std::nullopt;
  const std::string_view raw_id = raw_path.substr(version_end + kMiddle.size());
  if (raw_id.find('/') != std::string_view::npos) return std::nullopt;
  InteractionPath out;
  out.version = std::string(raw_path.substr(1, version_end - 1));
  auto decoded = percent_decode(raw_id);
  if (!decoded) {
    out.malformed = true;
    out.id = std::string(raw_id);
    return out;
  }
  out.id = std::move(*decoded);
  bool bad = out.id.empty() || out.id.size() > kMaxIdBytes || !is_valid_utf8(out.id);
  for (unsigned char c : out.id) bad = bad || c < 0x20 || c == 0x7F;
  out.malformed = bad;
  return out;
}

}  // namespace ixh::mock
