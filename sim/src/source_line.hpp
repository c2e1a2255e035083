// Line n (1-based) of a text file as the user sees it: without its line ending, and on
// line 1 without a UTF-8 byte-order mark. For error messages (the line an error points
// at, and where a data table's field starts in it); nullopt if the file has no such line.
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace laborsim {

inline std::optional<std::string> source_line(const std::filesystem::path& file, int n) {
  if (n <= 0) return std::nullopt;
  std::ifstream in(file);
  std::string text;
  for (int k = 0; k < n; ++k)
    if (!std::getline(in, text)) return std::nullopt;
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (n == 1 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  return text;
}

}  // namespace laborsim
