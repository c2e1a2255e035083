#include "laborsim/analysis/summary.hpp"

#include "laborsim/analysis/stats.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <tuple>

namespace laborsim::analysis {

namespace {

constexpr const char* kCauseNames[] = {"", "ordinary", "AI", "consolidation"};

double sum_row(const Eigen::MatrixXd& m, int rep) { return m.row(rep).sum(); }

double ratio(double a, double b) { return b > 0 ? a / b : kNaN; }

// Spell figures for one replicate and a subset of spells.
struct SpellStats {
  double n = 0, within3 = kNaN, within6 = kNaN, within12 = kNaN, within24 = kNaN, median = kNaN;
  double replacement = kNaN, replacement_tenured = kNaN, lower_pay = kNaN, offshore = kNaN, other_occupation = kNaN;
  double earnings_loss1 = kNaN, earnings_loss3 = kNaN, earnings_loss3_tenured = kNaN, earnings_years_lost = kNaN,
         earnings_pv_lost = kNaN;
  double displaced_again = kNaN;
  double in_job_at_end = kNaN;  // the Displaced Worker Survey's question (see spell_stats)
};

// The Displaced Worker Survey asks, in January, of those who lost a job held 3+ years in
// the 3 years before: are they in a job now?
constexpr int kSurveyMonths = 36;

// Repeat job loss: the share of displacements followed by another of the same worker
// within this many months, over those at least this long before the run's end.
constexpr int kAgainMonths = 24;

using Keep = std::function<bool(std::size_t)>;
using Rows = std::vector<std::size_t>;  // indexes of a table's rows

// rows[g][rep]: the table's rows that group_of puts in group g (-1: none), by
// replicate, in one pass over the table, so that the figures of many groups (hundreds
// of occupations) cost a pass, not one per group.
std::vector<std::vector<Rows>> rows_by_group(const Spells& s, std::size_t groups, int replicates,
                                             const std::function<int(std::size_t)>& group_of) {
  const auto R = static_cast<std::size_t>(replicates);
  std::vector<std::vector<Rows>> rows(groups, std::vector<Rows>(R));
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int g = group_of(i), rep = s.replicate[i];
    if (g >= 0 && static_cast<std::size_t>(g) < groups && rep >= 0 && static_cast<std::size_t>(rep) < R)
      rows[static_cast<std::size_t>(g)][static_cast<std::size_t>(rep)].push_back(i);
  }
  return rows;
}

// The rows keep() selects, by replicate.
std::vector<Rows> rows_by_replicate(const Spells& s, int replicates, const Keep& keep) {
  return rows_by_group(s, 1, replicates, [&](std::size_t i) { return keep(i) ? 0 : -1; }).front();
}

// Earnings in year y after a record's month over its wage then, summed over the rows
// whose year y is wholly observed (a ratio of totals: mean earnings against the mean
// wage before).
double earnings_ratio(const Spells& s, std::size_t y, const Rows& rows) {
  if (y >= s.earnings_years()) return kNaN;  // not followed that long, or not recorded (format version 3 or older)
  double earned = 0, before = 0;
  for (std::size_t i : rows)
    if (std::isfinite(s.earnings[y][i]) && s.wage[i] > 0) earned += s.earnings[y][i], before += s.wage[i];
  return ratio(earned, before);
}

double earnings_loss_of(const Results& r, std::size_t y, const Rows& spells, const Rows& comparison) {
  return 1 - ratio(earnings_ratio(r.spells, y, spells), earnings_ratio(r.comparison, y, comparison));
}

// Earnings lost over the first `years` years after, in years of the wage before: the
// sum over the years of the comparison group's earnings / wage minus the displaced's,
// year y + 1 discounted by (1 + discount)^-y, over the rows of each whose years are all
// observed (Davis & von Wachter's present value, over 20 years at 5%, from the long-run
// follow-up). NaN where either group has no one followed that long.
double earnings_years_lost(const Results& r, const Rows& spells, const Rows& comparison, std::size_t years,
                           double discount) {
  auto observed = [years](const Spells& s, const Rows& rows) {
    Rows out;
    if (years == 0 || s.earnings_years() < years) return out;  // not followed that long, or not recorded
    for (std::size_t i : rows) {
      bool all = true;
      for (std::size_t y = 0; y < years && all; ++y) all = std::isfinite(s.earnings[y][i]);
      if (all) out.push_back(i);
    }
    return out;
  };
  const Rows d = observed(r.spells, spells), c = observed(r.comparison, comparison);
  double lost = 0;
  for (std::size_t y = 0; y < years; ++y)
    lost += (earnings_ratio(r.comparison, y, c) - earnings_ratio(r.spells, y, d)) /
            std::pow(1 + discount, static_cast<double>(y));
  return years == 0 ? kNaN : lost;
}

// The long-tenured displaced, as the Displaced Worker Survey counts them: 3+ years at
// the employer they lost.
constexpr int kLongTenureMonths = 36;

Rows long_tenured(const Spells& s, const Rows& rows) {
  Rows out;
  for (std::size_t i : rows)
    if (s.tenure[i] >= kLongTenureMonths) out.push_back(i);
  return out;
}

// Figures of one replicate's spells (rows), with the earnings losses against the
// comparison records (comparison: the same replicate and group of workers).
SpellStats spell_stats(const Results& r, const Rows& rows, const Rows& comparison) {
  const Spells& s = r.spells;
  SpellStats out;
  std::vector<double> ratios, tenured, duration;
  std::vector<int> ended;
  double rehired = 0, lower = 0, offshore = 0, other = 0;
  for (std::size_t i : rows) {
    duration.push_back(s.end_month[i] - s.start_month[i]);
    ended.push_back(s.reemployed[i]);
    if (s.reemployed[i]) {
      rehired += 1;
      if (s.wage[i] > 0) {
        const double replacement = s.new_wage[i] / s.wage[i];
        ratios.push_back(replacement);
        if (s.tenure[i] >= kLongTenureMonths) tenured.push_back(replacement);
      }
      lower += s.new_wage[i] < s.wage[i];
      const auto nr = static_cast<std::size_t>(s.new_region[i]);
      offshore += nr < r.region_offshore.size() && r.region_offshore[nr] > 0;
      other += s.new_occupation[i] != s.occupation[i];
    }
  }
  out.n = static_cast<double>(rows.size());
  if (rows.empty()) return out;
  const KaplanMeier km = kaplan_meier(duration, ended);
  out.within3 = 1 - km.at(3);
  out.within6 = 1 - km.at(6);
  out.within12 = 1 - km.at(12);
  out.within24 = 1 - km.at(24);
  out.median = km.median();
  out.replacement = median(ratios);
  out.replacement_tenured = median(tenured);
  out.lower_pay = ratio(lower, rehired);
  out.offshore = ratio(offshore, rehired);
  out.other_occupation = ratio(other, rehired);
  out.earnings_loss1 = earnings_loss_of(r, 0, rows, comparison);
  out.earnings_loss3 = earnings_loss_of(r, 2, rows, comparison);
  out.earnings_loss3_tenured = earnings_loss_of(r, 2, long_tenured(s, rows), long_tenured(r.comparison, comparison));
  // As the survey asks it at the run's (or window's) end: a spell still open then, or
  // ended by retirement, is not in a job. Runs shorter than the survey's 3 years cannot ask.
  if (r.months >= kSurveyMonths) {
    double asked = 0, working = 0;
    for (std::size_t i : rows)
      if (s.start_month[i] >= r.months - kSurveyMonths && s.tenure[i] >= kLongTenureMonths)
        asked += 1, working += s.reemployed[i] == 1;
    out.in_job_at_end = ratio(working, asked);
  }
  if (s.next_displacement.size() == s.size()) {  // files record the worker's id
    double followed = 0, again = 0;
    for (std::size_t i : rows)
      if (s.start_month[i] + kAgainMonths < r.months) {
        followed += 1;
        again += s.next_displacement[i] >= 0 && s.next_displacement[i] <= kAgainMonths;
      }
    out.displaced_again = ratio(again, followed);
  }
  out.earnings_years_lost = earnings_years_lost(r, rows, comparison, 3, 0);
  out.earnings_pv_lost = earnings_years_lost(
      r, rows, comparison, std::min(s.earnings_years(), r.comparison.earnings_years()), kEarningsDiscountRate);
  return out;
}

// A figure read off the reemployment curve is NaN in a replicate whose panel follows no
// one that long. It is given (as the mean over the replicates that can read it) only if
// at least half of the replicates with spells can: in a short run none can, and in a
// small group a mean over the few replicates that happen to reach far would say little.
Figure curve_figure(Figure f, const std::vector<SpellStats>& st) {
  int with_spells = 0, reaching = 0;
  for (std::size_t rep = 0; rep < st.size(); ++rep)
    if (st[rep].n > 0) with_spells += 1, reaching += std::isfinite(f.values[static_cast<Eigen::Index>(rep)]);
  if (2 * reaching < with_spells) f.values.setConstant(kNaN);
  return f;
}

// spells[rep], comparison[rep]: the rows of a group of workers in replicate rep.
std::vector<Figure> spell_figures(const Results& r, const std::vector<Rows>& spells,
                                  const std::vector<Rows>& comparison, bool with_count) {
  const int R = r.replicates;
  std::vector<SpellStats> st;
  for (int rep = 0; rep < R; ++rep)
    st.push_back(spell_stats(r, spells[static_cast<std::size_t>(rep)], comparison[static_cast<std::size_t>(rep)]));
  auto fig = [&](const char* key, const char* label, Unit u, double SpellStats::*field) {
    Figure f{key, label, u, Eigen::VectorXd(R)};
    for (int rep = 0; rep < R; ++rep) f.values[rep] = st[rep].*field;
    return f;
  };
  std::vector<Figure> out;
  if (with_count) {
    Figure f{"displaced_estimated", "displaced workers (estimated from the panel)", Unit::count, Eigen::VectorXd(R)};
    for (int rep = 0; rep < R; ++rep) f.values[rep] = r.panel_rate > 0 ? st[rep].n / r.panel_rate : kNaN;
    out.push_back(f);
  }
  out.push_back(
      curve_figure(fig("reemployed_3m", "reemployed within 3 months", Unit::share, &SpellStats::within3), st));
  out.push_back(
      curve_figure(fig("reemployed_6m", "reemployed within 6 months", Unit::share, &SpellStats::within6), st));
  out.push_back(
      curve_figure(fig("reemployed_12m", "reemployed within 12 months", Unit::share, &SpellStats::within12), st));
  out.push_back(
      curve_figure(fig("reemployed_24m", "reemployed within 24 months", Unit::share, &SpellStats::within24), st));
  out.push_back(
      curve_figure(fig("median_duration", "median time to reemployment", Unit::months, &SpellStats::median), st));
  out.push_back(fig("in_job_at_end", "in a job at the end: displaced in the last 3 years, 3+ years' tenure",
                    Unit::share, &SpellStats::in_job_at_end));
  out.push_back(
      fig("displaced_again_24m", "displaced again within 24 months", Unit::share, &SpellStats::displaced_again));
  out.push_back(
      fig("wage_replacement", "wage replacement (median new/old wage)", Unit::ratio, &SpellStats::replacement));
  out.push_back(fig("wage_replacement_tenured", "  after 3+ years at the employer", Unit::ratio,
                    &SpellStats::replacement_tenured));
  out.push_back(fig("rehired_lower_pay", "rehired at lower pay", Unit::share, &SpellStats::lower_pay));
  out.push_back(fig("rehired_offshore", "rehired in an offshore region", Unit::share, &SpellStats::offshore));
  out.push_back(fig("changed_occupation", "rehired in another occupation", Unit::share, &SpellStats::other_occupation));
  out.push_back(fig("earnings_loss_year1", "earnings lost in year 1 after displacement (vs not displaced)", Unit::share,
                    &SpellStats::earnings_loss1));
  out.back().may_be_negative = true;
  out.push_back(fig("earnings_loss_year3", "earnings lost in year 3 after displacement", Unit::share,
                    &SpellStats::earnings_loss3));
  out.back().may_be_negative = true;
  out.push_back(fig("earnings_loss_year3_tenured", "  after 3+ years at the employer", Unit::share,
                    &SpellStats::earnings_loss3_tenured));
  out.back().may_be_negative = true;
  out.push_back(fig("earnings_years_lost", "earnings lost over the 3 years after (years of the wage before)",
                    Unit::ratio, &SpellStats::earnings_years_lost));
  out.back().may_be_negative = true;
  out.push_back(fig("earnings_pv_lost", "  over all years followed, present value at 5% a year", Unit::ratio,
                    &SpellStats::earnings_pv_lost));
  out.back().may_be_negative = true;
  out.back().depends_on_horizon = true;
  return out;
}

}  // namespace

