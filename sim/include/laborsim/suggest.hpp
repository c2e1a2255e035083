// "Did you mean ...?" for a name that is not there: shared by the scenario reader and
// laborsim-analyze (which includes this header only, not the engine).
#pragma once

#include <algorithm>
#include <cctype>
#include <numeric>
#include <string>
#include <vector>

namespace laborsim {

// The Levenshtein distance between a and b.
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The candidates `word` (not among them) most likely meant: those equal to it in another
// case, else the one or few (up to 8) that contain it, in any case ("speed": 'adoption_speed'; "nurse":
// 'nurses_healthcare'), else the nearest within a few edits ("adoption_sped": 'adoption_speed'); none if none.
inline std::vector<std::string> likely_meant(const std::string& word, const std::vector<std::string>& candidates) {
  const auto lower = [](std::string t) {
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  };
  const std::string typed = lower(word);
  std::vector<std::string> same;  // "Subsidy" for 'subsidy', before the longer names containing it
  for (const auto& c : candidates)
    if (lower(c) == typed) same.push_back(c);
  if (!same.empty()) return same;
  std::vector<std::string> containing;
  for (const auto& c : candidates)
    if (!typed.empty() && lower(c).find(typed) != std::string::npos) containing.push_back(c);
  if (!containing.empty() && containing.size() <= 8) return containing;
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates)
    if (const std::size_t d = edit_distance(typed, lower(c)); d < best_d) best_d = d, best = c;
  if (best.empty()) return {};
  return {best};
}

// "; did you mean 'x'?" or "; did you mean one of 'x', 'y'?" for those names; "" if none.
inline std::string did_you_mean(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  if (names.size() == 1) return "; did you mean '" + names[0] + "'?";
  std::string out = "; did you mean one of ";
  for (std::size_t k = 0; k < names.size(); ++k) out += (k ? ", '" : "'") + names[k] + "'";
  return out + "?";
}

// "; did you mean ...?" for `word`, not among `candidates` (likely_meant); "" if none.
inline std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  return did_you_mean(likely_meant(word, candidates));
}

}  // namespace laborsim
