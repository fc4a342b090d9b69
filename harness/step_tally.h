#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reports/run_report.h"

namespace ixh {

// The steps of every iteration of one scenario in a load run, folded together so a run of a
// million iterations reports each step once: per check, how often it passed and failed, and the
// first failure in full. Owned by one worker; the runner merges the workers' tallies after they
// joined.
class ScenarioTally {
 public:
  // Folds one iteration's step reports in.
  void add(const ScenarioReport& iteration);
  void merge(const ScenarioTally& other);
  // One StepReport per step: a failing check shows its first failure, with the tally appended
  // to `actual`; a passing check says in how many iterations it passed.
  void write_steps(ScenarioReport& out) const;
  std::uint64_t iterations() const { return iterations_; }

 private:
  struct CheckTally {
    std::string name;
    std::uint64_t passed = 0;
    std::uint64_t failed = 0;
    std::optional<CheckRecord> first_failure;
    CheckRecord example;  // a passing record, for the check's expected/where
  };
  struct StepTally {
    std::size_t index = 0;
    std::string kind;
    std::string pointer;
    std::string interaction;  // the first instance seen
    std::uint64_t runs = 0;
    double total_ms = 0;
    std::vector<CheckTally> checks;  // in first-seen order
  };
  StepTally& step(std::size_t index, const StepReport& like);
  static CheckTally& check(StepTally& s, const std::string& name);

  std::vector<StepTally> steps_;  // by step index
  std::uint64_t iterations_ = 0;
};

}  // namespace ixh
