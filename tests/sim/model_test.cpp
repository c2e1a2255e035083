// Engine-level properties: the packing of a worker's fields, bookkeeping invariants,
// stock-flow balance, determinism and the analytic steady state of Cobb-Douglas matching.
#include "laborsim/model.hpp"
#include "test_scenarios.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <tuple>

using namespace laborsim;

namespace {

// Every worker is in exactly one status and every index agrees with the lists it names.
void check_invariants(const Model& m) {
  std::int64_t emp = 0, unemp = 0, retr = 0, inact = 0, retired = 0;
  for (std::size_t i = 0; i < m.w.size(); ++i) {
    const auto wid = static_cast<std::int32_t>(i);
    // Without a job, no cell: -1, or for a worker retrained since its last hire the
    // occupation it left for the programme, coded below -1.
    if (m.w.status(i) != Status::employed) {
      if (m.w.retrained(i)) {
        ASSERT_LE(m.w.core[i].cell, -2) << i;
        ASSERT_LT(m.w.trained_from(i), m.nocc_) << i;
      } else {
        ASSERT_EQ(m.w.core[i].cell, -1) << i;
      }
    }
    // The flag a hire checks before reading the retraining month agrees with it; a hire
    // clears both, so no employed worker has them.
    ASSERT_EQ(m.w.retrained(i), m.w.event_month[i] != Workers::kNoMonth) << i;
    switch (m.w.status(i)) {
      case Status::employed:
        ++emp;
        ASSERT_FALSE(m.w.retrained(i));
        ASSERT_GE(m.w.core[i].cell, 0);
        ASSERT_EQ(m.c[m.w.core[i].cell].members[m.w.core[i].slot], wid);
        ASSERT_TRUE(m.f.alive[m.c[m.w.core[i].cell].firm]);
        // Its market is its cell's (churn and retirements route by the worker's fields).
        ASSERT_EQ(m.w.core[i].occ, m.c[m.w.core[i].cell].occ);
        ASSERT_EQ(m.w.core[i].region, m.c[m.w.core[i].cell].region);
        break;
      case Status::unemployed:
        ++unemp;
        {
          const auto& s = m.pool[m.market(m.w.core[i].occ, m.w.core[i].region)][m.w.core[i].slot];
          ASSERT_EQ(s.worker, wid);
          // The pool's copies of what its scans read agree with the worker's record.
          ASSERT_EQ(s.spell_start, m.w.core[i].spell_start) << i;
          ASSERT_EQ(s.birth_month, m.w.core[i].birth_month) << i;
          ASSERT_EQ(s.aiq, m.w.aiq(i)) << i;
        }
        break;
      case Status::retraining:
        ++retr;
        break;
      case Status::inactive:
        ++inact;
        ASSERT_EQ(m.inactive[m.w.core[i].slot], wid);
        break;
      case Status::retired:
        ++retired;
        break;
    }
  }
  ASSERT_EQ(emp, m.employed_total());
  ASSERT_EQ(unemp, m.unemployed_total());
  ASSERT_EQ(retr, m.n_retraining);
  ASSERT_EQ(inact, m.n_inactive);
  // A retired worker's id is free for an entrant, or (retired early) still on the
  // retirement calendar, which frees it at its date: never both, or the calendar would
  // retire whoever took the id.
  std::set<std::int32_t> free_ids(m.free_slots.begin(), m.free_slots.end()), on_calendar;
  ASSERT_EQ(free_ids.size(), m.free_slots.size());
  for (const auto& due : m.retire_at) on_calendar.insert(due.begin(), due.end());
  for (const std::int32_t id : free_ids) {
    ASSERT_EQ(m.w.status(static_cast<std::size_t>(id)), Status::retired) << id;
    ASSERT_EQ(on_calendar.count(id), 0u) << id;
  }
  ASSERT_GE(retired, static_cast<std::int64_t>(free_ids.size()));
  if (m.sc_.demography.early_retirement_rate == 0) {
    ASSERT_EQ(retired, static_cast<std::int64_t>(free_ids.size()));
  }
  std::int64_t members = 0, pooled = 0;
  for (const auto& cell : m.c) members += static_cast<std::int64_t>(cell.members.size());
  for (const auto& p : m.pool) pooled += static_cast<std::int64_t>(p.size());
  ASSERT_EQ(members, emp);
  ASSERT_EQ(pooled, unemp);
  std::vector<std::int64_t> mv(m.pool.size(), 0), fe(m.f.size(), 0), vacant_listed(m.pool.size(), 0);
  for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
    ASSERT_GE(m.c[ci].vacancies, 0);
    ASSERT_LE(m.c[ci].reopened, m.c[ci].vacancies);
    mv[m.market(m.c[ci].occ, m.c[ci].region)] += m.c[ci].vacancies;
    fe[m.c[ci].firm] += static_cast<std::int64_t>(m.c[ci].members.size());
    if (m.c[ci].vacancies > 0) {
      // Listed at its place, with its openings, firm and wage as the cell has them.
      const VacantCell& v = m.vacant_cells[m.cell_market(static_cast<std::int32_t>(ci))][m.c[ci].vslot];
      ASSERT_EQ(v.cell, static_cast<std::int32_t>(ci));
      ASSERT_EQ(v.open, m.c[ci].vacancies) << ci;
      ASSERT_EQ(v.firm, m.c[ci].firm) << ci;
      ASSERT_EQ(v.wage, m.c[ci].wage) << ci;
      ++vacant_listed[m.cell_market(static_cast<std::int32_t>(ci))];
    }
  }
  for (std::size_t k = 0; k < mv.size(); ++k) {
    ASSERT_EQ(mv[k], m.market_vacancies[k]);
    ASSERT_EQ(vacant_listed[k], static_cast<std::int64_t>(m.vacant_cells[k].size())) << k;  // no other entry
  }
  // Firm sizes kept by events agree with the cells' member lists (counted here both
  // through the cells' firms and through each firm's list of cells), and so do the
  // sectors' sums of their squares and employment.
  std::vector<std::int64_t> sumsq(m.nsec_, 0), sector_emp(m.nsec_, 0);
  for (std::size_t fi = 0; fi < m.f.size(); ++fi) {
    ASSERT_EQ(fe[fi], m.f.employment[fi]) << fi;
    // A firm has at most one cell per market (churn's job-to-job draw relies on it).
    std::int64_t through_cells = 0;
    std::vector<int> markets_of_firm;
    for (std::int32_t ci : m.f.cells[fi]) {
      ASSERT_EQ(m.c[ci].firm, static_cast<std::int32_t>(fi)) << ci;
      markets_of_firm.push_back(m.cell_market(ci));
      through_cells += static_cast<std::int64_t>(m.c[ci].members.size());
    }
    std::sort(markets_of_firm.begin(), markets_of_firm.end());
    ASSERT_EQ(std::adjacent_find(markets_of_firm.begin(), markets_of_firm.end()), markets_of_firm.end()) << fi;
    ASSERT_EQ(through_cells, fe[fi]) << fi;
    if (!m.f.alive[fi]) {
      ASSERT_EQ(fe[fi], 0);
    }
    sumsq[m.f.sector[fi]] += fe[fi] * fe[fi];
    sector_emp[m.f.sector[fi]] += fe[fi];
  }
  ASSERT_EQ(sumsq, m.sector_sumsq);
  ASSERT_EQ(sector_emp, m.sector_emp);
  // The month just recorded (month() is the next) has the concentration of this state.
  if (const int last = m.month() - 1; last >= 0)
    for (int s = 0; s < m.nsec_; ++s) {
      const double e = static_cast<double>(sector_emp[s]);
      ASSERT_EQ(m.series().at(M::sector_hhi, last, s), e > 0 ? static_cast<double>(sumsq[s]) / (e * e) : 0) << s;
    }
  std::int64_t by_occ = 0, by_occ_u = 0, by_region = 0, by_region_u = 0, listed = 0;
  for (int o = 0; o < m.nocc_; ++o) by_occ += m.occ_employed(o), by_occ_u += m.occ_unemployed(o);
  for (int g = 0; g < m.nreg_; ++g) by_region += m.region_employed(g), by_region_u += m.region_unemployed(g);
  std::vector<std::int64_t> by_market(m.market_employed.size(), 0), by_block(m.block_employed.size(), 0);
  for (std::size_t i = 0; i < m.w.size(); ++i)
    if (m.w.status(i) == Status::employed) {
      ++by_market[m.cell_market(m.w.core[i].cell)];
      ++by_block[i >> m.block_bits_];
      ++listed;
    }
  ASSERT_EQ(by_market, std::vector<std::int64_t>(m.market_employed.begin(), m.market_employed.end()));
  ASSERT_EQ(by_block, m.block_employed);
  ASSERT_EQ(by_occ, emp);
  ASSERT_EQ(by_occ_u, unemp);
  ASSERT_EQ(by_region, emp);
  ASSERT_EQ(by_region_u, unemp);
  ASSERT_EQ(listed, emp);
  // Every trainee has its own completion ahead in the calendar (the entry with the month
  // it began, its event_month), and only one; none where the programme ends after the
  // run (it lasts at most 120 months). Entries of retirees whose ids were taken by
  // graduates stay in the calendar but are not the trainee's: they name another month.
  std::map<std::pair<std::int32_t, int>, int> ahead;
  for (int idx = m.calendar_index(m.month()); idx < m.calendar_months(); ++idx)
    for (const auto& e : m.retrain_done_at[static_cast<std::size_t>(idx)]) ++ahead[{e.worker, e.entered}];
  for (std::size_t i = 0; i < m.w.size(); ++i) {
    if (m.w.status(i) != Status::retraining) continue;
    ASSERT_TRUE(m.w.retrained(i)) << i;
    const auto found = ahead.find({static_cast<std::int32_t>(i), m.w.event_month[i]});
    const int n = found == ahead.end() ? 0 : found->second;
    ASSERT_LE(n, 1) << i;
    if (m.calendar_index(m.w.event_month[i] + 120) < m.calendar_months()) {
      ASSERT_EQ(n, 1) << i << " entered " << m.w.event_month[i];
    }
  }
  // Every live cell off its target is listed for the demand-gap adjustment, on or off
  // (or, turned on, it would not see the cell until a separation touched it).
  {
    std::vector<std::set<std::int32_t>> listed_cells(m.gap_cells.size());
    for (std::size_t mk = 0; mk < m.gap_cells.size(); ++mk)
      listed_cells[mk].insert(m.gap_cells[mk].begin(), m.gap_cells[mk].end());
    for (std::size_t ci = 0; ci < m.c.size(); ++ci) {
      const auto& cell = m.c[ci];
      if (!m.f.alive[cell.firm] ||
          static_cast<std::int64_t>(cell.members.size()) + cell.vacancies == cell.target)
        continue;
      ASSERT_EQ(cell.gap_listed, 1) << "cell " << ci;
      ASSERT_EQ(listed_cells[m.cell_market(static_cast<std::int32_t>(ci))].count(static_cast<std::int32_t>(ci)), 1u)
          << "cell " << ci;
    }
  }
  // Every live firm between adopting and realising is in the pipeline once, due at a
  // month still to come and not before it entered its stage; no other live firm is.
  if (m.sc_.ai.enabled && m.month() > 0) {
    std::map<std::int32_t, int> entries;
    for (const auto& pf : m.pipeline) {
      ASSERT_EQ(++entries[pf.firm], 1) << "firm " << pf.firm << " twice in the pipeline";
      if (!m.f.alive[pf.firm]) continue;
      ASSERT_GE(pf.due, m.month()) << "firm " << pf.firm;
      ASSERT_GE(pf.due, m.f.stage_month[pf.firm]) << "firm " << pf.firm;
    }
    for (std::size_t fi = 0; fi < m.f.size(); ++fi) {
      if (!m.f.alive[fi]) continue;
      ASSERT_EQ(entries.count(static_cast<std::int32_t>(fi)), in_pipeline(m.f.stage[fi]) ? 1u : 0u) << "firm " << fi;
    }
  }
  // The firms' counts by sector and stage are those of the live firms, and every live
  // firm not adopting is in its sector and size class's list at its slot (where adoption
  // draws the month's new adopters), no other.
  {
    std::vector<std::int64_t> alive(m.nsec_, 0), adopting(m.nsec_, 0), by_stage(m.stage_count.size(), 0);
    std::size_t listed_firms = 0;
    for (const auto& list : m.nonadopters) listed_firms += list.size();
    std::size_t nonadopting = 0;
    for (std::size_t fi = 0; fi < m.f.size(); ++fi) {
      if (!m.f.alive[fi]) continue;
      const int sec = m.f.sector[fi];
      ++alive[sec];
      ++by_stage[static_cast<std::size_t>(m.f.stage[fi])];
      if (m.f.stage[fi] != Stage::none) {
        ++adopting[sec];
        continue;
      }
      ++nonadopting;
      const auto& list =
          m.nonadopters[static_cast<std::size_t>(sec) * Model::kSizeClasses + m.size_class(m.f.initial_size[fi])];
      ASSERT_GE(m.nonadopter_slot[fi], 0) << "firm " << fi;
      ASSERT_EQ(list.at(static_cast<std::size_t>(m.nonadopter_slot[fi])), static_cast<std::int32_t>(fi));
    }
    ASSERT_EQ(listed_firms, nonadopting);
    ASSERT_EQ(alive, m.sector_alive);
    ASSERT_EQ(adopting, m.sector_adopting);
    ASSERT_EQ(by_stage, m.stage_count);
  }
  // Every open spell points at a spell of its own worker that has not ended.
  for (const auto& [wid, index] : m.open_spells_) {
    ASSERT_EQ(m.spells_[index].worker, wid);
    ASSERT_EQ(m.spells_[index].end_month, -1);
    ASSERT_TRUE(m.w.in_panel(wid));
  }
}

