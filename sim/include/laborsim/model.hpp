// One replicate's state and its monthly step. State is data-oriented: workers and firms
// are columns indexed by id (the worker fields that every event touches grouped in one
// small record column, Workers::Core), firm x occupation x region "cells" one record
// each; mechanisms are plain functions over the Model (sim/src/mechanisms/), each
// switchable from the scenario. A month costs in proportion to events and active
// cells, not population.
#pragma once

#include "laborsim/metrics.hpp"
#include "laborsim/openings.hpp"
#include "laborsim/padded.hpp"
#include "laborsim/rng.hpp"
#include "laborsim/scenario.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace laborsim {

enum class Status : std::uint8_t { employed, unemployed, retraining, inactive, retired };
enum class Cause : std::uint8_t { none = 0, ordinary = 1, ai = 2, consolidation = 3 };
enum class Stage : std::uint8_t { none, mandate, documentation, assessment, reduced, realised };
// A firm that has announced AI adoption and not yet cut: its exposed staff are at risk.
inline bool announced_not_cut(Stage s) { return s >= Stage::mandate && s <= Stage::assessment; }
// A firm between adopting and realising: in the adoption pipeline, with a step ahead.
inline bool in_pipeline(Stage s) { return s >= Stage::mandate && s <= Stage::reduced; }

// Removes id from an unordered list in O(1): the last element takes its place, and
// pos(id) (the position of every id in the list, a reference) follows. For lists of
// records, id_of(element) is the id an element holds.
template <class T, class PositionOf, class IdOf>
void erase_indexed_by(std::vector<T>& list, PositionOf pos, std::int32_t id, IdOf id_of) {
  const T last = list.back();
  list[static_cast<std::size_t>(pos(id))] = last;
  pos(id_of(last)) = pos(id);
  list.pop_back();
  pos(id) = -1;
}
template <class PositionOf>
void erase_indexed_by(std::vector<std::int32_t>& list, PositionOf pos, std::int32_t id) {
  erase_indexed_by(list, pos, id, [](std::int32_t x) { return x; });
}
// The same with positions in a column indexed by id.
template <class Positions>
void erase_indexed(std::vector<std::int32_t>& list, Positions& pos, std::int32_t id) {
  erase_indexed_by(
      list, [&pos](std::int32_t i) -> auto& { return pos[i]; }, id);
}

// Lists by market that a step of the month empties and refills, kept by each
// thread (thread_local at the call site) rather than allocated anew every month: a small
// population's month fills a few of them for every market, and allocating them was a
// tenth of its run (docs/performance-history.md, forty-fourth round). A thread running a
// replicate's step runs no other replicate's meanwhile (Model::for_each isolates its
// tasks), and each call site keeps its own. Returns `lists`, n of them, each empty: a
// lambda run by the tasks must use that reference, which it captures, and not name the
// thread_local, which on another thread is that thread's own.
template <class Lists>
Lists& emptied(Lists& lists, std::size_t n) {
  lists.resize(n);
  for (auto& list : lists) list.clear();
  return lists;
}

// Asks for the cache line holding *p ahead of its use: a hint, never a change of state.
template <class T>
inline void prefetch(const T* p) {
  __builtin_prefetch(p, 1, 1);
}

