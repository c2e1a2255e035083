#include "laborsim/analysis/results.hpp"

#include "laborsim/analysis/stats.hpp"

#include <H5Cpp.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>

namespace laborsim::analysis {

namespace {

// An HDF5 call that failed, with the path of the object it was reading.
struct ReadError {
  std::string object, detail;
};

// Runs read() and names what it was reading, describe(), in any HDF5 error.
template <class Describe, class Read>
auto reading(Describe describe, Read read) {
  try {
    return read();
  } catch (const H5::Exception& e) {
    throw ReadError{describe(), e.getDetailMsg()};
  }
}

// A dataset whose extent is not what the file's attributes and groups make it: a file
// edited by hand or pieced together, refused before it is read into a buffer of the
// expected size.
struct ShapeError {
  std::string object, detail;
};

std::vector<hsize_t> extent(const H5::DataSet& d) {
  const H5::DataSpace space = d.getSpace();
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(0, space.getSimpleExtentNdims())));
  if (!dims.empty()) space.getSimpleExtentDims(dims.data());
  return dims;
}

std::string extent_text(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return "one value (a scalar)";
  std::string text;
  for (const hsize_t n : dims) text += (text.empty() ? "" : " x ") + std::to_string(n);
  return text + " values";
}

// A series read into a buffer of `want` values: its dataset must have that extent.
void expect_extent(const H5::DataSet& d, const std::string& object, const std::vector<hsize_t>& want,
                   const std::string& made_by) {
  if (const auto got = extent(d); got != want)
    throw ShapeError{object, "has " + extent_text(got) + " where " + made_by + " make " + extent_text(want)};
}

// A table's columns (/spells, /comparison, /firm_events): each as long as its first, and
// each index into the file's replicates, months or groups one of them, so that nothing
// reads past them.
struct TableCheck {
  std::string table;                // "/spells"
  std::size_t rows;                 // of its column `first`
  std::string first = "replicate";  // the column that sets its rows

  void length(const std::string& name, std::size_t n) const {
    if (n != rows)
      throw ShapeError{table + "/" + name, "has " + std::to_string(n) + " rows where " + table + "/" + first + " has " +
                                               std::to_string(rows)};
  }
  template <class T>
  void length(const std::string& name, const std::vector<T>& v) const {
    length(name, v.size());
  }
  void range(const std::string& name, const std::vector<int>& v, int lo, int hi, const std::string& what) const {
    length(name, v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] < lo || v[i] > hi)
        throw ShapeError{table + "/" + name, "holds " + std::to_string(v[i]) + " in row " + std::to_string(i) +
                                                 ", not " + what + " (" + std::to_string(lo) + " to " +
                                                 std::to_string(hi) + ")"};
  }
};

std::string dataset_path(const H5::H5Object& group, const std::string& name) {
  const std::string path = group.getObjName();
  return (path == "/" ? "" : path) + "/" + name;
}

std::string attribute_of(const H5::H5Object& o, const std::string& name) {
  return "attribute '" + name + "' of " + o.getObjName();
}

// An attribute read as one value: it must hold one (an array would be read past it).
H5::Attribute one_value(const H5::H5Object& o, const char* name) {
  H5::Attribute a = o.openAttribute(name);
  if (const hssize_t n = a.getSpace().getSimpleExtentNpoints(); n != 1)
    throw ShapeError{attribute_of(o, name), "has " + std::to_string(n) + " values where it should have one"};
  return a;
}

std::string attr_string(const H5::H5Object& o, const char* name) {
  return reading([&] { return attribute_of(o, name); },
                 [&] {
                   H5::Attribute a = one_value(o, name);
                   std::string v;
                   a.read(a.getStrType(), v);
                   return v;
                 });
}

template <class T>
T attr_number(const H5::H5Object& o, const char* name, const H5::PredType& t) {
  return reading([&] { return attribute_of(o, name); },
                 [&] {
                   T v{};
                   one_value(o, name).read(t, &v);
                   return v;
                 });
}

// The length of a dataset that must be one column.
hsize_t column_length(const H5::DataSet& d, const std::string& object) {
  const auto dims = extent(d);
  if (dims.size() != 1) throw ShapeError{object, "has " + extent_text(dims) + ", not a column"};
  return dims[0];
}