double earnings_loss(const Results& r, std::size_t y, const std::function<bool(std::size_t)>& keep,
                     const std::function<bool(std::size_t)>& keep_comparison) {
  Rows spells, comparison;
  for (std::size_t i = 0; i < r.spells.size(); ++i)
    if (keep(i)) spells.push_back(i);
  for (std::size_t i = 0; i < r.comparison.size(); ++i)
    if (keep_comparison(i)) comparison.push_back(i);
  return earnings_loss_of(r, y, spells, comparison);
}

KaplanMeier reemployment_curve(const Results& r, const std::function<bool(std::size_t)>& keep) {
  std::vector<double> dur;
  std::vector<int> ev;
  const Spells& s = r.spells;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (keep(i)) dur.push_back(s.end_month[i] - s.start_month[i]), ev.push_back(s.reemployed[i]);
  return kaplan_meier(dur, ev);
}

Interval figure_interval(const Figure& f) {
  Interval i = mean_interval(f.values);
  if (i.n < 2) return i;
  // (never past the mean itself, should a share's replicates ever exceed 1)
  if (!f.may_be_negative) i.lo = std::max(i.lo, std::min(0.0, i.mean));
  if (f.unit == Unit::share || f.unit == Unit::rate) i.hi = std::min(i.hi, std::max(1.0, i.mean));
  return i;
}

