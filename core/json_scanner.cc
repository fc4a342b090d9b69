#include "core/json_scanner.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "core/utf8.h"

namespace ixh {
namespace {

// Deeper than any shape a dialect defines; the DOM has no limit, so deeper input falls back.
constexpr int kMaxDepth = 64;

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// The high bit of each byte of `w` that may be '"', '\\', a control character or non-ASCII. A
// borrow can flag a byte above a real match too, never one below it.
std::uint64_t maybe_special(std::uint64_t w) {
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t slash = w ^ (kOnes * '\\');
  return (((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) | (w - kOnes * 0x20) | w) &
         kHighs;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool JsonScanner::scan_string(std::string* out, bool& escaped) {
  escaped = false;
  const char* run = p_;  // start of the bytes not yet copied to `out`
  for (;;) {
    while (end_ - p_ >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p_, sizeof w);
      const std::uint64_t special = maybe_special(w);
      if (special != 0) {
        // Borrows only flag bytes above a real match, so the lowest flag is a real one: jump to
        // it (bytes are little-endian in the word).
        p_ += std::countr_zero(special) / 8;
        break;
      }
      p_ += 8;
    }
    if (p_ == end_) return false;
    const auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      if (out != nullptr) out->append(run, static_cast<std::size_t>(p_ - run));
      ++p_;
      return true;
    }
    if (c < 0x20) return false;
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_),
                                                 reinterpret_cast<const unsigned char*>(end_));
      if (n == 0) return false;
      p_ += n;
      continue;
    }
    if (c != '\\') {
      ++p_;
      continue;
    }
    escaped = true;
    if (out != nullptr) out->append(run, static_cast<std::size_t>(p_ - run));
    ++p_;
    if (p_ == end_) return false;
    const char e = *p_++;
    char simple = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        simple = e;
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return false;
    }
    if (e != 'u') {
      if (out != nullptr) out->push_back(simple);
      run = p_;
      continue;
    }
    auto read_hex4 = [&](std::uint32_t& v) {
      if (end_ - p_ < 4) return false;
      v = 0;
      for (int i = 0; i < 4; ++i) {
        const int d = hex_digit(p_[i]);
        if (d < 0) return false;
        v = (v << 4) | static_cast<std::uint32_t>(d);
      }
      p_ += 4;
      return true;
    };
    std::uint32_t cp = 0;
    if (!read_hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate with no high one
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      std::uint32_t low = 0;
      if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (out != nullptr) append_utf8(*out, cp);
    run = p_;
  }
}

bool JsonScanner::key(std::string_view& out) {
  if (!eat('"')) return false;
  const char* start = p_;
  bool escaped = false;
  if (!scan_string(nullptr, escaped) || escaped) return false;
  out = std::string_view(start, static_cast<std::size_t>(p_ - 1 - start));
  return eat(':');
}

bool JsonScanner::string(std::string_view& out, std::string& scratch) {
  if (!eat('"')) return false;
  const char* start = p_;
  bool escaped = false;
  if (!scan_string(nullptr, escaped)) return false;
  if (!escaped) {
    out = std::string_view(start, static_cast<std::size_t>(p_ - 1 - start));
    return true;
  }
  p_ = start;
  scratch.clear();
  if (!scan_string(&scratch, escaped)) return false;
  out = scratch;
  return true;
}

bool JsonScanner::string(std::string& out) {
  std::string_view v;
  std::string scratch;
  if (!string(v, scratch)) return false;
  if (v.data() == scratch.data() && !scratch.empty()) {
    out = std::move(scratch);
  } else {
    out.assign(v);
  }
  return true;
}

bool JsonScanner::count(std::int64_t max, std::int64_t& out) {
  skip_ws();
  if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
  std::int64_t v = 0;
  const char* start = p_;
  while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
    const int d = *p_ - '0';
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
    ++p_;
  }
  if (*start == '0' && p_ - start > 1) return false;  // a leading zero: not JSON
  if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
  out = v;
  return true;
}

bool JsonScanner::literal(std::string_view word) {
  if (static_cast<std::size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0) {
    return false;
  }
  p_ += word.size();
  return true;
}

bool JsonScanner::skip_number() {
  auto digits = [&] {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > start;
  };
  const char* const start = p_;
  bool plain = true;  // an integer short enough to fit 64 bits
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ == end_) return false;
  if (*p_ == '0') {
    ++p_;
  } else if (!digits()) {
    return false;
  }
  if (p_ < end_ && *p_ == '.') {
    ++p_;
    plain = false;
    if (!digits()) return false;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    plain = false;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (!digits()) return false;
  }
  if (plain && p_ - start <= 18) return true;
  // The DOM reads any other number as a double and rejects one that overflows ("1e400"). Out of
  // range either way (an underflow too) is left to it.
  double value = 0;
  const auto [end, error] = std::from_chars(start, p_, value);
  return error == std::errc() && end == p_;
}

bool JsonScanner::skip_value(int depth) {
  skip_ws();
  if (p_ == end_) return false;
  bool escaped = false;
  switch (*p_) {
    case '"':
      ++p_;
      return scan_string(nullptr, escaped);
    case '{':
      if (depth >= kMaxDepth) return false;
      ++p_;
      if (eat('}')) return true;
      do {
        if (!eat('"') || !scan_string(nullptr, escaped) || !eat(':') || !skip_value(depth + 1)) {
          return false;
        }
      } while (eat(','));
      return eat('}');
    case '[':
      if (depth >= kMaxDepth) return false;
      ++p_;
      if (eat(']')) return true;
      do {
        if (!skip_value(depth + 1)) return false;
      } while (eat(','));
      return eat(']');
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return skip_number();
  }
}

}  // namespace ixh
