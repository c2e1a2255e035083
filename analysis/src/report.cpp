// The HTML report: one self-contained page, charts drawn as inline SVG (no scripts or
// assets to fetch), readable offline and printable.
#include "laborsim/analysis/export.hpp"
#include "laborsim/analysis/stats.hpp"
#include "laborsim/analysis/summary.hpp"
#include "laborsim/analysis/tables.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace laborsim::analysis {

namespace {

// Ten colours (matplotlib's tab10) for the runs; past ten, runs repeat them dashed.
const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::size_t kNColors = std::size(kColors);
const char* kDashes[] = {"", "6 3", "2 2", "8 3 2 3"};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string num(double v, int prec = 2) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(prec);
  os << v;
  return os.str();
}

struct Layer {
  std::string name, color;
  std::vector<double> x, y, lo, hi;  // lo/hi empty: no band
  bool steps = false;
  std::string dash = "";  // SVG stroke-dasharray; empty: a solid line
};

// Run k's colour, and its dash once the colours have all been used.
std::string run_color(std::size_t k) { return kColors[k % kNColors]; }
std::string run_dash(std::size_t k) { return kDashes[(k / kNColors) % std::size(kDashes)]; }

// "Nice" tick step for a range (1, 2 or 5 times a power of ten).
double nice_step(double range, int ticks) {
  const double raw = range / std::max(1, ticks);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

// A tick's label, with as many decimals as its axis' step needs (ticks 0.05% apart are
// 4.05%, 4.10%, ..., not 4.1%, 4.1%, ...), none for 1,000 and more.
std::string tick_label(double v, bool percent, double step) {
  if (std::abs(v) < 1e-9 * step) v = 0;  // a tick at zero, not at -1e-17 ("-0.00")
  const double shown = percent ? 100 * step : step;
  const int decimals = shown > 0 && shown < 1 ? static_cast<int>(std::ceil(-std::log10(shown) - 1e-9)) : 0;
  if (percent) return num(100 * v, decimals) + "%";
  return num(v, std::abs(v) >= 1000 ? 0 : decimals);
}

// About how wide a legend's name is drawn at 11 px in a sans-serif face (DejaVu Sans's
// advances, a little over): narrow letters and punctuation 3.7 px, '=' and the like
// 9.5 px, capitals, 'm' and 'w' 8.3 px, the rest 7.2 px. (Counting 6 px for every
// character let a sweep's names, full of '_' and '=', run out of their box.)
double legend_text_width(const std::string& text) {
  double w = 0;
  for (const char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte
    if (std::strchr("iljtfr.,:;|!' ()[]", ch))
      w += 3.7;
    else if (std::strchr("=+<>~#%", ch))
      w += 9.5;
    else if (std::isupper(static_cast<unsigned char>(ch)) || ch == 'm' || ch == 'w')
      w += 8.3;
    else
      w += 7.2;
  }
  return w;
}

// Where the legend goes: the corner of the frame whose box covers the fewest of the
// chart's points (lines count fully, with points along each segment so that a line of
// few points is seen where it runs between them; bands' edges half), as matplotlib's
// loc="best" chooses; top right when several tie.
struct LegendBox {
  double x, y, w, h;
  bool contains(double px, double py) const { return px >= x && px <= x + w && py >= y && py <= y + h; }
};

template <class ToPixel>
double covered(const LegendBox& box, const std::vector<Layer>& layers, ToPixel to_px) {
  double n = 0;
  for (const auto& l : layers) {
    for (size_t i = 0; i < l.x.size(); ++i) {
      const auto [x, y] = to_px(l.x[i], l.y[i]);
      if (box.contains(x, y)) n += 1;
      if (l.steps && i > 0 && box.contains(x, to_px(l.x[i], l.y[i - 1]).second)) n += 1;
      if (!l.steps && i > 0 && std::isfinite(l.y[i]) && std::isfinite(l.y[i - 1]))
        for (double f : {0.25, 0.5, 0.75}) {
          const auto [mx, my] = to_px(l.x[i - 1] + f * (l.x[i] - l.x[i - 1]), l.y[i - 1] + f * (l.y[i] - l.y[i - 1]));
          if (box.contains(mx, my)) n += 1;
        }
      for (const auto* band : {&l.lo, &l.hi})
        if (!band->empty() && std::isfinite((*band)[i]) && box.contains(x, to_px(l.x[i], (*band)[i]).second)) n += 0.5;
    }
  }
  return n;
}

// A chart's y axis: counts (workers, firms) tick in whole numbers; a percent axis shows
// shares.
enum class YAxis { value, count, percent };

// A vertical line across a chart at x (a month a run's parameters change), in a run's colour.
struct Mark {
  double x;
  std::string color;
};

std::string chart(const std::string& id, const std::string& title, const std::string& xlabel, const std::string& ylabel,
                  const std::vector<Layer>& layers, YAxis axis, double ymin_fixed = kNaN, double ymax_fixed = kNaN,
                  const std::vector<Mark>& marks = {}) {
  const bool percent = axis == YAxis::percent;
  const double W = 560, H = 280, L = 64, R = 16, T = 12, B = 44;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& l : layers) {
    for (double v : l.x) x0 = std::min(x0, v), x1 = std::max(x1, v);
    for (const auto* vv : {&l.y, &l.lo, &l.hi})
      for (double v : *vv)
        if (std::isfinite(v)) y0 = std::min(y0, v), y1 = std::max(y1, v);
  }
  // A chart whose every value is 0 (no firm regretted, say) draws its lines on the axis,
  // where they are easily missed: its caption says so.
  const bool zero_throughout = y0 == 0 && y1 == 0;
  if (x0 > x1) x0 = 0, x1 = 1;
  if (y0 > y1) y0 = 0, y1 = 1;
  const double data_y1 = y1;
  if (std::isfinite(ymin_fixed))
    y0 = ymin_fixed;
  else if (y0 > 0 && y0 < 0.5 * y1)
    y0 = 0;
  if (std::isfinite(ymax_fixed)) y1 = ymax_fixed;
  if (y1 <= y0) y1 = y0 + (y0 == 0 ? 1 : std::abs(y0) * 0.1);
  if (x1 <= x0) x1 = x0 + 1;
  // Ticks 1, 2 or 5 times a power of ten (whole numbers on a count axis), the range
  // widened to whole ticks.
  double ystep = 0;
  auto fit_ticks = [&] {
    ystep = nice_step(y1 - y0, 5);
    if (axis == YAxis::count) ystep = std::max(1.0, ystep);
    y0 = std::floor(y0 / ystep) * ystep;
    y1 = std::ceil(y1 / ystep) * ystep;
  };
  fit_ticks();
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };
  auto to_px = [&](double x, double y) { return std::pair{px(x), py(y)}; };

  // The legend, as wide as its longest name, in the corner it covers least; if every
  // corner covers data and the axis is free, the axis grows until the data stay below
  // the legend.
  double longest = 0;
  for (const auto& l : layers) longest = std::max(longest, legend_text_width(l.name));
  const double lw = 30 + longest, lh = 15.0 * static_cast<double>(layers.size()) + 6;
  auto best_corner = [&] {
    const double left = L + 6, right = W - R - 6 - lw, top = T + 6, bottom = H - B - 6 - lh;
    LegendBox best{right, top, lw, lh};
    double least = covered(best, layers, to_px);
    for (const auto& [x, y] : {std::pair{left, top}, std::pair{right, bottom}, std::pair{left, bottom}}) {
      const LegendBox box{x, y, lw, lh};
      if (const double n = covered(box, layers, to_px); n < least) least = n, best = box;
    }
    return std::pair{best, least};
  };
  auto [legend, hidden] = best_corner();
  // The data's top at a height of the frame that leaves room for the legend and a
  // margin (again if whole ticks moved the axis's foot down).
  const double room = (H - T - B - lh - 12) / (H - T - B);
  for (int i = 0; i < 4 && hidden > 0 && !std::isfinite(ymax_fixed) && room > 0.3; ++i) {
    y1 = y0 + (data_y1 - y0) / room;
    fit_ticks();
    std::tie(legend, hidden) = best_corner();
  }

  std::ostringstream s;
  const std::string caption = zero_throughout ? title + " (zero throughout)" : title;
  s << "<figure class=\"chart\"><figcaption>" << esc(caption) << "</figcaption><svg data-chart=\"" << esc(id)
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << esc(caption)
    << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  // Ticks counted in whole steps, each placed from y0 (adding a step to a running sum
  // drifts: 0.1 + 0.2 is not 0.3).
  const auto yticks = static_cast<int>(std::lround((y1 - y0) / ystep));
  for (int i = 0; i <= yticks; ++i) {
    const double y = y0 + i * ystep;
    s << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << num(py(y)) << "\" y2=\"" << num(py(y))
      << "\" class=\"grid\"/>"
      << "<text x=\"" << L - 6 << "\" y=\"" << num(py(y) + 4) << "\" class=\"tick\" text-anchor=\"end\">"
      << tick_label(y, percent, ystep) << "</text>\n";
  }
  // Whole-number x (months, years) gets whole-number ticks.
  bool whole_x = true;
  for (const auto& l : layers)
    for (double v : l.x) whole_x &= v == std::round(v);
  const double xstep = whole_x ? std::max(1.0, nice_step(x1 - x0, 6)) : nice_step(x1 - x0, 6);
  const double xfirst = std::ceil(x0 / xstep) * xstep;
  const auto xticks = static_cast<int>(std::floor((x1 - xfirst) / xstep + 1e-9));
  for (int i = 0; i <= xticks; ++i) {
    const double x = xfirst + i * xstep;
    s << "<text x=\"" << num(px(x)) << "\" y=\"" << H - B + 16 << "\" class=\"tick\" text-anchor=\"middle\">"
      << tick_label(x, false, xstep) << "</text>\n";
  }
  s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 8 << "\" class=\"axis\" text-anchor=\"middle\">"
    << esc(xlabel) << "</text>\n";
  s << "<text transform=\"translate(14," << (T + H - B) / 2 << ") rotate(-90)\" class=\"axis\" text-anchor=\"middle\">"
    << esc(ylabel) << "</text>\n";
  s << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
    << "\" class=\"frame\"/>\n";
  for (const Mark& mk : marks)
    if (mk.x >= x0 && mk.x <= x1)
      s << "<line x1=\"" << num(px(mk.x)) << "\" x2=\"" << num(px(mk.x)) << "\" y1=\"" << T << "\" y2=\"" << H - B
        << "\" stroke=\"" << mk.color << "\" class=\"change\"/>\n";
  for (const auto& l : layers) {
    if (!l.lo.empty()) {
      s << "<polygon fill=\"" << l.color << "\" fill-opacity=\"0.18\" stroke=\"none\" points=\"";
      for (size_t i = 0; i < l.x.size(); ++i) s << num(px(l.x[i])) << "," << num(py(l.hi[i])) << " ";
      for (size_t i = l.x.size(); i-- > 0;) s << num(px(l.x[i])) << "," << num(py(l.lo[i])) << " ";
      s << "\"/>\n";
    }
    s << "<polyline fill=\"none\" stroke=\"" << l.color << "\" stroke-width=\"2\"";
    if (!l.dash.empty()) s << " stroke-dasharray=\"" << l.dash << "\"";
    s << " points=\"";
    for (size_t i = 0; i < l.x.size(); ++i) {
      if (l.steps && i > 0) s << num(px(l.x[i])) << "," << num(py(l.y[i - 1])) << " ";
      s << num(px(l.x[i])) << "," << num(py(l.y[i])) << " ";
    }
    s << "\"/>\n";
  }
  s << "<g class=\"legend-box\"><rect x=\"" << num(legend.x) << "\" y=\"" << num(legend.y) << "\" width=\""
    << num(legend.w) << "\" height=\"" << num(legend.h) << "\" class=\"legend-bg\"/>\n";
  double ly = legend.y + 15;
  for (const auto& l : layers) {
    s << "<line x1=\"" << num(legend.x + 6) << "\" x2=\"" << num(legend.x + 20) << "\" y1=\"" << num(ly - 4)
      << "\" y2=\"" << num(ly - 4) << "\" stroke=\"" << l.color << "\" stroke-width=\"3\"";
    if (!l.dash.empty()) s << " stroke-dasharray=\"" << l.dash << "\"";
    s << "/>"
      << "<text x=\"" << num(legend.x + 24) << "\" y=\"" << num(ly) << "\" class=\"legend\">" << esc(l.name)
      << "</text>\n";
    ly += 15;
  }
  s << "</g>\n";
  s << "</svg></figure>\n";
  return s.str();
}