double total(const Series& s, M metric) {
  double x = 0;
  for (double v : s.values(metric)) x += v;
  return x;
}

}  // namespace

// The fields packed in a worker's flags byte (status, cause, AIQ, panel, retrained) are
// set independently: writing one leaves every other as it was, and the retraining month
// carries its flag with it.
TEST(PaddedVector, EachElementOnLinesOfItsOwnAndAVectorOtherwise) {
  // What it is for: two threads writing neighbouring markets' counts never share a
  // cache line (nor the pair of lines the adjacent-line prefetcher moves together).
  PaddedVector<std::int64_t> counts;
  counts.assign(5, 7);
  ASSERT_EQ(counts.size(), 5u);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const auto at = reinterpret_cast<std::uintptr_t>(&counts[i]);
    EXPECT_EQ(at % kFalseSharingSpan, 0u) << i;
    if (i > 0) {
      EXPECT_GE(at - reinterpret_cast<std::uintptr_t>(&counts[i - 1]), kFalseSharingSpan) << i;
    }
  }
  counts[3] += 5;
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), std::int64_t{0}), 5 * 7 + 5);
  PaddedVector<std::vector<int>> lists;
  lists.resize(3);
  lists[1].push_back(4);
  std::vector<std::size_t> sizes;
  for (const auto& l : lists) sizes.push_back(l.size());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{0, 1, 0}));
}

