#include "laborsim/analysis/tables.hpp"

#include "laborsim/suggest.hpp"
#include "laborsim/thin_markets.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace laborsim::analysis {

Format parse_format(const std::string& s) {
  if (s == "table") return Format::table;
  if (s == "csv") return Format::csv;
  if (s == "json") return Format::json;
  throw std::invalid_argument("unknown format '" + s + "' (table, csv or json)");
}

const char* unit_name(Unit u) {
  switch (u) {
    case Unit::count:
      return "count";
    case Unit::share:
      return "share";
    case Unit::months:
      return "months";
    case Unit::ratio:
      return "ratio";
    case Unit::rate:
      return "rate";
    case Unit::usd:
      return "usd";
  }
  return "";
}

std::string format_value(double v, Unit u, int extra) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  switch (u) {
    case Unit::count:
      std::snprintf(buf, sizeof buf, "%.*f", extra, v);
      break;
    case Unit::share:
    case Unit::rate:
      std::snprintf(buf, sizeof buf, "%.*f%%", 1 + extra, 100 * v);
      break;
    case Unit::months:
      std::snprintf(buf, sizeof buf, "%.*f mo", 1 + extra, v);
      break;
    case Unit::ratio:
      std::snprintf(buf, sizeof buf, "%.*f", 3 + extra, v);
      break;
    case Unit::usd:  // each value says its own scale (an interval may straddle two)
      if (std::abs(v) >= 1e9)
        std::snprintf(buf, sizeof buf, "%.*f bn USD", 2 + extra, v / 1e9);
      else if (std::abs(v) >= 1e6)
        std::snprintf(buf, sizeof buf, "%.*f M USD", 2 + extra, v / 1e6);
      else
        std::snprintf(buf, sizeof buf, "%.*f USD", extra, v);
      break;
  }
  return buf;
}

int extra_decimals(const Interval& i, Unit u) {
  constexpr int kMost = 4;
  // Whether v, printed so, reads as zero (no digit but 0: "0.0%", "-0.0%").
  auto prints_as_zero = [u](double v, int extra) {
    return format_value(v, u, extra).find_first_of("123456789") == std::string::npos;
  };
  const bool bounds = i.n >= 2 && std::isfinite(i.lo) && std::isfinite(i.hi);
  for (int extra = 0; extra < kMost; ++extra) {
    const bool mean_ok = !std::isfinite(i.mean) || i.mean == 0 || !prints_as_zero(i.mean, extra);
    const bool apart = !bounds || i.lo == i.hi || format_value(i.lo, u, extra) != format_value(i.hi, u, extra);
    const bool off_zero =
        !bounds || !i.excludes_zero() || (!prints_as_zero(i.lo, extra) && !prints_as_zero(i.hi, extra));
    if (mean_ok && apart && off_zero) return extra;
  }
  return kMost;
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

// An occupation's title in a table's column: at most this many characters.
constexpr std::size_t kTitleWidth = 40;

// t cut to n characters, its last a '~' where it was cut.
std::string cut(const std::string& t, std::size_t n) { return t.size() <= n ? t : t.substr(0, n - 1) + "~"; }

// `text` in lines of up to 88 characters, broken between words.
void print_wrapped(std::ostream& os, const std::string& text) {
  std::string line;
  for (std::size_t from = 0; from < text.size();) {
    const std::size_t space = text.find(' ', from);
    const std::string word = text.substr(from, space == std::string::npos ? std::string::npos : space - from);
    if (!line.empty() && line.size() + 1 + word.size() > 88) os << line << "\n", line.clear();
    line.append(line.empty() ? "" : " ").append(word);
    from = space == std::string::npos ? text.size() : space + 1;
  }
  os << line << "\n";
}

// (extra: the decimals beyond the unit's usual ones that the mean is printed with too.)
std::string interval_text(const Interval& i, Unit u, int extra, const std::string& suffix = "") {
  if (i.n == 1) return "(1 replicate)";  // a mean, but no interval from one value
  if (i.n < 2 || !std::isfinite(i.lo)) return "";
  std::ostringstream os;  // (not operator+: GCC 12 warns falsely, -Wrestrict, on the chain)
  os << '[' << format_value(i.lo, u, extra) << suffix << ", " << format_value(i.hi, u, extra) << suffix << ']';
  return os.str();
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b);
}

nlohmann::json number_json(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json interval_json(const Interval& i) {
  return {{"mean", number_json(i.mean)}, {"lo95", number_json(i.lo)}, {"hi95", number_json(i.hi)}, {"replicates", i.n}};
}

// A figure's mean and interval, and each replicate's value (null where a replicate
// cannot give it), for analyses of one's own.
nlohmann::json figure_json(const Figure& fig) {
  nlohmann::json o = interval_json(figure_interval(fig));
  o["values"] = nlohmann::json::array();
  for (const double v : fig.values) o["values"].push_back(number_json(v));
  return o;
}

// (header_rows: how many rows the header takes; the rule goes under the last of them.)
void print_aligned(std::ostream& os, const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right,
                   size_t header_rows = 1) {
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& r : rows)
    if (r.size() != w.size()) throw std::logic_error("laborsim-analyze: a table row has another number of columns");
  auto width = [](const std::string& s) {  // count UTF-8 code points, not bytes
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    for (size_t i = 0; i < r.size(); ++i) {
      const std::string pad(w[i] - width(r[i]), ' ');
      os << (i ? "  " : "") << (right[i] ? pad + r[i] : (i + 1 < r.size() ? r[i] + pad : r[i]));
    }
    os << "\n";
    if (k + 1 == header_rows) {
      for (size_t i = 0; i < r.size(); ++i) os << (i ? "  " : "") << std::string(w[i], '-');
      os << "\n";
    }
  }
}

// A column header over as many lines as it takes to keep each within `width`
// characters, broken after a '_' (a sweep's names are long:
// "1. baseline_hype_premium=0_adoption_speed=0.5"); a header with no '_' to break at
// stays whole.
std::vector<std::string> wrapped(const std::string& text, size_t width) {
  std::vector<std::string> lines(1);
  size_t from = 0;
  while (from < text.size()) {
    const size_t at = text.find('_', from);
    const std::string piece = text.substr(from, at == std::string::npos ? std::string::npos : at + 1 - from);
    if (!lines.back().empty() && lines.back().size() + piece.size() > width) lines.emplace_back();
    lines.back() += piece;
    from += piece.size();
  }
  return lines;
}

// A table's header rows: `first` over the first column, then a column per title, each
// wrapped after '_' within `width` characters (a sweep's run names are long), on as
// many rows as the longest title takes.
std::vector<std::vector<std::string>> header_rows_of(const std::string& first, const std::vector<std::string>& titles,
                                                     size_t width = 24) {
  std::vector<std::vector<std::string>> lines;
  size_t n = 1;
  for (const auto& t : titles) {
    lines.push_back(wrapped(t, width));
    n = std::max(n, lines.back().size());
  }
  std::vector<std::vector<std::string>> rows;
  for (size_t line = 0; line < n; ++line) {
    std::vector<std::string> row = {line == 0 ? first : ""};
    for (const auto& l : lines) row.push_back(line < l.size() ? l[line] : "");
    rows.push_back(row);
  }
  return rows;
}

// A "reemployed within k months" figure that no replicate could read (the panel follows
// no displaced worker that long in over half of them).
bool unread_horizon(const Figure& fig) {
  static const std::set<std::string> horizons = {"reemployed_3m", "reemployed_6m", "reemployed_12m", "reemployed_24m"};
  return horizons.contains(fig.key) && figure_interval(fig).n == 0;
}

void header(std::ostream& os, const Results& r) {
  os << r.path.string() << ": scenario '" << r.scenario_name << "', " << r.replicates
     << (r.replicates == 1 ? " replicate x " : " replicates x ") << r.months << " months";
  const int to = r.first_month + r.months;
  if (r.first_month > 0 || to < r.run_months) {
    os << " (months " << r.first_month << "-" << to - 1 << " of the run's 0-" << r.run_months - 1 << ":";
    if (r.first_month > 0) os << " --from " << r.first_month;
    if (to < r.run_months) os << " --to " << to;
    os << ")";
  }
  if (r.workers > 0) os << ", " << r.workers << " workers";
  os << ", seed " << r.seed;
  for (std::size_t k = 0; k < r.schedule_months.size(); ++k)
    os << (k ? ", " : "; parameters change at month ") << r.schedule_months[k];
  os << "\n";
}

