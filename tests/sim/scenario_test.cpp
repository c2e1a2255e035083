#include "laborsim/scenario.hpp"
#include "laborsim/model.hpp"
#include "laborsim/suggest.hpp"
#include "test_scenarios.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

using namespace laborsim;
namespace fs = std::filesystem;

namespace {

// Expects an InputError and returns it for inspection.
template <class F>
InputError expect_input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError thrown";
  return InputError("", 0, 0, "", "");
}

std::string with_line_replaced(const std::string& text, const std::string& from, const std::string& to) {
  std::string s = text;
  auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return s.replace(p, from.size(), to);
}

int line_of(const std::string& text, const std::string& needle) {
  auto p = text.find(needle);
  if (p == std::string::npos) {
    ADD_FAILURE() << "'" << needle << "' is not in the text";
    return 0;
  }
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(p), '\n'));
}

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("laborsim-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                   std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

}  // namespace

TEST(Scenario, BaselineLoadsWithTheRolesOfTheModel) {
  Scenario s = load_scenario(fs::path(LABORSIM_SOURCE_DIR) / "scenarios" / "baseline.toml");
  EXPECT_EQ(s.name, "baseline");
  EXPECT_GE(s.occupations.size(), 15u);
  EXPECT_GE(s.sectors.size(), 6u);
  EXPECT_GE(s.first_offshore_region(), 0);
  for (const auto& sec : s.sectors) {
    double sum = 0;
    for (double x : sec.staffing) sum += x;
    EXPECT_NEAR(sum, 1.0, 1e-12) << sec.name;
  }
  for (const char* n : {"software_developers", "ml_engineers", "mlops_infrastructure", "data_labelers_ai_trainers",
                        "prompt_engineers", "ai_governance", "customer_support", "content_moderation",
                        "administrative_support", "legal_research_support", "marketing", "data_analysts",
                        "domain_specialists", "nurses_healthcare", "skilled_trades", "manufacturing", "logistics"})
    EXPECT_GE(s.occupation_index(n), 0) << n;
}

TEST(Scenario, UnknownKeyNamesLineKeyAndSuggestion) {
  const std::string text = with_line_replaced(fixtures::small_toml(), "hype_premium = 0.2", "hype_premum = 0.2");
  InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.file(), "x.toml");
  EXPECT_EQ(e.line(), line_of(text, "hype_premum"));
  EXPECT_EQ(e.key(), "ai.hype_premum");
  EXPECT_NE(std::string(e.what()).find("did you mean 'hype_premium'"), std::string::npos) << e.what();
}

// A key written where it does not belong is named with the section it belongs in:
// `--set months=48` is simulation.months, adoption_speed under [simulation] is ai's.
TEST(Scenario, KeyOfAnotherSectionIsNamedWithItsSection) {
  InputError e = expect_input_error([] { fixtures::small({"months=48"}); });
  EXPECT_EQ(e.key(), "months");
  EXPECT_NE(e.message().find("unknown key; did you mean 'simulation.months'?"), std::string::npos) << e.message();

  const std::string text =
      with_line_replaced(fixtures::small_toml(), "[simulation]", "[simulation]\nadoption_speed = 2");
  e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "simulation.adoption_speed");
  EXPECT_EQ(e.line(), line_of(text, "adoption_speed = 2"));
  EXPECT_NE(e.message().find("did you mean 'ai.adoption_speed'?"), std::string::npos) << e.message();

  // A name several sections have: each of them; a near miss of another section's key too.
  e = expect_input_error([] { fixtures::small({"enabled=false"}); });
  for (const char* k : {"'ai.enabled'", "'consolidation.enabled'", "'retraining.enabled'"})
    EXPECT_NE(e.message().find(k), std::string::npos) << k << ": " << e.message();
  e = expect_input_error([] { fixtures::small({"adoption_sped=2"}); });
  EXPECT_NE(e.message().find("did you mean 'ai.adoption_speed'?"), std::string::npos) << e.message();
  // The exact name before the longer ones that contain it (retraining has six subsidy_ keys).
  e = expect_input_error(
      [] { load_scenario_string(fixtures::small_toml() + "\n[[schedule]]\nmonth = 5\nsubsidy = true\n", "s.toml"); });
  EXPECT_EQ(e.key(), "schedule[0].subsidy");
  EXPECT_NE(e.message().find("did you mean 'retraining.subsidy'?"), std::string::npos) << e.message();
  // A near name in the key's own table comes first.
  e = expect_input_error([] { fixtures::small({"ai.capability_grow=1"}); });
  EXPECT_NE(e.message().find("did you mean 'capability_growth'?"), std::string::npos) << e.message();
  // An occupation's keys are its own: no section's key is offered for them.
  e = expect_input_error([] { fixtures::small({"occupations.clerk.adoption_speed=2"}); });
  EXPECT_EQ(e.message().find("ai.adoption_speed"), std::string::npos) << e.message();
  // A name no section has gets no hint.
  e = expect_input_error([] { fixtures::small({"zzzz=1"}); });
  EXPECT_EQ(e.message().find("did you mean"), std::string::npos) << e.message();
}

TEST(Scenario, UnknownSectionIsAnError) {
  const std::string text = fixtures::small_toml() + "\n[labour_market]\nquit_rate = 0.1\n";
  InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "labour_market");
  EXPECT_NE(std::string(e.what()).find("labor_market"), std::string::npos) << e.what();
}

TEST(Scenario, WrongTypeAndOutOfRange) {
  const std::string base = fixtures::small_toml();
  std::string text = with_line_replaced(base, "months = 60", "months = \"sixty\"");
  InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "simulation.months");
  EXPECT_EQ(e.line(), line_of(text, "months = \"sixty\""));
  EXPECT_NE(std::string(e.what()).find("expected an integer"), std::string::npos);

  text = with_line_replaced(base, "matching_efficiency = 0.28", "matching_efficiency = -1");
  e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "labor_market.matching_efficiency");
  EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos);
}

