#include "core/utf8.h"

namespace ixh {

std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = *p;
  std::size_t needed;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    if (lead == 0xE0) lower = 0xA0;
    if (lead == 0xED) upper = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    if (lead == 0xF0) lower = 0x90;
    if (lead == 0xF4) upper = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) <= needed) return 0;
  for (std::size_t i = 1; i <= needed; ++i) {
    if (p[i] < lower || p[i] > upper) return 0;
    lower = 0x80;
    upper = 0xBF;
  }
  return needed + 1;
}

}  // namespace ixh