// One run's summary in JSON, and its figures as CSV rows (print_summary and, a run after
// another, print_summaries).
nlohmann::json summary_json(const Results& r, const std::vector<Figure>& figs) {
  nlohmann::json j = {{"file", r.path.string()},
                      {"scenario", r.scenario_name},
                      {"replicates", r.replicates},
                      {"seed", r.seed},
                      {"schedule_months", r.schedule_months},
                      {"from_month", r.first_month},
                      {"to_month", r.first_month + r.months},
                      {"months", r.months},
                      {"earnings_years", r.spells.earnings_years()}};
  for (const auto& fig : figs) {
    auto o = figure_json(fig);
    o["label"] = trim(fig.label);
    o["unit"] = unit_name(fig.unit);
    j["figures"][fig.key] = o;
  }
  return j;
}

constexpr const char* kSummaryCsvHeader = "figure,label,unit,mean,lo95,hi95,replicates";

// (suffix: more fields at the end of the row, each with its leading comma)
void summary_csv_row(std::ostream& os, const Figure& fig, const std::string& suffix = "") {
  const Interval i = figure_interval(fig);
  os << fig.key << "," << csv_field(trim(fig.label)) << "," << unit_name(fig.unit) << "," << csv_number(i.mean) << ","
     << csv_number(i.lo) << "," << csv_number(i.hi) << "," << i.n << suffix << "\n";
}

// The parameters several runs differ in, as the last columns of their long CSV tables
// (one per key, its value in the row's run, as TOML writes it), so that a sweep's table
// reads straight into a plot of a figure against what was swept.
struct ParameterColumns {
  std::string header;            // ",ai.adoption_speed,..."
  std::vector<std::string> row;  // per run: ",0.5,..."
};

ParameterColumns parameter_columns(const std::vector<ParameterDifference>& diffs, std::size_t runs) {
  ParameterColumns out{"", std::vector<std::string>(runs)};
  for (const auto& d : diffs) {
    out.header.append(",").append(csv_field(d.key));
    for (std::size_t k = 0; k < runs; ++k) out.row[k].append(",").append(csv_field(d.values[k]));
  }
  return out;
}

// A comparison in JSON, and its figures as CSV rows after `prefix` (print_comparison and,
// one after another, print_comparisons).
// A comparison's figures in JSON, by key: A, B, B - A and whether they compare.
nlohmann::json comparison_figures_json(const Comparison& c) {
  nlohmann::json figures = nlohmann::json::object();
  for (size_t k = 0; k < c.a.size(); ++k) {
    auto d = interval_json(c.diff[k]);
    d["distinguishable"] = c.diff[k].excludes_zero();
    figures[c.a[k].key] = {{"label", trim(c.a[k].label)},        {"unit", unit_name(c.a[k].unit)},
                           {"comparable", c.comparable(c.a[k])}, {"a", interval_json(c.ia[k])},
                           {"b", interval_json(c.ib[k])},        {"b_minus_a", d}};
  }
  return figures;
}

nlohmann::json comparison_json(const Results& a, const Results& b, const Comparison& c) {
  nlohmann::json j = {{"a", {{"file", a.path.string()}, {"scenario", a.scenario_name}}},
                      {"b", {{"file", b.path.string()}, {"scenario", b.scenario_name}}},
                      {"from_month", a.first_month},
                      {"to_month", a.first_month + a.months},
                      {"parameters_that_differ", nlohmann::json::object()},
                      {"paired", c.paired},
                      {"method", c.how},
                      {"caveats", c.caveats}};
  for (const auto& d : differing_parameters(std::vector<const Results*>{&a, &b}))
    j["parameters_that_differ"][d.key] = {{"a", d.values[0]}, {"b", d.values[1]}};
  j["figures"] = comparison_figures_json(c);
  return j;
}

// The parameters several runs differ in, in JSON: each key with its value in every run.
nlohmann::json differences_json(const std::vector<Results>& runs) {
  nlohmann::json differ = nlohmann::json::object();
  for (const auto& d : differing_parameters(runs)) differ[d.key] = d.values;
  return differ;
}

constexpr const char* kComparisonCsvHeader =
    "figure,unit,a_mean,a_lo95,a_hi95,b_mean,b_lo95,b_hi95,diff_mean,diff_lo95,diff_hi95,distinguishable,comparable";

// One run's figures by group in JSON, and as CSV rows after `prefix` (print_summary_by
// and, a run after another, print_summaries_by).
bool has_figure(const std::vector<Figure>& figs, const std::string& key) {
  return std::any_of(figs.begin(), figs.end(), [&](const Figure& f) { return f.key == key; });
}

bool has_titles(const std::vector<GroupFigures>& groups) {
  return std::any_of(groups.begin(), groups.end(), [](const GroupFigures& g) { return !g.title.empty(); });
}

nlohmann::json summary_by_json(const Results& r, const std::string& grouping, const std::vector<GroupFigures>& groups) {
  nlohmann::json j = {{"file", r.path.string()}, {"scenario", r.scenario_name}, {"by", grouping}};
  const bool titled = has_titles(groups);
  for (const auto& g : groups) {
    if (titled) j["titles"][g.group] = g.title;
    j["spells"][g.group] = g.spells;
    for (const auto& fig : g.figures) {
      auto o = figure_json(fig);
      o["unit"] = unit_name(fig.unit);
      j["groups"][g.group][fig.key] = o;
    }
  }
  return j;
}

void summary_by_csv_rows(std::ostream& os, const std::vector<GroupFigures>& groups, bool titled,
                         const std::string& prefix, const std::string& suffix = "") {
  for (const auto& g : groups)
    for (const auto& fig : g.figures) {
      const Interval i = figure_interval(fig);
      os << prefix << csv_field(g.group);
      if (titled) os << "," << csv_field(g.title);
      os << "," << fig.key << "," << unit_name(fig.unit) << "," << csv_number(i.mean) << "," << csv_number(i.lo) << ","
         << csv_number(i.hi) << "," << i.n << suffix << "\n";
    }
}

// A column's name by its figure's key (a figure without one is headed by its key).
std::string short_name(const std::string& key) {
  static const std::map<std::string, std::string> short_names = {{"employed_end", "employed"},
                                                                 {"displaced_estimated", "displaced"},
                                                                 {"reemployed_3m", "reemp 3m"},
                                                                 {"reemployed_6m", "reemp 6m"},
                                                                 {"reemployed_12m", "reemp 12m"},
                                                                 {"reemployed_24m", "reemp 24m"},
                                                                 {"median_duration", "median dur"},
                                                                 {"in_job_at_end", "job at end"},
                                                                 {"displaced_again_24m", "again 24m"},
                                                                 {"wage_replacement", "wage repl"},
                                                                 {"wage_replacement_tenured", "repl 3y+"},
                                                                 {"rehired_lower_pay", "lower pay"},
                                                                 {"rehired_offshore", "offshore"},
                                                                 {"changed_occupation", "other occ"},
                                                                 {"earnings_loss_year1", "loss y1"},
                                                                 {"earnings_loss_year3", "loss y3"},
                                                                 {"earnings_loss_year3_tenured", "y3 3y+"},
                                                                 {"earnings_years_lost", "lost 3y"},
                                                                 {"earnings_pv_lost", "PV lost"},
                                                                 {"hhi_start", "HHI first"},
                                                                 {"hhi_end", "HHI last"},
                                                                 {"regret_share_realised", "regret"},
                                                                 {"ai_cut_staff_share", "AI cut"},
                                                                 {"acquisition_staff_cut", "acq cut"}};
  const auto it = short_names.find(key);
  return it != short_names.end() ? it->second : key;
}

// The parameters two or more runs differ in, a line each under a heading (at most
// kShownDifferences; the JSON lists them all): "  ai.adoption_speed: 0.5 | 1.0 | 2.0".
constexpr std::size_t kShownDifferences = 12;

