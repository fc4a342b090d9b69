// The `load` block of a scenario (core/load_spec.h) as the loader reads it.

#include "core/load_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/scenario_loader.h"

namespace ixh {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(IXH_SOURCE_DIR) + "/tests/testdata/scenarios/" + name;
}

TEST(LoadSpecTest, ReadsEveryField) {
  const Scenario s = load_scenario_file(Fixture("good/load_closed.json"));
  ASSERT_TRUE(s.load.has_value());
  EXPECT_EQ(s.load->vus, 10);
  EXPECT_EQ(s.load->think_ms, 100);
  EXPECT_EQ(s.load->duration_ms, 5000);
  EXPECT_EQ(s.load->warmup_ms, 1000);
  EXPECT_DOUBLE_EQ(s.load->weight, 2);
  ASSERT_EQ(s.load->thresholds.size(), 6u);
  EXPECT_EQ(s.load->thresholds[1].metric, "latency_corrected");
  EXPECT_FALSE(s.load->rate.has_value());

  const Scenario o = load_scenario_file(Fixture("good/load_open_stages.json"));
  ASSERT_TRUE(o.load.has_value());
  EXPECT_DOUBLE_EQ(*o.load->rate, 100);
  EXPECT_EQ(o.load->arrival, "poisson");
  EXPECT_EQ(o.load->max_inflight, 50);
  EXPECT_EQ(o.load->iterations, 1000);
  ASSERT_EQ(o.load->stages.size(), 2u);
  EXPECT_EQ(o.load->stages[0].duration_ms, 1000);
  EXPECT_DOUBLE_EQ(o.load->stages[0].target, 200);
}

TEST(LoadSpecTest, MixNamesFilesBesideItAndNeedsNoInteractions) {
  const Scenario m = load_scenario_file(Fixture("good/load_mix.json"));
  ASSERT_TRUE(m.load.has_value());
  EXPECT_TRUE(m.interactions.empty());
  EXPECT_TRUE(m.steps.empty());
  ASSERT_EQ(m.load->mix.size(), 2u);
  EXPECT_EQ(m.load->mix[0].file, Fixture("good/load_closed.json"));
  EXPECT_DOUBLE_EQ(m.load->mix[0].weight, 3);
  EXPECT_DOUBLE_EQ(m.load->mix[1].weight, 1);
}

void ExpectRejected(const std::string& name, const std::string& pointer,
                    const std::string& expected_part) {
  try {
    load_scenario_file(Fixture(name));
    ADD_FAILURE() << name << " was accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer(), pointer) << name;
    EXPECT_THAT(e.expected(), ::testing::HasSubstr(expected_part)) << name;
  }
}

TEST(LoadSpecTest, RejectsBadBlocksNamingTheField) {
  ExpectRejected("bad/load_unknown_key.json", "/load/users", "one of the keys \"vus\"");
  ExpectRejected("bad/load_vus_zero.json", "/load/vus", "an integer within 1..100000");
  ExpectRejected("bad/load_arrival_unknown.json", "/load/arrival", "\"constant\" or \"poisson\"");
  ExpectRejected("bad/load_threshold_unknown_metric.json", "/load/thresholds/0",
                 "unknown metric \"ttfx\"");
  ExpectRejected("bad/load_threshold_no_unit.json", "/load/thresholds/0", "needs a unit");
  ExpectRejected("bad/load_threshold_polls_with_unit.json", "/load/thresholds/1",
                 "polls is a count");
  ExpectRejected("bad/load_stage_missing_target.json", "/load/stages/0",
                 "exactly the keys \"duration_ms\" and \"target\"");
  ExpectRejected("bad/load_weight_zero.json", "/load/weight", "a number above 0");
  ExpectRejected("bad/load_mix_with_steps.json", "/steps", "no steps");
  ExpectRejected("bad/load_no_interactions_no_mix.json", "", "\"interactions\"");
  ExpectRejected("bad_loader_only/load_threshold_rate_over_100.json", "/load/thresholds/0",
                 "within 0..100%");
}

}  // namespace
}  // namespace ixh