// Median and 5-95% band across replicates (the rows of m), month by month.
Layer fan(const Eigen::MatrixXd& m, const std::string& name, std::size_t k) {
  Layer l{name, run_color(k), {}, {}, {}, {}, false, run_dash(k)};
  for (Eigen::Index t = 0; t < m.cols(); ++t) {
    const Eigen::VectorXd col = m.col(t);
    l.x.push_back(t);
    l.y.push_back(quantile(col, 0.5));
    l.lo.push_back(quantile(col, 0.05));
    l.hi.push_back(quantile(col, 0.95));
  }
  return l;
}

// The months the [[schedule]] of run k changes its parameters, in the run's colour, for
// each k in `which` (every run if empty).
std::vector<Mark> schedule_marks(const std::vector<Results>& runs, const std::vector<std::size_t>& which = {}) {
  std::vector<Mark> marks;
  for (std::size_t k = 0; k < runs.size(); ++k)
    if (which.empty() || std::find(which.begin(), which.end(), k) != which.end())
      for (int month : runs[k].schedule_months) marks.push_back({static_cast<double>(month), run_color(k)});
  return marks;
}

std::string fan_chart(const std::vector<Results>& runs, const std::vector<std::string>& names,
                      const std::string& metric, const std::string& title, const std::string& ylabel, YAxis axis) {
  std::vector<Layer> layers;
  for (size_t k = 0; k < runs.size(); ++k) layers.push_back(fan(runs[k].series(metric), names[k], k));
  return chart("fan-" + metric, title, "month", ylabel, layers, axis, kNaN, kNaN, schedule_marks(runs));
}

