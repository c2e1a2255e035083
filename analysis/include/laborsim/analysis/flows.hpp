// Where the displaced who found a job went: for each occupation they were displaced
// from, the share of its rehires in each occupation, from the spell panel, replicate by
// replicate, with the mean and 95% interval across replicates. (Not by region: markets
// are occupation x region and retraining keeps the region, so no displaced worker is
// rehired in another region.)
#pragma once

#include "laborsim/analysis/results.hpp"
#include "laborsim/analysis/stats.hpp"

#include <string>
#include <vector>

namespace laborsim::analysis {

struct FlowDestination {
  std::string group, title;  // title: an occupation's longer name, where the scenario gives one
  // The share of the origin's rehires that went here: per replicate, over the replicates
  // with a rehire from the origin (the same replicates for every destination of one
  // origin, so the means of its destinations add up to 1).
  Interval share;
};

struct FlowOrigin {
  std::string group, title;
  // Rehires from the origin over the run (or window), per replicate: the panel's
  // reemployed spells from it scaled by 1 / panel_rate, a workforce-wide estimate.
  Interval rehires;
  std::size_t spells = 0;           // the panel's reemployed spells from it, over all replicates
  Interval same;                    // the share rehired in the occupation they left (0 if none)
  std::vector<FlowDestination> to;  // every occupation some rehire went to, largest mean share first
};

// The occupations some displaced worker was rehired from, in the file's order; the
// displacements that began in the run (or window) and ended in a job in it.
std::vector<FlowOrigin> flows(const Results& r);

}  // namespace laborsim::analysis
