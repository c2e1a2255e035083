// A scenario: everything a run needs, read from TOML, validated, with every default
// in one place (scenario.cpp's schema). Numbers here are parameters, not constants.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace laborsim {

// Bad user input: names where it came from (file, line, column) and the key.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, int line, int column, std::string key, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_, key_, message_;
  int line_, column_;
};

// The source an InputError names for a --set assignment: "--set KEY=VALUE".
inline constexpr std::string_view kSetSource = "--set ";

// The line of the user's file an error points at, with a caret under its column:
//     9 | hype_premum = 1.0
//       | ^
// (empty when the error has no line, or its file cannot be read: a --set assignment,
// a file that is gone).
std::string error_excerpt(const InputError& e);

// Age cohorts used by seniority weights, AIQ and the outputs.
inline constexpr int kCohorts = 6;
inline constexpr std::array<const char*, kCohorts> kCohortNames = {"22-25", "26-34", "35-44", "45-54", "55-64", "65+"};
int cohort_of_age(int age_years);

struct Occupation {
  std::string name;   // inline: a short name; from a table: the SOC code
  std::string title;  // optional longer title
  std::string group;
  double employment = 0;     // optional; used by staffing = "employment"
  double ai_exposure = 0;    // share of tasks AI at full capability can do
  double ai_complement = 0;  // new demand created per adoption (reinstatement)
  double wage = 0;           // median annual wage, onshore
};

struct Sector {
  std::string name;
  double employment_share = 0;
  std::vector<double> staffing;  // share of each occupation (sums to 1)
  double bass_p = 0.03;          // per year
  double bass_q = 0.38;          // per year
  double vc_share = 0;           // share of firms that are VC-backed startups
  double runway_months = 24;     // mean funding runway of a VC-backed firm
};

struct Region {
  std::string name;
  bool offshore = false;
  double wage_multiplier = 1;
  double share = 1;  // share of firms and workers at the start
};

struct SimulationParams {
  static constexpr int kMaxReplicates = 100000;
  // Months are kept as 16-bit numbers in the workers' state (Workers::event_month).
  static constexpr int kMaxMonths = 12000, kMaxBurnIn = 1200;
  int months = 120;
  int replicates = 8;
  std::uint64_t seed = 1;
  std::int64_t workers = 100000;
  int burn_in_months = 0;  // simulated before month 0, not recorded
};

struct FirmParams {
  double zipf_exponent = 1.06;  // P(size > s) ~ s^-exponent (Axtell 2001)
  int min_size = 1;
  int max_size = 5000;
  int vc_max_size = 250;  // VC-backed startups are drawn among firms up to this size
  // Each firm's wage premium is lognormal: exp(N(0, wage_premium_sd)), multiplying its
  // posted wages (what a job ladder climbs).
  double wage_premium_sd = 0.1;
};

enum class MatchingMode { cobb_douglas, network };

