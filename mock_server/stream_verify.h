#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ixh::mock {

// One stream request for an instance as the mock served it: where it was asked to start, and
// which events it wrote whole. Verification (docs/mock.md, "Verifying clients") works from these
// alone.
struct StreamAttempt {
  int attempt = 0;                   // n-th stream request of the instance, from 1
  std::string last_event_id;         // what it asked to resume after; "" for the start
  int status = 0;                    // 200, or the error status it got (scripted, unknown id, ...)
  std::size_t first_event = 0;       // index of the first event it was to send
  std::uint64_t events_written = 0;  // whole events written, from first_event on
  std::int64_t start_ns = 0;         // request seen (real clock)
  std::int64_t end_ns = -1;          // response over (real clock); -1 while in progress
  std::string fault;                 // fault kind applied, "" for none
  std::string ended;                 // as in the journal
  // A checker's read of the whole log (request header `X-Ixh-Purpose: reference`, sent by
  // `ixh run` after a resumed step), not one of the client's attempts: verification skips it.
  bool reference = false;
};

// The stream attempts of one instance, in arrival order. Worker threads call begin() when a
// stream request arrives and finish() when its response is over; verification reads snapshot().
class StreamHistory {
 public:
  std::size_t begin(StreamAttempt attempt);
  void finish(std::size_t index, std::uint64_t events_written, std::int64_t end_ns,
              const std::string& ended);
  std::vector<StreamAttempt> snapshot() const;
  bool empty() const;

 private:
  mutable std::mutex mu_;
  std::vector<StreamAttempt> attempts_;
};

// What to verify for one instance: its event log (ids, in order), the index of the event a
// complete stream ends with (the terminal event; the last event when the log has none), and its
// stream attempts. `genai_frames`: the genai dialect, where a resume may name a frame before an
// event's own, `<event id>.k` (docs/wire-genai.md); such a client holds the events before that
// event whole and only part of that event.
struct VerifyInput {
  std::string instance;
  std::vector<std::string> event_ids;
  std::size_t final_event = 0;
  std::vector<StreamAttempt> attempts;
  bool genai_frames = false;
};

// The verdict for one instance (docs/mock.md): {"instance", "ok", "completed", "events",
// "attempts", "lost": [ids], "duplicated": [{"id", "times"}], "resumes": [{"attempt",
// "last_event_id", "expected", "verdict", "reconnect_ms"}], "problems": [text]}. Pure.
nlohmann::json verify_instance(const VerifyInput& input);

// The verdicts of every instance plus totals: {"ok", "clients", "failed", "instances": [...]}.
nlohmann::json verify_instances(const std::vector<VerifyInput>& inputs);

}  // namespace ixh::mock
