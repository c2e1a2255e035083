// The initial state against the laws it is drawn from: firm sizes from a discrete Pareto
// (Zipf) law, each sector's employment, each firm's jobs split by its sector's staffing
// mix, regions and venture backing at their shares; and the same firms and people on any
// number of threads (firms are drawn in parallel batches).
#include "laborsim/model.hpp"
#include "test_scenarios.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

using namespace laborsim;

namespace {

// A count of n trials at probability p lies within 4 sd of n p, give or take `slack`.
void expect_binomial(double count, double n, double p, double slack, const std::string& what) {
  const double sd = std::sqrt(n * p * (1 - p));
  std::printf("%s: %.0f of %.0f, expected %.1f (sd %.1f)\n", what.c_str(), count, n, n * p, sd);
  EXPECT_NEAR(count, n * p, 4 * sd + slack) << what << ": " << count << " of " << n << " at p = " << p;
}

Scenario firms_scenario(long workers, const std::vector<std::string>& more = {}) {
  std::vector<std::string> overrides = {"firms.min_size=3", "firms.zipf_exponent=1.06", "firms.max_size=2000",
                                        "firms.vc_max_size=50"};
  overrides.insert(overrides.end(), more.begin(), more.end());
  return fixtures::small(overrides, workers, 1);
}

}  // namespace

// size = min(floor(min_size U^(-1/a)), max_size), so P(size >= k) = (k / min_size)^-a for
// min_size <= k <= max_size, and max_size itself carries the rest of the tail. (Each
// sector's last firm is cut to what the sector still needs: at most one firm per sector
// off the law, the slack of 2.) Rounding up instead of down, or splitting a sector's
// jobs by the unconditional staffing shares (below), moves the counts by far more than 4 sd.
TEST(InitialState, FirmSizesFollowTheDiscreteParetoLaw) {
  const Model m(firms_scenario(500000), 0);
  const auto& size = m.f.initial_size;
  const double n = static_cast<double>(size.size());
  ASSERT_GT(n, 10000);
  const double a = 1.06, lo = 3, hi = 2000;
  for (double k : {3.0, 4.0, 6.0, 30.0, 300.0, 1000.0}) {
    const auto at_least = std::count_if(size.begin(), size.end(), [&](std::int32_t s) { return s >= k; });
    expect_binomial(static_cast<double>(at_least), n, std::pow(k / lo, -a), 2,
                    "size >= " + std::to_string(static_cast<int>(k)));
  }
  EXPECT_EQ(*std::max_element(size.begin(), size.end()), 2000);
  const auto at_max = std::count(size.begin(), size.end(), 2000);
  expect_binomial(static_cast<double>(at_max), n, std::pow(hi / lo, -a), 2, "size == max_size");
  EXPECT_GE(*std::min_element(size.begin(), size.end()), 1);
}

// Every job of a firm is in one of its cells (the staffing split loses or adds none);
// sectors hold their employment shares up to the cut of their last firm; across a
// sector's firms each job lands in occupation o with probability staffing[o] (the
// sequential binomials are a multinomial); firms are abroad at the region's share, and
// those small enough are venture-backed at the sector's vc_share.
TEST(InitialState, JobsFollowTheStaffingMixAndFirmsTheirSharesOfRegionsAndBacking) {
  const Scenario sc = firms_scenario(300000);
  const Model m(sc, 1);
  const int nsec = static_cast<int>(sc.sectors.size()), nocc = static_cast<int>(sc.occupations.size());
  std::vector<double> sector_jobs(nsec), small(nsec), backed(nsec);
  std::vector<std::vector<double>> jobs(nsec, std::vector<double>(nocc));
  double abroad = 0, total = 0;
  for (std::size_t fid = 0; fid < m.f.size(); ++fid) {
    std::int64_t in_cells = 0;
    for (std::int32_t ci : m.f.cells[fid]) {
      ASSERT_EQ(m.c[ci].firm, static_cast<std::int32_t>(fid));
      ASSERT_EQ(m.c[ci].region, m.f.region[fid]);  // at the start every cell is at home
      in_cells += static_cast<std::int64_t>(m.c[ci].members.size());
      jobs[m.f.sector[fid]][m.c[ci].occ] += static_cast<double>(m.c[ci].members.size());
    }
    ASSERT_EQ(in_cells, m.f.initial_size[fid]) << "firm " << fid;
    ASSERT_EQ(m.f.employment[fid], m.f.initial_size[fid]) << "firm " << fid;
    sector_jobs[m.f.sector[fid]] += static_cast<double>(in_cells);
    total += static_cast<double>(in_cells);
    abroad += sc.regions[m.f.region[fid]].offshore ? 1 : 0;
    if (m.f.initial_size[fid] <= sc.firms.vc_max_size) {
      small[m.f.sector[fid]] += 1;
      backed[m.f.sector[fid]] += m.f.vc[fid];
    } else {
      ASSERT_FALSE(m.f.vc[fid]) << "firm " << fid << " is too large to be venture-backed";
    }
  }
  for (int s = 0; s < nsec; ++s) {
    EXPECT_NEAR(sector_jobs[s], sc.sectors[s].employment_share * total, 2) << sc.sectors[s].name;
    for (int o = 0; o < nocc; ++o)
      expect_binomial(jobs[s][o], sector_jobs[s], sc.sectors[s].staffing[o], 0,
                      sc.sectors[s].name + " / " + sc.occupations[o].name);
    expect_binomial(backed[s], small[s], sc.sectors[s].vc_share, 0, sc.sectors[s].name + " venture-backed");
  }
  double offshore_share = 0;
  for (const auto& g : sc.regions) offshore_share += g.offshore ? g.share : 0;
  expect_binomial(abroad, static_cast<double>(m.f.size()), offshore_share, 0, "firms abroad");
}