Interval difference_interval(const Figure& f, Interval d) {
  if (d.n < 2 || f.may_be_negative || (f.unit != Unit::share && f.unit != Unit::rate)) return d;
  d.lo = std::max(d.lo, std::min(-1.0, d.mean));  // (never past the mean itself)
  d.hi = std::min(d.hi, std::max(1.0, d.mean));
  return d;
}

ReadOptions summary_reads(const std::string& by) {
  ReadOptions o;
  // the sectors' concentration; by a grouping, also its employment
  o.grouped = std::set<std::string>{"sector/employed", "sector/hhi"};
  if (!by.empty()) o.grouped->insert(by + "/employed");
  // summary_figures' series (Results::series says which one a change forgets)
  o.aggregate = std::set<std::string>{"unemployment_rate",
                                      "layoffs_ordinary",
                                      "layoffs_ai",
                                      "layoffs_consolidation",
                                      "first_year_tenure_share",
                                      "median_tenure_months",
                                      "young_high_exposure_employed",
                                      "retraining_entries",
                                      "retraining_entries_at_risk",
                                      "retraining_successes",
                                      "retraining_completions",
                                      "retrained_months_to_job",
                                      "retrained_hires",
                                      "retrained_hires_left_labor_force",
                                      "retrained_months_to_job_left_labor_force",
                                      "retraining_cost",
                                      "retraining_public_cost",
                                      "firms_cutting",
                                      "new_regretting_firms",
                                      "reopened_jobs",
                                      "regret_rehires",
                                      "regret_rehires_offshore",
                                      "regret_rehires_lower_pay"};
  return o;
}

