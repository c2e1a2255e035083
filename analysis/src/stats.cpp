#include "laborsim/analysis/stats.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <numeric>

namespace laborsim::analysis {

namespace {
Eigen::VectorXd finite(const Eigen::VectorXd& x) {
  std::vector<double> v;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (std::isfinite(x[i])) v.push_back(x[i]);
  return Eigen::Map<Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

double t_quantile(double level, double df) {
  return boost::math::quantile(boost::math::students_t(df), 0.5 + level / 2);
}
}  // namespace

KaplanMeier kaplan_meier(const std::vector<double>& durations, const std::vector<int>& events) {
  std::vector<std::size_t> order(durations.size());
  std::iota(order.begin(), order.end(), 0);
  // Ascending time; at equal times events first, so they see the censored as at risk.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return durations[a] != durations[b] ? durations[a] < durations[b] : events[a] > events[b];
  });
  KaplanMeier km;
  double s = 1.0;
  auto n = static_cast<double>(durations.size());
  for (std::size_t i = 0; i < order.size();) {
    const double t = durations[order[i]];
    double d = 0, c = 0;
    for (; i < order.size() && durations[order[i]] == t; ++i) (events[order[i]] ? d : c) += 1;
    if (d > 0) {
      s *= 1.0 - d / n;
      km.times.push_back(t);
      km.survival.push_back(s);
      km.at_risk.push_back(n);
    }
    n -= d + c;
    km.horizon = c > 0 ? t : kInf;
  }
  return km;
}

double KaplanMeier::at(double t) const {
  if (t > horizon) return kNaN;
  const auto it = std::upper_bound(times.begin(), times.end(), t);
  return it == times.begin() ? 1.0 : survival[static_cast<std::size_t>(it - times.begin()) - 1];
}

double KaplanMeier::median() const {
  for (std::size_t i = 0; i < times.size(); ++i)
    if (survival[i] <= 0.5) return times[i];
  return kNaN;
}

Interval mean_interval(const Eigen::VectorXd& x, double level) {
  const Eigen::VectorXd v = finite(x);
  Interval r;
  r.n = static_cast<int>(v.size());
  if (r.n == 0) return r;
  r.mean = v.mean();
  if (r.n < 2) return r;
  const double sd = std::sqrt((v.array() - r.mean).square().sum() / (r.n - 1));
  const double half = t_quantile(level, r.n - 1) * sd / std::sqrt(static_cast<double>(r.n));
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  return r;
}

Interval paired_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double level) {
  const Eigen::Index n = std::min(a.size(), b.size());
  Eigen::VectorXd d(n);
  for (Eigen::Index i = 0; i < n; ++i) d[i] = std::isfinite(a[i]) && std::isfinite(b[i]) ? b[i] - a[i] : kNaN;
  return mean_interval(d, level);
}

Interval welch_difference(const Eigen::VectorXd& a0, const Eigen::VectorXd& b0, double level) {
  const Eigen::VectorXd a = finite(a0), b = finite(b0);
  Interval r;
  r.n = static_cast<int>(std::min(a.size(), b.size()));
  if (a.size() == 0 || b.size() == 0) return r;
  r.mean = b.mean() - a.mean();
  if (a.size() < 2 || b.size() < 2) return r;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double va = (a.array() - a.mean()).square().sum() / (na - 1) / na;
  const double vb = (b.array() - b.mean()).square().sum() / (nb - 1) / nb;
  const double se = std::sqrt(va + vb);
  if (se == 0) {
    r.lo = r.hi = r.mean;
    return r;
  }
  const double df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
  const double half = t_quantile(level, df) * se;
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  return r;
}

double median(const std::vector<double>& x) {
  return quantile(Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size())), 0.5);
}

double quantile(const Eigen::VectorXd& x, double q) {
  Eigen::VectorXd v = finite(x);
  if (v.size() == 0) return kNaN;
  std::sort(v.data(), v.data() + v.size());
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const auto lo = static_cast<Eigen::Index>(std::floor(h));
  const Eigen::Index hi = std::min<Eigen::Index>(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace laborsim::analysis
