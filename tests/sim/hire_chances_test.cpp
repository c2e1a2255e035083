// Employers' weights change who is hired, never how many (laborsim/hire_chances.hpp):
// every chance in [0, 1], summing to rate x applicants, proportional to the weight
// wherever it is below 1. Expected values worked by hand in the comments.
#include "laborsim/hire_chances.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace laborsim {
namespace {

double total(const HireChances& chance, const std::vector<double>& w) {
  double s = 0;
  for (double x : w) s += chance(x);
  return s;
}

TEST(HireChances, BelowOneEachChanceIsTheRateTimesTheWeightOverTheMean) {
  // Mean weight 2.5; the heaviest's chance 0.2 x 4 / 2.5 = 0.32 stays below 1.
  const std::vector<double> w{1, 2, 3, 4};
  const HireChances chance(w, 0.2);
  for (double x : w) EXPECT_DOUBLE_EQ(chance(x), 0.2 * x / 2.5);
  EXPECT_NEAR(total(chance, w), 0.8, 1e-12);
}

TEST(HireChances, AHeavyApplicantIsCertainAndTheOthersShareWhatIsLeft) {
  // rate 0.5 x 5 applicants = 2.5 hires; scaled plainly the heaviest would get
  // 0.5 x 10 / 2.8 = 1.79. It gets 1, the four others (2.5 - 1) / 4 = 0.375 each.
  const std::vector<double> one{10, 1, 1, 1, 1};
  const HireChances a(one, 0.5);
  EXPECT_DOUBLE_EQ(a(10), 1.0);
  EXPECT_DOUBLE_EQ(a(1), 0.375);
  EXPECT_NEAR(total(a, one), 2.5, 1e-12);
  // Two capped: rate 0.6 x 4 = 2.4 hires over weights 8, 6, 1, 1. With c = 2.4 / 16 the
  // 8 would pass 1; with the 8 certain, c = 1.4 / 8 and the 6 would still pass 1
  // (1.05); with both certain, c = 0.4 / 2 = 0.2.
  const std::vector<double> two{1, 8, 1, 6};
  const HireChances b(two, 0.6);
  EXPECT_DOUBLE_EQ(b(8), 1.0);
  EXPECT_DOUBLE_EQ(b(6), 1.0);
  EXPECT_DOUBLE_EQ(b(1), 0.2);
  EXPECT_NEAR(total(b, two), 2.4, 1e-12);
}

TEST(HireChances, TheLimitsHireNoOneOrEveryone) {
  const std::vector<double> w{0.5, 3, 7};
  const HireChances none(w, 0.0), all(w, 1.0);
  for (double x : w) {
    EXPECT_EQ(none(x), 0.0);
    EXPECT_EQ(all(x), 1.0);
  }
  // Equal weights: everyone at the rate, even at a rate near 1.
  const std::vector<double> same(50, 2.0);
  EXPECT_DOUBLE_EQ(HireChances(same, 0.97)(2.0), 0.97);
}

TEST(HireChances, RandomWeightsKeepTheHiresAndTheOrderOfTheWeights) {
  std::mt19937_64 gen(20261205);
  for (int trial = 0; trial < 500; ++trial) {
    const int n = std::uniform_int_distribution<int>(1, 400)(gen);
    const double sd = std::uniform_real_distribution<double>(0.0, 3.0)(gen);
    const double rate = std::uniform_real_distribution<double>(0.0, 1.0)(gen);
    std::lognormal_distribution<double> weight(0.0, sd);
    std::vector<double> w(static_cast<size_t>(n));
    for (double& x : w) x = weight(gen);
    const HireChances chance(w, rate);
    EXPECT_NEAR(total(chance, w), rate * n, 1e-9 * n) << "trial " << trial;
    std::vector<double> sorted(w);
    std::sort(sorted.begin(), sorted.end());
    double below_one_ratio = -1;  // chance / weight, the same for every chance below 1
    for (size_t i = 0; i < sorted.size(); ++i) {
      const double c = chance(sorted[i]);
      ASSERT_GE(c, 0.0);
      ASSERT_LE(c, 1.0);
      if (i > 0) {
        ASSERT_GE(c, chance(sorted[i - 1]));  // a heavier applicant is never less likely
      }
      if (c < 1.0) {
        if (below_one_ratio < 0) below_one_ratio = c / sorted[i];
        ASSERT_NEAR(c / sorted[i], below_one_ratio, 1e-12 * below_one_ratio);
      }
    }
  }
}

TEST(HireChances, WeightsOfVeryDifferentSizesKeepTheHires) {
  // Two applicants e^260 times heavier than a thousand others (and one e^260 lighter):
  // the two are certain, and the thousand share 0.01 x 1003 - 2 = 8.03 hires. The
  // others' weight taken as the total less the heavy ones' would be lost to rounding.
  std::vector<double> w(1000, 1.0);
  w.push_back(std::exp(260.0));
  w.push_back(std::exp(260.0));
  w.push_back(std::exp(-260.0));
  const HireChances chance(w, 0.01);
  EXPECT_EQ(chance(std::exp(260.0)), 1.0);
  EXPECT_NEAR(chance(1.0), 8.03 / 1000, 1e-12);
  EXPECT_NEAR(total(chance, w), 10.03, 1e-9);
}

}  // namespace
}  // namespace laborsim