// The report's charts of aggregate series (report_reads loads what they name).
struct SeriesChart {
  std::string metric, title, ylabel;
  YAxis axis;
};
// Each run's fan, under "Unemployment and layoffs" (the last only where every run's
// file has it: format version 3 on).
const std::vector<SeriesChart> kRunCharts = {
    {"unemployment_rate", "Unemployment rate", "unemployment rate", YAxis::percent},
    {"layoffs_ordinary", "Ordinary layoffs per month", "workers", YAxis::count},
    {"layoffs_ai", "AI-attributed layoffs per month", "workers", YAxis::count},
    {"layoffs_consolidation", "Consolidation layoffs per month", "workers", YAxis::count},
    {"young_high_exposure_employed", "Employed aged 22-25 in high-exposure occupations", "workers", YAxis::count}};
// Each run's difference from the first.
const std::vector<SeriesChart> kDifferenceCharts = {
    {"unemployment_rate", "Unemployment rate, difference", "percentage points", YAxis::percent},
    {"layoffs_ai", "AI-attributed layoffs per month, difference", "workers", YAxis::count},
    {"employed", "Employment, difference", "workers", YAxis::count},
    {"firms_regretting", "Firms that regretted their AI cuts, difference", "firms", YAxis::count}};
// Each run's fan, under "AI adoption stages (firms)".
const std::vector<SeriesChart> kAdoptionStageCharts = {
    {"firms_mandate", "Firms in the AI-use mandate stage", "firms", YAxis::count},
    {"firms_documentation", "Firms documenting workflows", "firms", YAxis::count},
    {"firms_assessment", "Firms in redundancy assessment", "firms", YAxis::count},
    {"firms_reduced", "Firms that cut, awaiting realisation", "firms", YAxis::count},
    {"firms_realised", "Firms past realisation", "firms", YAxis::count},
    {"firms_regretting", "Firms that regretted their AI cuts", "firms", YAxis::count}};

// The largest AI cuts of a run's first replicate, firm by firm (/firm_events), and what
// followed each: regret and re-opened jobs, no regret, or none yet. Empty if the file
// has no firm events (format version 5 or older) or no AI cut.
// A parameter's value in a run as a finite number, if it is one.
std::optional<double> number_of(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A sweep: three or more runs that differ in one numeric parameter (the x axis), or in
// two (laborsim run --sweep A=... --sweep B=...), one of them numeric with three or more
// values and each pair of values in one run only: a line for each value of the other.
// Headline figures against the numeric parameter, each run's mean with its 95% interval
// as a band, in the parameter's order (figs: each run's summary_figures).
std::string sweep_section(const std::vector<Results>& runs, const std::vector<std::vector<Figure>>& figs) {
  if (runs.size() < 3) return "";
  const auto diffs = differing_parameters(runs);
  // (runs of other seeds or replicate counts are repetitions, not a sweep)
  for (const auto& d : diffs)
    if (d.key == "simulation.seed" || d.key == "simulation.replicates") return "";
  if (diffs.empty() || diffs.size() > 2) return "";
  const auto distinct = [](const std::vector<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end()).size();
  };
  // The x axis: a parameter numeric in every run with 3 or more values (of two, the one
  // with more values, then the first); the other, if any, gives the lines.
  int x = -1;
  for (int i = 0; i < static_cast<int>(diffs.size()); ++i) {
    const auto& v = diffs[static_cast<size_t>(i)].values;
    if (distinct(v) < 3 ||
        !std::all_of(v.begin(), v.end(), [](const std::string& t) { return number_of(t).has_value(); }))
      continue;
    if (x < 0 || distinct(v) > distinct(diffs[static_cast<size_t>(x)].values)) x = i;
  }
  if (x < 0) return "";
  const ParameterDifference& along = diffs[static_cast<size_t>(x)];
  const ParameterDifference* lines = diffs.size() == 2 ? &diffs[static_cast<size_t>(1 - x)] : nullptr;
  // Runs by line (in the line parameter's natural order), each line in x's order.
  std::map<std::string, std::vector<std::pair<double, std::size_t>>, bool (*)(const std::string&, const std::string&)>
      by_line([](const std::string& a, const std::string& b) {
        const auto na = number_of(a), nb = number_of(b);
        return na && nb ? *na < *nb : natural_less(a, b);
      });
  for (std::size_t k = 0; k < runs.size(); ++k)
    by_line[lines ? lines->values[k] : ""].emplace_back(*number_of(along.values[k]), k);
  for (auto& [value, points] : by_line) {
    std::sort(points.begin(), points.end());
    for (size_t i = 1; i < points.size(); ++i)
      if (points[i].first == points[i - 1].first) return "";  // two runs at one point: not a grid
  }
  struct Shown {
    const char *figure, *title;
    YAxis axis;
  };
  static const std::array<Shown, 6> kShown = {{
      {"displaced_ai", "AI-attributed layoffs over the run", YAxis::count},
      {"displaced_total", "Layoffs of every cause over the run", YAxis::count},
      {"unemployment_rate_mean", "Unemployment rate, mean over the run", YAxis::percent},
      {"reemployed_12m", "Displaced workers reemployed within 12 months", YAxis::percent},
      {"earnings_loss_year1", "Earnings lost in the first year after displacement", YAxis::percent},
      {"regret_share", "Share of AI-cutting firms that regretted", YAxis::percent},
  }};
  const std::string& key = along.key;
  std::ostringstream h;
  h << "<h2>Across the sweep of " << esc(key) << "</h2>\n<p class=\"note\">The runs differ in <code>" << esc(key)
    << "</code>";
  if (lines) h << " and <code>" << esc(lines->key) << "</code> (a line for each of its values)";
  h << " only: each figure over the whole run against <code>" << esc(key)
    << "</code>, the mean across replicates (line) and its 95% interval (shaded).</p>\n<div class=\"grid-charts\">\n";
  for (const auto& [figure, title, axis] : kShown) {
    std::vector<Layer> layers;
    for (const auto& [value, points] : by_line) {
      const std::size_t j = layers.size();
      Layer l{lines ? lines->key + " = " + value : "mean and 95% interval",
              run_color(j),
              {},
              {},
              {},
              {},
              false,
              run_dash(j)};
      for (const auto& [v, k] : points) {
        const auto it = std::find_if(figs[k].begin(), figs[k].end(), [&](const Figure& f) { return f.key == figure; });
        if (it == figs[k].end()) continue;
        const Interval i = figure_interval(*it);
        if (!std::isfinite(i.mean)) continue;  // a run that cannot give it (n/a): no point
        l.x.push_back(v);
        l.y.push_back(i.mean);
        l.lo.push_back(std::isfinite(i.lo) ? i.lo : i.mean);
        l.hi.push_back(std::isfinite(i.hi) ? i.hi : i.mean);
      }
      layers.push_back(std::move(l));
    }
    std::erase_if(layers, [](const Layer& l) { return l.x.size() < 2; });
    if (layers.empty()) continue;
    h << chart(std::string("sweep-") + figure, title, key, axis == YAxis::percent ? "share" : "workers", layers, axis);
  }
  h << "</div>\n";
  return h.str();
}