// A worker's wage is its cell's posted wage while employed (Cells::wage); the rarer
// attributes live off the columns: the open spell of a panel worker in
// Model::open_spells_, a retraining target in its completion calendar entry.
struct Workers {
  // What every hire and separation reads or writes, as one 16-byte record per worker:
  // one cache line per event instead of one per field. Once the state outgrows the
  // caches each line is a miss, and these were six (docs/performance-history.md, fourth round).
  // The fields read less often stay columns of their own below.
  struct alignas(16) Core {
    // Where the worker is held: its employer cell while employed (else negative: -1, or
    // for a worker retrained since its last hire, enter_retraining's code) and its
    // position in the list holding it (the cell's members, its market's pool or the
    // inactive list).
    std::int32_t cell = -1;
    std::int32_t slot = -1;
    std::uint16_t occ = 0;
    std::int16_t birth_month = 0;  // month index of birth (age is derived)
    // Month the current spell began: the hire (or, at the start, the drawn tenure) while
    // employed, the separation or entry while not.
    std::int16_t spell_start = 0;
    std::uint8_t region = 0;
    // Status (3 bits), cause of the last displacement (2 bits), AIQ (1 bit), panel
    // membership (1 bit) and whether event_month is set (1 bit, so that a hire reads
    // that column only for the retrained): status(), set_status() and the like below.
    std::uint8_t flags = static_cast<std::uint8_t>(Status::retired);
    bool operator==(const Core&) const = default;
  };
  std::vector<Core> core;
  std::vector<float> prev_wage;  // wage before the last displacement (read when rehired)
  // The month the worker entered retraining, until rehired; else kNoMonth. (Months of the
  // burn-in are negative, so no month can mark "none": -1 once did, and trainees who
  // entered in the burn-in went uncounted when rehired after it.) A trainee who leaves
  // the labour force after its programme has kLeftOffset added: months run within
  // [-kMaxBurnIn, kMaxMonths), so the two ranges cannot meet and a flag costs no byte.
  // Read it through programme_month() and left_labor_force_since_programme().
  static constexpr std::int16_t kNoMonth = std::numeric_limits<std::int16_t>::min();
  static constexpr int kMaxBurnIn = SimulationParams::kMaxBurnIn, kMaxMonths = SimulationParams::kMaxMonths;
  static constexpr int kLeftOffset = 16384;
  static_assert(kMaxMonths <= kLeftOffset - kMaxBurnIn &&
                kLeftOffset + kMaxMonths <= std::numeric_limits<std::int16_t>::max() + 1);
  std::vector<std::int16_t> event_month;

  Status status(std::size_t i) const { return static_cast<Status>(core[i].flags & 7u); }
  Cause cause(std::size_t i) const { return static_cast<Cause>((core[i].flags >> 3) & 3u); }
  std::uint8_t aiq(std::size_t i) const { return (core[i].flags >> 5) & 1u; }
  bool in_panel(std::size_t i) const { return (core[i].flags >> 6) & 1u; }
  bool retrained(std::size_t i) const { return (core[i].flags >> 7) & 1u; }  // event_month[i] != kNoMonth
  void set_status(std::size_t i, Status s) { put(i, 0, 7u, static_cast<unsigned>(s)); }
  void set_cause(std::size_t i, Cause c) { put(i, 3, 3u, static_cast<unsigned>(c)); }
  void set_aiq(std::size_t i, bool a) { put(i, 5, 1u, a ? 1u : 0u); }
  void set_in_panel(std::size_t i, bool p) { put(i, 6, 1u, p ? 1u : 0u); }
  // Sets event_month[i] and its flag together, or clears both.
  void set_event_month(std::size_t i, int month) {
    event_month[i] = static_cast<std::int16_t>(month);
    put(i, 7, 1u, month != kNoMonth ? 1u : 0u);
  }
  void clear_event_month(std::size_t i) { set_event_month(i, kNoMonth); }
  // For a worker retrained since its last hire (retrained(i)): the month its last
  // programme began, and whether it has left the labour force since.
  int programme_month(std::size_t i) const {
    return event_month[i] >= kLeftOffset - kMaxBurnIn ? event_month[i] - kLeftOffset : event_month[i];
  }
  bool left_labor_force_since_programme(std::size_t i) const { return event_month[i] >= kLeftOffset - kMaxBurnIn; }
  void note_left_labor_force(std::size_t i) {
    if (retrained(i) && !left_labor_force_since_programme(i))
      event_month[i] = static_cast<std::int16_t>(event_month[i] + kLeftOffset);
  }
  // A programme begins this month for worker i (not employed): its month, and, if it is
  // the first since the worker's last hire, the occupation left for it, which a rehire
  // compares with the new job's (rehires_other_occupation: another occupation than the
  // one displaced from?). That occupation is kept in the record's `cell`, unused while
  // the worker has no job, as -2 - occupation (below -1, so still no cell): a column of
  // its own cost 2 bytes a worker, 0.3-0.4 GiB of us_full's 8.
  void enter_retraining(std::size_t i, int month) {
    if (!retrained(i)) core[i].cell = -2 - static_cast<std::int32_t>(core[i].occ);
    set_event_month(i, month);
  }
  // The occupation a worker retrained since its last hire left for its first programme.
  int trained_from(std::size_t i) const { return -2 - core[i].cell; }

