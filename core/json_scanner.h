#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ixh {

// A forward-only reader of one JSON text for the decoders' fast path (core/fast_decoder.h). It
// builds no document and allocates only when a string has escapes and the caller wants its
// value. It accepts exactly what nlohmann::json::parse accepts (RFC 8259: no BOM, no comments,
// valid UTF-8, surrogate pairs paired) or declines: every method returns false on anything it
// does not read, after which the scanner is spent and the caller falls back to the DOM
// decoder. Never throws. Local to one decode call, on whichever thread decodes.
class JsonScanner {
 public:
  // `allow_lf`: false makes a raw LF (only ever JSON whitespace) unreadable; seed and genai
  // events must be one data line, so an LF in their data is a finding the DOM path reports.
  explicit JsonScanner(std::string_view text, bool allow_lf = true)
      : p_(text.data()), end_(text.data() + text.size()), allow_lf_(allow_lf) {}

  // Skips whitespace and consumes `c` when it comes next.
  bool eat(char c) {
    skip_ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  // Skips whitespace and tells whether the next value starts with `c` ('"', '{', '[').
  bool next_is(char c) {
    skip_ws();
    return p_ < end_ && *p_ == c;
  }
  // Only whitespace is left.
  bool at_end() {
    skip_ws();
    return p_ == end_;
  }

  // A member name and its colon. Declines names with escapes: a decoder compares names as
  // written, and "\u0069d" is "id" to the DOM.
  bool key(std::string_view& out);
  // A string value: without escapes `out` views the text itself; with them it is decoded into
  // `scratch` and views that.
  bool string(std::string_view& out, std::string& scratch);
  // A string value assigned to `out`.
  bool string(std::string& out);
  // A plain non-negative integer (digits only, no sign, fraction or exponent) no larger than
  // `max`: the JSON numbers the DOM reads as non-negative integers, less "-0".
  bool count(std::int64_t max, std::int64_t& out);
  // Any value, checked as strictly as the DOM parser checks it.
  bool skip_value() { return skip_value(0); }

 private:
  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || (*p_ == '\n' && allow_lf_))) {
      ++p_;
    }
  }
  // Scans a string whose opening quote is consumed. Decodes into `out` when it is not null;
  // `escaped` tells whether any escape was met.
  bool scan_string(std::string* out, bool& escaped);
  bool skip_value(int depth);
  bool skip_number();
  bool literal(std::string_view word);

  const char* p_;
  const char* end_;
  bool allow_lf_;
};

}  // namespace ixh
