#include "laborsim/model.hpp"

#include "laborsim/memory.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace laborsim {

int Model::size_class(std::int32_t size) {
  int k = 0;
  while (size > 1 && k < kSizeClasses - 1) size >>= 1, ++k;
  return k;
}

namespace {
constexpr int kMaxAgeMonths = 80 * 12;
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
}  // namespace

Model::Model(const Scenario& scenario, std::uint64_t replicate, std::vector<StreamAddress>* stream_log)
    : sc_(scenario),
      seed_(scenario.simulation.seed),
      replicate_(replicate),
      month_(-scenario.simulation.burn_in_months),
      nocc_(static_cast<int>(scenario.occupations.size())),
      nreg_(static_cast<int>(scenario.regions.size())),
      nsec_(static_cast<int>(scenario.sectors.size())),
      spells_(scenario.output.earnings_years),
      comparisons_(scenario.output.earnings_years),
      series_(scenario.simulation.months,
              {1, static_cast<int>(scenario.occupations.size()), static_cast<int>(scenario.sectors.size()),
               static_cast<int>(scenario.regions.size()), kCohorts}),
      stream_log_(stream_log) {
  init();
}

int Model::birth_index(std::int32_t wid) const {
  return w.core[wid].birth_month + sc_.simulation.burn_in_months + kMaxAgeMonths;
}

// Months on the birth months' scale: a tenure at the start reaches back at most a
// working life (from 22 to a retirement age below 80), within kMaxAgeMonths.
int Model::hire_index(std::int32_t wid) const {
  return w.core[wid].spell_start + sc_.simulation.burn_in_months + kMaxAgeMonths;
}

void Model::log_stream(std::uint64_t entity, Purpose p) const {
  std::lock_guard lock(stream_log_mutex_);
  stream_log_->push_back({month_, entity, p});
}

void Model::for_each_market(const std::function<void(int)>& fn) {
  for_each(markets(), fn, [this](int mk) { return market_employed[mk] + static_cast<std::int64_t>(pool[mk].size()); });
}

void Model::for_each(int n, const std::function<void(int)>& fn, const Work& work) {
  defer_spells_ = true;
  const int threads = tbb::this_task_arena::max_concurrency();
  const bool threads_busy =  // with other replicates: no thread would be free to help
      unfinished_replicates_ && unfinished_replicates_->load(std::memory_order_relaxed) >= threads;
  if (n <= 1 || threads == 1 || threads_busy || w.size() < parallel_min_workers_) {
    // In sequence, on the model's own counts: where no thread is free, or on a small
    // population, the threads' tallies cost more to set up and sum than the work they
    // share (at 1,000 workers the sums took half the run). The counts are sums and new
    // spells are put in worker order below either way: the state is the one the
    // parallel pass leaves.
    for (int i = 0; i < n; ++i) fn(i);
  } else {
    for_each_in_parallel(n, fn, work);
  }
  defer_spells_ = false;
  if (pending_spells_.empty()) return;
  std::sort(pending_spells_.begin(), pending_spells_.end(),
            [](const Spell& a, const Spell& b) { return a.worker < b.worker; });
  for (const Spell& s : pending_spells_) {
    open_spells_[static_cast<std::int32_t>(s.worker)] = static_cast<std::int32_t>(spells_.size());
    spells_.push_back(s);
  }
  pending_spells_.clear();
}

