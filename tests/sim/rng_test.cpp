#include "laborsim/rng.hpp"

#include <gtest/gtest.h>

using laborsim::Purpose;
using laborsim::Rng;

TEST(Rng, SameAddressSameNumbers) {
  Rng a(1, 2, 3, 4, Purpose::churn), b(1, 2, 3, 4, Purpose::churn);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(Rng, EveryPartOfTheAddressMatters) {
  const auto first = Rng(1, 2, 3, 4, Purpose::churn)();
  EXPECT_NE(first, Rng(9, 2, 3, 4, Purpose::churn)());
  EXPECT_NE(first, Rng(1, 9, 3, 4, Purpose::churn)());
  EXPECT_NE(first, Rng(1, 2, 9, 4, Purpose::churn)());
  EXPECT_NE(first, Rng(1, 2, -3, 4, Purpose::churn)());
  EXPECT_NE(first, Rng(1, 2, 3, 9, Purpose::churn)());
  EXPECT_NE(first, Rng(1, 2, 3, 4, Purpose::matching)());
}

TEST(Rng, BinomialMeanAndEdges) {
  EXPECT_EQ(Rng(1, 1, 1, 1, Purpose::churn).binomial(0, 0.5), 0);
  EXPECT_EQ(Rng(1, 1, 1, 1, Purpose::churn).binomial(10, 0.0), 0);
  EXPECT_EQ(Rng(1, 1, 1, 1, Purpose::churn).binomial(10, 1.0), 10);
  double sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) sum += Rng(1, 1, 0, static_cast<std::uint64_t>(i), Purpose::churn).binomial(100, 0.3);
  // mean 30, sd of the mean sqrt(21 / 20000) ~ 0.032
  EXPECT_NEAR(sum / n, 30.0, 0.2);
}
