// How fast could a cell-ordered engine go on this machine? A measurement of the design
// that docs/performance.md says the speed targets need, not the engine: the smallest
// month such an engine must do, timed on 1 and 2 threads.
//
//   laborsim-cell-order THREADS WORKERS [MONTHS=48] [SEPARATION_RATE=0.03]
//
// The state: workers stored cell by cell (a firm's jobs in one market), 8 bytes each
// (an id, the birth month and the month the spell began), every cell's run in one
// array with room to grow; cells of a Zipf size (P(size > s) ~ s^-1.06, 3 to 1e6, as
// us_full's firms), spread over 36 markets (the baseline's 18 occupations x 2 regions).
// A month:
// 1. cells in memory order, in chunks of 2048 cells on the threads: last month's hires
//    into each cell appended to its run, then each worker separated with probability
//    SEPARATION_RATE (the positions drawn by geometric skips, one draw per leaver,
//    never per worker; each leaver replaced by the run's last worker, the highest
//    position first, so only the leavers' and the runs' last lines are touched); each
//    leaver's job becomes an opening of its cell;
// 2. markets on the threads: the leavers join their market's unemployed in chunk order;
//    hires = min(u, v, 0.5 sqrt(u v)), each a uniform unemployed into a uniform
//    opening (its cell thereby in proportion to its openings), both swap-removed, sorted
//    into the chunks that take them in step 1 of the next month.
// No other mechanism, no flows, spells or counts by cohort: whatever a real engine does
// beyond this comes on top, so this is a ceiling for the layout. Every stream of random
// numbers is the engine's (laborsim::Rng, Philox) and addressed by (month, chunk) or
// (month, market): the results are the same on any number of threads, and the program
// checks that the workers are conserved (in a cell or unemployed, each once), that no
// cell's run is beyond its room, and that 1 and 2 threads end in the same state. Used by bench/run.sh; prints one line:
//   worker-months/s on 1 thread, on THREADS threads, moves per worker-month
#include "laborsim/memory.hpp"
#include "laborsim/rng.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