// A trainee's mark of having left the labour force shares the programme's month: at
// every month a run can have, from the longest burn-in's first to the longest run's last,
// the month reads back unchanged, marked or not; a new programme clears the mark, and a
// worker with no programme is never marked.
TEST(Workers, LeavingTheLabourForceKeepsTheProgrammeMonth) {
  Workers w;
  w.resize(2);
  w.note_left_labor_force(0);
  EXPECT_FALSE(w.retrained(0));
  EXPECT_EQ(w.event_month[0], Workers::kNoMonth);
  for (int month : {-SimulationParams::kMaxBurnIn, -1, 0, 1, 4000, SimulationParams::kMaxMonths - 1}) {
    w.set_status(1, Status::unemployed);
    w.enter_retraining(1, month);
    ASSERT_EQ(w.programme_month(1), month);
    ASSERT_FALSE(w.left_labor_force_since_programme(1)) << month;
    w.note_left_labor_force(1);
    ASSERT_TRUE(w.retrained(1));
    ASSERT_TRUE(w.left_labor_force_since_programme(1)) << month;
    ASSERT_EQ(w.programme_month(1), month);
    w.note_left_labor_force(1);  // again: still one mark
    ASSERT_EQ(w.programme_month(1), month);
    ASSERT_EQ(w.status(1), Status::unemployed);
    w.enter_retraining(1, month == 0 ? 1 : 0);  // a new programme: no mark
    ASSERT_FALSE(w.left_labor_force_since_programme(1)) << month;
    w.clear_event_month(1);
    ASSERT_FALSE(w.retrained(1));
  }
}

TEST(Workers, PackedFieldsAreIndependent) {
  Workers w;
  w.resize(3);
  EXPECT_EQ(w.status(1), Status::retired);  // a new slot holds no one
  EXPECT_FALSE(w.retrained(1));
  EXPECT_EQ(w.event_month[1], Workers::kNoMonth);
  for (Status s : {Status::employed, Status::unemployed, Status::retraining, Status::inactive, Status::retired})
    for (Cause c : {Cause::none, Cause::ordinary, Cause::ai, Cause::consolidation})
      for (bool aiq : {false, true})
        for (bool panel : {false, true})
          for (int month : {-120, -1, 0, 37}) {  // months of the burn-in are months too
            w.set_status(1, s), w.set_cause(1, c), w.set_aiq(1, aiq), w.set_in_panel(1, panel);
            w.set_event_month(1, month);
            ASSERT_EQ(w.status(1), s);
            ASSERT_EQ(w.cause(1), c);
            ASSERT_EQ(w.aiq(1), aiq ? 1 : 0);
            ASSERT_EQ(w.in_panel(1), panel);
            ASSERT_TRUE(w.retrained(1));
            ASSERT_EQ(w.event_month[1], month);
            // Each field again alone, in another order: the others keep their values.
            w.set_in_panel(1, !panel);
            ASSERT_EQ(w.status(1), s);
            ASSERT_TRUE(w.retrained(1));
            w.clear_event_month(1);
            ASSERT_EQ(w.event_month[1], Workers::kNoMonth);
            ASSERT_EQ(w.cause(1), c);
            ASSERT_EQ(w.aiq(1), aiq ? 1 : 0);
            ASSERT_FALSE(w.retrained(1));
            w.set_status(1, Status::employed);
            ASSERT_EQ(w.in_panel(1), !panel);
            ASSERT_EQ(w.cause(1), c);
          }
  // Neighbours are untouched, and a record is 16 bytes: one line holds four whole ones.
  EXPECT_EQ(w.core[0], Workers::Core{});
  EXPECT_EQ(w.core[2], Workers::Core{});
  EXPECT_EQ(64 % sizeof(Workers::Core), 0u);
  EXPECT_EQ(Workers::bytes_per_worker(), sizeof(Workers::Core) + sizeof(float) + sizeof(std::int16_t));
}

TEST(Model, InvariantsHoldEveryMonthWithEveryMechanismOn) {
  Scenario sc = fixtures::small({"ai.adoption_speed=4", "retraining.entry_rate=0.2",
                                 "retraining.at_risk_entry_rate=0.1", "demography.early_retirement_rate=0.1"},
                                8000, 48);
  Model m(sc, 0);
  while (m.month() < sc.simulation.months) {
    m.step();
    check_invariants(m);
    if (HasFatalFailure()) FAIL() << "at month " << m.month();
  }
  // The mechanisms actually ran.
  const Series& s = m.series();
  EXPECT_GT(total(s, M::layoffs_ai), 0);
  EXPECT_GT(total(s, M::retraining_entries), 0);
  EXPECT_GT(total(s, M::retraining_entries_at_risk), 0);
  EXPECT_GT(total(s, M::retirements), 0);
  EXPECT_GT(total(s, M::early_retirements), 0);
  EXPECT_GT(total(s, M::acquisitions) + total(s, M::failures), 0);
}

TEST(Model, StocksMoveByTheirFlows) {
  // Without demography, employment changes only by hires and separations (quits include
  // the at-risk employed leaving for retraining), and unemployment by separations into it,
  // hires from it and retraining (whose at-risk entrants come from jobs, not from it).
  Scenario sc = fixtures::small(
      {"demography.enabled=false", "ai.adoption_speed=3", "retraining.at_risk_entry_rate=0.1"}, 10000, 48);
  Model m(sc, 1);
  m.run();
  const Series& s = m.series();
  for (int t = 1; t < sc.simulation.months; ++t) {
    const double layoffs = s.at(M::layoffs_ordinary, t) + s.at(M::layoffs_ai, t) + s.at(M::layoffs_consolidation, t);
    EXPECT_DOUBLE_EQ(s.at(M::employed, t) - s.at(M::employed, t - 1), s.at(M::hires, t) - s.at(M::quits, t) - layoffs)
        << t;
    EXPECT_DOUBLE_EQ(s.at(M::unemployed, t) - s.at(M::unemployed, t - 1),
                     layoffs + s.at(M::quits_to_unemployment, t) - s.at(M::hires_from_unemployment, t) -
                         (s.at(M::retraining_entries, t) - s.at(M::retraining_entries_at_risk, t)) +
                         s.at(M::retraining_completions, t))
        << t;
  }
  EXPECT_GT(total(s, M::retraining_entries_at_risk), 0);  // the at-risk path ran
}

