// Scenario loading: toml++ parses, this file merges (`extends`, `--set`) and validates
// against a strict schema whose defaults are the values in scenario.hpp.
#include "laborsim/scenario.hpp"

#include "laborsim/metrics.hpp"
#include "laborsim/suggest.hpp"
#include "laborsim/tables.hpp"
#include "source_line.hpp"
#include "text.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>

namespace laborsim {

namespace {

std::string format_error(const std::string& file, int line, int column, const std::string& key,
                         const std::string& message) {
  std::ostringstream os;
  os << (file.empty() ? "<scenario>" : file);
  // A --set assignment is its own one-line source: a line and column would point into
  // the parser's "v = VALUE", not into anything the user wrote.
  if (line > 0 && !file.starts_with(kSetSource)) {
    os << ':' << line;
    if (column > 0) os << ':' << column;  // (a data table's errors are by line)
  }
  os << ": ";
  if (!key.empty()) os << "key '" << key << "': ";
  os << message;
  return os.str();
}

}  // namespace

InputError::InputError(std::string file, int line, int column, std::string key, std::string message)
    : std::runtime_error(format_error(file, line, column, key, message)),
      file_(std::move(file)),
      key_(std::move(key)),
      message_(std::move(message)),
      line_(line),
      column_(column) {}

std::string error_excerpt(const InputError& e) {
  if (e.file().empty() || e.file().starts_with(kSetSource)) return "";
  std::optional<std::string> line = source_line(e.file(), e.line());
  if (!line) return "";
  std::string& text = *line;
  std::replace(text.begin(), text.end(), '\t', ' ');  // one column a character, for the caret
  // A long line is shown in a window of kWidth characters around the column.
  constexpr std::size_t kWidth = 120;
  const std::size_t at = e.column() > 0 ? static_cast<std::size_t>(e.column() - 1) : 0;
  std::size_t caret = at;
  if (text.size() > kWidth) {
    const std::size_t start = std::min(at > kWidth / 2 ? at - kWidth / 2 : 0, text.size() - kWidth);
    const bool more = start + kWidth < text.size();
    text = (start > 0 ? "... " : "") + text.substr(start, kWidth) + (more ? " ..." : "");
    caret = at - start + (start > 0 ? 4 : 0);
  }
  const std::string number = std::to_string(e.line());
  std::string out = "  " + number + " | " + text + "\n";
  if (e.column() > 0) out += "  " + std::string(number.size(), ' ') + " | " + std::string(caret, ' ') + "^\n";
  return out;
}

std::string fixed_key_reason(const std::string& section, const std::string& key) {
  if (section == "simulation" || section == "firms" || section == "output")
    return "[" + section + "] is set for the whole run";
  if (key == "enabled")
    return section == "ai" ? "a mechanism is on or off for the whole run (to stop new adoption from a month on, set "
                             "ai.adoption_speed = 0; to stop cuts, ai.reduction_intensity = 0)"
                           : "a mechanism is on or off for the whole run";
  static const std::map<std::string, std::map<std::string, std::string>> fixed = {
      {"labor_market",
       {{"matching", "the matching mode is set for the whole run"},
        {"initial_unemployment_rate", "it sets the initial state only"},
        {"vacancies_per_unemployed", "it sets the initial state only"},
        {"mobility_file", "the mobility network is set for the whole run"},
        {"mobility_same_group", "the mobility network is set for the whole run"},
        {"mobility_other", "the mobility network is set for the whole run"}}},
      {"ai",
       {{"capability_start", "it sets the initial state only (capability_growth and capability_ceiling may change)"},
        {"size_elasticity", "it sets the firms' adoption weights at the start"}}},
      {"aiq", {{"initial_share", "it sets the initial state only"}}},
      {"demography",
       {{"retirement_age_mean", "each worker's retirement age is drawn once, when they enter"},
        {"retirement_age_sd", "each worker's retirement age is drawn once, when they enter"}}},
  };
  if (const auto sec = fixed.find(section); sec != fixed.end())
    if (const auto k = sec->second.find(key); k != sec->second.end()) return k->second;
  return "";
}

int cohort_of_age(int age) {
  if (age <= 25) return 0;
  if (age <= 34) return 1;
  if (age <= 44) return 2;
  if (age <= 54) return 3;
  if (age <= 64) return 4;
  return 5;
}

int Scenario::occupation_index(const std::string& n) const {
  for (size_t i = 0; i < occupations.size(); ++i)
    if (occupations[i].name == n) return static_cast<int>(i);
  return -1;
}

int Scenario::first_offshore_region() const {
  for (size_t i = 0; i < regions.size(); ++i)
    if (regions[i].offshore) return static_cast<int>(i);
  return -1;
}

namespace {

struct Where {
  std::string file;
  int line = 0, column = 0;
};

Where where_of(const toml::node& n, const std::string& fallback) {
  const auto& src = n.source();
  Where w;
  w.file = src.path ? *src.path : fallback;
  w.line = static_cast<int>(src.begin.line);
  w.column = static_cast<int>(src.begin.column);
  return w;
}

// A file named in a scenario is relative to the scenario file that names it.
std::filesystem::path relative_to_source(const toml::node& n, const std::string& value, const std::string& fallback) {
  std::filesystem::path p(value);
  if (p.is_absolute()) return p;
  const auto& src = n.source();
  std::filesystem::path base = src.path ? std::filesystem::path(*src.path) : std::filesystem::path(fallback);
  return base.parent_path() / p;
}

// Why a file a key names cannot be read ("" if it can): the key's error message.
std::string named_file_problem(const std::filesystem::path& file) {
  std::error_code ec;
  const std::string quoted = std::string("'").append(file.string()).append("'");
  if (!std::filesystem::exists(file, ec)) return "file " + quoted + " does not exist";
  if (std::filesystem::is_directory(file, ec)) return quoted + " is a directory, not a file";
  return "";
}

std::map<std::string, toml::table> section_tables(const Scenario& s);

// Reads one TOML table against a list of known keys; anything left over is an error.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string prefix, std::string fallback_file)
      : t_(t), prefix_(std::move(prefix)), fallback_(std::move(fallback_file)) {}

  std::string key_path(const std::string& k) const { return prefix_.empty() ? k : prefix_ + "." + k; }

  [[noreturn]] void fail(const toml::node& n, const std::string& k, const std::string& msg) const {
    Where w = where_of(n, fallback_);
    throw InputError(w.file, w.line, w.column, key_path(k), msg);
  }
  [[noreturn]] void fail_table(const std::string& k, const std::string& msg) const {
    Where w = where_of(t_, fallback_);
    throw InputError(w.file, w.line, w.column, key_path(k), msg);
  }

  const toml::node* get(const std::string& k) {
    known_.push_back(k);
    return t_.get(k);
  }

