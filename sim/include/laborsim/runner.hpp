// Runs a scenario's Monte Carlo replicates in parallel on oneTBB and streams each
// finished replicate to the single HDF5 writer.
#pragma once

#include "laborsim/output.hpp"
#include "laborsim/scenario.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace laborsim {

struct RunOptions {
  std::filesystem::path output;
  int threads = 0;  // 0: all cores
  std::string command_line;
  // Called from the writing thread with (months simulated so far, burn-in included,
  // summed over replicates; their total); may be empty.
  std::function<void(double, double)> progress;
  // Set (e.g. from a signal handler) to stop the run; run_scenario then throws
  // Interrupted and leaves no output file.
  const std::atomic<bool>* interrupt = nullptr;
};

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

struct RunSummary {
  double seconds = 0;
  double worker_months = 0;
  // Workers' moves between states over the recorded months, summed over replicates:
  // hires, quits, layoffs, retirements, entries to and exits from the labour force,
  // retraining entries and completions (what an event-driven month costs).
  double moves = 0;
  double write_seconds = 0;         // on the writer thread, mostly while replicates still run
  double write_seconds_at_end = 0;  // of those, after the last replicate finished: what the run waited for
  // Means over replicates, for the headline printed after a run.
  double unemployment_rate_last_year = 0;
  double ai_layoffs = 0, ordinary_layoffs = 0, consolidation_layoffs = 0;
  double firms_adopting_end = 0, firms_alive_end = 0, regretting_firms = 0;
  double u_to_e_rate = 0, e_to_u_rate = 0;
  std::vector<std::pair<std::string, double>> step_seconds;  // summed over replicates
  // Wall time of each month, burn-in first, summed over replicates (their steps' times
  // together: how the month's cost moves over the run).
  std::vector<double> month_seconds;
  double init_seconds = 0;  // building the initial state
  double pack_seconds = 0;  // compressing the series for the file, on the replicates' threads
};

RunSummary run_scenario(const Scenario& scenario, const RunOptions& options);

// Peak resident memory a run is expected to need, in bytes: the state of the replicates
// running at once (one per thread, at most the replicate count; per worker: the worker
// columns and 27 bytes more, docs/performance-history.md, fifth round; and the output
// each holds until it finishes), and the output of every replicate, held in memory until
// the results file is written (taken uncompressed: an upper bound, as it is stored
// compressed).
struct MemoryEstimate {
  std::size_t total = 0;   // bytes
  std::size_t models = 0;  // of which the replicates running at once
  std::size_t output = 0;  // and the output of them all
  int concurrent = 1;      // replicates running at once
  int replicates = 1;      // in all
};
MemoryEstimate estimate_memory(const Scenario& scenario, int threads);
// Physical memory of this machine in bytes.
std::size_t physical_memory();
// The threads a run uses when asked for `threads` (0: every core this process may use).
int effective_threads(int threads);

std::string now_iso8601();

}  // namespace laborsim
