#pragma once

#include <optional>
#include <string_view>

#include "core/decoded.h"
#include "core/sse_parser.h"

namespace ixh {

// The decoders' fast path: one forward scan of the JSON text (core/json_scanner.h) for the shapes
// the dialects define, with no document built. Each function either returns exactly what the
// DOM decoder (core/seed_decoder.h, core/genai_decoder.h) returns for the same input, or nullopt.
//
// The rule: a fast decode succeeds only for input that has no finding anywhere (nested
// interactions included) and that it fully understands. It declines (nullopt) the moment it meets
// anything else: an unknown, duplicate or missing field, a value of an unexpected type, a member
// name with escapes, a number that is not a plain non-negative integer, a value that a
// consistency rule rejects, JSON nested deeper than 64 levels, or JSON that is not valid. The
// DOM decoder then decodes the input from scratch, so every finding is written by one piece of
// code only. decode_seed_event() and friends try this first. Pure functions, callable from any
// thread.
std::optional<DecodedEvent> fast_decode_seed_event(const SseEvent& raw);
std::optional<DecodedInteraction> fast_decode_seed_interaction(std::string_view json_body);
std::optional<DecodedEvent> fast_decode_genai_event(const SseEvent& raw);
std::optional<DecodedInteraction> fast_decode_genai_interaction(std::string_view json_body);

}  // namespace ixh