// Each kind of value refuses each wrong type with what it expected and what the file
// has, at the value's line, under the key's full name.
TEST(Scenario, EveryWrongTypeSaysWhatWasExpectedAndWhatItGot) {
  struct Case {
    std::string line, key, words;
  };
  const std::vector<Case> cases = {
      {"matching_efficiency = \"0.28\"", "labor_market.matching_efficiency", "expected a number, got a string"},
      {"matching_efficiency = true", "labor_market.matching_efficiency", "expected a number, got a boolean"},
      {"matching_efficiency = [0.28]", "labor_market.matching_efficiency", "expected a number, got an array"},
      {"matching_efficiency = { a = 1 }", "labor_market.matching_efficiency", "expected a number, got a table"},
      {"matching_efficiency = 2026-12-01", "labor_market.matching_efficiency", "expected a number, got a date or time"},
      {"workers = 2.5e4", "simulation.workers", "expected an integer, got a floating-point number (write it as 25000)"},
      {"workers = 20000.5", "simulation.workers", "expected an integer, got a floating-point number"},
      {"workers = false", "simulation.workers", "expected an integer, got a boolean"},
      {"hype_premium = 1", "", ""},  // an integer where a number is asked: fine
      {"enabled = 1", "ai.enabled", "expected true or false, got an integer"},
      {"initial_share = [0.1, 0.2]", "aiq.initial_share", "expected an array of 6 numbers"},
      {"initial_share = [0.1, 0.1, 0.1, \"a\", 0.1, 0.1]", "aiq.initial_share", "expected a number"},
      {"initial_share = [0.1, 0.1, 0.1, 1.5, 0.1, 0.1]", "aiq.initial_share[3]", "out of range"},
  };
  for (const auto& c : cases) {
    // The value replaces the fixture's own line for its key, or goes first in its section.
    const std::string key = c.line.substr(0, c.line.find(' '));
    std::string text = fixtures::small_toml();
    const std::string own = key == "matching_efficiency" ? "matching_efficiency = 0.28"
                            : key == "workers"           ? "workers = 20000"
                            : key == "hype_premium"      ? "hype_premium = 0.2"
                                                         : "";
    if (!own.empty())
      text = with_line_replaced(text, own, c.line);
    else if (key == "enabled")
      text = with_line_replaced(text, "[ai]\n", "[ai]\n" + c.line + "\n");
    else
      text += "\n[aiq]\n" + c.line + "\n";
    if (c.key.empty()) {
      EXPECT_NO_THROW(load_scenario_string(text, "x.toml")) << c.line;
      continue;
    }
    InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
    EXPECT_EQ(e.file(), "x.toml") << c.line;
    EXPECT_EQ(e.key(), c.key) << c.line;
    EXPECT_EQ(e.line(), line_of(text, c.line)) << c.line;
    EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
  }
}

TEST(Scenario, StaffingNamesMustBeOccupations) {
  const std::string text =
      with_line_replaced(fixtures::small_toml(), "clerk = 0.7, engineer = 0.1", "clrek = 0.7, engineer = 0.1");
  InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "sectors.services.staffing.clrek");  // by name, as --set addresses it
  EXPECT_EQ(e.line(), line_of(text, "clrek"));
  EXPECT_NE(std::string(e.what()).find("did you mean 'clerk'"), std::string::npos) << e.what();
}

TEST(Scenario, SyntaxErrorNamesTheLine) {
  const std::string text = with_line_replaced(fixtures::small_toml(), "seed = 7", "seed = = 7");
  InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.line(), line_of(text, "seed = = 7"));
}

TEST(Scenario, ExtendsMergesAndErrorsNameTheRightFile) {
  TempDir dir;
  dir.write("base.toml", fixtures::small_toml());
  auto child = dir.write("child.toml", "extends = \"base.toml\"\nname = \"child\"\n[ai]\nadoption_speed = 3.0\n");
  Scenario s = load_scenario(child);
  EXPECT_EQ(s.name, "child");
  EXPECT_DOUBLE_EQ(s.ai.adoption_speed, 3.0);
  EXPECT_DOUBLE_EQ(s.ai.hype_premium, 0.2);  // inherited
  EXPECT_EQ(s.occupations.size(), 3u);
  EXPECT_EQ(s.resolved_toml.find("extends"), std::string::npos);
  EXPECT_NE(s.resolved_toml.find("adoption_speed = 3"), std::string::npos);

  auto bad = dir.write("bad.toml", "extends = \"base.toml\"\n\n[ai]\nadoption_sped = 3.0\n");
  InputError e = expect_input_error([&] { load_scenario(bad); });
  EXPECT_EQ(fs::path(e.file()).filename(), "bad.toml");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.key(), "ai.adoption_sped");

  auto missing = dir.write("missing.toml", "extends = \"nowhere.toml\"\n");
  e = expect_input_error([&] { load_scenario(missing); });
  EXPECT_EQ(e.key(), "extends");
  EXPECT_EQ(e.line(), 1);
  // A folder is the extends key's error too, at its line (as for any file a key names).
  fs::create_directories(dir.path / "folder");
  e = expect_input_error([&] { load_scenario(dir.write("folder.toml", "\nextends = \"folder\"\n")); });
  EXPECT_EQ(e.key(), "extends");
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(std::string(e.what()).find("is a directory, not a file"), std::string::npos) << e.what();
  // Files that extend each other in a cycle: the key that closes it, and the cycle named.
  dir.write("a.toml", "extends = \"b.toml\"\n");
  auto b = dir.write("b.toml", "# b\nextends = \"a.toml\"\n");
  e = expect_input_error([&] { load_scenario(b); });
  EXPECT_EQ(fs::path(e.file()).filename(), "a.toml");
  EXPECT_EQ(e.key(), "extends");
  EXPECT_EQ(e.line(), 1);
  EXPECT_NE(std::string(e.what()).find("in a cycle: b.toml -> a.toml -> b.toml"), std::string::npos) << e.what();
  e = expect_input_error([&] { load_scenario(dir.write("self.toml", "extends = \"./self.toml\"\n")); });
  EXPECT_NE(std::string(e.what()).find("the file extends itself"), std::string::npos) << e.what();
  // A long chain that is no cycle loads (each file one key over the one it extends).
  std::string prev = "base.toml";
  for (int k = 0; k < 20; ++k) {
    const std::string name = "link" + std::to_string(k) + ".toml";
    dir.write(name, "extends = \"" + prev + "\"\n[simulation]\nseed = " + std::to_string(k) + "\n");
    prev = name;
  }
  EXPECT_EQ(load_scenario(dir.path / prev).simulation.seed, 19u);
}

