// Consolidation (MODEL.md 3.7): VC-backed firms burn runway; at zero a firm raises again,
// is acquired by a larger firm of its sector (staff moves, a share of overlapping roles
// is cut) or fails (all staff displaced; a new VC-backed entrant takes up its demand).
// Sector concentration is tracked as the employment HHI.
#include "laborsim/model.hpp"

#include <algorithm>

namespace laborsim::mech {

namespace {

void schedule_runway(Model& m, std::int32_t fid, Rng& r) {
  const double mean = m.sc_.sectors[m.f.sector[fid]].runway_months;
  const int end = m.month_ + 1 + static_cast<int>(mean * (0.5 + r.uniform()));
  if (m.calendar_index(end) < m.calendar_months()) m.runway_end_at[m.calendar_index(end)].push_back(fid);
}

void acquire(Model& m, std::int32_t acquirer, std::int32_t target, Rng& r) {
  const auto& p = m.sc_.consolidation;
  const std::vector<std::int32_t> cells = m.f.cells[target];
  FirmEvent event;
  event.other_firm = acquirer;
  event.employed = m.f.employment[target];
  for (std::int32_t ci : cells) {
    if (m.c[ci].members.empty()) continue;
    const std::int32_t aci = m.cell_of(acquirer, m.c[ci].occ, m.c[ci].region, true);
    auto& mem = m.c[ci].members;  // only now: making a cell may move every cell
    const auto overlap = static_cast<std::int64_t>(std::min(mem.size(), m.c[aci].members.size()));
    const std::int64_t cut = r.binomial(overlap, p.duplicate_cut_share);
    for (std::int64_t k = 0; k < cut; ++k) {
      const std::int32_t wid = mem[static_cast<size_t>(r.index(static_cast<std::int64_t>(mem.size())))];
      m.separate(wid, Cause::consolidation, Status::unemployed, false);
    }
    m.c[aci].target += static_cast<std::int32_t>(mem.size());
    event.laid_off += static_cast<std::int32_t>(cut);
    event.moved += static_cast<std::int32_t>(mem.size());
    while (!mem.empty()) m.transfer(mem.back(), aci);
  }
  m.kill_firm(target);
  m.add(M::acquisitions);
  m.note_firm_event(FirmEventKind::acquisition, target, event);
}

void fail(Model& m, std::int32_t fid, Rng& r) {
  const std::vector<std::int32_t> cells = m.f.cells[fid];
  std::vector<std::pair<std::int32_t, std::int32_t>> demand;  // (cell, target) to pass on
  FirmEvent event;
  event.employed = m.f.employment[fid];
  for (std::int32_t ci : cells) {
    demand.emplace_back(ci, m.c[ci].target);
    auto& mem = m.c[ci].members;
    event.laid_off += static_cast<std::int32_t>(mem.size());
    while (!mem.empty()) m.separate(mem.back(), Cause::consolidation, Status::unemployed, false);
  }
  m.kill_firm(fid);
  m.add(M::failures);
  m.note_firm_event(FirmEventKind::failure, fid, event);
  // A new VC-backed entrant of the same sector and region takes up the demand.
  const std::int32_t nid = m.add_firm(m.f.sector[fid], m.f.region[fid], true, m.f.premium[fid], m.f.initial_size[fid]);
  for (auto [ci, target] : demand) {
    if (target <= 0) continue;
    const std::int32_t nci = m.cell_of(nid, m.c[ci].occ, m.c[ci].region, true);
    m.c[nci].target = target;
    m.open_vacancies(nci, target);
  }
  schedule_runway(m, nid, r);
}

// A firm of fid's sector larger by employment, drawn in proportion to its employment; -1
// with none. The employer of a uniformly drawn employed worker, drawn again until it
// qualifies (rejection sampling: no scan of the sector's firms). In a sector with a
// small share of employment that can take more draws than is worth making, and with no
// larger firm it never ends: after kTries the qualifying firms are listed and one is
// drawn by employment among them (the same law; with none the firm fails). Until 2026-12-06
// the firm failed after 1,000 draws, even with larger firms in its sector.
std::int32_t draw_acquirer(const Model& m, std::int32_t fid, Rng& r) {
  constexpr int kTries = 1000;
  const int sector = m.f.sector[fid];
  const std::int32_t size = m.f.employment[fid];
  auto qualifies = [&](std::int32_t g) {
    return g != fid && m.f.alive[g] && m.f.sector[g] == sector && m.f.employment[g] > size;
  };
  for (int tries = 0; tries < kTries; ++tries) {
    const std::int32_t wid = m.random_employed(r);
    if (wid < 0) return -1;
    if (const std::int32_t g = m.c[m.w.core[wid].cell].firm; qualifies(g)) return g;
  }
  std::vector<std::int32_t> firms;
  std::vector<double> cum;  // their employment, cumulated
  for (std::int32_t g = 0; g < static_cast<std::int32_t>(m.f.alive.size()); ++g)
    if (qualifies(g)) {
      firms.push_back(g);
      cum.push_back((cum.empty() ? 0.0 : cum.back()) + m.f.employment[g]);
    }
  if (firms.empty()) return -1;
  // Each listed firm employs someone, so the draw (below cum.back()) lands on one of them.
  return firms[static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), r.uniform() * cum.back()) - cum.begin())];
}

}  // namespace

void consolidation(Model& m) {
  const auto& p = m.sc_.consolidation;
  if (!p.enabled) return;
  const int idx = m.calendar_index(m.month_);
  const std::vector<std::int32_t> due = m.runway_end_at[idx];
  for (std::int32_t fid : due) {
    if (!m.f.alive[fid]) continue;
    Rng r = m.rng(static_cast<std::uint64_t>(fid), Purpose::consolidation);
    if (r.bernoulli(p.refunding_probability)) {
      schedule_runway(m, fid, r);
      continue;
    }
    const std::int32_t acquirer = r.bernoulli(p.acquisition_share) ? draw_acquirer(m, fid, r) : -1;
    if (acquirer >= 0)
      acquire(m, acquirer, fid, r);
    else
      fail(m, fid, r);
  }
}

}  // namespace laborsim::mech
