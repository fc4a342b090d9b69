#pragma once

// Decoding with both paths at once: every decode a decoder test makes through these helpers also
// proves that the fast path (core/fast_decoder.h) returned exactly what the document path
// returns, and that it did not decline input the document path found clean (so the fast path is
// really taken, not skipped). Each returns what the public decode function returns.

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/decoded.h"
#include "core/fast_decoder.h"
#include "core/genai_decoder.h"
#include "core/seed_decoder.h"
#include "core/sse_parser.h"

namespace ixh {

inline void PrintTo(const DecodedInteraction& d, std::ostream* os) {
  const Interaction& v = d.value;
  *os << "{id " << ::testing::PrintToString(v.id) << ", model " << ::testing::PrintToString(v.model)
      << ", input " << ::testing::PrintToString(v.input) << ", candidates "
      << ::testing::PrintToString(v.candidates) << ", state " << to_string(v.state) << ", create "
      << v.create_time_ms << ", update " << v.update_time_ms << ", usage "
      << (v.usage ? std::to_string(v.usage->prompt_token_count) + "/" +
                        std::to_string(v.usage->candidates_token_count) + "/" +
                        std::to_string(v.usage->total_token_count)
                  : std::string("none"))
      << ", previous " << ::testing::PrintToString(v.previous_interaction_id) << ", has_input "
      << d.has_input << ", has_usage " << d.has_usage << ", valid " << d.state_valid
      << d.create_time_valid << d.update_time_valid << ", findings [";
  for (const DecodeFinding& f : d.findings) *os << format_finding(f) << "; ";
  *os << "]}";
}

inline void PrintTo(const DecodedEvent& e, std::ostream* os) {
  *os << "{kind " << to_string(e.kind) << ", id " << ::testing::PrintToString(e.id)
      << ", interaction_id " << ::testing::PrintToString(e.interaction_id) << ", state "
      << to_string(e.state) << ", candidate " << e.candidate << ", text "
      << ::testing::PrintToString(e.text) << ", update " << e.update_time_ms << ", valid "
      << e.state_valid << e.update_time_valid << ", framing " << e.framing << ", end "
      << e.end_marker << ", interaction ";
  if (e.interaction) {
    PrintTo(*e.interaction, os);
  } else {
    *os << "none";
  }
  *os << ", findings [";
  for (const DecodeFinding& f : e.findings) *os << format_finding(f) << "; ";
  *os << "]}";
}

namespace differential {

// No finding anywhere: what the fast path must accept (unless the input is one of the rare clean
// forms it leaves to the document path on purpose, see fast_decoder.h).
inline bool clean(const DecodedInteraction& d) { return d.ok(); }
inline bool clean(const DecodedEvent& e) {
  return e.ok() && (!e.interaction || e.interaction->ok());
}

// `fast_may_decline`: the input has a clean form the fast path leaves to the document path
// (duplicate or escaped member names, a BOM, "-0", very deep nesting).
template <class Decoded, class Input>
Decoded compare(const Input& input, const std::optional<Decoded>& fast, const Decoded& dom,
                const Decoded& public_result, bool fast_may_decline, const std::string& what) {
  if (fast) {
    EXPECT_EQ(*fast, dom) << "fast path differs from the document path on " << what;
    EXPECT_TRUE(clean(dom)) << "fast path accepted input with findings: " << what;
  } else if (!fast_may_decline) {
    EXPECT_FALSE(clean(dom)) << "fast path declined clean input: " << what;
  }
  EXPECT_EQ(public_result, dom) << what;
  (void)input;
  return public_result;
}

inline std::string show(std::string_view s) {
  return ::testing::PrintToString(std::string(s.substr(0, 2000))) +
         (s.size() > 2000 ? " (" + std::to_string(s.size()) + " bytes)" : "");
}
inline std::string show(const SseEvent& e) {
  return "event " + show(e.type) + " id " + show(e.last_event_id) + " data " + show(e.data);
}

inline DecodedInteraction seed_interaction(std::string_view body, bool may_decline = false) {
  return compare(body, fast_decode_seed_interaction(body), decode_seed_interaction_dom(body),
                 decode_seed_interaction(body), may_decline, show(body));
}
inline DecodedEvent seed_event(const SseEvent& raw, bool may_decline = false) {
  return compare(raw, fast_decode_seed_event(raw), decode_seed_event_dom(raw),
                 decode_seed_event(raw), may_decline, show(raw));
}
inline DecodedInteraction genai_interaction(std::string_view body, bool may_decline = false) {
  return compare(body, fast_decode_genai_interaction(body), decode_genai_interaction_dom(body),
                 decode_genai_interaction(body), may_decline, show(body));
}
inline DecodedEvent genai_event(const SseEvent& raw, bool may_decline = false) {
  return compare(raw, fast_decode_genai_event(raw), decode_genai_event_dom(raw),
                 decode_genai_event(raw), may_decline, show(raw));
}

}  // namespace differential
}  // namespace ixh
