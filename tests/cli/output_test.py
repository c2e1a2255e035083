"""The results file read by an independent reader (h5py): schema of format version 6
(docs/output-format.md), internal consistency of the values, and identical datasets
for any thread count."""
import contextlib
import io
import re
import tomllib
import unittest
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from common import QUICK, SCENARIOS, SOURCE, rscript, run, tempdir


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


class ResultsFile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempdir()
        cls.path = Path(cls.dir.name) / "results.h5"
        cls.args = ["run", SCENARIOS / "baseline.toml", "-o", cls.path, "-r", "3", "--seed", "99", "--quiet",
                    "--set", "output.panel_rate=0.2"] + QUICK
        run(cls.args, check=True)
        cls.f = h5py.File(cls.path, "r")

    @classmethod
    def tearDownClass(cls):
        cls.f.close()
        cls.dir.cleanup()

    def test_root_attributes(self):
        a = self.f.attrs
        self.assertEqual(a["filetype"], "laborsim-results")
        self.assertEqual(int(a["format_version"]), 6)
        for k in ["laborsim_version", "git_commit", "created", "command_line", "scenario_name", "scenario_toml"]:
            self.assertTrue(len(a[k]) > 0, k)
        self.assertEqual(int(a["seed"]), 99)
        self.assertEqual(int(a["replicates"]), 3)
        self.assertEqual(int(a["months"]), 36)
        self.assertIn("--seed 99", a["command_line"])
        # What it was built with, as --version says it: the compiler and the standard
        # library whose distributions draw from the streams (this build's: GCC, libstdc++).
        self.assertRegex(a["build"], r"^(GCC|Clang) \d+\.\d+.*, (libstdc\+\+ \d{8}|libc\+\+ \d+)$")
        self.assertIn(f"built with {a['build']}\n", run(["--version"], check=True).stdout)
        # The stored scenario is the resolved one: --set and --seed are in it.
        resolved = tomllib.loads(a["scenario_toml"])
        self.assertEqual(resolved["simulation"]["workers"], 20000)
        self.assertEqual(resolved["simulation"]["seed"], 99)
        self.assertEqual(len(resolved["occupations"]), len(self.f["groups/occupation"]))
        # The effective scenario holds every parameter, defaults included.
        effective = tomllib.loads(a["scenario_effective_toml"])
        self.assertEqual(effective["simulation"]["workers"], 20000)
        self.assertIn("network_search_intensity", effective["labor_market"])  # a default nobody wrote
        self.assertEqual(len(effective["sectors"]), len(self.f["groups/sector"]))

    def test_every_dataset_and_attribute_is_documented(self):
        doc = (SOURCE / "docs" / "output-format.md").read_text()
        names = set(self.f.attrs)
        self.f.visititems(lambda name, obj: names.update([name.split("/")[-1]] + list(obj.attrs)))
        self.assertGreater(len(names), 100)
        # each named in a code span of the page (`name`, `group/name`, `a = b`, ...)
        spans = set()
        for span in re.findall(r"`([^`\n]*)`", doc):
            spans.update(re.findall(r"\w+", span))
        self.assertEqual(sorted(names - spans), [])

    def test_stored_scenario_reproduces_the_run(self):
        # A results file is its own recipe: its effective scenario (every parameter,
        # seed included), run again by a laborsim that reads the file's TOML, gives the
        # same datasets bit for bit.
        with tempdir() as d:
            recipe = Path(d) / "recipe.toml"
            recipe.write_text(self.f.attrs["scenario_effective_toml"])
            again = Path(d) / "again.h5"
            run(["run", recipe, "-o", again, "--quiet"], check=True)
            mine = datasets(self.f)
            with h5py.File(again) as g:
                theirs = datasets(g)
                self.assertEqual(g.attrs["scenario_effective_toml"], self.f.attrs["scenario_effective_toml"])
            self.assertEqual(mine.keys(), theirs.keys())
            for name in mine:
                np.testing.assert_array_equal(mine[name], theirs[name], err_msg=name)

    def test_series_shapes_and_storage(self):
        R, M = 3, 36
        groups = {g: len(self.f[f"groups/{g}"]) for g in ["occupation", "sector", "region", "cohort"]}
        self.assertEqual(groups["cohort"], 6)
        for name, d in self.f["series/aggregate"].items():
            self.assertEqual(d.shape, (R, M), name)
            self.assertEqual(d.compression, "gzip")
            self.assertIsNotNone(d.chunks)
            self.assertTrue(d.attrs["description"])
        for g, n in groups.items():
            for name, d in self.f[f"series/by_{g}"].items():
                self.assertEqual(d.shape, (R, M, n), f"{g}/{name}")
        for metric in ["employed", "unemployed", "unemployment_rate", "vacancies", "hires", "quits",
                       "layoffs_ordinary", "layoffs_ai", "layoffs_consolidation", "firms_adopting"]:
            self.assertIn(metric, self.f["series/aggregate"])

    def test_every_dataset_is_documented(self):
        doc = (SOURCE / "docs" / "output-format.md").read_text()
        for folder in self.f["series"]:
            where = folder if folder == "aggregate" else folder
            for name in self.f["series"][folder]:
                self.assertIn(f"`{where}/{name}`", doc, f"docs/output-format.md lacks {folder}/{name}")
        for group in ["spells", "comparison", "firm_events"]:
            self.assertIn(f"`/{group}`", doc)
            for name in self.f[group]:
                self.assertIn(f"`{name}`", doc)

    def test_values_are_consistent(self):
        a = {k: v[()] for k, v in self.f["series/aggregate"].items()}
        np.testing.assert_allclose(a["labor_force"], a["employed"] + a["unemployed"])
        np.testing.assert_allclose(a["unemployment_rate"], a["unemployed"] / a["labor_force"])
        for g in ["occupation", "sector", "region", "cohort"]:
            np.testing.assert_allclose(self.f[f"series/by_{g}/employed"][()].sum(axis=2), a["employed"], err_msg=g)
        for g in ["occupation", "region", "cohort"]:
            np.testing.assert_allclose(self.f[f"series/by_{g}/unemployed"][()].sum(axis=2), a["unemployed"], err_msg=g)
        np.testing.assert_allclose(self.f["series/by_occupation/layoffs_ai"][()].sum(axis=2), a["layoffs_ai"])
        self.assertTrue(np.all(a["unemployment_rate"] > 0.01) and np.all(a["unemployment_rate"] < 0.2))
        hhi = self.f["series/by_sector/hhi"][()]
        self.assertTrue(np.all((hhi > 0) & (hhi <= 1)))
        # replicates differ (independent streams)
        self.assertFalse(np.array_equal(a["hires"][0], a["hires"][1]))

    def test_the_reading_example_of_the_format_document_runs_and_reads_what_it_says(self):
        # docs/output-format.md, "Reading it": its Python block, run on this file.
        doc = (SOURCE / "docs" / "output-format.md").read_text()
        section = doc.split("## Reading it", 1)[1]
        code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
        self.assertIn('"results/baseline.h5"', code)
        names = {}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code.replace('"results/baseline.h5"', repr(str(self.path))), names)
        unemployed, spells = names["unemployed"], names["spells"]
        reps, months = self.f.attrs["replicates"], self.f.attrs["months"]
        occupations = list(self.f["groups/occupation"].asstr()[()])
        # A row per replicate, month and occupation, whose occupations add up to the
        # aggregate series month by month.
        self.assertEqual(len(unemployed), reps * months * len(occupations))
        self.assertEqual(sorted(unemployed.occupation.unique()), sorted(occupations))
        total = unemployed.groupby(["replicate", "month"]).unemployed.sum().unstack().to_numpy()
        np.testing.assert_array_equal(total, self.f["series/aggregate/unemployed"][()])
        # One row per spell, every code named, in the file's order.
        self.assertEqual(len(spells), len(self.f["spells/replicate"]))
        self.assertGreater(len(spells), 0)
        self.assertTrue(spells.occupation.isin(occupations).all())
        np.testing.assert_array_equal(spells.occupation.to_numpy(),
                                      np.array(occupations)[self.f["spells/occupation"][()]])
        self.assertTrue(spells.cause.isin(["ordinary", "AI", "consolidation"]).all())
        self.assertEqual((spells.cause == "AI").sum(), (self.f["spells/cause"][()] == 2).sum())
        self.assertIn("reemployed", printed.getvalue())

    def test_the_r_reading_example_reads_what_the_python_one_reads(self):
        # docs/output-format.md, "Reading it": its R block, run by Rscript on this file;
        # its tables written out with every digit and set against the Python block's.
        doc = (SOURCE / "docs" / "output-format.md").read_text()
        section = doc.split("## Reading it", 1)[1].split("\n## ", 1)[0]
        python = re.search(r"```python\n(.*?)```", section, re.S).group(1)
        r_code = re.search(r"```r\n(.*?)```", section, re.S).group(1)
        self.assertIn('"results/baseline.h5"', r_code)
        names = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(python.replace('"results/baseline.h5"', repr(str(self.path))), names)
        with tempdir() as d:
            dump = f"""
exact <- function(t) {{
  t[] <- lapply(t, function(x) if (is.double(x)) sprintf("%.17g", x) else x)
  t
}}
write.csv(exact(unemployed), "{d}/unemployed.csv", row.names = FALSE)
write.csv(exact(spells), "{d}/spells.csv", row.names = FALSE)
"""
            p = rscript(r_code.replace('"results/baseline.h5"', '"' + str(self.path) + '"') + dump)
            got_u = pd.read_csv(Path(d) / "unemployed.csv", float_precision="round_trip")
            got_s = pd.read_csv(Path(d) / "spells.csv", float_precision="round_trip")
        want_u, want_s = names["unemployed"], names["spells"]
        # The same rows (R's order is occupation fastest, Python's replicate slowest: both
        # sorted), the same values.
        keys = ["replicate", "month", "occupation"]
        pd.testing.assert_frame_equal(got_u.sort_values(keys).reset_index(drop=True),
                                      want_u.sort_values(keys).reset_index(drop=True), check_dtype=False)
        self.assertEqual(sorted(got_s.columns), sorted(want_s.columns))
        pd.testing.assert_frame_equal(got_s[want_s.columns], want_s, check_dtype=False)
        # What it prints: the five occupations with the most unemployed in the last
        # month, and the reemployed share of each cause's spells, as the Python block's.
        last = want_u[want_u.month == want_u.month.max()]
        top = last.groupby("occupation").unemployed.mean().sort_values(ascending=False).head().index
        printed = p.stdout.split()
        self.assertTrue(all(name in printed for name in top), p.stdout)
        for cause, share in want_s.groupby("cause").reemployed.mean().items():
            self.assertIn(cause, printed)
            self.assertIn(f"{share:.7f}".rstrip("0"), p.stdout)

    def test_r_reads_a_large_seed_with_bit64_as_the_format_document_says(self):
        # uint64 has no R type: beyond 2^31 - 1 the seed is NA, with bit64 it is whole.
        with tempdir() as d:
            path = Path(d) / "seed.h5"
            seed = 2**40 + 7
            run(["run", SCENARIOS / "baseline.toml", "-o", path, "-r", "1", "--seed", seed, "--quiet",
                 "--set", "simulation.workers=1000", "--set", "simulation.months=2",
                 "--set", "simulation.burn_in_months=0"], check=True)
            p = rscript(f"""library(rhdf5)
cat(is.na(h5readAttributes("{path}", "/")$seed), "\\n")
cat(as.character(h5readAttributes("{path}", "/", bit64conversion = "bit64")$seed), "\\n")
""")
        self.assertEqual(p.stdout.split(), ["TRUE", str(seed)])
        self.assertIn("bit64conversion", p.stderr)  # rhdf5 warns, as the document says

    def test_spells(self):
        s = {k: v[()] for k, v in self.f["spells"].items()}
        n = len(s["worker"])
        self.assertGreater(n, 100)
        for k, v in s.items():
            self.assertEqual(len(v), n, k)
        self.assertTrue(set(np.unique(s["cause"])) <= {1, 2, 3})
        self.assertTrue(set(np.unique(s["replicate"])) == {0, 1, 2})
        self.assertTrue(np.all(s["end_month"] >= s["start_month"]))
        done = s["reemployed"] == 1
        self.assertTrue(done.any() and (~done).any())
        self.assertTrue(np.all(s["new_firm"][done] >= 0))
        self.assertTrue(np.all(s["new_wage"][done] > 0))
        self.assertTrue(np.all(s["new_firm"][~done] == -1))
        self.assertTrue(np.all((s["age"] >= 22) & (s["age"] < 80)))
        # Earnings in each of the three years after: NaN where the 36-month run does not
        # reach the year's end, or for a worker who retired in it (retirement ages are
        # 50 or more, so aged 47+ at the displacement), never below 0.
        last = self.f.attrs["months"] - 1
        for y in (1, 2, 3):
            e = s[f"earnings_year{y}"]
            reached = s["start_month"] + 12 * y <= last
            self.assertFalse(np.any(~np.isnan(e) & ~reached), y)
            self.assertTrue(np.all(s["age"][reached & np.isnan(e)] >= 46), y)
            self.assertTrue(np.all(e[reached & ~np.isnan(e)] >= 0), y)
        self.assertFalse(np.isnan(s["earnings_year2"][s["start_month"] == 0]).all())
        self.assertTrue(np.isnan(s["earnings_year3"]).all())  # 36 months: no third year after month 0

    def test_comparison_group_is_drawn_from_the_employed_panel_of_months_0_12_24(self):
        # Each worker is in the panel with probability panel_rate, and an employed panel
        # worker in the comparison group of a month with comparison_rate, independently:
        # the records of a month are Binomial(employed then, panel_rate x comparison_rate).
        c = {k: v[()] for k, v in self.f["comparison"].items()}
        n = len(c["worker"])
        for k, v in c.items():
            self.assertEqual(len(v), n, k)
        self.assertEqual(sorted(np.unique(c["month"])), [0, 12, 24])
        rate = self.f["spells"].attrs["panel_rate"] * self.f["comparison"].attrs["comparison_rate"]
        self.assertEqual(self.f["comparison"].attrs["comparison_rate"], 0.25)  # the default
        employed = self.f["series/aggregate/employed"][()]
        for rep in range(3):
            for t in (0, 12, 24):
                count = np.sum((c["replicate"] == rep) & (c["month"] == t))
                e = employed[rep, t]
                self.assertLess(abs(count - e * rate), 4 * np.sqrt(e * rate * (1 - rate)), (rep, t))
        self.assertTrue(np.all(c["wage"] > 0) and np.all(c["tenure_months"] >= 0))
        # A year is observed exactly when the run reaches its end (or the worker retired).
        self.assertFalse(np.isnan(c["earnings_year2"][c["month"] == 0]).all())
        self.assertTrue(np.isnan(c["earnings_year2"][c["month"] == 12]).all())  # 12 + 24 > 35


    def test_firm_events_add_up_to_the_series(self):
        # With every firm in the panel (the default), each AI cut, realisation,
        # acquisition and failure is a row: counted by kind and replicate they are the
        # series' totals, and an acquired or failed firm's staff is all accounted for.
        e = {k: v[()] for k, v in self.f["firm_events"].items()}
        g = self.f["firm_events"]
        self.assertEqual(g.attrs["firm_panel_rate"], 1.0)
        self.assertEqual(g.attrs["kinds"].split(","), ["ai_cut", "regret", "no_regret", "acquisition", "failure"])
        n = len(e["firm"])
        for k, v in e.items():
            self.assertEqual(len(v), n, k)
        self.assertTrue(set(np.unique(e["kind"])) <= {0, 1, 2, 3, 4})
        self.assertTrue(np.all((e["sector"] >= 0) & (e["sector"] < len(self.f["groups/sector"]))))
        self.assertTrue(np.all((e["region"] >= 0) & (e["region"] < len(self.f["groups/region"]))))
        a = {k: v[()] for k, v in self.f["series/aggregate"].items()}
        for rep in range(3):
            mine = e["replicate"] == rep
            def of(kind):
                return mine & (e["kind"] == kind)
            self.assertGreater(of(0).sum(), 0)
            self.assertGreater(of(3).sum() + of(4).sum(), 0)
            self.assertEqual(of(0).sum(), a["firms_cutting"][rep].sum())
            self.assertEqual(e["laid_off"][of(0)].sum(), a["layoffs_ai"][rep].sum())
            self.assertEqual(of(1).sum(), a["new_regretting_firms"][rep].sum())
            self.assertEqual(e["reopened"][mine].sum(), a["reopened_jobs"][rep].sum())
            self.assertEqual(of(3).sum(), a["acquisitions"][rep].sum())
            self.assertEqual(of(4).sum(), a["failures"][rep].sum())
            self.assertEqual(e["laid_off"][of(3) | of(4)].sum(), a["layoffs_consolidation"][rep].sum())
            # in the order they happened
            self.assertTrue(np.all(np.diff(e["month"][mine]) >= 0))
        acq, fail, ai = e["kind"] == 3, e["kind"] == 4, e["kind"] <= 2
        np.testing.assert_array_equal(e["laid_off"][acq] + e["moved"][acq], e["employed"][acq])
        np.testing.assert_array_equal(e["laid_off"][fail], e["employed"][fail])
        self.assertTrue(np.all(e["other_firm"][acq] >= 0) and np.all(e["other_firm"][~acq] == -1))
        self.assertFalse(np.isnan(e["capability_believed"][ai]).any())
        self.assertTrue(np.isnan(e["capability_real"][~ai]).all())
        # The tables join: every AI-displaced panel worker's spell starts at an ai_cut
        # of its firm that month, every consolidation spell at an acquisition or failure.
        s = {k: self.f["spells"][k][()] for k in ["replicate", "firm", "start_month", "cause"]}
        events = {(r, m, fi, k) for r, m, fi, k in zip(e["replicate"], e["month"], e["firm"], e["kind"])}
        ai_spells = np.flatnonzero(s["cause"] == 2)
        self.assertGreater(len(ai_spells), 0)
        for i in ai_spells:
            self.assertIn((s["replicate"][i], s["start_month"][i], s["firm"][i], 0), events)
        for i in np.flatnonzero(s["cause"] == 3):
            key = (s["replicate"][i], s["start_month"][i], s["firm"][i])
            self.assertTrue(key + (3,) in events or key + (4,) in events, key)


