#include "laborsim/runner.hpp"

#include "laborsim/model.hpp"

#include <unistd.h>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace laborsim {

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

namespace {
// What a replicate's panels recorded (Model::spells, Model::comparisons, Model::firm_events).
struct Panel {
  Records spells, comparisons;
  std::vector<FirmEvent> firm_events;
};

struct Finished {
  int replicate = -1;
  std::array<double, Model::kSteps> step_seconds{};
  std::vector<double> month_seconds;
  double init_seconds = 0;
  double pack_seconds = 0;
  Series series;
  PackedSeries packed;  // the series as stored, compressed on the replicate's thread
  Panel panel;
  std::exception_ptr error;
};

// Finished replicates handed from the workers to the writer. The writer waits for the
// next one and wakes as it is pushed, or after `wait` without one to report progress and
// see an interrupt. (It slept 50 ms whenever none was there: up to 50 ms more for every
// run, a sixth of a run of 100,000 workers for ten years.)
class Handoff {
 public:
  void push(Finished* f) {
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(f);
    }
    ready_.notify_one();
  }
  // The next finished replicate, or nullptr if none came within `wait`.
  Finished* pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, wait, [this] { return !queue_.empty(); })) return nullptr;
    Finished* f = queue_.front();
    queue_.pop_front();
    return f;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Finished*> queue_;
};
}  // namespace

MemoryEstimate estimate_memory(const Scenario& sc, int threads) {
  const int t = effective_threads(threads);
  const auto concurrent = static_cast<std::size_t>(std::max(1, std::min(t, sc.simulation.replicates)));
  // Measured: 43.5-46.9 bytes per worker at the peak of whole us_full runs (6.89-7.42
  // GiB for 170M workers; resident size varies from run to run with transparent huge
  // pages, by ~0.3 GiB): the worker columns, then ~24 bytes of cells, firms, member
  // lists, pools (12 bytes per unemployed worker), vacant lists (16 bytes per cell
  // with openings) and calendars. Two bytes of margin above the largest.
  const double per_worker = static_cast<double>(Workers::bytes_per_worker()) + 27.0;
  double series = 0;
  const double groups[] = {1.0, static_cast<double>(sc.occupations.size()), static_cast<double>(sc.sectors.size()),
                           static_cast<double>(sc.regions.size()), static_cast<double>(kCohorts)};
  for (const auto& mi : metric_table()) series += 8.0 * sc.simulation.months * groups[static_cast<int>(mi.grouping)];
  const double mobility = 8.0 * static_cast<double>(sc.occupations.size()) * static_cast<double>(sc.occupations.size());
  const double record_bytes = static_cast<double>(sizeof(Spell)) + 4.0 * sc.output.earnings_years;
  // The comparison group: a record per panel worker employed in months 0, 12, 24, ...
  // and drawn at comparison_rate.
  const double comparisons = sc.output.panel_rate * sc.output.comparison_rate *
                             static_cast<double>(sc.simulation.workers) * (sc.simulation.months / 12 + 1) *
                             record_bytes;
  // The spell panel: a record per displacement of a panel worker in the recorded months.
  // Workers are displaced at about the layoff rate (0.94% of workers a month in the
  // baseline, at 1%); a quarter more for the demand gap's, AI and consolidation layoffs,
  // times the largest tenure factor where separations depend on tenure.
  const auto& lm = sc.labor_market;
  const auto bands = lm.separation_bands();
  const double factor = lm.separations_by_tenure() ? *std::max_element(bands.factor.begin(), bands.factor.end()) : 1.0;
  const double spells = sc.output.panel_rate * static_cast<double>(sc.simulation.workers) * sc.simulation.months *
                        std::min(1.0, 1.25 * factor * lm.layoff_rate) * record_bytes;
  // The firm panel's events: at most an AI cut and its realisation per firm, and a
  // consolidation event for a few; three per firm is a margin well above what runs make
  // (0.2-0.4 per firm in the gallery, failed firms' entrants included). Firms: workers
  // over the mean of the truncated Zipf (Pareto) size distribution they are drawn from.
  const double a = sc.firms.zipf_exponent, lo = sc.firms.min_size, hi = std::max<double>(lo, sc.firms.max_size);
  const double mean_size =
      hi <= lo
          ? lo
          : (std::abs(a - 1) < 1e-9 ? lo * std::log(hi / lo)
                                    : a * std::pow(lo, a) * (std::pow(hi, 1 - a) - std::pow(lo, 1 - a)) / (1 - a)) /
                (1 - std::pow(lo / hi, a));
  const double firm_events = sc.output.firm_panel_rate * 3.0 * static_cast<double>(sc.simulation.workers) /
                             std::max(1.0, mean_size) * static_cast<double>(sizeof(FirmEvent));
  // A running replicate holds its series and its panels (uncompressed) until it finishes;
  // they then wait for the writer and go into the results file, which is built in memory
  // (ResultsWriter) and written out from there at the end: at most the whole output
  // uncompressed, once (held, or compressed in the file), beside the replicates running.
  const double panels = comparisons + spells + firm_events;
  const double per_replicate = per_worker * static_cast<double>(sc.simulation.workers) + series + panels;
  const double output = sc.simulation.replicates * (series + panels);
  return {static_cast<std::size_t>(concurrent * per_replicate + output + mobility + 32.0 * (1 << 20)),
          static_cast<std::size_t>(concurrent * per_replicate), static_cast<std::size_t>(output),
          static_cast<int>(concurrent), sc.simulation.replicates};
}

