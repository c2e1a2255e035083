// Ordinary churn (MODEL.md 3.6): quits, ordinary layoffs, replacement vacancies toward
// each cell's demand target, and del Rio-Chanona et al.'s demand-gap adjustment:
// with gap = e + v - target, extra separations gamma_u max(0, gap) and extra openings
// gamma_v max(0, -gap).
//
// Event-driven: every employed worker is laid off with probability layoff_rate and
// quits with probability quit_rate, independently. Worker ids are cut into fixed blocks
// (Model::block_bits_); a block draws binomial numbers of layoffs and quits over its
// employed and picks them uniformly among its ids by rejection (most ids are employed),
// which is the same distribution at a cost per event, not per worker. The separations
// then run market by market ((occupation, region): a job-to-job move stays in its
// market). Blocks and markets each have their own random stream and run in parallel;
// neither depends on the number of threads. Only cells whose e + v differs from their
// target are visited for the gap.
#include "laborsim/model.hpp"

#include <algorithm>
#include <numeric>

namespace laborsim::mech {

namespace {

void demand_gap(Model& m, int mk) {
  const auto& lm = m.sc_.labor_market;
  // Off, the list is kept as it is (each cell at most once, so no longer than the cells):
  // a [[schedule]] entry that turns the adjustment on finds every cell off its target.
  if (!lm.demand_gap_on()) return;
  // The list taken out, and the market's filled again (note_gap) in the buffer this
  // thread's last market left: neither is allocated anew each month (see emptied()).
  thread_local std::vector<std::int32_t> cells;
  cells.clear();
  cells.swap(m.gap_cells[mk]);
  for (size_t j = 0; j < cells.size(); ++j) {
    if (j + 8 < cells.size()) m.prefetch_cell(cells[j + 8]);  // listed cells are scattered
    if (j + 4 < cells.size()) prefetch(&m.f.alive[m.c[cells[j + 4]].firm]);
    const std::int32_t ci = cells[j];
    m.c[ci].gap_listed = 0;
    if (!m.f.alive[m.c[ci].firm]) continue;
    auto& mem = m.c[ci].members;
    const std::int64_t gap = static_cast<std::int64_t>(mem.size()) + m.c[ci].vacancies - m.c[ci].target;
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

struct Pick {
  std::int32_t worker;
  std::int32_t market;
  bool quit;
};

// Employed ids of one block drawn uniformly, each at most once a month: candidates are
// drawn 16 ahead of their reading, each replaced as it is read (the same sequence of
// draws), so that 16 records are always on their way.
class EmployedDraw {
 public:
  EmployedDraw(const Model& m, Rng& r, std::int64_t lo, std::int64_t span)
      : m_(m), r_(r), lo_(lo), span_(span), taken_(span) {
    for (auto& x : cand_) {
      x = static_cast<std::int32_t>(lo_ + r_.index(span_));
      prefetch(&m_.w.core[x]);
    }
  }
  // The next employed id not taken yet, now taken.
  std::int32_t next() {
    for (;;) {
      const std::int32_t wid = cand_[next_];
      cand_[next_] = static_cast<std::int32_t>(lo_ + r_.index(span_));
      prefetch(&m_.w.core[cand_[next_]]);
      next_ = (next_ + 1) % cand_.size();
      if (m_.w.status(wid) == Status::employed && taken_.take(wid - lo_)) return wid;
    }
  }
  void release(std::int32_t wid) { taken_.release(wid - lo_); }
  void clear(std::int32_t wid) { taken_.clear(wid - lo_); }

 private:
  const Model& m_;
  Rng& r_;
  std::int64_t lo_, span_;
  ThreadMarks taken_;  // ids (less lo) already drawn this month
  std::array<std::int32_t, 16> cand_{};
  size_t next_ = 0;
};

// An employed worker's occupation and region are its cell's: the market without reading
// the cell (a line of its own, fetched again when the worker leaves).
Pick pick(const Model& m, std::int32_t wid, bool quit) {
  return {wid, m.market(m.w.core[wid].occ, m.w.core[wid].region), quit};
}

// With separations by tenure (labor_market.tenure_separation_factors, or its shorthand
// new_hire_separation_factor F for the first new_hire_months months): a worker in tenure
// band i is laid off at f_i x layoff_rate and quits at f_i x quit_rate (each capped at
// 1). Candidates are drawn at the largest of those rates, as above, and each kept with
// the ratio of its own rate to that one (thinning: every worker independently at its
// own rate); quits are drawn among those not laid off, rejected layoff candidates
// included (given back once the layoffs are drawn: within a pass each worker is a
// candidate at most once).
void pick_block_by_tenure(const Model& m, const LaborMarketParams::TenureBands& bands, std::int64_t e, Rng& r,
                          EmployedDraw& draw, std::vector<Pick>& out) {
  const auto& lm = m.sc_.labor_market;
  const double scale = *std::max_element(bands.factor.begin(), bands.factor.end());
  const int now = m.month();
  std::vector<std::int32_t> rejected;
  std::vector<double> keep(bands.factor.size());
  auto pass = [&](double rate, std::int64_t among, bool quit) {
    const double drawn_at = std::min(1.0, scale * rate);
    for (size_t i = 0; i < keep.size(); ++i)
      keep[i] = drawn_at > 0 ? std::min(1.0, bands.factor[i] * rate) / drawn_at : 0;
    const std::int64_t candidates = r.binomial(among, drawn_at);
    std::int64_t kept = 0;
    for (std::int64_t k = 0; k < candidates; ++k) {
      const std::int32_t wid = draw.next();
      if (r.bernoulli(keep[bands.band_of(now - m.w.core[wid].spell_start)])) {
        out.push_back(pick(m, wid, quit));
        ++kept;
      } else if (!quit) {
        rejected.push_back(wid);  // not laid off: may still quit
      }
    }
    return kept;
  };
  const std::int64_t layoffs = pass(lm.layoff_rate, e, false);
  for (std::int32_t wid : rejected) draw.release(wid);
  pass(lm.quit_rate, e - layoffs, true);
}

// This month's layoffs and quits among the ids of block b, in the order drawn.
// bands: the tenure profile in force, or null when separations do not depend on tenure.
void pick_block(const Model& m, const LaborMarketParams::TenureBands* bands, int b, std::vector<Pick>& out) {
  const auto& lm = m.sc_.labor_market;
  const auto [lo, hi] = m.block_ids(b);
  const std::int64_t span = hi - lo;
  const std::int64_t e = m.block_employed[static_cast<size_t>(b)];
  if (e <= 0 || span <= 0) return;
  Rng r = m.rng(static_cast<std::uint64_t>(b), Purpose::churn_block);
  if (bands) {
    EmployedDraw draw(m, r, lo, span);
    pick_block_by_tenure(m, *bands, e, r, draw, out);
    // Every id drawn is cleared (with its word): the picks' words cover the rejected
    // quit candidates' only in part, so those are cleared from the block's range.
    for (std::int64_t v = lo; v < hi; v += 64) draw.clear(static_cast<std::int32_t>(v));
    return;
  }
  const std::int64_t layoffs = r.binomial(e, lm.layoff_rate);
  const std::int64_t quits = r.binomial(e - layoffs, lm.quit_rate);
  // EmployedDraw's loop, written out: through the class, with its state reached through
  // `this`, churn takes ~7% more instructions (bench/instructions.sh at 1M workers).
  std::array<std::int32_t, 16> cand{};
  for (auto& x : cand) {
    x = static_cast<std::int32_t>(lo + r.index(span));
    prefetch(&m.w.core[x]);
  }
  size_t next = 0;
  ThreadMarks taken(span);  // ids (less lo) already picked this month
  out.reserve(static_cast<size_t>(layoffs + quits));
  for (std::int64_t k = 0; k < layoffs + quits; ++k) {
    for (;;) {
      const std::int32_t wid = cand[next];
      cand[next] = static_cast<std::int32_t>(lo + r.index(span));
      prefetch(&m.w.core[cand[next]]);
      next = (next + 1) % cand.size();
      if (m.w.status(wid) == Status::employed && taken.take(wid - lo)) {
        out.push_back(pick(m, wid, k >= layoffs));
        break;
      }
    }
  }
  for (const Pick& p : out) taken.clear(p.worker - lo);
}

// A separation follows a chain of loads: the worker's core record -> its cell -> the
// worker's and the last member's places in the cell's list, and the firm -> that last
// member's record (its place changes). Once the state outgrows the caches each link is
// a miss, so the chain of worker k + 12 is fetched while worker k leaves, link by link
// as the addresses become known (+12, +8, +4, +2: twice the distances of the fourth
// round, -10% at 30M workers) (Model::prefetch_*: hints only, a stale address never
// changes a result). Each leaves to `to` (Model::separate); after(wid, cell) is called
// once it has left.
template <class After>
void separate_all(Model& m, const std::vector<std::int32_t>& workers, Cause cause, Status to, Rng& r, After after) {
  const auto& lm = m.sc_.labor_market;
  const size_t n = workers.size();
  for (size_t k = 0; k < n; ++k) {
    if (k + 12 < n) {
      m.prefetch_worker(workers[k + 12]);
      if (cause != Cause::none) prefetch(&m.w.prev_wage[workers[k + 12]]);  // written at a displacement
    }
    if (k + 8 < n) m.prefetch_cell(m.w.core[workers[k + 8]].cell);
    if (k + 4 < n) m.prefetch_leaver(workers[k + 4]);
    if (k + 2 < n) {
      const std::int32_t ci = m.w.core[workers[k + 2]].cell;
      if (ci >= 0 && !m.c[ci].members.empty()) prefetch(&m.w.core[m.c[ci].members.back()]);
    }
    const std::int32_t wid = workers[k];
    const std::int32_t ci = m.w.core[wid].cell;
    m.separate(wid, cause, to, r.bernoulli(lm.replacement_share));
    after(wid, ci);
  }
}

// The quits, once their workers have left (to no list: Status::employed in separate):
// each counted, and hired into its target cell (job to job) or, with none (-1), added to
// market mk's pool. Those join it in the order they had when every quit joined the pool
// and each mover left it again, its place taken by the last (the draws of matching
// depend on the order). Their cells are fetched ahead, and the cell that each filling
// of a last opening moves in the vacancy list (moved, -1 for none: a hint only).
void complete_quits(Model& m, int mk, const std::vector<std::int32_t>& quits, const std::vector<std::int32_t>& target,
                    const std::vector<std::int32_t>& moved) {
  thread_local std::vector<std::int32_t> order, place;  // indices into quits
  order.resize(quits.size()), place.resize(quits.size());
  std::iota(order.begin(), order.end(), 0);
  std::iota(place.begin(), place.end(), 0);
  for (size_t k = 0; k < quits.size(); ++k) {
    if (k + 6 < quits.size()) m.prefetch_worker(quits[k + 6]), m.prefetch_cell(target[k + 6]);
    if (k + 3 < quits.size()) {
      m.prefetch_cell_tail(target[k + 3]);
      if (moved[k + 3] >= 0) prefetch(&m.c[moved[k + 3]].vslot);
    }
    const std::int32_t wid = quits[k];
    m.add(M::quits);
    if (target[k] < 0) {
      m.add(M::quits_to_unemployment);
      continue;
    }
    erase_indexed(order, place, static_cast<std::int32_t>(k));
    m.hire(wid, target[k]);
    m.add(M::job_to_job_moves);
  }
  for (const std::int32_t k : order) m.add_to_pool(quits[static_cast<size_t>(k)], mk);
}

// With labor_market.job_ladder above 0: a job-to-job quit is an offer, drawn before
// anyone leaves, from an opening of another firm in the market. With probability
// job_ladder the worker takes it only if its posted wage is above what the worker
// earns now (posted wage x tenure premium), and otherwise whatever it pays; turned
// down, or with no opening to draw, the worker stays and is no quit. Quits into
// unemployment (quit_to_unemployment_share) leave as without the ladder.
void separate_market_ladder(Model& m, int mk, const std::vector<std::int32_t>& layoffs,
                            const std::vector<std::int32_t>& quits) {
  const auto& lm = m.sc_.labor_market;
  Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::churn_market);
  separate_all(m, layoffs, Cause::ordinary, Status::unemployed, r, [](std::int32_t, std::int32_t) {});
  Openings& open = m.openings(mk);
  thread_local std::vector<std::int32_t> leaving, target, moved;
  leaving.clear(), target.clear(), moved.clear();
  for (size_t k = 0; k < quits.size(); ++k) {
    if (k + 4 < quits.size()) m.prefetch_worker(quits[k + 4]);
    const std::int32_t wid = quits[k];
    if (r.bernoulli(lm.quit_to_unemployment_share)) {
      leaving.push_back(wid), target.push_back(-1), moved.push_back(-1);
      continue;
    }
    const std::int32_t ci = m.w.core[wid].cell;
    Openings::Cell* drawn = open.draw(r, m.c[ci].firm);
    if (drawn == nullptr) continue;
    if (r.bernoulli(lm.job_ladder) && drawn->wage <= m.earned_wage(ci, m.month() - m.w.core[wid].spell_start)) continue;
    leaving.push_back(wid), target.push_back(drawn->cell), moved.push_back(open.take(*drawn));
  }
  separate_all(m, leaving, Cause::none, Status::employed, r, [](std::int32_t, std::int32_t) {});
  complete_quits(m, mk, leaving, target, moved);
}

void separate_market(Model& m, int mk, const std::vector<std::int32_t>& layoffs,
                     const std::vector<std::int32_t>& quits) {
  const auto& lm = m.sc_.labor_market;
  if (layoffs.empty() && quits.empty()) return;
  if (lm.job_ladder > 0) return separate_market_ladder(m, mk, layoffs, quits);
  Rng r = m.rng(static_cast<std::uint64_t>(mk), Purpose::churn_market);
  separate_all(m, layoffs, Cause::ordinary, Status::unemployed, r, [](std::int32_t, std::int32_t) {});
  thread_local std::vector<std::int32_t> old_firm, target, moved;
  old_firm.clear();
  separate_all(m, quits, Cause::none, Status::employed, r,
               [&](std::int32_t, std::int32_t ci) { old_firm.push_back(m.c[ci].firm); });
  // Job to job: an opening of another firm in the same market, each of them equally
  // likely (Openings); with none open (or only the old firm's), the quit is into
  // unemployment. Each move draws from the openings the moves before it left, and
  // reading each drawn cell would be a miss that no fetch can run ahead of. So the moves
  // are drawn first on a copy of the market's list with the cells' openings and firms,
  // which evolves exactly as the list will; then made, their cells fetched ahead, and
  // the cell that each filling of a last opening moves in the list (its place changes).
  target.assign(quits.size(), -1), moved.assign(quits.size(), -1);
  if (!m.vacant_cells[mk].empty() && !quits.empty()) {
    Openings& open = m.openings(mk);
    for (size_t k = 0; k < quits.size() && open.left() > 0; ++k) {
      if (r.bernoulli(lm.quit_to_unemployment_share)) continue;
      Openings::Cell* drawn = open.draw(r, old_firm[k]);
      if (drawn == nullptr) continue;
      target[k] = drawn->cell;
      moved[k] = open.take(*drawn);  // its place in the list changes
    }
  }
  complete_quits(m, mk, quits, target, moved);
}

}  // namespace

void churn(Model& m) {
  m.for_each_market([&](int mk) { demand_gap(m, mk); });
  // Layoffs and quits are all drawn before anyone moves (quitters among those not laid
  // off), then separated market by market, layoffs first.
  const int blocks = m.blocks();
  PaddedVector<std::vector<Pick>> picked(static_cast<size_t>(blocks));  // filled in parallel
  const auto& lm = m.sc_.labor_market;
  const LaborMarketParams::TenureBands bands = lm.separation_bands();
  const LaborMarketParams::TenureBands* by_tenure = lm.separations_by_tenure() ? &bands : nullptr;
  m.for_each(blocks, [&](int b) { pick_block(m, by_tenure, b, picked[static_cast<size_t>(b)]); });
  // The markets' lists, here and in their steps, are kept by each thread from month to
  // month (thread_local: see emptied() in model.hpp).
  thread_local std::vector<std::vector<std::int32_t>> kept_layoffs, kept_quits;
  auto& layoffs = emptied(kept_layoffs, static_cast<size_t>(m.markets()));
  auto& quits = emptied(kept_quits, static_cast<size_t>(m.markets()));
  for (const auto& list : picked)
    for (const Pick& p : list) (p.quit ? quits : layoffs)[static_cast<size_t>(p.market)].push_back(p.worker);
  picked = {};
  m.for_each_market(
      [&](int mk) { separate_market(m, mk, layoffs[static_cast<size_t>(mk)], quits[static_cast<size_t>(mk)]); });
}

}  // namespace laborsim::mech