  void number(const std::string& k, double& out, double lo, double hi) {
    const toml::node* n = get(k);
    if (!n) return;
    if (auto v = n->value_exact<double>())
      out = *v;
    else if (auto i = n->value_exact<int64_t>())
      out = static_cast<double>(*i);
    else
      fail(*n, k, std::string("expected a number, got ") + type_name(*n));
    check_range(*n, k, out, lo, hi);
  }

  template <class Int>
  void integer(const std::string& k, Int& out, double lo, double hi) {
    const toml::node* n = get(k);
    if (!n) return;
    auto i = n->value_exact<int64_t>();
    if (!i) {
      std::string msg = std::string("expected an integer, got ") + type_name(*n);
      // 2.5e4 or 20000.0: a whole number in TOML has no point and no exponent.
      if (const auto d = n->value_exact<double>();
          d && std::isfinite(*d) && *d == std::floor(*d) && std::abs(*d) < 1e15)
        msg += " (write it as " + std::to_string(static_cast<long long>(*d)) + ")";
      fail(*n, k, msg);
    }
    check_range(*n, k, static_cast<double>(*i), lo, hi);
    out = static_cast<Int>(*i);
  }

  void boolean(const std::string& k, bool& out) {
    const toml::node* n = get(k);
    if (!n) return;
    auto b = n->value_exact<bool>();
    if (!b) fail(*n, k, std::string("expected true or false, got ") + type_name(*n));
    out = *b;
  }

  void string(const std::string& k, std::string& out, bool required = false) {
    const toml::node* n = get(k);
    if (!n) {
      if (required) fail_table(k, "is required");
      return;
    }
    auto s = n->value_exact<std::string>();
    if (!s) fail(*n, k, std::string("expected a string, got ") + type_name(*n));
    out = *s;
  }

  template <size_t N>
  void cohort_array(const std::string& k, std::array<double, N>& out, double lo, double hi) {
    const toml::node* n = get(k);
    if (!n) return;
    const auto* arr = n->as_array();
    if (!arr || arr->size() != N)
      fail(*n, k,
           "expected an array of " + std::to_string(N) +
               " numbers (one per age cohort 22-25, 26-34, 35-44, 45-54, 55-64, 65+)");
    for (size_t i = 0; i < N; ++i) {
      const toml::node& e = *arr->get(i);
      if (auto v = e.value<double>())
        out[i] = *v;
      else
        fail(e, k, "expected a number");
      check_range(e, k + "[" + std::to_string(i) + "]", out[i], lo, hi);
    }
  }

  // An array of any length of integers (Int) or numbers (double), each within [lo, hi].
  template <class T>
  void array(const std::string& k, std::vector<T>& out, double lo, double hi) {
    const toml::node* n = get(k);
    if (!n) return;
    constexpr bool whole = std::is_integral_v<T>;
    const char* what = whole ? "integers" : "numbers";
    const auto* arr = n->as_array();
    if (!arr) fail(*n, k, std::string("expected an array of ") + what + ", got " + type_name(*n));
    std::vector<T> values;
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::node& e = *arr->get(i);
      const std::string at = k + "[" + std::to_string(i) + "]";
      double x = 0;
      if (auto iv = e.value_exact<int64_t>())
        x = static_cast<double>(*iv);
      else if (auto dv = e.value_exact<double>(); dv && !whole)
        x = *dv;
      else
        fail(e, at, std::string("expected ") + (whole ? "an integer" : "a number") + ", got " + type_name(e));
      check_range(e, at, x, lo, hi);
      values.push_back(static_cast<T>(x));
    }
    out = std::move(values);
  }

  // labor_market's tenure bands, read: edges strictly increasing, one factor more than
  // edges, and not together with the new_hire_* shorthand. The error names the key this
  // table gives (the factors if it gives both).
  void tenure_bands(const std::string& edges_key, const std::vector<int>& edges, const std::string& factors_key,
                    const std::vector<double>& factors, const std::string& shorthand_key, double shorthand) const {
    const toml::node* en = t_.get(edges_key);
    const toml::node* fn = t_.get(factors_key);
    for (size_t i = 1; i < edges.size(); ++i)
      if (edges[i] <= edges[i - 1]) {
        const std::string msg =
            "edges must increase: " + std::to_string(edges[i]) + " follows " + std::to_string(edges[i - 1]);
        if (en) fail(*en->as_array()->get(i), edges_key + "[" + std::to_string(i) + "]", msg);
        fail_table(edges_key, msg);
      }
    if (factors.empty() && edges.empty()) return;
    if (factors.size() != edges.size() + 1) {
      const auto count = [](size_t n, const char* what) {
        return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
      };
      const std::string msg = "expected " + count(edges.size() + 1, "factor") + ", one per band (" +
                              count(edges.size(), "edge") + " in " + edges_key +
                              (edges.size() == 1 ? " makes " : " make ") + count(edges.size() + 1, "band") + "), got " +
                              std::to_string(factors.size());
      if (fn) fail(*fn, factors_key, msg);
      if (en) fail(*en, edges_key, msg);
      fail_table(factors_key, msg);
    }
    if (shorthand != 1.0) {
      const std::string msg = "give either " + factors_key + " or " + shorthand_key +
                              " (a profile of two bands), not both: set " + shorthand_key + " = 1";
      if (fn) fail(*fn, factors_key, msg);
      if (const toml::node* sn = t_.get(shorthand_key)) fail(*sn, shorthand_key, msg);
      fail_table(factors_key, msg);
    }
  }

  // One of the named options (the name is what the file says).
  template <class E>
  void choice(const std::string& k, E& out, const std::vector<std::pair<std::string, E>>& options) {
    const toml::node* n = get(k);
    if (!n) return;
    auto word = n->value_exact<std::string>();
    if (!word) fail(*n, k, std::string("expected a string, got ") + type_name(*n));
    std::vector<std::string> names;
    for (const auto& [name, value] : options) {
      if (word && *word == name) {
        out = value;
        return;
      }
      names.push_back(name);
    }
    std::string listed;
    for (const auto& name : names) listed += (listed.empty() ? "\"" : " or \"") + name + "\"";
    fail(*n, k, "must be " + listed + suggestion(*word, names));
  }

  // A file name, taken relative to the scenario file that gives it.
  // A missing file is this key's error, at its line, with the path it was looked for at.
  void path(const std::string& k, std::string& out) {
    string(k, out);
    if (out.empty() || !t_.get(k)) return;  // not given here ([[schedule]]): as resolved before
    const toml::node& n = *t_.get(k);
    const std::filesystem::path file = relative_to_source(n, out, fallback_);
    if (const std::string problem = named_file_problem(file); !problem.empty()) fail(n, k, problem);
    out = file.string();
  }

