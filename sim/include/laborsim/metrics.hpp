// Monthly time series a replicate records: one table lists every metric with its
// grouping, unit and meaning; the HDF5 writer and the docs follow the same table.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace laborsim {

enum class Grouping : std::uint8_t { aggregate, occupation, sector, region, cohort };
const char* grouping_name(Grouping g);

// Keep in step with kMetricTable in metrics.cpp.
enum class M : int {
  // stocks at the end of the month
  employed,
  unemployed,
  retraining,
  out_of_labor_force,
  labor_force,
  unemployment_rate,
  vacancies,
  long_term_unemployed_share,
  median_unemployment_weeks,
  mean_unemployment_weeks,
  aiq_share,
  young_high_exposure_employed,
  first_year_tenure_share,
  median_tenure_months,
  firms_alive,
  firms_mandate,
  firms_documentation,
  firms_assessment,
  firms_reduced,
  firms_realised,
  firms_regretting,
  firms_adopting,
  capability_real,
  capability_perceived,
  // flows during the month
  hires,
  hires_from_unemployment,
  job_to_job_moves,
  quits,
  quits_to_unemployment,
  layoffs_ordinary,
  layoffs_ai,
  layoffs_consolidation,
  exits_to_nonparticipation,
  reentries,
  rehires_ordinary,
  rehires_ai,
  rehires_consolidation,
  rehires_lower_pay,
  rehires_other_occupation,
  reopened_jobs,
  reopened_jobs_offshore,
  regret_rehires,
  regret_rehires_offshore,
  regret_rehires_lower_pay,
  reinstatement_jobs,
  new_adopters,
  firms_cutting,
  new_regretting_firms,
  acquisitions,
  failures,
  retirements,
  early_retirements,
  entrants,
  retraining_entries,
  retraining_entries_at_risk,
  retraining_completions,
  retraining_successes,
  retrained_hires,
  retrained_months_to_job,
  retrained_hires_left_labor_force,
  retrained_months_to_job_left_labor_force,
  retraining_cost,
  retraining_public_cost,
  // rates (flow / stock at the start of the month)
  e_to_u_rate,
  u_to_e_rate,
  quit_rate,
  layoff_rate,
  hire_rate,
  // by group
  occ_employed,
  occ_unemployed,
  occ_vacancies,
  occ_layoffs_ai,
  occ_layoffs,
  occ_hires,
  sector_employed,
  sector_layoffs_ai,
  sector_layoffs_consolidation,
  sector_hhi,
  sector_firms_alive,
  sector_firms_adopting,
  region_employed,
  region_unemployed,
  region_hires,
  cohort_employed,
  cohort_unemployed,
  cohort_aiq_share,
  count
};
inline constexpr int kMetricCount = static_cast<int>(M::count);

struct MetricInfo {
  M id;
  const char* name;
  Grouping grouping;
  const char* unit;
  const char* description;
};
const MetricInfo& metric_info(M m);
const std::array<MetricInfo, kMetricCount>& metric_table();

// Series of one replicate: per metric, months x groups values (row-major by month).
class Series {
 public:
  Series() = default;
  Series(int months, std::array<int, 5> group_sizes);
  double& at(M m, int month, int group = 0) {
    auto i = static_cast<size_t>(m);
    return data_[i][static_cast<size_t>(month) * groups_[i] + group];
  }
  double at(M m, int month, int group = 0) const {
    auto i = static_cast<size_t>(m);
    return data_[i][static_cast<size_t>(month) * groups_[i] + group];
  }
  const std::vector<double>& values(M m) const { return data_[static_cast<size_t>(m)]; }
  int groups(M m) const { return groups_[static_cast<size_t>(m)]; }
  int months() const { return months_; }

 private:
  int months_ = 0;
  std::vector<int> groups_;
  std::vector<std::vector<double>> data_;
};

// One displacement of a panel worker and how it ended.
struct Spell {
  std::int64_t worker = 0;
  std::int32_t start_month = 0, end_month = -1;  // end: reemployment, or censoring month
  std::uint8_t cause = 0;                        // 1 ordinary, 2 ai, 3 consolidation
  std::uint8_t reemployed = 0;
  std::int32_t firm = -1, new_firm = -1;
  std::int32_t occupation = -1, new_occupation = -1;
  std::int32_t region = -1, new_region = -1;
  std::int32_t sector = -1;  // of the displacing firm
  std::int32_t age = 0;
  std::int32_t tenure = 0;  // months at the displacing employer
  float wage = 0, new_wage = 0;
  // Not written: the worker's birth month (an id freed at retirement is reused by an
  // entrant, who is not the same person) and whether its earnings are still followed.
  std::int16_t birth_month = 0;
  bool followed = true;
};

// Spells (or comparison records) with their earnings (annual wage / 12 for each month
// employed, 0 otherwise) in each of the `years` (output.earnings_years) years after the
// record's month: months start+1..start+12, +13..+24, ..., whatever happened to the
// worker meanwhile (later separations included); NaN for a year not wholly observed
// (the run ended first, or the worker retired). The earnings are held apart from the
// records, one column per year: records are appended in the order of their months, so
// a month's follow-up reads and writes each column in order, a few bytes per record
// whatever the number of years.
struct Records {
  static constexpr int kMaxYears = 20;
  explicit Records(int years_followed = 3) : years(years_followed), earnings(static_cast<std::size_t>(years)) {}
  int years;
  std::vector<Spell> rows;
  std::vector<std::vector<float>> earnings;  // [year][row]

  std::size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  Spell& operator[](std::size_t i) { return rows[i]; }
  const Spell& operator[](std::size_t i) const { return rows[i]; }
  auto begin() const { return rows.begin(); }
  auto end() const { return rows.end(); }
  void push_back(const Spell& s) {
    rows.push_back(s);
    for (auto& year : earnings) year.push_back(0.0f);
  }
  // Record i's earnings in year y + 1 after its month.
  float& earned(std::size_t i, int y) { return earnings[static_cast<std::size_t>(y)][i]; }
  float earned(std::size_t i, int y) const { return earnings[static_cast<std::size_t>(y)][i]; }
};

// What a firm of the firm panel (output.firm_panel_rate) did in a month: an AI cut, the
// realisation that follows it (regret or not), its acquisition or its failure.
enum class FirmEventKind : std::uint8_t { ai_cut = 0, regret = 1, no_regret = 2, acquisition = 3, failure = 4 };
inline constexpr std::array<const char*, 5> kFirmEventKindNames = {"ai_cut", "regret", "no_regret", "acquisition",
                                                                   "failure"};

struct FirmEvent {
  std::int32_t month = 0;
  std::int32_t firm = -1;
  std::int32_t other_firm = -1;           // the acquirer of an acquisition, else -1
  std::int32_t sector = -1, region = -1;  // the firm's
  std::int32_t employed = 0;              // the firm's employment just before the event
  std::int32_t laid_off = 0;              // workers it displaced (AI cut, duplicates, failure)
  std::int32_t moved = 0;                 // workers moved to the acquirer
  std::int32_t reopened = 0;              // jobs re-opened (regret), offshore ones included
  std::int32_t reopened_offshore = 0;
  float believed = std::numeric_limits<float>::quiet_NaN();    // capability the firm believed when it cut (AI events)
  float capability = std::numeric_limits<float>::quiet_NaN();  // real capability in the event's month (AI events)
  FirmEventKind kind = FirmEventKind::ai_cut;
};

}  // namespace laborsim
