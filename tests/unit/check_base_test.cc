#include "harness/check_base.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/checks.h"

namespace ixh {
namespace {

using Records = std::vector<CheckRecord>;

constexpr std::string_view kName = "test.throwing";

// Records one pass, then fails the way a bug in a judgement would.
class ThrowingCheck final : public CheckBase {
 public:
  ThrowingCheck() : CheckBase(kName) {}

 private:
  void run(const StepObservation&, Records& out) const override {
    record(out, true, "something", "something", "before the throw");
    throw std::out_of_range("index 7 out of range");
  }
};

class PassingCheck final : public CheckBase {
 public:
  PassingCheck() : CheckBase(kName) {}

 private:
  void run(const StepObservation& o, Records& out) const override {
    record(out, true, "the expected text", "the actual text", "at " + o.interaction_id);
  }
};

StepObservation Observation() {
  StepObservation o;
  o.interaction_id = "story.u1";
  return o;
}

TEST(CheckBaseTest, NamesItsRecordsAfterTheCheck) {
  const PassingCheck check;
  Records out;
  check.evaluate(Observation(), out);
  EXPECT_EQ(check.name(), kName);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].check, kName);
  EXPECT_TRUE(out[0].passed);
  EXPECT_EQ(out[0].expected, "the expected text");
  EXPECT_EQ(out[0].actual, "the actual text");
  EXPECT_EQ(out[0].where, "at story.u1");
}

TEST(CheckBaseTest, AThrowingJudgementBecomesAFailedRecordAfterWhatItRecorded) {
  const ThrowingCheck check;
  Records out;
  EXPECT_NO_THROW(check.evaluate(Observation(), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].passed);
  EXPECT_EQ(out[0].where, "before the throw");
  EXPECT_EQ(out[1].check, kName);
  EXPECT_FALSE(out[1].passed);
  EXPECT_EQ(out[1].expected, "the check to complete");
  EXPECT_EQ(out[1].actual, "internal error: index 7 out of range");
  EXPECT_EQ(out[1].where, "story.u1");
}

TEST(CheckBaseTest, EveryCheckOfARunSharesTheBase) {
  // The wrapper above is what keeps each of them from throwing into the virtual user's loop.
  for (const auto& check : run_checks({})) {
    EXPECT_NE(dynamic_cast<const CheckBase*>(check.get()), nullptr) << check->name();
  }
}

}  // namespace
}  // namespace ixh