// Who bears it: each run against the first, age group by age group (compare --by
// cohort): displaced workers, reemployment within 12 months and the earnings lost in
// the first year after, B - A with its 95% interval, in bold where that excludes zero.
std::string cohort_section(const std::vector<Results>& runs, const std::vector<std::string>& names) {
  if (runs.size() < 2) return "";
  static const std::array<std::pair<const char*, const char*>, 4> kShown = {
      {{"employed_end", "employed, last 12 months"},
       {"displaced_estimated", "displaced workers"},
       {"reemployed_12m", "reemployed within 12 months"},
       {"earnings_loss_year1", "earnings lost in year 1"}}};
  std::ostringstream h;
  h << "<h2>Who bears it: differences from " << esc(names[0]) << " by age group</h2>\n<p class=\"note\">Each run minus "
    << esc(names[0])
    << " by age group (laborsim-analyze compare --by cohort): its employment over the last 12 months, and its "
       "displaced workers by their age at displacement; the mean difference over replicates and its 95% interval, "
       "in bold where the interval excludes zero; shares in percentage points; n/c where runs of other lengths or "
       "sizes make counts not comparable.</p>\n";
  for (std::size_t k = 1; k < runs.size(); ++k) {
    const auto groups = compare_by(runs[0], runs[k], "cohort");
    if (groups.empty()) continue;
    h << "<table class=\"by-cohort\" data-run=\"" << esc(names[k]) << "\"><tr><th>" << esc(names[k]) << " - "
      << esc(names[0]) << "</th>";
    for (const auto& [key, label] : kShown) h << "<th>" << label << "</th>";
    h << "</tr>\n";
    for (const auto& g : groups) {
      h << "<tr><td>" << esc(g.group) << "</td>";
      for (const auto& [key, label] : kShown) {
        const auto it = std::find_if(g.c.a.begin(), g.c.a.end(), [&](const Figure& f) { return f.key == key; });
        if (it == g.c.a.end()) {
          h << "<td>n/a</td>";
          continue;
        }
        const auto i = static_cast<std::size_t>(it - g.c.a.begin());
        const Unit u = difference_unit(it->unit);
        const Interval& d = g.c.diff[i];
        const std::string pt = u == Unit::rate ? "pt" : "";
        const int extra = extra_decimals(d, u);
        std::string text = !g.c.comparable(*it)     ? "n/c"
                           : !std::isfinite(d.mean) ? "n/a"
                                                    : format_value(d.mean, u, extra) + pt;
        if (g.c.comparable(*it) && std::isfinite(d.lo) && std::isfinite(d.hi))
          text += " [" + format_value(d.lo, u, extra) + pt + ", " + format_value(d.hi, u, extra) + pt + "]";
        const bool bold = g.c.comparable(*it) && d.n >= 2 && d.excludes_zero();
        h << "<td>" << (bold ? "<b>" : "") << esc(text) << (bold ? "</b>" : "") << "</td>";
      }
      h << "</tr>\n";
    }
    h << "</table>\n";
  }
  return h.str();
}

// Jobs by occupation: each run's employment over the last 12 months against the first
// run's (compare --by occupation's employed_end), the largest relative gain first, with
// a bar for the change: the jobs adoption takes and the ones it creates side by side.
// Left out for runs of other sizes (counts not comparable) or that share no occupation.
std::string occupation_jobs_section(const std::vector<Results>& runs, const std::vector<std::string>& names) {
  if (runs.size() < 2) return "";
  std::ostringstream h;
  for (std::size_t k = 1; k < runs.size(); ++k) {
    struct Row {
      std::string group, title;
      double a, b, change;
      bool distinguishable;
    };
    std::vector<Row> rows;
    for (const auto& g : compare_by(runs[0], runs[k], "occupation")) {
      const auto it = std::find_if(g.c.a.begin(), g.c.a.end(), [](const Figure& f) { return f.key == "employed_end"; });
      if (it == g.c.a.end() || !g.c.comparable(*it)) continue;
      const auto i = static_cast<std::size_t>(it - g.c.a.begin());
      const double a = g.c.ia[i].mean, b = g.c.ib[i].mean;
      if (!(a > 0) || !std::isfinite(b)) continue;
      rows.push_back({g.group, g.title, a, b, b / a - 1, g.c.diff[i].n >= 2 && g.c.diff[i].excludes_zero()});
    }
    if (rows.empty()) continue;
    // Of many occupations, the 12 that gained and the 12 that lost the most jobs (a
    // relative change of a tiny occupation is mostly noise), then by relative change.
    constexpr std::size_t kEachEnd = 12;
    if (rows.size() > 2 * kEachEnd) {
      std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.b - x.a > y.b - y.a; });
      rows.erase(rows.begin() + kEachEnd, rows.end() - kEachEnd);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.change > y.change; });
    double widest = 0;
    for (const Row& r : rows) widest = std::max(widest, std::abs(r.change));
    h << "<table class=\"by-occupation\" data-run=\"" << esc(names[k]) << "\"><tr><th>occupation</th><th>"
      << esc(names[0]) << "</th><th>" << esc(names[k]) << "</th><th>change</th><th></th></tr>\n";
    char buf[32];
    for (const Row& r : rows) {
      // (a change under 0.05% in more decimals, up to three, so that it does not read as 0.0%)
      int decimals = 1;
      while (decimals < 3 && r.change != 0 && std::abs(100 * r.change) < 0.5 * std::pow(10.0, -decimals)) ++decimals;
      std::snprintf(buf, sizeof buf, "%+.*f%%", decimals, 100 * r.change);
      const double width = widest > 0 ? 120 * std::abs(r.change) / widest : 0;
      h << "<tr><td>" << esc(r.title.empty() ? r.group : r.title + " (" + r.group + ")") << "</td><td class=\"n\">"
        << format_value(r.a, Unit::count) << "</td><td class=\"n\">" << format_value(r.b, Unit::count)
        << "</td><td class=\"n\">" << (r.distinguishable ? "<b>" : "") << buf << (r.distinguishable ? "</b>" : "")
        << "</td><td><span style=\"display:inline-block;height:0.8em;width:" << num(width, 1)
        << "px;background:" << (r.change >= 0 ? run_color(0) : run_color(1)) << "\"></span></td></tr>\n";
    }
    h << "</table>\n";
  }
  const std::string tables = h.str();
  if (tables.empty()) return "";
  return "<h2>Jobs by occupation: differences from " + esc(names[0]) +
         "</h2>\n<p class=\"note\">Each occupation's employment over the last 12 months, mean over replicates, in " +
         esc(names[0]) +
         " and each other run (laborsim-analyze compare --by occupation, its first column), the largest relative gain "
         "first (of many occupations, the 12 that gained and the 12 that lost the most jobs); the change in bold where "
         "its paired 95% interval excludes zero.</p>\n" +
         tables;
}