// The hint of every "unknown name" message, here and in laborsim-analyze: the names that
// contain what was typed, in any case (up to 8), else the nearest within a few edits.
TEST(Suggest, NamesContainingWhatWasTypedThenTheNearest) {
  const std::vector<std::string> names = {"unemployment_rate", "unemployed", "hires_from_unemployment",
                                          "Registered Nurses", "adoption_speed"};
  EXPECT_EQ(laborsim::edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(laborsim::edit_distance("", "abc"), 3u);
  EXPECT_EQ(laborsim::suggestion("speed", names), "; did you mean 'adoption_speed'?");
  EXPECT_EQ(laborsim::suggestion("nurses", names), "; did you mean 'Registered Nurses'?");  // any case
  EXPECT_EQ(laborsim::suggestion("unemployment", names),
            "; did you mean one of 'unemployment_rate', 'hires_from_unemployment'?");
  EXPECT_EQ(laborsim::suggestion("unemploymnet_rate", names), "; did you mean 'unemployment_rate'?");  // 2 edits
  EXPECT_EQ(laborsim::suggestion("adoption_sped", names), "; did you mean 'adoption_speed'?");
  EXPECT_EQ(laborsim::suggestion("Unemployment_Rate", names), "; did you mean 'unemployment_rate'?");  // any case
  EXPECT_EQ(laborsim::suggestion("zzz", names), "");                                                   // nothing near
  std::vector<std::string> many;  // nine contain "e": too many to help, and none is near
  for (int k = 0; k < 9; ++k) many.push_back("elephant" + std::to_string(k));
  EXPECT_EQ(laborsim::suggestion("e", many), "");
}

TEST(Scenario, SetOverridesKeysAndNamedElements) {
  Scenario s =
      fixtures::small({"ai.adoption_speed=2", "occupations.clerk.ai_exposure=0.1", "labor_market.matching=network"});
  EXPECT_DOUBLE_EQ(s.ai.adoption_speed, 2.0);
  EXPECT_DOUBLE_EQ(s.occupations[s.occupation_index("clerk")].ai_exposure, 0.1);
  EXPECT_EQ(s.labor_market.matching, MatchingMode::network);
  EXPECT_NE(s.resolved_toml.find("adoption_speed = 2"), std::string::npos);
  // Spaces around the '=', as a scenario file has them (the key was taken with its space:
  // "unknown key 'ai.adoption_speed '").
  EXPECT_DOUBLE_EQ(fixtures::small({"ai.adoption_speed = 3"}).ai.adoption_speed, 3.0);
  EXPECT_DOUBLE_EQ(fixtures::small({" ai.adoption_speed\t= 3 "}).ai.adoption_speed, 3.0);

  InputError e = expect_input_error([] { fixtures::small({"ai.adoption_sped=2"}); });
  EXPECT_EQ(e.key(), "ai.adoption_sped");
  EXPECT_NE(std::string(e.what()).find("--set"), std::string::npos) << e.what();
  e = expect_input_error([] { fixtures::small({"occupations.clrek.ai_exposure=0.1"}); });
  EXPECT_NE(std::string(e.what()).find("did you mean 'clerk'"), std::string::npos) << e.what();
  e = expect_input_error([] { fixtures::small({"ai.speed=2"}); });  // far from it, but in it
  EXPECT_NE(std::string(e.what()).find("unknown key; did you mean 'adoption_speed'?"), std::string::npos) << e.what();
  // Far from any name: the one that contains what was typed, or those that do, or the names.
  e = expect_input_error([] { fixtures::small({"occupations.engine.ai_exposure=0.1"}); });
  EXPECT_NE(std::string(e.what()).find("did you mean 'engineer'"), std::string::npos) << e.what();
  e = expect_input_error([] { fixtures::small({"occupations.e.ai_exposure=0.1"}); });
  EXPECT_NE(std::string(e.what()).find("did you mean one of 'clerk', 'engineer', 'nurse'?"), std::string::npos)
      << e.what();
  e = expect_input_error([] { fixtures::small({"regions.somewhere_else.share=0.5"}); });
  EXPECT_NE(std::string(e.what()).find("(its elements: home, abroad)"), std::string::npos) << e.what();
  e = expect_input_error([] { fixtures::small({"ai.adoption_speed"}); });
  EXPECT_NE(std::string(e.what()).find("KEY=VALUE"), std::string::npos);
  e = expect_input_error([] { fixtures::small({" =2"}); });
  EXPECT_NE(std::string(e.what()).find("KEY=VALUE"), std::string::npos);
  e = expect_input_error([] { fixtures::small({"labor_market.matching=netwrok"}); });
  EXPECT_EQ(e.key(), "labor_market.matching");
}

// An error in a --set names that assignment, not the scenario file it was applied to,
// and no line or column (the assignment is one line the user typed, not a file's).
TEST(Scenario, SetErrorsNameTheAssignment) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"populaton.workers=5", "unknown key"},             // a table the file does not have
      {"simulation.workers=abc", "expected an integer"},  // a bare word, taken as a string
      {"simulation.months=12.5", "expected an integer"},  // valid TOML of the wrong type
      {"occupations.nobody.wage=3", "no element named 'nobody'"},
      {"simulation.workers.x=1", "is not a table"},
      {"occupations.clerk=3", "names an element"},
  };
  for (const auto& [assignment, words] : cases) {
    const std::string set = assignment;  // a structured binding is not captured before C++20's P1091 (clang < 16)
    InputError e = expect_input_error([&] { fixtures::small({set}); });
    EXPECT_EQ(e.file(), "--set " + assignment) << e.what();
    EXPECT_EQ(std::string(e.what()).find(".toml"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("--set " + assignment + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
  // A bare word keeps quotes and backslashes as typed.
  Scenario s = fixtures::small({"name=a \"quoted\" \\ name"});
  EXPECT_EQ(s.name, "a \"quoted\" \\ name");
}

// Two keys that must come in order (capability_start <= capability_ceiling, min_size <=
// max_size): the error names the key the user wrote last, with its own file and line,
// and gives the other key's value, not only the key the check happens to be written on.
TEST(Scenario, OrderErrorsBlameTheKeyThatWasWritten) {
  TempDir dir;
  dir.write("base.toml", fixtures::small_toml() + "\n[firms]\nmin_size = 3\n");
  // capability_start is left at its default (0.2); the child lowers the ceiling below it.
  auto child = dir.write("child.toml", "extends = \"base.toml\"\n[ai]\ncapability_ceiling = 0.1\n");
  InputError e = expect_input_error([&] { load_scenario(child); });
  EXPECT_EQ(fs::path(e.file()).filename(), "child.toml") << e.what();
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.key(), "ai.capability_ceiling");
  EXPECT_NE(std::string(e.what()).find("must be at least capability_start (0.2)"), std::string::npos) << e.what();

  // A --set is what the user just typed: it is blamed before either file.
  e = expect_input_error([&] { load_scenario(child, {"ai.capability_start=0.05", "ai.capability_ceiling=0.01"}); });
  EXPECT_EQ(e.file(), "--set ai.capability_start=0.05") << e.what();
  EXPECT_NE(std::string(e.what()).find("must not exceed capability_ceiling (0.01)"), std::string::npos) << e.what();
  e = expect_input_error([&] { load_scenario(child, {"ai.capability_start=0.05", "firms.max_size=2"}); });
  EXPECT_EQ(e.file(), "--set firms.max_size=2") << e.what();
  EXPECT_EQ(e.key(), "firms.max_size");
  EXPECT_NE(std::string(e.what()).find("must be at least min_size (3)"), std::string::npos) << e.what();

  // The file run is blamed before the file it extends.
  auto other = dir.write("other.toml", "extends = \"base.toml\"\n\n[firms]\nmax_size = 2\n");
  e = expect_input_error([&] { load_scenario(other); });
  EXPECT_EQ(fs::path(e.file()).filename(), "other.toml") << e.what();
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.key(), "firms.max_size");
}

// A file named by a key that is not there is that key's error, at its line, with the
// path it was looked for at (relative to the scenario file that names it).
TEST(Scenario, MissingFilesAreTheirKeysError) {
  TempDir dir;
  const std::string text =
      with_line_replaced(fixtures::small_toml(), "[labor_market]\n", "[labor_market]\nmobility_file = \"gone.csv\"\n");
  auto mob = dir.write("mob.toml", text);
  InputError e = expect_input_error([&] { load_scenario(mob); });
  EXPECT_EQ(fs::path(e.file()).filename(), "mob.toml") << e.what();
  EXPECT_EQ(e.line(), line_of(text, "mobility_file ="));
  EXPECT_EQ(e.key(), "labor_market.mobility_file");
  EXPECT_NE(std::string(e.what()).find((dir.path / "gone.csv").string() + "' does not exist"), std::string::npos)
      << e.what();

  auto occ = dir.write("occ.toml", "occupations_file = \"tables\"\n");
  fs::create_directories(dir.path / "tables");
  e = expect_input_error([&] { load_scenario(occ); });
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.key(), "occupations_file");
  EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();

  // A data table's errors are by line: no column 0 in the message.
  dir.write("empty.csv", "code,title,employment,median_wage,ai_exposure\n");
  e = expect_input_error([&] { load_scenario(dir.write("table.toml", "occupations_file = \"empty.csv\"\n")); });
  EXPECT_EQ(std::string(e.what()).rfind((dir.path / "empty.csv").string() + ":2: ", 0), 0u) << e.what();

  e = expect_input_error([&] { fixtures::small({"labor_market.mobility_file=nowhere.csv"}); });
  EXPECT_EQ(e.file(), "--set labor_market.mobility_file=nowhere.csv") << e.what();
  EXPECT_NE(std::string(e.what()).find("'nowhere.csv' does not exist"), std::string::npos) << e.what();
}

