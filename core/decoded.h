#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/interaction.h"

namespace ixh {

// What a dialect decoder (core/seed_decoder.h, core/genai_decoder.h) makes of a response: the
// dialect-neutral values the harness's checks judge, plus the findings (deviations from the
// dialect) met on the way. Plain values, built on the driver's worker threads.

// One deviation from the dialect.
struct DecodeFinding {
  std::string pointer;   // RFC 6901 pointer into the body (or event data) JSON; "" = the whole
  std::string expected;  // e.g. `one of "PENDING", "RUNNING", ...`, `field "state"`
  std::string actual;    // e.g. `"DONE"`, `missing`, `unknown field`
  bool operator==(const DecodeFinding&) const = default;
};

// An optional value kept on the heap, used like std::optional<T> (test it, *, ->, assign a T or
// std::nullopt): for a member that is rarely present and large, so that the many values that lack
// it stay small. A driver holds every event of thousands of live streams.
template <class T>
class HeapOptional {
 public:
  HeapOptional() = default;
  // Implicit, as std::optional's are.
  HeapOptional(std::nullopt_t) {}
  HeapOptional(T value) : p_(std::make_unique<T>(std::move(value))) {}
  HeapOptional(const HeapOptional& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  HeapOptional(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(const HeapOptional& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  HeapOptional& operator=(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(T value) {
    p_ = std::make_unique<T>(std::move(value));
    return *this;
  }
  HeapOptional& operator=(std::nullopt_t) {
    p_.reset();
    return *this;
  }
  ~HeapOptional() = default;

  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  const T& value() const {
    if (!p_) throw std::bad_optional_access();
    return *p_;
  }
  template <class... Args>
  T& emplace(Args&&... args) {
    p_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *p_;
  }
  void reset() { p_.reset(); }
  // Equal when both are empty or both hold equal values, as std::optional compares.
  friend bool operator==(const HeapOptional& a, const HeapOptional& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a.has_value() || *a == *b;
  }

 private:
  std::unique_ptr<T> p_;
};

struct DecodedInteraction {
  // What could be read; a field that was missing or malformed keeps its default.
  Interaction value;
  bool has_input = false;  // the body had an "input" field (of any type)
  bool has_usage = false;  // the body had a "usage_metadata" field (of any type)
  // Which of value's judged fields came from the wire, so checks that compare them (state order,
  // time order) skip what the schema findings already report instead of judging defaults.
  bool state_valid = false;
  bool create_time_valid = false;
  bool update_time_valid = false;
  std::vector<DecodeFinding> findings;
  bool ok() const { return findings.empty(); }
  bool operator==(const DecodedInteraction&) const = default;
};

struct DecodedEvent {
  EventKind kind = EventKind::kStateChange;  // from the SSE event type, else from data.type
  std::string id;                            // data.id, else the SSE id
  std::string interaction_id;
  State state = State::kPending;  // state_change and terminal only (a text delta has none)
  int candidate = 0;              // text_delta only
  std::string text;               // text_delta only
  std::int64_t update_time_ms = 0;
  bool state_valid = false;        // state_change/terminal: "state" is one of the five names
  bool update_time_valid = false;  // update_time parsed
  // terminal only, when data.interaction is an object. Its findings (pointers relative to that
  // object) stay there: `findings` below is about the event's own fields.
  HeapOptional<DecodedInteraction> interaction;
  // A frame that carries no event of the model's log: genai's interaction.created, step.start,
  // step.stop, error, non-text deltas, unknown event types and the [DONE] marker. Checks that
  // count or compare model events skip these; the seed dialect has none.
  bool framing = false;
  bool end_marker = false;  // genai's `data: [DONE]`, the last frame of a complete stream
  std::vector<DecodeFinding> findings;
  bool ok() const { return findings.empty(); }
  bool operator==(const DecodedEvent&) const = default;
};

struct DecodedError {
  int code = 0;
  std::string message;
  std::string status;
  std::vector<DecodeFinding> findings;
  bool ok() const { return findings.empty(); }
  bool operator==(const DecodedError&) const = default;
};

// "/state: missing (expected field \"state\")": one finding as reports print it.
std::string format_finding(const DecodeFinding& finding);

}  // namespace ixh