std::vector<std::string> strings(const H5::Group& g, const std::string& name) {
  return reading([&] { return dataset_path(g, name); },
                 [&] {
                   H5::DataSet d = g.openDataSet(name);
                   const hsize_t n = column_length(d, dataset_path(g, name));
                   std::vector<char*> raw(n);
                   H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
                   d.read(raw.data(), t);
                   std::vector<std::string> out(raw.begin(), raw.end());
                   H5::DataSet::vlenReclaim(raw.data(), t, d.getSpace());
                   return out;
                 });
}

// A series' unit and description, where its dataset has them (empty where not).
Results::MetricInfo metric_info(const H5::DataSet& d) {
  auto text = [&](const char* name) { return d.attrExists(name) ? attr_string(d, name) : std::string(); };
  return {text("unit"), text("description")};
}

template <class T>
std::vector<T> column(const H5::Group& g, const std::string& name, const H5::PredType& t) {
  return reading([&] { return dataset_path(g, name); },
                 [&] {
                   H5::DataSet d = g.openDataSet(name);
                   const hsize_t n = column_length(d, dataset_path(g, name));
                   std::vector<T> v(n);
                   if (n) d.read(v.data(), t);
                   return v;
                 });
}

// A value as TOML writes it, but a float in the fewest digits that read back as the same
// double ("0.15", where toml++ writes "0.14999999999999999"), still a TOML float ("36.0").
std::string toml_text(const toml::node& node) {
  if (const auto d = node.value_exact<double>()) {
    char buf[64];
    std::string text(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
    if (std::isfinite(*d) && text.find_first_of(".e") == std::string::npos) text += ".0";
    return std::isfinite(*d) ? text : (std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf"));
  }
  if (const toml::array* a = node.as_array()) {
    std::string text = "[";
    for (std::size_t i = 0; i < a->size(); ++i) text += (i ? ", " : " ") + toml_text((*a)[i]);
    return text + (a->empty() ? "]" : " ]");
  }
  std::ostringstream text;
  node.visit([&](const auto& v) { text << v; });
  return text.str();
}

// A scenario's parameters as dotted keys and TOML values (Results::parameters): a table's
// keys under its name, an array of tables' entries under each one's name (or month, for
// [[schedule]]), every other value as TOML writes it.
void flatten_parameters(const toml::node& node, const std::string& key,
                        std::vector<std::pair<std::string, std::string>>& out) {
  auto under = [&](std::string_view k) { return key.empty() ? std::string(k) : key + "." + std::string(k); };
  if (const toml::table* t = node.as_table()) {
    for (auto&& [k, v] : *t) flatten_parameters(v, under(k.str()), out);
    return;
  }
  const toml::array* a = node.as_array();
  if (a && !a->empty() && a->is_array_of_tables()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::table& entry = *(*a)[i].as_table();
      std::string id = std::to_string(i);
      if (auto name = entry["name"].value<std::string>())
        id = *name;
      else if (auto month = entry["month"].value<std::int64_t>())
        id = std::to_string(*month);
      for (auto&& [k, v] : entry)
        if (k.str() != "name" && k.str() != "month") flatten_parameters(v, under(id) + "." + std::string(k.str()), out);
    }
    return;
  }
  out.emplace_back(key, toml_text(node));
}

// For each spell, the months to the same worker's next displacement in the same
// replicate (-1: none): spells in order of replicate, worker, start month and row, each
// followed by the next of its worker unless that one is younger (a reused id).
std::vector<int> next_displacements(const Spells& s) {
  std::vector<std::size_t> order(s.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(s.replicate[a], s.worker[a], s.start_month[a], a) <
           std::tie(s.replicate[b], s.worker[b], s.start_month[b], b);
  });
  std::vector<int> next(s.size(), -1);
  for (std::size_t k = 0; k + 1 < order.size(); ++k) {
    const std::size_t i = order[k], j = order[k + 1];
    if (s.replicate[j] == s.replicate[i] && s.worker[j] == s.worker[i] && s.age[j] >= s.age[i])
      next[i] = s.start_month[j] - s.start_month[i];
  }
  return next;
}

}  // namespace

namespace {

// A series the file has that the command's ReadOptions left out: a mistake of the
// program, not of the file.
std::logic_error not_read(const std::string& key, const std::filesystem::path& file) {
  return std::logic_error("series '" + key + "' of " + file.string() +
                          " was not read: the command's ReadOptions must name it");
}

}  // namespace

