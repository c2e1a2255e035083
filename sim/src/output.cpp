#include "laborsim/output.hpp"

#include <H5Cpp.h>
#include <fcntl.h>
#include <tbb/parallel_for.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace laborsim {

const char* version() { return LABORSIM_VERSION; }
// git_commit(): generated at build time (cmake/git_commit.cmake).

#define LABORSIM_TEXT(x) #x
#define LABORSIM_TEXT_OF(x) LABORSIM_TEXT(x)
const char* build() {
  return
#if defined(__clang__)
      "Clang " __clang_version__
#elif defined(__GNUC__)
      "GCC " __VERSION__
#else
      "unknown compiler"
#endif
#if defined(_LIBCPP_VERSION)
      ", libc++ " LABORSIM_TEXT_OF(_LIBCPP_VERSION);
#elif defined(__GLIBCXX__)
      ", libstdc++ " LABORSIM_TEXT_OF(__GLIBCXX__);
#else
      ", unknown standard library";
#endif
}
#undef LABORSIM_TEXT_OF
#undef LABORSIM_TEXT

namespace {

constexpr int kSeriesDeflateLevel = 4;
constexpr std::size_t kCoreIncrement = std::size_t{1} << 20;  // the core driver grows its memory a megabyte at a time

}  // namespace

namespace {

// One chunk as HDF5's filter pipeline of shuffle then deflate stores it: the shuffle
// (byte k of every element together, for elements of more than one byte), then zlib's
// compress2 at the dataset's level; where that would not be smaller, the chunk is kept
// shuffled, with the deflate filter (second in the pipeline) marked skipped in its
// filter mask, which readers honour. Done outside HDF5, by whichever thread has the
// chunk (no HDF5 call here: the library is not thread-safe), and written as it stands
// with H5Dwrite_chunk. The chunk's bytes are allocated at their packed size: series wait
// in memory for the writer.
struct PackScratch {
  std::vector<unsigned char> shuffled, deflated;
};

PackedSeries::Chunk pack_chunk(const unsigned char* raw, std::size_t elements, std::size_t element_bytes, int level,
                               PackScratch& scratch) {
  const std::size_t n = elements * element_bytes;
  auto& shuffled = scratch.shuffled;
  shuffled.resize(n);
  if (element_bytes == 1) {
    std::memcpy(shuffled.data(), raw, n);
  } else {
    for (std::size_t i = 0; i < elements; ++i)
      for (std::size_t b = 0; b < element_bytes; ++b) shuffled[b * elements + i] = raw[i * element_bytes + b];
  }
  PackedSeries::Chunk chunk;
  scratch.deflated.resize(n);
  uLongf size = static_cast<uLongf>(n);  // room for no more than the input
  if (compress2(scratch.deflated.data(), &size, shuffled.data(), static_cast<uLong>(n), level) == Z_OK) {
    chunk.bytes.assign(scratch.deflated.begin(), scratch.deflated.begin() + static_cast<std::ptrdiff_t>(size));
  } else {
    chunk.bytes = shuffled;
    chunk.filter_mask = 1u << 1;  // the deflate filter, second in the pipeline
  }
  return chunk;
}

}  // namespace

PackedSeries pack_series(const Series& s) {
  PackedSeries packed;
  packed.chunks.resize(static_cast<size_t>(kMetricCount));
  PackScratch scratch;
  for (const auto& mi : metric_table()) {
    const std::vector<double>& values = s.values(mi.id);
    packed.chunks[static_cast<size_t>(mi.id)] = pack_chunk(reinterpret_cast<const unsigned char*>(values.data()),
                                                           values.size(), sizeof(double), kSeriesDeflateLevel, scratch);
  }
  return packed;
}

