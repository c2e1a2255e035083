// Occupation tables and mobility networks read from CSV files (fast-cpp-csv-parser),
// for scenarios built from data (scenarios/data/). Errors name file, line and column.
#pragma once

#include "laborsim/scenario.hpp"

#include <filesystem>
#include <vector>

namespace laborsim {

// Columns: code, title, employment, median_wage, ai_exposure (required); group,
// ai_complement (optional). Other columns are ignored. The occupation's name is its code.
std::vector<Occupation> read_occupation_table(const std::filesystem::path& file);

// Columns: source, target, probability. Codes must be occupations of the scenario;
// each source's probabilities must sum to one (within 1e-6). Returns the row-stochastic
// occupations x occupations matrix (missing pairs are zero).
std::vector<std::vector<double>> read_mobility_table(const std::filesystem::path& file,
                                                     const std::vector<Occupation>& occupations);

}  // namespace laborsim
