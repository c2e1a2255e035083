// Retraining (MODEL.md 3.9): unemployed workers past an eligibility duration, and (if a
// scenario sets a rate) employed workers at risk of an AI cut, enter a programme toward
// an occupation chosen by its prospects (vacancies per unemployed and wage) in their
// region; on completion they succeed (new occupation and AIQ) or return to their old
// occupation, and search. A subsidy policy raises entry and success and shortens it; a
// programme keeps the duration and chance of success it began with.
#include "laborsim/model.hpp"

#include <algorithm>
#include <cmath>

namespace laborsim::mech {

namespace {

// The occupation a trainee leaving occupation `from` trains for: drawn by prospects
// (cumulative weights cg of the region) among the others, with chance w_j / (W - w_from).
// Drawn over all occupations and redrawn while it is `from`, up to 8 times; then over the
// others only (one draw, with from's stretch of the weights left out). Each stage has
// the same law; the first keeps the random streams of the runs made before the second
// was added (2026-12-06), where a trainee whose 8 draws all fell on `from` did not
// enter. -1 only if no other occupation has any weight.
int draw_target(const std::vector<double>& cg, int from, int occupations, Rng& r) {
  int j = from;
  for (int tries = 0; tries < 8 && j == from; ++tries)
    j = static_cast<int>(std::upper_bound(cg.begin(), cg.end(), r.uniform() * cg.back()) - cg.begin());
  if (j == from) {
    const double lo = from > 0 ? cg[static_cast<size_t>(from) - 1] : 0.0, own = cg[static_cast<size_t>(from)] - lo;
    double x = r.uniform() * (cg.back() - own);
    if (x >= lo) x += own;  // past from's stretch
    j = static_cast<int>(std::upper_bound(cg.begin(), cg.end(), x) - cg.begin());
  }
  return j == from || j >= occupations ? -1 : j;
}

}  // namespace

void retraining(Model& m) {
  const auto& p = m.sc_.retraining;
  if (!p.enabled) return;
  const bool sub = p.subsidy;
  const double entry = sub ? p.subsidy_entry_rate : p.entry_rate;
  const int duration = sub ? p.subsidy_duration_months : p.duration_months;
  const double success = sub ? p.subsidy_success_probability : p.success_probability;
  const int idx = m.calendar_index(m.month_);

  const auto& completing = m.retrain_done_at[idx];
  for (size_t k = 0; k < completing.size(); ++k) {
    if (k + 8 < completing.size()) m.prefetch_worker(completing[k + 8].worker);  // scattered records
    const auto [wid, target, entered, chance] = completing[k];
    // Not the trainee who enrolled: retired meanwhile (its id perhaps a graduate's, who
    // may be training too, with a completion of its own later on).
    if (m.w.status(wid) != Status::retraining || m.w.event_month[wid] != entered) continue;
    Rng r = m.rng(static_cast<std::uint64_t>(wid), Purpose::retraining_outcome);
    --m.n_retraining;
    m.add(M::retraining_completions);
    if (r.bernoulli(chance)) {  // the terms it enrolled on, whatever a schedule changed since
      m.w.core[wid].occ = target;
      m.set_aiq(wid);
      m.add(M::retraining_successes);
    }
    // Search starts afresh: the programme was time out of the labour market, not
    // unemployment (as the CPS counts it), so employers see a new spell.
    m.w.core[wid].spell_start = static_cast<std::int16_t>(m.month_);
    m.add_to_pool(wid);
  }
  m.retrain_done_at[idx].clear();

  // Prospects by region: (vacancies + 1) / (unemployed + 1) x relative wage.
  double mean_wage = 0;
  for (const auto& o : m.sc_.occupations) mean_wage += o.wage;
  mean_wage /= m.nocc_;
  std::vector<std::vector<double>> cum(static_cast<size_t>(m.nreg_), std::vector<double>(static_cast<size_t>(m.nocc_)));
  for (int g = 0; g < m.nreg_; ++g) {
    double acc = 0;
    for (int j = 0; j < m.nocc_; ++j) {
      const int mk = m.market(j, g);
      const double prospects = (m.market_vacancies[mk] + 1.0) / (m.pool[mk].size() + 1.0);
      cum[g][j] = acc += prospects * m.sc_.occupations[j].wage / std::max(mean_wage, 1e-9);
    }
  }
  // Who enters, and toward what, market by market in parallel (each reads and changes
  // only its own pool).
  PaddedVector<std::vector<std::pair<std::int32_t, int>>> entering(static_cast<size_t>(m.markets()));
  m.for_each_market([&](int mk) {
    const int i = mk / m.nreg_, g = mk % m.nreg_;
    if (m.pool[mk].empty()) return;
    const auto& cg = cum[static_cast<size_t>(g)];
    Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::retraining);
    std::vector<std::int32_t> eligible;
    const auto& pool = m.pool[mk];
    for (const auto& s : pool)
      if (m.month_ - s.spell_start >= p.eligible_after_months && r.bernoulli(entry)) eligible.push_back(s.worker);
    for (std::int32_t wid : eligible)
      if (const int j = draw_target(cg, i, m.nocc_, r); j >= 0) entering[static_cast<size_t>(mk)].emplace_back(wid, j);
    // They leave this market's pool here (in the order drawn, as a pass in market order
    // would take them); the completion calendar is filled below in market order.
    const auto& list = entering[static_cast<size_t>(mk)];
    for (size_t k = 0; k < list.size(); ++k) {
      if (k + 4 < list.size()) m.prefetch_worker(list[k + 4].first);
      m.prefetch_coming_last(pool);
      const std::int32_t wid = list[k].first;
      m.remove_from_pool(wid);
      m.w.set_status(wid, Status::retraining);
      m.w.enter_retraining(wid, m.month_);  // retraining-to-job time counts from here
      m.add(M::retraining_entries);
    }
  });
  // At-risk employed (MODEL.md 3.9): in a high-exposure occupation at a firm that has
  // announced AI adoption and not yet cut (mandate, documentation, assessment), a worker
  // may quit for a programme ahead of the cut. No opening replaces the job (the firm is
  // automating it; the demand gap may still bring one back) and the worker is not
  // displaced. Few firms are in the pipeline at a time: drawn firm by firm, in order.
  const double at_risk = sub ? p.subsidy_at_risk_entry_rate : p.at_risk_entry_rate;
  std::vector<std::pair<std::int32_t, int>> quitting;
  if (at_risk > 0) {
    std::vector<std::int64_t> picks;
    for (const auto& pf : m.pipeline) {
      if (!m.f.alive[pf.firm] || !announced_not_cut(m.f.stage[pf.firm])) continue;
      Rng r = m.rng(static_cast<std::uint64_t>(pf.firm), Purpose::retraining_at_risk);
      for (std::int32_t ci : m.f.cells[pf.firm]) {
        const auto& cell = m.c[ci];
        if (!m.high_exposure(cell.occ) || cell.members.empty()) continue;
        const auto size = static_cast<std::int64_t>(cell.members.size());
        picks.clear();
        r.sample_distinct(size, r.binomial(size, at_risk), picks);
        const auto& cg = cum[static_cast<size_t>(cell.region)];
        for (std::int64_t k : picks)
          if (const int j = draw_target(cg, cell.occ, m.nocc_, r); j >= 0)
            quitting.emplace_back(cell.members[static_cast<size_t>(k)], j);
      }
    }
    for (const auto& [wid, j] : quitting) {
      m.separate(wid, Cause::none, Status::retraining, false);
      m.w.enter_retraining(wid, m.month_);
      m.add(M::quits);
      m.add(M::retraining_entries);
      m.add(M::retraining_entries_at_risk);
    }
  }
  const int done = m.calendar_index(m.month_ + duration);
  const auto enrol = [&](const std::vector<std::pair<std::int32_t, int>>& list) {
    m.n_retraining += static_cast<std::int64_t>(list.size());
    if (done < m.calendar_months())
      for (const auto& [wid, j] : list)
        m.retrain_done_at[done].push_back(
            {wid, static_cast<std::uint16_t>(j), static_cast<std::int16_t>(m.month_), success});
  };
  for (const auto& list : entering) enrol(list);  // the unemployed, in market order
  enrol(quitting);                                // then the at-risk employed
  const double cost = static_cast<double>(m.n_retraining) * p.cost_per_month;
  m.add(M::retraining_cost, cost);
  m.add(M::retraining_public_cost, cost * (sub ? p.subsidy_public_share : p.public_share));
}

}  // namespace laborsim::mech