struct LaborMarketParams {
  MatchingMode matching = MatchingMode::cobb_douglas;
  double matching_efficiency = 0.3;  // A
  double matching_elasticity = 0.5;  // alpha (on unemployment)
  double initial_unemployment_rate = 0.04;
  double vacancies_per_unemployed = 1.0;  // initial theta; sets demand targets
  double quit_rate = 0.02;                // monthly, share of employment
  double quit_to_unemployment_share = 0.06;
  double layoff_rate = 0.011;             // monthly ordinary layoffs & discharges
  double replacement_share = 1.0;         // separations replaced by a new vacancy
  double demand_gap_separation = 0.0;     // gamma_u
  double demand_gap_opening = 0.0;        // gamma_v
  bool demand_gap_on() const { return demand_gap_separation > 0 || demand_gap_opening > 0; }
  double network_search_intensity = 1.0;  // applications per unemployed per month
  double employer_weight_aiq = 0.0;       // log-weight of an AIQ applicant
  double employer_weight_duration = 0.0;  // log-weight per month unemployed (scarring, <0)
  double employer_weight_age55 = 0.0;     // log-weight of applicants aged 55+
  // Returns to tenure: an employee earns the posted wage x (1 + tenure_wage_growth x
  // years at the employer, capped at tenure_wage_max_years), and loses the premium when
  // displaced (docs/model.md, "Wages and tenure").
  double tenure_wage_growth = 0.0;
  double tenure_wage_max_years = 10.0;
  // A job ladder: this share of job-to-job quits are offers from a drawn opening of the
  // market, taken only if its posted wage beats what the worker earns (with the tenure
  // premium), the worker otherwise staying; the rest move whatever the wage, as all do
  // at 0 (docs/model.md, section 6).
  double job_ladder = 0.0;
  // New hires separate more often (Farber 1994): in its first new_hire_months months at
  // an employer a worker is laid off and quits at new_hire_separation_factor x
  // layoff_rate and quit_rate (each capped at 1); 1 = the same rates at every tenure
  // (docs/model.md, section 6).
  double new_hire_separation_factor = 1.0;
  int new_hire_months = 12;
  // Separations by tenure in general (docs/model.md, section 6): tenure_separation_months
  // are the edges of bands of months at the employer (increasing), and
  // tenure_separation_factors has one factor per band (one more than the edges, the last
  // for every longer tenure); a worker in band i is laid off at factor i x layoff_rate and
  // quits at factor i x quit_rate (each capped at 1). Empty: the new_hire_* keys above,
  // a profile of two bands. A scenario sets one or the other.
  std::vector<int> tenure_separation_months;
  std::vector<double> tenure_separation_factors;
  // The profile in force: edge[i] is where band i ends (edge.size() == factor.size() - 1).
  struct TenureBands {
    std::vector<int> edge;
    std::vector<double> factor;
    // The band of a tenure (months at the employer).
    size_t band_of(int tenure_months) const {
      size_t i = 0;
      while (i < edge.size() && tenure_months >= edge[i]) ++i;
      return i;
    }
  };
  TenureBands separation_bands() const {
    if (!tenure_separation_factors.empty()) return {tenure_separation_months, tenure_separation_factors};
    if (new_hire_months > 0) return {{new_hire_months}, {new_hire_separation_factor, 1.0}};
    return {{}, {1.0}};
  }
  // Whether separations depend on tenure (churn's draw and the initial tenures): some
  // band's factor is not 1.
  bool separations_by_tenure() const {
    if (tenure_separation_factors.empty()) return new_hire_separation_factor != 1.0 && new_hire_months > 0;
    for (double f : tenure_separation_factors)
      if (f != 1.0) return true;
    return false;
  }
  std::string mobility_file;         // CSV transition matrix (source, target, probability)
  double mobility_same_group = 0.3;  // generated network: weight within a group
  double mobility_other = 0.02;      // generated network: weight across groups
};

struct AIParams {
  bool enabled = true;
  double adoption_speed = 1.0;
  double capability_start = 0.2;  // real capability K at month 0
  double capability_ceiling = 0.9;
  double capability_growth = 0.03;  // logistic rate per month
  double hype_premium = 0.0;        // h at month 0: perceived = K (1 + h)
  double hype_decay_months = 0.0;   // 0 = constant hype
  double size_elasticity = 0.3;     // adoption hazard ~ (size / mean size)^e
  int mandate_months = 2;
  int documentation_months = 4;
  int assessment_months = 2;
  double reduction_intensity = 0.3;
  // How much firms differ in how far they bet on AI: each cutting firm's intensity is
  // reduction_intensity x a lognormal factor of mean 1 and this log-sd (0: all alike).
  double intensity_sd = 0.0;
  double documentation_base = 0.6;      // capability transferred without AIQ workers
  double documentation_aiq_gain = 0.8;  // extra transfer per unit AIQ share
  std::array<double, kCohorts> seniority_weights = {3.0, 1.5, 1.0, 0.8, 0.8, 0.8};
  int realisation_months = 9;
  double regret_sensitivity = 8.0;    // regret prob = 1 - exp(-sensitivity * shortfall)
  double rehire_share = 0.9;          // of cut jobs re-opened by a regretting firm
  double offshore_share = 0.7;        // of re-opened jobs placed offshore
  double reinstatement_ratio = 0.15;  // complement jobs created per job cut
};

struct ConsolidationParams {
  bool enabled = true;
  double acquisition_share = 0.5;      // of firms out of runway that are acquired
  double duplicate_cut_share = 0.3;    // of overlapping roles cut at acquisition
  double refunding_probability = 0.5;  // firm raises again instead of consolidating
};

