"""The data-driven US scenario: the derived tables rebuild identically from the
originals, the joins hold, errors in data files name file, line and column, and the
scenario behaves as docs/us-occupations.md says."""
import csv
import filecmp
import json
import re
import subprocess
import sys
import unittest
from collections import defaultdict
from pathlib import Path

import h5py
import numpy as np

from common import SCENARIOS, SOURCE, analyze, run, run_scenario, tempdir

DATA = SCENARIOS / "data"
ORIGINAL = DATA / "original"


def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


class DerivedTables(unittest.TestCase):
    def test_rebuild_is_identical(self):
        with tempdir() as d:
            p = subprocess.run([sys.executable, SOURCE / "tools" / "build_us_tables.py", "--out", d], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            for name in ["us_occupations.csv", "us_mobility.csv"]:
                self.assertTrue(filecmp.cmp(Path(d) / name, DATA / name, shallow=False), name)

    def test_originals_are_unchanged_copies(self):
        shared = SOURCE.parent / "shared" / "data"
        if not shared.exists():
            self.skipTest("../shared/data not beside the checkout")
        for rel in ["gpts-are-gpts/occ_level.csv", "bls-oes-2021/national_May2021_dl.csv",
                    "occupational-mobility/asec_to_bls_mobility_edgelist.csv"]:
            self.assertTrue(filecmp.cmp(ORIGINAL / rel, shared / rel, shallow=False), rel)

    def test_joins(self):
        occ = rows(DATA / "us_occupations.csv")
        edges = rows(ORIGINAL / "occupational-mobility" / "asec_to_bls_mobility_edgelist.csv")
        # total employment equals the source's (the network's BLS employment per code)
        source_emp = {}
        for e in edges:
            source_emp[e["OCC_target"]] = float(e["TOT_EMP_OCC"])
            source_emp[e["OCC_source"]] = float(e["TOT_EMP_OCCLY"])
        self.assertEqual(len(occ), 539)
        self.assertEqual(len(source_emp), 539)
        self.assertAlmostEqual(sum(float(r["employment"]) for r in occ), sum(source_emp.values()), delta=0.5)
        # every network occupation has wages and exposure, or names its fallback
        for r in occ:
            self.assertGreater(float(r["median_wage"]), 0, r["code"])
            self.assertGreater(float(r["mean_wage"]), 0, r["code"])
            x = float(r["ai_exposure"])
            self.assertTrue(0 <= x <= 1, r["code"])
            self.assertIn(r["exposure_source"], {"onet_code", "onet_title", "minor_prefix_mean", "major_group_mean"})
            self.assertIn(r["wage_source"].split("_median")[0], {"oews_broad", "oews_detailed", "oews_minor", "network_mean"})
        rated = sum(r["exposure_source"] == "onet_code" for r in occ)
        self.assertGreater(rated, 450)  # the fallbacks are the few
        # transition rows sum to one, over known codes
        codes = {r["code"] for r in occ}
        sums = defaultdict(float)
        for e in rows(DATA / "us_mobility.csv"):
            self.assertIn(e["source"], codes)
            self.assertIn(e["target"], codes)
            sums[e["source"]] += float(e["probability"])
        self.assertEqual(set(sums), codes)
        for c, s in sums.items():
            self.assertAlmostEqual(s, 1.0, delta=1e-8, msg=c)


class DataFileErrors(unittest.TestCase):
    """Each mistake in a data file: exit 2 and the message names file:line:column."""

    def check(self, occ_edit=None, mob_edit=None, expect=()):
        with tempdir() as d:
            d = Path(d)
            occ = (DATA / "us_occupations.csv").read_text().splitlines(keepends=True)
            mob = (DATA / "us_mobility.csv").read_text().splitlines(keepends=True)
            if occ_edit:
                occ = occ_edit(occ)
            if mob_edit:
                mob = mob_edit(mob)
            (d / "occ.csv").write_text("".join(occ))
            (d / "mob.csv").write_text("".join(mob))
            (d / "s.toml").write_text((SCENARIOS / "us_occupations.toml").read_text()
                                      .replace('extends = "calibration.toml"', f'extends = "{SCENARIOS / "calibration.toml"}"')
                                      .replace("data/us_occupations.csv", "occ.csv").replace("data/us_mobility.csv", "mob.csv"))
            p = run(["validate", d / "s.toml"])
            self.assertEqual(p.returncode, 2, p.stdout[-500:])
            for e in expect:
                self.assertIn(e.replace("DIR", str(d)), p.stderr)

    def test_missing_column(self):
        self.check(occ_edit=lambda l: [l[0].replace("ai_exposure", "exposure")] + l[1:],
                   expect=["DIR/occ.csv:1:", "ai_exposure"])

    def test_negative_employment(self):
        def edit(lines):
            f = lines[5].split(",")
            f[4] = "-100"
            return lines[:5] + [",".join(f)] + lines[6:]
        # The column is a character's, as editors count: where the fifth field starts.
        row = edit((DATA / "us_occupations.csv").read_text().splitlines(keepends=True))[5]
        column = len(",".join(row.split(",")[:4])) + 2
        self.assertEqual(row[column - 1:column + 3], "-100")
        self.check(occ_edit=edit, expect=[f"DIR/occ.csv:6:{column}:", "key 'employment'", "out of range",
                                          "\n  6 | " + row.rstrip("\n") + "\n    | " + " " * (column - 1) + "^\n"])

    def test_unknown_code(self):
        self.check(mob_edit=lambda l: l[:3] + [l[3].replace("11-1010,", "99-9990,", 1)] + l[4:],
                   expect=["DIR/mob.csv:4:1:", "key 'source'", "unknown occupation code '99-9990'"])

    def test_row_not_summing_to_one(self):
        def edit(lines):
            f = lines[1].rstrip("\n").split(",")
            f[2] = str(float(f[2]) * 0.9)
            return [lines[0], ",".join(f) + "\n"] + lines[2:]
        row = edit((DATA / "us_mobility.csv").read_text().splitlines(keepends=True))[1]
        column = len(",".join(row.split(",")[:2])) + 2  # the third field
        self.check(mob_edit=edit, expect=[f"DIR/mob.csv:2:{column}:", "key 'probability'", "sum to"])


class Behaviour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempdir()
        small = ["-r", "2", "--quiet", "--set", "simulation.workers=400000"]
        cls.ref = run_scenario(cls.dir, "us_occupations", small)
        cls.shock = run_scenario(cls.dir, "us_occupations_ai_shock", small)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_occupations_carry_their_titles(self):
        # SOC codes name the occupations; their titles are in the file and in the
        # analysis' breakdown by occupation (table and JSON).
        with open(SOURCE / "scenarios" / "data" / "us_occupations.csv", newline="") as t:
            table = {r["code"]: r["title"] for r in csv.DictReader(t)}
        with h5py.File(self.ref) as f:
            codes = [c.decode() for c in f["groups/occupation"][()]]
            titles = [t.decode() for t in f["groups/occupation_title"][()]]
        self.assertEqual(titles, [table[c] for c in codes])
        by = json.loads(analyze(["summary", self.ref, "--by", "occupation", "--format", "json"], check=True).stdout)
        self.assertEqual(by["titles"]["11-1010"], "Chief Executives")
        text = analyze(["summary", self.ref, "--by", "occupation"], check=True).stdout
        self.assertRegex(text, r"11-1010 +Chief Executives ")
        # series --group takes a title, in any case, as well as the code.
        by_title, by_code = (json.loads(analyze(["series", self.ref, "--metric", "occupation/employed", "--group", g,
                                                 "--format", "json"], check=True).stdout)
                             ["runs"][0]["series"]["occupation/employed"]["groups"]
                             for g in ("chief executives", "11-1010"))
        self.assertEqual(by_title, by_code)
        self.assertEqual(list(by_code), ["11-1010"])
        p = analyze(["series", self.ref, "--metric", "occupation/employed", "--group", "chief"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no occupation 'chief'; did you mean '11-1010 (Chief Executives)'? (occupations: 11-1010,",
                      p.stderr)
        self.assertIn("; or their titles)", p.stderr)
        # Of 539 occupations, series' table turns: a row per occupation, its title
        # beside its code, a column per period, with the means of the JSON.
        text = analyze(["series", self.ref, "--metric", "occupation/employed", "--every", "60"], check=True).stdout
        self.assertRegex(text, r"(?m)^occupation +title +0-59 +60-119$")
        full = json.loads(analyze(["series", self.ref, "--metric", "occupation/employed", "--every", "60", "--format",
                                   "json"], check=True).stdout)["runs"][0]["series"]["occupation/employed"]["groups"]
        rows = re.findall(r"(?m)^(\d\d-\d{4}) +(.+?) +([\d.e+]+) +([\d.e+]+)$", text)
        self.assertEqual([r[0] for r in rows], codes)
        for code, title, first, last in rows:
            self.assertEqual(title, table[code] if len(table[code]) <= 40 else table[code][:39] + "~")
            for shown, p in zip((first, last), full[code]):  # (4 significant digits, whole from 1,000)
                self.assertAlmostEqual(float(shown), p["mean"], delta=max(0.5, 5e-4 * p["mean"]), msg=code)
        self.assertIn("Of more than 12 groups, a row per group and a column per period", text)

    def test_report_lists_the_occupations_that_gained_and_lost_most_jobs(self):
        # Of 539 occupations the report's "Jobs by occupation" shows the 12 that gained
        # and the 12 that lost the most jobs under the shock (compare --by occupation's
        # employed_end), by relative change: the large routine occupations AI exposes
        # lose, not tiny ones whose relative change is noise.
        groups = json.loads(analyze(["compare", self.ref, self.shock, "--by", "occupation", "--format", "json"],
                                    check=True).stdout)["groups"]
        jobs = {g: f["employed_end"]["b"]["mean"] - f["employed_end"]["a"]["mean"] for g, f in groups.items()}
        ranked = sorted(jobs, key=lambda g: -jobs[g])
        with tempdir() as d:
            html = Path(d) / "r.html"
            analyze(["report", self.ref, self.shock, "-o", html], check=True)
            table = re.search(r'<table class="by-occupation".*?</table>', html.read_text(), re.S).group(0)
        shown = re.findall(r"<tr><td>[^<]*\(([\d-]+)\)</td>", table)
        self.assertEqual(sorted(shown), sorted(ranked[:12] + ranked[-12:]))
        self.assertIn("43-4050", shown[-12:])  # customer service representatives lose

    def test_ai_off_keeps_occupation_shares_stable(self):
        with h5py.File(self.ref) as f:
            e = f["series/by_occupation/employed"][()]
            self.assertEqual(e.shape[2], 539)
            first = e[:, 0, :].sum(axis=0)
            last = e[:, -12:, :].sum(axis=(0, 1))
        s0, s1 = first / first.sum(), last / last.sum()
        # Total variation distance between the occupation distributions under 2%, and
        # every occupation above 0.5% of employment within 10% of its share.
        self.assertLess(0.5 * np.abs(s1 - s0).sum(), 0.02)
        big = s0 > 0.005
        self.assertGreater(big.sum(), 30)
        np.testing.assert_array_less(np.abs(s1[big] / s0[big] - 1), 0.10)

    def test_ai_shock_hits_the_most_exposed_decile_hardest(self):
        with h5py.File(self.ref) as fr, h5py.File(self.shock) as fs:
            expo = fr["groups/occupation_ai_exposure"][()]
            base = fr["series/by_occupation/employed"][:, 0, :].mean(axis=0)
            ref = fr["series/by_occupation/employed"][:, -12:, :].mean(axis=(0, 1))
            shock = fs["series/by_occupation/employed"][:, -12:, :].mean(axis=(0, 1))
        order = np.argsort(expo, kind="stable")
        cum = np.cumsum(base[order]) / base.sum()
        top, bottom = order[cum > 0.9], order[cum <= 0.1]
        change = lambda idx: shock[idx].sum() / ref[idx].sum() - 1
        self.assertLess(change(top), change(bottom) - 0.05)
        self.assertLess(change(top), 0)


if __name__ == "__main__":
    unittest.main()
