// Demography (MODEL.md 3.11) and AIQ diffusion (3.10). Retirements come from a calendar
// fixed when a worker enters; graduates aged 22-25 replace retirees; labour-force exits
// and reentries; AIQ spreads with a hazard by age cohort. Each draws only the workers
// it touches (geometric skipping over ids), not the whole population.
#include "laborsim/model.hpp"

#include <algorithm>
#include <cmath>

namespace laborsim::mech {

namespace {

// Positions drawn uniformly in a list of n that loses one element per draw, as k
// successive r.index(size) calls on it would draw them; into pos (its earlier contents
// replaced).
void draw_shrinking(Rng& r, std::int64_t n, std::int64_t k, std::vector<std::size_t>& pos) {
  pos.resize(static_cast<std::size_t>(std::max<std::int64_t>(k, 0)));
  for (std::int64_t j = 0; j < k; ++j) pos[static_cast<std::size_t>(j)] = static_cast<std::size_t>(r.index(n - j));
}

// visit(k, end) for every k in [0, n), in chunks of `chunk` that run in parallel; `end`
// is the chunk's end, so that a visit fetches records ahead within its own chunk.
template <class Visit>
void for_each_chunked(Model& m, std::size_t n, std::size_t chunk, Visit visit) {
  m.for_each(static_cast<int>((n + chunk - 1) / chunk), [&](int c) {
    const std::size_t lo = static_cast<std::size_t>(c) * chunk, hi = std::min(n, lo + chunk);
    for (std::size_t k = lo; k < hi; ++k) visit(k, hi);
  });
}

// Retirements of the month, in calendar order. Who each retiree is (employed, searching,
// training, inactive) is read in parallel; the employed and unemployed leave their
// market's lists market by market in parallel (each market in calendar order, so the
// lists end up as a sequential pass would leave them); the inactive leave their one list
// in calendar order; every retiree's own bookkeeping runs in parallel again, and the
// freed ids are listed in calendar order.
void retire_all(Model& m, const std::vector<std::int32_t>& due) {
  // (early: retired before, by retire_early below; its id is freed now, when no one
  // else can have taken it. Every status has its kind, so every retiree's id is freed.)
  enum Kind : std::uint8_t { in_market, retraining, inactive, early };
  std::vector<Kind> kind(due.size(), early);
  std::vector<std::int32_t> market(due.size(), -1);
  auto each_chunk = [&](auto&& visit) {  // visit(k) for every retiree, in parallel, records fetched ahead
    for_each_chunked(m, due.size(), 4096, [&](std::size_t k, std::size_t end) {
      if (k + 16 < end) prefetch(&m.w.core[due[k + 16]]);
      visit(k);
    });
  };
  each_chunk([&](std::size_t k) {
    const std::int32_t wid = due[k];
    switch (m.w.status(wid)) {
      case Status::employed:  // an employed worker's occupation and region are its cell's
      case Status::unemployed:
        kind[k] = in_market;
        market[k] = m.market(m.w.core[wid].occ, m.w.core[wid].region);
        break;
      case Status::retraining:
        kind[k] = retraining;
        break;
      case Status::inactive:
        kind[k] = inactive;
        break;
      case Status::retired:
        kind[k] = early;
        break;
    }
  });
  thread_local std::vector<std::vector<std::int32_t>> kept;
  auto& by_market = emptied(kept, static_cast<size_t>(m.markets()));
  for (size_t k = 0; k < due.size(); ++k)
    if (kind[k] == in_market) by_market[static_cast<size_t>(market[k])].push_back(due[k]);
  m.for_each_market([&](int mk) {
    const auto& list = by_market[static_cast<size_t>(mk)];
    for (size_t k = 0; k < list.size(); ++k) {
      if (k + 6 < list.size()) m.prefetch_worker(list[k + 6]);
      if (k + 3 < list.size()) m.prefetch_cell(m.w.core[list[k + 3]].cell), m.prefetch_leaver(list[k + 3]);
      const std::int32_t wid = list[k];
      if (m.w.status(wid) == Status::employed) {
        m.separate(wid, Cause::none, Status::retired, true);
      } else {
        m.remove_from_pool(wid);
        m.count_worker(wid, -1);
      }
    }
  });
  for (size_t k = 0; k < due.size(); ++k) {  // each removal moves the list's last one
    if (kind[k] == inactive) m.remove_from_inactive(due[k]);
    if (kind[k] == retraining) --m.n_retraining;
  }
  each_chunk([&](std::size_t k) {
    const std::int32_t wid = due[k];
    if (kind[k] == early) return;
    if (kind[k] == retraining) m.count_worker(wid, -1);
    m.w.set_status(wid, Status::retired);
    m.close_spell(wid, false);
    m.add(M::retirements);
  });
  m.free_slots.insert(m.free_slots.end(), due.begin(), due.end());
}

// Unemployed workers aged early_retirement_age or more retire for good, each with
// monthly probability early_retirement_rate: candidates drawn at that rate over each
// market's pool (geometric gaps), kept if old enough, so each older searcher
// independently at a cost per candidate. Their spells end censored; their ids stay
// theirs until their calendar retirement (retire_all frees them then), so graduates
// still replace retirees one for one at the calendar's months.
void retire_early(Model& m) {
  const auto& dm = m.sc_.demography;
  if (dm.early_retirement_rate <= 0) return;
  const int born_by = m.month_ - static_cast<int>(std::lround(dm.early_retirement_age * 12));
  const bool all = dm.early_retirement_rate >= 1;
  const Rng::GeometricParam gap(all ? 0.5 : dm.early_retirement_rate);
  m.for_each_market([&](int mk) {
    const auto& p = m.pool[static_cast<size_t>(mk)];
    if (p.empty()) return;
    Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::early_retirement);
    thread_local std::vector<std::int32_t> leaving;  // read before anyone leaves: the pool's order changes
    leaving.clear();
    const auto n = static_cast<std::int64_t>(p.size());
    for (std::int64_t i = all ? 0 : r.geometric(gap); i < n; i += 1 + (all ? 0 : r.geometric(gap)))
      if (p[static_cast<size_t>(i)].birth_month <= born_by) leaving.push_back(p[static_cast<size_t>(i)].worker);
    for (const std::int32_t wid : leaving) {
      m.remove_from_pool(wid);
      m.count_worker(wid, -1);
      m.w.set_status(wid, Status::retired);
      m.close_spell(wid, false);
      m.add(M::retirements);
      m.add(M::early_retirements);
    }
  });
}

// Graduates, one per retiree, in markets (occupation and region) by current employment.
// Their ids are taken first (freed ids in order, then new ones); each draws from a
// stream of its own in parallel; they join their market's pool market by market in
// parallel, some straight into a job lined up before they finish (an opening of their
// market, each equally likely).
void enter_all(Model& m, std::size_t count) {
  const auto& dm = m.sc_.demography;
  if (count == 0) return;
  // The market (occupation and region together) by its employment: where the jobs are.
  // (Drawn apart, occupation by employment and region by its share at the start, the two
  // did not meet: a region whose firms staff another mix of occupations received
  // graduates for jobs it did not have, and its unemployment rose year after year.)
  std::vector<double> market_cum(static_cast<size_t>(m.markets()));
  double acc = 0;
  for (int mk = 0; mk < m.markets(); ++mk)
    market_cum[static_cast<size_t>(mk)] = acc += static_cast<double>(m.market_employed[mk]) + 1e-9;
  struct Entrant {
    std::int32_t id;
    std::int32_t market = 0;
    std::int32_t retire_at = -1;  // calendar index, or -1 after the run
    bool job = false;  // a job lined up, where the market has an opening
  };
  std::vector<Entrant> in(count);
  for (auto& e : in) e.id = m.new_worker_slot();
  for_each_chunked(m, count, 1024, [&](std::size_t k, std::size_t end) {
    if (k + 8 < end) {  // freed ids are scattered: their lines fetched a few entrants ahead
      const std::int32_t ahead = in[k + 8].id;
      prefetch(&m.w.core[ahead]), prefetch(&m.w.prev_wage[ahead]), prefetch(&m.w.event_month[ahead]);
    }
    Entrant& e = in[k];
    const std::int32_t id = e.id;
    Rng r = m.rng(k, Purpose::entrants);
    const double age = 22.0 + 4.0 * r.uniform();
    m.w.core[id].birth_month = static_cast<std::int16_t>(m.month_ - static_cast<int>(age * 12));
    const auto mk = std::min<std::ptrdiff_t>(
        std::upper_bound(market_cum.begin(), market_cum.end(), r.uniform() * market_cum.back()) - market_cum.begin(),
        m.markets() - 1);
    m.w.core[id].occ = static_cast<std::uint16_t>(mk / m.nreg_);
    m.w.core[id].region = static_cast<std::uint8_t>(mk % m.nreg_);
    const bool ready = r.sampled(m.sc_.aiq.initial_share[0]);  // (drawn even with AIQ off: see Model::init)
    m.w.set_aiq(id, m.sc_.aiq.enabled && ready);
    m.w.set_cause(id, Cause::none);
    m.w.set_status(id, Status::unemployed);
    m.w.core[id].cell = -1;
    m.w.clear_event_month(id);
    m.w.set_in_panel(id, r.sampled(m.sc_.output.panel_rate));
    m.w.prev_wage[id] = static_cast<float>(m.sc_.occupations[m.w.core[id].occ].wage *
                                           m.sc_.regions[m.w.core[id].region].wage_multiplier);
    m.w.core[id].spell_start = static_cast<std::int16_t>(m.month_);
    const double ret_age = std::clamp(r.normal(dm.retirement_age_mean, dm.retirement_age_sd), 50.0, 79.0);
    const int ret = m.w.core[id].birth_month + static_cast<int>(ret_age * 12);
    if (m.calendar_index(ret) < m.calendar_months())
      e.retire_at = std::max(m.calendar_index(ret), m.calendar_index(m.month_) + 1);
    e.market = m.market(m.w.core[id].occ, m.w.core[id].region);
    e.job = r.bernoulli(dm.graduate_job_share);
    m.count_worker(id, +1);  // (counts: any order gives the same sums)
    m.add(M::entrants);
  });
  thread_local std::vector<std::vector<const Entrant*>> kept;
  auto& by_market = emptied(kept, static_cast<size_t>(m.markets()));
  for (const Entrant& e : in) {  // in entrant order, reading no worker's record
    if (e.retire_at >= 0) m.retire_at[static_cast<size_t>(e.retire_at)].push_back(e.id);
    by_market[static_cast<size_t>(e.market)].push_back(&e);
  }
  m.for_each_market([&](int mk) {
    const auto& list = by_market[static_cast<size_t>(mk)];
    // The openings the entrants with a job lined up take, each of the market's openings
    // equally likely (as matching's hires: a firm with more openings takes more of
    // them), drawn before anyone joins (only these hires change the market's openings
    // meanwhile), so that each one's cell can be fetched a few entrants ahead.
    thread_local std::vector<std::int32_t> job;
    job.assign(list.size(), -1);
    if (!m.vacant_cells[static_cast<size_t>(mk)].empty() &&
        std::any_of(list.begin(), list.end(), [](const Entrant* e) { return e->job; })) {
      Openings& open = m.openings(mk);
      Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::graduate_jobs);
      for (size_t k = 0; k < list.size() && open.left() > 0; ++k) {
        if (!list[k]->job) continue;
        Openings::Cell* c = open.draw(r);
        job[k] = c->cell;
        open.take(*c);
      }
    }
    for (size_t k = 0; k < list.size(); ++k) {
      // Their records, written long before, and their jobs' cells, fetched a few entrants ahead.
      if (k + 8 < list.size()) m.prefetch_worker(list[k + 8]->id);
      if (k + 4 < list.size() && job[k + 4] >= 0) m.prefetch_cell(job[k + 4]);
      if (k + 2 < list.size() && job[k + 2] >= 0) m.prefetch_cell_tail(job[k + 2]);
      const std::int32_t id = list[k]->id;
      m.add_to_pool(id, mk);
      if (job[k] >= 0) {
        m.remove_from_pool(id);
        m.hire(id, job[k]);
      }
    }
  });
}

}  // namespace

