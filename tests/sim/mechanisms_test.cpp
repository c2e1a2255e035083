// Each mechanism tested by what it must do: comparative statics, limits, and the law
// each draw follows (expected counts computed from the model's state, within their spread).
#include "laborsim/model.hpp"
#include "test_scenarios.hpp"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace laborsim;

namespace {

// Sum of a metric over months and replicates.
double total(const Scenario& sc, M metric, int replicates = 2) {
  double x = 0;
  for (int r = 0; r < replicates; ++r) {
    Model m(sc, static_cast<std::uint64_t>(r));
    m.run();
    for (double v : m.series().values(metric)) x += v;
  }
  return x;
}

struct Replicates {
  Scenario sc;
  std::vector<Series> series;
  std::vector<Records> spells;
  explicit Replicates(Scenario s, int replicates = 2) : sc(std::move(s)) {
    for (int r = 0; r < replicates; ++r) {
      Model m(sc, static_cast<std::uint64_t>(r));
      m.run();
      series.push_back(m.series());
      spells.push_back(m.spells());
    }
  }
  double sum(M metric) const {
    double x = 0;
    for (const auto& s : series)
      for (double v : s.values(metric)) x += v;
    return x;
  }
  double at(M metric, int t, int g = 0) const {
    double x = 0;
    for (const auto& s : series) x += s.at(metric, t, g);
    return x / static_cast<double>(series.size());
  }
};

// The firms of the adoption pipeline in stage s (a test reads them before a step and
// follows them through it).
std::vector<std::int32_t> pipeline_firms_in(const Model& m, Stage s) {
  std::vector<std::int32_t> out;
  for (const auto& pf : m.pipeline)
    if (m.f.stage[pf.firm] == s) out.push_back(pf.firm);
  return out;
}

// Acquirers' sizes against the law they are drawn by: a larger live firm of the target's
// sector, in proportion to its employment (sizes and liveness as the draw saw them).
// Summed over acquisitions: the acquirers' sizes, their expectation (the size-biased
// mean) and variance.
struct AcquirerSizes {
  double size = 0, expected = 0, variance = 0;
  // Sums of size^1..3 over the firms the target could have gone to: s1 = 0 with none.
  static std::array<double, 3> larger_firms(const Model& m, const std::vector<char>& alive,
                                            const std::vector<std::int32_t>& employed, std::int32_t target) {
    std::array<double, 3> s{};
    for (std::int32_t g = 0; g < static_cast<std::int32_t>(alive.size()); ++g)
      if (alive[g] && g != target && m.f.sector[g] == m.f.sector[target] && employed[g] > employed[target]) {
        const double x = employed[g];
        s[0] += x, s[1] += x * x, s[2] += x * x * x;
      }
    return s;
  }
  void add(const std::array<double, 3>& s, double acquirer_size) {
    size += acquirer_size;
    expected += s[1] / s[0];
    variance += s[2] / s[0] - (s[1] / s[0]) * (s[1] / s[0]);
  }
};

// Overrides under which consolidation alone moves anyone (no AI, retraining, demography,
// AIQ, churn or matching) and every runway end is an acquisition where an acquirer is
// found, with the test's own overrides after them.
std::vector<std::string> consolidation_alone(std::vector<std::string> more) {
  std::vector<std::string> out = {"ai.enabled=false",
                                  "retraining.enabled=false",
                                  "demography.enabled=false",
                                  "aiq.enabled=false",
                                  "labor_market.quit_rate=0",
                                  "labor_market.layoff_rate=0",
                                  "labor_market.matching_efficiency=0",
                                  "consolidation.refunding_probability=0",
                                  "consolidation.acquisition_share=1"};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

// Retraining's prospects of each occupation in region g, (vacancies + 1) / (unemployed
// + 1) x wage, with the unemployed by market as the mechanism saw them (docs/model.md,
// section 9; the engine also divides by the mean wage, which no chance depends on).
std::vector<double> prospects(const Model& m, const Scenario& sc, int g, const std::vector<double>& unemployed) {
  std::vector<double> w(sc.occupations.size());
  for (std::size_t j = 0; j < w.size(); ++j) {
    const int mk = m.market(static_cast<int>(j), g);
    w[j] = (static_cast<double>(m.market_vacancies[mk]) + 1.0) / (unemployed[static_cast<std::size_t>(mk)] + 1.0) *
           sc.occupations[j].wage;
  }
  return w;
}

}  // namespace

TEST(Adoption, AIOffMeansNoAdoptionAndNoAICuts) {
  Replicates r(fixtures::small({"ai.enabled=false"}));
  EXPECT_EQ(r.sum(M::layoffs_ai), 0);
  EXPECT_EQ(r.sum(M::new_adopters), 0);
  EXPECT_EQ(r.sum(M::reinstatement_jobs), 0);
}

TEST(Adoption, FasterAdoptionMeansMoreAILayoffs) {
  const double slow = total(fixtures::small({"ai.adoption_speed=0.5"}), M::layoffs_ai);
  const double fast = total(fixtures::small({"ai.adoption_speed=3"}), M::layoffs_ai);
  EXPECT_GT(slow, 0);
  EXPECT_GT(fast, 1.5 * slow);
}

// A firm cuts once, at its reduction, in proportion to the capability of that month.
// Faster adoption brings the reductions forward to when capability is lower, so each
// cutting firm cuts fewer jobs, and the cuts are made at a lower capability (the reason
// why, over ten years of the baseline, AI layoffs fall again at high speeds: model.md 3).
TEST(Adoption, FasterAdoptionCutsEarlierAtLowerCapabilityAndLessPerFirm) {
  auto measure = [](const std::string& speed) {
    Replicates r(fixtures::small({"ai.adoption_speed=" + speed, "consolidation.enabled=false"}, 20000, 120), 4);
    double cuts = 0, firms = 0, weighted_capability = 0;
    for (const auto& s : r.series)
      for (int t = 0; t < 120; ++t) {
        cuts += s.at(M::layoffs_ai, t);
        firms += s.at(M::firms_cutting, t);
        weighted_capability += s.at(M::layoffs_ai, t) * s.at(M::capability_real, t);
      }
    return std::array<double, 3>{cuts, cuts / firms, weighted_capability / cuts};
  };
  const auto slow = measure("0.5"), fast = measure("4");
  std::printf("AI cuts %.0f / %.0f, per cutting firm %.2f / %.2f, capability at the cuts %.3f / %.3f (slow / fast)\n",
              slow[0], fast[0], slow[1], fast[1], slow[2], fast[2]);
  ASSERT_GT(slow[0], 200);
  ASSERT_GT(fast[0], 200);
  EXPECT_LT(fast[2], slow[2] - 0.05);
  EXPECT_LT(fast[1], slow[1]);
}

// Bass diffusion: with every firm alike (size_elasticity 0) and none leaving
// (consolidation off), a sector's adopting share F follows the hazard of MODEL.md 3.2,
// 1 - exp(-(p + q F) speed / 12) a month, F taken at the start of the month. The
// many firms make the simulated share close to that deterministic recursion; without
// the imitation term (q) it would be far below it by month 30.
TEST(Adoption, AdoptingShareFollowsTheBassRecursion) {
  const double p = 0.12, q = 1.2, speed = 1.5;
  Replicates r(fixtures::small({"ai.size_elasticity=0", "consolidation.enabled=false", "simulation.burn_in_months=0",
                                "ai.adoption_speed=1.5", "sectors.services.bass_p=0.12", "sectors.services.bass_q=1.2",
                                "sectors.tech.bass_p=0.12", "sectors.tech.bass_q=1.2"},
                               100000, 48));
  for (int g = 0; g < 2; ++g) {
    double not_adopting = 1, innovation_only = 1;
    double worst = 0;
    for (int t = 0; t < 48; ++t) {
      not_adopting *= std::exp(-(p + q * (1 - not_adopting)) * speed / 12);
      innovation_only *= std::exp(-p * speed / 12);
      const double simulated = r.at(M::sector_firms_adopting, t, g) / r.at(M::sector_firms_alive, t, g);
      EXPECT_NEAR(simulated, 1 - not_adopting, 0.02) << "sector " << g << ", month " << t;
      worst = std::max(worst, std::abs(simulated - (1 - not_adopting)));
      if (t == 30) {
        EXPECT_GT(1 - not_adopting, (1 - innovation_only) + 0.3);
      }
    }
    EXPECT_GT(1 - not_adopting, 0.9);  // the curve has run its course
    std::printf("sector %d: largest gap to the Bass recursion %.4f\n", g, worst);
  }
}

// Larger firms adopt earlier (MODEL.md 3.2, docs/model.md section 2). In month 0 no firm
// adopts yet (F = 0), so a firm of size class k (its size at the start, in powers of two)
// starts with probability 1 - exp(-p speed / 12 g_k), g_k = (size / mean size)^elasticity
// normalised so the sector's firms average one. The largest firms start several times
// as often as the smallest; and the month's adopters are about as many as without the
// size effect: size shifts who adopts first, not how many.
TEST(Adoption, LargerFirmsAdoptEarlierAndSizeShiftsWhoNotHowMany) {
  struct Tally {
    double firms = 0, observed = 0, expected = 0, variance = 0;
  };
  const double p = 0.6;
  const auto month0 = [&](double elasticity) {
    std::map<int, Tally> by_class;
    const Scenario sc =
        fixtures::small({"simulation.burn_in_months=0", "consolidation.enabled=false", "sectors.services.bass_p=0.6",
                         "sectors.tech.bass_p=0.6", "ai.size_elasticity=" + std::to_string(elasticity)},
                        100000, 1);
    for (int rep = 0; rep < 4; ++rep) {
      Model m(sc, static_cast<std::uint64_t>(rep));
      std::vector<std::int32_t> before;  // alive and not adopting at the start
      for (std::int32_t fid = 0; fid < static_cast<std::int32_t>(m.f.alive.size()); ++fid)
        if (m.f.alive[fid] && m.f.stage[fid] == Stage::none) before.push_back(fid);
      m.step();
      for (std::int32_t fid : before) {
        const int k = Model::size_class(m.f.initial_size[fid]);
        const double g = m.adoption_factor[static_cast<std::size_t>(m.f.sector[fid]) * Model::kSizeClasses + k];
        const double h = 1 - std::exp(-p / 12 * g);
        Tally& t = by_class[k];
        t.firms += 1;
        t.observed += m.f.stage[fid] != Stage::none;
        t.expected += h;
        t.variance += h * (1 - h);
      }
    }
    return by_class;
  };
  const auto sized = month0(0.3), flat = month0(0.0);
  Tally small_firms, large_firms, all_sized, all_flat;  // sizes 1-3 (classes 0-1), 64 and more (6+)
  const auto add = [](Tally& into, const Tally& t) {
    into.firms += t.firms, into.observed += t.observed, into.expected += t.expected, into.variance += t.variance;
  };
  for (const auto& [k, t] : sized) {
    if (t.expected >= 20) {
      EXPECT_NEAR(t.observed, t.expected, 4 * std::sqrt(t.variance))
          << "size class " << k << ", " << t.firms << " firms";
    }
    if (k <= 1) add(small_firms, t);
    if (k >= 6) add(large_firms, t);
    add(all_sized, t);
  }
  for (const auto& [k, t] : flat) add(all_flat, t);
  ASSERT_GT(small_firms.firms, 1000);
  ASSERT_GT(large_firms.firms, 100);
  const double small_rate = small_firms.observed / small_firms.firms,
               large_rate = large_firms.observed / large_firms.firms;
  std::printf("month 0 adoption: firms of 1-3 %.4f, of 64+ %.4f; adopters %.0f (%.1f expected), %.0f without size\n",
              small_rate, large_rate, all_sized.observed, all_sized.expected, all_flat.observed);
  EXPECT_GT(large_rate, 2.5 * small_rate);
  EXPECT_NEAR(all_sized.observed, all_flat.observed, 0.1 * all_flat.observed);
}

TEST(Adoption, PipelinePassesThroughItsStagesInOrder) {
  // With 2+4+2 months of mandate, documentation and assessment, no firm cuts before
  // month 8 of the run, and adopters are seen in each stage on the way.
  Replicates r(fixtures::small({"ai.adoption_speed=3"}));
  for (int t = 0; t < 8; ++t) EXPECT_EQ(r.at(M::layoffs_ai, t), 0) << t;
  EXPECT_GT(r.sum(M::firms_mandate), 0);
  EXPECT_GT(r.sum(M::firms_documentation), 0);
  EXPECT_GT(r.sum(M::firms_assessment), 0);
  EXPECT_GT(r.sum(M::firms_reduced), 0);
  EXPECT_GT(r.at(M::firms_realised, 59), 0);
}

TEST(Adoption, EachStageTakesItsMonthsAndZeroMonthStagesPassInTheMonth) {
  // Firms adopting in month 0 cut when mandate + documentation + assessment months have
  // passed (2 + 4 + 2 = 8), not before and not later; with zero-month stages they cut
  // in the month they adopt. Reduced firms realise realisation_months (9) after cutting.
  Replicates staged(fixtures::small({"ai.adoption_speed=3"}));
  ASSERT_GT(staged.at(M::new_adopters, 0), 0);
  for (int t = 0; t < 8; ++t) EXPECT_EQ(staged.at(M::firms_cutting, t), 0) << t;
  EXPECT_GT(staged.at(M::firms_cutting, 8), 0);
  for (int t = 0; t < 17; ++t) EXPECT_EQ(staged.at(M::firms_realised, t), 0) << t;
  EXPECT_GT(staged.at(M::firms_realised, 17), 0);

  Replicates direct(fixtures::small(
      {"ai.adoption_speed=3", "ai.mandate_months=0", "ai.documentation_months=0", "ai.assessment_months=0"}));
  EXPECT_GT(direct.at(M::firms_cutting, 0), 0);
  EXPECT_GT(direct.at(M::layoffs_ai, 0), 0);
  EXPECT_EQ(direct.at(M::firms_realised, 8), 0);
  EXPECT_GT(direct.at(M::firms_realised, 9), 0);
}

TEST(Adoption, DocumentationByAIQWorkersDeepensCuts) {
  const double low =
      total(fixtures::small({"ai.documentation_aiq_gain=0", "ai.documentation_base=0.3"}), M::layoffs_ai);
  const double high =
      total(fixtures::small({"ai.documentation_aiq_gain=3", "ai.documentation_base=0.3"}), M::layoffs_ai);
  EXPECT_GT(high, 1.3 * low);
}

// At reduction a firm cuts each home occupation's staff with probability ai_exposure x
// perceived capability x reduction_intensity x the capability transfer its documentation
// reached (MODEL.md 3.3). The test rebuilds every reducing cell's staff before the cut
// (after it, plus those cut) and sums the expected cuts: the AI layoffs must match
// within their binomial spread (retirements later in the month shrink the staff counted
// after, a little).
TEST(Adoption, CutsFollowExposureCapabilityIntensityAndTransfer) {
  const Scenario sc = fixtures::small({"ai.adoption_speed=3"}, 40000, 48);
  double expected = 0, variance = 0, cut = 0;
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    while (m.month() < sc.simulation.months) {
      const std::vector<std::int32_t> assessing = pipeline_firms_in(m, Stage::assessment);
      m.step();
      for (std::int32_t fid : assessing) {
        if (m.f.stage[fid] != Stage::reduced && m.f.stage[fid] != Stage::realised) continue;
        const auto found = m.cuts.find(fid);
        for (std::int32_t ci : m.f.cells[fid]) {
          if (m.c[ci].region != m.f.region[fid]) continue;
          std::int64_t k = 0;
          if (found != m.cuts.end())
            for (const auto& c : found->second) k += c.occ == m.c[ci].occ ? c.count : 0;
          const double n = static_cast<double>(m.c[ci].members.size() + k);
          const double p =
              sc.occupations[m.c[ci].occ].ai_exposure * m.perceived * sc.ai.reduction_intensity * m.f.transfer[fid];
          expected += n * p, variance += n * p * (1 - p), cut += static_cast<double>(k);
        }
      }
    }
  }
  std::printf("AI cuts %.0f, expected %.1f (sd %.1f)\n", cut, expected, std::sqrt(variance));
  ASSERT_GT(expected, 500);
  EXPECT_NEAR(cut, expected, 4 * std::sqrt(variance) + 0.01 * expected);
}

TEST(Adoption, EntryLevelWorkersAreCutFirst) {
  // Seniority weights 5:1 for 22-25s: their share of AI layoffs exceeds their share of
  // ordinary layoffs, which hit every age alike.
  Replicates r(fixtures::small(
      {"ai.adoption_speed=3", "output.panel_rate=1", "ai.seniority_weights=[5.0,1.0,1.0,1.0,1.0,1.0]"}));
  double young_ai = 0, ai = 0, young_ord = 0, ord = 0;
  for (const auto& sp : r.spells)
    for (const auto& s : sp) {
      if (s.cause == 2) ai += 1, young_ai += s.age <= 25;
      if (s.cause == 1) ord += 1, young_ord += s.age <= 25;
    }
  ASSERT_GT(ai, 100);
  EXPECT_GT(young_ai / ai, 1.5 * young_ord / ord);
}

// At realisation a firm that cut regrets with probability 1 - exp(-k shortfall), the
// shortfall being the mean exposure of the jobs it cut times (believed capability - real
// capability now)+ (MODEL.md 3.4). Summed over every firm that realises, those
// probabilities are the expected number of regretting firms; the draws must match it
// within their binomial spread.
TEST(Regret, RegretFollowsTheShortfallLaw) {
  const Scenario sc = fixtures::small(
      {"ai.adoption_speed=3", "ai.hype_premium=1.0", "ai.hype_decay_months=120", "ai.regret_sensitivity=4"}, 40000, 60);
  const double k = sc.ai.regret_sensitivity;
  double expected = 0, variance = 0, regretted = 0;
  double cut_by_regretters = 0, cut_by_onshore_regretters = 0, reopened = 0, offshore = 0;
  int realised = 0;
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    while (m.month() < sc.simulation.months) {
      const std::vector<std::int32_t> reduced = pipeline_firms_in(m, Stage::reduced);
      m.step();
      if (m.month() <= 0) continue;
      regretted += m.series().at(M::new_regretting_firms, m.month() - 1);
      for (std::int32_t fid : reduced) {
        const auto cut = m.cuts.find(fid);
        if (m.f.stage[fid] != Stage::realised || cut == m.cuts.end()) continue;
        double jobs = 0, exposure = 0;
        for (const auto& c : cut->second) jobs += c.count, exposure += c.count * sc.occupations[c.occ].ai_exposure;
        if (jobs == 0) continue;
        const double shortfall = exposure / jobs * std::max(0.0, double{m.f.believed[fid]} - m.capability);
        const double p = 1 - std::exp(-k * shortfall);
        expected += p, variance += p * (1 - p), realised += 1;
      }
    }
    // A regretting firm re-opens Binomial(cut, rehire_share) jobs of each cut occupation,
    // Binomial(re-opened, offshore_share) of them offshore if it is based onshore.
    for (const auto& [fid, list] : m.cuts) {
      if (!m.f.regret[fid]) continue;
      for (const auto& c : list) {
        cut_by_regretters += c.count;
        if (!sc.regions[m.f.region[fid]].offshore) cut_by_onshore_regretters += c.count;
      }
    }
    for (int t = 0; t < sc.simulation.months; ++t)
      reopened += m.series().at(M::reopened_jobs, t), offshore += m.series().at(M::reopened_jobs_offshore, t);
  }
  std::printf("%d firms realised: %.0f regretted, %.1f expected (sd %.1f)\n", realised, regretted, expected,
              std::sqrt(variance));
  ASSERT_GT(expected, 50);               // enough firms, and enough shortfall, to tell
  EXPECT_LT(expected, realised - 50.0);  // and not every firm certain to regret
  EXPECT_NEAR(regretted, expected, 4 * std::sqrt(variance));

  const double rehire = sc.ai.rehire_share, off = sc.ai.offshore_share;
  std::printf("re-opened %.0f of %.0f jobs cut by regretting firms (rehire_share %.2f); offshore %.0f\n", reopened,
              cut_by_regretters, rehire, offshore);
  ASSERT_GT(cut_by_regretters, 300);
  EXPECT_NEAR(reopened, rehire * cut_by_regretters, 4 * std::sqrt(cut_by_regretters * rehire * (1 - rehire)));
  // (re-opened jobs of onshore firms: their share of the cut jobs, as the draws go)
  const double onshore_reopened = reopened * cut_by_onshore_regretters / cut_by_regretters;
  EXPECT_NEAR(offshore, off * onshore_reopened, 4 * std::sqrt(onshore_reopened * off * (1 - off)) + 5);
}

