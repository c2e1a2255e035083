// Search and matching (MODEL.md 3.8). Two modes:
//  cobb_douglas: per (occupation, region) market, expected hires A u^alpha v^(1-alpha);
//  network: del Rio-Chanona et al. (2021), applications along the mobility network and
//           each vacancy picking one applicant.
// Employers may weight applicants by AIQ, age and unemployment duration (scarring).
#include "laborsim/hire_chances.hpp"
#include "laborsim/model.hpp"
#include "laborsim/openings.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace laborsim::mech {

namespace {

double applicant_weight(const Model& m, const Model::Searcher& s) {
  const int d = std::clamp(m.month_ - s.spell_start, 0, 24);
  const int old = (m.month_ - s.birth_month) >= 55 * 12;
  return m.applicant_weights[static_cast<size_t>(d * 4 + s.aiq * 2 + old)];
}

bool weighted(const Model& m) {
  const auto& lm = m.sc_.labor_market;
  return lm.employer_weight_aiq != 0 || lm.employer_weight_duration != 0 || lm.employer_weight_age55 != 0;
}

// A vacant cell as fill_market's index holds it, beside its first unit: the cell, and
// its openings not yet given to one of this call's hires.
struct UnitCell {
  std::int32_t cell, open;
};

// The buffers fill_market fills anew at every call, kept from call to call on each
// thread: a small population's month calls it for every market, where allocating them
// each time was a tenth of the run.
struct FillBuffers {
  std::vector<std::int32_t> to, moved;
  std::vector<std::int64_t> units;
  BasicUnitIndex<UnitCell> index;
  ListMirror list;
};

// Gives each worker (already chosen to be hired) a distinct vacancy of market mk, drawn
// uniformly over the market's vacancies (so a cell is picked in proportion to its
// openings), and hires them. Extra workers beyond the vacancies are not hired.
void fill_market(Model& m, int mk, std::vector<std::int32_t>& workers, Rng& r) {
  const std::int64_t v = m.market_vacancies[mk];
  if (v <= 0 || workers.empty()) return;
  if (static_cast<std::int64_t>(workers.size()) > v) workers.resize(static_cast<size_t>(v));
  thread_local FillBuffers b;
  auto& [to, moved, units, index, list] = b;
  // The index in the list's order (entry i: the list's cell i), built before any hire
  // changes the list.
  const auto& vacant = m.vacant_cells[mk];
  index.build(
      vacant.size(), [&](std::size_t i) { return vacant[i].open; },
      [&](std::size_t i) {
        return UnitCell{vacant[i].cell, vacant[i].open};
      });
  units.clear();  // distinct vacancy units
  r.sample_distinct(v, static_cast<std::int64_t>(workers.size()), units);
  // Each hire's cell, and the cell that filling a last opening moves in the market's
  // vacant list (its place changes): the list followed on a copy of its order.
  to.assign(workers.size(), 0);
  moved.assign(workers.size(), -1);
  list.reset(vacant.size());
  for (size_t k = 0; k < workers.size(); ++k) {
    const std::size_t i = index.locate(units[k]);  // the unit's cell
    UnitCell& cell = index.extra(i);
    to[k] = cell.cell;
    if (--cell.open == 0) {  // as close_vacancies takes it off: the last one moves in
      const std::int32_t last = list.remove(i);
      if (last >= 0) moved[k] = index.extra(static_cast<size_t>(last)).cell;
    }
  }
  // Hires in order, each one's memory fetched a few hires ahead (see churn.cpp).
  const auto& pool = m.pool[mk];
  for (size_t k = 0; k < workers.size(); ++k) {
    if (k + 6 < workers.size()) m.prefetch_worker(workers[k + 6]), m.prefetch_cell(to[k + 6]);
    if (k + 3 < workers.size()) {
      m.prefetch_cell_tail(to[k + 3]);
      m.prefetch_hire_rest(workers[k + 3]);
      // Its place in its own market's pool (the network mode hires from other markets').
      const auto& ahead = m.w.core[workers[k + 3]];
      prefetch(&m.pool[m.market(ahead.occ, ahead.region)][static_cast<size_t>(ahead.slot)]);
      if (moved[k + 3] >= 0) prefetch(&m.c[moved[k + 3]].vslot);
    }
    m.prefetch_coming_last(pool);
    if (k + 1 < workers.size() && !pool.empty()) prefetch(&m.w.core[pool.back().worker]);
    const std::int32_t ci = to[k];
    const std::int32_t wid = workers[k];
    m.remove_from_pool(wid);
    m.add(M::hires_from_unemployment);
    m.hire(wid, ci);
  }
}

// Markets are independent (a hire stays in its market), so they run in parallel.
void cobb_douglas(Model& m) {
  const auto& lm = m.sc_.labor_market;
  const bool use_weights = weighted(m);
  m.for_each_market([&](int mk) {
    const auto u = static_cast<std::int64_t>(m.pool[mk].size());
    const std::int64_t v = m.market_vacancies[mk];
    if (u == 0 || v == 0) return;
    Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::matching);
    const double hires = lm.matching_efficiency * std::pow(static_cast<double>(u), lm.matching_elasticity) *
                         std::pow(static_cast<double>(v), 1.0 - lm.matching_elasticity);
    const double f = std::min(1.0, hires / static_cast<double>(u));
    thread_local std::vector<std::int32_t> chosen;  // (kept from market to market, as fill_market's)
    chosen.clear();
    const auto& p = m.pool[mk];
    if (!use_weights) {
      // Binomial number of hires, then a uniformly random subset of the pool.
      const std::int64_t h = std::min(r.binomial(u, f), v);
      thread_local std::vector<std::int64_t> picks;
      picks.clear();
      r.sample_distinct(u, h, picks);
      for (std::int64_t t : picks) chosen.push_back(p[static_cast<size_t>(t)].worker);
    } else {
      // Each applicant's hazard scales with its weight (HireChances), so the expected number
      // of hires stays min(u, A u^alpha v^(1-alpha)).
      thread_local std::vector<double> wts;
      wts.resize(p.size());
      for (size_t i = 0; i < p.size(); ++i) wts[i] = applicant_weight(m, p[i]);
      const HireChances chance(wts, f);
      for (size_t i = 0; i < p.size(); ++i)
        if (r.bernoulli(chance(wts[i]))) chosen.push_back(p[i].worker);
      std::shuffle(chosen.begin(), chosen.end(), r);  // who loses out if over the vacancies
    }
    fill_market(m, mk, chosen, r);
  });
}

