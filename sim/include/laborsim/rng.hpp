// Counter-based random numbers (Random123 Philox). A stream is keyed by
// (seed, replicate) and addressed by (month, entity id, purpose), so every draw is
// fixed by what it is for, never by thread or scheduling order, and adding a new
// purpose does not shift the draws of the others.
#pragma once

// philox.h first: it sets up the macros MicroURNG.hpp relies on.
#include <Random123/philox.h>
// (keep this order)
#include <Random123/MicroURNG.hpp>

#include "laborsim/marks.hpp"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace laborsim {

// The values are part of every stream's address: a new purpose takes a new value and
// existing ones never change, or every result of a given seed would.
enum class Purpose : std::uint64_t {
  init_firms = 1,
  init_workers = 2,
  churn = 3,
  matching = 4,
  adoption = 5,
  pipeline = 6,
  regret = 7,
  consolidation = 8,
  retraining = 9,
  aiq = 11,
  entrants = 12,
  labor_force = 14,
  churn_block = 15,         // who is laid off or quits, among one block of worker ids
  churn_market = 16,        // replacement vacancies and job-to-job moves of one market
  init_people = 17,         // the people of one cell at the start (init_workers: how many)
  retraining_outcome = 18,  // one trainee's success (retraining: one market's entries)
  retraining_at_risk = 19,  // the at-risk employed of one firm leaving for a programme
  init_tenure = 20,         // the tenure of one cell's employees at the start
  early_retirement = 21,    // the older unemployed of one market retiring early
  comparison = 22,          // which employed panel workers of one block join the comparison group
  firm_intensity = 23,      // how far one firm bets on AI at its reduction (ai.intensity_sd)
  aiq_start = 24,           // one block's AI readiness drawn again at month 0, after a burn-in
  graduate_jobs = 25,       // the openings one market's graduates with a job lined up take
};

class Rng {
 public:
  using Engine = r123::MicroURNG<r123::Philox4x64>;
  using result_type = Engine::result_type;

  Rng(std::uint64_t seed, std::uint64_t replicate, std::int64_t month, std::uint64_t entity, Purpose purpose)
      : engine_(Engine::ctr_type{{static_cast<std::uint64_t>(month + (std::int64_t{1} << 40)), entity,
                                  static_cast<std::uint64_t>(purpose), 0}},
                Engine::key_type{{seed, replicate}}) {}

  result_type operator()() { return engine_(); }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  // Uniform on [0, 1): what std::uniform_real_distribution<double>(0, 1) returns with
  // libstdc++ (generate_canonical: one 64-bit number times 2^-64, below 1), without the
  // call (tests/sim/rng_test.cpp checks the two agree).
  double uniform() { return unit(engine_()); }
  static double unit(result_type x) {
    const double u = static_cast<double>(x) * 0x1p-64;
    return u < 1.0 ? u : std::nextafter(1.0, 0.0);
  }
  bool bernoulli(double p) { return p >= 1.0 || (p > 0.0 && uniform() < p); }
  // The same draw, but taking its number whatever p is (bernoulli takes none at 0 or 1):
  // for what only chooses what to record (output.panel_rate) or what a switch may turn
  // off (AIQ), so that recording all or none, or the switch, does not move the draws after
  // it in the stream, and with them the run.
  bool sampled(double p) { return uniform() < p; }
  std::int64_t binomial(std::int64_t n, double p) {
    if (n <= 0 || p <= 0.0) return 0;
    if (p >= 1.0) return n;
    return std::binomial_distribution<std::int64_t>(n, p)(*this);
  }
  // Index drawn uniformly from [0, n).
  std::int64_t index(std::int64_t n) { return std::uniform_int_distribution<std::int64_t>(0, n - 1)(*this); }
  double normal(double mean, double sd) { return std::normal_distribution<double>(mean, sd)(*this); }
  // k distinct values drawn uniformly from [0, n), k <= n, by Floyd's algorithm, appended
  // to out (the order of the draws, not sorted).
  void sample_distinct(std::int64_t n, std::int64_t k, std::vector<std::int64_t>& out) {
    ThreadMarks taken(n);
    const std::size_t first = out.size();
    for (std::int64_t j = n - k; j < n; ++j) {
      std::int64_t t = std::uniform_int_distribution<std::int64_t>(0, j)(*this);
      if (!taken.take(t)) {
        taken.take(j);
        t = j;
      }
      out.push_back(t);
    }
    for (std::size_t i = first; i < out.size(); ++i) taken.clear(out[i]);
  }
  // Failures before the first success of Bernoulli(p) trials: used to skip to the next
  // event in a long run of independent trials without touching the others.
  // A run of draws can make the parameter (it takes a logarithm) once and pass it.
  using GeometricParam = std::geometric_distribution<std::int64_t>::param_type;
  std::int64_t geometric(const GeometricParam& p) {
    static thread_local std::geometric_distribution<std::int64_t> draw;  // uses p only
    return draw(*this, p);
  }
  std::int64_t geometric(double p) { return geometric(GeometricParam(p)); }

 private:
  Engine engine_;
};

}  // namespace laborsim