  // Two keys read so far that must come in order, low <= high. The error names the key
  // the user most likely just wrote: one given by --set before one in the scenario file
  // run, before one in a file it extends, the low key on a tie; the table itself when
  // both are defaults. The message gives the other key's value.
  void ordered(const std::string& low, double low_value, const std::string& high, double high_value) const {
    if (low_value <= high_value) return;
    auto rank = [&](const toml::node* n) {
      if (!n) return -1;
      const auto& path = n->source().path;
      if (path && path->starts_with(kSetSource)) return 2;
      return path && *path == fallback_ ? 1 : 0;
    };
    const toml::node* lo = t_.get(low);
    const toml::node* hi = t_.get(high);
    std::ostringstream os;
    if (rank(hi) > rank(lo)) {
      os << "must be at least " << low << " (" << low_value << ")";
      fail(*hi, high, os.str());
    }
    os << "must not exceed " << high << " (" << high_value << ")";
    if (lo) fail(*lo, low, os.str());
    fail_table(low, os.str());
  }

  void check_range(const toml::node& n, const std::string& k, double v, double lo, double hi) const {
    if (!(v >= lo && v <= hi)) fail(n, k, out_of_range_text(v, lo, hi));
  }

  // An error about a key itself (not its value): at the key where the file has it.
  [[noreturn]] void fail_key(const toml::key& k, const toml::node& v, const std::string& msg) const {
    Where w = where_of(v, fallback_);
    if (k.source().begin.line > 0) {
      w.line = static_cast<int>(k.source().begin.line);
      w.column = static_cast<int>(k.source().begin.column);
    }
    throw InputError(w.file, w.line, w.column, key_path(std::string(k.str())), msg);
  }

  // An unknown key here may be one of another section: `--set months=48` means
  // simulation.months, `adoption_speed` under [simulation] belongs in [ai]. For the
  // scenario's top level, its sections and [[schedule]] entries.
  void suggest_other_sections() { other_sections_ = true; }

  // Every key of the table must have been asked for.
  void finish() const {
    for (auto&& [k, v] : t_) {
      std::string key(k.str());
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        std::vector<std::string> meant = likely_meant(key, known_);
        if (meant.empty() && other_sections_) meant = keys_of_other_sections(key);
        fail_key(k, v, "unknown key" + did_you_mean(meant));
      }
    }
  }

  static const char* type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a floating-point number";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::table:
        return "a table";
      case toml::node_type::array:
        return "an array";
      default:
        return "a date or time";
    }
  }

 private:
  // The keys of the other sections `key` most likely meant, as section.key (up to 8).
  std::vector<std::string> keys_of_other_sections(const std::string& key) const {
    const std::string own = prefix_.substr(prefix_.rfind('.') + 1);  // "ai" of schedule[0].ai
    const auto sections = section_tables(Scenario{});
    std::vector<std::string> leaves;
    for (const auto& [name, table] : sections)
      if (name != own)
        for (auto&& [k, v] : table)
          if (std::find(leaves.begin(), leaves.end(), k.str()) == leaves.end()) leaves.emplace_back(k.str());
    std::vector<std::string> out;
    for (const std::string& leaf : likely_meant(key, leaves))
      for (const auto& [name, table] : sections)
        if (name != own && table.contains(leaf) && out.size() < 8) out.push_back(name + "." + leaf);
    return out;
  }

  const toml::table& t_;
  std::string prefix_, fallback_;
  std::vector<std::string> known_;
  bool other_sections_ = false;
};

toml::table parse_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw InputError(file.string(), 0, 0, "", "scenario file does not exist");
  if (std::filesystem::is_directory(file, ec))
    throw InputError(file.string(), 0, 0, "", "is a directory, not a scenario file");
  std::ifstream in(file);
  if (!in) throw InputError(file.string(), 0, 0, "", "cannot open scenario file");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return toml::parse(ss.str(), file.string());
  } catch (const toml::parse_error& e) {
    const auto& s = e.source();
    throw InputError(file.string(), static_cast<int>(s.begin.line), static_cast<int>(s.begin.column), "",
                     "TOML syntax error: " + std::string(e.description()));
  }
}

const toml::table* named(const toml::node& n, std::string& name) {
  const auto* t = n.as_table();
  const toml::node* nm = t ? t->get("name") : nullptr;
  if (!nm || !nm->value<std::string>()) return nullptr;
  name = *nm->value<std::string>();
  return t;
}

// What an element of an array of tables is known by when files merge: its name
// ([[occupations]], [[sectors]], [[regions]]), or its month ([[schedule]]); false if
// neither.
bool identity(const toml::node& n, std::string& id) {
  std::string name;
  if (named(n, name)) {
    id = "name " + name;
    return true;
  }
  const auto* t = n.as_table();
  const auto month = t ? (*t)["month"].value_exact<std::int64_t>() : std::nullopt;
  if (month) id = "month " + std::to_string(*month);
  return month.has_value();
}

// Overlay's keys replace base's; tables merge key by key; arrays of tables merge element
// by element by name ([[occupations]], [[sectors]], [[regions]]) or month ([[schedule]]),
// new ones appended; other arrays are replaced whole. Nodes are moved, which keeps their
// source position for error messages.
void merge_into(toml::table& base, toml::table&& overlay) {
  for (auto&& [k, v] : overlay) {
    toml::node* existing = base.get(k.str());
    if (existing && existing->is_table() && v.is_table()) {
      merge_into(*existing->as_table(), std::move(*v.as_table()));
    } else if (existing && existing->is_array_of_tables() && v.is_array_of_tables()) {
      auto& into = *existing->as_array();
      for (auto& e : *v.as_array()) {
        std::string id, other;
        toml::table* match = nullptr;
        if (identity(e, id))
          for (auto& b : into)
            if (identity(b, other) && other == id) match = b.as_table();
        if (match)
          merge_into(*match, std::move(*e.as_table()));
        else
          into.push_back(std::move(*e.as_table()));
      }
    } else {
      base.insert_or_assign(k, std::move(v));
    }
  }
}

// The file's table over the one it extends, and that one's over its own, and so on;
// `chain`: the files that extend this one, outermost first (a file extending one of
// them would never end).
toml::table load_with_extends(const std::filesystem::path& file, std::vector<std::filesystem::path> chain) {
  chain.push_back(std::filesystem::weakly_canonical(file));
  toml::table doc = parse_file(file);
  if (const toml::node* ext = doc.get("extends")) {
    auto s = ext->value_exact<std::string>();
    if (!s) {
      Where w = where_of(*ext, file.string());
      throw InputError(w.file, w.line, w.column, "extends", "expected a file name string");
    }
    std::filesystem::path parent = file.parent_path() / *s;
    if (const std::string problem = named_file_problem(parent); !problem.empty()) {
      Where w = where_of(*ext, file.string());
      throw InputError(w.file, w.line, w.column, "extends", problem);
    }
    if (const auto again = std::find(chain.begin(), chain.end(), std::filesystem::weakly_canonical(parent));
        again != chain.end()) {
      std::string cycle;
      for (auto it = again; it != chain.end(); ++it) cycle += it->filename().string() + " -> ";
      Where w = where_of(*ext, file.string());
      throw InputError(w.file, w.line, w.column, "extends",
                       again + 1 == chain.end()
                           ? "the file extends itself"
                           : "the files extend each other in a cycle: " + cycle + again->filename().string());
    }
    toml::table base = load_with_extends(parent, chain);
    doc.erase("extends");
    merge_into(base, std::move(doc));
    return base;
  }
  return doc;
}