void print_differences(std::ostream& os, const std::vector<ParameterDifference>& diffs, const std::string& heading,
                       const std::string& separator) {
  if (diffs.empty()) return;
  os << heading << "\n";
  for (std::size_t i = 0; i < diffs.size() && i < kShownDifferences; ++i) {
    os << "  " << diffs[i].key << ": ";
    for (std::size_t k = 0; k < diffs[i].values.size(); ++k)
      os << (k ? separator : "") << (diffs[i].values[k].empty() ? "(none)" : diffs[i].values[k]);
    os << "\n";
  }
  if (diffs.size() > kShownDifferences)
    os << "  ... and " << diffs.size() - kShownDifferences << " more (--format json lists them all)\n";
}

// What a comparison's table says first: the two runs, the parameters they differ in,
// how replicates were paired, and why some figures may not compare.
void comparison_heading(std::ostream& os, const Results& a, const Results& b, const Comparison& c) {
  os << "A: ";
  header(os, a);
  os << "B: ";
  header(os, b);
  print_differences(os, differing_parameters(std::vector<const Results*>{&a, &b}),
                    "Parameters that differ (A -> B):", " -> ");
  os << "(" << c.how << ")\n";
  for (const auto& caveat : c.caveats) print_wrapped(os, "Note: " + caveat + ".");
}

void comparison_csv_rows(std::ostream& os, const Comparison& c, const std::string& prefix,
                         const std::string& suffix = "") {
  for (size_t k = 0; k < c.a.size(); ++k) {
    os << prefix << c.a[k].key << "," << unit_name(c.a[k].unit);
    for (const Interval& i : {c.ia[k], c.ib[k], c.diff[k]})
      os << "," << csv_number(i.mean) << "," << csv_number(i.lo) << "," << csv_number(i.hi);
    os << "," << (c.diff[k].excludes_zero() ? "yes" : "no") << "," << (c.comparable(c.a[k]) ? "yes" : "no") << suffix
       << "\n";
  }
}

}  // namespace

std::vector<std::string> summary_notes() {
  return {
      "Means over replicates with 95% t-intervals, cut to the values a figure can take (a share within 0-100%, a "
      "count at least 0).",
      "Reemployment shares and durations are Kaplan-Meier estimates from the spell panel (censored at the end of "
      "the run).",
      "In a job at the end: the Displaced Worker Survey's question, asked at the run's end of those displaced in "
      "its last 3 years after 3+ years at the employer.",
      "Displaced again: another displacement of the same worker within 24 months, over the displacements at "
      "least 24 months before the end of the run.",
      "Earnings lost: the displaced's earnings in that year after displacement (0 in months without a job) over "
      "their wage before, against the same for panel workers not displaced (docs/model.md, \"Earnings after "
      "displacement\")."};
}

std::vector<std::string> summary_caveats(const Results& r, const std::vector<Figure>& figs) {
  std::vector<std::string> out;
  const std::string months = std::to_string(r.months) + (r.months == 1 ? " month" : " months");
  if (r.replicates < 2) out.push_back("With one replicate there are no intervals: run more (--replicates).");
  const auto unread = std::find_if(figs.begin(), figs.end(), unread_horizon);
  if (r.spells.size() > 0 && unread != figs.end())
    out.push_back("'" + unread->label +
                  "' and longer are n/a: in over half of the replicates the panel follows no displaced worker that "
                  "long (the run has " +
                  months + ").");
  if (r.spells.size() > 0 && r.months < 36)
    out.push_back("In a job at the end is n/a: the run (" + months + ") is shorter than the survey's 3 years.");
  if (r.format_version < 4)
    out.push_back("Earnings lost are n/a: files of format version " + std::to_string(r.format_version) +
                  " do not record earnings.");
  else if (r.spells.size() > 0 && r.months < 37)
    out.push_back("Earnings lost in year " + std::string(r.months < 13 ? "1 and 3 are" : "3 are") + " n/a: the run (" +
                  months + ") ends before anyone's is over.");
  if (r.spells.size() == 0)
    out.push_back(r.panel_rate > 0
                      ? "The spell panel recorded no spells (no worker in the panel was displaced): spell figures "
                        "are n/a."
                      : "The file has no spells (output.panel_rate = 0): spell figures are n/a.");
  // Last, as it explains no n/a: thin markets raise unemployment (docs/validation.md,
  // "Small populations run higher"), as laborsim run says under its headline.
  const auto occupations = r.groups.find("occupation"), regions = r.groups.find("region");
  if (r.workers > 0 && occupations != r.groups.end() && regions != r.groups.end() && !occupations->second.empty() &&
      !regions->second.empty()) {
    const double per_market =
        workers_per_market(static_cast<double>(r.workers), occupations->second.size(), regions->second.size());
    if (markets_are_thin(per_market)) {
      char text[64];
      std::snprintf(text, sizeof text, "%.0f", per_market);
      out.push_back(std::string("With ") + text +
                    " workers per market (occupation and region), markets are thin: unemployment runs higher than "
                    "in a larger population (docs/validation.md, \"Small populations run higher\").");
    }
  }
  return out;
}

SharedCaveats share_caveats(const std::vector<Results>& runs, const std::vector<std::vector<Figure>>& figs) {
  SharedCaveats out;
  for (std::size_t k = 0; k < runs.size(); ++k) out.own.push_back(summary_caveats(runs[k], figs[k]));
  if (out.own.size() < 2) return out;
  for (const std::string& caveat : out.own[0]) {
    const bool everywhere = std::all_of(out.own.begin() + 1, out.own.end(), [&](const auto& own) {
      return std::find(own.begin(), own.end(), caveat) != own.end();
    });
    if (everywhere) out.every_run.push_back(caveat);
  }
  for (auto& own : out.own)
    own.erase(std::remove_if(own.begin(), own.end(),
                             [&](const std::string& c) {
                               return std::find(out.every_run.begin(), out.every_run.end(), c) != out.every_run.end();
                             }),
              own.end());
  return out;
}