namespace {

const H5::StrType& vlen_string() {
  static const H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  return t;
}

void attr_string(H5::H5Object& obj, const char* name, const std::string& value) {
  H5::Attribute a = obj.createAttribute(name, vlen_string(), H5::DataSpace(H5S_SCALAR));
  a.write(vlen_string(), value);
}

template <class T>
void attr_number(H5::H5Object& obj, const char* name, const H5::PredType& type, T value) {
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}

void string_dataset(H5::Group& g, const char* name, const std::vector<std::string>& values) {
  hsize_t n = values.size();
  H5::DataSpace space(1, &n);
  H5::DataSet d = g.createDataSet(name, vlen_string(), space);
  std::vector<const char*> ptrs;
  for (auto& v : values) ptrs.push_back(v.c_str());
  d.write(ptrs.data(), vlen_string());
}

void number_dataset(H5::Group& g, const char* name, const std::vector<double>& values) {
  hsize_t n = values.size();
  H5::DataSpace space(1, &n);
  H5::DataSet d = g.createDataSet(name, H5::PredType::NATIVE_DOUBLE, space);
  d.write(values.data(), H5::PredType::NATIVE_DOUBLE);
}

template <class T>
const H5::PredType& h5_type() {
  if constexpr (std::is_same_v<T, std::int32_t>)
    return H5::PredType::NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return H5::PredType::NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return H5::PredType::NATIVE_UINT8;
  else {
    static_assert(std::is_same_v<T, float>, "a column type the results file does not use");
    return H5::PredType::NATIVE_FLOAT;
  }
}

// One dataset of a table of rows (/spells, /comparison, /firm_events): its name, type
// and description, and how a row's value is read off a record (the replicate is the
// writer's).
template <class Rows>
struct Column {
  const char* name;
  const H5::PredType& type;
  std::string description;
  // Writes the values of `rows` into a buffer of type.getSize() bytes per row.
  std::function<void(const Rows& rows, int replicate, void* out)> fill;
};
using SpellColumn = Column<Records>;
using FirmEventColumn = Column<std::vector<FirmEvent>>;

template <class Rows, class Get>
Column<Rows> column(const char* name, std::string description, Get get) {
  using T = decltype(get(*std::declval<const Rows&>().begin(), 0));
  return {name, h5_type<T>(), std::move(description), [get](const Rows& rows, int replicate, void* out) {
            T* values = static_cast<T*>(out);
            for (std::size_t i = 0; i < rows.size(); ++i) values[i] = get(rows[i], replicate);
          }};
}

template <class Get>
SpellColumn spell_column(const char* name, std::string description, Get get) {
  return column<Records>(name, std::move(description), get);
}

// Earnings in year y + 1 after a record's month, as Records::earnings counts them.
SpellColumn earnings_column(int y, const char* after) {
  static const std::array<std::string, Records::kMaxYears> kNames = [] {
    std::array<std::string, Records::kMaxYears> names;
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = "earnings_year" + std::to_string(i + 1);
    return names;
  }();
  return {kNames[static_cast<size_t>(y)].c_str(), H5::PredType::NATIVE_FLOAT,
          "earnings in months " + std::to_string(12 * y + 1) + "-" + std::to_string(12 * y + 12) + " after " + after +
              " (annual wage / 12 for each month employed, 0 for a month without a job, whatever happened "
              "meanwhile); NaN if not wholly observed (the run ended or the worker retired)",
          [y](const Records& records, int, void* out) {
            auto* values = static_cast<float*>(out);
            for (std::size_t i = 0; i < records.size(); ++i) values[i] = records.earned(i, y);
          }};
}

// The columns of /spells, with earnings over `years` years after the displacement.
std::vector<SpellColumn> spell_columns(int years) {
  using S = const Spell&;
  std::vector<SpellColumn> cols = {
      spell_column("replicate", "replicate index", [](S, int rep) { return static_cast<std::int32_t>(rep); }),
      spell_column("worker", "worker id within the replicate (ids of retirees are reused by entrants)",
                   [](S x, int) { return x.worker; }),
      spell_column("start_month", "month of the displacement", [](S x, int) { return x.start_month; }),
      spell_column("end_month", "month of reemployment, or of censoring if reemployed == 0",
                   [](S x, int) { return x.end_month; }),
      spell_column("cause", "1 ordinary, 2 ai, 3 consolidation", [](S x, int) { return x.cause; }),
      spell_column("reemployed", "1 if the spell ended in a job, 0 if censored (run end or retirement)",
                   [](S x, int) { return x.reemployed; }),
      spell_column("firm", "firm that displaced the worker", [](S x, int) { return x.firm; }),
      spell_column("new_firm", "firm that rehired the worker, -1 if censored", [](S x, int) { return x.new_firm; }),
      spell_column("occupation", "occupation index before (see /groups/occupation)",
                   [](S x, int) { return x.occupation; }),
      spell_column("new_occupation", "occupation index after, -1 if censored",
                   [](S x, int) { return x.new_occupation; }),
      spell_column("sector", "sector index of the displacing firm (see /groups/sector)",
                   [](S x, int) { return x.sector; }),
      spell_column("region", "region index before (see /groups/region)", [](S x, int) { return x.region; }),
      spell_column("new_region", "region index after, -1 if censored", [](S x, int) { return x.new_region; }),
      spell_column("age", "age in years at displacement", [](S x, int) { return x.age; }),
      spell_column("tenure_months", "months at the displacing employer", [](S x, int) { return x.tenure; }),
      spell_column("wage", "annual wage before, with the tenure premium", [](S x, int) { return x.wage; }),
      spell_column("new_wage", "annual wage after (posted wage of the new job), 0 if censored",
                   [](S x, int) { return x.new_wage; }),
  };
  for (int y = 0; y < years; ++y) cols.push_back(earnings_column(y, "the displacement"));
  return cols;
}

// The columns of /comparison, with earnings over `years` years after the base month.
std::vector<SpellColumn> comparison_columns(int years) {
  using S = const Spell&;
  std::vector<SpellColumn> cols = {
      spell_column("replicate", "replicate index", [](S, int rep) { return static_cast<std::int32_t>(rep); }),
      spell_column("worker", "worker id within the replicate", [](S x, int) { return x.worker; }),
      spell_column("month", "base month (0, 12, 24, ...): employed at its end, so not displaced in it",
                   [](S x, int) { return x.start_month; }),
      spell_column("firm", "employer in the base month", [](S x, int) { return x.firm; }),
      spell_column("occupation", "occupation index (see /groups/occupation)", [](S x, int) { return x.occupation; }),
      spell_column("sector", "sector index of the employer (see /groups/sector)", [](S x, int) { return x.sector; }),
      spell_column("region", "region index (see /groups/region)", [](S x, int) { return x.region; }),
      spell_column("age", "age in years in the base month", [](S x, int) { return x.age; }),
      spell_column("tenure_months", "months at the employer in the base month", [](S x, int) { return x.tenure; }),
      spell_column("wage", "annual wage in the base month, with the tenure premium", [](S x, int) { return x.wage; }),
  };
  for (int y = 0; y < years; ++y) cols.push_back(earnings_column(y, "the base month"));
  return cols;
}

// The columns of /firm_events.
std::vector<FirmEventColumn> firm_event_columns() {
  using E = const FirmEvent&;
  auto col = [](const char* name, std::string description, auto get) {
    return column<std::vector<FirmEvent>>(name, std::move(description), get);
  };
  return {
      col("replicate", "replicate index", [](E, int rep) { return static_cast<std::int32_t>(rep); }),
      col("month", "month of the event", [](E x, int) { return x.month; }),
      col("firm", "firm id within the replicate (as in /spells' firm)", [](E x, int) { return x.firm; }),
      col("kind",
          "0 ai_cut (AI-attributed layoffs at the end of its assessment), 1 regret (at realisation: re-opens jobs), "
          "2 no_regret (at realisation: keeps its cuts), 3 acquisition (acquired by other_firm), 4 failure",
          [](E x, int) { return static_cast<std::int32_t>(x.kind); }),
      col("sector", "the firm's sector index (see /groups/sector)", [](E x, int) { return x.sector; }),
      col("region", "the firm's home region index (see /groups/region)", [](E x, int) { return x.region; }),
      col("employed", "the firm's employment just before the event", [](E x, int) { return x.employed; }),
      col("laid_off", "workers the event displaced (AI cut, duplicate roles cut at an acquisition, all at a failure)",
          [](E x, int) { return x.laid_off; }),
      col("moved", "workers moved to the acquirer (acquisition), else 0", [](E x, int) { return x.moved; }),
      col("reopened", "jobs re-opened (regret), offshore ones included, else 0", [](E x, int) { return x.reopened; }),
      col("reopened_offshore", "of reopened, jobs placed offshore", [](E x, int) { return x.reopened_offshore; }),
      col("other_firm", "the acquirer (acquisition), else -1", [](E x, int) { return x.other_firm; }),
      col("capability_believed", "AI capability the firm believed when it cut (AI events), else NaN",
          [](E x, int) { return x.believed; }),
      col("capability_real", "real AI capability in the event's month (AI events), else NaN",
          [](E x, int) { return x.capability; }),
  };
}

}  // namespace

