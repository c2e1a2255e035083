// laborsim-analyze reads only the series a command uses (summary_reads, report_reads).
// What it prints must not depend on that: on files the engine writes, with every
// mechanism on, each command's tables and the report are the same read that way as
// read whole, and the narrow reads do leave most series unread (else this proves
// nothing).
#include "laborsim/analysis/export.hpp"
#include "laborsim/analysis/results.hpp"
#include "laborsim/analysis/summary.hpp"
#include "laborsim/analysis/tables.hpp"
#include "laborsim/runner.hpp"

#include "../sim/test_scenarios.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

using namespace laborsim;
using namespace laborsim::analysis;

namespace {

class NarrowReads : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("laborsim_reads_test_" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    // Regret, offshore rehiring, consolidation, retraining (subsidised in one run, with
    // at-risk entries) all happen in these runs, so every figure has values to differ in.
    const std::vector<std::string> common = {"simulation.replicates=3", "ai.hype_premium=1.0",
                                             "ai.regret_sensitivity=4", "retraining.at_risk_entry_rate=0.05",
                                             "retraining.subsidy_at_risk_entry_rate=0.05"};
    auto other = common;
    other.push_back("retraining.subsidy=true");
    other.push_back("ai.adoption_speed=2");
    for (const auto& [name, overrides] : {std::pair{"a", common}, std::pair{"b", other}}) {
      RunOptions o;
      o.output = *dir_ / (std::string(name) + ".h5");
      o.threads = 2;
      run_scenario(fixtures::small(overrides, 20000, 48), o);
    }
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::filesystem::path file(const char* name) { return *dir_ / (std::string(name) + ".h5"); }
  static std::filesystem::path* dir_;
};
std::filesystem::path* NarrowReads::dir_ = nullptr;

std::string text(const std::function<void(std::ostream&)>& print) {
  std::ostringstream os;
  print(os);
  return os.str();
}

std::string report(const std::vector<Results>& runs, const std::filesystem::path& path) {
  write_report(runs, path);
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_F(NarrowReads, SummariesAndComparisonsAreThoseOfTheWholeFile) {
  const Results a = read_results(file("a")), b = read_results(file("b"));
  const Results na = read_results(file("a"), summary_reads()), nb = read_results(file("b"), summary_reads());
  ASSERT_EQ(na.aggregate_names, a.aggregate_names);
  EXPECT_LT(na.aggregate.size() * 2, a.aggregate.size());  // most aggregate series left unread
  EXPECT_LT(na.grouped.size() * 2, a.grouped.size());
  // Mechanisms the figures rest on did act: else equal tables would be equal n/a's.
  EXPECT_GT(a.series("new_regretting_firms").sum(), 0);
  EXPECT_GT(a.series("layoffs_consolidation").sum(), 0);
  EXPECT_GT(b.series("retraining_entries_at_risk").sum(), 0);

  for (const Format f : {Format::table, Format::csv, Format::json}) {
    EXPECT_EQ(text([&](std::ostream& os) { print_summary(os, na, summary_figures(na), f); }),
              text([&](std::ostream& os) { print_summary(os, a, summary_figures(a), f); }));
    // compare A B, and summary A B (side by side)
    const auto both = [&](const Results& x, const Results& y) {
      return text([&](std::ostream& os) { print_comparison(os, x, y, compare(x, y), f); }) +
             text([&](std::ostream& os) {
               print_summaries(os, {x, y}, {summary_figures(x), summary_figures(y)}, f);
             });
    };
    EXPECT_EQ(both(na, nb), both(a, b));
  }
  // --by reads one grouping's employment more.
  for (const std::string by : {"occupation", "sector", "region", "cohort", "tenure", "cause"}) {
    const Results ba = read_results(file("a"), summary_reads(by)), bb = read_results(file("b"), summary_reads(by));
    EXPECT_LT(ba.grouped.size() * 2, a.grouped.size());
    for (const Format f : {Format::table, Format::csv, Format::json}) {
      EXPECT_EQ(text([&](std::ostream& os) { print_summary_by(os, ba, by, summary_by(ba, by), f); }),
                text([&](std::ostream& os) { print_summary_by(os, a, by, summary_by(a, by), f); }))
          << by;
      const auto compared = [&](const Results& x, const Results& y) {
        std::vector<std::string> unmatched;
        const auto groups = compare_by(x, y, by, &unmatched);
        return text([&](std::ostream& os) { print_comparison_by(os, x, y, by, groups, unmatched, f); });
      };
      EXPECT_EQ(compared(ba, bb), compared(a, b)) << by;
    }
  }
}

TEST_F(NarrowReads, TheReportIsThatOfTheWholeFiles) {
  const std::vector<Results> whole = {read_results(file("a")), read_results(file("b"))};
  const std::vector<Results> narrow = {read_results(file("a"), report_reads()),
                                       read_results(file("b"), report_reads())};
  EXPECT_LT(narrow[0].aggregate.size() * 2, whole[0].aggregate.size());
  const std::string w = report(whole, file("whole.html")), n = report(narrow, file("narrow.html"));
  EXPECT_GT(w.size(), 10000u);
  EXPECT_EQ(n, w);
}

// A series the file has but the command did not read is a mistake in the program, said
// as such, not taken for a file without it.
TEST_F(NarrowReads, ASeriesLeftUnreadIsAnErrorOfTheProgramNotOfTheFile) {
  const Results n = read_results(file("a"), summary_reads());
  ASSERT_TRUE(n.has_series("firms_mandate"));
  EXPECT_THROW((void)n.series("firms_mandate"), std::logic_error);
  EXPECT_THROW((void)n.series("no_such_series"), FormatError);
  EXPECT_THROW((void)n.grouped_series("occupation/employed"), std::logic_error);  // only with --by occupation
  EXPECT_NE(n.grouped_series("sector/hhi"), nullptr);
  EXPECT_EQ(n.grouped_series("occupation/no_such_series"), nullptr);
  EXPECT_FALSE(n.has_series("no_such_series"));
}
