// Tidy exports and the HTML report.
#pragma once

#include "laborsim/analysis/results.hpp"
#include "laborsim/analysis/tables.hpp"

#include <filesystem>
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace laborsim::analysis {

// Writes DIR/series.{csv,json} (scenario, replicate, month, metric, grouping, group,
// value), DIR/series_summary.{csv,json} (the same across replicates: scenario, month,
// metric, grouping, group, replicates, mean, mean_ci95_low, mean_ci95_high, p05, median,
// p95: the mean with its 95% t-interval, as in the summary, and the median with the
// 5-95% band, as in the report's fan charts), DIR/metrics.{csv,json} (metric, grouping, unit, description: what each of
// those series measures, to join on metric and grouping), DIR/spells.{csv,json}
// (one row per spell) and DIR/comparison.{csv,json} (the displaced's comparison group,
// one row per record; empty for files of format version 3 or older) of one or more runs, one after
// another; "scenario" is each run's name (run_names: its scenario's name, and its file
// where two runs share one). The series hold the groupings named in `groupings`
// ("aggregate", "occupation", "sector", "region", "cohort"), every one if it is empty;
// a name no run has is refused (FormatError) before anything is written. The files appear
// together or not at all (StagedFiles).
struct ExportCounts {
  std::size_t series_rows = 0, summary_rows = 0, spell_rows = 0, comparison_rows = 0, firm_event_rows = 0;
};
ExportCounts export_tables(const std::vector<Results>& runs, const std::filesystem::path& dir, Format f,
                           const std::set<std::string>& groupings = {});

// The most rows Excel opens (2^20, the header included; LibreOffice Calc's default too).
constexpr std::size_t kSpreadsheetRows = 1048576;

// Files written under temporary names (path.tmp), each synced, and renamed into place
// together by commit(); without commit() (a failure, an exception) the temporary files
// are removed. So a set of files appears whole or not at all: an export that fails
// midway leaves its directory as it was, never a new metrics.csv beside an earlier
// export's series.csv. write() throws, naming the file and the cause, when a file
// cannot be written (a full disk).
class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles();
  void write(const std::filesystem::path& path, const std::function<void(std::ostream&)>& body);
  void commit();
  // Removes every temporary file not yet renamed, of every StagedFiles alive: for a
  // signal handler (it only calls unlink), so that an interrupted export or report
  // leaves no path.tmp behind either.
  static void remove_uncommitted() noexcept;

 private:
  static std::filesystem::path temporary(const std::filesystem::path& path);
  std::vector<std::filesystem::path> staged_;
  bool committed_ = false;
};

// One file through StagedFiles: path is either complete or as it was.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& body);

// One self-contained HTML page (inline SVG, no external assets) for one or more runs,
// read with report_reads() (or everything).
ReadOptions report_reads();
void write_report(const std::vector<Results>& runs, const std::filesystem::path& file);

}  // namespace laborsim::analysis
