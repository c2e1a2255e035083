#include "laborsim/sweep.hpp"

#include "laborsim/scenario.hpp"
#include "text.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <sstream>

namespace laborsim {

namespace {

// The byte offset of 1-based column `column` (counted in code points, as toml++ counts
// them) of UTF-8 text.
std::size_t byte_of_column(const std::string& text, std::size_t column) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // a continuation byte
    if (++points == column) return i;
  }
  return text.size();
}

bool bare_word(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
}

// A value as a file name can carry it: without quotes, brackets, braces or spaces.
std::string value_label(const std::string& text) {
  std::string out;
  for (char ch : text)
    if (!std::strchr("\"'[]{} \t", ch)) out += ch;
  return out.empty() ? "empty" : out;
}

}  // namespace

SweepAxis parse_sweep(const std::string& assignment) {
  const std::string origin = "--sweep " + assignment;
  const auto eq = assignment.find('=');
  SweepAxis axis{trimmed(assignment.substr(0, eq)), {}};  // spaces around the '=' allowed
  if (eq == std::string::npos || axis.key.empty())
    throw InputError(origin, 0, 0, "", "expected KEY=VALUE,VALUE,..., e.g. --sweep ai.adoption_speed=0.5,1,2");
  const std::string text = assignment.substr(eq + 1);
  const std::string doc = "v = [" + text + "]";
  try {
    const toml::table parsed = toml::parse(doc, std::string(origin));
    std::set<std::string> seen;  // each value as toml++ writes it (a number as a float: 2 is 2.0 and 5e-1 0.5)
    for (const toml::node& v : *parsed["v"].as_array()) {
      const std::size_t b = byte_of_column(doc, v.source().begin.column);
      const std::size_t e = byte_of_column(doc, v.source().end.column);
      const std::string value = doc.substr(b, e - b);
      std::ostringstream canonical;
      if (const auto i = v.value_exact<std::int64_t>())  // 2 and 2.0 set a rate alike
        canonical << toml::value<double>(static_cast<double>(*i));
      else
        v.visit([&](const auto& x) { canonical << x; });
      if (!seen.insert(canonical.str()).second)
        throw InputError(origin, 0, 0, axis.key, "value " + value + " is listed twice");
      axis.values.push_back(value);
    }
  } catch (const toml::parse_error& e) {
    // Bare words are strings, as with --set: --sweep labor_market.matching=network,random.
    std::stringstream ss(text);
    std::set<std::string> seen;
    for (std::string word; std::getline(ss, word, ',');) {
      word = trimmed(word);
      if (!bare_word(word))
        throw InputError(
            origin, 0, 0, axis.key,
            "the values are neither TOML values nor bare words, separated by commas (quote every string or "
            "none; as TOML: " +
                std::string(e.description()) + ")");
      if (!seen.insert(word).second) throw InputError(origin, 0, 0, axis.key, "value " + word + " is listed twice");
      axis.values.push_back(word);
    }
  }
  if (axis.values.empty()) throw InputError(origin, 0, 0, axis.key, "no values to sweep");
  return axis;
}

std::string SweepPoint::run_name(const std::string& scenario_name) const { return scenario_name + "_" + label; }

std::string SweepPoint::name_assignment(const std::string& scenario_name) const {
  std::ostringstream os;
  os << "name=" << toml::value<std::string>(run_name(scenario_name));
  return os.str();
}

namespace {

// Each axis's key as labels show it: its last part, or the whole key where two axes'
// keys end alike. Throws for a key swept twice or `name`.
std::vector<std::string> shown_keys(const std::vector<SweepAxis>& axes) {
  std::vector<std::string> shown;
  for (const SweepAxis& a : axes) {
    if (a.key == "name")
      throw InputError("--sweep " + a.key + "=...", 0, 0, a.key,
                       "each run is named after its scenario and its values; sweep a parameter");
    for (const SweepAxis& b : axes)
      if (&b != &a && b.key == a.key) throw InputError("--sweep " + a.key + "=...", 0, 0, a.key, "swept twice");
    const auto last = [](const std::string& key) { return key.substr(key.rfind('.') + 1); };
    const bool unique =
        std::count_if(axes.begin(), axes.end(), [&](const SweepAxis& b) { return last(b.key) == last(a.key); }) == 1;
    shown.push_back(unique ? last(a.key) : a.key);
  }
  return shown;
}

}  // namespace

std::vector<SweepPoint> sweep_points(const std::vector<SweepAxis>& axes) {
  const std::vector<std::string> shown = shown_keys(axes);
  std::vector<SweepPoint> points(1);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    std::vector<SweepPoint> next;
    for (const SweepPoint& p : points)
      for (const std::string& v : axes[i].values) {
        SweepPoint q = p;
        q.overrides.push_back(axes[i].key + "=" + v);
        if (!q.label.empty()) q.label += '_';
        q.label.append(shown[i]).append("=").append(value_label(v));
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  return axes.empty() ? std::vector<SweepPoint>{} : points;
}

}  // namespace laborsim