// An error shows the user's line and a caret under the column it names: in a scenario
// (the column toml++ gives) and in a data table (where the named field starts, quoted
// commas and all, counted as an editor counts characters).
TEST(Scenario, ErrorsShowTheLineAndACaretUnderTheColumn) {
  TempDir dir;
  const std::string text = with_line_replaced(fixtures::small_toml(), "hype_premium = 0.2", "hype_premium = \"high\"");
  InputError e = expect_input_error([&] { load_scenario(dir.write("x.toml", text)); });
  const std::string n = std::to_string(line_of(text, "hype_premium ="));
  EXPECT_EQ(error_excerpt(e), "  " + n + " | hype_premium = \"high\"\n  " + std::string(n.size(), ' ') + " | " +
                                  std::string(15, ' ') + "^\n");

  dir.write("occ.csv",
            "code,title,employment,median_wage,ai_exposure\n"
            "a,\"Clerks, general\",100,40000,0.5\n"
            "b,\"Nurses, \"\"registered\"\"\",200,oops,0.1\n");
  e = expect_input_error([&] { load_scenario(dir.write("t.toml", "occupations_file = \"occ.csv\"\n")); });
  EXPECT_EQ(e.key(), "median_wage") << e.what();
  EXPECT_EQ(e.line(), 3);
  const std::string row = "b,\"Nurses, \"\"registered\"\"\",200,";
  EXPECT_EQ(e.column(), static_cast<int>(row.size()) + 1) << e.what();  // where "oops" starts
  EXPECT_NE(std::string(e.what()).find("occ.csv:3:" + std::to_string(row.size() + 1) + ": "), std::string::npos)
      << e.what();
  EXPECT_EQ(error_excerpt(e), "  3 | " + row + "oops,0.1\n    | " + std::string(row.size(), ' ') + "^\n");

  // A mobility table's misspelt occupation: its line and column, with the nearest name.
  dir.write("mobility.csv",
            "source,target,probability\n"
            "clerk,clerk,0.9\n"
            "clerk,enginer,0.1\n");
  e = expect_input_error(
      [&] { fixtures::small({"labor_market.mobility_file=\"" + (dir.path / "mobility.csv").string() + "\""}); });
  EXPECT_EQ(e.key(), "target") << e.what();
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(std::string(e.what()).find("unknown occupation code 'enginer' (not in the occupation table); did you mean "
                                       "'engineer'?"),
            std::string::npos)
      << e.what();

  // A long line: a window of it around the column, cut with "..." on either side.
  const std::string pad(150, ' ');
  const std::string wide =
      with_line_replaced(fixtures::small_toml(), "staffing = { clerk = 0.7, engineer = 0.1, nurse = 0.2 }",
                         "staffing = {" + pad + "clrek = 0.7, engineer = 0.1, nurse = 0.2 }" + std::string(100, ' '));
  e = expect_input_error([&] { load_scenario(dir.write("wide.toml", wide)); });
  ASSERT_EQ(e.column(), static_cast<int>(std::string("staffing = {").size() + pad.size()) + 1) << e.what();
  const std::string shown = error_excerpt(e);
  const auto bar = shown.find(" | "), second = shown.find('\n') + 1;
  const std::string line_shown = shown.substr(bar + 3, second - 1 - (bar + 3));
  EXPECT_TRUE(line_shown.starts_with("... ")) << shown;
  EXPECT_TRUE(line_shown.ends_with(" ...")) << shown;
  EXPECT_EQ(line_shown.size(), 4 + 120 + 4u) << shown;
  const auto caret = shown.find('^', second) - (second + bar + 3);
  EXPECT_EQ(line_shown.substr(caret, 5), "clrek") << shown;

  // No line to show: a --set assignment, a file that is gone.
  e = expect_input_error([&] { fixtures::small({"simulation.months=x"}); });
  EXPECT_EQ(error_excerpt(e), "");
  EXPECT_EQ(error_excerpt(InputError((dir.path / "gone.toml").string(), 3, 1, "k", "m")), "");
}

