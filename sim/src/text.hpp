// Small text helpers shared by the readers of scenarios and command-line assignments.
#pragma once

#include <cmath>
#include <sstream>
#include <string>

namespace laborsim {

// s without the spaces and tabs at its ends.
inline std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A bound or value for a message: whole numbers in full (2000000000, not 2e+09), others
// with the stream's default six significant digits.
inline std::string number_text(double v) {
  std::ostringstream os;
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15)
    os << static_cast<long long>(v);
  else
    os << v;
  return os.str();
}

// "1 replicate", "4 replicates": a count and its noun, plural but for one.
inline std::string counted(long long n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// "value V is out of range [LO, HI]", or "... must be at least LO" where HI stands for no
// bound at all (above 1e18, e.g. the largest TOML integer).
inline std::string out_of_range_text(double v, double lo, double hi) {
  if (hi > 1e18) return "value " + number_text(v) + " is out of range: it must be at least " + number_text(lo);
  return "value " + number_text(v) + " is out of range [" + number_text(lo) + ", " + number_text(hi) + "]";
}

}  // namespace laborsim
