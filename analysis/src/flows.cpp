#include "laborsim/analysis/flows.hpp"

#include "laborsim/analysis/summary.hpp"

#include <algorithm>

namespace laborsim::analysis {

std::vector<FlowOrigin> flows(const Results& r) {
  const auto it = r.groups.find("occupation");
  if (it == r.groups.end()) throw FormatError(r.path.string() + ": no occupation names in /groups");
  const std::vector<std::string>& names = it->second;
  const auto G = names.size();
  const auto R = static_cast<std::size_t>(r.replicates);
  const Spells& s = r.spells;
  // count[o][d][rep]: reemployed spells from o into d
  std::vector<std::vector<std::vector<double>>> count(G, std::vector<std::vector<double>>(G));
  std::vector<std::vector<double>> from(G, std::vector<double>(R, 0.0));
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.reemployed[i] != 1) continue;
    const int o = s.occupation[i], d = s.new_occupation[i];
    const int rep = s.replicate[i];
    if (o < 0 || d < 0 || static_cast<std::size_t>(o) >= G || static_cast<std::size_t>(d) >= G || rep < 0 ||
        static_cast<std::size_t>(rep) >= R)
      continue;
    auto& c = count[static_cast<std::size_t>(o)][static_cast<std::size_t>(d)];
    if (c.empty()) c.assign(R, 0.0);
    c[static_cast<std::size_t>(rep)] += 1;
    from[static_cast<std::size_t>(o)][static_cast<std::size_t>(rep)] += 1;
  }
  auto title_of = [&](std::size_t g) {
    return g < r.occupation_titles.size() ? r.occupation_titles[g] : std::string();
  };
  std::vector<FlowOrigin> out;
  for (std::size_t o = 0; o < G; ++o) {
    if (std::all_of(from[o].begin(), from[o].end(), [](double n) { return n == 0; })) continue;
    FlowOrigin origin{names[o], title_of(o), {}, 0, {}, {}};
    Figure rehires{"rehires", "rehires", Unit::count, Eigen::VectorXd(r.replicates)};
    for (std::size_t k = 0; k < R; ++k)
      rehires.values[static_cast<Eigen::Index>(k)] = r.panel_rate > 0 ? from[o][k] / r.panel_rate : kNaN;
    origin.rehires = figure_interval(rehires);
    for (double n : from[o]) origin.spells += static_cast<std::size_t>(n);
    auto share_of = [&](const std::vector<double>& c) {
      Figure f{"share", "share", Unit::share, Eigen::VectorXd(r.replicates)};
      for (std::size_t k = 0; k < R; ++k)
        f.values[static_cast<Eigen::Index>(k)] = from[o][k] > 0 ? (c.empty() ? 0.0 : c[k]) / from[o][k] : kNaN;
      return figure_interval(f);
    };
    origin.same = share_of(count[o][o]);
    for (std::size_t d = 0; d < G; ++d)
      if (!count[o][d].empty()) origin.to.push_back({names[d], title_of(d), share_of(count[o][d])});
    std::stable_sort(origin.to.begin(), origin.to.end(),
                     [](const FlowDestination& a, const FlowDestination& b) { return a.share.mean > b.share.mean; });
    out.push_back(std::move(origin));
  }
  return out;
}

}  // namespace laborsim::analysis
