// Small scenarios for tests, built from TOML text so each test states what it uses.
#pragma once

#include "laborsim/metrics.hpp"
#include "laborsim/scenario.hpp"

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

namespace laborsim::fixtures {

// Two occupations (one exposed, one complement), two sectors, an onshore and an
// offshore region; every mechanism on unless overridden.
inline std::string small_toml(long workers = 20000, int months = 60) {
  return R"(
name = "small"
[simulation]
months = )" +
         std::to_string(months) + R"(
replicates = 2
seed = 7
workers = )" +
         std::to_string(workers) + R"(
burn_in_months = 12
[labor_market]
matching_efficiency = 0.28
[ai]
hype_premium = 0.2
reduction_intensity = 0.3
[[occupations]]
name = "clerk"
group = "services"
ai_exposure = 0.7
wage = 45000
[[occupations]]
name = "engineer"
group = "tech"
ai_exposure = 0.2
ai_complement = 1.0
wage = 120000
[[occupations]]
name = "nurse"
group = "health"
ai_exposure = 0.05
wage = 80000
[[sectors]]
name = "services"
employment_share = 0.6
vc_share = 0.1
runway_months = 12
staffing = { clerk = 0.7, engineer = 0.1, nurse = 0.2 }
[[sectors]]
name = "tech"
employment_share = 0.4
bass_p = 0.1
vc_share = 0.3
runway_months = 12
staffing = { clerk = 0.3, engineer = 0.7 }
[[regions]]
name = "home"
share = 0.9
[[regions]]
name = "abroad"
offshore = true
wage_multiplier = 0.4
share = 0.1
)";
}

inline Scenario small(const std::vector<std::string>& overrides = {}, long workers = 20000, int months = 60) {
  return load_scenario_string(small_toml(workers, months), "small.toml", overrides);
}

// Two firm events alike field by field (the capabilities, NaN outside AI events, as bits).
inline bool same_event(const FirmEvent& a, const FirmEvent& b) {
  return a.month == b.month && a.firm == b.firm && a.other_firm == b.other_firm && a.sector == b.sector &&
         a.region == b.region && a.employed == b.employed && a.laid_off == b.laid_off && a.moved == b.moved &&
         a.reopened == b.reopened && a.reopened_offshore == b.reopened_offshore && a.kind == b.kind &&
         std::bit_cast<std::uint32_t>(a.believed) == std::bit_cast<std::uint32_t>(b.believed) &&
         std::bit_cast<std::uint32_t>(a.capability) == std::bit_cast<std::uint32_t>(b.capability);
}

}  // namespace laborsim::fixtures