Eigen::MatrixXd sector_concentration(const Results& r) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Constant(r.replicates, r.months, kNaN);
  const auto *hhi = r.grouped_series("sector/hhi"), *emp = r.grouped_series("sector/employed");
  if (!hhi || !emp) return out;
  for (int rep = 0; rep < r.replicates; ++rep) {
    const Eigen::MatrixXd& h = (*hhi)[static_cast<std::size_t>(rep)];
    const Eigen::MatrixXd& e = (*emp)[static_cast<std::size_t>(rep)];
    for (int t = 0; t < r.months; ++t) out(rep, t) = ratio(h.row(t).dot(e.row(t)), e.row(t).sum());
  }
  return out;
}

namespace {

// Figures of the firm panel's events that keep(i) accepts (format version 6; n/a
// before), replicate by replicate: the share regretting among the firms that met real
// capability, the mean share of its staff a cutting firm cut, and the share of acquired
// firms' staff cut as duplicates.
std::vector<Figure> firm_panel_figures(const Results& r, const std::function<bool(std::size_t)>& keep) {
  const FirmEvents& fe = r.firm_events;
  const int R = r.replicates;
  std::vector<Figure> out;
  // Sums of numerator(i) and denominator(i) over the kept events of one of the kinds, by
  // replicate, and their ratio.
  auto ratio_over = [&](const char* key, const char* label, std::initializer_list<int> kinds, auto numerator,
                        auto denominator) {
    Figure fig{key, label, Unit::share, Eigen::VectorXd::Constant(R, kNaN)};
    if (r.firm_events_recorded) {
      std::vector<double> num(static_cast<std::size_t>(R)), den(static_cast<std::size_t>(R));
      for (std::size_t i = 0; i < fe.size(); ++i) {
        if (fe.replicate[i] < 0 || fe.replicate[i] >= R || !keep(i)) continue;
        if (std::find(kinds.begin(), kinds.end(), fe.kind[i]) == kinds.end()) continue;
        num[static_cast<std::size_t>(fe.replicate[i])] += numerator(i);
        den[static_cast<std::size_t>(fe.replicate[i])] += denominator(i);
      }
      for (int rep = 0; rep < R; ++rep) fig.values[rep] = ratio(num[rep], den[rep]);
    }
    out.push_back(fig);
  };
  ratio_over(
      "regret_share_realised", "  among those that met real capability (firm panel)",
      {FirmEvents::regret, FirmEvents::no_regret},
      [&](std::size_t i) { return fe.kind[i] == FirmEvents::regret ? 1.0 : 0.0; }, [](std::size_t) { return 1.0; });
  ratio_over(
      "ai_cut_staff_share", "share of its staff a cutting firm cut (mean over firms)", {FirmEvents::ai_cut},
      [&](std::size_t i) { return fe.employed[i] > 0 ? double(fe.laid_off[i]) / fe.employed[i] : 0.0; },
      [&](std::size_t i) { return fe.employed[i] > 0 ? 1.0 : 0.0; });
  ratio_over(
      "acquisition_staff_cut", "share of acquired firms' staff cut as duplicates", {FirmEvents::acquisition},
      [&](std::size_t i) { return double(fe.laid_off[i]); }, [&](std::size_t i) { return double(fe.employed[i]); });
  return out;
}

}  // namespace