  // f(column, value of a new worker) for every column: one list for resize, reserve and
  // the byte count.
  template <class F>
  void columns(F&& f) {
    f(core, Core{}), f(prev_wage, 0.0f), f(event_month, kNoMonth);
  }
  std::size_t size() const { return core.size(); }
  // Takes worker i out of the list that holds it; the list's last worker takes its place.
  // For lists of records, id_of(element) is the worker it holds.
  template <class T, class IdOf>
  void remove_from(std::vector<T>& list, std::int32_t i, IdOf id_of) {
    erase_indexed_by(
        list, [this](std::int32_t k) -> auto& { return core[static_cast<std::size_t>(k)].slot; }, i, id_of);
  }
  void remove_from(std::vector<std::int32_t>& list, std::int32_t i) {
    remove_from(list, i, [](std::int32_t x) { return x; });
  }
  void resize(std::size_t n) {
    columns([n](auto& col, auto init) {
      col.resize(n, static_cast<typename std::decay_t<decltype(col)>::value_type>(init));
    });
  }
  void reserve(std::size_t n) {
    columns([n](auto& col, auto) { col.reserve(n); });
  }
  // Bytes of state per worker in these columns (for the memory estimate and the bench).
  static std::size_t bytes_per_worker() {
    std::size_t b = 0;
    Workers{}.columns([&b](auto& col, auto) { b += sizeof(typename std::decay_t<decltype(col)>::value_type); });
    return b;
  }

 private:
  void put(std::size_t i, unsigned shift, unsigned mask, unsigned value) {
    auto& flags = core[i].flags;
    flags = static_cast<std::uint8_t>((flags & ~(mask << shift)) | ((value & mask) << shift));
  }
};
static_assert(sizeof(Workers::Core) == 16);

// A firm's jobs in one occupation and region. Unlike workers and firms, a cell is one
// record: a hire or a separation reads and writes most of these fields together, so
// one or two cache lines per event rather than one per field.
struct Cell {
  std::vector<std::int32_t> members;  // employed worker ids
  std::int32_t firm = -1;
  std::int32_t vacancies = 0, target = 0, reopened = 0;
  std::int32_t vslot = -1;  // position in the market's vacant-cell list
  float wage = 0;           // posted wage
  std::uint16_t occ = 0;
  std::uint16_t sector = 0;  // the firm's (kept here: one cache line less per event)
  std::uint8_t region = 0;
  std::uint8_t gap_listed = 0;  // in Model::gap_cells
};
using Cells = std::vector<Cell>;

struct Firms {
  std::vector<std::uint16_t> sector;
  std::vector<std::uint8_t> region;
  std::vector<std::uint8_t> alive, vc;
  std::vector<Stage> stage;
  std::vector<std::int16_t> stage_month;
  std::vector<float> premium;   // firm wage premium (multiplier)
  std::vector<float> believed;  // perceived capability when it cut
  std::vector<float> transfer;  // capability transfer from documentation
  std::vector<std::uint8_t> regret;
  std::vector<std::int32_t> employment, initial_size;
  std::vector<std::vector<std::int32_t>> cells;
  std::size_t size() const { return sector.size(); }
};

struct AICut {
  std::uint16_t occ;
  std::int32_t count;
  float wage;
};

// An age at the start for a person who will retire at retirement_age (years), from a
// uniform u in [0, 1): the steady state of graduates entering at 22-25 (docs/model.md,
// "Initial state").
double initial_age(double u, double retirement_age);