std::string largest_cuts_table(const Results& r, const std::string& name) {
  constexpr std::size_t kRows = 10;
  const FirmEvents& e = r.firm_events;
  std::vector<std::size_t> cuts;
  std::map<int, std::size_t> realised;  // firm -> its realisation event
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e.replicate[i] != 0) continue;
    if (e.kind[i] == FirmEvents::ai_cut) cuts.push_back(i);
    if (e.kind[i] == FirmEvents::regret || e.kind[i] == FirmEvents::no_regret) realised[e.firm[i]] = i;
  }
  if (cuts.empty()) return "";
  std::stable_sort(cuts.begin(), cuts.end(),
                   [&](std::size_t a, std::size_t b) { return e.laid_off[a] > e.laid_off[b]; });
  if (cuts.size() > kRows) cuts.resize(kRows);
  const auto& sectors = r.groups.at("sector");
  std::ostringstream h;
  h << "<h3>" << esc(name) << "</h3>\n<table class=\"firm-cuts\"><tr><th>month</th><th>sector</th><th>staff</th>"
    << "<th>AI cut</th><th>capability believed / real</th><th>what followed</th></tr>\n";
  char buf[64];
  for (std::size_t i : cuts) {
    std::snprintf(buf, sizeof buf, "%.2f / %.2f", e.capability_believed[i], e.capability_real[i]);
    const double share = e.employed[i] > 0 ? 100.0 * e.laid_off[i] / e.employed[i] : 0.0;
    h << "<tr><td class=\"n\">" << e.month[i] << "</td><td>"
      << esc(e.sector[i] >= 0 && static_cast<std::size_t>(e.sector[i]) < sectors.size() ? sectors[e.sector[i]] : "?")
      << "</td><td class=\"n\">" << e.employed[i] << "</td><td class=\"n\">" << e.laid_off[i] << " ("
      << static_cast<int>(std::lround(share)) << "%)</td><td class=\"n\">" << buf << "</td><td>";
    const auto it = realised.find(e.firm[i]);
    if (it == realised.end()) {
      h << "not realised by the end of the run (too late, or the firm closed first)";
    } else {
      const std::size_t j = it->second;
      if (e.kind[j] == FirmEvents::regret)
        h << "month " << e.month[j] << ": regretted, re-opened " << e.reopened[j] << " jobs (" << e.reopened_offshore[j]
          << " offshore)";
      else
        h << "month " << e.month[j] << ": kept its cuts";
    }
    h << "</td></tr>\n";
  }
  h << "</table>\n";
  return h.str();
}

// Where the displaced found work (flows()): the ten occupations with the most rehires,
// each with the share rehired in it and the three others that took most. Empty where
// the run recorded no rehire.
std::string flows_table(const Results& r, const std::string& name) {
  constexpr std::size_t kRows = 10, kOthers = 3;
  std::vector<FlowOrigin> origins = flows(r);
  if (origins.empty()) return "";
  std::stable_sort(origins.begin(), origins.end(),
                   [](const FlowOrigin& a, const FlowOrigin& b) { return a.rehires.mean > b.rehires.mean; });
  if (origins.size() > kRows) origins.resize(kRows);
  auto label = [](const std::string& group, const std::string& title) {
    return title.empty() ? esc(group) : esc(title) + " <span class=\"note\">" + esc(group) + "</span>";
  };
  auto share = [](const Interval& i) {
    return format_value(i.mean, Unit::share, extra_decimals({i.mean}, Unit::share));
  };
  std::ostringstream h;
  h << "<h3>" << esc(name) << "</h3>\n<table class=\"flows\" data-run=\"" << esc(name)
    << "\"><tr><th>occupation left</th><th>rehired</th><th>in it again</th><th>elsewhere, most often</th></tr>\n";
  for (const FlowOrigin& o : origins) {
    h << "<tr><td>" << label(o.group, o.title) << "</td><td class=\"n\">" << format_value(o.rehires.mean, Unit::count)
      << "</td><td class=\"n\">" << share(o.same) << "</td><td>";
    std::size_t shown = 0;
    for (const FlowDestination& d : o.to) {
      if (d.group == o.group) continue;
      if (shown == kOthers) break;
      h << (shown++ ? ", " : "") << label(d.group, d.title) << " " << share(d.share);
    }
    h << "</td></tr>\n";
  }
  h << "</table>\n";
  return h.str();
}

// A section of a table per run (table(run, name), "" for a run with nothing to show)
// under `heading`; "" where no run has one.
std::string per_run_tables(const std::vector<Results>& runs, const std::vector<std::string>& names,
                           std::string (*table)(const Results&, const std::string&), const std::string& heading) {
  std::string tables;
  for (std::size_t k = 0; k < runs.size(); ++k) tables += table(runs[k], names[k]);
  return tables.empty() ? "" : heading + tables;
}