// A group of equal-length 1-D datasets, one per column, to which rows are appended.
// Rows are held back until they fill whole chunks, which are then compressed and stored
// at once (the datasets have no chunk cache): the compression happens as replicates
// arrive, while others still run, and not all at the end; finish() stores the rest.
// The whole chunks are compressed on the run's threads (pack_chunk), then written as
// they stand: when the last replicates finish together, their panels are all that is
// left to do, and compressing them was most of it (docs/performance-history.md, forty-fifth
// round).
template <class Rows>
struct RowTable {
  static constexpr hsize_t kChunk = 4096;
  static constexpr int kLevel = 1;  // with the shuffle, smaller than level 4 without it, and faster
  explicit RowTable(std::vector<Column<Rows>> cols) : columns(std::move(cols)), pending(columns.size()) {}
  std::vector<Column<Rows>> columns;
  std::vector<H5::DataSet> sets;           // by column
  std::vector<std::vector<char>> pending;  // by column: rows not stored yet
  hsize_t stored = 0, pending_rows = 0;

  void create(H5::Group& g) {
    for (const auto& col : columns) {
      hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = kChunk;
      H5::DataSpace space(1, &zero, &unlimited);
      H5::DSetCreatPropList props;
      props.setChunk(1, &chunk);
      props.setShuffle();
      props.setDeflate(kLevel);
      H5::DSetAccPropList no_cache;
      no_cache.setChunkCache(0, 0, 1.0);
      H5::DataSet d = g.createDataSet(col.name, col.type, space, props, no_cache);
      attr_string(d, "description", col.description);
      sets.push_back(d);
    }
  }
  void append(int replicate, const Rows& records) {
    if (records.empty()) return;
    const std::size_t n = records.size();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::size_t size = columns[c].type.getSize(), at = pending[c].size();
      pending[c].resize(at + n * size);
      columns[c].fill(records, replicate, pending[c].data() + at);
    }
    pending_rows += n;
    store(pending_rows / kChunk * kChunk);
  }
  // Stores every row still held back.
  void finish() { store(pending_rows); }

 private:
  // Stores the first n rows held back: their whole chunks (the rows stored before fill
  // whole chunks: only finish() stores a partial one) packed here, the rest through HDF5.
  void store(hsize_t n) {
    if (n == 0) return;
    const hsize_t total = stored + n, whole = n / kChunk;
    const std::size_t ncols = columns.size();
    std::vector<std::size_t> width(ncols);  // read here: no HDF5 call on the tasks below
    for (std::size_t c = 0; c < ncols; ++c) width[c] = columns[c].type.getSize();
    packed.resize(ncols * whole);
    tbb::parallel_for(std::size_t{0}, packed.size(), [&](std::size_t j) {
      thread_local PackScratch scratch;
      const std::size_t c = j / whole, k = j % whole;
      packed[j] = pack_chunk(reinterpret_cast<const unsigned char*>(pending[c].data()) + k * kChunk * width[c], kChunk,
                             width[c], kLevel, scratch);
    });
    for (std::size_t c = 0; c < ncols; ++c) {
      H5::DataSet& d = sets[c];
      d.extend(&total);
      for (hsize_t k = 0; k < whole; ++k) {
        const PackedSeries::Chunk& chunk = packed[c * whole + k];
        const hsize_t offset = stored + k * kChunk;
        const herr_t status =
            H5Dwrite_chunk(d.getId(), H5P_DEFAULT, chunk.filter_mask, &offset, chunk.bytes.size(), chunk.bytes.data());
        if (status < 0)
          throw std::runtime_error(std::string("writing the results file failed: H5Dwrite_chunk of ") +
                                   columns[c].name);
      }
      if (const hsize_t rest = n - whole * kChunk; rest > 0) {
        const hsize_t at = stored + whole * kChunk;
        H5::DataSpace fs = d.getSpace();
        fs.selectHyperslab(H5S_SELECT_SET, &rest, &at);
        H5::DataSpace ms(1, &rest);
        d.write(pending[c].data() + whole * kChunk * width[c], columns[c].type, ms, fs);
      }
      const std::size_t bytes = static_cast<std::size_t>(n) * width[c];
      pending[c].erase(pending[c].begin(), pending[c].begin() + static_cast<std::ptrdiff_t>(bytes));
    }
    packed.clear();
    stored = total, pending_rows -= n;
  }
  std::vector<PackedSeries::Chunk> packed;  // store()'s whole chunks, by column then chunk
};