class Model {
 public:
  // Where a random stream is: no two draws of a run may share one (see rng()).
  struct StreamAddress {
    int month;
    std::uint64_t entity;
    Purpose purpose;
    auto operator<=>(const StreamAddress&) const = default;
  };
  // stream_log, for tests: every stream address the run asks for, from the initial state on.
  Model(const Scenario& scenario, std::uint64_t replicate, std::vector<StreamAddress>* stream_log = nullptr);

  // Advances one month and records it (months before 0 are burn-in, not recorded).
  void step();
  // Burn-in, then every recorded month; counts the months done (burn-in included) if given.
  // Stops early (returns false) once *stop becomes true.
  bool run(std::atomic<std::int64_t>* months_done = nullptr, const std::atomic<bool>* stop = nullptr);
  // Other replicates running beside this one, on the same threads: while they keep every
  // thread busy, its month runs in sequence (see for_each). How the month is split
  // between threads never changes its results.
  void share_threads_with(const std::atomic<int>* unfinished_replicates) {
    unfinished_replicates_ = unfinished_replicates;
  }
  // The population from which for_each runs in parallel (tests set 0: the parallel pass
  // on a population small enough to test).
  void parallel_from(std::size_t workers) { parallel_min_workers_ = workers; }

  const Scenario& scenario() const { return sc_; }
  const Series& series() const { return series_; }
  Series& series() { return series_; }
  Records& spells() { return spells_; }
  // The comparison group for the displaced's earnings: panel workers employed at the end
  // of recorded months 0, 12, 24, ... (so not displaced in it), each drawn at
  // output.comparison_rate, one record each, with its job then (firm, occupation,
  // sector, region, wage with the tenure premium, tenure) and its earnings over the
  // output.earnings_years years after, followed as a spell's are.
  Records& comparisons() { return comparisons_; }
  // Events of the firm panel (output.firm_panel_rate), in the order they happened.
  std::vector<FirmEvent>& firm_events() { return firm_events_; }
  // Whether firm fid is in the firm panel: a systematic sample, every (1/rate)-th id.
  bool in_firm_panel(std::int32_t fid) const;
  // Records an event of a firm of the panel (in recorded months; sequential steps only).
  void note_firm_event(FirmEventKind kind, std::int32_t fid, FirmEvent e);
  int month() const { return month_; }

  // Wall time spent in each step of the month, summed over months (for profiling).
  static constexpr int kSteps = 9;
  static constexpr std::array<const char*, kSteps> kStepNames = {
      "capability", "matching", "churn", "adoption", "consolidation", "retraining", "demography", "aiq", "record"};
  std::array<double, kSteps> step_seconds{};
  // Wall time of each month stepped, burn-in first (for profiling).
  std::vector<double> month_seconds;

