#include "mock_server/store.h"

#include <algorithm>

#include "core/scenario_loader.h"

namespace ixh::mock {
namespace {

// Floor division, so back-dated instances before timeline zero still get the right wall time.
std::int64_t floor_ms(std::int64_t us) { return us >= 0 ? us / 1000 : -((-us + 999) / 1000); }

}  // namespace

Store::Store(MockClock& clock, std::uint64_t seed, std::int64_t start_unix_ms)
    : clock_(clock), seed_(seed), start_unix_ms_(start_unix_ms) {}

void Store::load(const std::vector<Scenario>& scenarios, bool replace) {
  std::lock_guard lock(mu_);
  std::vector<Scenario> next;
  for (const Scenario& s : scenarios_) {
    const bool replaced =
        replace && std::any_of(scenarios.begin(), scenarios.end(),
                               [&](const Scenario& n) { return n.name == s.name; });
    if (!replaced) next.push_back(s);
  }
  next.insert(next.end(), scenarios.begin(), scenarios.end());
  validate_scenario_set(next);
  std::map<std::string, std::shared_ptr<const CompiledTemplate>> compiled;
  for (const Scenario& s : next) {
    for (const InteractionTemplate& t : s.interactions)
      compiled[t.name] = compile_template(t, seed_);
  }
  scenarios_ = std::move(next);
  templates_ = std::move(compiled);
}

std::shared_ptr<Instance> Store::touch(const std::string& id, Lookup& lookup) {
  return touch(id, lookup, clock_.now_us());
}

std::shared_ptr<Instance> Store::touch(const std::string& id, Lookup& lookup, std::int64_t now) {
  const std::size_t dot = id.find('.');
  const std::string name = id.substr(0, dot);
  const std::string suffix = dot == std::string::npos ? std::string() : id.substr(dot + 1);
  std::lock_guard lock(mu_);
  return touch_locked(id, name, suffix, now, lookup, 0);
}

std::shared_ptr<Instance> Store::touch_locked(const std::string& id, const std::string& name,
                                              const std::string& suffix, std::int64_t created_us,
                                              Lookup& lookup, int depth) {
  const auto tmpl = templates_.find(name);
  if (tmpl == templates_.end()) {
    lookup = Lookup::kUnknown;
    return nullptr;
  }
  if (!tmpl->second->tmpl.store) {
    lookup = Lookup::kNotStored;
    return nullptr;
  }
  lookup = Lookup::kFound;
  if (auto it = instances_.find(id); it != instances_.end()) return it->second;

  auto inst = std::make_shared<Instance>();
  inst->id = id;
  inst->compiled = tmpl->second;
  inst->created_us = created_us;
  inst->view.id = id;
  inst->view.create_time_ms = start_unix_ms_ + floor_ms(created_us);
  if (const auto& prev = tmpl->second->tmpl.previous; prev && depth < 64) {
    const std::string prev_id = suffix.empty() ? *prev : *prev + "." + suffix;
    inst->view.previous_interaction_id = prev_id;
    // The previous turn finished before this one began: back-date it by its own duration.
    if (auto p = templates_.find(*prev); p != templates_.end()) {
      const std::int64_t duration_us = std::max<std::int64_t>(p->second->terminal_ms, 0) * 1000;
      Lookup ignored;
      touch_locked(prev_id, *prev, suffix, created_us - duration_us - 1000, ignored, depth + 1);
    }
  }
  instances_.emplace(id, inst);
  return inst;
}

void Store::reset() {
  std::lock_guard lock(mu_);
  instances_.clear();
}

std::vector<std::shared_ptr<const Instance>> Store::instances() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const Instance>> out;
  out.reserve(instances_.size());
  for (const auto& [id, inst] : instances_) out.push_back(inst);
  return out;
}

std::size_t Store::instance_count() const {
  std::lock_guard lock(mu_);
  return instances_.size();
}

nlohmann::json Store::describe_scenarios() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const Scenario& s : scenarios_) {
    nlohmann::json names = nlohmann::json::array();
    for (const InteractionTemplate& t : s.interactions) names.push_back(t.name);
    out.push_back({{"name", s.name},
                   {"file", s.file},
                   {"sha256", s.sha256},
                   {"description", s.description},
                   {"interactions", std::move(names)}});
  }
  return out;
}

nlohmann::json Store::describe_instances() const {
  const std::int64_t now = clock_.now_us();
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, inst] : instances_) {
    const std::size_t n = visible_events(*inst->compiled, now - inst->created_us);
    const Event* last = n > 0 ? &inst->compiled->events[n - 1] : nullptr;
    out.push_back({{"id", id},
                   {"template", inst->compiled->tmpl.name},
                   {"created_ms", floor_ms(inst->created_us)},
                   {"state", std::string(to_string(last ? last->state : State::kPending))},
                   {"events_emitted", n},
                   {"events_total", inst->compiled->events.size()},
                   {"get_attempts", inst->get_attempts.load()},
                   {"stream_attempts", inst->stream_attempts.load()}});
  }
  std::sort(out.begin(), out.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a["id"] < b["id"]; });
  return out;
}

}  // namespace ixh::mock