TEST(Regret, NoHypeNoRegret) {
  Replicates r(fixtures::small({"ai.adoption_speed=3", "ai.hype_premium=0"}));
  EXPECT_GT(r.sum(M::layoffs_ai), 0);
  EXPECT_EQ(r.sum(M::new_regretting_firms), 0);
  EXPECT_EQ(r.sum(M::reopened_jobs), 0);
}

TEST(Regret, HypeBringsRegretAndReopenedJobs) {
  Replicates r(fixtures::small({"ai.adoption_speed=3", "ai.hype_premium=1.5"}));
  EXPECT_GT(r.sum(M::new_regretting_firms), 0);
  EXPECT_GT(r.sum(M::reopened_jobs), 0);
  EXPECT_GT(r.sum(M::regret_rehires), 0);
  EXPECT_LE(r.sum(M::reopened_jobs), r.sum(M::layoffs_ai));
}

// A regret rehire is at lower pay when its job pays less than the cut job did: the
// firm's posted wage at home, where it cuts. With every re-opened job placed at home
// (offshore_share 0) none is; with every job of an onshore firm placed abroad
// (offshore_share 1) exactly those offshore rehires are, and the firms based abroad, which
// rehire at home at their own wage, add none. (Before 2026-12-05 the yardstick was the
// occupation's wage at a multiplier of 1, so every rehire by a firm based abroad, or in
// any region paid below 1, counted as lower pay.)
TEST(Regret, RehiresAtLowerPayAreThosePaidBelowTheCutJob) {
  for (const double offshore : {0.0, 1.0}) {
    SCOPED_TRACE("offshore_share " + std::to_string(offshore));
    Replicates r(fixtures::small({"ai.hype_premium=1.5", "ai.adoption_speed=3", "ai.regret_sensitivity=20",
                                  "ai.offshore_share=" + std::to_string(offshore)}),
                 2);
    const double rehires = r.sum(M::regret_rehires), off = r.sum(M::regret_rehires_offshore),
                 lower = r.sum(M::regret_rehires_lower_pay);
    std::printf("offshore_share %.0f: %.0f regret rehires, %.0f offshore, %.0f at lower pay\n", offshore, rehires, off,
                lower);
    ASSERT_GT(rehires, 200);
    if (offshore == 0) {
      EXPECT_EQ(off, 0);
      EXPECT_EQ(lower, 0);
    } else {
      EXPECT_GT(off, 0.5 * rehires);
      EXPECT_EQ(lower, off);
    }
  }
}

TEST(Regret, OffshoreShareSendsReopenedJobsAbroad) {
  Replicates none(fixtures::small({"ai.adoption_speed=3", "ai.hype_premium=1.5", "ai.offshore_share=0"}));
  EXPECT_GT(none.sum(M::reopened_jobs), 0);
  EXPECT_EQ(none.sum(M::reopened_jobs_offshore), 0);
  EXPECT_EQ(none.sum(M::regret_rehires_offshore), 0);
  Replicates all(fixtures::small({"ai.adoption_speed=3", "ai.hype_premium=1.5", "ai.offshore_share=1"}));
  // Every onshore firm's re-opened job goes abroad (firms based abroad, a tenth of
  // firms here, rehire at home).
  EXPECT_GT(all.sum(M::reopened_jobs_offshore), 0.75 * all.sum(M::reopened_jobs));
  EXPECT_GT(all.sum(M::regret_rehires_offshore), 0);
  // Offshore pay is 0.4 of onshore: every offshore regret rehire is at lower pay.
  EXPECT_GE(all.sum(M::regret_rehires_lower_pay), all.sum(M::regret_rehires_offshore));
}

TEST(Reinstatement, AdoptionCreatesComplementJobs) {
  Replicates off(fixtures::small({"ai.adoption_speed=3", "ai.reinstatement_ratio=0"}));
  Replicates on(fixtures::small({"ai.adoption_speed=3", "ai.reinstatement_ratio=1"}));
  EXPECT_EQ(off.sum(M::reinstatement_jobs), 0);
  EXPECT_GT(on.sum(M::reinstatement_jobs), 0);
  const int engineer = on.sc.occupation_index("engineer");
  EXPECT_GT(on.at(M::occ_employed, 59, engineer), off.at(M::occ_employed, 59, engineer));
  // reinstatement_ratio complement jobs per AI-cut job, each firm's share rounded up or
  // down at random so that it is exact on average: over thousands of cuts the totals
  // agree to the rounding's spread (at most one job per cutting firm, sd below 1/2 each).
  Replicates half(fixtures::small({"ai.adoption_speed=3", "ai.reinstatement_ratio=0.5"}, 40000, 60));
  const double want = 0.5 * half.sum(M::layoffs_ai);
  std::printf("reinstatement jobs %.0f, 0.5 x AI cuts %.1f, %.0f cutting firms\n", half.sum(M::reinstatement_jobs),
              want, half.sum(M::firms_cutting));
  ASSERT_GT(want, 500);
  EXPECT_NEAR(half.sum(M::reinstatement_jobs), want, 4 * 0.5 * std::sqrt(half.sum(M::firms_cutting)));
}

// Every worker employed when churn runs (last month's employed plus this month's hires
// from unemployment: matching comes first) is laid off with probability layoff_rate and,
// if not, quits with probability quit_rate. With the demand gap's separations, AI and
// consolidation off, those are all the layoffs and quits there are.
TEST(Churn, LayoffsAndQuitsAtTheirRates) {
  Replicates r(
      fixtures::small({"ai.enabled=false", "consolidation.enabled=false", "labor_market.demand_gap_separation=0",
                       "labor_market.layoff_rate=0.012", "labor_market.quit_rate=0.02"},
                      40000, 36));
  double exposed = 0, layoffs = 0, quits = 0;
  for (const auto& s : r.series)
    for (int t = 1; t < 36; ++t) {
      exposed += s.at(M::employed, t - 1) + s.at(M::hires_from_unemployment, t);
      layoffs += s.at(M::layoffs_ordinary, t);
      quits += s.at(M::quits, t);
    }
  const double lr = 0.012, qr = 0.02;
  std::printf("layoffs %.0f (%.1f expected), quits %.0f (%.1f expected)\n", layoffs, lr * exposed, quits,
              qr * (exposed - layoffs));
  EXPECT_NEAR(layoffs, lr * exposed, 4 * std::sqrt(exposed * lr));
  EXPECT_NEAR(quits, qr * (exposed - layoffs), 4 * std::sqrt(exposed * qr));
}

// New hires separate more often (labor_market.new_hire_separation_factor F): a worker in
// its first new_hire_months months at the employer is laid off with probability F x
// layoff_rate and otherwise quits with probability F x quit_rate; the others at the
// rates themselves. One month of churn, worker by worker: each class leaves at its own
// probability, and the layoffs add up to both classes' expected layoffs.
TEST(Churn, NewHiresSeparateAtTheFactorTimesTheRates) {
  const double l = 0.02, q = 0.04, factor = 3;
  const int months = 12;
  const Scenario sc =
      fixtures::small({"simulation.burn_in_months=0", "ai.enabled=false", "consolidation.enabled=false",
                       "demography.enabled=false", "labor_market.demand_gap_separation=0",
                       "labor_market.layoff_rate=" + std::to_string(l), "labor_market.quit_rate=" + std::to_string(q),
                       "labor_market.new_hire_separation_factor=" + std::to_string(factor),
                       "labor_market.new_hire_months=" + std::to_string(months)},
                      60000, 1);
  const double leave_new = factor * l + (1 - factor * l) * factor * q, leave_old = l + (1 - l) * q;
  double n_new = 0, n_old = 0, left_new = 0, left_old = 0, layoffs = 0, expected_layoffs = 0;
  for (int rep = 0; rep < 4; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::vector<std::int32_t> cell(m.w.size(), -1);
    std::vector<char> is_new(m.w.size(), 0);
    for (std::size_t i = 0; i < m.w.size(); ++i) {
      if (m.w.status(i) != Status::employed) continue;
      cell[i] = m.w.core[i].cell;
      is_new[i] = m.month() - m.w.core[i].spell_start < months;
      (is_new[i] ? n_new : n_old) += 1;
      expected_layoffs += is_new[i] ? factor * l : l;
    }
    mech::churn(m);
    for (std::size_t i = 0; i < m.w.size(); ++i) {
      if (cell[i] < 0) continue;
      const bool left = m.w.status(i) != Status::employed || m.w.core[i].cell != cell[i];
      (is_new[i] ? left_new : left_old) += left;
    }
    layoffs += m.series().at(M::layoffs_ordinary, 0);
  }
  std::printf(
      "new hires %.0f, left %.0f (%.1f expected); others %.0f, left %.0f (%.1f expected); layoffs %.0f "
      "(%.1f expected)\n",
      n_new, left_new, n_new * leave_new, n_old, left_old, n_old * leave_old, layoffs, expected_layoffs);
  ASSERT_GT(n_new, 20000);
  ASSERT_GT(n_old, 40000);
  EXPECT_NEAR(left_new, n_new * leave_new, 4 * std::sqrt(n_new * leave_new * (1 - leave_new)));
  EXPECT_NEAR(left_old, n_old * leave_old, 4 * std::sqrt(n_old * leave_old * (1 - leave_old)));
  EXPECT_NEAR(layoffs, expected_layoffs, 4 * std::sqrt(expected_layoffs));
  // What the test can tell apart: new hires leaving at the others' probability would be
  // ~30 sd away.
  EXPECT_GT(n_new * (leave_new - leave_old), 20 * std::sqrt(n_new * leave_new));
}

// A profile of tenure bands (labor_market.tenure_separation_months and _factors): a
// worker in band i is laid off with probability f_i x layoff_rate and otherwise quits
// with probability f_i x quit_rate. Three bands, one with a factor below 1 and one of 0:
// each band leaves at its own probability, and no one in the last band leaves at all.
// (The profile is set after the initial state, drawn with one hazard for every tenure:
// with a factor of 0 its steady state would hold no one in the first two bands.)
TEST(Churn, EachTenureBandSeparatesAtItsFactorTimesTheRates) {
  const double l = 0.02, q = 0.04;
  const std::vector<int> edge = {6, 36};
  const std::vector<double> factor = {3, 0.5, 0};
  const Scenario sc = fixtures::small(
      {"simulation.burn_in_months=0", "ai.enabled=false", "consolidation.enabled=false", "demography.enabled=false",
       "labor_market.demand_gap_separation=0", "labor_market.layoff_rate=0.02", "labor_market.quit_rate=0.04"},
      60000, 1);
  std::array<double, 3> n{}, left{};
  for (int rep = 0; rep < 4; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    m.sc_.labor_market.tenure_separation_months = edge;
    m.sc_.labor_market.tenure_separation_factors = factor;
    std::vector<std::int32_t> cell(m.w.size(), -1);
    std::vector<int> band(m.w.size(), 0);
    for (std::size_t i = 0; i < m.w.size(); ++i) {
      if (m.w.status(i) != Status::employed) continue;
      cell[i] = m.w.core[i].cell;
      const int tenure = m.month() - m.w.core[i].spell_start;
      band[i] = tenure < edge[0] ? 0 : tenure < edge[1] ? 1 : 2;
      n[static_cast<size_t>(band[i])] += 1;
    }
    mech::churn(m);
    for (std::size_t i = 0; i < m.w.size(); ++i) {
      if (cell[i] < 0) continue;
      left[static_cast<size_t>(band[i])] += m.w.status(i) != Status::employed || m.w.core[i].cell != cell[i];
    }
  }
  for (size_t b = 0; b < 3; ++b) {
    const double p = factor[b] * l + (1 - factor[b] * l) * factor[b] * q;
    std::printf("band %zu: %.0f employed, %.0f left (%.1f expected)\n", b, n[b], left[b], n[b] * p);
    ASSERT_GT(n[b], 20000);
    EXPECT_NEAR(left[b], n[b] * p, 4 * std::sqrt(n[b] * p * (1 - p) + 1e-9));
  }
  EXPECT_EQ(left[2], 0);
  // The middle band at the rates themselves (factor 1) would be ~10 sd away.
  const double p1 = l + (1 - l) * q, p_half = 0.5 * l + (1 - 0.5 * l) * 0.5 * q;
  EXPECT_GT(n[1] * (p1 - p_half), 10 * std::sqrt(n[1] * p1));
}

// Thinning by tenure draws layoff candidates at the new hires' higher rate and keeps a
// longer-tenured one with probability 1/F; one not kept is not laid off and must still
// quit at quit_rate, like every worker not laid off. With high rates the difference is
// large: a long-tenured worker quits with probability (1 - l) q, where a draw that kept
// rejected candidates out of the quits would give (1 - F l) q.
TEST(Churn, RejectedLayoffCandidatesMayStillQuit) {
  const double l = 0.1, q = 0.1, factor = 3;
  const Scenario sc = fixtures::small(
      {"simulation.burn_in_months=0", "ai.enabled=false", "consolidation.enabled=false", "demography.enabled=false",
       "labor_market.demand_gap_separation=0", "labor_market.layoff_rate=0.1", "labor_market.quit_rate=0.1",
       "labor_market.new_hire_separation_factor=3", "labor_market.new_hire_months=2"},
      60000, 1);
  double n_old = 0, quits_old = 0;
  for (int rep = 0; rep < 4; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::vector<std::int32_t> cell(m.w.size(), -1);
    for (std::size_t i = 0; i < m.w.size(); ++i)
      if (m.w.status(i) == Status::employed && m.month() - m.w.core[i].spell_start >= 2) {
        cell[i] = m.w.core[i].cell;
        n_old += 1;
      }
    mech::churn(m);
    for (std::size_t i = 0; i < m.w.size(); ++i) {
      if (cell[i] < 0) continue;
      const bool left = m.w.status(i) != Status::employed || m.w.core[i].cell != cell[i];
      quits_old += left && m.w.cause(i) != Cause::ordinary;  // a layoff's cause is ordinary
    }
  }
  const double expected = n_old * (1 - l) * q, kept_out = n_old * (1 - factor * l) * q;
  std::printf("longer-tenured %.0f: %.0f quit (%.1f expected; %.1f if rejected candidates could not quit)\n", n_old,
              quits_old, expected, kept_out);
  ASSERT_GT(n_old, 50000);
  EXPECT_NEAR(quits_old, expected, 4 * std::sqrt(expected));
  EXPECT_GT(expected - kept_out, 10 * std::sqrt(expected));
}

TEST(Churn, DemandGapPullsEmploymentPlusVacanciesToTarget) {
  // No replacement of separations: without the gap adjustment jobs drain away; with it,
  // openings restore e + v toward the demand target.
  const auto base = std::vector<std::string>{"ai.enabled=false", "consolidation.enabled=false",
                                             "demography.enabled=false", "labor_market.replacement_share=0"};
  auto with = base;
  with.push_back("labor_market.demand_gap_opening=0.5");
  Replicates drain(fixtures::small(base));
  Replicates gap(fixtures::small(with));
  const double e0 = gap.at(M::employed, 0) + gap.at(M::vacancies, 0);
  EXPECT_LT(drain.at(M::employed, 59) + drain.at(M::vacancies, 59), 0.8 * e0);
  EXPECT_NEAR((gap.at(M::employed, 59) + gap.at(M::vacancies, 59)) / e0, 1.0, 0.03);
}

// The separation half of the demand-gap adjustment (MODEL.md 3.6): a live cell whose
// employment plus openings exceeds its demand target by gap sheds Binomial(gap,
// demand_gap_separation) of its staff. Targets are lowered by hand here, since no
// mechanism of the model lowers one without cutting the same jobs at once (next test).
TEST(Churn, DemandGapSeparationsFollowTheBinomialLaw) {
  const double gamma = 0.3;
  const Scenario sc =
      fixtures::small({"simulation.burn_in_months=0", "ai.enabled=false", "consolidation.enabled=false",
                       "labor_market.layoff_rate=0", "labor_market.quit_rate=0", "labor_market.demand_gap_opening=0",
                       "labor_market.demand_gap_separation=" + std::to_string(gamma)},
                      60000, 1);
  double expected = 0, variance = 0, cut = 0, strays = 0;
  for (int rep = 0; rep < 4; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::vector<std::int64_t> before(m.c.size()), gap(m.c.size(), 0);
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      auto& cell = m.c[ci];
      before[ci] = static_cast<std::int64_t>(cell.members.size());
      // Every other cell with staff gets a gap of up to 5, never above its staff (the
      // cut is capped there, which would bend the law).
      if (ci % 2 == 0 && !cell.members.empty() && m.f.alive[cell.firm]) {
        gap[ci] = std::min<std::int64_t>(5, before[ci]);
        cell.target -= static_cast<std::int32_t>(gap[ci]);
        m.note_gap(static_cast<std::int32_t>(ci));
      }
      expected += static_cast<double>(gap[ci]) * gamma;
      variance += static_cast<double>(gap[ci]) * gamma * (1 - gamma);
    }
    mech::churn(m);
    double lost_here = 0;
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      const auto lost = static_cast<double>(before[ci] - static_cast<std::int64_t>(m.c[ci].members.size()));
      (gap[ci] > 0 ? cut : strays) += lost;
      lost_here += lost;
    }
    EXPECT_EQ(m.series().at(M::layoffs_ordinary, 0), lost_here) << "each of them an ordinary layoff";
  }
  std::printf("demand-gap separations %.0f, expected %.1f (sd %.1f)\n", cut, expected, std::sqrt(variance));
  ASSERT_GT(expected, 1000);
  EXPECT_EQ(strays, 0) << "cells at their target lose no one";
  EXPECT_NEAR(cut, expected, 4 * std::sqrt(variance));
}