// The memory in which HDF5's core driver builds the file, allocated through these
// callbacks (H5Pset_file_image_callbacks) so that commit() can take it when the file
// closes and write the file out from it: copying the image out first (H5Fget_file_image)
// doubled the peak memory of a run whose output is large (many replicates).
struct CoreImage {
  void* data = nullptr;
  std::size_t size = 0;
  bool keep = false;  // set by commit(): the driver's free at close leaves the memory to it
};

namespace {
// Zeroed as it grows, so that bytes HDF5 never writes (space it set aside and did not use)
// are zeros in the file, not whatever the memory held before.
void* image_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) {
  auto* im = static_cast<CoreImage*>(udata);
  void* p = std::calloc(size, 1);
  if (p) im->data = p, im->size = size;
  return p;
}
// (Also for the view below, where HDF5 copies the image onto itself: nothing to copy.)
void* image_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
  return dest == src ? dest : std::memcpy(dest, src, size);
}
void* image_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t, void* udata) {
  auto* im = static_cast<CoreImage*>(udata);
  const std::size_t had = ptr != nullptr && ptr == im->data ? im->size : 0;
  void* p = std::realloc(ptr, size);
  if (!p) return p;
  if (size > had) std::memset(static_cast<char*>(p) + had, 0, size - had);
  im->data = p, im->size = size;
  return p;
}
herr_t image_free(void* ptr, H5FD_file_image_op_t, void* udata) {
  auto* im = static_cast<CoreImage*>(udata);
  if (ptr != nullptr && ptr == im->data) {
    if (im->keep) return 0;  // commit() takes it
    im->data = nullptr, im->size = 0;
  }
  std::free(ptr);
  return 0;
}
void* udata_copy(void* udata) { return udata; }  // every copy of the property list shares the one CoreImage
herr_t udata_free(void*) { return 0; }

