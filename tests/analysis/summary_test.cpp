#include "laborsim/analysis/summary.hpp"
#include "laborsim/analysis/tables.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

using namespace laborsim::analysis;

namespace {

// A spell panel written by hand: four replicates of a run, two sectors.
struct Panel {
  Results r;
  Panel() {
    r.replicates = 4;
    r.months = 120;
    r.panel_rate = 1;
    r.groups["sector"] = {"long", "short"};
    r.region_offshore = {0};
  }
  // One displacement: replicate, sector, months until it ends, reemployed or censored.
  void spell(int rep, int sector, int months, bool reemployed, int tenure = 0, double new_wage = 1) {
    auto& s = r.spells;
    s.replicate.push_back(rep);
    s.start_month.push_back(10);
    s.end_month.push_back(10 + months);
    s.cause.push_back(1);
    s.reemployed.push_back(reemployed);
    s.occupation.push_back(0);
    s.new_occupation.push_back(0);
    s.sector.push_back(sector);
    s.region.push_back(0);
    s.new_region.push_back(0);
    s.age.push_back(30);
    s.tenure.push_back(tenure);
    s.wage.push_back(1);
    s.new_wage.push_back(new_wage);
  }
};

const Figure& find(const std::vector<Figure>& figs, const std::string& key) {
  for (const auto& f : figs)
    if (f.key == key) return f;
  throw std::runtime_error("no figure " + key);
}

}  // namespace

// A reemployment share is read off each replicate's Kaplan-Meier curve. A replicate whose
// panel follows no one that long (its longest spell censored before) cannot give it; the
// figure is the mean over the replicates that can, and n/a when fewer than half can.
TEST(SummaryBy, ReemploymentSharesOnlyWhereTheReplicatesFollowSpellsThatLong) {
  Panel p;
  // Sector "long": in replicates 0-2 one spell ends in a hire at 2 months and one is
  // censored at 30 (S = 1/2 from 2 to 30); in replicate 3 the only spell is censored at 5.
  for (int rep = 0; rep < 3; ++rep) p.spell(rep, 0, 2, true), p.spell(rep, 0, 30, false);
  p.spell(3, 0, 5, false);
  // Sector "short": replicate 0 follows someone for 30 months, replicates 1-3 only for 8.
  for (int rep = 0; rep < 4; ++rep) p.spell(rep, 1, 1, true), p.spell(rep, 1, rep < 1 ? 30 : 8, false);
  const auto groups = summary_by(p.r, "sector");
  ASSERT_EQ(groups.size(), 2u);

  const Figure& long12 = find(groups[0].figures, "reemployed_12m");
  EXPECT_DOUBLE_EQ(long12.values[0], 0.5);
  EXPECT_TRUE(std::isnan(long12.values[3]));  // replicate 3: followed for 5 months only
  EXPECT_EQ(mean_interval(long12.values).n, 3);
  EXPECT_DOUBLE_EQ(mean_interval(long12.values).mean, 0.5);
  // At 3 months replicate 3 reads S = 1 (no one hired by then): 0 reemployed.
  EXPECT_DOUBLE_EQ(mean_interval(find(groups[0].figures, "reemployed_3m").values).mean, 3 * 0.5 / 4);

  // Sector "short": at 6 months all four replicates read 1/2; at 12 only replicate 0 can,
  // fewer than half: n/a rather than one replicate's figure.
  EXPECT_EQ(mean_interval(find(groups[1].figures, "reemployed_6m").values).n, 4);
  EXPECT_EQ(mean_interval(find(groups[1].figures, "reemployed_12m").values).n, 0);
  EXPECT_EQ(mean_interval(find(groups[1].figures, "reemployed_24m").values).n, 0);

  // Half is enough: with replicate 1 also followed for 30 months, 2 of 4 give it.
  Panel q;
  for (int rep = 0; rep < 4; ++rep) q.spell(rep, 1, 1, true), q.spell(rep, 1, rep < 2 ? 30 : 8, false);
  q.spell(0, 0, 1, true);
  const auto q_groups = summary_by(q.r, "sector");
  const Figure& half = find(q_groups[1].figures, "reemployed_12m");
  EXPECT_EQ(mean_interval(half.values).n, 2);
  EXPECT_DOUBLE_EQ(mean_interval(half.values).mean, 0.5);
}