// Why demand_gap_separation has nothing to act on in a run: every mechanism keeps each
// live cell's employment plus openings at or below its demand target (AI cuts lower the
// target by the jobs they cut, acquisitions raise the acquirer's by the staff it takes,
// regret and reinstatement raise a target and open as many vacancies, and a separation
// is replaced only while the cell is below its target). With every mechanism on, hype
// and regret, acquisitions and failures, at-risk retraining and the opening half of the
// gap adjustment, no live cell is ever above its target.
TEST(Churn, NoLiveCellIsEverAboveItsDemandTarget) {
  const Scenario sc =
      fixtures::small({"ai.hype_premium=1.0", "ai.adoption_speed=3", "consolidation.refunding_probability=0",
                       "consolidation.acquisition_share=0.5", "retraining.at_risk_entry_rate=0.05",
                       "labor_market.demand_gap_opening=0.2", "labor_market.demand_gap_separation=0.5"},
                      20000, 48);
  Model m(sc, 3);
  std::int64_t cells_checked = 0, below = 0;
  for (int t = 0; t < 12 + 48; ++t) {
    m.step();
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      const auto& cell = m.c[ci];
      if (!m.f.alive[cell.firm]) continue;
      const std::int64_t e_plus_v = static_cast<std::int64_t>(cell.members.size()) + cell.vacancies;
      ASSERT_LE(e_plus_v, cell.target) << "cell " << ci << " in month " << m.month() - 1;
      ++cells_checked;
      below += e_plus_v < cell.target;
    }
  }
  std::printf("%lld live cells checked, %lld below target\n", static_cast<long long>(cells_checked),
              static_cast<long long>(below));
  // The run did exercise what could break it.
  double ai = 0, acquisitions = 0, regret = 0, at_risk = 0;
  for (int t = 0; t < 48; ++t) {
    ai += m.series().at(M::layoffs_ai, t);
    acquisitions += m.series().at(M::acquisitions, t);
    regret += m.series().at(M::regret_rehires, t);
    at_risk += m.series().at(M::retraining_entries_at_risk, t);
  }
  std::printf("AI layoffs %.0f, acquisitions %.0f, regret rehires %.0f, at-risk entries %.0f\n", ai, acquisitions,
              regret, at_risk);
  EXPECT_GT(ai, 0);
  EXPECT_GT(acquisitions, 0);
  EXPECT_GT(regret, 0);
  EXPECT_GT(at_risk, 0);
  EXPECT_GT(below, 0);
}

// The demand-gap adjustment turned on by a [[schedule]] reaches every cell already off
// its target, not only those a separation touches afterwards. For a year separations
// are not replaced (replacement_share 0), so cells fall below their targets, with the
// adjustment off; at month 12 separations stop and every missing job is re-opened
// (demand_gap_opening 1). Hiring only fills openings, and nothing else moves a cell
// (AI, consolidation, retraining and demography off), so after month 12 every live cell
// holds exactly its target in staff and openings.
TEST(Churn, DemandGapTurnedOnLaterReachesEveryCellOffTarget) {
  const Scenario sc = fixtures::small(
      {"simulation.burn_in_months=0", "ai.enabled=false", "consolidation.enabled=false", "retraining.enabled=false",
       "demography.enabled=false", "labor_market.replacement_share=0", "labor_market.demand_gap_opening=0",
       "labor_market.demand_gap_separation=0", "schedule.12.labor_market.layoff_rate=0",
       "schedule.12.labor_market.quit_rate=0", "schedule.12.labor_market.demand_gap_opening=1"},
      20000, 24);
  Model m(sc, 1);
  while (m.month() < 12) m.step();
  std::int64_t short_cells = 0, missing = 0;
  for (const auto& cell : m.c) {
    if (!m.f.alive[cell.firm]) continue;
    const std::int64_t gap = cell.target - static_cast<std::int64_t>(cell.members.size()) - cell.vacancies;
    short_cells += gap > 0;
    missing += std::max<std::int64_t>(gap, 0);
  }
  std::printf("before month 12: %lld live cells below target, %lld jobs missing\n", static_cast<long long>(short_cells),
              static_cast<long long>(missing));
  ASSERT_GT(short_cells, 100) << "the year without replacement drained cells";
  m.step();
  std::int64_t still_short = 0;
  for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
    const auto& cell = m.c[ci];
    if (!m.f.alive[cell.firm]) continue;
    still_short += static_cast<std::int64_t>(cell.members.size()) + cell.vacancies != cell.target;
  }
  EXPECT_EQ(still_short, 0) << "live cells off their target after the adjustment";
  // Every missing job was opened (hiring moves openings into staff, one for one).
  EXPECT_EQ(m.series().at(M::vacancies, 12) + m.series().at(M::employed, 12),
            m.series().at(M::vacancies, 11) + m.series().at(M::employed, 11) + static_cast<double>(missing));
  EXPECT_GT(m.series().at(M::vacancies, 12), m.series().at(M::vacancies, 11));
}

TEST(Consolidation, OffKeepsConcentrationFlatOnRaisesIt) {
  auto hhi_change = [](const Replicates& r) {
    double d = 0;
    for (int s = 0; s < 2; ++s) d += r.at(M::sector_hhi, 59, s) / r.at(M::sector_hhi, 0, s) - 1;
    return d / 2;
  };
  Replicates off(fixtures::small({"consolidation.enabled=false", "ai.enabled=false"}));
  Replicates on(fixtures::small({"consolidation.refunding_probability=0", "consolidation.acquisition_share=1",
                                 "sectors.tech.vc_share=0.8", "sectors.services.vc_share=0.8", "ai.enabled=false"}));
  EXPECT_EQ(off.sum(M::acquisitions) + off.sum(M::failures), 0);
  EXPECT_LT(std::abs(hhi_change(off)), 0.05);
  EXPECT_GT(on.sum(M::acquisitions), 0);
  EXPECT_GT(on.sum(M::layoffs_consolidation), 0);
  EXPECT_GT(hhi_change(on), hhi_change(off) + 0.1);
}

// A firm whose runway ends (and that does not raise again) is acquired with probability
// acquisition_share, if its sector has a larger firm, and fails otherwise: the split of
// runway ends between acquisitions and failures follows the share (only a sector's
// largest firm has no acquirer, one firm in hundreds here). Failures bring new VC-backed
// entrants with runways of their own, so a low share makes more runway ends.
// The runways at the start run from month 0, whatever the burn-in: the wave of runway
// ends is in the recorded run. With refunding off, each initial VC-backed firm's runway
// ends once, within 2 x runway_months (12 here) of month 0: after 60 months of burn-in
// every firm made at the start is still in business at month 0, and by month 25 every
// initial VC-backed one is gone (acquired or failed, each a firm event of months 1-25).
// Had the runways run from the burn-in's start, they would all have ended before month 0.
TEST(Consolidation, RunwaysAtTheStartRunFromMonthZeroAfterABurnIn) {
  const Scenario sc =
      fixtures::small({"ai.enabled=false", "consolidation.refunding_probability=0", "sectors.tech.vc_share=0.5",
                       "sectors.services.vc_share=0.5", "simulation.burn_in_months=60"},
                      40000, 48);
  Model m(sc, 0);
  const std::size_t made = m.f.size();
  std::size_t vc = 0;
  for (std::size_t fid = 0; fid < made; ++fid) vc += m.f.vc[fid];
  ASSERT_GT(vc, 200u);
  m.run();
  EXPECT_EQ(m.series().at(M::firms_alive, 0), static_cast<double>(made));
  std::size_t gone = 0;
  for (std::size_t fid = 0; fid < made; ++fid)
    if (m.f.vc[fid]) gone += !m.f.alive[fid];
  EXPECT_EQ(gone, vc);
  std::size_t initial_ends = 0;
  for (const FirmEvent& e : m.firm_events())
    if ((e.kind == FirmEventKind::acquisition || e.kind == FirmEventKind::failure) &&
        static_cast<std::size_t>(e.firm) < made) {
      EXPECT_GE(e.month, 1);
      EXPECT_LE(e.month, 25);
      ++initial_ends;
    }
  EXPECT_EQ(initial_ends, vc);
}

TEST(Consolidation, AcquisitionShareSplitsRunwayEnds) {
  for (const double share : {0.25, 0.75}) {
    Replicates r(fixtures::small({"ai.enabled=false", "consolidation.refunding_probability=0",
                                  "consolidation.acquisition_share=" + std::to_string(share),
                                  "sectors.tech.vc_share=0.5", "sectors.services.vc_share=0.5"},
                                 40000, 48));
    const double acquired = r.sum(M::acquisitions), failed = r.sum(M::failures);
    std::printf("acquisition_share %.2f: %.0f acquisitions, %.0f failures (%.3f)\n", share, acquired, failed,
                acquired / (acquired + failed));
    ASSERT_GT(acquired + failed, 2000);
    // The binomial sd at n > 2000 is below 0.01: within 3 sd.
    EXPECT_NEAR(acquired / (acquired + failed), share, 0.03);
  }
}

// An acquisition (MODEL.md 3.7, docs/model.md section 7): the acquirer is a larger firm
// of the target's sector, drawn in proportion to its employment, so its expected size is
// sum e^2 / sum e over those firms; the target's staff move to it, and where the acquirer
// already employs the occupation in the region a share duplicate_cut_share of the
// overlapping roles, min(target's staff, acquirer's), is cut: Binomial(overlap, share).
// With every other mechanism still (no churn, matching, AI, retraining, demography),
// only the month's runway ends change employment, one after another: the firms' sizes
// before each are those before the month moved by the month's earlier events, so the
// acquirer's law is checked against them at every acquisition. The cut's law is checked
// against the staff before the month, at the acquisitions of firms the month had not
// yet touched (which firms those are does not depend on the cut).
TEST(Consolidation, AcquirersAreLargerByEmploymentAndCutTheirShareOfTheOverlap) {
  const double share = 0.4;
  const Scenario sc = fixtures::small(consolidation_alone({"consolidation.duplicate_cut_share=0.4",
                                                           "sectors.tech.vc_share=0.5", "sectors.services.vc_share=0.5"}),
                                      40000, 24);
  double n = 0, clean = 0, cut = 0, cut_expected = 0, cut_variance = 0;
  AcquirerSizes acquirers;
  for (int rep = 0; rep < 3; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    while (m.month() < sc.simulation.months) {
      // Each firm's employment, and staff by (occupation, region), before the month.
      const auto firms = static_cast<std::int32_t>(m.f.alive.size());
      std::vector<std::int32_t> employed(m.f.employment.begin(), m.f.employment.end());
      std::vector<char> alive(m.f.alive.begin(), m.f.alive.end());
      std::vector<std::map<std::pair<int, int>, double>> staff(static_cast<std::size_t>(firms));
      for (std::int32_t fid = 0; fid < firms; ++fid)
        for (std::int32_t ci : m.f.cells[fid])
          staff[fid][{m.c[ci].occ, m.c[ci].region}] += static_cast<double>(m.c[ci].members.size());
      const std::size_t seen = m.firm_events().size();
      m.step();
      std::vector<char> touched(static_cast<std::size_t>(firms), 0);
      for (std::size_t k = seen; k < m.firm_events().size(); ++k) {
        const FirmEvent& e = m.firm_events()[k];
        ASSERT_LT(e.firm, firms);  // a firm made this month (a failed one's successor) has no runway end yet
        EXPECT_EQ(e.employed, employed[e.firm]);
        if (e.kind == FirmEventKind::failure) {
          employed[e.firm] = 0, alive[e.firm] = 0, touched[e.firm] = 1;
          continue;
        }
        ASSERT_EQ(e.kind, FirmEventKind::acquisition);
        const std::int32_t target = e.firm, acquirer = e.other_firm;
        ASSERT_GE(acquirer, 0);
        ASSERT_LT(acquirer, firms);
        EXPECT_EQ(m.f.sector[acquirer], m.f.sector[target]);
        EXPECT_GT(employed[acquirer], employed[target]);
        EXPECT_EQ(e.laid_off + e.moved, e.employed);
        // The acquirer against the size-biased mean of the firms that qualified then.
        n += 1;
        acquirers.add(AcquirerSizes::larger_firms(m, alive, employed, target), employed[acquirer]);
        if (!touched[target] && !touched[acquirer]) {
          double overlap = 0;
          for (const auto& [cell, count] : staff[target])
            if (const auto it = staff[acquirer].find(cell); it != staff[acquirer].end())
              overlap += std::min(count, it->second);
          EXPECT_LE(e.laid_off, overlap);
          clean += 1;
          cut += e.laid_off;
          cut_expected += share * overlap;
          cut_variance += share * (1 - share) * overlap;
        }
        employed[acquirer] += e.moved, employed[target] = 0, alive[target] = 0;
        touched[target] = touched[acquirer] = 1;
      }
    }
  }
  std::printf(
      "%.0f acquisitions: acquirers' size %.0f (%.1f expected); of %.0f, %.0f duplicate roles cut (%.1f "
      "expected)\n",
      n, acquirers.size, acquirers.expected, clean, cut, cut_expected);
  ASSERT_GT(n, 100);
  ASSERT_GT(cut_expected, 200);
  EXPECT_NEAR(acquirers.size, acquirers.expected, 4 * std::sqrt(acquirers.variance));
  EXPECT_NEAR(cut, cut_expected, 4 * std::sqrt(cut_variance));
}

// A sector with a thousandth of the employment: a uniformly drawn employed worker works
// in it about once in a thousand draws, so the rejection draw of an acquirer often runs
// out before it finds one of its firms. Every runway end is an acquisition whenever a
// larger firm of the sector is alive, and the acquirer is drawn by employment.
TEST(Consolidation, AFirmIsAcquiredWheneverALargerOneOfItsSectorExists) {
  const std::string toml = fixtures::small_toml(200000, 24) + R"(
[[sectors]]
name = "boutique"
employment_share = 0.001
vc_share = 1
runway_months = 4
staffing = { clerk = 1.0 }
)";
  const Scenario sc =
      load_scenario_string(toml, "boutique.toml", consolidation_alone({"sectors.services.employment_share=0.599"}));
  const int boutique = 2;
  ASSERT_EQ(sc.sectors[boutique].name, "boutique");
  double acquisitions = 0, failures = 0;
  AcquirerSizes acquirers;
  int wrongly_failed = 0;
  for (int rep = 0; rep < 4; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    while (m.month() < sc.simulation.months) {
      // Nothing but consolidation moves anyone: the sizes before the month, kept up to date
      // event by event, are those each draw saw.
      const auto firms = static_cast<std::int32_t>(m.f.alive.size());
      std::vector<std::int32_t> employed(m.f.employment.begin(), m.f.employment.end());
      std::vector<char> alive(m.f.alive.begin(), m.f.alive.end());
      const std::size_t seen = m.firm_events().size();
      m.step();
      for (std::size_t k = seen; k < m.firm_events().size(); ++k) {
        const FirmEvent& e = m.firm_events()[k];
        ASSERT_LT(e.firm, firms);
        const int sector = m.f.sector[e.firm];
        const auto larger = AcquirerSizes::larger_firms(m, alive, employed, e.firm);
        if (e.kind == FirmEventKind::failure) {
          wrongly_failed += larger[0] > 0;
          failures += sector == boutique;
          employed[e.firm] = 0, alive[e.firm] = 0;
          continue;
        }
        ASSERT_EQ(e.kind, FirmEventKind::acquisition);
        ASSERT_GT(larger[0], 0);
        if (sector == boutique) {
          acquisitions += 1;
          acquirers.add(larger, employed[e.other_firm]);
        }
        employed[e.other_firm] += e.moved, employed[e.firm] = 0, alive[e.firm] = 0;
      }
    }
  }
  std::printf("boutique sector: %.0f acquisitions (acquirers' size %.0f, %.1f expected), %.0f failures; "
              "%d failures with a larger firm of the sector alive\n",
              acquisitions, acquirers.size, acquirers.expected, failures, wrongly_failed);
  ASSERT_GT(acquisitions, 40);
  EXPECT_EQ(wrongly_failed, 0);
  EXPECT_NEAR(acquirers.size, acquirers.expected, 4 * std::sqrt(acquirers.variance));
}

TEST(Retraining, SubsidyShortensRetrainingToJobTime) {
  const auto opts = std::vector<std::string>{"retraining.entry_rate=0.1", "retraining.subsidy_entry_rate=0.1"};
  auto sub = opts;
  sub.push_back("retraining.subsidy=true");
  Replicates without(fixtures::small(opts), 3);
  Replicates with(fixtures::small(sub), 3);
  ASSERT_GT(without.sum(M::retrained_hires), 50);
  ASSERT_GT(with.sum(M::retrained_hires), 50);
  const double t0 = without.sum(M::retrained_months_to_job) / without.sum(M::retrained_hires);
  const double t1 = with.sum(M::retrained_months_to_job) / with.sum(M::retrained_hires);
  EXPECT_LT(t1, t0 - 1.0) << "without " << t0 << " with " << t1;
  EXPECT_GT(with.sum(M::retraining_successes) / with.sum(M::retraining_completions),
            without.sum(M::retraining_successes) / without.sum(M::retraining_completions));
  // Each completion succeeds with the programme's probability (0.6, 0.8 subsidised).
  for (const auto& [r, p] : {std::pair{&without, without.sc.retraining.success_probability},
                             std::pair{&with, with.sc.retraining.subsidy_success_probability}}) {
    const double n = r->sum(M::retraining_completions);
    EXPECT_NEAR(r->sum(M::retraining_successes), p * n, 4 * std::sqrt(n * p * (1 - p))) << p;
  }
}

