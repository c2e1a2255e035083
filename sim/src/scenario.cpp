// Scenario loading: toml++ parses, this file merges (`extends`, `--set`) and validates
// against a strict schema whose defaults are the values in scenario.hpp.
#include "laborsim/scenario.hpp"

#include "laborsim/tables.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

namespace laborsim {

namespace {

std::string format_error(const std::string& file, int line, int column, const std::string& key,
                         const std::string& message) {
  std::ostringstream os;
  os << (file.empty() ? "<scenario>" : file);
  if (line > 0) os << ':' << line << ':' << column;
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

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

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
    if (!i) fail(*n, k, std::string("expected an integer, got ") + type_name(*n));
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

  void check_range(const toml::node& n, const std::string& k, double v, double lo, double hi) const {
    if (!(v >= lo && v <= hi)) {
      std::ostringstream os;
      os << "value " << v << " is out of range [" << lo << ", " << hi << "]";
      fail(n, k, os.str());
    }
  }

  // Every key of the table must have been asked for.
  void finish() const {
    for (auto&& [k, v] : t_) {
      std::string key(k.str());
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        Where w = where_of(v, fallback_);
        if (k.source().begin.line > 0) {
          w.line = static_cast<int>(k.source().begin.line);
          w.column = static_cast<int>(k.source().begin.column);
        }
        throw InputError(w.file, w.line, w.column, key_path(key), "unknown key" + suggestion(key, known_));
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
        return "a number";
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
  const toml::table& t_;
  std::string prefix_, fallback_;
  std::vector<std::string> known_;
};

// A file named in a scenario is relative to the scenario file that names it.
std::filesystem::path relative_to_source(const toml::node& n, const std::string& value, const std::string& fallback) {
  std::filesystem::path p(value);
  if (p.is_absolute()) return p;
  const auto& src = n.source();
  std::filesystem::path base = src.path ? std::filesystem::path(*src.path) : std::filesystem::path(fallback);
  return base.parent_path() / p;
}

toml::table parse_file(const std::filesystem::path& file) {
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

// Overlay's keys replace base's; tables merge key by key; arrays of named tables
// ([[occupations]], [[sectors]], [[regions]]) merge element by element by name, new
// names appended; other arrays are replaced whole. Nodes are moved, which keeps their
// source position for error messages.
void merge_into(toml::table& base, toml::table&& overlay) {
  for (auto&& [k, v] : overlay) {
    toml::node* existing = base.get(k.str());
    if (existing && existing->is_table() && v.is_table()) {
      merge_into(*existing->as_table(), std::move(*v.as_table()));
    } else if (existing && existing->is_array_of_tables() && v.is_array_of_tables()) {
      auto& into = *existing->as_array();
      for (auto& e : *v.as_array()) {
        std::string name, other;
        toml::table* match = nullptr;
        if (named(e, name))
          for (auto& b : into)
            if (named(b, other) && other == name) match = b.as_table();
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

toml::table load_with_extends(const std::filesystem::path& file, int depth) {
  if (depth > 16) throw InputError(file.string(), 0, 0, "extends", "'extends' chain is too deep (a cycle?)");
  toml::table doc = parse_file(file);
  if (const toml::node* ext = doc.get("extends")) {
    auto s = ext->value_exact<std::string>();
    if (!s) {
      Where w = where_of(*ext, file.string());
      throw InputError(w.file, w.line, w.column, "extends", "expected a file name string");
    }
    std::filesystem::path parent = file.parent_path() / *s;
    if (!std::filesystem::exists(parent)) {
      Where w = where_of(*ext, file.string());
      throw InputError(w.file, w.line, w.column, "extends", "file '" + parent.string() + "' does not exist");
    }
    toml::table base = load_with_extends(parent, depth + 1);
    doc.erase("extends");
    merge_into(base, std::move(doc));
    return base;
  }
  return doc;
}

void apply_override(toml::table& root, const std::string& assignment) {
  const std::string origin = "--set " + assignment;
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set", 0, 0, assignment, "expected KEY=VALUE, e.g. --set ai.adoption_speed=2");
  std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + text, origin);
  } catch (const toml::parse_error&) {
    // Bare words are taken as strings, so `--set labor_market.matching=network` works.
    toml::table t;
    t.insert("v", text);
    parsed = std::move(t);
  }
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  toml::table* cur = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* n = cur->get(parts[i]);
    if (!n) {
      cur->insert(parts[i], toml::table{});
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
      if (!found)
        throw InputError(
            "--set", 0, 0, key,
            "no element named '" + parts[i + 1] + "' in '" + parts[i] + "'" + suggestion(parts[i + 1], names));
      cur = found;
      ++i;
      if (i + 1 >= parts.size()) throw InputError("--set", 0, 0, key, "names an element, not a key of it");
    } else {
      throw InputError("--set", 0, 0, key, "'" + parts[i] + "' is not a table");
    }
  }
  cur->insert_or_assign(parts.back(), std::move(*parsed.get("v")));
}

const std::vector<std::string> kSections = {"name",          "simulation", "firms",  "labor_market", "ai",
                                            "consolidation", "retraining", "aiq",    "demography",   "output",
                                            "occupations",   "sectors",    "regions"};

Scenario build(toml::table& root, const std::string& file) {
  Scenario s;
  s.source_file = file;
  TableReader top(root, "", file);
  auto section = [&](const std::string& name) -> const toml::table* {
    const toml::node* n = top.get(name);
    if (!n) return nullptr;
    if (!n->is_table()) top.fail(*n, name, "expected a table [" + name + "]");
    return n->as_table();
  };
  top.string("name", s.name);
  if (s.name.empty()) s.name = std::filesystem::path(file).stem().string();

  if (auto* t = section("simulation")) {
    TableReader r(*t, "simulation", file);
    r.integer("months", s.simulation.months, 1, 12000);
    r.integer("replicates", s.simulation.replicates, 1, 100000);
    r.integer("seed", s.simulation.seed, 0, 9.2e18);
    r.integer("workers", s.simulation.workers, 10, 2e9);
    r.integer("burn_in_months", s.simulation.burn_in_months, 0, 1200);
    r.finish();
  }
  if (auto* t = section("firms")) {
    TableReader r(*t, "firms", file);
    r.number("zipf_exponent", s.firms.zipf_exponent, 0.5, 5);
    r.integer("min_size", s.firms.min_size, 1, 1e6);
    r.integer("max_size", s.firms.max_size, 1, 1e8);
    r.integer("vc_max_size", s.firms.vc_max_size, 0, 1e8);
    if (s.firms.max_size < s.firms.min_size) r.fail_table("max_size", "must be at least min_size");
    r.finish();
  }
  if (auto* t = section("labor_market")) {
    auto& m = s.labor_market;
    TableReader r(*t, "labor_market", file);
    std::string mode = "cobb_douglas";
    r.string("matching", mode);
    if (mode == "cobb_douglas")
      m.matching = MatchingMode::cobb_douglas;
    else if (mode == "network")
      m.matching = MatchingMode::network;
    else
      r.fail(*t->get("matching"), "matching",
             "must be \"cobb_douglas\" or \"network\"" + suggestion(mode, {"cobb_douglas", "network"}));
    r.number("matching_efficiency", m.matching_efficiency, 0, 10);
    r.number("matching_elasticity", m.matching_elasticity, 0, 1);
    r.number("initial_unemployment_rate", m.initial_unemployment_rate, 0, 0.9);
    r.number("vacancies_per_unemployed", m.vacancies_per_unemployed, 0, 100);
    r.number("quit_rate", m.quit_rate, 0, 1);
    r.number("quit_to_unemployment_share", m.quit_to_unemployment_share, 0, 1);
    r.number("layoff_rate", m.layoff_rate, 0, 1);
    r.number("replacement_share", m.replacement_share, 0, 1);
    r.number("demand_gap_separation", m.demand_gap_separation, 0, 1);
    r.number("demand_gap_opening", m.demand_gap_opening, 0, 1);
    r.number("network_search_intensity", m.network_search_intensity, 0, 1);
    r.number("employer_weight_aiq", m.employer_weight_aiq, -10, 10);
    r.number("employer_weight_duration", m.employer_weight_duration, -10, 10);
    r.number("employer_weight_age55", m.employer_weight_age55, -10, 10);
    r.string("mobility_file", m.mobility_file);
    if (!m.mobility_file.empty())
      m.mobility_file = relative_to_source(*t->get("mobility_file"), m.mobility_file, file).string();
    r.number("mobility_same_group", m.mobility_same_group, 0, 1);
    r.number("mobility_other", m.mobility_other, 0, 1);
    r.finish();
  }
  if (auto* t = section("ai")) {
    auto& a = s.ai;
    TableReader r(*t, "ai", file);
    r.boolean("enabled", a.enabled);
    r.number("adoption_speed", a.adoption_speed, 0, 100);
    r.number("capability_start", a.capability_start, 0, 1);
    r.number("capability_ceiling", a.capability_ceiling, 0, 1);
    r.number("capability_growth", a.capability_growth, 0, 10);
    r.number("hype_premium", a.hype_premium, 0, 10);
    r.number("hype_decay_months", a.hype_decay_months, 0, 1e4);
    r.number("size_elasticity", a.size_elasticity, 0, 3);
    r.integer("mandate_months", a.mandate_months, 0, 120);
    r.integer("documentation_months", a.documentation_months, 0, 120);
    r.integer("assessment_months", a.assessment_months, 0, 120);
    r.number("reduction_intensity", a.reduction_intensity, 0, 1);
    r.number("documentation_base", a.documentation_base, 0, 1);
    r.number("documentation_aiq_gain", a.documentation_aiq_gain, 0, 10);
    r.cohort_array("seniority_weights", a.seniority_weights, 0, 1e6);
    r.integer("realisation_months", a.realisation_months, 1, 240);
    r.number("regret_sensitivity", a.regret_sensitivity, 0, 1e3);
    r.number("rehire_share", a.rehire_share, 0, 1);
    r.number("offshore_share", a.offshore_share, 0, 1);
    r.number("reinstatement_ratio", a.reinstatement_ratio, 0, 10);
    r.finish();
    if (a.capability_start > a.capability_ceiling)
      r.fail_table("capability_start", "must not exceed capability_ceiling");
  }
  if (auto* t = section("consolidation")) {
    auto& c = s.consolidation;
    TableReader r(*t, "consolidation", file);
    r.boolean("enabled", c.enabled);
    r.number("acquisition_share", c.acquisition_share, 0, 1);
    r.number("duplicate_cut_share", c.duplicate_cut_share, 0, 1);
    r.number("refunding_probability", c.refunding_probability, 0, 1);
    r.finish();
  }
  if (auto* t = section("retraining")) {
    auto& c = s.retraining;
    TableReader r(*t, "retraining", file);
    r.boolean("enabled", c.enabled);
    r.integer("eligible_after_months", c.eligible_after_months, 0, 600);
    r.number("entry_rate", c.entry_rate, 0, 1);
    r.integer("duration_months", c.duration_months, 1, 120);
    r.number("success_probability", c.success_probability, 0, 1);
    r.boolean("subsidy", c.subsidy);
    r.number("subsidy_entry_rate", c.subsidy_entry_rate, 0, 1);
    r.integer("subsidy_duration_months", c.subsidy_duration_months, 1, 120);
    r.number("subsidy_success_probability", c.subsidy_success_probability, 0, 1);
    r.number("cost_per_month", c.cost_per_month, 0, 1e7);
    r.number("public_share", c.public_share, 0, 1);
    r.number("subsidy_public_share", c.subsidy_public_share, 0, 1);
    r.finish();
  }
  if (auto* t = section("aiq")) {
    TableReader r(*t, "aiq", file);
    r.boolean("enabled", s.aiq.enabled);
    r.cohort_array("initial_share", s.aiq.initial_share, 0, 1);
    r.cohort_array("monthly_hazard", s.aiq.monthly_hazard, 0, 1);
    r.finish();
  }
  if (auto* t = section("demography")) {
    auto& d = s.demography;
    TableReader r(*t, "demography", file);
    r.boolean("enabled", d.enabled);
    r.number("retirement_age_mean", d.retirement_age_mean, 50, 90);
    r.number("retirement_age_sd", d.retirement_age_sd, 0, 20);
    r.number("graduate_job_share", d.graduate_job_share, 0, 1);
    r.number("unemployed_exit_rate", d.unemployed_exit_rate, 0, 1);
    r.number("reentry_rate", d.reentry_rate, 0, 1);
    r.finish();
  }
  if (auto* t = section("output")) {
    TableReader r(*t, "output", file);
    r.number("panel_rate", s.output.panel_rate, 0, 1);
    r.finish();
  }

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
  top.string("occupations_file", s.occupations_file);
  if (!s.occupations_file.empty()) {
    const toml::node* of = root.get("occupations_file");
    if (root.get("occupations"))
      top.fail(*of, "occupations_file", "give either occupations_file or [[occupations]], not both");
    s.occupations_file = relative_to_source(*of, s.occupations_file, file).string();
    s.occupations = read_occupation_table(s.occupations_file);
    top.get("occupations");
  }
  // Iterate the parsed nodes themselves (never a copy: copies lose source positions).
  static const toml::array no_tables;
  const toml::array& inline_occupations = s.occupations_file.empty() ? *array_of_tables("occupations") : no_tables;
  for (const auto& e : inline_occupations) {
    const auto& t = *e.as_table();
    Occupation o;
    TableReader r(t, "occupations[" + std::to_string(s.occupations.size()) + "]", file);
    r.string("name", o.name, true);
    if (!seen.insert(o.name).second) r.fail(*t.get("name"), "name", "duplicate occupation '" + o.name + "'");
    r.string("group", o.group);
    r.number("ai_exposure", o.ai_exposure, 0, 1);
    r.number("ai_complement", o.ai_complement, 0, 100);
    r.number("wage", o.wage, 0, 1e8);
    r.number("employment", o.employment, 0, 1e10);
    r.string("title", o.title);
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
    TableReader r(t, "regions[" + std::to_string(s.regions.size()) + "]", file);
    r.string("name", g.name, true);
    if (!seen.insert(g.name).second) r.fail(*t.get("name"), "name", "duplicate region '" + g.name + "'");
    r.boolean("offshore", g.offshore);
    r.number("wage_multiplier", g.wage_multiplier, 0.01, 100);
    r.number("share", g.share, 0, 1);
    r.finish();
    s.regions.push_back(g);
  }
  double region_total = 0;
  for (auto& g : s.regions) region_total += g.share;
  if (region_total <= 0) top.fail_table("regions", "region shares sum to zero");
  for (auto& g : s.regions) g.share /= region_total;
  if (s.regions.size() > 250) top.fail_table("regions", "at most 250 regions are supported");

  // Sectors
  seen.clear();
  for (const auto& e : *array_of_tables("sectors")) {
    const auto& t = *e.as_table();
    Sector sec;
    TableReader r(t, "sectors[" + std::to_string(s.sectors.size()) + "]", file);
    r.string("name", sec.name, true);
    if (!seen.insert(sec.name).second) r.fail(*t.get("name"), "name", "duplicate sector '" + sec.name + "'");
    r.number("employment_share", sec.employment_share, 0, 1);
    r.number("bass_p", sec.bass_p, 0, 10);
    r.number("bass_q", sec.bass_q, 0, 10);
    r.number("vc_share", sec.vc_share, 0, 1);
    r.number("runway_months", sec.runway_months, 1, 600);
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
    for (auto& x : sec.staffing) x /= tot;  // weights are normalised
    r.finish();
    s.sectors.push_back(sec);
  }
  double sector_total = 0;
  for (auto& sec : s.sectors) sector_total += sec.employment_share;
  if (sector_total <= 0) top.fail_table("sectors", "employment shares sum to zero");
  for (auto& sec : s.sectors) sec.employment_share /= sector_total;
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

toml::array cohort_array(const std::array<double, kCohorts>& a) {
  toml::array out;
  for (double x : a) out.push_back(x);
  return out;
}

// Every parameter the run uses, defaults included, as TOML that loads back to the same
// scenario: the record of a run does not depend on the defaults of the version reading it.
std::string effective_toml(const Scenario& s) {
  const auto& lm = s.labor_market;
  const auto& a = s.ai;
  toml::table t;
  t.insert("name", s.name);
  t.insert("simulation", toml::table{{"months", s.simulation.months},
                                     {"replicates", s.simulation.replicates},
                                     {"seed", static_cast<std::int64_t>(s.simulation.seed)},
                                     {"workers", s.simulation.workers},
                                     {"burn_in_months", s.simulation.burn_in_months}});
  t.insert("firms", toml::table{{"zipf_exponent", s.firms.zipf_exponent},
                                {"min_size", s.firms.min_size},
                                {"max_size", s.firms.max_size},
                                {"vc_max_size", s.firms.vc_max_size}});
  toml::table market{{"matching", lm.matching == MatchingMode::network ? "network" : "cobb_douglas"},
                     {"matching_efficiency", lm.matching_efficiency},
                     {"matching_elasticity", lm.matching_elasticity},
                     {"initial_unemployment_rate", lm.initial_unemployment_rate},
                     {"vacancies_per_unemployed", lm.vacancies_per_unemployed},
                     {"quit_rate", lm.quit_rate},
                     {"quit_to_unemployment_share", lm.quit_to_unemployment_share},
                     {"layoff_rate", lm.layoff_rate},
                     {"replacement_share", lm.replacement_share},
                     {"demand_gap_separation", lm.demand_gap_separation},
                     {"demand_gap_opening", lm.demand_gap_opening},
                     {"network_search_intensity", lm.network_search_intensity},
                     {"employer_weight_aiq", lm.employer_weight_aiq},
                     {"employer_weight_duration", lm.employer_weight_duration},
                     {"employer_weight_age55", lm.employer_weight_age55},
                     {"mobility_same_group", lm.mobility_same_group},
                     {"mobility_other", lm.mobility_other}};
  if (!lm.mobility_file.empty())
    market.insert("mobility_file", std::filesystem::absolute(lm.mobility_file).lexically_normal().string());
  t.insert("labor_market", market);
  t.insert("ai", toml::table{{"enabled", a.enabled},
                             {"adoption_speed", a.adoption_speed},
                             {"capability_start", a.capability_start},
                             {"capability_ceiling", a.capability_ceiling},
                             {"capability_growth", a.capability_growth},
                             {"hype_premium", a.hype_premium},
                             {"hype_decay_months", a.hype_decay_months},
                             {"size_elasticity", a.size_elasticity},
                             {"mandate_months", a.mandate_months},
                             {"documentation_months", a.documentation_months},
                             {"assessment_months", a.assessment_months},
                             {"reduction_intensity", a.reduction_intensity},
                             {"documentation_base", a.documentation_base},
                             {"documentation_aiq_gain", a.documentation_aiq_gain},
                             {"seniority_weights", cohort_array(a.seniority_weights)},
                             {"realisation_months", a.realisation_months},
                             {"regret_sensitivity", a.regret_sensitivity},
                             {"rehire_share", a.rehire_share},
                             {"offshore_share", a.offshore_share},
                             {"reinstatement_ratio", a.reinstatement_ratio}});
  const auto& c = s.consolidation;
  t.insert("consolidation", toml::table{{"enabled", c.enabled},
                                        {"acquisition_share", c.acquisition_share},
                                        {"duplicate_cut_share", c.duplicate_cut_share},
                                        {"refunding_probability", c.refunding_probability}});
  const auto& r = s.retraining;
  t.insert("retraining", toml::table{{"enabled", r.enabled},
                                     {"eligible_after_months", r.eligible_after_months},
                                     {"entry_rate", r.entry_rate},
                                     {"duration_months", r.duration_months},
                                     {"success_probability", r.success_probability},
                                     {"subsidy", r.subsidy},
                                     {"subsidy_entry_rate", r.subsidy_entry_rate},
                                     {"subsidy_duration_months", r.subsidy_duration_months},
                                     {"subsidy_success_probability", r.subsidy_success_probability},
                                     {"cost_per_month", r.cost_per_month},
                                     {"public_share", r.public_share},
                                     {"subsidy_public_share", r.subsidy_public_share}});
  t.insert("aiq", toml::table{{"enabled", s.aiq.enabled},
                              {"initial_share", cohort_array(s.aiq.initial_share)},
                              {"monthly_hazard", cohort_array(s.aiq.monthly_hazard)}});
  const auto& d = s.demography;
  t.insert("demography", toml::table{{"enabled", d.enabled},
                                     {"retirement_age_mean", d.retirement_age_mean},
                                     {"retirement_age_sd", d.retirement_age_sd},
                                     {"graduate_job_share", d.graduate_job_share},
                                     {"unemployed_exit_rate", d.unemployed_exit_rate},
                                     {"reentry_rate", d.reentry_rate}});
  t.insert("output", toml::table{{"panel_rate", s.output.panel_rate}});
  toml::array occs, secs, regs;
  for (const auto& o : s.occupations) {
    toml::table e{{"name", o.name},
                  {"group", o.group},
                  {"ai_exposure", o.ai_exposure},
                  {"ai_complement", o.ai_complement},
                  {"wage", o.wage}};
    if (!o.title.empty()) e.insert("title", o.title);
    if (o.employment > 0) e.insert("employment", o.employment);
    occs.push_back(std::move(e));
  }
  for (const auto& sec : s.sectors) {
    toml::table staffing;
    for (size_t o = 0; o < sec.staffing.size(); ++o)
      if (sec.staffing[o] > 0) staffing.insert(s.occupations[o].name, sec.staffing[o]);
    secs.push_back(toml::table{{"name", sec.name},
                               {"employment_share", sec.employment_share},
                               {"bass_p", sec.bass_p},
                               {"bass_q", sec.bass_q},
                               {"vc_share", sec.vc_share},
                               {"runway_months", sec.runway_months},
                               {"staffing", std::move(staffing)}});
  }
  for (const auto& g : s.regions)
    regs.push_back(toml::table{
        {"name", g.name}, {"offshore", g.offshore}, {"wage_multiplier", g.wage_multiplier}, {"share", g.share}});
  t.insert("occupations", std::move(occs));
  t.insert("sectors", std::move(secs));
  t.insert("regions", std::move(regs));
  std::ostringstream os;
  os << "# Every parameter of the run, defaults included"
     << (s.occupations_file.empty() ? "" : "; occupations from " + s.occupations_file) << "\n"
     << t << "\n";
  return os.str();
}

Scenario finish_load(toml::table& root, const std::string& file, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) apply_override(root, o);
  Scenario s = build(root, file);
  std::ostringstream os;
  os << root;
  s.resolved_toml = os.str();
  s.effective_toml = effective_toml(s);
  return s;
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  toml::table root = load_with_extends(file, 0);
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
     << "# " << s.simulation.workers << " workers, " << s.simulation.months << " months, " << s.simulation.replicates
     << " replicates, seed " << s.simulation.seed << "; " << s.occupations.size() << " occupations, "
     << s.sectors.size() << " sectors, " << s.regions.size() << " regions\n\n"
     << s.effective_toml;
  return os.str();
}

}  // namespace laborsim