int effective_threads(int threads) { return threads > 0 ? threads : tbb::info::default_concurrency(); }

std::size_t physical_memory() {
  return static_cast<std::size_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(::sysconf(_SC_PAGE_SIZE));
}

RunSummary run_scenario(const Scenario& sc, const RunOptions& opt) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const int R = sc.simulation.replicates;
  RunInfo info{opt.command_line, now_iso8601(), R};
  ResultsWriter writer(opt.output, sc, info);  // no file is created for a scenario that failed to load

  const int threads = effective_threads(opt.threads);
  // More threads than cores were asked for (to test, or to overlap memory waits): TBB
  // would otherwise cap its workers at the cores and warn on stderr.
  std::optional<tbb::global_control> allow;
  if (threads > tbb::info::default_concurrency()) allow.emplace(tbb::global_control::max_allowed_parallelism, threads);
  Handoff done;
  std::atomic<std::int64_t> months_done{0};
  std::atomic<bool> cancel{false};
  std::atomic<int> unfinished{R};  // replicates not yet done: while they fill the threads, each runs in sequence
  // Replicates start in index order, whichever task TBB runs: they then finish nearly in
  // it, and the writer, which appends the panels in replicate order, does not hold the
  // panels of the later ones (half of all, uncompressed, when TBB split the range between
  // two threads) until the earlier ones are in.
  std::atomic<int> next_replicate{0};

  // Workers simulate replicates; this thread is the single HDF5 writer.
  std::thread workers([&] {
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for(0, R, 1, [&](int) {
        const int r = next_replicate.fetch_add(1);
        auto* out = new Finished;
        out->replicate = r;
        if (!cancel.load()) {
          try {
            const auto i0 = std::chrono::steady_clock::now();
            Model m(sc, static_cast<std::uint64_t>(r));
            m.share_threads_with(&unfinished);
            out->init_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - i0).count();
            if (!m.run(&months_done, &cancel)) out->error = std::make_exception_ptr(Interrupted());
            out->step_seconds = m.step_seconds;
            out->month_seconds = std::move(m.month_seconds);
            out->series = std::move(m.series());
            const auto p0 = std::chrono::steady_clock::now();
            out->packed = pack_series(out->series);
            out->pack_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
            out->panel = {std::move(m.spells()), std::move(m.comparisons()), std::move(m.firm_events())};
          } catch (...) {
            out->error = std::current_exception();
          }
        }
        unfinished.fetch_sub(1);
        done.push(out);
      });
    });
  });

  tbb::task_arena writing(threads);  // where the panels' chunks are compressed (RowTable::store)
  RunSummary sum;
  std::exception_ptr first_error;
  // (months simulated, the burn-in's included: a baseline run spends half its time there)
  const double total = static_cast<double>(R) * (sc.simulation.burn_in_months + sc.simulation.months);
  double write_s = 0;
  double write_at_end = 0;             // of it, once the last replicate was in
  std::map<int, Panel> pending_panel;  // until all earlier replicates are in
  int next_panel = 0;
  constexpr std::chrono::milliseconds kPoll{50};
  auto last_progress = clock::now() - kPoll;
  for (int received = 0; received < R;) {
    if (opt.interrupt && opt.interrupt->load() && !cancel) {
      cancel = true;
      if (!first_error) first_error = std::make_exception_ptr(Interrupted());
    }
    // The progress line every 50 ms, whether or not replicates arrive meanwhile.
    if (opt.progress && clock::now() - last_progress >= kPoll) {
      opt.progress(static_cast<double>(months_done.load()), total);
      last_progress = clock::now();
    }
    Finished* f = done.pop(kPoll);
    if (f == nullptr) continue;
    ++received;
    std::unique_ptr<Finished> owned(f);
    if (first_error) continue;
    if (f->error) {
      first_error = f->error;
      cancel = true;
      continue;
    }
    try {
      const auto w0 = clock::now();
      writer.write_series(f->replicate, f->packed);
      pending_panel[f->replicate] = std::move(f->panel);
      for (auto it = pending_panel.find(next_panel); it != pending_panel.end(); it = pending_panel.find(next_panel)) {
        // (their whole chunks compressed on the run's threads, no more)
        writing.execute([&] {
          writer.append_panel(next_panel, it->second.spells, it->second.comparisons, it->second.firm_events);
        });
        pending_panel.erase(it), ++next_panel;
      }
      const double took = std::chrono::duration<double>(clock::now() - w0).count();
      write_s += took;
      if (received == R) write_at_end += took;
    } catch (...) {
      first_error = std::current_exception();
      cancel = true;
      continue;
    }
    if (sum.step_seconds.empty())
      for (const char* n : Model::kStepNames) sum.step_seconds.emplace_back(n, 0.0);
    for (int k = 0; k < Model::kSteps; ++k) sum.step_seconds[k].second += f->step_seconds[k];
    sum.month_seconds.resize(std::max(sum.month_seconds.size(), f->month_seconds.size()));
    for (std::size_t t = 0; t < f->month_seconds.size(); ++t) sum.month_seconds[t] += f->month_seconds[t];
    sum.init_seconds += f->init_seconds;
    sum.pack_seconds += f->pack_seconds;
    const Series& s = f->series;
    const int Mo = s.months();
    double ur = 0;
    int n = 0;
    for (int t = std::max(0, Mo - 12); t < Mo; ++t, ++n) ur += s.at(M::unemployment_rate, t);
    sum.unemployment_rate_last_year += ur / std::max(1, n) / R;
    double u2e = 0, e2u = 0;
    for (int t = 0; t < Mo; ++t) {
      sum.ai_layoffs += s.at(M::layoffs_ai, t) / R;
      sum.ordinary_layoffs += s.at(M::layoffs_ordinary, t) / R;
      sum.consolidation_layoffs += s.at(M::layoffs_consolidation, t) / R;
      sum.regretting_firms += s.at(M::new_regretting_firms, t) / R;
      u2e += s.at(M::u_to_e_rate, t);
      e2u += s.at(M::e_to_u_rate, t);
    }
    sum.u_to_e_rate += u2e / Mo / R;
    sum.e_to_u_rate += e2u / Mo / R;
    sum.firms_adopting_end += s.at(M::firms_adopting, Mo - 1) / R;
    sum.firms_alive_end += s.at(M::firms_alive, Mo - 1) / R;
    for (M m :
         {M::hires, M::quits, M::layoffs_ordinary, M::layoffs_ai, M::layoffs_consolidation, M::retirements, M::entrants,
          M::exits_to_nonparticipation, M::reentries, M::retraining_entries, M::retraining_completions})
      for (int t = 0; t < Mo; ++t) sum.moves += s.at(m, t);
    sum.worker_months += [&] {
      double wm = 0;
      for (int t = 0; t < Mo; ++t)
        wm += s.at(M::labor_force, t) + s.at(M::out_of_labor_force, t) + s.at(M::retraining, t);
      return wm;
    }();
  }
  workers.join();
  if (first_error) std::rethrow_exception(first_error);  // writer's destructor removes the temporary file
  if (opt.progress) opt.progress(total, total);
  const auto w0 = clock::now();
  writer.commit();
  const double commit_s = std::chrono::duration<double>(clock::now() - w0).count();
  sum.write_seconds = write_s + commit_s;
  sum.write_seconds_at_end = write_at_end + commit_s;
  sum.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return sum;
}

}  // namespace laborsim