namespace {

using laborsim::Purpose;
using laborsim::Rng;

constexpr int kMarkets = 36;
constexpr std::size_t kChunkCells = 2048;
constexpr std::uint64_t kSeed = 20261207;

struct Rec {  // a worker
  std::uint32_t id;
  std::int16_t birth_month, spell_start;
};
static_assert(sizeof(Rec) == 8);

// A cell's run never outgrows its room: each opening is a leaver's job, so its workers,
// openings and hires waiting always add up to its size at the start (<= cap).
struct Cell {
  std::int64_t begin;  // its run: recs[begin, begin + count), room up to begin + cap
  std::int32_t count, cap;
  std::int32_t market;
};

struct Hire {
  std::int32_t cell;
  Rec worker;
};

// items reordered by bucket(item) in [0, buckets), keeping their order within a bucket
// (a counting sort), into out; start[b] .. start[b + 1] are bucket b's.
template <class T, class Bucket>
void sort_into_buckets(const std::vector<T>& items, std::size_t buckets, Bucket bucket, std::vector<T>& out,
                       std::vector<std::size_t>& start) {
  start.assign(buckets + 1, 0);
  for (const T& x : items) ++start[bucket(x) + 1];
  for (std::size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  out.resize(items.size());
  thread_local std::vector<std::size_t> next;
  next.assign(start.begin(), start.end() - 1);
  for (const T& x : items) out[next[bucket(x)]++] = x;
}

class World {
 public:
  World(std::int64_t workers, double separation_rate) : rate_(separation_rate) {
    Rng r(kSeed, 0, -1, 0, Purpose::init_firms);
    std::int64_t placed = 0;
    while (placed < workers) {  // Zipf sizes: P(size > s) = (s / 3)^-1.06, inverted
      const double u = 1.0 - r.uniform();
      auto size = static_cast<std::int64_t>(std::min(1e6, std::floor(3.0 * std::pow(u, -1.0 / 1.06))));
      size = std::min(size, workers - placed);
      const auto cap = static_cast<std::int32_t>(size + size / 4 + 4);
      cells_.push_back({0, static_cast<std::int32_t>(size), cap, static_cast<std::int32_t>(r.index(kMarkets))});
      placed += size;
    }
    std::int64_t room = 0;
    for (Cell& c : cells_) c.begin = room, room += c.cap;
    recs_.reserve(static_cast<std::size_t>(room));
    laborsim::prefer_huge_pages(recs_);
    recs_.resize(static_cast<std::size_t>(room));
    std::uint32_t id = 0;
    for (const Cell& c : cells_)
      for (std::int32_t k = 0; k < c.count; ++k, ++id)
        recs_[static_cast<std::size_t>(c.begin + k)] = {id, static_cast<std::int16_t>(-12 * (22 + id % 40)), 0};
    chunks_ = (cells_.size() + kChunkCells - 1) / kChunkCells;
    leavers_.resize(chunks_);
    hires_.resize(kMarkets);
    hire_start_.assign(kMarkets, std::vector<std::size_t>(chunks_ + 1, 0));
    pool_.resize(kMarkets);
    openings_.resize(kMarkets);
    workers_ = workers;
  }

  void month(int t) {
    tbb::parallel_for(std::size_t{0}, chunks_, [&](std::size_t ch) { stream_chunk(t, ch); });
    tbb::parallel_for(0, kMarkets, [&](int mk) { match_market(t, mk); });
  }

  std::int64_t moves() const { return moves_separations_ + moves_hires_; }
  void reset_moves() { moves_separations_ = moves_hires_ = 0; }

  // Every worker in a cell or unemployed, each once (hires waiting count as placed), and
  // no run beyond its room.
  bool conserved() const {
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(workers_), 0);
    auto mark = [&](const Rec& w) { return w.id < seen.size() && seen[w.id]++ == 0; };
    for (const Cell& c : cells_) {
      if (c.count > c.cap) return false;
      for (std::int32_t k = 0; k < c.count; ++k)
        if (!mark(recs_[static_cast<std::size_t>(c.begin + k)])) return false;
    }
    for (const auto& p : pool_)
      for (const Rec& w : p)
        if (!mark(w)) return false;
    for (const auto& h : hires_)
      for (const Hire& x : h)
        if (!mark(x.worker)) return false;
    return std::all_of(seen.begin(), seen.end(), [](std::uint8_t s) { return s == 1; });
  }
  // A digest of the whole state, in its order: equal for equal states.
  std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
    for (const Cell& c : cells_) {
      mix(static_cast<std::uint64_t>(c.count));
      for (std::int32_t k = 0; k < c.count; ++k) mix(recs_[static_cast<std::size_t>(c.begin + k)].id);
    }
    for (const auto& p : pool_)
      for (const Rec& w : p) mix(w.id);
    for (const auto& list : hires_)
      for (const Hire& x : list) mix(static_cast<std::uint64_t>(x.cell) << 32 | x.worker.id);
    return h;
  }

 private:
  struct Leaver {
    std::int32_t cell;
    Rec worker;
  };
  struct alignas(64) ChunkLeavers {  // one chunk's leavers, by market
    std::vector<Leaver> list;
    std::vector<std::size_t> start;  // list[start[mk], start[mk + 1]) are market mk's
  };