void Model::for_each_in_parallel(int n, const std::function<void(int)>& fn, const Work& work) {
  // Every count a tally keeps, with the model's count it is added to.
  using Counts = std::vector<std::int64_t>;
  static constexpr std::array<std::pair<Counts Tally::*, Counts Model::*>, 9> kTallied = {{
      {&Tally::sector_sumsq, &Model::sector_sumsq},
      {&Tally::sector_emp, &Model::sector_emp},
      {&Tally::emp_by_birth, &Model::emp_by_birth},
      {&Tally::unemp_by_birth, &Model::unemp_by_birth},
      {&Tally::young_exposed_by_birth, &Model::young_exposed_by_birth},
      {&Tally::block_employed, &Model::block_employed},
      {&Tally::aiq_by_birth, &Model::aiq_by_birth},
      {&Tally::lf_by_birth, &Model::lf_by_birth},
      {&Tally::emp_by_hire, &Model::emp_by_hire},
  }};
  const auto threads = static_cast<size_t>(tbb::this_task_arena::max_concurrency());
  if (tallies_.size() < threads || tallies_[0].block_employed.size() != block_employed.size()) {
    std::size_t flows = 0;
    flow_offset_.clear();
    for (int i = 0; i < kMetricCount; ++i) {
      flow_offset_.push_back(flows);
      flows += static_cast<size_t>(series_.groups(static_cast<M>(i)));
    }
    tallies_.resize(threads);
    for (auto& t : tallies_) {
      t.flows.assign(flows, 0.0);
      for (const auto& [tally, model] : kTallied) (t.*tally).assign((this->*model).size(), 0);
    }
  }
  concurrent_ = true;
  // isolate: a thread waiting for these markets must not pick up another replicate.
  auto count_on_this_thread = [this] {
    running_tally_ = &tallies_[static_cast<size_t>(tbb::this_task_arena::current_thread_index())];
  };
  tbb::this_task_arena::isolate([&] {
    if (!work) {
      tbb::parallel_for(0, n, 1, [&](int i) {
        count_on_this_thread();
        fn(i);
      });
      return;
    }
    // Largest first, each thread taking the next when it is done: no large task is left
    // to run alone at the end (parallel_for's halving would hand the second thread the
    // upper half of the list, whatever its sizes).
    std::vector<std::pair<std::int64_t, int>> order(static_cast<size_t>(n));  // (-work, i)
    for (int i = 0; i < n; ++i) order[static_cast<size_t>(i)] = {-work(i), i};
    std::sort(order.begin(), order.end());
    std::atomic<int> next{0};
    tbb::parallel_for(0, static_cast<int>(threads), 1, [&](int) {
      count_on_this_thread();
      for (int i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(order[static_cast<size_t>(i)].second);
    });
  });
  concurrent_ = false;
  // The threads' counts, summed in a fixed order (they are integers: any order gives
  // the same sums).
  for (auto& t : tallies_) {
    for (const auto& [tally, model] : kTallied) {
      Counts &into = this->*model, &from = t.*tally;
      for (size_t i = 0; i < from.size(); ++i) into[i] += std::exchange(from[i], 0);
    }
    n_aiq_lf += std::exchange(t.n_aiq_lf, 0);
    for (int i = 0; i < kMetricCount && month_ >= 0; ++i) {
      const auto m = static_cast<M>(i);
      for (int g = 0; g < series_.groups(m); ++g)
        series_.at(m, month_, g) +=
            std::exchange(t.flows[flow_offset_[static_cast<size_t>(i)] + static_cast<size_t>(g)], 0.0);
    }
  }
}

namespace {
template <class F>
std::int64_t sum_markets(int first, int last, int stride, F f) {
  std::int64_t n = 0;
  for (int mk = first; mk < last; mk += stride) n += f(mk);
  return n;
}
}  // namespace

std::int64_t Model::employed_total() const {
  return sum_markets(0, markets(), 1, [&](int mk) { return market_employed[mk]; });
}
std::int64_t Model::unemployed_total() const {
  return sum_markets(0, markets(), 1, [&](int mk) { return static_cast<std::int64_t>(pool[mk].size()); });
}
std::int64_t Model::occ_employed(int o) const {
  return sum_markets(market(o, 0), market(o + 1, 0), 1, [&](int mk) { return market_employed[mk]; });
}
std::int64_t Model::occ_unemployed(int o) const {
  return sum_markets(market(o, 0), market(o + 1, 0), 1,
                     [&](int mk) { return static_cast<std::int64_t>(pool[mk].size()); });
}
std::int64_t Model::occ_vacancies(int o) const {
  return sum_markets(market(o, 0), market(o + 1, 0), 1, [&](int mk) { return market_vacancies[mk]; });
}
std::int64_t Model::region_employed(int g) const {
  return sum_markets(g, markets(), nreg_, [&](int mk) { return market_employed[mk]; });
}
std::int32_t Model::random_employed(Rng& r) const {
  if (employed_total() == 0) return -1;
  for (;;) {  // rejection over all ids: most are employed
    const auto wid = static_cast<std::int32_t>(r.index(static_cast<std::int64_t>(w.size())));
    if (w.status(wid) == Status::employed) return wid;
  }
}

std::int64_t Model::region_unemployed(int g) const {
  return sum_markets(g, markets(), nreg_, [&](int mk) { return static_cast<std::int64_t>(pool[mk].size()); });
}

float Model::posted_wage(std::int32_t firm, int occ, int region) const {
  return static_cast<float>(sc_.occupations[occ].wage * sc_.regions[region].wage_multiplier * f.premium[firm]);
}

void Model::prefetch_hire_rest(std::int32_t wid) const {
  if (w.cause(wid) != Cause::none) prefetch(&w.prev_wage[wid]);
  if (w.retrained(wid)) prefetch(&w.event_month[wid]);
}

void Model::prefetch_cell(std::int32_t ci) const {
  if (ci < 0) return;
  const auto* p = reinterpret_cast<const char*>(&c[ci]);
  prefetch(p), prefetch(p + sizeof(Cell) - 1);  // a record may straddle two lines
}

void Model::prefetch_cell_tail(std::int32_t ci) const {
  if (ci < 0) return;
  const auto& mem = c[ci].members;
  if (!mem.empty()) prefetch(mem.data() + mem.size() - 1);
  const std::int32_t firm = c[ci].firm;
  prefetch(&f.employment[firm]);
}

void Model::prefetch_leaver(std::int32_t wid) const {
  const std::int32_t ci = w.core[wid].cell;
  if (ci < 0) return;
  prefetch_cell_tail(ci);
  prefetch(c[ci].members.data() + w.core[wid].slot);
}

std::int32_t Model::cell_of(std::int32_t firm, int occ, int region, bool create) {
  for (std::int32_t ci : f.cells[firm])
    if (c[ci].occ == occ && c[ci].region == region) return ci;
  if (!create) return -1;
  reserve_cells(c.size() + 1);
  auto ci = static_cast<std::int32_t>(c.size());
  Cell& cell = c.emplace_back();
  cell.firm = firm;
  cell.occ = static_cast<std::uint16_t>(occ);
  cell.region = static_cast<std::uint8_t>(region);
  cell.sector = f.sector[firm];
  cell.wage = posted_wage(firm, occ, region);
  f.cells[firm].push_back(ci);
  return ci;
}

// The cells grow by doubling, as a vector does, but each new array asks for 2 MB pages
// before its cells are written: on 4 KB pages the first writes were two thirds of making
// the firms (1.2 of 1.7 s at 10M workers), and every event reads a cell at random.
void Model::reserve_cells(std::size_t n) {
  if (n <= c.capacity()) return;
  Cells bigger;
  bigger.reserve(std::max(n, 2 * c.capacity()));
  prefer_huge_pages(bigger);
  for (auto& cell : c) bigger.push_back(std::move(cell));
  c = std::move(bigger);
}

void Model::open_vacancies(std::int32_t ci, std::int32_t n) {
  if (n <= 0) return;
  const int mk = market(c[ci].occ, c[ci].region);
  if (c[ci].vacancies == 0) {
    c[ci].vslot = static_cast<std::int32_t>(vacant_cells[mk].size());
    vacant_cells[mk].push_back({ci, 0, c[ci].firm, c[ci].wage});
  }
  c[ci].vacancies += n;
  vacant_cells[mk][static_cast<size_t>(c[ci].vslot)].open = c[ci].vacancies;
  market_vacancies[mk] += n;
}

void Model::close_vacancies(std::int32_t ci, std::int32_t n) {
  n = std::min(n, c[ci].vacancies);
  if (n <= 0) return;
  const int mk = market(c[ci].occ, c[ci].region);
  c[ci].vacancies -= n;
  market_vacancies[mk] -= n;
  c[ci].reopened = std::min(c[ci].reopened, c[ci].vacancies);
  note_gap(ci);
  if (c[ci].vacancies > 0)
    vacant_cells[mk][static_cast<size_t>(c[ci].vslot)].open = c[ci].vacancies;
  else
    erase_indexed_by(
        vacant_cells[mk], [this](std::int32_t i) -> auto& { return c[i].vslot; }, ci,
        [](const VacantCell& v) { return v.cell; });
}

Openings& Model::openings(int mk) const {
  thread_local Openings open;
  open.assign(vacant_cells[mk]);
  return open;
}

void Model::count_worker(std::int32_t wid, int sign) {
  count([b = birth_index(wid), sign, aiq = w.aiq(wid)](auto& t) {
    t.lf_by_birth[b] += sign;
    if (aiq) {
      t.aiq_by_birth[b] += sign;
      t.n_aiq_lf += sign;
    }
  });
}

void Model::add_to_pool(std::int32_t wid) { add_to_pool(wid, market(w.core[wid].occ, w.core[wid].region)); }

void Model::add_to_pool(std::int32_t wid, int mk) {
  auto& p = pool[static_cast<size_t>(mk)];
  w.core[wid].slot = static_cast<std::int32_t>(p.size());
  p.push_back({wid, w.core[wid].spell_start, w.core[wid].birth_month, w.aiq(wid)});
  w.set_status(wid, Status::unemployed);
  count([b = birth_index(wid)](auto& t) { ++t.unemp_by_birth[b]; });
}

void Model::remove_from_pool(std::int32_t wid) {
  w.remove_from(pool[static_cast<size_t>(market(w.core[wid].occ, w.core[wid].region))], wid,
                [](const Searcher& s) { return s.worker; });
  count([b = birth_index(wid)](auto& t) { --t.unemp_by_birth[b]; });
}

void Model::add_to_inactive(std::int32_t wid) {
  inactive.push_back(wid);
  set_inactive_at(wid, inactive.size() - 1);
  ++n_inactive;
}

void Model::set_inactive_at(std::int32_t wid, std::size_t at) {
  inactive[at] = wid;
  w.core[wid].slot = static_cast<std::int32_t>(at);
  w.set_status(wid, Status::inactive);
}

void Model::remove_from_inactive(std::int32_t wid) {
  w.remove_from(inactive, wid);
  --n_inactive;
}

void Model::note_gap(std::int32_t ci) {
  if (c[ci].gap_listed) return;
  if (static_cast<std::int32_t>(c[ci].members.size()) + c[ci].vacancies == c[ci].target) return;
  c[ci].gap_listed = 1;
  gap_cells[cell_market(ci)].push_back(ci);
}

void Model::cell_employment_changed(std::int32_t ci, int delta) {
  const std::int32_t firm = c[ci].firm;
  const int s = c[ci].sector;
  // The size it had just before this change, even with other markets changing it too:
  // the squares telescope to the sum of squared final sizes in any order.
  // (In a parallel pass other markets change the same firm: its size is read only
  // through the atomic, never plainly, so no thread reads it while another writes.)
  const std::int64_t e =
      concurrent_ ? std::atomic_ref<std::int32_t>(f.employment[firm]).fetch_add(delta, std::memory_order_relaxed)
                  : std::exchange(f.employment[firm], f.employment[firm] + delta);
  count([&](auto& t) {
    t.sector_sumsq[s] += (e + delta) * (e + delta) - e * e;
    t.sector_emp[s] += delta;
  });
}

void Model::set_stage(std::int32_t firm, Stage s) {
  if (f.stage[firm] == Stage::none && s != Stage::none) ++sector_adopting[f.sector[firm]];
  --stage_count[static_cast<int>(f.stage[firm])];
  ++stage_count[static_cast<int>(s)];
  f.stage[firm] = s;
  f.stage_month[firm] = static_cast<std::int16_t>(month_);
}

void Model::separate(std::int32_t wid, Cause cause, Status to, bool replace) {
  const std::int32_t ci = w.core[wid].cell;
  const int occ = c[ci].occ;  // the worker's too: read from the cell, one cache line less
  auto& mem = c[ci].members;
  w.remove_from(mem, wid);
  --market_employed[cell_market(ci)];
  w.core[wid].cell = -1;
  cell_employment_changed(ci, -1);
  const int b = birth_index(wid), h = hire_index(wid);
  count([&](auto& t) {
    --t.block_employed[wid >> block_bits_];
    --t.emp_by_birth[b];
    --t.emp_by_hire[h];
    if (high_exposure(occ)) --t.young_exposed_by_birth[b];
  });
  if (replace && static_cast<std::int32_t>(mem.size()) + c[ci].vacancies < c[ci].target) open_vacancies(ci, 1);
  note_gap(ci);

  if (cause != Cause::none) {
    const int tenure = month_ - w.core[wid].spell_start;
    const float wage = earned_wage(ci, tenure);
    w.set_cause(wid, cause);
    w.prev_wage[wid] = wage;
    const M flow = cause == Cause::ai         ? M::layoffs_ai
                   : cause == Cause::ordinary ? M::layoffs_ordinary
                                              : M::layoffs_consolidation;
    add(flow);
    add_to(M::occ_layoffs, occ);
    if (cause == Cause::ai) {
      add_to(M::occ_layoffs_ai, occ);
      add_to(M::sector_layoffs_ai, c[ci].sector);
    } else if (cause == Cause::consolidation) {
      add_to(M::sector_layoffs_consolidation, c[ci].sector);
    }
    if (w.in_panel(wid) && recording()) {
      close_spell(wid, false);  // an earlier spell still open ends here, censored
      Spell s;
      s.worker = wid;
      s.start_month = month_;
      s.cause = static_cast<std::uint8_t>(cause);
      s.firm = c[ci].firm;
      s.sector = c[ci].sector;
      s.occupation = occ;
      s.region = c[ci].region;
      s.wage = wage;
      s.age = age_years(wid);
      s.tenure = tenure;
      s.birth_month = w.core[wid].birth_month;
      open_spell(wid, s);
    }
  }
  w.core[wid].spell_start = static_cast<std::int16_t>(month_);
  if (to == Status::unemployed) {
    add_to_pool(wid, cell_market(ci));
  } else if (to == Status::employed) {
    // A job-to-job move: hire() follows, and the worker joins no list in between.
  } else if (to == Status::retraining) {
    w.set_status(wid, to);  // a trainee stays in the labour force
  } else if (to == Status::inactive) {
    count_worker(wid, -1);
    add_to_inactive(wid);
  } else {
    count_worker(wid, -1);
    w.set_status(wid, to);
  }
}

void Model::hire(std::int32_t wid, std::int32_t ci) {
  // Every hire fills an opening: callers choose among open vacancies (matching's distinct
  // vacancy units, churn's job-to-job moves drawn ahead of their hires), and a choice
  // that strayed from the vacancies as they stand would be a bug, not a hire.
  if (c[ci].vacancies <= 0) throw std::logic_error("laborsim: a hire into a cell with no open vacancy");
  const std::int32_t firm = c[ci].firm;
  const int new_occ = c[ci].occ;
  if (c[ci].reopened > 0) {
    --c[ci].reopened;
    add(M::regret_rehires);
    if (sc_.regions[c[ci].region].offshore && !sc_.regions[f.region[firm]].offshore) add(M::regret_rehires_offshore);
    // Against the wage of the cut job: the firm's posted wage at home, where its cuts are made
    // (the same float computation as that cell's wage, so no tolerance is needed).
    if (c[ci].wage < posted_wage(firm, new_occ, f.region[firm])) add(M::regret_rehires_lower_pay);
  }
  close_vacancies(ci, 1);
  // Counts under the occupation the worker leaves unemployment from.
  if (w.cause(wid) != Cause::none) {
    const M m = w.cause(wid) == Cause::ai         ? M::rehires_ai
                : w.cause(wid) == Cause::ordinary ? M::rehires_ordinary
                                                  : M::rehires_consolidation;
    add(m);
    if (c[ci].wage < w.prev_wage[wid]) add(M::rehires_lower_pay);
    // Against the occupation displaced from: a programme since may have changed it.
    const int displaced_from = w.retrained(wid) ? w.trained_from(wid) : w.core[wid].occ;
    if (new_occ != displaced_from) add(M::rehires_other_occupation);
  }
  if (w.retrained(wid)) {
    if (w.status(wid) == Status::unemployed) {
      const int months = month_ - w.programme_month(wid);
      add(M::retrained_hires);
      add(M::retrained_months_to_job, months);
      if (w.left_labor_force_since_programme(wid)) {
        add(M::retrained_hires_left_labor_force);
        add(M::retrained_months_to_job_left_labor_force, months);
      }
    }
    w.clear_event_month(wid);
  }
  w.core[wid].occ = static_cast<std::uint16_t>(new_occ);
  w.core[wid].region = c[ci].region;
  w.core[wid].cell = ci;
  w.core[wid].slot = static_cast<std::int32_t>(c[ci].members.size());
  w.core[wid].spell_start = static_cast<std::int16_t>(month_);  // tenure starts
  c[ci].members.push_back(wid);
  ++market_employed[cell_market(ci)];
  w.set_status(wid, Status::employed);
  cell_employment_changed(ci, +1);
  const int b = birth_index(wid), h = hire_index(wid);
  count([&](auto& t) {
    ++t.block_employed[wid >> block_bits_];
    ++t.emp_by_birth[b];
    ++t.emp_by_hire[h];
    if (high_exposure(new_occ)) ++t.young_exposed_by_birth[b];
  });
  add(M::hires);
  add_to(M::occ_hires, new_occ);
  add_to(M::region_hires, c[ci].region);
  if (w.in_panel(wid)) close_spell(wid, true);
  w.set_cause(wid, Cause::none);
}

void Model::transfer(std::int32_t wid, std::int32_t ci) {
  const std::int32_t old = w.core[wid].cell;
  w.remove_from(c[old].members, wid);
  cell_employment_changed(old, -1);
  w.core[wid].cell = ci;
  w.core[wid].slot = static_cast<std::int32_t>(c[ci].members.size());
  c[ci].members.push_back(wid);
  cell_employment_changed(ci, +1);
}

void Model::set_aiq(std::int32_t wid, bool aiq) {
  if (w.aiq(wid) == aiq) return;
  w.set_aiq(wid, aiq);
  if (w.status(wid) == Status::unemployed) {  // its pool's copy too
    auto& p = pool[static_cast<size_t>(market(w.core[wid].occ, w.core[wid].region))];
    p[static_cast<size_t>(w.core[wid].slot)].aiq = aiq;
  }
  if (w.status(wid) == Status::employed || w.status(wid) == Status::unemployed || w.status(wid) == Status::retraining) {
    count([b = birth_index(wid), d = aiq ? 1 : -1](auto& t) {
      t.aiq_by_birth[b] += d;
      t.n_aiq_lf += d;
    });
  }
}

void Model::open_spell(std::int32_t wid, const Spell& s) {
  if (defer_spells_) {  // spells_ must not grow under other markets: numbered afterwards
    std::unique_lock<std::mutex> lock(spell_mutex_, std::defer_lock);
    if (concurrent_) lock.lock();
    pending_spells_.push_back(s);
    return;
  }
  open_spells_[wid] = static_cast<std::int32_t>(spells_.size());
  spells_.push_back(s);
}

bool Model::in_firm_panel(std::int32_t fid) const {
  const double rate = sc_.output.firm_panel_rate;
  if (rate >= 1) return true;
  return std::floor((fid + 1.0) * rate) > std::floor(fid * rate);
}

void Model::note_firm_event(FirmEventKind kind, std::int32_t fid, FirmEvent e) {
  if (!recording() || !in_firm_panel(fid)) return;
  e.kind = kind;
  e.month = month_;
  e.firm = fid;
  e.sector = f.sector[fid];
  e.region = f.region[fid];
  firm_events_.push_back(e);
}

void Model::close_spell(std::int32_t wid, bool reemployed) {
  if (!w.in_panel(wid)) return;
  // Other markets may close their own panel workers' spells meanwhile: the map is shared.
  std::unique_lock<std::mutex> lock(spell_mutex_, std::defer_lock);
  if (concurrent_) lock.lock();
  const auto it = open_spells_.find(wid);
  if (it == open_spells_.end()) return;
  Spell& s = spells_[static_cast<size_t>(it->second)];
  open_spells_.erase(it);
  s.end_month = month_;
  s.reemployed = reemployed;
  if (reemployed) {
    const std::int32_t ci = w.core[wid].cell;
    s.new_firm = c[ci].firm;
    s.new_occupation = w.core[wid].occ;
    s.new_region = w.core[wid].region;
    s.new_wage = c[ci].wage;
  }
}

double initial_age(double u, double retirement_age) {
  // Graduates enter at an age uniform in [22, 26) and stay until they retire, so in the
  // steady state of that flow the density of ages rises linearly from 0 at 22 to its full
  // height at 26 and is flat from there to retirement. Starting from uniform ages would
  // put twice the steady number of people in the 22-25 cohort, which then empties over
  // its first four years, whatever the scenario. One uniform u picks the age by inverting
  // the distribution function: its mass is 2 (years) on the ramp, retirement - 26 after.
  const double mass = retirement_age - 24.0, s = u * mass;
  return s < 2.0 ? 22.0 + std::sqrt(8.0 * s) : 24.0 + s;
}

std::int32_t Model::new_worker_slot() {
  if (!free_slots.empty()) {
    std::int32_t id = free_slots.back();
    free_slots.pop_back();
    return id;
  }
  auto id = static_cast<std::int32_t>(w.size());
  w.resize(w.size() + 1);
  if (static_cast<size_t>(id >> block_bits_) >= block_employed.size()) block_employed.push_back(0);
  return id;
}

std::int32_t Model::add_firm(int sector, int region, bool vc, float premium, std::int32_t initial_size) {
  const auto fid = static_cast<std::int32_t>(f.size());
  f.sector.push_back(static_cast<std::uint16_t>(sector));
  f.region.push_back(static_cast<std::uint8_t>(region));
  f.alive.push_back(1);
  f.vc.push_back(vc);
  f.stage.push_back(Stage::none);
  f.stage_month.push_back(static_cast<std::int16_t>(month_));
  f.premium.push_back(premium);
  f.believed.push_back(0);
  f.transfer.push_back(0);
  f.regret.push_back(0);
  f.employment.push_back(0);
  f.initial_size.push_back(initial_size);
  f.cells.emplace_back();
  sector_firms[sector].push_back(fid);
  ++sector_alive[sector];
  ++stage_count[0];
  auto& list = nonadopters[static_cast<size_t>(sector) * kSizeClasses + size_class(initial_size)];
  nonadopter_slot.push_back(static_cast<std::int32_t>(list.size()));
  list.push_back(fid);
  return fid;
}

void Model::kill_firm(std::int32_t firm) {
  for (std::int32_t ci : f.cells[firm]) {
    close_vacancies(ci, c[ci].vacancies);
    c[ci].target = 0;
    c[ci].reopened = 0;
  }
  f.alive[firm] = 0;
  const int s = f.sector[firm];
  --sector_alive[s];
  if (f.stage[firm] != Stage::none) --sector_adopting[s];
  --stage_count[static_cast<int>(f.stage[firm])];
  if (nonadopter_slot[firm] >= 0)
    erase_indexed(nonadopters[static_cast<size_t>(s) * kSizeClasses + size_class(f.initial_size[firm])],
                  nonadopter_slot, firm);
}

// Firms: Zipf sizes per sector until the sector's employment is reached. Firm fid draws
// from stream (fid, init_firms): its size first, then its region, VC backing, premium,
// runway and the split of its jobs over occupations. A size depends on the stream alone
// (the last firm of a sector is cut to what the sector still needs), so firms are made in
// batches: the batch's sizes are drawn in parallel, dealt to sectors in order, each firm's
// other draws continue its stream in parallel, and the firms and their cells are added in
// id order, as a firm-by-firm pass makes them. Sizes drawn past a sector's end belong to
// the next sector's first firms (the same ids, the same streams).
void Model::make_firms(double employed_target) {
  const int t0 = month_;
  const int cal = calendar_months();
  std::vector<double> region_cdf;
  double acc = 0;
  for (auto& g : sc_.regions) region_cdf.push_back(acc += g.share);
  auto goal_of = [&](int s) { return employed_target * sc_.sectors[s].employment_share; };

  struct Draw {
    Rng r;              // the firm's stream, after its size
    std::int32_t size;  // drawn, then cut at the sector's end
    std::int32_t sector = 0;
    std::int32_t region = 0;
    float premium = 1;
    bool vc = false;
    std::int32_t runway_end = -1;           // calendar index, or -1
    std::uint32_t first_job = 0, jobs = 0;  // its (occupation, employed) pairs in the chunk's list
  };
  constexpr std::size_t kMaxBatch = std::size_t{1} << 15, kChunk = 512;
  std::size_t batch_size = 1024;  // doubling: a small scenario draws few sizes it does not use
  std::vector<std::vector<std::pair<int, std::int32_t>>> jobs((kMaxBatch + kChunk - 1) / kChunk);
  int s = 0;
  double goal = 0, have = 0;
  auto next_sector = [&](int from) {  // the first sector from `from` that needs firms
    for (s = from; s < nsec_; ++s) {
      goal = goal_of(s), have = 0;
      if (have < goal - 0.5) return;
    }
  };
  next_sector(0);
  while (s < nsec_) {
    const auto fid0 = static_cast<std::int32_t>(f.size());
    const std::size_t n = batch_size;
    batch_size = std::min(2 * batch_size, kMaxBatch);
    std::vector<Draw> batch;
    batch.reserve(n);
    for (std::size_t k = 0; k < n; ++k)
      batch.push_back({rng(static_cast<std::uint64_t>(fid0) + k, Purpose::init_firms), 0});
    // (isolate: a thread waiting on these firms must not start another replicate meanwhile)
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(std::size_t{0}, n, [&](std::size_t k) {
        // Inverse-CDF draw of a discrete Pareto size: P(size > x) = (x / min)^-exponent.
        const double u = 1.0 - batch[k].r.uniform();
        const double x = sc_.firms.min_size * std::pow(u, -1.0 / sc_.firms.zipf_exponent);
        batch[k].size = static_cast<std::int32_t>(std::min<double>(std::floor(x), sc_.firms.max_size));
      });
    });
    std::size_t used = 0;
    for (; used < n && s < nsec_; ++used) {
      Draw& d = batch[used];
      d.size =
          std::max<std::int32_t>(1, std::min<std::int32_t>(d.size, static_cast<std::int32_t>(std::ceil(goal - have))));
      d.sector = s;
      have += d.size;
      if (!(have < goal - 0.5)) next_sector(s + 1);
    }
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(std::size_t{0}, (used + kChunk - 1) / kChunk, [&](std::size_t chunk) {
        auto& list = jobs[chunk];
        list.clear();
        for (std::size_t k = chunk * kChunk; k < std::min(used, (chunk + 1) * kChunk); ++k) {
          Draw& d = batch[k];
          const auto& sec = sc_.sectors[d.sector];
          const double ur = d.r.uniform();
          const auto region = std::lower_bound(region_cdf.begin(), region_cdf.end(), ur * acc) - region_cdf.begin();
          d.region = static_cast<std::int32_t>(std::min<std::ptrdiff_t>(region, nreg_ - 1));
          d.vc = d.size <= sc_.firms.vc_max_size && d.r.bernoulli(sec.vc_share);
          d.premium = static_cast<float>(std::exp(sc_.firms.wage_premium_sd * d.r.normal(0.0, 1.0)));
          if (d.vc && sc_.consolidation.enabled) {
            // The runways at the start run from month 0, not from the burn-in's first
            // month: like adoption, the wave of runway ends is what the recorded run
            // shows (the burn-in settles the labour market, and after ten years of it
            // the initial runways would all have ended unseen).
            const int end = std::max(t0, 0) + 1 + static_cast<int>(d.r.uniform() * 2 * sec.runway_months);
            if (calendar_index(end) < cal) d.runway_end = calendar_index(end);
          }
          // Jobs split over occupations by the sector's staffing mix (sequential binomials).
          d.first_job = static_cast<std::uint32_t>(list.size());
          std::int64_t left = d.size;
          double p_left = 1.0;
          for (int o = 0; o < nocc_ && left > 0; ++o) {
            const double p = sec.staffing[o];
            const std::int64_t staff = (o == nocc_ - 1 || p >= p_left) ? left : d.r.binomial(left, p / p_left);
            p_left -= p;
            left -= staff;
            if (staff > 0) list.emplace_back(o, static_cast<std::int32_t>(staff));
          }
          d.jobs = static_cast<std::uint32_t>(list.size()) - d.first_job;
        }
      });
    });
    // The batch's cells reserved ahead (cell_of would grow the array as they come, but
    // measured 0.6 s slower at 10M workers on one thread).
    std::size_t cells = c.size();
    for (std::size_t k = 0; k < used; ++k) cells += batch[k].jobs;
    reserve_cells(cells);
    for (std::size_t k = 0; k < used; ++k) {
      const Draw& d = batch[k];
      const std::int32_t fid = add_firm(d.sector, d.region, d.vc, d.premium, d.size);
      if (d.runway_end >= 0) runway_end_at[static_cast<size_t>(d.runway_end)].push_back(fid);
      const auto& list = jobs[k / kChunk];
      f.cells[static_cast<size_t>(fid)].reserve(d.jobs);
      for (std::uint32_t j = d.first_job; j < d.first_job + d.jobs; ++j) {
        const std::int32_t ci = cell_of(fid, list[j].first, d.region, true);
        c[ci].target = list[j].second;  // employed part; vacancies added below
      }
    }
  }
}