struct RetrainingParams {
  bool enabled = true;
  int eligible_after_months = 3;
  double entry_rate = 0.02;
  int duration_months = 6;
  double success_probability = 0.6;
  bool subsidy = false;
  double subsidy_entry_rate = 0.06;
  int subsidy_duration_months = 4;
  double subsidy_success_probability = 0.8;
  // Employed workers at risk (a high-exposure occupation at a firm that has announced AI
  // adoption and not yet cut) leaving their job for a programme, a month; off by default.
  double at_risk_entry_rate = 0.0;
  double subsidy_at_risk_entry_rate = 0.0;
  double cost_per_month = 1500;       // programme cost per trainee and month (USD)
  double public_share = 0.0;          // share of the cost paid publicly without a subsidy
  double subsidy_public_share = 0.8;  // ... and with one
};

struct AIQParams {
  bool enabled = true;
  std::array<double, kCohorts> initial_share = {0.22, 0.20, 0.17, 0.14, 0.08, 0.06};
  std::array<double, kCohorts> monthly_hazard = {0.014, 0.012, 0.010, 0.008, 0.005, 0.004};
};

struct DemographyParams {
  bool enabled = true;
  double retirement_age_mean = 64;
  double retirement_age_sd = 3;
  double graduate_job_share = 0.5;     // graduates starting straight in an open job
  double unemployed_exit_rate = 0.03;  // unemployed leaving the labour force (U->N)
  double reentry_rate = 0.05;          // out of the labour force back to searching (N->U)
  // Unemployed workers aged early_retirement_age or more retire for good at this monthly
  // rate (docs/model.md, section 11).
  double early_retirement_rate = 0.0;
  double early_retirement_age = 55;
};

struct OutputParams {
  double panel_rate = 0.01;  // share of workers whose spells are recorded
  // Share of the panel's employed taken into the comparison group in each of months 0,
  // 12, 24, ... (drawn anew each time): the displaced's earnings are measured against
  // them, and a quarter keeps the group a few times the spells' size.
  double comparison_rate = 0.25;
  // Years after a displacement (or a comparison record's month) whose earnings are
  // followed: 3 by default; up to 20 for a long-run present value (Davis & von Wachter).
  int earnings_years = 3;
  // Share of firms whose events (AI cuts, regret or not, acquisitions, failures) are
  // recorded in /firm_events: every (1/rate)-th firm by id.
  double firm_panel_rate = 1.0;
};

// The parameter sections: what a [[schedule]] may change during a run (the sections
// that set up the run, [simulation], [firms] and [output], are the Scenario's own).
struct Parameters {
  LaborMarketParams labor_market;
  AIParams ai;
  ConsolidationParams consolidation;
  RetrainingParams retraining;
  AIQParams aiq;
  DemographyParams demography;
};

// A change of parameters during the run ([[schedule]]): from `month` on (0 = the first
// recorded month), the parameter sections are these (every earlier change and this one
// applied). Only the keys a running model can take up may change (fixed_key_reason).
struct ScheduledChange : Parameters {
  int month = 0;
};

// Why SECTION.KEY cannot change during a run (it sets up the initial state or the
// model's structure), or an empty string if it can.
std::string fixed_key_reason(const std::string& section, const std::string& key);

// Everything a run needs: the parameter sections (labor_market, ai, consolidation,
// retraining, aiq, demography: Parameters) and the rest.
struct Scenario : Parameters {
  std::string name;
  std::string source_file;
  std::string occupations_file;  // CSV table used instead of inline [[occupations]]
  std::string resolved_toml;     // the keys the files and --set gave, after extends, as TOML
  std::string effective_toml;    // every parameter, defaults included, as TOML that loads back
  SimulationParams simulation;
  FirmParams firms;
  OutputParams output;
  std::vector<Occupation> occupations;
  std::vector<Sector> sectors;
  std::vector<Region> regions;
  std::vector<std::vector<double>> mobility;  // row-stochastic, occupations x occupations
  std::vector<ScheduledChange> schedule;      // by month, at most one per month
  // What loading did that the scenario's writer may not expect, for validate and run to
  // say: shares that do not sum to one, scaled so that they do.
  std::vector<std::string> notes;

  int occupation_index(const std::string& name) const;
  int first_offshore_region() const;  // -1 if none
  // Takes the change's parameter sections as its own (the change's month has come).
  void take_parameters(const ScheduledChange& c) { static_cast<Parameters&>(*this) = c; }
};

// Reads a scenario file, follows `extends`, applies `--set KEY=VALUE` overrides and
// validates everything. Throws InputError on any problem.
Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});
Scenario load_scenario_string(const std::string& toml_text, const std::string& name,
                              const std::vector<std::string>& overrides = {});

// A human-readable summary of the resolved scenario.
std::string describe(const Scenario& s);

}  // namespace laborsim
