// laborsim-analyze: summaries, comparisons, exports and reports of laborsim results.
// Exit codes: 0 success, 2 bad input (arguments or files), 1 failure while writing,
// 130 interrupted (Ctrl-C), 143 stopped by SIGTERM (as laborsim's).
#include "laborsim/analysis/export.hpp"
#include "laborsim/analysis/results.hpp"
#include "laborsim/analysis/summary.hpp"
#include "laborsim/analysis/tables.hpp"

#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace laborsim::analysis;

namespace {

// Interrupted: the files being written are removed (the final names were never touched)
// and the program ends at once, with 128 + the signal as laborsim does.
extern "C" void on_signal(int sig) {
  StagedFiles::remove_uncommitted();
  static const char said[] = "\nlaborsim-analyze: interrupted; no file written\n";
  if (::write(STDERR_FILENO, said, sizeof said - 1) < 0) {
  }  // (nothing more to do about it here)
  ::_exit(128 + sig);
}

const char* kUsage =
    "Usage:\n"
    "  laborsim-analyze summary RESULTS.h5 [...] [--by occupation|sector|region|cohort|tenure|cause "
    "[--group NAME ...]]\n"
    "                   [--format table|csv|json] [--from M] [--to M]\n"
    "  laborsim-analyze summary A.h5 B.h5 [...] [--format table|csv|json] [--from M] [--to M]   (side by side)\n"
    "  laborsim-analyze compare A.h5 B.h5 [C.h5 ...] [--format table|csv|json] [--from M] [--to M]   (each against A)\n"
    "  laborsim-analyze compare A.h5 B.h5 --by occupation|sector|region|cohort|tenure|cause [--group NAME ...]\n"
    "                   [--format ...] [--from M] [--to M]\n"
    "  laborsim-analyze series RESULTS.h5 [...] [--metric NAME ...] [--group NAME ...] [--every N] "
    "[--format table|csv|json]\n"
    "                   [--from M] [--to M]\n"
    "  laborsim-analyze flows RESULTS.h5 [--top N] [--format table|csv|json] [--from M] [--to M]\n"
    "  laborsim-analyze export RESULTS.h5 [...] --format csv|json -o DIR [--grouping aggregate ...]\n"
    "  laborsim-analyze report A.h5 [B.h5 ...] -o report.html\n"
    "  laborsim-analyze --help | --version\n\n"
    "Displacement and rehiring outcomes of laborsim runs: every figure as a mean across\n"
    "replicates with a 95% interval; comparisons pair replicates made with the same seed.\n"
    "A directory stands for the .h5 files in it, in natural order (a sweep's runs).\n"
    "What each figure is: docs/analysis.md.\n";

// What is wrong with where -o points, before any results file is read; empty if nothing
// is: report writes a file into a directory that must exist, export a directory (made,
// with its parents, if missing) where no file may stand.
std::string output_problem(const std::string& cmd, const po::variables_map& vm) {
  if (!vm.count("output") || (cmd != "report" && cmd != "export")) return "";
  const std::filesystem::path out = vm["output"].as<std::string>();
  std::error_code ec;
  if (cmd == "report") {
    if (std::filesystem::is_directory(out, ec))
      return "-o " + out.string() + " is a directory; name the report's file, e.g. -o " +
             (out / "report.html").string();
    const std::filesystem::path dir = out.parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
      return "-o " + out.string() + ": the directory " + dir.string() +
             (std::filesystem::exists(dir, ec) ? " is a file" : " does not exist");
    return "";
  }
  for (std::filesystem::path p = out; !p.empty(); p = p.parent_path()) {  // export: no file on the way
    if (std::filesystem::exists(p, ec) && !std::filesystem::is_directory(p, ec))
      return "-o " + out.string() + ": " + p.string() + " is a file, not a directory";
    if (p == p.parent_path()) break;
  }
  return "";
}

// What is wrong with the command line, as a sentence for the usage message; empty if
// nothing is: each command's files and options, each option's command.
std::string usage_problem(const std::string& cmd, const std::vector<std::filesystem::path>& files,
                          const po::variables_map& vm, Format format) {
  if (cmd == "summary") {
    if (files.empty()) return "summary takes one or more results files";
  } else if (cmd == "series") {
    if (files.empty()) return "series takes one or more results files";
    if (vm["every"].as<int>() < 1) return "--every must be 1 or more (months per period)";
  } else if (cmd == "flows") {
    if (files.size() != 1) return "flows takes one results file";
    if (vm["top"].as<int>() < 0) return "--top must be 0 or more";
  } else if (cmd == "export") {
    if (files.empty()) return "export takes one or more results files";
  } else if (cmd == "compare") {
    if (files.size() < 2) return "compare takes two or more results files (each compared with the first)";
    if (files.size() > 2 && vm.count("by")) return "compare --by takes two results files";
  } else if (cmd == "report") {
    if (files.empty()) return "report takes one or more results files";
    if (!vm.count("output")) return "report needs -o report.html";
  } else {
    return (cmd.empty() ? std::string("expected a command") : "unknown command '" + cmd + "'") +
           " (summary, compare, series, flows, export or report)";
  }
  if (cmd == "export" && (!vm.count("output") || format == Format::table))
    return "export needs --format csv|json and -o DIR";
  if (cmd != "export" && vm.count("grouping")) return "--grouping is an option of export";
  if (vm.count("by")) {
    if (cmd != "summary" && cmd != "compare") return "--by is an option of summary and compare";
    const std::string by = vm["by"].as<std::string>();
    if (by != "occupation" && by != "sector" && by != "region" && by != "cohort" && by != "tenure" && by != "cause")
      return "--by must be occupation, sector, region, cohort, tenure or cause";
  }
  for (const char* opt : {"from", "to"})
    if (cmd != "summary" && cmd != "compare" && cmd != "series" && cmd != "flows" && vm.count(opt))
      return std::string("--") + opt + " is an option of summary, compare, series and flows";
  if (cmd != "series" && (vm.count("metric") || !vm["every"].defaulted()))
    return "--metric and --every are options of series";
  if (vm.count("group") && cmd != "series" && !((cmd == "summary" || cmd == "compare") && vm.count("by")))
    return "--group picks groups of series by group, or of summary --by and compare --by";
  if (vm.count("group") && cmd == "series") {
    const auto metrics = vm.count("metric") ? vm["metric"].as<std::vector<std::string>>() : kHeadlineSeries;
    if (std::none_of(metrics.begin(), metrics.end(),
                     [](const std::string& m) { return m.find('/') != std::string::npos; }))
      return "--group picks groups of a series by group: name one with --metric, e.g. --metric occupation/employed";
  }
  if (cmd != "flows" && !vm["top"].defaulted()) return "--top is an option of flows";
  return "";
}

// export: the tables written, how many rows each, and where one is too long for Excel.
void export_runs(const std::vector<Results>& runs, const po::variables_map& vm, Format format) {
  std::set<std::string> groupings;
  if (vm.count("grouping"))
    for (const auto& g : vm["grouping"].as<std::vector<std::string>>()) groupings.insert(g);
  const auto n = export_tables(runs, vm["output"].as<std::string>(), format, groupings);
  const char* ext = format == Format::csv ? "csv" : "json";
  std::cerr << "laborsim-analyze: wrote " << n.series_rows << " series rows (" << n.summary_rows
            << " across replicates, in series_summary." << ext << "), " << n.spell_rows << " spells, "
            << n.comparison_rows << " comparison records and " << n.firm_event_rows << " firm events to "
            << vm["output"].as<std::string>() << " (the unit and meaning of each series: metrics." << ext
            << "; every run's parameters: parameters." << ext << ")\n";
  // Excel would open such a file cut short: say so, and how to make it fit.
  if (format == Format::csv && n.series_rows + 1 > kSpreadsheetRows)
    std::cerr << "laborsim-analyze: note: series.csv has " << n.series_rows << " rows, more than Excel opens ("
              << kSpreadsheetRows << " with the header); pandas and R read it whole. For a spreadsheet, "
              << (groupings.size() == 1 ? "series_summary.csv has the same across replicates, a row per month.\n"
                                        : "export fewer series (--grouping aggregate, or one grouping at a time).\n");
  for (const auto& [file, rows] : {std::pair{"series_summary.csv", n.summary_rows},
                                   {"spells.csv", n.spell_rows},
                                   {"comparison.csv", n.comparison_rows},
                                   {"firm_events.csv", n.firm_event_rows}})
    if (format == Format::csv && rows + 1 > kSpreadsheetRows)
      std::cerr << "laborsim-analyze: note: " << file << " has " << rows << " rows, more than Excel opens ("
                << kSpreadsheetRows << " with the header); pandas and R read it whole.\n";
}

}  // namespace