// Every eligible unemployed worker enters retraining at entry_rate, whatever the prospects
// of the occupation it would leave, and trains for another occupation j with chance
// w_j / (W - w_own). Here clerks' own prospects outweigh the others' (a clerk's wage of
// 2.5M), so a draw over all occupations lands on clerical work most of the time: the
// engine before 2026-12-06 redrew up to 8 times and then gave up, so clerks entered at
// about half the rate (1,417 entries for 2,696 expected). The test calls the mechanism
// after each month's step and counts who of the eligible enter, and toward what: the
// prospects are the pools as the mechanism saw them (after the step, trainees who
// completed put back: the pools after the call plus those who entered).
TEST(Retraining, EligibleUnemployedEnterAtTheEntryRateWhateverTheirProspects) {
  const double rate = 0.2;
  const Scenario sc =
      fixtures::small({"retraining.entry_rate=" + std::to_string(rate), "retraining.at_risk_entry_rate=0",
                       "occupations.clerk.wage=2500000"},
                      20000, 24);
  const int O = static_cast<int>(sc.occupations.size());
  std::map<int, std::pair<double, double>> entries;  // occupation: (entries, expected)
  std::map<int, std::array<double, 3>> clerks_to;    // occupation: (trainees, expected, variance)
  double clerk_share = 0, months = 0;
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    while (m.month() < sc.simulation.months) {
      m.step();
      const int month = m.month();
      if (month >= sc.simulation.months) break;  // the calendars end with the run
      std::vector<std::int32_t> eligible;
      for (int mk = 0; mk < m.markets(); ++mk)
        for (const auto& x : m.pool[mk])
          if (month - x.spell_start >= sc.retraining.eligible_after_months) eligible.push_back(x.worker);
      mech::retraining(m);
      std::vector<double> unemployed(static_cast<std::size_t>(m.markets()));
      for (int mk = 0; mk < m.markets(); ++mk) unemployed[mk] = static_cast<double>(m.pool[mk].size());
      std::set<std::int32_t> clerks_entered;
      for (std::int32_t wid : eligible) {
        const auto& core = m.w.core[wid];
        const bool entered = m.w.status(wid) == Status::retraining;
        entries[core.occ].first += entered;
        entries[core.occ].second += rate;
        if (entered) unemployed[m.market(core.occ, core.region)] += 1;
        if (entered && core.occ == 0) clerks_entered.insert(wid);
      }
      const auto home = prospects(m, sc, 0, unemployed);
      clerk_share += home[0] / std::accumulate(home.begin(), home.end(), 0.0), months += 1;
      const int done = m.calendar_index(month + sc.retraining.duration_months);
      if (done >= m.calendar_months()) continue;
      for (const auto& e : m.retrain_done_at[static_cast<std::size_t>(done)]) {
        if (e.entered != month || !clerks_entered.count(e.worker)) continue;
        const auto w = prospects(m, sc, m.w.core[e.worker].region, unemployed);
        const double others = std::accumulate(w.begin(), w.end(), 0.0) - w[0];
        for (int j = 1; j < O; ++j) {
          const double p = w[j] / others;
          clerks_to[j][0] += e.target == j;
          clerks_to[j][1] += p;
          clerks_to[j][2] += p * (1 - p);
        }
      }
    }
  }
  clerk_share /= months;
  std::printf("clerks' share of the prospects at home: %.3f (mean over months)\n", clerk_share);
  EXPECT_GT(clerk_share, 0.8);  // the case arises
  for (const auto& [occ, t] : entries) {
    const auto [n, expected] = t;
    std::printf("%s: %.0f entries, %.1f expected\n", sc.occupations[occ].name.c_str(), n, expected);
    ASSERT_GT(expected, 200);
    EXPECT_NEAR(n, expected, 4 * std::sqrt(expected * (1 - rate))) << sc.occupations[occ].name;
  }
  for (const auto& [j, t] : clerks_to) {
    std::printf("clerks training for %s: %.0f, %.1f expected\n", sc.occupations[j].name.c_str(), t[0], t[1]);
    ASSERT_GT(t[0], 100);
    EXPECT_NEAR(t[0], t[1], 4 * std::sqrt(t[2])) << sc.occupations[j].name;
  }
}

// A programme keeps the terms it began on (docs/model.md, "Changes during a run"): a
// [[schedule]] change of the success probability, or a subsidy starting, acts on the
// programmes entered from then on. Success goes from 0 to 1 at month 12, by
// success_probability itself (programmes of 6 months throughout) or by the subsidy
// (4 months from month 12): the programmes that end in months 12-17 began before month
// 12 and all fail (until 2026-12-06 they all succeeded, at the probability in force when
// they ended); from month 18 on (16 under the subsidy) every one succeeds.
TEST(Retraining, AProgrammeKeepsTheSuccessChanceItBeganWith) {
  struct Case {
    const char* change;
    int all_fail_until, all_succeed_from;
  };
  for (const auto& [change, all_fail_until, all_succeed_from] :
       {Case{"schedule.12.retraining.success_probability=1", 18, 18},
        Case{"schedule.12.retraining.subsidy=true", 16, 18}}) {
    SCOPED_TRACE(change);
    const Scenario sc = fixtures::small({"retraining.entry_rate=0.3", "retraining.subsidy_entry_rate=0.3",
                                         "retraining.success_probability=0", "retraining.subsidy_success_probability=1",
                                         "retraining.duration_months=6", "retraining.subsidy_duration_months=4",
                                         change},
                                        20000, 30);
    double old_terms = 0, new_terms = 0;
    for (int rep = 0; rep < 2; ++rep) {
      Model m(sc, static_cast<std::uint64_t>(rep));
      m.run();
      const Series& s = m.series();
      for (int t = 0; t < sc.simulation.months; ++t) {
        const double done = s.at(M::retraining_completions, t), won = s.at(M::retraining_successes, t);
        if (t < all_fail_until) {
          EXPECT_EQ(won, 0) << "month " << t;
        }
        if (t >= all_succeed_from) {
          EXPECT_EQ(won, done) << "month " << t;
        }
        if (t >= 12 && t < all_fail_until) old_terms += done;
        if (t >= all_succeed_from) new_terms += done;
      }
    }
    std::printf("%s: %.0f programmes ended on the old terms after the change, %.0f on the new\n", change, old_terms,
                new_terms);
    EXPECT_GT(old_terms, 100);  // the case arises
    EXPECT_GT(new_terms, 100);
  }
}

// A programme lasts its months for every trainee: whoever leaves retraining (but by
// retirement) entered it exactly duration_months before. The case that tests it: a
// trainee who retires mid-programme frees an id that a graduate takes the same month,
// and with no wait and a high entry rate that graduate is soon a trainee too, while the
// retiree's completion is still in the calendar under that id. Firms keep their ids,
// so the firm calendars (runways, the pipeline) have no such case.
TEST(Retraining, EveryTraineeCompletesAfterTheProgrammesMonths) {
  const int duration = 24;
  const Scenario sc = fixtures::small(
      {"retraining.entry_rate=0.3", "retraining.eligible_after_months=0", "retraining.duration_months=24"}, 40000, 120);
  std::int64_t completions = 0, early = 0, retired_in_training = 0;
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::vector<std::pair<std::int32_t, std::int16_t>> training;  // (worker, birth month)
    while (m.month() < sc.simulation.months) {
      training.clear();
      for (std::int32_t wid = 0; wid < static_cast<std::int32_t>(m.w.size()); ++wid)
        if (m.w.status(wid) == Status::retraining) training.emplace_back(wid, m.w.core[wid].birth_month);
      std::vector<std::int16_t> entered(training.size());
      for (std::size_t k = 0; k < training.size(); ++k) entered[k] = m.w.event_month[training[k].first];
      const int month = m.month();
      m.step();
      for (std::size_t k = 0; k < training.size(); ++k) {
        const auto [wid, born] = training[k];
        // Retired this month, its id perhaps a graduate's already (another birth month).
        if (m.w.status(wid) == Status::retired || m.w.core[wid].birth_month != born) {
          ++retired_in_training;
          continue;
        }
        if (m.w.status(wid) == Status::retraining) continue;
        ++completions;
        if (month - entered[k] != duration) ++early;
      }
    }
  }
  std::printf("%lld completions, %lld not after %d months; %lld trainees retired\n",
              static_cast<long long>(completions), static_cast<long long>(early), duration,
              static_cast<long long>(retired_in_training));
  ASSERT_GT(completions, 5000);
  ASSERT_GT(retired_in_training, 200);  // the case arises
  EXPECT_EQ(early, 0);
}

// Trainees who entered during the burn-in are trainees when they are hired after it: in an
// economy that has settled (no AI, so nothing trends), the first recorded months count
// as many retrained hires, and as long a time from entry to a job, as later months do.
// (Burn-in months are negative, and a month of -1 or less once read as "no programme":
// the first six months then counted no retrained hire at all.)
TEST(Retraining, TraineesFromTheBurnInCountWhenHiredAfterIt) {
  Replicates r(fixtures::small({"ai.enabled=false", "consolidation.enabled=false", "retraining.entry_rate=0.2",
                                "simulation.burn_in_months=120"},
                               20000, 36),
               4);
  // Months 0-5 against the mean six months of months 6-35.
  double early = 0, later = 0, early_months = 0, later_months = 0;
  for (const auto& s : r.series)
    for (int t = 0; t < 36; ++t) {
      (t < 6 ? early : later) += s.at(M::retrained_hires, t);
      (t < 6 ? early_months : later_months) += s.at(M::retrained_months_to_job, t);
    }
  std::printf("retrained hires: months 0-5 %.0f (%.1f months from entry), six months of 6-35 %.1f (%.1f)\n", early,
              early_months / early, later / 5, later_months / later);
  ASSERT_GT(later, 2000);
  EXPECT_NEAR(early / (later / 5), 1.0, 4 / std::sqrt(early + 1));
  EXPECT_NEAR(early_months / early, later_months / later, 1.0);
}

// Retraining-to-job time is split by whether the trainee left the labour force after
// entering its programme (and came back): retrained_hires_left_labor_force and its months.
// Watched from outside, month by month: a worker marked as having left is exactly one
// seen out of the labour force at a month's end since its programme began (an exit is
// drawn after the month's reentries, so a worker who leaves is inactive at that month's
// end), no one in a programme is marked, and the hires of the retrained, recognised by
// their states at two months' ends, add up to the series exactly, in count and months,
// those who left and the rest. A hire happens in matching, before the month's exits and
// reentries, so a trainee's mark at the end of the month before is its mark at the hire;
// one rehired and laid off within the month shows as no longer retrained, and one laid
// off again cannot enter a programme in the same month (eligible_after_months 3).
TEST(Retraining, MonthsToAJobAreSplitByWhetherTheTraineeLeftTheLabourForce) {
  const Scenario sc =
      fixtures::small({"retraining.entry_rate=0.2", "demography.unemployed_exit_rate=0.1",
                       "demography.reentry_rate=0.2", "simulation.burn_in_months=0"},
                      20000, 60);
  ASSERT_GE(sc.retraining.eligible_after_months, 1);
  struct Trainee {
    std::int32_t worker;
    int programme;
    std::int16_t born;
    bool left;
  };
  double hires[2] = {0, 0}, months[2] = {0, 0}, series_hires[2] = {0, 0}, series_months[2] = {0, 0};
  double unknown[2] = {0, 0}, unknown_months[2] = {0, 0};  // hired or not: see below
  std::int64_t marked = 0;  // worker-months of marked trainees checked
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::set<std::tuple<std::int32_t, int, std::int16_t>> seen_out;  // (worker, programme, birth) seen inactive
    while (m.month() < sc.simulation.months) {
      std::vector<Trainee> searching;  // retrained, unemployed at the end of the month before
      for (std::int32_t i = 0; i < static_cast<std::int32_t>(m.w.size()); ++i)
        if (m.w.retrained(i) && m.w.status(i) == Status::unemployed)
          searching.push_back({i, m.w.programme_month(i), m.w.core[i].birth_month,
                               m.w.left_labor_force_since_programme(i)});
      const int month = m.month();
      m.step();
      for (std::int32_t i = 0; i < static_cast<std::int32_t>(m.w.size()); ++i) {
        if (!m.w.retrained(i)) continue;
        const auto key = std::tuple{i, m.w.programme_month(i), m.w.core[i].birth_month};
        if (m.w.status(i) == Status::inactive) seen_out.insert(key);
        ASSERT_EQ(m.w.left_labor_force_since_programme(i), seen_out.count(key) == 1) << i << " month " << month;
        if (m.w.status(i) == Status::retraining) {
          ASSERT_FALSE(m.w.left_labor_force_since_programme(i)) << i;
        }
        marked += m.w.left_labor_force_since_programme(i);
      }
      for (const Trainee& t : searching) {
        const auto i = static_cast<std::size_t>(t.worker);
        if (m.w.core[i].birth_month != t.born) {  // retired, its id a graduate's: hired first?
          unknown[t.left] += 1, unknown_months[t.left] += month - t.programme;
          continue;
        }
        // Only a hire clears the mark of the retrained (a retiree keeps it). Not hired:
        // still searching, out of the labour force, or in a new programme (entered from
        // unemployment: one rehired and laid off again this month is not yet eligible).
        if (m.w.status(i) == Status::employed || !m.w.retrained(i))
          hires[t.left] += 1, months[t.left] += month - t.programme;
      }
      series_hires[1] += m.series().at(M::retrained_hires_left_labor_force, month);
      series_months[1] += m.series().at(M::retrained_months_to_job_left_labor_force, month);
      series_hires[0] += m.series().at(M::retrained_hires, month) - m.series().at(M::retrained_hires_left_labor_force, month);
      series_months[0] += m.series().at(M::retrained_months_to_job, month) -
                          m.series().at(M::retrained_months_to_job_left_labor_force, month);
    }
  }
  std::printf("retrained hires: %.0f stayed in the labour force (%.1f months from entry), %.0f left it and came back "
              "(%.1f months); %.0f trainees retired with their ids taken the same month\n",
              hires[0], months[0] / hires[0], hires[1], months[1] / hires[1], unknown[0] + unknown[1]);
  ASSERT_GT(hires[0], 300);
  ASSERT_GT(hires[1], 100);
  ASSERT_GT(marked, 1000);
  // The series count every hire seen, and may count a trainee hired in the month it
  // retired, whose id a graduate took at once (its state is gone): at most those.
  for (int left = 0; left < 2; ++left) {
    EXPECT_GE(series_hires[left], hires[left]) << left;
    EXPECT_LE(series_hires[left], hires[left] + unknown[left]) << left;
    EXPECT_GE(series_months[left], months[left]) << left;
    EXPECT_LE(series_months[left], months[left] + unknown_months[left]) << left;
  }
  // A programme lasts duration_months; leaving and coming back takes a month at least.
  const int duration = sc.retraining.duration_months;
  EXPECT_GE(months[0], duration * hires[0]);
  EXPECT_GE(months[1], (duration + 1) * hires[1]);
}

// Without exits from the labour force, no trainee leaves it: the split's series are 0.
TEST(Retraining, NoTraineeLeftTheLabourForceWhereNoOneLeavesIt) {
  Replicates r(fixtures::small({"retraining.entry_rate=0.2", "demography.unemployed_exit_rate=0"}, 20000, 60), 2);
  ASSERT_GT(r.sum(M::retrained_hires), 300);
  EXPECT_EQ(r.sum(M::retrained_hires_left_labor_force), 0);
  EXPECT_EQ(r.sum(M::retrained_months_to_job_left_labor_force), 0);
}

// A displaced worker rehired into another occupation than the one it was displaced from
// counts in rehires_other_occupation, whether the move was made at the hire (the network
// mode) or by a programme in between (both modes: retraining changes the occupation a
// worker searches in). With every worker in the panel and no burn-in, every rehire of a
// displaced worker closes one of its spells, so the series and the spells, recorded
// apart, must agree exactly. (Before 2026-12-05 the series compared the new occupation
// with the one the worker searched in, so it was 0 in every Cobb-Douglas run.)
TEST(Retraining, RehiresInAnotherOccupationAgreeWithTheSpells) {
  for (const std::string mode : {"cobb_douglas", "network"}) {
    SCOPED_TRACE(mode);
    Model m(fixtures::small({"labor_market.matching=" + mode, "simulation.burn_in_months=0", "output.panel_rate=1",
                             "retraining.entry_rate=0.2", "retraining.success_probability=0.7",
                             "ai.adoption_speed=3"},
                            20000, 36),
            2);
    m.run();
    double series_rehires = 0, series_other = 0, series_lower = 0;
    for (int t = 0; t < 36; ++t) {
      series_rehires += m.series().at(M::rehires_ordinary, t) + m.series().at(M::rehires_ai, t) +
                        m.series().at(M::rehires_consolidation, t);
      series_other += m.series().at(M::rehires_other_occupation, t);
      series_lower += m.series().at(M::rehires_lower_pay, t);
    }
    double rehired = 0, other = 0, lower = 0;
    for (const Spell& s : m.spells()) {
      if (!s.reemployed) continue;
      rehired += 1;
      other += s.new_occupation != s.occupation;
      lower += s.new_wage < s.wage;
    }
    std::printf("%s: %.0f rehires, %.0f into another occupation, %.0f at lower pay (spells: %.0f, %.0f, %.0f)\n",
                mode.c_str(), series_rehires, series_other, series_lower, rehired, other, lower);
    ASSERT_GT(rehired, 1000);
    EXPECT_EQ(series_rehires, rehired);
    EXPECT_EQ(series_other, other);
    EXPECT_EQ(series_lower, lower);  // (the same comparison, recorded apart: a check of the test's premise)
    EXPECT_GT(other, 0.01 * rehired);
  }
}

// At-risk employed (MODEL.md 3.9): a worker of a high-exposure occupation at a firm that
// has announced adoption and not yet cut leaves for retraining with the monthly
// probability at_risk_entry_rate. So the month's entries are that rate times the
// at-risk stock when retraining runs (the stock after the month plus those who left:
// only retirements change it in between), short of the few for whom no other
// occupation is drawn. With no firm adopting there is no one at risk.
TEST(Retraining, AtRiskEmployedLeaveAtTheirRateAheadOfTheCut) {
  const double rate = 0.05;
  const Scenario sc = fixtures::small({"ai.adoption_speed=3", "retraining.at_risk_entry_rate=0.05"}, 40000, 48);
  double entries = 0, expected = 0;
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    while (m.month() < sc.simulation.months) {
      m.step();
      if (m.month() <= 0) continue;  // burn-in: not recorded
      double at_risk = 0;
      for (const auto& pf : m.pipeline) {
        if (!m.f.alive[pf.firm] || !announced_not_cut(m.f.stage[pf.firm])) continue;
        for (std::int32_t ci : m.f.cells[pf.firm])
          if (m.high_exposure(m.c[ci].occ)) at_risk += static_cast<double>(m.c[ci].members.size());
      }
      const double e = m.series().at(M::retraining_entries_at_risk, m.month() - 1);
      entries += e;
      expected += rate * (at_risk + e);
    }
  }
  std::printf("at-risk entries %.0f, rate x stock %.1f (ratio %.3f)\n", entries, expected, entries / expected);
  ASSERT_GT(entries, 200);
  EXPECT_NEAR(entries / expected, 1.0, 0.03) << entries << " entries, " << expected << " expected";

  Replicates none(fixtures::small({"ai.enabled=false", "retraining.at_risk_entry_rate=0.5"}));
  EXPECT_EQ(none.sum(M::retraining_entries_at_risk), 0);
  // Those who leave early are not there to be cut: fewer AI layoffs than without them.
  Replicates stay(fixtures::small({"ai.adoption_speed=3"}, 40000, 48));
  Replicates leave(fixtures::small({"ai.adoption_speed=3", "retraining.at_risk_entry_rate=0.1"}, 40000, 48));
  EXPECT_EQ(stay.sum(M::retraining_entries_at_risk), 0);  // off by default
  EXPECT_LT(leave.sum(M::layoffs_ai), 0.9 * stay.sum(M::layoffs_ai));
}

