// Threshold parsing (core/threshold.h) and evaluation (reports/thresholds.h).

#include "core/threshold.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "reports/thresholds.h"

namespace ixh {
namespace {

using ::testing::HasSubstr;

Threshold Parse(const std::string& text) {
  std::string error;
  const auto t = parse_threshold(text, error);
  EXPECT_TRUE(t.has_value()) << text << ": " << error;
  return t.value_or(Threshold{});
}

std::string ErrorOf(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_threshold(text, error).has_value()) << text;
  return error;
}

TEST(ThresholdParseTest, PercentilesOfMetricsWithUnits) {
  Threshold t = Parse("p99(ttfe)<250ms");
  EXPECT_EQ(t.kind, Threshold::Kind::kPercentile);
  EXPECT_EQ(t.statistic, "p99");
  EXPECT_EQ(t.metric, "ttfe");
  EXPECT_EQ(t.step_kind, "");
  EXPECT_EQ(t.op, Threshold::Op::kLt);
  EXPECT_DOUBLE_EQ(t.value, 250'000);
  t = Parse("  p999(stream.latency_corrected) <= 1.5s ");
  EXPECT_EQ(t.expression, "p999(stream.latency_corrected) <= 1.5s");
  EXPECT_EQ(t.step_kind, "stream");
  EXPECT_EQ(t.metric, "latency_corrected");
  EXPECT_EQ(t.op, Threshold::Op::kLe);
  EXPECT_DOUBLE_EQ(t.value, 1'500'000);
  t = Parse("max(schedule_lag)>=800us");
  EXPECT_EQ(t.op, Threshold::Op::kGe);
  EXPECT_DOUBLE_EQ(t.value, 800);
  EXPECT_EQ(Parse("mean(poll_to_terminal)>1ms").op, Threshold::Op::kGt);
  for (const char* s :
       {"p50(latency)<1ms", "p90(ttfb)<1ms", "p95(ttft)<1ms", "p99(inter_event_gap)<1ms",
        "min(iteration.iteration_duration)<1s", "p99(resume_latency_corrected)<2s"}) {
    Parse(s);
  }
}

TEST(ThresholdParseTest, CountMetricsTakeAPlainNumber) {
  Threshold t = Parse("p99(polls)<20");
  EXPECT_EQ(t.kind, Threshold::Kind::kPercentile);
  EXPECT_EQ(t.statistic, "p99");
  EXPECT_EQ(t.metric, "polls");
  EXPECT_DOUBLE_EQ(t.value, 20);
  t = Parse("max(poll.polls)<=8");
  EXPECT_EQ(t.step_kind, "poll");
  EXPECT_DOUBLE_EQ(t.value, 8);
  EXPECT_TRUE(is_count_metric("polls"));
  EXPECT_FALSE(is_count_metric("poll_to_terminal"));
  EXPECT_THAT(ErrorOf("p99(polls)<20ms"), HasSubstr("polls is a count"));
  // A count is not measured from a start: there is no corrected form.
  EXPECT_THAT(ErrorOf("p99(polls_corrected)<20"), HasSubstr("unknown metric"));
  EXPECT_THAT(ErrorOf("p99(pollz)<20"), HasSubstr("unknown metric \"pollz\""));
  EXPECT_THAT(ErrorOf("polls<20"), HasSubstr("unknown metric or counter"));
}

TEST(ThresholdParseTest, RatesAndCounters) {
  Threshold t = Parse("rate(errors)<0.1%");
  EXPECT_EQ(t.kind, Threshold::Kind::kRate);
  EXPECT_DOUBLE_EQ(t.value, 0.001);
  t = Parse("checks>=100%");
  EXPECT_EQ(t.kind, Threshold::Kind::kRate);
  EXPECT_EQ(t.metric, "checks");
  EXPECT_DOUBLE_EQ(t.value, 1.0);
  EXPECT_DOUBLE_EQ(Parse("rate(dropped)<=0.05").value, 0.05);
  t = Parse("requests>1000");
  EXPECT_EQ(t.kind, Threshold::Kind::kCounter);
  EXPECT_DOUBLE_EQ(t.value, 1000);
  EXPECT_EQ(Parse("errors.timeout<1").metric, "errors.timeout");
  EXPECT_EQ(Parse("dropped<1").kind, Threshold::Kind::kCounter);
}

TEST(ThresholdParseTest, RejectsMalformedAndUnknown) {
  EXPECT_THAT(ErrorOf("p99(ttfx)<250ms"), HasSubstr("unknown metric \"ttfx\""));
  EXPECT_THAT(ErrorOf("p99(inter_event_gap_corrected)<1ms"), HasSubstr("unknown metric"));
  EXPECT_THAT(ErrorOf("p98(ttfe)<250ms"), HasSubstr("unknown function \"p98\""));
  EXPECT_THAT(ErrorOf("p99(bogus.ttfe)<250ms"), HasSubstr("unknown step kind"));
  EXPECT_THAT(ErrorOf("p99(ttfe)<250"), HasSubstr("needs a unit"));
  EXPECT_THAT(ErrorOf("p99(ttfe)<250min"), HasSubstr("needs a unit"));
  EXPECT_THAT(ErrorOf("p99(ttfe)"), HasSubstr("not SUBJECT OP VALUE"));
  EXPECT_THAT(ErrorOf("p99(ttfe<1ms"), HasSubstr("missing ')'"));
  EXPECT_THAT(ErrorOf("rate(requests)<1%"), HasSubstr("rate() takes"));
  EXPECT_THAT(ErrorOf("rate(errors)<101%"), HasSubstr("within 0..100%"));
  EXPECT_THAT(ErrorOf("rate(errors)<1ms"), HasSubstr("a rate is a fraction"));
  EXPECT_THAT(ErrorOf("requests>1k"), HasSubstr("plain number"));
  EXPECT_THAT(ErrorOf("latency<1ms"), HasSubstr("unknown metric or counter"));
  EXPECT_THAT(ErrorOf("p99(ttfe)<-1ms"), HasSubstr("non-negative number"));
  EXPECT_THAT(ErrorOf("errors.nope<1"), HasSubstr("unknown metric or counter"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("not SUBJECT OP VALUE"));
}

RunReport Sample() {
  RunReport r;
  // Values below 2048 us are exact in the histogram.
  for (std::int64_t v = 1; v <= 100; ++v) r.metrics["stream"]["ttfe"].record(v * 10);
  for (std::int64_t v = 1; v <= 100; ++v) r.metrics["get"]["ttfe"].record(v);
  r.counters.requests = 2000;
  r.counters.errors["timeout"] = 1;
  r.counters.checks_passed = 99;
  r.counters.checks_failed = 1;
  LoadReport l;
  l.arrivals = 1000;
  l.dropped = 20;
  l.iterations = 980;
  r.load = l;
  return r;
}

std::vector<ThresholdResult> Eval(const RunReport& r, const std::vector<std::string>& texts) {
  std::vector<SourcedThreshold> ts;
  for (const std::string& t : texts) ts.push_back({Parse(t), "cli"});
  return evaluate_thresholds(r, ts);
}

TEST(ThresholdEvalTest, PercentilesOverOneOrEveryStepKind) {
  const auto res =
      Eval(Sample(), {"p99(stream.ttfe)<1ms", "p99(stream.ttfe)<990us", "max(stream.ttfe)<=1ms",
                      "p50(ttfe)<100us", "mean(stream.ttfe)>0.5ms"});
  ASSERT_EQ(res.size(), 5u);
  EXPECT_TRUE(res[0].passed);
  EXPECT_EQ(res[0].actual, "990us");
  EXPECT_FALSE(res[1].passed);
  EXPECT_TRUE(res[2].passed);
  EXPECT_EQ(res[2].actual, "1ms");
  // Over both kinds: 1..100 us and 10..1000 us; the 100th smallest of the 200 is 91 us.
  EXPECT_TRUE(res[3].passed);
  EXPECT_EQ(res[3].actual, "91us");
  EXPECT_TRUE(res[4].passed);
  EXPECT_EQ(res[4].actual, "505us");
  EXPECT_EQ(res[4].source, "cli");
}

TEST(ThresholdEvalTest, PercentilesOfCountsAreCounts) {
  RunReport r;
  for (std::int64_t polls : {1, 2, 2, 3, 3, 3, 4, 4, 5, 12})
    r.metrics["poll"]["polls"].record(polls);
  const auto res = Eval(r, {"p50(polls)<=3", "p99(polls)<10", "max(poll.polls)<=12",
                            "mean(polls)>3.5", "p50(stream.polls)<1"});
  ASSERT_EQ(res.size(), 5u);
  EXPECT_TRUE(res[0].passed);
  EXPECT_EQ(res[0].actual, "3");
  EXPECT_FALSE(res[1].passed);
  EXPECT_EQ(res[1].actual, "12");
  EXPECT_TRUE(res[2].passed);
  EXPECT_TRUE(res[3].passed);
  EXPECT_EQ(res[3].actual, "3.9");
  EXPECT_FALSE(res[4].passed);
  EXPECT_EQ(res[4].actual, "no samples of stream.polls");
}

TEST(ThresholdEvalTest, RatesCountersAndMissingData) {
  const auto res = Eval(Sample(), {"rate(errors)<0.1%", "rate(errors)<0.01%", "checks>=100%",
                                   "checks>=99%", "rate(dropped)<=2%", "dropped<20",
                                   "errors.timeout<2", "p99(ttft)<1s", "iterations>=980"});
  EXPECT_TRUE(res[0].passed);
  EXPECT_EQ(res[0].actual, "0.05%");
  EXPECT_FALSE(res[1].passed);
  EXPECT_FALSE(res[2].passed);
  EXPECT_EQ(res[2].actual, "99%");
  EXPECT_TRUE(res[3].passed);
  EXPECT_TRUE(res[4].passed);
  EXPECT_EQ(res[4].actual, "2%");
  EXPECT_FALSE(res[5].passed);
  EXPECT_EQ(res[5].actual, "20");
  EXPECT_TRUE(res[6].passed);
  // A metric without samples cannot pass.
  EXPECT_FALSE(res[7].passed);
  EXPECT_THAT(res[7].actual, HasSubstr("no samples of ttft"));
  EXPECT_TRUE(res[8].passed);
}

}  // namespace
}  // namespace ixh