// The stored scenario shows numbers as they were written (0.15, not toml++'s
// 0.14999999999999999), and every one still loads back as the same double.
TEST(Scenario, StoredTomlWritesEachNumberInItsShortestExactForm) {
  const std::vector<std::string> set = {"ai.hype_premium=0.15", "ai.adoption_speed=0.12345678901234566",
                                        "ai.regret_sensitivity=2.0", "name='n 0.10000000000000001'"};
  Scenario a = fixtures::small(set);
  for (const std::string* text : {&a.effective_toml, &a.resolved_toml}) {
    EXPECT_NE(text->find("hype_premium = 0.15\n"), std::string::npos) << *text;
    EXPECT_NE(text->find("adoption_speed = 0.12345678901234566\n"), std::string::npos) << *text;
    EXPECT_NE(text->find("regret_sensitivity = 2.0\n"), std::string::npos) << *text;  // still a float
    EXPECT_NE(text->find("'n 0.10000000000000001'"), std::string::npos) << *text;     // strings untouched
    EXPECT_EQ(text->find("0.14999999999999999"), std::string::npos) << *text;
  }
  Scenario b = load_scenario_string(a.effective_toml, "effective.toml");
  EXPECT_EQ(b.ai.hype_premium, 0.15);
  EXPECT_EQ(b.ai.adoption_speed, 0.12345678901234566);
  EXPECT_EQ(b.ai.regret_sensitivity, 2.0);
  EXPECT_EQ(b.name, "n 0.10000000000000001");
  EXPECT_EQ(b.effective_toml, a.effective_toml);  // a fixed point
}

TEST(Scenario, EffectiveTomlLoadsBackToTheSameScenario) {
  Scenario a =
      load_scenario(fs::path(LABORSIM_SOURCE_DIR) / "scenarios" / "hype_regret.toml", {"ai.adoption_speed=2.5"});
  Scenario b = load_scenario_string(a.effective_toml, "effective.toml");
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.simulation.seed, a.simulation.seed);
  EXPECT_DOUBLE_EQ(b.ai.adoption_speed, 2.5);
  EXPECT_DOUBLE_EQ(b.ai.hype_premium, a.ai.hype_premium);
  EXPECT_DOUBLE_EQ(b.labor_market.employer_weight_duration, a.labor_market.employer_weight_duration);
  EXPECT_DOUBLE_EQ(b.demography.reentry_rate, a.demography.reentry_rate);  // a default nobody wrote
  ASSERT_EQ(b.sectors.size(), a.sectors.size());
  ASSERT_EQ(b.occupations.size(), a.occupations.size());
  for (size_t o = 0; o < a.occupations.size(); ++o)
    EXPECT_DOUBLE_EQ(b.occupations[o].ai_exposure, a.occupations[o].ai_exposure);
  // Shares and weights come back exactly, not renormalised one rounding away: a stored
  // scenario is a fixed point, so a rerun of a rerun is still the same run.
  for (size_t i = 0; i < a.sectors.size(); ++i) EXPECT_EQ(b.sectors[i].employment_share, a.sectors[i].employment_share);
  for (size_t i = 0; i < a.sectors.size(); ++i)
    for (size_t o = 0; o < a.occupations.size(); ++o) EXPECT_EQ(b.sectors[i].staffing[o], a.sectors[i].staffing[o]);
  for (size_t g = 0; g < a.regions.size(); ++g) EXPECT_EQ(b.regions[g].share, a.regions[g].share);
  EXPECT_EQ(b.effective_toml, a.effective_toml);
}