std::vector<Figure> summary_figures(const Results& r) {
  const int R = r.replicates;
  std::vector<Figure> out;
  auto per_rep = [&](const char* key, const char* label, Unit u, const std::function<double(int)>& f) {
    Figure fig{key, label, u, Eigen::VectorXd(R)};
    for (int rep = 0; rep < R; ++rep) fig.values[rep] = f(rep);
    out.push_back(fig);
  };
  auto total = [&](const char* metric) { return [&r, metric](int rep) { return sum_row(r.series(metric), rep); }; };
  const auto& ord = r.series("layoffs_ordinary");
  const auto& ai = r.series("layoffs_ai");
  const auto& cons = r.series("layoffs_consolidation");
  per_rep("displaced_total", "displaced workers (layoffs of every cause)", Unit::count,
          [&](int rep) { return sum_row(ord, rep) + sum_row(ai, rep) + sum_row(cons, rep); });
  per_rep("displaced_ordinary", "  by ordinary layoffs", Unit::count, total("layoffs_ordinary"));
  per_rep("displaced_ai", "  by AI", Unit::count, total("layoffs_ai"));
  per_rep("displaced_consolidation", "  by consolidation", Unit::count, total("layoffs_consolidation"));
  per_rep("unemployment_rate_mean", "unemployment rate, mean over the run", Unit::rate,
          [&](int rep) { return r.series("unemployment_rate").row(rep).mean(); });
  per_rep("unemployment_rate_end", "unemployment rate, last month", Unit::rate,
          [&](int rep) { return r.series("unemployment_rate")(rep, r.months - 1); });
  // Tenure of the employed (files written before 2026-12-02 lack it: n/a).
  const bool tenure_recorded = r.has_series("median_tenure_months");
  per_rep("first_year_tenure_share", "employed a year or less at their employer, mean over the run", Unit::share,
          [&](int rep) { return tenure_recorded ? r.series("first_year_tenure_share").row(rep).mean() : kNaN; });
  per_rep("median_tenure", "median time at the current employer, mean over the run", Unit::months,
          [&](int rep) { return tenure_recorded ? r.series("median_tenure_months").row(rep).mean() : kNaN; });
  // Young workers first (MODEL.md 1): a stock at the end, which compare sets against
  // another run's (no_ai) month for month.
  const bool young_recorded = r.has_series("young_high_exposure_employed");
  per_rep("young_exposed_end", "employed aged 22-25 in high-exposure occupations, last month", Unit::count,
          [&](int rep) { return young_recorded ? r.series("young_high_exposure_employed")(rep, r.months - 1) : kNaN; });
  const Eigen::MatrixXd hhi = sector_concentration(r);
  per_rep("concentration_start", "sector concentration (employment HHI), first month", Unit::ratio,
          [&](int rep) { return hhi(rep, 0); });
  out.back().depends_on_size = true;
  per_rep("concentration_end", "sector concentration (employment HHI), last month", Unit::ratio,
          [&](int rep) { return hhi(rep, r.months - 1); });
  out.back().depends_on_size = true;
  const Keep all = [](std::size_t) { return true; };
  const std::vector<Rows> comparison = rows_by_replicate(r.comparison, R, all);
  for (auto& f : spell_figures(r, rows_by_replicate(r.spells, R, all), comparison, false)) out.push_back(f);
  for (int cause = 1; cause <= 3; ++cause) {
    const std::string key = std::string("reemployed_12m_") + kCauseNames[cause];
    Figure f{key, std::string("  reemployed within 12 months, ") + kCauseNames[cause] + "-displaced", Unit::share,
             Eigen::VectorXd(R)};
    // NaN for a replicate without spells of this cause.
    std::vector<SpellStats> st;
    const auto of_cause = rows_by_replicate(r.spells, R, [&](std::size_t i) { return r.spells.cause[i] == cause; });
    for (int rep = 0; rep < R; ++rep) {
      st.push_back(spell_stats(r, of_cause[static_cast<std::size_t>(rep)], comparison[static_cast<std::size_t>(rep)]));
      f.values[rep] = st.back().within12;
    }
    std::transform(key.begin(), key.end(), f.key.begin(), ::tolower);
    out.push_back(curve_figure(f, st));
  }
  // Retraining: who enters, what it changes, how long to a job, what it costs.
  const bool at_risk_recorded = r.has_series("retraining_entries_at_risk");  // format 2 files before it
  per_rep("retraining_entries", "retraining entries", Unit::count, total("retraining_entries"));
  per_rep("retraining_entries_at_risk", "  of them employed at risk", Unit::count,
          [&](int rep) { return at_risk_recorded ? sum_row(r.series("retraining_entries_at_risk"), rep) : kNaN; });
  per_rep("retraining_success_share", "completed programmes that changed occupation", Unit::share, [&](int rep) {
    return ratio(sum_row(r.series("retraining_successes"), rep), sum_row(r.series("retraining_completions"), rep));
  });
  per_rep("retraining_months_to_job", "months from entering retraining to a job", Unit::months, [&](int rep) {
    return ratio(sum_row(r.series("retrained_months_to_job"), rep), sum_row(r.series("retrained_hires"), rep));
  });
  // Those who left the labour force after entering and came back count those months too;
  // the rest alone (files written before 2026-12-06 lack the split).
  const bool left_recorded = r.has_series("retrained_hires_left_labor_force");
  per_rep("retraining_months_to_job_stayed", "  for those who stayed in the labour force", Unit::months, [&](int rep) {
    if (!left_recorded) return kNaN;
    return ratio(sum_row(r.series("retrained_months_to_job"), rep) -
                     sum_row(r.series("retrained_months_to_job_left_labor_force"), rep),
                 sum_row(r.series("retrained_hires"), rep) - sum_row(r.series("retrained_hires_left_labor_force"), rep));
  });
  per_rep("retraining_cost", "retraining cost", Unit::usd, total("retraining_cost"));
  per_rep("retraining_public_share", "  of it publicly paid", Unit::share, [&](int rep) {
    return ratio(sum_row(r.series("retraining_public_cost"), rep), sum_row(r.series("retraining_cost"), rep));
  });
  per_rep("firms_cutting", "firms making AI cuts", Unit::count, total("firms_cutting"));
  per_rep("regret_share", "share of AI-cutting firms that regretted", Unit::share, [&](int rep) {
    return ratio(sum_row(r.series("new_regretting_firms"), rep), sum_row(r.series("firms_cutting"), rep));
  });
  for (Figure& f : firm_panel_figures(r, [](std::size_t) { return true; })) out.push_back(std::move(f));
  per_rep("ai_jobs_reopened", "AI-cut jobs re-opened by regretting firms", Unit::share,
          [&](int rep) { return ratio(sum_row(r.series("reopened_jobs"), rep), sum_row(ai, rep)); });
  per_rep("ai_jobs_rehired", "AI-cut jobs filled again (regret rehires)", Unit::share,
          [&](int rep) { return ratio(sum_row(r.series("regret_rehires"), rep), sum_row(ai, rep)); });
  per_rep("regret_rehires_offshore", "  of those, offshore", Unit::share, [&](int rep) {
    return ratio(sum_row(r.series("regret_rehires_offshore"), rep), sum_row(r.series("regret_rehires"), rep));
  });
  per_rep("regret_rehires_lower_pay", "  of those, at lower pay", Unit::share, [&](int rep) {
    return ratio(sum_row(r.series("regret_rehires_lower_pay"), rep), sum_row(r.series("regret_rehires"), rep));
  });
  return out;
}