// The unemployment durations follow the CPS definition of ongoing spells, at the end of
// each month: a searcher whose spell began d whole months ago has been unemployed a
// duration uniform in [d, d + 1) months (separated at some point of that month), and a
// month is 4.345 weeks. So, over the searchers: the mean is the mean of d + 1/2; the
// median the x where the mixture's distribution function, the mean of
// clamp(x - d, 0, 1), reaches 1/2 (found here by bisection, not by the engine's walk up
// a histogram); the long-term share the mean of the parts of the spells at 27 weeks or
// more, clamp(d + 1 - 27 / 4.345, 0, 1). (Until 2026-12-06 the share counted all of a
// spell whose midpoint passed 27 weeks, month 6 whole, though a fifth of it is below.)
TEST(Model, UnemploymentDurationsFollowTheCpsDefinition) {
  const Scenario sc = fixtures::small({}, 20000, 36);
  Model m(sc, 3);
  int months = 0;
  double max_share = 0;
  while (m.month() < sc.simulation.months) {
    m.step();
    const int t = m.month() - 1;
    if (t < 0) continue;
    std::vector<double> d;  // whole months elapsed
    for (const auto& pool : m.pool)
      for (const auto& x : pool) d.push_back(std::max(0, t - x.spell_start));
    ASSERT_FALSE(d.empty());
    const double n = static_cast<double>(d.size());
    double mean = 0, long_term = 0;
    for (double x : d) mean += (x + 0.5) / n, long_term += std::clamp(x + 1 - 27.0 / 4.345, 0.0, 1.0) / n;
    auto cdf = [&](double x) {
      double c = 0;
      for (double y : d) c += std::clamp(x - y, 0.0, 1.0) / n;
      return c;
    };
    double lo = 0, hi = *std::max_element(d.begin(), d.end()) + 1;
    for (int k = 0; k < 60; ++k) (cdf((lo + hi) / 2) < 0.5 ? lo : hi) = (lo + hi) / 2;
    const Series& s = m.series();
    EXPECT_NEAR(s.at(M::mean_unemployment_weeks, t), mean * 4.345, 1e-9) << "month " << t;
    EXPECT_NEAR(s.at(M::median_unemployment_weeks, t), (lo + hi) / 2 * 4.345, 1e-6) << "month " << t;
    EXPECT_NEAR(s.at(M::long_term_unemployed_share, t), long_term, 1e-12) << "month " << t;
    max_share = std::max(max_share, long_term);
    ++months;
  }
  EXPECT_EQ(months, sc.simulation.months);
  EXPECT_GT(max_share, 0.05);  // long spells arise
}

// Every random number comes from a stream addressed by (seed, replicate, month, entity,
// purpose). Two draws of one month at the same address would get the same numbers, a
// correlation no test of means would see: every address a run asks for must be new.
// A tiny population with everyone eligible for retraining makes workers with the lowest
// ids (the ids that collide with market numbers) complete programmes.
TEST(Model, NoTwoDrawsShareAStream) {
  const std::vector<std::vector<std::string>> runs = {
      {"ai.adoption_speed=3", "retraining.at_risk_entry_rate=0.1", "demography.early_retirement_rate=0.1",
       "ai.intensity_sd=0.8"},
      {"ai.adoption_speed=3", "labor_market.matching=network"},
      {"retraining.entry_rate=1", "retraining.eligible_after_months=0", "retraining.duration_months=1"},
  };
  for (const auto& overrides : runs) {
    const bool tiny = overrides[0] == "retraining.entry_rate=1";  // the third run
    const Scenario sc = fixtures::small(overrides, tiny ? 200 : 20000, 24);
    std::vector<Model::StreamAddress> log;
    Model m(sc, 0, &log);  // from the initial state on
    m.run();
    ASSERT_GT(log.size(), 1000u);
    EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const auto& a) { return a.purpose == Purpose::init_people; }));
    if (overrides.size() > 3) {  // the first run: firms' bets on AI drawn
      EXPECT_TRUE(
          std::any_of(log.begin(), log.end(), [](const auto& a) { return a.purpose == Purpose::firm_intensity; }));
    }
    std::sort(log.begin(), log.end());
    const auto twice = std::adjacent_find(log.begin(), log.end());
    EXPECT_TRUE(twice == log.end()) << "month " << twice->month << ", entity " << twice->entity << ", purpose "
                                    << static_cast<int>(twice->purpose) << " (" << overrides[0] << ")";
    if (tiny) {  // the run did make the lowest ids retrain
      EXPECT_TRUE(std::any_of(log.begin(), log.end(), [&](const Model::StreamAddress& a) {
        return a.purpose == Purpose::retraining_outcome && a.entity < static_cast<std::uint64_t>(m.markets());
      }));
    }
  }
}

TEST(Model, SameSeedSameResultsOtherReplicateOtherResults) {
  Scenario sc = fixtures::small({}, 5000, 24);
  Model a(sc, 3), b(sc, 3), c(sc, 4);
  a.run();
  b.run();
  c.run();
  bool any_difference = false;
  for (int i = 0; i < kMetricCount; ++i) {
    EXPECT_EQ(a.series().values(static_cast<M>(i)), b.series().values(static_cast<M>(i))) << metric_table()[i].name;
    any_difference |= a.series().values(static_cast<M>(i)) != c.series().values(static_cast<M>(i));
  }
  EXPECT_TRUE(any_difference);
}

// new_hire_separation_factor F with new_hire_months N is the shorthand of two tenure
// bands: tenure_separation_months [N], factors [F, 1] make the same run, flow for flow.
// And a profile of factors that are all 1 is the run with no profile, draw for draw.
TEST(Model, TenureBandsAndTheirShorthandMakeTheSameRun) {
  auto run = [](std::vector<std::string> set) {
    set.push_back("ai.adoption_speed=3");
    Model m(fixtures::small(set, 5000, 24), 3);
    m.run();
    return m.series();
  };
  const auto shorthand = run({"labor_market.new_hire_separation_factor=2.6", "labor_market.new_hire_months=9"});
  const auto bands =
      run({"labor_market.tenure_separation_months=[9]", "labor_market.tenure_separation_factors=[2.6, 1]"});
  const auto flat = run({});
  const auto ones =
      run({"labor_market.tenure_separation_months=[9, 40]", "labor_market.tenure_separation_factors=[1, 1, 1]"});
  bool differs = false;
  for (int i = 0; i < kMetricCount; ++i) {
    const M k = static_cast<M>(i);
    EXPECT_EQ(shorthand.values(k), bands.values(k)) << metric_table()[i].name;
    EXPECT_EQ(flat.values(k), ones.values(k)) << metric_table()[i].name;
    differs |= shorthand.values(k) != flat.values(k);
  }
  EXPECT_TRUE(differs);
}

// In parallel, for_each with the work of each call starts the largest first and hands
// out the rest one by one in that order: every call made once, and the k-th call to
// start is within threads - 1 places of the k-th largest (two threads may fetch in one
// order and begin in the other). Without work, parallel_for's halving starts the upper
// half of the list at once, whatever its sizes.
TEST(Model, ForEachInParallelStartsTheLargestFirst) {
  auto m = std::make_unique<Model>(fixtures::small({}, 2000, 12), 1);
  m->parallel_from(0);
  const int n = 40;
  std::vector<std::int64_t> work(n);
  for (int i = 0; i < n; ++i) work[static_cast<size_t>(i)] = (i * 17) % n;  // a permutation of 0..39
  for (const int threads : {2, 3}) {
    tbb::task_arena arena(threads);
    std::atomic<int> started{0};
    std::vector<int> place(n, -1), calls(n, 0);
    arena.execute([&] {
      m->for_each(
          n,
          [&](int i) {
            place[static_cast<size_t>(i)] = started.fetch_add(1);
            ++calls[static_cast<size_t>(i)];
          },
          [&](int i) { return work[static_cast<size_t>(i)]; });
    });
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(calls[static_cast<size_t>(i)], 1) << i;
      const int rank = n - 1 - static_cast<int>(work[static_cast<size_t>(i)]);  // 0 for the largest
      EXPECT_LE(std::abs(place[static_cast<size_t>(i)] - rank), threads - 1) << "call " << i << " on " << threads;
    }
  }
}

// Markets run in parallel inside a replicate (churn, matching): the replicate must come
// out the same, flow by flow, spell by spell and worker by worker, on any number of
// threads. Four threads on a two-core machine interleave the markets even more. Twice:
// churn's picks by tenure (new hires separating more often) have a path of their own.
class OneReplicateOnAnyThreads : public ::testing::TestWithParam<const char*> {};