const Eigen::MatrixXd& Results::series(const std::string& metric) const {
  auto it = aggregate.find(metric);
  if (it != aggregate.end()) return it->second;
  if (aggregate_names.count(metric)) throw not_read(metric, path);
  throw FormatError(path.string() + ": no series '" + metric + "'");
}

const std::vector<Eigen::MatrixXd>* Results::grouped_series(const std::string& key) const {
  if (const auto it = grouped.find(key); it != grouped.end()) return &it->second;
  if (grouped_names.count(key)) throw not_read(key, path);
  return nullptr;
}

namespace {

bool is_digit(char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; }

// A number of a file name at `at`, as a sweep writes its values: digits, perhaps a
// fraction ('.' and digits: "0.5", but not the '.' of ".h5"), and a '-' before them just
// after a '=' ("weight=-0.3"). Its digits without the leading zeros of the whole part or
// the trailing zeros of the fraction, so that equal numbers compare equal.
struct Number {
  bool negative = false;
  std::string_view whole, fraction;
  std::size_t end = 0;  // where the text after it starts
};
std::optional<Number> number_at(std::string_view s, std::size_t at) {
  Number n;
  std::size_t i = at;
  if (s[i] == '-' && i > 0 && s[i - 1] == '=' && i + 1 < s.size() && is_digit(s[i + 1])) n.negative = true, ++i;
  if (!is_digit(s[i])) return std::nullopt;
  std::size_t e = i;
  while (e < s.size() && is_digit(s[e])) ++e;
  while (i + 1 < e && s[i] == '0') ++i;
  n.whole = s.substr(i, e - i);
  if (e + 1 < s.size() && s[e] == '.' && is_digit(s[e + 1])) {
    std::size_t f = e + 1;
    while (f < s.size() && is_digit(s[f])) ++f;
    std::size_t last = f;
    while (last > e + 1 && s[last - 1] == '0') --last;
    n.fraction = s.substr(e + 1, last - e - 1);
    e = f;
  }
  n.end = e;
  return n;
}

// -1, 0 or 1 as x is below, equal to or above y.
int compare_numbers(const Number& x, const Number& y) {
  auto magnitude = [](const Number& n, const Number& m) {
    if (n.whole.size() != m.whole.size()) return n.whole.size() < m.whole.size() ? -1 : 1;
    if (const int c = n.whole.compare(m.whole); c != 0) return c < 0 ? -1 : 1;
    const int c = n.fraction.compare(m.fraction);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  };
  const bool zero_x = x.whole == "0" && x.fraction.empty(), zero_y = y.whole == "0" && y.fraction.empty();
  const bool neg_x = x.negative && !zero_x, neg_y = y.negative && !zero_y;
  if (neg_x != neg_y) return neg_x ? -1 : 1;
  const int c = magnitude(x, y);
  return neg_x ? -c : c;
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const auto x = number_at(a, i), y = number_at(b, j);
    if (x && y) {
      if (const int c = compare_numbers(*x, *y); c != 0) return c < 0;
      i = x->end, j = y->end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j || (a.size() - i == b.size() - j && a < b);
}

std::vector<std::filesystem::path> results_files(const std::vector<std::string>& arguments) {
  std::vector<std::filesystem::path> out;
  const auto add = [&out](const std::filesystem::path& p) {
    const auto same = [&p](const std::filesystem::path& q) {
      return std::filesystem::weakly_canonical(q) == std::filesystem::weakly_canonical(p);
    };
    if (std::none_of(out.begin(), out.end(), same)) out.push_back(p);
  };
  for (const std::string& arg : arguments) {
    if (!std::filesystem::is_directory(arg)) {
      out.push_back(arg);
      continue;
    }
    std::vector<std::filesystem::path> found;
    for (const auto& e : std::filesystem::directory_iterator(arg))
      if (e.path().extension() == ".h5" && !e.is_directory()) found.push_back(e.path());
    if (found.empty())
      throw FormatError(arg +
                        ": a directory with no results files in it (*.h5); name the files, or the directory "
                        "a sweep wrote them to");
    std::sort(found.begin(), found.end(),
              [](const auto& x, const auto& y) { return natural_less(x.filename().string(), y.filename().string()); });
    for (const auto& p : found) add(p);
  }
  return out;
}

Results read_results(const std::filesystem::path& file, const ReadOptions& options) {
  static const std::string kDamaged =
      "the file is damaged or truncated (an interrupted copy?), or was not written by laborsim";
  H5::Exception::dontPrint();
  if (!std::filesystem::exists(file)) throw FormatError(file.string() + ": no such file");
  Results r;
  r.path = file;
  try {
    if (!H5::H5File::isHdf5(file.string())) throw FormatError(file.string() + ": not an HDF5 file");
    H5::H5File f(file.string(), H5F_ACC_RDONLY);
    H5::Group root = f.openGroup("/");
    if (!root.attrExists("filetype") || attr_string(root, "filetype") != "laborsim-results")
      throw FormatError(file.string() + ": not a laborsim results file (filetype is not 'laborsim-results')");
    r.format_version = attr_number<int>(root, "format_version", H5::PredType::NATIVE_INT);
    if (r.format_version < kOldestFormatVersion || r.format_version > kSupportedFormatVersion)
      throw FormatError(file.string() + ": format version " + std::to_string(r.format_version) +
                        " is not supported (this laborsim-analyze reads versions " +
                        std::to_string(kOldestFormatVersion) + " to " + std::to_string(kSupportedFormatVersion) + ")");
    r.scenario_name = attr_string(root, "scenario_name");
    r.scenario_toml = attr_string(root, "scenario_toml");
    r.command_line = attr_string(root, "command_line");
    r.created = attr_string(root, "created");
    r.laborsim_version = attr_string(root, "laborsim_version");
    r.git_commit = attr_string(root, "git_commit");
    if (root.attrExists("build")) r.build = attr_string(root, "build");
    r.seed = attr_number<std::uint64_t>(root, "seed", H5::PredType::NATIVE_UINT64);
    r.replicates = attr_number<int>(root, "replicates", H5::PredType::NATIVE_INT);
    r.months = attr_number<int>(root, "months", H5::PredType::NATIVE_INT);
    r.run_months = r.months;
    if (r.replicates < 1 || r.months < 1)
      throw FormatError(file.string() + ": its attributes say " + std::to_string(r.replicates) + " replicates of " +
                        std::to_string(r.months) + " months; a run has at least one of each: " + kDamaged);
    if (root.attrExists("scenario_effective_toml")) {
      try {
        const toml::table scenario = toml::parse(attr_string(root, "scenario_effective_toml"));
        r.workers = scenario["simulation"]["workers"].value_or(std::int64_t{0});
        flatten_parameters(scenario, "", r.parameters);
        if (const toml::array* schedule = scenario["schedule"].as_array())
          for (const auto& entry : *schedule) {
            const toml::table* t = entry.as_table();
            const auto month = t ? (*t)["month"].value<int>() : std::nullopt;
            if (!month) continue;
            r.schedule_months.push_back(*month);
            std::string changes;
            for (auto&& [section, keys] : *t)
              if (const toml::table* k = keys.as_table())
                for (auto&& [key, value] : *k)
                  changes += (changes.empty() ? "" : ", ") + std::string(section.str()) + "." + std::string(key.str()) +
                             " = " + toml_text(value);
            r.schedule_changes.push_back(changes);
          }
      } catch (const toml::parse_error&) {
        r.workers = 0;  // the size is then not known; nothing else depends on it
      }
    }

    H5::Group groups = f.openGroup("/groups");
    for (const auto& g : kGroupings) r.groups[g] = strings(groups, g);
    r.region_offshore = column<double>(groups, "region_offshore", H5::PredType::NATIVE_DOUBLE);
    r.occupation_exposure = column<double>(groups, "occupation_ai_exposure", H5::PredType::NATIVE_DOUBLE);
    r.occupation_titles = groups.nameExists("occupation_title")
                              ? strings(groups, "occupation_title")
                              : std::vector<std::string>(r.groups["occupation"].size());
    const TableCheck occupations{"/groups", r.groups["occupation"].size(), "occupation"},
        regions{"/groups", r.groups["region"].size(), "region"};
    if (const auto n = r.groups["cohort"].size(); n != 6)  // the age cohorts 22-25 to 65+ (docs/output-format.md)
      throw ShapeError{"/groups/cohort", "has " + std::to_string(n) + " names where a results file has 6 age cohorts"};
    occupations.length("occupation_ai_exposure", r.occupation_exposure);
    occupations.length("occupation_title", r.occupation_titles);
    regions.length("region_offshore", r.region_offshore);

    const auto R = static_cast<Eigen::Index>(r.replicates), M = static_cast<Eigen::Index>(r.months);
    H5::Group agg = f.openGroup("/series/aggregate");
    for (hsize_t i = 0; i < agg.getNumObjs(); ++i) {
      std::string name = agg.getObjnameByIdx(i);
      r.aggregate_names.insert(name);
      const bool load = !options.aggregate || options.aggregate->count(name) > 0;
      // HDF5 is row-major [replicate, month]; read into a row-major buffer, then copy.
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(load ? R : 0, load ? M : 0);
      reading([&] { return dataset_path(agg, name); },
              [&] {
                const H5::DataSet d = agg.openDataSet(name);
                expect_extent(d, dataset_path(agg, name), {hsize_t(R), hsize_t(M)}, "the file's replicates and months");
                if (load) d.read(m.data(), H5::PredType::NATIVE_DOUBLE);
                r.metric_info["aggregate/" + name] = metric_info(d);
              });
      if (load) r.aggregate[name] = m;
    }
    for (const auto& g : kGroupings) {
      H5::Group grp = f.openGroup("/series/by_" + g);
      const auto G = static_cast<Eigen::Index>(r.groups[g].size());
      for (hsize_t i = 0; i < grp.getNumObjs(); ++i) {
        std::string name = grp.getObjnameByIdx(i);
        const std::string key = g + "/" + name;
        r.grouped_names.insert(key);
        const bool load = !options.grouped || options.grouped->count(key) > 0 || options.grouped->count(g) > 0;
        std::vector<double> buf(load ? static_cast<size_t>(R * M * G) : 0);
        reading([&] { return dataset_path(grp, name); },
                [&] {
                  const H5::DataSet d = grp.openDataSet(name);
                  expect_extent(d, dataset_path(grp, name), {hsize_t(R), hsize_t(M), hsize_t(G)},
                                "the file's replicates, months and /groups/" + g);
                  if (load) d.read(buf.data(), H5::PredType::NATIVE_DOUBLE);
                  r.metric_info[key] = metric_info(d);
                });
        if (!load) continue;
        auto& out = r.grouped[key];
        for (Eigen::Index rep = 0; rep < R; ++rep)
          out.push_back(Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              buf.data() + rep * M * G, M, G));
      }
    }
    H5::Group sp = f.openGroup("/spells");
    r.panel_rate = attr_number<double>(sp, "panel_rate", H5::PredType::NATIVE_DOUBLE);
    auto& s = r.spells;
    const auto& I = H5::PredType::NATIVE_INT;
    s.replicate = column<int>(sp, "replicate", I);
    s.start_month = column<int>(sp, "start_month", I);
    s.end_month = column<int>(sp, "end_month", I);
    s.cause = column<int>(sp, "cause", I);
    s.reemployed = column<int>(sp, "reemployed", I);
    s.occupation = column<int>(sp, "occupation", I);
    s.new_occupation = column<int>(sp, "new_occupation", I);
    s.sector = column<int>(sp, "sector", I);
    s.region = column<int>(sp, "region", I);
    s.new_region = column<int>(sp, "new_region", I);
    s.age = column<int>(sp, "age", I);
    s.tenure = r.format_version >= 3 ? column<int>(sp, "tenure_months", I) : std::vector<int>(s.age.size(), -1);
    s.wage = column<double>(sp, "wage", H5::PredType::NATIVE_DOUBLE);
    s.new_wage = column<double>(sp, "new_wage", H5::PredType::NATIVE_DOUBLE);
    const bool spell_workers = sp.nameExists("worker"), spell_firms = sp.nameExists("firm");
    if (spell_workers) s.worker = column<int>(sp, "worker", I);
    if (spell_firms) {
      s.firm = column<int>(sp, "firm", I);
      s.new_firm = column<int>(sp, "new_firm", I);
    }
    // Years of earnings followed: the groups' attribute (version 5), three in version 4.
    const int years = r.format_version >= 5 ? attr_number<int>(sp, "earnings_years", I) : r.format_version == 4 ? 3 : 0;
    for (int y = 0; y < years; ++y)
      s.earnings.push_back(column<double>(sp, "earnings_year" + std::to_string(y + 1), H5::PredType::NATIVE_DOUBLE));

    const int O = static_cast<int>(r.groups["occupation"].size()), S = static_cast<int>(r.groups["sector"].size()),
              G = static_cast<int>(r.groups["region"].size());
    const std::string a_month = "a month of the run", censored = " or -1 (censored)";
    // What /spells and /comparison have alike: each row's replicate, month (the spell's
    // start, the comparison's base month) and job, and columns as long as its replicate's
    // (worker and firm where the file has them).
    const auto check_rows = [&](const TableCheck& t, const Spells& x, const std::string& month, bool workers,
                                bool firms) {
      t.range("replicate", x.replicate, 0, r.replicates - 1, "a replicate of the file");
      t.range(month, x.start_month, 0, r.months - 1, a_month);
      t.range("occupation", x.occupation, 0, O - 1, "an index into /groups/occupation");
      t.range("sector", x.sector, 0, S - 1, "an index into /groups/sector");
      t.range("region", x.region, 0, G - 1, "an index into /groups/region");
      t.length("age", x.age);
      t.length("tenure_months", x.tenure);
      t.length("wage", x.wage);
      if (workers) t.length("worker", x.worker);
      if (firms) t.length("firm", x.firm);
      for (std::size_t y = 0; y < x.earnings.size(); ++y)
        t.length("earnings_year" + std::to_string(y + 1), x.earnings[y]);
    };
    const TableCheck spells{"/spells", s.size()};
    check_rows(spells, s, "start_month", spell_workers, spell_firms);
    spells.range("end_month", s.end_month, 0, r.months - 1, a_month);
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s.end_month[i] < s.start_month[i])
        throw ShapeError{"/spells/end_month", "holds " + std::to_string(s.end_month[i]) + " in row " +
                                                  std::to_string(i) + ", before its start_month " +
                                                  std::to_string(s.start_month[i])};
    spells.range("cause", s.cause, 1, 3, "a cause: 1 ordinary, 2 AI, 3 consolidation");
    spells.range("reemployed", s.reemployed, 0, 1, "0 or 1");
    spells.range("new_occupation", s.new_occupation, -1, O - 1, "an index into /groups/occupation" + censored);
    spells.range("new_region", s.new_region, -1, G - 1, "an index into /groups/region" + censored);
    spells.length("new_wage", s.new_wage);
    if (spell_firms) spells.length("new_firm", s.new_firm);
    if (spell_workers) s.next_displacement = next_displacements(s);

    if (r.format_version >= 4) {
      H5::Group cp = f.openGroup("/comparison");
      auto& c = r.comparison;
      c.replicate = column<int>(cp, "replicate", I);
      c.start_month = column<int>(cp, "month", I);
      c.occupation = column<int>(cp, "occupation", I);
      c.sector = column<int>(cp, "sector", I);
      c.region = column<int>(cp, "region", I);
      c.age = column<int>(cp, "age", I);
      c.tenure = column<int>(cp, "tenure_months", I);
      c.wage = column<double>(cp, "wage", H5::PredType::NATIVE_DOUBLE);
      const bool comparison_workers = cp.nameExists("worker"), comparison_firms = cp.nameExists("firm");
      if (comparison_workers) c.worker = column<int>(cp, "worker", I);
      if (comparison_firms) c.firm = column<int>(cp, "firm", I);
      for (int y = 0; y < years; ++y)
        c.earnings.push_back(column<double>(cp, "earnings_year" + std::to_string(y + 1), H5::PredType::NATIVE_DOUBLE));
      check_rows(TableCheck{"/comparison", c.size()}, c, "month", comparison_workers, comparison_firms);
    }
    if (r.format_version >= 6) {
      H5::Group fg = f.openGroup("/firm_events");
      r.firm_events_recorded = true;
      r.firm_panel_rate = attr_number<double>(fg, "firm_panel_rate", H5::PredType::NATIVE_DOUBLE);
      auto& e = r.firm_events;
      e.replicate = column<int>(fg, "replicate", I);
      e.month = column<int>(fg, "month", I);
      e.firm = column<int>(fg, "firm", I);
      e.kind = column<int>(fg, "kind", I);
      e.sector = column<int>(fg, "sector", I);
      e.region = column<int>(fg, "region", I);
      e.employed = column<int>(fg, "employed", I);
      e.laid_off = column<int>(fg, "laid_off", I);
      e.moved = column<int>(fg, "moved", I);
      e.reopened = column<int>(fg, "reopened", I);
      e.reopened_offshore = column<int>(fg, "reopened_offshore", I);
      e.other_firm = column<int>(fg, "other_firm", I);
      e.capability_believed = column<double>(fg, "capability_believed", H5::PredType::NATIVE_DOUBLE);
      e.capability_real = column<double>(fg, "capability_real", H5::PredType::NATIVE_DOUBLE);
      const TableCheck events{"/firm_events", e.size()};
      events.range("replicate", e.replicate, 0, r.replicates - 1, "a replicate of the file");
      events.range("month", e.month, 0, r.months - 1, a_month);
      events.range("kind", e.kind, 0, static_cast<int>(FirmEvents::kKindNames.size()) - 1,
                   "a kind: 0 ai_cut, 1 regret, 2 no_regret, 3 acquisition, 4 failure");
      events.range("sector", e.sector, 0, S - 1, "an index into /groups/sector");
      events.range("region", e.region, 0, G - 1, "an index into /groups/region");
      for (const auto& [name, col] : {std::pair{"firm", &e.firm},
                                      {"employed", &e.employed},
                                      {"laid_off", &e.laid_off},
                                      {"moved", &e.moved},
                                      {"reopened", &e.reopened},
                                      {"reopened_offshore", &e.reopened_offshore},
                                      {"other_firm", &e.other_firm}})
        events.length(name, *col);
      events.length("capability_believed", e.capability_believed);
      events.length("capability_real", e.capability_real);
    }
  } catch (const ReadError& e) {
    throw FormatError(file.string() + ": cannot read " + e.object + " (" + e.detail + "): " + kDamaged);
  } catch (const ShapeError& e) {
    throw FormatError(file.string() + ": " + e.object + " " + e.detail +
                      ": its datasets disagree (a file edited by hand or pieced together?), or it was not written "
                      "by laborsim");
  } catch (const H5::Exception& e) {
    throw FormatError(file.string() + ": cannot read it (" + e.getDetailMsg() + "): " + kDamaged);
  }
  return r;
}