void Model::init() {
  const auto& lm = sc_.labor_market;
  const auto& dm = sc_.demography;
  const int t0 = month_;
  const int cal = calendar_months();
  retire_at.resize(cal);
  retrain_done_at.resize(cal);
  runway_end_at.resize(cal);
  block_bits_ = 10;
  while (block_bits_ < 16 && (std::int64_t{64} << (block_bits_ + 1)) <= sc_.simulation.workers) ++block_bits_;
  pool.resize(static_cast<size_t>(markets()));
  market_employed.assign(pool.size(), 0);
  vacant_cells.resize(pool.size());
  gap_cells.resize(pool.size());
  market_vacancies.assign(pool.size(), 0);
  nonadopters.resize(static_cast<size_t>(nsec_) * kSizeClasses);
  sector_firms.resize(nsec_);
  sector_sumsq.assign(nsec_, 0);
  sector_emp.assign(nsec_, 0);
  sector_adopting.assign(nsec_, 0);
  sector_alive.assign(nsec_, 0);
  stage_count.assign(6, 0);
  const size_t births = static_cast<size_t>(kMaxAgeMonths + cal + 1);
  for (auto* v : {&emp_by_birth, &unemp_by_birth, &aiq_by_birth, &lf_by_birth, &young_exposed_by_birth, &emp_by_hire})
    v->assign(births, 0);

  // Population split: out of the labour force at its steady state N = x u / r.
  const double u_per_e = lm.initial_unemployment_rate / (1 - lm.initial_unemployment_rate);
  const double v_per_e = u_per_e * lm.vacancies_per_unemployed;
  const double i_per_e = dm.enabled && dm.reentry_rate > 0 ? u_per_e * dm.unemployed_exit_rate / dm.reentry_rate : 0.0;
  const double employed_target = sc_.simulation.workers / (1 + u_per_e + i_per_e);

  // The population is known up to binomial noise: reserving avoids the growth slack
  // of vectors that double (up to 2x the memory of the worker columns).
  w.reserve(static_cast<std::size_t>(sc_.simulation.workers * 1.01) + 1024);
  w.columns([](auto& col, auto) {
    prefer_huge_pages(col);
    populate(col.data(), col.capacity() * sizeof(col[0]));
  });

  make_firms(employed_target);
  f.cells.shrink_to_fit();
  reserve_cells(c.size() + c.size() / 8 + 64);  // room for the cells made later
  // Adoption hazard multiplier by size class, (size / mean size)^elasticity, normalised
  // so the sector's firms average one: size shifts who adopts first, not how many.
  adoption_factor.assign(static_cast<size_t>(nsec_) * kSizeClasses, 1.0);
  for (int s = 0; s < nsec_; ++s) {
    double mean = 0, norm = 0;
    for (auto fid : sector_firms[s]) mean += f.initial_size[fid];
    if (sector_firms[s].empty()) continue;
    mean /= sector_firms[s].size();
    for (auto fid : sector_firms[s]) norm += std::pow(f.initial_size[fid] / mean, sc_.ai.size_elasticity);
    norm /= sector_firms[s].size();
    for (int k = 0; k < kSizeClasses; ++k) {
      const double rep = k == 0 ? 1.0 : std::ldexp(1.0, k) * std::sqrt(2.0);
      adoption_factor[static_cast<size_t>(s) * kSizeClasses + k] = std::pow(rep / mean, sc_.ai.size_elasticity) / norm;
    }
  }

  // Workers, cell by cell: the employed, then as many unemployed and inactive people of
  // the same occupation and region as the initial rates imply. Every cell first draws
  // how many of each it has (so each knows its range of ids), then its people from a
  // second stream of its own; cells are drawn in parallel, in chunks whose lists and
  // counts are joined in cell order, so the result does not depend on the threads.
  const std::size_t ncells = c.size();
  struct Extra {
    std::int32_t unemployed, inactive, vacancies;
  };
  std::vector<Extra> extra(ncells);
  // (isolate: a thread waiting on these cells must not start another replicate meanwhile)
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(std::size_t{0}, ncells, [&](std::size_t ci) {
      Rng r = rng(ci, Purpose::init_workers);
      const std::int64_t emp = c[ci].target;
      extra[ci] = {static_cast<std::int32_t>(r.binomial(emp, u_per_e)),
                   static_cast<std::int32_t>(r.binomial(emp, i_per_e)),
                   static_cast<std::int32_t>(r.binomial(emp, v_per_e))};
    });
  });
  std::size_t people = 0;
  for (std::size_t ci = 0; ci < ncells; ++ci)
    people += static_cast<size_t>(c[ci].target + extra[ci].unemployed + extra[ci].inactive);
  w.resize(people);
  block_employed.assign(people == 0 ? 0 : ((people - 1) >> block_bits_) + 1, 0);

  // An employee's tenure at the start: the steady state of the monthly separation hazard
  // (layoffs + quits), geometric, within its working life (the months since it was 22).
  // With separations by tenure (bands [lo_i, hi_i) at hazard h_i), the steady state puts
  // on each tenure k a weight proportional to the chance that a job lasts k months,
  // S(k) = S(lo_i) (1-h_i)^(k-lo_i) in band i; so band i with chance A_i / sum A, where
  // A_i = S(lo_i) (1-(1-h_i)^(hi_i-lo_i)) / h_i (S(lo_last) / h_last for the last, open
  // band), then a geometric of h_i cut at hi_i (inverted), or lo_last plus a geometric.
  const double separation_hazard = lm.layoff_rate + lm.quit_rate;
  const Rng::GeometricParam tenure_law(separation_hazard > 0 && separation_hazard < 1 ? separation_hazard : 0.5);
  const bool by_tenure = lm.separations_by_tenure();
  struct Band {
    int lo, len;                     // len 0: the last band, open
    double hazard, survive, weight;  // survive: chance a job lasts the band through
    Rng::GeometricParam law;         // a geometric of its hazard (drawn in the last, open band)
  };
  std::vector<Band> bands;
  double total_weight = 0;
  if (by_tenure) {
    const auto profile = lm.separation_bands();
    double reach = 1.0;  // S(lo) of the band
    for (size_t i = 0; i < profile.factor.size(); ++i) {
      const double f = profile.factor[i];
      Band b{};
      b.lo = i == 0 ? 0 : profile.edge[i - 1];
      b.len = i < profile.edge.size() ? profile.edge[i] - b.lo : 0;
      b.hazard = std::min(1.0, f * lm.layoff_rate) + std::min(1.0, f * lm.quit_rate);
      if (b.len > 0) {
        b.survive = b.hazard >= 1 ? 0.0 : std::pow(1 - b.hazard, b.len);
        b.weight = b.hazard >= 1 ? reach : b.hazard <= 0 ? reach * b.len : reach * (1 - b.survive) / b.hazard;
      } else {
        b.weight = b.hazard <= 0 ? (reach > 0 ? HUGE_VAL : 0.0) : reach / std::min(1.0, b.hazard);
      }
      if (b.hazard > 0 && b.hazard < 1) b.law = Rng::GeometricParam(b.hazard);
      reach *= b.survive;
      total_weight += b.weight;
      bands.push_back(b);
    }
  }
  auto initial_tenure = [&](Rng& r, std::int32_t id) -> int {
    const int working = std::max(0, t0 - w.core[id].birth_month - 22 * 12);
    if (by_tenure) {
      const double u = r.uniform();
      size_t i = 0;
      double cum = 0;
      for (; i + 1 < bands.size(); ++i) {  // old jobs never ending: all the weight is on the last band
        cum += bands[i].weight;
        if (std::isfinite(total_weight) && u < cum / total_weight) break;
      }
      const Band& b = bands[i];
      std::int64_t k = b.lo;
      if (b.len > 0) {  // inverse of the geometric cut at the band's end
        if (b.hazard <= 0)
          k += r.index(b.len);
        else if (b.hazard < 1)
          k += static_cast<std::int64_t>(std::log1p(-r.uniform() * (1 - b.survive)) / std::log1p(-b.hazard));
        k = std::min<std::int64_t>(k, b.lo + b.len - 1);
      } else if (b.hazard <= 0) {
        k += working;
      } else if (b.hazard < 1) {
        k += r.geometric(b.law);
      }
      return static_cast<int>(std::min<std::int64_t>(k, working));
    }
    if (separation_hazard >= 1) return 0;
    if (separation_hazard <= 0) return working;
    return static_cast<int>(std::min<std::int64_t>(r.geometric(tenure_law), working));
  };
  // One person at id: age, retirement age, panel and AIQ draws; the retirement month, if
  // within the run, is returned for the calendar (-1 if none).
  auto make_person = [&](Rng& r, std::int32_t id, int occ, int region) {
    double ret_age = std::clamp(r.normal(dm.retirement_age_mean, dm.retirement_age_sd), 50.0, 79.0);
    const double age = initial_age(r.uniform(), ret_age);
    int age_m = static_cast<int>(age * 12);
    w.core[id].birth_month = static_cast<std::int16_t>(t0 - age_m);
    w.core[id].occ = static_cast<std::uint16_t>(occ);
    w.core[id].region = static_cast<std::uint8_t>(region);
    w.set_in_panel(id, r.sampled(sc_.output.panel_rate));
    // (drawn even when AIQ is off, so that switching it off moves no other draw)
    const bool ready = r.sampled(sc_.aiq.initial_share[cohort_of_age(static_cast<int>(age))]);
    w.set_aiq(id, sc_.aiq.enabled && ready);
    w.set_cause(id, Cause::none);
    w.clear_event_month(id);
    const int retire = w.core[id].birth_month + static_cast<int>(ret_age * 12);
    return dm.enabled && calendar_index(retire) < cal ? std::max(0, calendar_index(retire)) : -1;
  };
  struct Chunk {
    std::size_t first_cell = 0, last_cell = 0;
    std::int32_t first_id = 0;
    std::vector<std::pair<std::int32_t, std::int32_t>> retirements;  // (calendar index, id)
  };
  constexpr std::size_t kChunkCells = 2048;
  std::size_t next_cell = 0;
  std::int32_t next_id = 0;
  const auto tokens = static_cast<size_t>(4 * tbb::this_task_arena::max_concurrency());
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_pipeline(
        tokens, tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order,
                                               [&](tbb::flow_control& fc) -> Chunk* {
                                                 if (next_cell >= ncells) {
                                                   fc.stop();
                                                   return nullptr;
                                                 }
                                                 auto* ch = new Chunk;
                                                 ch->first_cell = next_cell;
                                                 ch->last_cell = std::min(ncells, next_cell + kChunkCells);
                                                 ch->first_id = next_id;
                                                 for (std::size_t ci = ch->first_cell; ci < ch->last_cell; ++ci)
                                                   next_id += c[ci].target + extra[ci].unemployed + extra[ci].inactive;
                                                 next_cell = ch->last_cell;
                                                 return ch;
                                               }) &
                    // The people of a chunk's cells: only their own columns and member lists.
                    tbb::make_filter<Chunk*, Chunk*>(
                        tbb::filter_mode::parallel,
                        [&](Chunk* ch) {
                          std::int32_t id = ch->first_id;
                          auto born = [&](Rng& r, int occ, int region) {
                            const int at = make_person(r, id, occ, region);
                            if (at >= 0) ch->retirements.emplace_back(at, id);
                            return id++;
                          };
                          for (std::size_t ci = ch->first_cell; ci < ch->last_cell; ++ci) {
                            Rng r = rng(ci, Purpose::init_people);
                            const int occ = c[ci].occ, region = c[ci].region;
                            const std::int32_t emp = c[ci].target;
                            // Member lists sized to their start with a little room, not
                            // left to double as they fill (they are most of the memory
                            // after the columns).
                            auto& mem = c[ci].members;
                            mem.reserve(static_cast<size_t>(emp + emp / 16 + 1));
                            Rng tenure = rng(ci, Purpose::init_tenure);  // its own stream: r is as before
                            for (std::int32_t k = 0; k < emp; ++k) {
                              const std::int32_t p = born(r, occ, region);
                              w.core[p].spell_start = static_cast<std::int16_t>(t0 - initial_tenure(tenure, p));
                              w.set_status(p, Status::employed);
                              w.core[p].cell = static_cast<std::int32_t>(ci);
                              w.core[p].slot = static_cast<std::int32_t>(mem.size());
                              mem.push_back(p);
                            }
                            for (std::int32_t k = 0; k < extra[ci].unemployed; ++k) {
                              const std::int32_t p = born(r, occ, region);
                              w.prev_wage[p] = c[ci].wage;
                              w.core[p].spell_start = static_cast<std::int16_t>(t0 - r.geometric(0.3));
                            }
                            for (std::int32_t k = 0; k < extra[ci].inactive; ++k) {
                              const std::int32_t p = born(r, occ, region);
                              w.prev_wage[p] = c[ci].wage;
                              w.core[p].spell_start = static_cast<std::int16_t>(t0);
                            }
                          }
                          return ch;
                        }) &
                    // Lists and counts shared between cells, in cell order.
                    tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order, [&](Chunk* ch) {
                      for (const auto& [at, id] : ch->retirements) retire_at[static_cast<size_t>(at)].push_back(id);
                      std::int32_t id = ch->first_id;
                      for (std::size_t ci = ch->first_cell; ci < ch->last_cell; ++ci) {
                        const int occ = c[ci].occ, region = c[ci].region;
                        const std::int32_t emp = c[ci].target;
                        market_employed[market(occ, region)] += emp;
                        if (emp > 0) cell_employment_changed(static_cast<std::int32_t>(ci), emp);
                        for (std::int32_t k = 0; k < emp; ++k, ++id) {
                          ++block_employed[static_cast<size_t>(id >> block_bits_)];
                          ++emp_by_birth[birth_index(id)];
                          ++emp_by_hire[hire_index(id)];
                          if (high_exposure(occ)) ++young_exposed_by_birth[birth_index(id)];
                          count_worker(id, +1);
                        }
                        for (std::int32_t k = 0; k < extra[ci].unemployed; ++k, ++id) {
                          count_worker(id, +1);
                          add_to_pool(id);
                        }
                        for (std::int32_t k = 0; k < extra[ci].inactive; ++k, ++id) add_to_inactive(id);
                        c[ci].target = emp + extra[ci].vacancies;
                        open_vacancies(static_cast<std::int32_t>(ci), extra[ci].vacancies);
                      }
                      delete ch;
                    }));
  });
  capability = sc_.ai.capability_start;
  perceived = capability;
  curve_from_ = sc_.ai.capability_start;
  set_applicant_weights();
}

