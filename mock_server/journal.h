#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ixh::mock {

// One request as the mock saw it, for users who assert on what their client sent.
struct JournalEntry {
  std::uint64_t seq = 0;  // assigned by Journal::begin, counted from 1
  std::string method;
  std::string path;                                          // raw, as sent (still percent-encoded)
  std::string query;                                         // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // the ones worth asserting on
  std::string remote;                                        // "addr:port"
  std::int64_t accept_unix_ms = 0;
  std::string instance;  // empty when the request named no instance
  bool stream = false;
  int attempt = 0;  // n-th request of its kind (get or stream) for the instance
  int status = 0;
  nlohmann::json fault;       // scripted fault applied: {"kind", parameters}; null for none
  std::string last_event_id;  // what a stream resumed after
  std::uint64_t events_sent = 0;
  std::uint64_t bytes_sent = 0;
  // "complete" (whole response written), "in_progress", "client_closed", "server_stopped",
  // "write_failed", and the endings faults cause: "cut", "reset", "stalled_then_complete",
  // "malformed_chunk", "garbage", "empty_reply" (docs/mock.md).
  std::string ended = "in_progress";
  double duration_ms = 0;
};

// Bounded request journal. Request threads call begin()/finish(); the admin API reads it.
class Journal {
 public:
  explicit Journal(std::size_t capacity) : capacity_(capacity) {}

  // Records a new request and returns its sequence number.
  std::uint64_t begin(JournalEntry entry);
  // Completes the entry `seq` if it is still held (old entries fall off the front).
  void finish(std::uint64_t seq, int status, std::uint64_t events, std::uint64_t bytes,
              const std::string& ended, double duration_ms);
  // Entries with seq > since, oldest first, plus totals.
  nlohmann::json to_json(std::uint64_t since) const;
  void clear();

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::deque<JournalEntry> entries_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace ixh::mock
