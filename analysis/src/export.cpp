#include "laborsim/analysis/export.hpp"

#include "laborsim/analysis/stats.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <tuple>

namespace laborsim::analysis {

namespace {

// The temporary files being written or waiting to be renamed, where a signal handler can
// read them: fixed slots of plain characters, each published (used) only once its name
// is in place. A name too long for a slot, or a slot past the last, is not listed: its
// file is then left behind on a signal, as before there was this list.
struct InProgress {
  std::atomic<bool> claimed{false}, used{false};
  char path[4096] = {};
};
std::array<InProgress, 64> g_in_progress;
static_assert(std::atomic<bool>::is_always_lock_free);  // read in a signal handler

void list_in_progress(const std::filesystem::path& tmp) {
  const std::string& name = tmp.native();
  if (name.size() >= sizeof InProgress::path) return;
  for (auto& slot : g_in_progress) {
    if (slot.claimed.exchange(true)) continue;
    std::memcpy(slot.path, name.c_str(), name.size() + 1);
    slot.used.store(true);
    return;
  }
}

void unlist_in_progress(const std::filesystem::path& tmp) {
  for (auto& slot : g_in_progress)
    if (slot.used.load() && tmp.native() == slot.path) {
      slot.used.store(false);
      slot.claimed.store(false);
    }
}

}  // namespace

void StagedFiles::remove_uncommitted() noexcept {
  for (auto& slot : g_in_progress)
    if (slot.used.load()) ::unlink(slot.path);
}

StagedFiles::~StagedFiles() {
  if (committed_) return;  // (commit() took them off the list)
  std::error_code ignored;
  for (const auto& path : staged_) {
    std::filesystem::remove(temporary(path), ignored);  // nothing half-written is left
    unlist_in_progress(temporary(path));
  }
}

std::filesystem::path StagedFiles::temporary(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  return tmp;
}

void StagedFiles::write(const std::filesystem::path& path, const std::function<void(std::ostream&)>& body) {
  const std::filesystem::path tmp = temporary(path);
  staged_.push_back(path);
  list_in_progress(tmp);
  const auto failed = [&](const std::string& what, int err) {
    return std::runtime_error(what + " '" + tmp.string() + "' failed" +
                              (err ? std::string(": ") + std::strerror(err) : "") + "; '" + path.string() +
                              "' was not written");
  };
  {
    errno = 0;
    std::ofstream os(tmp);
    if (!os) throw failed("creating", errno);
    errno = 0;  // a write that fails sets it, and the stream stays failed from then on
    body(os);
    if (!os.flush()) throw failed("writing", errno);
  }
  // Synced before the rename: the final name never holds a partial file, even after a crash.
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw failed("writing", err);
  }
  ::close(fd);
}

void StagedFiles::commit() {
  for (const auto& path : staged_) {
    std::filesystem::rename(temporary(path), path);
    unlist_in_progress(temporary(path));
  }
  committed_ = true;
}

void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& body) {
  StagedFiles file;
  file.write(path, body);
  file.commit();
}

