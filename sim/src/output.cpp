#include "laborsim/output.hpp"

#include <H5Cpp.h>
#include <unistd.h>

#include <array>
#include <map>

namespace laborsim {

const char* version() { return LABORSIM_VERSION; }
// git_commit(): generated at build time (cmake/git_commit.cmake).

namespace {

const H5::StrType& vlen_string() {
  static const H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  return t;
}

void attr_string(H5::H5Object& obj, const char* name, const std::string& value) {
  H5::Attribute a = obj.createAttribute(name, vlen_string(), H5::DataSpace(H5S_SCALAR));
  a.write(vlen_string(), value);
}

template <class T>
void attr_number(H5::H5Object& obj, const char* name, const H5::PredType& type, T value) {
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}

void string_dataset(H5::Group& g, const char* name, const std::vector<std::string>& values) {
  hsize_t n = values.size();
  H5::DataSpace space(1, &n);
  H5::DataSet d = g.createDataSet(name, vlen_string(), space);
  std::vector<const char*> ptrs;
  for (auto& v : values) ptrs.push_back(v.c_str());
  d.write(ptrs.data(), vlen_string());
}

void number_dataset(H5::Group& g, const char* name, const std::vector<double>& values) {
  hsize_t n = values.size();
  H5::DataSpace space(1, &n);
  H5::DataSet d = g.createDataSet(name, H5::PredType::NATIVE_DOUBLE, space);
  d.write(values.data(), H5::PredType::NATIVE_DOUBLE);
}

struct SpellColumn {
  const char* name;
  H5::PredType type;
  const char* description;
};

const std::array<SpellColumn, 17>& spell_columns() {
  static const std::array<SpellColumn, 17> cols = {{
      {"replicate", H5::PredType::NATIVE_INT32, "replicate index"},
      {"worker", H5::PredType::NATIVE_INT64, "worker id within the replicate (ids of retirees are reused by entrants)"},
      {"start_month", H5::PredType::NATIVE_INT32, "month of the displacement"},
      {"end_month", H5::PredType::NATIVE_INT32, "month of reemployment, or of censoring if reemployed == 0"},
      {"cause", H5::PredType::NATIVE_UINT8, "1 ordinary, 2 ai, 3 consolidation"},
      {"reemployed", H5::PredType::NATIVE_UINT8,
       "1 if the spell ended in a job, 0 if censored (run end or retirement)"},
      {"firm", H5::PredType::NATIVE_INT32, "firm that displaced the worker"},
      {"new_firm", H5::PredType::NATIVE_INT32, "firm that rehired the worker, -1 if censored"},
      {"occupation", H5::PredType::NATIVE_INT32, "occupation index before (see /groups/occupation)"},
      {"new_occupation", H5::PredType::NATIVE_INT32, "occupation index after, -1 if censored"},
      {"sector", H5::PredType::NATIVE_INT32, "sector index of the displacing firm (see /groups/sector)"},
      {"region", H5::PredType::NATIVE_INT32, "region index before (see /groups/region)"},
      {"new_region", H5::PredType::NATIVE_INT32, "region index after, -1 if censored"},
      {"age", H5::PredType::NATIVE_INT32, "age in years at displacement"},
      {"tenure_months", H5::PredType::NATIVE_INT32, "months at the displacing employer"},
      {"wage", H5::PredType::NATIVE_FLOAT, "annual wage before, with the tenure premium"},
      {"new_wage", H5::PredType::NATIVE_FLOAT, "annual wage after (posted wage of the new job), 0 if censored"},
  }};
  return cols;
}

}  // namespace

struct ResultsWriter::Impl {
  H5::H5File file;
  std::map<int, H5::DataSet> series;  // by metric index
  std::map<std::string, H5::DataSet> spells;
  hsize_t spell_rows = 0;
  int replicates = 0, months = 0;
};

ResultsWriter::ResultsWriter(std::filesystem::path final_path, const Scenario& sc, const RunInfo& info)
    : impl_(std::make_unique<Impl>()), final_(std::move(final_path)) {
  H5::Exception::dontPrint();
  tmp_ = final_;
  tmp_ += ".tmp-" + std::to_string(::getpid());
  impl_->replicates = info.replicates;
  impl_->months = sc.simulation.months;
  try {
    impl_->file = H5::H5File(tmp_.string(), H5F_ACC_TRUNC);
    H5::Group root = impl_->file.openGroup("/");
    attr_string(root, "filetype", kFileType);
    attr_number(root, "format_version", H5::PredType::NATIVE_INT32, kFormatVersion);
    attr_string(root, "laborsim_version", version());
    attr_string(root, "git_commit", git_commit());
    attr_string(root, "created", info.created);
    attr_string(root, "command_line", info.command_line);
    attr_number(root, "seed", H5::PredType::NATIVE_UINT64, sc.simulation.seed);
    attr_number(root, "replicates", H5::PredType::NATIVE_INT32, info.replicates);
    attr_number(root, "months", H5::PredType::NATIVE_INT32, sc.simulation.months);
    attr_string(root, "scenario_name", sc.name);
    attr_string(root, "scenario_file", sc.source_file);
    attr_string(root, "scenario_toml", sc.resolved_toml);
    attr_string(root, "scenario_effective_toml", sc.effective_toml);

    H5::Group groups = impl_->file.createGroup("/groups");
    std::vector<std::string> occ, sec, reg, coh, occ_group, occ_title;
    std::vector<double> exposure, complement, wage, reg_mult, reg_off;
    for (auto& o : sc.occupations) {
      occ.push_back(o.name);
      occ_group.push_back(o.group);
      occ_title.push_back(o.title);
      exposure.push_back(o.ai_exposure);
      complement.push_back(o.ai_complement);
      wage.push_back(o.wage);
    }
    for (auto& s : sc.sectors) sec.push_back(s.name);
    for (auto& g : sc.regions) {
      reg.push_back(g.name);
      reg_mult.push_back(g.wage_multiplier);
      reg_off.push_back(g.offshore ? 1.0 : 0.0);
    }
    for (auto* c : kCohortNames) coh.emplace_back(c);
    string_dataset(groups, "occupation", occ);
    string_dataset(groups, "occupation_group", occ_group);
    string_dataset(groups, "occupation_title", occ_title);
    number_dataset(groups, "occupation_ai_exposure", exposure);
    number_dataset(groups, "occupation_ai_complement", complement);
    number_dataset(groups, "occupation_wage", wage);
    string_dataset(groups, "sector", sec);
    string_dataset(groups, "region", reg);
    number_dataset(groups, "region_wage_multiplier", reg_mult);
    number_dataset(groups, "region_offshore", reg_off);
    string_dataset(groups, "cohort", coh);

    const std::array<hsize_t, 5> gsize = {1, sc.occupations.size(), sc.sectors.size(), sc.regions.size(),
                                          static_cast<hsize_t>(kCohorts)};
    std::map<Grouping, H5::Group> folders;
    impl_->file.createGroup("/series");
    for (Grouping g :
         {Grouping::aggregate, Grouping::occupation, Grouping::sector, Grouping::region, Grouping::cohort}) {
      std::string path = g == Grouping::aggregate ? "/series/aggregate" : std::string("/series/by_") + grouping_name(g);
      folders[g] = impl_->file.createGroup(path);
      if (g != Grouping::aggregate) attr_string(folders[g], "groups", std::string("/groups/") + grouping_name(g));
    }
    const auto R = static_cast<hsize_t>(info.replicates), Mo = static_cast<hsize_t>(sc.simulation.months);
    for (const auto& mi : metric_table()) {
      const bool agg = mi.grouping == Grouping::aggregate;
      const hsize_t G = gsize[static_cast<size_t>(mi.grouping)];
      std::array<hsize_t, 3> dims = {R, Mo, G}, chunk = {1, Mo, G};
      const int rank = agg ? 2 : 3;
      H5::DataSpace space(rank, dims.data());
      H5::DSetCreatPropList props;
      props.setChunk(rank, chunk.data());
      props.setShuffle();
      props.setDeflate(4);
      double fill = 0.0;
      props.setFillValue(H5::PredType::NATIVE_DOUBLE, &fill);
      H5::DataSet d = folders[mi.grouping].createDataSet(mi.name, H5::PredType::NATIVE_DOUBLE, space, props);
      attr_string(d, "unit", mi.unit);
      attr_string(d, "description", mi.description);
      attr_string(d, "dimensions",
                  agg ? "replicate, month" : std::string("replicate, month, ") + grouping_name(mi.grouping));
      impl_->series[static_cast<int>(mi.id)] = d;
    }

    H5::Group sp = impl_->file.createGroup("/spells");
    attr_string(sp, "description",
                "displacement spells of a sampled panel of workers (output.panel_rate), one row per spell");
    attr_number(sp, "panel_rate", H5::PredType::NATIVE_DOUBLE, sc.output.panel_rate);
    for (const auto& col : spell_columns()) {
      hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 4096;
      H5::DataSpace space(1, &zero, &unlimited);
      H5::DSetCreatPropList props;
      props.setChunk(1, &chunk);
      props.setDeflate(4);
      H5::DataSet d = sp.createDataSet(col.name, col.type, space, props);
      attr_string(d, "description", col.description);
      impl_->spells[col.name] = d;
    }
  } catch (const H5::Exception& e) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
    throw std::runtime_error("cannot create output file '" + tmp_.string() + "': " + e.getDetailMsg());
  }
}

