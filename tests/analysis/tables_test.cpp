#include "laborsim/analysis/tables.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace la = laborsim::analysis;
using la::Interval;
using la::Unit;

namespace {

Interval interval(double mean, double lo, double hi, int n = 8) { return {mean, lo, hi, n}; }

}  // namespace

TEST(Tables, ValuesPrintWithTheirUnitsUsualDecimals) {
  EXPECT_EQ(la::format_value(0.04123, Unit::share), "4.1%");
  EXPECT_EQ(la::format_value(-0.0002, Unit::rate), "-0.0%");
  EXPECT_EQ(la::format_value(21.27, Unit::months), "21.3 mo");
  EXPECT_EQ(la::format_value(0.04916, Unit::ratio), "0.049");
  EXPECT_EQ(la::format_value(1525.6, Unit::count), "1526");
  EXPECT_EQ(la::format_value(34.92e6, Unit::usd), "34.92 M USD");
  EXPECT_EQ(la::format_value(0.04123, Unit::share, 2), "4.123%");
  EXPECT_EQ(la::format_value(std::numeric_limits<double>::quiet_NaN(), Unit::share), "n/a");
}

TEST(Tables, IntervalsThatReadRightNeedNoMoreDecimals) {
  // The rows of a run's summary as they were shown before: nothing changes.
  EXPECT_EQ(la::extra_decimals(interval(0.0412, 0.0409, 0.0416), Unit::share), 0);  // 4.1% [4.1%, 4.2%]
  EXPECT_EQ(la::extra_decimals(interval(-0.017, -0.027, -0.007), Unit::rate), 0);   // -1.7 [-2.7, -0.7]
  EXPECT_EQ(la::extra_decimals(interval(-135, -194, -76), Unit::count), 0);
  EXPECT_EQ(la::extra_decimals(interval(-6, -36, 24), Unit::count), 0);
  // Bounds that are equal (every replicate gave 2 months) print equal: no more digits
  // could part them; a mean of exactly zero is zero.
  EXPECT_EQ(la::extra_decimals(interval(2, 2, 2), Unit::months), 0);
  EXPECT_EQ(la::extra_decimals(interval(0, 0, 0), Unit::rate), 0);
  // No interval (one replicate, or none): only the mean counts.
  EXPECT_EQ(la::extra_decimals(
                interval(0.05, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(), 1),
                Unit::share),
            0);
}

TEST(Tables, IntervalsGetTheDecimalsThatShowThem) {
  // A difference of -0.02 points whose interval excludes zero: at one decimal it would
  // read "-0.0%pt [-0.0%pt, -0.0%pt]" and be called distinguishable.
  const Interval d = interval(-0.00021, -0.00032, -0.00010);
  ASSERT_TRUE(d.excludes_zero());
  EXPECT_EQ(la::extra_decimals(d, Unit::rate), 1);
  EXPECT_EQ(la::format_value(d.mean, Unit::rate, 1), "-0.02%");
  EXPECT_EQ(la::format_value(d.lo, Unit::rate, 1), "-0.03%");
  // A mean that is not zero does not print as zero, even when the interval spans zero.
  EXPECT_EQ(la::extra_decimals(interval(0.0001, -0.0001, 0.0003), Unit::rate), 1);
  // Bounds that differ print differently: 21.26 and 21.34 months are both "21.3 mo".
  EXPECT_EQ(la::extra_decimals(interval(21.30, 21.26, 21.34), Unit::months), 1);
  // A ratio (the HHI): -0.0002 [-0.0004, 0.0001] needs a fourth decimal.
  EXPECT_EQ(la::extra_decimals(interval(-0.0002, -0.0004, 0.0001), Unit::ratio), 1);
  // A count's mean of 0.4 layoffs is not "0".
  EXPECT_EQ(la::extra_decimals(interval(0.4, 0, 1.1), Unit::count), 1);
  // At most four more decimals, however small the value.
  EXPECT_EQ(la::extra_decimals(interval(1e-12, 1e-13, 2e-12), Unit::rate), 4);
}