// The occupation a trainee trains for (MODEL.md 3.9, docs/model.md): drawn in the
// worker's region with weight (vacancies + 1) / (unemployed + 1) x wage / mean wage,
// never the worker's own occupation (redrawn while it is, up to 8 times). So a trainee
// from i goes to j != i with probability w_j / (W - w_i). The weights are computed here
// from the state the draws saw: the month's vacancies (nothing after retraining changes
// them) and its pools with the month's trainees put back (graduates and retirements
// after it move them by a fraction of a percent). A comparative static too: a higher
// wage draws more trainees.
TEST(Retraining, TargetsAreDrawnByProspectsAndWage) {
  struct Counts {
    std::map<std::pair<int, int>, double> observed, expected;  // (from, to) -> trainees
    std::map<std::pair<int, int>, double> variance;
  };
  const auto collect = [](const Scenario& sc) {
    Counts out;
    const int O = static_cast<int>(sc.occupations.size()), G = static_cast<int>(sc.regions.size());
    for (int rep = 0; rep < 2; ++rep) {
      Model m(sc, static_cast<std::uint64_t>(rep));
      while (m.month() < sc.simulation.months) {
        m.step();
        if (m.month() <= 0) continue;  // the burn-in's trainees too would do; the recorded months suffice
        // The month's trainees (kept where they finish within the run), but those who
        // retired after it (their ids may already be a graduate's).
        const int done = m.calendar_index(m.month() - 1 + sc.retraining.duration_months);
        if (done >= m.calendar_months()) break;
        std::vector<Model::RetrainingEnd> entered;
        for (const auto& e : m.retrain_done_at[static_cast<std::size_t>(done)])
          if (m.w.status(e.worker) == Status::retraining) entered.push_back(e);
        std::vector<double> before(static_cast<std::size_t>(m.markets()));
        for (int mk = 0; mk < m.markets(); ++mk) before[mk] = static_cast<double>(m.pool[mk].size());
        for (const auto& e : entered) before[m.market(m.w.core[e.worker].occ, m.w.core[e.worker].region)] += 1;
        for (const auto& e : entered) {
          const int from = m.w.core[e.worker].occ, g = m.w.core[e.worker].region;
          const auto w = prospects(m, sc, g, before);
          const double others = std::accumulate(w.begin(), w.end(), 0.0) - w[from];
          for (int j = 0; j < O; ++j) {
            if (j == from) continue;
            const double p = w[j] / others;
            out.expected[{from, j}] += p;
            out.variance[{from, j}] += p * (1 - p);
          }
          out.observed[{from, static_cast<int>(e.target)}] += 1;
          EXPECT_NE(static_cast<int>(e.target), from);
          EXPECT_LT(g, G);
        }
      }
    }
    return out;
  };
  const std::vector<std::string> opts = {"ai.enabled=false", "retraining.entry_rate=0.1",
                                         "retraining.eligible_after_months=1"};
  const Scenario sc = fixtures::small(opts, 40000, 36);
  const Counts c = collect(sc);
  double trainees = 0;
  for (const auto& [key, n] : c.observed) trainees += n;
  ASSERT_GT(trainees, 2000);
  for (const auto& [key, expected] : c.expected) {
    const double observed = c.observed.count(key) ? c.observed.at(key) : 0.0;
    std::printf("trainees from %d to %d: %.0f, expected %.1f\n", key.first, key.second, observed, expected);
    EXPECT_NEAR(observed, expected, 4 * std::sqrt(c.variance.at(key)) + 0.02 * expected)
        << "from " << key.first << " to " << key.second;
  }
  // Nurses (occupation 2) paid twice as much: a larger share of the clerks (0) who
  // retrain train for nursing rather than engineering (1). Less than the doubled odds
  // of the weights alone: the trainees it draws crowd nursing's pool and its prospects
  // fall.
  auto richer = opts;
  richer.push_back("occupations.nurse.wage=160000");
  const Counts r = collect(fixtures::small(richer, 40000, 36));
  const auto share = [](const Counts& k) {
    const double n = k.observed.count({0, 2}) ? k.observed.at({0, 2}) : 0.0;
    const double e = k.observed.count({0, 1}) ? k.observed.at({0, 1}) : 0.0;
    return n / (n + e);
  };
  std::printf("clerks training for nursing: %.3f, %.3f with nurses' wage doubled\n", share(c), share(r));
  EXPECT_GT(share(r), share(c) + 0.05) << share(c) << " -> " << share(r);
}

TEST(AIQ, SpreadsAndYoungerCohortsLead) {
  Replicates r(fixtures::small({"ai.enabled=false"}));
  EXPECT_GT(r.at(M::aiq_share, 59), r.at(M::aiq_share, 0) + 0.05);
  EXPECT_GT(r.at(M::cohort_aiq_share, 0, 0), 2 * r.at(M::cohort_aiq_share, 0, 5));
  Replicates still(fixtures::small({"ai.enabled=false", "aiq.monthly_hazard=[0.0,0.0,0.0,0.0,0.0,0.0]",
                                    "demography.enabled=false", "retraining.enabled=false"}));
  EXPECT_NEAR(still.at(M::aiq_share, 59), still.at(M::aiq_share, 0), 0.01);
}

// With one hazard h for every cohort and nothing else granting or removing AIQ (AI,
// retraining and demography off), each worker without AIQ gains it with probability h a
// month: the share is 1 - (1 - s0)(1 - h)^(t+1) at the end of month t. A high h makes
// the candidates' geometric gaps matter (an off-by-one in them would give h / (1 - h)).
TEST(AIQ, UniformHazardGivesTheGeometricLaw) {
  const double s0 = 0.1, h = 0.2;
  Replicates r(
      fixtures::small({"ai.enabled=false", "retraining.enabled=false", "demography.enabled=false",
                       "aiq.initial_share=[0.1,0.1,0.1,0.1,0.1,0.1]", "aiq.monthly_hazard=[0.2,0.2,0.2,0.2,0.2,0.2]"},
                      100000, 12));
  for (int t = 0; t < 12; ++t)
    EXPECT_NEAR(r.at(M::aiq_share, t), 1 - (1 - s0) * std::pow(1 - h, t + 1), 0.004) << "month " << t;
}

// The initial AIQ shares by cohort describe month 0, whatever the burn-in. Without
// diffusion in the burn-in, graduates enter at the youngest cohort's share and carry it
// as they age while retirees leave with the oldest's: after ten years of burn-in the
// 26-34 cohort would hold mostly graduates at 40% instead of its own 25%. Readiness is
// drawn again at month 0, so each cohort's share there is its initial one (binomial
// spread over the labour force), and without a burn-in nothing is drawn again.
TEST(AIQ, EachCohortStartsAtItsInitialShareAfterABurnIn) {
  const std::array<double, kCohorts> share = {0.4, 0.25, 0.2, 0.15, 0.1, 0.05};
  auto scenario = [&](int burn_in) {
    return fixtures::small({"ai.enabled=false", "aiq.initial_share=[0.4,0.25,0.2,0.15,0.1,0.05]",
                            "aiq.monthly_hazard=[0,0,0,0,0,0]", "simulation.burn_in_months=" + std::to_string(burn_in)},
                           40000, 1);
  };
  for (const int burn_in : {120, 0}) {
    Replicates r(scenario(burn_in), 4);
    for (int k = 0; k < kCohorts; ++k) {
      const double lf = 4 * (r.at(M::cohort_employed, 0, k) + r.at(M::cohort_unemployed, 0, k));
      ASSERT_GT(lf, 400) << "cohort " << k;
      const double sd = std::sqrt(share[k] * (1 - share[k]) / lf);
      std::printf("burn-in %d, cohort %d: %.4f (%.2f, sd %.4f)\n", burn_in, k, r.at(M::cohort_aiq_share, 0, k),
                  share[k], sd);
      EXPECT_NEAR(r.at(M::cohort_aiq_share, 0, k), share[k], 4 * sd + 0.002)
          << "burn-in " << burn_in << ", cohort " << k;
    }
  }
}

TEST(Demography, GraduatesReplaceRetireesAndAreYoung) {
  Replicates r(fixtures::small({"ai.enabled=false"}));
  EXPECT_GT(r.sum(M::retirements), 0);
  EXPECT_EQ(r.sum(M::entrants), r.sum(M::retirements));
  // Without graduates the 22-25 cohort empties out as it ages (everyone in it at month 0
  // is 26 or older four years later); with them it stays populated, at a size set by the
  // flow of retirements rather than by the starting age structure.
  auto young = [](const Replicates& x, int t) {
    return x.at(M::cohort_employed, t, 0) + x.at(M::cohort_unemployed, t, 0);
  };
  Replicates none(fixtures::small({"ai.enabled=false", "demography.enabled=false"}));
  EXPECT_GT(young(none, 0), 0);
  EXPECT_EQ(young(none, 59), 0);
  EXPECT_GT(young(r, 59), 0.25 * young(r, 0));
}

// Graduates replace retirees where the jobs are: each is drawn into a market (occupation
// and region together) by its employment. Drawn apart (occupation by employment, region
// by its share at the start), a region whose few firms staff another mix of occupations
// received graduates for jobs it did not have: with no AI, the baseline's offshore
// unemployment rose from 4.4% to 10.5% over fifty years, while the home region's stayed
// put. So, with AI and the slower mechanisms off, neither region's unemployment may
// drift over twenty years, and each region's share of the employed stays where it began.
TEST(Demography, GraduatesGoWhereTheJobsAreAndNoRegionsUnemploymentDrifts) {
  const int months = 240;
  Replicates r(fixtures::small({"ai.enabled=false", "retraining.enabled=false", "consolidation.enabled=false",
                                "aiq.enabled=false", "demography.unemployed_exit_rate=0", "demography.reentry_rate=0"},
                               20000, months),
               4);
  ASSERT_GT(r.sum(M::entrants), 0.15 * 20000);  // a large part of the workforce replaced
  auto rate = [&](int g, int from) {            // region g's unemployment rate over two years from `from`
    double u = 0, e = 0;
    for (int t = from; t < from + 24; ++t) u += r.at(M::region_unemployed, t, g), e += r.at(M::region_employed, t, g);
    return u / (u + e);
  };
  auto share = [&](int g, int t) {
    return r.at(M::region_employed, t, g) / (r.at(M::region_employed, t, 0) + r.at(M::region_employed, t, 1));
  };
  for (int g = 0; g < 2; ++g) {
    std::printf("region %d: unemployment %.2f%% -> %.2f%%, share of the employed %.3f -> %.3f\n", g, 100 * rate(g, 0),
                100 * rate(g, months - 24), share(g, 0), share(g, months - 1));
    EXPECT_NEAR(rate(g, months - 24), rate(g, 0), 0.01) << "region " << g;
    EXPECT_NEAR(share(g, months - 1), share(g, 0), 0.01) << "region " << g;
  }
}

// Labour-force flows (MODEL.md 3.11): the inactive re-enter at reentry_rate, then the
// unemployed leave at unemployed_exit_rate. Demography is the month's last step to
// change either list, so the lists they were drawn from are this month's stocks with
// the flows put back: inactive = out of the labour force + reentries - exits, and
// unemployed = unemployed + exits.
TEST(Demography, LabourForceFlowsAtTheirRates) {
  Replicates r(fixtures::small({"demography.reentry_rate=0.06", "demography.unemployed_exit_rate=0.04"}, 40000, 36));
  double back = 0, out = 0, inactive = 0, unemployed = 0;
  for (const auto& s : r.series)
    for (int t = 0; t < 36; ++t) {
      back += s.at(M::reentries, t), out += s.at(M::exits_to_nonparticipation, t);
      inactive += s.at(M::out_of_labor_force, t) + s.at(M::reentries, t) - s.at(M::exits_to_nonparticipation, t);
      unemployed += s.at(M::unemployed, t) + s.at(M::exits_to_nonparticipation, t);
    }
  std::printf("reentries %.0f (%.1f expected), exits %.0f (%.1f expected)\n", back, 0.06 * inactive, out,
              0.04 * unemployed);
  ASSERT_GT(back, 1000);
  ASSERT_GT(out, 1000);
  EXPECT_NEAR(back, 0.06 * inactive, 4 * std::sqrt(0.06 * inactive));
  EXPECT_NEAR(out, 0.04 * unemployed, 4 * std::sqrt(0.04 * unemployed));
}

TEST(Matching, NetworkModeMovesWorkersAcrossOccupations) {
  Replicates cd(fixtures::small({"ai.adoption_speed=3"}));
  Replicates net(fixtures::small({"ai.adoption_speed=3", "labor_market.matching=network"}));
  EXPECT_GT(net.sum(M::hires_from_unemployment), 0);
  EXPECT_GT(net.sum(M::rehires_other_occupation), 0);
  // Cobb-Douglas markets are per occupation: only retraining changes occupation there.
  EXPECT_GT(net.sum(M::rehires_other_occupation), cd.sum(M::rehires_other_occupation));
}

// Network matching (MODEL.md 3.8, del Rio-Chanona et al. 2021) with several
// occupations: within a region, each unemployed worker of occupation i applies (with
// probability lambda) to j with probability pi_ij = v_j A_ij / sum_k v_k A_ik; occupation
// j then receives s_j = lambda sum_i u_i pi_ij applications in expectation, and each
// succeeds with p_j = (v_j / s_j)(1 - exp(-s_j / v_j)) scaled by the applicant's weight
// over the mean weight of j's applicants. So a worker of weight w in pool i is hired with
// probability lambda sum_j pi_ij p_j w / wbar_j, and the hires from i into j are
// lambda u_i pi_ij p_j (weights change who is hired, not how many). One month's matching
// from the initial state, read worker by worker, is checked against that: the hires by
// (region, from, to), and with employer weights, the hires of AIQ workers and of those
// unemployed 6+ months. (s_j is taken at its expectation: with hundreds of applicants
// per occupation the error is well below the tolerance.)
TEST(Matching, NetworkHiresFollowTheMobilityNetworkAndTheUrnBallLaw) {
  struct Tally {
    double observed = 0, expected = 0, variance = 0;
  };
  for (const bool weighted : {false, true}) {
    std::vector<std::string> set = {"simulation.burn_in_months=0", "ai.enabled=false", "labor_market.matching=network",
                                    "labor_market.network_search_intensity=0.4", "labor_market.mobility_other=0.15"};
    if (weighted)
      set.insert(set.end(), {"labor_market.employer_weight_aiq=1.0", "labor_market.employer_weight_duration=-0.05",
                             "labor_market.employer_weight_age55=-0.3"});
    const Scenario sc = fixtures::small(set, 100000, 1);
    const auto& lm = sc.labor_market;
    const double lambda = lm.network_search_intensity;
    const int O = static_cast<int>(sc.occupations.size()), G = static_cast<int>(sc.regions.size());
    std::map<std::tuple<int, int, int>, Tally> moves;  // (region, from, to)
    Tally with_aiq, long_unemployed;
    for (int rep = 0; rep < 4; ++rep) {
      Model m(sc, static_cast<std::uint64_t>(rep));
      // The weight an employer gives a searcher (months unemployed up to 24, AIQ, age 55+).
      const auto weight = [&](const Model::Searcher& x) {
        const int d = std::clamp(m.month() - x.spell_start, 0, 24);
        const bool old = m.month() - x.birth_month >= 55 * 12;
        return std::exp(lm.employer_weight_duration * d + lm.employer_weight_aiq * x.aiq +
                        lm.employer_weight_age55 * old);
      };
      struct Searching {
        std::int32_t worker;
        int region, occ;
        bool aiq, long_unemployed;
        std::vector<double> q;  // probability of a hire into each occupation
      };
      std::vector<Searching> searchers;
      for (int g = 0; g < G; ++g) {
        std::vector<double> v(O), s(O, 0.0), p(O, 0.0);
        std::vector<std::vector<double>> pi(O, std::vector<double>(O, 0.0));
        for (int j = 0; j < O; ++j) v[j] = static_cast<double>(m.market_vacancies[m.market(j, g)]);
        for (int i = 0; i < O; ++i) {
          double row = 0;
          for (int k = 0; k < O; ++k) row += v[k] * sc.mobility[i][k];
          if (row <= 0) continue;
          const auto u = static_cast<double>(m.pool[m.market(i, g)].size());
          for (int j = 0; j < O; ++j) {
            pi[i][j] = v[j] * sc.mobility[i][j] / row;
            s[j] += lambda * u * pi[i][j];
          }
        }
        // The scale c_j of the chances min(1, c_j w) of j's applicants that sum to its
        // urn-ball hires s_j p_j, found by bisection: c_j = p_j / mean weight where no
        // chance passes 1.
        const auto hires_at = [&](int j, double c) {
          double h = 0;
          for (int i = 0; i < O; ++i)
            for (const auto& x : m.pool[m.market(i, g)]) h += lambda * pi[i][j] * std::min(1.0, c * weight(x));
          return h;
        };
        for (int j = 0; j < O; ++j) {
          if (s[j] <= 0 || v[j] <= 0) continue;
          const double target = v[j] * (1 - std::exp(-s[j] / v[j]));
          double lo = 0, hi = 1e3;
          for (int k = 0; k < 100; ++k) (hires_at(j, (lo + hi) / 2) < target ? lo : hi) = (lo + hi) / 2;
          p[j] = (lo + hi) / 2;
        }
        for (int i = 0; i < O; ++i)
          for (const auto& x : m.pool[m.market(i, g)]) {
            Searching a{x.worker, g, i, x.aiq != 0, m.month() - x.spell_start >= 6, std::vector<double>(O)};
            for (int j = 0; j < O; ++j) a.q[j] = lambda * pi[i][j] * std::min(1.0, p[j] * weight(x));
            searchers.push_back(std::move(a));
          }
      }
      mech::matching(m);
      for (const auto& a : searchers) {
        const bool hired = m.w.status(a.worker) == Status::employed;
        const int to = static_cast<int>(m.w.core[a.worker].occ);
        for (int j = 0; j < O; ++j) {
          auto& t = moves[{a.region, a.occ, j}];
          t.observed += hired && to == j;
          t.expected += a.q[j];
          t.variance += a.q[j] * (1 - a.q[j]);
        }
        const double q = std::accumulate(a.q.begin(), a.q.end(), 0.0);
        for (auto* t : {a.aiq ? &with_aiq : nullptr, a.long_unemployed ? &long_unemployed : nullptr})
          if (t) t->observed += hired, t->expected += q, t->variance += q * (1 - q);
      }
    }
    const char* label = weighted ? "weighted" : "unweighted";
    double hires = 0, cross = 0;
    for (const auto& [key, t] : moves) {
      const auto [g, i, j] = key;
      std::printf("%s, %s: %s -> %s: %.0f hired, %.1f expected\n", label, sc.regions[g].name.c_str(),
                  sc.occupations[i].name.c_str(), sc.occupations[j].name.c_str(), t.observed, t.expected);
      EXPECT_NEAR(t.observed, t.expected, 4 * std::sqrt(t.variance) + 0.01 * t.expected)
          << label << ", " << sc.regions[g].name << ": " << sc.occupations[i].name << " -> " << sc.occupations[j].name;
      hires += t.observed;
      if (i != j) cross += t.observed;
    }
    ASSERT_GT(hires, 5000) << label;
    // In all: where chances scaled by weight would pass 1 (the heavy applicants to
    // occupations with many openings per applicant), capping them alone would lose hires.
    double expected = 0, variance = 0;
    for (const auto& [key, t] : moves) expected += t.expected, variance += t.variance;
    std::printf("%s: %.0f hired, %.1f expected\n", label, hires, expected);
    EXPECT_NEAR(hires, expected, 4 * std::sqrt(variance)) << label;
    EXPECT_GT(cross, 500) << label;  // the law is tested across occupations, not only within
    for (const auto& [name, t] :
         {std::pair{"with AIQ", with_aiq}, std::pair{"unemployed 6+ months", long_unemployed}}) {
      std::printf("%s, %s: %.0f hired, %.1f expected\n", label, name, t.observed, t.expected);
      EXPECT_NEAR(t.observed, t.expected, 4 * std::sqrt(t.variance) + 0.01 * t.expected) << label << ", " << name;
    }
  }
}

