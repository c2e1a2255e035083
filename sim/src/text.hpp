// Small text helpers shared by the readers of scenarios and command-line assignments.
#pragma once

#include <string>

namespace laborsim {

// s without the spaces and tabs at its ends.
inline std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace laborsim