namespace {

const char* kCause[] = {"none", "ordinary", "ai", "consolidation"};

// A series' key, "grouping/metric" (Results::grouped, Results::metric_info), split.
std::pair<std::string, std::string> grouping_and_metric(const std::string& key) {
  const auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// Whether the export keeps a grouping's series: the groupings asked for, every one if none is.
bool chosen(const std::set<std::string>& groupings, const std::string& grouping) {
  return groupings.empty() || groupings.count(grouping) > 0;
}

std::string name_of(const std::vector<std::string>& names, int i) {
  return i >= 0 && static_cast<std::size_t>(i) < names.size() ? names[static_cast<std::size_t>(i)] : "";
}

// A worker's or a firm's id: empty (CSV) or null (JSON) where there is none (a censored
// spell's new firm) or the file does not record ids (format version 5 and older).
std::string id_csv(const std::vector<int>& ids, std::size_t i) {
  return i < ids.size() && ids[i] >= 0 ? std::to_string(ids[i]) : "";
}
nlohmann::json id_json(const std::vector<int>& ids, std::size_t i) {
  return i < ids.size() && ids[i] >= 0 ? nlohmann::json(ids[i]) : nlohmann::json();
}

// Calls row(replicate, month, metric, grouping, group, value) for every value of the
// chosen groupings (every one if none is chosen).
void each_series_value(
    const Results& r, const std::set<std::string>& groupings,
    const std::function<void(int, int, const std::string&, const std::string&, const std::string&, double)>& row) {
  if (chosen(groupings, "aggregate"))
    for (const auto& [metric, m] : r.aggregate)
      for (int rep = 0; rep < r.replicates; ++rep)
        for (int t = 0; t < r.months; ++t) row(rep, t, metric, "aggregate", "all", m(rep, t));
  for (const auto& [key, reps] : r.grouped) {
    const auto [grouping, metric] = grouping_and_metric(key);
    if (!chosen(groupings, grouping)) continue;
    const auto& names = r.groups.at(grouping);
    for (int rep = 0; rep < r.replicates; ++rep)
      for (int t = 0; t < r.months; ++t)
        for (std::size_t g = 0; g < names.size(); ++g)
          row(rep, t, metric, grouping, names[g], reps[static_cast<std::size_t>(rep)](t, static_cast<Eigen::Index>(g)));
  }
}

// A number for JSON, which has no NaN: null where it is not finite.
nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

// A series' value in one month and group across the replicates, summarised as the
// summary's figures are (the mean and its 95% t-interval) and as the report's fan charts
// are (the median and the 5-95% band).
struct MonthSummary {
  int replicates;  // with a finite value
  double mean, mean_lo, mean_hi, p05, median, p95;
};

MonthSummary summarise(const Eigen::VectorXd& values) {
  const Interval i = mean_interval(values);
  return {i.n, i.mean, i.lo, i.hi, quantile(values, 0.05), quantile(values, 0.5), quantile(values, 0.95)};
}

// Calls row(month, metric, grouping, group, summary) for every month and group of the
// chosen groupings, in series.csv's order without its replicates.
void each_series_summary(const Results& r, const std::set<std::string>& groupings,
                         const std::function<void(int, const std::string&, const std::string&, const std::string&,
                                                  const MonthSummary&)>& row) {
  Eigen::VectorXd across(r.replicates);
  if (chosen(groupings, "aggregate"))
    for (const auto& [metric, m] : r.aggregate)
      for (int t = 0; t < r.months; ++t) row(t, metric, "aggregate", "all", summarise(m.col(t)));
  for (const auto& [key, reps] : r.grouped) {
    const auto [grouping, metric] = grouping_and_metric(key);
    if (!chosen(groupings, grouping)) continue;
    const auto& names = r.groups.at(grouping);
    for (int t = 0; t < r.months; ++t)
      for (std::size_t g = 0; g < names.size(); ++g) {
        for (int rep = 0; rep < r.replicates; ++rep)
          across[rep] = reps[static_cast<std::size_t>(rep)](t, static_cast<Eigen::Index>(g));
        row(t, metric, grouping, names[g], summarise(across));
      }
  }
}

}  // namespace

ExportCounts export_tables(const std::vector<Results>& runs, const std::filesystem::path& dir, Format f,
                           const std::set<std::string>& groupings) {
  std::set<std::string> have{"aggregate"};
  for (const auto& r : runs)
    for (const auto& key : r.grouped_names) have.insert(grouping_and_metric(key).first);
  for (const std::string& g : groupings) {
    if (have.count(g)) continue;
    std::string list;
    for (const auto& h : have) list += (list.empty() ? "" : ", ") + h;
    throw FormatError("no run has a grouping '" + g + "' (they have: " + list + ")");
  }
  std::filesystem::create_directories(dir);
  ExportCounts n;
  const std::vector<std::string> names = run_names(runs);  // one run: its scenario's name
  // Earnings columns: as many years as the run that followed the longest, at least the
  // default three (empty where a run followed fewer or, format version 3 or older, none).
  std::size_t years = 3;
  for (const auto& r : runs) years = std::max({years, r.spells.earnings_years(), r.comparison.earnings_years()});
  std::string earnings_header;
  for (std::size_t y = 0; y < years; ++y) earnings_header += ",earnings_year" + std::to_string(y + 1);
  auto earnings_csv = [years](std::ostream& os, const Spells& s, std::size_t i) {
    for (std::size_t y = 0; y < years; ++y) os << ',' << (y < s.earnings_years() ? csv_number(s.earnings[y][i]) : "");
  };
  auto earnings_json = [years](nlohmann::json& j, const Spells& s, std::size_t i) {
    for (std::size_t y = 0; y < years; ++y)  // null where not observed (NaN) or not followed
      j["earnings_year" + std::to_string(y + 1)] =
          y < s.earnings_years() ? nlohmann::json(s.earnings[y][i]) : nlohmann::json();
  };
  // Calls spell(run name, results, spell index, sector, occupation, new occupation,
  // region, new region) for every spell of every run.
  auto each_spell = [&](const auto& spell) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const Results& r = runs[k];
      const auto& occ = r.groups.at("occupation");
      const auto& reg = r.groups.at("region");
      const auto& sec = r.groups.at("sector");
      const auto& s = r.spells;
      for (std::size_t i = 0; i < s.size(); ++i)
        spell(names[k], s, i, name_of(sec, s.sector[i]), name_of(occ, s.occupation[i]),
              name_of(occ, s.new_occupation[i]), name_of(reg, s.region[i]), name_of(reg, s.new_region[i]));
    }
  };
  // Calls record(run name, comparison records, index, sector, occupation, region) for
  // every record of every run's comparison group.
  auto each_comparison = [&](const auto& record) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const Results& r = runs[k];
      const auto& occ = r.groups.at("occupation");
      const auto& reg = r.groups.at("region");
      const auto& sec = r.groups.at("sector");
      const auto& c = r.comparison;
      for (std::size_t i = 0; i < c.size(); ++i)
        record(names[k], c, i, name_of(sec, c.sector[i]), name_of(occ, c.occupation[i]), name_of(reg, c.region[i]));
    }
  };
  // Calls event(run name, events, index, kind, sector, region) for every event of every
  // run's firm panel (none in files before format version 6).
  auto each_firm_event = [&](const auto& event) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const Results& r = runs[k];
      const auto& reg = r.groups.at("region");
      const auto& sec = r.groups.at("sector");
      const FirmEvents& e = r.firm_events;
      for (std::size_t i = 0; i < e.size(); ++i)
        event(names[k], e, i,
              FirmEvents::kKindNames[static_cast<std::size_t>(e.kind[i]) % FirmEvents::kKindNames.size()],
              name_of(sec, e.sector[i]), name_of(reg, e.region[i]));
    }
  };
  // What each exported series measures: its unit and description, from the first run
  // that has it (every run of one laborsim version describes a series alike).
  struct Described {
    std::string metric, grouping, unit, description;
  };
  std::vector<Described> dictionary;
  std::set<std::string> described;
  for (const auto& r : runs)
    for (const auto& [key, info] : r.metric_info) {
      const auto [grouping, metric] = grouping_and_metric(key);
      if (!chosen(groupings, grouping) || !described.insert(key).second) continue;
      dictionary.push_back({metric, grouping, info.unit, info.description});
    }
  std::sort(dictionary.begin(), dictionary.end(), [](const Described& a, const Described& b) {
    return std::tie(a.grouping, a.metric) < std::tie(b.grouping, b.metric);
  });
  // Every file is staged and they are renamed together at the end: an export that fails
  // midway leaves the directory as it was, not new files beside an earlier export's.
  StagedFiles staged;
  if (f == Format::csv) {
    staged.write(dir / "metrics.csv", [&](std::ostream& os) {
      os << "metric,grouping,unit,description\n";
      for (const auto& d : dictionary)
        os << d.metric << ',' << d.grouping << ',' << csv_field(d.unit) << ',' << csv_field(d.description) << '\n';
    });
    // Every parameter of every run, to join a sweep's figures with what it varied.
    staged.write(dir / "parameters.csv", [&](std::ostream& os) {
      os << "scenario,key,value\n";
      for (std::size_t k = 0; k < runs.size(); ++k)
        for (const auto& [key, value] : runs[k].parameters)
          os << csv_field(names[k]) << ',' << csv_field(key) << ',' << csv_field(value) << '\n';
    });
    staged.write(dir / "series.csv", [&](std::ostream& os) {
      os << "scenario,replicate,month,metric,grouping,group,value\n";
      for (std::size_t k = 0; k < runs.size(); ++k) {
        const std::string sc = csv_field(names[k]);
        each_series_value(runs[k], groupings,
                          [&](int rep, int t, const std::string& metric, const std::string& grouping,
                              const std::string& group, double v) {
                            os << sc << ',' << rep << ',' << t << ',' << metric << ',' << grouping << ','
                               << csv_field(group) << ',' << csv_number(v) << '\n';
                            ++n.series_rows;
                          });
      }
    });
    staged.write(dir / "series_summary.csv", [&](std::ostream& os) {
      os << "scenario,month,metric,grouping,group,replicates,mean,mean_ci95_low,mean_ci95_high,p05,median,p95\n";
      for (std::size_t k = 0; k < runs.size(); ++k) {
        const std::string sc = csv_field(names[k]);
        each_series_summary(runs[k], groupings,
                            [&](int t, const std::string& metric, const std::string& grouping, const std::string& group,
                                const MonthSummary& x) {
                              os << sc << ',' << t << ',' << metric << ',' << grouping << ',' << csv_field(group) << ','
                                 << x.replicates << ',' << csv_number(x.mean) << ',' << csv_number(x.mean_lo) << ','
                                 << csv_number(x.mean_hi) << ',' << csv_number(x.p05) << ',' << csv_number(x.median)
                                 << ',' << csv_number(x.p95) << '\n';
                              ++n.summary_rows;
                            });
      }
    });
    staged.write(dir / "spells.csv", [&](std::ostream& os) {
      os << "scenario,replicate,worker,start_month,end_month,duration_months,reemployed,cause,age,tenure_months,"
            "firm,new_firm,sector,occupation,new_occupation,region,new_region,wage,new_wage"
         << earnings_header << '\n';
      each_spell([&](const std::string& sc, const Spells& s, std::size_t i, const std::string& sector,
                     const std::string& occupation, const std::string& new_occupation, const std::string& region,
                     const std::string& new_region) {
        os << csv_field(sc) << ',' << s.replicate[i] << ',' << id_csv(s.worker, i) << ',' << s.start_month[i] << ','
           << s.end_month[i] << ',' << s.end_month[i] - s.start_month[i] << ',' << s.reemployed[i] << ','
           << kCause[s.cause[i] & 3] << ',' << s.age[i] << ',' << (s.tenure[i] >= 0 ? std::to_string(s.tenure[i]) : "")
           << ',' << id_csv(s.firm, i) << ',' << id_csv(s.new_firm, i) << ',' << csv_field(sector) << ','
           << csv_field(occupation) << ',' << csv_field(new_occupation) << ',' << csv_field(region) << ','
           << csv_field(new_region) << ',' << csv_number(s.wage[i]) << ',' << csv_number(s.new_wage[i]);
        earnings_csv(os, s, i);  // empty where not observed
        os << '\n';
        ++n.spell_rows;
      });
    });
    staged.write(dir / "comparison.csv", [&](std::ostream& os) {
      os << "scenario,replicate,worker,month,age,tenure_months,firm,sector,occupation,region,wage" << earnings_header
         << '\n';
      each_comparison([&](const std::string& sc, const Spells& c, std::size_t i, const std::string& sector,
                          const std::string& occupation, const std::string& region) {
        os << csv_field(sc) << ',' << c.replicate[i] << ',' << id_csv(c.worker, i) << ',' << c.start_month[i] << ','
           << c.age[i] << ',' << c.tenure[i] << ',' << id_csv(c.firm, i) << ',' << csv_field(sector) << ','
           << csv_field(occupation) << ',' << csv_field(region) << ',' << csv_number(c.wage[i]);
        earnings_csv(os, c, i);
        os << '\n';
        ++n.comparison_rows;
      });
    });
    staged.write(dir / "firm_events.csv", [&](std::ostream& os) {
      os << "scenario,replicate,month,firm,kind,sector,region,employed,laid_off,moved,reopened,reopened_offshore,"
            "acquirer,capability_believed,capability_real\n";
      each_firm_event([&](const std::string& sc, const FirmEvents& e, std::size_t i, const char* kind,
                          const std::string& sector, const std::string& region) {
        os << csv_field(sc) << ',' << e.replicate[i] << ',' << e.month[i] << ',' << e.firm[i] << ',' << kind << ','
           << csv_field(sector) << ',' << csv_field(region) << ',' << e.employed[i] << ',' << e.laid_off[i] << ','
           << e.moved[i] << ',' << e.reopened[i] << ',' << e.reopened_offshore[i] << ','
           << (e.other_firm[i] >= 0 ? std::to_string(e.other_firm[i]) : "") << ','
           << csv_number(e.capability_believed[i]) << ',' << csv_number(e.capability_real[i]) << '\n';
        ++n.firm_event_rows;
      });
    });
  } else {
    staged.write(dir / "metrics.json", [&](std::ostream& os) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& d : dictionary)
        j.push_back({{"metric", d.metric}, {"grouping", d.grouping}, {"unit", d.unit}, {"description", d.description}});
      os << j.dump(1) << '\n';
    });
    staged.write(dir / "parameters.json", [&](std::ostream& os) {
      nlohmann::json j = nlohmann::json::array();
      for (std::size_t k = 0; k < runs.size(); ++k)
        for (const auto& [key, value] : runs[k].parameters)
          j.push_back({{"scenario", names[k]}, {"key", key}, {"value", value}});
      os << j.dump(1) << '\n';
    });
    staged.write(dir / "series.json", [&](std::ostream& os) {
      os << "[";
      for (std::size_t k = 0; k < runs.size(); ++k)
        each_series_value(runs[k], groupings,
                          [&](int rep, int t, const std::string& metric, const std::string& grouping,
                              const std::string& group, double v) {
                            nlohmann::json j = {
                                {"scenario", names[k]}, {"replicate", rep}, {"month", t}, {"metric", metric},
                                {"grouping", grouping}, {"group", group},   {"value", v}};
                            os << (n.series_rows++ ? ",\n" : "\n") << j.dump();
                          });
      os << "\n]\n";
    });
    staged.write(dir / "series_summary.json", [&](std::ostream& os) {
      os << "[";
      for (std::size_t k = 0; k < runs.size(); ++k)
        each_series_summary(runs[k], groupings,
                            [&](int t, const std::string& metric, const std::string& grouping, const std::string& group,
                                const MonthSummary& x) {
                              nlohmann::json j = {{"scenario", names[k]},
                                                  {"month", t},
                                                  {"metric", metric},
                                                  {"grouping", grouping},
                                                  {"group", group},
                                                  {"replicates", x.replicates},
                                                  {"mean", number_or_null(x.mean)},
                                                  {"mean_ci95_low", number_or_null(x.mean_lo)},
                                                  {"mean_ci95_high", number_or_null(x.mean_hi)},
                                                  {"p05", number_or_null(x.p05)},
                                                  {"median", number_or_null(x.median)},
                                                  {"p95", number_or_null(x.p95)}};
                              os << (n.summary_rows++ ? ",\n" : "\n") << j.dump();
                            });
      os << "\n]\n";
    });
    staged.write(dir / "spells.json", [&](std::ostream& os) {
      os << "[";
      each_spell([&](const std::string& sc, const Spells& s, std::size_t i, const std::string& sector,
                     const std::string& occupation, const std::string& new_occupation, const std::string& region,
                     const std::string& new_region) {
        nlohmann::json j = {{"scenario", sc},
                            {"replicate", s.replicate[i]},
                            {"worker", id_json(s.worker, i)},
                            {"start_month", s.start_month[i]},
                            {"end_month", s.end_month[i]},
                            {"duration_months", s.end_month[i] - s.start_month[i]},
                            {"reemployed", s.reemployed[i]},
                            {"cause", kCause[s.cause[i] & 3]},
                            {"age", s.age[i]},
                            {"tenure_months", s.tenure[i] >= 0 ? nlohmann::json(s.tenure[i]) : nlohmann::json()},
                            {"firm", id_json(s.firm, i)},
                            {"new_firm", id_json(s.new_firm, i)},
                            {"sector", sector},
                            {"occupation", occupation},
                            {"new_occupation", new_occupation},
                            {"region", region},
                            {"new_region", new_region},
                            {"wage", s.wage[i]},
                            {"new_wage", s.new_wage[i]}};
        earnings_json(j, s, i);
        os << (n.spell_rows++ ? ",\n" : "\n") << j.dump();
      });
      os << "\n]\n";
    });
    staged.write(dir / "comparison.json", [&](std::ostream& os) {
      os << "[";
      each_comparison([&](const std::string& sc, const Spells& c, std::size_t i, const std::string& sector,
                          const std::string& occupation, const std::string& region) {
        nlohmann::json j = {{"scenario", sc},
                            {"replicate", c.replicate[i]},
                            {"worker", id_json(c.worker, i)},
                            {"month", c.start_month[i]},
                            {"age", c.age[i]},
                            {"tenure_months", c.tenure[i]},
                            {"firm", id_json(c.firm, i)},
                            {"sector", sector},
                            {"occupation", occupation},
                            {"region", region},
                            {"wage", c.wage[i]}};
        earnings_json(j, c, i);
        os << (n.comparison_rows++ ? ",\n" : "\n") << j.dump();
      });
      os << "\n]\n";
    });
    staged.write(dir / "firm_events.json", [&](std::ostream& os) {
      os << "[";
      each_firm_event([&](const std::string& sc, const FirmEvents& e, std::size_t i, const char* kind,
                          const std::string& sector, const std::string& region) {
        nlohmann::json j = {{"scenario", sc},
                            {"replicate", e.replicate[i]},
                            {"month", e.month[i]},
                            {"firm", e.firm[i]},
                            {"kind", kind},
                            {"sector", sector},
                            {"region", region},
                            {"employed", e.employed[i]},
                            {"laid_off", e.laid_off[i]},
                            {"moved", e.moved[i]},
                            {"reopened", e.reopened[i]},
                            {"reopened_offshore", e.reopened_offshore[i]},
                            {"acquirer", e.other_firm[i] >= 0 ? nlohmann::json(e.other_firm[i]) : nlohmann::json()},
                            {"capability_believed", number_or_null(e.capability_believed[i])},
                            {"capability_real", number_or_null(e.capability_real[i])}};
        os << (n.firm_event_rows++ ? ",\n" : "\n") << j.dump();
      });
      os << "\n]\n";
    });
  }
  staged.commit();
  return n;
}

}  // namespace laborsim::analysis