  void stream_chunk(int t, std::size_t ch) {
    const std::size_t lo = ch * kChunkCells, hi = std::min(cells_.size(), lo + kChunkCells);
    // Last month's hires, market by market, each cell's record fetched 16 hires ahead and
    // the line its run grows into 8 ahead (hints only).
    for (int mk = 0; mk < kMarkets; ++mk) {
      const auto& h = hires_[static_cast<std::size_t>(mk)];
      const auto& at = hire_start_[static_cast<std::size_t>(mk)];
      for (std::size_t k = at[ch]; k < at[ch + 1]; ++k) {
        if (k + 16 < at[ch + 1]) __builtin_prefetch(&cells_[static_cast<std::size_t>(h[k + 16].cell)], 1);
        if (k + 8 < at[ch + 1]) {
          const Cell& ahead = cells_[static_cast<std::size_t>(h[k + 8].cell)];
          __builtin_prefetch(&recs_[static_cast<std::size_t>(ahead.begin + ahead.count)], 1);
        }
        Cell& c = cells_[static_cast<std::size_t>(h[k].cell)];
        Rec w = h[k].worker;
        w.spell_start = static_cast<std::int16_t>(t);
        recs_[static_cast<std::size_t>(c.begin + c.count++)] = w;
      }
    }
    Rng r(kSeed, 0, t, ch, Purpose::churn_block);
    const Rng::GeometricParam gap(rate_);
    ChunkLeavers& out = leavers_[ch];
    // The leavers' places first (reading the cells' records in order, no worker's), each
    // cell's highest first: then removed in that order, each replaced by its run's last
    // (a stayer: those above it have left), the records 8 leavers ahead fetched.
    struct Place {
      std::int32_t cell, pos;
    };
    thread_local std::vector<Place> places;
    thread_local std::vector<Leaver> found;
    places.clear(), found.clear();
    std::int64_t next = r.geometric(gap), first = 0;  // over the chunk's workers, cell after cell
    for (std::size_t ci = lo; ci < hi; ++ci) {
      const std::int64_t end = first + cells_[ci].count;
      const std::size_t from = places.size();
      for (; next < end; next += 1 + r.geometric(gap))
        places.push_back({static_cast<std::int32_t>(ci), static_cast<std::int32_t>(next - first)});
      std::reverse(places.begin() + static_cast<std::ptrdiff_t>(from), places.end());
      first = end;
    }
    for (std::size_t k = 0; k < places.size(); ++k) {
      if (k + 8 < places.size()) {
        const Place& p = places[k + 8];
        const Cell& ahead = cells_[static_cast<std::size_t>(p.cell)];
        __builtin_prefetch(&recs_[static_cast<std::size_t>(ahead.begin + p.pos)], 1);
        __builtin_prefetch(&recs_[static_cast<std::size_t>(ahead.begin + ahead.count - 1)], 1);
      }
      Cell& c = cells_[static_cast<std::size_t>(places[k].cell)];
      Rec* run = &recs_[static_cast<std::size_t>(c.begin)];
      Rec w = run[places[k].pos];
      w.spell_start = static_cast<std::int16_t>(t);
      found.push_back({places[k].cell, w});
      run[places[k].pos] = run[--c.count];
    }
    sort_into_buckets(  // by market, in the order found
        found, kMarkets,
        [this](const Leaver& l) { return static_cast<std::size_t>(cells_[static_cast<std::size_t>(l.cell)].market); },
        out.list, out.start);
  }

  void match_market(int t, int mk) {
    auto& pool = pool_[static_cast<std::size_t>(mk)];
    auto& open = openings_[static_cast<std::size_t>(mk)];
    const std::size_t unemployed_before = pool.size();
    for (const ChunkLeavers& cl : leavers_)  // in chunk order
      for (std::size_t k = cl.start[static_cast<std::size_t>(mk)]; k < cl.start[static_cast<std::size_t>(mk) + 1]; ++k) {
        pool.push_back(cl.list[k].worker);
        open.push_back(cl.list[k].cell);
      }
    const double u = static_cast<double>(pool.size()), v = static_cast<double>(open.size());
    const auto n = static_cast<std::int64_t>(std::min({u, v, std::floor(0.5 * std::sqrt(u * v))}));
    Rng r(kSeed, 0, t, static_cast<std::uint64_t>(mk), Purpose::matching);
    auto& hires = hires_[static_cast<std::size_t>(mk)];
    hires.resize(static_cast<std::size_t>(n));
    // Places drawn first (the lists lose one entry per hire, so their sizes are known),
    // so that the lines of the hires 8 ahead are fetched while one is made.
    thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> place;
    place.resize(static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k)
      place[static_cast<std::size_t>(k)] = {static_cast<std::uint32_t>(r.index(static_cast<std::int64_t>(pool.size()) - k)),
                                            static_cast<std::uint32_t>(r.index(static_cast<std::int64_t>(open.size()) - k))};
    for (std::int64_t k = 0; k < n; ++k) {
      if (k + 8 < n) {
        __builtin_prefetch(&pool[place[static_cast<std::size_t>(k + 8)].first], 1);
        __builtin_prefetch(&open[place[static_cast<std::size_t>(k + 8)].second], 1);
      }
      const auto [i, j] = place[static_cast<std::size_t>(k)];
      hires[static_cast<std::size_t>(k)] = {open[j], pool[i]};
      pool[i] = pool.back(), pool.pop_back();
      open[j] = open.back(), open.pop_back();
    }
    thread_local std::vector<Hire> sorted;  // by the chunk that takes them, in the order drawn
    sort_into_buckets(
        hires, chunks_, [](const Hire& h) { return static_cast<std::size_t>(h.cell) / kChunkCells; }, sorted,
        hire_start_[static_cast<std::size_t>(mk)]);
    hires.swap(sorted);
    __atomic_fetch_add(&moves_separations_, static_cast<std::int64_t>(pool.size() + n - unemployed_before),
                       __ATOMIC_RELAXED);
    __atomic_fetch_add(&moves_hires_, n, __ATOMIC_RELAXED);
  }

