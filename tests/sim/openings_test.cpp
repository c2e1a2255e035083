// A market's openings drawn one at a time (laborsim/openings.hpp): each opening left of
// the firms not excluded equally likely, every opening taken once, and the market's
// list of open cells followed as Model::close_vacancies changes it.
#include "laborsim/model.hpp"
#include "laborsim/openings.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace laborsim {
namespace {

Rng rng(std::uint64_t entity) { return Rng(7, 0, 0, entity, Purpose::churn_market); }

// Cells 100..103 of firms 0..3 with 1, 2, 5 and 12 openings (20 in all).
std::vector<Openings::Cell> four_cells() {
  return {{100, 1, 0, 1.f}, {101, 2, 1, 1.f}, {102, 5, 2, 1.f}, {103, 12, 3, 1.f}};
}

// n draws, each from a fresh set of the four cells (nothing taken), counted by cell.
std::map<std::int32_t, int> draws(int n, std::int32_t excluded) {
  std::map<std::int32_t, int> count;
  Rng r = rng(1);
  Openings open(four_cells());
  for (int k = 0; k < n; ++k) ++count[open.draw(r, excluded)->cell];
  return count;
}

// A unit's cell found through the stretches' starts is the first cell whose cumulative
// count passes the unit, for every unit, with that cell's extra: counts of very
// different sizes (1 to 5,000, as a market's cells' openings), and a single cell.
TEST(UnitIndex, EveryUnitIsInTheCellItsCumulativeCountPlacesItIn) {
  Rng r = rng(11);
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{300}}) {
    std::vector<std::int64_t> count(n);
    for (auto& c : count) c = r.bernoulli(0.05) ? 1 + r.index(5000) : 1 + r.index(3);
    BasicUnitIndex<std::int32_t> index;
    index.build(
        n, [&](std::size_t i) { return count[i]; }, [](std::size_t i) { return 1000 + static_cast<std::int32_t>(i); });
    std::size_t cell = 0;
    std::int64_t end = count[0], total = 0;
    for (const auto c : count) total += c;
    ASSERT_EQ(index.total(), total);
    for (std::int64_t u = 0; u < total; ++u) {
      while (u >= end) end += count[++cell];
      ASSERT_EQ(index.locate(u), cell) << "unit " << u << " of " << total;
      ASSERT_EQ(index.count(cell), count[cell]);
      ASSERT_EQ(index.extra(cell), 1000 + static_cast<std::int32_t>(cell));
    }
  }
}

TEST(Openings, ACellIsDrawnInProportionToItsOpenings) {
  const int n = 200000;
  const auto all = draws(n, -1);
  const std::map<std::int32_t, double> open{{100, 1}, {101, 2}, {102, 5}, {103, 12}};
  for (const auto& [cell, k] : open) {
    const double p = k / 20, sd = std::sqrt(n * p * (1 - p));
    std::printf("cell with %.0f of 20 openings: %d of %d draws (%.0f expected)\n", k, all.at(cell), n, n * p);
    EXPECT_NEAR(all.at(cell), n * p, 4 * sd) << cell;
  }
  // Firm 3 (12 openings) excluded: the others in proportion to theirs, 1 : 2 : 5.
  const auto others = draws(n, 3);
  EXPECT_EQ(others.count(103), 0u);
  for (const auto& [cell, k] : open) {
    if (cell == 103) continue;
    const double p = k / 8, sd = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(others.at(cell), n * p, 4 * sd) << cell;
  }
}