Results window(const Results& r, int from, std::optional<int> to_month) {
  const int to = to_month.value_or(r.months);
  if (from == 0 && to == r.months) return r;
  auto month_range = [&] { return " (it has months 0-" + std::to_string(r.months - 1) + ")"; };
  if (from < 0 || from >= r.months)
    throw FormatError(r.path.string() + ": --from " + std::to_string(from) + " is not a month of the run" +
                      month_range());
  if (to > r.months)
    throw FormatError(r.path.string() + ": --to " + std::to_string(to) + " is past the run's end" + month_range() +
                      ": a window ends at the run's months at most");
  if (to <= from)
    throw FormatError(r.path.string() + ": --to " + std::to_string(to) + " must come after --from " +
                      std::to_string(from) + " (the window is months FROM to TO-1)");
  Results w = r;
  const Eigen::Index keep = to - from;
  for (auto& [name, m] : w.aggregate) m = Eigen::MatrixXd(m.middleCols(from, keep));
  for (auto& [name, reps] : w.grouped)
    for (auto& m : reps) m = Eigen::MatrixXd(m.middleRows(from, keep));
  w.months = static_cast<int>(keep);
  w.first_month = r.first_month + from;
  // The spells (and comparison records) that began in the window, kept in place, their
  // months counted from `from`; what the run saw after the window's last month, as a
  // run ending there would not have: a spell still open then is censored at that month
  // (Model::run), an earnings year not wholly in the window is NaN (Model::end_earnings),
  // and a next displacement after it is none.
  const int last = to - 1;
  for (Spells* table : {&w.spells, &w.comparison}) {
    Spells& s = *table;
    const std::array int_columns = {
        &s.replicate, &s.start_month, &s.end_month,  &s.cause, &s.reemployed, &s.occupation, &s.new_occupation,
        &s.sector,    &s.region,      &s.new_region, &s.age,   &s.tenure,     &s.worker,     &s.next_displacement,
        &s.firm,      &s.new_firm};
    std::vector<std::vector<double>*> wage_columns = {&s.wage, &s.new_wage};
    for (auto& e : s.earnings) wage_columns.push_back(&e);
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.start_month[i] < from || s.start_month[i] > last) continue;
      for (auto* col : int_columns)
        if (!col->empty()) (*col)[n] = (*col)[i];  // the comparison group has no end_month, cause, ...
      for (auto* col : wage_columns)
        if (!col->empty()) (*col)[n] = (*col)[i];
      if (!s.end_month.empty() && s.end_month[n] > last) {
        s.end_month[n] = last;
        s.reemployed[n] = 0;
        if (!s.new_occupation.empty()) s.new_occupation[n] = -1;
        if (!s.new_region.empty()) s.new_region[n] = -1;
        if (!s.new_firm.empty()) s.new_firm[n] = -1;
        if (!s.new_wage.empty()) s.new_wage[n] = 0;
      }
      if (!s.next_displacement.empty() && s.start_month[n] + s.next_displacement[n] > last) s.next_displacement[n] = -1;
      for (std::size_t y = 0; y < s.earnings.size(); ++y)
        if (s.start_month[n] + 12 * static_cast<int>(y + 1) > last)
          s.earnings[y][n] = std::numeric_limits<double>::quiet_NaN();
      s.start_month[n] -= from;
      if (!s.end_month.empty()) s.end_month[n] -= from;
      ++n;
    }
    for (auto* col : int_columns)
      if (!col->empty()) col->resize(n);
    for (auto* col : wage_columns)
      if (!col->empty()) col->resize(n);
  }
  // The firm panel's events in the window, their months counted from `from`.
  FirmEvents& e = w.firm_events;
  const std::array event_ints = {&e.replicate,
                                 &e.month,
                                 &e.firm,
                                 &e.kind,
                                 &e.sector,
                                 &e.region,
                                 &e.employed,
                                 &e.laid_off,
                                 &e.moved,
                                 &e.reopened,
                                 &e.reopened_offshore,
                                 &e.other_firm};
  const std::array event_doubles = {&e.capability_believed, &e.capability_real};
  std::size_t kept = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e.month[i] < from || e.month[i] > last) continue;
    for (auto* col : event_ints) (*col)[kept] = (*col)[i];
    for (auto* col : event_doubles) (*col)[kept] = (*col)[i];
    e.month[kept] -= from;
    ++kept;
  }
  for (auto* col : event_ints) col->resize(kept);
  for (auto* col : event_doubles) col->resize(kept);
  return w;
}