void print_summary(std::ostream& os, const Results& r, const std::vector<Figure>& figs, Format f) {
  if (f == Format::json) {
    os << summary_json(r, figs).dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {
    os << kSummaryCsvHeader << "\n";
    for (const auto& fig : figs) summary_csv_row(os, fig);
    return;
  }
  header(os, r);
  std::vector<std::vector<std::string>> rows = {{"figure", "mean", "95% interval"}};
  for (const auto& fig : figs) {
    const Interval i = figure_interval(fig);
    const int extra = extra_decimals(i, fig.unit);
    // (a one-replicate run says so once, below, not on every row)
    rows.push_back(
        {fig.label, format_value(i.mean, fig.unit, extra), r.replicates > 1 ? interval_text(i, fig.unit, extra) : ""});
  }
  print_aligned(os, rows, {false, true, false});
  os << "\n";
  std::string notes;
  for (const std::string& sentence : summary_notes()) notes.append(notes.empty() ? "" : " ").append(sentence);
  print_wrapped(os, notes);
  if (r.spells.earnings_years() > 0)
    os << "Earnings followed " << r.spells.earnings_years()
       << " years after displacement (output.earnings_years); their present\n"
          "value counts those followed all of them, year y discounted by 1.05^-(y-1).\n";
  if (r.spells.size() > 0) {
    std::ostringstream rate;
    rate << r.panel_rate;
    os << "The spell panel's figures rest on " << r.spells.size() << " displacements over all replicates\n"
       << "(a sample of workers: output.panel_rate = " << rate.str() << ").\n";
  }
  for (const std::string& caveat : summary_caveats(r, figs)) print_wrapped(os, caveat);
}

void print_summaries(std::ostream& os, const std::vector<Results>& runs, const std::vector<std::vector<Figure>>& figs,
                     Format f) {
  const std::vector<std::string> names = run_names(runs);
  if (f == Format::json) {
    nlohmann::json all = nlohmann::json::array();
    for (std::size_t k = 0; k < runs.size(); ++k) {
      auto j = summary_json(runs[k], figs[k]);
      j["run"] = names[k];
      all.push_back(std::move(j));
    }
    nlohmann::json caveats = nlohmann::json::array();
    if (const std::string note = mismatch_note(mismatch(runs)); !note.empty()) caveats.push_back(note);
    for (const std::string& note : provenance_notes(runs, names, false)) caveats.push_back(note);  // nothing paired
    const nlohmann::json out = {
        {"runs", all}, {"parameters_that_differ", differences_json(runs)}, {"caveats", caveats}};
    os << out.dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {  // one long table: the runs one after another
    const ParameterColumns swept = parameter_columns(differing_parameters(runs), runs.size());
    os << "run,file,scenario," << kSummaryCsvHeader << swept.header << "\n";
    for (std::size_t k = 0; k < runs.size(); ++k)
      for (const auto& fig : figs[k]) {
        os << csv_field(names[k]) << "," << csv_field(runs[k].path.string()) << "," << csv_field(runs[k].scenario_name)
           << ",";
        summary_csv_row(os, fig, swept.row[k]);
      }
    return;
  }
  for (std::size_t k = 0; k < runs.size(); ++k) {
    os << (k + 1) << ". ";
    header(os, runs[k]);
  }
  print_differences(os, differing_parameters(runs), "Parameters that differ (runs 1, 2, ...):", " | ");
  // One row per figure, one column per run (means; a figure a run lacks is n/a).
  // Headers longer than 24 characters take more lines, so that many runs fit.
  std::vector<std::string> titles;
  for (std::size_t k = 0; k < runs.size(); ++k) titles.push_back(std::to_string(k + 1) + ". " + names[k]);
  std::vector<std::vector<std::string>> rows = header_rows_of("figure", titles);
  const size_t header_rows = rows.size();
  const size_t columns = rows[0].size();
  for (const Figure& first : figs[0]) {
    std::vector<std::string> row = {first.label};
    std::vector<const Figure*> found;  // each run's figure of this row, or null
    // As many decimals in every run's column: the most any run's own summary gives it
    // (for its mean not to read as zero, and its interval's bounds to read apart).
    int extra = 0;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const auto fig =
          std::find_if(figs[k].begin(), figs[k].end(), [&](const Figure& x) { return x.key == first.key; });
      found.push_back(fig == figs[k].end() ? nullptr : &*fig);
      if (found.back()) extra = std::max(extra, extra_decimals(figure_interval(*fig), fig->unit));
    }
    for (const Figure* fig : found)
      row.push_back(fig ? format_value(figure_interval(*fig).mean, fig->unit, extra) : "n/a");
    rows.push_back(row);
  }
  std::vector<bool> right(columns, true);
  right[0] = false;
  os << "\n";
  print_aligned(os, rows, right, header_rows);
  os << "\nMeans over replicates (Kaplan-Meier estimates from the spell panel for reemployment\n"
        "and durations). Use --format csv or json for the 95% intervals, or compare A B for\n"
        "paired differences between two runs.\n";
  if (const std::string note = mismatch_note(mismatch(runs)); !note.empty()) print_wrapped(os, "Note: " + note + ".");
  for (const std::string& note : provenance_notes(runs, names, false)) print_wrapped(os, "Note: " + note + ".");
  // Why some of a run's figures are n/a, as summary of one says it: once for what every
  // run has, then run by run.
  const SharedCaveats caveats = share_caveats(runs, figs);
  std::string said;
  for (const std::string& caveat : caveats.every_run) said.append(" ").append(caveat);
  if (!said.empty()) print_wrapped(os, "All " + std::to_string(runs.size()) + " runs:" + said);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    said.clear();
    for (const std::string& caveat : caveats.own[k]) said.append(" ").append(caveat);
    if (!said.empty()) print_wrapped(os, std::to_string(k + 1) + ". " + names[k] + ":" + said);
  }
}

namespace {

// Below this many spells over all replicates, a group's shares are mostly noise: a share
// of p from n spells has a standard error of sqrt(p(1-p)/n), up to 9 points at n = 30.
constexpr std::size_t kFewSpells = 30;

// The note under a table of which `few` rows rest on fewer than kFewSpells spells, in
// one line ("" when none does).
std::string few_spells_note(std::size_t few) {
  if (few == 0) return "";
  return std::to_string(few) + (few == 1 ? " row rests" : " rows rest") + " on fewer than " +
         std::to_string(kFewSpells) + " spells: read " + (few == 1 ? "its" : "their") +
         " shares as noise (a larger output.panel_rate, or more replicates, samples more).";
}

}  // namespace

