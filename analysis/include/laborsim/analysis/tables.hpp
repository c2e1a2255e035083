// Summary and comparison tables as aligned text, CSV or JSON.
#pragma once

#include "laborsim/analysis/flows.hpp"
#include "laborsim/analysis/summary.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace laborsim::analysis {

enum class Format { table, csv, json };
Format parse_format(const std::string& s);  // throws std::invalid_argument

// v as a table shows it: a share or rate in percent with one decimal, months with one,
// a ratio with three, a count whole, US dollars scaled (M, bn) with two; extra: more
// decimals than those.
std::string format_value(double v, Unit u, int extra = 0);
// The extra decimals (up to 4) with which an interval reads right: a mean that is not
// zero does not print as zero, bounds that differ print differently, and neither bound
// of an interval that excludes zero prints as zero (a difference of -0.03 points shown
// as "-0.0%pt [-0.0%pt, -0.0%pt]" and called distinguishable would say nothing).
int extra_decimals(const Interval& i, Unit u);
// The unit of a difference of two values of unit u: a share's or rate's difference is in
// percentage points (shown as a rate, with "pt" after it).
inline Unit difference_unit(Unit u) { return u == Unit::share || u == Unit::rate ? Unit::rate : u; }
const char* unit_name(Unit u);

// What the summary's figures are, a sentence each (under the table of `summary`, and of
// the report's headline figures).
std::vector<std::string> summary_notes();
// Why some of a run's figures are n/a or have no interval (one replicate, a run too
// short for a figure, a file that does not record it, no spells), a sentence each; last,
// whether its markets are thin (under 800 workers per occupation and region).
std::vector<std::string> summary_caveats(const Results& r, const std::vector<Figure>& figs);
// The caveats of several runs side by side: those every run has, to be said once (a
// sweep's runs share their size, so their thin markets), and each run's others, in order.
struct SharedCaveats {
  std::vector<std::string> every_run;
  std::vector<std::vector<std::string>> own;  // by run
};
SharedCaveats share_caveats(const std::vector<Results>& runs, const std::vector<std::vector<Figure>>& figs);
void print_summary(std::ostream& os, const Results& r, const std::vector<Figure>& figs, Format f);
// Several runs side by side (a parameter sweep, say): a table with a column per run,
// or the runs' summaries one after another in CSV (a long table with run, file and
// scenario columns) and JSON ({"runs": [...]}, each as print_summary writes it).
void print_summaries(std::ostream& os, const std::vector<Results>& runs, const std::vector<std::vector<Figure>>& figs,
                     Format f);
void print_summary_by(std::ostream& os, const Results& r, const std::string& grouping,
                      const std::vector<GroupFigures>& groups, Format f);
// Several runs by group: their tables one after another, the parameters they differ in
// above; CSV one long table with run, file and scenario first; JSON {"runs": [...]}.
// (wanted: only those groups, as only_groups() picks them; all if empty.)
void print_summaries_by(std::ostream& os, const std::vector<Results>& runs, const std::string& grouping, Format f,
                        const std::vector<std::string>& wanted = {});

struct Comparison {
  bool paired = false;
  std::string how;  // one line saying how replicates were paired
  // Why some figures do not compare (runs of different lengths or sizes: counts over the
  // run then differ for that reason alone; different years of earnings followed), one
  // sentence each.
  std::vector<std::string> caveats;
  RunMismatch differ;
  bool all_comparable() const { return !differ.any(); }
  // Whether a figure compares between the two runs: counts and costs (totals over the
  // run) only between runs of one length and size; a size-dependent figure only between
  // runs of one size; the present value of the earnings lost only between runs that
  // follow earnings as many years; every other share, rate or duration always.
  bool comparable(const Figure& f) const {
    if (f.unit == Unit::count || f.unit == Unit::usd) return !differ.counts();
    return !(f.depends_on_size && differ.size) && !(f.depends_on_horizon && differ.horizon);
  }
  std::vector<Figure> a, b;
  std::vector<Interval> ia, ib, diff;
};
Comparison compare(const Results& a, const Results& b);
// Two runs' figures (summary_figures, or one group's of summary_by) compared, B's
// matched to A's by key, replicates paired as compare() says.
Comparison compare_figures(const Results& a, const Results& b, std::vector<Figure> fa, const std::vector<Figure>& fb);
// compare() group by group (summary_by's groups: occupation, sector, region, cohort,
// tenure or cause), for the groups both runs have; the others are named in unmatched.
struct GroupComparison {
  std::string group, title;
  Comparison c;
};
std::vector<GroupComparison> compare_by(const Results& a, const Results& b, const std::string& grouping,
                                        std::vector<std::string>* unmatched = nullptr);
