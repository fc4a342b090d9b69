#pragma once

#include <cstddef>

namespace ixh {

// One step of the Encoding standard's UTF-8 decoder at p (p < end, *p >= 0x80), with the ranges
// of RFC 3629 (no overlongs, no surrogates, nothing past U+10FFFF). A well-formed sequence is
// consumed whole. An invalid one consumes its lead byte and the continuation bytes that were
// still acceptable, one maximal subpart worth one U+FFFD; the offending byte is not consumed, as
// the standard "prepends" it to the stream again. Called by the SSE parser, which repairs what
// it reads, on any thread.
struct Utf8Step {
  std::size_t length;  // bytes consumed
  bool valid;          // false: those bytes are one maximal subpart
};
Utf8Step utf8_step(const unsigned char* p, const unsigned char* end);

// Length of the well-formed UTF-8 sequence at p (p < end, *p >= 0x80), or 0 when it is not one:
// the same ranges, as nlohmann's lexer checks them. Called by the JSON scanner and the seed
// encoder's direct path, on any thread.
std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end);

}  // namespace ixh
