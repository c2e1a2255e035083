// Statistics of laborsim-analyze against answers computed by hand.
#include "laborsim/analysis/stats.hpp"

#include <gtest/gtest.h>

using namespace laborsim::analysis;

TEST(KaplanMeier, HandComputedWithCensoringAndTies) {
  // durations 1 2 2 3 4 5, events 1 1 0 1 0 1 (0 = censored).
  // t=1: 6 at risk, 1 event -> 5/6; t=2: 5 at risk (the one censored at 2 still counts),
  // 1 event -> 5/6*4/5 = 2/3; t=3: 3 at risk -> 2/3*2/3 = 4/9; t=4 censored;
  // t=5: 1 at risk, 1 event -> 0.
  const KaplanMeier km = kaplan_meier({1, 2, 2, 3, 4, 5}, {1, 1, 0, 1, 0, 1});
  ASSERT_EQ(km.times.size(), 4u);
  EXPECT_DOUBLE_EQ(km.at(0.5), 1.0);
  EXPECT_DOUBLE_EQ(km.at(1), 5.0 / 6);
  EXPECT_DOUBLE_EQ(km.at(2), 2.0 / 3);
  EXPECT_DOUBLE_EQ(km.at(2.5), 2.0 / 3);
  EXPECT_DOUBLE_EQ(km.at(3), 4.0 / 9);
  EXPECT_DOUBLE_EQ(km.at(4.9), 4.0 / 9);
  EXPECT_DOUBLE_EQ(km.at(5), 0.0);
  EXPECT_DOUBLE_EQ(km.median(), 3.0);
  EXPECT_EQ(km.at_risk[1], 5);
}

TEST(KaplanMeier, AllCensoredNeverDrops) {
  const KaplanMeier km = kaplan_meier({3, 4, 5}, {0, 0, 0});
  EXPECT_DOUBLE_EQ(km.at(5), 1.0);
  EXPECT_TRUE(std::isnan(km.median()));
}

// Beyond the longest follow-up, when that observation is censored, nobody is observed:
// S is unknown there (NaN), not its last value carried on. When the longest observation
// is an event, S is 0 from there on and known at any t.
TEST(KaplanMeier, UnknownBeyondTheLongestCensoredFollowUp) {
  const KaplanMeier censored_last = kaplan_meier({1, 2, 4}, {1, 0, 0});
  EXPECT_DOUBLE_EQ(censored_last.horizon, 4);
  EXPECT_DOUBLE_EQ(censored_last.at(4), 2.0 / 3);
  EXPECT_TRUE(std::isnan(censored_last.at(4.5)));
  EXPECT_TRUE(std::isnan(censored_last.at(24)));

  const KaplanMeier event_last = kaplan_meier({1, 2, 5, 5}, {1, 0, 1, 0});  // a tie: event and censored at 5
  EXPECT_DOUBLE_EQ(event_last.horizon, 5);
  EXPECT_DOUBLE_EQ(event_last.at(5), 0.75 * 0.5);
  EXPECT_TRUE(std::isnan(event_last.at(6)));

  const KaplanMeier all_events = kaplan_meier({1, 3}, {1, 1});
  EXPECT_TRUE(std::isinf(all_events.horizon));
  EXPECT_DOUBLE_EQ(all_events.at(100), 0.0);

  const KaplanMeier none = kaplan_meier({}, {});
  EXPECT_TRUE(std::isnan(none.at(0)));
}

TEST(KaplanMeier, WithoutCensoringIsTheEmpiricalDistribution) {
  const KaplanMeier km = kaplan_meier({1, 1, 2, 4}, {1, 1, 1, 1});
  EXPECT_DOUBLE_EQ(km.at(1), 0.5);
  EXPECT_DOUBLE_EQ(km.at(3), 0.25);
  EXPECT_DOUBLE_EQ(km.median(), 1.0);
}

TEST(Intervals, MeanWithStudentT) {
  Eigen::VectorXd x(5);
  x << 1, 2, 3, 4, 5;
  // sd = sqrt(2.5); t(0.975, 4) = 2.776445; half-width = 2.776445 * 1.581139 / sqrt(5)
  const Interval i = mean_interval(x);
  EXPECT_DOUBLE_EQ(i.mean, 3.0);
  EXPECT_NEAR(i.hi - i.mean, 1.963243, 1e-5);
  EXPECT_NEAR(i.mean - i.lo, 1.963243, 1e-5);
  EXPECT_EQ(i.n, 5);
}

TEST(Intervals, NonFiniteValuesAreLeftOut) {
  Eigen::VectorXd x(3);
  x << 2, std::nan(""), 4;
  const Interval i = mean_interval(x);
  EXPECT_EQ(i.n, 2);
  EXPECT_DOUBLE_EQ(i.mean, 3.0);
}

TEST(Intervals, PairedDifference) {
  Eigen::VectorXd a(3), b(3);
  a << 1, 2, 3;
  b << 2, 4, 5;
  // d = 1 2 2: mean 5/3, sd = 0.57735, t(0.975, 2) = 4.302653, half = 1.434218
  const Interval d = paired_difference(a, b);
  EXPECT_NEAR(d.mean, 5.0 / 3, 1e-12);
  EXPECT_NEAR(d.lo, 5.0 / 3 - 1.434218, 1e-5);
  EXPECT_NEAR(d.hi, 5.0 / 3 + 1.434218, 1e-5);
  EXPECT_TRUE(d.excludes_zero());
  // Large common noise cancels in pairs: unpaired, the same means are indistinguishable.
  Eigen::VectorXd c(4), e(4);
  c << 10, 50, 90, 130;
  e << 11, 51.2, 90.9, 131.1;
  EXPECT_TRUE(paired_difference(c, e).excludes_zero());
  EXPECT_FALSE(welch_difference(c, e).excludes_zero());
}

TEST(Intervals, WelchDifference) {
  Eigen::VectorXd a(4), b(5);
  a << 1, 2, 3, 4;
  b << 2, 3, 4, 5, 6;
  // diff 1.5; se^2 = (5/3)/4 + 2.5/5 = 0.916667; df = 6.9808; t(0.975, 6.98) = 2.3653
  const Interval d = welch_difference(a, b);
  EXPECT_DOUBLE_EQ(d.mean, 1.5);
  EXPECT_NEAR(d.hi - d.mean, 2.3653 * 0.957427, 2e-3);
  EXPECT_FALSE(d.excludes_zero());
}

TEST(Quantile, LinearInterpolation) {
  Eigen::VectorXd x(4);
  x << 4, 1, 3, 2;
  EXPECT_DOUBLE_EQ(quantile(x, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile(x, 0.05), 1.15);
  EXPECT_DOUBLE_EQ(quantile(x, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile(x, 0.0), 1.0);
}