// The end of a closed file's image, as HDF5 reads it: the file opened read-only in the
// core driver right in the image (these callbacks hand HDF5 the memory it already is
// instead of copying it; the memory stays the caller's).
void* view_malloc(std::size_t, H5FD_file_image_op_t, void* udata) { return static_cast<CoreImage*>(udata)->data; }
void* view_realloc(void*, std::size_t, H5FD_file_image_op_t, void*) { return nullptr; }  // read-only
herr_t view_free(void*, H5FD_file_image_op_t, void*) { return 0; }
ssize_t closed_file_size(void* data, std::size_t capacity, const std::string& name) {
  CoreImage view{data, capacity};
  H5::FileAccPropList props;
  props.setCore(kCoreIncrement, false);
  H5FD_file_image_callbacks_t callbacks = {view_malloc, image_memcpy, view_realloc, view_free,
                                           udata_copy,  udata_free,   &view};
  if (H5Pset_file_image_callbacks(props.getId(), &callbacks) < 0 ||
      H5Pset_file_image(props.getId(), data, capacity) < 0)
    return -1;
  const hid_t f = H5Fopen(name.c_str(), H5F_ACC_RDONLY, props.getId());  // a name no file has: none is read
  if (f < 0) return -1;
  const ssize_t size = H5Fget_file_image(f, nullptr, 0);
  return H5Fclose(f) < 0 ? -1 : size;
}
}  // namespace

// The file is built in memory (HDF5's core driver, no backing store) and written out
// whole by commit(): HDF5 never writes to disk itself. A write that fails (a full disk,
// a quota, a file size limit) then fails in our own write() with its errno, instead of
// inside HDF5 when it flushes its caches at close, where the error could only be
// printed, and a file whose close failed crashes the library at exit.
struct ResultsWriter::Impl {
  int fd = -1;      // the temporary file, made at the start so a bad directory fails first
  CoreImage image;  // before `file`, which outlives it: the driver frees the memory at close
  H5::H5File file;
  std::map<int, H5::DataSet> series;  // by metric index
  explicit Impl(int earnings_years)
      : spells(spell_columns(earnings_years)),
        comparison(comparison_columns(earnings_years)),
        firm_events(firm_event_columns()) {}
  RowTable<Records> spells, comparison;
  RowTable<std::vector<FirmEvent>> firm_events;
  int replicates = 0, months = 0;
};

