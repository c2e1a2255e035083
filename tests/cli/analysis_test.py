"""laborsim-analyze end to end: summaries and comparisons agree with the HDF5 file as
read by h5py, exports read back by pandas match it, foreign files are refused, and the
HTML report renders in headless Chromium."""
import html as html_module
import json
import os
from io import StringIO
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from common import ANALYZE, QUICK, SCENARIOS, SOURCE, analyze, file_size_limit, rscript, run, run_scenario, tempdir


def older_copy(src, d, version, drop=()):
    """A copy of results file src in directory d as a file of an older format version:
    its version attribute set, the datasets in drop removed, and /firm_events (version 6
    on) too below version 6."""
    old = Path(d) / "old.h5"
    shutil.copy(src, old)
    with h5py.File(old, "a") as f:
        f.attrs["format_version"] = np.int32(version)
        for name in list(drop) + (["firm_events"] if version < 6 else []):
            del f[name]
    return old


class Analyze(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempdir()
        common = ["-r", "4", "--quiet", "--set", "output.panel_rate=0.2"] + QUICK
        cls.base = run_scenario(cls.dir, "baseline", common)
        cls.hype = run_scenario(cls.dir, "hype_regret", common)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_summary_table_and_json_match_the_file(self):
        p = analyze(["summary", self.base], check=True)
        self.assertIn("reemployed within 12 months", p.stdout)
        self.assertRegex(p.stdout, r"retraining cost +\d+(\.\d\d (M|bn))? USD")  # scaled for reading
        self.assertIn("95% interval", p.stdout)
        j = json.loads(analyze(["summary", self.base, "--format", "json"], check=True).stdout)
        with h5py.File(self.base) as f:
            ai = f["series/aggregate/layoffs_ai"][()].sum(axis=1)
            u_end = f["series/aggregate/unemployment_rate"][:, -1]
            cause = f["spells/cause"][()]
            agg = {k: f["series/aggregate"][k][()].sum(axis=1) for k in
                   ["retraining_entries", "retrained_months_to_job", "retrained_hires", "retraining_cost",
                    "retraining_public_cost", "retraining_entries_at_risk", "retrained_hires_left_labor_force",
                    "retrained_months_to_job_left_labor_force"]}
        fig = j["figures"]
        self.assertAlmostEqual(fig["displaced_ai"]["mean"], ai.mean(), places=6)
        # 95% t-interval computed independently: t(0.975, 3) = 3.182446
        self.assertEqual(fig["displaced_ai"]["values"], list(ai))  # each replicate's value too
        half = 3.182446 * ai.std(ddof=1) / np.sqrt(len(ai))
        self.assertAlmostEqual(fig["displaced_ai"]["lo95"], max(0, ai.mean() - half), places=3)  # a count: >= 0
        self.assertAlmostEqual(fig["unemployment_rate_end"]["mean"], u_end.mean(), places=9)
        for k in ["reemployed_3m", "reemployed_6m", "reemployed_12m", "reemployed_24m"]:
            self.assertTrue(0 < fig[k]["mean"] <= 1, k)
        # The Displaced Worker Survey's question at the run's end, replicate by replicate:
        # displaced in the last 36 months after 36+ at the employer, and in a job.
        with h5py.File(self.base) as f:
            sp = {k: f["spells"][k][()] for k in ("replicate", "start_month", "tenure_months", "reemployed")}
            months, reps = int(f.attrs["months"]), int(f.attrs["replicates"])
        asked = (sp["start_month"] >= months - 36) & (sp["tenure_months"] >= 36)
        shares = [(sp["reemployed"][asked & (sp["replicate"] == k)] == 1).mean() for k in range(reps)]
        self.assertAlmostEqual(fig["in_job_at_end"]["mean"], np.mean(shares), places=12)
        self.assertLess(fig["in_job_at_end"]["mean"], fig["reemployed_24m"]["mean"])  # the open spells count now
        self.assertLessEqual(fig["reemployed_3m"]["mean"], fig["reemployed_24m"]["mean"])
        # Retraining: totals and ratios per replicate, then their mean.
        self.assertAlmostEqual(fig["retraining_entries"]["mean"], agg["retraining_entries"].mean(), places=6)
        self.assertEqual(fig["retraining_entries_at_risk"]["mean"], 0)  # off in the baseline
        self.assertAlmostEqual(fig["retraining_months_to_job"]["mean"],
                               (agg["retrained_months_to_job"] / agg["retrained_hires"]).mean(), places=9)
        stayed = (agg["retrained_months_to_job"] - agg["retrained_months_to_job_left_labor_force"]) \
            / (agg["retrained_hires"] - agg["retrained_hires_left_labor_force"])
        self.assertAlmostEqual(fig["retraining_months_to_job_stayed"]["mean"], stayed.mean(), places=9)
        # Those who left the labour force and came back took longer: the rest take less.
        self.assertLess(fig["retraining_months_to_job_stayed"]["mean"], fig["retraining_months_to_job"]["mean"])
        self.assertAlmostEqual(fig["retraining_cost"]["mean"], agg["retraining_cost"].mean(), delta=1e-3)
        self.assertEqual(fig["retraining_cost"]["unit"], "usd")
        self.assertEqual(fig["retraining_public_share"]["mean"], 0)  # public_share = 0 without the subsidy
        self.assertIn(1, cause)
        # Concentration: the sectors' employment HHI, averaged weighted by their employment.
        with h5py.File(self.base) as f:
            hhi, emp = f["series/by_sector/hhi"][()], f["series/by_sector/employed"][()]
        weighted = (hhi * emp).sum(axis=2) / emp.sum(axis=2)  # replicates x months
        self.assertAlmostEqual(fig["concentration_start"]["mean"], weighted[:, 0].mean(), places=12)
        self.assertAlmostEqual(fig["concentration_end"]["mean"], weighted[:, -1].mean(), places=12)
        self.assertTrue(0 < fig["concentration_end"]["mean"] < 1)
        with h5py.File(self.base) as f:
            young = f["series/aggregate/young_high_exposure_employed"][:, -1]
        self.assertEqual(fig["young_exposed_end"]["mean"], young.mean())
        self.assertGreater(young.mean(), 0)
        # Tenure: each replicate's mean over the months, then the mean over replicates;
        # a file without the series (written before they were added) gives n/a.
        with h5py.File(self.base) as f:
            share = f["series/aggregate/first_year_tenure_share"][()].mean(axis=1)
            median = f["series/aggregate/median_tenure_months"][()].mean(axis=1)
        self.assertAlmostEqual(fig["first_year_tenure_share"]["mean"], share.mean(), places=12)
        self.assertAlmostEqual(fig["median_tenure"]["mean"], median.mean(), places=12)
        self.assertEqual(fig["median_tenure"]["unit"], "months")
        self.assertTrue(0.1 < share.mean() < 0.5 and 12 < median.mean() < 60, (share.mean(), median.mean()))
        with tempdir() as d:
            old = older_copy(self.base, d, 6, ["series/aggregate/first_year_tenure_share",
                                               "series/aggregate/median_tenure_months"])
            o = json.loads(analyze(["summary", old, "--format", "json"], check=True).stdout)["figures"]
            self.assertIsNone(o["first_year_tenure_share"]["mean"])
            self.assertIsNone(o["median_tenure"]["mean"])
            self.assertEqual(o["unemployment_rate_end"], fig["unemployment_rate_end"])

    def test_summary_from_a_month(self):
        # --from 12: every figure over months 12-35 only, displacements that began in
        # them, as if the run had started at month 12.
        summary = json.loads(analyze(["summary", self.base, "--format", "json", "--from", "12"], check=True).stdout)
        self.assertEqual((summary["from_month"], summary["months"]), (12, 24))
        fig = summary["figures"]
        with h5py.File(self.base) as f:
            agg = f["series/aggregate"]
            self.assertAlmostEqual(fig["displaced_ai"]["mean"], agg["layoffs_ai"][:, 12:].sum(axis=1).mean(), places=9)
            self.assertAlmostEqual(fig["unemployment_rate_mean"]["mean"],
                                   agg["unemployment_rate"][:, 12:].mean(axis=1).mean(), places=12)
            self.assertAlmostEqual(fig["unemployment_rate_end"]["mean"], agg["unemployment_rate"][:, -1].mean(),
                                   places=12)
            sp = {k: f[f"spells/{k}"][()] for k in ["replicate", "start_month", "reemployed", "wage", "new_wage"]}
        later = (sp["start_month"] >= 12) & (sp["reemployed"] == 1)
        lower = [np.mean(sp["new_wage"][later & (sp["replicate"] == r)] < sp["wage"][later & (sp["replicate"] == r)])
                 for r in range(4)]
        self.assertAlmostEqual(fig["rehired_lower_pay"]["mean"], np.mean(lower), places=12)
        table = analyze(["summary", self.base, "--from", "12"], check=True).stdout
        self.assertIn("4 replicates x 24 months (months 12-35 of the run's 0-35: --from 12)", table)
        for bad in ["36", "-1"]:
            p = analyze(["summary", self.base, "--from", bad])
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"--from {bad} is not a month of the run (it has months 0-35)", p.stderr)
        p = analyze(["export", self.base, "--format", "csv", "-o", "/nonexistent", "--from", "3"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--from is an option of summary, compare, series and flows", p.stderr)

    def test_summary_to_a_month_is_the_shorter_run(self):
        # --to 24 of a 36-month run is the run as if it had been 24 months long: a run of
        # 24 months with the same scenario and seed gives every figure exactly (its
        # spells still open at month 23 are censored there, its earnings years not
        # wholly observed are NaN, its next displacements after it are none). The
        # hype_regret run has AI cuts, regrets, consolidation and a firm panel.
        with tempdir() as d:
            short = run_scenario(d, "hype_regret", ["-r", "4", "--quiet", "--set", "output.panel_rate=0.2"] + QUICK +
                                 ["--set", "simulation.months=24"])

            def figures(args):
                j = json.loads(analyze(["summary", *args, "--format", "json"], check=True).stdout)
                return j, {k: v for k, v in j.items() if k not in ("file",)}

            whole, short_json = figures([short])
            cut, cut_json = figures([self.hype, "--to", "24"])
            self.assertEqual((cut["from_month"], cut["to_month"], cut["months"]), (0, 24, 24))
            self.assertEqual((whole["from_month"], whole["to_month"]), (0, 24))
            self.assertEqual(short_json, cut_json)
            # Spells cut by the window are there to be cut: some reemployed after month 23.
            with h5py.File(self.hype) as f:
                start, end = f["spells/start_month"][()], f["spells/end_month"][()]
                reemployed = f["spells/reemployed"][()]
            self.assertGreater(((start <= 23) & (end > 23) & (reemployed == 1)).sum(), 10)
            self.assertGreater(cut["figures"]["displaced_ai"]["mean"], 0)
            self.assertGreater(cut["figures"]["displaced_consolidation"]["mean"], 0)
            for by in ["cause", "tenure", "occupation"]:
                with self.subTest(by=by):
                    self.assertEqual(figures([short, "--by", by])[1], figures([self.hype, "--to", "24", "--by", by])[1])
            self.assertEqual(figures([short, "--from", "6"])[1], figures([self.hype, "--from", "6", "--to", "24"])[1])
            # Compared, the two are one run: every difference 0, every figure comparable.
            c = json.loads(analyze(["compare", short, self.hype, "--to", "24", "--format", "json"], check=True).stdout)
            self.assertEqual(c["caveats"], [])
            self.assertEqual(c["to_month"], 24)
            for key, fig in c["figures"].items():
                with self.subTest(figure=key):
                    self.assertTrue(fig["comparable"])
                    if fig["b_minus_a"]["mean"] is not None:
                        self.assertEqual(fig["b_minus_a"]["mean"], 0)
            table = analyze(["summary", self.hype, "--from", "6", "--to", "24"], check=True).stdout
            self.assertIn("4 replicates x 18 months (months 6-23 of the run's 0-35: --from 6 --to 24)", table)
        for args, message in [(["--to", "37"], "--to 37 is past the run's end (it has months 0-35)"),
                              (["--to", "0"], "--to 0 must come after --from 0"),
                              (["--from", "12", "--to", "12"], "--to 12 must come after --from 12")]:
            with self.subTest(args=args):
                p = analyze(["summary", self.hype, *args])
                self.assertEqual(p.returncode, 2)
                self.assertIn(f"{self.hype}: {message}", p.stderr)
        p = analyze(["export", self.hype, "--format", "csv", "-o", "/nonexistent", "--to", "3"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--to is an option of summary, compare, series and flows", p.stderr)

    def test_displaced_again_is_repeat_job_loss_in_the_spell_panel(self):
        # "displaced again within 24 months": of each replicate's displacements at least 24
        # months before the end, the share followed by another of the same worker (same id,
        # not younger: an id is reused by a young entrant) within 24 months; recomputed
        # here from the spells as h5py reads them, for the whole run and from month 4
        # (--from: the run as if it began there, 32 months).
        with h5py.File(self.base) as f:
            sp = {k: f[f"spells/{k}"][()].astype(np.int64) for k in ("replicate", "worker", "start_month", "age")}
            months = int(f.attrs["months"])

        def shares(first):
            keep = sp["start_month"] >= first
            s = {k: v[keep] for k, v in sp.items()}
            out = []
            for rep in range(4):
                mine = np.flatnonzero(s["replicate"] == rep)
                again = followed = 0
                for i in mine:
                    if s["start_month"][i] - first + 24 >= months - first:
                        continue
                    followed += 1
                    later = mine[(s["worker"][mine] == s["worker"][i]) & (s["age"][mine] >= s["age"][i])
                                 & ((s["start_month"][mine] > s["start_month"][i])
                                    | ((s["start_month"][mine] == s["start_month"][i]) & (mine > i)))]
                    if len(later):
                        gap = s["start_month"][later].min() - s["start_month"][i]
                        again += gap <= 24
                out.append(again / followed)
            return out

        whole = shares(0)
        self.assertTrue(all(0 < x < 0.5 for x in whole), whole)
        for args, expected in [([], whole), (["--from", "4"], shares(4))]:
            fig = json.loads(analyze(["summary", self.base, "--format", "json"] + args, check=True).stdout)["figures"]
            self.assertAlmostEqual(fig["displaced_again_24m"]["mean"], np.mean(expected), places=12)
            self.assertEqual(fig["displaced_again_24m"]["unit"], "share")
        self.assertIn("displaced again within 24 months", analyze(["summary", self.base], check=True).stdout)

    def test_summary_by_group_csv(self):
        for by, n in [("occupation", 18), ("sector", 7), ("region", 2), ("cohort", 6)]:
            with self.subTest(by=by):
                p = analyze(["summary", self.base, "--by", by, "--format", "csv"], check=True)
                from io import StringIO
                t = pd.read_csv(StringIO(p.stdout))
                self.assertEqual(t[by].nunique(), n)
                self.assertIn("reemployed_12m", set(t["figure"]))
                # The text table: a column per figure, under its header, in every row.
                text = analyze(["summary", self.base, "--by", by], check=True).stdout.splitlines()
                head = next(k for k, line in enumerate(text) if line.startswith(by))
                figures = t["figure"].nunique()
                # (and the spells column after the displaced)
                self.assertEqual(len(re.split(r"\s{2,}", text[head].strip())), 2 + figures, text[head])
                self.assertIn("repl 3y+", text[head])
                self.assertIn("displaced  spells", text[head])
        self.assertEqual(analyze(["summary", self.base, "--by", "planet"]).returncode, 2)
        # By sector, each sector's own HHI in the first and last month too.
        from io import StringIO
        t = pd.read_csv(StringIO(analyze(["summary", self.base, "--by", "sector", "--format", "csv"],
                                         check=True).stdout), float_precision="round_trip")
        with h5py.File(self.base) as f:
            hhi = f["series/by_sector/hhi"][()]
            sectors = [x.decode() if isinstance(x, bytes) else x for x in f["groups/sector"][()]]
        for g, sector in enumerate(sectors):
            for key, month in [("hhi_start", 0), ("hhi_end", -1)]:
                got = t[(t["sector"] == sector) & (t["figure"] == key)]["mean"].item()
                self.assertAlmostEqual(got, hhi[:, month, g].mean(), places=12, msg=(sector, key))
        self.assertIn("HHI last", analyze(["summary", self.base, "--by", "sector"], check=True).stdout)
        self.assertNotIn("HHI", analyze(["summary", self.base, "--by", "region"], check=True).stdout)

    def test_summary_by_group_says_how_many_spells_each_row_rests_on(self):
        # The spells column and the JSON's "spells": the panel's displacements of each
        # group over all replicates, counted here from /spells; they add up to the panel.
        with h5py.File(self.base) as f:
            occ = f["spells/occupation"][()]
            names = [x.decode() if isinstance(x, bytes) else x for x in f["groups/occupation"][()]]
            total = len(occ)
        got = json.loads(analyze(["summary", self.base, "--by", "occupation", "--format", "json"],
                                 check=True).stdout)["spells"]
        self.assertEqual(got, {name: int((occ == g).sum()) for g, name in enumerate(names)})
        self.assertEqual(sum(got.values()), total)
        text = analyze(["summary", self.base, "--by", "occupation"], check=True).stdout
        lines = text.splitlines()
        head = next(k for k, line in enumerate(lines) if line.startswith("occupation"))
        column = re.split(r"\s{2,}", lines[head].strip()).index("spells")
        for line in lines[head + 2:head + 2 + len(names)]:
            cells = re.split(r"\s{2,}", line.strip())
            self.assertEqual(int(cells[column]), got[cells[0]], line)
        # The rows under 30 are counted in a note (the small AI roles of this 20,000-worker run).
        few = sum(1 for n in got.values() if 0 < n < 30)
        self.assertGreater(few, 0)
        self.assertIn(f"{few} rows rest on fewer than 30 spells: read their shares as noise", text)
        self.assertIn("spells: the panel's displacements behind the row's figures, over all 4 replicates.", text)
        # The summary of the whole run says how many the panel's figures rest on, in the window too.
        self.assertIn(f"The spell panel's figures rest on {total} displacements over all replicates",
                      analyze(["summary", self.base], check=True).stdout)
        with h5py.File(self.base) as f:
            from_12 = int((f["spells/start_month"][()] >= 12).sum())
        self.assertIn(f"rest on {from_12} displacements", analyze(["summary", self.base, "--from", "12"],
                                                                  check=True).stdout)

    def test_summary_and_compare_csv_are_the_json_figures_exactly(self):
        # The CSV tables carry the same numbers as the JSON ones, to the last bit, and a
        # figure that is not known (null in JSON) is an empty field, which pandas, R and
        # spreadsheets read as missing (not the text "nan", which R reads as a string).
        from io import StringIO

        def same(csv_value, json_value, what):
            if json_value is None:
                self.assertTrue(np.isnan(csv_value), what)
            else:
                self.assertEqual(csv_value, json_value, what)  # exact: both shortest round-trip

        text = analyze(["summary", self.hype, "--format", "csv"], check=True).stdout
        self.assertNotIn("nan", text.lower())
        t = pd.read_csv(StringIO(text), float_precision="round_trip").set_index("figure")
        j = json.loads(analyze(["summary", self.hype, "--format", "json"], check=True).stdout)["figures"]
        self.assertEqual(sorted(t.index), sorted(j))  # (JSON keeps its keys sorted)
        for k, v in j.items():
            for col in ["mean", "lo95", "hi95"]:
                same(t.at[k, col], v[col], (k, col))
            self.assertEqual(t.at[k, "replicates"], v["replicates"], k)
            self.assertEqual(t.at[k, "unit"], v["unit"], k)

        text = analyze(["compare", self.base, self.hype, "--format", "csv"], check=True).stdout
        self.assertNotIn("nan", text.lower())
        t = pd.read_csv(StringIO(text), float_precision="round_trip").set_index("figure")
        j = json.loads(analyze(["compare", self.base, self.hype, "--format", "json"], check=True).stdout)["figures"]
        self.assertEqual(sorted(t.index), sorted(j))  # (JSON keeps its keys sorted)
        for k, v in j.items():
            for side, part in [("a", "a"), ("b", "b"), ("diff", "b_minus_a")]:
                for col in ["mean", "lo95", "hi95"]:
                    same(t.at[k, f"{side}_{col}"], v[part][col], (k, side, col))
            self.assertEqual(t.at[k, "distinguishable"], "yes" if v["b_minus_a"]["distinguishable"] else "no", k)
            self.assertEqual(t.at[k, "comparable"], "yes" if v["comparable"] else "no", k)
        # The baseline has no regret: its share of regretting firms' rehires offshore is
        # unknown, and so is the difference.
        self.assertTrue(np.isnan(t.at["regret_rehires_offshore", "a_mean"]))
        self.assertTrue(np.isnan(t.at["regret_rehires_offshore", "diff_mean"]))

    def test_summary_of_several_runs_side_by_side(self):
        # A sweep's runs in one table: each run's figures are exactly its own summary's,
        # named by scenario (and file where two share a name, as the report does).
        from io import StringIO
        with tempdir() as d:
            again = Path(d) / "again.h5"
            shutil.copy(self.base, again)
            files = [self.base, self.hype, again]
            names = [f"baseline ({Path(self.base).name})", "hype_regret", "baseline (again.h5)"]
            t = pd.read_csv(StringIO(analyze(["summary", *files, "--format", "csv"], check=True).stdout),
                            float_precision="round_trip")
            self.assertEqual(list(t.columns[:4]), ["run", "file", "scenario", "figure"])
            self.assertEqual(list(t["run"].unique()), names)
            j = json.loads(analyze(["summary", *files, "--format", "json"], check=True).stdout)
            self.assertEqual(j["caveats"], [])  # same length and size
            j = j["runs"]
            self.assertEqual([r["run"] for r in j], names)
            for f, name, run in zip(files, names, j):
                one = json.loads(analyze(["summary", f, "--format", "json"], check=True).stdout)
                self.assertEqual(run["figures"], one["figures"], name)
                self.assertEqual(run["file"], str(f))
                rows = t[t["run"] == name].set_index("figure")
                self.assertEqual(sorted(rows.index), sorted(one["figures"]))
                for k, v in one["figures"].items():
                    if v["mean"] is None:
                        self.assertTrue(np.isnan(rows.at[k, "mean"]), (name, k))
                    else:
                        self.assertEqual(rows.at[k, "mean"], v["mean"], (name, k))
            text = analyze(["summary", *files], check=True).stdout
            head = next(line for line in text.splitlines() if line.startswith("figure"))
            for k, name in enumerate(names):
                self.assertIn(f"{k + 1}. {name}", head)
            hype_ai = json.loads(analyze(["summary", self.hype, "--format", "json"], check=True).stdout)
            row = next(line for line in text.splitlines() if line.startswith("  by AI"))
            self.assertIn(f"{hype_ai['figures']['displaced_ai']['mean']:.0f}", row.split()[3:])
            p = analyze(["summary", self.base, self.hype, "--by", "sectors"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("--by must be occupation, sector, region, cohort, tenure or cause", p.stderr)

    def test_compare(self):
        same = json.loads(analyze(["compare", self.base, self.base, "--format", "json"], check=True).stdout)
        self.assertTrue(same["paired"])
        for k, v in same["figures"].items():
            if v["b_minus_a"]["mean"] is not None:
                self.assertEqual(v["b_minus_a"]["mean"], 0, k)
                self.assertFalse(v["b_minus_a"]["distinguishable"], k)
        diff = json.loads(analyze(["compare", self.base, self.hype, "--format", "json"], check=True).stdout)
        ai = diff["figures"]["displaced_ai"]["b_minus_a"]
        self.assertGreater(ai["mean"], 0)
        self.assertTrue(ai["distinguishable"])
        text = analyze(["compare", self.base, self.hype], check=True).stdout
        self.assertIn("distinguishable", text)
        self.assertIn("paired", text)
        self.assertEqual(diff["caveats"], [])  # same length and size: every figure compares
        self.assertTrue(all(v["comparable"] for v in diff["figures"].values()))

    def test_compare_and_side_by_side_print_each_run_with_the_digits_its_summary_gives_it(self):
        # A and B no coarser than each run's own summary. The sector HHI of the US data
        # (0.0019 [0.0017, 0.0022] here) was compared as 0.002 against 0.002: a difference
        # of exactly zero needs no decimals, and A and B took the difference's.
        def decimals(text):
            number = re.search(r"-?\d+(?:\.(\d+))?", text)
            return len(number.group(1) or "") if number else None

        def rows(text):
            out = {}
            for line in text.splitlines():
                cells = re.split(r" {2,}", line.strip())
                if len(cells) >= 3:
                    out[cells[0]] = cells[1:]
            return out

        with tempdir() as d:
            us = run_scenario(d, "us_occupations", ["-r", "4", "--quiet", "--set", "simulation.workers=500000",
                                                    "--set", "simulation.months=12", "--set",
                                                    "simulation.burn_in_months=6"])
            summaries = {p: rows(analyze(["summary", p], check=True).stdout) for p in (self.base, self.hype, us)}
            # (the case: a summary that needs more decimals than the ratio's usual three)
            self.assertEqual(decimals(summaries[us]["sector concentration (employment HHI), first month"][0]), 4)
            checked = 0
            # compare (a run against itself: every difference exactly zero), and summary of
            # runs side by side (its means took the decimals the means alone needed)
            for command, a, b in [("compare", self.base, self.hype), ("compare", us, us), ("summary", us, self.base)]:
                compared = rows(analyze([command, a, b], check=True).stdout)
                for label, cells in compared.items():
                    if label == "figure" or label not in summaries[a]:
                        continue
                    for shown, run in zip(cells[:2], (a, b)):
                        own = summaries[run][label][0]
                        if decimals(own) is None or decimals(shown) is None or "USD" in own:
                            continue
                        self.assertGreaterEqual(decimals(shown), decimals(own), (command, label, shown, own))
                        checked += 1
            self.assertGreater(checked, 120)

    def test_compare_table_prints_each_difference_to_the_digits_it_needs(self):
        # A small policy change (the subsidy moves unemployment by hundredths of a point):
        # each difference is printed to the JSON's value within half its last digit; a
        # difference called distinguishable has no bound that reads as zero, and bounds
        # that differ print differently (no "-0.0%pt [-0.0%pt, -0.0%pt] yes").
        with tempdir() as d:
            sub = run_scenario(d, "baseline", ["-r", "4", "--quiet", "--set", "retraining.subsidy=true"] + QUICK)
            more_digits = 0
            for b in [sub, self.hype]:
                figures = json.loads(analyze(["compare", self.base, b, "--format", "json"],
                                             check=True).stdout)["figures"]
                text = analyze(["compare", self.base, b], check=True).stdout
                checked = 0
                for fig in figures.values():
                    diff = fig["b_minus_a"]
                    if diff["mean"] is None or diff["lo95"] is None or fig["unit"] == "usd":  # (scaled: M, bn)
                        continue
                    value = r"(-?[\d.]+(?:%pt| mo)?)"
                    row = re.search(re.escape(fig["label"]) + r" {2,}.*?  " + value + r" {2,}\[" + value + ", " +
                                    value + r"\] +(yes|no)\n", text)
                    self.assertIsNotNone(row, fig["label"])
                    shown = [row.group(k) for k in (1, 2, 3)]
                    scale = 100 if fig["unit"] in ("share", "rate") else 1
                    for s, v in zip(shown, [diff["mean"], diff["lo95"], diff["hi95"]]):
                        number = re.match(r"-?\d+(?:\.(\d+))?", s)
                        places = len(number.group(1) or "")
                        self.assertLessEqual(abs(float(number.group(0)) - v * scale), 0.5 * 10 ** -places + 1e-12,
                                             (fig["label"], s, v))
                    reads_zero = [not re.search(r"[1-9]", s) for s in shown]
                    if diff["mean"] != 0:
                        self.assertFalse(reads_zero[0], (fig["label"], shown))
                    self.assertEqual(row.group(4) == "yes", diff["distinguishable"], fig["label"])
                    if diff["distinguishable"]:
                        self.assertFalse(reads_zero[1] or reads_zero[2], (fig["label"], shown))
                    if diff["lo95"] < diff["hi95"]:
                        self.assertNotEqual(shown[1], shown[2], fig["label"])
                    checked += 1
                    more_digits += fig["unit"] in ("share", "rate") and len(shown[0].split(".")[-1]) > 4
                self.assertGreater(checked, 30)
            self.assertGreater(more_digits, 0)  # the subsidy's small differences did need them

    def test_flows_are_the_spells_destinations(self):
        # flows: for each occupation left, the share of its rehires in each occupation,
        # replicate by replicate, then the mean; recomputed here from the spells with
        # numpy. The shares of an origin add up to 1 (every rehire went somewhere), and
        # CSV, JSON and the table say the same.
        j = json.loads(analyze(["flows", self.hype, "--format", "json"], check=True).stdout)
        with h5py.File(self.hype) as f:
            names = [n.decode() for n in f["groups/occupation"][()]]
            sp = {k: f["spells"][k][()] for k in ("replicate", "reemployed", "occupation", "new_occupation", "region",
                                                  "new_region")}
            reps, panel = int(f.attrs["replicates"]), float(f["spells"].attrs["panel_rate"])
        back = sp["reemployed"] == 1
        self.assertTrue((sp["region"][back] == sp["new_region"][back]).all())  # why there is no --by region
        self.assertEqual([o["group"] for o in j["origins"]],
                         [n for i, n in enumerate(names) if (back & (sp["occupation"] == i)).any()])
        for o in j["origins"]:
            mine = back & (sp["occupation"] == names.index(o["group"]))
            per_rep = np.array([(mine & (sp["replicate"] == k)).sum() for k in range(reps)], float)
            self.assertAlmostEqual(o["rehires"]["mean"], (per_rep / panel).mean(), places=6)
            self.assertEqual(o["spells"], per_rep.sum())  # what the row rests on
            total = 0
            for d in o["to"]:
                into = mine & (sp["new_occupation"] == names.index(d["group"]))
                counts = np.array([(into & (sp["replicate"] == k)).sum() for k in range(reps)], float)
                share = (counts[per_rep > 0] / per_rep[per_rep > 0]).mean()
                self.assertAlmostEqual(d["share"]["mean"], share, places=12, msg=(o["group"], d["group"]))
                self.assertGreater(counts.sum(), 0)  # only occupations someone went to
                total += d["share"]["mean"]
            self.assertAlmostEqual(total, 1, places=12)
            same = [d for d in o["to"] if d["group"] == o["group"]]
            self.assertEqual(o["same"]["mean"], same[0]["share"]["mean"] if same else 0)
        # --from 12: the displacements that began in months 12 on.
        late = json.loads(analyze(["flows", self.hype, "--from", "12", "--format", "json"], check=True).stdout)
        self.assertEqual(late["from_month"], 12)
        with h5py.File(self.hype) as f:
            start = f["spells/start_month"][()]
        self.assertAlmostEqual(sum(o["rehires"]["mean"] for o in late["origins"]),
                               (back & (start >= 12)).sum() / reps / panel, places=6)
        rows = pd.read_csv(StringIO(analyze(["flows", self.hype, "--format", "csv"], check=True).stdout))
        self.assertEqual(len(rows), sum(len(o["to"]) for o in j["origins"]))
        self.assertTrue(np.allclose(rows.groupby("from_occupation")["share"].sum(), 1))
        # The table: origins with the most rehires first, their own share, then the others
        # that took most, in order.
        text = analyze(["flows", self.hype, "--top", "2"], check=True).stdout
        order = sorted(j["origins"], key=lambda o: -o["rehires"]["mean"])
        lines = [line for line in text.splitlines() if line.split(" ")[0] in {o["group"] for o in order}]
        self.assertEqual([line.split()[0] for line in lines], [o["group"] for o in order])
        first = order[0]
        others = [d for d in first["to"] if d["group"] != first["group"]][:2]
        self.assertRegex(lines[0], rf"{first['group']} +\d+ +{first['spells']} +{100 * first['same']['mean']:.1f}% +" +
                         " +".join(rf"{d['group']} {100 * d['share']['mean']:.1f}%" for d in others))
        self.assertRegex(text, r"(?m)^occupation +rehired +spells +same occupation +to 1 +to 2$")
        few = sum(1 for o in j["origins"] if o["spells"] < 30)
        self.assertGreater(few, 0)  # the small AI roles of this 20,000-worker run
        self.assertIn(f"{few} rows rest on fewer than 30 spells", " ".join(text.split()))

    def test_summary_by_group_gives_its_employment_over_the_last_year(self):
        # employed_end: each replicate's mean employment of the group over the last 12
        # months of the run (or of a --to window), then the mean; by tenure and cause,
        # which are no groups of workers in the series, there is none.
        with h5py.File(self.base) as f:
            names = [n.decode() for n in f["groups/cohort"][()]]
            emp = f["series/by_cohort/employed"][()]  # replicates x months x cohorts
        for args, months in [([], slice(-12, None)), (["--to", "20"], slice(8, 20))]:
            groups = json.loads(analyze(["summary", self.base, "--by", "cohort", "--format", "json"] + args,
                                        check=True).stdout)["groups"]
            for i, name in enumerate(names):
                self.assertAlmostEqual(groups[name]["employed_end"]["mean"], emp[:, months, i].mean(axis=1).mean(),
                                       places=6, msg=(args, name))
        for by in ["tenure", "cause"]:
            groups = json.loads(analyze(["summary", self.base, "--by", by, "--format", "json"], check=True).stdout)
            self.assertTrue(all("employed_end" not in g for g in groups["groups"].values()), by)
        self.assertRegex(analyze(["summary", self.base, "--by", "occupation"], check=True).stdout,
                         r"(?m)^occupation +employed +displaced ")

    def test_report_says_where_the_displaced_found_work(self):
        # The report's table per run is flows' ten largest origins: their rehires, the
        # share in the same occupation and the three others that took most.
        j = json.loads(analyze(["flows", self.hype, "--format", "json"], check=True).stdout)
        top = sorted(j["origins"], key=lambda o: -o["rehires"]["mean"])[:10]
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            page = html.read_text()
        self.assertIn("<h2>Where the displaced found work</h2>", page)
        # (the headline table: within a row every run's figure has as many decimals, even
        # where one run's needs more: a tiny run's 0.1 consolidation layoffs beside the baseline's)
        with tempdir() as d:
            tiny = run_scenario(d, "baseline", ["--quiet", "--set", "simulation.workers=10"] + QUICK[2:])
            html = Path(d) / "tiny.html"
            analyze(["report", self.base, tiny, "-o", html], check=True)
            tiny_page = html.read_text()
            side = analyze(["summary", self.base, tiny], check=True).stdout  # (and side by side in the terminal)
            self.assertRegex(side, r"(?m)^  by consolidation +\d+\.\d +0\.\d$")
        headline = tiny_page[tiny_page.index("<h2>Headline figures</h2>"):tiny_page.index("<h2>Unemployment")]
        rows = re.findall(r"<tr><td[^>]*>([^<]*)</td>(.*?)</tr>", headline)
        self.assertGreater(len(rows), 30)
        more = 0
        for label, row in rows:
            if "USD" in row:
                continue  # (each cost says its own scale: M USD, USD)
            means = re.findall(r'<td class="n">(-?[\d.]+)', row)
            self.assertLessEqual(len({len(m.partition(".")[2]) for m in means}), 1, label)
            more += label == "by consolidation" and "." in means[0]
        self.assertEqual(more, 1)  # the baseline's consolidation layoffs take the tiny run's decimal
        table = re.search(r'<table class="flows" data-run="hype_regret">.*?</table>', page, re.S).group(0)
        rows = re.findall(r'<tr><td>([^<]+)</td><td class="n">(\d+)</td><td class="n">([\d.]+)%</td><td>(.*?)</td>'
                          r'</tr>', table)
        self.assertEqual([r[0] for r in rows], [o["group"] for o in top])
        for (group, rehired, same, others), o in zip(rows, top):
            self.assertEqual(int(rehired), round(o["rehires"]["mean"]))
            self.assertAlmostEqual(float(same), 100 * o["same"]["mean"], delta=0.051 if "." in same else 0.5)
            expected = [t["group"] for t in o["to"] if t["group"] != group][:3]
            self.assertEqual(re.findall(r"(\w+) [\d.]+%", others), expected)
        self.assertIn('data-run="baseline"', page)

    def test_report_says_what_its_headline_figures_are(self):
        # Under the headline table, what summary says under its own: what each kind of
        # figure is, and how many of the panel's displacements each run's rest on (counted
        # here from the files).
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            page = html.read_text()
        notes = re.search(r'<p class="note" id="headline-notes">(.*?)</p>', page, re.S).group(1)
        summary = analyze(["summary", self.base], check=True).stdout
        definitions = " ".join(summary[summary.index("Means over replicates"):summary.index("Earnings followed")].split())
        self.assertIn("Kaplan-Meier", definitions)
        self.assertIn("Displaced again:", definitions)
        self.assertIn(definitions, " ".join(html_module.unescape(notes).split()))
        for path, name in [(self.base, "baseline"), (self.hype, "hype_regret")]:
            with h5py.File(path) as f:
                spells = f["spells/start_month"].shape[0]
            self.assertIn(f"{spells} displacements in {name} (output.panel_rate = 0.2)", notes)
        # The wage histogram's end bins hold the tails, and the axis says so.
        self.assertIn("new wage / old wage (the end bins hold all below 0.25 and all from 1.65)", page)

    def test_summary_and_report_say_when_markets_are_thin(self):
        # Workers over occupations x regions, as the file stores them: the QUICK runs'
        # 20,000 over the baseline's 18 x 2 markets are 556 a market, under 800, where
        # unemployment runs measurably higher (docs/validation.md); the us_occupations
        # run of another test is not thin, and neither are 100,000 of the baseline.
        import tomllib
        with h5py.File(self.base) as f:
            workers = tomllib.loads(f.attrs["scenario_effective_toml"])["simulation"]["workers"]
            per_market = workers / (len(f["groups/occupation"]) * len(f["groups/region"]))
        self.assertAlmostEqual(per_market, 20000 / 36)
        said = f"With {per_market:.0f} workers per market (occupation and region), markets are thin"
        self.assertIn(said, " ".join(analyze(["summary", self.base], check=True).stdout.split()))
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, "-o", html], check=True)
            self.assertIn(said, " ".join(html.read_text().split()))
            # Side by side, runs of one size (a sweep's) are all thin: said once, for all of
            # them, in the terminal and in the report, not once a run.
            side = " ".join(analyze(["summary", self.base, self.hype], check=True).stdout.split())
            self.assertEqual(side.count(said), 1, side)
            self.assertLess(side.index("All 2 runs: "), side.index(said))
            self.assertNotIn("1. baseline:", side)  # nothing left that is the first run's own
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            page = " ".join(html.read_text().split())
            self.assertEqual(page.count(said), 1)
            shared = re.search(r'<p class="note headline-caveats every-run"><b>All 2 runs:</b> (.*?)</p>', page)
            self.assertIn(said, shared.group(1))
            large = run_scenario(d, "baseline", ["-r", "1", "--quiet", "--set", "simulation.months=12", "--set",
                                                 "simulation.burn_in_months=0"])
            # Not shared, it is each run's own: a thin run beside a large one says it after its number.
            side = " ".join(analyze(["summary", self.base, large], check=True).stdout.split())
            self.assertNotIn("All 2 runs", side)
            self.assertEqual(side.count(said), 1, side)
            self.assertLess(side.index("1. baseline"), side.index(said))
            self.assertLess(side.index(said), side.rindex("2. baseline"))
            self.assertNotIn("per market", analyze(["summary", large], check=True).stdout)

    def test_report_shows_the_jobs_by_occupation_against_the_first_run(self):
        # Each occupation's employment over the last year in both runs, the relative
        # change largest first, bold where compare --by occupation calls it distinguishable.
        groups = json.loads(analyze(["compare", self.base, self.hype, "--by", "occupation", "--format", "json"],
                                    check=True).stdout)["groups"]
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            page = html.read_text()
        self.assertIn("<h2>Jobs by occupation: differences from baseline</h2>", page)
        table = re.search(r'<table class="by-occupation" data-run="hype_regret">.*?</table>', page, re.S).group(0)
        rows = re.findall(r'<tr><td>([^<]+)</td><td class="n">(\d+)</td><td class="n">(\d+)</td><td class="n">'
                          r'(<b>)?([+-][\d.]+)%', table)
        self.assertEqual(len(rows), len(groups))
        changes = []
        for name, a, b, bold, change in rows:
            e = groups[name]["employed_end"]
            self.assertEqual((int(a), int(b)), (round(e["a"]["mean"]), round(e["b"]["mean"])), name)
            expected = 100 * (e["b"]["mean"] / e["a"]["mean"] - 1)
            self.assertAlmostEqual(float(change), expected, delta=0.51 * 10 ** -len(change.partition(".")[2]),
                                   msg=name)
            self.assertTrue(float(change) != 0 or expected == 0, name)  # a change never reads as 0.0%
            self.assertEqual(bool(bold), e["b_minus_a"]["distinguishable"], name)
            changes.append(expected)
        self.assertEqual(changes, sorted(changes, reverse=True))

    def test_flows_follow_the_matching_mode(self):
        # Analytic limits: with Cobb-Douglas matching (hires within the market: occupation
        # and region) and no retraining, every rehire is in the occupation the worker left.
        # With network matching a worker applies along the mobility network only, so
        # without retraining every move goes to an occupation the network links to its
        # own (data/baseline_mobility.csv), and some do move.
        with tempdir() as d:
            off = ["--quiet", "--set", "retraining.enabled=false", "--set", "output.panel_rate=0.5"] + QUICK
            cd = run_scenario(d, "baseline", off)
            j = json.loads(analyze(["flows", cd, "--format", "json"], check=True).stdout)
            self.assertGreater(len(j["origins"]), 10)
            for o in j["origins"]:
                self.assertEqual(o["same"]["mean"], 1, o["group"])
                self.assertEqual([t["group"] for t in o["to"]], [o["group"]])
            # no column that no row fills
            self.assertRegex(analyze(["flows", cd], check=True).stdout, r"(?m)^occupation +rehired +spells +same occupation$")
            (Path(d) / "network").mkdir()
            net = run_scenario(str(Path(d) / "network"), "baseline", off + ["--set", "labor_market.matching=network"])
            mobility = pd.read_csv(SCENARIOS / "data" / "baseline_mobility.csv")
            linked = {(a, b) for a, b, p in mobility.itertuples(index=False) if p > 0}
            j = json.loads(analyze(["flows", net, "--format", "json"], check=True).stdout)
            moved = 0
            for o in j["origins"]:
                for t in o["to"]:
                    self.assertIn((o["group"], t["group"]), linked | {(o["group"], o["group"])})
                    moved += t["group"] != o["group"]
            self.assertGreater(moved, 5)
            self.assertLess(min(o["same"]["mean"] for o in j["origins"]), 0.99)
            self.assertRegex(analyze(["flows", net], check=True).stdout, r"(?m)^occupation .* to 3$")
        for args, message in [(["flows", self.base, self.hype], "flows takes one results file"),
                              (["flows", self.base, "--by", "region"], "--by is an option of summary and compare"),
                              (["flows", self.base, "--top", "-1"], "--top must be 0 or more"),
                              (["summary", self.base, "--top", "2"], "--top is an option of flows")]:
            p = analyze(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(message, p.stderr)
        # A value that is not a whole number: the option and what was typed, in one line.
        for args, line in [(["flows", self.base, "--top", "abc"], "--top: expected a whole number, got 'abc'"),
                           (["series", self.base, "--every", "1.5"], "--every: expected a whole number, got '1.5'"),
                           (["summary", self.base, "--from", "x"], "--from: expected a whole number, got 'x'")]:
            p = analyze(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stderr, "laborsim-analyze: " + line + "\n")

    def test_summary_says_what_it_cannot_show(self):
        # One replicate: means without intervals, said once, not on every row. A panel
        # that caught no displacement is not reported as a panel switched off.
        with tempdir() as d:
            one = run_scenario(d, "baseline", ["-r", "1", "--quiet", "--set", "output.panel_rate=1e-9"] + QUICK)
            text = analyze(["summary", one], check=True).stdout
            self.assertIn("With one replicate there are no intervals", text)
            self.assertNotIn("(1 replicate)", text)
            self.assertNotIn("[", text.split("figure")[1].split("Means over")[0])  # no interval on any row
            self.assertIn("The spell panel recorded no spells (no worker in the panel was displaced)", text)
            analyze(["report", one, "-o", Path(d) / "one.html"], check=True)  # the report says it too
            page = (Path(d) / "one.html").read_text()
            notes = re.search(r'id="headline-notes">(.*?)</p>', page, re.S).group(1)
            self.assertIn("rest on 0 displacements (output.panel_rate = 1e-09)", notes)
            caveats = re.search(r'class="note headline-caveats" data-run="baseline">(.*?)</p>', page, re.S).group(1)
            self.assertIn("With one replicate there are no intervals: run more (--replicates).", caveats)
            self.assertIn("The spell panel recorded no spells (no worker in the panel was displaced)", caveats)
            off = run_scenario(d, "no_ai", ["-r", "1", "--quiet", "--set", "output.panel_rate=0"] + QUICK)
            self.assertIn("output.panel_rate = 0", analyze(["summary", off], check=True).stdout)
            # A 12-month run follows no one for 24 months: "reemployed within 24 months" is
            # unknown (the Kaplan-Meier curve ends), not the 12-month share carried on.
            short = run_scenario(d, "baseline", ["-r", "3", "--quiet", "--set", "output.panel_rate=0.2"] + QUICK +
                                 ["--set", "simulation.months=12"])
            with h5py.File(short) as f:
                longest = (f["spells/end_month"][()] - f["spells/start_month"][()]).max()
            self.assertLess(longest, 24)
            fig = json.loads(analyze(["summary", short, "--format", "json"], check=True).stdout)["figures"]
            self.assertIsNone(fig["reemployed_24m"]["mean"])
            self.assertTrue(0 < fig["reemployed_3m"]["mean"] < 1)
            text = analyze(["summary", short], check=True).stdout
            self.assertRegex(text, r"reemployed within 24 months +n/a")
            text = " ".join(text.split())  # (the notes are wrapped at 88 characters)
            self.assertIn("the panel follows no displaced worker that long (the run has 12 months)", text)
            # Nor anyone's earnings for a year: both earnings rows n/a, and why.
            self.assertIsNone(fig["earnings_loss_year1"]["mean"])
            self.assertIn("Earnings lost in year 1 and 3 are n/a: the run (12 months) ends", text)
            self.assertIsNone(fig["in_job_at_end"]["mean"])
            self.assertIn("In a job at the end is n/a: the run (12 months) is shorter than the survey's 3 years", text)
            # Side by side in the terminal too: each run's own, after its number.
            side = " ".join(analyze(["summary", self.base, short], check=True).stdout.split())
            self.assertRegex(side, r"2\. [^:]+: With one replicate|2\. [^:]+: 'reemployed within")
            self.assertIn("In a job at the end is n/a: the run (12 months) is shorter than the survey's 3 years", side)
            self.assertRegex(side, r"1\. [^:]+: Earnings lost in year 3 are n/a: the run \(36 months\)")
            # Side by side with a whole run in the report, each run's own, named.
            analyze(["report", self.base, short, "-o", Path(d) / "two.html"], check=True)
            page = (Path(d) / "two.html").read_text()
            caveats = dict(re.findall(r'class="note headline-caveats" data-run="([^"]+)"><b>[^<]*</b> (.*?)</p>', page,
                                      re.S))
            self.assertEqual(len(caveats), 2, caveats)
            (_, first), (_, second) = caveats.items()
            self.assertIn("Earnings lost in year 3 are n/a: the run (36 months)", html_module.unescape(first))
            self.assertNotIn("In a job at the end", first)
            self.assertIn("In a job at the end is n/a: the run (12 months) is shorter than the survey's 3 years",
                          html_module.unescape(second))
            self.assertIn("Earnings lost in year 3 are n/a: the run (36 months)",
                          analyze(["summary", self.base], check=True).stdout)
            self.assertNotIn("that long", analyze(["summary", self.base], check=True).stdout)
            by_sector = analyze(["summary", short, "--by", "sector"], check=True).stdout
            self.assertIn("A reemployment share is n/a where in over half of the replicates", by_sector)

    def test_compare_several_runs_each_against_the_first(self):
        # A sweep against its reference: each comparison exactly as compare of the pair.
        from io import StringIO
        with tempdir() as d:
            again = Path(d) / "again.h5"
            shutil.copy(self.hype, again)
            runs = [self.base, self.hype, again]
            j = json.loads(analyze(["compare", *runs, "--format", "json"], check=True).stdout)["comparisons"]
            self.assertEqual(len(j), 2)
            for b, c in zip(runs[1:], j):
                self.assertEqual(c, json.loads(analyze(["compare", self.base, b, "--format", "json"], check=True).stdout))
            t = pd.read_csv(StringIO(analyze(["compare", *runs, "--format", "csv"], check=True).stdout),
                            float_precision="round_trip")
            self.assertEqual(list(t.columns[:3]), ["b_run", "b_file", "figure"])
            self.assertEqual(list(t["b_file"].unique()), [str(self.hype), str(again)])
            one = pd.read_csv(StringIO(analyze(["compare", self.base, again, "--format", "csv"], check=True).stdout),
                              float_precision="round_trip")
            # (the multi-run table's last columns are the parameters the runs differ in)
            pd.testing.assert_frame_equal(t[t["b_file"] == str(again)].loc[:, "figure":"comparable"]
                                          .reset_index(drop=True), one)
            text = analyze(["compare", *runs], check=True).stdout
            self.assertEqual(text.count(" against baseline ===\n"), 2)
            self.assertEqual(analyze(["compare", self.base]).returncode, 2)

    def test_compare_summary_and_report_say_when_runs_came_from_other_code_or_another_build(self):
        # The same file under another commit and another standard library: compare says
        # a difference may be the code's, and that with other draws the pairing narrows
        # nothing. Runs of this build say neither.
        with tempdir() as d:
            other = Path(d) / "other.h5"
            shutil.copy(self.base, other)
            with h5py.File(self.base) as f:
                commit, build = f.attrs["git_commit"], f.attrs["build"]
            c = json.loads(analyze(["compare", self.base, self.hype, "--format", "json"], check=True).stdout)
            self.assertFalse([n for n in c["caveats"] if "commit" in n or "standard libraries" in n], c["caveats"])
            with h5py.File(other, "r+") as f:
                f.attrs["git_commit"] = "0123456789ab"
            c = json.loads(analyze(["compare", self.base, other, "--format", "json"], check=True).stdout)
            self.assertEqual(c["caveats"], [f"the runs were made by different laborsim commits (A {commit}, B "
                                            "0123456789ab): a difference may come from the code, not only from the "
                                            "scenarios"])
            # Another compiler with the same standard library draws the same numbers
            # (Debian's clang uses libstdc++): nothing to say.
            library = build.split(", ")[-1]
            with h5py.File(other, "r+") as f:
                f.attrs["git_commit"] = commit
                f.attrs["build"] = f"Clang 14.0.6, {library}"
            self.assertNotIn("Note:", analyze(["compare", self.base, other], check=True).stdout)
            with h5py.File(other, "r+") as f:
                f.attrs["build"] = "Clang 17.0.6, libc++ 170006"
            text = analyze(["compare", self.base, other], check=True).stdout
            self.assertIn(f"Note: the runs were built with different C++ standard libraries (A {library}, B "
                          "libc++ 170006): with the same seed they draw other numbers, so pairing",
                          " ".join(text.split()))
            self.assertNotIn("commits", text)
            # The report, which pairs each run with the first, says the same by the runs'
            # names; side by side, where nothing is paired, only another commit is worth a note.
            html = Path(d) / "report.html"
            analyze(["report", self.base, other, "-o", html], check=True)
            notes = re.findall(r'<p class="note provenance"><b>Note:</b> (.*?)</p>', html.read_text())
            self.assertEqual(len(notes), 1)
            self.assertIn(f"(baseline (baseline.h5) {library}, baseline (other.h5) libc++ 170006)",
                          html_module.unescape(notes[0]))
            side = json.loads(analyze(["summary", self.base, other, "--format", "json"], check=True).stdout)
            self.assertEqual(side["caveats"], [])
            with h5py.File(other, "r+") as f:
                f.attrs["git_commit"] = "0123456789ab"
            side = json.loads(analyze(["summary", self.base, other, "--format", "json"], check=True).stdout)
            self.assertEqual(side["caveats"], [f"the runs were made by different laborsim commits (baseline "
                                               f"(baseline.h5) {commit}, baseline (other.h5) 0123456789ab): a "
                                               "difference may come from the code, not only from the scenarios"])
            self.assertIn("Note: the runs were made by different laborsim commits",
                          analyze(["summary", self.base, other], check=True).stdout)

    def test_compare_pairs_the_replicates_both_runs_have(self):
        # Replicate k draws the same random streams whatever the replicate count, so a
        # run of 2 replicates is the first 2 of the 4-replicate run with the same seed:
        # compare pairs those two, leaves the other two out of A, B and B - A, and finds
        # every difference exactly 0. The report pairs them too.
        with tempdir() as d:
            two = run_scenario(d, "baseline", ["-r", "2", "--quiet", "--set", "output.panel_rate=0.2"] + QUICK)
            c = json.loads(analyze(["compare", self.base, two, "--format", "json"], check=True).stdout)
            self.assertTrue(c["paired"])
            self.assertIn("replicates 0-1 paired by index", c["method"])
            self.assertIn("A's replicates 2-3 left out", c["method"])
            alone = json.loads(analyze(["summary", two, "--format", "json"], check=True).stdout)["figures"]
            for key, fig in c["figures"].items():
                with self.subTest(figure=key):
                    if fig["b_minus_a"]["mean"] is not None:
                        self.assertEqual(fig["b_minus_a"]["mean"], 0)
                    self.assertEqual(fig["a"]["mean"], alone[key]["mean"])  # A over the pairs only
                    self.assertEqual(fig["b"], {k: alone[key][k] for k in fig["b"]})
            text = analyze(["compare", self.base, two], check=True).stdout
            self.assertIn("\n(replicates 0-1 paired by index", text)
            self.assertIn("Parameters that differ (A -> B):\n  simulation.replicates: 4 -> 2\n(", text)
            html = Path(d) / "report.html"
            analyze(["report", two, self.base, "-o", html], check=True)
            page = html.read_text()
            self.assertIn("is paired on the 2 replicates both runs have", page)
            diffs = re.findall(r'<figure class="chart">.*?</figure>', page, re.S)
            self.assertEqual(len([fig for fig in diffs if 'data-chart="diff-' in fig]), 4)
            # With another seed, nothing is paired: Welch intervals.
            other = run_scenario(d, "baseline", ["-r", "2", "--quiet", "--seed", "7"] + QUICK)
            c = json.loads(analyze(["compare", self.base, other, "--format", "json"], check=True).stdout)
            self.assertFalse(c["paired"])
            self.assertIn("Welch", c["method"])

    def test_what_runs_differ_in_and_every_parameter_exported(self):
        # A sweep's runs say which parameters they differ in (summary side by side,
        # compare, report), read from each file's scenario_effective_toml; export writes
        # every parameter of every run to parameters.csv, which must be that TOML as
        # Python's own reader flattens it (tables by their keys, [[occupations]] and the
        # like by name, [[schedule]] entries by month), each value TOML that reads back as
        # the same value.
        import tomllib
        with tempdir() as d:
            runs = []
            for speed, extra in [("0.5", []), ("2", []), ("2", ["--set", "schedule.12.retraining.subsidy=true"])]:
                name = f"speed_{speed}" + ("_subsidy" if extra else "")
                runs.append(run_scenario(d, "baseline", ["-r", "2", "--quiet", "--set", f"ai.adoption_speed={speed}",
                                                         "--set", f"name={name}"] + QUICK + extra))
                runs[-1] = runs[-1].rename(runs[-1].with_name(name + ".h5"))
            slow, fast, subsidy = runs
            j = json.loads(analyze(["summary", slow, fast, "--format", "json"], check=True).stdout)
            self.assertEqual(j["parameters_that_differ"], {"ai.adoption_speed": ["0.5", "2.0"]})
            text = analyze(["summary", slow, fast], check=True).stdout
            self.assertIn("Parameters that differ (runs 1, 2, ...):\n  ai.adoption_speed: 0.5 | 2.0\n", text)
            # The long CSV tables end with a column per parameter swept, each row its run's
            # value: a figure against what was swept, straight from pandas.
            table = pd.read_csv(StringIO(analyze(["summary", slow, fast, "--format", "csv"], check=True).stdout))
            self.assertEqual(list(table.columns[-2:]), ["replicates", "ai.adoption_speed"])
            ai = table[table["figure"] == "displaced_ai"].set_index("ai.adoption_speed")["mean"]
            self.assertEqual(list(ai.index), [0.5, 2.0])
            self.assertEqual(ai[0.5], j["runs"][0]["figures"]["displaced_ai"]["mean"])
            by = pd.read_csv(StringIO(analyze(["summary", slow, fast, "--by", "cohort", "--format", "csv"],
                                              check=True).stdout))
            self.assertEqual(sorted(by.groupby("run")["ai.adoption_speed"].unique().map(list).sum()), [0.5, 2.0])
            against = pd.read_csv(StringIO(analyze(["compare", slow, fast, subsidy, "--format", "csv"],
                                                   check=True).stdout), keep_default_na=False, dtype=str)
            self.assertEqual(list(against.columns[-2:]), ["ai.adoption_speed", "schedule.12.retraining.subsidy"])
            self.assertEqual(sorted(set(zip(against["b_run"], against["ai.adoption_speed"],
                                            against["schedule.12.retraining.subsidy"]))),
                             [("speed_2", "2.0", ""), ("speed_2_subsidy", "2.0", "true")])
            c = json.loads(analyze(["compare", fast, subsidy, "--format", "json"], check=True).stdout)
            self.assertEqual(c["parameters_that_differ"], {"schedule.12.retraining.subsidy": {"a": "", "b": "true"}})
            self.assertIn("  schedule.12.retraining.subsidy: (none) -> true\n",
                          analyze(["compare", fast, subsidy], check=True).stdout)
            self.assertEqual(json.loads(analyze(["compare", fast, fast, "--format", "json"],
                                                check=True).stdout)["parameters_that_differ"], {})
            html = Path(d) / "sweep.html"
            analyze(["report", slow, fast, subsidy, "-o", html], check=True)
            table = re.search(r'<table id="parameters-that-differ">.*?</table>', html.read_text(), re.S).group(0)
            self.assertIn("<tr><td><code>ai.adoption_speed</code></td><td>0.5</td><td>2.0</td><td>2.0</td></tr>", table)
            self.assertIn("<td><code>schedule.12.retraining.subsidy</code></td><td>(none)</td><td>(none)</td>"
                          "<td>true</td>", table)

            # Three runs that differ in one number: the report plots the headline figures
            # against it, in its order (the runs given out of it), mean and interval.
            mid = run_scenario(d, "baseline", ["-r", "2", "--quiet", "--set", "ai.adoption_speed=1",
                                               "--set", "name=speed_1"] + QUICK)
            mid = mid.rename(mid.with_name("speed_1.h5"))
            page = Path(d) / "sweep_report.html"
            analyze(["report", fast, slow, mid, "-o", page], check=True)
            page = page.read_text()
            self.assertIn("<h2>Across the sweep of ai.adoption_speed</h2>", page)
            sweep = re.findall(r'<figure class="chart">.*?</figure>', page[page.index("Across the sweep"):], re.S)
            chart = next(c for c in sweep if 'data-chart="sweep-displaced_ai"' in c)
            line = re.search(r'<polyline fill="none"[^>]*points="([^"]*)"', chart).group(1)
            points = [tuple(map(float, p.split(","))) for p in line.split()]
            self.assertEqual(len(points), 3)
            self.assertEqual([x for x, _ in points], sorted(x for x, _ in points))
            means = [json.loads(analyze(["summary", p, "--format", "json"], check=True).stdout)
                     ["figures"]["displaced_ai"]["mean"] for p in (slow, mid, fast)]
            # (an SVG's y grows downwards: the larger mean, the smaller y)
            self.assertEqual(np.argsort([-y for _, y in points]).tolist(), np.argsort(means).tolist())
            # Two parameters differ: no sweep to plot.
            analyze(["report", slow, fast, subsidy, "-o", Path(d) / "not_a_sweep.html"], check=True)
            self.assertNotIn("Across the sweep", (Path(d) / "not_a_sweep.html").read_text())

            analyze(["export", slow, subsidy, "--format", "csv", "-o", Path(d) / "csv"], check=True)
            exported = pd.read_csv(Path(d) / "csv" / "parameters.csv", dtype=str, keep_default_na=False)
            self.assertEqual(list(exported.columns), ["scenario", "key", "value"])

            def flatten(node, key, out):
                if isinstance(node, dict):
                    for k, v in node.items():
                        flatten(v, f"{key}.{k}" if key else k, out)
                elif isinstance(node, list) and node and all(isinstance(e, dict) for e in node):
                    for i, e in enumerate(node):
                        ident = e.get("name", e.get("month", i))
                        for k, v in e.items():
                            if k not in ("name", "month"):
                                flatten(v, f"{key}.{ident}.{k}", out)
                else:
                    out[key] = node
                return out

            for path, name in [(slow, "speed_0.5"), (subsidy, "speed_2_subsidy")]:
                with h5py.File(path) as f:
                    expected = flatten(tomllib.loads(f.attrs["scenario_effective_toml"]), "", {})
                rows = exported[exported["scenario"] == name]
                self.assertEqual(sorted(rows["key"]), sorted(expected))  # every key
                self.assertEqual(len(set(rows["key"])), len(rows))  # once
                self.assertGreater(len(rows), 100)
                for key, value in zip(rows["key"], rows["value"]):
                    self.assertEqual(tomllib.loads(f"v = {value}")["v"], expected[key], key)
            self.assertIn("occupations.software_developers.wage", set(exported["key"]))
            # Floats in the fewest digits that read back the same (toml++ alone writes
            # 0.15 as 0.14999999999999999), still TOML floats.
            first = exported[exported["scenario"] == "speed_0.5"]
            value = dict(zip(first["key"], first["value"]))
            self.assertEqual((value["ai.hype_premium"], value["ai.adoption_speed"]), ("0.15", "0.5"))
            self.assertEqual(value["occupations.software_developers.wage"], "132000.0")
            self.assertEqual(exported[(exported["scenario"] == "speed_2_subsidy") &
                                      (exported["key"] == "schedule.12.retraining.subsidy")]["value"].tolist(), ["true"])
            analyze(["export", slow, "--format", "json", "-o", Path(d) / "json"], check=True)
            as_json = json.loads((Path(d) / "json" / "parameters.json").read_text())
            self.assertEqual([(p["key"], p["value"]) for p in as_json],
                             list(zip(exported[exported["scenario"] == "speed_0.5"]["key"],
                                      exported[exported["scenario"] == "speed_0.5"]["value"])))

    def test_a_directory_stands_for_its_runs_in_natural_order(self):
        with tempdir() as d:
            sweep = Path(d) / "sweep"
            run(["run", SCENARIOS / "baseline.toml", "-o", sweep, "-r", "1", "--quiet",
                 "--sweep", "ai.adoption_speed=2,10,0.5"] + QUICK, check=True)
            files = [sweep / f"baseline_adoption_speed={v}.h5" for v in ["0.5", "2", "10"]]
            (sweep / "notes.txt").write_text("not a run")  # only .h5 files are runs
            for command in [["summary"], ["summary", "--format", "csv"], ["summary", "--by", "cause"]]:
                self.assertEqual(analyze([*command, sweep], check=True).stdout,
                                 analyze([*command, *files], check=True).stdout, command)
            # A file named before its directory is not compared with itself.
            self.assertEqual(analyze(["compare", files[1], sweep], check=True).stdout,
                             analyze(["compare", files[1], files[0], files[2]], check=True).stdout)
            empty = Path(d) / "empty"
            empty.mkdir()
            p = analyze(["summary", empty])
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"{empty}: a directory with no results files in it (*.h5)", p.stderr)

    def test_report_of_a_two_parameter_sweep_draws_a_line_for_each_value_of_the_other(self):
        with tempdir() as d:
            sweep = Path(d) / "grid"
            run(["run", SCENARIOS / "baseline.toml", "-o", sweep, "-r", "2", "--quiet",
                 "--sweep", "ai.hype_premium=0,1", "--sweep", "ai.adoption_speed=4,0.5,1"] + QUICK, check=True)
            page = Path(d) / "grid.html"
            analyze(["report", sweep, "-o", page], check=True)
            html = page.read_text()
            self.assertIn("<h2>Across the sweep of ai.adoption_speed</h2>", html)
            self.assertIn("<code>ai.hype_premium</code> (a line for each of its values)", html)
            # In the terminal, long names take more header lines, broken after a '_'.
            text = analyze(["summary", sweep], check=True).stdout.splitlines()
            at = next(i for i, l in enumerate(text) if l.startswith("figure"))
            self.assertEqual(text[at].split()[1:3], ["1.", "baseline_hype_"])
            self.assertEqual(text[at + 1].split()[0], "premium=0_adoption_")
            self.assertEqual(text[at + 2].split()[0], "speed=0.5")
            self.assertTrue(set(text[at + 3]) <= {"-", " "})
            self.assertTrue(all(len(cell) <= 24 for l in text[at:at + 3] for cell in l.split("  ") if cell.strip()
                                and not cell.startswith("figure")))
            # Six long names: the title names the first, and the columns may break after each '_'.
            self.assertIn("<h1>laborsim report: baseline_hype_premium=0_adoption_speed=0.5 and 5 other runs</h1>", html)
            self.assertIn("<th>baseline_<wbr>hype_<wbr>premium=1_<wbr>adoption_<wbr>speed=4<br>", html)
            section = html[html.index("Across the sweep"):]
            chart = re.search(r'<figure class="chart">(?:(?!</figure>).)*data-chart="sweep-displaced_ai".*?</figure>',
                              section, re.S).group(0)
            lines = re.findall(r'<polyline fill="none"[^>]*points="([^"]*)"', chart)
            self.assertEqual(len(lines), 2)
            self.assertIn(">ai.hype_premium = 0.0</text>", chart)
            self.assertIn(">ai.hype_premium = 1.0</text>", chart)
            # Each line: the runs of its hype premium at speeds 0.5, 1, 4 in order, each
            # point the run's mean AI layoffs (higher on the page is more).
            for points in lines:
                xy = [tuple(map(float, p.split(","))) for p in points.split()]
                self.assertEqual(len(xy), 3)
                self.assertEqual([x for x, _ in xy], sorted(x for x, _ in xy))
            # The premium's line lies above the line without it at every speed (more AI cuts).
            no, yes = ([tuple(map(float, p.split(","))) for p in l.split()] for l in lines)
            self.assertTrue(all(y1 < y0 for (_, y0), (_, y1) in zip(no, yes)), (no, yes))
            # Two parameters with a pair of values twice, or three, are not a grid to draw.
            shutil.copy(sweep / "baseline_hype_premium=1_adoption_speed=1.h5", Path(d) / "again.h5")
            analyze(["report", sweep, Path(d) / "again.h5", "-o", page], check=True)
            self.assertNotIn("Across the sweep", page.read_text())
            three = Path(d) / "three"
            run(["run", SCENARIOS / "baseline.toml", "-o", three, "-r", "1", "--quiet",
                 "--sweep", "ai.hype_premium=0,1", "--sweep", "ai.adoption_speed=4,0.5,1",
                 "--sweep", "ai.offshore_share=0.5,0.7"] + QUICK, check=True)
            analyze(["report", three, "-o", page], check=True)
            self.assertNotIn("Across the sweep", page.read_text())

    def test_compare_runs_of_other_lengths_or_sizes(self):
        # Counts over a run grow with its months and its workers: between runs that differ
        # in either they are not comparable (a difference would be "distinguishable" for
        # that reason alone); shares and rates still are.
        with tempdir() as d:
            for name, options in [("short", ["--set", "simulation.months=24"]),
                                  ("small", ["--set", "simulation.workers=10000"])]:
                other = run_scenario(d, "baseline", ["-r", "4", "--quiet"] + QUICK + options)
                other = other.rename(other.with_name(name + ".h5"))
                c = json.loads(analyze(["compare", self.base, other, "--format", "json"], check=True).stdout)
                self.assertEqual(len(c["caveats"]), 1, c["caveats"])
                self.assertIn("length" if name == "short" else "size", c["caveats"][0])
                self.assertFalse(c["figures"]["displaced_total"]["comparable"])
                self.assertFalse(c["figures"]["firms_cutting"]["comparable"])
                self.assertFalse(c["figures"]["retraining_cost"]["comparable"])  # a total, like the counts
                self.assertTrue(c["figures"]["retraining_months_to_job"]["comparable"])
                self.assertTrue(c["figures"]["unemployment_rate_end"]["comparable"])
                self.assertTrue(c["figures"]["reemployed_3m"]["comparable"])
                # Concentration moves with size (fewer workers, fewer firms), not with length.
                self.assertEqual(c["figures"]["concentration_end"]["comparable"], name == "short")
                self.assertEqual(c["figures"]["concentration_start"]["comparable"], name == "short")
                text = analyze(["compare", self.base, other], check=True).stdout
                self.assertIn("Note: the runs differ in", text)
                self.assertRegex(text, r"displaced workers \(layoffs of every cause\).*not comparable")
                self.assertIn("20000 workers", text)  # the header says each run's size
                # Side by side (summary of both, the report), the same caveat, once.
                what = "length (months)" if name == "short" else "size (workers)"
                text = analyze(["summary", self.base, other], check=True).stdout
                self.assertEqual(text.count(f"Note: these runs differ in {what}"), 1, text[-400:])
                j = json.loads(analyze(["summary", self.base, other, "--format", "json"], check=True).stdout)
                self.assertEqual(len(j["caveats"]), 1)
                self.assertIn(what, j["caveats"][0])
                self.assertEqual("concentration" in j["caveats"][0], name == "small")
                html = Path(d) / "report.html"
                analyze(["report", self.base, other, "-o", html], check=True)
                self.assertIn(f'id="not-comparable"><b>Note:</b> these runs differ in {what}', html.read_text())
                # The report puts them side by side: it says so too.
                report = Path(d) / f"{name}.html"
                analyze(["report", self.base, other, "-o", report], check=True)
                self.assertIn('id="not-comparable"', page := report.read_text())
                self.assertIn("length (months)" if name == "short" else "size (workers)", page)

    def test_a_write_that_fails_names_the_cause_and_leaves_no_partial_file(self):
        # A full disk or a file size limit (common.file_size_limit: 16 kB, where the
        # series table is ~3 MB and the report ~200 kB): exit 1, the cause named, no
        # temporary file left and no partial file under a final name; an earlier
        # report is left as it was.
        # An export is staged whole: one that fails over an earlier export leaves every
        # earlier file as it was (before, the small files that fitted were replaced, and
        # the directory held the new run's metrics beside the old run's series).
        with tempdir() as d:
            out = Path(d) / "export"
            analyze(["export", self.hype, "--format", "csv", "-o", out], check=True)
            earlier = {f.name: f.read_bytes() for f in out.iterdir()}
            p = subprocess.run([ANALYZE, "export", self.base, "--format", "csv", "-o", out], capture_output=True,
                               text=True, preexec_fn=file_size_limit(16384))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertRegex(p.stderr, r"writing '.*\.csv\.tmp' failed: File too large; '.*\.csv' was not written")
            self.assertEqual({f.name: f.read_bytes() for f in out.iterdir()}, earlier)
            html = Path(d) / "report.html"
            html.write_text("an earlier report")
            p = subprocess.run([ANALYZE, "report", self.base, "-o", html], capture_output=True, text=True,
                               preexec_fn=file_size_limit(16384))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(f"writing '{html}.tmp' failed: File too large; '{html}' was not written", p.stderr)
            self.assertEqual(html.read_text(), "an earlier report")
            self.assertEqual(sorted(f.name for f in Path(d).iterdir()), ["export", "report.html"])

    def test_standard_output_that_cannot_be_written_is_a_failure(self):
        # `series --format csv > out.csv` on a full disk (/dev/full): exit 1 and a message,
        # not a success with a truncated table.
        with open("/dev/full", "w") as full:
            for args in (["series", self.base, "--format", "csv", "--every", "1"], ["summary", self.base]):
                p = subprocess.run([ANALYZE] + [str(a) for a in args], stdout=full, stderr=subprocess.PIPE, text=True)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("laborsim-analyze: error: writing standard output failed", p.stderr)

    def test_export_csv_and_json_read_back_by_pandas(self):
        with tempdir() as d, h5py.File(self.base) as f:
            analyze(["export", self.base, "--format", "csv", "-o", d], check=True)
            series = pd.read_csv(Path(d) / "series.csv")
            spells = pd.read_csv(Path(d) / "spells.csv")
            R, M = 4, 36
            n_agg = len(f["series/aggregate"])
            n_grouped = sum(len(f[f"series/by_{g}"]) * len(f[f"groups/{g}"]) for g in ["occupation", "sector", "region", "cohort"])
            self.assertEqual(len(series), R * M * (n_agg + n_grouped))
            self.assertEqual(list(series.columns), ["scenario", "replicate", "month", "metric", "grouping", "group", "value"])
            self.assertEqual(len(spells), len(f["spells/worker"]))
            v = series.query("metric == 'employed' and grouping == 'aggregate' and replicate == 2 and month == 7")["value"]
            self.assertEqual(v.item(), f["series/aggregate/employed"][2, 7])
            occ = [s.decode() if isinstance(s, bytes) else s for s in f["groups/occupation"][()]]
            v = series.query("metric == 'employed' and grouping == 'occupation' and replicate == 1 and month == 30 and group == @occ[3]")["value"]
            self.assertEqual(v.item(), f["series/by_occupation/employed"][1, 30, 3])
            np.testing.assert_array_equal(spells["duration_months"], f["spells/end_month"][()] - f["spells/start_month"][()])
            self.assertEqual(set(spells["cause"]) - {"ordinary", "ai", "consolidation"}, set())
            self.assertFalse(any(p.name.endswith(".tmp") for p in Path(d).iterdir()))
            # Every number is exact, fractions included: rates and wages read back as the
            # very doubles in the file (pandas' round-trip parser, as JSON's readers are).
            exact = pd.read_csv(Path(d) / "series.csv", float_precision="round_trip")
            for metric in ["e_to_u_rate", "capability_real", "mean_unemployment_weeks"]:
                got = exact.query("metric == @metric and grouping == 'aggregate'").sort_values(["replicate", "month"])["value"]
                np.testing.assert_array_equal(got.to_numpy(), f[f"series/aggregate/{metric}"][()].ravel())
            exact = pd.read_csv(Path(d) / "spells.csv", float_precision="round_trip")
            np.testing.assert_array_equal(exact["wage"].to_numpy(), f["spells/wage"][()].astype(float))
            np.testing.assert_array_equal(spells["tenure_months"], f["spells/tenure_months"][()])
            # The ids that link a worker's displacements and a spell to its firm's events:
            # as in the file, a censored spell's new firm (-1 there) missing.
            np.testing.assert_array_equal(spells["worker"], f["spells/worker"][()])
            np.testing.assert_array_equal(spells["firm"], f["spells/firm"][()])
            new_firm = f["spells/new_firm"][()]
            self.assertTrue((new_firm == -1).any() and (new_firm >= 0).any())
            np.testing.assert_array_equal(spells["new_firm"].fillna(-1).to_numpy(), new_firm)
            self.assertTrue((spells["new_firm"].isna() == (spells["reemployed"] == 0)).all())
            # Earnings: empty (missing to pandas) exactly where the file has NaN; the
            # comparison group row for row, the same way.
            for y in (1, 2, 3):
                np.testing.assert_array_equal(exact[f"earnings_year{y}"].to_numpy(),
                                              f[f"spells/earnings_year{y}"][()].astype(float))
            comparison = pd.read_csv(Path(d) / "comparison.csv", float_precision="round_trip")
            self.assertEqual(list(comparison.columns),
                             ["scenario", "replicate", "worker", "month", "age", "tenure_months", "firm", "sector",
                              "occupation", "region", "wage", "earnings_year1", "earnings_year2", "earnings_year3"])
            self.assertEqual(len(comparison), len(f["comparison/worker"]))
            np.testing.assert_array_equal(comparison["month"], f["comparison/month"][()])
            np.testing.assert_array_equal(comparison["worker"], f["comparison/worker"][()])
            np.testing.assert_array_equal(comparison["firm"], f["comparison/firm"][()])
            np.testing.assert_array_equal(comparison["earnings_year1"].to_numpy(),
                                          f["comparison/earnings_year1"][()].astype(float))

            # The dictionary: every exported series once, with its dataset's unit and
            # description, joined to the series on (metric, grouping) without a miss.
            metrics = pd.read_csv(Path(d) / "metrics.csv", keep_default_na=False)
            self.assertEqual(list(metrics.columns), ["metric", "grouping", "unit", "description"])
            self.assertEqual(len(metrics), len(series.groupby(["metric", "grouping"])))
            joined = series.merge(metrics, on=["metric", "grouping"], how="left", validate="many_to_one")
            self.assertFalse((joined["unit"] == "").any() or joined["unit"].isna().any())
            for _, m in metrics.iterrows():
                path = f"series/{'aggregate' if m.grouping == 'aggregate' else 'by_' + m.grouping}/{m.metric}"
                attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f[path].attrs.items()}
                self.assertEqual((m.unit, m.description), (attrs["unit"], attrs["description"]), path)

            analyze(["export", self.base, "--format", "json", "-o", Path(d) / "j"], check=True)
            sj = pd.read_json(Path(d) / "j" / "series.json")
            self.assertEqual(len(sj), len(series))
            mj = pd.read_json(Path(d) / "j" / "metrics.json")
            pd.testing.assert_frame_equal(mj[metrics.columns], metrics)
            sj = pd.read_json(Path(d) / "j" / "spells.json")
            self.assertEqual(len(sj), len(spells))
            for col in ["worker", "firm", "new_firm"]:
                np.testing.assert_array_equal(sj[col].fillna(-1).to_numpy(), spells[col].fillna(-1).to_numpy())
            # JSON has no NaN: a year not observed is null.
            cj = json.loads((Path(d) / "j" / "comparison.json").read_text())
            self.assertEqual(len(cj), len(comparison))
            self.assertEqual([r["earnings_year3"] for r in cj], [None] * len(cj))  # 36 months: no third year
            self.assertEqual(sum(r["earnings_year1"] is None for r in cj), comparison["earnings_year1"].isna().sum())

    def test_export_csv_read_by_r_and_by_pandas_default_parser_as_the_readme_says(self):
        # README, export: R's read.csv reads every whole number exactly and a fraction to
        # one step of its last binary digit (about one number in 10,000 off: R rounds
        # twice); pandas' default parser is off for several percent of the series values,
        # each by under 1e-13 of itself; the round-trip parser is exact (the test above).
        tables = ["series", "series_summary", "spells", "comparison", "firm_events"]
        with tempdir() as d, h5py.File(self.hype) as f:
            analyze(["export", self.hype, "--format", "csv", "-o", d], check=True)
            p = rscript(f"""
for (name in c({", ".join(f'"{t}"' for t in tables)})) {{
  t <- read.csv(file.path("{d}", paste0(name, ".csv")))
  for (col in names(t)) {{
    x <- t[[col]]
    if (is.numeric(x) || all(is.na(x)))
      writeBin(as.double(x), file.path("{d}", paste0(name, ".", col, ".bin")), size = 8)
  }}
  cat(name, nrow(t), "\\n")
}}
""")
            read, numbers, off = {}, 0, 0
            for name in tables:
                want = pd.read_csv(Path(d) / f"{name}.csv", float_precision="round_trip")
                self.assertIn(f"{name} {len(want)}", p.stdout)
                self.assertGreater(len(want), 0, name)
                numeric = [c for c in want.columns if pd.api.types.is_numeric_dtype(want[c])]
                self.assertGreaterEqual(len(numeric), 3, name)
                for col in numeric:
                    got = np.fromfile(Path(d) / f"{name}.{col}.bin", dtype="<f8")
                    exact = want[col].to_numpy(dtype=float)
                    self.assertTrue((np.isnan(got) == np.isnan(exact)).all(), f"{name}.{col}: NA where empty")
                    whole = ~np.isnan(exact) & (exact == np.round(exact))
                    np.testing.assert_array_equal(got[whole], exact[whole], f"{name}.{col}")
                    np.testing.assert_array_max_ulp(got[~np.isnan(exact)], exact[~np.isnan(exact)], maxulp=1)
                    numbers += int((~np.isnan(exact)).sum())
                    off += int((got[~np.isnan(exact)] != exact[~np.isnan(exact)]).sum())
                    read[name, col] = got
            self.assertGreater(numbers, 50000)
            self.assertLess(off, numbers / 1000, f"{off} of {numbers} numbers off by one step")
            # Against the file itself: wages (float32, so exact in any parser), a censored
            # spell's new firm (NA) and the years of earnings not observed (NaN, NA in R).
            np.testing.assert_array_equal(read["spells", "wage"], f["spells/wage"][()].astype(float))
            new_firm = f["spells/new_firm"][()]
            np.testing.assert_array_equal(read["spells", "new_firm"], np.where(new_firm < 0, np.nan, new_firm))
            self.assertTrue((new_firm < 0).any())
            for y in (1, 2, 3):
                np.testing.assert_array_equal(read["spells", f"earnings_year{y}"],
                                              f[f"spells/earnings_year{y}"][()].astype(float))

            # pandas' default parser on the series' values.
            fast = pd.read_csv(Path(d) / "series.csv")["value"].to_numpy()
            exact = pd.read_csv(Path(d) / "series.csv", float_precision="round_trip")["value"].to_numpy()
            differ = fast != exact
            self.assertTrue(0.01 < differ.mean() < 0.25, differ.mean())
            self.assertLess(np.max(np.abs(fast - exact)[differ] / np.abs(exact[differ])), 1e-13)

    def test_export_summarises_each_month_across_replicates(self):
        # series_summary.csv is series.csv across replicates, recomputed here with pandas
        # and numpy: the mean with its 95% t-interval and the median with the 5-95% band
        # (numpy's default, linear, quantiles). With 4 replicates the interval's half-width
        # is t(0.975, 3) = 3.182446 (the textbook table's value) standard errors.
        with tempdir() as d:
            analyze(["export", self.base, self.hype, "--format", "csv", "-o", d], check=True)
            series = pd.read_csv(Path(d) / "series.csv", float_precision="round_trip", keep_default_na=False,
                                 na_values=[""])
            got = pd.read_csv(Path(d) / "series_summary.csv", float_precision="round_trip", keep_default_na=False,
                              na_values=[""])
            self.assertEqual(list(got.columns), ["scenario", "month", "metric", "grouping", "group", "replicates", "mean",
                                                 "mean_ci95_low", "mean_ci95_high", "p05", "median", "p95"])
            keys = ["scenario", "month", "metric", "grouping", "group"]
            self.assertEqual(len(got), len(series) // 4)
            self.assertFalse(got.duplicated(keys).any())
            # In series.csv's order, without its replicates.
            first = series[series["replicate"] == 0]
            self.assertEqual(sorted(set(got["scenario"])), ["baseline", "hype_regret"])
            for sc in ["baseline", "hype_regret"]:
                a = first[first["scenario"] == sc][["metric", "grouping", "group"]].drop_duplicates()
                b = got[got["scenario"] == sc][["metric", "grouping", "group"]].drop_duplicates()
                self.assertEqual(a.values.tolist(), b.values.tolist())
            v = series.groupby(keys, sort=False)["value"]
            want = pd.DataFrame({
                "replicates": v.count(), "mean": v.mean(), "sd": v.std(ddof=1),
                "p05": v.quantile(0.05), "median": v.quantile(0.5), "p95": v.quantile(0.95)}).reset_index()
            both = got.merge(want, on=keys, suffixes=("", "_want"), validate="one_to_one")
            self.assertEqual(len(both), len(got))
            self.assertTrue((both["replicates"] == 4).all())
            for col in ["mean", "p05", "median", "p95"]:
                np.testing.assert_allclose(both[col], both[col + "_want"], rtol=1e-12, atol=1e-12, err_msg=col)
            half = 3.182446 * both["sd"] / 2.0
            np.testing.assert_allclose(both["mean_ci95_high"] - both["mean"], half, rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(both["mean"] - both["mean_ci95_low"], half, rtol=1e-6, atol=1e-9)
            # One month of one series, from the file itself.
            with h5py.File(self.base) as f:
                col = f["series/aggregate/unemployment_rate"][:, 20]
            row = got.query("scenario == 'baseline' and metric == 'unemployment_rate' and grouping == 'aggregate' "
                            "and month == 20").iloc[0]
            self.assertEqual(row["mean"], np.mean(col))
            self.assertEqual(row["median"], np.median(col))
            # JSON: the same rows and numbers.
            analyze(["export", self.base, self.hype, "--format", "json", "-o", Path(d) / "j"], check=True)
            js = pd.read_json(Path(d) / "j" / "series_summary.json", precise_float=True)
            pd.testing.assert_frame_equal(js[got.columns].reset_index(drop=True), got, check_dtype=False)
            # --grouping keeps the summary's rows to those groupings too.
            analyze(["export", self.base, "--format", "csv", "--grouping", "aggregate", "-o", Path(d) / "a"], check=True)
            agg = pd.read_csv(Path(d) / "a" / "series_summary.csv")
            self.assertEqual(set(agg["grouping"]), {"aggregate"})
            self.assertEqual(len(agg), len(got.query("scenario == 'baseline' and grouping == 'aggregate'")))

    def test_series_by_period(self):
        # Each period's value is, replicate by replicate, the mean of the series over the
        # period's months, then the mean over replicates with its t-interval: recomputed
        # here from the file with numpy (t(0.975, 3) = 3.182446, the textbook value).
        csv = analyze(["series", self.base, "--format", "csv"], check=True).stdout
        got = pd.read_csv(StringIO(csv), float_precision="round_trip")
        self.assertEqual(list(got.columns), ["run", "file", "scenario", "metric", "group", "unit", "from_month",
                                             "to_month", "mean", "lo95", "hi95", "replicates"])
        self.assertEqual(set(got["group"]), {"all"})
        self.assertEqual(list(dict.fromkeys(got["metric"])),
                         ["unemployment_rate", "layoffs_ordinary", "layoffs_ai", "layoffs_consolidation"])
        with h5py.File(self.base) as f:
            for _, row in got.iterrows():
                m = f[f"series/aggregate/{row['metric']}"][()][:, row["from_month"]:row["to_month"] + 1]
                per_replicate = m.mean(axis=1)
                self.assertAlmostEqual(row["mean"], per_replicate.mean(), delta=1e-12 * max(1, abs(row["mean"])))
                half = 3.182446 * per_replicate.std(ddof=1) / 2.0
                self.assertAlmostEqual(row["hi95"] - row["mean"], half, delta=1e-6 * max(1e-9, half) + 1e-12)
                self.assertEqual(row["replicates"], 4)
            unit = f["series/aggregate/unemployment_rate"].attrs["unit"]
            self.assertEqual(got["unit"][0], unit.decode() if isinstance(unit, bytes) else unit)
        self.assertEqual(list(zip(got["from_month"][:3], got["to_month"][:3])), [(0, 11), (12, 23), (24, 35)])
        # The last period may be shorter; a window counts in the run's months.
        ten = pd.read_csv(StringIO(analyze(["series", self.base, "--every", "10", "--metric", "hires", "--format",
                                            "csv"], check=True).stdout))
        self.assertEqual(list(zip(ten["from_month"], ten["to_month"])), [(0, 9), (10, 19), (20, 29), (30, 35)])
        win = pd.read_csv(StringIO(analyze(["series", self.base, "--from", "12", "--to", "30", "--metric", "hires",
                                            "--format", "csv"], check=True).stdout))
        self.assertEqual(list(zip(win["from_month"], win["to_month"])), [(12, 23), (24, 29)])
        # Month by month it is export's series_summary, mean and interval alike.
        with tempdir() as d:
            analyze(["export", self.base, "--format", "csv", "--grouping", "aggregate", "-o", d], check=True)
            summary = pd.read_csv(Path(d) / "series_summary.csv", float_precision="round_trip")
        monthly = pd.read_csv(StringIO(analyze(["series", self.base, "--every", "1", "--metric", "unemployment_rate",
                                                "--format", "csv"], check=True).stdout), float_precision="round_trip")
        same = summary.query("metric == 'unemployment_rate'").reset_index(drop=True)
        np.testing.assert_array_equal(monthly["from_month"], same["month"])
        np.testing.assert_allclose(monthly["mean"], same["mean"], rtol=1e-12)
        np.testing.assert_allclose(monthly["lo95"], same["mean_ci95_low"], rtol=1e-12)
        # JSON: the same numbers.
        js = json.loads(analyze(["series", self.base, "--format", "json"], check=True).stdout)
        self.assertEqual(js["every"], 12)
        periods = js["runs"][0]["series"]["layoffs_ai"]["periods"]
        rows = got[got["metric"] == "layoffs_ai"]
        self.assertEqual([p["mean"] for p in periods], list(rows["mean"]))
        self.assertEqual([p["hi95"] for p in periods], list(rows["hi95"]))
        # The table shows each period's mean as the CSV has it.
        text = analyze(["series", self.base, "--metric", "unemployment_rate"], check=True).stdout
        first = got.query("metric == 'unemployment_rate'").iloc[0]
        self.assertRegex(text, rf"\n0-11 +{100 * first['mean']:.2f}% +\[{100 * first['lo95']:.2f}%, ")
        # Several runs side by side, one column each.
        text = analyze(["series", self.base, self.hype, "--metric", "layoffs_ai"], check=True).stdout
        self.assertIn("1. baseline", text)
        self.assertIn("2. hype_regret", text)
        self.assertIn("Parameters that differ", text)
        # A series by group: each group's periods, from the file's by_cohort datasets.
        by = pd.read_csv(StringIO(analyze(["series", self.base, "--metric", "cohort/employed", "--format", "csv"],
                                          check=True).stdout), float_precision="round_trip")
        with h5py.File(self.base) as f:
            cohorts = [c.decode() if isinstance(c, bytes) else c for c in f["groups/cohort"][()]]
            data = f["series/by_cohort/employed"][()]  # replicates x months x cohorts
        self.assertEqual(list(dict.fromkeys(by["group"])), cohorts)
        for _, row in by.iterrows():
            g = cohorts.index(row["group"])
            per_replicate = data[:, row["from_month"]:row["to_month"] + 1, g].mean(axis=1)
            self.assertAlmostEqual(row["mean"], per_replicate.mean(), delta=1e-9 * max(1, row["mean"]))
        js = json.loads(analyze(["series", self.base, "--metric", "cohort/employed", "--format", "json"],
                                check=True).stdout)
        groups = js["runs"][0]["series"]["cohort/employed"]["groups"]
        self.assertEqual(list(groups), cohorts)
        self.assertEqual([p["mean"] for p in groups[cohorts[0]]], list(by[by["group"] == cohorts[0]]["mean"]))
        text = analyze(["series", self.base, "--metric", "cohort/employed"], check=True).stdout
        self.assertRegex(text, r"months +" + r" +".join(re.escape(c) for c in cohorts))

    def test_series_of_chosen_groups(self):
        # --group: only those groups of a series by group, in the order named, with the
        # values of the whole table; a group the file does not have is refused, naming
        # some it has; --group needs a series by group.
        full = json.loads(analyze(["series", self.base, "--metric", "occupation/employed", "--format", "json"],
                                  check=True).stdout)["runs"][0]["series"]["occupation/employed"]["groups"]
        two = json.loads(analyze(["series", self.base, "--metric", "occupation/employed", "--metric",
                                  "unemployment_rate", "--group", "ml_engineers", "--group", "logistics",
                                  "--format", "json"], check=True).stdout)["runs"][0]["series"]
        self.assertEqual(sorted(two["occupation/employed"]["groups"]), ["logistics", "ml_engineers"])
        self.assertRegex(analyze(["series", self.base, "--metric", "occupation/employed", "--group", "ml_engineers",
                                  "--group", "logistics"], check=True).stdout,
                         r"(?m)^months +ml_engineers +logistics$")  # the table in the order named
        for g in ("ml_engineers", "logistics"):
            self.assertEqual(two["occupation/employed"]["groups"][g], full[g])
        self.assertIn("periods", two["unemployment_rate"])  # an aggregate series is as it was
        text = analyze(["series", self.base, "--metric", "occupation/employed", "--group", "logistics"],
                       check=True).stdout
        self.assertRegex(text, r"(?m)^months +mean +95% interval$")  # one group: its intervals too
        p = analyze(["series", self.base, "--metric", "occupation/employed", "--group", "ml_engineer"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no occupation 'ml_engineer'; did you mean 'ml_engineers'? (occupations: software_developers, "
                      "ml_engineers,", p.stderr)
        p = analyze(["series", self.base, "--group", "logistics"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--group picks groups of a series by group", p.stderr)
        # With summary --by and compare --by: those rows only, in that order, their
        # figures as in the whole table (table, CSV and JSON alike).
        whole = json.loads(analyze(["summary", self.base, "--by", "cohort", "--format", "json"], check=True).stdout)
        picked = json.loads(analyze(["summary", self.base, "--by", "cohort", "--group", "55-64", "--group", "22-25",
                                     "--format", "json"], check=True).stdout)
        self.assertEqual(sorted(picked["groups"]), ["22-25", "55-64"])
        for g in picked["groups"]:
            self.assertEqual(picked["groups"][g], whole["groups"][g])
        text = analyze(["summary", self.base, "--by", "cohort", "--group", "55-64", "--group", "22-25"],
                       check=True).stdout
        self.assertEqual(re.findall(r"(?m)^(\d\d-\d\d) ", text), ["55-64", "22-25"])
        cmp_whole = json.loads(analyze(["compare", self.base, self.hype, "--by", "cause", "--format", "json"],
                                       check=True).stdout)["groups"]
        rows = pd.read_csv(StringIO(analyze(["compare", self.base, self.hype, "--by", "cause", "--group", "AI",
                                             "--format", "csv"], check=True).stdout))
        self.assertEqual(set(rows["cause"]), {"AI"})
        self.assertEqual(len(rows), len(cmp_whole["AI"]))
        side = analyze(["summary", self.base, self.hype, "--by", "region", "--group", "offshore"], check=True).stdout
        self.assertEqual(re.findall(r"(?m)^(us|offshore) ", side), ["offshore", "offshore"])
        p = analyze(["summary", self.base, "--by", "cohort", "--group", "20-25"])
        self.assertNotIn("or their titles", p.stderr)  # (cohorts have none)
        for args, message in [(["summary", self.base, "--by", "cohort", "--group", "20-25"],
                               "no cohort '20-25'; did you mean '22-25'? (cohorts: 22-25, 26-34,"),
                              (["summary", self.base, "--group", "22-25"], "--group picks groups of series by group"),
                              (["compare", self.base, self.hype, "--group", "AI"],
                               "--group picks groups of series by group")]:
            p = analyze(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(message, p.stderr)

    def test_series_refuses_what_it_cannot_show(self):
        p = analyze(["series", self.base, "--metric", "unemployment"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no series 'unemployment'; did you mean one of 'hires_from_unemployment', "
                      "'mean_unemployment_weeks', 'median_unemployment_weeks', 'quits_to_unemployment', "
                      "'unemployment_rate'?", p.stderr)  # (the file's series that contain what was typed)
        self.assertIn("cohort/NAME", p.stderr)
        self.assertEqual(p.stdout, "")
        # A series by group not there: that grouping's series, and those that contain it.
        p = analyze(["series", self.base, "--metric", "occupation/layoff"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no series 'occupation/layoff'; did you mean one of 'occupation/layoffs', "
                      "'occupation/layoffs_ai'? (by occupation it has: employed,", p.stderr)
        # A misspelling, not in any name: the nearest name (the scenario reader's rule too).
        p = analyze(["series", self.base, "--metric", "unemploymnet_rate"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no series 'unemploymnet_rate'; did you mean 'unemployment_rate'?", p.stderr)
        for args in (["series", self.base, "--every", "0"], ["summary", self.base, "--every", "3"],
                     ["summary", self.base, "--metric", "hires"], ["flows", self.base, "--group", "logistics"]):
            p = analyze(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("Usage:", p.stderr)

    def test_firm_events_in_the_summary_and_the_exports(self):
        # The firm panel's figures recomputed from /firm_events with numpy, replicate by
        # replicate; the exports hold every event exactly, with names for kinds, sectors
        # and regions; --from keeps the events of its months; a version-5 file (no
        # /firm_events) gives n/a and an empty table.
        j = json.loads(analyze(["summary", self.hype, "--format", "json"], check=True).stdout)["figures"]
        kinds = ["ai_cut", "regret", "no_regret", "acquisition", "failure"]
        with h5py.File(self.hype) as f:
            e = {k: v[()] for k, v in f["firm_events"].items()}
            sectors = [s.decode() if isinstance(s, bytes) else s for s in f["groups/sector"][()]]
            regions = [s.decode() if isinstance(s, bytes) else s for s in f["groups/region"][()]]
        realised, staff, acquired = [], [], []
        for rep in range(4):
            mine = e["replicate"] == rep
            regret, no_regret = (mine & (e["kind"] == 1)).sum(), (mine & (e["kind"] == 2)).sum()
            realised.append(regret / (regret + no_regret))
            cut = mine & (e["kind"] == 0) & (e["employed"] > 0)
            staff.append(np.mean(e["laid_off"][cut] / e["employed"][cut]))
            acq = mine & (e["kind"] == 3)
            acquired.append(e["laid_off"][acq].sum() / e["employed"][acq].sum())
        self.assertGreater(min(realised), 0)
        self.assertAlmostEqual(j["regret_share_realised"]["mean"], np.mean(realised), places=12)
        self.assertAlmostEqual(j["ai_cut_staff_share"]["mean"], np.mean(staff), places=12)
        self.assertAlmostEqual(j["acquisition_staff_cut"]["mean"], np.mean(acquired), places=12)
        self.assertTrue(0 < j["ai_cut_staff_share"]["mean"] < 1)
        # Firms that cut in the last realisation_months months have no realisation yet:
        # among the firms that met real capability, the share is at least the series'.
        self.assertGreaterEqual(j["regret_share_realised"]["mean"], j["regret_share"]["mean"])

        with tempdir() as d:
            p = analyze(["export", self.hype, "--format", "csv", "-o", d], check=True)
            self.assertIn(f"{len(e['firm'])} firm events", p.stderr)
            t = pd.read_csv(Path(d) / "firm_events.csv", float_precision="round_trip")
            self.assertEqual(list(t.columns),
                             ["scenario", "replicate", "month", "firm", "kind", "sector", "region", "employed",
                              "laid_off", "moved", "reopened", "reopened_offshore", "acquirer",
                              "capability_believed", "capability_real"])
            self.assertEqual(len(t), len(e["firm"]))
            for col in ["replicate", "month", "firm", "employed", "laid_off", "moved", "reopened", "reopened_offshore"]:
                np.testing.assert_array_equal(t[col].to_numpy(), e[col], err_msg=col)
            self.assertEqual(list(t["kind"]), [kinds[k] for k in e["kind"]])
            self.assertEqual(list(t["sector"]), [sectors[s] for s in e["sector"]])
            self.assertEqual(list(t["region"]), [regions[r] for r in e["region"]])
            np.testing.assert_array_equal(t["acquirer"].fillna(-1).to_numpy(), e["other_firm"])
            np.testing.assert_array_equal(t["capability_believed"].to_numpy(),
                                          e["capability_believed"].astype(float))
            # The exported tables join as docs/output-format.md says: every firm is in the
            # panel (firm_panel_rate 1), so each AI layoff starts at an ai_cut of its firm
            # that month, and each consolidation layoff at an acquisition or failure.
            spells = pd.read_csv(Path(d) / "spells.csv")
            keys = ["scenario", "replicate", "firm", "month"]
            for cause, kinds_there in [("ai", {"ai_cut"}), ("consolidation", {"acquisition", "failure"})]:
                mine = spells[spells["cause"] == cause].rename(columns={"start_month": "month"})
                self.assertGreater(len(mine), 0, cause)
                there = t[t["kind"].isin(kinds_there)][keys].drop_duplicates()
                joined = mine.merge(there, on=keys, how="left", indicator=True)
                self.assertEqual(len(joined), len(mine), cause)
                self.assertTrue((joined["_merge"] == "both").all(), cause)
            analyze(["export", self.hype, "--format", "json", "-o", Path(d) / "j"], check=True)
            tj = json.loads((Path(d) / "j" / "firm_events.json").read_text())
            self.assertEqual(len(tj), len(t))
            self.assertEqual(sum(r["capability_real"] is None for r in tj), np.isnan(e["capability_real"]).sum())

        # The report's table: replicate 0's largest AI cuts, largest first, with what followed.
        with tempdir() as d:
            html_path = Path(d) / "r.html"
            analyze(["report", self.hype, "-o", html_path], check=True)
            html = html_path.read_text()
        table = html[html.index('<table class="firm-cuts">'):]
        table = table[:table.index("</table>")]
        rows = re.findall(r"<tr><td class=\"n\">(\d+)</td><td>[^<]*</td><td class=\"n\">(\d+)</td>"
                          r"<td class=\"n\">(\d+) \(", table)
        cuts = np.flatnonzero((e["replicate"] == 0) & (e["kind"] == 0))
        top = cuts[np.argsort(-e["laid_off"][cuts], kind="stable")][:10]
        self.assertEqual([tuple(map(int, r)) for r in rows],
                         [(e["month"][i], e["employed"][i], e["laid_off"][i]) for i in top])
        first = top[0]
        after = np.flatnonzero((e["replicate"] == 0) & (e["firm"] == e["firm"][first]) & (e["kind"] != 0))
        if len(after) and e["kind"][after[0]] == 1:
            self.assertIn(f"regretted, re-opened {e['reopened'][after[0]]} jobs", table)

        # By sector: the same figures over each sector's firms.
        from io import StringIO
        by = pd.read_csv(StringIO(analyze(["summary", self.hype, "--by", "sector", "--format", "csv"],
                                          check=True).stdout), float_precision="round_trip")
        checked = 0
        for g, sector in enumerate(sectors):
            shares = []
            for rep in range(4):
                mine = (e["replicate"] == rep) & (e["sector"] == g)
                regret, no_regret = (mine & (e["kind"] == 1)).sum(), (mine & (e["kind"] == 2)).sum()
                shares.append(regret / (regret + no_regret) if regret + no_regret else np.nan)
            got = by[(by["sector"] == sector) & (by["figure"] == "regret_share_realised")]["mean"]
            if np.isnan(shares).any():
                continue  # n/a in some replicate: the mean is over those that have it
            self.assertAlmostEqual(got.item(), np.mean(shares), places=12, msg=sector)
            checked += 1
        self.assertGreater(checked, 2)
        self.assertIn("acq cut", analyze(["summary", self.hype, "--by", "sector"], check=True).stdout)

        late = json.loads(analyze(["summary", self.hype, "--format", "json", "--from", "24"], check=True).stdout)
        rl = []
        for rep in range(4):
            mine = (e["replicate"] == rep) & (e["month"] >= 24)
            regret, no_regret = (mine & (e["kind"] == 1)).sum(), (mine & (e["kind"] == 2)).sum()
            rl.append(regret / (regret + no_regret))
        self.assertAlmostEqual(late["figures"]["regret_share_realised"]["mean"], np.mean(rl), places=12)

        with tempdir() as d:
            old = older_copy(self.hype, d, 5)
            o = json.loads(analyze(["summary", old, "--format", "json"], check=True).stdout)["figures"]
            for key in ["regret_share_realised", "ai_cut_staff_share", "acquisition_staff_cut"]:
                self.assertIsNone(o[key]["mean"], key)
            self.assertEqual(o["regret_share"], j["regret_share"])
            p = analyze(["export", old, "--format", "csv", "-o", Path(d) / "csv"], check=True)
            self.assertIn(" 0 firm events", p.stderr)
            analyze(["report", old, "-o", Path(d) / "old.html"], check=True)
            self.assertNotIn("firm-cuts", (Path(d) / "old.html").read_text())
            self.assertEqual(len(pd.read_csv(Path(d) / "csv" / "firm_events.csv")), 0)

    def test_an_interrupted_export_leaves_the_directory_as_it_was(self):
        # Ctrl-C (or SIGTERM) while the files are written: the earlier export there is
        # untouched, no new file and no temporary one is left, the exit status is
        # laborsim's (128 + the signal) and it says so.
        import signal
        import time
        with tempdir() as d:
            # A panel of everyone, so that writing its spells takes a while.
            big = run_scenario(d, "baseline", ["-r", "3", "--quiet", "--set", "output.panel_rate=1"] + QUICK)
            out = Path(d) / "csv"
            analyze(["export", self.base, "--format", "csv", "-o", out], check=True)
            before = {p.name: p.read_bytes() for p in out.iterdir()}
            for sig in (signal.SIGINT, signal.SIGTERM):
                p = subprocess.Popen([ANALYZE, "export", str(big), "--format", "csv", "-o", str(out)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                deadline = time.monotonic() + 60
                while not any(f.suffix == ".tmp" for f in out.iterdir()) and p.poll() is None:
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.002)
                self.assertIsNone(p.poll(), "the export ended before its first file was being written")
                p.send_signal(sig)
                _, err = p.communicate(timeout=60)
                self.assertEqual(p.returncode, 128 + sig, err)
                self.assertIn("laborsim-analyze: interrupted; no file written", err)
                self.assertEqual({f.name: f.read_bytes() for f in out.iterdir()}, before)

    def test_export_of_some_groupings(self):
        # --grouping keeps those series rows, exactly as the whole export has them; a
        # grouping no run has is refused before anything is written.
        with tempdir() as d:
            analyze(["export", self.base, "--format", "csv", "-o", Path(d) / "all"], check=True)
            whole = pd.read_csv(Path(d) / "all" / "series.csv", float_precision="round_trip")
            p = analyze(["export", self.base, "--format", "csv", "-o", Path(d) / "some",
                         "--grouping", "aggregate", "--grouping", "region"], check=True)
            self.assertNotIn("note:", p.stderr)  # small enough for a spreadsheet
            some = pd.read_csv(Path(d) / "some" / "series.csv", float_precision="round_trip")
            self.assertEqual(set(some["grouping"]), {"aggregate", "region"})
            pd.testing.assert_frame_equal(
                some, whole[whole["grouping"].isin(["aggregate", "region"])].reset_index(drop=True))
            with h5py.File(self.base) as f:
                self.assertEqual(len(some), 4 * 36 * (len(f["series/aggregate"]) + len(f["series/by_region"])
                                                      * len(f["groups/region"])))
            spells = Path(d) / "some" / "spells.csv"
            self.assertEqual(spells.read_bytes(), (Path(d) / "all" / "spells.csv").read_bytes())
            metrics = pd.read_csv(Path(d) / "some" / "metrics.csv")  # describes those series only
            self.assertEqual(set(metrics["grouping"]), {"aggregate", "region"})
            self.assertEqual(len(metrics), len(some.groupby(["metric", "grouping"])))

            p = analyze(["export", self.base, "--format", "csv", "-o", Path(d) / "bad", "--grouping", "occupations"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("no run has a grouping 'occupations' (they have: aggregate, cohort, occupation, region, "
                          "sector)", p.stderr)
            self.assertFalse((Path(d) / "bad").exists())
            p = analyze(["summary", self.base, "--grouping", "region"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("--grouping is an option of export", p.stderr)

    def test_export_says_when_a_table_is_too_long_for_a_spreadsheet(self):
        # Excel opens 2^20 rows, the header included; a longer series.csv would be cut
        # short there without a word from us. 500 workers over 2,300 months give
        # 2 x 2,300 x (rows a month) > 2^20 rows; one grouping fewer rows.
        with tempdir() as d:
            run_ = run_scenario(d, "baseline", ["-r", "2", "--quiet", "--set", "simulation.workers=500",
                                                "--set", "simulation.months=2300", "--set", "output.panel_rate=0"])
            p = analyze(["export", run_, "--format", "csv", "-o", Path(d) / "all"], check=True)
            with open(Path(d) / "all" / "series.csv") as f:
                lines = sum(1 for _ in f)
            self.assertGreater(lines, 2 ** 20)
            self.assertIn(f"note: series.csv has {lines - 1} rows, more than Excel opens (1048576 with the header)",
                          p.stderr)
            self.assertIn("--grouping aggregate", p.stderr)
            p = analyze(["export", run_, "--format", "csv", "-o", Path(d) / "agg", "--grouping", "aggregate"],
                        check=True)
            self.assertNotIn("note:", p.stderr)
            # One grouping that is still too long (5 x 2,000 months x 108 occupation rows a
            # month): the summary across replicates is the way.
            (Path(d) / "five").mkdir()
            five = run_scenario(str(Path(d) / "five"), "baseline", ["-r", "5", "--quiet", "--set", "simulation.workers=500",
                                                              "--set", "simulation.months=2000",
                                                              "--set", "output.panel_rate=0"])
            p = analyze(["export", five, "--format", "csv", "-o", Path(d) / "occ", "--grouping", "occupation"],
                        check=True)
            self.assertIn("note: series.csv has", p.stderr)
            self.assertIn("series_summary.csv has the same across replicates", p.stderr)
            self.assertNotIn("--grouping aggregate", p.stderr)
            p = analyze(["export", run_, "--format", "json", "-o", Path(d) / "json"], check=True)
            self.assertNotIn("note:", p.stderr)  # JSON is not for spreadsheets

    def test_an_output_where_none_can_go_is_bad_input_named_before_reading(self):
        # A report into a folder, or a folder that is missing, and an export where a file
        # stands: exit 2 with the path named (they were exit 1 with a filesystem error,
        # after the results were read), and nothing written.
        with tempdir() as d:
            d = Path(d)
            (d / "a_file").write_text("not a folder")
            for args, said in [
                    (["report", self.base, "-o", d], f"-o {d} is a directory; name the report's file, e.g. -o "
                                                     f"{d / 'report.html'}"),
                    (["report", self.base, "-o", d / "missing" / "r.html"],
                     f"-o {d / 'missing' / 'r.html'}: the directory {d / 'missing'} does not exist"),
                    (["report", self.base, "-o", d / "a_file" / "r.html"], f"the directory {d / 'a_file'} is a file"),
                    (["export", self.base, "--format", "csv", "-o", d / "a_file"],
                     f"-o {d / 'a_file'}: {d / 'a_file'} is a file, not a directory"),
                    (["export", self.base, "--format", "csv", "-o", d / "a_file" / "sub"],
                     f"{d / 'a_file'} is a file, not a directory")]:
                p = analyze(args)
                self.assertEqual(p.returncode, 2, args)
                self.assertIn(said, p.stderr, args)
                self.assertTrue(p.stderr.startswith("laborsim-analyze: error: -o "), p.stderr)
                self.assertEqual(p.stderr.count("\n"), 1, p.stderr)  # one line: no usage for a path
            self.assertEqual(sorted(os.listdir(d)), ["a_file"])
            # while a missing export folder is made, with its parents
            analyze(["export", self.base, "--format", "csv", "-o", d / "new" / "sub", "--grouping", "aggregate"],
                    check=True)
            self.assertIn("series.csv", os.listdir(d / "new" / "sub"))

    def test_export_of_several_runs_is_their_exports_one_after_another(self):
        # A sweep in one tidy table: each run's rows are its own export's, its scenario
        # column its name (with its file where two runs share a name).
        with tempdir() as d:
            again = Path(d) / "again.h5"
            shutil.copy(self.base, again)
            for fmt, read in [("csv", lambda p: pd.read_csv(p.with_suffix(".csv"), float_precision="round_trip")),
                              ("json", lambda p: pd.read_json(p.with_suffix(".json")))]:
                with self.subTest(fmt=fmt):
                    out = Path(d) / fmt
                    analyze(["export", self.base, self.hype, again, "--format", fmt, "-o", out / "all"], check=True)
                    for part in ["series", "spells"]:
                        both = read(out / "all" / part)
                        names = [f"baseline ({Path(self.base).name})", "hype_regret", "baseline (again.h5)"]
                        self.assertEqual(list(both["scenario"].unique()), names, part)
                        for k, f in enumerate([self.base, self.hype, again]):
                            analyze(["export", f, "--format", fmt, "-o", out / str(k)], check=True)
                            one = read(out / str(k) / part)
                            mine = both[both["scenario"] == names[k]].reset_index(drop=True)
                            pd.testing.assert_frame_equal(mine.drop(columns="scenario"), one.drop(columns="scenario"))
                            self.assertTrue(len(one) > 0, (part, k))

    def test_runs_that_follow_more_years_of_earnings(self):
        # output.earnings_years = 5: the summary's present value is over the five years,
        # recomputed here; an export of it with a 3-year run has columns for five years,
        # empty in the other run's; a file of format version 4 (three years, no
        # earnings_years attribute) reads as before.
        with tempdir() as d:
            long = run_scenario(d, "baseline", ["-r", "4", "--quiet"] + QUICK +
                                ["--set", "simulation.months=70", "--set", "output.earnings_years=5"])
            j = json.loads(analyze(["summary", long, "--format", "json"], check=True).stdout)
            self.assertEqual(j["earnings_years"], 5)
            with h5py.File(long) as f:
                keys = ["replicate", "wage"] + [f"earnings_year{y}" for y in range(1, 6)]
                tables = [{k: f[g][k][()].astype(float) for k in keys} for g in ("spells", "comparison")]
            pv = []
            for rep in range(4):
                ratios = []
                for t in tables:
                    e = np.stack([t[f"earnings_year{y}"] for y in range(1, 6)])
                    rows = (t["replicate"] == rep) & ~np.isnan(e).any(axis=0)
                    ratios.append(e[:, rows].sum(axis=1) / t["wage"][rows].sum())
                pv.append(sum((c - dd) / 1.05 ** y for y, (dd, c) in enumerate(zip(*ratios))))
            self.assertAlmostEqual(j["figures"]["earnings_pv_lost"]["mean"], np.mean(pv), places=9)
            out = Path(d) / "csv"
            analyze(["export", self.base, long, "--format", "csv", "-o", out], check=True)
            for part, g in [("spells", "spells"), ("comparison", "comparison")]:
                t = pd.read_csv(out / f"{part}.csv", float_precision="round_trip")
                self.assertEqual([c for c in t.columns if c.startswith("earnings_year")],
                                 [f"earnings_year{y}" for y in range(1, 6)], part)
                short_rows = t[t["scenario"] == t["scenario"].iloc[0]]
                self.assertTrue(short_rows["earnings_year4"].isna().all() and short_rows["earnings_year5"].isna().all())
                mine = t[t["scenario"] != t["scenario"].iloc[0]]
                with h5py.File(long) as f:
                    np.testing.assert_array_equal(mine["earnings_year5"].to_numpy(),
                                                  f[g]["earnings_year5"][()].astype(float))
            # Against the same run followed three years, only the present value does not
            # compare (it is over other years); compare and side by side say so.
            three = Path(d) / "three.h5"
            run(["run", SCENARIOS / "baseline.toml", "-o", three, "-r", "4", "--quiet"] + QUICK +
                ["--set", "simulation.months=70"], check=True)
            c = json.loads(analyze(["compare", three, long, "--format", "json"], check=True).stdout)
            self.assertEqual(len(c["caveats"]), 1, c["caveats"])
            self.assertIn("output.earnings_years: A 3, B 5", c["caveats"][0])
            self.assertFalse(c["figures"]["earnings_pv_lost"]["comparable"])
            for key in ("earnings_loss_year1", "earnings_years_lost", "displaced_total", "reemployed_12m"):
                self.assertTrue(c["figures"][key]["comparable"], key)
                self.assertEqual(c["figures"][key]["b_minus_a"]["mean"], 0, key)  # following more changes nothing else
            self.assertIn("earnings_pv_lost", analyze(["compare", three, long, "--format", "csv"], check=True).stdout)
            text = analyze(["compare", three, long], check=True).stdout
            self.assertRegex(text, r"over all years followed, present value.*not comparable")
            side = json.loads(analyze(["summary", three, long, "--format", "json"], check=True).stdout)
            self.assertEqual(len(side["caveats"]), 1)
            self.assertIn("different numbers of years", side["caveats"][0])
            html = Path(d) / "long.html"
            analyze(["report", long, "-o", html], check=True)
            self.assertIn('data-chart="earnings-after-displacement"', html.read_text())
            v4 = older_copy(self.base, d, 4)
            with h5py.File(v4, "a") as f:
                for g in ("spells", "comparison"):
                    del f[g].attrs["earnings_years"]
            a = json.loads(analyze(["summary", self.base, "--format", "json"], check=True).stdout)
            b = json.loads(analyze(["summary", v4, "--format", "json"], check=True).stdout)
            firm_panel = {"regret_share_realised", "ai_cut_staff_share", "acquisition_staff_cut"}  # version 6 on
            self.assertEqual({k: v for k, v in a["figures"].items() if k not in firm_panel},
                             {k: v for k, v in b["figures"].items() if k not in firm_panel})
            for key in firm_panel:
                self.assertIsNone(b["figures"][key]["mean"], key)
            self.assertEqual(b["earnings_years"], 3)

    def test_refuses_foreign_files(self):
        with tempdir() as d:
            other = Path(d) / "other.h5"
            with h5py.File(other, "w") as f:
                f.attrs["filetype"] = "something-else"
            p = analyze(["summary", other])
            self.assertEqual(p.returncode, 2)
            self.assertIn("not a laborsim results file", p.stderr)
            future = Path(d) / "future.h5"
            with h5py.File(future, "w") as f:
                f.attrs["filetype"] = "laborsim-results"
                f.attrs["format_version"] = np.int32(99)
            p = analyze(["summary", future])
            self.assertEqual(p.returncode, 2)
            self.assertIn("format version 99 is not supported", p.stderr)
            text = Path(d) / "notes.txt"
            text.write_text("hello")
            p = analyze(["summary", text])
            self.assertEqual(p.returncode, 2)
            self.assertIn("not an HDF5 file", p.stderr)
            self.assertEqual(analyze(["summary", Path(d) / "missing.h5"]).returncode, 2)

    def test_summary_by_tenure(self):
        # Bands of years at the employer lost; each band's figures are those of its spells,
        # recomputed here from the file: the wage replacement is the median new/old wage
        # of the band's rehired in each replicate, then the mean over replicates.
        from io import StringIO
        p = analyze(["summary", self.base, "--by", "tenure", "--format", "csv"], check=True)
        t = pd.read_csv(StringIO(p.stdout), float_precision="round_trip")
        bands = ["under 1 year", "1-3 years", "3-6 years", "6-10 years", "10+ years"]
        self.assertEqual(list(t["tenure"].drop_duplicates()), bands)
        with h5py.File(self.base) as f:
            sp = {k: f["spells"][k][()] for k in ("replicate", "tenure_months", "reemployed", "wage", "new_wage")}
            rate = f["spells"].attrs["panel_rate"]
        edges = [0, 12, 36, 72, 120, 10**6]
        counted = 0
        for b, band in enumerate(bands):
            rows = t[t["tenure"] == band].set_index("figure")
            inside = (sp["tenure_months"] >= edges[b]) & (sp["tenure_months"] < edges[b + 1])
            medians = []
            for rep in range(4):
                back = inside & (sp["replicate"] == rep) & (sp["reemployed"] == 1)
                medians.append(np.median(sp["new_wage"][back].astype(float) / sp["wage"][back]))  # in doubles
            self.assertAlmostEqual(rows.loc["wage_replacement", "mean"], np.mean(medians), places=9, msg=band)
            self.assertAlmostEqual(rows.loc["displaced_estimated", "mean"], inside.sum() / 4 / rate, places=6)
            counted += inside.sum()
        self.assertEqual(counted, len(sp["replicate"]))  # every spell in one band
        # Longer tenure, more lost: each band's replacement below the one before.
        repl = [t[(t["tenure"] == band) & (t["figure"] == "wage_replacement")]["mean"].item() for band in bands]
        self.assertEqual(repl, sorted(repl, reverse=True))

    def test_earnings_losses_are_against_the_comparison_group(self):
        # Recomputed from the file: per replicate, 1 - (sum of the displaced's earnings in
        # the year / sum of their wages before) / (the same for the comparison group), over
        # the rows whose year is observed; then the mean over replicates. By tenure band,
        # both groups restricted to the band.
        from io import StringIO
        with h5py.File(self.base) as f:
            sp = {k: f["spells"][k][()].astype(float) for k in ("replicate", "tenure_months", "wage",
                                                                "earnings_year1", "earnings_year3")}
            cp = {k: f["comparison"][k][()].astype(float) for k in ("replicate", "tenure_months", "wage",
                                                                    "earnings_year1", "earnings_year3")}

        def loss(year, rep, lo=0, hi=10**6):
            ratios = []
            for t in (sp, cp):
                rows = (t["replicate"] == rep) & (t["tenure_months"] >= lo) & (t["tenure_months"] < hi)
                rows &= ~np.isnan(t[f"earnings_year{year}"])
                ratios.append(t[f"earnings_year{year}"][rows].sum() / t["wage"][rows].sum())
            return 1 - ratios[0] / ratios[1]

        fig = json.loads(analyze(["summary", self.base, "--format", "json"], check=True).stdout)["figures"]
        expected = np.mean([loss(1, rep) for rep in range(4)])
        self.assertAlmostEqual(fig["earnings_loss_year1"]["mean"], expected, places=9)
        self.assertTrue(0.1 < expected < 0.6, expected)  # months without a job, then lower pay
        self.assertEqual(fig["earnings_loss_year1"]["unit"], "share")
        # A 36-month run observes no one's third year: n/a, not 0.
        self.assertIsNone(fig["earnings_loss_year3"]["mean"])
        self.assertIsNone(fig["earnings_loss_year3_tenured"]["mean"])
        self.assertIsNone(fig["earnings_years_lost"]["mean"])
        p = analyze(["summary", self.base, "--by", "tenure", "--format", "csv"], check=True)
        t = pd.read_csv(StringIO(p.stdout), float_precision="round_trip")
        for band, lo, hi in [("under 1 year", 0, 12), ("3-6 years", 36, 72)]:
            got = t[(t["tenure"] == band) & (t["figure"] == "earnings_loss_year1")]["mean"].item()
            self.assertAlmostEqual(got, np.mean([loss(1, rep, lo, hi) for rep in range(4)]), places=9, msg=band)
        self.assertIn("loss y1", analyze(["summary", self.base, "--by", "tenure"], check=True).stdout)

    def test_summary_by_cause(self):
        # One row per cause of displacement: its reemployment is the summary's row for
        # that cause, its count the panel's spells of that cause scaled up, and its
        # earnings loss is against the whole comparison group (no one in it was
        # displaced, for any cause), recomputed here from the file.
        from io import StringIO
        t = pd.read_csv(StringIO(analyze(["summary", self.hype, "--by", "cause", "--format", "csv"],
                                         check=True).stdout), float_precision="round_trip")
        self.assertEqual(list(t["cause"].drop_duplicates()), ["ordinary", "AI", "consolidation"])
        fig = json.loads(analyze(["summary", self.hype, "--format", "json"], check=True).stdout)["figures"]
        with h5py.File(self.hype) as f:
            sp = {k: f["spells"][k][()].astype(float) for k in ("replicate", "cause", "wage", "earnings_year1")}
            cp = {k: f["comparison"][k][()].astype(float) for k in ("replicate", "wage", "earnings_year1")}
            rate = f["spells"].attrs["panel_rate"]
        for code, name in [(1, "ordinary"), (2, "AI"), (3, "consolidation")]:
            rows = t[t["cause"] == name].set_index("figure")["mean"]
            self.assertEqual(rows["reemployed_12m"], fig[f"reemployed_12m_{name.lower()}"]["mean"], name)
            self.assertAlmostEqual(rows["displaced_estimated"], (sp["cause"] == code).sum() / 4 / rate, places=6)
            losses = []
            for rep in range(4):
                ratios = []
                for tab, keep in [(sp, sp["cause"] == code), (cp, True)]:
                    k = (tab["replicate"] == rep) & keep & ~np.isnan(tab["earnings_year1"])
                    ratios.append(tab["earnings_year1"][k].sum() / tab["wage"][k].sum())
                losses.append(1 - ratios[0] / ratios[1])
            self.assertAlmostEqual(rows["earnings_loss_year1"], np.mean(losses), places=9, msg=name)
        self.assertEqual(analyze(["summary", self.hype, "--by", "causes"]).returncode, 2)

    def test_summary_by_group_of_several_runs(self):
        # Several runs by group: each run's own --by output, one after another (CSV with
        # run, file and scenario first; JSON a list of the runs), what they differ in above.
        by = ["--by", "occupation"]
        one = {p: analyze(["summary", p, *by, "--format", "csv"], check=True).stdout.splitlines()
               for p in (self.base, self.hype)}
        j = json.loads(analyze(["summary", self.base, self.hype, *by, "--format", "json"], check=True).stdout)
        both = pd.read_csv(StringIO(analyze(["summary", self.base, self.hype, *by, "--format", "csv"],
                                            check=True).stdout), dtype=str, keep_default_na=False)
        single = one[self.base][0].split(",")
        swept = list(j["parameters_that_differ"])
        self.assertEqual(list(both.columns), ["run", "file", "scenario"] + single + swept)
        for k, (p, name) in enumerate([(self.base, "baseline"), (self.hype, "hype_regret")]):
            rows = both[both["run"] == name]
            self.assertTrue((rows["file"] == str(p)).all() and (rows["scenario"] == name).all())
            alone_rows = pd.read_csv(StringIO("\n".join(one[p])), dtype=str, keep_default_na=False)
            pd.testing.assert_frame_equal(rows[single].reset_index(drop=True), alone_rows)
            for key in swept:
                self.assertEqual(set(rows[key]), {j["parameters_that_differ"][key][k]}, key)
        self.assertEqual([r["run"] for r in j["runs"]], ["baseline", "hype_regret"])
        alone = json.loads(analyze(["summary", self.hype, *by, "--format", "json"], check=True).stdout)
        self.assertEqual({k: v for k, v in j["runs"][1].items() if k != "run"}, alone)
        self.assertIn("ai.hype_premium", j["parameters_that_differ"])
        text = analyze(["summary", self.base, self.hype, *by], check=True).stdout
        self.assertIn("=== 1. baseline ===", text)
        self.assertIn("=== 2. hype_regret ===", text)

    def test_every_figure_is_defined_in_the_docs(self):
        # docs/analysis.md defines every figure summary, summary --by and compare print,
        # by its key: a figure added without a definition fails here.
        doc = (SOURCE / "docs" / "analysis.md").read_text()
        keys = set(json.loads(analyze(["summary", self.hype, "--format", "json"], check=True).stdout)["figures"])
        for by in ["sector", "cause", "tenure"]:
            groups = json.loads(analyze(["summary", self.hype, "--by", by, "--format", "json"],
                                        check=True).stdout)["groups"]
            for figures in groups.values():
                keys |= set(figures)
        self.assertGreater(len(keys), 40)
        missing = sorted(k for k in keys if f"`{k}`" not in doc)
        self.assertEqual(missing, [])

    def test_compare_by_group(self):
        # compare --by: each group's figures of the two runs, paired replicate by
        # replicate. Each side is that run's summary --by, exactly; the difference in
        # displaced counts by cause is recomputed here from the spells (each replicate's
        # count of the cause over the panel rate, B - A, with its paired t-interval).
        cmp = json.loads(analyze(["compare", self.base, self.hype, "--by", "cause", "--format", "json"],
                                 check=True).stdout)
        self.assertEqual(cmp["by"], "cause")
        self.assertTrue(cmp["paired"])
        self.assertEqual(list(cmp["groups"]), ["AI", "consolidation", "ordinary"])  # (JSON sorts its keys)
        sides = {}
        for side, path in [("a", self.base), ("b", self.hype)]:
            sides[side] = json.loads(analyze(["summary", path, "--by", "cause", "--format", "json"],
                                             check=True).stdout)["groups"]
        counts = {}
        for side, path in [("a", self.base), ("b", self.hype)]:
            with h5py.File(path) as f:
                cause, rep = f["spells/cause"][()], f["spells/replicate"][()]
                rate = f["spells"].attrs["panel_rate"]
            counts[side] = {c: np.array([((cause == c) & (rep == r)).sum() / rate for r in range(4)]) for c in (1, 2, 3)}
        t3 = 3.182446305284263  # t quantile 0.975, 3 degrees of freedom
        for code, name in [(1, "ordinary"), (2, "AI"), (3, "consolidation")]:
            group = cmp["groups"][name]
            for key, fig in group.items():
                for side in ("a", "b"):
                    got = {k: fig[side][k] for k in ("mean", "lo95", "hi95")}
                    self.assertEqual(got, {k: sides[side][name][key][k] for k in got}, (name, key, side))
            d = counts["b"][code] - counts["a"][code]
            half = t3 * d.std(ddof=1) / 2
            diff = group["displaced_estimated"]["b_minus_a"]
            self.assertAlmostEqual(diff["mean"], d.mean(), places=6)
            self.assertAlmostEqual(diff["lo95"], d.mean() - half, places=6)
            self.assertAlmostEqual(diff["hi95"], d.mean() + half, places=6)
            self.assertEqual(diff["distinguishable"], bool(abs(d.mean()) > half))
        # hype_regret cuts more for AI than the baseline: there it is distinguishable.
        self.assertTrue(cmp["groups"]["AI"]["displaced_estimated"]["b_minus_a"]["distinguishable"])
        # A run against itself: every difference 0, in every group.
        same = json.loads(analyze(["compare", self.hype, self.hype, "--by", "occupation", "--format", "json"],
                                  check=True).stdout)
        self.assertEqual(len(same["groups"]), 18)
        self.assertEqual(same["unmatched_groups"], [])
        for group in same["groups"].values():
            for fig in group.values():
                self.assertIn(fig["b_minus_a"]["mean"], (0, None))
        # The table: a row per group, B - A in each figure's column, * where distinguishable.
        text = analyze(["compare", self.base, self.hype, "--by", "cause"], check=True).stdout
        ai_row = next(line for line in text.splitlines() if line.startswith("AI "))
        self.assertRegex(ai_row, r"^AI\s+\d+\*")
        rows = pd.read_csv(StringIO(analyze(["compare", self.base, self.hype, "--by", "cause", "--format", "csv"],
                                            check=True).stdout))
        self.assertEqual(len(rows), 3 * len(cmp["groups"]["AI"]))
        self.assertEqual(list(rows.columns[:3]), ["cause", "figure", "unit"])
        # The report's "who bears it" tables are compare --by cohort's: B - A, bold where
        # distinguishable.
        by_cohort = json.loads(analyze(["compare", self.base, self.hype, "--by", "cohort", "--format", "json"],
                                       check=True).stdout)["groups"]
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            table = re.search(r'<table class="by-cohort" data-run="hype_regret">.*?</table>', html.read_text(),
                              re.S).group(0)
        rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table)
        self.assertEqual(sorted(r[0] for r in rows), sorted(by_cohort))
        for cohort, cells in rows:
            self.assertEqual(len(re.findall(r"<td>(.*?)</td>", cells)), 4)
            for cell, key, scale, places in zip(re.findall(r"<td>(.*?)</td>", cells),
                                                ["employed_end", "displaced_estimated", "reemployed_12m",
                                                 "earnings_loss_year1"],
                                                [1, 1, 100, 100], [0, 0, 1, 1]):
                diff = by_cohort[cohort][key]["b_minus_a"]
                bold = cell.startswith("<b>")
                self.assertEqual(bold, diff["distinguishable"], (cohort, key, cell))
                if diff["mean"] is None:
                    continue
                number = re.match(r"(?:<b>)?(-?\d+(?:\.(\d+))?)", cell)
                shown, decimals = float(number.group(1)), len(number.group(2) or "")
                # At least the figure's own decimals; more where the interval is narrow.
                self.assertGreaterEqual(decimals, places, (cohort, key, cell))
                self.assertLessEqual(abs(shown - diff["mean"] * scale), 0.5 * 10 ** -decimals + 1e-9, (cohort, key, cell))
        for args, message in [(["compare", self.base, self.hype, self.base, "--by", "cause"],
                               "compare --by takes two results files"),
                              (["export", self.base, "--format", "csv", "-o", "/nonexistent", "--by", "cause"],
                               "--by is an option of summary and compare"),
                              (["compare", self.base, self.hype, "--by", "causes"],
                               "--by must be occupation, sector, region, cohort, tenure or cause")]:
            p = analyze(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(message, p.stderr)

    def test_reads_files_of_format_version_3(self):
        # Version 3 had neither the spells' earnings nor the comparison group: the
        # earnings figures are n/a, the exports leave earnings empty and list no
        # comparison records; everything else is as before.
        with tempdir() as d:
            old = older_copy(self.base, d, 3, [f"spells/earnings_year{y}" for y in (1, 2, 3)] + ["comparison"])
            new_fig = json.loads(analyze(["summary", self.base, "--format", "json"], check=True).stdout)["figures"]
            old_fig = json.loads(analyze(["summary", old, "--format", "json"], check=True).stdout)["figures"]
            self.assertIsNotNone(new_fig["earnings_loss_year1"]["mean"])
            self.assertIsNone(old_fig["earnings_loss_year1"]["mean"])
            for key in ["displaced_total", "reemployed_12m", "wage_replacement", "wage_replacement_tenured"]:
                self.assertEqual(old_fig[key], new_fig[key], key)
            analyze(["summary", old, "--by", "tenure"], check=True)
            analyze(["summary", old, "--from", "12"], check=True)
            p = analyze(["export", old, "--format", "csv", "-o", Path(d) / "csv"], check=True)
            self.assertIn(" 0 comparison records", p.stderr)
            spells = pd.read_csv(Path(d) / "csv" / "spells.csv")
            self.assertTrue(spells["earnings_year1"].isna().all())
            self.assertEqual(len(pd.read_csv(Path(d) / "csv" / "comparison.csv")), 0)
            analyze(["report", old, "-o", Path(d) / "old.html"], check=True)  # no earnings chart to draw
            page = (Path(d) / "old.html").read_text()
            self.assertNotIn('data-chart="earnings-after-displacement"', page)
            # nor a word on earnings' present value, only why they are n/a
            notes = re.search(r'id="headline-notes">(.*?)</p>', page, re.S).group(1)
            self.assertNotIn("output.earnings_years", notes)
            self.assertIn("Earnings lost are n/a: files of format version 3 do not record earnings.", page)

    def test_reads_files_of_format_version_2(self):
        # Version 2 had no spells/tenure_months: its figures by tenure are n/a, its
        # exports leave tenure empty (missing to pandas), and everything else is as before.
        with tempdir() as d:
            old = older_copy(self.base, d, 2, ["spells/tenure_months"])
            new_fig = json.loads(analyze(["summary", self.base, "--format", "json"], check=True).stdout)["figures"]
            old_fig = json.loads(analyze(["summary", old, "--format", "json"], check=True).stdout)["figures"]
            self.assertIsNotNone(new_fig["wage_replacement_tenured"]["mean"])
            self.assertIsNone(old_fig["wage_replacement_tenured"]["mean"])
            for key in ["displaced_total", "reemployed_12m", "wage_replacement"]:
                self.assertEqual(old_fig[key], new_fig[key], key)
            p = analyze(["summary", old, "--by", "tenure"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("--by tenure needs a file of format version 3", p.stderr)
            analyze(["export", old, "--format", "csv", "-o", Path(d) / "csv"], check=True)
            spells = pd.read_csv(Path(d) / "csv" / "spells.csv")
            self.assertTrue(spells["tenure_months"].isna().all())
            self.assertGreater(len(spells), 0)
            # The report draws tenure only for the runs that record it.
            analyze(["report", old, "-o", Path(d) / "old.html"], check=True)
            self.assertNotIn('data-chart="wage-by-tenure"', (Path(d) / "old.html").read_text())
            analyze(["report", old, self.base, "-o", Path(d) / "both.html"], check=True)
            both = (Path(d) / "both.html").read_text()
            tenure = re.search(r'<svg data-chart="wage-by-tenure".*?</svg>', both, re.S).group(0)
            self.assertEqual(len(re.findall(r"<polyline fill=\"none\"", tenure)), 1)  # the new file's line only

    def test_names_what_it_cannot_read_in_a_damaged_file(self):
        with tempdir() as d:
            good = Path(self.base).read_bytes()
            cut = Path(d) / "cut.h5"  # an interrupted copy
            cut.write_bytes(good[: len(good) // 2])
            p = analyze(["summary", cut])
            self.assertEqual(p.returncode, 2)
            self.assertIn("cut.h5: cannot read", p.stderr)
            self.assertIn("damaged or truncated", p.stderr)
            for dataset in ["spells/age", "groups/region_offshore"]:
                broken = Path(d) / "broken.h5"
                broken.write_bytes(good)
                with h5py.File(broken, "a") as f:
                    del f[dataset]
                p = analyze(["summary", broken])
                self.assertEqual(p.returncode, 2, dataset)
                self.assertIn(f"broken.h5: cannot read /{dataset} (", p.stderr)
            with h5py.File(broken, "a") as f:
                del f.attrs["seed"]
            p = analyze(["summary", broken])
            self.assertIn("cannot read attribute 'seed' of /", p.stderr)
            self.assertEqual(p.stdout, "")

    def test_refuses_a_file_whose_datasets_disagree_before_reading_past_them(self):
        # A file edited by hand or pieced together: a series longer than the replicates and
        # months the attributes give used to be read past its buffer, a shorter one left
        # values unset, and an index past a group read past the group's names. Each is
        # now refused, naming the dataset, what it holds and what it should, and nothing
        # is written.
        def edit(f, name, value):
            del f[name]
            f[name] = value

        with h5py.File(self.base) as f:
            R, M = f["series/aggregate/employed"].shape
            O = len(f["groups/occupation"])
            n = len(f["spells/replicate"])
            occupation, age = f["spells/occupation"][()], f["spells/age"][()]
            kind = f["firm_events/kind"][()]
        cases = [
            (lambda f: edit(f, "series/aggregate/employed", np.zeros((R + 1, M))),
             f"/series/aggregate/employed has {R + 1} x {M} values where the file's replicates and months make "
             f"{R} x {M} values"),
            (lambda f: edit(f, "series/aggregate/vacancies", np.zeros((R, M - 1))),
             f"/series/aggregate/vacancies has {R} x {M - 1} values where"),
            (lambda f: edit(f, "series/by_occupation/hires", np.zeros((R, M, O + 2))),
             f"/series/by_occupation/hires has {R} x {M} x {O + 2} values where the file's replicates, months and "
             f"/groups/occupation make {R} x {M} x {O} values"),
            (lambda f: edit(f, "spells/occupation", np.where(np.arange(n) == 3, O, occupation).astype(np.int32)),
             f"/spells/occupation holds {O} in row 3, not an index into /groups/occupation (0 to {O - 1})"),
            (lambda f: edit(f, "spells/age", age[:-1]), f"/spells/age has {n - 1} rows where /spells/replicate has {n}"),
            (lambda f: edit(f, "spells/age", np.stack([age, age])), f"/spells/age has 2 x {n} values, not a column"),
            (lambda f: edit(f, "firm_events/kind", np.where(np.arange(len(kind)) == 0, 7, kind).astype(np.int32)),
             "/firm_events/kind holds 7 in row 0, not a kind: 0 ai_cut"),
            (lambda f: edit(f, "groups/cohort", np.array([b"22-25", b"26-34"], dtype=h5py.string_dtype())),
             "/groups/cohort has 2 names where a results file has 6 age cohorts"),
            (lambda f: f.attrs.__setitem__("months", np.array([M, M], dtype=np.int32)),
             "attribute 'months' of / has 2 values where it should have one"),
            (lambda f: f.attrs.__setitem__("scenario_name", np.array(["a", "b"], dtype=h5py.string_dtype())),
             "attribute 'scenario_name' of / has 2 values where it should have one"),
            (lambda f: f.attrs.__setitem__("months", np.int32(0)),
             "its attributes say 4 replicates of 0 months; a run has at least one of each"),
        ]
        with tempdir() as d:
            for damage, message in cases:
                edited = Path(d) / "edited.h5"
                shutil.copy(self.base, edited)
                with h5py.File(edited, "a") as f:
                    damage(f)
                for command in (["summary", edited], ["series", edited, "--metric", "employed"],
                                ["export", edited, "--format", "csv", "-o", Path(d) / "out"]):
                    p = analyze(command)
                    self.assertEqual(p.returncode, 2, (message, command, p.stderr))
                    self.assertIn(f"edited.h5: {message}", p.stderr)
                    self.assertEqual(p.stdout, "")
                self.assertFalse((Path(d) / "out").exists())

    def test_report_tells_runs_of_one_scenario_apart(self):
        # The same scenario twice (as with other --set values) and a third run: each is
        # named by its file where names are shared, and every line of every chart has a
        # look (colour, dash) of its own.
        with tempdir() as d:
            again = Path(d) / "again.h5"
            shutil.copy(self.base, again)
            html = Path(d) / "report.html"
            analyze(["report", self.base, again, self.hype, "-o", html], check=True)
            page = html.read_text()
            base_name = Path(self.base).name
            self.assertIn(f"<h3>baseline ({base_name})</h3>", page)
            self.assertIn("<h3>baseline (again.h5)</h3>", page)
            self.assertIn("<h3>hype_regret</h3>", page)
            for svg in re.findall(r"<svg data-chart=.*?</svg>", page, re.S):
                looks = re.findall(r'<polyline fill="none" stroke="(#[0-9a-f]+)" stroke-width="2"'
                                   r'(?: stroke-dasharray="([^"]+)")?', svg)
                # (a difference chart has a line for each run but the first)
                self.assertGreaterEqual(len(looks), 2 if svg.startswith('<svg data-chart="diff-') else 3, svg[:80])
                self.assertEqual(len(set(looks)), len(looks), svg[:80])

    def test_report_escapes_what_the_files_say(self):
        # A scenario's name (and its text, shown in the report) is the user's: markup in it
        # is shown as typed, never taken as the page's own.
        with tempdir() as d:
            name = 'a <b>bold</b> & "quoted" name'
            run = run_scenario(d, "baseline", ["-r", "2", "--quiet", "--set", f"name={name}"] + QUICK)
            with h5py.File(run) as f:
                self.assertEqual(f.attrs["scenario_name"], name)
            html = Path(d) / "report.html"
            analyze(["report", run, "-o", html], check=True)
            page = html.read_text()
            self.assertNotIn("<b>", page)
            self.assertIn("a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; name", page)

    def test_report_says_how_each_run_was_built(self):
        # Under provenance, with the commit: the compiler and standard library whose
        # draws made the run (the file's `build`).
        with tempdir() as d, h5py.File(self.base) as f:
            html = Path(d) / "report.html"
            analyze(["report", self.base, "-o", html], check=True)
            self.assertRegex(f.attrs["build"], r"^(GCC|Clang) ")
            self.assertIn(f"(git {f.attrs['git_commit']}), format {f.attrs['format_version']}, "
                          f"built with {f.attrs['build']}</td>", html.read_text())

    def test_report_charts_keep_their_data_in_view(self):
        # Each chart's legend sits where it hides no point of any line or band (a corner
        # left free, or room made above the data); its title is a caption the page can
        # wrap, not SVG text cut at the chart's edge; a count's axis ticks whole numbers.
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            page = html.read_text()
        figures = re.findall(r'<figure class="chart">.*?</figure>', page, re.S)
        self.assertEqual(len(figures), 20)  # 16, and 4 of the second run's paired differences
        # A chart at 0 in every month of every run draws on its axis: its caption says so.
        # The baseline's firms never regret (its hype is too small, docs/model.md section 4),
        # the hype scenario's do.
        zero = [re.search(r"<figcaption>([^<]+)</figcaption>", f).group(1) for f in figures
                if "(zero throughout)" in f]
        self.assertEqual(zero, [], "no chart of both runs is all zero")
        with tempdir() as d:
            html = Path(d) / "base.html"
            analyze(["report", self.base, "-o", html], check=True)
            base_page = html.read_text()
        self.assertEqual(re.findall(r"<figcaption>([^<]*\(zero throughout\))</figcaption>", base_page),
                         ["Firms that regretted their AI cuts (zero throughout)"])
        for fig in figures:
            chart = re.search(r'data-chart="([^"]+)"', fig).group(1)
            caption = re.search(r"<figcaption>([^<]+)</figcaption><svg", fig)
            self.assertIsNotNone(caption, chart)
            self.assertIn(f'aria-label="{caption.group(1)}"', fig)
            self.assertNotIn('class="title"', fig)
            box = re.search(r'<g class="legend-box"><rect x="([-\d.]+)" y="([-\d.]+)" '
                            r'width="([\d.]+)" height="([\d.]+)"', fig)
            self.assertIsNotNone(box, chart)
            x, y, w, h = map(float, box.groups())
            points, along = [], []  # along: the middle of each line's segments
            for kind, shape in re.findall(r'<(polyline fill="none"|polygon fill="#[0-9a-f]+")[^>]*points="([^"]*)"',
                                          fig):
                pts = [tuple(map(float, p.split(","))) for p in shape.split()]
                points += pts
                if kind.startswith("polyline"):
                    along += [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(pts, pts[1:])]
            # (the fewest: a point per year after displacement and run; 2 years in 36 months)
            self.assertGreaterEqual(len(points), 4 if chart == "earnings-after-displacement" else 20, chart)
            hidden = [p for p in points + along if x <= p[0] <= x + w and y <= p[1] <= y + h]
            self.assertEqual(hidden, [], f"{chart}: the legend covers data")
            # Room is made by widening the axis, never by cutting data off: every point
            # lies within the frame.
            frame = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" '
                              r'class="frame"/>', fig)
            fx, fy, fw, fh = map(float, frame.groups())
            outside = [p for p in points
                       if not (fx - 0.01 <= p[0] <= fx + fw + 0.01 and fy - 0.01 <= p[1] <= fy + fh + 0.01)]
            self.assertEqual(outside, [], chart)
            ticks = re.findall(r'class="tick" text-anchor="end">([^<]*)<', fig)
            self.assertGreaterEqual(len(ticks), 2, chart)
            if re.search(r'class="axis" text-anchor="middle">(workers|firms)</text>', fig):
                self.assertTrue(all(re.fullmatch(r"-?\d+", t) for t in ticks), f"{chart}: {ticks}")

    def test_a_scheduled_run_says_when_its_parameters_change(self):
        # hype_wave changes its hype premium at month 36 ([[schedule]]): the summary's
        # header and JSON say so, the report marks the month on every chart by month and
        # nowhere else, and the stored scenario, schedule included, reruns the same run.
        with tempdir() as d:
            options = ["-r", "2", "--quiet", "--set", "simulation.workers=20000", "--set", "simulation.months=48",
                       "--set", "simulation.burn_in_months=12"]
            wave = run_scenario(d, "hype_wave", options)
            table = analyze(["summary", wave], check=True).stdout
            self.assertIn("; parameters change at month 36\n", table.splitlines(keepends=True)[0])
            self.assertEqual(json.loads(analyze(["summary", wave, "--format", "json"], check=True).stdout)
                             ["schedule_months"], [36])
            self.assertEqual(json.loads(analyze(["summary", self.base, "--format", "json"], check=True).stdout)
                             ["schedule_months"], [])

            html = Path(d) / "report.html"
            analyze(["report", self.base, wave, "-o", html], check=True)
            page = html.read_text()
            self.assertIn("hype_wave: parameters change at month 36", page)
            self.assertIn('<td class="schedule-change">month 36: <code>ai.hype_decay_months = 24.0, '
                          'ai.hype_premium = 1.0</code>', page)  # what changes, under provenance
            for fig in re.findall(r'<figure class="chart">.*?</figure>', page, re.S):
                chart = re.search(r'data-chart="([^"]+)"', fig).group(1)
                marks = re.findall(r'<line x1="([\d.]+)" x2="[\d.]+" y1="[\d.]+" y2="[\d.]+" stroke="(#[0-9a-f]+)" '
                                   r'class="change"/>', fig)
                if chart.startswith("fan-"):
                    # In the second run's colour, at month 36 of an axis from 0 to 47
                    # (x ticks at every 10 months: 64 + 36/47 of 480 pixels).
                    self.assertEqual(len(marks), 1, chart)
                    self.assertEqual(marks[0][1], "#d62728", chart)
                    self.assertAlmostEqual(float(marks[0][0]), 64 + 36 / 47 * 480, places=1)
                else:
                    self.assertEqual(marks, [], chart)

            # Paired with the baseline (same seed), the two runs are one run until month
            # 36: the whole run's difference in AI layoffs is the difference from month
            # 36 on, where --from 36 puts it, exactly.
            base = run_scenario(d, "baseline", options)
            whole = json.loads(analyze(["compare", base, wave, "--format", "json"], check=True).stdout)
            later = json.loads(analyze(["compare", base, wave, "--format", "json", "--from", "36"], check=True).stdout)
            self.assertEqual(later["from_month"], 36)
            self.assertEqual(whole["figures"]["displaced_ai"]["b_minus_a"]["mean"],
                             later["figures"]["displaced_ai"]["b_minus_a"]["mean"])
            self.assertGreater(later["figures"]["displaced_ai"]["b_minus_a"]["mean"], 0)
            self.assertLess(later["figures"]["displaced_ai"]["a"]["mean"], whole["figures"]["displaced_ai"]["a"]["mean"])

            # The report's paired differences from the baseline are zero, exactly, until
            # the change: every point of the difference lines left of the mark lies on
            # the chart's zero line.
            html = Path(d) / "paired.html"
            analyze(["report", base, wave, "-o", html], check=True)
            page = html.read_text()
            diffs = [fig for fig in re.findall(r'<figure class="chart">.*?</figure>', page, re.S)
                     if 'data-chart="diff-' in fig]
            self.assertEqual(len(diffs), 4)
            for fig in diffs:
                chart = re.search(r'data-chart="([^"]+)"', fig).group(1)
                zero = float(re.search(r'<line x1="64" x2="544" y1="([\d.]+)" y2="[\d.]+" class="grid"/>'
                                       r'<text [^>]*>-?0(?:\.0+)?%?</text>', fig).group(1))
                mark = float(re.search(r'<line x1="([\d.]+)"[^>]*class="change"/>', fig).group(1))
                line = re.search(r'<polyline fill="none"[^>]*points="([^"]*)"', fig).group(1)
                points = [tuple(map(float, p.split(","))) for p in line.split()]
                before = [y for x, y in points if x < mark - 0.5]
                self.assertEqual(len(before), 36, chart)
                self.assertTrue(all(abs(y - zero) < 0.01 for y in before), chart)
            analyze(["report", base, wave, self.base, "-o", Path(d) / "three.html"], check=True)
            self.assertIn("is not paired with it (another seed or length)",
                          (Path(d) / "three.html").read_text())

            recipe = Path(d) / "recipe.toml"
            with h5py.File(wave) as f:
                stored = f.attrs["scenario_effective_toml"]
                self.assertIn("[[schedule]]\nmonth = 36", stored)
                recipe.write_text(stored)
            again = Path(d) / "again.h5"
            run(["run", recipe, "-o", again, "--quiet"], check=True)
            with h5py.File(wave) as f, h5py.File(again) as g:
                for name in ["series/aggregate/layoffs_ai", "series/aggregate/capability_perceived",
                             "series/by_occupation/employed", "spells/worker"]:
                    np.testing.assert_array_equal(f[name][()], g[name][()], err_msg=name)

    def test_report_renders_in_headless_chromium(self):
        with tempdir() as d:
            html = Path(d) / "report.html"
            analyze(["report", self.base, self.hype, "-o", html], check=True)
            page = html.read_text()
            self.assertNotIn('id="not-comparable"', page)  # same length and size
            self.assertNotIn("http://", page.replace("http://www.w3.org/2000/svg", ""))  # no external assets
            self.assertNotIn("https://", page)
            charts = page.count("<svg data-chart=")
            self.assertEqual(charts, 20)
            for chart in ["fan-unemployment_rate", "fan-layoffs_ai", "fan-young_high_exposure_employed",
                          "fan-concentration", "fan-firms_mandate",
                          "km-reemployment", "wage-replacement", "wage-by-tenure", "earnings-after-displacement"]:
                self.assertIn(f'data-chart="{chart}"', page)
            flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     f"--user-data-dir={d}/profile", "--enable-logging=stderr", "--v=0"]
            url = html.as_uri()
            dom = subprocess.run(["chromium"] + flags + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
            self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
            self.assertIn(f'data-rendered="{charts}"', dom.stdout, "the page's script ran and found every chart")
            self.assertEqual(re.search(r'data-legend-overflow="(\d+)"', dom.stdout).group(1), "0",
                             "legends whose names run out of their box")
            self.assertNotIn("Uncaught", dom.stderr)
            # A sweep's long names (full of '_' and '=') stay within their legends too.
            runs = []
            for k, name in enumerate(["baseline_hype_premium=0_adoption_speed=0.5",
                                      "baseline_hype_premium=1_adoption_speed=4",
                                      "baseline_hype_premium=1_adoption_speed=0.5"]):
                runs.append(Path(d) / f"run{k}.h5")
                shutil.copy(self.base, runs[-1])
                with h5py.File(runs[-1], "a") as f:
                    f.attrs["scenario_name"] = name
            long_html = Path(d) / "long.html"
            analyze(["report", *runs, "-o", long_html], check=True)
            long_dom = subprocess.run(["chromium"] + flags + ["--dump-dom", long_html.as_uri()], capture_output=True,
                                      text=True, timeout=120)
            overflow = re.search(r'data-legend-overflow="(\d+)"', long_dom.stdout)
            self.assertIsNotNone(overflow, long_dom.stderr[-2000:])
            self.assertEqual(overflow.group(1), "0", "legends whose long names run out of their box")
            png = Path(d) / "shot.png"
            shot = subprocess.run(["chromium"] + flags + ["--window-size=1200,1800", f"--screenshot={png}", url],
                                  capture_output=True, text=True, timeout=120)
            self.assertTrue(png.exists(), shot.stderr[-2000:])
            from PIL import Image
            img = np.asarray(Image.open(png).convert("L"), dtype=float)
            self.assertGreater(img.std(), 10, "screenshot is not blank")
            self.assertGreater((img < 200).mean(), 0.01, "something is drawn")

    def test_plotting_example(self):
        with tempdir() as d:
            out = Path(d) / "plot.png"
            p = subprocess.run([sys.executable, SOURCE / "tools" / "plot_results.py", self.base, self.hype, "-o", out],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            from PIL import Image
            img = np.asarray(Image.open(out).convert("L"), dtype=float)
            self.assertGreater(img.std(), 10)
            # A directory stands for its runs, in natural order.
            runs = Path(d) / "runs"
            runs.mkdir()
            for name, src in [("speed=10.h5", self.base), ("speed=2.h5", self.hype)]:
                shutil.copy(src, runs / name)
            p = subprocess.run([sys.executable, SOURCE / "tools" / "plot_results.py", runs, "-o", out],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(f"(2 runs: {runs / 'speed=2.h5'}, {runs / 'speed=10.h5'})", p.stdout)
            # Runs of one scenario are told apart in the legend by their files, as
            # laborsim-analyze names them (the two copies hold the same scenario).
            sys.path.insert(0, str(SOURCE / "tools"))
            try:
                import plot_results
            finally:
                sys.path.pop(0)
            self.assertEqual(plot_results.run_labels([runs / "speed=2.h5", runs / "speed=10.h5"], ["hype", "hype"]),
                             ["hype (speed=2.h5)", "hype (speed=10.h5)"])
            self.assertEqual(plot_results.run_labels(["a/x.h5", "b/x.h5", "c/y.h5", "z.h5"], ["s", "s", "s", "t"]),
                             ["s (a/x.h5)", "s (b/x.h5)", "s (y.h5)", "t"])
            self.assertEqual(plot_results.run_labels(["a.h5", "b.h5"], ["base", "hype"]), ["base", "hype"])
            copies = Path(d) / "copies"
            copies.mkdir()
            for name in ("one.h5", "two.h5"):
                shutil.copy(self.hype, copies / name)
            p = subprocess.run([sys.executable, SOURCE / "tools" / "plot_results.py", copies, "-o", out],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            # Any aggregate series, a panel each: three panels make a wider figure.
            wide = Path(d) / "wide.png"
            p = subprocess.run([sys.executable, SOURCE / "tools" / "plot_results.py", self.hype, "--metric",
                                "regret_rehires", "--metric", "vacancies", "--metric", "unemployment_rate",
                                "-o", wide], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(f"(1 run: {self.hype})", p.stdout)
            self.assertGreater(Image.open(wide).size[0], 1.4 * Image.open(out).size[0])
            p = subprocess.run([sys.executable, SOURCE / "tools" / "plot_results.py", self.hype, "--metric", "vacancy",
                                "-o", Path(d) / "bad.png"], capture_output=True, text=True)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("no series 'vacancy'; did you mean 'vacancies'?", p.stderr)
            self.assertFalse((Path(d) / "bad.png").exists())


class RandomScenarios(unittest.TestCase):
    """The figures of runs drawn at random over the parameter space (as the engine's
    Model.RandomScenariosKeepEveryInvariant draws them, extremes included) stay within
    what they can be: shares within 0-100%, counts, durations and costs at least 0, each
    interval around its mean, a figure n/a exactly where no replicate gives it; the
    displaced add up by cause, and the reemployment curve never falls. For the whole
    run and by cause and age group, in JSON and CSV alike."""

    # LABORSIM_RANDOM_SCENARIOS=N [LABORSIM_RANDOM_SEED=S] searches longer, as in the engine's test.
    SEED = int(os.environ.get("LABORSIM_RANDOM_SEED", 20261203))
    RUNS = int(os.environ.get("LABORSIM_RANDOM_SCENARIOS", 12))

    @staticmethod
    def overrides(rng):
        out = []

        def num(key, lo, hi):
            x = rng.random()
            if x < 0.35:
                return
            v = lo if x < 0.45 else hi if x < 0.5 else lo + (hi - lo) * rng.random()
            out.append(f"{key}={v!r}")

        def flag(key, p_true):
            out.append(f"{key}={'true' if rng.random() < p_true else 'false'}")

        if rng.random() < 0.5:
            out.append("labor_market.matching=network")
        num("labor_market.matching_efficiency", 0, 3)
        num("labor_market.quit_rate", 0, 0.5)
        num("labor_market.layoff_rate", 0, 0.5)
        num("labor_market.quit_to_unemployment_share", 0, 1)
        num("labor_market.replacement_share", 0, 1)
        num("labor_market.vacancies_per_unemployed", 0, 5)
        num("labor_market.tenure_wage_growth", 0, 0.2)
        num("labor_market.job_ladder", 0, 1)
        num("labor_market.new_hire_separation_factor", 0, 5)
        flag("ai.enabled", 0.8)
        num("ai.adoption_speed", 0, 10)
        num("ai.hype_premium", 0, 3)
        num("ai.reduction_intensity", 0, 1)
        num("ai.intensity_sd", 0, 1.5)
        num("ai.rehire_share", 0, 1)
        num("ai.offshore_share", 0, 1)
        flag("consolidation.enabled", 0.8)
        num("consolidation.acquisition_share", 0, 1)
        num("consolidation.duplicate_cut_share", 0, 1)
        flag("retraining.enabled", 0.8)
        num("retraining.entry_rate", 0, 1)
        num("retraining.at_risk_entry_rate", 0, 0.5)
        flag("retraining.subsidy", 0.3)
        num("retraining.public_share", 0, 1)
        flag("demography.enabled", 0.7)
        num("demography.unemployed_exit_rate", 0, 0.5)
        num("demography.early_retirement_rate", 0, 0.5)
        num("output.comparison_rate", 0, 1)
        return out

    def check_figures(self, figures, replicates, where):
        for key, f in figures.items():
            at = f"{where}: {key}"
            self.assertTrue(0 <= f["replicates"] <= replicates, at)
            # each replicate's value: the mean is theirs, over the replicates that give one
            given = [v for v in f["values"] if v is not None]
            self.assertEqual((len(f["values"]), len(given)), (replicates, f["replicates"]), at)
            if given:
                self.assertAlmostEqual(f["mean"], np.mean(given), delta=1e-9 * max(1, abs(f["mean"])), msg=at)
            if f["mean"] is None:
                self.assertEqual(f["replicates"], 0, at)
                self.assertIsNone(f["lo95"], at)
                continue
            self.assertGreater(f["replicates"], 0, at)
            self.assertTrue(np.isfinite(f["mean"]), at)
            if f["lo95"] is not None:
                self.assertLessEqual(f["lo95"], f["mean"] + 1e-9 * abs(f["mean"]), at)
                self.assertGreaterEqual(f["hi95"], f["mean"] - 1e-9 * abs(f["mean"]), at)
            loss = key.startswith("earnings")  # the displaced may earn more than those not displaced
            if f["unit"] in ("share", "rate") and not loss:
                self.assertTrue(0 <= f["mean"] <= 1, at)
                if f["lo95"] is not None:
                    self.assertTrue(0 <= f["lo95"] and f["hi95"] <= 1, at)
            elif f["unit"] in ("count", "months", "usd", "ratio") and not loss:
                self.assertGreaterEqual(f["mean"], 0, at)
                if f["lo95"] is not None:
                    self.assertGreaterEqual(f["lo95"], 0, at)

    def test_figures_stay_within_what_they_can_be(self):
        import random
        rng = random.Random(self.SEED)
        with tempdir() as d:
            for k in range(self.RUNS):
                sets = self.overrides(rng)
                where = f"run {k}: " + " ".join(sets)
                out = Path(d) / f"r{k}.h5"
                args = ["run", SCENARIOS / "baseline.toml", "-o", out, "-r", "3", "--quiet",
                        "--set", "simulation.workers=3000", "--set", "simulation.months=30",
                        "--set", "simulation.burn_in_months=6", "--set", "output.panel_rate=0.5"]
                for o in sets:
                    args += ["--set", o]
                run(args, check=True)
                whole = json.loads(analyze(["summary", out, "--format", "json"], check=True).stdout)
                fig = whole["figures"]
                self.check_figures(fig, 3, where)
                parts = [fig[f"displaced_{c}"]["mean"] for c in ("ordinary", "ai", "consolidation")]
                self.assertAlmostEqual(fig["displaced_total"]["mean"], sum(parts), delta=1e-9 * max(1, sum(parts)),
                                       msg=where)
                curve = [fig[f"reemployed_{m}m"] for m in (3, 6, 12, 24)]
                for a, b in zip(curve, curve[1:]):
                    if a["mean"] is not None and b["mean"] is not None and a["replicates"] == b["replicates"]:
                        self.assertLessEqual(a["mean"], b["mean"] + 1e-12, where)
                # The CSV is the JSON's numbers.
                table = pd.read_csv(StringIO(analyze(["summary", out, "--format", "csv"], check=True).stdout),
                                    float_precision="round_trip")
                for _, row in table.iterrows():
                    want = fig[row["figure"]]["mean"]
                    if want is None:
                        self.assertTrue(pd.isna(row["mean"]), where)
                    else:
                        self.assertEqual(row["mean"], want, f"{where}: {row['figure']}")
                for by in ("cause", "cohort"):
                    groups = json.loads(analyze(["summary", out, "--by", by, "--format", "json"], check=True).stdout)
                    for name, figures in groups["groups"].items():
                        self.check_figures(figures, 3, f"{where} --by {by} {name}")
                # Where they went: each origin's shares within 0-100% and adding up to 1, its
                # rehires adding up to the panel's reemployed spells (scaled), and the
                # table printing whatever the run.
                flows = json.loads(analyze(["flows", out, "--format", "json"], check=True).stdout)["origins"]
                with h5py.File(out) as f:
                    rehired = (f["spells/reemployed"][()] == 1).sum() / 3 / f["spells"].attrs["panel_rate"]
                self.assertAlmostEqual(sum(o["rehires"]["mean"] for o in flows), rehired, delta=1e-9 * max(1, rehired),
                                       msg=where)
                for o in flows:
                    self.assertAlmostEqual(sum(t["share"]["mean"] for t in o["to"]), 1, places=12, msg=where)
                    for t in [o["same"]] + [t["share"] for t in o["to"]]:
                        self.assertTrue(0 <= t["mean"] <= 1 and (t["lo95"] is None or 0 <= t["lo95"] <= t["hi95"] <= 1),
                                        where)
                analyze(["flows", out], check=True)


if __name__ == "__main__":
    unittest.main()
