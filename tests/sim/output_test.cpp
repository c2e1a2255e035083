// The results file's series: chunks packed (shuffled and deflated) on the replicates'
// threads and stored as they are must read back, through HDF5's own filters, as the
// values that were packed: compressible ones, and ones deflate cannot shrink (stored
// with the deflate filter marked skipped, as HDF5 itself does).
#include "laborsim/output.hpp"

#include "test_scenarios.hpp"

#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <random>

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
