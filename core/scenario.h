#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/interaction.h"

namespace ixh {

// One scripted moment of an interaction's life, `after_ms` from its creation.
struct TimelineEntry {
  enum class Kind : std::uint8_t { kState, kText, kUsage };
  std::int64_t after_ms = 0;
  Kind kind = Kind::kState;
  State state = State::kPending;  // kState
  std::string text;               // kText
  int candidate = 0;              // kText
  Usage usage;                    // kUsage
};

// Synthetic load: RUNNING at start_ms, `chunks` text deltas of `bytes` bytes every `every_ms`,
// then `final_state`. Text comes from a PRNG seeded by the mock's --seed and the template name.
struct GenerateSpec {
  int chunks = 0;
  int bytes = 0;
  std::int64_t every_ms = 0;
  std::int64_t start_ms = 0;
  State final_state = State::kCompleted;
};

// A scripted misbehaviour of one instance, chosen by attempt number (the n-th request of the
// matching kind for that instance, counted from 1).
struct FaultSpec {
  enum class Kind : std::uint8_t { kHttpError };
  enum class Applies : std::uint8_t { kAny, kGet, kStream };
  Kind kind = Kind::kHttpError;
  Applies applies_to = Applies::kAny;
  std::vector<int> attempts;  // empty: every attempt
  int status = 503;
  std::optional<int> retry_after_s;
  std::string message;
};

struct InteractionTemplate {
  std::string name;  // [A-Za-z0-9_-]+; instances are `name` or `name.<suffix>`
  std::string model = "ixh-mock-1";
  std::string input;
  bool store = true;
  std::optional<std::string> previous;  // template name the instance links back to
  int candidates = 1;
  std::vector<TimelineEntry> timeline;  // sorted by after_ms; empty when generate is set
  std::optional<GenerateSpec> generate;
  std::vector<FaultSpec> faults;
  std::string file;     // where it was defined, for messages
  std::string pointer;  // JSON pointer of its definition in that file
};

struct Scenario {
  std::string name;  // the "name" field, or the file stem
  std::string description;
  std::string file;
  std::string sha256;  // of the file bytes, so reports can tell which version ran
  std::vector<InteractionTemplate> interactions;
};

}  // namespace ixh