static int run_command(int argc, char** argv) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("version", "show the version and the results formats it reads")(
      "by", po::value<std::string>(),
      "summary, compare: by occupation, sector, region, cohort (age), tenure (years at the employer lost) or cause "
      "(ordinary, AI or consolidation layoff), "
      "at displacement")("format,f", po::value<std::string>(), "table (default), csv or json; export: csv or json")(
      "output,o", po::value<std::string>(), "export: output directory; report: HTML file")(
      "from", po::value<int>(),
      "summary, compare, series, flows: figures over months FROM to the end (displacements that began in them), "
      "e.g. from the month a scheduled change takes effect")(
      "to", po::value<int>(),
      "summary, compare, series, flows: figures over months before TO (displacements that began in them), as if "
      "the run had been TO months long, e.g. to compare a longer run with a shorter one")(
      "grouping", po::value<std::vector<std::string>>()->composing(),
      "export: only these series (aggregate, occupation, sector, region or cohort; repeatable); default all")(
      "metric", po::value<std::vector<std::string>>()->composing(),
      "series: a series of the file (repeatable), e.g. unemployment_rate or layoffs_ai, or by group, e.g. "
      "cohort/employed or occupation/layoffs_ai; default unemployment_rate and the layoffs by cause")(
      "every", po::value<int>()->default_value(12), "series: months per period (12: years; 1: every month)")(
      "group", po::value<std::vector<std::string>>()->composing(),
      "series (of a series by group), summary --by, compare --by: only this group (repeatable), e.g. --group "
      "ml_engineers, or an occupation's title in the US data")(
      "top", po::value<int>()->default_value(3),
      "flows: how many occupations besides their own each row of the table shows (CSV and JSON give all)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("files", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("files", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::invalid_option_value& e) {
    // "the argument ('x') for option '--top' is invalid": every such option takes a whole
    // number; say so, with what was typed, and not the whole usage.
    const std::string what = e.what();
    const auto from = what.find("('"), to = what.find("')");
    std::cerr << "laborsim-analyze: " << e.get_option_name() << ": expected a whole number"
              << (from != std::string::npos && to > from ? ", got '" + what.substr(from + 2, to - from - 2) + "'" : "")
              << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "laborsim-analyze: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << opts;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "laborsim-analyze " << LABORSIM_VERSION << " (reads results files of format versions "
              << kOldestFormatVersion << " to " << kSupportedFormatVersion << ")\n";
    return 0;
  }
  const std::string cmd = vm.count("command") ? vm["command"].as<std::string>() : "";
  std::vector<std::filesystem::path> files;
  try {
    if (vm.count("files")) files = results_files(vm["files"].as<std::vector<std::string>>());
  } catch (const FormatError& e) {
    std::cerr << "laborsim-analyze: error: " << e.what() << "\n";
    return 2;
  }
  auto usage_error = [](const std::string& msg) {
    std::cerr << "laborsim-analyze: " << msg << "\n\n" << kUsage;
    return 2;
  };
  Format format = Format::table;
  try {
    if (vm.count("format")) format = parse_format(vm["format"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  }

  const std::string by = vm.count("by") ? vm["by"].as<std::string>() : "";
  const std::vector<std::string> groups =
      vm.count("group") ? vm["group"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (const std::string problem = usage_problem(cmd, files, vm, format); !problem.empty()) return usage_error(problem);
  if (const std::string problem = output_problem(cmd, vm); !problem.empty()) {
    std::cerr << "laborsim-analyze: error: " << problem << "\n";
    return 2;
  }
  // Only the series the command reads: they are most of a file of many replicates.
  ReadOptions reads;  // export: all of them, or those of the groupings asked for
  if (cmd == "export" && vm.count("grouping")) {
    reads.grouped.emplace(), reads.aggregate.emplace();
    for (const auto& g : vm["grouping"].as<std::vector<std::string>>())
      if (g == "aggregate")
        reads.aggregate.reset();
      else
        reads.grouped->insert(g);
  } else if (cmd == "series") {
    reads.grouped.emplace(), reads.aggregate.emplace();
    for (const auto& m : vm.count("metric") ? vm["metric"].as<std::vector<std::string>>() : kHeadlineSeries)
      (m.find('/') != std::string::npos ? *reads.grouped : *reads.aggregate).insert(m);
  } else if (cmd == "flows") {
    reads.grouped.emplace(), reads.aggregate.emplace();  // none: the spells
  } else if (cmd == "report") {
    reads = report_reads();
  } else if (cmd != "export") {
    reads = summary_reads(by);
  }
  std::vector<Results> runs;
  try {
    for (const auto& f : files) runs.push_back(read_results(f, reads));
    if (vm.count("from") || vm.count("to"))
      for (auto& r : runs)
        r = window(r, vm.count("from") ? vm["from"].as<int>() : 0,
                   vm.count("to") ? std::optional<int>(vm["to"].as<int>()) : std::nullopt);
  } catch (const FormatError& e) {
    std::cerr << "laborsim-analyze: error: " << e.what() << "\n";
    return 2;
  }

  try {
    if (cmd == "summary") {
      if (vm.count("by")) {
        if (runs.size() == 1)
          print_summary_by(std::cout, runs[0], by, only_groups(runs[0], by, summary_by(runs[0], by), groups), format);
        else
          print_summaries_by(std::cout, runs, by, format, groups);
      } else if (runs.size() == 1) {
        print_summary(std::cout, runs[0], summary_figures(runs[0]), format);
      } else {
        std::vector<std::vector<Figure>> figs;
        for (const auto& r : runs) figs.push_back(summary_figures(r));
        print_summaries(std::cout, runs, figs, format);
      }
    } else if (cmd == "compare") {
      if (vm.count("by")) {
        std::vector<std::string> unmatched;
        const auto compared = only_groups(runs[0], by, compare_by(runs[0], runs[1], by, &unmatched), groups);
        print_comparison_by(std::cout, runs[0], runs[1], by, compared, unmatched, format);
      } else if (runs.size() == 2)
        print_comparison(std::cout, runs[0], runs[1], compare(runs[0], runs[1]), format);
      else
        print_comparisons(std::cout, runs, format);
    } else if (cmd == "flows") {
      print_flows(std::cout, runs[0], flows(runs[0]), vm["top"].as<int>(), format);
    } else if (cmd == "series") {
      const auto metrics = vm.count("metric") ? vm["metric"].as<std::vector<std::string>>() : kHeadlineSeries;
      print_series(std::cout, runs, metrics, vm["every"].as<int>(), format, groups);
    } else if (cmd == "export") {
      export_runs(runs, vm, format);
    } else {
      write_report(runs, vm["output"].as<std::string>());
      std::cerr << "laborsim-analyze: wrote " << vm["output"].as<std::string>() << "\n";
    }
  } catch (const FormatError& e) {
    std::cerr << "laborsim-analyze: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "laborsim-analyze: failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// A table or CSV sent to a file on a full disk must not end in a success: standard
// output is flushed and checked before exiting (as coreutils do), a failure is exit 1.
int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const int status = run_command(argc, argv);
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout.good()) {
    std::fprintf(stderr, "laborsim-analyze: error: writing standard output failed%s\n",
                 errno ? (std::string(": ") + std::strerror(errno)).c_str() : " (is the disk full?)");
    return status == 0 ? 1 : status;
  }
  return status;
}