// A t-interval around a mean near a bound reaches values the figure cannot take (a
// negative count, a share above 100%); it is cut there and nowhere else, and the mean
// stays. (t(0.975, 3) = 3.182446.)
TEST(Summary, IntervalsAreCutToTheValuesAFigureCanTake) {
  auto figure = [](Unit u, std::vector<double> v) {
    return Figure{"x", "x", u, Eigen::Map<Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))};
  };
  const Figure count = figure(Unit::count, {0, 0, 0, 10});  // mean 2.5, half-width 7.96
  const Interval c = figure_interval(count), raw = mean_interval(count.values);
  EXPECT_DOUBLE_EQ(c.mean, 2.5);
  EXPECT_LT(raw.lo, 0);
  EXPECT_DOUBLE_EQ(c.lo, 0);
  EXPECT_DOUBLE_EQ(c.hi, raw.hi);
  EXPECT_NEAR(c.hi, 2.5 + 3.182446 * 5 / 2, 1e-5);  // sd 5, sqrt(4) = 2

  const Interval s = figure_interval(figure(Unit::share, {1, 1, 1, 0.6}));  // mean 0.9
  EXPECT_DOUBLE_EQ(s.mean, 0.9);
  EXPECT_DOUBLE_EQ(s.hi, 1.0);
  EXPECT_NEAR(s.lo, 0.9 - 3.182446 * 0.2 / 2, 1e-6);  // sd 0.2
  const Interval both = figure_interval(figure(Unit::rate, {0, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(both.lo, 0);
  EXPECT_DOUBLE_EQ(both.hi, 1);

  // Inside the bounds nothing changes; a share whose mean is above 1 keeps the mean inside.
  const Figure wide = figure(Unit::months, {4, 5, 6, 5});
  EXPECT_DOUBLE_EQ(figure_interval(wide).lo, mean_interval(wide.values).lo);
  const Interval over = figure_interval(figure(Unit::share, {1.2, 1.4, 1.0, 1.2}));
  EXPECT_GE(over.hi, over.mean);
  EXPECT_DOUBLE_EQ(over.hi, 1.2);
  // One replicate: no interval to cut.
  EXPECT_TRUE(std::isnan(figure_interval(figure(Unit::count, {3})).lo));
}

// A difference of two shares lies within [-1, 1], whatever its t-interval says: with two
// replicates (t = 12.7) a paired interval of shares reaches far past it. compare cuts it
// there; counts and shares that may be negative (earnings losses) are not cut.
TEST(Summary, DifferenceIntervalsAreCutToTheValuesADifferenceCanTake) {
  auto figure = [](Unit u, std::vector<double> v, bool may_be_negative = false) {
    Figure f{"x", "x", u, Eigen::Map<Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))};
    f.may_be_negative = may_be_negative;
    return f;
  };
  const Figure a = figure(Unit::share, {0.2, 0.9}), b = figure(Unit::share, {0.6, 0.7});
  const Interval raw = paired_difference(a.values, b.values);  // differences 0.4, -0.2: mean 0.1
  ASSERT_LT(raw.lo, -1);                                       // half-width 12.706 x 0.3 = 3.81
  ASSERT_GT(raw.hi, 1);
  const Interval cut = difference_interval(a, raw);
  EXPECT_DOUBLE_EQ(cut.mean, 0.1);
  EXPECT_DOUBLE_EQ(cut.lo, -1);
  EXPECT_DOUBLE_EQ(cut.hi, 1);
  EXPECT_EQ(cut.n, 2);
  // Inside the bounds, unchanged; rates as shares; counts and losses not cut at all.
  const Interval narrow =
      paired_difference(figure(Unit::rate, {0.04, 0.05, 0.06}).values, figure(Unit::rate, {0.05, 0.055, 0.07}).values);
  EXPECT_DOUBLE_EQ(difference_interval(figure(Unit::rate, {0.04, 0.05, 0.06}), narrow).lo, narrow.lo);
  EXPECT_DOUBLE_EQ(difference_interval(figure(Unit::rate, {0, 1}), raw).hi, 1);
  EXPECT_DOUBLE_EQ(difference_interval(figure(Unit::count, {3, 9}), raw).lo, raw.lo);
  EXPECT_DOUBLE_EQ(difference_interval(figure(Unit::share, {0.2, 0.9}, true), raw).hi, raw.hi);

  // compare --by cuts what it prints: two runs of two replicates, one sector, reemployment
  // within 3 months 1/2 and 1 against 1 and 1/2 (paired differences +1/2 and -1/2).
  Panel pa, pb;
  for (int rep = 0; rep < 2; ++rep) {
    pa.r.replicates = pb.r.replicates = 2;
    for (Panel* p : {&pa, &pb}) p->r.seed = 1;
    const bool a_half = rep == 0;
    pa.spell(rep, 0, 2, true), pa.spell(rep, 0, a_half ? 10 : 2, true);
    pb.spell(rep, 0, 2, true), pb.spell(rep, 0, a_half ? 2 : 10, true);
  }
  const std::vector<GroupComparison> by = compare_by(pa.r, pb.r, "sector");
  ASSERT_FALSE(by.empty());
  const Comparison& c = by[0].c;
  ASSERT_TRUE(c.paired);
  bool seen = false;
  for (std::size_t k = 0; k < c.a.size(); ++k) {
    if (c.a[k].key != "reemployed_3m") continue;
    seen = true;
    EXPECT_DOUBLE_EQ(c.diff[k].mean, 0);
    EXPECT_DOUBLE_EQ(c.diff[k].lo, -1);  // the t-interval: 0 -+ 12.706 x 0.5
    EXPECT_DOUBLE_EQ(c.diff[k].hi, 1);
  }
  EXPECT_TRUE(seen);
}

