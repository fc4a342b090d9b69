#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/check.h"

namespace ixh {

// The base of every check in harness/: it keeps a bug in one judgement from throwing into the
// virtual user's loop. The virtual user calls evaluate() on its worker thread once a step is
// over (see Check); evaluate() calls run(), and an exception escaping run() becomes one failed
// record ("the check to complete", "internal error: <what>", where: the interaction id) after
// the records run() appended so far. evaluate() itself never throws.
class CheckBase : public Check {
 public:
  // `check_name` must outlive the check: the names are string constants (harness/checks.h).
  explicit CheckBase(std::string_view check_name) : name_(check_name) {}
  std::string_view name() const final { return name_; }
  void evaluate(const StepObservation& observation, std::vector<CheckRecord>& out) const final;

 protected:
  // The judgement itself: appends one record per thing judged. May throw; evaluate() catches.
  virtual void run(const StepObservation& observation, std::vector<CheckRecord>& out) const = 0;

  // Appends a record under this check's name.
  void record(std::vector<CheckRecord>& out, bool passed, std::string expected, std::string actual,
              std::string where) const {
    out.push_back(
        {std::string(name_), passed, std::move(expected), std::move(actual), std::move(where)});
  }

 private:
  std::string_view name_;
};

}  // namespace ixh