TEST_P(OneReplicateOnAnyThreads, IsTheSameOnOneTwoOrFourThreads) {
  Scenario sc =
      fixtures::small({"ai.adoption_speed=4", "retraining.entry_rate=0.2", "retraining.at_risk_entry_rate=0.05",
                       "output.panel_rate=0.2", "demography.early_retirement_rate=0.05",
                       std::string("labor_market.new_hire_separation_factor=") + GetParam()},
                      20000, 36);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
  auto run_on = [&](int threads) {
    auto m = std::make_unique<Model>(sc, 2);
    m->parallel_from(0);  // markets in parallel on 2 and 4 threads, in sequence on 1
    tbb::task_arena arena(threads);
    arena.execute([&] { m->run(); });
    return m;
  };
  const auto one = run_on(1);
  for (int threads : {2, 4}) {
    const auto other = run_on(threads);
    for (int i = 0; i < kMetricCount; ++i)
      ASSERT_EQ(one->series().values(static_cast<M>(i)), other->series().values(static_cast<M>(i)))
          << metric_table()[i].name << " on " << threads << " threads";
    ASSERT_EQ(one->spells().size(), other->spells().size());
    ASSERT_GT(one->spells().size(), 100u);
    for (std::size_t k = 0; k < one->spells().size(); ++k) {
      const Spell &a = one->spells()[k], &b = other->spells()[k];
      ASSERT_EQ(a.worker, b.worker) << k;
      ASSERT_EQ(a.start_month, b.start_month) << k;
      ASSERT_EQ(a.end_month, b.end_month) << k;
      ASSERT_EQ(a.new_firm, b.new_firm) << k;
      for (int y = 0; y < 3; ++y)  // NaN where not observed: compared as bits
        ASSERT_EQ(std::bit_cast<std::uint32_t>(one->spells().earned(k, y)),
                  std::bit_cast<std::uint32_t>(other->spells().earned(k, y)))
            << k;
    }
    ASSERT_EQ(one->comparisons().size(), other->comparisons().size());
    ASSERT_GT(one->comparisons().size(), 1000u);
    for (std::size_t k = 0; k < one->comparisons().size(); ++k) {
      const Spell &a = one->comparisons()[k], &b = other->comparisons()[k];
      ASSERT_EQ(a.worker, b.worker) << k;
      ASSERT_EQ(a.wage, b.wage) << k;
      for (int y = 0; y < 3; ++y)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(one->comparisons().earned(k, y)),
                  std::bit_cast<std::uint32_t>(other->comparisons().earned(k, y)))
            << k;
    }
    ASSERT_EQ(one->firm_events().size(), other->firm_events().size());
    ASSERT_GT(one->firm_events().size(), 100u);
    for (std::size_t k = 0; k < one->firm_events().size(); ++k)
      ASSERT_TRUE(fixtures::same_event(one->firm_events()[k], other->firm_events()[k])) << k;
    ASSERT_EQ(one->w.core, other->w.core);
    ASSERT_EQ(one->f.employment, other->f.employment);
  }
}
INSTANTIATE_TEST_SUITE_P(Model, OneReplicateOnAnyThreads, ::testing::Values("1", "2.5"));

// With one market, no AI, no demography and separations replaced one for one, vacancies
// and unemployment keep a constant difference, and the unemployment rate settles at the
// flow steady state u* = s / (s + f), f = A theta^(1-alpha) (docs/validation.md).
namespace {

// One occupation, one region, separations at a fixed rate s = 1% a month, every opening
// replaced, everything else off: a two-state market whose steady state is known once the
// job-finding rate f is. Returns the run's mean unemployment rate and tightness v/u over
// months 24-119 of four replicates.
std::pair<double, double> steady_state(const std::string& matching) {
  const std::string toml = R"(
name = "steady_state"
[simulation]
months = 120
replicates = 4
seed = 11
workers = 100000
burn_in_months = 60
[labor_market]
)" + matching + R"(
initial_unemployment_rate = 0.05
vacancies_per_unemployed = 1.0
quit_rate = 0.0
layoff_rate = 0.01
replacement_share = 1.0
[ai]
enabled = false
[consolidation]
enabled = false
[retraining]
enabled = false
[demography]
enabled = false
[aiq]
enabled = false
[[occupations]]
name = "worker"
wage = 50000
[[sectors]]
name = "all"
employment_share = 1
staffing = { worker = 1 }
[[regions]]
name = "here"
)";
  Scenario sc = load_scenario_string(toml, "steady_state.toml");
  double u_sum = 0, theta_sum = 0, n = 0;
  for (int r = 0; r < sc.simulation.replicates; ++r) {
    Model m(sc, static_cast<std::uint64_t>(r));
    m.run();
    const Series& s = m.series();
    for (int t = 24; t < sc.simulation.months; ++t, ++n) {
      u_sum += s.at(M::unemployment_rate, t);
      theta_sum += s.at(M::vacancies, t) / s.at(M::unemployed, t);
    }
  }
  return {u_sum / n, theta_sum / n};
}

void expect_steady_state(double u, double theta, double f, double s_rate) {
  const double u_star = s_rate / (s_rate + f);
  // The engine matches before separating within a month; its exact discrete-time steady
  // state is s / (s + f - s f), within 1% of the continuous one for these rates.
  const double u_discrete = s_rate / (s_rate + f - s_rate * f);
  std::printf("steady state: theta=%.4f f=%.4f u=%.5f u*=%.5f (%+.2f%%) discrete=%.5f (%+.2f%%)\n", theta, f, u, u_star,
              100 * (u / u_star - 1), u_discrete, 100 * (u / u_discrete - 1));
  EXPECT_NEAR(theta, 1.0, 0.05);
  EXPECT_NEAR(u / u_star, 1.0, 0.02) << "u=" << u << " u*=" << u_star;
  EXPECT_NEAR(u / u_discrete, 1.0, 0.01) << "u=" << u << " discrete u*=" << u_discrete;
}

}  // namespace

TEST(Model, CobbDouglasSteadyStateMatchesTheory) {
  const double A = 0.3, alpha = 0.5;
  const auto [u, theta] =
      steady_state("matching = \"cobb_douglas\"\nmatching_efficiency = 0.3\nmatching_elasticity = 0.5\n");
  expect_steady_state(u, theta, A * std::pow(theta, 1 - alpha), 0.01);
}

// Network matching with one occupation is an urn-ball market: a share lambda of the u
// unemployed apply, each of the v openings picks one of its s = lambda u applicants, so
// an application succeeds with p = (v / s)(1 - exp(-s / v)) and an unemployed worker
// finds a job at f = lambda p = theta (1 - exp(-lambda / theta)), theta = v / u.
TEST(Model, NetworkSteadyStateMatchesTheUrnBallLaw) {
  const double lambda = 0.3;
  const auto [u, theta] = steady_state("matching = \"network\"\nnetwork_search_intensity = 0.3\n");
  expect_steady_state(u, theta, theta * (1 - std::exp(-lambda / theta)), 0.01);
}

// --- [[schedule]]: parameters that change during the run ---------------------------