bool holds_run(const std::filesystem::path& file, const Scenario& sc) {
  H5::Exception::dontPrint();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return false;
  try {
    if (!H5::H5File::isHdf5(file.string())) return false;
    H5::H5File f(file.string(), H5F_ACC_RDONLY);
    H5::Group root = f.openGroup("/");
    // An attribute of one value, if the file has it (an array, in a file edited by hand,
    // would be read past).
    const auto single = [&root](const char* name) -> std::optional<H5::Attribute> {
      if (!root.attrExists(name)) return std::nullopt;
      H5::Attribute a = root.openAttribute(name);
      if (a.getSpace().getSimpleExtentNpoints() != 1) return std::nullopt;
      return a;
    };
    const auto text = [&](const char* name) {
      std::string value;
      if (const auto a = single(name)) a->read(a->getStrType(), value);
      return value;
    };
    if (text("filetype") != kFileType || text("git_commit") != git_commit() || text("build") != build() ||
        text("scenario_effective_toml") != sc.effective_toml)
      return false;
    const auto format_attribute = single("format_version");
    if (!format_attribute) return false;
    std::int32_t format = 0;
    format_attribute->read(H5::PredType::NATIVE_INT32, &format);
    return format == kFormatVersion;
  } catch (const H5::Exception&) {
    return false;
  }
}

