#include "mock_server/journal.h"

namespace ixh::mock {

std::uint64_t Journal::begin(JournalEntry entry) {
  std::lock_guard lock(mu_);
  entry.seq = next_seq_++;
  const std::uint64_t seq = entry.seq;
  if (capacity_ == 0) {
    ++dropped_;
    return seq;
  }
  if (entries_.size() == capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  entries_.push_back(std::move(entry));
  return seq;
}

void Journal::finish(std::uint64_t seq, int status, std::uint64_t events, std::uint64_t bytes,
                     const std::string& ended, double duration_ms) {
  std::lock_guard lock(mu_);
  if (entries_.empty() || seq < entries_.front().seq || seq > entries_.back().seq) return;
  JournalEntry& e = entries_[static_cast<std::size_t>(seq - entries_.front().seq)];
  e.status = status;
  e.events_sent = events;
  e.bytes_sent = bytes;
  e.ended = ended;
  e.duration_ms = duration_ms;
}

nlohmann::json Journal::to_json(std::uint64_t since) const {
  std::lock_guard lock(mu_);
  nlohmann::json list = nlohmann::json::array();
  for (const JournalEntry& e : entries_) {
    if (e.seq <= since) continue;
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [k, v] : e.headers) headers[k] = v;
    nlohmann::json j = {{"seq", e.seq},
                        {"method", e.method},
                        {"path", e.path},
                        {"query", e.query},
                        {"headers", std::move(headers)},
                        {"remote", e.remote},
                        {"accept_unix_ms", e.accept_unix_ms},
                        {"instance", e.instance},
                        {"stream", e.stream},
                        {"attempt", e.attempt},
                        {"status", e.status},
                        {"events_sent", e.events_sent},
                        {"bytes_sent", e.bytes_sent},
                        {"ended", e.ended},
                        {"duration_ms", e.duration_ms}};
    if (!e.fault.is_null()) j["fault"] = e.fault;
    if (!e.last_event_id.empty()) j["last_event_id"] = e.last_event_id;
    list.push_back(std::move(j));
  }
  return {{"entries", std::move(list)}, {"next_seq", next_seq_}, {"dropped", dropped_}};
}

void Journal::clear() {
  std::lock_guard lock(mu_);
  dropped_ = 0;
  entries_.clear();
}

}  // namespace ixh::mock