// Weights that do not add up to one are scaled to; weights that do, to rounding, are kept.
TEST(Scenario, SharesAreNormalisedOnlyWhenTheyDoNotSumToOne) {
  Scenario s = fixtures::small({"sectors.services.employment_share=0.3", "sectors.tech.employment_share=0.1"});
  EXPECT_DOUBLE_EQ(s.sectors[0].employment_share, 0.75);
  EXPECT_DOUBLE_EQ(s.sectors[1].employment_share, 0.25);
  // The baseline's seven sector shares add up to 0.9999999999999999 in floating point;
  // divided by that they would each move by a rounding (0.06 -> 0.060000000000000005).
  s = load_scenario(fs::path(LABORSIM_SOURCE_DIR) / "scenarios" / "baseline.toml");
  const std::vector<double> written = {0.06, 0.12, 0.07, 0.25, 0.18, 0.2, 0.12};
  ASSERT_EQ(s.sectors.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) EXPECT_EQ(s.sectors[i].employment_share, written[i]) << i;
  EXPECT_TRUE(s.notes.empty());  // kept as written: nothing to say
}

// Shares scaled to sum to one are said, with their sum and what each became: setting one
// share (to make services 0.3 of employment) makes it that share of the new sum instead.
// Staffing weights are relative by design (counts of employment, say): no note.
TEST(Scenario, SharesScaledToSumToOneAreNoted) {
  Scenario s = fixtures::small({"sectors.services.employment_share=0.3", "regions.home.share=0.6"});
  ASSERT_EQ(s.notes.size(), 2u);
  // regions 0.6 + 0.1 = 0.7: home 0.6 / 0.7 = 0.857, abroad 0.1 / 0.7 = 0.143
  EXPECT_EQ(s.notes[0],
            "the regions' shares (regions.*.share) sum to 0.7, not 1: each was divided by 0.7 (now home "
            "0.857, abroad 0.143)");
  // sectors 0.3 + 0.4 = 0.7: services 0.429, tech 0.571
  EXPECT_EQ(s.notes[1],
            "the sectors' shares of employment (sectors.*.employment_share) sum to 0.7, not 1: each was divided by "
            "0.7 (now services 0.429, tech 0.571)");
  EXPECT_TRUE(
      fixtures::small({"sectors.services.staffing.clerk=7", "sectors.services.staffing.nurse=2"}).notes.empty());
  // The scenario written back (validate, the results file) sums to one: no note again.
  EXPECT_TRUE(load_scenario_string(s.effective_toml, "effective.toml").notes.empty());
}

TEST(Scenario, ErrorsInsideOccupationsAndStaffingNameTheirLine) {
  std::string text = with_line_replaced(fixtures::small_toml(), "ai_exposure = 0.7", "ai_exposure = 7");
  InputError e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "occupations.clerk.ai_exposure");
  EXPECT_EQ(e.line(), line_of(text, "ai_exposure = 7"));
  text = with_line_replaced(fixtures::small_toml(), "clerk = 0.7, engineer = 0.1", "clerk = -0.7, engineer = 0.1");
  e = expect_input_error([&] { load_scenario_string(text, "x.toml"); });
  EXPECT_EQ(e.key(), "sectors.services.staffing.clerk");
  EXPECT_EQ(e.line(), line_of(text, "clerk = -0.7"));
}

// [[schedule]]: entries apply in month order, each on top of those before it; the
// scenario's own sections stay as written; the stored scenario loads back to the same
// schedule, each entry with only what it changes.
TEST(Scenario, ScheduleAppliesChangesInMonthOrderOnTopOfEachOther) {
  const std::string text = fixtures::small_toml() + R"(
[[schedule]]
month = 30
retraining.subsidy = true
labor_market.layoff_rate = 0.02

[[schedule]]
month = 12
labor_market.layoff_rate = 0.015
ai.seniority_weights = [1, 1, 1, 1, 1, 1]

[[schedule]]
month = 40
retraining.subsidy = true
)";
  const Scenario s = load_scenario_string(text, "sched.toml");
  EXPECT_EQ(s.labor_market.layoff_rate, 0.011);  // the default, before any change
  EXPECT_FALSE(s.retraining.subsidy);
  // Month 40 restates what month 30 set: it changes nothing, and is not kept.
  ASSERT_EQ(s.schedule.size(), 2u);
  EXPECT_EQ(s.schedule[0].month, 12);
  EXPECT_EQ(s.schedule[0].labor_market.layoff_rate, 0.015);
  EXPECT_FALSE(s.schedule[0].retraining.subsidy);
  EXPECT_EQ(s.schedule[0].ai.seniority_weights[0], 1.0);
  EXPECT_EQ(s.schedule[0].ai.hype_premium, s.ai.hype_premium);  // untouched keys carry over
  EXPECT_EQ(s.schedule[1].month, 30);
  EXPECT_EQ(s.schedule[1].labor_market.layoff_rate, 0.02);
  EXPECT_TRUE(s.schedule[1].retraining.subsidy);
  EXPECT_EQ(s.schedule[1].ai.seniority_weights[0], 1.0);  // month 12's change still holds

  const Scenario back = load_scenario_string(s.effective_toml, "effective.toml");
  EXPECT_EQ(back.effective_toml, s.effective_toml);
  ASSERT_EQ(back.schedule.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(back.schedule[k].month, s.schedule[k].month);
    EXPECT_EQ(back.schedule[k].labor_market.layoff_rate, s.schedule[k].labor_market.layoff_rate);
    EXPECT_EQ(back.schedule[k].retraining.subsidy, s.schedule[k].retraining.subsidy);
    EXPECT_EQ(back.schedule[k].ai.seniority_weights, s.schedule[k].ai.seniority_weights);
  }
  const std::string& eff = s.effective_toml;
  const auto first = eff.find("[[schedule]]");
  ASSERT_NE(first, std::string::npos);
  const std::string entries = eff.substr(first);
  EXPECT_NE(entries.find("layoff_rate = 0.015"), std::string::npos) << entries;
  EXPECT_EQ(entries.find("hype_premium"), std::string::npos) << "unchanged keys are not written\n" << entries;
}