ResultsWriter::ResultsWriter(std::filesystem::path final_path, const Scenario& sc, const RunInfo& info)
    : impl_(std::make_unique<Impl>(sc.output.earnings_years)), final_(std::move(final_path)) {
  H5::Exception::dontPrint();
  tmp_ = final_;
  tmp_ += ".tmp-" + std::to_string(::getpid());
  impl_->replicates = info.replicates;
  impl_->months = sc.simulation.months;
  impl_->fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (impl_->fd < 0)
    throw std::runtime_error("cannot create output file '" + tmp_.string() + "': " + std::strerror(errno));
  try {
    H5::FileAccPropList in_memory;
    in_memory.setCore(kCoreIncrement, false);
    H5FD_file_image_callbacks_t callbacks = {image_malloc, image_memcpy, image_realloc, image_free,
                                             udata_copy,   udata_free,   &impl_->image};
    if (H5Pset_file_image_callbacks(in_memory.getId(), &callbacks) < 0)
      throw H5::FileIException("H5Pset_file_image_callbacks", "cannot build the file in memory");
    impl_->file = H5::H5File(tmp_.string(), H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, in_memory);
    H5::Group root = impl_->file.openGroup("/");
    attr_string(root, "filetype", kFileType);
    attr_number(root, "format_version", H5::PredType::NATIVE_INT32, kFormatVersion);
    attr_string(root, "laborsim_version", version());
    attr_string(root, "git_commit", git_commit());
    attr_string(root, "build", build());
    attr_string(root, "created", info.created);
    attr_string(root, "command_line", info.command_line);
    attr_number(root, "seed", H5::PredType::NATIVE_UINT64, sc.simulation.seed);
    attr_number(root, "replicates", H5::PredType::NATIVE_INT32, info.replicates);
    attr_number(root, "months", H5::PredType::NATIVE_INT32, sc.simulation.months);
    attr_string(root, "scenario_name", sc.name);
    attr_string(root, "scenario_file", sc.source_file);
    attr_string(root, "scenario_toml", sc.resolved_toml);
    attr_string(root, "scenario_effective_toml", sc.effective_toml);

    H5::Group groups = impl_->file.createGroup("/groups");
    std::vector<std::string> occ, sec, reg, coh, occ_group, occ_title;
    std::vector<double> exposure, complement, wage, reg_mult, reg_off;
    for (auto& o : sc.occupations) {
      occ.push_back(o.name);
      occ_group.push_back(o.group);
      occ_title.push_back(o.title);
      exposure.push_back(o.ai_exposure);
      complement.push_back(o.ai_complement);
      wage.push_back(o.wage);
    }
    for (auto& s : sc.sectors) sec.push_back(s.name);
    for (auto& g : sc.regions) {
      reg.push_back(g.name);
      reg_mult.push_back(g.wage_multiplier);
      reg_off.push_back(g.offshore ? 1.0 : 0.0);
    }
    for (auto* c : kCohortNames) coh.emplace_back(c);
    string_dataset(groups, "occupation", occ);
    string_dataset(groups, "occupation_group", occ_group);
    string_dataset(groups, "occupation_title", occ_title);
    number_dataset(groups, "occupation_ai_exposure", exposure);
    number_dataset(groups, "occupation_ai_complement", complement);
    number_dataset(groups, "occupation_wage", wage);
    string_dataset(groups, "sector", sec);
    string_dataset(groups, "region", reg);
    number_dataset(groups, "region_wage_multiplier", reg_mult);
    number_dataset(groups, "region_offshore", reg_off);
    string_dataset(groups, "cohort", coh);

    const std::array<hsize_t, 5> gsize = {1, sc.occupations.size(), sc.sectors.size(), sc.regions.size(),
                                          static_cast<hsize_t>(kCohorts)};
    std::map<Grouping, H5::Group> folders;
    impl_->file.createGroup("/series");
    for (Grouping g :
         {Grouping::aggregate, Grouping::occupation, Grouping::sector, Grouping::region, Grouping::cohort}) {
      std::string path = g == Grouping::aggregate ? "/series/aggregate" : std::string("/series/by_") + grouping_name(g);
      folders[g] = impl_->file.createGroup(path);
      if (g != Grouping::aggregate) attr_string(folders[g], "groups", std::string("/groups/") + grouping_name(g));
    }
    const auto R = static_cast<hsize_t>(info.replicates), Mo = static_cast<hsize_t>(sc.simulation.months);
    for (const auto& mi : metric_table()) {
      const bool agg = mi.grouping == Grouping::aggregate;
      const hsize_t G = gsize[static_cast<size_t>(mi.grouping)];
      std::array<hsize_t, 3> dims = {R, Mo, G}, chunk = {1, Mo, G};
      const int rank = agg ? 2 : 3;
      H5::DataSpace space(rank, dims.data());
      H5::DSetCreatPropList props;
      props.setChunk(rank, chunk.data());
      props.setShuffle();  // the filters pack_series applies, in this order
      props.setDeflate(kSeriesDeflateLevel);
      double fill = 0.0;
      props.setFillValue(H5::PredType::NATIVE_DOUBLE, &fill);
      // A replicate's series is one whole chunk, written once: no cache, so it is
      // compressed and stored as it arrives (while other replicates still run), not all
      // at the end.
      H5::DSetAccPropList no_cache;
      no_cache.setChunkCache(0, 0, 1.0);
      H5::DataSet d = folders[mi.grouping].createDataSet(mi.name, H5::PredType::NATIVE_DOUBLE, space, props, no_cache);
      attr_string(d, "unit", mi.unit);
      attr_string(d, "description", mi.description);
      attr_string(d, "dimensions",
                  agg ? "replicate, month" : std::string("replicate, month, ") + grouping_name(mi.grouping));
      impl_->series[static_cast<int>(mi.id)] = d;
    }

    H5::Group sp = impl_->file.createGroup("/spells");
    attr_string(sp, "description",
                "displacement spells of a sampled panel of workers (output.panel_rate), one row per spell");
    attr_number(sp, "panel_rate", H5::PredType::NATIVE_DOUBLE, sc.output.panel_rate);
    attr_number(sp, "earnings_years", H5::PredType::NATIVE_INT32, sc.output.earnings_years);
    impl_->spells.create(sp);
    H5::Group cp = impl_->file.createGroup("/comparison");
    attr_string(cp, "description",
                "the displaced's comparison group: panel workers employed at the end of months 0, 12, 24, ..., "
                "each drawn at output.comparison_rate, one row per worker and such month, with its earnings over "
                "the output.earnings_years years after");
    attr_number(cp, "comparison_rate", H5::PredType::NATIVE_DOUBLE, sc.output.comparison_rate);
    attr_number(cp, "earnings_years", H5::PredType::NATIVE_INT32, sc.output.earnings_years);
    impl_->comparison.create(cp);
    H5::Group fe = impl_->file.createGroup("/firm_events");
    attr_string(fe, "description",
                "what the firms of a sampled firm panel (output.firm_panel_rate: every (1/rate)-th firm id) did: AI "
                "cuts, regret or not at realisation, acquisitions and failures, one row per event in the order "
                "they happened");
    attr_number(fe, "firm_panel_rate", H5::PredType::NATIVE_DOUBLE, sc.output.firm_panel_rate);
    std::string kinds;
    for (const char* k : kFirmEventKindNames) {
      if (!kinds.empty()) kinds += ',';
      kinds += k;
    }
    attr_string(fe, "kinds", kinds);
    impl_->firm_events.create(fe);
  } catch (const H5::Exception& e) {
    ::close(impl_->fd);
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
    throw std::runtime_error("cannot create output file '" + tmp_.string() + "': " + e.getDetailMsg());
  }
}

