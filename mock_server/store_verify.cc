#include "mock_server/store_verify.h"

#include <algorithm>

namespace ixh::mock {

nlohmann::json verify_store(const Store& store, Dialect dialect) {
  std::vector<std::shared_ptr<const Instance>> instances = store.instances();
  std::sort(instances.begin(), instances.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  std::vector<VerifyInput> inputs;
  for (const auto& inst : instances) {
    if (inst->history.empty()) continue;
    VerifyInput in;
    in.instance = inst->id;
    const CompiledTemplate& c = *inst->compiled;
    in.event_ids.reserve(c.events.size());
    for (const Event& e : c.events) in.event_ids.push_back(e.id);
    in.final_event = c.events.empty() ? 0 : c.events.size() - 1;
    in.attempts = inst->history.snapshot();
    in.genai_frames = dialect == Dialect::kGenai;
    inputs.push_back(std::move(in));
  }
  return verify_instances(inputs);
}

}  // namespace ixh::mock
