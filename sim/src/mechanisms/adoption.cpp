// AI capability, adoption and its consequences (MODEL.md 3.1-3.5):
//  capability: real K(t) on a logistic curve, perceived min(1, K (1 + h(t)));
//  diffusion:  Bass hazard 1 - exp(-(p + q F_s) speed / 12), larger firms earlier;
//  pipeline:   mandate -> documentation -> assessment -> reduction;
//  reduction:  cut ~ headcount x exposure x perceived x intensity x transfer, young first;
//  reinstatement: vacancies in AI-complement occupations;
//  regret:     at realisation, shortfall exposure x (believed - K)+ drives regret and
//              re-opened jobs, some offshore.
#include "laborsim/model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace laborsim::mech {

// Real capability on a logistic curve through (curve_since, curve_from): month 0 and
// capability_start, or the month a [[schedule]] changed the growth or the ceiling and the
// capability reached by then (the curve bends there, without a jump).
double capability_at(const AIParams& a, double t, int curve_since, double curve_from) {
  const double k0 = std::max(curve_from, 1e-9), kmax = std::max(a.capability_ceiling, k0);
  return kmax / (1.0 + (kmax / k0 - 1.0) * std::exp(-a.capability_growth * (t - curve_since)));
}

void capability(Model& m) {
  const auto& a = m.sc_.ai;
  const double t = m.month_;
  m.capability = capability_at(a, t, m.curve_since_, m.curve_from_);
  // The premium decays from month 0, or from the month a [[schedule]] set it.
  const double since = std::max(0.0, t - m.hype_since_);
  const double hype =
      a.hype_decay_months > 0 ? a.hype_premium * std::exp(-since / a.hype_decay_months) : a.hype_premium;
  m.perceived = std::min(1.0, m.capability * (1.0 + hype));
}