std::vector<ParameterDifference> differing_parameters(const std::vector<const Results*>& runs) {
  std::vector<std::string> keys;  // every key, in the first run's order, then the others'
  std::vector<std::map<std::string, std::string>> value(runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k)
    for (const auto& [key, v] : runs[k]->parameters)
      if (value[k].emplace(key, v).second && key != "name" &&
          std::none_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(k),
                       [&](const auto& earlier) { return earlier.contains(key); }))
        keys.push_back(key);
  std::vector<ParameterDifference> out;
  for (const auto& key : keys) {
    ParameterDifference d{key, {}};
    for (const auto& v : value) {
      const auto it = v.find(key);
      d.values.push_back(it == v.end() ? "" : it->second);
    }
    if (std::adjacent_find(d.values.begin(), d.values.end(), std::not_equal_to<>()) != d.values.end())
      out.push_back(std::move(d));
  }
  return out;
}

std::vector<ParameterDifference> differing_parameters(const std::vector<Results>& runs) {
  std::vector<const Results*> all;
  for (const auto& r : runs) all.push_back(&r);
  return differing_parameters(all);
}

std::vector<std::string> run_names(const std::vector<Results>& runs) {
  std::vector<std::string> names;
  for (const auto& r : runs) {
    const bool shared = std::count_if(runs.begin(), runs.end(),
                                      [&](const Results& o) { return o.scenario_name == r.scenario_name; }) > 1;
    names.push_back(shared ? r.scenario_name + " (" + r.path.filename().string() + ")" : r.scenario_name);
  }
  const std::vector<std::string> first = names;  // files of one name in different folders: their paths
  for (std::size_t k = 0; k < runs.size(); ++k)
    if (std::count(first.begin(), first.end(), first[k]) > 1)
      names[k] = runs[k].scenario_name + " (" + runs[k].path.string() + ")";
  return names;
}

}  // namespace laborsim::analysis