void print_summary_by(std::ostream& os, const Results& r, const std::string& grouping,
                      const std::vector<GroupFigures>& groups, Format f) {
  if (groups.empty()) return;
  // Occupations from a data table are codes (SOC): their titles go alongside.
  const bool titled = has_titles(groups);
  if (f == Format::json) {
    os << summary_by_json(r, grouping, groups).dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {
    os << grouping << (titled ? ",title" : "") << ",figure,unit,mean,lo95,hi95,replicates\n";
    summary_by_csv_rows(os, groups, titled, "");
    return;
  }
  header(os, r);
  // One row per group, one column per figure (means), the intervals in CSV/JSON.
  std::vector<std::string> head = {grouping};
  if (titled) head.push_back("title");
  // After the displaced: how many of the panel's displacements the row's figures rest on.
  const auto spells_after = [](const Figure& fig) { return fig.key == "displaced_estimated"; };
  for (const auto& fig : groups.front().figures) {
    head.push_back(short_name(fig.key));
    if (spells_after(fig)) head.push_back("spells");
  }
  std::vector<std::vector<std::string>> rows = {head};
  std::size_t few = 0;
  for (const auto& g : groups) {
    std::vector<std::string> row = {g.group};
    if (titled) row.push_back(cut(g.title, kTitleWidth));
    for (const auto& fig : g.figures) {
      row.push_back(format_value(figure_interval(fig).mean, fig.unit));
      if (spells_after(fig)) row.push_back(std::to_string(g.spells));
    }
    few += g.spells > 0 && g.spells < kFewSpells;
    rows.push_back(row);
  }
  std::vector<bool> right(head.size(), true);
  right[0] = false;
  if (titled) right[1] = false;
  print_aligned(os, rows, right);
  os << "\nMeans over replicates, by "
     << (grouping == "tenure"  ? "the years at the employer they lost"
         : grouping == "cause" ? "cause of displacement"
                               : grouping + " at displacement")
     << " (spell panel; displaced counts scaled by 1/panel_rate).\n"
     << (has_figure(groups.front().figures, "employed_end")
             ? "employed: the group's employment, mean per month over the last 12 months (its series).\n"
             : "")
     << (grouping == "cause" ? "Earnings lost: each cause's displaced against the whole comparison group.\n"
                             : "Earnings lost: against the comparison group's workers of the same " + grouping + ".\n");
  if (grouping == "sector")
    os << "HHI: the sector's employment Herfindahl-Hirschman index (sum of its firms' squared\n"
          "employment shares, 0-1) in the run's first and last month. From the firm panel's\n"
          "events (its firms of the sector): regret, the share regretting among the firms that\n"
          "met real capability; AI cut, the mean share of its staff a cutting firm cut; acq cut,\n"
          "the share of acquired firms' staff cut as duplicates.\n";
  os << "spells: the panel's displacements behind the row's figures, over all " << r.replicates
     << (r.replicates == 1 ? " replicate" : " replicates") << ".\n";
  if (few > 0) print_wrapped(os, few_spells_note(few));
  os << "Use --format csv or json for the 95% intervals.\n";
  // (a group no panel worker was displaced from has every figure n/a, for another reason)
  const bool unread = std::any_of(groups.begin(), groups.end(), [](const GroupFigures& g) {
    auto has = [&g](auto&& holds) { return std::any_of(g.figures.begin(), g.figures.end(), holds); };
    return has([](const Figure& fig) { return fig.key == "displaced_estimated" && figure_interval(fig).mean > 0; }) &&
           has(unread_horizon);
  });
  if (unread)
    os << "A reemployment share is n/a where in over half of the replicates the group's panel\n"
          "follows no displaced worker that long: a larger output.panel_rate samples more.\n";
}

Comparison compare(const Results& a, const Results& b) {
  return compare_figures(a, b, summary_figures(a), summary_figures(b));
}

Comparison compare_figures(const Results& a, const Results& b, std::vector<Figure> fa, const std::vector<Figure>& fb) {
  Comparison c;
  c.a = std::move(fa);
  // B's figures in A's order, by key (files of other format versions may lack some: n/a).
  for (const Figure& x : c.a) {
    const auto it = std::find_if(fb.begin(), fb.end(), [&](const Figure& y) { return y.key == x.key; });
    Figure y = it != fb.end() ? *it : x;
    if (it == fb.end()) y.values = Eigen::VectorXd::Constant(b.replicates, std::numeric_limits<double>::quiet_NaN());
    c.b.push_back(std::move(y));
  }
  // Replicate k of a run draws the same random streams whatever the run's replicate
  // count: with one seed, the replicates both runs have are pairs (common random
  // numbers), and the figures compare over those alone, the other run's extra replicates
  // left out of A, B and B - A alike.
  c.paired = a.seed == b.seed;
  const int common = std::min(a.replicates, b.replicates);
  if (c.paired && a.replicates != b.replicates) {
    for (auto* figs : {&c.a, &c.b})
      for (auto& f : *figs) f.values.conservativeResize(common);
    const Results& more = a.replicates > b.replicates ? a : b;
    c.how = "replicates 0-" + std::to_string(common - 1) + " paired by index (same seed " + std::to_string(a.seed) +
            ": common random numbers); paired t-intervals; " + (&more == &a ? "A" : "B") +
            (more.replicates - common == 1
                 ? "'s replicate " + std::to_string(common)
                 : "'s replicates " + std::to_string(common) + "-" + std::to_string(more.replicates - 1)) +
            " left out";
  } else {
    c.how = c.paired ? "replicates paired by index (same seed " + std::to_string(a.seed) +
                           ": common random numbers); paired t-intervals"
                     : "seeds differ: replicates not paired; Welch t-intervals";
  }
  const RunMismatch differ = c.differ = mismatch(a, b);
  if (differ.length)
    c.caveats.push_back("the runs differ in length (A " + std::to_string(a.months) + " months, B " +
                        std::to_string(b.months) +
                        "): counts over the run are not comparable, and the other figures describe different periods");
  if (differ.size)
    c.caveats.push_back("the runs differ in size (A " + std::to_string(a.workers) + " workers, B " +
                        std::to_string(b.workers) +
                        "): counts are not comparable, nor is concentration (fewer workers make fewer firms)");
  if (differ.horizon)
    c.caveats.push_back("the runs follow earnings for different numbers of years (output.earnings_years: A " +
                        std::to_string(a.spells.earnings_years()) + ", B " + std::to_string(b.spells.earnings_years()) +
                        "): the present values of the earnings lost are not comparable");
  for (std::string& note : provenance_notes(std::vector<const Results*>{&a, &b}, {"A", "B"}, c.paired))
    c.caveats.push_back(std::move(note));
  for (size_t k = 0; k < c.a.size(); ++k) {
    c.ia.push_back(figure_interval(c.a[k]));
    c.ib.push_back(figure_interval(c.b[k]));
    c.diff.push_back(difference_interval(c.a[k], c.paired ? paired_difference(c.a[k].values, c.b[k].values)
                                                          : welch_difference(c.a[k].values, c.b[k].values)));
  }
  return c;
}

void print_comparison(std::ostream& os, const Results& a, const Results& b, const Comparison& c, Format f) {
  if (f == Format::json) {
    os << comparison_json(a, b, c).dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {
    os << kComparisonCsvHeader << "\n";
    comparison_csv_rows(os, c, "");
    return;
  }
  comparison_heading(os, a, b, c);
  if (!c.all_comparable()) os << "Figures that do not compare are marked 'not comparable' below.\n";
  os << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"figure", "A", "B", "B - A", "95% interval of B - A", "distinguishable"}};
  for (size_t k = 0; k < c.a.size(); ++k) {
    const Unit du = difference_unit(c.a[k].unit);
    const int extra = std::max(
        {extra_decimals(c.diff[k], du), extra_decimals(c.ia[k], c.a[k].unit), extra_decimals(c.ib[k], c.b[k].unit)});
    std::string d = format_value(c.diff[k].mean, du, extra);
    if ((du == Unit::rate) && std::isfinite(c.diff[k].mean)) d += "pt";
    // A, B and their difference to the decimals that show each: the difference, and each
    // run as its summary does.
    rows.push_back({c.a[k].label, format_value(c.ia[k].mean, c.a[k].unit, extra),
                    format_value(c.ib[k].mean, c.b[k].unit, extra), d,
                    interval_text(c.diff[k], du, extra, du == Unit::rate ? "pt" : ""),
                    !c.comparable(c.a[k])       ? "not comparable"
                    : c.diff[k].n < 2           ? "n/a"
                    : c.diff[k].excludes_zero() ? "yes"
                                                : "no"});
  }
  print_aligned(os, rows, {false, true, true, true, false, false});
  os << "\n'yes': the 95% interval of the difference excludes zero. Shares' differences are in\n"
        "percentage points.\n";
}

void print_summaries_by(std::ostream& os, const std::vector<Results>& runs, const std::string& grouping, Format f,
                        const std::vector<std::string>& wanted) {
  const std::vector<std::string> names = run_names(runs);
  std::vector<std::vector<GroupFigures>> groups;
  for (const auto& r : runs) groups.push_back(only_groups(r, grouping, summary_by(r, grouping), wanted));
  if (f == Format::json) {
    nlohmann::json all = nlohmann::json::array();
    for (std::size_t k = 0; k < runs.size(); ++k) {
      auto j = summary_by_json(runs[k], grouping, groups[k]);
      j["run"] = names[k];
      all.push_back(std::move(j));
    }
    os << nlohmann::json{{"runs", all}, {"parameters_that_differ", differences_json(runs)}}.dump(2) << "\n";
    return;
  }
  const bool titled = std::any_of(groups.begin(), groups.end(), [](const auto& g) { return has_titles(g); });
  if (f == Format::csv) {  // one long table: the runs one after another
    const ParameterColumns swept = parameter_columns(differing_parameters(runs), runs.size());
    os << "run,file,scenario," << grouping << (titled ? ",title" : "") << ",figure,unit,mean,lo95,hi95,replicates"
       << swept.header << "\n";
    for (std::size_t k = 0; k < runs.size(); ++k)
      summary_by_csv_rows(
          os, groups[k], titled,
          csv_field(names[k]) + "," + csv_field(runs[k].path.string()) + "," + csv_field(runs[k].scenario_name) + ",",
          swept.row[k]);
    return;
  }
  print_differences(os, differing_parameters(runs), "Parameters that differ (runs 1, 2, ...):", " | ");
  for (std::size_t k = 0; k < runs.size(); ++k) {
    os << "\n=== " << (k + 1) << ". " << names[k] << " ===\n";
    print_summary_by(os, runs[k], grouping, groups[k], f);
  }
}

std::vector<GroupComparison> compare_by(const Results& a, const Results& b, const std::string& grouping,
                                        std::vector<std::string>* unmatched) {
  const std::vector<GroupFigures> ga = summary_by(a, grouping), gb = summary_by(b, grouping);
  std::vector<GroupComparison> out;
  for (const auto& g : ga) {
    const auto it = std::find_if(gb.begin(), gb.end(), [&](const GroupFigures& h) { return h.group == g.group; });
    if (it == gb.end()) {
      if (unmatched) unmatched->push_back("A's " + g.group);
      continue;
    }
    out.push_back({g.group, g.title, compare_figures(a, b, g.figures, it->figures)});
  }
  if (unmatched)
    for (const auto& h : gb)
      if (std::none_of(ga.begin(), ga.end(), [&](const GroupFigures& g) { return g.group == h.group; }))
        unmatched->push_back("B's " + h.group);
  return out;
}