  double rate_;
  std::int64_t workers_ = 0;
  std::vector<Cell> cells_;
  std::vector<Rec> recs_;
  std::size_t chunks_ = 0;
  std::vector<ChunkLeavers> leavers_;
  std::vector<std::vector<Hire>> hires_;                // by market, sorted by chunk
  std::vector<std::vector<std::size_t>> hire_start_;    // by market: where each chunk's hires begin
  std::vector<std::vector<Rec>> pool_;                  // the unemployed, by market
  std::vector<std::vector<std::int32_t>> openings_;     // one entry per opening: its cell, by market
  std::int64_t moves_separations_ = 0, moves_hires_ = 0;
};

struct Timed {
  double worker_months_per_second, moves_per_worker_month;
  std::uint64_t digest;
};

Timed run(int threads, std::int64_t workers, int months, double rate) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  World world(workers, rate);
  constexpr int kWarmUp = 24;  // the unemployed and the openings reach their steady state
  for (int t = -kWarmUp; t < 0; ++t) world.month(t);
  world.reset_moves();
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < months; ++t) world.month(t);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!world.conserved()) {
    std::fprintf(stderr, "laborsim-cell-order: workers not conserved (a bug of this program)\n");
    std::exit(1);
  }
  const double wm = static_cast<double>(workers) * months;
  return {wm / s, static_cast<double>(world.moves()) / wm, world.digest()};
}

}  // namespace

// argv[i] as a whole number or a number, or nothing if it is not one entirely.
template <class T>
std::optional<T> parse(const char* text) {
  T v{};
  const char* end = text + std::strlen(text);
  const auto [p, ec] = std::from_chars(text, end, v);
  if (ec != std::errc() || p != end || p == text) return std::nullopt;
  return v;
}

int main(int argc, char** argv) {
  constexpr const char* kUsage = "usage: laborsim-cell-order THREADS WORKERS [MONTHS=48] [SEPARATION_RATE=0.03]\n";
  if (argc < 3 || argc > 5) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const auto threads = parse<int>(argv[1]);
  const auto workers = parse<std::int64_t>(argv[2]);
  const auto months = argc > 3 ? parse<int>(argv[3]) : std::optional<int>(48);
  const auto rate = argc > 4 ? parse<double>(argv[4]) : std::optional<double>(0.03);
  if (!threads || *threads < 1 || !workers || *workers < 1000 || *workers > 2000000000 || !months || *months < 1 ||
      !rate || !(*rate > 0 && *rate < 1)) {
    std::fputs("laborsim-cell-order: THREADS and MONTHS must be whole numbers from 1, WORKERS from 1000 to 2e9, "
               "SEPARATION_RATE a number in (0, 1)\n",
               stderr);
    std::fputs(kUsage, stderr);
    return 2;
  }
  const Timed one = run(1, *workers, *months, *rate);
  const Timed many = run(*threads, *workers, *months, *rate);
  if (one.digest != many.digest) {
    std::fprintf(stderr, "laborsim-cell-order: 1 and %d threads ended in different states (a bug of this program)\n",
                 *threads);
    return 1;
  }
  std::printf("%.3g %.3g %.4f\n", one.worker_months_per_second, many.worker_months_per_second,
              many.moves_per_worker_month);
  return 0;
}
