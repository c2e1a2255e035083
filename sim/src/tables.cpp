#include "laborsim/tables.hpp"

#include "laborsim/suggest.hpp"

#include "source_line.hpp"
#include "text.hpp"

#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace laborsim {

namespace {

using Reader = io::CSVReader<7, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>>;

// Header names in file order, to give a column's number in messages.
std::vector<std::string> header_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line, cell;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // UTF-8 BOM
  std::vector<std::string> names;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) names.push_back(cell);
  return names;
}

struct Table {
  std::filesystem::path file;
  std::vector<std::string> header;
  int column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i) + 1;
    return 0;
  }
  [[noreturn]] void fail(int line, const std::string& col, const std::string& msg) const {
    throw InputError(file.string(), line, character_of_field(line, column(col)), col, msg);
  }
  // Where field k (1-based) of a line starts, as a character column (1-based), the way
  // an editor counts a location: read again from the file, since errors are rare.
  int character_of_field(int line, int k) const {
    if (k <= 0) return 0;
    const std::optional<std::string> found = source_line(file, line);
    if (!found) return 0;
    const std::string& text = *found;
    bool quoted = false;
    int field = 1;
    for (std::size_t i = 0; i < text.size() && field < k; ++i) {
      if (text[i] == '"') quoted = !quoted;  // a doubled quote toggles twice
      if (text[i] == ',' && !quoted && ++field == k) return static_cast<int>(i) + 2;
    }
    return field == k ? 1 : 0;
  }
  double number(int line, const std::string& col, const std::string& text, double lo, double hi) const {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || !std::isfinite(v)) fail(line, col, "expected a number, got '" + text + "'");
    if (v < lo || v > hi) fail(line, col, out_of_range_text(v, lo, hi));
    return v;
  }
};

template <class F>
void with_csv_errors(const std::filesystem::path& file, F&& body) {
  try {
    body();
  } catch (const io::error::base& e) {
    // fast-cpp-csv-parser's own errors (missing columns, bad quoting, ...) carry the
    // file, line and column in their message.
    int line = 0;
    if (auto* wl = dynamic_cast<const io::error::with_file_line*>(&e)) line = wl->file_line;
    std::string col;
    if (auto* wc = dynamic_cast<const io::error::with_column_name*>(&e)) col = wc->column_name;
    throw InputError(file.string(), line, 0, col, e.what());
  }
}

}  // namespace

std::vector<Occupation> read_occupation_table(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw InputError(file.string(), 0, 0, "", "occupation table does not exist");
  Table t{file, header_of(file)};
  std::vector<Occupation> out;
  with_csv_errors(file, [&] {
    Reader in(file.string());
    in.read_header(io::ignore_extra_column | io::ignore_missing_column, "code", "title", "employment", "median_wage",
                   "ai_exposure", "group", "ai_complement");
    for (const char* required : {"code", "title", "employment", "median_wage", "ai_exposure"})
      if (!in.has_column(required)) t.fail(1, required, std::string("missing column '") + required + "'");
    std::string code, title, emp, wage, expo, group, compl_;
    std::map<std::string, int> seen;
    while (in.read_row(code, title, emp, wage, expo, group, compl_)) {
      const int line = static_cast<int>(in.get_file_line());
      if (code.empty()) t.fail(line, "code", "empty occupation code");
      if (auto [it, fresh] = seen.emplace(code, line); !fresh)
        t.fail(line, "code", "duplicate occupation '" + code + "' (first on line " + std::to_string(it->second) + ")");
      Occupation o;
      o.name = code;
      o.title = title;
      o.group = group;
      o.employment = t.number(line, "employment", emp, 0, 1e10);
      o.wage = t.number(line, "median_wage", wage, 0, 1e8);
      o.ai_exposure = t.number(line, "ai_exposure", expo, 0, 1);
      o.ai_complement =
          in.has_column("ai_complement") && !compl_.empty() ? t.number(line, "ai_complement", compl_, 0, 100) : 0.0;
      out.push_back(o);
    }
  });
  if (out.empty()) throw InputError(file.string(), 2, 0, "", "the occupation table has no rows");
  return out;
}

std::vector<std::vector<double>> read_mobility_table(const std::filesystem::path& file,
                                                     const std::vector<Occupation>& occ) {
  if (!std::filesystem::exists(file)) throw InputError(file.string(), 0, 0, "", "mobility file does not exist");
  Table t{file, header_of(file)};
  std::map<std::string, int> index;
  for (size_t i = 0; i < occ.size(); ++i) index[occ[i].name] = static_cast<int>(i);
  const size_t n = occ.size();
  std::vector<std::vector<double>> a(n, std::vector<double>(n, 0.0));
  std::vector<int> first_line(n, 0);
  with_csv_errors(file, [&] {
    io::CSVReader<3, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>> in(file.string());
    in.read_header(io::ignore_extra_column, "source", "target", "probability");
    std::string src, dst, prob;
    while (in.read_row(src, dst, prob)) {
      const int line = static_cast<int>(in.get_file_line());
      auto i = index.find(src), j = index.find(dst);
      const auto unknown = [&](const std::string& code) {
        std::vector<std::string> names;
        for (const auto& o : occ) names.push_back(o.name);
        return "unknown occupation code '" + code + "' (not in the occupation table)" + suggestion(code, names);
      };
      if (i == index.end()) t.fail(line, "source", unknown(src));
      if (j == index.end()) t.fail(line, "target", unknown(dst));
      a[i->second][j->second] += t.number(line, "probability", prob, 0, 1);
      if (!first_line[i->second]) first_line[i->second] = line;
    }
  });
  for (size_t i = 0; i < n; ++i) {
    double row = 0;
    for (double x : a[i]) row += x;
    if (!first_line[i])
      throw InputError(file.string(), 0, 0, "source",
                       "occupation '" + occ[i].name + "' has no row (no transitions from it)");
    if (std::abs(row - 1.0) > 1e-6) {
      std::ostringstream os;
      os.precision(10);
      os << "transitions from '" << occ[i].name << "' sum to " << row << ", not 1 (its first row is here)";
      t.fail(first_line[i], "probability", os.str());
    }
  }
  return a;
}

}  // namespace laborsim