TEST(Scenario, ScheduleErrorsNameTheEntryKeyAndWhy) {
  struct Case {
    std::string entry, key, message;
  };
  const std::vector<Case> cases = {
      {"retraining.subsidy = true", "schedule[0].month", "is required"},
      {"month = 60\nretraining.subsidy = true", "schedule[0].month", "out of range [0, 59]"},
      {"month = 5\nai.capability_start = 0.3", "schedule[0].ai.capability_start",
       "cannot change during a run: it sets the initial state only"},
      {"month = 5\nai.enabled = false", "schedule[0].ai.enabled", "a mechanism is on or off for the whole run"},
      {"month = 5\nsimulation.workers = 100", "schedule[0].simulation.workers",
       "[simulation] is set for the whole run"},
      {"month = 5\nlabor_market.initial_unemployment_rate = 0.1", "schedule[0].labor_market.initial_unemployment_rate",
       "it sets the initial state only"},
      {"month = 5\ndemography.retirement_age_mean = 67", "schedule[0].demography.retirement_age_mean",
       "drawn once, when they enter"},
      {"month = 5\nretraining.subsidi = true", "schedule[0].retraining.subsidi", "did you mean 'subsidy'?"},
      {"month = 5\nretraining.entry_rate = 2", "schedule[0].retraining.entry_rate", "out of range [0, 1]"},
      {"month = 5\nretraining = 3", "schedule[0].retraining", "expected a table of the keys that change"},
      {"month = 5\n[[schedule]]\nmonth = 5", "schedule[1].month", "month 5 already has a change (schedule[0])"},
  };
  for (const Case& c : cases) {
    const std::string text = fixtures::small_toml() + "\n[[schedule]]\n" + c.entry + "\n";
    const InputError e = expect_input_error([&] { load_scenario_string(text, "sched.toml"); });
    EXPECT_EQ(e.key(), c.key) << c.entry;
    EXPECT_NE(e.message().find(c.message), std::string::npos) << c.entry << ": " << e.message();
    EXPECT_EQ(e.file(), "sched.toml");
    EXPECT_GT(e.line(), line_of(text, "[[schedule]]") - 1) << c.entry;
  }
  // Every key a schedule may not change is refused with its reason, and only those.
  EXPECT_EQ(fixed_key_reason("retraining", "subsidy"), "");
  EXPECT_EQ(fixed_key_reason("ai", "hype_premium"), "");
  EXPECT_NE(fixed_key_reason("aiq", "initial_share"), "");
  EXPECT_NE(fixed_key_reason("output", "panel_rate"), "");
}

// --set addresses a [[schedule]] entry by its month: it joins the scenario's entry of
// that month, or makes one, as the same keys written in the file would.
TEST(Scenario, SetAddsToTheScheduleByMonth) {
  const std::string entry = "\n[[schedule]]\nmonth = 30\nretraining.subsidy = true\n";
  const Scenario written =
      load_scenario_string(fixtures::small_toml() + entry +
                               "ai.hype_premium = 0.5\n[[schedule]]\nmonth = 12\nlabor_market.layoff_rate = 0.02\n",
                           "s.toml");
  const Scenario set =
      load_scenario_string(fixtures::small_toml() + entry, "s.toml",
                           {"schedule.30.ai.hype_premium=0.5", "schedule.12.labor_market.layoff_rate=0.02"});
  ASSERT_EQ(set.schedule.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(set.schedule[k].month, written.schedule[k].month);
    EXPECT_EQ(set.schedule[k].ai.hype_premium, written.schedule[k].ai.hype_premium);
    EXPECT_EQ(set.schedule[k].retraining.subsidy, written.schedule[k].retraining.subsidy);
    EXPECT_EQ(set.schedule[k].labor_market.layoff_rate, written.schedule[k].labor_market.layoff_rate);
  }
  EXPECT_EQ(set.schedule[0].month, 12);
  EXPECT_EQ(set.schedule[1].ai.hype_premium, 0.5);
  EXPECT_TRUE(set.schedule[1].retraining.subsidy);  // the file's key of month 30 kept

  for (const std::string bad : {"schedule.x.retraining.subsidy=true", "schedule.5.retraining=3"}) {
    const InputError e = expect_input_error([&] { fixtures::small({bad}); });
    EXPECT_EQ(e.file(), "--set " + bad);
    EXPECT_NE(e.message().find("addressed by its month, then its key"), std::string::npos) << e.message();
  }
  const InputError e = expect_input_error([] { fixtures::small({"schedule.5.ai.capability_start=0.3"}); });
  EXPECT_EQ(e.file(), "--set schedule.5.ai.capability_start=0.3");
  EXPECT_NE(e.message().find("cannot change during a run"), std::string::npos) << e.message();
}