void demography(Model& m) {
  const auto& dm = m.sc_.demography;
  if (!dm.enabled) return;
  const int idx = m.calendar_index(m.month_);
  const std::vector<std::int32_t> due = std::move(m.retire_at[idx]);
  m.retire_at[idx].clear();
  retire_all(m, due);

  enter_all(m, due.size());  // graduates replace retirees one for one

  // Reentries first, so this month's leavers do not come straight back.
  // The list shrinks by one per reentry, so every position can be drawn first and the
  // workers there fetched a few reentries ahead (a position's worker may still change
  // when an earlier reentry moves the last one into it: the fetch is only a hint).
  Rng rl = m.rng(m.pool.size(), Purpose::labor_force);
  const std::int64_t back = rl.binomial(static_cast<std::int64_t>(m.inactive.size()), dm.reentry_rate);
  thread_local std::vector<std::size_t> pos;
  draw_shrinking(rl, static_cast<std::int64_t>(m.inactive.size()), back, pos);
  // They leave the one inactive list in order, then join their markets' pools market
  // by market in parallel (each market in reentry order, as a sequential pass would).
  thread_local std::vector<std::vector<std::int32_t>> kept_returning;
  auto& returning = emptied(kept_returning, m.pool.size());
  for (std::int64_t k = 0; k < back; ++k) {
    if (k + 16 < back) prefetch(&m.inactive[pos[k + 16]]);
    if (k + 8 < back) prefetch(&m.w.core[m.inactive[pos[k + 8]]]);
    m.prefetch_coming_last(m.inactive);
    if (k + 1 < back) prefetch(&m.w.core[m.inactive.back()]);
    const std::int32_t wid = m.inactive[pos[k]];
    m.remove_from_inactive(wid);
    returning[static_cast<size_t>(m.market(m.w.core[wid].occ, m.w.core[wid].region))].push_back(wid);
  }
  m.for_each_market([&](int mk) {
    const auto& list = returning[static_cast<size_t>(mk)];
    for (size_t k = 0; k < list.size(); ++k) {
      if (k + 8 < list.size()) m.prefetch_worker(list[k + 8]);
      const std::int32_t wid = list[k];
      m.w.core[wid].spell_start = static_cast<std::int16_t>(m.month_);
      m.count_worker(wid, +1);
      m.add_to_pool(wid, mk);
      m.add(M::reentries);
    }
  });
  // Unemployed workers leaving the labour force (discouraged, caring, studying...).
  // Drawn and taken out of the pools market by market in parallel, then listed as
  // inactive in market order.
  thread_local PaddedVector<std::vector<std::int32_t>> kept_leaving;
  auto& leaving = emptied(kept_leaving, m.pool.size());  // filled in parallel
  m.for_each_market([&](int mk) {
    const auto& p = m.pool[static_cast<size_t>(mk)];
    if (p.empty()) return;
    Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::labor_force);
    const std::int64_t k = r.binomial(static_cast<std::int64_t>(p.size()), dm.unemployed_exit_rate);
    thread_local std::vector<std::size_t> pos;
    draw_shrinking(r, static_cast<std::int64_t>(p.size()), k, pos);  // as for reentries
    for (std::int64_t j = 0; j < k; ++j) {
      if (j + 4 < k) prefetch(&m.w.core[p[pos[j + 4]].worker]);
      m.prefetch_coming_last(p);
      if (j + 1 < k) prefetch(&m.w.core[p.back().worker]);
      const std::int32_t wid = p[pos[j]].worker;
      m.remove_from_pool(wid);
      leaving[static_cast<size_t>(mk)].push_back(wid);
    }
  });
  // Their places in the inactive list follow from the markets' counts, so each market
  // writes its own stretch of it in parallel (the list as a pass in market order makes it).
  std::vector<std::size_t> first(leaving.size() + 1, m.inactive.size());
  for (size_t mk = 0; mk < leaving.size(); ++mk) first[mk + 1] = first[mk] + leaving[mk].size();
  m.inactive.resize(first.back());
  m.n_inactive += static_cast<std::int64_t>(first.back() - first.front());
  m.for_each_market([&](int mk) {
    const auto& list = leaving[static_cast<size_t>(mk)];
    for (size_t j = 0; j < list.size(); ++j) {
      if (j + 8 < list.size()) m.prefetch_worker(list[j + 8]);
      const std::int32_t wid = list[j];
      m.count_worker(wid, -1);
      m.w.note_left_labor_force(wid);  // a trainee's months to a job will include these
      m.set_inactive_at(wid, first[static_cast<size_t>(mk)] + j);
      m.add(M::exits_to_nonparticipation);
    }
  });
  retire_early(m);
}

