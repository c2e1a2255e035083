// Tidy exports and the HTML report.
#pragma once

#include "laborsim/analysis/results.hpp"
#include "laborsim/analysis/tables.hpp"

#include <filesystem>
#include <functional>
#include <ostream>
#include <vector>

namespace laborsim::analysis {

// Writes DIR/series.{csv,json} (scenario, replicate, month, metric, grouping, group,
// value) and DIR/spells.{csv,json} (one row per spell) of one or more runs, one after
// another; "scenario" is each run's name (run_names: its scenario's name, and its file
// where two runs share one). Files appear complete or not at all (written under
// temporary names, then renamed).
struct ExportCounts {
  std::size_t series_rows = 0, spell_rows = 0;
};
ExportCounts export_tables(const std::vector<Results>& runs, const std::filesystem::path& dir, Format f);

// Writes path through path.tmp, renamed into place once body has written it all; on any
// failure the temporary file is removed and the error passed on, so path is either
// complete or as it was.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& body);

// One self-contained HTML page (inline SVG, no external assets) for one or more runs.
void write_report(const std::vector<Results>& runs, const std::filesystem::path& file);

}  // namespace laborsim::analysis