  // --- state, public for mechanisms and tests -------------------------------------
  // The model's own copy: its parameter sections change as the scenario's [[schedule]]
  // says, at the start of each scheduled month (apply_schedule).
  Scenario sc_;
  std::size_t next_change_ = 0;  // the first change of sc_.schedule not applied yet
  int hype_since_ = 0;           // the month from which the hype premium decays
  int curve_since_ = 0;          // the capability curve passes through (curve_since_, curve_from_)
  double curve_from_ = 0;        // (capability_start at month 0 until a change bends the curve)
  std::uint64_t seed_, replicate_;
  int month_;  // the month being simulated (negative during burn-in)
  int nocc_, nreg_, nsec_;
  Workers w;
  Cells c;
  Firms f;
  // By (occupation, region) market: every cell, employed and unemployed worker belongs to
  // exactly one, which is what lets mechanisms run markets in parallel (for_each_market).
  // Written by one thread per market in parallel passes: each on lines of its own.
  PaddedVector<std::int64_t> market_employed;
  // Unemployed workers, each with what the monthly scans of the unemployed read
  // (employers' weights, retraining eligibility, spell durations): those scans stream
  // through the pools instead of reading a scattered record per worker. The copies
  // are set as a worker joins (spell start and birth month do not change while
  // unemployed; AIQ gained meanwhile is copied by Model::set_aiq).
  struct Searcher {
    std::int32_t worker;
    std::int16_t spell_start, birth_month;
    std::uint8_t aiq;
  };
  PaddedVector<std::vector<Searcher>> pool;
  // Cells with vacancies, each with its openings, firm and wage (Cell::vslot: its place).
  PaddedVector<std::vector<VacantCell>> vacant_cells;
  PaddedVector<std::vector<std::int32_t>> gap_cells;     // cells whose e + v may differ from target
  PaddedVector<std::int64_t> market_vacancies;
  // Employed workers by block of 2^block_bits_ worker ids: churn draws its events block by
  // block, uniformly among a block's ids (most are employed), with no list of the employed.
  // The block size follows the population (1024 to 65536 ids, ~64+ blocks to share out),
  // never the thread count.
  int block_bits_ = 16;
  std::vector<std::int64_t> block_employed;
  int blocks() const { return static_cast<int>(block_employed.size()); }
  // The worker ids of block b: [first, second).
  std::pair<std::int64_t, std::int64_t> block_ids(int b) const {
    const std::int64_t lo = std::int64_t{b} << block_bits_;
    return {lo, std::min(static_cast<std::int64_t>(w.size()), lo + (std::int64_t{1} << block_bits_))};
  }
  std::vector<std::int32_t> inactive;                // out of the labour force
  std::vector<std::int32_t> free_slots;              // retired worker ids for reuse
  std::vector<std::vector<std::int32_t>> retire_at;  // by month index from the start
  // A trainee's completion, due duration months after it entered. A trainee who retires
  // before then frees the id, which a graduate may take and enter training with: the
  // entry month tells that graduate's own completion from the retiree's.
  struct RetrainingEnd {
    std::int32_t worker;
    std::uint16_t target;  // the occupation trained for
    std::int16_t entered;  // the month the programme began (the worker's event_month then)
    double success;        // the programme's chance of success, fixed when it began
  };
  std::vector<std::vector<RetrainingEnd>> retrain_done_at;
  std::vector<std::vector<std::int32_t>> runway_end_at;
  std::vector<std::vector<std::int32_t>> nonadopters;  // by sector x size class
  std::vector<std::int32_t> nonadopter_slot;
  std::vector<double> adoption_factor;  // by sector x size class: larger firms earlier
  // Firms in mandate..reduced, in the order they adopted, each with the month of its next
  // step: a month reads the firm columns of the firms that have one, not of every firm.
  struct PipelineFirm {
    std::int32_t firm, due;
  };
  std::vector<PipelineFirm> pipeline;
  std::unordered_map<std::int32_t, std::vector<AICut>> cuts;  // by firm, for the firms that cut
  std::vector<std::vector<std::int32_t>> sector_firms;
  std::vector<std::int64_t> sector_sumsq, sector_emp;  // sum of squared firm sizes (HHI), employment
  std::vector<std::int64_t> stage_count, sector_adopting, sector_alive;
  std::vector<std::int64_t> emp_by_birth, unemp_by_birth, aiq_by_birth, lf_by_birth, young_exposed_by_birth;
  std::vector<std::int64_t> emp_by_hire;  // the employed by the month their tenure began (hire_index)
  std::int64_t n_retraining = 0, n_inactive = 0, n_aiq_lf = 0;
  double capability = 0, perceived = 0;
  // Employer weights by months unemployed (0-24) x AIQ x aged 55+, index d*4 + aiq*2 + old:
  // exp(weights) computed once rather than per applicant and month.
  std::array<double, 100> applicant_weights{};  // set_applicant_weights()
  void set_applicant_weights();
  void apply_schedule();
  Records spells_;
  std::unordered_map<std::int32_t, std::int32_t> open_spells_;  // panel worker -> its open spell in spells_
  Records comparisons_;
  std::vector<FirmEvent> firm_events_;
  std::size_t follow_from_ = 0, follow_comparisons_from_ = 0;  // those before began over earnings_years years ago
  Series series_;