void apply_override(toml::table& root, const std::string& assignment) {
  const std::string origin = std::string(kSetSource) + assignment;
  const auto eq = assignment.find('=');
  // (spaces around the '=' allowed, as in the file: --set "ai.adoption_speed = 2")
  const std::string key = trimmed(assignment.substr(0, eq)),
                    text = eq == std::string::npos ? "" : assignment.substr(eq + 1);
  if (eq == std::string::npos || key.empty())
    throw InputError(origin, 0, 0, "", "expected KEY=VALUE, e.g. --set ai.adoption_speed=2");
  // Every node made here is parsed with the assignment as its source, so an error about
  // it names the --set that made it, not the scenario file.
  const auto parse_as_set = [&origin](const std::string& doc) { return toml::parse(doc, std::string(origin)); };
  toml::table parsed;
  try {
    parsed = parse_as_set("v = " + text);
  } catch (const toml::parse_error&) {
    // Bare words are taken as strings, so `--set labor_market.matching=network` works.
    std::ostringstream quoted;
    quoted << toml::value<std::string>(text);
    parsed = parse_as_set("v = " + quoted.str());
  }
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  toml::table* cur = &root;
  size_t first = 0;
  if (parts.size() > 1 && parts[0] == "schedule") {
    // schedule.36.retraining.subsidy: the [[schedule]] entry of month 36, made if the
    // scenario has none for that month.
    const std::string& m = parts[1];
    const bool whole = !m.empty() && m.size() < 7 && std::all_of(m.begin(), m.end(), [](char ch) {
      return std::isdigit(static_cast<unsigned char>(ch));
    });
    if (!whole || parts.size() < 4)
      throw InputError(origin, 0, 0, key,
                       "a change during the run is addressed by its month, then its key: e.g. --set "
                       "schedule.36.retraining.subsidy=true");
    const std::int64_t month = std::stoll(m);
    if (!root.get("schedule")) root.insert("schedule", toml::array{});
    toml::array* entries = root.get("schedule")->as_array();
    if (!entries || !(entries->empty() || entries->is_array_of_tables()))
      throw InputError(origin, 0, 0, key, "'schedule' is not an array of [[schedule]] tables");
    for (auto& e : *entries)
      if (e.as_table() && (*e.as_table())["month"].value<std::int64_t>() == month) cur = e.as_table();
    if (cur == &root) {
      toml::table entry = std::move(*parse_as_set("t = { month = " + m + " }").get("t")->as_table());
      entries->push_back(std::move(entry));
      cur = entries->back().as_table();
    }
    first = 2;
  }
  for (size_t i = first; i + 1 < parts.size(); ++i) {
    toml::node* n = cur->get(parts[i]);
    if (!n) {
      cur->insert(parts[i], std::move(*parse_as_set("t = {}").get("t")->as_table()));
      n = cur->get(parts[i]);
    }
    if (auto* t = n->as_table()) {
      cur = t;
    } else if (auto* arr = n->as_array(); arr && arr->is_array_of_tables()) {
      // occupations.software_developers.ai_exposure: an element chosen by its name
      toml::table* found = nullptr;
      std::vector<std::string> names;
      for (auto& e : *arr) {
        auto* et = e.as_table();
        auto nm = et ? et->get("name") : nullptr;
        if (nm && nm->value<std::string>()) {
          names.push_back(*nm->value<std::string>());
          if (names.back() == parts[i + 1]) found = et;
        }
      }
      if (!found) {
        // A near name, or those that contain what was typed, else the names there are.
        std::string hint = suggestion(parts[i + 1], names);
        if (hint.empty() && !names.empty()) {
          hint = " (its elements: ";
          for (std::size_t k = 0; k < names.size() && k < 8; ++k) hint += (k ? ", " : "") + names[k];
          hint += names.size() > 8 ? ", ... (" + std::to_string(names.size()) + " in all))" : ")";
        }
        throw InputError(origin, 0, 0, key, "no element named '" + parts[i + 1] + "' in '" + parts[i] + "'" + hint);
      }
      cur = found;
      ++i;
      if (i + 1 >= parts.size()) throw InputError(origin, 0, 0, key, "names an element, not a key of it");
    } else {
      throw InputError(origin, 0, 0, key, "'" + parts[i] + "' is not a table");
    }
  }
  cur->insert_or_assign(parts.back(), std::move(*parsed.get("v")));
}

// Writes the same keys back (effective_toml): TableReader's calls, each putting the value
// it is given into a TOML table; ranges and checks were applied when the value was read.
class TableWriter {
 public:
  toml::table table;

  void number(const std::string& k, double v, double, double) { table.insert(k, v); }
  template <class Int>
  void integer(const std::string& k, Int v, double, double) {
    table.insert(k, static_cast<std::int64_t>(v));
  }
  void boolean(const std::string& k, bool v) { table.insert(k, v); }
  void string(const std::string& k, const std::string& v, bool = false) {
    if (!v.empty()) table.insert(k, v);
  }
  template <size_t N>
  void cohort_array(const std::string& k, const std::array<double, N>& v, double, double) {
    toml::array out;
    for (double x : v) out.push_back(x);
    table.insert(k, std::move(out));
  }
  template <class T>
  void array(const std::string& k, const std::vector<T>& v, double, double) {
    toml::array out;
    for (T x : v) out.push_back(x);
    table.insert(k, std::move(out));
  }
  template <class... A>
  void tenure_bands(A&&...) const {}
  template <class E>
  void choice(const std::string& k, E v, const std::vector<std::pair<std::string, E>>& options) {
    for (const auto& [name, value] : options)
      if (value == v) table.insert(k, name);
  }
  void path(const std::string& k, const std::string& v) {
    if (!v.empty()) table.insert(k, std::filesystem::absolute(v).lexically_normal().string());
  }
  void ordered(const std::string&, double, const std::string&, double) const {}
};