// A scenario that extends another merges its [[schedule]] entries into the other's by
// month, as [[sectors]] merge by name: a key of the same month joins (or replaces) the
// base's, another month is a change of its own.
TEST(Scenario, ExtendsMergesScheduleEntriesByMonth) {
  TempDir dir;
  dir.write("base.toml", fixtures::small_toml() +
                             "\n[[schedule]]\nmonth = 24\nai.hype_premium = 1.0\n"
                             "ai.hype_decay_months = 12\n");
  const fs::path child = dir.write("child.toml", R"(extends = "base.toml"
[[schedule]]
month = 24
ai.hype_premium = 0.5
retraining.subsidy = true
[[schedule]]
month = 36
labor_market.layoff_rate = 0.02
)");
  const Scenario s = load_scenario(child);
  ASSERT_EQ(s.schedule.size(), 2u);
  EXPECT_EQ(s.schedule[0].month, 24);
  EXPECT_EQ(s.schedule[0].ai.hype_premium, 0.5);        // the child's value replaces the base's
  EXPECT_EQ(s.schedule[0].ai.hype_decay_months, 12.0);  // the base's key of month 24 kept
  EXPECT_TRUE(s.schedule[0].retraining.subsidy);
  EXPECT_EQ(s.schedule[1].month, 36);
  EXPECT_EQ(s.schedule[1].labor_market.layoff_rate, 0.02);
  EXPECT_EQ(s.schedule[1].ai.hype_premium, 0.5);
}

// Random edits of the baseline scenario file (a line deleted, doubled or moved, a value
// replaced by another type, an out-of-range or malformed value, a stray key, the file cut
// short): each either loads, and then runs, or is refused with an InputError that names
// one of the files read and a line within it. No other exception, no crash, no
// scenario that passes validation and then fails in the engine.
TEST(Scenario, RandomEditsLoadAndRunOrNameTheirFileAndLine) {
  const fs::path scenarios = fs::path(LABORSIM_SOURCE_DIR) / "scenarios";
  TempDir dir;
  fs::create_directories(dir.path / "data");
  fs::copy_file(scenarios / "calibration.toml", dir.path / "calibration.toml");
  fs::copy_file(scenarios / "data" / "baseline_mobility.csv", dir.path / "data" / "baseline_mobility.csv");
  std::ifstream in(scenarios / "baseline.toml");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_GT(lines.size(), 100u);
  auto count_lines = [](const fs::path& p) {
    std::ifstream f(p);
    return static_cast<int>(std::count(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>(), '\n'));
  };
  const int calibration_lines = count_lines(dir.path / "calibration.toml");
  const std::vector<std::string> values = {"-1",  "0",    "1e309", "\"x\"", "[1, 2]", "true", "{ a = 1 }",
                                           "1e9", "nan",  "inf",   "\"\"",  "[",      "=",    "0.5",
                                           "2",   "-0.0", "[[1]]", "'a'",   "1_000",  "0x10", "1979-05-27"};
  std::mt19937_64 g(20261203);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(g); };
  int loaded = 0, refused = 0;
  for (int k = 0; k < 400; ++k) {
    std::vector<std::string> edited = lines;
    std::string what;
    const std::size_t at = pick(edited.size());
    switch (k % 6) {
      case 0:
        what = "line " + std::to_string(at + 1) + " deleted";
        edited.erase(edited.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      case 1: {
        const auto eq = edited[at].find(" = ");
        const std::string v = values[pick(values.size())];
        what = "line " + std::to_string(at + 1) + "'s value set to " + v;
        if (eq != std::string::npos) edited[at] = edited[at].substr(0, eq + 3) + v;
        break;
      }
      case 2:
        what = "line " + std::to_string(at + 1) + " doubled";
        edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(at), edited[at]);
        break;
      case 3: {
        const std::size_t to = pick(edited.size());
        what = "line " + std::to_string(at + 1) + " moved to " + std::to_string(to + 1);
        const std::string moved = edited[at];
        edited.erase(edited.begin() + static_cast<std::ptrdiff_t>(at));
        edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(std::min(to, edited.size())), moved);
        break;
      }
      case 4:
        what = "a stray key at line " + std::to_string(at + 1);
        edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(at), "stray_key = 1");
        break;
      case 5:
        what = "cut after line " + std::to_string(at + 1) + " and a half";
        edited.resize(at + 1);
        edited.back() = edited.back().substr(0, edited.back().size() / 2);
        break;
    }
    SCOPED_TRACE(what);
    std::string text;
    for (const auto& l : edited) text.append(l).append("\n");
    const fs::path file = dir.write("baseline.toml", text);
    const int file_lines = static_cast<int>(edited.size());
    try {
      const Scenario sc = load_scenario(file, {"simulation.workers=1500", "simulation.months=3",
                                               "simulation.burn_in_months=1", "simulation.replicates=1"});
      ++loaded;
      Model m(sc, 0);
      m.run();
      EXPECT_EQ(m.month(), 3);
    } catch (const InputError& e) {
      ++refused;
      const bool ours = e.file() == file.string(), calibration = e.file() == (dir.path / "calibration.toml").string();
      const bool set = e.file().rfind(std::string(kSetSource), 0) == 0;
      EXPECT_TRUE(ours || calibration || set || e.file().find("baseline_mobility.csv") != std::string::npos)
          << e.file();
      EXPECT_FALSE(e.message().empty());
      EXPECT_GE(e.line(), 0);
      if (ours) {
        EXPECT_LE(e.line(), file_lines + 1) << e.message();
      }
      if (calibration) {
        EXPECT_LE(e.line(), calibration_lines + 1) << e.message();
      }
      EXPECT_FALSE(error_excerpt(e).empty() && e.line() > 0 && ours) << e.message();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not an InputError: " << e.what();
    }
  }
  // Both outcomes were met many times: the edits exercised the checks, not only the parser.
  EXPECT_GT(loaded, 40);
  EXPECT_GT(refused, 100);
}