// Employers' weight of an applicant by months unemployed (up to 24), AIQ and age 55+.
void Model::set_applicant_weights() {
  const auto& lm = sc_.labor_market;
  for (int d = 0; d <= 24; ++d)
    for (int q = 0; q < 2; ++q)
      for (int a = 0; a < 2; ++a)
        applicant_weights[static_cast<size_t>(d * 4 + q * 2 + a)] =
            std::exp(lm.employer_weight_duration * d + lm.employer_weight_aiq * q + lm.employer_weight_age55 * a);
}

// The scheduled change of this month, if any: its parameter sections replace the
// model's, before any mechanism runs. What was derived from them is derived again; a
// new hype premium (or decay) decays from this month; a new growth or ceiling bends the
// capability curve from where it is.
void Model::apply_schedule() {
  if (next_change_ >= sc_.schedule.size() || sc_.schedule[next_change_].month != month_) return;
  const ScheduledChange& change = sc_.schedule[next_change_++];
  if (change.ai.hype_premium != sc_.ai.hype_premium || change.ai.hype_decay_months != sc_.ai.hype_decay_months)
    hype_since_ = month_;
  if (change.ai.capability_growth != sc_.ai.capability_growth ||
      change.ai.capability_ceiling != sc_.ai.capability_ceiling) {
    curve_from_ = mech::capability_at(sc_.ai, month_, curve_since_, curve_from_);  // where the old curve is now
    curve_since_ = month_;
  }
  sc_.take_parameters(change);
  set_applicant_weights();
}