// Every key of the scenario's sections, listed once with its range: the reader reads and
// checks them, the writer of the effective scenario writes them (S: Scenario or const
// Scenario). keys(v) is called with a TableReader or a TableWriter.
template <class S, class Section>
void each_section(S& s, Section&& section) {
  section("simulation", [&](auto& v) {
    auto& p = s.simulation;
    v.integer("months", p.months, 1, SimulationParams::kMaxMonths);
    v.integer("replicates", p.replicates, 1, SimulationParams::kMaxReplicates);
    v.integer("seed", p.seed, 0,
              static_cast<double>(std::numeric_limits<std::int64_t>::max()));  // any TOML integer >= 0
    v.integer("workers", p.workers, 10, 2e9);
    v.integer("burn_in_months", p.burn_in_months, 0, SimulationParams::kMaxBurnIn);
  });
  section("firms", [&](auto& v) {
    auto& p = s.firms;
    v.number("zipf_exponent", p.zipf_exponent, 0.5, 5);
    v.integer("min_size", p.min_size, 1, 1e6);
    v.integer("max_size", p.max_size, 1, 1e8);
    v.integer("vc_max_size", p.vc_max_size, 0, 1e8);
    v.number("wage_premium_sd", p.wage_premium_sd, 0, 1);
    v.ordered("min_size", p.min_size, "max_size", p.max_size);
  });
  section("labor_market", [&](auto& v) {
    auto& p = s.labor_market;
    v.choice("matching", p.matching,
             std::vector<std::pair<std::string, MatchingMode>>{{"cobb_douglas", MatchingMode::cobb_douglas},
                                                               {"network", MatchingMode::network}});
    v.number("matching_efficiency", p.matching_efficiency, 0, 10);
    v.number("matching_elasticity", p.matching_elasticity, 0, 1);
    v.number("initial_unemployment_rate", p.initial_unemployment_rate, 0, 0.9);
    v.number("vacancies_per_unemployed", p.vacancies_per_unemployed, 0, 100);
    v.number("quit_rate", p.quit_rate, 0, 1);
    v.number("quit_to_unemployment_share", p.quit_to_unemployment_share, 0, 1);
    v.number("layoff_rate", p.layoff_rate, 0, 1);
    v.number("replacement_share", p.replacement_share, 0, 1);
    v.number("demand_gap_separation", p.demand_gap_separation, 0, 1);
    v.number("demand_gap_opening", p.demand_gap_opening, 0, 1);
    v.number("network_search_intensity", p.network_search_intensity, 0, 1);
    v.number("employer_weight_aiq", p.employer_weight_aiq, -10, 10);
    v.number("employer_weight_duration", p.employer_weight_duration, -10, 10);
    v.number("employer_weight_age55", p.employer_weight_age55, -10, 10);
    v.number("tenure_wage_growth", p.tenure_wage_growth, 0, 1);
    v.number("tenure_wage_max_years", p.tenure_wage_max_years, 0, 60);
    v.number("job_ladder", p.job_ladder, 0, 1);
    v.number("new_hire_separation_factor", p.new_hire_separation_factor, 0, 20);
    v.integer("new_hire_months", p.new_hire_months, 0, 600);
    v.array("tenure_separation_months", p.tenure_separation_months, 1, 1200);
    v.array("tenure_separation_factors", p.tenure_separation_factors, 0, 20);
    v.tenure_bands("tenure_separation_months", p.tenure_separation_months, "tenure_separation_factors",
                   p.tenure_separation_factors, "new_hire_separation_factor", p.new_hire_separation_factor);
    v.path("mobility_file", p.mobility_file);
    v.number("mobility_same_group", p.mobility_same_group, 0, 1);
    v.number("mobility_other", p.mobility_other, 0, 1);
  });
  section("ai", [&](auto& v) {
    auto& p = s.ai;
    v.boolean("enabled", p.enabled);
    v.number("adoption_speed", p.adoption_speed, 0, 100);
    v.number("capability_start", p.capability_start, 0, 1);
    v.number("capability_ceiling", p.capability_ceiling, 0, 1);
    v.number("capability_growth", p.capability_growth, 0, 10);
    v.number("hype_premium", p.hype_premium, 0, 10);
    v.number("hype_decay_months", p.hype_decay_months, 0, 1e4);
    v.number("size_elasticity", p.size_elasticity, 0, 3);
    v.integer("mandate_months", p.mandate_months, 0, 120);
    v.integer("documentation_months", p.documentation_months, 0, 120);
    v.integer("assessment_months", p.assessment_months, 0, 120);
    v.number("reduction_intensity", p.reduction_intensity, 0, 1);
    v.number("intensity_sd", p.intensity_sd, 0, 3);
    v.number("documentation_base", p.documentation_base, 0, 1);
    v.number("documentation_aiq_gain", p.documentation_aiq_gain, 0, 10);
    v.cohort_array("seniority_weights", p.seniority_weights, 0, 1e6);
    v.integer("realisation_months", p.realisation_months, 1, 240);
    v.number("regret_sensitivity", p.regret_sensitivity, 0, 1e3);
    v.number("rehire_share", p.rehire_share, 0, 1);
    v.number("offshore_share", p.offshore_share, 0, 1);
    v.number("reinstatement_ratio", p.reinstatement_ratio, 0, 10);
    v.ordered("capability_start", p.capability_start, "capability_ceiling", p.capability_ceiling);
  });
  section("consolidation", [&](auto& v) {
    auto& p = s.consolidation;
    v.boolean("enabled", p.enabled);
    v.number("acquisition_share", p.acquisition_share, 0, 1);
    v.number("duplicate_cut_share", p.duplicate_cut_share, 0, 1);
    v.number("refunding_probability", p.refunding_probability, 0, 1);
  });
  section("retraining", [&](auto& v) {
    auto& p = s.retraining;
    v.boolean("enabled", p.enabled);
    v.integer("eligible_after_months", p.eligible_after_months, 0, 600);
    v.number("entry_rate", p.entry_rate, 0, 1);
    v.integer("duration_months", p.duration_months, 1, 120);
    v.number("success_probability", p.success_probability, 0, 1);
    v.boolean("subsidy", p.subsidy);
    v.number("subsidy_entry_rate", p.subsidy_entry_rate, 0, 1);
    v.integer("subsidy_duration_months", p.subsidy_duration_months, 1, 120);
    v.number("subsidy_success_probability", p.subsidy_success_probability, 0, 1);
    v.number("at_risk_entry_rate", p.at_risk_entry_rate, 0, 1);
    v.number("subsidy_at_risk_entry_rate", p.subsidy_at_risk_entry_rate, 0, 1);
    v.number("cost_per_month", p.cost_per_month, 0, 1e7);
    v.number("public_share", p.public_share, 0, 1);
    v.number("subsidy_public_share", p.subsidy_public_share, 0, 1);
  });
  section("aiq", [&](auto& v) {
    auto& p = s.aiq;
    v.boolean("enabled", p.enabled);
    v.cohort_array("initial_share", p.initial_share, 0, 1);
    v.cohort_array("monthly_hazard", p.monthly_hazard, 0, 1);
  });
  section("demography", [&](auto& v) {
    auto& p = s.demography;
    v.boolean("enabled", p.enabled);
    v.number("retirement_age_mean", p.retirement_age_mean, 50, 90);
    v.number("retirement_age_sd", p.retirement_age_sd, 0, 20);
    v.number("graduate_job_share", p.graduate_job_share, 0, 1);
    v.number("unemployed_exit_rate", p.unemployed_exit_rate, 0, 1);
    v.number("reentry_rate", p.reentry_rate, 0, 1);
    v.number("early_retirement_rate", p.early_retirement_rate, 0, 1);
    v.number("early_retirement_age", p.early_retirement_age, 40, 80);
  });
  section("output", [&](auto& v) {
    auto& p = s.output;
    v.number("panel_rate", p.panel_rate, 0, 1);
    v.number("comparison_rate", p.comparison_rate, 0, 1);
    v.integer("earnings_years", p.earnings_years, 1, Records::kMaxYears);
    v.number("firm_panel_rate", p.firm_panel_rate, 0, 1);
  });
}