RunMismatch mismatch(const Results& a, const Results& b) {
  const std::size_t ya = a.spells.earnings_years(), yb = b.spells.earnings_years();
  return {a.months != b.months, a.workers > 0 && b.workers > 0 && a.workers != b.workers, ya > 0 && yb > 0 && ya != yb};
}

RunMismatch mismatch(const std::vector<Results>& runs) {
  RunMismatch differ;
  for (const auto& r : runs) {
    const RunMismatch d = mismatch(runs.front(), r);
    differ.length |= d.length, differ.size |= d.size, differ.horizon |= d.horizon;
  }
  return differ;
}

std::string mismatch_note(const RunMismatch& differ) {
  const std::string horizon =
      "the present values of the earnings lost are not comparable either: the runs follow "
      "earnings for different numbers of years (output.earnings_years)";
  if (!differ.counts())
    return differ.horizon ? "these runs follow earnings for different numbers of years (output.earnings_years): the "
                            "present values of the earnings lost are not comparable between them"
                          : "";
  return std::string("these runs differ in ") +
         (differ.length && differ.size ? "length and size"
          : differ.length              ? "length (months)"
                                       : "size (workers)") +
         ": counts over a run are not comparable between them" +
         (differ.size ? ", nor is concentration (fewer workers make fewer firms)" : "") + "; shares and rates are" +
         (differ.length ? ", but describe different periods" : "") + (differ.horizon ? "; " + horizon : "");
}

