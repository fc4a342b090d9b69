#include "core/sse_parser.h"

#include <cstring>
#include <limits>
#include <utility>

#include "core/utf8.h"

namespace ixh {
namespace {

constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Offset of the first invalid byte in [p, end), or end - p when all is valid UTF-8. ASCII, the
// common case, is skipped a word at a time.
std::size_t valid_prefix(const unsigned char* p, const unsigned char* end) {
  const unsigned char* q = p;
  while (q < end) {
    while (end - q >= 8) {
      std::uint64_t word;
      std::memcpy(&word, q, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      q += 8;
    }
    while (q < end && *q < 0x80) ++q;
    if (q == end) break;
    const Utf8Step step = utf8_step(q, end);
    if (!step.valid) break;
    q += step.length;
  }
  return static_cast<std::size_t>(q - p);
}

// UTF-8 decode of one line (or of a final partial line; a sequence cut by the end counts as one
// error either way, just as a sequence cut by CR or LF does). Returns the number of U+FFFD
// inserted; when it is 0, `out` is untouched and `in` is the decoded text itself.
std::uint64_t repair_utf8(std::string_view in, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const unsigned char* const end = p + in.size();
  std::size_t valid = valid_prefix(p, end);
  if (valid == in.size()) return 0;
  std::uint64_t replacements = 0;
  out.clear();
  for (;;) {
    out.append(reinterpret_cast<const char*>(p), valid);
    p += valid;
    if (p == end) break;
    out.append(kReplacement);
    ++replacements;
    p += utf8_step(p, end).length;
    valid = valid_prefix(p, end);
  }
  return replacements;
}

// The retry field's value when it is only ASCII digits and fits; nullopt otherwise.
std::optional<std::int64_t> parse_retry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::int64_t result = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (result > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    result = result * 10 + digit;
  }
  return result;
}

// A buffer that one long line or event grew past this is given back once that line or event is
// done with: a driver holds thousands of streams at once, and each should keep what its usual
// event needs, not what its largest ever did.
constexpr std::size_t kKeepCapacity = 1024;

void release_if_large(std::string& s) {
  if (s.capacity() > kKeepCapacity) std::string().swap(s);
}

// Where c next occurs in [p, end), or end.
const char* find_or_end(const char* p, const char* end, char c) {
  const void* hit = std::memchr(p, c, static_cast<std::size_t>(end - p));
  return hit != nullptr ? static_cast<const char*>(hit) : end;
}

}  // namespace

std::string_view to_string(SseError error) {
  switch (error) {
    case SseError::kNone:
      return "none";
    case SseError::kLineTooLong:
      return "line_too_long";
    case SseError::kEventTooLarge:
      return "event_too_large";
  }
  return "none";
}

SseParser::SseParser(SseLimits limits) : limits_(limits) {}

void SseParser::feed_bytes(std::string_view bytes, EventSink sink) noexcept {
  bytes_fed_ += bytes.size();
  if (error_ != SseError::kNone || finished_ || bytes.empty()) return;
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  if (!bom_done_) {
    p = consume_bom(p, end);
    if (error_ != SseError::kNone || p == end) return;
  }
  if (skip_lf_) {
    skip_lf_ = false;
    if (*p == '\n') ++p;
  }
  // Two memchr scans with remembered hits keep this linear however the endings are mixed.
  const char* next_lf = find_or_end(p, end, '\n');
  const char* next_cr = find_or_end(p, end, '\r');
  while (p < end) {
    if (next_lf < p) next_lf = find_or_end(p, end, '\n');
    if (next_cr < p) next_cr = find_or_end(p, end, '\r');
    const char* const eol = next_lf < next_cr ? next_lf : next_cr;
    const auto length = static_cast<std::size_t>(eol - p);
    if (line_.size() + length > limits_.max_line_bytes) {
      fail(SseError::kLineTooLong, limits_.max_line_bytes);
      return;
    }
    if (eol == end) {
      line_.append(p, length);
      return;
    }
    std::string_view line(p, length);
    if (!line_.empty()) {
      line_.append(p, length);
      line = line_;
    }
    process_line(line, sink);
    if (error_ != SseError::kNone) return;
    line_.clear();
    release_if_large(line_);
    release_if_large(decoded_);
    p = eol + 1;
    if (*eol == '\r') {
      if (p == end) {
        skip_lf_ = true;
      } else if (*p == '\n') {
        ++p;
      }
    }
  }
}

// The BOM is matched byte by byte so that it may be cut anywhere. On a mismatch the bytes
// matched so far were data after all; they start the first line.
const char* SseParser::consume_bom(const char* p, const char* end) {
  while (p < end && bom_matched_ < sizeof kBom) {
    if (static_cast<unsigned char>(*p) != kBom[bom_matched_]) {
      bom_done_ = true;
      if (bom_matched_ > limits_.max_line_bytes) {
        fail(SseError::kLineTooLong, limits_.max_line_bytes);
        return p;
      }
      line_.assign(reinterpret_cast<const char*>(kBom), bom_matched_);
      return p;
    }
    ++bom_matched_;
    ++p;
  }
  if (bom_matched_ == sizeof kBom) bom_done_ = true;
  return p;
}

void SseParser::process_line(std::string_view line, EventSink sink) {
  if (line.empty()) {
    dispatch(sink);
    return;
  }
  // Decoding before splitting is exact: ':', ' ' and NUL are ASCII, and a repair never consumes
  // or produces ASCII.
  if (const std::uint64_t repaired = repair_utf8(line, decoded_); repaired != 0) {
    replacements_ += repaired;
    line = decoded_;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  block_open_ = true;
  std::string_view name = line;
  std::string_view value;
  if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  // Sizes are checked before appending so that memory stays within the limits.
  const std::size_t data_bytes = data_.empty() ? 0 : data_.size() - 1;
  if (name == "data") {
    const std::size_t new_data_bytes = data_.empty() ? value.size() : data_.size() + value.size();
    if (new_data_bytes + type_.size() > limits_.max_event_bytes) {
      fail(SseError::kEventTooLarge, limits_.max_event_bytes);
      return;
    }
    data_.append(value);
    data_.push_back('\n');
  } else if (name == "event") {
    if (data_bytes + value.size() > limits_.max_event_bytes) {
      fail(SseError::kEventTooLarge, limits_.max_event_bytes);
      return;
    }
    type_.assign(value);
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) id_buffer_.assign(value);
  } else if (name == "retry") {
    if (const std::optional<std::int64_t> retry = parse_retry(value)) retry_ms_ = retry;
  }
}

void SseParser::dispatch(EventSink sink) {
  block_open_ = false;
  last_event_id_.assign(id_buffer_);
  if (data_.empty()) {
    type_.clear();
    return;
  }
  data_.pop_back();
  // Swapping hands the data buffer to the event without a copy; both keep their capacity.
  event_.data.clear();
  std::swap(event_.data, data_);
  if (type_.empty()) {
    event_.type.assign("message");
  } else {
    event_.type.assign(type_);
    type_.clear();
  }
  event_.last_event_id.assign(last_event_id_);
  sink.call(sink.context, event_);
  release_if_large(event_.data);
  release_if_large(data_);
}

void SseParser::fail(SseError error, std::size_t limit) {
  error_ = error;
  error_message_ = std::string("SSE ") + (error == SseError::kLineTooLong ? "line" : "event") +
                   " exceeds " + std::to_string(limit) + " bytes";
  // Nothing more will be parsed: give the memory back now rather than when the stream ends.
  std::string().swap(line_);
  std::string().swap(decoded_);
  std::string().swap(data_);
  std::string().swap(type_);
  block_open_ = false;
}

bool SseParser::finish() noexcept {
  if (finished_) return false;
  finished_ = true;
  if (error_ != SseError::kNone) return false;
  bool truncated = block_open_;
  if (!bom_done_ && bom_matched_ > 0) {
    // The stream was only a BOM prefix: data after all, so a partial line like any other.
    if (bom_matched_ > limits_.max_line_bytes) {
      fail(SseError::kLineTooLong, limits_.max_line_bytes);
      return false;
    }
    line_.assign(reinterpret_cast<const char*>(kBom), bom_matched_);
  }
  if (!line_.empty()) {
    truncated = true;
    replacements_ += repair_utf8(line_, decoded_);
  }
  line_.clear();
  data_.clear();
  type_.clear();
  id_buffer_.assign(last_event_id_);
  block_open_ = false;
  return truncated;
}

void SseParser::reset() {
  line_.clear();
  data_.clear();
  type_.clear();
  id_buffer_.assign(last_event_id_);
  comments_ = 0;
  replacements_ = 0;
  bytes_fed_ = 0;
  error_ = SseError::kNone;
  error_message_.clear();
  bom_matched_ = 0;
  bom_done_ = false;
  skip_lf_ = false;
  block_open_ = false;
  finished_ = false;
}

}  // namespace ixh
