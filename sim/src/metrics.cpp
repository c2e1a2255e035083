#include "laborsim/metrics.hpp"

#include <stdexcept>

namespace laborsim {

const char* grouping_name(Grouping g) {
  switch (g) {
    case Grouping::aggregate:
      return "aggregate";
    case Grouping::occupation:
      return "occupation";
    case Grouping::sector:
      return "sector";
    case Grouping::region:
      return "region";
    case Grouping::cohort:
      return "cohort";
  }
  return "?";
}

namespace {
using G = Grouping;
constexpr std::array<MetricInfo, kMetricCount> kMetricTable = {{
    {M::employed, "employed", G::aggregate, "workers", "employed at the end of the month"},
    {M::unemployed, "unemployed", G::aggregate, "workers", "unemployed and searching at the end of the month"},
    {M::retraining, "retraining", G::aggregate, "workers",
     "in a retraining programme (counted in the labour force, not unemployed)"},
    {M::out_of_labor_force, "out_of_labor_force", G::aggregate, "workers",
     "of working age but neither employed nor searching"},
    {M::labor_force, "labor_force", G::aggregate, "workers", "employed + unemployed"},
    {M::unemployment_rate, "unemployment_rate", G::aggregate, "fraction", "unemployed / labour force"},
    {M::vacancies, "vacancies", G::aggregate, "jobs", "open vacancies at the end of the month"},
    {M::long_term_unemployed_share, "long_term_unemployed_share", G::aggregate, "fraction",
     "share of the unemployed unemployed 27 weeks or more"},
    {M::median_unemployment_weeks, "median_unemployment_weeks", G::aggregate, "weeks",
     "median duration of ongoing unemployment spells (CPS definition, uniform within a month)"},
    {M::mean_unemployment_weeks, "mean_unemployment_weeks", G::aggregate, "weeks",
     "mean duration of ongoing unemployment spells"},
    {M::aiq_share, "aiq_share", G::aggregate, "fraction", "share of the labour force with high AI readiness (AIQ)"},
    {M::young_high_exposure_employed, "young_high_exposure_employed", G::aggregate, "workers",
     "employed aged 22-25 in the top exposure occupations (ai_exposure >= 0.5)"},
    {M::first_year_tenure_share, "first_year_tenure_share", G::aggregate, "fraction",
     "employed in their first 12 months at the employer / employed"},
    {M::median_tenure_months, "median_tenure_months", G::aggregate, "months",
     "median months at the current employer of the employed (uniform within a month)"},
    {M::firms_alive, "firms_alive", G::aggregate, "firms", "firms in business"},
    {M::firms_mandate, "firms_mandate", G::aggregate, "firms", "firms in the AI-use mandate stage"},
    {M::firms_documentation, "firms_documentation", G::aggregate, "firms", "firms in the workflow documentation stage"},
    {M::firms_assessment, "firms_assessment", G::aggregate, "firms", "firms in the redundancy assessment stage"},
    {M::firms_reduced, "firms_reduced", G::aggregate, "firms", "firms that cut and await realisation"},
    {M::firms_realised, "firms_realised", G::aggregate, "firms", "firms past realisation (regretting or not)"},
    {M::firms_regretting, "firms_regretting", G::aggregate, "firms", "firms that regretted their AI cuts (cumulative)"},
    {M::firms_adopting, "firms_adopting", G::aggregate, "firms",
     "alive firms that have started AI adoption (any stage)"},
    {M::capability_real, "capability_real", G::aggregate, "fraction", "real AI capability K(t)"},
    {M::capability_perceived, "capability_perceived", G::aggregate, "fraction",
     "perceived AI capability min(1, K(1+h))"},
    {M::hires, "hires", G::aggregate, "workers", "all hires (from unemployment and job to job)"},
    {M::hires_from_unemployment, "hires_from_unemployment", G::aggregate, "workers", "hires of unemployed workers"},
    {M::job_to_job_moves, "job_to_job_moves", G::aggregate, "workers", "quits straight into another job"},
    {M::quits, "quits", G::aggregate, "workers", "quits (job to job and to unemployment)"},
    {M::quits_to_unemployment, "quits_to_unemployment", G::aggregate, "workers", "quits into unemployment"},
    {M::layoffs_ordinary, "layoffs_ordinary", G::aggregate, "workers",
     "layoffs and discharges not attributed to AI or consolidation"},
    {M::layoffs_ai, "layoffs_ai", G::aggregate, "workers", "AI-attributed layoffs at adoption"},
    {M::layoffs_consolidation, "layoffs_consolidation", G::aggregate, "workers",
     "layoffs from acquisitions (duplicate roles) and failures"},
    {M::exits_to_nonparticipation, "exits_to_nonparticipation", G::aggregate, "workers",
     "workers leaving the labour force"},
    {M::reentries, "reentries", G::aggregate, "workers", "workers re-entering the labour force as unemployed"},
    {M::rehires_ordinary, "rehires_ordinary", G::aggregate, "workers",
     "hires of workers displaced by ordinary layoffs"},
    {M::rehires_ai, "rehires_ai", G::aggregate, "workers", "hires of workers displaced by AI"},
    {M::rehires_consolidation, "rehires_consolidation", G::aggregate, "workers",
     "hires of workers displaced by consolidation"},
    {M::rehires_lower_pay, "rehires_lower_pay", G::aggregate, "workers",
     "rehires of displaced workers at a lower wage than before"},
    {M::rehires_other_occupation, "rehires_other_occupation", G::aggregate, "workers",
     "rehires of displaced workers into another occupation than the one displaced from"},
    {M::reopened_jobs, "reopened_jobs", G::aggregate, "jobs", "jobs re-opened by regretting firms"},
    {M::reopened_jobs_offshore, "reopened_jobs_offshore", G::aggregate, "jobs", "re-opened jobs placed offshore"},
    {M::regret_rehires, "regret_rehires", G::aggregate, "workers", "hires into re-opened jobs"},
    {M::regret_rehires_offshore, "regret_rehires_offshore", G::aggregate, "workers",
     "hires into re-opened jobs offshore"},
    {M::regret_rehires_lower_pay, "regret_rehires_lower_pay", G::aggregate, "workers",
     "hires into re-opened jobs paid less than the onshore wage of the cut job"},
    {M::reinstatement_jobs, "reinstatement_jobs", G::aggregate, "jobs",
     "vacancies created in AI-complement occupations by adoption"},
    {M::new_adopters, "new_adopters", G::aggregate, "firms", "firms starting AI adoption (mandate)"},
    {M::firms_cutting, "firms_cutting", G::aggregate, "firms", "firms making AI-attributed cuts this month"},
    {M::new_regretting_firms, "new_regretting_firms", G::aggregate, "firms", "firms regretting their cuts this month"},
    {M::acquisitions, "acquisitions", G::aggregate, "firms", "VC-backed firms acquired"},
    {M::failures, "failures", G::aggregate, "firms", "VC-backed firms failing"},
    {M::retirements, "retirements", G::aggregate, "workers", "retirements (early ones included)"},
    {M::early_retirements, "early_retirements", G::aggregate, "workers",
     "unemployed workers retiring early, for good (demography.early_retirement_rate)"},
    {M::entrants, "entrants", G::aggregate, "workers", "graduates entering the labour force aged 22-25"},
    {M::retraining_entries, "retraining_entries", G::aggregate, "workers", "entries into retraining"},
    {M::retraining_entries_at_risk, "retraining_entries_at_risk", G::aggregate, "workers",
     "of retraining_entries, employed workers at risk who quit their job for it"},
    {M::retraining_completions, "retraining_completions", G::aggregate, "workers", "retraining programmes completed"},
    {M::retraining_successes, "retraining_successes", G::aggregate, "workers", "completions that changed occupation"},
    {M::retrained_hires, "retrained_hires", G::aggregate, "workers", "hires of workers who completed retraining"},
    {M::retrained_months_to_job, "retrained_months_to_job", G::aggregate, "months",
     "sum over retrained_hires of months from entering retraining to the job"},
    {M::retrained_hires_left_labor_force, "retrained_hires_left_labor_force", G::aggregate, "workers",
     "of retrained_hires, those who left the labour force after entering retraining and came back"},
    {M::retrained_months_to_job_left_labor_force, "retrained_months_to_job_left_labor_force", G::aggregate, "months",
     "of retrained_months_to_job, the months of retrained_hires_left_labor_force"},
    {M::retraining_cost, "retraining_cost", G::aggregate, "USD",
     "cost of the retraining programmes running this month"},
    {M::retraining_public_cost, "retraining_public_cost", G::aggregate, "USD",
     "publicly paid part of retraining_cost (the subsidy)"},
    {M::e_to_u_rate, "e_to_u_rate", G::aggregate, "fraction",
     "separations into unemployment this month (layoffs of every cause, quits into unemployment) / employed at "
     "the start; those hired this month count too, so it can exceed 1 where employment has nearly gone"},
    {M::u_to_e_rate, "u_to_e_rate", G::aggregate, "fraction", "unemployed hired this month / unemployed at the start"},
    {M::quit_rate, "quit_rate", G::aggregate, "fraction", "quits / employed at the start"},
    {M::layoff_rate, "layoff_rate", G::aggregate, "fraction",
     "layoffs and discharges of every cause / employed at the start"},
    {M::hire_rate, "hire_rate", G::aggregate, "fraction", "hires / employed at the start"},
    {M::occ_employed, "employed", G::occupation, "workers", "employed by occupation"},
    {M::occ_unemployed, "unemployed", G::occupation, "workers", "unemployed by occupation"},
    {M::occ_vacancies, "vacancies", G::occupation, "jobs", "open vacancies by occupation"},
    {M::occ_layoffs_ai, "layoffs_ai", G::occupation, "workers", "AI-attributed layoffs by occupation"},
    {M::occ_layoffs, "layoffs", G::occupation, "workers", "layoffs of every cause by occupation"},
    {M::occ_hires, "hires", G::occupation, "workers", "hires by occupation"},
    {M::sector_employed, "employed", G::sector, "workers", "employed by sector"},
    {M::sector_layoffs_ai, "layoffs_ai", G::sector, "workers", "AI-attributed layoffs by sector"},
    {M::sector_layoffs_consolidation, "layoffs_consolidation", G::sector, "workers", "consolidation layoffs by sector"},
    {M::sector_hhi, "hhi", G::sector, "index 0-1", "employment Herfindahl-Hirschman index of the sector's firms"},
    {M::sector_firms_alive, "firms_alive", G::sector, "firms", "firms in business by sector"},
    {M::sector_firms_adopting, "firms_adopting", G::sector, "firms", "alive firms that started AI adoption, by sector"},
    {M::region_employed, "employed", G::region, "workers", "employed by region"},
    {M::region_unemployed, "unemployed", G::region, "workers", "unemployed by region"},
    {M::region_hires, "hires", G::region, "workers", "hires by region"},
    {M::cohort_employed, "employed", G::cohort, "workers", "employed by age cohort"},
    {M::cohort_unemployed, "unemployed", G::cohort, "workers", "unemployed by age cohort"},
    {M::cohort_aiq_share, "aiq_share", G::cohort, "fraction", "AIQ share of the cohort's labour force"},
}};

constexpr bool table_in_order() {
  for (int i = 0; i < kMetricCount; ++i)
    if (static_cast<int>(kMetricTable[i].id) != i) return false;
  return true;
}
static_assert(table_in_order(), "kMetricTable must list metrics in the order of enum M");
}  // namespace

const std::array<MetricInfo, kMetricCount>& metric_table() { return kMetricTable; }
const MetricInfo& metric_info(M m) { return kMetricTable[static_cast<size_t>(m)]; }

Series::Series(int months, std::array<int, 5> group_sizes) : months_(months) {
  groups_.resize(kMetricCount);
  data_.resize(kMetricCount);
  for (int i = 0; i < kMetricCount; ++i) {
    int g = group_sizes[static_cast<size_t>(kMetricTable[i].grouping)];
    groups_[i] = g;
    data_[i].assign(static_cast<size_t>(months) * g, 0.0);
  }
}

}  // namespace laborsim