// A mover from the firm that holds almost all of its market's openings (990 of 1,000):
// the other firms' openings still each equally likely, and the draws that land on the
// excluded firm's cell (99 in 100) cost one lookup in the index at most, however many
// they are: after the first, its units are known. Looking each one up would take 100
// lookups a draw.
TEST(Openings, AnExcludedFirmWithMostOpeningsIsLookedUpOnceADrawAtMost) {
  const std::vector<Openings::Cell> cells{{100, 990, 0, 1.f}, {101, 3, 1, 1.f}, {102, 7, 2, 1.f}};
  Openings open(cells);
  Rng r = rng(5);
  const int n = 100000;
  std::map<std::int32_t, int> count;
  for (int k = 0; k < n; ++k) ++count[open.draw(r, 0)->cell];
  EXPECT_EQ(count.count(100), 0u);
  for (const auto& [cell, k] : std::map<std::int32_t, double>{{101, 3}, {102, 7}}) {
    const double p = k / 10, sd = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(count.at(cell), n * p, 4 * sd) << cell;
  }
  // Each draw: the first unit is the excluded cell's with probability 0.99, looked up;
  // then one more lookup, of the unit kept: 1.99 a draw on average, never more than 2
  // (nothing is taken here, so every unit of another firm is kept).
  EXPECT_LE(open.lookups(), 2 * n);
  EXPECT_NEAR(static_cast<double>(open.lookups()) / n, 1.99, 0.01);
}

// Taking openings until none is left: every opening taken exactly once, the list of
// open cells changed exactly as Model's list (erase_indexed_by: the last moves into the
// place of the one leaving) with take() naming the cell that moves, and the draws of
// the later openings, after the index is built again, still in proportion to what is
// left: the last opening drawn is each cell's in proportion to its openings (each
// opening is equally likely to be the last one).
TEST(Openings, TakingEveryOpeningTakesEachOnceAndFollowsTheList) {
  std::vector<Openings::Cell> cells;
  std::int64_t total = 0;
  for (std::int32_t i = 0; i < 50; ++i) {
    cells.push_back({1000 + i, 1 + i % 7, i, 1.f});
    total += 1 + i % 7;
  }
  std::map<std::int32_t, int> last_cell;
  const int runs = 4000;
  for (int run = 0; run < runs; ++run) {
    Openings open(cells);
    std::vector<std::int32_t> list;  // the market's list, as Model keeps it
    std::map<std::int32_t, std::int32_t> pos;
    for (const auto& c : cells) pos[c.cell] = static_cast<std::int32_t>(list.size()), list.push_back(c.cell);
    std::map<std::int32_t, int> taken;
    Rng r = rng(static_cast<std::uint64_t>(run));
    std::int32_t cell = -1;
    for (std::int64_t k = 0; k < total; ++k) {
      ASSERT_EQ(open.left(), total - k);
      ASSERT_EQ(open.cells_open(), list.size());
      Openings::Cell* c = open.draw(r);
      ASSERT_NE(c, nullptr);
      ASSERT_GT(c->open, 0);
      cell = c->cell;
      ++taken[cell];
      const bool last_opening = c->open == 1;
      const std::int32_t moved = open.take(*c);
      if (last_opening) {
        const std::int32_t expect_moved = list.back() == cell ? -1 : list.back();
        erase_indexed_by(list, [&](std::int32_t id) -> auto& { return pos[id]; }, cell);
        ASSERT_EQ(moved, expect_moved);
      } else {
        ASSERT_EQ(moved, -1);
      }
    }
    ASSERT_EQ(open.left(), 0);
    ASSERT_EQ(open.draw(r), nullptr);
    ASSERT_TRUE(list.empty());
    for (const auto& c : cells) ASSERT_EQ(taken[c.cell], c.open) << c.cell;
    ++last_cell[cell];
  }
  // A cell with k of the total openings holds the last one with probability k / total.
  for (int k = 1; k <= 7; ++k) {
    int cells_with_k = 0, last = 0;
    for (const auto& c : cells)
      if (c.open == k) ++cells_with_k, last += last_cell[c.cell];
    const double p = static_cast<double>(k * cells_with_k) / static_cast<double>(total);
    EXPECT_NEAR(last, runs * p, 4 * std::sqrt(runs * p * (1 - p))) << "cells with " << k << " openings";
  }
}

