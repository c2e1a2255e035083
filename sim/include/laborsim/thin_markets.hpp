// Below this many workers per market (occupation and region), markets are thin: the
// baseline's unemployment is 0.1 points above its level at 830 workers per market, 0.4
// at 280 and 2 at 28 (docs/validation.md, "Small populations run higher"). laborsim run
// and validate say so under their figures, summary and the report among a run's notes;
// shared here so that they say it at the same threshold (laborsim-analyze includes this
// header only, not the engine).
#pragma once

#include <cstddef>

namespace laborsim {

inline constexpr double kThinMarketWorkers = 800;

// Workers per market: the population over occupations times regions.
inline double workers_per_market(double workers, std::size_t occupations, std::size_t regions) {
  return workers / static_cast<double>(occupations * regions);
}

inline bool markets_are_thin(double workers_per_market) { return workers_per_market < kThinMarketWorkers; }

}  // namespace laborsim