// Wage replacement of the long-tenured counts only the rehired whose tenure at the
// employer they lost was 3+ years (36 months, the Displaced Worker Survey's line); a
// replicate without any is n/a, and so is a file that does not record tenure (-1).
TEST(Summary, WageReplacementAfterThreeYearsCountsOnlyTheLongTenured) {
  Panel p;
  for (int rep = 0; rep < 4; ++rep) {
    p.spell(rep, 0, 2, true, 35, 1.0);  // just short of 3 years: not counted
    p.spell(rep, 0, 2, true, 36, 0.8);
    p.spell(rep, 0, 2, true, 120, 0.7);
    p.spell(rep, 0, 2, false, 200, 0);  // censored: no new wage
  }
  p.spell(3, 0, 2, true, 48, 0.9);  // replicate 3: median of 0.8, 0.7, 0.9
  const auto figs = summary_by(p.r, "sector")[0].figures;
  const Figure& tenured = find(figs, "wage_replacement_tenured");
  EXPECT_DOUBLE_EQ(tenured.values[0], 0.75);  // median of 0.8 and 0.7
  EXPECT_DOUBLE_EQ(tenured.values[3], 0.8);
  EXPECT_DOUBLE_EQ(find(figs, "wage_replacement").values[0], 0.8);  // median of 1.0, 0.8, 0.7

  Panel old;  // format version 2: tenure unknown
  for (int rep = 0; rep < 4; ++rep) old.spell(rep, 0, 2, true, -1, 0.8);
  EXPECT_TRUE(find(summary_by(old.r, "sector")[0].figures, "wage_replacement_tenured").values.array().isNaN().all());
}