// [[schedule]]: the parameter sections as a change leaves them, held in a Scenario so
// that each_section reads and writes them as it does the scenario's own (the other
// sections keep their defaults and are never read from it).
Scenario parameters_of(const ScheduledChange& c) {
  Scenario p;
  p.take_parameters(c);
  return p;
}

ScheduledChange change_of(int month, const Parameters& p) { return {p, month}; }

// Every section of the scenario as a TOML table, by name, with every key (defaults
// included): what effective_toml writes and what schedules are compared by.
std::map<std::string, toml::table> section_tables(const Scenario& s) {
  std::map<std::string, toml::table> out;
  each_section(s, [&](const char* name, auto&& keys) {
    TableWriter w;
    keys(w);
    out[name] = std::move(w.table);
  });
  return out;
}

// A TOML value as TOML text, for telling whether two values differ.
std::string toml_text(const toml::node& n) {
  return n.visit([](const auto& x) {
    std::ostringstream os;
    os << x;
    return os.str();
  });
}

// The parameter sections as TOML text, for telling whether two sets of them differ.
std::string parameters_text(const Scenario& p) {
  std::ostringstream os;
  for (const auto& [name, table] : section_tables(p)) os << "[" << name << "]\n" << table << "\n";
  return os.str();
}

// The entries of [[schedule]], applied in month order, each on top of those before it:
// a month and the keys that change from then on, written as in the scenario's own
// sections (retraining.subsidy = true, or a [schedule.retraining] table).
void read_schedule(Scenario& s, TableReader& top, const std::string& file) {
  const toml::node* n = top.get("schedule");
  if (!n) return;
  const auto* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) top.fail(*n, "schedule", "expected one or more [[schedule]] tables");
  struct Entry {
    int month;
    const toml::table* table;
    std::string path;
  };
  std::vector<Entry> entries;
  for (std::size_t k = 0; k < arr->size(); ++k) {
    const toml::table& t = *arr->get(k)->as_table();
    const std::string path = "schedule[" + std::to_string(k) + "]";
    TableReader r(t, path, file);
    if (!t.get("month"))
      r.fail_table("month", "is required: the month the change takes effect (0 = the first recorded month)");
    int month = 0;
    r.integer("month", month, 0, s.simulation.months - 1);
    for (const Entry& e : entries)
      if (e.month == month)
        r.fail(*t.get("month"), "month",
               "month " + std::to_string(month) + " already has a change (" + e.path + "): give both in one entry");
    entries.push_back({month, &t, path});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.month < b.month; });
  Scenario cur = parameters_of(change_of(0, s));
  for (const Entry& e : entries) {
    TableReader r(*e.table, e.path, file);
    r.suggest_other_sections();
    r.get("month");
    each_section(cur, [&](const char* name, auto&& keys) {
      const toml::node* sn = r.get(name);
      if (!sn) return;
      if (!sn->is_table()) r.fail(*sn, name, "expected a table of the keys that change");
      const toml::table& st = *sn->as_table();
      TableReader sr(st, e.path + "." + name, file);
      sr.suggest_other_sections();
      for (auto&& [k, v] : st)
        if (const std::string why = fixed_key_reason(name, std::string(k.str())); !why.empty())
          sr.fail_key(k, v, "cannot change during a run: " + why);
      keys(sr);
      sr.finish();
    });
    r.finish();
    // An entry that restates the values in force changes nothing, and is not kept (so
    // the schedule is the same whether read from the file or from the stored scenario).
    if (parameters_text(cur) !=
        parameters_text(parameters_of(s.schedule.empty() ? change_of(0, s) : s.schedule.back())))
      s.schedule.push_back(change_of(e.month, cur));
  }
}

// The schedule as [[schedule]] entries that load back to it: each with the keys whose
// values differ from the month before (an entry that changes nothing is left out: it
// changes nothing in the run either).
toml::array schedule_toml(const Scenario& s) {
  toml::array out;
  Scenario prev = parameters_of(change_of(0, s));
  for (const ScheduledChange& c : s.schedule) {
    const Scenario cur = parameters_of(c);
    std::map<std::string, toml::table> before = section_tables(prev);
    toml::table entry;
    entry.insert("month", c.month);
    for (const auto& [name, table] : section_tables(cur)) {
      toml::table changed;
      for (auto&& [k, v] : table) {
        const toml::node* old = before[name].get(k.str());
        if (!old || toml_text(*old) != toml_text(v)) v.visit([&](const auto& x) { changed.insert(k, x); });
      }
      if (!changed.empty()) entry.insert(name, std::move(changed));
    }
    if (entry.size() > 1) out.push_back(std::move(entry));
    prev = cur;
  }
  return out;
}

// The keys of one [[occupations]], [[regions]] or [[sectors]] entry (a sector's staffing
// is read and written apart: its keys are occupation names).
template <class V, class O>
void occupation_fields(V& v, O& o) {
  v.string("name", o.name, true);
  v.string("group", o.group);
  v.number("ai_exposure", o.ai_exposure, 0, 1);
  v.number("ai_complement", o.ai_complement, 0, 100);
  v.number("wage", o.wage, 0, 1e8);
  v.number("employment", o.employment, 0, 1e10);
  v.string("title", o.title);
}

template <class V, class R>
void region_fields(V& v, R& g) {
  v.string("name", g.name, true);
  v.boolean("offshore", g.offshore);
  v.number("wage_multiplier", g.wage_multiplier, 0.01, 100);
  v.number("share", g.share, 0, 1);
}

template <class V, class S>
void sector_fields(V& v, S& sec) {
  v.string("name", sec.name, true);
  v.number("employment_share", sec.employment_share, 0, 1);
  v.number("bass_p", sec.bass_p, 0, 10);
  v.number("bass_q", sec.bass_q, 0, 10);
  v.number("vc_share", sec.vc_share, 0, 1);
  v.number("runway_months", sec.runway_months, 1, 600);
}

