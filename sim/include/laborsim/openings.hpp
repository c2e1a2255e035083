// A market's openings drawn one at a time, each in proportion to what its cell has left:
// a worker who finds a job meets an opening, not a firm, so a firm with ten openings
// is found ten times as often as a firm with one (as matching fills vacancies: a
// distinct vacancy unit per hire). Used by the draws that take openings one by one in
// sequence: job-to-job moves (which skip the worker's own firm) and graduates with a
// job lined up (docs/model.md, sections 6 and 11).
//
// Built on a copy of the market's list of cells with openings (Model::vacant_cells, in
// its order, each entry with its cell's openings, firm and wage), it follows that list
// as taking openings changes it: a cell whose last opening is taken leaves, the list's
// last cell moving into its place (as Model::close_vacancies does), so a caller can
// tell where the real list will change.
//
// The draw: a unit drawn uniformly among the openings the cells had when the index was
// last built, found by where each cell's units start, kept if that unit is still open
// (each cell's units are taken from its end) and belongs to another firm than the one
// excluded, drawn again otherwise. So each opening left of the other firms is equally
// likely. The index is built again once fewer than half its units are left, so on
// average fewer than two draws land elsewhere than on the excluded firm. Those that
// land on it can be many: a mover from a firm holding most of its market's openings
// draws again and again (10.4 draws a move, in a run of us_full's shape at 3M workers).
// A firm has one cell in a market, so after the first such draw the units of that cell
// are known and the later ones are turned down by comparing the unit with them, without
// looking it up in the index (a lookup reads the index at random places): churn 2.0 ->
// 1.78 s in that run. The same draws are made and kept as without: results are
// bit-identical. (Drawing the later units among the other cells' alone would save the
// draws too, and churn fell to 1.55 s, but that changes every run's random stream.) A
// lookup reads the cell's firm and openings left from its index entry, beside its first
// unit: two lines at random places (the stretch's start, the entry), where reading them
// from the cell took two more (its place in the list, its record); at 40M workers of
// us_full's shape the draws' time fell by a quarter.
#pragma once

#include "laborsim/rng.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace laborsim {

// Units laid end to end, cell after cell (cell i holds count_i of them): the cell of a
// unit found from where each cell's units start. A binary search over all of a large
// market's cells misses the cache at most of its steps; instead, where each of n equal
// stretches of the units starts (n = the number of cells) narrows it to a few cells:
// stretch b = u n / total starts at unit total b / n, at or below u, and the next at or
// above it, so the cell lies in [start[b], start[b + 1]]. Each cell's entry carries
// an Extra beside its first unit, on the same line, so that a lookup which goes on to
// read something of the cell found (Openings: its firm and openings left; matching: the
// cell and its openings left) misses the cache once for the stretch and once for the
// cell, not again for the cell's record. Used by matching's distinct units
// (fill_market) and by Openings.
template <class Extra>
class BasicUnitIndex {
 public:
  // count(i): the units of cell i, for i in [0, n); entry i carries extra(i).
  template <class Count, class MakeExtra>
  void build(std::size_t n, Count count, MakeExtra extra) {
    entry_.resize(n);
    std::int64_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) {
      entry_[i].first = acc;
      entry_[i].extra = extra(i);
      acc += count(i);
    }
    total_ = acc;
    start_.assign(n + 1, 0);
    if (n == 0) return;
    // start[b]: the cell holding the stretch's first unit, the first whose units end above it.
    for (std::size_t b = 0, i = 0; b <= n; ++b) {
      const std::int64_t first_unit = total_ * static_cast<std::int64_t>(b) / static_cast<std::int64_t>(n);
      while (i < n && end_unit(i) <= first_unit) ++i;
      start_[b] = static_cast<std::uint32_t>(i);
    }
  }
  std::int64_t total() const { return total_; }
  std::int64_t first_unit(std::size_t i) const { return entry_[i].first; }
  std::int64_t count(std::size_t i) const { return end_unit(i) - entry_[i].first; }
  Extra& extra(std::size_t i) { return entry_[i].extra; }
  const Extra& extra(std::size_t i) const { return entry_[i].extra; }
  // The cell holding unit u, 0 <= u < total(): the last i whose units start at or below u
  // (the one of cells starting there that holds units, cells holding none before it).
  std::size_t locate(std::int64_t u) const {
    const std::size_t n = entry_.size();
    const auto b = static_cast<std::size_t>(u * static_cast<std::int64_t>(n) / total_);
    const auto lo = entry_.begin() + start_[b], hi = entry_.begin() + std::min<std::size_t>(n, start_[b + 1] + 1);
    const auto after = std::upper_bound(lo, hi, u, [](std::int64_t x, const Entry& e) { return x < e.first; });
    return static_cast<std::size_t>(after - entry_.begin()) - 1;
  }

 private:
  struct Entry {
    std::int64_t first;  // the cell's first unit
    [[no_unique_address]] Extra extra;
  };
  std::int64_t end_unit(std::size_t i) const { return i + 1 < entry_.size() ? entry_[i + 1].first : total_; }

  std::vector<Entry> entry_;
  std::vector<std::uint32_t> start_;
  std::int64_t total_ = 0;
};