// Month by month, each run's difference from the first, replicate by replicate: runs
// made with the same seed share their random streams (common random numbers), so the
// paired difference shows what the scenarios' differences did, with far less noise than
// two overlaid fans. A run with more replicates than the first is paired on the
// replicates both have; runs of another seed or length are not paired.
std::string difference_section(const std::vector<Results>& runs, const std::vector<std::string>& names) {
  if (runs.size() < 2) return "";
  std::vector<std::size_t> paired, unpaired;
  for (std::size_t k = 1; k < runs.size(); ++k)
    (runs[k].seed == runs[0].seed && runs[k].months == runs[0].months ? paired : unpaired).push_back(k);
  std::ostringstream h;
  h << "<h2>Differences from " << esc(names[0]) << "</h2>\n<p class=\"note\">Each run minus " << esc(names[0])
    << ", replicate by replicate (same seed: common random numbers), month by month: the median and 5-95% band of "
       "the paired differences. Zero where the runs do not differ.";
  for (std::size_t k : paired)
    if (runs[k].replicates != runs[0].replicates)
      h << " " << esc(names[k]) << " is paired on the " << std::min(runs[k].replicates, runs[0].replicates)
        << " replicates both runs have.";
  for (std::size_t k : unpaired) h << " " << esc(names[k]) << " is not paired with it (another seed or length).";
  h << "</p>\n";
  if (paired.empty()) return h.str();
  h << "<div class=\"grid-charts\">\n";
  for (const auto& [metric, title, ylabel, axis] : kDifferenceCharts) {
    std::vector<Layer> layers;
    for (std::size_t k : paired) {
      const Eigen::Index both = std::min(runs[k].replicates, runs[0].replicates);
      layers.push_back(fan(runs[k].series(metric).topRows(both) - runs[0].series(metric).topRows(both),
                           names[k] + " - " + names[0], k));
    }
    h << chart("diff-" + metric, title, "month", ylabel, layers, axis, kNaN, kNaN, schedule_marks(runs, paired));
  }
  h << "</div>\n";
  return h.str();
}

// A run's name as a table's column header: escaped, and free to break after each '_'
// (a sweep's names are long: baseline_hype_premium=1_adoption_speed=0.5).
std::string header(const std::string& name) {
  std::string out;
  for (const char ch : esc(name)) {
    out += ch;
    if (ch == '_') out += "<wbr>";
  }
  return out;
}

}  // namespace

ReadOptions report_reads() {
  ReadOptions o = summary_reads();
  for (const char* by : {"cohort", "occupation"}) o.grouped->insert(std::string(by) + "/employed");  // its tables
  for (const auto* charts : {&kRunCharts, &kDifferenceCharts, &kAdoptionStageCharts})
    for (const auto& c : *charts) o.aggregate->insert(c.metric);
  return o;
}