// What to divide weights by so that they sum to one. Weights that already do, up to
// rounding (shares a person chose to add up, or a scenario written back by
// effective_toml), are kept exactly: loading a stored scenario then gives the very
// numbers it was stored with, not numbers one rounding away, run after run.
double normaliser(double total) { return std::abs(total - 1.0) <= 1e-12 ? 1.0 : total; }

// The note for shares that, summing to `total` (not 1 beyond rounding), were each divided
// by it, with what each became: a writer who set one share (--set
// sectors.tech.employment_share=0.5 to make tech half of employment) sees that it is
// relative to the others.
template <class T, class Share>
void note_scaled_shares(Scenario& s, const std::string& what, const std::vector<T>& items, double total, Share share) {
  if (std::abs(total - 1.0) <= 1e-6) return;
  const auto g = [](double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", x);
    return std::string(text);
  };
  std::string note = what + " sum to " + g(total) + ", not 1: each was divided by " + g(total) + " (now";
  for (std::size_t i = 0; i < items.size(); ++i) note += (i ? ", " : " ") + items[i].name + " " + g(share(items[i]));
  s.notes.push_back(note + ")");
}

// An element of [[occupations]], [[regions]] or [[sectors]] in messages: by its name,
// as --set addresses it (sectors.tech.staffing), or by position if it has no usable name.
std::string element_path(const std::string& list, const toml::table& t, std::size_t position) {
  const auto name = t["name"].value<std::string>();
  if (name && !name->empty() && name->find_first_of(". ") == std::string::npos) return list + "." + *name;
  return list + "[" + std::to_string(position) + "]";
}

Scenario build(toml::table& root, const std::string& file) {
  Scenario s;
  s.source_file = file;
  TableReader top(root, "", file);
  top.suggest_other_sections();
  auto section = [&](const std::string& name) -> const toml::table* {
    const toml::node* n = top.get(name);
    if (!n) return nullptr;
    if (!n->is_table()) top.fail(*n, name, "expected a table [" + name + "]");
    return n->as_table();
  };
  top.string("name", s.name);
  if (s.name.empty()) s.name = std::filesystem::path(file).stem().string();

  each_section(s, [&](const char* name, auto&& keys) {
    if (const toml::table* t = section(name)) {
      TableReader r(*t, name, file);
      r.suggest_other_sections();
      keys(r);
      r.finish();
    }
  });
  read_schedule(s, top, file);

  auto array_of_tables = [&](const std::string& name) -> const toml::array* {
    const toml::node* n = top.get(name);
    if (!n) top.fail_table(name, "is required: at least one [[" + name + "]] entry");
    const auto* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables() || arr->empty())
      top.fail(*n, name, "expected one or more [[" + name + "]] tables");
    return arr;
  };

  // Occupations: inline [[occupations]] or a table (occupations_file).
  std::set<std::string> seen;
  top.path("occupations_file", s.occupations_file);
  if (!s.occupations_file.empty()) {
    if (root.get("occupations"))
      top.fail(*root.get("occupations_file"), "occupations_file",
               "give either occupations_file or [[occupations]], not both");
    s.occupations = read_occupation_table(s.occupations_file);
    top.get("occupations");
  }
  // Iterate the parsed nodes themselves (never a copy: copies lose source positions).
  static const toml::array no_tables;
  const toml::array& inline_occupations = s.occupations_file.empty() ? *array_of_tables("occupations") : no_tables;
  for (const auto& e : inline_occupations) {
    const auto& t = *e.as_table();
    Occupation o;
    TableReader r(t, element_path("occupations", t, s.occupations.size()), file);
    occupation_fields(r, o);
    if (!seen.insert(o.name).second) r.fail(*t.get("name"), "name", "duplicate occupation '" + o.name + "'");
    r.finish();
    s.occupations.push_back(o);
  }
  std::vector<std::string> occ_names;
  for (auto& o : s.occupations) occ_names.push_back(o.name);

  // Regions
  seen.clear();
  for (const auto& e : *array_of_tables("regions")) {
    const auto& t = *e.as_table();
    Region g;
    TableReader r(t, element_path("regions", t, s.regions.size()), file);
    region_fields(r, g);
    if (!seen.insert(g.name).second) r.fail(*t.get("name"), "name", "duplicate region '" + g.name + "'");
    r.finish();
    s.regions.push_back(g);
  }
  double region_total = 0;
  for (auto& g : s.regions) region_total += g.share;
  if (region_total <= 0) top.fail_table("regions", "region shares sum to zero");
  for (auto& g : s.regions) g.share /= normaliser(region_total);
  note_scaled_shares(s, "the regions' shares (regions.*.share)", s.regions, region_total,
                     [](const Region& g) { return g.share; });
  if (s.regions.size() > 250) top.fail_table("regions", "at most 250 regions are supported");

  // Sectors
  seen.clear();
  for (const auto& e : *array_of_tables("sectors")) {
    const auto& t = *e.as_table();
    Sector sec;
    TableReader r(t, element_path("sectors", t, s.sectors.size()), file);
    sector_fields(r, sec);
    if (!seen.insert(sec.name).second) r.fail(*t.get("name"), "name", "duplicate sector '" + sec.name + "'");
    sec.staffing.assign(s.occupations.size(), 0.0);
    const toml::node* st = r.get("staffing");
    if (!st) r.fail_table("staffing", "is required: a table of occupation = weight, or \"employment\"");
    const auto* stt = st->as_table();
    if (auto word = st->value_exact<std::string>()) {
      // Staffing in proportion to the occupations' employment (e.g. from a data table).
      if (*word != "employment") r.fail(*st, "staffing", "expected a table of occupation = weight, or \"employment\"");
      for (size_t o = 0; o < s.occupations.size(); ++o) sec.staffing[o] = s.occupations[o].employment;
    } else if (!stt) {
      r.fail(*st, "staffing", "expected a table of occupation = weight, or \"employment\"");
    }
    static const toml::table no_weights;
    for (auto&& [k, v] : stt ? *stt : no_weights) {
      int oi = s.occupation_index(std::string(k.str()));
      std::string kp = "staffing." + std::string(k.str());
      if (oi < 0) {
        Where w = where_of(v, file);
        throw InputError(w.file, static_cast<int>(k.source().begin.line), static_cast<int>(k.source().begin.column),
                         r.key_path(kp), "unknown occupation" + suggestion(std::string(k.str()), occ_names));
      }
      auto val = v.value<double>();
      if (!val) r.fail(v, kp, "expected a number");
      r.check_range(v, kp, *val, 0, 1e9);
      sec.staffing[oi] = *val;
    }
    double tot = std::accumulate(sec.staffing.begin(), sec.staffing.end(), 0.0);
    if (tot <= 0)
      r.fail(*st, "staffing", "weights sum to zero (staffing = \"employment\" needs occupations with employment)");
    for (auto& x : sec.staffing) x /= normaliser(tot);  // weights are normalised
    r.finish();
    s.sectors.push_back(sec);
  }
  double sector_total = 0;
  for (auto& sec : s.sectors) sector_total += sec.employment_share;
  if (sector_total <= 0) top.fail_table("sectors", "employment shares sum to zero");
  for (auto& sec : s.sectors) sec.employment_share /= normaliser(sector_total);
  note_scaled_shares(s, "the sectors' shares of employment (sectors.*.employment_share)", s.sectors, sector_total,
                     [](const Sector& sec) { return sec.employment_share; });
  if (s.occupations.size() > 65000) top.fail_table("occupations", "at most 65000 occupations are supported");
  top.finish();

  const size_t no = s.occupations.size();
  if (!s.labor_market.mobility_file.empty()) {
    s.mobility = read_mobility_table(s.labor_market.mobility_file, s.occupations);
    return s;
  }
  // Mobility network generated from occupation groups: staying is most likely, moves
  // within a group likelier than across groups. Rows are normalised to sum to one.
  s.mobility.assign(no, std::vector<double>(no, 0.0));
  for (size_t i = 0; i < no; ++i) {
    double row = 0;
    for (size_t j = 0; j < no; ++j) {
      double w = i == j ? 1.0
                 : (s.occupations[i].group == s.occupations[j].group && !s.occupations[i].group.empty())
                     ? s.labor_market.mobility_same_group
                     : s.labor_market.mobility_other;
      s.mobility[i][j] = w;
      row += w;
    }
    for (auto& x : s.mobility[i]) x /= row;
  }
  return s;
}