namespace {

void start_adoptions(Model& m) {
  const auto& a = m.sc_.ai;
  for (int s = 0; s < m.nsec_; ++s) {
    if (m.sector_alive[s] == 0) continue;
    const double share = static_cast<double>(m.sector_adopting[s]) / static_cast<double>(m.sector_alive[s]);
    const double base = (m.sc_.sectors[s].bass_p + m.sc_.sectors[s].bass_q * share) * a.adoption_speed / 12.0;
    for (int k = 0; k < Model::kSizeClasses; ++k) {
      const size_t idx = static_cast<size_t>(s) * Model::kSizeClasses + k;
      auto& list = m.nonadopters[idx];
      if (list.empty()) continue;
      Rng r = m.rng(idx, Purpose::adoption);
      const double h = 1.0 - std::exp(-base * m.adoption_factor[idx]);
      const std::int64_t n = r.binomial(static_cast<std::int64_t>(list.size()), h);
      for (std::int64_t j = 0; j < n; ++j) {
        const std::int32_t fid = list[static_cast<size_t>(r.index(static_cast<std::int64_t>(list.size())))];
        erase_indexed(list, m.nonadopter_slot, fid);
        m.set_stage(fid, Stage::mandate);
        m.pipeline.push_back({fid, m.month_ + m.sc_.ai.mandate_months});
        m.add(M::new_adopters);
      }
    }
  }
}

// Documentation: workers with AIQ hand over more of their workflows to the tools.
void document(Model& m, std::int32_t fid) {
  const auto& a = m.sc_.ai;
  std::int64_t n = 0, aiq = 0;
  for (std::int32_t ci : m.f.cells[fid]) {
    const auto& mem = m.c[ci].members;
    for (size_t k = 0; k < mem.size(); ++k) {
      if (k + 16 < mem.size()) prefetch(&m.w.core[mem[k + 16]]);  // members' records are scattered
      n += 1, aiq += m.w.aiq(mem[k]);
    }
  }
  const double share = n > 0 ? static_cast<double>(aiq) / static_cast<double>(n) : 0.0;
  m.f.transfer[fid] = static_cast<float>(std::min(1.0, a.documentation_base + a.documentation_aiq_gain * share));
}

// A reduction decided before it is made: who is cut in each home cell, and the firm's
// stream where the reinstatement draws go on.
struct Reduction {
  struct Cut {
    std::int32_t cell;
    std::vector<std::int32_t> who;  // in the order they are let go
  };
  std::vector<Cut> cuts;
  Rng r;
};

// Draws a reduction from the firm's own members, ages and stream only: nothing another
// firm's steps this month change, so firms plan in parallel.
Reduction plan_reduction(const Model& m, std::int32_t fid) {
  const auto& a = m.sc_.ai;
  Reduction red{{}, m.rng(static_cast<std::uint64_t>(fid), Purpose::pipeline)};
  Rng& r = red.r;
  // The firm's own bet on AI: lognormal of mean 1, from a stream of its own, so the
  // other draws of the run are those of a run without it.
  double bet = 1.0;
  if (a.intensity_sd > 0) {
    Rng own = m.rng(static_cast<std::uint64_t>(fid), Purpose::firm_intensity);
    bet = std::exp(a.intensity_sd * own.normal(0.0, 1.0) - 0.5 * a.intensity_sd * a.intensity_sd);
  }
  std::vector<std::pair<double, std::int32_t>> keys;
  for (std::int32_t ci : m.f.cells[fid]) {
    if (m.c[ci].region != m.f.region[fid]) continue;  // the home operation decides
    const auto& mem = m.c[ci].members;
    const int occ = m.c[ci].occ;
    const double p = std::min(
        1.0, m.sc_.occupations[occ].ai_exposure * m.perceived * a.reduction_intensity * bet * m.f.transfer[fid]);
    const std::int64_t k = r.binomial(static_cast<std::int64_t>(mem.size()), p);
    if (k == 0) continue;
    // Entry-level first: weighted sampling without replacement by seniority weights
    // (Efraimidis-Spirakis keys u^(1/w), largest first).
    keys.clear();
    for (size_t i = 0; i < mem.size(); ++i) {
      if (i + 16 < mem.size()) prefetch(&m.w.core[mem[i + 16]]);
      const std::int32_t wid = mem[i];
      const double wt = a.seniority_weights[cohort_of_age(m.age_years(wid))];
      const double u = std::max(r.uniform(), 1e-300);
      keys.emplace_back(wt > 0 ? std::log(u) / wt : -1e300, wid);
    }
    std::partial_sort(keys.begin(), keys.begin() + k, keys.end(), std::greater<>());
    auto& cut = red.cuts.emplace_back(Reduction::Cut{ci, {}});
    for (std::int64_t j = 0; j < k; ++j) cut.who.push_back(keys[static_cast<size_t>(j)].second);
  }
  return red;
}

void reduce(Model& m, std::int32_t fid, Reduction& red) {
  const auto& a = m.sc_.ai;
  m.f.believed[fid] = static_cast<float>(m.perceived);
  auto& cut_list = m.cuts[fid];
  const std::int32_t employed = m.f.employment[fid];
  std::int64_t total = 0;
  for (const auto& [ci, who] : red.cuts) {
    for (std::int32_t wid : who) m.separate(wid, Cause::ai, Status::unemployed, false);
    const auto k = static_cast<std::int32_t>(who.size());
    // The firm does not want these jobs back: its target shrinks with the cut.
    m.c[ci].target = std::max<std::int32_t>(0, m.c[ci].target - k);
    const std::int32_t excess = static_cast<std::int32_t>(m.c[ci].members.size()) + m.c[ci].vacancies - m.c[ci].target;
    if (excess > 0) m.close_vacancies(ci, excess);
    cut_list.push_back({m.c[ci].occ, k, m.c[ci].wage});
    total += k;
  }
  if (total == 0) return;
  m.add(M::firms_cutting);
  FirmEvent event;
  event.employed = employed;
  event.laid_off = static_cast<std::int32_t>(total);
  event.believed = m.f.believed[fid];
  event.capability = static_cast<float>(m.capability);
  m.note_firm_event(FirmEventKind::ai_cut, fid, event);
  // Reinstatement: complement jobs per job cut, split by ai_complement.
  Rng& r = red.r;
  double csum = 0;
  for (const auto& o : m.sc_.occupations) csum += o.ai_complement;
  if (csum <= 0 || a.reinstatement_ratio <= 0) return;
  const double jobs = a.reinstatement_ratio * static_cast<double>(total);
  for (int o = 0; o < m.nocc_; ++o) {
    const double want = jobs * m.sc_.occupations[o].ai_complement / csum;
    if (want <= 0) continue;
    const auto n = static_cast<std::int32_t>(std::floor(want) + (r.bernoulli(want - std::floor(want)) ? 1 : 0));
    if (n == 0) continue;
    const std::int32_t ci = m.cell_of(fid, o, m.f.region[fid], true);
    m.c[ci].target += n;
    m.open_vacancies(ci, n);
    m.add(M::reinstatement_jobs, n);
  }
}

void realise(Model& m, std::int32_t fid) {
  const auto& a = m.sc_.ai;
  const auto found = m.cuts.find(fid);
  if (found == m.cuts.end()) return;
  auto& cut_list = found->second;
  std::int64_t total = 0;
  double exposure = 0;
  for (const auto& cu : cut_list) total += cu.count, exposure += cu.count * m.sc_.occupations[cu.occ].ai_exposure;
  if (total == 0) return;
  exposure /= static_cast<double>(total);
  const double shortfall = exposure * std::max(0.0, static_cast<double>(m.f.believed[fid]) - m.capability);
  Rng r = m.rng(static_cast<std::uint64_t>(fid), Purpose::regret);
  FirmEvent event;
  event.employed = m.f.employment[fid];
  event.believed = m.f.believed[fid];
  event.capability = static_cast<float>(m.capability);
  if (!r.bernoulli(1.0 - std::exp(-a.regret_sensitivity * shortfall))) {
    m.note_firm_event(FirmEventKind::no_regret, fid, event);
    return;
  }
  m.f.regret[fid] = 1;
  m.add(M::new_regretting_firms);
  const int offshore = m.sc_.first_offshore_region();
  for (const auto& cu : cut_list) {
    const std::int64_t reopen = r.binomial(cu.count, a.rehire_share);
    // Offshoring moves jobs of onshore firms abroad; firms based offshore rehire at home.
    const bool can_offshore = offshore >= 0 && !m.sc_.regions[m.f.region[fid]].offshore;
    const std::int64_t off = can_offshore ? r.binomial(reopen, a.offshore_share) : 0;
    const std::int64_t on = reopen - off;
    auto place = [&](int region, std::int64_t n) {
      if (n <= 0) return;
      const std::int32_t ci = m.cell_of(fid, cu.occ, region, true);
      m.c[ci].target += static_cast<std::int32_t>(n);
      m.open_vacancies(ci, static_cast<std::int32_t>(n));
      m.c[ci].reopened += static_cast<std::int32_t>(n);
    };
    place(m.f.region[fid], on);
    place(offshore, off);
    m.add(M::reopened_jobs, static_cast<double>(reopen));
    m.add(M::reopened_jobs_offshore, static_cast<double>(off));
    event.reopened += static_cast<std::int32_t>(reopen);
    event.reopened_offshore += static_cast<std::int32_t>(off);
  }
  m.note_firm_event(FirmEventKind::regret, fid, event);
}

// Months a firm spends in a stage of the pipeline before its next step.
int stage_months(const Model& m, Stage s) {
  const auto& a = m.sc_.ai;
  switch (s) {
    case Stage::mandate:
      return a.mandate_months;
    case Stage::documentation:
      return a.documentation_months;
    case Stage::assessment:
      return a.assessment_months;
    case Stage::reduced:
      return a.realisation_months;
    default:
      return 0;
  }
}

Stage next_stage(Stage s) { return static_cast<Stage>(static_cast<int>(s) + 1); }

// Calls f(stage) for each stage a firm of the pipeline leaves this month, in order: the
// stage it is in at the end month it was given on entering it (due; a [[schedule]]
// change of the stage's length since then does not move it), and then each stage of
// zero months that follows, the month it is entered (so a firm may pass several in one
// month). Leaving documentation documents, leaving assessment reduces, leaving reduced
// realises. Read from the firm's stage as it stands: the same whether or not f moves it on.
template <class F>
void stages_left(const Model& m, std::int32_t fid, int due, F f) {
  if (due > m.month_) return;
  for (Stage s = m.f.stage[fid]; in_pipeline(s); s = next_stage(s)) {
    f(s);
    if (stage_months(m, next_stage(s)) > 0) break;
  }
}

}  // namespace

