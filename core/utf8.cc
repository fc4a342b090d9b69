#include "core/utf8.h"

namespace ixh {

Utf8Step utf8_step(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = *p;
  std::size_t needed;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    if (lead == 0xE0) lower = 0xA0;  // overlong
    if (lead == 0xED) upper = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    if (lead == 0xF0) lower = 0x90;  // overlong
    if (lead == 0xF4) upper = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};
  }
  const auto available = static_cast<std::size_t>(end - p) - 1;
  for (std::size_t seen = 1; seen <= needed; ++seen) {
    if (seen > available || p[seen] < lower || p[seen] > upper) return {seen, false};
    lower = 0x80;
    upper = 0xBF;
  }
  return {needed + 1, true};
}

std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  const Utf8Step step = utf8_step(p, end);
  return step.valid ? step.length : 0;
}

}  // namespace ixh