void print_comparison_by(std::ostream& os, const Results& a, const Results& b, const std::string& grouping,
                         const std::vector<GroupComparison>& groups, const std::vector<std::string>& unmatched,
                         Format f) {
  if (groups.empty()) {
    os << "(no " << grouping << " in both runs)\n";
    return;
  }
  const Comparison& first = groups.front().c;
  const bool titled =
      std::any_of(groups.begin(), groups.end(), [](const GroupComparison& g) { return !g.title.empty(); });
  if (f == Format::json) {
    nlohmann::json j = comparison_json(a, b, first);
    j.erase("figures");
    j["by"] = grouping;
    j["unmatched_groups"] = unmatched;
    for (const auto& g : groups) {
      if (titled) j["titles"][g.group] = g.title;
      j["groups"][g.group] = comparison_figures_json(g.c);
    }
    os << j.dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {
    os << grouping << (titled ? ",title," : ",") << kComparisonCsvHeader << "\n";
    for (const auto& g : groups) {
      std::string prefix = csv_field(g.group);
      if (titled) prefix.append(",").append(csv_field(g.title));
      comparison_csv_rows(os, g.c, prefix.append(","));
    }
    return;
  }
  comparison_heading(os, a, b, first);
  if (!unmatched.empty()) {
    os << "Note: not in both runs, left out:";
    for (const auto& u : unmatched) os << " " << u;
    os << ".\n";
  }
  os << "\n";
  // One row per group, one column per figure: B - A, marked where its interval excludes 0.
  std::vector<std::string> head = {grouping};
  if (titled) head.push_back("title");
  for (const auto& fig : first.a) head.push_back(short_name(fig.key));
  std::vector<std::vector<std::string>> rows = {head};
  for (const auto& g : groups) {
    std::vector<std::string> row = {g.group};
    if (titled) row.push_back(cut(g.title, kTitleWidth));
    for (std::size_t k = 0; k < g.c.a.size(); ++k) {
      const Unit u = difference_unit(g.c.a[k].unit);
      const Interval& d = g.c.diff[k];
      std::string cell = !g.c.comparable(g.c.a[k]) ? "n/c" : format_value(d.mean, u, extra_decimals(d, u));
      if (g.c.comparable(g.c.a[k]) && std::isfinite(d.mean)) {
        if (u == Unit::rate) cell += "pt";
        if (d.n >= 2 && d.excludes_zero()) cell += "*";
      }
      row.push_back(cell);
    }
    rows.push_back(row);
  }
  std::vector<bool> right(head.size(), true);
  right[0] = false;
  if (titled) right[1] = false;
  print_aligned(os, rows, right);
  os << "\nB - A by " << grouping
     << " at displacement (shares in percentage points); *: its 95% interval excludes zero;\n"
     << (has_figure(first.a, "employed_end")
             ? "employed: the group's employment over the last 12 months (its series, not the spells);\n"
             : "")
     << "n/c: not comparable (runs of other lengths or sizes). Use --format csv or json for A, B\n"
        "and the intervals.\n";
}

void print_comparisons(std::ostream& os, const std::vector<Results>& runs, Format f) {
  const std::vector<std::string> names = run_names(runs);
  if (f == Format::json) {
    nlohmann::json all = nlohmann::json::array();
    for (std::size_t k = 1; k < runs.size(); ++k)
      all.push_back(comparison_json(runs[0], runs[k], compare(runs[0], runs[k])));
    os << nlohmann::json{{"comparisons", all}}.dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {  // one long table: B's name and file first on every row
    // (the last columns: B's values of the parameters the runs differ in)
    const ParameterColumns swept = parameter_columns(differing_parameters(runs), runs.size());
    os << "b_run,b_file," << kComparisonCsvHeader << swept.header << "\n";
    for (std::size_t k = 1; k < runs.size(); ++k)
      comparison_csv_rows(os, compare(runs[0], runs[k]),
                          csv_field(names[k]) + "," + csv_field(runs[k].path.string()) + ",", swept.row[k]);
    return;
  }
  for (std::size_t k = 1; k < runs.size(); ++k) {
    if (k > 1) os << "\n";
    os << "=== " << names[k] << " against " << names[0] << " ===\n";
    print_comparison(os, runs[0], runs[k], compare(runs[0], runs[k]), f);
  }
}

namespace {

// A series' value as the series table shows it: a fraction as a percentage to two
// decimals (a year's change in unemployment is often a tenth of a point), a large
// number whole, any other to four significant digits.
std::string series_value(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  if (unit == "fraction")
    std::snprintf(buf, sizeof buf, "%.2f%%", 100 * v);
  else if (std::abs(v) >= 1000)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// The periods of one series (value(replicate, month)) over a run of `months`: each
// replicate's mean over the period's months, then their mean with its interval.
template <class Value>
std::vector<SeriesPeriod> periods_of(const Results& r, int every, Value value) {
  std::vector<SeriesPeriod> out;
  for (int from = 0; from < r.months; from += every) {
    const int to = std::min(r.months, from + every);
    Eigen::VectorXd per_replicate(r.replicates);
    for (int k = 0; k < r.replicates; ++k) {
      double sum = 0;
      int n = 0;
      for (int t = from; t < to; ++t)
        if (const double v = value(k, t); std::isfinite(v)) sum += v, ++n;
      per_replicate[k] = n > 0 ? sum / n : kNaN;
    }
    out.push_back({r.first_month + from, r.first_month + to - 1, mean_interval(per_replicate)});
  }
  return out;
}

// t in lower case (ASCII).
std::string lower(std::string t) {
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

}  // namespace

SeriesGroups series_periods(const Results& r, const std::string& metric, int every) {
  SeriesGroups out;
  if (const auto it = r.aggregate.find(metric); it != r.aggregate.end()) {
    const Eigen::MatrixXd& m = it->second;  // replicates x months
    out.groups = {"all"};
    out.periods.push_back(periods_of(r, every, [&](int k, int t) { return m(k, t); }));
    return out;
  }
  if (const auto it = r.grouped.find(metric); it != r.grouped.end()) {
    const auto& reps = it->second;  // per replicate, months x groups
    out.groups = r.groups.at(metric.substr(0, metric.find('/')));
    for (std::size_t g = 0; g < out.groups.size(); ++g)
      out.periods.push_back(periods_of(
          r, every, [&](int k, int t) { return reps[static_cast<std::size_t>(k)](t, static_cast<Eigen::Index>(g)); }));
    return out;
  }
  // Not there: what the file has, and those of its names that contain what was typed.
  std::string have;
  std::vector<std::string> names;
  const auto slash = metric.find('/');
  if (slash != std::string::npos && r.groups.count(metric.substr(0, slash))) {
    const std::string grouping = metric.substr(0, slash + 1);  // "occupation/"
    for (const auto& key : r.grouped_names)
      if (key.rfind(grouping, 0) == 0) {
        names.push_back(key);
        have.append(have.empty() ? "" : ", ").append(key.substr(slash + 1));
      }
    throw FormatError(r.path.string() + ": no series '" + metric + "'" +
                      laborsim::suggestion(metric.substr(slash + 1), names) + " (by " + grouping.substr(0, slash) +
                      " it has: " + have + ")");
  }
  for (const auto& name : r.aggregate_names) {
    names.push_back(name);
    have.append(have.empty() ? "" : ", ").append(name);
  }
  std::set<std::string> groupings;
  for (const auto& key : r.grouped_names) groupings.insert(key.substr(0, key.find('/')));
  std::string by;
  for (const auto& g : groupings) by.append(by.empty() ? "" : ", ").append(g + "/NAME");
  throw FormatError(r.path.string() + ": no series '" + metric + "'" + laborsim::suggestion(metric, names) +
                    " (it has: " + have + "; and by group: " + by + ", e.g. cohort/employed)");
}

std::vector<std::size_t> chosen_groups(const Results& r, const std::string& grouping,
                                       const std::vector<std::string>& names, const std::vector<std::string>& titles,
                                       const std::vector<std::string>& wanted) {
  const bool titled = std::any_of(titles.begin(), titles.end(), [](const std::string& t) { return !t.empty(); });
  std::vector<std::size_t> out;
  for (const std::string& w : wanted) {
    std::size_t g = 0;
    while (g < names.size() && names[g] != w && !(g < titles.size() && lower(titles[g]) == lower(w))) ++g;
    if (g == names.size()) {
      std::vector<std::string> labelled;  // names, with an occupation's title beside its code
      for (std::size_t k = 0; k < names.size(); ++k)
        labelled.push_back(k < titles.size() && !titles[k].empty() ? names[k] + " (" + titles[k] + ")" : names[k]);
      const std::string hint = laborsim::suggestion(w, labelled);
      std::string some;
      for (std::size_t k = 0; k < names.size() && k < 8; ++k) some.append(k ? ", " : "").append(names[k]);
      if (names.size() > 8) some.append(", ... (" + std::to_string(names.size()) + " in all)");
      throw FormatError(r.path.string() + ": no " + grouping + " '" + w + "'" + hint + " (" + grouping + "s: " + some +
                        (titled ? "; or their titles" : "") + ")");
    }
    out.push_back(g);
  }
  return out;
}

namespace {

// The named groups of a series by group, in the order named.
SeriesGroups only_groups(const Results& r, const std::string& metric, const SeriesGroups& sg,
                         const std::vector<std::string>& wanted) {
  const std::string grouping = metric.substr(0, metric.find('/'));
  SeriesGroups out;
  for (const std::size_t g :
       chosen_groups(r, grouping, sg.groups,
                     grouping == "occupation" ? r.occupation_titles : std::vector<std::string>{}, wanted)) {
    out.groups.push_back(sg.groups[g]);
    out.periods.push_back(sg.periods[g]);
  }
  return out;
}

// A period's months as a table names them: "12-23", or "5" for one month.
std::string months_text(int from, int to) {
  return from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
}

}  // namespace

// Up to this many groups of a series by group stand side by side, a column each.
constexpr std::size_t kGroupColumns = 12;

void print_series(std::ostream& os, const std::vector<Results>& runs, const std::vector<std::string>& metrics,
                  int every, Format f, const std::vector<std::string>& groups) {
  const std::vector<std::string> names = run_names(runs);
  // [metric][run] -> groups and periods (every metric checked in every run before
  // anything is written); a series by group cut to `groups` where given
  std::vector<std::vector<SeriesGroups>> all(metrics.size());
  for (std::size_t i = 0; i < metrics.size(); ++i)
    for (const Results& r : runs) {
      all[i].push_back(series_periods(r, metrics[i], every));
      if (!groups.empty() && metrics[i].find('/') != std::string::npos)
        all[i].back() = only_groups(r, metrics[i], all[i].back(), groups);
    }
  auto info_of = [&](std::size_t k, const std::string& metric) {  // unit and description, empty if unknown
    const std::string key = metric.find('/') == std::string::npos ? "aggregate/" + metric : metric;
    const auto it = runs[k].metric_info.find(key);
    return it == runs[k].metric_info.end() ? Results::MetricInfo{} : it->second;
  };
  auto grouped = [](const std::string& metric) { return metric.find('/') != std::string::npos; };
  if (f == Format::json) {
    auto periods_json = [](const std::vector<SeriesPeriod>& ps) {
      nlohmann::json periods = nlohmann::json::array();
      for (const SeriesPeriod& p : ps) {
        nlohmann::json j = interval_json(p.value);
        j["from_month"] = p.from_month;
        j["to_month"] = p.to_month;
        periods.push_back(std::move(j));
      }
      return periods;
    };
    nlohmann::json jruns = nlohmann::json::array();
    for (std::size_t k = 0; k < runs.size(); ++k) {
      nlohmann::json series = nlohmann::json::object();
      for (std::size_t i = 0; i < metrics.size(); ++i) {
        const Results::MetricInfo info = info_of(k, metrics[i]);
        nlohmann::json j = {{"unit", info.unit}, {"description", info.description}};
        const SeriesGroups& sg = all[i][k];
        if (grouped(metrics[i])) {
          j["groups"] = nlohmann::json::object();
          for (std::size_t g = 0; g < sg.groups.size(); ++g) j["groups"][sg.groups[g]] = periods_json(sg.periods[g]);
        } else {
          j["periods"] = periods_json(sg.periods[0]);
        }
        series[metrics[i]] = std::move(j);
      }
      jruns.push_back({{"run", names[k]},
                       {"file", runs[k].path.string()},
                       {"scenario", runs[k].scenario_name},
                       {"replicates", runs[k].replicates},
                       {"series", series}});
    }
    os << nlohmann::json{{"every", every}, {"runs", jruns}}.dump(2) << "\n";
    return;
  }
  if (f == Format::csv) {
    os << "run,file,scenario,metric,group,unit,from_month,to_month,mean,lo95,hi95,replicates\n";
    for (std::size_t k = 0; k < runs.size(); ++k)
      for (std::size_t i = 0; i < metrics.size(); ++i) {
        const SeriesGroups& sg = all[i][k];
        for (std::size_t g = 0; g < sg.groups.size(); ++g)
          for (const SeriesPeriod& p : sg.periods[g])
            os << csv_field(names[k]) << ',' << csv_field(runs[k].path.string()) << ','
               << csv_field(runs[k].scenario_name) << ',' << metrics[i] << ',' << csv_field(sg.groups[g]) << ','
               << csv_field(info_of(k, metrics[i]).unit) << ',' << p.from_month << ',' << p.to_month << ','
               << csv_number(p.value.mean) << ',' << csv_number(p.value.lo) << ',' << csv_number(p.value.hi) << ','
               << p.value.n << '\n';
      }
    return;
  }
  const bool several = runs.size() > 1;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (several) os << (k + 1) << ". ";
    header(os, runs[k]);
  }
  if (several) print_differences(os, differing_parameters(runs), "Parameters that differ (runs 1, 2, ...):", " | ");
  bool intervals_left_out = false;
  // One table: a row per period of any column (a column with other months shows n/a
  // where it has none), a column per entry of `columns` (its header wrapped after '_'
  // as in summary's table of several runs; a sweep's names are long), each value's mean
  // and, for a single column, its interval.
  auto table = [&](const std::vector<std::string>& titles, const std::vector<const std::vector<SeriesPeriod>*>& columns,
                   const std::string& unit) {
    const bool single = columns.size() == 1;
    if (!single) intervals_left_out = true;
    std::vector<std::vector<std::string>> rows =
        header_rows_of("months", single ? std::vector<std::string>{"mean", "95% interval"} : titles);
    const size_t header_rows = rows.size();
    std::vector<std::pair<int, int>> spans;
    for (const auto* ps : columns)
      for (const SeriesPeriod& p : *ps)
        if (std::find(spans.begin(), spans.end(), std::pair{p.from_month, p.to_month}) == spans.end())
          spans.emplace_back(p.from_month, p.to_month);
    std::sort(spans.begin(), spans.end());
    for (const auto& [from, to] : spans) {
      std::vector<std::string> row = {months_text(from, to)};
      for (const auto* ps : columns) {
        const auto p = std::find_if(ps->begin(), ps->end(),
                                    [&](const SeriesPeriod& x) { return x.from_month == from && x.to_month == to; });
        row.push_back(p == ps->end() ? "n/a" : series_value(p->value.mean, unit));
        if (single) {
          std::string interval;
          if (p != ps->end() && p->value.n > 1 && std::isfinite(p->value.lo))
            interval.append("[")
                .append(series_value(p->value.lo, unit))
                .append(", ")
                .append(series_value(p->value.hi, unit))
                .append("]");
          row.push_back(interval);
        }
      }
      rows.push_back(row);
    }
    std::vector<bool> right(rows[0].size(), true);
    right[0] = false;
    if (single) right[2] = false;
    print_aligned(os, rows, right, header_rows);
  };
  // Many groups (a data table's hundreds of occupations) would make a table hundreds of
  // columns wide: then a row per group and a column per period, with the occupations'
  // titles beside their codes, as in summary --by.
  bool groups_as_rows = false;
  auto table_by_group = [&](const Results& r, const std::string& grouping, const SeriesGroups& sg,
                            const std::string& unit) {
    groups_as_rows = intervals_left_out = true;
    const auto& names_here = r.groups.count(grouping) ? r.groups.at(grouping) : std::vector<std::string>{};
    auto title_of = [&](const std::string& group) -> std::string {
      if (grouping != "occupation") return "";
      const auto at = std::find(names_here.begin(), names_here.end(), group);
      const auto g = static_cast<std::size_t>(at - names_here.begin());
      return at == names_here.end() || g >= r.occupation_titles.size() ? "" : r.occupation_titles[g];
    };
    const bool titled =
        std::any_of(sg.groups.begin(), sg.groups.end(), [&](const std::string& g) { return !title_of(g).empty(); });
    std::vector<std::string> head = {grouping};
    if (titled) head.push_back("title");
    for (const SeriesPeriod& p : sg.periods.front()) head.push_back(months_text(p.from_month, p.to_month));
    std::vector<std::vector<std::string>> rows = {head};
    for (std::size_t g = 0; g < sg.groups.size(); ++g) {
      std::vector<std::string> row = {sg.groups[g]};
      if (titled) {
        const std::string t = title_of(sg.groups[g]);
        row.push_back(cut(t, kTitleWidth));
      }
      for (const SeriesPeriod& p : sg.periods[g]) row.push_back(series_value(p.value.mean, unit));
      rows.push_back(std::move(row));
    }
    std::vector<bool> right(head.size(), true);
    right[0] = false;
    if (titled) right[1] = false;
    print_aligned(os, rows, right);
  };
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const Results::MetricInfo info = info_of(0, metrics[i]);
    auto title = [&](const std::string& suffix) {
      os << "\n" << metrics[i] << suffix;
      if (!info.description.empty()) os << ": " << info.description;
      os << (info.unit.empty() ? "" : " (" + info.unit + ")") << "\n";
    };
    if (!grouped(metrics[i])) {  // the runs side by side
      title("");
      std::vector<std::string> titles;
      std::vector<const std::vector<SeriesPeriod>*> columns;
      for (std::size_t k = 0; k < runs.size(); ++k) {
        titles.push_back(std::to_string(k + 1) + ". " + names[k]);
        columns.push_back(&all[i][k].periods[0]);
      }
      table(titles, columns, info.unit);
      continue;
    }
    for (std::size_t k = 0; k < runs.size(); ++k) {  // a table per run, its groups side by side
      title(several ? ", " + std::to_string(k + 1) + ". " + names[k] : "");
      const SeriesGroups& sg = all[i][k];
      if (sg.groups.size() > kGroupColumns) {
        table_by_group(runs[k], metrics[i].substr(0, metrics[i].find('/')), sg, info.unit);
        continue;
      }
      std::vector<const std::vector<SeriesPeriod>*> columns;
      for (const auto& ps : sg.periods) columns.push_back(&ps);
      table(sg.groups, columns, info.unit);
    }
  }
  os << "\nEach value is a mean per month over the period's months (a flow per month, not the\n"
     << "period's total), replicate by replicate, then the mean over replicates"
     << (intervals_left_out ? "\n(--format csv or json gives the 95% intervals).\n" : " with its 95%\nt-interval.\n");
  if (groups_as_rows)
    os << "Of more than " << kGroupColumns
       << " groups, a row per group and a column per period (--group NAME ... picks some).\n";
}

void print_flows(std::ostream& os, const Results& r, const std::vector<FlowOrigin>& origins, int top, Format f) {
  const bool titled = std::any_of(origins.begin(), origins.end(), [](const FlowOrigin& o) { return !o.title.empty(); });
  if (f == Format::json) {
    nlohmann::json list = nlohmann::json::array();
    for (const FlowOrigin& o : origins) {
      nlohmann::json to = nlohmann::json::array();
      for (const FlowDestination& d : o.to) {
        nlohmann::json j = {{"group", d.group}, {"share", interval_json(d.share)}};
        if (titled) j["title"] = d.title;
        to.push_back(std::move(j));
      }
      nlohmann::json j = {{"group", o.group},
                          {"rehires", interval_json(o.rehires)},
                          {"spells", o.spells},
                          {"same", interval_json(o.same)},
                          {"to", to}};
      if (titled) j["title"] = o.title;
      list.push_back(std::move(j));
    }
    os << nlohmann::json{{"file", r.path.string()},     {"scenario", r.scenario_name}, {"replicates", r.replicates},
                         {"from_month", r.first_month}, {"months", r.months},          {"origins", list}}
              .dump(2)
       << "\n";
    return;
  }
  if (f == Format::csv) {  // one row per origin and destination, its own group included
    os << "from_occupation" << (titled ? ",from_title" : "") << ",to_occupation" << (titled ? ",to_title" : "")
       << ",rehires_from,rehires_from_lo95,rehires_from_hi95,share,share_lo95,share_hi95,replicates\n";
    for (const FlowOrigin& o : origins)
      for (const FlowDestination& d : o.to) {
        os << csv_field(o.group);
        if (titled) os << ',' << csv_field(o.title);
        os << ',' << csv_field(d.group);
        if (titled) os << ',' << csv_field(d.title);
        os << ',' << csv_number(o.rehires.mean) << ',' << csv_number(o.rehires.lo) << ',' << csv_number(o.rehires.hi)
           << ',' << csv_number(d.share.mean) << ',' << csv_number(d.share.lo) << ',' << csv_number(d.share.hi) << ','
           << d.share.n << '\n';
      }
    return;
  }
  header(os, r);
  if (origins.empty()) {
    os << "\nNo displaced worker of the spell panel found a job"
       << (r.panel_rate > 0 ? "" : " (output.panel_rate = 0: the run recorded no spells)") << ".\n";
    return;
  }
  // Origins with the most rehires first; for each, its own group and the `top` others
  // that took most of them.
  std::vector<const FlowOrigin*> order;
  for (const FlowOrigin& o : origins) order.push_back(&o);
  std::stable_sort(order.begin(), order.end(),
                   [](const FlowOrigin* a, const FlowOrigin* b) { return a->rehires.mean > b->rehires.mean; });
  // (no more destination columns than some row fills)
  std::size_t most_others = 0;
  for (const FlowOrigin& o : origins)
    most_others = std::max(most_others, o.to.size() - static_cast<std::size_t>(o.same.mean > 0));
  top = static_cast<int>(std::min(static_cast<std::size_t>(top), most_others));
  std::vector<std::string> head = {"occupation"};
  if (titled) head.push_back("title");
  head.insert(head.end(), {"rehired", "spells", "same occupation"});
  for (int k = 1; k <= top; ++k) head.push_back("to " + std::to_string(k));
  std::vector<std::vector<std::string>> rows = {head};
  // (a share with one decimal, more only where it would read as zero; a destination by
  // its title, cut short, where occupations are codes)
  auto share = [](const Interval& i) {
    return format_value(i.mean, Unit::share, extra_decimals({i.mean}, Unit::share));
  };
  for (const FlowOrigin* o : order) {
    std::vector<std::string> row = {o->group};
    if (titled) row.push_back(cut(o->title, kTitleWidth));
    row.push_back(format_value(o->rehires.mean, Unit::count));
    row.push_back(std::to_string(o->spells));
    row.push_back(share(o->same));
    int shown = 0;
    for (const FlowDestination& d : o->to) {
      if (shown == top) break;
      if (d.group == o->group) continue;
      std::string cell = titled && !d.title.empty() ? cut(d.title, 28) : d.group;
      row.push_back(cell.append(" ").append(share(d.share)));
      ++shown;
    }
    for (; shown < top; ++shown) row.push_back("");
    rows.push_back(row);
  }
  std::vector<bool> right(head.size(), false);
  right[titled ? 2 : 1] = right[titled ? 3 : 2] = right[titled ? 4 : 3] = true;
  const auto few =
      std::count_if(origins.begin(), origins.end(), [](const FlowOrigin& o) { return o.spells < kFewSpells; });
  os << "\nWhere the displaced who found a job went, by occupation:\n";
  print_aligned(os, rows, right);
  const std::string note =
      std::string(
          "Displacements of the run that ended in a job (spell panel), by the occupation left and the one "
          "found") +
      (titled ? " (destinations by title, cut short)" : "") +
      ". rehired: how many, scaled by 1/panel_rate, mean over replicates; spells: the panel's rehires behind the "
      "row, over all replicates. same occupation, to 1, 2, ...: the share "
      "of them rehired in their own occupation and in the others that took most, per replicate, then the mean over "
      "replicates. --format csv or json gives every occupation they went to, with 95% intervals. A worker changes "
      "occupation only by retraining, or with network matching along the mobility network." +
      (few == 0 ? "" : " " + few_spells_note(static_cast<std::size_t>(few)));
  os << "\n";
  print_wrapped(os, note);
}

}  // namespace laborsim::analysis
