// The results file's series, and the panels' whole chunks: chunks packed (shuffled and
// deflated) outside HDF5 and stored as they are must read back, through HDF5's own
// filters, as the values that were packed: compressible ones, and ones deflate cannot
// shrink (stored with the deflate filter marked skipped in the chunk's filter mask).
#include "laborsim/output.hpp"

#include "test_scenarios.hpp"

#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <random>
#include <vector>

using namespace laborsim;

namespace {

Series series_of(const Scenario& sc) {
  return Series(sc.simulation.months, {1, static_cast<int>(sc.occupations.size()), static_cast<int>(sc.sectors.size()),
                                       static_cast<int>(sc.regions.size()), kCohorts});
}

std::vector<double> read_replicate(const std::filesystem::path& file, const MetricInfo& mi, int replicate,
                                   std::size_t n) {
  H5::H5File f(file.string(), H5F_ACC_RDONLY);
  const std::string path = mi.grouping == Grouping::aggregate
                               ? std::string("/series/aggregate/") + mi.name
                               : std::string("/series/by_") + grouping_name(mi.grouping) + "/" + mi.name;
  H5::DataSet d = f.openDataSet(path);
  H5::DataSpace space = d.getSpace();
  std::array<hsize_t, 3> dims{};
  const int rank = space.getSimpleExtentDims(dims.data());
  EXPECT_EQ(dims[0], 3u);
  std::vector<double> all(static_cast<std::size_t>(dims[0]) * n);
  d.read(all.data(), H5::PredType::NATIVE_DOUBLE);
  (void)rank;
  return {all.begin() + static_cast<std::ptrdiff_t>(replicate * n),
          all.begin() + static_cast<std::ptrdiff_t>((replicate + 1) * n)};
}

}  // namespace

TEST(Output, PackedSeriesReadBackAsTheValuesWhetherDeflateShrinksThemOrNot) {
  const Scenario sc = fixtures::small({}, 1000, 24);
  std::mt19937_64 g(7);
  std::vector<Series> replicates(3, series_of(sc));
  for (const auto& mi : metric_table()) {
    const int G = replicates[0].groups(mi.id);
    for (int t = 0; t < sc.simulation.months; ++t)
      for (int k = 0; k < G; ++k) {
        replicates[0].at(mi.id, t, k) = t * 10.0 + k;  // regular: deflate shrinks it
        // random bits (NaNs and infinities among them): deflate cannot shrink them
        replicates[1].at(mi.id, t, k) = std::bit_cast<double>(g());
        replicates[2].at(mi.id, t, k) = 0;  // all zero
      }
  }
  const PackedSeries regular = pack_series(replicates[0]), noise = pack_series(replicates[1]);
  const auto& mi0 = metric_table()[0];
  EXPECT_EQ(regular.chunks[static_cast<size_t>(mi0.id)].filter_mask, 0u);
  EXPECT_LT(regular.chunks[static_cast<size_t>(mi0.id)].bytes.size(), replicates[0].values(mi0.id).size() * 8);
  EXPECT_EQ(noise.chunks[static_cast<size_t>(mi0.id)].filter_mask, 2u);  // deflate (filter 1) skipped
  EXPECT_EQ(noise.chunks[static_cast<size_t>(mi0.id)].bytes.size(), replicates[1].values(mi0.id).size() * 8);

  const auto dir = std::filesystem::temp_directory_path() / ("laborsim_output_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "out.h5";
  {
    ResultsWriter writer(file, sc, RunInfo{"test", "2026-12-03T00:00:00Z", 3});
    for (int r : {2, 0, 1}) writer.write_series(r, pack_series(replicates[static_cast<size_t>(r)]));  // any order
    writer.append_panel(0, Records(sc.output.earnings_years), Records(sc.output.earnings_years), {});
    writer.append_panel(1, Records(sc.output.earnings_years), Records(sc.output.earnings_years), {});
    writer.append_panel(2, Records(sc.output.earnings_years), Records(sc.output.earnings_years), {});
    writer.commit();
  }
  for (const auto& mi : metric_table())
    for (int r = 0; r < 3; ++r) {
      const std::vector<double>& want = replicates[static_cast<size_t>(r)].values(mi.id);
      const std::vector<double> got = read_replicate(file, mi, r, want.size());
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i)  // as bits: NaNs among them
        ASSERT_EQ(std::bit_cast<std::uint64_t>(got[i]), std::bit_cast<std::uint64_t>(want[i]))
            << mi.name << " replicate " << r << " at " << i;
    }
  std::filesystem::remove_all(dir);
}