void write_report(const std::vector<Results>& runs, const std::filesystem::path& file) {
  std::ostringstream h;
  const std::vector<std::string> run_name = run_names(runs);
  // The title names up to three runs; more (a sweep's) by the first and their number.
  std::string names = run_name[0];
  if (runs.size() <= 3)
    for (size_t k = 1; k < runs.size(); ++k) names.append(" vs ").append(run_name[k]);
  else
    names.append(" and ").append(std::to_string(runs.size() - 1)).append(" other runs");
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>laborsim report: " << esc(names)
    << "</title>\n"
    << "<style>\nbody{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1180px;margin:2em "
       "auto;padding:0 1em;color:#222}\n"
       "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid "
       "#ccc}\n.grid-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px}\n"
       "figure.chart{margin:0}svg{width:100%;height:auto;background:#fff}\n.tick{"
       "font-size:11px;fill:#555}.axis{font-size:12px;fill:#333}"
       ".change{stroke-dasharray:5 "
       "4;stroke-opacity:0.7;stroke-width:1.5}.legend{font-size:11px}.legend-bg{fill:#fff;fill-opacity:0.85;stroke:#"
       "ddd}"
       "figcaption{font-size:0.95em;font-weight:600;margin:0 0 2px "
       "1em}td.sub{padding-left:2em}.grid{stroke:#e6e6e6}.frame{fill:none;stroke:#999}\n"
       "table{border-collapse:collapse;font-size:0.9em}td,th{padding:3px 8px;border-bottom:1px solid "
       "#eee;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
       "pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:0.8em;max-height:40em}.note{color:#555;font-size:0."
       "9em}.wide{overflow-x:auto}\n</style></head>\n<body>\n";
  h << "<h1>laborsim report: " << esc(names) << "</h1>\n";
  h << "<p class=\"note\">Each chart shows, month by month, the median across replicates (line) and the 5-95% band "
       "(shaded) of each scenario. Reemployment curves are Kaplan-Meier estimates from the displacement spells of the "
       "sampled worker panel, pooled over replicates, censored at the end of the run.</p>\n";
  // Runs whose parameters change during the run ([[schedule]]): when, and how it is shown.
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (runs[k].schedule_months.empty()) continue;
    h << "<p class=\"note schedule\">" << esc(run_name[k]) << ": parameters change at month";
    for (std::size_t i = 0; i < runs[k].schedule_months.size(); ++i)
      h << (i ? ", " : " ") << runs[k].schedule_months[i];
    h << " (the scenario's [[schedule]], under Scenarios and provenance), marked in the charts by a dashed line in its "
         "colour.</p>\n";
  }

  if (const auto diffs = differing_parameters(runs); runs.size() > 1) {
    h << "<h2>What the runs differ in</h2>\n";
    if (diffs.empty()) {
      h << "<p class=\"note\">Nothing but their names: the same parameters, seed and size.</p>\n";
    } else {
      h << "<div class=\"wide\"><table id=\"parameters-that-differ\"><tr><th>parameter</th>";
      for (const auto& name : run_name) h << "<th>" << header(name) << "</th>";
      h << "</tr>\n";
      for (const auto& d : diffs) {
        h << "<tr><td><code>" << esc(d.key) << "</code></td>";
        for (const auto& v : d.values) h << "<td>" << (v.empty() ? "(none)" : esc(v)) << "</td>";
        h << "</tr>\n";
      }
      h << "</table></div>\n";
    }
  }
  h << "<h2>Headline figures</h2>\n<div class=\"wide\"><table><tr><th>figure</th>";
  for (const auto& name : run_name)
    h << "<th>" << header(name) << "<br><span class=\"note\">mean [95% interval]</span></th>";
  h << "</tr>\n";
  std::vector<std::vector<Figure>> figs;
  for (const auto& r : runs) figs.push_back(summary_figures(r));
  for (size_t k = 0; k < figs[0].size(); ++k) {
    // A figure that breaks down the one above it (its label indented) is indented here too.
    const std::string& label = figs[0][k].label;
    const std::size_t indent = label.find_first_not_of(' ');
    h << (indent > 0 && indent != std::string::npos ? "<tr><td class=\"sub\">" : "<tr><td>")
      << esc(label.substr(std::min(indent, label.size()))) << "</td>";
    int extra = 0;  // one number of decimals across the row, so that the runs read alike
    for (const auto& f : figs) extra = std::max(extra, extra_decimals(figure_interval(f[k]), f[k].unit));
    for (const auto& f : figs) {
      const Interval i = figure_interval(f[k]);
      h << "<td class=\"n\">" << esc(format_value(i.mean, f[k].unit, extra));
      if (i.n > 1 && std::isfinite(i.lo))
        h << " [" << esc(format_value(i.lo, f[k].unit, extra)) << ", " << esc(format_value(i.hi, f[k].unit, extra))
          << "]";
      h << "</td>";
    }
    h << "</tr>\n";
  }
  // What the figures are, as under summary's table, and how many spells each run's rest on.
  h << "</table></div>\n<p class=\"note\" id=\"headline-notes\">";
  for (const std::string& sentence : summary_notes()) h << esc(sentence) << " ";
  if (std::any_of(runs.begin(), runs.end(), [](const Results& r) { return r.spells.earnings_years() > 0; }))
    h << "Earnings lost over all years followed (output.earnings_years) count those followed all of them, year y "
         "discounted by 1.05^-(y-1). ";
  h << "The spell panel's figures rest on ";
  for (std::size_t k = 0; k < runs.size(); ++k) {
    std::ostringstream rate;
    rate << runs[k].panel_rate;
    h << (k == 0                 ? ""
          : k + 1 == runs.size() ? " and "
                                 : ", ")
      << runs[k].spells.size() << " displacements" << (runs.size() > 1 ? " in " + esc(run_name[k]) : std::string())
      << " (output.panel_rate = " << rate.str() << ")";
  }
  h << ", over all replicates.</p>\n";
  // And why some of each run's figures are n/a, as summary says it: once for what every
  // run has, then run by run.
  const SharedCaveats caveats = share_caveats(runs, figs);
  if (!caveats.every_run.empty()) {
    h << "<p class=\"note headline-caveats every-run\"><b>All " << runs.size() << " runs:</b> ";
    for (const std::string& caveat : caveats.every_run) h << esc(caveat) << " ";
    h << "</p>\n";
  }
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (caveats.own[k].empty()) continue;
    h << "<p class=\"note headline-caveats\" data-run=\"" << esc(run_name[k]) << "\">";
    if (runs.size() > 1) h << "<b>" << esc(run_name[k]) << ":</b> ";
    for (const std::string& caveat : caveats.own[k]) h << esc(caveat) << " ";
    h << "</p>\n";
  }
  // Side by side, counts of runs of other lengths or sizes differ for that reason alone.
  if (const std::string note = mismatch_note(mismatch(runs)); !note.empty())
    h << "<p class=\"note\" id=\"not-comparable\"><b>Note:</b> " << esc(note) << ".</p>\n";
  // (the differences below pair each run of the first's seed with it)
  for (const std::string& note : provenance_notes(runs, run_name, true))
    h << "<p class=\"note provenance\"><b>Note:</b> " << esc(note) << ".</p>\n";

  h << "<h2>Unemployment and layoffs</h2>\n<div class=\"grid-charts\">\n";
  for (const auto& c : kRunCharts)
    if (std::all_of(runs.begin(), runs.end(), [&](const Results& r) { return r.has_series(c.metric); }))
      h << fan_chart(runs, run_name, c.metric, c.title, c.ylabel, c.axis);
  {
    std::vector<Layer> layers;
    for (size_t k = 0; k < runs.size(); ++k) layers.push_back(fan(sector_concentration(runs[k]), run_name[k], k));
    h << chart("fan-concentration", "Sector concentration (employment HHI)", "month", "HHI", layers, YAxis::value, kNaN,
               kNaN, schedule_marks(runs));
  }
  h << "</div>\n";
  h << difference_section(runs, run_name);
  h << cohort_section(runs, run_name);
  h << occupation_jobs_section(runs, run_name);
  h << sweep_section(runs, figs);
  h << "<h2>AI adoption stages (firms)</h2>\n<div class=\"grid-charts\">\n";
  for (const auto& c : kAdoptionStageCharts) h << fan_chart(runs, run_name, c.metric, c.title, c.ylabel, c.axis);
  h << "</div>\n";
  h << per_run_tables(runs, run_name, largest_cuts_table,
                      "<h2>The largest AI cuts, firm by firm</h2>\n<p class=\"note\">The firm panel's ten largest AI "
                      "cuts in replicate 0 of each run (firm_events.csv in an export has them all): the firm's staff "
                      "before, the jobs cut, the capability it believed against the real one, and what it did once "
                      "it met real capability.</p>\n");
  h << "<h2>Reemployment of displaced workers</h2>\n<div class=\"grid-charts\">\n";
  {
    std::vector<Layer> layers;
    const char* causes[] = {"", "ordinary", "AI", "consolidation"};
    for (size_t k = 0; k < runs.size(); ++k) {
      for (int cause = 1; cause <= 3; ++cause) {
        const auto& s = runs[k].spells;
        if (std::find(s.cause.begin(), s.cause.end(), cause) == s.cause.end()) continue;
        const KaplanMeier km = reemployment_curve(runs[k], [&](size_t i) { return s.cause[i] == cause; });
        // One run: a colour per cause. Several: a colour per run, a dash per cause.
        Layer l{runs.size() > 1 ? run_name[k] + ": " + causes[cause] : std::string(causes[cause]),
                runs.size() > 1 ? run_color(k) : run_color(static_cast<std::size_t>(cause - 1)),
                {},
                {},
                {},
                {},
                true,
                runs.size() > 1 ? kDashes[cause - 1] : ""};
        for (int t = 0; t <= 36 && t <= km.horizon; ++t) l.x.push_back(t), l.y.push_back(1 - km.at(t));
        layers.push_back(l);
      }
    }
    h << chart("km-reemployment", "Reemployed by months since displacement, by cause", "months since displacement",
               "share reemployed", layers, YAxis::percent, 0.0, 1.0);
  }
  {
    // Wage replacement: distribution of new / old wage among the reemployed.
    std::vector<Layer> layers;
    const int bins = 30;
    const double lo = 0.2, hi = 1.7, w = (hi - lo) / bins;
    for (size_t k = 0; k < runs.size(); ++k) {
      std::vector<double> count(bins, 0);
      double n = 0;
      const auto& s = runs[k].spells;
      for (size_t i = 0; i < s.size(); ++i) {
        if (!s.reemployed[i] || s.wage[i] <= 0) continue;
        const double x = s.new_wage[i] / s.wage[i];
        const int b = std::clamp(static_cast<int>((x - lo) / w), 0, bins - 1);
        count[static_cast<size_t>(b)] += 1;
        n += 1;
      }
      Layer l{run_name[k], run_color(k), {}, {}, {}, {}, true, run_dash(k)};
      for (int b = 0; b < bins; ++b)
        l.x.push_back(lo + b * w), l.y.push_back(n > 0 ? count[static_cast<size_t>(b)] / n : 0);
      l.x.push_back(hi);
      l.y.push_back(l.y.back());
      layers.push_back(l);
    }
    // The end bins hold every rehire beyond them (a spike there is a tail, not a peak): the label says so.
    std::ostringstream ends;
    ends << "new wage / old wage (the end bins hold all below " << lo + w << " and all from " << hi - w << ")";
    h << chart("wage-replacement", "Wage replacement of rehired displaced workers (new / old wage)", ends.str(),
               "share of rehires", layers, YAxis::percent, 0.0);
  }
  {
    // By tenure at the employer lost: the premium for tenure goes with the job. A year
    // with fewer than 10 rehires in the panel is left out; runs whose files do not
    // record tenure (format version 2) have no line.
    constexpr int kLastYear = 15;  // the last point: 15 years or more
    std::vector<Layer> layers;
    for (size_t k = 0; k < runs.size(); ++k) {
      std::vector<std::vector<double>> by_year(kLastYear + 1);
      const auto& s = runs[k].spells;
      for (size_t i = 0; i < s.size(); ++i)
        if (s.reemployed[i] && s.wage[i] > 0 && s.tenure[i] >= 0)
          by_year[static_cast<size_t>(std::min(kLastYear, s.tenure[i] / 12))].push_back(s.new_wage[i] / s.wage[i]);
      Layer l{run_name[k], run_color(k), {}, {}, {}, {}, false, run_dash(k)};
      for (int y = 0; y <= kLastYear; ++y) {
        const auto& v = by_year[static_cast<size_t>(y)];
        if (v.size() < 10) continue;
        l.x.push_back(y);
        l.y.push_back(median(v));
      }
      if (!l.x.empty()) layers.push_back(l);
    }
    if (!layers.empty())
      h << chart(
          "wage-by-tenure", "Wage replacement by years at the employer lost (median new / old wage)",
          "years at the employer lost (" + std::to_string(kLastYear) + " = " + std::to_string(kLastYear) + " or more)",
          "median new / old wage", layers, YAxis::value);
  }
  {
    // Earnings in each year followed after (output.earnings_years), against workers not
    // displaced (the comparison group): 1 - the earnings loss, pooled over replicates.
    // Files that do not record earnings (format version 3 or older) have no line.
    std::vector<Layer> layers;
    const auto all = [](std::size_t) { return true; };
    for (size_t k = 0; k < runs.size(); ++k) {
      Layer l{run_name[k], run_color(k), {}, {}, {}, {}, false, run_dash(k)};
      for (std::size_t y = 0; y < runs[k].spells.earnings_years(); ++y) {
        const double loss = earnings_loss(runs[k], y, all, all);
        if (std::isfinite(loss)) l.x.push_back(static_cast<double>(y + 1)), l.y.push_back(1 - loss);
      }
      if (!l.x.empty()) layers.push_back(l);
    }
    if (!layers.empty())
      h << chart("earnings-after-displacement",
                 "Earnings after displacement, relative to workers not displaced (100% = no loss)",
                 "year after displacement", "earnings / those not displaced", layers, YAxis::percent, 0.0, 1.0);
  }
  h << "</div>\n";
  h << per_run_tables(runs, run_name, flows_table,
                      "<h2>Where the displaced found work</h2>\n<p class=\"note\">The ten occupations with the "
                      "most displaced workers rehired (estimated from the spell panel), the share of them rehired in "
                      "the same occupation, and the others that took most (laborsim-analyze flows lists them all, "
                      "with 95% intervals).</p>\n");
  h << "<h2>Scenarios and provenance</h2>\n";
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const Results& r = runs[k];
    h << "<h3>" << esc(run_name[k]) << "</h3>\n<table>"
      << "<tr><td>file</td><td>" << esc(r.path.string()) << "</td></tr>"
      << "<tr><td>replicates x months</td><td>" << r.replicates << " x " << r.months << "</td></tr>"
      << "<tr><td>seed</td><td>" << r.seed << "</td></tr>"
      << "<tr><td>created</td><td>" << esc(r.created) << "</td></tr>"
      << "<tr><td>laborsim</td><td>" << esc(r.laborsim_version) << " (git " << esc(r.git_commit) << "), format "
      << r.format_version << (r.build.empty() ? "" : ", built with " + esc(r.build)) << "</td></tr>"
      << "<tr><td>command</td><td><code>" << esc(r.command_line) << "</code></td></tr>"
      << "<tr><td>spell panel</td><td>" << r.spells.size() << " spells, " << r.comparison.size()
      << " comparison records (workers not displaced), panel rate " << r.panel_rate << "</td></tr>";
    if (r.firm_events_recorded)
      h << "<tr><td>firm panel</td><td>" << r.firm_events.size() << " firm events, firm panel rate "
        << r.firm_panel_rate << "</td></tr>";
    for (std::size_t i = 0; i < r.schedule_months.size(); ++i)
      h << "<tr><td>" << (i ? "" : "changes during the run") << "</td><td class=\"schedule-change\">month "
        << r.schedule_months[i] << ": <code>" << esc(r.schedule_changes[i]) << "</code></td></tr>";
    h << "</table>\n"
      << "<details><summary>Resolved scenario (TOML)</summary><pre>" << esc(r.scenario_toml) << "</pre></details>\n";
  }
  // (For the tests, in a real browser: how many charts there are, and how many legend
  // names run out of their box as drawn.)
  h << "<script>document.body.dataset.rendered = document.querySelectorAll('svg[data-chart]').length;\n"
       "document.body.dataset.legendOverflow = [...document.querySelectorAll('g.legend-box')].filter(g => {\n"
       "  const box = g.querySelector('rect').getBBox();\n"
       "  return [...g.querySelectorAll('text')].some(t => { const b = t.getBBox(); return b.x + b.width > box.x + "
       "box.width; });\n"
       "}).length;</script>\n";
  h << "</body></html>\n";

  write_file_atomically(file, [&](std::ostream& os) { os << h.str(); });
}

}  // namespace laborsim::analysis