void Model::step() {
  using clock = std::chrono::steady_clock;
  auto t = clock::now();
  const auto start = t;
  int k = 0;
  auto charge = [&](int step) {  // the time since the last charge, to this step
    const auto now = clock::now();
    step_seconds[step] += std::chrono::duration<double>(now - t).count();
    t = now;
  };
  auto timed = [&](auto&& f) {
    f();
    charge(k++);
  };
  apply_schedule();
  if (month_ == 0 && sc_.simulation.burn_in_months > 0) {
    // Counted with AIQ's diffusion, not with the capability step that follows.
    constexpr int aiq = 7;
    static_assert(std::string_view(kStepNames[aiq]) == "aiq");
    mech::aiq_start(*this);
    charge(aiq);
  }
  timed([&] { mech::capability(*this); });
  timed([&] { mech::matching(*this); });
  timed([&] { mech::churn(*this); });
  timed([&] { mech::adoption(*this); });
  timed([&] { mech::consolidation(*this); });
  timed([&] { mech::retraining(*this); });
  timed([&] { mech::demography(*this); });
  timed([&] { mech::aiq_diffusion(*this); });
  timed([&] {
    record_stocks();
    follow_earnings(spells_, follow_from_);
    follow_earnings(comparisons_, follow_comparisons_from_);
    add_comparisons();
  });
  month_seconds.push_back(std::chrono::duration<double>(t - start).count());
  ++month_;
}