// Cobb-Douglas: a market's expected hires are A u^alpha v^(1-alpha) (at most its u and
// its v). Employers' weights on AIQ, age and duration change who is hired, not how
// many: each applicant's hazard is scaled by its weight over the pool's mean. The first
// month's hires, from an initial state the test reads market by market, match the law
// with and without weights.
TEST(Matching, CobbDouglasHiresFollowTheLawWithOrWithoutWeights) {
  // The third case: a market where most searchers find a job (A = 0.9), so a heavy
  // applicant's chance scaled by its weight would pass 1 (it is capped, and the others'
  // chances raised, to keep the hires).
  for (const auto& [weighted, slack] : {std::pair{false, false}, std::pair{true, false}, std::pair{true, true}}) {
    std::vector<std::string> set = {"simulation.burn_in_months=0", "ai.enabled=false"};
    if (weighted)
      set.insert(set.end(), {"labor_market.employer_weight_aiq=0.5", "labor_market.employer_weight_duration=-0.3",
                             "labor_market.employer_weight_age55=-0.4"});
    if (slack) set.push_back("labor_market.matching_efficiency=0.9");
    const Scenario sc = fixtures::small(set, 100000, 1);
    const double A = sc.labor_market.matching_efficiency, alpha = sc.labor_market.matching_elasticity;
    double expected = 0, hired = 0;
    for (int rep = 0; rep < 4; ++rep) {
      Model m(sc, static_cast<std::uint64_t>(rep));
      for (int mk = 0; mk < m.markets(); ++mk) {
        const double u = static_cast<double>(m.pool[mk].size()), v = static_cast<double>(m.market_vacancies[mk]);
        if (u > 0 && v > 0) expected += std::min({u, v, A * std::pow(u, alpha) * std::pow(v, 1 - alpha)});
      }
      m.step();
      hired += m.series().at(M::hires_from_unemployment, 0);
    }
    const char* label = !weighted ? "unweighted" : slack ? "weighted, A = 0.9" : "weighted";
    std::printf("%s: %.0f hired, %.1f expected\n", label, hired, expected);
    ASSERT_GT(expected, 2000);
    EXPECT_NEAR(hired, expected, 4 * std::sqrt(expected)) << label;
  }
}

TEST(Matching, HiresFillACellInProportionToItsOpenings) {
  // Hires take distinct vacancy units uniformly among the market's, so given a market's
  // h hires among its v openings, a cell with k of them expects k h / v. Cells are grouped
  // by their openings; each group's hires are checked against that expectation (a draw
  // uniform over cells, or biased toward one end of the list, would miss it).
  const Scenario sc = fixtures::small({"simulation.burn_in_months=0", "ai.enabled=false"}, 100000, 1);
  constexpr int kGroups = 4;
  auto group = [](std::int32_t open) { return open <= 1 ? 0 : open == 2 ? 1 : open <= 5 ? 2 : 3; };
  std::array<double, kGroups> hired{}, expected{};
  for (int rep = 0; rep < 8; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::vector<std::int32_t> open(m.c.size()), before(m.c.size());
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      open[ci] = m.c[ci].vacancies;
      before[ci] = static_cast<std::int32_t>(m.c[ci].members.size());
    }
    std::vector<std::int64_t> v(m.markets());
    for (int mk = 0; mk < m.markets(); ++mk) v[mk] = m.market_vacancies[mk];
    mech::matching(m);  // hires only: no one leaves a cell here
    std::vector<std::int64_t> h(m.markets(), 0);
    for (std::size_t ci = 0; ci < m.c.size(); ++ci)
      h[m.cell_market(static_cast<std::int32_t>(ci))] += static_cast<std::int64_t>(m.c[ci].members.size()) - before[ci];
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      if (open[ci] <= 0) continue;
      const int mk = m.cell_market(static_cast<std::int32_t>(ci));
      hired[group(open[ci])] += static_cast<double>(static_cast<std::int64_t>(m.c[ci].members.size()) - before[ci]);
      expected[group(open[ci])] +=
          static_cast<double>(open[ci]) * static_cast<double>(h[mk]) / static_cast<double>(v[mk]);
    }
  }
  for (int g = 0; g < kGroups; ++g) {
    std::printf("cells with openings in group %d: %.0f hired, %.1f expected\n", g, hired[g], expected[g]);
    ASSERT_GT(expected[g], 200) << g;  // enough hires in every group to tell
    EXPECT_NEAR(hired[g], expected[g], 4 * std::sqrt(expected[g])) << g;
  }
}

TEST(Matching, ScarringLengthensLongSpells) {
  Replicates flat(fixtures::small({"ai.enabled=false", "labor_market.employer_weight_duration=0"}));
  Replicates scar(fixtures::small({"ai.enabled=false", "labor_market.employer_weight_duration=-0.3"}));
  EXPECT_GT(scar.at(M::long_term_unemployed_share, 59), flat.at(M::long_term_unemployed_share, 59));
}

// Returns to tenure: a displaced worker earned the posted wage of its job times
// 1 + tenure_wage_growth x years at the employer (capped), and is rehired at the posted
// wage of the new job, where tenure starts again.
TEST(Wages, DisplacedEarnedThePostedWageTimesTheirTenurePremium) {
  const double g = 0.04, cap = 5;
  const Scenario sc = fixtures::small(
      {"output.panel_rate=1", "labor_market.tenure_wage_growth=0.04", "labor_market.tenure_wage_max_years=5"}, 20000,
      48);
  Model m(sc, 0);
  m.run();
  int capped = 0, short_tenure = 0, rehired = 0;
  for (const Spell& s : m.spells()) {
    ASSERT_GE(s.tenure, 0);
    ASSERT_LE(s.tenure, (s.age - 22 + 1) * 12 + sc.simulation.burn_in_months + 48);  // within the working life
    const double years = std::min(s.tenure / 12.0, cap);
    const double posted = m.posted_wage(s.firm, s.occupation, s.region);
    ASSERT_NEAR(s.wage, posted * (1 + g * years), 1e-6 * posted) << "tenure " << s.tenure;
    capped += s.tenure >= 60;
    short_tenure += s.tenure < 12;
    if (s.reemployed) {
      ++rehired;
      ASSERT_FLOAT_EQ(s.new_wage, m.posted_wage(s.new_firm, s.new_occupation, s.new_region));
    }
  }
  std::printf("%zu displacements: %d capped, %d under a year, %d rehired\n", m.spells().size(), capped, short_tenure,
              rehired);
  EXPECT_GT(capped, 20);  // both sides of the cap are exercised
  EXPECT_GT(short_tenure, 200);
  EXPECT_GT(rehired, 200);
}

// Wages are outcomes: no flow depends on a worker's wage, so the tenure premium changes
// the displaced's wages and the count of rehires at lower pay, and nothing else.
TEST(Wages, TheTenurePremiumChangesWagesAndNothingElse) {
  const std::vector<std::string> base = {"output.panel_rate=0.2"};
  auto with = base;
  with.push_back("labor_market.tenure_wage_growth=0.05");
  Model a(fixtures::small(base, 10000, 36), 1), b(fixtures::small(with, 10000, 36), 1);
  a.run();
  b.run();
  auto sum = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
  for (const MetricInfo& info : metric_table()) {
    if (info.id == M::rehires_lower_pay)
      EXPECT_GT(sum(b.series().values(info.id)), sum(a.series().values(info.id)));
    else
      ASSERT_EQ(a.series().values(info.id), b.series().values(info.id)) << info.name;
  }
  ASSERT_EQ(a.spells().size(), b.spells().size());
  ASSERT_GT(a.spells().size(), 100u);
  double lost = 0;
  for (std::size_t k = 0; k < a.spells().size(); ++k) {
    const Spell &x = a.spells()[k], &y = b.spells()[k];
    auto all_but_wage = [](const Spell& s) {
      return std::tie(s.worker, s.start_month, s.end_month, s.cause, s.reemployed, s.firm, s.new_firm, s.occupation,
                      s.new_occupation, s.region, s.new_region, s.sector, s.age, s.tenure, s.new_wage);
    };
    ASSERT_TRUE(all_but_wage(x) == all_but_wage(y)) << "spell " << k;
    ASSERT_GE(y.wage, x.wage);
    lost += y.wage - x.wage;
  }
  EXPECT_GT(lost, 0);
}

// Calls f(working, tenure) for every employee of m: its months since it turned 22 and
// at its employer, checked to be 0 <= tenure <= working.
template <class F>
void each_initial_tenure(const Model& m, F f) {
  for (std::size_t i = 0; i < m.w.size(); ++i) {
    if (m.w.status(i) != Status::employed) continue;
    const int working = std::max(0, m.month() - m.w.core[i].birth_month - 22 * 12);
    const int tenure = m.month() - m.w.core[i].spell_start;
    ASSERT_GE(tenure, 0);
    ASSERT_LE(tenure, working);
    f(working, tenure);
  }
}

// At the start an employee's tenure is the steady state of the monthly separation
// hazard p = layoff_rate + quit_rate, within its working life W (months since 22):
// P(tenure >= k) = (1-p)^k for k <= W, so E[tenure] = (1-p)(1 - (1-p)^W) / p.
TEST(Wages, InitialTenureIsTheSteadyStateOfTheSeparationHazard) {
  const double p = 0.01 + 0.02;
  const Model m(fixtures::small({"labor_market.layoff_rate=0.01", "labor_market.quit_rate=0.02"}, 40000, 12), 0);
  double n = 0, sum = 0, expected = 0, var = 0;
  each_initial_tenure(m, [&](int working, int tenure) {
    n += 1;
    sum += tenure;
    const double mean = (1 - p) * (1 - std::pow(1 - p, working)) / p;
    expected += mean;
    var += (1 - p) / (p * p);  // the untruncated variance: an upper bound
  });
  std::printf("mean initial tenure %.2f months (%.2f expected) over %.0f employed\n", sum / n, expected / n, n);
  ASSERT_GT(n, 30000);
  EXPECT_NEAR(sum, expected, 4 * std::sqrt(var));
}

// With new hires separating at hazard p1 = F (layoff_rate + quit_rate) in their first N
// months and at p0 = layoff_rate + quit_rate after, the steady state weighs tenure k by
// the chance a job lasts that long: (1-p1)^k below N, (1-p1)^N (1-p0)^(k-N) from N on.
// So for an employee whose working life W is at least N: P(tenure < N) = a / (a + b),
// a = sum over k < N of (1-p1)^k, b = (1-p1)^N / p0; below N, tenure has the mean of
// that truncated law; from N on, tenure - N is geometric in p0, cut at W - N.
TEST(Wages, InitialTenureFollowsTheHigherHazardOfNewHires) {
  const double p0 = 0.01 + 0.02, factor = 2.5, p1 = factor * p0;
  const int n_months = 12;
  const Model m(fixtures::small({"labor_market.layoff_rate=0.01", "labor_market.quit_rate=0.02",
                                 "labor_market.new_hire_separation_factor=2.5", "labor_market.new_hire_months=12"},
                                40000, 12),
                0);
  double a = 0, below_mean = 0;
  for (int k = 0; k < n_months; ++k) a += std::pow(1 - p1, k), below_mean += k * std::pow(1 - p1, k);
  below_mean /= a;
  const double b = std::pow(1 - p1, n_months) / p0, share_below = a / (a + b);
  double n = 0, below = 0, n_below = 0, sum_below = 0, var_below = 0, sum_above = 0, expected_above = 0, var_above = 0;
  each_initial_tenure(m, [&](int working, int tenure) {
    if (working < n_months) return;
    n += 1;
    if (tenure < n_months) {
      below += 1, n_below += 1, sum_below += tenure;
      var_below += n_months * n_months / 4.0;  // a variance bound for a value within [0, N)
    } else {
      const int rest = working - n_months;
      sum_above += tenure - n_months;
      expected_above += (1 - p0) * (1 - std::pow(1 - p0, rest)) / p0;
      var_above += (1 - p0) / (p0 * p0);
    }
  });
  std::printf("tenure below %d months: %.4f (%.4f expected), mean %.2f (%.2f); above: mean excess %.2f (%.2f)\n",
              n_months, below / n, share_below, sum_below / n_below, below_mean, sum_above / (n - n_below),
              expected_above / (n - n_below));
  ASSERT_GT(n, 30000);
  EXPECT_NEAR(below, n * share_below, 4 * std::sqrt(n * share_below * (1 - share_below)));
  EXPECT_NEAR(sum_below, n_below * below_mean, 4 * std::sqrt(var_below));
  EXPECT_NEAR(sum_above, expected_above, 4 * std::sqrt(var_above));
  // Without the factor the share below N would be 1 - (1-p0)^N: far from this one.
  EXPECT_GT(share_below - (1 - std::pow(1 - p0, n_months)), 10 * std::sqrt(share_below / n));
}

// The same steady state with three tenure bands (tenure_separation_months [6, 36],
// factors [3, 0.6, 0.3]): tenure k weighs S(k) = prod_{j<k} (1 - h(j)), h(j) = f (l + q)
// in j's band, summed here month by month. For an employee whose working life is at
// least 36 months the first two bands hold their shares of that sum, and from 36 on
// tenure - 36 is geometric in the last band's hazard, cut at W - 36.
TEST(Wages, InitialTenureFollowsEachBandsHazard) {
  const double p = 0.01 + 0.02;
  const std::array<double, 3> f = {3, 0.6, 0.3};
  const Model m(fixtures::small({"labor_market.layoff_rate=0.01", "labor_market.quit_rate=0.02",
                                 "labor_market.tenure_separation_months=[6, 36]",
                                 "labor_market.tenure_separation_factors=[3, 0.6, 0.3]"},
                                40000, 12),
                0);
  auto band_of = [](int k) { return k < 6 ? 0 : k < 36 ? 1 : 2; };
  std::array<double, 3> weight{};
  double s = 1;
  for (int k = 0; k < 100000; ++k) {
    weight[static_cast<size_t>(band_of(k))] += s;
    s *= 1 - f[static_cast<size_t>(band_of(k))] * p;
  }
  const double total = weight[0] + weight[1] + weight[2], h_last = f[2] * p;
  std::array<double, 3> count{};
  double n = 0, sum_above = 0, expected_above = 0, var_above = 0;
  each_initial_tenure(m, [&](int working, int tenure) {
    if (working < 36) return;
    n += 1;
    count[static_cast<size_t>(band_of(tenure))] += 1;
    if (tenure >= 36) {
      sum_above += tenure - 36;
      expected_above += (1 - h_last) * (1 - std::pow(1 - h_last, working - 36)) / h_last;
      var_above += (1 - h_last) / (h_last * h_last);
    }
  });
  ASSERT_GT(n, 30000);
  for (size_t b = 0; b < 3; ++b) {
    const double share = weight[b] / total;
    std::printf("band %zu: %.4f of the employed (%.4f expected)\n", b, count[b] / n, share);
    EXPECT_NEAR(count[b], n * share, 4 * std::sqrt(n * share * (1 - share)));
  }
  std::printf("tenure from 36 months: mean excess %.2f (%.2f expected)\n", sum_above / count[2],
              expected_above / count[2]);
  EXPECT_NEAR(sum_above, expected_above, 4 * std::sqrt(var_above));
}

// The tenure series (first_year_tenure_share, median_tenure_months) come from counts of
// the employed by the month their tenure began, kept event by event. At the end of a
// run with every mechanism on (AI cuts, acquisitions that move staff and keep their
// tenure, failures, retirements, at-risk retraining, new hires' higher separations) on
// two threads they are exactly what a scan of every employed worker gives.
TEST(Tenure, SeriesAreWhatTheEmployedWorkersGive) {
  const Scenario sc = fixtures::small(
      {"ai.adoption_speed=3", "consolidation.acquisition_share=0.5", "retraining.at_risk_entry_rate=0.05",
       "demography.early_retirement_rate=0.05", "labor_market.new_hire_separation_factor=2"},
      20000, 36);
  Model m(sc, 1);
  m.parallel_from(0);
  tbb::task_arena(2).execute([&] { m.run(); });
  const int t = m.month() - 1;  // the last recorded month
  std::map<int, double> by_tenure;
  double employed = 0;
  for (std::size_t i = 0; i < m.w.size(); ++i) {
    if (m.w.status(i) != Status::employed) continue;
    by_tenure[t - m.w.core[i].spell_start] += 1;
    employed += 1;
  }
  ASSERT_EQ(employed, m.series().at(M::employed, t));
  double first_year = 0, cum = 0, median = -1;
  for (const auto& [k, n] : by_tenure) {
    ASSERT_GE(k, 0);
    if (k < 12) first_year += n;
    if (median < 0 && cum + n >= employed / 2) median = k + (employed / 2 - cum) / n;
    cum += n;
  }
  std::printf("first-year share %.4f, median tenure %.2f months\n", first_year / employed, median);
  EXPECT_DOUBLE_EQ(m.series().at(M::first_year_tenure_share, t), first_year / employed);
  EXPECT_DOUBLE_EQ(m.series().at(M::median_tenure_months, t), median);
}

// In a market where every employee leaves at the same hazard p a month and jobs are
// refilled at a steady rate, a worker of tenure k at a month's end has survived the
// churn of k + 1 months, so tenure k has weight prod_{j <= k} (1 - h(j)): with h = p
// throughout, a share 1 - (1-p)^12 in the first year; with new hires leaving at p1 in
// their first 12 months (new_hire_separation_factor), the sum of those weights. The run
// stays at that steady state month after month. Everything else that moves workers is
// off.
TEST(Tenure, FirstYearShareIsTheSteadyStateOfTheSeparationHazards) {
  struct Case {
    std::string edges, factors;
    std::vector<double> factor;  // by month of tenure 0-5, 6-11, 12-35, 36+
  };
  // One hazard; new hires' 2.5 times it (the shorthand's bands); and three bands whose
  // edges fall inside and after the first year.
  for (const Case& c : std::vector<Case>{{"[12]", "[1, 1]", {1, 1, 1, 1}},
                                         {"[12]", "[2.5, 1]", {2.5, 2.5, 1, 1}},
                                         {"[6, 36]", "[3, 1.5, 0.5]", {3, 1.5, 1.5, 0.5}}}) {
    const double l = 0.01, q = 0.02;
    const Replicates r(fixtures::small(
        {"ai.enabled=false", "consolidation.enabled=false", "demography.enabled=false", "retraining.enabled=false",
         "labor_market.layoff_rate=0.01", "labor_market.quit_rate=0.02",
         "labor_market.tenure_separation_months=" + c.edges, "labor_market.tenure_separation_factors=" + c.factors},
        40000, 48));
    double weight = 1, below = 0, all = 0;
    for (int k = 0; k < 20000; ++k) {
      const double f = c.factor[k < 6 ? 0 : k < 12 ? 1 : k < 36 ? 2 : 3];
      weight *= 1 - (f * l + (1 - f * l) * f * q);  // churn's hazard: laid off, or else quits
      all += weight;
      if (k < 12) below += weight;
    }
    const double share = below / all;
    double got = 0;
    for (int t = 12; t < 48; ++t) got += r.at(M::first_year_tenure_share, t) / 36;
    std::printf("factors %s at edges %s: first-year share %.4f (%.4f expected)\n", c.factors.c_str(), c.edges.c_str(),
                got, share);
    EXPECT_NEAR(got, share, 0.01);
  }
}

