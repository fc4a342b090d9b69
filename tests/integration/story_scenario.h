#pragma once

// Interactions that more than one mock suite streams, defined once so the suites read the same
// timelines: mock_server_test.cc builds its core scenario around them, stream_writer_test.cc its
// writer scenario. Each suite adds only what it alone needs (a model and usage, a fault). Times
// are relative to each instance's creation, on the manual clock those suites run the mock with.
//
// Header-only: CMake compiles only *_test.cc files into the test binaries.

#include <nlohmann/json.hpp>

namespace ixh::test {

// "Tell me a story": PENDING at creation, RUNNING at 100 ms, the text "Once", " upon" and
// " a time" at 200, 300 and 400 ms, COMPLETED at 500 ms; six events.
inline nlohmann::json StoryInteraction() {
  return nlohmann::json::parse(R"json({
    "input": "Tell me a story",
    "timeline": [
      {"after_ms": 100, "state": "RUNNING"},
      {"after_ms": 200, "text": "Once"},
      {"after_ms": 300, "text": " upon"},
      {"after_ms": 400, "text": " a time"},
      {"after_ms": 500, "state": "COMPLETED"}
    ]
  })json");
}

// A stream that never ends: RUNNING and one text delta at once, then nothing.
inline nlohmann::json ForeverInteraction() {
  return nlohmann::json::parse(
      R"json({"timeline": [{"after_ms": 0, "state": "RUNNING"}, {"after_ms": 0, "text": "tick"}]})json");
}

}  // namespace ixh::test