class LongEarnings(unittest.TestCase):
    def test_following_more_years_adds_their_columns_and_changes_nothing_else(self):
        # output.earnings_years = 5 follows two more years of the same records: every
        # dataset of the 3-year run is the same in the 5-year one (following draws no
        # random number), which adds earnings_year4 and 5, NaN exactly where the run
        # does not reach the year's end (or, aged 46+ at the start, the worker retired).
        with tempdir() as d:
            files = {}
            for years in (3, 5):
                p = Path(d) / f"y{years}.h5"
                run(["run", SCENARIOS / "baseline.toml", "-o", p, "-r", "2", "--quiet", "--set",
                     "output.panel_rate=0.3", "--set", f"output.earnings_years={years}"] + QUICK +
                    ["--set", "simulation.months=70"], check=True)
                files[years] = h5py.File(p, "r")
            short, long = datasets(files[3]), datasets(files[5])
            self.assertEqual(sorted(set(long) - set(short)),
                             [f"{g}/earnings_year{y}" for g in ("comparison", "spells") for y in (4, 5)])
            for k in short:
                np.testing.assert_array_equal(short[k], long[k], err_msg=k)
            for g in ("spells", "comparison"):
                self.assertEqual(files[3][g].attrs["earnings_years"], 3)
                self.assertEqual(files[5][g].attrs["earnings_years"], 5)
                start = long[f"{g}/start_month" if g == "spells" else f"{g}/month"]
                for y in (4, 5):
                    e = long[f"{g}/earnings_year{y}"]
                    reached = start + 12 * y <= 69
                    self.assertTrue(reached.any() and (~reached).any())
                    self.assertTrue(np.all(np.isnan(e[~reached])), (g, y))
                    self.assertTrue(np.all(long[f"{g}/age"][reached & np.isnan(e)] >= 46), (g, y))
                    self.assertTrue(np.all(e[reached & ~np.isnan(e)] >= 0), (g, y))
                    self.assertGreater(np.sum(e[reached & ~np.isnan(e)] > 0), 100, (g, y))
            for f in files.values():
                f.close()