  // --- stocks, summed over the markets' counts and lists ----------------------------
  std::int64_t employed_total() const;
  std::int64_t unemployed_total() const;
  std::int64_t occ_employed(int occ) const;
  std::int64_t occ_unemployed(int occ) const;
  std::int64_t occ_vacancies(int occ) const;
  std::int64_t region_employed(int region) const;
  std::int64_t region_unemployed(int region) const;
  std::int32_t random_employed(Rng& r) const;  // uniform among the employed (rejection over ids); -1 if none

  // --- helpers used by mechanisms ---------------------------------------------------
  // The stream of one entity (market, cell, firm, worker, block...) for one purpose this
  // month. No two draws of a month may share an address, or their numbers would be the
  // same: a test records every address a run asks for (the constructor's stream_log)
  // and checks that.
  Rng rng(std::uint64_t entity, Purpose p) const {
    if (stream_log_) log_stream(entity, p);
    return Rng(seed_, replicate_, month_, entity, p);
  }
  std::vector<StreamAddress>* stream_log_ = nullptr;
  mutable std::mutex stream_log_mutex_;  // streams are asked for inside parallel loops
  void log_stream(std::uint64_t entity, Purpose p) const;
  int market(int occ, int region) const { return occ * nreg_ + region; }
  int markets() const { return nocc_ * nreg_; }
  int cell_market(std::int32_t cell) const { return market(c[cell].occ, c[cell].region); }
  int age_years(std::int32_t wid) const { return (month_ - w.core[wid].birth_month) / 12; }
  // What an employee of cell ci earns after tenure_months at the employer: the posted
  // wage x (1 + tenure_wage_growth x years, capped at tenure_wage_max_years). Defined
  // here: on every separation's path, where whether the compiler inlines it from
  // model.cpp changed with unrelated code there (+0.2% instructions when it did not).
  float earned_wage(std::int32_t ci, int tenure_months) const {
    const auto& lm = sc_.labor_market;
    if (lm.tenure_wage_growth <= 0) return c[ci].wage;
    const double years = std::min(std::max(0, tenure_months) / 12.0, lm.tenure_wage_max_years);
    return static_cast<float>(c[ci].wage * (1.0 + lm.tenure_wage_growth * years));
  }
  int birth_index(std::int32_t wid) const;  // index into the *_by_birth arrays
  int hire_index(std::int32_t wid) const;   // index of an employee's tenure start into emp_by_hire
  bool recording() const { return month_ >= 0; }
  // Adds to this month's value of an aggregate / grouped flow (nothing during burn-in).
  // Safe inside for_each_market: flows are counts, so their sums do not depend on order.
  void add(M m, double d = 1) { add_to(m, 0, d); }
  void add_to(M m, int group, double d = 1) {
    if (month_ < 0) return;
    if (concurrent_)
      running_tally_->flows[flow_offset_[static_cast<std::size_t>(m)] + static_cast<std::size_t>(group)] += d;
    else
      series_.at(m, month_, group) += d;
  }
  // Runs fn(market) for every market, in parallel when threads are free (in sequence
  // when other replicates keep them busy, or below kParallelMinWorkers). fn may change
  // only its own market's cells, lists and workers; firm sizes, flows, cohort counts
  // and spells it changes through the helpers below, which are safe there and give the
  // same state whatever the order markets ran in (counts are sums; new spells are put
  // in worker order after the markets finish).
  // In parallel the largest markets (by employed and unemployed) start first, the rest
  // taken one by one as threads finish: a large market left to run alone at the end
  // kept one core idle (the order changes no result).
  void for_each_market(const std::function<void(int)>& fn);
  // The same for fn(0) .. fn(n - 1) over any other partition of the state (blocks of ids).
  // work (optional): work(i) is how much fn(i) has to do, for the order above; asked
  // only when the calls run in parallel.
  using Work = std::function<std::int64_t(int)>;
  void for_each(int n, const std::function<void(int)>& fn, const Work& work = {});
  // Below this many workers for_each runs in sequence (docs/performance-history.md,
  // twenty-sixth round).
  static constexpr std::size_t kParallelMinWorkers = 100000;
  int calendar_index(int month) const { return month + sc_.simulation.burn_in_months; }
  int calendar_months() const { return sc_.simulation.burn_in_months + sc_.simulation.months; }
  bool high_exposure(int occ) const { return sc_.occupations[occ].ai_exposure >= 0.5; }