// Tenure counts from the hire: a panel worker rehired at the end of one displacement and
// displaced again (with no quits or retraining between) had been at that employer since
// the first spell's end. (A retiree's id is reused by a young entrant: the same id with
// a younger age is another person.)
TEST(Wages, TenureCountsFromTheHire) {
  Model m(fixtures::small({"output.panel_rate=1", "labor_market.quit_rate=0", "retraining.enabled=false"}, 20000, 60),
          0);
  m.run();
  std::map<std::int64_t, const Spell*> last;  // each worker's previous spell
  int pairs = 0;
  for (const Spell& s : m.spells()) {
    const auto it = last.find(s.worker);
    if (it != last.end() && it->second->reemployed && s.age >= it->second->age) {
      ASSERT_EQ(s.tenure, s.start_month - it->second->end_month) << "worker " << s.worker;
      ++pairs;
    }
    last[s.worker] = &s;
  }
  std::printf("%d workers displaced again after a rehire\n", pairs);
  EXPECT_GT(pairs, 100);
}

// A premium that starts during the run ([[schedule]]) applies to the displacements from
// its month on, at the tenure then reached (tenure itself runs from the hire throughout).
TEST(Wages, APremiumScheduledAtAMonthAppliesFromThatMonth) {
  const double g = 0.03;
  const Scenario sc = fixtures::small(
      {"output.panel_rate=1", "labor_market.tenure_wage_growth=0", "schedule.24.labor_market.tenure_wage_growth=0.03"},
      20000, 48);
  Model m(sc, 0);
  m.run();
  int before = 0, after = 0;
  for (const Spell& s : m.spells()) {
    const double posted = m.posted_wage(s.firm, s.occupation, s.region);
    const double premium = s.start_month < 24 ? 0 : g * std::min(s.tenure / 12.0, 10.0);
    ASSERT_NEAR(s.wage, posted * (1 + premium), 1e-6 * posted) << "month " << s.start_month;
    (s.start_month < 24 ? before : after) += s.tenure >= 12;
  }
  EXPECT_GT(before, 100);
  EXPECT_GT(after, 100);
}

// Earnings after a displacement, and in the comparison group: a record's earnings in
// year y are the wages (annual / 12, with the tenure premium) of the months in which its
// worker held a job, months start+12(y-1)+1 .. start+12y, 0 for the others; a year the
// run did not reach or in which the worker retired is NaN. Tallied here month by month
// from the state after each step, and compared with what the engine recorded. At
// comparison_rate 1 the comparison group is exactly the panel workers employed at the
// end of months 0, 12, ...
namespace {

// The check above, over a run of `months` months that follows `years` years of earnings.
void expect_earnings_are_the_wages_of_the_months_with_a_job(int years, int months) {
  const double g = 0.03, cap = 10;
  SCOPED_TRACE(std::to_string(years) + " years followed, " + std::to_string(months) + " months");
  Model m(fixtures::small({"output.panel_rate=1", "output.comparison_rate=1", "labor_market.tenure_wage_growth=0.03",
                           "ai.adoption_speed=4", "demography.early_retirement_rate=0.05",
                           "output.earnings_years=" + std::to_string(years)},
                          6000, months),
          0);
  struct Tally {
    explicit Tally(int years) : earned(static_cast<size_t>(years)), stopped_in(years) {}
    std::vector<double> earned;
    int stopped_in;  // the year (0 to years - 1) in which the worker was last seen, years if never
  };
  std::map<std::pair<int, std::size_t>, Tally> tally;  // (list: 0 spells, 1 comparisons, index)
  int compared = 0;
  while (m.month() < months) {
    const int t = m.month();
    m.step();
    if (t < 0) continue;
    for (int list = 0; list < 2; ++list) {
      const auto& records = list == 0 ? m.spells() : m.comparisons();
      for (std::size_t i = 0; i < records.size(); ++i) {
        const Spell& s = records[i];
        if (s.start_month >= t || t > s.start_month + 12 * years) continue;
        Tally& k = tally.try_emplace({list, i}, years).first->second;
        const int year = (t - s.start_month - 1) / 12;
        if (k.stopped_in < years) continue;
        const auto wid = static_cast<std::size_t>(s.worker);
        if (m.w.status(wid) == Status::retired || m.w.core[wid].birth_month != s.birth_month) {
          k.stopped_in = year;
          continue;
        }
        if (m.w.status(wid) != Status::employed) continue;
        const double posted = m.c[m.w.core[wid].cell].wage;
        const double years = std::min((t - m.w.core[wid].spell_start) / 12.0, cap);
        k.earned[static_cast<size_t>(year)] += posted * (1 + g * years) / 12;
      }
    }
    if (t % 12 != 0) continue;
    // The comparison records of month t: every employed panel worker, at its job's wage.
    std::map<std::int64_t, const Spell*> added;
    for (const Spell& s : m.comparisons())
      if (s.start_month == t) added[s.worker] = &s;
    std::size_t employed = 0;
    for (std::size_t wid = 0; wid < m.w.size(); ++wid) {
      if (!m.w.in_panel(wid) || m.w.status(wid) != Status::employed) continue;
      ++employed;
      const auto it = added.find(static_cast<std::int64_t>(wid));
      ASSERT_NE(it, added.end()) << "worker " << wid << " month " << t;
      const std::int32_t ci = m.w.core[wid].cell;
      ASSERT_EQ(it->second->tenure, t - m.w.core[wid].spell_start);
      ASSERT_NEAR(it->second->wage, m.c[ci].wage * (1 + g * std::min(it->second->tenure / 12.0, cap)),
                  1e-6 * m.c[ci].wage);
      ASSERT_EQ(it->second->occupation, m.c[ci].occ);
    }
    ASSERT_EQ(added.size(), employed) << "month " << t;
    compared += static_cast<int>(employed);
  }
  m.run();  // the end of the run: years not reached become NaN
  int observed = 0, cut_by_end = 0, retired = 0, jobless_years = 0;
  for (const auto& [key, k] : tally) {
    const Spell& s = key.first == 0 ? m.spells()[key.second] : m.comparisons()[key.second];
    for (int y = 0; y < years; ++y) {
      const float e = (key.first == 0 ? m.spells() : m.comparisons()).earned(key.second, y);
      const bool reached = s.start_month + 12 * (y + 1) <= months - 1;
      if (!reached || y >= k.stopped_in) {
        ASSERT_TRUE(std::isnan(e)) << "record " << key.second << " year " << y + 1;
        (reached ? retired : cut_by_end) += 1;
        continue;
      }
      ASSERT_NEAR(e, k.earned[static_cast<size_t>(y)], 1e-5 * s.wage * 12) << "record " << key.second;
      ++observed;
      jobless_years += k.earned[static_cast<size_t>(y)] == 0;
    }
  }
  std::printf("%d comparison records; %d years observed (%d without a job), %d after a retirement, %d past the end\n",
              compared, observed, jobless_years, retired, cut_by_end);
  EXPECT_GT(m.spells().size(), 300u);
  EXPECT_GT(compared, 10000);
  EXPECT_GT(jobless_years, 20);  // every case is exercised
  EXPECT_GT(retired, 20);
  EXPECT_GT(cut_by_end, 1000);
  EXPECT_EQ(m.spells().earnings.size(), static_cast<size_t>(years));  // a column per year followed
}

}  // namespace

TEST(Earnings, AreTheWagesOfTheMonthsWithAJob) {
  expect_earnings_are_the_wages_of_the_months_with_a_job(3, 50);
  // Followed five years (output.earnings_years), over a run long enough to see them.
  expect_earnings_are_the_wages_of_the_months_with_a_job(5, 74);
}

// Below 1, each employed panel worker joins the comparison group of a month 0, 12, ...
// with probability comparison_rate, drawn anew each time: the records of such a month are
// employed panel workers, Binomial(employed panel workers then, rate) of them.
TEST(Earnings, TheComparisonGroupIsDrawnAtItsRate) {
  const double rate = 0.3;
  Model m(fixtures::small({"output.panel_rate=0.5", "output.comparison_rate=0.3"}, 20000, 40), 1);
  double drawn = 0, expected = 0, variance = 0;
  std::map<std::int64_t, int> times;  // how many months each worker was drawn in
  while (m.month() < 40) {
    const int t = m.month();
    m.step();
    if (t < 0 || t % 12 != 0) continue;
    double eligible = 0;
    for (std::size_t wid = 0; wid < m.w.size(); ++wid)
      eligible += m.w.in_panel(wid) && m.w.status(wid) == Status::employed;
    for (const Spell& s : m.comparisons()) {
      if (s.start_month != t) continue;
      const auto wid = static_cast<std::size_t>(s.worker);
      ASSERT_TRUE(m.w.in_panel(wid) && m.w.status(wid) == Status::employed) << wid;
      drawn += 1;
      ++times[s.worker];
    }
    expected += rate * eligible;
    variance += rate * (1 - rate) * eligible;
  }
  int again = 0;
  for (const auto& [wid, n] : times) again += n > 1;
  std::printf("%.0f comparison records drawn, %.1f expected (sd %.1f); %d workers drawn in two months or more\n", drawn,
              expected, std::sqrt(variance), again);
  EXPECT_NEAR(drawn, expected, 4 * std::sqrt(variance));
  EXPECT_GT(again, 100);  // drawn anew each year, not once for good
}

namespace {

// 1 - (displaced's earnings / wage before) / (comparison group's), in year y, over the
// records of min_tenure months or more: Jacobson, LaLonde & Sullivan's loss.
double earnings_loss(Model& m, int y, int min_tenure = 0) {
  auto ratio = [&](const Records& list) {
    double e = 0, w = 0;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i].tenure >= min_tenure && !std::isnan(list.earned(i, y))) e += list.earned(i, y), w += list[i].wage;
    return e / w;
  };
  return 1 - ratio(m.spells()) / ratio(m.comparisons());
}

}  // namespace

// Comparative statics of the loss. Slower matching keeps the displaced out of work
// longer: more lost in the first year. The premium for tenure is lost with the job and
// keeps growing for those who stay: more lost by the long-tenured in the third year.
TEST(Earnings, SlowerMatchingAndTheTenurePremiumDeepenTheLoss) {
  auto loss = [](std::vector<std::string> set, int y, int min_tenure) {
    set.push_back("output.panel_rate=0.5");
    Model m(fixtures::small(set, 20000, 60), 3);
    m.run();
    return earnings_loss(m, y, min_tenure);
  };
  const double fast = loss({"labor_market.matching_efficiency=0.5"}, 0, 0);
  const double slow = loss({"labor_market.matching_efficiency=0.2"}, 0, 0);
  const double flat = loss({"labor_market.tenure_wage_growth=0"}, 2, 36);
  const double steep = loss({"labor_market.tenure_wage_growth=0.05"}, 2, 36);
  std::printf("year-1 loss: %.3f (fast matching), %.3f (slow); year-3 loss after 3+ years: %.3f (no premium), %.3f\n",
              fast, slow, flat, steep);
  EXPECT_GT(fast, 0);
  EXPECT_GT(slow, fast + 0.05);
  EXPECT_GT(steep, flat + 0.05);
}

// Early retirement: each unemployed worker aged early_retirement_age or more retires for
// good with probability early_retirement_rate a month. It acts last in the month on the
// pools (only AIQ, which moves no one, comes after), so the older searchers it saw are
// those still searching at the month's end plus those it retired.
TEST(Demography, EarlyRetirementTakesTheOlderUnemployedAtItsRate) {
  const double x = 0.08;
  double retired = 0, exposed = 0, variance = 0;
  for (std::uint64_t rep = 0; rep < 2; ++rep) {
    Model m(fixtures::small({"demography.early_retirement_rate=0.08", "demography.early_retirement_age=55"}, 40000, 24),
            rep);
    while (m.month() < 24) {
      const int t = m.month();
      m.step();
      if (t < 0) continue;
      double older = 0;
      for (const auto& p : m.pool)
        for (const auto& s : p) older += s.birth_month <= t - 55 * 12;
      const double early = m.series().at(M::early_retirements, t);
      retired += early;
      exposed += older + early;
      variance += (older + early) * x * (1 - x);
    }
  }
  std::printf("early retirements %.0f, expected %.1f (sd %.1f)\n", retired, x * exposed, std::sqrt(variance));
  ASSERT_GT(retired, 300);
  EXPECT_NEAR(retired, x * exposed, 4 * std::sqrt(variance));
}

// Its limits: at rate 1 no one of that age is left searching at any month's end; with an
// age no one reaches before retiring (80) no one retires early.
TEST(Demography, EarlyRetirementLimits) {
  Model all(fixtures::small({"demography.early_retirement_rate=1", "demography.early_retirement_age=60"}, 20000, 12),
            0);
  double early = 0;
  while (all.month() < 12) {
    const int t = all.month();
    all.step();
    for (const auto& p : all.pool)
      for (const auto& s : p) ASSERT_GT(s.birth_month, t - 60 * 12) << "month " << t;
    if (t >= 0) early += all.series().at(M::early_retirements, t);
  }
  EXPECT_GT(early, 50);
  Replicates none(
      fixtures::small({"demography.early_retirement_rate=1", "demography.early_retirement_age=80"}, 20000, 12));
  EXPECT_EQ(none.sum(M::early_retirements), 0);
}

// What it is for: older displaced workers who retire are not reemployed, so the share
// of the displaced aged 55-64 back in a job falls, and that of the younger does not.
TEST(Demography, EarlyRetirementLowersTheOlderDisplacedsReemployment) {
  auto reemployed = [](const Replicates& r, int lo, int hi) {
    double n = 0, back = 0;
    for (const auto& spells : r.spells)
      for (const Spell& s : spells)
        if (s.age >= lo && s.age <= hi) n += 1, back += s.reemployed;
    return back / n;
  };
  Replicates off(fixtures::small({"output.panel_rate=1"}, 20000, 48));
  Replicates on(fixtures::small({"output.panel_rate=1", "demography.early_retirement_rate=0.1"}, 20000, 48));
  const double old_off = reemployed(off, 55, 64), old_on = reemployed(on, 55, 64);
  const double young_off = reemployed(off, 25, 54), young_on = reemployed(on, 25, 54);
  std::printf("reemployed, aged 55-64: %.3f without, %.3f with; 25-54: %.3f and %.3f\n", old_off, old_on, young_off,
              young_on);
  EXPECT_LT(old_on, old_off - 0.05);
  EXPECT_GT(young_on, young_off - 0.01);
}

// The job ladder (labor_market.job_ladder): a job-to-job quit is an offer taken only if
// its posted wage beats what the worker earns (posted wage x tenure premium). Every move
// from one job to another within a month (employed before and after it, in another
// firm's cell: with AI, consolidation, retraining and demography off nothing else moves
// an employee) then raises
// the worker's wage; without the ladder many moves lower it. Every quit counted is a
// move or a quit into unemployment, and the ladder leaves fewer moves than offers. With
// job_ladder 0.5 half the offers are judged by their wage: in between.
TEST(Churn, OnTheJobLadderEveryMoveRaisesTheWage) {
  struct Moves {
    int up = 0, down = 0;
    double quits = 0, moves = 0, to_unemployment = 0;
  };
  auto moves = [](double ladder) {
    Model m(fixtures::small(
                {"ai.enabled=false", "consolidation.enabled=false", "retraining.enabled=false",
                 "demography.enabled=false", "labor_market.tenure_wage_growth=0.03", "labor_market.quit_rate=0.04",
                 "labor_market.quit_to_unemployment_share=0.1", "labor_market.job_ladder=" + std::to_string(ladder)},
                20000, 24),
            0);
    Moves out;
    std::vector<std::int32_t> cell(m.w.size()), born(m.w.size());
    std::vector<float> earned(m.w.size());
    while (m.month() < 24) {
      const int t = m.month();
      for (std::size_t wid = 0; wid < m.w.size(); ++wid) {
        cell[wid] = m.w.status(wid) == Status::employed ? m.w.core[wid].cell : -1;
        born[wid] = m.w.core[wid].birth_month;
        if (cell[wid] >= 0) earned[wid] = m.earned_wage(cell[wid], t - m.w.core[wid].spell_start);
      }
      m.step();
      if (t < 0) continue;
      for (std::size_t wid = 0; wid < m.w.size(); ++wid) {
        if (cell[wid] < 0 || m.w.status(wid) != Status::employed || m.w.core[wid].cell == cell[wid]) continue;
        if (m.w.core[wid].birth_month != born[wid]) continue;  // a retiree's id, an entrant's now
        EXPECT_NE(m.c[m.w.core[wid].cell].firm, m.c[cell[wid]].firm);
        (m.c[m.w.core[wid].cell].wage > earned[wid] ? out.up : out.down) += 1;
      }
      out.quits += m.series().at(M::quits, t);
      out.moves += m.series().at(M::job_to_job_moves, t);
      out.to_unemployment += m.series().at(M::quits_to_unemployment, t);
    }
    return out;
  };
  const Moves on = moves(1), off = moves(0), half = moves(0.5);
  std::printf("ladder: %d moves up, %d down (%.0f counted); without: %d up, %d down (%.0f counted)\n", on.up, on.down,
              on.moves, off.up, off.down, off.moves);
  EXPECT_EQ(on.down, 0);
  EXPECT_GT(on.up, 1000);
  EXPECT_GT(off.down, 0.3 * (off.up + off.down));  // the test can tell: without it, moves go anywhere
  // Each move seen here is counted; the few not seen were hired from unemployment in the
  // month's matching and moved on in its churn (unemployed before the step).
  EXPECT_LE(on.up, on.moves);
  EXPECT_GT(on.up, 0.9 * on.moves);
  EXPECT_EQ(on.quits, on.moves + on.to_unemployment);
  EXPECT_LT(on.moves, 0.8 * off.moves);  // offers below the wage earned are turned down
  // Half of the offers judged by their wage: moves down, fewer than without the ladder,
  // and more moves than with it everywhere.
  std::printf("half the offers judged: %d up, %d down\n", half.up, half.down);
  EXPECT_GT(half.down, 0);
  EXPECT_LT(half.down, 0.7 * off.down);
  EXPECT_GT(half.moves, on.moves);
  EXPECT_LT(half.moves, off.moves);
}

// A job-to-job quit moves to an opening of another firm whenever the market has one: a
// draw that lands on the worker's own firm is drawn again (docs/model.md, section 6).
// Large firms (a hundred or so per market, so the old engine's single draw hit the own
// firm often) and openings to spare (10 per unemployed, every separation replaced), no quit
// into unemployment by choice: every quit is a move, none is into unemployment. With the
// job ladder on but no offer judged by its pay (job_ladder 1e-9), every quit drawn is an
// offer taken, so the quits are at quit_rate among those not laid off (the old engine
// let a worker whose offer was its own firm's stay).
TEST(Churn, JobToJobQuitsMoveToAnotherFirmWheneverOneHasAnOpening) {
  // One region: the fixture's offshore one holds too few firms for openings to spare.
  std::string toml = fixtures::small_toml(40000, 24);
  const auto abroad = toml.find("[[regions]]\nname = \"abroad\"");
  ASSERT_NE(abroad, std::string::npos) << "the fixture's offshore region";
  toml = toml.substr(0, abroad) + "\n";
  const auto home_share = toml.rfind("share = 0.9");
  ASSERT_NE(home_share, std::string::npos) << "the fixture's home region's share";
  toml.replace(home_share, 11, "share = 1.0");
  for (const char* ladder : {"0", "1e-9"}) {
    Replicates r(load_scenario_string(
        toml, "one_region.toml",
        {"ai.enabled=false", "consolidation.enabled=false", "retraining.enabled=false", "demography.enabled=false",
         "firms.min_size=60", "firms.max_size=3000", "labor_market.vacancies_per_unemployed=10",
         "labor_market.replacement_share=1", "labor_market.quit_rate=0.05",
         "labor_market.quit_to_unemployment_share=0", std::string("labor_market.job_ladder=") + ladder}));
    double exposed = 0, layoffs = 0, quits = 0, moves = 0, to_unemployment = 0;
    for (const auto& s : r.series)
      for (int t = 1; t < 24; ++t) {
        exposed += s.at(M::employed, t - 1) + s.at(M::hires_from_unemployment, t);
        layoffs += s.at(M::layoffs_ordinary, t);
        quits += s.at(M::quits, t);
        moves += s.at(M::job_to_job_moves, t);
        to_unemployment += s.at(M::quits_to_unemployment, t);
      }
    const double q = 0.05, expected = q * (exposed - layoffs);
    std::printf("job_ladder %s: %.0f quits (%.1f expected), %.0f moves, %.0f into unemployment\n", ladder, quits,
                expected, moves, to_unemployment);
    EXPECT_EQ(to_unemployment, 0);
    EXPECT_EQ(moves, quits);
    EXPECT_NEAR(quits, expected, 4 * std::sqrt(expected));
  }
}

