#include "laborsim/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using laborsim::Purpose;
using laborsim::Rng;
using laborsim::ThreadMarks;

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

// uniform() spells out what std::uniform_real_distribution<double>(0, 1) computes, so
// that every seeded result stays as it was: the two must agree on every 64-bit number,
// including those that round up to 1 (which the library maps to the largest double
// below 1).
TEST(Rng, UniformIsTheStandardLibrarysDraw) {
  struct Fixed {  // an engine that returns one number
    using result_type = std::uint64_t;
    std::uint64_t x;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type{0}; }
    result_type operator()() const { return x; }
  };
  auto library = [](std::uint64_t x) {
    Fixed e{x};
    return std::uniform_real_distribution<double>(0.0, 1.0)(e);
  };
  const std::uint64_t top = ~std::uint64_t{0};
  for (std::uint64_t x : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << 11, std::uint64_t{1} << 63,
                          top - 2048, top - 1025, top - 1024, top - 1, top}) {
    EXPECT_EQ(Rng::unit(x), library(x)) << x;
    EXPECT_LT(Rng::unit(x), 1.0) << x;
  }
  EXPECT_EQ(Rng::unit(top), std::nextafter(1.0, 0.0));
  Rng a(1, 2, 3, 4, Purpose::matching), b(1, 2, 3, 4, Purpose::matching);
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(a.uniform(), std::uniform_real_distribution<double>(0.0, 1.0)(b)) << i;
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

TEST(Rng, SampleDistinctGivesDistinctValuesUniformly) {
  // All of [0, n) when k = n: a permutation.
  std::vector<std::int64_t> all;
  Rng(1, 1, 1, 1, Purpose::matching).sample_distinct(50, 50, all);
  std::vector<std::int64_t> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  // k of n, appended after what out held; every value equally likely: each of 20 values
  // is in a sample of 5 with probability 1/4, so in 4000 samples 1000 times (sd ~27).
  std::vector<int> seen(20, 0);
  for (std::uint64_t s = 0; s < 4000; ++s) {
    std::vector<std::int64_t> out = {-7};
    Rng(1, 1, 2, s, Purpose::matching).sample_distinct(20, 5, out);
    ASSERT_EQ(out.size(), 6u);
    EXPECT_EQ(out[0], -7);
    std::sort(out.begin() + 1, out.end());
    EXPECT_TRUE(std::adjacent_find(out.begin() + 1, out.end()) == out.end());
    for (size_t i = 1; i < out.size(); ++i) {
      ASSERT_GE(out[i], 0);
      ASSERT_LT(out[i], 20);
      ++seen[static_cast<size_t>(out[i])];
    }
  }
  for (int c : seen) EXPECT_NEAR(c, 1000, 135);  // 5 sd
  // The same draws whatever was sampled before on this thread (the marks are cleared).
  std::vector<std::int64_t> a, b;
  Rng(3, 1, 1, 1, Purpose::matching).sample_distinct(1000, 300, a);
  Rng(3, 1, 1, 1, Purpose::matching).sample_distinct(1000, 300, b);
  EXPECT_EQ(a, b);
}

// The marks churn's draws keep: take() is false for a value taken already; release()
// gives back that value alone (the others of its 64-bit word stay taken), so a thinned
// layoff candidate may be drawn again as a quit; clear() empties its whole word.
TEST(ThreadMarks, TakeReleaseAndClear) {
  ThreadMarks marks(200);
  EXPECT_TRUE(marks.take(70));
  EXPECT_TRUE(marks.take(71));
  EXPECT_FALSE(marks.take(70));
  marks.release(70);
  EXPECT_FALSE(marks.take(71)) << "its neighbour in the word stays taken";
  EXPECT_TRUE(marks.take(70)) << "given back";
  marks.clear(64);  // the word of 64-127
  EXPECT_TRUE(marks.take(71));
  EXPECT_TRUE(marks.take(70));
  marks.clear(70);
}