void print_comparison_by(std::ostream& os, const Results& a, const Results& b, const std::string& grouping,
                         const std::vector<GroupComparison>& groups, const std::vector<std::string>& unmatched,
                         Format f);
void print_comparison(std::ostream& os, const Results& a, const Results& b, const Comparison& c, Format f);
// Each of runs[1..] against runs[0] (a sweep against its reference): the comparisons one
// after another; CSV one long table with b_run and b_file first; JSON {"comparisons": [...]}.
void print_comparisons(std::ostream& os, const std::vector<Results>& runs, Format f);

// A series over periods of `every` months from the run's (or window's) first month,
// the last period perhaps shorter: each replicate's mean per month over the period,
// then their mean over replicates with its 95% t-interval. Months are the run's own (a
// window from --from counts on from there). `metric` names an aggregate series
// ("unemployment_rate") or one by group ("cohort/employed"): the periods of each group,
// or of the one group "all". FormatError for a series the file does not have, naming
// those it has.
struct SeriesPeriod {
  int from_month, to_month;  // inclusive
  Interval value;
};
struct SeriesGroups {
  std::vector<std::string> groups;                 // "all" for an aggregate series
  std::vector<std::vector<SeriesPeriod>> periods;  // by group
};
SeriesGroups series_periods(const Results& r, const std::string& metric, int every);
// The headline series `series` shows unless told which.
inline const std::vector<std::string> kHeadlineSeries = {"unemployment_rate", "layoffs_ordinary", "layoffs_ai",
                                                         "layoffs_consolidation"};
// Table: for each series a table with a row per period: the mean and 95% interval of
// one run, or the means of several runs side by side; a series by group, a table per
// run with its groups side by side. CSV one long table (run, file, scenario, metric,
// group, unit, from_month, to_month, mean, lo95, hi95, replicates; group "all" for an
// aggregate series); JSON {"every": N, "runs": [{..., "series": {metric: {unit,
// description, periods}}}]}, a series by group with "groups": {name: periods} instead.
// The indexes of the groups `wanted` names among `names`, in the order named: each by
// its name, or by its title (titles[g], an occupation's longer name, where there are
// titles) in any case. FormatError for a name that is none of them, naming some there are.
std::vector<std::size_t> chosen_groups(const Results& r, const std::string& grouping,
                                       const std::vector<std::string>& names, const std::vector<std::string>& titles,
                                       const std::vector<std::string>& wanted);

// summary_by's or compare_by's groups cut to those `wanted` names, in that order
// (chosen_groups; all if wanted is empty).
template <class Group>
std::vector<Group> only_groups(const Results& r, const std::string& grouping, const std::vector<Group>& groups,
                               const std::vector<std::string>& wanted) {
  if (wanted.empty()) return groups;
  std::vector<std::string> names, titles;
  for (const Group& g : groups) names.push_back(g.group), titles.push_back(g.title);
  std::vector<Group> out;
  for (const std::size_t g : chosen_groups(r, grouping, names, titles, wanted)) out.push_back(groups[g]);
  return out;
}

// groups: of a series by group, only these, in this order (chosen_groups).
void print_series(std::ostream& os, const std::vector<Results>& runs, const std::vector<std::string>& metrics,
                  int every, Format f, const std::vector<std::string>& groups = {});

// Where the displaced went (flows()): a table with a row per occupation left, the most
// rehires first: how many were rehired, the share in their own occupation and the `top`
// others that took most of them; CSV a row per origin and destination (its own
// included) with the origin's rehires and the share's interval; JSON {"origins":
// [{group, rehires, same, to: [{group, share}]}]} (titles too where the scenario gives
// them).
void print_flows(std::ostream& os, const Results& r, const std::vector<FlowOrigin>& origins, int top, Format f);

// CSV field quoting (RFC 4180).
std::string csv_field(const std::string& s);

// A number for a CSV field: the shortest text that reads back as the same double (what
// the JSON output writes too), and an empty field for a value that is not known (NaN or
// infinite), which pandas, R and spreadsheets all read as missing.
std::string csv_number(double v);

}  // namespace laborsim::analysis
