// The figures users ask of a run: displacement by cause, reemployment (Kaplan-Meier),
// durations, wage replacement, offshore and occupation changes, regret and rehiring
// after AI cuts. Each figure is computed per replicate; tables report the mean and a
// 95% interval across replicates.
#pragma once

#include "laborsim/analysis/results.hpp"
#include "laborsim/analysis/stats.hpp"

#include <functional>
#include <string>
#include <vector>

namespace laborsim::analysis {

// count and usd are totals over the run (they grow with its length and size).
enum class Unit { count, share, months, ratio, rate, usd };

struct Figure {
  std::string key, label;
  Unit unit;
  Eigen::VectorXd values;  // one per replicate (NaN where undefined)
  // A share or ratio that still moves with the number of workers (concentration: fewer
  // workers, fewer firms, a higher HHI), so runs of other sizes do not compare on it.
  bool depends_on_size = false;
  // A figure over every year of earnings followed (output.earnings_years), so runs that
  // follow different numbers of years do not compare on it.
  bool depends_on_horizon = false;
  // A difference that can fall below 0 (an earnings loss: the displaced may earn more
  // than the comparison group), so its interval is not cut at 0.
  bool may_be_negative = false;
};

// Figures for the whole run.
std::vector<Figure> summary_figures(const Results& r);

// What read_results must load for the summaries and comparisons, by a grouping if `by`
// names one (--by): of the series by group, only the sectors' employment and HHI and
// the grouping's employment; of the aggregate ones, those summary_figures reads. (The
// report reads more: report_reads.)
ReadOptions summary_reads(const std::string& by = "");

// How concentrated employment is: each sector's employment Herfindahl-Hirschman index
// (the sum of its firms' squared employment shares), averaged over sectors weighted by
// their employment, replicates x months (NaN where the file has no sector HHI).
Eigen::MatrixXd sector_concentration(const Results& r);

// The mean of a figure over replicates with its 95% t-interval, the interval cut to the
// values the figure can take (a share or rate within [0, 1]; a count, duration, ratio or
// cost at least 0, unless Figure::may_be_negative): the cut keeps every value the interval held that the figure can
// have.
Interval figure_interval(const Figure& f);
// The interval of a difference B - A of figure f (paired or Welch), cut the same way to
// the values it can take: of two shares or rates (each within [0, 1]), within [-1, 1];
// of counts, durations or ratios, or of shares that may be negative, not cut.
Interval difference_interval(const Figure& f, Interval d);

// What makes two runs' figures incomparable: a different length (months) or size
// (workers; a file that does not say its size is not taken to differ) for counts, and
// a different number of years of earnings followed (output.earnings_years) for the
// present value of the earnings lost.
struct RunMismatch {
  bool length = false, size = false, horizon = false;
  bool any() const { return length || size || horizon; }
  bool counts() const { return length || size; }
};
RunMismatch mismatch(const Results& a, const Results& b);
RunMismatch mismatch(const std::vector<Results>& runs);  // any of them against the first
// A sentence saying how runs side by side differ and what then compares ("" if they do not).
std::string mismatch_note(const RunMismatch& differ);
// What the files' provenance says of comparing runs, a sentence each (none if nothing):
// made by different laborsim commits (a difference may be the code's); with `pairs`,
// runs of the first's seed built with another C++ standard library (other
// draws: no common random numbers). labels name the runs in the sentences ("A", "B").
std::vector<std::string> provenance_notes(const std::vector<const Results*>& runs,
                                          const std::vector<std::string>& labels, bool pairs);
std::vector<std::string> provenance_notes(const std::vector<Results>& runs, const std::vector<std::string>& labels,
                                          bool pairs);

struct GroupFigures {
  std::string group;
  std::string title;  // an occupation's longer name, if the scenario gives one
  std::vector<Figure> figures;
  std::size_t spells = 0;  // the panel's displacements behind its spell figures, over all replicates
};
// Spell-based figures for each group of a grouping (occupation, sector, region, cohort
// or tenure, taken at displacement: tenure in bands of years at the employer lost,
// FormatError for a file that does not record it); by sector also the sector's
// employment HHI in the first and the last month.
std::vector<GroupFigures> summary_by(const Results& r, const std::string& grouping);

// The yearly rate at which the present value of earnings lost (summary row
// earnings_pv_lost) discounts later years, as Davis & von Wachter (2011) do.
inline constexpr double kEarningsDiscountRate = 0.05;

// The displaced's earnings loss in year y (0 to earnings_years - 1) after the displacement, as Jacobson,
// LaLonde & Sullivan and Davis & von Wachter measure it: against workers not displaced
// (Results::comparison), each group's earnings that year over its wages before, summed
// over the rows whose year is observed: 1 - displaced's ratio / comparison group's
// ratio, for the spells keep() and the comparison records keep_comparison() select
// (NaN where either has none observed).
double earnings_loss(const Results& r, std::size_t y, const std::function<bool(std::size_t)>& keep,
                     const std::function<bool(std::size_t)>& keep_comparison);

// Kaplan-Meier reemployment curve of the spells satisfying keep() (all replicates
// pooled unless keep() selects one).
KaplanMeier reemployment_curve(const Results& r, const std::function<bool(std::size_t)>& keep);

}  // namespace laborsim::analysis