void Model::add_comparisons() {
  const double rate = sc_.output.comparison_rate;
  if (!recording() || month_ % 12 != 0 || sc_.output.panel_rate <= 0 || rate <= 0) return;
  // Panel workers are spread over all ids: each block gathers its own, in id order,
  // each employed one drawn at comparison_rate from the block's stream.
  std::vector<std::vector<Spell>> by_block(static_cast<size_t>(blocks()));
  for_each(blocks(), [&](int b) {
    const auto [lo, hi] = block_ids(b);
    Rng r = rng(static_cast<std::uint64_t>(b), Purpose::comparison);
    for (auto wid = static_cast<std::int32_t>(lo); wid < hi; ++wid) {
      if (!w.in_panel(wid) || w.status(wid) != Status::employed) continue;
      if (rate < 1 && !r.bernoulli(rate)) continue;
      const std::int32_t ci = w.core[wid].cell;
      Spell s;
      s.worker = wid;
      s.start_month = month_;
      s.firm = c[ci].firm;
      s.sector = c[ci].sector;
      s.occupation = c[ci].occ;
      s.region = c[ci].region;
      s.tenure = month_ - w.core[wid].spell_start;
      s.wage = earned_wage(ci, s.tenure);
      s.age = age_years(wid);
      s.birth_month = w.core[wid].birth_month;
      by_block[static_cast<size_t>(b)].push_back(s);
    }
  });
  for (const auto& list : by_block)
    for (const Spell& s : list) comparisons_.push_back(s);
}

