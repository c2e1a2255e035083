// Runs replicate 0 of a scenario with the engine library alone and prints its monthly
// unemployment rate, one number a line, exactly (what `laborsim run` would write).
#include <laborsim/model.hpp>
#include <laborsim/scenario.hpp>

#include <charconv>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: consumer SCENARIO.toml [KEY=VALUE ...]\n";
    return 2;
  }
  try {
    const std::vector<std::string> overrides(argv + 2, argv + argc);
    const laborsim::Scenario sc = laborsim::load_scenario(argv[1], overrides);
    laborsim::Model model(sc, 0);
    model.run();
    for (int t = 0; t < sc.simulation.months; ++t) {
      char buf[64];
      const double u = model.series().at(laborsim::M::unemployment_rate, t);
      std::cout << std::string(buf, std::to_chars(buf, buf + sizeof buf, u).ptr) << "\n";
    }
  } catch (const laborsim::InputError& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
