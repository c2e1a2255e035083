// Ordinary churn (MODEL.md 3.6): quits, ordinary layoffs, replacement vacancies toward
// each cell's demand target, and del Rio-Chanona et al.'s demand-gap adjustment:
// with gap = e + v - target, extra separations gamma_u max(0, gap) and extra openings
// gamma_v max(0, -gap).
//
// Event-driven: every employed worker is laid off with probability layoff_rate and
// quits with probability quit_rate, independently; the numbers of each are binomial
// over the employed of each (occupation, region) market and the workers are drawn
// uniformly from the market's list of the employed, which is the same distribution at a
// cost per event rather than per cell. Only cells whose e + v differs from their target
// are visited for the gap. Markets are independent here (a job-to-job move stays in its
// market), so they run in parallel, each with its own random stream.
#include "laborsim/model.hpp"

#include <algorithm>

namespace laborsim::mech {

namespace {

void demand_gap(Model& m, int mk) {
  const auto& lm = m.sc_.labor_market;
  const std::vector<std::int32_t> cells = std::move(m.gap_cells[mk]);
  m.gap_cells[mk].clear();
  for (std::int32_t ci : cells) {
    m.c.gap_listed[ci] = 0;
    if (!m.f.alive[m.c.firm[ci]]) continue;
    auto& mem = m.c.members[ci];
    const std::int64_t gap = static_cast<std::int64_t>(mem.size()) + m.c.vacancies[ci] - m.c.target[ci];
    if (gap == 0) continue;
    Rng r = m.rng(static_cast<std::uint64_t>(ci), Purpose::churn);
    if (gap < 0) {
      m.open_vacancies(ci, static_cast<std::int32_t>(r.binomial(-gap, lm.demand_gap_opening)));
    } else {
      const std::int64_t cut =
          std::min<std::int64_t>(static_cast<std::int64_t>(mem.size()), r.binomial(gap, lm.demand_gap_separation));
      for (std::int64_t k = 0; k < cut; ++k)
        m.separate(mem[static_cast<size_t>(r.index(static_cast<std::int64_t>(mem.size())))], Cause::ordinary,
                   Status::unemployed, false);
    }
    m.note_gap(ci);  // still off target: seen again next month
  }
}

// A separation follows a chain of loads: the pick's slot in the market's list -> the
// worker's columns -> its cell -> the cell's last member and the firm. Once the state
// outgrows the caches each link is a miss, so the picks are drawn first and the chain
// of pick k + 8 is fetched while pick k is processed, one link per step of distance
// (Model::prefetch_*: hints only, a stale address never changes a result).
// Separates the employed workers at positions picks[k] (each drawn over the list as it
// is when its turn comes) in order; with_replacement[k] says if a vacancy is reopened.
// Calls after(k, wid, cell) once each has left.
template <class After>
void separate_picks(Model& m, int mk, const std::vector<std::int64_t>& picks, const std::vector<std::uint8_t>& replace,
                    Cause cause, After after) {
  const auto& employed = m.employed[mk];
  const auto n = static_cast<std::int64_t>(picks.size());
  auto at = [&](std::int64_t k) { return employed[static_cast<size_t>(picks[static_cast<size_t>(k)])]; };
  auto ahead = [&](std::int64_t k) { return k < n && picks[static_cast<size_t>(k)] < static_cast<std::int64_t>(employed.size()); };
  for (std::int64_t k = 0; k < n; ++k) {
    if (ahead(k + 8)) prefetch(&employed[static_cast<size_t>(picks[static_cast<size_t>(k + 8)])]);
    if (ahead(k + 6)) m.prefetch_worker(at(k + 6));
    if (ahead(k + 4)) m.prefetch_cell(m.w.cell[at(k + 4)]);
    if (ahead(k + 2)) m.prefetch_cell_tail(m.w.cell[at(k + 2)]);
    if (ahead(k + 1)) {
      const std::int32_t ci = m.w.cell[at(k + 1)];
      if (ci >= 0 && !m.c.members[ci].empty()) prefetch(&m.w.slot[m.c.members[ci].back()]);
      prefetch(&m.w.epos[employed.back()]);
    }
    const std::int32_t wid = at(k);
    const std::int32_t ci = m.w.cell[wid];
    m.separate(wid, cause, Status::unemployed, replace[static_cast<size_t>(k)] != 0);
    after(k, wid, ci);
  }
}

void churn_market(Model& m, int mk) {
  const auto& lm = m.sc_.labor_market;
  if (lm.demand_gap_opening > 0 || lm.demand_gap_separation > 0) {
    demand_gap(m, mk);
  } else {
    for (std::int32_t ci : m.gap_cells[mk]) m.c.gap_listed[ci] = 0;
    m.gap_cells[mk].clear();
  }
  auto& employed = m.employed[mk];
  const auto e0 = static_cast<std::int64_t>(employed.size());
  if (e0 == 0) return;
  Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::churn_market);
  const std::int64_t layoffs = r.binomial(e0, lm.layoff_rate);
  const std::int64_t quits = r.binomial(e0 - layoffs, lm.quit_rate);
  // Each separation leaves the list one shorter, so the k-th pick is uniform over
  // e0 - k positions: sampling without replacement, drawn before any is processed.
  std::vector<std::int64_t> picks;
  std::vector<std::uint8_t> replace;
  auto draw = [&](std::int64_t count, std::int64_t size) {
    picks.resize(static_cast<size_t>(count));
    replace.resize(static_cast<size_t>(count));
    for (std::int64_t k = 0; k < count; ++k) {
      picks[static_cast<size_t>(k)] = r.index(size - k);
      replace[static_cast<size_t>(k)] = r.bernoulli(lm.replacement_share);
    }
  };
  draw(layoffs, e0);
  separate_picks(m, mk, picks, replace, Cause::ordinary, [](std::int64_t, std::int32_t, std::int32_t) {});
  // Quitters are chosen among those employed before anyone moves this month.
  draw(quits, e0 - layoffs);
  std::vector<std::int32_t> quitters(static_cast<size_t>(2 * quits));
  separate_picks(m, mk, picks, replace, Cause::none, [&](std::int64_t k, std::int32_t wid, std::int32_t ci) {
    quitters[static_cast<size_t>(2 * k)] = wid;
    quitters[static_cast<size_t>(2 * k + 1)] = ci;
  });
  const auto& vc = m.vacant_cells[mk];
  for (size_t k = 0; k < quitters.size(); k += 2) {
    if (k + 8 < quitters.size()) m.prefetch_worker(quitters[k + 8]);
    const std::int32_t wid = quitters[k], old = quitters[k + 1];
    m.add(M::quits);
    // Job to job: an open vacancy of another firm in the same market; with none open
    // (or only the old one), the quit is into unemployment.
    std::int32_t target = -1;
    if (!vc.empty() && !r.bernoulli(lm.quit_to_unemployment_share)) {
      target = vc[static_cast<size_t>(r.index(static_cast<std::int64_t>(vc.size())))];
      if (m.c.firm[target] == m.c.firm[old]) target = -1;
    }
    if (target < 0) {
      m.add(M::quits_to_unemployment);
      continue;
    }
    m.remove_from_pool(wid);
    m.hire(wid, target);
    m.add(M::job_to_job_moves);
  }
}

}  // namespace

void churn(Model& m) {
  m.for_each_market([&](int mk) { churn_market(m, mk); });
}

}  // namespace laborsim::mech