// The earnings loss is a ratio of totals against the comparison group, year by year:
// 1 - (sum of the displaced's earnings / sum of their wages) / (the same for the
// comparison group), rows whose year is not observed (NaN) left out of both sums.
TEST(Summary, EarningsLossIsAgainstTheComparisonGroupOverTheObservedRows) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Panel p;
  p.r.spells.earnings.resize(3);  // three years followed
  p.r.comparison.earnings.resize(3);
  auto earnings = [](Spells& s, double wage, std::array<double, 3> e) {
    s.wage.back() = wage;
    for (std::size_t y = 0; y < 3; ++y) s.earnings[y].push_back(e[y]);
  };
  auto comparison = [&](int rep, int tenure, double wage, std::array<double, 3> e) {
    auto& c = p.r.comparison;
    for (auto* col : {&c.replicate, &c.start_month, &c.occupation, &c.sector, &c.region, &c.age}) col->push_back(0);
    c.replicate.back() = rep;
    c.tenure.push_back(tenure);
    c.wage.push_back(wage);
    for (std::size_t y = 0; y < 3; ++y) c.earnings[y].push_back(e[y]);
  };
  for (int rep = 0; rep < 4; ++rep) {
    p.spell(rep, 0, 2, true, 12);
    earnings(p.r.spells, 100, {50, 80, 90});
    p.spell(rep, 0, 2, true, 48);
    earnings(p.r.spells, 300, {150, 210, nan});  // its third year not observed
    comparison(rep, 12, 200, {200, 210, 220});
    comparison(rep, 60, 200, {180, nan, 160});
  }
  const auto figs = summary_by(p.r, "sector")[0].figures;
  // Year 1: displaced (50 + 150) / (100 + 300) = 0.5; comparison (200 + 180) / 400 = 0.95.
  EXPECT_DOUBLE_EQ(find(figs, "earnings_loss_year1").values[0], 1 - 0.5 / 0.95);
  // Year 3: displaced 90 / 100 (the other's year is NaN); comparison 380 / 400.
  EXPECT_DOUBLE_EQ(find(figs, "earnings_loss_year3").values[2], 1 - 0.9 / 0.95);
  // After 3+ years at the employer: displaced none observed in year 3 -> n/a.
  EXPECT_TRUE(std::isnan(find(figs, "earnings_loss_year3_tenured").values[1]));
  // Years of the wage lost over the three years, over the rows with all three observed
  // (the first spell, the first comparison record): (1 - 0.5) + (1.05 - 0.8) + (1.1 - 0.9).
  EXPECT_NEAR(find(figs, "earnings_years_lost").values[0], 0.95, 1e-12);
  // Their present value at 5% a year over the three years followed: year y + 1 / 1.05^y.
  EXPECT_NEAR(find(figs, "earnings_pv_lost").values[0], 0.5 + 0.25 / 1.05 + 0.2 / (1.05 * 1.05), 1e-12);
  // A loss can be negative (the displaced earn more): its interval is not cut at 0.
  Figure gain{"g", "g", Unit::share, Eigen::Vector4d(-0.1, -0.2, 0.05, -0.15)};
  gain.may_be_negative = true;
  EXPECT_LT(figure_interval(gain).lo, -0.2);
}

// Followed 20 years (output.earnings_years = 20), the present value of the earnings lost
// is Davis & von Wachter's: the yearly losses discounted at 5%. Displaced workers who
// earn half their wage before in every year, against a comparison group that earns its
// whole wage, lose 0.5 (1 - 1.05^-20) / (1 - 1.05^-1) = 6.54 years of it; a record with
// a year not observed (a retirement in year 20) counts in the years it has but not in
// the present value; with the comparison group followed fewer years, the value is over
// those years.
TEST(Summary, PresentValueOfTheLossOverTwentyYearsIsTheDiscountedSum) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr std::size_t kYears = 20;
  auto run = [&](std::size_t comparison_years) {
    Panel p;
    p.r.months = 300;
    p.r.spells.earnings.resize(kYears);
    p.r.comparison.earnings.resize(comparison_years);
    auto& c = p.r.comparison;
    for (int rep = 0; rep < 4; ++rep) {
      p.spell(rep, 0, 2, true, 12);
      for (std::size_t y = 0; y < kYears; ++y) p.r.spells.earnings[y].push_back(0.5);
      p.spell(rep, 0, 2, true, 12);  // earns nothing, and retires in year 20
      for (std::size_t y = 0; y < kYears; ++y) p.r.spells.earnings[y].push_back(y + 1 < kYears ? 0 : nan);
      for (auto* col : {&c.replicate, &c.start_month, &c.occupation, &c.sector, &c.region, &c.age, &c.tenure})
        col->push_back(0);
      c.replicate.back() = rep;
      c.wage.push_back(2);
      for (std::size_t y = 0; y < comparison_years; ++y) c.earnings[y].push_back(2);
    }
    return summary_by(p.r, "sector")[0].figures;
  };
  double annuity = 0;
  for (std::size_t y = 0; y < kYears; ++y) annuity += std::pow(1.05, -static_cast<double>(y));
  EXPECT_NEAR(annuity, (1 - std::pow(1.05, -20.0)) / (1 - 1 / 1.05), 1e-12);
  const auto figs = run(kYears);
  for (int rep = 0; rep < 4; ++rep) {
    EXPECT_NEAR(find(figs, "earnings_pv_lost").values[rep], 0.5 * annuity, 1e-12);
    EXPECT_NEAR(find(figs, "earnings_loss_year1").values[rep], 0.75, 1e-12);  // (0.5 + 0) / 2 against 1
    EXPECT_NEAR(find(figs, "earnings_years_lost").values[rep], 3 * 0.75, 1e-12);
  }
  // The comparison group followed 10 years: the present value over those 10, in which
  // the worker who retires in year 20 is observed too (each year's loss 0.75).
  double ten = 0;
  for (int y = 0; y < 10; ++y) ten += std::pow(1.05, -static_cast<double>(y));
  EXPECT_NEAR(find(run(10), "earnings_pv_lost").values[0], 0.75 * ten, 1e-12);
}