// A cell taken from other than as the last one drawn (a caller that kept an earlier
// draw): its openings taken are gone from the draws all the same, before the index is
// built again (the draws read the openings left from the index, which take() follows).
TEST(Openings, ACellTakenAfterAnotherWasDrawnIsNotDrawnOnceFull) {
  Openings open({{100, 2, 0, 1.f}, {101, 2, 1, 1.f}, {102, 4, 2, 1.f}});
  Rng r = rng(9);
  Openings::Cell* first = open.draw(r);
  ASSERT_NE(first, nullptr);
  Openings::Cell* other = nullptr;
  while (other == nullptr || other == first) other = open.draw(r);  // the last drawn, not first
  const std::int32_t gone = first->cell;
  const std::int32_t opened = first->open;
  for (std::int32_t k = 0; k < opened; ++k) open.take(*first);  // all of it, none of the other
  ASSERT_GE(2 * open.left(), 8);  // so the index (8 units) is not built again: half are left
  for (int k = 0; k < 2000; ++k) {
    const Openings::Cell* c = open.draw(r);
    ASSERT_NE(c, nullptr);
    ASSERT_NE(c->cell, gone) << "draw " << k;
  }
}

TEST(Openings, NoneWhereOnlyTheExcludedFirmHasOpenings) {
  Rng r = rng(3);
  Openings one({{100, 4, 7, 1.f}});
  EXPECT_EQ(one.draw(r, 7), nullptr);
  ASSERT_NE(one.draw(r, 8), nullptr);
  // Two cells: once the other firm's are all taken, none for firm 7.
  Openings two({{100, 4, 7, 1.f}, {101, 1, 8, 1.f}});
  Openings::Cell* c = two.draw(r, 7);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cell, 101);
  two.take(*c);
  EXPECT_EQ(two.draw(r, 7), nullptr);
  EXPECT_EQ(two.left(), 4);
  Openings none(std::vector<Openings::Cell>{});
  EXPECT_EQ(none.draw(r), nullptr);
}

// Openings reused for another market (assign, as the engine's per-thread ones are) are
// those of a new Openings: the same draws, openings left and lookups, whatever the
// earlier market left in them (half taken, an index built over other cells, a cell
// drawn last). Each step would differ if assign kept any of it. Twice: after a market of
// 40 cells, whose buffers are reused, and after one of 5,000, whose buffers are given
// back first.
TEST(Openings, AssignedAnewTheyDrawAsNewOnes) {
  for (const std::int32_t before_cells : {40, 5000}) {
    Openings reused;
    EXPECT_EQ(reused.left(), 0);
    Rng empty = rng(5);
    EXPECT_EQ(reused.draw(empty), nullptr);
    std::vector<Openings::Cell> other;  // cells of one opening each: another market
    for (std::int32_t i = 0; i < before_cells; ++i) other.push_back({200 + i, 1, 10 + i, 1.f});
    reused.assign(other);
    Rng before = rng(6);
    for (int k = 0; k < 30; ++k) reused.take(*reused.draw(before));  // some of it taken
    reused.assign(four_cells());
    Openings fresh(four_cells());
    ASSERT_EQ(reused.left(), 20);
    ASSERT_EQ(reused.lookups(), 0);
    Rng a = rng(7), b = rng(7);
    for (int k = 0; k < 20; ++k) {
      Openings::Cell* x = reused.draw(a, 3);
      Openings::Cell* y = fresh.draw(b, 3);
      if (y == nullptr) {
        EXPECT_EQ(x, nullptr);
        break;
      }
      ASSERT_NE(x, nullptr);
      EXPECT_EQ(x->cell, y->cell) << "draw " << k;
      EXPECT_EQ(reused.take(*x), fresh.take(*y)) << "draw " << k;
      EXPECT_EQ(reused.left(), fresh.left());
      EXPECT_EQ(reused.cells_open(), fresh.cells_open());
    }
    EXPECT_EQ(reused.lookups(), fresh.lookups());
    EXPECT_EQ(reused.left(), 12) << before_cells;  // firm 3's cell (12 openings) is never drawn
  }
}

}  // namespace
}  // namespace laborsim