// A copy of the order of a list that loses elements as erase_indexed_by takes them (the
// last moves into the place of the one leaving), on positions 0..n-1 of the list as it
// was: where a caller has drawn ahead on a snapshot, it tells which element each removal
// moves in the real list, so that the move's memory can be fetched ahead. Used by
// matching's distinct units (fill_market) and by Openings.
class ListMirror {
 public:
  void reset(std::size_t n) {
    list_.resize(n), place_.resize(n);
    for (std::size_t i = 0; i < n; ++i) list_[i] = place_[i] = static_cast<std::int32_t>(i);
  }
  std::size_t size() const { return list_.size(); }
  std::int32_t front() const { return list_.front(); }
  const std::vector<std::int32_t>& order() const { return list_; }
  // Removes element i (present); returns the element moved into its place, -1 for none.
  std::int32_t remove(std::size_t i) {
    const std::int32_t last = list_.back(), at = place_[i];
    list_[static_cast<std::size_t>(at)] = last;
    place_[static_cast<std::size_t>(last)] = at;
    list_.pop_back();
    return last == static_cast<std::int32_t>(i) ? -1 : last;
  }

 private:
  std::vector<std::int32_t> list_, place_;
};

// A cell with openings as its market's list of them holds it (Model::vacant_cells):
// its openings, which Model::open_vacancies and close_vacancies keep equal to the
// cell's own count, with its firm and posted wage, which never change. So what draws
// among a market's openings (matching, job-to-job moves, graduates) reads the list in
// order, not every cell's record at a random place.
struct VacantCell {
  std::int32_t cell, open, firm;
  float wage;  // its posted wage (Cells::wage), read by the job ladder
};

class Openings {
 public:
  using Cell = VacantCell;

  Openings() = default;  // no openings until assigned
  // cells: the market's cells with openings (open > 0 each), in the list's order.
  explicit Openings(std::vector<Cell> cells) : cells_(std::move(cells)) { start(); }
  // The same as a new Openings(cells), in this one's buffers: a month draws among
  // every market's openings, and on a small population allocating them anew each time
  // was most of the month's allocations (docs/performance-history.md, forty-fourth round).
  // Buffers grown for a large market are given back when a much smaller one follows
  // (markets run largest first), so that each thread does not hold the largest market's
  // size from month to month.
  void assign(const std::vector<Cell>& cells) {
    if (cells_.capacity() > 4 * std::max<std::size_t>(cells.size(), 1024)) *this = Openings();
    cells_.assign(cells.begin(), cells.end());
    start();
  }

  std::int64_t left() const { return left_; }
  std::size_t cells_open() const { return list_.size(); }

  // A cell with an opening left, drawn in proportion to its openings left among those of
  // other firms than `firm` (-1: among all); nullptr where there is none.
  Cell* draw(Rng& r, std::int32_t firm = -1) {
    if (list_.size() == 0) return nullptr;
    if (list_.size() == 1 && cells_[static_cast<std::size_t>(list_.front())].firm == firm) return nullptr;
    if (2 * left_ < index_.total()) build();
    std::int64_t own_from = 0, own_to = 0;  // the excluded firm's units, once met
    for (;;) {
      const std::int64_t unit = r.index(index_.total());
      if (unit >= own_from && unit < own_to) continue;
      ++lookups_;
      const std::size_t k = index_.locate(unit);
      const Indexed& e = index_.extra(k);
      if (e.firm == firm) {
        own_from = index_.first_unit(k), own_to = own_from + index_.count(k);
        continue;
      }
      if (unit - index_.first_unit(k) < e.open) {
        drawn_ = k;
        return &cells_[static_cast<std::size_t>(indexed_[k])];
      }
    }
  }

  // Units draw() has looked up in the index so far, kept or not: its cost.
  std::int64_t lookups() const { return lookups_; }

  // Takes one opening of c (drawn above). Returns the cell that moves in the market's
  // list as c leaves it with its last opening, or -1 where none moves.
  std::int32_t take(Cell& c) {
    --left_;
    const auto i = static_cast<std::int32_t>(&c - cells_.data());
    // Its entry in the index: the last cell drawn's, as callers take it (else searched).
    if (drawn_ >= indexed_.size() || indexed_[drawn_] != i)
      drawn_ = static_cast<std::size_t>(std::find(indexed_.begin(), indexed_.end(), i) - indexed_.begin());
    if (drawn_ < indexed_.size()) --index_.extra(drawn_).open;
    if (--c.open > 0) return -1;
    const std::int32_t moved = list_.remove(static_cast<std::size_t>(i));
    return moved < 0 ? -1 : cells_[static_cast<std::size_t>(moved)].cell;
  }

 private:
  void start() {
    list_.reset(cells_.size());
    left_ = 0, lookups_ = 0;
    for (const Cell& c : cells_) left_ += c.open;
    build();
  }
  // The index over the cells open now, in the list's order.
  void build() {
    indexed_ = list_.order();
    index_.build(
        indexed_.size(), [&](std::size_t k) { return cells_[static_cast<std::size_t>(indexed_[k])].open; },
        [&](std::size_t k) {
          const Cell& c = cells_[static_cast<std::size_t>(indexed_[k])];
          return Indexed{c.firm, c.open};
        });
    drawn_ = indexed_.size();
  }

  // What a draw reads of the cell it lands on, kept in its index entry: its firm, and its
  // openings left (taken from the end of its units), as its Cell has them.
  struct Indexed {
    std::int32_t firm, open;
  };
  std::vector<Cell> cells_;
  ListMirror list_;  // the open cells, in the list's order
  std::vector<std::int32_t> indexed_;  // the cells indexed, in the list's order when built
  BasicUnitIndex<Indexed> index_;
  std::size_t drawn_ = 0;  // the index entry of the last cell drawn
  std::int64_t left_ = 0;
  std::int64_t lookups_ = 0;
};

}  // namespace laborsim