// Firms are drawn in batches in parallel (sizes, then each firm's other draws) and people
// cell by cell in parallel: one, two or four threads make the same firms, cells and people.
TEST(InitialState, SameFirmsCellsAndPeopleOnOneTwoOrFourThreads) {
  const Scenario sc = firms_scenario(200000);  // several batches of firms
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
  auto build_on = [&](int threads) {
    std::unique_ptr<Model> m;
    tbb::task_arena(threads).execute([&] { m = std::make_unique<Model>(sc, 3); });
    return m;
  };
  const auto one = build_on(1);
  ASSERT_GT(one->f.size(), 5000u);
  for (int threads : {2, 4}) {
    const auto other = build_on(threads);
    ASSERT_EQ(one->f.initial_size, other->f.initial_size) << threads << " threads";
    ASSERT_EQ(one->f.sector, other->f.sector);
    ASSERT_EQ(one->f.region, other->f.region);
    ASSERT_EQ(one->f.vc, other->f.vc);
    ASSERT_EQ(one->f.premium, other->f.premium);
    ASSERT_EQ(one->f.cells, other->f.cells);
    ASSERT_EQ(one->c.size(), other->c.size());
    for (std::size_t ci = 0; ci < one->c.size(); ++ci) {
      ASSERT_EQ(one->c[ci].members, other->c[ci].members) << "cell " << ci;
      ASSERT_EQ(one->c[ci].occ, other->c[ci].occ) << "cell " << ci;
      ASSERT_EQ(one->c[ci].target, other->c[ci].target) << "cell " << ci;
      ASSERT_EQ(one->c[ci].vacancies, other->c[ci].vacancies) << "cell " << ci;
    }
    ASSERT_EQ(one->w.core, other->w.core);
  }
}

// Each cell's employed bring Binomial(e, x) unemployed, inactive people and openings at
// the rates that make the initial unemployment rate u (x = u / (1 - u)), the inactive
// the steady state of exits and reentries (x = u / (1 - u) x exit / reentry) and the
// openings vacancies_per_unemployed per unemployed: summed over cells, binomials of all
// the employed. Each person is in the spell panel at panel_rate and has AIQ at its age
// cohort's initial share.
TEST(InitialState, PeopleAndOpeningsAtTheInitialRates) {
  const Scenario sc = firms_scenario(300000);
  const Model m(sc, 2);
  double employed = 0, openings = 0;
  for (const auto& cell : m.c) employed += static_cast<double>(cell.members.size()), openings += cell.vacancies;
  const double unemployed = static_cast<double>(m.unemployed_total());
  const double inactive = static_cast<double>(m.inactive.size());
  const auto& lm = sc.labor_market;
  const double u_per_e = lm.initial_unemployment_rate / (1 - lm.initial_unemployment_rate);
  expect_binomial(unemployed, employed, u_per_e, 0, "unemployed");
  expect_binomial(inactive, employed, u_per_e * sc.demography.unemployed_exit_rate / sc.demography.reentry_rate, 0,
                  "inactive");
  expect_binomial(openings, employed, u_per_e * lm.vacancies_per_unemployed, 0, "openings");
  const std::size_t people = m.w.core.size();
  ASSERT_EQ(static_cast<double>(people), employed + unemployed + inactive);
  double panel = 0, aiq = 0, aiq_expected = 0, aiq_var = 0;
  for (std::size_t i = 0; i < people; ++i) {
    panel += m.w.in_panel(i);
    aiq += m.w.aiq(i);
    const double p = sc.aiq.initial_share[cohort_of_age(m.age_years(static_cast<std::int32_t>(i)))];
    aiq_expected += p, aiq_var += p * (1 - p);
    ASSERT_GE(m.age_years(static_cast<std::int32_t>(i)), 22);
    ASSERT_LT(m.age_years(static_cast<std::int32_t>(i)), 79);
  }
  expect_binomial(panel, static_cast<double>(people), sc.output.panel_rate, 0, "in the panel");
  std::printf("with AIQ: %.0f of %zu, expected %.1f (sd %.1f)\n", aiq, people, aiq_expected, std::sqrt(aiq_var));
  EXPECT_NEAR(aiq, aiq_expected, 4 * std::sqrt(aiq_var));
}