namespace {

Scenario scheduled(const std::string& entries, const std::vector<std::string>& overrides = {}, int months = 40) {
  return load_scenario_string(fixtures::small_toml(20000, months) + entries, "sched.toml", overrides);
}

// Runs a replicate and returns it (every series, for comparisons).
std::unique_ptr<Model> run_replicate(const Scenario& sc, std::uint64_t replicate = 1) {
  auto m = std::make_unique<Model>(sc, replicate);
  m->run();
  return m;
}

// The months (from `from` on) in which the two runs' series of metric i differ.
int months_that_differ(const Model& a, const Model& b, int i, int from = 0, int to = 1 << 30) {
  const Series& x = a.series();
  const Series& y = b.series();
  const auto& vx = x.values(static_cast<M>(i));
  const auto& vy = y.values(static_cast<M>(i));
  const int months = a.scenario().simulation.months;
  const auto per_month = static_cast<int>(vx.size()) / months;  // groups of the metric
  int n = 0;
  for (int t = std::max(0, from); t < std::min(months, to); ++t)
    for (int g = 0; g < per_month; ++g)
      n += vx[static_cast<size_t>(t * per_month + g)] != vy[static_cast<size_t>(t * per_month + g)];
  return n;
}

}  // namespace

// A change that restates the values in force changes nothing: same draws, same results.
// (Such an entry is dropped when a scenario is read; here the model is given one.)
TEST(Schedule, RestatingTheValuesInForceChangesNothing) {
  const Scenario sc = scheduled("");
  Scenario same = sc;
  same.schedule.push_back({sc, 10});  // the parameters in force, from month 10
  EXPECT_TRUE(scheduled("[[schedule]]\nmonth = 10\nlabor_market.layoff_rate = 0.011\n").schedule.empty());
  const auto plain = run_replicate(sc);
  const auto restated = run_replicate(same);
  for (int i = 0; i < kMetricCount; ++i)
    EXPECT_EQ(months_that_differ(*plain, *restated, i), 0) << metric_table()[i].name;
}

// A change acts from its month on and not before: every series is the same until then
// (the random streams do not depend on parameters), and afterwards ordinary layoffs
// follow the new rate (each employed worker laid off with that probability a month).
TEST(Schedule, AChangeActsFromItsMonthOnAndNotBefore) {
  const auto plain = run_replicate(scheduled(""));
  const auto changed = run_replicate(scheduled(R"(
[[schedule]]
month = 20
labor_market.layoff_rate = 0.03
)"));
  int after = 0;
  for (int i = 0; i < kMetricCount; ++i) {
    EXPECT_EQ(months_that_differ(*plain, *changed, i, 0, 20), 0) << metric_table()[i].name;
    after += months_that_differ(*plain, *changed, i, 20);
  }
  EXPECT_GT(after, 0);
  auto mean_rate = [&](const Model& m, int from, int to) {
    double sum = 0;
    for (int t = from; t < to; ++t)
      sum += m.series().at(M::layoffs_ordinary, t) /
             (m.series().at(M::employed, t - 1) + m.series().at(M::hires_from_unemployment, t));
    return sum / (to - from);
  };
  // Of everyone employed when churn runs (last month's employed and this month's hires
  // from unemployment: the churn law of docs/validation.md). About 18,000 employed: a
  // month's rate has a standard deviation near 0.0013 at 0.03, 0.0008 at 0.011; over
  // 19-20 months a quarter of that: 4 sd are 0.0008 and 0.0012.
  std::printf("ordinary layoff rate: months 1-19 %.5f (0.011), 20-39 %.5f (0.03); without the change %.5f\n",
              mean_rate(*changed, 1, 20), mean_rate(*changed, 20, 40), mean_rate(*plain, 20, 40));
  EXPECT_NEAR(mean_rate(*changed, 1, 20), 0.011, 0.0008);
  EXPECT_NEAR(mean_rate(*changed, 20, 40), 0.03, 0.0012);
  EXPECT_NEAR(mean_rate(*plain, 20, 40), 0.011, 0.0008);
}

// Without burn-in, a change at month 0 is the scenario's own value: the same run bit for
// bit. This holds only if what the model derives from its parameters (employers'
// weights of applicants, the hype's decay) is derived again at the change.
TEST(Schedule, AtMonthZeroItIsTheScenariosOwnValue) {
  const std::vector<std::string> no_burn_in = {"simulation.burn_in_months=0"};
  const auto own =
      run_replicate(scheduled("", {"simulation.burn_in_months=0", "labor_market.employer_weight_duration=-0.3",
                                   "labor_market.employer_weight_aiq=0.5", "ai.hype_premium=0.6",
                                   "ai.hype_decay_months=12", "retraining.subsidy=true"}));
  const auto at_zero = run_replicate(scheduled(R"(
[[schedule]]
month = 0
labor_market.employer_weight_duration = -0.3
labor_market.employer_weight_aiq = 0.5
ai.hype_premium = 0.6
ai.hype_decay_months = 12
retraining.subsidy = true
)",
                                               no_burn_in));
  const auto plain = run_replicate(scheduled("", no_burn_in));
  int differ_from_plain = 0;
  for (int i = 0; i < kMetricCount; ++i) {
    EXPECT_EQ(months_that_differ(*own, *at_zero, i), 0) << metric_table()[i].name;
    differ_from_plain += months_that_differ(*plain, *at_zero, i);
  }
  EXPECT_GT(differ_from_plain, 0);
}

