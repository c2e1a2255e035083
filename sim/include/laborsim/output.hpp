// HDF5 results file, format version documented in docs/output-format.md. One writer
// (HDF5's serial library is not thread-safe) fed with finished replicates. The file is
// built in memory, then written whole under a temporary name, synced and renamed, so a
// failed run (a full disk included) never leaves a file that looks finished.
#pragma once

#include "laborsim/metrics.hpp"
#include "laborsim/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace laborsim {

inline constexpr int kFormatVersion = 6;
inline constexpr const char* kFileType = "laborsim-results";
const char* version();
const char* git_commit();
// The compiler and C++ standard library this program was built with, e.g. "GCC 12.2.0,
// libstdc++ 20220819": the binomial, normal and uniform integer draws are the standard
// library's algorithms, so the same seed gives the same results with the same library.
const char* build();

// Whether `file` already holds the results of this very run: a laborsim results file of
// this format, written by this build (the same git commit, compiled with the same
// compiler and standard library; a build of uncommitted changes cannot tell one edit
// from another), of the same effective scenario (every
// parameter, the seed, the size and the name). A file that cannot be read does not.
bool holds_run(const std::filesystem::path& file, const Scenario& scenario);

struct RunInfo {
  std::string command_line;
  std::string created;  // ISO 8601 UTC
  int replicates = 1;
};

// A replicate's series as the results file stores them: each metric's one chunk
// (replicate, every month, every group), shuffled and deflated exactly as the dataset's
// filters would. Made on the replicate's own thread, so that the compression runs in
// parallel and the single writer only stores the chunks (with many small replicates the
// compression on the writer was the bottleneck).
struct PackedSeries {
  struct Chunk {
    std::vector<unsigned char> bytes;
    std::uint32_t filter_mask = 0;  // HDF5's: bit k set when filter k was skipped
  };
  std::vector<Chunk> chunks;  // by metric index
};
PackedSeries pack_series(const Series& series);

class ResultsWriter {
 public:
  ResultsWriter(std::filesystem::path final_path, const Scenario& scenario, const RunInfo& info);
  ~ResultsWriter();  // without commit(): the temporary file is removed
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Series go to their replicate's slab in any order; the panels' records (spells, the
  // comparison group and the firm panel's events) are appended, so callers append them
  // in replicate order to keep the file independent of scheduling.
  void write_series(int replicate, const PackedSeries& series);
  void append_panel(int replicate, const Records& spells, const Records& comparisons,
                    const std::vector<FirmEvent>& firm_events);
  void commit();
  const std::filesystem::path& temporary_path() const { return tmp_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::filesystem::path final_, tmp_;
  bool committed_ = false;
};

}  // namespace laborsim