// Ages at the start are the steady state of the graduates' flow (entry at an age uniform
// in [22, 26), no exit before retirement): density rising linearly over 22-26, flat
// after. So whatever a person's retirement age (at least 50), the years 22-24, 24-26 and
// 26-28 hold 1/8, 3/8 and 1/2 of those who fall in 22-28; uniform ages (1/3 each) are far
// off. initial_age inverts that distribution: 22 at u = 0, 26 where the ramp's mass ends,
// the retirement age at u = 1.
TEST(InitialState, AgesAreTheGraduatesSteadyState) {
  EXPECT_DOUBLE_EQ(initial_age(0.0, 64.0), 22.0);
  EXPECT_DOUBLE_EQ(initial_age(2.0 / 40.0, 64.0), 26.0);  // mass 2 on the ramp of 40
  EXPECT_NEAR(initial_age(1.0, 64.0), 64.0, 1e-12);
  EXPECT_NEAR(initial_age(0.5 / 40.0, 64.0), 24.0, 1e-12);  // a quarter of the ramp's mass below 24
  for (double u = 0; u < 1; u += 0.01) EXPECT_LT(initial_age(u, 60.0), initial_age(u + 0.01, 60.0));

  const Scenario sc = firms_scenario(300000);
  const Model m(sc, 4);
  double band[3] = {0, 0, 0};
  for (std::size_t id = 0; id < m.w.size(); ++id) {
    const double age = (m.month() - m.w.core[id].birth_month) / 12.0;
    if (age >= 22 && age < 28) band[static_cast<int>((age - 22) / 2)] += 1;
  }
  const double n = band[0] + band[1] + band[2];
  ASSERT_GT(n, 10000);
  expect_binomial(band[0], n, 1.0 / 8, 0, "aged 22-23");
  expect_binomial(band[1], n, 3.0 / 8, 0, "aged 24-25");
}

// Each firm's wage premium is exp(N(0, firms.wage_premium_sd)): the logs of the initial
// firms' premiums have mean 0 and that standard deviation (within 4 standard errors;
// the sd's is sd / sqrt(2 (n - 1)) for a normal sample), and each cell posts its
// occupation's wage x its region's multiplier x its firm's premium. At 0 every premium
// is 1.
TEST(InitialState, FirmWagePremiumsAreLognormalWithTheirSd) {
  for (const double sd : {0.1, 0.25}) {
    Model m(firms_scenario(200000, {"firms.wage_premium_sd=" + std::to_string(sd)}), 0);
    const auto n = static_cast<double>(m.f.premium.size());
    double sum = 0, sq = 0;
    for (float p : m.f.premium) sum += std::log(p), sq += std::log(p) * std::log(p);
    const double mean = sum / n, s = std::sqrt((sq - n * mean * mean) / (n - 1));
    std::printf("sd %.2f: %.0f firms, log premiums mean %.4f, sd %.4f\n", sd, n, mean, s);
    EXPECT_GT(n, 5000);
    EXPECT_NEAR(mean, 0, 4 * sd / std::sqrt(n));
    EXPECT_NEAR(s, sd, 4 * sd / std::sqrt(2 * (n - 1)));
    for (std::size_t ci = 0; ci < m.c.size(); ci += 97) {
      const auto& cell = m.c[ci];
      EXPECT_NEAR(
          cell.wage,
          m.sc_.occupations[cell.occ].wage * m.sc_.regions[cell.region].wage_multiplier * m.f.premium[cell.firm],
          1e-3 * cell.wage);
    }
  }
  Model flat(firms_scenario(20000, {"firms.wage_premium_sd=0"}), 0);
  for (float p : flat.f.premium) ASSERT_EQ(p, 1.0f);
}