class ThreadInvariance(unittest.TestCase):
    def test_one_two_and_more_threads_than_cores_give_identical_datasets(self):
        # 2 is every core of the CI machine, 5 more than it has: those run too, silently
        # (TBB would cap its workers at the cores and warn).
        with tempdir() as d:
            paths = []
            for t in [1, 2, 5]:
                p = Path(d) / f"t{t}.h5"
                r = run(["run", SCENARIOS / "baseline.toml", "-o", p, "-r", "4", "--threads", t, "--quiet"] + QUICK,
                        check=True)
                self.assertEqual(r.stderr, "", f"--threads {t}")
                paths.append(p)
            with h5py.File(paths[0]) as a:
                da = datasets(a)
                for other in paths[1:]:
                    with h5py.File(other) as b:
                        db = datasets(b)
                        self.assertEqual(sorted(da), sorted(db))
                        for k in da:
                            np.testing.assert_array_equal(da[k], db[k], err_msg=f"{other.name}: {k}")
                        self.assertEqual(a.attrs["scenario_toml"], b.attrs["scenario_toml"])

    def test_a_replicate_that_goes_parallel_when_others_finish_is_the_same(self):
        # From 100,000 workers (Model::kParallelMinWorkers) a replicate's month runs in
        # parallel, but only while no other replicate keeps the threads busy: of three on
        # two threads, the last runs its markets in parallel once the others are done,
        # the first two in sequence. Every dataset must be what one thread gives.
        args = ["--set", "simulation.workers=120000", "--set", "simulation.months=12", "--set",
                "simulation.burn_in_months=6", "--set", "output.panel_rate=0.1", "-r", "3", "--quiet"]
        with tempdir() as d:
            files = {}
            for t in [1, 2]:
                files[t] = Path(d) / f"t{t}.h5"
                run(["run", SCENARIOS / "baseline.toml", "-o", files[t], "--threads", t] + args, check=True)
            with h5py.File(files[1]) as a, h5py.File(files[2]) as b:
                da, db = datasets(a), datasets(b)
                self.assertEqual(sorted(da), sorted(db))
                self.assertGreater(len(da["spells/worker"]), 1000)
                for k in da:
                    np.testing.assert_array_equal(da[k], db[k], err_msg=k)


if __name__ == "__main__":
    unittest.main()