// window(r, from, to) is the run as a run of `to` months would have written it, begun at
// `from`: spells that began outside are gone; a spell that ended after month to-1
// (rehired or censored) is censored there, with no new job; an earnings year not wholly
// observed by month to-1 is NaN; a next displacement after month to-1 is none; the
// series keep months from..to-1 and the firm events theirs.
TEST(Window, CutsARunAsIfItHadEndedThere) {
  Results r;
  r.replicates = 1;
  r.months = r.run_months = 60;
  r.aggregate["unemployment_rate"] =
      Eigen::MatrixXd::NullaryExpr(1, 60, [](Eigen::Index, Eigen::Index j) { return static_cast<double>(j); });
  auto& s = r.spells;
  // start, end, reemployed, next displacement (months after), earnings years 1-2
  const std::array<std::array<int, 4>, 5> rows = {{{5, 8, 1, 30},      // before from: gone
                                                   {12, 20, 1, 10},    // wholly inside: kept as is
                                                   {20, 40, 1, 16},    // rehired after: censored at 35
                                                   {25, 50, 0, -1},    // censored after: censored at 35
                                                   {36, 40, 1, -1}}};  // begun after: gone
  for (const auto& [start, end, reemployed, next] : rows) {
    s.replicate.push_back(0);
    s.start_month.push_back(start);
    s.end_month.push_back(end);
    s.reemployed.push_back(reemployed);
    s.new_occupation.push_back(reemployed ? 2 : -1);
    s.new_region.push_back(reemployed ? 0 : -1);
    s.firm.push_back(7);
    s.new_firm.push_back(reemployed ? 9 : -1);
    s.new_wage.push_back(reemployed ? 50000 : 0);
    s.wage.push_back(60000);
    s.next_displacement.push_back(next);
    for (auto* col : {&s.cause, &s.occupation, &s.sector, &s.region, &s.age, &s.tenure, &s.worker}) col->push_back(1);
  }
  s.earnings = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
  r.firm_events.month = {9, 10, 35, 36};
  for (auto* col : {&r.firm_events.replicate, &r.firm_events.firm, &r.firm_events.kind, &r.firm_events.sector,
                    &r.firm_events.region, &r.firm_events.employed, &r.firm_events.laid_off, &r.firm_events.moved,
                    &r.firm_events.reopened, &r.firm_events.reopened_offshore, &r.firm_events.other_firm})
    col->assign(4, 0);
  r.firm_events.capability_believed.assign(4, 0.5);
  r.firm_events.capability_real.assign(4, 0.4);

  const Results w = window(r, 10, 36);
  EXPECT_EQ(w.months, 26);
  EXPECT_EQ(w.first_month, 10);
  EXPECT_EQ(w.run_months, 60);
  ASSERT_EQ(w.series("unemployment_rate").cols(), 26);
  EXPECT_EQ(w.series("unemployment_rate")(0, 0), 10);
  EXPECT_EQ(w.series("unemployment_rate")(0, 25), 35);
  ASSERT_EQ(w.spells.size(), 3u);
  EXPECT_EQ(w.spells.start_month, (std::vector<int>{2, 10, 15}));  // counted from month 10
  EXPECT_EQ(w.spells.end_month, (std::vector<int>{10, 25, 25}));   // 20, then month 35 twice
  EXPECT_EQ(w.spells.reemployed, (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(w.spells.new_occupation, (std::vector<int>{2, -1, -1}));
  EXPECT_EQ(w.spells.new_wage, (std::vector<double>{50000, 0, 0}));
  EXPECT_EQ(w.spells.firm, (std::vector<int>{7, 7, 7}));
  EXPECT_EQ(w.spells.new_firm, (std::vector<int>{9, -1, -1}));            // no new employer yet at month 35
  EXPECT_EQ(w.spells.next_displacement, (std::vector<int>{10, -1, -1}));  // month 22 is in the window, 36 not
  // Year 1 of a displacement in month 12 is months 13-24, observed; year 2 (25-36) is not.
  EXPECT_EQ(w.spells.earnings[0][0], 2);
  EXPECT_TRUE(std::isnan(w.spells.earnings[1][0]));
  EXPECT_TRUE(std::isnan(w.spells.earnings[0][2]));  // months 26-37
  EXPECT_EQ(w.firm_events.month, (std::vector<int>{0, 25}));

  EXPECT_THROW(window(r, 10, 61), FormatError);
  EXPECT_THROW(window(r, 10, 10), FormatError);
  EXPECT_THROW(window(r, 60, std::nullopt), FormatError);
  EXPECT_EQ(window(r, 0, 60).months, 60);  // the whole run
}

TEST(ResultsFiles, NaturalOrderComparesRunsOfDigitsAsNumbers) {
  EXPECT_TRUE(natural_less("speed=2.h5", "speed=10.h5"));
  EXPECT_FALSE(natural_less("speed=10.h5", "speed=2.h5"));
  EXPECT_TRUE(natural_less("speed=0.5.h5", "speed=1.h5"));
  EXPECT_TRUE(natural_less("a=1_b=9.h5", "a=1_b=10.h5"));
  EXPECT_TRUE(natural_less("a=2_b=10.h5", "a=10_b=1.h5"));              // the first number decides
  EXPECT_TRUE(natural_less("run.h5", "run_2.h5"));                      // as characters where no digits meet
  EXPECT_TRUE(natural_less("x1", "x01") != natural_less("x01", "x1"));  // leading zeros: a strict order still
  EXPECT_FALSE(natural_less("same", "same"));
  EXPECT_TRUE(natural_less("ab", "abc"));
  // A sweep's decimal values in their numeric order, whatever their file names' characters
  // say ('.' sorts before 'h', so "0.5.h5" went before "0.h5"), and the first of them is
  // the reference that compare and report measure the others against.
  const std::vector<std::string> values = {"p=-1.5.h5", "p=-1.h5",  "p=-0.25.h5", "p=0.h5",  "p=0.05.h5", "p=0.5.h5",
                                           "p=1.h5",    "p=1.5.h5", "p=2.h5",     "p=10.h5", "p=10.25.h5"};
  for (std::size_t x = 0; x < values.size(); ++x)
    for (std::size_t y = 0; y < values.size(); ++y)
      EXPECT_EQ(natural_less(values[x], values[y]), x < y) << values[x] << " against " << values[y];
  EXPECT_TRUE(natural_less("p=0.5.h5", "p=0.50.h5") != natural_less("p=0.50.h5", "p=0.5.h5"));  // equal: strict still
  EXPECT_TRUE(natural_less("a-1.h5", "a-2.h5"));  // a '-' not after '=' is a character
  EXPECT_TRUE(natural_less("a=1_b=-2.h5", "a=1_b=-1.h5"));
}
