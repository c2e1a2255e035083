// Ordinary churn (MODEL.md 3.6): quits, ordinary layoffs, replacement vacancies toward
// each cell's demand target, and del Rio-Chanona et al.'s demand-gap adjustment:
// with gap = e + v - target, extra separations gamma_u max(0, gap) and extra openings
// gamma_v max(0, -gap). Binomial counts per cell, then which workers.
#include "laborsim/model.hpp"

#include <algorithm>

namespace laborsim::mech {

void churn(Model& m) {
  const auto& lm = m.sc_.labor_market;
  const auto ncells = static_cast<std::int32_t>(m.c.size());
  for (std::int32_t ci = 0; ci < ncells; ++ci) {
    auto& mem = m.c.members[ci];
    const auto e = static_cast<std::int64_t>(mem.size());
    if (e == 0 && m.c.target[ci] == 0) continue;
    Rng r = m.rng(static_cast<std::uint64_t>(ci), Purpose::churn);
    const std::int64_t gap = e + m.c.vacancies[ci] - m.c.target[ci];
    if (gap < 0) m.open_vacancies(ci, static_cast<std::int32_t>(r.binomial(-gap, lm.demand_gap_opening)));
    const std::int64_t gap_layoffs = gap > 0 ? std::min(e, r.binomial(gap, lm.demand_gap_separation)) : 0;
    const std::int64_t layoffs = std::min(e - gap_layoffs, r.binomial(e, lm.layoff_rate));
    const std::int64_t quits = r.binomial(e - gap_layoffs - layoffs, lm.quit_rate);
    for (std::int64_t k = 0; k < gap_layoffs + layoffs; ++k) {
      // Uniform pick among those still in the cell = sampling without replacement.
      const std::int32_t wid = mem[static_cast<size_t>(r.index(static_cast<std::int64_t>(mem.size())))];
      const bool replace = k >= gap_layoffs && r.bernoulli(lm.replacement_share);
      m.separate(wid, Cause::ordinary, Status::unemployed, replace);
    }
    const int mk = m.market(m.c.occ[ci], m.c.region[ci]);
    for (std::int64_t k = 0; k < quits; ++k) {
      const std::int32_t wid = mem[static_cast<size_t>(r.index(static_cast<std::int64_t>(mem.size())))];
      const bool replace = r.bernoulli(lm.replacement_share);
      if (r.bernoulli(lm.quit_to_unemployment_share)) {
        m.separate(wid, Cause::none, Status::unemployed, replace);
        m.rec(M::quits) += 1;
        m.rec(M::quits_to_unemployment) += 1;
        continue;
      }
      // Job to job: into an open vacancy of another firm in the same market; with none
      // open, the worker stays.
      const auto& vc = m.vacant_cells[mk];
      if (vc.empty() || (vc.size() == 1 && vc[0] == ci)) continue;
      std::int32_t target = vc[static_cast<size_t>(r.index(static_cast<std::int64_t>(vc.size())))];
      if (target == ci) continue;
      m.separate(wid, Cause::none, Status::unemployed, replace);
      m.remove_from_pool(wid);
      m.hire(wid, target);
      m.rec(M::quits) += 1;
      m.rec(M::job_to_job_moves) += 1;
    }
  }
}

}  // namespace laborsim::mech