// A new hype premium decays from the month it is set: perceived capability is
// K (1 + h) before (the fixture's constant h = 0.2) and K (1 + 1.0 e^-(t-24)/12) after.
TEST(Schedule, ANewHypePremiumDecaysFromItsMonth) {
  const auto m = run_replicate(scheduled(R"(
[[schedule]]
month = 24
ai.hype_premium = 1.0
ai.hype_decay_months = 12
)"));
  for (int t = 0; t < 40; ++t) {
    const double k = m->series().at(M::capability_real, t);
    const double h = t < 24 ? 0.2 : std::exp(-(t - 24) / 12.0);
    EXPECT_NEAR(m->series().at(M::capability_perceived, t), std::min(1.0, k * (1 + h)), 1e-12) << t;
  }
}

// A new growth rate or ceiling bends the capability curve where it is: the same curve
// until month 24, then the logistic of the new rate and ceiling through K(24), with no
// jump. (Fixture: K from 0.2 toward 0.9 at 0.03 a month.)
TEST(Schedule, ANewCapabilityGrowthBendsTheCurveWhereItIs) {
  const auto m = run_replicate(scheduled(R"(
[[schedule]]
month = 24
ai.capability_growth = 0.12
ai.capability_ceiling = 0.95
)"));
  auto logistic = [](double k0, double kmax, double g, double t) {
    return kmax / (1 + (kmax / k0 - 1) * std::exp(-g * t));
  };
  const double k24 = logistic(0.2, 0.9, 0.03, 24);
  for (int t = 0; t < 40; ++t) {
    const double expected = t < 24 ? logistic(0.2, 0.9, 0.03, t) : logistic(k24, 0.95, 0.12, t - 24);
    EXPECT_NEAR(m->series().at(M::capability_real, t), expected, 1e-12) << t;
  }
  // faster from month 24 on: ten months later well above the old curve
  EXPECT_GT(m->series().at(M::capability_real, 34), logistic(0.2, 0.9, 0.03, 34) + 0.1);
}

// Scenarios drawn at random over the parameter space, extremes included (rates of 0 and
// 1, durations of 0, one firm size, every switch on or off, changes during the run,
// 300 to 3,300 workers):
// the bookkeeping invariants hold after every month, the population moves only by
// entrants and retirements, every stock is a count and every rate a share, and without
// demography employment and unemployment move by their flows. Every third scenario also
// runs on 2 threads and must give the same series and workers. The combinations are the
// ones no hand-written test thought of; a failure prints the scenario's overrides.
namespace {

// Overrides for one random scenario: each key is left at the fixture's value, set to an
// extreme of its range or to a value drawn within it.
std::vector<std::string> random_overrides(std::mt19937_64& g) {
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<std::string> out;
  auto maybe = [&](double p) { return u01(g) < p; };
  auto num = [&](const std::string& key, double lo, double hi) {
    const double x = u01(g);
    if (x < 0.35) return;  // the fixture's value
    const double v = x < 0.45 ? lo : x < 0.5 ? hi : lo + (hi - lo) * u01(g);
    out.push_back(key + "=" + std::to_string(v));
  };
  auto integer = [&](const std::string& key, int lo, int hi) {
    if (maybe(0.4)) return;
    out.push_back(key + "=" + std::to_string(std::uniform_int_distribution<int>(lo, hi)(g)));
  };
  auto flag = [&](const std::string& key, double p_true) {
    out.push_back(key + "=" + (maybe(p_true) ? "true" : "false"));
  };
  integer("simulation.burn_in_months", 0, 24);
  if (maybe(0.5)) {
    const int lo = std::uniform_int_distribution<int>(1, 20)(g);
    out.push_back("firms.min_size=" + std::to_string(lo));
    out.push_back("firms.max_size=" +
                  std::to_string(maybe(0.2) ? lo : lo + std::uniform_int_distribution<int>(0, 800)(g)));
  }
  integer("firms.vc_max_size", 0, 300);
  num("firms.wage_premium_sd", 0, 0.5);
  if (maybe(0.5)) out.push_back("labor_market.matching=network");
  num("labor_market.matching_efficiency", 0, 10);
  num("labor_market.matching_elasticity", 0, 1);
  num("labor_market.initial_unemployment_rate", 0, 0.9);
  num("labor_market.vacancies_per_unemployed", 0, 100);
  num("labor_market.quit_rate", 0, 1);
  num("labor_market.quit_to_unemployment_share", 0, 1);
  num("labor_market.layoff_rate", 0, 1);
  num("labor_market.replacement_share", 0, 1);
  num("labor_market.demand_gap_separation", 0, 1);
  num("labor_market.demand_gap_opening", 0, 1);
  num("labor_market.network_search_intensity", 0, 1);
  num("labor_market.employer_weight_aiq", -3, 3);
  num("labor_market.employer_weight_duration", -1, 0);
  num("labor_market.employer_weight_age55", -3, 1);
  num("labor_market.tenure_wage_growth", 0, 1);
  num("labor_market.job_ladder", 0, 1);
  if (maybe(0.3)) {
    out.push_back("labor_market.tenure_separation_months=[6, 36]");
    out.push_back("labor_market.tenure_separation_factors=[" + std::to_string(4 * u01(g)) + ", " +
                  std::to_string(2 * u01(g)) + ", " + std::to_string(u01(g)) + "]");
  } else {
    num("labor_market.new_hire_separation_factor", 0, 5);
    integer("labor_market.new_hire_months", 0, 24);
  }
  flag("ai.enabled", 0.8);
  num("ai.adoption_speed", 0, 10);
  num("ai.capability_start", 0, 0.9);  // at most the ceiling
  num("ai.capability_growth", 0, 0.5);
  num("ai.hype_premium", 0, 3);
  num("ai.hype_decay_months", 0, 48);
  integer("ai.mandate_months", 0, 3);
  integer("ai.documentation_months", 0, 4);
  integer("ai.assessment_months", 0, 3);
  num("ai.reduction_intensity", 0, 1);
  num("ai.intensity_sd", 0, 1.5);
  integer("ai.realisation_months", 1, 12);
  num("ai.regret_sensitivity", 0, 50);
  num("ai.rehire_share", 0, 1);
  num("ai.offshore_share", 0, 1);
  num("ai.reinstatement_ratio", 0, 10);
  flag("consolidation.enabled", 0.8);
  num("consolidation.acquisition_share", 0, 1);
  num("consolidation.duplicate_cut_share", 0, 1);
  num("consolidation.refunding_probability", 0, 1);
  num("sectors.services.vc_share", 0, 1);
  num("sectors.tech.runway_months", 1, 24);
  flag("retraining.enabled", 0.8);
  integer("retraining.eligible_after_months", 0, 6);
  num("retraining.entry_rate", 0, 1);
  integer("retraining.duration_months", 1, 8);
  num("retraining.success_probability", 0, 1);
  num("retraining.at_risk_entry_rate", 0, 1);
  flag("retraining.subsidy", 0.3);
  flag("aiq.enabled", 0.8);
  flag("demography.enabled", 0.7);
  num("demography.graduate_job_share", 0, 1);
  num("demography.unemployed_exit_rate", 0, 1);
  num("demography.reentry_rate", 0, 1);
  num("demography.early_retirement_rate", 0, 0.5);
  num("output.panel_rate", 0, 1);
  if (maybe(0.3)) out.push_back("schedule.10.labor_market.layoff_rate=" + std::to_string(0.2 * u01(g)));
  if (maybe(0.3)) out.push_back("schedule.14.retraining.subsidy=" + std::string(maybe(0.5) ? "true" : "false"));
  if (maybe(0.3)) out.push_back("schedule.6.ai.hype_premium=" + std::to_string(2 * u01(g)));
  if (maybe(0.3)) out.push_back("schedule.8.labor_market.demand_gap_opening=" + std::to_string(u01(g)));
  if (maybe(0.3)) {
    out.push_back("schedule.12.ai.mandate_months=" + std::to_string(std::uniform_int_distribution<int>(0, 3)(g)));
    out.push_back("schedule.12.ai.realisation_months=" + std::to_string(std::uniform_int_distribution<int>(1, 12)(g)));
  }
  return out;
}

std::string joined(const std::vector<std::string>& overrides) {
  std::string s;
  for (const auto& o : overrides) s.append(" --set ").append(o);
  return s;
}

}  // namespace

// What a run records (output.*) is an observation, never a change of the economy: a
// panel of nobody, of 2% or of everyone, a comparison group of none or all, a firm
// panel of none or all, earnings followed for 1 to 5 years, give the same series and
// the same workers (but for their panel flag). Rates of 0 and 1 once moved the draws
// after the panel's in the worker's stream (a Bernoulli draw of 0 or 1 took no number),
// and with them every age and AI readiness. The spells of the 2% panel are those of
// the full one, for its workers.
TEST(Model, WhatIsRecordedNeverChangesTheRun) {
  auto run = [](const std::vector<std::string>& output) {
    std::vector<std::string> set = {"ai.adoption_speed=3", "demography.early_retirement_rate=0.02"};
    set.insert(set.end(), output.begin(), output.end());
    auto m = std::make_unique<Model>(fixtures::small(set, 6000, 36), 1);
    m->run();
    return m;
  };
  const auto all =
      run({"output.panel_rate=1", "output.comparison_rate=1", "output.firm_panel_rate=1", "output.earnings_years=5"});
  const auto some = run({"output.panel_rate=0.02", "output.comparison_rate=0.5", "output.firm_panel_rate=0.1"});
  const auto none =
      run({"output.panel_rate=0", "output.comparison_rate=0", "output.firm_panel_rate=0", "output.earnings_years=1"});
  auto unflagged = [](const Model& m) {
    std::vector<Workers::Core> core = m.w.core;
    for (auto& c : core) c.flags &= static_cast<std::uint8_t>(~(1u << 6));  // the panel flag
    return core;
  };
  for (const Model* other : {some.get(), none.get()}) {
    for (int i = 0; i < kMetricCount; ++i)
      ASSERT_EQ(all->series().values(static_cast<M>(i)), other->series().values(static_cast<M>(i)))
          << metric_table()[i].name;
    ASSERT_EQ(unflagged(*all), unflagged(*other));
  }
  EXPECT_TRUE(none->spells().empty());
  EXPECT_TRUE(none->firm_events().empty());
  ASSERT_GT(some->spells().size(), 20u);
  EXPECT_GT(all->spells().size(), 20 * some->spells().size());  // 1 against 0.02 (entrants join at the rate too)
  std::set<std::tuple<std::int64_t, std::int32_t, std::int32_t, std::int32_t, float>> everyone;
  for (const Spell& s : all->spells()) everyone.insert({s.worker, s.start_month, s.end_month, s.new_firm, s.wage});
  for (const Spell& s : some->spells())
    EXPECT_TRUE(everyone.count({s.worker, s.start_month, s.end_month, s.new_firm, s.wage}))
        << "worker " << s.worker << " displaced in month " << s.start_month;
}

// AI readiness switched off, where nothing reads it (no AI adoption to document, no
// employer weighting it), leaves the run as it was but for the readiness itself: its
// draw at a worker's start is taken either way, so the age and retirement drawn after
// it in the same stream, and the next workers', do not move (they did: a switched-off
// draw took no number). So a paired comparison of AIQ on and off shows AIQ's effect
// alone.
TEST(Model, SwitchingAIReadinessOffMovesNoOtherDraw) {
  auto run = [](const char* aiq) {
    auto m = std::make_unique<Model>(
        fixtures::small({"ai.enabled=false", "labor_market.employer_weight_aiq=0", aiq}, 6000, 36), 0);
    m->run();
    return m;
  };
  const auto on = run("aiq.enabled=true"), off = run("aiq.enabled=false");
  for (int i = 0; i < kMetricCount; ++i) {
    const M k = static_cast<M>(i);
    if (std::string(metric_table()[i].name) == "aiq_share") {  // (aggregate and by cohort)
      EXPECT_NE(on->series().values(k), off->series().values(k));
      continue;
    }
    ASSERT_EQ(on->series().values(k), off->series().values(k)) << metric_table()[i].name;
  }
  auto without_aiq = [](const Model& m) {
    std::vector<Workers::Core> core = m.w.core;
    for (auto& c : core) c.flags &= static_cast<std::uint8_t>(~(1u << 5));  // the AIQ flag
    return core;
  };
  EXPECT_EQ(without_aiq(*on), without_aiq(*off));
}

TEST(Model, RandomScenariosKeepEveryInvariant) {
  // LABORSIM_RANDOM_SCENARIOS=N [LABORSIM_RANDOM_SEED=S] searches longer (a seed of its
  // own, say, for a night); the suite runs 40.
  const char* n_env = std::getenv("LABORSIM_RANDOM_SCENARIOS");
  const char* seed_env = std::getenv("LABORSIM_RANDOM_SEED");
  const int scenarios = n_env ? std::atoi(n_env) : 40;
  std::mt19937_64 g(seed_env ? std::strtoull(seed_env, nullptr, 10) : 20261203);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 2);
  constexpr int kMonths = 30;
  for (int k = 0; k < scenarios; ++k) {
    const std::vector<std::string> overrides = random_overrides(g);
    SCOPED_TRACE("scenario " + std::to_string(k) + ":" + joined(overrides));
    const Scenario sc = fixtures::small(overrides, 300 + static_cast<long>(g() % 3000), kMonths);
    auto m = std::make_unique<Model>(sc, 0);
    {
      tbb::task_arena one(1);
      one.execute([&] {
        while (m->month() < kMonths) {
          m->step();
          check_invariants(*m);
          if (HasFatalFailure()) return;
        }
      });
    }
    if (HasFatalFailure()) FAIL() << "at month " << m->month();
    const Series& s = m->series();
    const bool demography = sc.demography.enabled;
    for (int t = 0; t < kMonths; ++t) {
      for (M stock : {M::employed, M::unemployed, M::retraining, M::out_of_labor_force, M::vacancies, M::firms_alive})
        ASSERT_GE(s.at(stock, t), 0) << metric_info(stock).name << " at " << t;
      for (M share : {M::unemployment_rate, M::u_to_e_rate, M::long_term_unemployed_share, M::aiq_share,
                      M::first_year_tenure_share}) {
        ASSERT_GE(s.at(share, t), 0) << metric_info(share).name << " at " << t;
        ASSERT_LE(s.at(share, t), 1) << metric_info(share).name << " at " << t;
      }
      const double lf = s.at(M::employed, t) + s.at(M::unemployed, t);
      ASSERT_EQ(s.at(M::labor_force, t), lf) << t;
      ASSERT_DOUBLE_EQ(s.at(M::unemployment_rate, t), lf > 0 ? s.at(M::unemployed, t) / lf : 0) << t;
      if (t == 0) continue;
      // The flow rates are flows over the employed at the start of the month; those
      // hired during the month (matching runs first) may leave in it too, so no more
      // than the two together can leave.
      const double e0 = s.at(M::employed, t - 1);
      for (M rate : {M::e_to_u_rate, M::quit_rate, M::layoff_rate, M::hire_rate}) {
        ASSERT_GE(s.at(rate, t), 0) << metric_info(rate).name << " at " << t;
      }
      ASSERT_LE(s.at(M::quit_rate, t) * e0 + s.at(M::layoff_rate, t) * e0, e0 + s.at(M::hires, t) + 1e-6) << t;
      ASSERT_LE(s.at(M::e_to_u_rate, t) * e0, s.at(M::quit_rate, t) * e0 + s.at(M::layoff_rate, t) * e0 + 1e-6) << t;
      // Everyone alive is employed, unemployed, retraining or out of the labour force:
      // the population moves by entrants and retirements only.
      auto population = [&](int month) {
        return s.at(M::labor_force, month) + s.at(M::retraining, month) + s.at(M::out_of_labor_force, month);
      };
      ASSERT_EQ(population(t) - population(t - 1), s.at(M::entrants, t) - s.at(M::retirements, t)) << t;
      if (!demography) {
        const double layoffs =
            s.at(M::layoffs_ordinary, t) + s.at(M::layoffs_ai, t) + s.at(M::layoffs_consolidation, t);
        ASSERT_EQ(s.at(M::employed, t) - s.at(M::employed, t - 1), s.at(M::hires, t) - s.at(M::quits, t) - layoffs)
            << t;
        ASSERT_EQ(s.at(M::unemployed, t) - s.at(M::unemployed, t - 1),
                  layoffs + s.at(M::quits_to_unemployment, t) - s.at(M::hires_from_unemployment, t) -
                      (s.at(M::retraining_entries, t) - s.at(M::retraining_entries_at_risk, t)) +
                      s.at(M::retraining_completions, t))
            << t;
      }
    }
    if (k % 3 == 0) {  // the same replicate on two threads
      auto two = std::make_unique<Model>(sc, 0);
      two->parallel_from(0);
      tbb::task_arena arena(2);
      arena.execute([&] { two->run(); });
      for (int i = 0; i < kMetricCount; ++i)
        ASSERT_EQ(s.values(static_cast<M>(i)), two->series().values(static_cast<M>(i)))
            << metric_table()[i].name << " on 2 threads";
      ASSERT_EQ(m->w.core, two->w.core);
      ASSERT_EQ(m->spells().size(), two->spells().size());
    }
  }
}
