// Parameter sweeps: one scenario run once per value of one or more keys
// (`laborsim run SCENARIO.toml --sweep ai.adoption_speed=0.5,1,2,4`), every run with the
// same seed, so that runs pair replicate by replicate in laborsim-analyze.
#pragma once

#include <string>
#include <vector>

namespace laborsim {

// One swept key and its values, each as the TOML text the user wrote for it (ready for
// a --set assignment: "0.5", "[1, 2]", "\"network\"", or a bare word).
struct SweepAxis {
  std::string key;
  std::vector<std::string> values;
};

// "KEY=V1,V2,...": the values are read as the elements of a TOML array ("[V1,V2,...]"),
// so arrays, inline tables and quoted strings with commas are single values; bare words
// (network,random) are strings, as with --set. Throws InputError naming the --sweep
// for a missing key or '=', a value that is not TOML, no value, or a value twice.
SweepAxis parse_sweep(const std::string& assignment);

// One run of a sweep: its --set assignments, one per axis, and its label ("KEY=VALUE"
// per axis joined by '_', with each key shortened to its last part where that is
// unambiguous among the axes, and the value without quotes, brackets or spaces).
struct SweepPoint {
  std::vector<std::string> overrides;
  std::string label;
  // The run's name: its scenario's, then '_' and the label ("baseline_adoption_speed=2").
  std::string run_name(const std::string& scenario_name) const;
  // The --set assignment that names the run so (the name as a TOML string).
  std::string name_assignment(const std::string& scenario_name) const;
};

// Every combination of the axes' values (the first axis varying slowest), in order.
// Throws InputError if two axes sweep one key, or a key is the scenario's `name`
// (each run's name is its scenario's name and its label).
std::vector<SweepPoint> sweep_points(const std::vector<SweepAxis>& axes);

}  // namespace laborsim