void adoption(Model& m) {
  const auto& a = m.sc_.ai;
  if (!a.enabled || m.month_ < 0) return;  // adoption starts with the recorded months
  start_adoptions(m);
  // Documentation and the draws of each reduction read only the firm's own members and
  // stream, so the month's are made first, firms in parallel (each its own; transfer[]
  // is read only by the firm's own reduction); the cuts themselves, which move workers
  // into the markets' pools, follow in pipeline order.
  std::vector<std::int32_t> busy;  // in pipeline order
  for (const auto& [fid, due] : m.pipeline) {
    if (due > m.month_ || !m.f.alive[fid]) continue;
    bool works = false;
    stages_left(m, fid, due, [&](Stage s) { works |= s == Stage::documentation || s == Stage::assessment; });
    if (works) busy.push_back(fid);
  }
  std::vector<std::optional<Reduction>> plans(busy.size());
  constexpr std::size_t kFirmsPerTask = 16;
  m.for_each(static_cast<int>((busy.size() + kFirmsPerTask - 1) / kFirmsPerTask), [&](int t) {
    const std::size_t first = static_cast<std::size_t>(t) * kFirmsPerTask;
    for (std::size_t k = first; k < std::min(busy.size(), first + kFirmsPerTask); ++k)
      stages_left(m, busy[k], m.month_, [&](Stage s) {
        if (s == Stage::documentation) document(m, busy[k]);
        if (s == Stage::assessment) plans[k] = plan_reduction(m, busy[k]);
      });
  });

  std::vector<Model::PipelineFirm> still;
  still.reserve(m.pipeline.size());
  std::size_t next_busy = 0;
  for (const auto& entry : m.pipeline) {
    const std::int32_t fid = entry.firm;
    // Nothing to do before its next step (a firm that closed meanwhile leaves then).
    if (entry.due > m.month_) {
      still.push_back(entry);
      continue;
    }
    if (!m.f.alive[fid]) continue;
    std::optional<Reduction>* plan = nullptr;
    if (next_busy < busy.size() && busy[next_busy] == fid) plan = &plans[next_busy++];
    stages_left(m, fid, entry.due, [&](Stage s) {
      if (s == Stage::assessment) {
        if (plan == nullptr || !*plan) throw std::logic_error("laborsim: a reduction that was not planned");
        reduce(m, fid, **plan);
      }
      if (s == Stage::reduced) realise(m, fid);
      m.set_stage(fid, next_stage(s));
    });
    if (m.f.stage[fid] != Stage::realised)
      still.push_back({fid, m.f.stage_month[fid] + stage_months(m, m.f.stage[fid])});
  }
  m.pipeline.swap(still);
}

}  // namespace laborsim::mech