std::vector<std::string> provenance_notes(const std::vector<const Results*>& runs,
                                          const std::vector<std::string>& labels, bool pairs) {
  // "(A x, B y)": each run's value, where they differ from the first's.
  auto listed = [&](auto value, auto differs) {
    std::string list;
    bool any = false;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      any |= differs(*runs[k]);
      list += (k ? ", " : "") + labels[k] + " " + value(*runs[k]);
    }
    return any ? "(" + list + ")" : std::string();
  };
  std::vector<std::string> notes;
  const Results& first = *runs.front();
  const std::string commits = listed([](const Results& r) { return r.git_commit; },
                                     [&](const Results& r) { return r.git_commit != first.git_commit; });
  if (!commits.empty())
    notes.push_back("the runs were made by different laborsim commits " + commits +
                    ": a difference may come from the code, not only from the scenarios");
  // The draws are the standard library's: its part of the build ("GCC 12.2.0, libstdc++
  // 20220819"), whatever compiled it (clang with libstdc++ draws as GCC does). Files from
  // before the build was recorded say nothing of it.
  const auto library = [](const Results& r) {
    const auto at = r.build.rfind(", ");
    return at == std::string::npos ? r.build : r.build.substr(at + 2);
  };
  const auto other_draws = [&](const Results& r) {
    return r.seed == first.seed && !r.build.empty() && !first.build.empty() && library(r) != library(first);
  };
  const std::string libraries = listed(library, other_draws);
  if (pairs && !libraries.empty())
    notes.push_back("the runs were built with different C++ standard libraries " + libraries +
                    ": with the same seed they draw other numbers, so pairing their replicates narrows no interval "
                    "(the paired intervals still hold)");
  return notes;
}

std::vector<std::string> provenance_notes(const std::vector<Results>& runs, const std::vector<std::string>& labels,
                                          bool pairs) {
  std::vector<const Results*> all;
  for (const Results& r : runs) all.push_back(&r);
  return provenance_notes(all, labels, pairs);
}

const std::vector<std::string> kTenureBands = {"under 1 year", "1-3 years", "3-6 years", "6-10 years", "10+ years"};