  // Prefetch what a separation or hire touches (event loops run a few events ahead).
  void prefetch_worker(std::int32_t wid) const { prefetch(&w.core[wid]); }
  // What a hire reads beyond the worker's core record, known once that has arrived:
  // the wage before displacement of the displaced, the retraining month of the retrained.
  void prefetch_hire_rest(std::int32_t wid) const;
  void prefetch_cell(std::int32_t cell) const;       // the cell's own record
  void prefetch_cell_tail(std::int32_t cell) const;  // its last member, its firm
  // The same for a worker's employer cell and the worker's own place in its member list
  // (a line of its own in a large cell); the worker's record and cell fetched before.
  void prefetch_leaver(std::int32_t wid) const;
  // A removal from a pool or the inactive list moves the list's last worker into the
  // vacated place, a write to its record: loops of removals fetch the worker that will
  // be last four removals on, (almost always) the one four from the end now.
  void prefetch_coming_last(const std::vector<Searcher>& list) const {
    if (list.size() > 4) prefetch(&w.core[list[list.size() - 5].worker]);
  }
  void prefetch_coming_last(const std::vector<std::int32_t>& list) const {
    if (list.size() > 4) prefetch(&w.core[list[list.size() - 5]]);
  }

  // The firm's cell for (occ, region); with create, made if missing, which may move
  // every cell: references into c taken before are then invalid.
  std::int32_t cell_of(std::int32_t firm, int occ, int region, bool create);
  void reserve_cells(std::size_t n);  // room for n cells (moves every cell if it grows)
  float posted_wage(std::int32_t firm, int occ, int region) const;
  void open_vacancies(std::int32_t cell, std::int32_t n);
  void close_vacancies(std::int32_t cell, std::int32_t n);
  // Market mk's openings, to be drawn one at a time in proportion to each cell's: the
  // running thread's one Openings, assigned anew (its buffers reused from call to call,
  // Openings::assign), so valid until this thread calls again.
  Openings& openings(int mk) const;
  void add_to_pool(std::int32_t wid);
  void add_to_pool(std::int32_t wid, int market);  // the worker's market, known by the caller
  void remove_from_pool(std::int32_t wid);
  void add_to_inactive(std::int32_t wid);
  // Lists wid as inactive at place `at` of the inactive list, made room for by the caller
  // (labour-force exits write their places market by market in parallel).
  void set_inactive_at(std::int32_t wid, std::size_t at);
  void remove_from_inactive(std::int32_t wid);
  // Worker leaves its job: to unemployment (cause != none for displacements) or the
  // given status; Status::employed for a job-to-job move, which the caller completes
  // with hire() in the same step (the worker is on no list, with no cell, until then).
  // Opens a replacement vacancy when the firm is below its target.
  void separate(std::int32_t wid, Cause cause, Status to, bool replace);
  // Unemployed (or job-to-job) worker takes a vacancy in cell; std::logic_error if the
  // cell has none open.
  void hire(std::int32_t wid, std::int32_t cell);
  // Moves an employed worker to another cell without a separation (acquisitions).
  void transfer(std::int32_t wid, std::int32_t cell);
  void set_aiq(std::int32_t wid, bool aiq = true);             // the flag, its pool copy and the counts
  void count_worker(std::int32_t wid, int sign);               // in/out of the labour-force stocks
  void cell_employment_changed(std::int32_t cell, int delta);  // its firm's size and sector sums
  void note_gap(std::int32_t cell);  // list the cell for the demand-gap adjustment if e + v != target
  void set_stage(std::int32_t firm, Stage s);
  void close_spell(std::int32_t wid, bool reemployed);
  std::int32_t new_worker_slot();
  // A new firm, alive, not adopting, with no cells yet (at start-up and for entrants).
  std::int32_t add_firm(int sector, int region, bool vc, float premium, std::int32_t initial_size);
  void kill_firm(std::int32_t firm);
  static constexpr int kSizeClasses = 32;
  static int size_class(std::int32_t size);

