#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/scenario.h"
#include "mock_server/mock_clock.h"
#include "mock_server/stream_verify.h"
#include "mock_server/timeline.h"

namespace ixh::mock {

// One live copy of a template, created on first touch; its timeline starts then.
struct Instance {
  std::string id;
  std::shared_ptr<const CompiledTemplate> compiled;
  std::int64_t created_us = 0;  // on the MockClock; earlier than now for back-dated ancestors
  InstanceView view;            // what the wire shows of it
  // Requests seen for this instance, counted from 1 by kind; faults select on these.
  std::atomic<int> get_attempts{0};
  std::atomic<int> stream_attempts{0};
  StreamHistory history;  // every stream request, for GET /_mock/verify

  // The last JSON body encoded for a GET, with and without include_input, and how many events it
  // shows: polling clients ask for the same state over and over, and encoding it was half the
  // CPU of a GET. Filled by encode_snapshot_cached (dialect_encoding.h) on request threads.
  struct CachedSnapshot {
    std::size_t visible = 0;
    std::shared_ptr<const std::string> body;
  };
  mutable std::mutex snapshot_mu;
  mutable CachedSnapshot snapshots[2];  // [include_input]
};

// Templates and their instances. Request threads call touch() concurrently; the admin API calls
// load() and reset(). Internally locked.
class Store {
 public:
  // `start_unix_ms` is the wall time shown for timeline time 0.
  Store(MockClock& clock, std::uint64_t seed, std::int64_t start_unix_ms);

  // Compiles and adds scenarios. With `replace`, scenarios of the same name are dropped first.
  // The whole set must still validate (unique template names, previous links); otherwise throws
  // ScenarioError and nothing changes.
  void load(const std::vector<Scenario>& scenarios, bool replace);

  enum class Lookup { kFound, kUnknown, kNotStored };
  // Finds the instance for `id` (`name` or `name.<suffix>`), creating it and the instances of
  // its `previous` chain when absent. Ancestors are back-dated so they finish before it starts.
  std::shared_ptr<Instance> touch(const std::string& id, Lookup& lookup);
  // The same at mock time `now_us`: a request handler passes the time it read once, so a first
  // touch and the snapshot it answers are taken at one instant however long the thread is
  // preempted between them.
  std::shared_ptr<Instance> touch(const std::string& id, Lookup& lookup, std::int64_t now_us);

  // Drops every instance (timelines restart on next touch) and every attempt counter.
  void reset();

  std::size_t instance_count() const;
  // Every instance now, in no particular order. Any thread.
  std::vector<std::shared_ptr<const Instance>> instances() const;
  nlohmann::json describe_scenarios() const;
  nlohmann::json describe_instances() const;
  MockClock& clock() { return clock_; }

 private:
  std::shared_ptr<Instance> touch_locked(const std::string& id, const std::string& name,
                                         const std::string& suffix, std::int64_t created_us,
                                         Lookup& lookup, int depth);

  MockClock& clock_;
  const std::uint64_t seed_;
  const std::int64_t start_unix_ms_;
  mutable std::mutex mu_;
  std::vector<Scenario> scenarios_;
  std::map<std::string, std::shared_ptr<const CompiledTemplate>> templates_;
  std::unordered_map<std::string, std::shared_ptr<Instance>> instances_;
};

}  // namespace ixh::mock