// Records are appended in the order of their start months, so the ones still followed
// (begun in the last output.earnings_years years) are a suffix of the list, less those
// begun this month (followed from the next). Each record reads its worker and writes
// only itself, and there are no random draws: in parallel over ranges of records, the
// same for any number of threads.
void Model::follow_earnings(Records& list, std::size_t& from) {
  if (!recording()) return;
  const int years = list.years, months = 12 * years;
  while (from < list.size() && list[from].start_month + months < month_) ++from;
  const auto begun = std::partition_point(list.rows.begin() + static_cast<std::ptrdiff_t>(from), list.rows.end(),
                                          [&](const Spell& s) { return s.start_month < month_; });
  const auto end = static_cast<std::size_t>(begun - list.rows.begin());
  constexpr std::size_t kGrain = 1024;
  if (end - from < 2 * kGrain) return follow_records(list, from, end);
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(from, end, kGrain),
                      [&](const tbb::blocked_range<std::size_t>& r) { follow_records(list, r.begin(), r.end()); });
  });
}

void Model::follow_records(Records& list, std::size_t lo, std::size_t hi) {
  const int years = list.years;
  for (std::size_t i = lo; i < hi; ++i) {
    // The workers are scattered, and so are the cells of those employed: each fetched
    // ahead, the cell once its worker's record is in (only for records still followed).
    if (i + 16 < hi && list[i + 16].followed) prefetch(&w.core[list[i + 16].worker]);
    if (i + 8 < hi && list[i + 8].followed) {
      const std::int32_t ahead = w.core[list[i + 8].worker].cell;
      if (ahead >= 0) prefetch(&c[ahead].wage);
    }
    Spell& s = list[i];
    if (!s.followed) continue;
    const auto wid = static_cast<std::size_t>(s.worker);
    const int year = (month_ - s.start_month - 1) / 12;
    if (w.status(wid) == Status::retired || w.core[wid].birth_month != s.birth_month) {
      s.followed = false;  // retired (its id perhaps an entrant's already): no longer observed
      for (int y = year; y < years; ++y) list.earned(i, y) = kNaNf;
      continue;
    }
    if (w.status(wid) == Status::employed) {
      const std::int32_t ci = w.core[wid].cell;
      list.earned(i, year) += earned_wage(ci, month_ - w.core[wid].spell_start) / 12;
    }
  }
}

void Model::end_earnings(Records& list, std::size_t from) {
  const int last = sc_.simulation.months - 1;
  for (std::size_t i = from; i < list.size(); ++i)
    for (int y = 0; y < list.years; ++y)
      if (list[i].start_month + 12 * (y + 1) > last) list.earned(i, y) = kNaNf;
}