 private:
  void init();
  void make_firms(double employed_target);
  void record_stocks();
  void add_comparisons();  // this month's comparison group, in months 0, 12, 24, ...
  // This month's earnings of the records in list from `from` on (begun in the last
  // output.earnings_years years); at the end of the run (end_earnings), years not wholly
  // observed are NaN.
  void follow_earnings(Records& list, std::size_t& from);
  void follow_records(Records& list, std::size_t lo, std::size_t hi);  // records [lo, hi) this month
  void end_earnings(Records& list, std::size_t from);
  // Counts changed while markets run in parallel go to the running thread's tally and
  // are added to the model's after them: no shared cache line is written per event.
  // Aligned: one thread's n_aiq_lf never shares a line with the next tally's headers,
  // which its thread reads at every count.
  struct alignas(kFalseSharingSpan) Tally {
    std::vector<double> flows;  // this month's flows, metric by metric (flow_offset_)
    std::vector<std::int64_t> sector_sumsq, sector_emp, emp_by_birth, unemp_by_birth, young_exposed_by_birth;
    std::vector<std::int64_t> block_employed, aiq_by_birth, lf_by_birth, emp_by_hire;
    std::int64_t n_aiq_lf = 0;
  };
  // The running thread's tally while for_each runs (set as each of its tasks starts:
  // cheaper than asking TBB for the thread's index at every count).
  inline static thread_local Tally* running_tally_ = nullptr;
  // f(counts) on the model's counts, or on this thread's tally while markets run in
  // parallel (Tally names its counts as the model does).
  template <class F>
  void count(F&& f) {
    if (concurrent_)
      f(*running_tally_);
    else
      f(*this);
  }
  void open_spell(std::int32_t wid, const Spell& s);
  void for_each_in_parallel(int n, const std::function<void(int)>& fn, const Work& work);
  bool concurrent_ = false;    // for_each's calls run in parallel, counting into tallies
  bool defer_spells_ = false;  // inside for_each: new spells wait in pending_spells_
  const std::atomic<int>* unfinished_replicates_ = nullptr;
  std::size_t parallel_min_workers_ = kParallelMinWorkers;
  std::mutex spell_mutex_;
  std::vector<Spell> pending_spells_;  // opened while markets ran in parallel
  std::vector<Tally> tallies_;         // by thread index in the arena
  std::vector<std::size_t> flow_offset_;
  std::int64_t prev_employed_ = 0, prev_unemployed_ = 0;
};

// Mechanisms, one per concern (sim/src/mechanisms/*.cpp), called in this order.
namespace mech {
void capability(Model& m);     // real and perceived AI capability
void demography(Model& m);     // retirements, graduates, labour-force exits and reentries
void aiq_diffusion(Model& m);  // AI readiness spreads by age cohort
void aiq_start(Model& m);      // after a burn-in: AI readiness as the scenario gives it at month 0
void adoption(Model& m);       // Bass diffusion, pipeline, AI cuts, reinstatement, regret
void consolidation(Model& m);  // VC runway, acquisitions and failures
void retraining(Model& m);     // entries and completions
void matching(Model& m);       // unemployed meet vacancies (cobb_douglas or network)
void churn(Model& m);          // quits, ordinary layoffs, demand-gap adjustment

// Real capability at month t on the logistic curve of `a` through (curve_since, curve_from).
double capability_at(const AIParams& a, double t, int curve_since, double curve_from);
}  // namespace mech

}  // namespace laborsim