// The scenario's initial AIQ shares by age cohort describe month 0. The initial state
// draws them, but a burn-in (no diffusion, graduates at the youngest cohort's share who
// carry it as they age, retirees leaving with the oldest's) moves them: after the
// baseline's ten years the share was 20.7% instead of 16%. So after a burn-in every
// worker's readiness is drawn again at the first recorded month, as the initial state
// draws it, with the worker's age then: the recorded run starts where the scenario says.
void aiq_start(Model& m) {
  const auto& q = m.sc_.aiq;
  if (!q.enabled) return;
  m.for_each(m.blocks(), [&](int b) {
    const auto [lo, hi] = m.block_ids(b);
    Rng r = m.rng(static_cast<std::uint64_t>(b), Purpose::aiq_start);
    for (auto wid = static_cast<std::int32_t>(lo); wid < hi; ++wid)
      if (m.w.status(wid) != Status::retired)
        m.set_aiq(wid, r.bernoulli(q.initial_share[cohort_of_age(m.age_years(wid))]));
  });
}

void aiq_diffusion(Model& m) {
  const auto& q = m.sc_.aiq;
  // AIQ spreads from month 0, so the recorded run starts at the scenario's initial shares.
  if (!q.enabled || m.month_ < 0) return;
  const double hmax = *std::max_element(q.monthly_hazard.begin(), q.monthly_hazard.end());
  if (hmax <= 0) return;
  // Block by block of worker ids, each with its own stream: candidates at the highest
  // cohort hazard, thinned to each worker's own cohort hazard. Candidates lie ~1/hmax ids
  // apart at random gaps (a cache miss each, which the hardware cannot foresee, and the
  // next one is known only after this one is read), so a task walks the chains of
  // kChains blocks in turn, fetching each chain's next candidate while it visits the
  // others. A block's draws and visits keep their order; counts are sums, so the
  // interleaving changes nothing.
  constexpr int kChains = 8;
  const Rng::GeometricParam gap(hmax);
  struct Chain {
    std::int64_t i, hi;
    Rng r;
  };
  m.for_each((m.blocks() + kChains - 1) / kChains, [&](int group) {
    std::vector<Chain> chains;
    for (int b = group * kChains; b < std::min(m.blocks(), (group + 1) * kChains); ++b) {
      const auto [lo, hi] = m.block_ids(b);
      Chain ch{0, hi, m.rng(static_cast<std::uint64_t>(b), Purpose::aiq)};
      ch.i = lo + ch.r.geometric(gap);
      if (ch.i < ch.hi) prefetch(&m.w.core[ch.i]), chains.push_back(ch);
    }
    while (!chains.empty())
      for (size_t k = 0; k < chains.size();) {
        Chain& ch = chains[k];
        const auto wid = static_cast<std::int32_t>(ch.i);
        if (!m.w.aiq(wid) && m.w.status(wid) != Status::retired &&
            ch.r.bernoulli(q.monthly_hazard[cohort_of_age(m.age_years(wid))] / hmax))
          m.set_aiq(wid);
        ch.i += 1 + ch.r.geometric(gap);
        if (ch.i < ch.hi) {
          prefetch(&m.w.core[ch.i]);
          ++k;
        } else {
          chains[k] = chains.back();
          chains.pop_back();
        }
      }
  });
}

}  // namespace laborsim::mech
