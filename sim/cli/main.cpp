// laborsim: the command line over the engine library. Exit codes: 0 success,
// 2 bad input (scenario or arguments), 1 failure while running.
#include "laborsim/model.hpp"
#include "laborsim/output.hpp"
#include "laborsim/runner.hpp"
#include "laborsim/scenario.hpp"
#include "laborsim/sweep.hpp"
#include "laborsim/thin_markets.hpp"

#include <sys/resource.h>
#include <unistd.h>
#include <boost/program_options.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace po = boost::program_options;
using namespace laborsim;

namespace {
// What --seed, --replicates and --threads take, for their messages (the first two as
// simulation.seed and simulation.replicates do).
const std::string kSeedTaken = "a whole number from 0 to " + std::to_string(std::numeric_limits<std::int64_t>::max());
const std::string kReplicatesTaken = "a whole number from 1 to " + std::to_string(SimulationParams::kMaxReplicates);
const std::string kThreadsTaken = "a whole number, 0 (all cores) or more";

constexpr int kOk = 0, kFailure = 1, kBadInput = 2;

std::atomic<bool> g_interrupted{false};
volatile std::sig_atomic_t g_signal = 0;  // which signal stopped the run: the exit status is 128 + it
extern "C" void on_signal(int sig) {
  g_signal = sig;
  g_interrupted = true;
}

const char* kUsage =
    "Usage:\n"
    "  laborsim run SCENARIO.toml [-o OUT.h5] [--replicates N] [--seed S] [--threads T]\n"
    "               [--set KEY=VALUE ...] [--quiet]\n"
    "  laborsim run SCENARIO.toml [...] [--sweep KEY=V1,V2,... ...] [-o DIR] [options as above]\n"
    "  laborsim validate SCENARIO.toml [...] [--set KEY=VALUE ...] [--sweep KEY=V1,V2,... ...]\n"
    "  laborsim --help | --version\n\n"
    "Simulates the labour market under AI adoption as Monte Carlo replicates and writes\n"
    "their monthly time series to an HDF5 file (docs/output-format.md). Several scenarios,\n"
    "or a sweep, run one after another, each into NAME.h5 in the -o directory.\n";

// m:ss, or h:mm:ss from an hour on.
std::string clock_text(double seconds) {
  const auto t = static_cast<long>(std::lround(std::max(0.0, seconds)));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

// A size in bytes as people read it: in GiB from 1 GiB on, else in MiB or KiB (so that
// a small limit or estimate does not print as "0.00 GiB").
std::string size_text(double bytes) {
  char buf[32];
  if (bytes >= 1073741824.0)
    std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / 1073741824.0);
  else if (bytes >= 1048576.0)
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
  else
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  return buf;
}

// The results file a run names after its scenario (without -o, or with -o DIR). A name
// is a label and may hold any character; those a file name cannot (a path separator, a
// control character) become '_', as does a leading '.' (no hidden file), so that "a/b"
// writes a_b.h5 here, not b.h5 in ./a.
std::string results_file_name(const std::string& scenario_name) {
  std::string file = scenario_name.empty() ? "results" : scenario_name;
  for (char& c : file)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
  if (file.front() == '.') file.front() = '_';
  return file + ".h5";
}

// The progress line on a terminal: a bar, the share of months done (the burn-in's
// included), the time so far and, once months are being done, the time left at the pace
// since the first of them (the initial state comes before: a large run spends its first
// seconds there, and the line says so rather than sit at 0% in silence).
// (prefix: what the line is about, e.g. "run 2 of 4 ", or empty.)
std::function<void(double, double)> progress_line(std::string prefix) {
  using clock = std::chrono::steady_clock;
  struct State {
    clock::time_point start = clock::now(), first_at;
    double first = -1;      // months done when they first showed
    bool finished = false;  // the last line is written once
  };
  auto st = std::make_shared<State>();
  return [st, prefix](double done, double total) {
    if (st->finished) return;
    st->finished = done >= total;
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - st->start).count();
    if (done > 0 && st->first < 0) st->first = done, st->first_at = now;
    const int width = 40;
    const double frac = total > 0 ? std::min(1.0, done / total) : 1;
    const int filled = static_cast<int>(frac * width);
    std::string tail;
    if (done >= total) {
      tail = "done in " + clock_text(elapsed);
    } else if (st->first < 0) {
      tail = clock_text(elapsed) + " (initial state)";
    } else if (done - st->first < 1) {
      tail = clock_text(elapsed);  // no pace to go by yet
    } else {
      const double pace = std::chrono::duration<double>(now - st->first_at).count() / (done - st->first);
      tail = clock_text(elapsed) + ", about " + clock_text(pace * (total - done)) + " left";
    }
    std::fprintf(stderr, "\r%s[%.*s%*s] %5.1f%%  %-40s", prefix.c_str(), filled,
                 "########################################", width - filled, "", 100 * frac, tail.c_str());
    if (done >= total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

// One run of the command: its scenario and, with several, its label in their table
// ("adoption_speed=2" in one scenario's sweep, else the run's name).
struct Job {
  Scenario sc;
  std::string label;
};

// A size such as 8G, 500M, 1.5GiB or 1048576 (bytes): B, K, M, G or T (powers of 1024)
// in either case, optionally as KB or KiB and so on; nullopt if it is not one.
std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(pos);
  for (char& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() == 3 && unit.ends_with("IB"))
    unit.resize(1);
  else if (unit.size() == 2 && unit.ends_with('B'))
    unit.resize(1);
  const std::string units = "BKMGT";
  const auto at = unit.empty() ? 0 : unit.size() == 1 ? units.find(unit[0]) : std::string::npos;
  if (at == std::string::npos) return std::nullopt;
  const double bytes = value * std::ldexp(1.0, 10 * static_cast<int>(at));
  if (!std::isfinite(bytes) || bytes < 1 || bytes > 1e18) return std::nullopt;
  return static_cast<std::size_t>(bytes);
}

// A run's size: "8 replicates x 120 months, 100000 workers".
std::string run_size(const Scenario& sc) {
  return std::to_string(sc.simulation.replicates) +
         (sc.simulation.replicates == 1 ? " replicate x " : " replicates x ") + std::to_string(sc.simulation.months) +
         " months, " + std::to_string(sc.simulation.workers) + " workers";
}

// The runs' common size ("... each"), or that they differ.
std::string sizes_text(const std::vector<Job>& jobs) {
  for (const Job& j : jobs)
    if (run_size(j.sc) != run_size(jobs[0].sc)) return "sizes differ from run to run";
  return run_size(jobs[0].sc) + " each";
}

// What a stopped sequence of runs leaves: the runs written before run i.
std::string done_text(const std::vector<std::filesystem::path>& outputs, size_t i) {
  std::string out = i == 1 ? "the first run is written: " : "the first " + std::to_string(i) + " runs are written: ";
  for (size_t k = 0; k < i; ++k) {
    if (k) out += ", ";
    out += outputs[k].string();
  }
  return out;
}

// A path as one word of a shell command: quoted where a character needs it, but for
// its '*'s, which the shell is to expand.
std::string shell_word(const std::string& path) {
  if (path.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=.,/*") ==
      std::string::npos)
    return path;
  std::string q = "'";
  for (const char ch : path) q += ch == '*' ? "'*'" : ch == '\'' ? "'\\''" : std::string(1, ch);
  return q + "'";
}

// How to call laborsim-analyze from here: beside this program (installed), in the build
// tree's analysis/ beside its sim/, or from the PATH. (argv0: how this program was called.)
std::string analyze_command(const std::string& argv0) {
  const std::filesystem::path self(argv0);
  if (self.has_parent_path())
    for (const auto& p : {self.parent_path() / "laborsim-analyze",
                          (self.parent_path() / ".." / "analysis" / "laborsim-analyze").lexically_normal()})
      if (std::filesystem::exists(p)) return p.string();
  return "laborsim-analyze";
}

// The run's scenario and size, before its results.
void print_run(const Scenario& sc) {
  std::printf("laborsim: scenario '%s', %s\n", sc.name.c_str(), run_size(sc).c_str());
  if (!sc.schedule.empty()) {
    std::string months;
    for (const auto& c : sc.schedule) {
      if (!months.empty()) months += ", ";
      months += std::to_string(c.month);
    }
    std::printf("schedule: parameters change at month %s\n", months.c_str());
  }
}

// Workers per market (occupation and region): thin below kThinMarketWorkers.
double workers_per_market(const Scenario& sc) {
  return laborsim::workers_per_market(static_cast<double>(sc.simulation.workers), sc.occupations.size(),
                                      sc.regions.size());
}
// The note, where these runs' markets are thin (of several, the thinnest's): its first
// line after `first`, its second after `rest`.
void print_thin_markets_note(const std::vector<const Scenario*>& runs, const char* first, const char* rest) {
  double thinnest = kThinMarketWorkers;
  for (const Scenario* sc : runs) thinnest = std::min(thinnest, workers_per_market(*sc));
  if (!markets_are_thin(thinnest)) return;
  std::printf(
      "%s%.0f workers per market (occupation and region)%s: markets this thin raise unemployment\n"
      "%s(the baseline's by 0.4 points at 280 per market, 2 at 28; docs/validation.md)\n",
      first, thinnest, runs.size() > 1 ? " in the thinnest run" : "", rest);
}
void print_thin_markets_note(const std::vector<Job>& jobs, const char* first, const char* rest) {
  std::vector<const Scenario*> runs;
  for (const Job& j : jobs) runs.push_back(&j.sc);
  print_thin_markets_note(runs, first, rest);
}

// How a month's cost moves over the run (with --profile): the mean time of a month, its
// steps together and summed over replicates, over the burn-in and then year by year, or
// over bands of as many years as keep it to 20 rows.
void print_month_times(const Scenario& sc, const std::vector<double>& month_seconds) {
  const int burn_in = sc.simulation.burn_in_months, months = sc.simulation.months;
  if (month_seconds.size() != static_cast<std::size_t>(burn_in + months)) return;
  auto mean = [&](int from, int to) {  // months [from, to) of the run, burn-in first
    double t = 0;
    for (int k = from; k < to; ++k) t += month_seconds[static_cast<std::size_t>(k)];
    return t / (to - from);
  };
  std::printf("time per month (all its steps, summed over replicates), mean over:\n");
  if (burn_in > 0) std::printf("  %-14s %10.3f ms (%d months)\n", "burn-in", 1e3 * mean(0, burn_in), burn_in);
  const int years = (months + 11) / 12, band = (years + 19) / 20;
  for (int y = 0; y < years; y += band) {
    const int last = std::min(years, y + band);
    const std::string label =
        last == y + 1 ? "year " + std::to_string(y + 1) : "years " + std::to_string(y + 1) + "-" + std::to_string(last);
    std::printf("  %-14s %10.3f ms\n", label.c_str(),
                1e3 * mean(burn_in + 12 * y, burn_in + std::min(months, 12 * last)));
  }
}

// Where a run wrote, how long it took, where the time went (with --profile) and its
// headline figures.
void print_results(const Scenario& sc, const RunSummary& s, const std::filesystem::path& output, bool profile) {
  std::printf("results:  %s\n", output.c_str());
  std::printf("time:     %.2f s (%.3g worker-months/s; writing %.2f s)\n", s.seconds, s.worker_months / s.seconds,
              s.write_seconds);
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  std::printf("memory:   %.1f MiB peak resident\n", ru.ru_maxrss / 1024.0);
  if (profile) {
    double total = s.init_seconds + s.pack_seconds;
    for (auto& [n, t] : s.step_seconds) total += t;
    std::printf(
        "profile (time in each step of the month, then compressing the series for the file, summed over "
        "replicates):\n  %-14s %8.3f s %5.1f%%\n",
        "initial state", s.init_seconds, 100 * s.init_seconds / total);
    for (auto& [n, t] : s.step_seconds) std::printf("  %-14s %8.3f s %5.1f%%\n", n.c_str(), t, 100 * t / total);
    std::printf("  %-14s %8.3f s %5.1f%%\n", "compression", s.pack_seconds, 100 * s.pack_seconds / total);
    std::printf("  %-14s %8.3f s (wall, on the writer thread; %.3f s of it after the last replicate)\n", "hdf5 writing",
                s.write_seconds, s.write_seconds_at_end);
    print_month_times(sc, s.month_seconds);
    std::printf("worker columns: %zu bytes per worker\n", Workers::bytes_per_worker());
    std::printf("moves:    %.0f (%.3g per second: hires, quits, layoffs, retirements, entries, exits, retraining)\n",
                s.moves, s.moves / s.seconds);
  }
  std::printf("headline (means over replicates):\n");
  // (the mean over the last 12 months, or over the whole run if it is shorter)
  const std::string window = sc.simulation.months >= 12  ? "last 12 months"
                             : sc.simulation.months == 1 ? "the 1 month"
                                                         : "all " + std::to_string(sc.simulation.months) + " months";
  std::printf("  unemployment rate, %-16s %6.2f %%\n", window.c_str(), 100 * s.unemployment_rate_last_year);
  std::printf("  monthly E->U / U->E rate            %6.2f %% / %.1f %%\n", 100 * s.e_to_u_rate, 100 * s.u_to_e_rate);
  std::printf("  layoffs: ordinary / AI / consolid.  %.0f / %.0f / %.0f\n", s.ordinary_layoffs, s.ai_layoffs,
              s.consolidation_layoffs);
  std::printf("  firms adopting AI at the end        %.0f of %.0f alive\n", s.firms_adopting_end, s.firms_alive_end);
  std::printf("  firms regretting AI cuts            %.0f\n", s.regretting_firms);
  // Thin markets raise unemployment (docs/validation.md, "Small populations run higher").
  print_thin_markets_note({&sc}, "note:     ", "          ");
}

// Thrown by a step of the command once it has said on standard error (or, for --help
// and --version, on standard output) why the command ends there, with its exit code.
struct Exit {
  int code;
};

// What the command line asks for.
struct Command {
  std::string command;  // run or validate
  std::vector<std::string> files;
  std::vector<std::string> overrides;  // --set, then --replicates and --seed as keys
  std::vector<SweepAxis> axes;
  std::vector<SweepPoint> points;  // a sweep's runs; none without --sweep
  int threads = 0;
  std::optional<std::string> output, max_memory;
  bool quiet = false, profile = false, resume = false;
  std::string command_line;  // as typed, for the results file's provenance
  std::string argv0;
  bool sweep() const { return !points.empty(); }
};

// Several runs (scenarios, or a sweep's points, even one) write into a directory, one
// file each, and print a line each.
bool many_runs(const Command& c, const std::vector<Job>& jobs) { return c.sweep() || jobs.size() > 1; }

Command parse_command_line(int argc, char** argv) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("version", "show the version")(
      "output,o", po::value<std::string>(),
      "results file, or a directory to write SCENARIO_NAME.h5 in (default: the current directory)")(
      "replicates,r", po::value<int>(), "number of Monte Carlo replicates (overrides simulation.replicates)")(
      "seed,s", po::value<std::int64_t>(), "master seed, 0 or more (overrides simulation.seed)")(
      "threads,t", po::value<int>()->default_value(0), "worker threads (0: all cores); results do not depend on it")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key, e.g. --set ai.adoption_speed=2")(
      "sweep", po::value<std::vector<std::string>>()->composing(),
      "run once per value, e.g. --sweep ai.adoption_speed=0.5,1,2 (repeat for every combination); each run writes "
      "NAME_KEY=VALUE.h5 into the -o directory, made if missing, all with the same seed")(
      "max-memory", po::value<std::string>(),
      "refuse runs estimated to need more memory than this, e.g. 8G, 500M or 1.5GiB (powers of 1024; default: 90% of "
      "physical memory)")("quiet,q", "no progress bar and no summary")(
      "profile", "also print where the time went, mechanism by mechanism")(
      "resume",
      "skip each run whose results file already holds it (the same scenario, seed, size and build), "
      "e.g. to finish a stopped sweep");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("scenario", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("scenario", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::invalid_option_value& e) {
    // "the argument ('x') for option '--seed' is invalid": say what the option takes.
    const std::string option = e.get_option_name();
    const std::string takes = option == "--seed"         ? kSeedTaken
                              : option == "--replicates" ? kReplicatesTaken
                              : option == "--threads"    ? kThreadsTaken
                                                         : std::string();
    if (takes.empty()) {
      std::cerr << "laborsim: " << e.what() << "\n\n" << kUsage;
      throw Exit{kBadInput};
    }
    const std::string what = e.what();  // the value typed is quoted in it: ('x')
    const auto from = what.find("('"), to = what.find("')");
    std::cerr << "laborsim: " << option << ": expected " << takes
              << (from != std::string::npos && to > from ? ", got '" + what.substr(from + 2, to - from - 2) + "'" : "")
              << "\n";
    throw Exit{kBadInput};
  } catch (const po::error& e) {
    std::cerr << "laborsim: " << e.what() << "\n\n" << kUsage;
    throw Exit{kBadInput};
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << opts;
    throw Exit{kOk};
  }
  if (vm.count("version")) {
    std::cout << "laborsim " << version() << " (git " << git_commit() << ", output format " << kFormatVersion << ")\n"
              << "built with " << build() << "\n";
    throw Exit{kOk};
  }
  if (!vm.count("command")) {
    std::cerr << "laborsim: expected a command (run or validate) and a scenario file (or several)\n\n" << kUsage;
    throw Exit{kBadInput};
  }
  Command c;
  c.command = vm["command"].as<std::string>();
  if (c.command != "run" && c.command != "validate") {
    std::cerr << "laborsim: unknown command '" << c.command << "' (expected run or validate)\n";
    throw Exit{kBadInput};
  }
  if (!vm.count("scenario")) {
    std::cerr << "laborsim " << c.command << ": expected a scenario file (or several), e.g. scenarios/baseline.toml\n\n"
              << kUsage;
    throw Exit{kBadInput};
  }
  c.files = vm["scenario"].as<std::vector<std::string>>();
  if (vm.count("set")) c.overrides = vm["set"].as<std::vector<std::string>>();
  // (Checked here so the message names the option typed; the scenario checks the rest.
  // A negative seed would otherwise have wrapped round to a huge unsigned one.)
  if (vm.count("replicates") &&
      (vm["replicates"].as<int>() < 1 || vm["replicates"].as<int>() > SimulationParams::kMaxReplicates)) {
    std::cerr << "laborsim: --replicates: expected " << kReplicatesTaken << ", got '" << vm["replicates"].as<int>()
              << "'\n";
    throw Exit{kBadInput};
  }
  if (vm.count("seed") && vm["seed"].as<std::int64_t>() < 0) {
    std::cerr << "laborsim: --seed: expected " << kSeedTaken << ", got '" << vm["seed"].as<std::int64_t>() << "'\n";
    throw Exit{kBadInput};
  }
  if (vm.count("replicates"))
    c.overrides.push_back("simulation.replicates=" + std::to_string(vm["replicates"].as<int>()));
  if (vm.count("seed")) c.overrides.push_back("simulation.seed=" + std::to_string(vm["seed"].as<std::int64_t>()));
  c.threads = vm["threads"].as<int>();
  if (c.threads < 0) {
    std::cerr << "laborsim: --threads: expected " << kThreadsTaken << ", got '" << c.threads << "'\n";
    throw Exit{kBadInput};
  }
  // A sweep's values, checked before any scenario is read.
  try {
    if (vm.count("sweep"))
      for (const std::string& a : vm["sweep"].as<std::vector<std::string>>()) c.axes.push_back(parse_sweep(a));
    c.points = sweep_points(c.axes);
  } catch (const InputError& e) {
    std::cerr << "laborsim: error: " << e.what() << "\n";
    throw Exit{kBadInput};
  }
  if (vm.count("output")) c.output = vm["output"].as<std::string>();
  if (vm.count("max-memory")) c.max_memory = vm["max-memory"].as<std::string>();
  c.quiet = vm.count("quiet") > 0;
  c.profile = vm.count("profile") > 0;
  c.resume = vm.count("resume") > 0;
  std::ostringstream cl;
  for (int i = 0; i < argc; ++i) cl << (i ? " " : "") << argv[i];
  c.command_line = cl.str();
  c.argv0 = argv[0];
  return c;
}

// Every run's scenario, all read and checked before the first starts: each scenario
// file's, or with --sweep each file's once per point.
std::vector<Job> read_jobs(const Command& c) {
  std::vector<Job> jobs;
  try {
    for (const std::string& file : c.files) {
      Scenario base = load_scenario(file, c.overrides);
      if (!c.sweep()) {
        std::string label = c.files.size() > 1 ? base.name : "";
        jobs.push_back({std::move(base), std::move(label)});
      }
      for (const SweepPoint& p : c.points) {
        std::vector<std::string> o = c.overrides;
        o.insert(o.end(), p.overrides.begin(), p.overrides.end());
        o.push_back(p.name_assignment(base.name));
        try {
          jobs.push_back({load_scenario(file, o), c.files.size() > 1 ? p.run_name(base.name) : p.label});
        } catch (const InputError& e) {
          // An error in the sweep's own value is the --sweep's; any other names the run too.
          for (const std::string& a : p.overrides)
            if (e.file() == std::string(kSetSource) + a) {
              std::cerr << "laborsim: error: --sweep " << a << ": "
                        << (e.key().empty() ? "" : "key '" + e.key() + "': ") << e.message() << "\n";
              throw Exit{kBadInput};
            }
          std::cerr << "laborsim: error: in the sweep's run " << p.label << ": " << e.what() << "\n"
                    << error_excerpt(e);
          throw Exit{kBadInput};
        }
      }
    }
  } catch (const InputError& e) {
    std::cerr << "laborsim: error: " << e.what() << "\n" << error_excerpt(e);
    throw Exit{kBadInput};
  } catch (const std::exception& e) {
    std::cerr << "laborsim: error: " << e.what() << "\n";
    throw Exit{kBadInput};
  }
  return jobs;
}

// The largest of the runs' memory estimates.
const MemoryEstimate& largest(const std::vector<MemoryEstimate>& estimates) {
  return *std::max_element(estimates.begin(), estimates.end(),
                           [](const MemoryEstimate& a, const MemoryEstimate& b) { return a.total < b.total; });
}
// What the estimate is made of: the replicates run at once, the output, the rest.
std::array<std::string, 3> parts(const MemoryEstimate& e) {
  const int R = e.replicates;
  return {size_text(static_cast<double>(e.models)) + " for the " +
              (e.concurrent == 1 ? std::string("replicate") : std::to_string(e.concurrent) + " replicates") +
              " run at once",
          size_text(static_cast<double>(e.output)) + " for " +
              (R == 1 ? std::string("its output") : "the output of all " + std::to_string(R)),
          size_text(static_cast<double>(e.total - e.models - e.output)) + " for the program and its tables"};
}

// Said under every estimate's parts.
constexpr const char* kUncompressedNote =
    "the output taken uncompressed: stored compressed, it is often several times smaller";

// The memory a run may need: --max-memory, or 90% of physical memory; a bad size is an error.
struct MemoryLimit {
  std::size_t bytes;
  const char* source;
};
MemoryLimit memory_limit(const Command& c) {
  if (!c.max_memory) return {physical_memory() / 10 * 9, "90% of physical memory"};
  const auto parsed = parse_size(*c.max_memory);
  if (!parsed) {
    std::cerr << "laborsim: --max-memory: expected a size like 8G, 500M, 1.5GiB or 1048576 (bytes), got '"
              << *c.max_memory << "'\n";
    throw Exit{kBadInput};
  }
  return {*parsed, "--max-memory"};
}

// What loading the runs' scenarios did that their writer may not expect (shares scaled to
// sum to one), each note once, with the runs it concerns when they are several (a sweep
// over a share gives each run its own).
std::vector<std::string> scenario_notes(const std::vector<Job>& jobs) {
  std::vector<std::string> notes;
  for (const Job& j : jobs)
    for (const std::string& n : j.sc.notes) {
      const std::string note = jobs.size() > 1 ? j.label + ": " + n : n;
      if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    }
  return notes;
}

// validate: the resolved scenario (or the runs' names) and what a run would need, to
// plan a large one before starting it.
void print_validation(const Command& c, const std::vector<Job>& jobs, const std::vector<MemoryEstimate>& estimates) {
  const MemoryLimit limit = memory_limit(c);  // a bad --max-memory fails here, as in a run
  const bool many = many_runs(c, jobs);
  if (!many) {
    std::cout << describe(jobs[0].sc);
  } else {
    std::printf("# %zu runs, each a valid scenario:\n", jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i)
      std::printf("#   %s (peak memory estimated at %s)\n", jobs[i].sc.name.c_str(),
                  size_text(static_cast<double>(estimates[i].total)).c_str());
  }
  const int t = effective_threads(c.threads);
  const MemoryEstimate& most = largest(estimates);
  std::printf("\n# A run on %d thread%s is estimated to peak at %s of memory%s (this machine has %.1f GiB).\n", t,
              t == 1 ? "" : "s", size_text(static_cast<double>(most.total)).c_str(), many ? " at most" : "",
              physical_memory() / 1073741824.0);
  const auto p = parts(most);
  std::printf("# Of it: %s, %s,\n#   %s\n", p[0].c_str(), p[1].c_str(), p[2].c_str());
  std::printf("# (%s).\n", kUncompressedNote);
  const std::string limit_text = size_text(static_cast<double>(limit.bytes)) + " (" + limit.source + ")";
  if (most.total > limit.bytes)
    std::printf("# Above the limit of %s: laborsim run would refuse %s.\n", limit_text.c_str(),
                many ? "the largest of these runs" : "it");
  else
    std::printf("# Within the limit of %s%s.\n", limit_text.c_str(), c.max_memory ? "" : "; --max-memory sets another");
  print_thin_markets_note(jobs, "# Note: ", "# ");  // as a run says under its headline
  for (const std::string& n : scenario_notes(jobs)) std::printf("# Note: %s\n", n.c_str());
}

// Refuses, before anything is built, runs that cannot fit: the largest estimate against
// --max-memory, or 90% of physical memory.
void check_memory(const Command& c, const std::vector<Job>& jobs, const std::vector<MemoryEstimate>& estimates) {
  const MemoryLimit limit = memory_limit(c);
  const MemoryEstimate& most = largest(estimates);
  if (most.total > limit.bytes) {
    const auto p = parts(most);
    std::fprintf(stderr,
                 "laborsim: error: %s is estimated to need %s of memory, more than the limit of %s (%s):\n"
                 "  %s, %s,\n  %s (%s);\n"
                 "  reduce simulation.workers, --threads (replicates run at once), --replicates or "
                 "output.panel_rate (the sampled panels), or raise --max-memory\n",
                 many_runs(c, jobs) ? "the largest of these runs" : "this run",
                 size_text(static_cast<double>(most.total)).c_str(),
                 size_text(static_cast<double>(limit.bytes)).c_str(), limit.source, p[0].c_str(), p[1].c_str(),
                 p[2].c_str(), kUncompressedNote);
    throw Exit{kBadInput};
  }
}

// Where each run writes: -o FILE or DIR for one run; several write NAME.h5 each into
// the -o directory (made if missing) or the current one.
std::vector<std::filesystem::path> output_paths(const Command& c, const std::vector<Job>& jobs) {
  std::vector<std::filesystem::path> outputs;
  if (!many_runs(c, jobs)) {
    std::filesystem::path out = c.output ? *c.output : results_file_name(jobs[0].sc.name);
    if (std::filesystem::is_directory(out)) out /= results_file_name(jobs[0].sc.name);  // -o results/
    if (const auto dir = out.parent_path(); !dir.empty() && !std::filesystem::is_directory(dir)) {
      std::cerr << "laborsim: error: output directory '" << dir.string()
                << (std::filesystem::exists(dir) ? "' is a file, not a directory\n" : "' does not exist\n");
      throw Exit{kBadInput};
    }
    outputs.push_back(out);
    return outputs;
  }
  const std::string what = c.sweep() ? "with --sweep" : "with several scenarios";
  const std::filesystem::path dir = c.output ? *c.output : ".";
  std::error_code ec;
  if (!std::filesystem::exists(dir) && dir.extension() == ".h5") {
    std::cerr << "laborsim: error: " << what
              << ", -o names the directory the runs are written to (each as NAME.h5), not a file: '" << dir.string()
              << "'\n";
    throw Exit{kBadInput};
  }
  if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir)) {
    std::cerr << "laborsim: error: " << what << ", -o names the directory the runs are written to; '" << dir.string()
              << "' is a file\n";
    throw Exit{kBadInput};
  }
  for (const Job& j : jobs) {
    outputs.push_back(dir / results_file_name(j.sc.name));
    if (std::count(outputs.begin(), outputs.end(), outputs.back()) > 1) {
      std::cerr << "laborsim: error: two runs would write " << outputs.back().string()
                << (c.sweep() ? "; make their values differ in more than quotes, brackets and spaces\n"
                              : "; give the scenarios different names (their name keys)\n");
      throw Exit{kBadInput};
    }
  }
  if (!std::filesystem::create_directories(dir, ec) && ec) {
    std::cerr << "laborsim: error: cannot make the output directory '" << dir.string() << "': " << ec.message() << "\n";
    throw Exit{kBadInput};
  }
  return outputs;
}

// Whether the .h5 files of `dir` are all of `outputs` and nothing else.
bool only_these_results(const std::filesystem::path& dir, const std::vector<std::filesystem::path>& outputs) {
  std::error_code ec;
  std::size_t found = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".h5" || e.is_directory()) continue;
    const bool ours = std::any_of(outputs.begin(), outputs.end(), [&](const std::filesystem::path& o) {
      return std::filesystem::equivalent(o, e.path(), ec);
    });
    if (!ours) return false;
    ++found;
  }
  return !ec && found == outputs.size();
}

// The runs, one after another: a progress line on a terminal; after one run, where it
// wrote and its headline figures; after each of several, a line (or, with --profile, its
// results), then the command that puts them side by side.
int run_jobs(const Command& c, const std::vector<Job>& jobs, const std::vector<std::filesystem::path>& outputs) {
  const bool many = many_runs(c, jobs);
  // Ctrl-C or a termination request stops the replicates and removes the partial file.
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (many && !c.quiet) {
    if (c.files.size() == 1)
      std::printf("laborsim: a sweep of %zu runs of '%s' (%s)\n", jobs.size(), c.files[0].c_str(),
                  sizes_text(jobs).c_str());
    else
      std::printf("laborsim: %zu runs of %zu scenarios (%s)\n", jobs.size(), c.files.size(), sizes_text(jobs).c_str());
  }
  // Several runs without --profile: a line each, under one heading printed before the first.
  const int width =
      static_cast<int>(std::max<size_t>(3, std::max_element(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
                                             return a.label.size() < b.label.size();
                                           })->label.size()));
  bool headed = false;
  const auto heading = [&] {
    if (!headed)
      std::printf("  %-*s  %12s  %15s  %26s  %8s\n", width, "run", "unemployment", "E->U / U->E",
                  "layoffs: ordinary/AI/cons.", "time");
    headed = true;
  };
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (c.resume && holds_run(outputs[i], jobs[i].sc)) {
      if (!c.quiet && many) {
        if (!c.profile) heading();
        std::printf("  %-*s  kept: %s already holds it (--resume)\n", width, jobs[i].label.c_str(), outputs[i].c_str());
      } else if (!c.quiet)
        std::printf("laborsim: %s already holds this run (--resume); nothing to do\n", outputs[i].c_str());
      std::fflush(stdout);
      continue;
    }
    RunOptions ro;
    ro.output = outputs[i];
    ro.threads = c.threads;
    ro.command_line = c.command_line;
    ro.interrupt = &g_interrupted;
    const std::string prefix = many ? "run " + std::to_string(i + 1) + " of " + std::to_string(jobs.size()) + " " : "";
    if (!c.quiet && ::isatty(STDERR_FILENO)) ro.progress = progress_line(prefix);
    RunSummary s;
    try {
      s = run_scenario(jobs[i].sc, ro);
    } catch (const Interrupted&) {
      std::cerr << "\nlaborsim: interrupted; no results written"
                << (i > 0 ? " for this run (" + done_text(outputs, i) + ")" : "") << "\n";
      return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
    } catch (const std::exception& e) {
      std::cerr << "laborsim: run failed: " << e.what() << (i > 0 ? " (" + done_text(outputs, i) + ")" : "") << "\n";
      return kFailure;
    }
    if (c.quiet) continue;
    if (!many) {
      print_run(jobs[i].sc);
      print_results(jobs[i].sc, s, outputs[i], c.profile);
      const std::string file = shell_word(outputs[i].string());
      std::printf("next:     %s summary %s   (or report %s -o report.html)\n",
                  shell_word(analyze_command(c.argv0)).c_str(), file.c_str(), file.c_str());
    } else if (c.profile) {
      std::printf("run %zu of %zu: %s\n", i + 1, jobs.size(), jobs[i].label.c_str());
      print_results(jobs[i].sc, s, outputs[i], c.profile);
    } else {  // a line a run, under one heading
      heading();
      char flows[32], layoffs[48];
      std::snprintf(flows, sizeof flows, "%.2f%% / %.1f%%", 100 * s.e_to_u_rate, 100 * s.u_to_e_rate);
      std::snprintf(layoffs, sizeof layoffs, "%.0f / %.0f / %.0f", s.ordinary_layoffs, s.ai_layoffs,
                    s.consolidation_layoffs);
      std::printf("  %-*s  %11.2f%%  %15s  %26s  %6.1f s\n", width, jobs[i].label.c_str(),
                  100 * s.unemployment_rate_last_year, flows, layoffs, s.seconds);
    }
    std::fflush(stdout);  // each run's line as it finishes, also into a pipe (| tee sweep.log)
  }
  if (many && !c.quiet) {
    std::printf("(unemployment over the last 12 months, or the whole run if shorter; means over replicates)\n");
    print_thin_markets_note(jobs, "note:     ", "          ");
    // The runs' files: one scenario's sweep by its directory where that holds its runs and
    // nothing else (the analysis reads a directory's files in natural order, a sweep's
    // values by number: a shell pattern would list them in the shell's order, where "x=10"
    // comes before "x=2" and "x=0.5" before "x=0"); else each, in the order run (the
    // first is the reference that compare and report measure the others against).
    std::vector<std::string> names;
    const auto dir = outputs[0].parent_path().empty() ? std::filesystem::path(".") : outputs[0].parent_path();
    if (c.sweep() && c.files.size() == 1 && only_these_results(dir, outputs))
      names.push_back(dir.string());
    else
      for (const auto& o : outputs) names.push_back(o.string());
    std::printf("side by side: %s summary", shell_word(analyze_command(c.argv0)).c_str());
    for (const std::string& n : names) std::printf(" %s", shell_word(n).c_str());
    std::printf("\n");
  }
  return kOk;
}

// The command: read and check everything (the arguments, every run's scenario, the
// memory they need, where they write) before the first run starts.
int run_command(int argc, char** argv) {
  try {
    const Command c = parse_command_line(argc, argv);
    const std::vector<Job> jobs = read_jobs(c);
    std::vector<MemoryEstimate> estimates;  // each run's peak memory
    for (const Job& j : jobs) estimates.push_back(estimate_memory(j.sc, c.threads));
    if (c.command == "validate") {
      print_validation(c, jobs, estimates);
      return kOk;
    }
    check_memory(c, jobs, estimates);
    // Before the run, and with --quiet too: the scenario may not be what its writer meant.
    for (const std::string& n : scenario_notes(jobs)) std::fprintf(stderr, "laborsim: note: %s\n", n.c_str());
    return run_jobs(c, jobs, output_paths(c, jobs));
  } catch (const Exit& e) {
    return e.code;
  }
}

}  // namespace

// A table or CSV sent to a file on a full disk must not end in a success: standard
// output is flushed and checked before exiting (as coreutils do), a failure is exit 1.
int main(int argc, char** argv) {
  const int status = run_command(argc, argv);
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout.good()) {
    std::fprintf(stderr, "laborsim: error: writing standard output failed%s\n",
                 errno ? (std::string(": ") + std::strerror(errno)).c_str() : " (is the disk full?)");
    return status == 0 ? 1 : status;
  }
  return status;
}
