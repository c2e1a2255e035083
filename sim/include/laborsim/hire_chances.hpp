// Each applicant's chance of a hire when employers weight applicants (matching, both
// modes: docs/model.md, section 8, "Employer weights"): the mean chance `rate` scaled by the
// applicant's weight over the mean weight, so that the expected hires stay
// rate x applicants. Where that would pass 1 for the heaviest weights, their chance is 1
// and the rest share what is left in proportion to their weights: the chances
// min(1, c w) with c such that they sum to rate x applicants (the capped inclusion
// probabilities of sampling proportional to size). A cap at 1 alone would lose hires
// exactly where jobs are plentiful: weights change who is hired, never how many.
#pragma once

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

namespace laborsim {

class HireChances {
 public:
  // weights: every applicant's (positive) weight, at least one; rate: the mean chance,
  // in [0, 1].
  HireChances(const std::vector<double>& weights, double rate) : rate_(rate) {
    const auto n = static_cast<double>(weights.size());
    double sum = 0, top = 0;
    for (double x : weights) sum += x, top = std::max(top, x);
    mean_ = sum / n;
    if (rate_ * top / mean_ <= 1.0) return;  // no chance above 1: the plain scaling
    capped_ = true;
    if (rate_ >= 1.0) {  // every applicant hired
      scale_ = std::numeric_limits<double>::infinity();
      return;
    }
    // The k heaviest are certain; c = (expected - k) / (the others' weight), for the
    // least k at which the next heaviest's chance c w stays at or below 1. The others'
    // weight is summed from the lightest up, so that weights of very different sizes
    // leave it exact rather than the difference of two large sums.
    std::vector<double> d(weights);
    std::sort(d.begin(), d.end(), std::greater<>());
    std::vector<double> rest(d.size() + 1, 0.0);
    for (size_t k = d.size(); k-- > 0;) rest[k] = rest[k + 1] + d[k];
    const double expected = rate_ * n;
    for (size_t k = 0; k < d.size(); ++k) {
      scale_ = (expected - static_cast<double>(k)) / rest[k];
      if (scale_ * d[k] <= 1.0) return;
    }
  }
  // The chance of an applicant of weight w (one of the weights given).
  double operator()(double w) const { return capped_ ? std::min(1.0, scale_ * w) : rate_ * w / mean_; }

 private:
  double rate_, mean_ = 0, scale_ = 0;
  bool capped_ = false;
};

}  // namespace laborsim
