#pragma once

#include <cstddef>

namespace ixh {

// Length of the well-formed UTF-8 sequence at p (p < end, *p >= 0x80), or 0 when it is not one:
// the ranges of RFC 3629 as nlohmann's lexer checks them (no overlongs, no surrogates, nothing past
// U+10FFFF). Called by the JSON scanner and the seed encoder's direct path, on any thread.
std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end);

}  // namespace ixh