void network(Model& m) {
  const auto& lm = m.sc_.labor_market;
  const int no = m.nocc_;
  const auto nmk = static_cast<std::uint64_t>(m.markets());
  for (int g = 0; g < m.nreg_; ++g) {
    // Applications: a worker of occupation i applies to j with probability
    // v_j A_ij / sum_k v_k A_ik.
    std::vector<std::vector<std::pair<std::int32_t, double>>> apps(no);  // by target: (worker, weight)
    std::vector<double> cum(no);
    for (int i = 0; i < no; ++i) {
      const int mk = m.market(i, g);
      if (m.pool[mk].empty()) continue;
      double acc = 0;
      for (int j = 0; j < no; ++j) cum[j] = acc += m.market_vacancies[m.market(j, g)] * m.sc_.mobility[i][j];
      if (acc <= 0) continue;
      Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::matching);
      const auto& pool = m.pool[mk];
      for (const auto& s : pool) {
        if (!r.bernoulli(lm.network_search_intensity)) continue;
        const double x = r.uniform() * acc;
        const int j = static_cast<int>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
        apps[std::min(j, no - 1)].emplace_back(s.worker, applicant_weight(m, s));
      }
    }
    // Each vacancy picks one applicant: an application to j succeeds with
    // p_j = (v_j / s_j)(1 - exp(-s_j / v_j)), scaled by the applicant's weight (HireChances).
    std::vector<double> wts;
    for (int j = 0; j < no; ++j) {
      auto& a = apps[j];
      const int mk = m.market(j, g);
      const double v = static_cast<double>(m.market_vacancies[mk]);
      if (a.empty() || v <= 0) continue;
      const double s = static_cast<double>(a.size());
      const double pj = (v / s) * (1.0 - std::exp(-s / v));
      wts.clear();
      for (auto& [wid, wt] : a) wts.push_back(wt);
      const HireChances chance(wts, pj);
      Rng r = m.rng(nmk + static_cast<std::uint64_t>(mk), Purpose::matching);
      std::vector<std::int32_t> chosen;
      for (auto& [wid, wt] : a)
        if (r.bernoulli(chance(wt))) chosen.push_back(wid);
      std::shuffle(chosen.begin(), chosen.end(), r);
      fill_market(m, mk, chosen, r);
    }
  }
}

}  // namespace

void matching(Model& m) {
  if (m.sc_.labor_market.matching == MatchingMode::network)
    network(m);
  else
    cobb_douglas(m);
}

}  // namespace laborsim::mech