// toml++ as Debian builds it (without floating-point std::to_chars) prints a double with
// 17 significant digits: 0.28 comes out as 0.28000000000000003. This writes every float
// outside strings and comments as the shortest text that reads back as the same double,
// which is what a person wrote. The result must parse to the same document as the text
// it came from, or the text is kept as it was.
std::string shortest_floats(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto starts_value = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '=' || c == '[' || c == ',' || c == '{';
  };
  const auto in_number = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.' || c == '_';
  };
  for (std::size_t i = 0; i < text.size();) {
    const char ch = text[i];
    std::size_t j = i + 1;
    if (ch == '"' || ch == '\'') {  // a one-line string (the only kind toml++ writes)
      while (j < text.size() && text[j] != ch && text[j] != '\n') j += (ch == '"' && text[j] == '\\') ? 2 : 1;
      j = std::min(j + 1, text.size());
    } else if (ch == '#') {
      while (j < text.size() && text[j] != '\n') ++j;
    } else if ((std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == '+') &&
               (i == 0 || starts_value(text[i - 1]))) {
      while (j < text.size() && in_number(text[j])) ++j;
      const std::string_view token(text.data() + i, j - i);
      double v = 0;
      const char* first = token.data() + (ch == '+' ? 1 : 0);
      const char* last = token.data() + token.size();
      if (token.find_first_of(".eE") != std::string_view::npos && token.find('_') == std::string_view::npos &&
          std::from_chars(first, last, v).ptr == last) {
        char buf[64];
        std::string shortest(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
        if (shortest.find_first_of(".ein") == std::string::npos) shortest += ".0";  // still a float
        out += shortest;
        i = j;
        continue;
      }
    }
    out.append(text, i, j - i);
    i = j;
  }
  try {
    if (toml::parse(out) == toml::parse(text)) return out;
  } catch (const toml::parse_error&) {
  }
  return text;
}

// Every parameter the run uses, defaults included, as TOML that loads back to the same
// scenario: the record of a run does not depend on the defaults of the version reading it.
std::string effective_toml(const Scenario& s) {
  toml::table t;
  t.insert("name", s.name);
  for (auto& [name, table] : section_tables(s)) t.insert(name, std::move(table));
  auto entries = [](const auto& list, auto fields) {
    toml::array out;
    for (const auto& e : list) {
      TableWriter w;
      fields(w, e);
      out.push_back(std::move(w.table));
    }
    return out;
  };
  t.insert("occupations", entries(s.occupations, [](TableWriter& w, const Occupation& o) { occupation_fields(w, o); }));
  t.insert("regions", entries(s.regions, [](TableWriter& w, const Region& g) { region_fields(w, g); }));
  toml::array secs = entries(s.sectors, [](TableWriter& w, const Sector& sec) { sector_fields(w, sec); });
  for (size_t k = 0; k < s.sectors.size(); ++k) {
    toml::table staffing;
    const auto& sec = s.sectors[k];
    for (size_t o = 0; o < sec.staffing.size(); ++o)
      if (sec.staffing[o] > 0) staffing.insert(s.occupations[o].name, sec.staffing[o]);
    secs.get(k)->as_table()->insert("staffing", std::move(staffing));
  }
  t.insert("sectors", std::move(secs));
  if (toml::array schedule = schedule_toml(s); !schedule.empty()) t.insert("schedule", std::move(schedule));
  std::ostringstream os;
  os << "# Every parameter of the run, defaults included"
     << (s.occupations_file.empty() ? "" : "; occupations from " + s.occupations_file) << "\n"
     << t << "\n";
  return shortest_floats(os.str());
}

Scenario finish_load(toml::table& root, const std::string& file, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) apply_override(root, o);
  Scenario s = build(root, file);
  std::ostringstream os;
  os << root;
  s.resolved_toml = shortest_floats(os.str());
  s.effective_toml = effective_toml(s);
  return s;
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  toml::table root = load_with_extends(file, {});
  return finish_load(root, file.string(), overrides);
}

Scenario load_scenario_string(const std::string& text, const std::string& name,
                              const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    throw InputError(name, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column), "",
                     "TOML syntax error: " + std::string(e.description()));
  }
  if (root.get("extends")) throw InputError(name, 0, 0, "extends", "not allowed in an inline scenario");
  return finish_load(root, name, overrides);
}

std::string describe(const Scenario& s) {
  std::ostringstream os;
  os << "# Resolved scenario '" << s.name << "' (from " << s.source_file << ")\n"
     << "# " << counted(s.simulation.workers, "worker") << ", " << counted(s.simulation.months, "month") << ", "
     << counted(s.simulation.replicates, "replicate") << ", seed " << s.simulation.seed << "; "
     << counted(static_cast<long long>(s.occupations.size()), "occupation") << ", "
     << counted(static_cast<long long>(s.sectors.size()), "sector") << ", "
     << counted(static_cast<long long>(s.regions.size()), "region");
  for (std::size_t k = 0; k < s.schedule.size(); ++k)
    os << (k ? ", " : "; parameters change at month ") << s.schedule[k].month;
  os << "\n\n" << s.effective_toml;
  return os.str();
}

}  // namespace laborsim