ResultsWriter::~ResultsWriter() {
  if (!committed_) {
    try {
      impl_->file.close();
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void ResultsWriter::write_series(int replicate, const Series& s) {
  try {
    for (const auto& mi : metric_table()) {
      H5::DataSet& d = impl_->series[static_cast<int>(mi.id)];
      H5::DataSpace file_space = d.getSpace();
      const auto G = static_cast<hsize_t>(s.groups(mi.id));
      const bool agg = mi.grouping == Grouping::aggregate;
      std::array<hsize_t, 3> start = {static_cast<hsize_t>(replicate), 0, 0},
                             count = {1, static_cast<hsize_t>(s.months()), G};
      file_space.selectHyperslab(H5S_SELECT_SET, count.data(), start.data());
      H5::DataSpace mem(agg ? 2 : 3, count.data());
      d.write(s.values(mi.id).data(), H5::PredType::NATIVE_DOUBLE, mem, file_space);
    }
  } catch (const H5::Exception& e) {
    throw std::runtime_error("writing replicate " + std::to_string(replicate) + " to '" + tmp_.string() +
                             "' failed: " + e.getDetailMsg());
  }
}

void ResultsWriter::append_spells(int replicate, const std::vector<Spell>& spells) {
  if (spells.empty()) return;
  try {
    const hsize_t n = spells.size(), old = impl_->spell_rows, total = old + n;
    auto append = [&](const char* name, const H5::PredType& type, auto getter) {
      using T = decltype(getter(spells[0]));
      std::vector<T> col(n);
      for (hsize_t i = 0; i < n; ++i) col[i] = getter(spells[i]);
      H5::DataSet& d = impl_->spells[name];
      d.extend(&total);
      H5::DataSpace fs = d.getSpace();
      fs.selectHyperslab(H5S_SELECT_SET, &n, &old);
      H5::DataSpace ms(1, &n);
      d.write(col.data(), type, ms, fs);
    };
    using P = H5::PredType;
    append("replicate", P::NATIVE_INT32, [&](const Spell&) { return static_cast<std::int32_t>(replicate); });
    append("worker", P::NATIVE_INT64, [](const Spell& x) { return x.worker; });
    append("start_month", P::NATIVE_INT32, [](const Spell& x) { return x.start_month; });
    append("end_month", P::NATIVE_INT32, [](const Spell& x) { return x.end_month; });
    append("cause", P::NATIVE_UINT8, [](const Spell& x) { return x.cause; });
    append("reemployed", P::NATIVE_UINT8, [](const Spell& x) { return x.reemployed; });
    append("firm", P::NATIVE_INT32, [](const Spell& x) { return x.firm; });
    append("new_firm", P::NATIVE_INT32, [](const Spell& x) { return x.new_firm; });
    append("occupation", P::NATIVE_INT32, [](const Spell& x) { return x.occupation; });
    append("new_occupation", P::NATIVE_INT32, [](const Spell& x) { return x.new_occupation; });
    append("sector", P::NATIVE_INT32, [](const Spell& x) { return x.sector; });
    append("region", P::NATIVE_INT32, [](const Spell& x) { return x.region; });
    append("new_region", P::NATIVE_INT32, [](const Spell& x) { return x.new_region; });
    append("age", P::NATIVE_INT32, [](const Spell& x) { return x.age; });
    append("tenure_months", P::NATIVE_INT32, [](const Spell& x) { return x.tenure; });
    append("wage", P::NATIVE_FLOAT, [](const Spell& x) { return x.wage; });
    append("new_wage", P::NATIVE_FLOAT, [](const Spell& x) { return x.new_wage; });
    impl_->spell_rows = total;
  } catch (const H5::Exception& e) {
    throw std::runtime_error("writing the spells of replicate " + std::to_string(replicate) + " to '" + tmp_.string() +
                             "' failed: " + e.getDetailMsg());
  }
}

void ResultsWriter::commit() {
  try {
    impl_->file.close();
  } catch (const H5::Exception& e) {
    throw std::runtime_error("closing '" + tmp_.string() + "' failed: " + e.getDetailMsg());
  }
  std::filesystem::rename(tmp_, final_);
  committed_ = true;
}

}  // namespace laborsim