namespace {

template <class T>
std::vector<T> read_column(const std::filesystem::path& file, const char* path, const H5::PredType& type) {
  H5::H5File f(file.string(), H5F_ACC_RDONLY);
  H5::DataSet d = f.openDataSet(path);
  hsize_t n = 0;
  d.getSpace().getSimpleExtentDims(&n);
  std::vector<T> out(static_cast<std::size_t>(n));
  d.read(out.data(), type);
  return out;
}

// The filter mask of the chunk holding row `row` of a 1-D dataset.
unsigned chunk_mask(const std::filesystem::path& file, const char* path, hsize_t row) {
  H5::H5File f(file.string(), H5F_ACC_RDONLY);
  H5::DataSet d = f.openDataSet(path);
  unsigned mask = 99;
  haddr_t addr = 0;
  hsize_t size = 0;
  const hsize_t chunk_start = row / 4096 * 4096;
  EXPECT_GE(H5Dget_chunk_info_by_coord(d.getId(), &chunk_start, &mask, &addr, &size), 0);
  return mask;
}

}  // namespace

// The panels' rows are held back until they fill whole chunks of 4,096, which are
// compressed on every core and stored as they stand; finish() stores the partial last one
// through HDF5. Replicates of 5,000, 3,000 and 9,000 spells (chunks that straddle
// replicates, and a partial one at the end) must read back as appended, whatever each
// column's width (8-byte ids, 4-byte floats, 1-byte causes) and whether deflate shrinks
// it (ids in order) or not (random bits).
TEST(Output, PanelRowsReadBackAsAppendedAcrossWholeAndPartialChunks) {
  const Scenario sc = fixtures::small({}, 1000, 24);
  std::mt19937_64 g(11);
  const std::array<int, 3> sizes = {5000, 3000, 9000};
  std::vector<Records> spells;
  std::vector<std::int64_t> want_worker;
  std::vector<std::uint32_t> want_wage;  // as bits: NaNs among them
  std::vector<std::uint8_t> want_cause;
  std::vector<std::int32_t> want_replicate;
  for (int r = 0; r < 3; ++r) {
    Records rec(sc.output.earnings_years);
    for (int i = 0; i < sizes[static_cast<std::size_t>(r)]; ++i) {
      Spell s;
      s.worker = static_cast<std::int64_t>(want_worker.size()) * 3;
      s.cause = static_cast<std::uint8_t>(1 + (i % 7 == 0) + (i % 11 == 0));
      s.wage = std::bit_cast<float>(static_cast<std::uint32_t>(g()));
      rec.push_back(s);
      want_worker.push_back(s.worker);
      want_wage.push_back(std::bit_cast<std::uint32_t>(s.wage));
      want_cause.push_back(s.cause);
      want_replicate.push_back(r);
    }
    spells.push_back(std::move(rec));
  }
  const auto dir = std::filesystem::temp_directory_path() / ("laborsim_panel_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "out.h5";
  {
    ResultsWriter writer(file, sc, RunInfo{"test", "2026-12-07T00:00:00Z", 3});
    Series zero = series_of(sc);
    for (int r = 0; r < 3; ++r) {
      writer.write_series(r, pack_series(zero));
      writer.append_panel(r, spells[static_cast<std::size_t>(r)], Records(sc.output.earnings_years), {});
    }
    writer.commit();
  }
  EXPECT_EQ(read_column<std::int64_t>(file, "/spells/worker", H5::PredType::NATIVE_INT64), want_worker);
  EXPECT_EQ(read_column<std::uint8_t>(file, "/spells/cause", H5::PredType::NATIVE_UINT8), want_cause);
  EXPECT_EQ(read_column<std::int32_t>(file, "/spells/replicate", H5::PredType::NATIVE_INT32), want_replicate);
  const std::vector<float> wage = read_column<float>(file, "/spells/wage", H5::PredType::NATIVE_FLOAT);
  ASSERT_EQ(wage.size(), want_wage.size());
  for (std::size_t i = 0; i < wage.size(); ++i) ASSERT_EQ(std::bit_cast<std::uint32_t>(wage[i]), want_wage[i]) << i;
  // Both ways of storing a whole chunk were taken: deflated (ids in order) and with
  // deflate skipped (random bits); the last, partial chunk went through HDF5.
  EXPECT_EQ(chunk_mask(file, "/spells/worker", 0), 0u);
  EXPECT_EQ(chunk_mask(file, "/spells/wage", 0), 2u);     // deflate (filter 1) skipped
  EXPECT_EQ(chunk_mask(file, "/spells/wage", 8192), 2u);  // spans replicates 1 and 2
  std::filesystem::remove_all(dir);
}