int tenure_band(int months) {
  if (months < 0) return -1;  // not recorded (format version 2)
  return months < 12 ? 0 : months < 36 ? 1 : months < 72 ? 2 : months < 120 ? 3 : 4;
}

const std::vector<std::string> kCauses = {"ordinary", "AI", "consolidation"};

std::vector<GroupFigures> summary_by(const Results& r, const std::string& grouping) {
  const bool by_tenure = grouping == "tenure", by_cause = grouping == "cause";
  auto it = r.groups.find(grouping);
  if (!by_tenure && !by_cause && it == r.groups.end())
    throw FormatError("unknown grouping '" + grouping + "' (occupation, sector, region, cohort, tenure or cause)");
  if (by_tenure && r.format_version < 3)
    throw FormatError(r.path.string() + ": --by tenure needs a file of format version 3 or later (this one is " +
                      std::to_string(r.format_version) + ": its spells do not record tenure)");
  const std::vector<std::string>& names = by_tenure ? kTenureBands : by_cause ? kCauses : it->second;
  auto group_of = [&](const Spells& s, std::size_t i) -> int {
    if (by_cause) return s.cause[i] - 1;
    if (grouping == "occupation") return s.occupation[i];
    if (grouping == "sector") return s.sector[i];
    if (grouping == "region") return s.region[i];
    if (by_tenure) return tenure_band(s.tenure[i]);
    const int a = s.age[i];
    return a <= 25 ? 0 : a <= 34 ? 1 : a <= 44 ? 2 : a <= 54 ? 3 : a <= 64 ? 4 : 5;
  };
  // Each group's rows by replicate, in one pass per table.
  const auto G = names.size();
  auto by_group = [&](const Spells& s) {
    return rows_by_group(s, G, r.replicates, [&](std::size_t i) { return group_of(s, i); });
  };
  // By cause, every group is measured against the whole comparison group (no one in it
  // was displaced, for any cause).
  const auto spells = by_group(r.spells);
  const auto comparison = by_cause
                              ? std::vector<std::vector<Rows>>(
                                    G, rows_by_replicate(r.comparison, r.replicates, [](std::size_t) { return true; }))
                              : by_group(r.comparison);
  // The group's employment over the run's last 12 months (fewer in a shorter run), each
  // replicate's mean per month: what adoption did to the group's jobs, not only to its
  // displaced (by occupation: the jobs AI takes and the ones it creates).
  const auto* employed = r.grouped_series(grouping + "/employed");
  const int last = std::min(12, r.months);
  std::vector<GroupFigures> out;
  for (std::size_t g = 0; g < G; ++g) {
    const bool titled = grouping == "occupation" && g < r.occupation_titles.size();
    out.push_back({names[g], titled ? r.occupation_titles[g] : std::string(), {}});
    for (const Rows& rows : spells[g]) out.back().spells += rows.size();
    if (employed && last > 0) {
      Figure f{"employed_end", "employed, mean over the last 12 months", Unit::count,
               Eigen::VectorXd::Constant(r.replicates, kNaN), true};
      for (int rep = 0; rep < r.replicates; ++rep)
        f.values[rep] = (*employed)[static_cast<std::size_t>(rep)].col(static_cast<Eigen::Index>(g)).tail(last).mean();
      out.back().figures.push_back(f);
    }
    for (Figure& f : spell_figures(r, spells[g], comparison[g], true)) out.back().figures.push_back(std::move(f));
    if (grouping != "sector") continue;
    const auto* hhi = r.grouped_series("sector/hhi");
    for (const auto& [key, label, t] : {std::tuple{"hhi_start", "employment HHI, first month", 0},
                                        std::tuple{"hhi_end", "employment HHI, last month", r.months - 1}}) {
      Figure f{key, label, Unit::ratio, Eigen::VectorXd::Constant(r.replicates, kNaN), true};
      if (hhi)
        for (int rep = 0; rep < r.replicates; ++rep)
          f.values[rep] = (*hhi)[static_cast<std::size_t>(rep)](t, static_cast<Eigen::Index>(g));
      out.back().figures.push_back(f);
    }
    // The sector's firms, from the firm panel's events.
    for (Figure& f :
         firm_panel_figures(r, [&](std::size_t i) { return r.firm_events.sector[i] == static_cast<int>(g); }))
      out.back().figures.push_back(std::move(f));
  }
  return out;
}

}  // namespace laborsim::analysis
