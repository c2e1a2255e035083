#include "laborsim/sweep.hpp"

#include "laborsim/scenario.hpp"

#include <gtest/gtest.h>

using namespace laborsim;

namespace {

std::vector<std::string> values(const std::string& assignment) { return parse_sweep(assignment).values; }

// The InputError a bad sweep throws, as "KEY: MESSAGE".
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.key() + ": " + e.message();
  }
  return "no error";
}

}  // namespace

TEST(Sweep, ValuesAreTheElementsOfATomlListAsWritten) {
  EXPECT_EQ(parse_sweep("ai.adoption_speed=0.5,1, 2.0 ,4e0").key, "ai.adoption_speed");
  EXPECT_EQ(parse_sweep("ai.adoption_speed = 0.5, 1").key, "ai.adoption_speed");  // spaces around the '='
  EXPECT_EQ(values("ai.adoption_speed = 0.5, 1"), (std::vector<std::string>{"0.5", "1"}));
  EXPECT_EQ(values("ai.adoption_speed=0.5,1, 2.0 ,4e0"), (std::vector<std::string>{"0.5", "1", "2.0", "4e0"}));
  // An array, an inline table or a quoted string is one value, commas and all.
  EXPECT_EQ(values("k=[1, 2],[3,4]"), (std::vector<std::string>{"[1, 2]", "[3,4]"}));
  EXPECT_EQ(values("k={a = 1, b = 2},{a = 3, b = 4}"), (std::vector<std::string>{"{a = 1, b = 2}", "{a = 3, b = 4}"}));
  EXPECT_EQ(values(R"(k="a,b","c")"), (std::vector<std::string>{R"("a,b")", R"("c")"}));
  EXPECT_EQ(values(R"(k="é,ü","ñ")"), (std::vector<std::string>{R"("é,ü")", R"("ñ")"}));  // columns count code points
  // Bare words are strings, as with --set.
  EXPECT_EQ(values("labor_market.matching=network, cobb_douglas"),
            (std::vector<std::string>{"network", "cobb_douglas"}));
}

TEST(Sweep, BadSweepsSayWhatIsWrong) {
  EXPECT_EQ(error_of([] { parse_sweep("ai.adoption_speed"); }),
            ": expected KEY=VALUE,VALUE,..., e.g. --sweep ai.adoption_speed=0.5,1,2");
  EXPECT_EQ(error_of([] { parse_sweep("=1,2"); }),
            ": expected KEY=VALUE,VALUE,..., e.g. --sweep ai.adoption_speed=0.5,1,2");
  EXPECT_EQ(error_of([] { parse_sweep(" =1,2"); }),
            ": expected KEY=VALUE,VALUE,..., e.g. --sweep ai.adoption_speed=0.5,1,2");
  EXPECT_EQ(error_of([] { parse_sweep("k="); }), "k: no values to sweep");
  // A value twice, however written: 2 and 2.0 set a rate alike, as 0.5 and 5e-1 do.
  EXPECT_EQ(error_of([] { parse_sweep("k=1,2,2.0"); }), "k: value 2.0 is listed twice");
  EXPECT_EQ(error_of([] { parse_sweep("k=0.5,5e-1"); }), "k: value 5e-1 is listed twice");
  EXPECT_EQ(error_of([] { parse_sweep("k=a,b,a"); }), "k: value a is listed twice");
  EXPECT_EQ(error_of([] { parse_sweep("k=1,\"1\""); }), "no error");  // a number and a string differ
  EXPECT_NE(error_of([] { parse_sweep("k=[1,2"); }).find("k: the values are neither TOML values nor bare words"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_sweep("k=network,\"x\""); }).find("quote every string or none"), std::string::npos);
  const SweepAxis a = parse_sweep("x.k=1,2");
  EXPECT_EQ(error_of([&] { sweep_points({a, a}); }), "x.k: swept twice");
  EXPECT_NE(error_of([] { sweep_points({parse_sweep("name=a,b")}); }).find("name: each run is named"),
            std::string::npos);
}

TEST(Sweep, EveryCombinationOnceTheFirstKeySlowest) {
  const auto points = sweep_points(
      {parse_sweep("ai.adoption_speed=0.5,2"), parse_sweep("labor_market.matching=network,cobb_douglas,x")});
  ASSERT_EQ(points.size(), 6u);
  std::vector<std::string> labels;
  for (const auto& p : points) labels.push_back(p.label);
  EXPECT_EQ(labels,
            (std::vector<std::string>{"adoption_speed=0.5_matching=network", "adoption_speed=0.5_matching=cobb_douglas",
                                      "adoption_speed=0.5_matching=x", "adoption_speed=2_matching=network",
                                      "adoption_speed=2_matching=cobb_douglas", "adoption_speed=2_matching=x"}));
  EXPECT_EQ(points[4].overrides,
            (std::vector<std::string>{"ai.adoption_speed=2", "labor_market.matching=cobb_douglas"}));
  EXPECT_EQ(points[4].run_name("baseline"), "baseline_adoption_speed=2_matching=cobb_douglas");
  EXPECT_EQ(points[4].name_assignment("a \"b\""), R"(name='a "b"_adoption_speed=2_matching=cobb_douglas')");
  // Keys that end alike are shown whole; a value's brackets and spaces are left out.
  const auto both = sweep_points({parse_sweep("ai.rate=1"), parse_sweep("labor_market.rate=[1, 2]")});
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].label, "ai.rate=1_labor_market.rate=1,2");
  EXPECT_TRUE(sweep_points({}).empty());
}