void Model::record_stocks() {
  const std::int64_t n_employed = employed_total(), n_unemployed = unemployed_total();
  if (!recording()) {
    prev_employed_ = n_employed;
    prev_unemployed_ = n_unemployed;
    return;
  }
  const int t = month_;
  auto put = [&](M m, double v, int g = 0) { series_.at(m, t, g) = v; };
  put(M::employed, static_cast<double>(n_employed));
  put(M::unemployed, static_cast<double>(n_unemployed));
  put(M::retraining, static_cast<double>(n_retraining));
  put(M::out_of_labor_force, static_cast<double>(n_inactive));
  const double lf = static_cast<double>(n_employed + n_unemployed);
  put(M::labor_force, lf);
  put(M::unemployment_rate, lf > 0 ? n_unemployed / lf : 0);
  put(M::vacancies, static_cast<double>(sum_markets(0, markets(), 1, [&](int mk) { return market_vacancies[mk]; })));

  // Ongoing unemployment spells (CPS definition): a worker separated this month has been
  // unemployed about half a month; within a month durations are taken as uniform, for
  // the mean, the median and the long-term share alike.
  // Durations counted market by market in parallel (whole months: any order of the
  // sums gives the same totals).
  // (Kept by each thread from month to month: see emptied() in model.hpp.)
  thread_local std::vector<std::vector<std::int64_t>> kept;
  auto& by_market = emptied(kept, pool.size());
  for_each_market([&](int mk) {
    const auto& p = pool[static_cast<size_t>(mk)];
    auto& h = by_market[static_cast<size_t>(mk)];
    for (const Searcher& s : p) {
      const auto d = static_cast<size_t>(std::max(0, t - s.spell_start));
      if (d >= h.size()) h.resize(d + 1, 0);
      ++h[d];
    }
  });
  std::vector<std::int64_t> hist;
  for (const auto& h : by_market) {
    if (h.size() > hist.size()) hist.resize(h.size(), 0);
    for (size_t d = 0; d < h.size(); ++d) hist[d] += h[d];
  }
  // Long-term: 27 weeks or more. A spell of d whole months lies uniformly in [d, d + 1)
  // months, and counts for its part at or above 27 weeks (until 2026-12-06 it counted
  // whole where its midpoint was: all of month 6, at 6.2 months, though a fifth of it
  // lies below).
  constexpr double kWeeksPerMonth = 4.345, kLongTermMonths = 27.0 / kWeeksPerMonth;
  std::int64_t total = 0, sum_whole = 0;
  double long_term = 0;
  for (size_t d = 0; d < hist.size(); ++d) {
    total += hist[d];
    sum_whole += hist[d] * static_cast<std::int64_t>(d);
    long_term += static_cast<double>(hist[d]) * std::clamp(static_cast<double>(d) + 1.0 - kLongTermMonths, 0.0, 1.0);
  }
  const double sum_months = static_cast<double>(sum_whole) + 0.5 * static_cast<double>(total);
  double median_months = 0;
  if (total > 0) {
    std::int64_t cum = 0;
    for (size_t d = 0; d < hist.size(); ++d) {
      if ((cum + hist[d]) * 2 >= total) {
        median_months = d + (0.5 * total - cum) / static_cast<double>(hist[d]);
        break;
      }
      cum += hist[d];
    }
  }
  put(M::median_unemployment_weeks, median_months * kWeeksPerMonth);
  put(M::mean_unemployment_weeks, total > 0 ? sum_months / total * kWeeksPerMonth : 0);
  put(M::long_term_unemployed_share, total > 0 ? long_term / static_cast<double>(total) : 0);
  const double active = static_cast<double>(n_employed + n_unemployed + n_retraining);
  put(M::aiq_share, active > 0 ? n_aiq_lf / active : 0);

  std::array<double, kCohorts> ce{}, cu{}, ca{}, cl{};
  double young_exposed = 0;
  for (size_t b = 0; b < emp_by_birth.size(); ++b) {
    if (!lf_by_birth[b] && !emp_by_birth[b] && !unemp_by_birth[b]) continue;
    const int birth = static_cast<int>(b) - sc_.simulation.burn_in_months - kMaxAgeMonths;
    const int age = (t - birth) / 12;
    const int k = cohort_of_age(age);
    ce[k] += emp_by_birth[b];
    cu[k] += unemp_by_birth[b];
    ca[k] += aiq_by_birth[b];
    cl[k] += lf_by_birth[b];
    if (k == 0) young_exposed += young_exposed_by_birth[b];
  }
  for (int k = 0; k < kCohorts; ++k) {
    put(M::cohort_employed, ce[k], k);
    put(M::cohort_unemployed, cu[k], k);
    put(M::cohort_aiq_share, cl[k] > 0 ? ca[k] / cl[k] : 0, k);
  }
  put(M::young_high_exposure_employed, young_exposed);

  // Tenure of the employed, from their counts by the month their tenure began (which add
  // up to n_employed): tenure k months is t - that month, taken as uniform within
  // [k, k + 1) for the median.
  const int now_index = t + sc_.simulation.burn_in_months + kMaxAgeMonths;
  const auto half = static_cast<double>(n_employed) / 2;
  double first_year = 0, median_tenure = 0, cum = 0;
  bool median_found = false;
  for (int h = now_index; h >= 0; --h) {
    const auto n = static_cast<double>(emp_by_hire[static_cast<size_t>(h)]);
    const int k = now_index - h;
    if (k < 12) first_year += n;
    if (!median_found && n > 0 && cum + n >= half) {
      median_tenure = k + (half - cum) / n;
      median_found = true;
    }
    cum += n;
  }
  put(M::first_year_tenure_share, n_employed > 0 ? first_year / static_cast<double>(n_employed) : 0);
  put(M::median_tenure_months, median_tenure);

  std::int64_t alive = 0;
  for (int s = 0; s < nsec_; ++s) {
    alive += sector_alive[s];
    const auto e = static_cast<double>(sector_emp[s]);
    put(M::sector_employed, e, s);
    put(M::sector_hhi, e > 0 ? static_cast<double>(sector_sumsq[s]) / (e * e) : 0, s);
    put(M::sector_firms_alive, static_cast<double>(sector_alive[s]), s);
    put(M::sector_firms_adopting, static_cast<double>(sector_adopting[s]), s);
  }
  put(M::firms_alive, static_cast<double>(alive));
  put(M::firms_mandate, static_cast<double>(stage_count[1]));
  put(M::firms_documentation, static_cast<double>(stage_count[2]));
  put(M::firms_assessment, static_cast<double>(stage_count[3]));
  put(M::firms_reduced, static_cast<double>(stage_count[4]));
  put(M::firms_realised, static_cast<double>(stage_count[5]));
  put(M::firms_adopting,
      static_cast<double>(std::accumulate(sector_adopting.begin(), sector_adopting.end(), std::int64_t{0})));
  put(M::firms_regretting,
      (t > 0 ? series_.at(M::firms_regretting, t - 1) : 0) + series_.at(M::new_regretting_firms, t));
  put(M::capability_real, capability);
  put(M::capability_perceived, perceived);
  for (int o = 0; o < nocc_; ++o) {
    put(M::occ_employed, static_cast<double>(occ_employed(o)), o);
    put(M::occ_unemployed, static_cast<double>(occ_unemployed(o)), o);
    put(M::occ_vacancies, static_cast<double>(occ_vacancies(o)), o);
  }
  for (int g = 0; g < nreg_; ++g) {
    put(M::region_employed, static_cast<double>(region_employed(g)), g);
    put(M::region_unemployed, static_cast<double>(region_unemployed(g)), g);
  }
  // Rates use the stocks at the end of the previous month.
  const double e0 = static_cast<double>(prev_employed_), u0 = static_cast<double>(prev_unemployed_);
  auto at = [&](M m) { return series_.at(m, t); };
  const double layoffs = at(M::layoffs_ordinary) + at(M::layoffs_ai) + at(M::layoffs_consolidation);
  put(M::e_to_u_rate, e0 > 0 ? (layoffs + at(M::quits_to_unemployment)) / e0 : 0);
  put(M::u_to_e_rate, u0 > 0 ? at(M::hires_from_unemployment) / u0 : 0);
  put(M::quit_rate, e0 > 0 ? at(M::quits) / e0 : 0);
  put(M::layoff_rate, e0 > 0 ? layoffs / e0 : 0);
  put(M::hire_rate, e0 > 0 ? at(M::hires) / e0 : 0);
  prev_employed_ = n_employed;
  prev_unemployed_ = n_unemployed;
}

bool Model::run(std::atomic<std::int64_t>* months_done, const std::atomic<bool>* stop) {
  while (month_ < sc_.simulation.months) {
    if (stop && stop->load(std::memory_order_relaxed)) return false;
    step();
    if (months_done) months_done->fetch_add(1, std::memory_order_relaxed);  // the burn-in's months too
  }
  end_earnings(spells_, follow_from_);
  end_earnings(comparisons_, follow_comparisons_from_);
  // Spells still open at the end are censored at the last month.
  month_ = sc_.simulation.months - 1;
  std::vector<std::int32_t> open;
  for (const auto& [wid, index] : open_spells_) open.push_back(wid);
  std::sort(open.begin(), open.end());
  for (std::int32_t wid : open) close_spell(wid, false);
  month_ = sc_.simulation.months;
  return true;
}

}  // namespace laborsim
