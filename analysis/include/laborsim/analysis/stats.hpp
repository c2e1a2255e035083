// Statistics across replicates and over spells: Kaplan-Meier survival with right
// censoring, t-intervals for a mean, paired and unpaired differences, quantiles.
#pragma once

#include <Eigen/Dense>

#include <cmath>
#include <limits>
#include <vector>

namespace laborsim::analysis {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// Product-limit estimator. At tied times events are taken before censorings.
struct KaplanMeier {
  std::vector<double> times;     // distinct event times, ascending
  std::vector<double> survival;  // S just after each of them
  std::vector<double> at_risk;
  // How far the data reach: the longest duration observed when that observation is
  // censored (no one is followed beyond it), +inf when it ends in an event (S is 0 from
  // there on), -inf with no observations at all.
  double horizon = -kInf;
  // S(t): share not yet reemployed after t (right-continuous step function); NaN beyond
  // the horizon, where the data say nothing (a 12-month run cannot tell who is
  // reemployed within 24 months).
  double at(double t) const;
  // Smallest t with S(t) <= 0.5, NaN if the curve never gets there.
  double median() const;
};
KaplanMeier kaplan_meier(const std::vector<double>& durations, const std::vector<int>& events);

struct Interval {
  double mean = kNaN, lo = kNaN, hi = kNaN;
  int n = 0;
  bool excludes_zero() const { return n > 1 && (lo > 0 || hi < 0); }
};
// Mean with a Student-t interval over the finite values of x.
Interval mean_interval(const Eigen::VectorXd& x, double level = 0.95);
// b - a, replicate by replicate (pairs with a non-finite member are dropped).
Interval paired_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double level = 0.95);
// b - a for independent samples (Welch-Satterthwaite degrees of freedom).
Interval welch_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double level = 0.95);
// Linear-interpolation quantile (R's type 7) of the finite values; NaN if none.
double quantile(const Eigen::VectorXd& x, double q);
// The same quantile (0.5) of a list of values: the median of the finite ones, NaN if none.
double median(const std::vector<double>& x);

}  // namespace laborsim::analysis
