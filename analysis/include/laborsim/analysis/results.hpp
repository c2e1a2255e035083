// Reads a laborsim results file (docs/output-format.md). Refuses files of another
// filetype or an unsupported format version.
#pragma once

#include <Eigen/Dense>

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace laborsim::analysis {

// Version 3 added spells/tenure_months; files of version 2 are read without it (-1).
// Version 4 added earnings (3 years) and /comparison; version 5, earnings_years;
// version 6, /firm_events.
inline constexpr int kOldestFormatVersion = 2, kSupportedFormatVersion = 6;

class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline const std::vector<std::string> kGroupings = {"occupation", "sector", "region", "cohort"};

struct Spells {
  std::vector<int> replicate, start_month, end_month, cause, reemployed, occupation, new_occupation, sector, region,
      new_region, age,
      tenure;  // months at the displacing employer; -1 where the file does not say (format version 2)
  // The displaced worker's id, and the months from this displacement to the same
  // worker's next one in the run (-1: none), found when the file is read (an id is
  // reused by a young entrant once its worker retires: a next spell at a younger age is
  // someone else's). The comparison group has the ids too (where the file does), not the
  // next displacement.
  std::vector<int> worker, next_displacement;
  // The firm before and after (-1 where censored; the comparison group: the employer
  // then, in `firm`), as /firm_events' `firm`; empty where the file has none.
  std::vector<int> firm, new_firm;
  std::vector<double> wage, new_wage;
  // Earnings in years 1, 2, ... after the displacement, one column per year followed
  // (the run's output.earnings_years; 3 in format version 4, none before); NaN where
  // not wholly observed.
  std::vector<std::vector<double>> earnings;
  std::size_t size() const { return replicate.size(); }
  std::size_t earnings_years() const { return earnings.size(); }
};

// What the firm panel's firms did (format version 6; empty before): one row per event,
// kind 0 ai_cut, 1 regret, 2 no_regret, 3 acquisition, 4 failure (docs/output-format.md).
struct FirmEvents {
  enum Kind { ai_cut = 0, regret = 1, no_regret = 2, acquisition = 3, failure = 4 };
  static constexpr std::array<const char*, 5> kKindNames = {"ai_cut", "regret", "no_regret", "acquisition",
                                                            "failure"};  // by Kind
  std::vector<int> replicate, month, firm, kind, sector, region, employed, laid_off, moved, reopened, reopened_offshore,
      other_firm;
  std::vector<double> capability_believed, capability_real;
  std::size_t size() const { return replicate.size(); }
};

struct Results {
  std::filesystem::path path;
  std::string scenario_name, scenario_toml, command_line, created, laborsim_version, git_commit;
  std::string build;  // compiler and standard library (empty in files before it was recorded)
  std::uint64_t seed = 0;
  int replicates = 0, months = 0, format_version = 0;
  int first_month = 0;                        // the run's month that month 0 here is (window); 0 for a whole run
  int run_months = 0;                         // the whole run's months (months is a window's, after window)
  std::int64_t workers = 0;                   // simulation.workers of the stored scenario (0 if it does not say)
  std::vector<int> schedule_months;           // months at which the scenario's [[schedule]] changes parameters
  std::vector<std::string> schedule_changes;  // for each, what changes: "ai.hype_premium = 1.0, ..."
  // Every parameter the run used (its scenario_effective_toml), each table's keys in
  // alphabetical order and array entries in theirs, as dotted keys and their values
  // written as TOML: "ai.adoption_speed" = "1.5",
  // "occupations.software_developers.wage" = "132000.0" (entries of [[occupations]],
  // [[sectors]] and [[regions]] by name), "schedule.36.ai.hype_premium" = "1.0" (changes
  // during the run by month). Empty for a file that does not store its parameters.
  std::vector<std::pair<std::string, std::string>> parameters;
  double panel_rate = 0;
  std::map<std::string, std::vector<std::string>> groups;  // grouping -> names
  std::vector<double> region_offshore, occupation_exposure;
  std::vector<std::string> occupation_titles;        // longer names where the scenario gives them, else empty
  std::map<std::string, Eigen::MatrixXd> aggregate;  // metric -> replicates x months
  // "occupation/employed" -> one months x groups matrix per replicate: the series by
  // group read_results was asked to load (ReadOptions; by default all of them)
  std::map<std::string, std::vector<Eigen::MatrixXd>> grouped;
  // Every series the file has, loaded or not: "employed", ...; "occupation/employed", ...
  std::set<std::string> aggregate_names, grouped_names;
  Spells spells;
  // The displaced's comparison group (format version 4; empty before): every panel
  // worker employed in months 0, 12, 24, ..., its base month in start_month, its job
  // then in occupation, sector and region, its tenure, wage and earnings after; the
  // columns of what happens to a spell (end_month, reemployed, new_*) are empty.
  Spells comparison;
  FirmEvents firm_events;
  bool firm_events_recorded = false;  // format version 6 on
  double firm_panel_rate = 0;
  // What each series measures, from its dataset's attributes: "aggregate/employed",
  // "occupation/employed", ... -> {unit, description}.
  struct MetricInfo {
    std::string unit, description;
  };
  std::map<std::string, MetricInfo> metric_info;

  // An aggregate series: FormatError if the file does not have it, std::logic_error if
  // it does but read_results was not asked to load it (a command's ReadOptions too narrow).
  const Eigen::MatrixXd& series(const std::string& metric) const;
  // Whether the file has that aggregate series, loaded or not.
  bool has_series(const std::string& metric) const {
    return aggregate.count(metric) > 0 || aggregate_names.count(metric) > 0;
  }
  // A series by group ("sector/hhi"): one months x groups matrix per replicate, nullptr
  // if the file does not have it, std::logic_error if it does but was not loaded.
  const std::vector<Eigen::MatrixXd>* grouped_series(const std::string& key) const;
};

// Which series read_results loads: all of them (the default), or only those named, by
// group ("sector/hhi", ...; a grouping's name, "occupation", stands for all of its) and
// aggregate ("unemployment_rate", ...). Those by group are most of a file of many
// replicates (2 GB of a summary's 2.4 GB for 10,000 replicates of the baseline), the
// aggregate ones most of the rest, and every command reads few of either.
struct ReadOptions {
  std::optional<std::set<std::string>> grouped, aggregate;
};
Results read_results(const std::filesystem::path& file, const ReadOptions& options = {});

// The results files the command line names: each file as given, and each directory as
// the .h5 files in it (a sweep's output), in natural order (speed=2 before speed=10);
// a file already named is not listed twice. Throws FormatError for a directory with none.
std::vector<std::filesystem::path> results_files(const std::vector<std::string>& arguments);

// Whether a goes before b in natural order: numbers compared as numbers, with their
// fractions and, just after a '=', their sign (a sweep's values: "speed=0.5" before
// "speed=1" before "speed=10"; "weight=-0.4" before "weight=-0.2"), the rest as characters.
bool natural_less(const std::string& a, const std::string& b);

// The run over months from..to-1 (no to: to its end), as if it had started at `from`
// and been `to` months long: every series cut to those months, the displacements and
// comparison records that began in them (their months counted from `from`), and what a
// run ending at month to-1 could not have seen taken out (spells still open then are
// censored there, earnings years not wholly in it are NaN, a next displacement after it
// is none), so that `--to M` of a run gives what a run of M months with the same
// scenario and seed gives. first_month says where the window starts. FormatError if
// from is not a month of the run, or to is past its end or not after from.
Results window(const Results& r, int from, std::optional<int> to = std::nullopt);

// The parameters whose values differ between runs, each with its value in every run
// ("" where a run does not have the key), in the order of Results::parameters, the first
// run's keys first; the scenario's name, a label, is left out.
struct ParameterDifference {
  std::string key;
  std::vector<std::string> values;  // one per run
};
std::vector<ParameterDifference> differing_parameters(const std::vector<const Results*>& runs);
std::vector<ParameterDifference> differing_parameters(const std::vector<Results>& runs);

// How tables and reports name each of several runs: its scenario's name, and where two
// runs share a name (the same scenario with other --set values or seeds), its file too
// (its path, where files of one name are in different folders).
std::vector<std::string> run_names(const std::vector<Results>& runs);

}  // namespace laborsim::analysis