ResultsWriter::~ResultsWriter() {
  if (!committed_) {
    if (impl_->fd >= 0) ::close(impl_->fd);
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void ResultsWriter::write_series(int replicate, const PackedSeries& packed) {
  for (const auto& mi : metric_table()) {
    const PackedSeries::Chunk& chunk = packed.chunks[static_cast<size_t>(mi.id)];
    const std::array<hsize_t, 3> offset = {static_cast<hsize_t>(replicate), 0, 0};
    if (H5Dwrite_chunk(impl_->series[static_cast<int>(mi.id)].getId(), H5P_DEFAULT, chunk.filter_mask, offset.data(),
                       chunk.bytes.size(), chunk.bytes.data()) < 0)
      throw std::runtime_error("writing replicate " + std::to_string(replicate) + " to '" + tmp_.string() +
                               "' failed: H5Dwrite_chunk of " + mi.name);
  }
}

void ResultsWriter::append_panel(int replicate, const Records& spells, const Records& comparisons,
                                 const std::vector<FirmEvent>& firm_events) {
  try {
    impl_->spells.append(replicate, spells);
    impl_->comparison.append(replicate, comparisons);
    impl_->firm_events.append(replicate, firm_events);
  } catch (const H5::Exception& e) {
    throw std::runtime_error("writing the panel of replicate " + std::to_string(replicate) + " to '" + tmp_.string() +
                             "' failed: " + e.getDetailMsg());
  }
}

void ResultsWriter::commit() {
  // Closed by HDF5 (which then records the file as closed and its final size), the file
  // stays in the driver's memory, which this takes; HDF5 reads its size back from it.
  std::unique_ptr<void, decltype(&std::free)> owned(nullptr, &std::free);
  std::size_t size = 0;
  try {
    impl_->spells.finish();
    impl_->comparison.finish();
    impl_->firm_events.finish();
    impl_->series.clear();
    for (auto* sets : {&impl_->spells.sets, &impl_->comparison.sets, &impl_->firm_events.sets}) sets->clear();
    if (H5Fget_obj_count(impl_->file.getId(), H5F_OBJ_ALL) != 1)
      throw H5::FileIException("commit", "an object of the file is still open");
    impl_->image.keep = true;
    impl_->file.close();
    owned.reset(impl_->image.data);
    const std::size_t capacity = impl_->image.size;
    impl_->image = {};
    if (!owned) throw H5::FileIException("commit", "the file's image is not where it was built");
    const ssize_t eoa = closed_file_size(owned.get(), capacity, tmp_.string() + "-image");
    if (eoa <= 0 || static_cast<std::size_t>(eoa) > capacity)
      throw H5::FileIException("H5Fget_file_image", "cannot size the file's image");
    size = static_cast<std::size_t>(eoa);
  } catch (const H5::Exception& e) {
    throw std::runtime_error("finishing '" + tmp_.string() + "' failed: " + e.getDetailMsg());
  }
  const char* image = static_cast<const char*>(owned.get());
  // Written whole and synced before the rename, so that the final name never holds a
  // partial file, even after a crash.
  const auto fail = [&](const char* what) {
    throw std::runtime_error(std::string(what) + " '" + tmp_.string() + "' failed: " + std::strerror(errno) + "; '" +
                             final_.string() + "' was not written");
  };
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::write(impl_->fd, image + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("writing");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(impl_->fd) != 0) fail("writing");
  const int fd = impl_->fd;
  impl_->fd = -1;
  if (::close(fd) != 0) fail("writing");
  std::error_code ec;
  std::filesystem::rename(tmp_, final_, ec);
  if (ec)
    throw std::runtime_error("cannot rename '" + tmp_.string() + "' to '" + final_.string() + "': " + ec.message());
  committed_ = true;
}

}  // namespace laborsim