// Job-to-job moves and graduates with a job lined up take openings as matching's hires
// do: each opening of the market equally likely (laborsim/openings.hpp), so a cell with
// more openings takes more of them. Cells are grouped by the openings they had when the
// draws began (what they have after the step plus what they took, since nothing else
// changes a cell's openings after these draws), and each group's hires are checked
// against that expectation. A draw uniform over cells (the engine before 2026-12-06)
// gives the cells with one opening several times their share.
struct OpeningGroups {
  static constexpr int kGroups = 4;
  static int group(std::int64_t open) { return open <= 1 ? 0 : open == 2 ? 1 : open <= 5 ? 2 : 3; }
  std::array<double, kGroups> hired{}, expected{};
  void check(const char* who) const {
    for (int g = 0; g < kGroups; ++g) {
      std::printf("%s into cells with openings in group %d: %.0f, %.1f expected\n", who, g, hired[g], expected[g]);
      ASSERT_GT(expected[g], 100) << who << ", group " << g;  // enough in every group to tell
      EXPECT_NEAR(hired[g], expected[g], 4 * std::sqrt(expected[g])) << who << ", group " << g;
    }
  }
};

// Job to job: the mover's expected hires into a group are the group's openings in its
// market, less its own firm's cell's (never drawn), over the market's, less its own
// (ignoring how the month's earlier moves deplete the openings: a few per cent of them).
TEST(Churn, JobToJobMovesTakeOpeningsInProportionToThem) {
  const Scenario sc = fixtures::small({"simulation.burn_in_months=0", "ai.enabled=false"}, 100000, 1);
  OpeningGroups g;
  for (int rep = 0; rep < 8; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    std::vector<std::int32_t> cell_before(m.w.size(), -1);
    for (std::int32_t wid = 0; wid < static_cast<std::int32_t>(m.w.size()); ++wid)
      if (m.w.status(wid) == Status::employed) cell_before[static_cast<size_t>(wid)] = m.w.core[wid].cell;
    mech::churn(m);
    std::vector<std::int64_t> moved_in(m.c.size(), 0);
    std::vector<std::int32_t> movers;
    for (std::int32_t wid = 0; wid < static_cast<std::int32_t>(m.w.size()); ++wid) {
      const std::int32_t before = cell_before[static_cast<size_t>(wid)];
      if (before >= 0 && m.w.status(wid) == Status::employed && m.w.core[wid].cell != before) {
        ++moved_in[static_cast<size_t>(m.w.core[wid].cell)];
        movers.push_back(wid);
      }
    }
    std::vector<std::int64_t> open(m.c.size()), market_open(static_cast<size_t>(m.markets()), 0);
    std::vector<std::array<double, OpeningGroups::kGroups>> by_group(static_cast<size_t>(m.markets()));
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      open[ci] = m.c[ci].vacancies + moved_in[ci];
      if (open[ci] == 0) continue;
      const auto mk = static_cast<size_t>(m.cell_market(static_cast<std::int32_t>(ci)));
      market_open[mk] += open[ci];
      by_group[mk][static_cast<size_t>(OpeningGroups::group(open[ci]))] += static_cast<double>(open[ci]);
      g.hired[static_cast<size_t>(OpeningGroups::group(open[ci]))] += static_cast<double>(moved_in[ci]);
    }
    for (const std::int32_t wid : movers) {
      const std::int32_t own = cell_before[static_cast<size_t>(wid)];
      const auto mk = static_cast<size_t>(m.cell_market(own));
      const double others = static_cast<double>(market_open[mk] - open[static_cast<size_t>(own)]);
      for (int k = 0; k < OpeningGroups::kGroups; ++k) {
        double in_group = by_group[mk][static_cast<size_t>(k)];
        if (open[static_cast<size_t>(own)] > 0 && OpeningGroups::group(open[static_cast<size_t>(own)]) == k)
          in_group -= static_cast<double>(open[static_cast<size_t>(own)]);
        g.expected[static_cast<size_t>(k)] += in_group / others;
      }
    }
  }
  g.check("job-to-job moves");
}

// Graduates: every one with a job lined up (graduate_job_share 1), hired in its market
// where it has openings; a market's h of them take h distinct openings of its v, so a
// cell with k expects k h / v.
TEST(Demography, GraduatesWithAJobTakeOpeningsInProportionToThem) {
  const Scenario sc = fixtures::small(
      {"simulation.burn_in_months=0", "ai.enabled=false", "demography.graduate_job_share=1"}, 200000, 1);
  OpeningGroups g;
  for (int rep = 0; rep < 8; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    // A graduate: a new id, or a retiree's id taken by someone born decades later.
    const auto old_size = static_cast<std::int32_t>(m.w.size());
    std::vector<std::int16_t> born(static_cast<size_t>(old_size));
    for (std::int32_t wid = 0; wid < old_size; ++wid) born[static_cast<size_t>(wid)] = m.w.core[wid].birth_month;
    mech::demography(m);
    std::vector<std::int64_t> hired(m.c.size(), 0), market_hired(static_cast<size_t>(m.markets()), 0);
    for (std::int32_t wid = 0; wid < static_cast<std::int32_t>(m.w.size()); ++wid)
      if (m.w.status(wid) == Status::employed &&
          (wid >= old_size || m.w.core[wid].birth_month != born[static_cast<size_t>(wid)])) {
        ++hired[static_cast<size_t>(m.w.core[wid].cell)];
        ++market_hired[static_cast<size_t>(m.cell_market(m.w.core[wid].cell))];
      }
    std::vector<std::int64_t> market_open(static_cast<size_t>(m.markets()), 0);
    for (std::size_t ci = 0; ci < m.c.size(); ++ci)
      market_open[static_cast<size_t>(m.cell_market(static_cast<std::int32_t>(ci)))] += m.c[ci].vacancies + hired[ci];
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      const std::int64_t open = m.c[ci].vacancies + hired[ci];
      if (open == 0) continue;
      const auto mk = static_cast<size_t>(m.cell_market(static_cast<std::int32_t>(ci)));
      const auto k = static_cast<size_t>(OpeningGroups::group(open));
      g.hired[k] += static_cast<double>(hired[ci]);
      g.expected[k] += static_cast<double>(open) * static_cast<double>(market_hired[mk]) /
                       static_cast<double>(market_open[mk]);
    }
  }
  g.check("graduates");
}

// A [[schedule]] change of a pipeline stage's length acts on the firms entering the
// stage from then on; a firm already in it keeps the end month it was given (docs/model.md,
// "Changes during a run"), whether the stage grows longer or shorter. Firms cut in the
// month they adopt (no mandate, documentation or assessment), and realisation_months
// changes at month 6: a realisation comes the old length after a cut made before month
// 6, the new length after one made from month 6 on.
TEST(Adoption, AStageLengthChangedByAScheduleKeepsTheEndMonthsGiven) {
  for (const auto& [before, after] : {std::pair{3, 10}, std::pair{10, 2}}) {
    SCOPED_TRACE("realisation_months " + std::to_string(before) + " then " + std::to_string(after));
    const Scenario sc = fixtures::small(
        {"ai.adoption_speed=3", "ai.hype_premium=1", "ai.mandate_months=0", "ai.documentation_months=0",
         "ai.assessment_months=0", "ai.realisation_months=" + std::to_string(before),
         "schedule.6.ai.realisation_months=" + std::to_string(after), "consolidation.enabled=false"},
        20000, 30);
    Model m(sc, 1);
    m.run();
    std::map<std::int32_t, int> cut_month;
    int early = 0, late = 0;
    for (const FirmEvent& e : m.firm_events()) {
      if (e.kind == FirmEventKind::ai_cut) cut_month[e.firm] = e.month;
      if (e.kind != FirmEventKind::regret && e.kind != FirmEventKind::no_regret) continue;
      const int cut = cut_month.at(e.firm);
      EXPECT_EQ(e.month - cut, cut < 6 ? before : after) << "firm " << e.firm << " cut in month " << cut;
      ++(cut < 6 ? early : late);
    }
    std::printf("realisations of cuts before month 6: %d, from month 6: %d\n", early, late);
    EXPECT_GT(early, 20);
    EXPECT_GT(late, 20);
  }
}

// The firm panel's events (output.firm_panel_rate 1: every firm): each AI cut, each
// realisation (regret or not), acquisition and failure is one record, so they add up to
// the month's series; an acquired firm's staff is either cut or moved, a failed firm's
// all displaced; a realisation comes realisation_months after its firm's one cut and
// remembers the capability believed then.
TEST(FirmEvents, AddUpToTheSeriesAndAccountForEveryFirmsStaff) {
  const Scenario sc = fixtures::small({"ai.adoption_speed=3", "ai.hype_premium=1.5", "ai.offshore_share=0.5",
                                       "sectors.tech.vc_share=0.5", "sectors.services.vc_share=0.5",
                                       "consolidation.refunding_probability=0.2"});
  for (int rep = 0; rep < 2; ++rep) {
    Model m(sc, static_cast<std::uint64_t>(rep));
    m.run();
    auto series_total = [&](M metric) {
      double x = 0;
      for (double v : m.series().values(metric)) x += v;
      return x;
    };
    std::map<FirmEventKind, double> count, laid_off;
    double moved = 0, reopened = 0, offshore = 0;
    std::map<std::int32_t, FirmEvent> cut_of;
    for (const FirmEvent& e : m.firm_events()) {
      ASSERT_GE(e.month, 0);
      ASSERT_LT(e.month, sc.simulation.months);
      ASSERT_GE(e.firm, 0);
      count[e.kind] += 1, laid_off[e.kind] += e.laid_off, moved += e.moved;
      reopened += e.reopened, offshore += e.reopened_offshore;
      switch (e.kind) {
        case FirmEventKind::ai_cut:
          EXPECT_GT(e.laid_off, 0);
          EXPECT_LE(e.laid_off, e.employed);
          EXPECT_GE(e.believed, e.capability);  // perceived = min(1, K (1 + hype)) >= K
          EXPECT_TRUE(cut_of.emplace(e.firm, e).second) << "a second cut by firm " << e.firm;
          break;
        case FirmEventKind::regret:
        case FirmEventKind::no_regret: {
          const auto it = cut_of.find(e.firm);
          ASSERT_NE(it, cut_of.end()) << "a realisation without a cut, firm " << e.firm;
          EXPECT_EQ(e.month - it->second.month, sc.ai.realisation_months);
          EXPECT_EQ(e.believed, it->second.believed);
          EXPECT_LE(e.reopened, it->second.laid_off);
          EXPECT_LE(e.reopened_offshore, e.reopened);
          if (e.kind == FirmEventKind::no_regret) {
            EXPECT_EQ(e.reopened, 0);
          }
          break;
        }
        case FirmEventKind::acquisition:
          EXPECT_EQ(e.laid_off + e.moved, e.employed);
          EXPECT_GE(e.other_firm, 0);
          EXPECT_NE(e.other_firm, e.firm);
          break;
        case FirmEventKind::failure:
          EXPECT_EQ(e.laid_off, e.employed);
          EXPECT_EQ(e.other_firm, -1);
          break;
      }
    }
    for (auto kind : {FirmEventKind::ai_cut, FirmEventKind::regret, FirmEventKind::no_regret,
                      FirmEventKind::acquisition, FirmEventKind::failure})
      EXPECT_GT(count[kind], 10) << kFirmEventKindNames[static_cast<int>(kind)];
    EXPECT_EQ(count[FirmEventKind::ai_cut], series_total(M::firms_cutting));
    EXPECT_EQ(laid_off[FirmEventKind::ai_cut], series_total(M::layoffs_ai));
    EXPECT_EQ(count[FirmEventKind::regret], series_total(M::new_regretting_firms));
    EXPECT_EQ(reopened, series_total(M::reopened_jobs));
    EXPECT_EQ(offshore, series_total(M::reopened_jobs_offshore));
    EXPECT_GT(offshore, 0);
    EXPECT_EQ(count[FirmEventKind::acquisition], series_total(M::acquisitions));
    EXPECT_EQ(count[FirmEventKind::failure], series_total(M::failures));
    EXPECT_EQ(laid_off[FirmEventKind::acquisition] + laid_off[FirmEventKind::failure],
              series_total(M::layoffs_consolidation));
    EXPECT_GT(moved, 0);
  }
}

// A firm panel below 1 is every (1/rate)-th firm id: floor(n x rate) of the first n ids,
// and exactly the events of those firms in a run of every firm; recording them draws
// nothing, so every series and spell is the same whatever the rate.
TEST(FirmEvents, APanelOfFirmsIsEveryNthFirmAndChangesNothingElse) {
  const std::vector<std::string> base = {"ai.adoption_speed=3", "ai.hype_premium=1.5", "sectors.tech.vc_share=0.5"};
  auto with = [&](const std::string& rate) {
    auto o = base;
    o.push_back("output.firm_panel_rate=" + rate);
    return fixtures::small(o);
  };
  Model all(with("1"), 0), quarter(with("0.25"), 0), none(with("0"), 0);
  all.run(), quarter.run(), none.run();
  for (int i = 0; i < kMetricCount; ++i) {
    ASSERT_EQ(all.series().values(static_cast<M>(i)), quarter.series().values(static_cast<M>(i)))
        << metric_table()[i].name;
    ASSERT_EQ(all.series().values(static_cast<M>(i)), none.series().values(static_cast<M>(i)))
        << metric_table()[i].name;
  }
  ASSERT_EQ(all.spells().size(), quarter.spells().size());
  for (std::size_t k = 0; k < all.spells().size(); ++k)
    ASSERT_EQ(all.spells()[k].end_month, quarter.spells()[k].end_month);
  EXPECT_TRUE(none.firm_events().empty());

  const auto firms = static_cast<std::int32_t>(all.f.size());
  std::int32_t in_panel = 0;
  for (std::int32_t fid = 0; fid < firms; ++fid) in_panel += quarter.in_firm_panel(fid);
  EXPECT_EQ(in_panel, static_cast<std::int32_t>(std::floor(firms * 0.25)));

  std::vector<FirmEvent> expected;
  for (const FirmEvent& e : all.firm_events())
    if (quarter.in_firm_panel(e.firm)) expected.push_back(e);
  ASSERT_GT(expected.size(), 50u);
  ASSERT_LT(expected.size(), all.firm_events().size() / 2);
  ASSERT_EQ(expected.size(), quarter.firm_events().size());
  for (std::size_t k = 0; k < expected.size(); ++k)
    ASSERT_TRUE(fixtures::same_event(expected[k], quarter.firm_events()[k])) << k;
}

// Firms that differ in how far they bet on AI (ai.intensity_sd = s): each cutting firm's
// intensity is multiplied by a lognormal factor of mean 1 drawn from a stream of its
// own. The same firms cut in the same months, and the expected cut is unchanged, so AI
// layoffs stay the same in total within the spread the factors add (variance
// (e^(s^2) - 1) x the sum of the squared cuts: a few large firms' bets move it). A firm's cut is then about its cut
// without the factor times the factor, so the log of the ratio of the two runs' cuts has mean -s^2/2 and variance s^2,
// plus the binomial noise of the two cuts (about 1/k each for a cut of k, taken off before the comparison).
TEST(Adoption, FirmsBettingDifferentlyOnAICutAroundTheSameMean) {
  const std::vector<std::string> base = {"ai.adoption_speed=4", "ai.hype_premium=1"};
  auto with = [&](const std::string& sd) {
    auto o = base;
    o.push_back("ai.intensity_sd=" + sd);
    return fixtures::small(o, 200000, 36);
  };
  const double s = 0.8;
  double layoffs0 = 0, layoffs1 = 0, noise = 0, squares = 0;
  std::vector<double> log_ratio;
  for (int rep = 0; rep < 2; ++rep) {
    Model alike(with("0"), static_cast<std::uint64_t>(rep)),
        betting(with(std::to_string(s)), static_cast<std::uint64_t>(rep));
    alike.run(), betting.run();
    for (double v : alike.series().values(M::layoffs_ai)) layoffs0 += v;
    for (double v : betting.series().values(M::layoffs_ai)) layoffs1 += v;
    std::map<std::pair<int, int>, int> cut0;  // (firm, month) -> jobs cut without the factor
    for (const FirmEvent& e : alike.firm_events())
      if (e.kind == FirmEventKind::ai_cut) {
        cut0[{e.firm, e.month}] = e.laid_off;
        squares += static_cast<double>(e.laid_off) * e.laid_off;
      }
    for (const FirmEvent& e : betting.firm_events()) {
      if (e.kind != FirmEventKind::ai_cut) continue;
      const auto it = cut0.find({e.firm, e.month});
      if (it == cut0.end() || it->second < 10 || e.laid_off == 0) continue;
      log_ratio.push_back(std::log(static_cast<double>(e.laid_off) / it->second));
      noise += 1.0 / e.laid_off + 1.0 / it->second;
    }
  }
  ASSERT_GT(log_ratio.size(), 100u);
  const auto n = static_cast<double>(log_ratio.size());
  double m = 0, v = 0;
  for (double x : log_ratio) m += x;
  m /= n;
  for (double x : log_ratio) v += (x - m) * (x - m);
  v = v / (n - 1) - noise / n;
  std::printf("AI layoffs %.0f alike, %.0f betting (%.3f); %zu firms cutting 10+: log ratio mean %.3f, sd %.3f\n",
              layoffs0, layoffs1, layoffs1 / layoffs0, log_ratio.size(), m, std::sqrt(std::max(0.0, v)));
  const double spread = std::sqrt((std::exp(s * s) - 1) * squares + layoffs0 + layoffs1);
  std::printf("difference %.0f, its sd %.0f\n", layoffs1 - layoffs0, spread);
  EXPECT_LT(std::abs(layoffs1 - layoffs0), 4 * spread);
  EXPECT_LT(spread, 0.1 * layoffs0);  // a test that can fail
  EXPECT_NEAR(std::sqrt(std::max(0.0, v)), s, 0.15);
  EXPECT_NEAR(m, -0.5 * s * s, 0.15);
}
