"""The laborsim command line: exit codes, error messages on bad scenarios, and that a
bad input or a failed run never leaves an output file behind."""
import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

import h5py
import numpy as np

from common import CMAKE, LABORSIM, QUICK, SCENARIOS, SOURCE, analyze, file_size_limit, run, tempdir

FILES = {name: (SCENARIOS / name).read_text() for name in ["baseline.toml", "calibration.toml"]}


def write_broken(directory, old, new):
    """Copies baseline.toml and the calibration.toml it extends into directory with one
    mistake in whichever holds `old` (and links the data files they name); returns (the
    scenario to run, the broken file, its line)."""
    (Path(directory) / "data").symlink_to(SCENARIOS / "data")
    broken = None
    for name, text in FILES.items():
        if old in text and broken is None:
            text = text.replace(old, new, 1)
            broken = (Path(directory) / name, text[: text.index(new)].count("\n") + 1)
        (Path(directory) / name).write_text(text)
    assert broken, old
    return Path(directory) / "baseline.toml", broken[0], broken[1]


class Help(unittest.TestCase):
    def test_help_and_version(self):
        p = run(["--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("laborsim run SCENARIO.toml", p.stdout)
        self.assertIn("--threads", p.stdout)
        p = run(["--version"])
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"laborsim \d+\.\d+\.\d+")
        self.assertRegex(p.stdout, r"\(git ([0-9a-f]{12}(-dirty)?|unknown),")
        # laborsim-analyze says its version too, and reads the format this laborsim writes.
        written = int(re.search(r"output format (\d+)", p.stdout).group(1))
        a = analyze(["--version"])
        self.assertEqual(a.returncode, 0)
        version = re.fullmatch(r"laborsim-analyze (\S+) \(reads results files of format versions (\d+) to (\d+)\)\n",
                               a.stdout)
        self.assertIsNotNone(version, a.stdout)
        self.assertEqual(version.group(1), re.search(r"laborsim (\S+) ", p.stdout).group(1))
        self.assertLessEqual(int(version.group(2)), written)
        self.assertEqual(int(version.group(3)), written)

    def test_bad_arguments_exit_2(self):
        self.assertEqual(run([]).returncode, 2)
        self.assertEqual(run(["fly", SCENARIOS / "baseline.toml"]).returncode, 2)
        # each names what is missing or wrong: the command (and which there are) before the
        # scenario file (an unknown command without one was told it lacked a file)
        for args, said in [([], "expected a command (run or validate)"),
                           (["fly"], "unknown command 'fly' (expected run or validate)"),
                           (["run"], "laborsim run: expected a scenario file"),
                           (["validate"], "laborsim validate: expected a scenario file")]:
            p = run(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(said, p.stderr, args)
        for args, said in [([], "expected a command (summary, compare, series, flows, export or report)"),
                           (["sumary", "x.h5"], "unknown command 'sumary' (summary, compare, series, flows, export")]:
            p = analyze(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(said, p.stderr, args)
        self.assertEqual(run(["run", SCENARIOS / "baseline.toml", "--threads", "many"]).returncode, 2)
        self.assertEqual(run(["run", SCENARIOS / "baseline.toml", "--no-such-flag"]).returncode, 2)
        p = run(["run", "/nonexistent/scenario.toml"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/scenario.toml: scenario file does not exist", p.stderr)
        for command in ["run", "validate"]:  # a folder is not an empty scenario
            p = run([command, SCENARIOS])
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"{SCENARIOS}: is a directory, not a scenario file", p.stderr)


class Provenance(unittest.TestCase):
    """cmake/git_commit.cmake, which every build runs to record the commit it builds."""

    def test_commit_dirty_and_unknown(self):
        if shutil.which("git") is None:
            self.skipTest("git is not installed")
        with tempdir() as d:
            repo, out = Path(d) / "repo", Path(d) / "git_commit.cpp"
            repo.mkdir()
            env = dict(os.environ, GIT_CEILING_DIRECTORIES=d)  # no repository above the temporary one

            def recorded():
                subprocess.run([CMAKE, f"-DSOURCE_DIR={repo}", f"-DOUT={out}", "-P", SOURCE / "cmake" / "git_commit.cmake"],
                               check=True, env=env)
                return re.search(r'return "([^"]*)"', out.read_text()).group(1)

            def git(*args):
                return subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                                      check=True, capture_output=True, text=True, env=env).stdout.strip()

            self.assertEqual(recorded(), "unknown")  # not a git checkout
            git("init", "-q")
            (repo / "a.txt").write_text("one")
            git("add", "a.txt")
            git("commit", "-q", "-m", "one")
            first = git("rev-parse", "--short=12", "HEAD")
            self.assertEqual(recorded(), first)
            written = out.stat().st_mtime_ns
            self.assertEqual(recorded(), first)
            self.assertEqual(out.stat().st_mtime_ns, written, "same commit: the source is not rewritten (no rebuild)")
            (repo / "a.txt").write_text("two")
            self.assertEqual(recorded(), first + "-dirty")  # a tracked file changed
            git("commit", "-q", "-am", "two")
            second = git("rev-parse", "--short=12", "HEAD")
            self.assertNotEqual(second, first)
            self.assertEqual(recorded(), second)  # a new commit, not the one of the first run
            (repo / "b.txt").write_text("untracked")
            self.assertEqual(recorded(), second)  # untracked files do not count


class BadScenarios(unittest.TestCase):
    """Each mistake: exit 2, the message names file:line and the key, no file left."""

    CASES = [
        # (old text, new text, key named in the message, words in the message)
        ("adoption_speed = 1.0", "adoption_sped = 1.0", "ai.adoption_sped", "did you mean 'adoption_speed'"),
        ("months = 120", 'months = "ten years"', "simulation.months", "expected an integer"),
        # a key of another section: named with the section it belongs in
        ("months = 120", "adoption_speed = 2\nmonths = 120", "simulation.adoption_speed",
         "did you mean 'ai.adoption_speed'"),
        ("quit_rate = 0.02", "quit_rate = 1.5", "labor_market.quit_rate", "out of range"),
        ("staffing = { software_developers = 0.35", "staffing = { software_developer = 0.35",
         "sectors.tech.staffing.software_developer", "did you mean 'software_developers'"),
        ('matching = "cobb_douglas"', 'matching = "cobb-douglas"', "labor_market.matching", "did you mean 'cobb_douglas'"),
        ("enabled = true\nadoption_speed", "enabled = yes\nadoption_speed", "", "syntax error"),
    ]

    def test_missing_data_file_names_the_key_that_names_it(self):
        with tempdir() as d:
            for name, text in FILES.items():
                (Path(d) / name).write_text(text)
            out = Path(d) / "out.h5"
            p = run(["run", Path(d) / "baseline.toml", "-o", out, "--quiet"])
            self.assertEqual(p.returncode, 2, p.stderr)
            line = FILES["baseline.toml"][: FILES["baseline.toml"].index("mobility_file =")].count("\n") + 1
            self.assertIn(f"{Path(d) / 'baseline.toml'}:{line}:", p.stderr)
            self.assertIn("key 'labor_market.mobility_file'", p.stderr)
            self.assertIn(f"'{Path(d) / 'data' / 'baseline_mobility.csv'}' does not exist", p.stderr)
            self.assertFalse(out.exists())

    def test_each_mistake(self):
        for old, new, key, words in self.CASES:
            with self.subTest(mistake=new), tempdir() as d:
                scenario, path, line = write_broken(d, old, new)
                out = Path(d) / "out.h5"
                p = run(["run", scenario, "-o", out, "--quiet"])
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(f"{path}:{line}:", p.stderr)
                if key:
                    self.assertIn(f"key '{key}'", p.stderr)
                self.assertIn(words, p.stderr)
                # ... and shows the line it means, as written in the file
                # (a long line in a window around the column, "..." where it is cut)
                wrong = Path(path).read_text().splitlines()[line - 1]
                shown = re.search(rf"\n  {line} \| (.*)\n +\| ( *)\^\n", p.stderr)
                self.assertIsNotNone(shown, p.stderr)
                text, caret = shown.group(1), len(shown.group(2))
                self.assertIn(text.removeprefix("... ").removesuffix(" ..."), wrong)
                column = int(re.search(rf":{line}:(\d+): ", p.stderr).group(1))
                self.assertEqual(text[caret:caret + 6], wrong[column - 1:column + 5], p.stderr)  # the caret's place
                self.assertEqual(sorted(os.listdir(d)), sorted([*FILES, "data"]), "no output, no temporary file")
                # validate reports the same
                self.assertEqual(run(["validate", scenario]).returncode, 2)

    def test_bad_set_override(self):
        with tempdir() as d:
            out = Path(d) / "out.h5"
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--set", "ai.adoption_sped=2"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("ai.adoption_sped", p.stderr)
            self.assertIn("--set", p.stderr)
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--set", "ai.adoption_speed=-1"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("out of range", p.stderr)
            # Out-of-range or mistyped earnings years, job ladder, premium dispersion, firm
            # panel, firms' bets on AI and new hires' separations: each named with its key.
            for setting, words in [("output.earnings_years=21", "out of range [1, 20]"),
                                   ("output.earnings_years=2.5", "expected an integer"),
                                   ("labor_market.job_ladder=1.5", "out of range [0, 1]"),
                                   ("firms.wage_premium_sd=-0.1", "out of range [0, 1]"),
                                   ("output.firm_panel_rate=1.01", "out of range [0, 1]"),
                                   ("output.firm_panel_rate=all", "expected a number"),
                                   ("ai.intensity_sd=3.5", "out of range [0, 3]"),
                                   ("labor_market.new_hire_separation_factor=-1", "out of range [0, 20]"),
                                   ("labor_market.new_hire_months=0.5", "expected an integer"),
                                   # bounds in full, and none where there is none above
                                   ("simulation.workers=5", "out of range [10, 2000000000]"),
                                   ("simulation.seed=-1", "value -1 is out of range: it must be at least 0"),
                                   # the section left out
                                   ("months=48", "unknown key; did you mean 'simulation.months'?")]:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--set", setting])
                self.assertEqual(p.returncode, 2, setting)
                self.assertIn(f"key '{setting.split('=')[0]}'", p.stderr)
                self.assertIn(words, p.stderr)
            self.assertEqual(os.listdir(d), [])

    def test_bad_tenure_bands_name_the_key_and_element(self):
        # labor_market.tenure_separation_months / _factors: each element checked, the
        # edges in order, one factor per band, and not with the new_hire_* shorthand.
        edges, factors = "labor_market.tenure_separation_months", "labor_market.tenure_separation_factors"
        with tempdir() as d:
            out = Path(d) / "out.h5"
            for sets, key, words in [
                    ([f"{edges}=[12.5]"], f"{edges}[0]", "expected an integer, got a floating-point number"),
                    ([f"{edges}=[0]"], f"{edges}[0]", "out of range [1, 1200]"),
                    ([f"{factors}=[2, -1]"], f"{factors}[1]", "out of range [0, 20]"),
                    ([f"{factors}=2"], factors, "expected an array of numbers, got an integer"),
                    ([f"{factors}=[2, 1]"], factors,
                     "expected 1 factor, one per band (0 edges in tenure_separation_months make 1 band), got 2"),
                    ([f"{edges}=[12, 6]", f"{factors}=[3, 2, 1]"], f"{edges}[1]", "edges must increase: 6 follows 12"),
                    ([f"{edges}=[12]", f"{factors}=[3, 1]", "labor_market.new_hire_separation_factor=2"], factors,
                     "give either tenure_separation_factors or new_hire_separation_factor")]:
                args = ["run", SCENARIOS / "baseline.toml", "-o", out]
                for setting in sets:
                    args += ["--set", setting]
                p = run(args)
                self.assertEqual(p.returncode, 2, sets)
                self.assertIn(f"key '{key}'", p.stderr)
                self.assertIn(words, p.stderr)
            # In a file: the line of the array, with a caret under it.
            bad = Path(d) / "bands.toml"
            bad.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[labor_market]\n'
                           "tenure_separation_months = [12, 36]\ntenure_separation_factors = [2, 1]\n")
            p = run(["run", bad, "-o", out])
            self.assertEqual(p.returncode, 2)
            self.assertIn("bands.toml:4:", p.stderr)
            self.assertIn("expected 3 factors, one per band (2 edges", p.stderr)
            self.assertIn("4 | tenure_separation_factors = [2, 1]", p.stderr)
            self.assertEqual(sorted(os.listdir(d)), ["bands.toml"])
            # A good profile is stored in the output's effective scenario as given.
            bad.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[labor_market]\n'
                           "tenure_separation_months = [12, 36]\ntenure_separation_factors = [2, 1, 0.5]\n")
            p = run(["validate", bad])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("tenure_separation_factors = [ 2.0, 1.0, 0.5 ]", p.stdout)
            self.assertIn("tenure_separation_months = [ 12, 36 ]", p.stdout)

    def test_bad_replicates_and_seed_name_the_option(self):
        with tempdir() as d:
            out = Path(d) / "out.h5"
            # Each says what the option takes and what was typed, named as typed (not as the
            # simulation.replicates it sets), without the whole usage.
            replicates = "laborsim: --replicates: expected a whole number from 1 to 100000, got "
            seed = "laborsim: --seed: expected a whole number from 0 to 9223372036854775807, got "
            threads = "laborsim: --threads: expected a whole number, 0 (all cores) or more, got "
            for args, words in [(["-r", "0"], replicates + "'0'"),
                                (["-r", "100001"], replicates + "'100001'"),
                                (["--replicates", "1.5"], replicates + "'1.5'"),
                                (["-s", "-1"], seed + "'-1'"),  # not wrapped to 2^64 - 1
                                (["-s", "abc"], seed + "'abc'"),
                                (["-s", str(2**64 - 1)], seed + f"'{2**64 - 1}'"),
                                (["-t", "-1"], threads + "'-1'"),
                                (["-t", "two"], threads + "'two'")]:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", out] + args)
                self.assertEqual(p.returncode, 2, args)
                self.assertEqual(p.stderr, words + "\n")
            self.assertEqual(os.listdir(d), [])
            # The largest seed a TOML file can hold is accepted and stored as given.
            big = 2**63 - 1
            p = run(["validate", SCENARIOS / "baseline.toml", "-s", str(big)])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(f"seed = {big}", p.stdout)

    def test_run_that_cannot_fit_is_refused_with_its_estimate(self):
        with tempdir() as d:
            out = Path(d) / "out.h5"
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--max-memory", "10M"])
            self.assertEqual(p.returncode, 2)
            # The baseline needs well under 1 GiB: both sizes in MiB, neither "0.00 GiB".
            self.assertRegex(p.stderr, r"estimated to need \d+\.\d MiB of memory, more than the limit of 10\.0 MiB")
            self.assertNotIn("0.00 GiB", p.stderr)
            self.assertIn("--max-memory", p.stderr)
            self.assertEqual(os.listdir(d), [])
            self.assertEqual(run(["run", SCENARIOS / "baseline.toml", "-o", out, "--max-memory", "lots"]).returncode, 2)
            # the estimate grows with the workers held at once
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--max-memory", "1G", "--set", "simulation.workers=100000000",
                     "-t", "2"])
            self.assertEqual(p.returncode, 2)
            self.assertRegex(p.stderr, r"[0-9.]+ GiB for the 2 replicates run at once, [0-9.]+ GiB for the output of all 8")
            self.assertIn("reduce simulation.workers", p.stderr)
            self.assertEqual(os.listdir(d), [])
            # Many replicates of a small population: the output is most of it, and the
            # message says so (it used to name only the workers and the threads).
            many = ["--set", "simulation.workers=1000", "-r", "100000", "-t", "2"]
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--max-memory", "8G"] + many)
            self.assertEqual(p.returncode, 2)
            parts = re.search(r"([0-9.]+) (KiB|MiB) for the 2 replicates run at once, ([0-9.]+) GiB for the output of "
                              r"all 100000", p.stderr)
            self.assertIsNotNone(parts, p.stderr)
            self.assertGreater(float(parts.group(3)), 8)
            self.assertIn("--replicates or output.panel_rate", p.stderr)
            self.assertEqual(os.listdir(d), [])
            p = run(["validate", SCENARIOS / "baseline.toml"] + many, check=True)
            self.assertRegex(p.stdout, r"# Of it: [0-9.]+ (KiB|MiB) for the 2 replicates run at once, [0-9.]+ GiB for "
                                       r"the output of all 100000")
            # validate checks --max-memory as a run does, and says whether the run fits under
            # it; the parts add up to the estimate.
            self.assertEqual(run(["validate", SCENARIOS / "baseline.toml", "--max-memory", "lots"]).returncode, 2)
            p = run(["validate", SCENARIOS / "baseline.toml", "--max-memory", "10M", "-t", "2"], check=True)
            self.assertIn("# Above the limit of 10.0 MiB (--max-memory): laborsim run would refuse it.", p.stdout)
            p = run(["validate", SCENARIOS / "baseline.toml", "-t", "2"], check=True)
            self.assertRegex(p.stdout, r"# Within the limit of [0-9.]+ GiB \(90% of physical memory\)")
            mib = lambda size, unit: float(size) / {"KiB": 1024, "MiB": 1, "GiB": 1 / 1024}[unit]
            total = re.search(r"estimated to peak at ([0-9.]+) (KiB|MiB|GiB)", p.stdout)
            pieces = re.findall(r"([0-9.]+) (KiB|MiB|GiB) for the (?:2 replicates|output|program)", p.stdout)
            self.assertEqual(len(pieces), 3, p.stdout)
            self.assertAlmostEqual(sum(mib(*x) for x in pieces), mib(*total.groups()), delta=0.2)

    def test_estimate_covers_a_large_spell_panel(self):
        # Every worker in the panel (output.panel_rate = 1): the spells are most of the
        # memory. The estimate left them out (122 MiB estimated for a 211 MiB peak); it
        # must be above the measured peak, and not wildly (under 3 times it).
        import sys
        if os.environ.get("LABORSIM_SANITIZED"):
            self.skipTest("a sanitizer's shadow memory is not the program's")
        args = [SCENARIOS / "baseline.toml", "--set", "simulation.workers=500000", "--set", "output.panel_rate=1",
                "--set", "output.comparison_rate=0", "-r", "2", "-t", "2"]
        told = re.search(r"estimated to peak at ([0-9.]+) (MiB|GiB)", run(["validate"] + args, check=True).stdout)
        estimate = float(told.group(1)) * (1024 if told.group(2) == "GiB" else 1)
        with tempdir() as d:
            # The run's peak resident size, from a process of its own that has no other children.
            measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
                       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            p = subprocess.run([sys.executable, "-c", measure, LABORSIM, "run"] + [str(a) for a in args] +
                               ["-o", Path(d) / "out.h5", "--quiet"], capture_output=True, text=True, check=True)
            peak = int(p.stdout.split()[-1]) / 1024
        self.assertGreater(estimate, peak)
        self.assertLess(estimate, 3 * peak)

    def test_many_replicates_hold_about_their_file(self):
        # The output waits in memory until the file is written: 400 replicates with the
        # whole panel hold about the file beside what 2 replicates need. They held twice
        # it and more (255 MB for a 68 MB file, against 133 MB now): the file was copied to
        # be written, and the panels of the replicates TBB ran out of order waited
        # uncompressed for the earlier ones.
        import sys
        if os.environ.get("LABORSIM_SANITIZED"):
            self.skipTest("a sanitizer's shadow memory is not the program's")
        measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

        def peak_mib(replicates, out):
            p = subprocess.run([sys.executable, "-c", measure, LABORSIM, "run", SCENARIOS / "baseline.toml",
                                "--set", "simulation.workers=2000", "--set", "output.panel_rate=1",
                                "--set", "simulation.burn_in_months=24", "-r", str(replicates), "-t", "2",
                                "-o", out, "--quiet"], capture_output=True, text=True, check=True)
            return int(p.stdout.split()[-1]) / 1024

        with tempdir() as d:
            few, many = peak_mib(2, Path(d) / "few.h5"), peak_mib(400, Path(d) / "many.h5")
            file_mib = (Path(d) / "many.h5").stat().st_size / 2 ** 20
        self.assertGreater(file_mib, 40)
        self.assertLess(many - few, 2 * file_mib, (few, many, file_mib))

    def test_max_memory_sizes(self):
        # One size written the usual ways: powers of 1024, either case, B or iB optional.
        with tempdir() as d:
            out = Path(d) / "out.h5"
            for size in ["1536M", "1.5G", "1.5g", "1.5GB", "1.5GiB", "1610612736", "1610612736B"]:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--max-memory", size,
                         "--set", "simulation.workers=1000000000"])
                self.assertEqual(p.returncode, 2, size)
                self.assertIn("more than the limit of 1.50 GiB", p.stderr, size)
            for size in ["0", "-1G", "inf", "nan", "8X", "8iB", "G", "1e30"]:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--max-memory", size])
                self.assertEqual(p.returncode, 2, size)
                self.assertIn("expected a size like", p.stderr, size)
            self.assertEqual(os.listdir(d), [])

    def test_a_run_of_thin_markets_says_so(self):
        # 2,000 workers over the baseline's 36 markets (18 occupations, 2 regions): 56 a
        # market, where unemployment runs higher (docs/validation.md); 100,000 (2,778 a
        # market) are not thin.
        with tempdir() as d:
            small = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "a.h5", "-r", "1", "--set",
                         "simulation.workers=2000", "--set", "simulation.months=12"], check=True).stdout
            self.assertIn("note:     56 workers per market (occupation and region)", small)
            large = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "b.h5", "-r", "1", "--set",
                         "simulation.months=12", "--set", "simulation.burn_in_months=12"], check=True).stdout
            self.assertNotIn("per market", large)
            self.assertIn("headline", large)
            # a sweep says it under its table, of its thinnest run
            swept = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "sweep", "-r", "1", "--set",
                         "simulation.months=12", "--sweep", "simulation.workers=2000,100000"], check=True).stdout
            self.assertIn("note:     56 workers per market", swept)
            # and validate, where a run is planned
            planned = run(["validate", SCENARIOS / "baseline.toml", "--set", "simulation.workers=2000"], check=True)
            self.assertIn("# Note: 56 workers per market (occupation and region): markets this thin", planned.stdout)
            self.assertNotIn("per market", run(["validate", SCENARIOS / "baseline.toml"], check=True).stdout)

    def test_output_into_a_directory(self):
        # -o DIR writes DIR/SCENARIO_NAME.h5 (it used to run to the end, then fail to
        # rename its temporary file onto the directory).
        with tempdir() as d:
            p = run(["run", SCENARIOS / "baseline.toml", "-o", d, "-r", "1", "--quiet"] + QUICK)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(os.listdir(d), ["baseline.h5"])
            with h5py.File(Path(d) / "baseline.h5") as f:
                self.assertEqual(f["series/aggregate/employed"].shape[0], 1)

    def test_file_named_after_a_scenario_whose_name_is_not_a_file_name(self):
        # A name is a label ("a/b", "../x"): the file named after it stays in the folder it
        # is written to, with '_' for what a file name cannot hold, and keeps the name inside.
        for name, file in [("a/b", "a_b.h5"), ("../up/x", "_._up_x.h5"), ("tab\there", "tab_here.h5")]:
            with tempdir() as d:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", d, "-r", "1", "--quiet", "--set", f"name={name}"]
                        + QUICK)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(os.listdir(d), [file])
                with h5py.File(Path(d) / file) as f:
                    self.assertEqual(f.attrs["scenario_name"], name)
                p = run(["run", SCENARIOS / "baseline.toml", "-r", "1", "--quiet", "--set", f"name={name}"] + QUICK,
                        cwd=d)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(os.listdir(d), [file])

    def test_missing_output_directory(self):
        p = run(["run", SCENARIOS / "baseline.toml", "-o", "/nonexistent-dir/out.h5"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("output directory '/nonexistent-dir' does not exist", p.stderr)
        with tempdir() as d:
            blocking = Path(d) / "results"  # a file where the folder should be
            blocking.write_text("")
            p = run(["run", SCENARIOS / "baseline.toml", "-o", blocking / "out.h5"])
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"output directory '{blocking}' is a file, not a directory", p.stderr)
            self.assertEqual(blocking.read_text(), "")


def shell_commands(markdown):
    """The commands of a Markdown text's sh blocks, in order, each a list of words:
    continued lines joined, comments dropped, commands joined by && or ; apart, a brace
    list ({a,b}.toml) expanded as the shell does."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*", "", line).strip()
            for command in re.split(r"\s*(?:&&|;)\s*", "" if line.startswith("#") else line):
                words = []
                for word in command.split():
                    brace = re.fullmatch(r"(.*)\{([^}]*,[^}]*)\}(.*)", word)
                    words += [brace[1] + w + brace[3] for w in brace[2].split(",")] if brace else [word]
                if words:
                    commands.append(words)
    return commands


class Documentation(unittest.TestCase):
    def test_every_results_file_a_guide_reads_is_made_by_a_command_before_it(self):
        # A reader runs a guide's commands in order: each results file an analysis
        # command reads must be written by a laborsim run above it (-o FILE.h5, or -o DIR
        # with the scenarios' names, which are their files' names), not left for the
        # reader to guess. The READMEs and every document of docs/.
        guides = [SOURCE / "README.md", SCENARIOS / "README.md", *sorted((SOURCE / "docs").glob("*.md"))]
        for guide in guides:
            made, sweeps = set(), set()  # files and directories made; of them, sweeps' directories
            for words in shell_commands(guide.read_text()):
                if words[0].endswith("laborsim") and words[1:2] == ["run"] and "-o" in words:
                    out = words[words.index("-o") + 1]
                    made.add(out)
                    if "--sweep" in words:
                        sweeps.add(out)  # its runs' files are named after the values
                    elif not out.endswith(".h5"):
                        made.update(f"{out}/{Path(w).stem}.h5" for w in words if w.endswith(".toml"))
                elif words[0].endswith("laborsim-analyze"):
                    reads = [w for i, w in enumerate(words) if w.startswith("results/") and words[i - 1] != "-o"]
                    for path in reads:
                        self.assertTrue(path in made or path.rsplit("/", 1)[0] in sweeps,
                                        f"{guide.relative_to(SOURCE)}: '{' '.join(words)}' reads {path}, "
                                        f"which no command before it makes")
            if guide.name in ("README.md", "teaching.md"):
                self.assertTrue(made, guide)  # the guide's commands were found

    def test_the_readme_error_example_is_what_laborsim_says(self):
        # README, "Writing a scenario": the error shown for a misspelt key is the one a
        # scenario misspelling it on line 31 gets, word for word.
        readme = (SOURCE / "README.md").read_text()
        shown = re.search(r"```\n(laborsim: error: scenarios/mine\.toml:31:1: .*?)```", readme, re.S).group(1)
        with tempdir() as d:
            scenario = Path(d) / "scenarios" / "mine.toml"
            scenario.parent.mkdir()
            scenario.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\nname = "mine"\n' + "\n" * 27 +
                                "[ai]\nadopton_speed = 2.0\n")
            p = run(["run", "scenarios/mine.toml", "-o", "out.h5"], cwd=d)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(p.stderr, shown)
            self.assertFalse((Path(d) / "out.h5").exists())


class Validate(unittest.TestCase):
    def test_shares_scaled_to_sum_to_one_are_said_before_the_run(self):
        # Setting one sector's share to 0.5 does not make it half of employment: the shares
        # are scaled to sum to one (0.5 of 1.44). validate says so among its notes; a run
        # says it on stderr before it starts, with --quiet too; the baseline says nothing.
        share = ["--set", "sectors.tech.employment_share=0.5"]
        p = run(["validate", SCENARIOS / "baseline.toml", *share], check=True)
        self.assertIn("# Note: the sectors' shares of employment (sectors.*.employment_share) sum to 1.44, not 1: "
                      "each was divided by 1.44 (now tech 0.347, ", p.stdout)
        self.assertNotIn("Note: the", run(["validate", SCENARIOS / "baseline.toml"], check=True).stdout)
        with tempdir() as d:
            p = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "out.h5", "-r", "1", "--quiet", *QUICK,
                     *share], check=True)
            self.assertTrue(p.stderr.startswith("laborsim: note: the sectors' shares of employment"), p.stderr)
            with h5py.File(Path(d) / "out.h5") as f:  # the run used the scaled share
                self.assertIn("employment_share = 0.3472222222222222", f.attrs["scenario_effective_toml"])
            p = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "out.h5", "-r", "1", "--quiet", *QUICK],
                    check=True)
            self.assertEqual(p.stderr, "")

    def test_prints_resolved_scenario_and_runs_nothing(self):
        with tempdir() as d:
            p = run(["validate", SCENARIOS / "baseline.toml", "--set", "ai.adoption_speed=2.5"], cwd=d)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("adoption_speed = 2.5", p.stdout)
            self.assertIn("[[occupations]]", p.stdout)
            self.assertEqual(os.listdir(d), [])
            self.assertNotIn("parameters change", p.stdout)
            # A schedule: when, in the header, and what, in the entries.
            p = run(["validate", SCENARIOS / "hype_wave.toml", "--set", "schedule.60.retraining.subsidy=true"],
                    cwd=d, check=True)
            self.assertRegex(p.stdout.splitlines()[1], r"regions; parameters change at month 36, 60$")
            self.assertIn("[[schedule]]\nmonth = 60\n\n    [schedule.retraining]\n    subsidy = true\n", p.stdout)
        # A change of labor_market during the run, in a scenario whose labor_market names a
        # file (baseline's mobility_file): the file stays as resolved at the start (this
        # crashed before 2026-12-02), and the change applies from its month: quits at
        # 0.04 a month from month 12, with new hires' higher separations too.
        with tempdir() as d:
            out = Path(d) / "out.h5"
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "-r", "1", "--quiet",
                     "--set", "simulation.workers=20000", "--set", "simulation.months=24",
                     "--set", "schedule.12.labor_market.quit_rate=0.04",
                     "--set", "schedule.12.labor_market.tenure_separation_months=[12]",
                     "--set", "schedule.12.labor_market.tenure_separation_factors=[2, 1]"])
            self.assertEqual(p.returncode, 0, p.stderr)
            with h5py.File(out) as f:
                quits = f["series/aggregate/quits"][0]
                employed = f["series/aggregate/employed"][0]
            before = sum(quits[1:12]) / sum(employed[0:11])
            after = sum(quits[13:24]) / sum(employed[12:23])
            self.assertLess(abs(before - 0.02), 0.004)  # calibration.toml's quit rate
            self.assertGreater(after, 0.04)  # more with the new hires' factor 2

        # And what a run would need: us_full (one replicate) is estimated at 7-8.5 GiB, the
        # same figure a run refuses with under a smaller --max-memory.
        p = run(["validate", SCENARIOS / "us_full.toml", "--threads", "2"], check=True)
        told = re.search(r"# A run on 2 threads is estimated to peak at ([0-9.]+) GiB of memory", p.stdout)
        self.assertIsNotNone(told, p.stdout[-400:])
        self.assertTrue(7 <= float(told.group(1)) <= 8.5, told.group(0))
        refused = run(["run", SCENARIOS / "us_full.toml", "--threads", "2", "--max-memory", "1G"])
        self.assertEqual(refused.returncode, 2)
        self.assertIn(f"estimated to need {told.group(1)} GiB", refused.stderr)


def h5_datasets(f):
    """Every dataset of an open results file, by path."""
    out = {}
    f.visititems(lambda name, node: out.__setitem__(name, node[()]) if isinstance(node, h5py.Dataset) else None)
    return out


class SeveralRuns(unittest.TestCase):
    """Several scenarios, or a sweep: every run checked first, one file each in a directory."""

    def test_every_combination_is_the_run_its_values_would_make(self):
        import glob
        import tomllib
        import numpy as np
        with tempdir() as d:
            out = Path(d) / "new" / "sweep"  # made, with its parent
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "-r", "2"] + QUICK +
                    ["--set", "name=a 'b'", "--sweep", "ai.adoption_speed=0.5,2",
                     "--sweep", "labor_market.matching=network,cobb_douglas"], check=True)
            labels = [f"adoption_speed={a}_matching={m}" for a in ["0.5", "2"] for m in ["network", "cobb_douglas"]]
            self.assertEqual(sorted(os.listdir(out)), sorted(f"a 'b'_{l}.h5" for l in labels))
            # One line a run, in order, under one heading; then the directory, which holds
            # them and nothing else (the analysis reads it in natural order, values by number).
            rows = [l.split()[0] for l in p.stdout.splitlines() if l.startswith("  adoption_speed=")]
            self.assertEqual(rows, labels)
            # (the analysis tool's path beside this laborsim's build: one to copy and run)
            command, where = p.stdout.splitlines()[-1].removeprefix("side by side: ").split(" summary ", 1)
            self.assertTrue(os.access(command, os.X_OK), command)
            self.assertEqual(Path(command).name, "laborsim-analyze")
            self.assertEqual(where, str(out))
            for l in labels:
                with h5py.File(out / f"a 'b'_{l}.h5") as f:
                    effective = tomllib.loads(f.attrs["scenario_effective_toml"])
                    self.assertEqual(effective["name"], f"a 'b'_{l}")
                    self.assertEqual(effective["ai"]["adoption_speed"], float(l.split("_")[1].split("=")[1]))
                    self.assertEqual(effective["labor_market"]["matching"], l.split("matching=")[1])
                    self.assertEqual(effective["simulation"]["workers"], 20000)  # the --set still holds
            # Every run of the sweep is the run its values make with --set (the same seed), bit for bit.
            alone = Path(d) / "alone.h5"
            run(["run", SCENARIOS / "baseline.toml", "-o", alone, "-r", "2", "--quiet"] + QUICK +
                ["--set", "ai.adoption_speed=2", "--set", "labor_market.matching=cobb_douglas"], check=True)
            with h5py.File(alone) as a, h5py.File(out / f"a 'b'_{labels[3]}.h5") as b:
                da, db = h5_datasets(a), h5_datasets(b)
                self.assertEqual(sorted(da), sorted(db))
                for k in da:
                    np.testing.assert_array_equal(da[k], db[k], err_msg=k)
            # The sweep's runs differ in what was swept and nothing else.
            q = analyze(["summary", *sorted(glob.glob(str(out / "*.h5")))], check=True)
            self.assertIn("  ai.adoption_speed: 0.5 | 0.5 | 2.0 | 2.0\n", q.stdout)
            self.assertIn("  labor_market.matching: 'cobb_douglas' | 'network' | 'cobb_douglas' | 'network'\n", q.stdout)

    def test_several_scenarios_run_one_after_another_each_as_alone(self):
        import numpy as np
        with tempdir() as d:
            out = Path(d) / "runs"
            p = run(["run", SCENARIOS / "no_ai.toml", SCENARIOS / "hype_regret.toml", "-o", out, "-r", "2"] + QUICK,
                    check=True)
            self.assertEqual(sorted(os.listdir(out)), ["hype_regret.h5", "no_ai.h5"])
            self.assertEqual([l.split()[0] for l in p.stdout.splitlines()[2:4]], ["no_ai", "hype_regret"])
            self.assertTrue(p.stdout.splitlines()[-1].endswith(f"summary {out}/no_ai.h5 {out}/hype_regret.h5"))
            alone = Path(d) / "alone.h5"
            run(["run", SCENARIOS / "hype_regret.toml", "-o", alone, "-r", "2", "--quiet"] + QUICK, check=True)
            with h5py.File(alone) as a, h5py.File(out / "hype_regret.h5") as b:
                da, db = h5_datasets(a), h5_datasets(b)
                self.assertEqual(sorted(da), sorted(db))
                for k in da:
                    np.testing.assert_array_equal(da[k], db[k], err_msg=k)
            # Each scenario with each point of a sweep.
            both = Path(d) / "both"
            run(["run", SCENARIOS / "baseline.toml", SCENARIOS / "hype_regret.toml", "-o", both, "-r", "1", "--quiet",
                 "--sweep", "ai.adoption_speed=1,3"] + QUICK, check=True)
            self.assertEqual(sorted(os.listdir(both)), sorted(f"{n}_adoption_speed={v}.h5" for n in ["baseline", "hype_regret"]
                                                              for v in [1, 3]))
            # Nothing runs if any scenario is bad, or two would write one file.
            bad = Path(d) / "bad.toml"
            bad.write_text('extends = "' + str(SCENARIOS / "baseline.toml") + '"\n[ai]\nadoption_sped = 2\n')
            for files, message in [([SCENARIOS / "no_ai.toml", bad], f"{bad}:3:1: key 'ai.adoption_sped': unknown key"),
                                   ([SCENARIOS / "no_ai.toml"] * 2, f"two runs would write {Path(d) / 'new'}/no_ai.h5")]:
                p = run(["run", *files, "-o", Path(d) / "new"] + QUICK)
                self.assertEqual(p.returncode, 2)
                self.assertIn(message, p.stderr)
                self.assertFalse((Path(d) / "new").exists())
            p = run(["validate", SCENARIOS / "no_ai.toml", SCENARIOS / "hype_regret.toml"], check=True)
            self.assertIn("# 2 runs, each a valid scenario:\n#   no_ai (peak memory estimated at ", p.stdout)

    def test_resume_keeps_the_runs_already_written_and_makes_the_rest(self):
        with tempdir() as d:
            out = Path(d) / "sweep"
            sweep = ["run", SCENARIOS / "baseline.toml", "-o", out] + QUICK + ["--sweep", "ai.adoption_speed=1,2,3"]
            run(sweep + ["-r", "1", "--quiet"], check=True)
            files = [out / f"baseline_adoption_speed={v}.h5" for v in (1, 2, 3)]
            kept = files[0].read_bytes()
            files[1].unlink()  # a run not made yet
            # One that holds another run under the same name (another speed): made again.
            run(["run", SCENARIOS / "baseline.toml", "-o", files[2], "-r", "1", "--quiet"] + QUICK +
                ["--set", "ai.adoption_speed=9", "--set", "name=baseline_adoption_speed=3"], check=True)
            p = run(sweep + ["-r", "1", "--resume"], check=True)
            self.assertIn(f"  adoption_speed=1  kept: {files[0]} already holds it (--resume)\n", p.stdout)
            self.assertEqual(p.stdout.count("kept:"), 1)
            self.assertEqual(files[0].read_bytes(), kept)  # not written again
            for f, speed in zip(files, (1, 2, 3)):
                with h5py.File(f) as h:
                    self.assertIn(f"adoption_speed = {speed}.0\n", h.attrs["scenario_effective_toml"])
            # Another size of run is another run; and a single run is kept as a sweep's are.
            p = run(sweep + ["--resume", "-r", "2"], check=True)
            self.assertNotIn("kept:", p.stdout)
            p = run(["run", SCENARIOS / "baseline.toml", "-o", files[0], "-r", "2", "--resume"] + QUICK +
                    ["--set", "ai.adoption_speed=1", "--set", "name=baseline_adoption_speed=1"], check=True)
            self.assertEqual(p.stdout, f"laborsim: {files[0]} already holds this run (--resume); nothing to do\n")
            # The same commit built with another standard library draws other numbers:
            # its file is another run's, made again.
            with h5py.File(files[0], "r+") as h:
                h.attrs["build"] = "GCC 1.0.0, libstdc++ 19990101"
            p = run(["run", SCENARIOS / "baseline.toml", "-o", files[0], "-r", "2", "--resume"] + QUICK +
                    ["--set", "ai.adoption_speed=1", "--set", "name=baseline_adoption_speed=1", "--quiet"], check=True)
            self.assertEqual(p.stdout, "")
            with h5py.File(files[0]) as h:
                self.assertNotEqual(h.attrs["build"], "GCC 1.0.0, libstdc++ 19990101")
            # A file edited by hand, an attribute made an array: not this run (and not read
            # past), made again.
            for name in ("build", "format_version"):
                with h5py.File(files[0], "r+") as h:
                    value = h.attrs[name]
                    h.attrs[name] = np.array([value, value], dtype=h5py.string_dtype() if name == "build" else None)
                p = run(["run", SCENARIOS / "baseline.toml", "-o", files[0], "-r", "2", "--resume"] + QUICK +
                        ["--set", "ai.adoption_speed=1", "--set", "name=baseline_adoption_speed=1", "--quiet"],
                        check=True)
                self.assertEqual(p.stdout, "", name)
                with h5py.File(files[0]) as h:
                    self.assertEqual(np.shape(h.attrs[name]), (), name)

    def test_a_sweep_of_decimal_values_is_read_in_their_order(self):
        # A sweep's files read back in the order of their values: "0.5" after "0" and
        # before "1.5", "10" last (in a shell pattern's order "0.5" came first, and so it
        # was the reference that compare and report measured the others against).
        import json
        small = ["-r", "2", "--set", "simulation.workers=2000", "--set", "simulation.months=12",
                 "--set", "simulation.burn_in_months=0"]
        with tempdir() as d:
            p = run(["run", SCENARIOS / "baseline.toml", "-o", d, "--sweep", "ai.hype_premium=1.5,0,10,0.5"] + small,
                    check=True)
            self.assertTrue(p.stdout.splitlines()[-1].endswith(f" summary {d}"), p.stdout)
            j = json.loads(analyze(["summary", d, "--format", "json"], check=True).stdout)
            self.assertEqual([r["run"] for r in j["runs"]],
                             [f"baseline_hype_premium={v}" for v in ["0", "0.5", "1.5", "10"]])
            # With another sweep's runs in the directory, its own files, in the order run.
            p = run(["run", SCENARIOS / "baseline.toml", "-o", d, "--sweep", "ai.adoption_speed=2,0.5"] + small,
                    check=True)
            named = p.stdout.splitlines()[-1].split(" summary ", 1)[1].split()
            self.assertEqual(named, [str(Path(d) / f"baseline_adoption_speed={v}.h5") for v in ["2", "0.5"]])

    def test_an_interrupted_sweep_keeps_the_runs_it_finished(self):
        import signal
        import time
        with tempdir() as d:
            p = subprocess.Popen([LABORSIM, "run", SCENARIOS / "baseline.toml", "-o", d, "--quiet", "-r", "2",
                                  "--sweep", "simulation.workers=20000,1000000,20001"], stderr=subprocess.PIPE, text=True)
            for _ in range(400):  # until the second run's temporary file exists
                if any(n.startswith("baseline_workers=1000000.h5.tmp-") for n in os.listdir(d)):
                    break
                time.sleep(0.05)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 130, err)
            self.assertIn("interrupted; no results written for this run (the first run is written: ", err)
            self.assertEqual(os.listdir(d), ["baseline_workers=20000.h5"])
            with h5py.File(Path(d) / "baseline_workers=20000.h5") as f:
                self.assertEqual(f["series/aggregate/employed"].shape[0], 2)

    def test_a_bad_sweep_runs_nothing_and_writes_nothing(self):
        with tempdir() as d:
            out = Path(d) / "sweep"
            for sweep, message in [
                ("ai.adoption_speed=0.5,-1", "--sweep ai.adoption_speed=-1: key 'ai.adoption_speed': value -1 is out of range"),
                ("ai.adoption_speed=1,2,1.0", "--sweep ai.adoption_speed=1,2,1.0: key 'ai.adoption_speed': value 1.0 is listed twice"),
                ("ai.adoption_sped=1,2", "--sweep ai.adoption_sped=1: key 'ai.adoption_sped': unknown key; did you mean 'adoption_speed'?"),
                ("ai.adoption_speed", "--sweep ai.adoption_speed: expected KEY=VALUE,VALUE,..."),
                ("name=a,b", "key 'name': each run is named after its scenario and its values"),
            ]:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--sweep", sweep] + QUICK)
                self.assertEqual(p.returncode, 2, sweep)
                self.assertIn(message, p.stderr)
                self.assertFalse(out.exists(), sweep)
            # Two runs that one file would hold, and -o naming a file.
            for name in ["m 1.csv", "m1.csv"]:
                shutil.copy(SCENARIOS / "data" / "baseline_mobility.csv", Path(d) / name)
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--sweep",
                     f'labor_market.mobility_file="{d}/m 1.csv","{d}/m1.csv"'] + QUICK)
            self.assertEqual(p.returncode, 2)
            self.assertIn("two runs would write", p.stderr)
            self.assertIn("make their values differ in more than quotes, brackets and spaces", p.stderr)
            p = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "out.h5", "--sweep", "ai.adoption_speed=1,2"] + QUICK)
            self.assertEqual(p.returncode, 2)
            self.assertIn("with --sweep, -o names the directory the runs are written to (each as NAME.h5), not a file: ",
                          p.stderr)
            self.assertFalse((Path(d) / "out.h5").exists())
            out.write_text("")
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "--sweep", "ai.adoption_speed=1,2"] + QUICK)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"with --sweep, -o names the directory the runs are written to; '{out}' is a file", p.stderr)
            # validate checks every run and lists them.
            p = run(["validate", SCENARIOS / "baseline.toml", "--sweep", "ai.adoption_speed=1,2", "--sweep",
                     "simulation.workers=1000,2000"], check=True)
            self.assertIn("# 4 runs, each a valid scenario:\n#   baseline_adoption_speed=1_workers=1000 (", p.stdout)
            self.assertEqual(len(re.findall(r"^#   baseline_adoption_speed=\d_workers=\d+ \(", p.stdout, re.M)), 4)

class RunFailures(unittest.TestCase):
    def test_failure_while_running_exits_1_and_leaves_nothing(self):
        # The output's name is taken by a directory (-o DIR writes DIR/baseline.h5, and
        # that is a directory too): the run completes but cannot be moved into place, so
        # the temporary file must go and the exit code is 1.
        with tempdir() as d:
            target = Path(d) / "baseline.h5"
            target.mkdir()
            p = run(["run", SCENARIOS / "baseline.toml", "-o", d, "--quiet", "-r", "1"] + QUICK)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("run failed", p.stderr)
            self.assertEqual(os.listdir(d), ["baseline.h5"])
            self.assertTrue(target.is_dir())

    def test_a_write_that_fails_exits_1_names_the_cause_and_keeps_the_earlier_file(self):
        # A full disk, a quota or a file size limit: here the limit (RLIMIT_FSIZE, with
        # SIGXFSZ ignored, so that write() fails with EFBIG as it would with ENOSPC). The
        # results file of the quick run is ~1 MB, the limit 64 kB. Before the fix the run
        # exited 0 and renamed a truncated file into place (HDF5 met the error only while
        # closing, and printed it).
        with tempdir() as d:
            out = Path(d) / "baseline.h5"
            out.write_bytes(b"an earlier run's results")
            p = subprocess.run([LABORSIM, "run", SCENARIOS / "baseline.toml", "-o", out, "--quiet", "-r", "2"] + QUICK,
                               capture_output=True, text=True, preexec_fn=file_size_limit(65536))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertRegex(p.stderr, r"laborsim: run failed: writing '.*baseline\.h5\.tmp-\d+' failed: "
                                       r"File too large; '.*baseline\.h5' was not written")
            self.assertNotIn("H5", p.stderr)  # no messages from HDF5's destructors
            self.assertEqual(os.listdir(d), ["baseline.h5"])
            self.assertEqual(out.read_bytes(), b"an earlier run's results")
            # Without the limit the same command writes a complete file.
            run(["run", SCENARIOS / "baseline.toml", "-o", out, "--quiet", "-r", "2"] + QUICK, check=True)
            self.assertTrue(out.read_bytes().startswith(b"\x89HDF\r\n\x1a\n"))

    def test_standard_output_that_cannot_be_written_is_a_failure(self):
        # `laborsim validate X.toml > resolved.toml` on a full disk (/dev/full) must not
        # exit 0 with a truncated file; a bad scenario keeps its own exit code.
        with open("/dev/full", "w") as full:
            p = subprocess.run([LABORSIM, "validate", SCENARIOS / "baseline.toml"], stdout=full, stderr=subprocess.PIPE,
                               text=True)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("laborsim: error: writing standard output failed", p.stderr)
            p = subprocess.run([LABORSIM, "validate", SCENARIOS / "missing.toml"], stdout=full, stderr=subprocess.PIPE,
                               text=True)
            self.assertEqual(p.returncode, 2, p.stderr)
        p = run(["validate", SCENARIOS / "baseline.toml"], check=True)  # and to a pipe, as before
        self.assertIn("[simulation]", p.stdout)

    def test_interrupted_run_leaves_nothing(self):
        # Ctrl-C or a termination request (as a batch scheduler sends): the earlier file stays,
        # no temporary is left, and the exit status is the shell's 128 + the signal.
        import signal
        import time
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name), tempdir() as d:
                out = Path(d) / "big.h5"
                out.write_bytes(b"an earlier run's results")  # to be replaced only by a complete run
                p = subprocess.Popen([LABORSIM, "run", SCENARIOS / "baseline.toml", "-o", out, "--quiet",
                                      "--set", "simulation.workers=1000000"], stderr=subprocess.PIPE, text=True)
                for _ in range(200):  # until the temporary file exists
                    if len(os.listdir(d)) > 1:
                        break
                    time.sleep(0.05)
                self.assertTrue(any(n.startswith("big.h5.tmp-") for n in os.listdir(d)))
                p.send_signal(sig)
                _, err = p.communicate(timeout=120)
                self.assertEqual(p.returncode, 128 + sig.value, err)
                self.assertIn("interrupted", err)
                self.assertEqual(os.listdir(d), ["big.h5"])
                self.assertEqual(out.read_bytes(), b"an earlier run's results")

    def test_progress_line_on_a_terminal(self):
        # stderr on a pseudo-terminal: the bar, the time so far, an estimate of the time
        # left once months are done, and one closing line with the total.
        def frames_of(options, workers=300000, replicates=2):
            master, slave = os.openpty()
            with tempdir() as d:
                p = subprocess.Popen([LABORSIM, "run", SCENARIOS / "baseline.toml", "-o", Path(d) / "p.h5",
                                      "-r", str(replicates),
                                      "--set", f"simulation.workers={workers}", *options],
                                     stdout=subprocess.PIPE, stderr=slave)
                os.close(slave)
                seen = b""
                while True:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # the terminal closed with the process
                        break
                    if not chunk:
                        break
                    seen += chunk
                p.communicate(timeout=120)
                os.close(master)
            self.assertEqual(p.returncode, 0)
            return [f.strip() for f in seen.decode().replace("\r\n", "\n").replace("\r", "\n").split("\n") if f.strip()]
        frames = frames_of([])
        self.assertRegex(frames[-1], r"^\[#{40}\] 100\.0%  done in \d+:\d\d$")
        self.assertEqual(sum("done in" in f for f in frames), 1)
        self.assertTrue(any(re.search(r"\] +\d+\.\d%  \d+:\d\d, about \d+:\d\d left$", f) for f in frames), frames[:5])
        # The burn-in's months count: a run of 2 recorded months after the baseline's 120 of
        # burn-in moves through the bar, with an estimate, rather than sit at 0% till the end.
        # (The line is drawn every 50 ms: a million workers make it last a couple of seconds,
        # 300,000 had become too quick to draw five frames.)
        frames = frames_of(["--set", "simulation.months=2"], workers=1000000)
        shares = [float(m.group(1)) for f in frames if (m := re.search(r"\] +(\d+\.\d)%", f))]
        self.assertEqual(shares, sorted(shares))
        self.assertGreaterEqual(len({x for x in shares if 0 < x < 100}), 5, frames)  # (not 25, 50, 75 at the end)
        self.assertTrue(any(re.search(r"\] +([1-8]\d)\.\d%  \d+:\d\d, about \d+:\d\d left$", f) for f in frames),
                        frames)
        # Many quick replicates, one finished every few milliseconds: the line is still
        # drawn as they arrive (the writer, waiting for each, draws it every 50 ms rather
        # than only when none came within 50 ms, which would leave it at 0% to the end).
        frames = frames_of(["--set", "simulation.months=24", "--set", "simulation.burn_in_months=12"], workers=5000,
                           replicates=400)
        shares = [float(m.group(1)) for f in frames if (m := re.search(r"\] +(\d+\.\d)%", f))]
        self.assertEqual(shares, sorted(shares))
        self.assertGreaterEqual(len({x for x in shares if 0 < x < 100}), 5, frames)

    def test_success_prints_where_results_went(self):
        with tempdir() as d:
            out = Path(d) / "base.h5"
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "-r", "2"] + QUICK)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(str(out), p.stdout)
            self.assertEqual(os.listdir(d), ["base.h5"])
            self.assertEqual(p.stderr, "", "no progress bar when stderr is not a terminal")
            # The headline unemployment rate is the mean of the series over its window:
            # the last 12 months, or the whole run when it is shorter (and says so).
            for months, label in [(36, "last 12 months"), (5, "all 5 months")]:
                p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "-r", "2"] + QUICK +
                        ["--set", f"simulation.months={months}"], check=True)
                shown = float(re.search(rf"unemployment rate, {label} +([0-9.]+) %", p.stdout).group(1))
                with h5py.File(out) as f:
                    expected = 100 * f["series/aggregate/unemployment_rate"][:, -12:].mean()
                self.assertAlmostEqual(shown, expected, delta=0.006)  # printed to 2 decimals
            self.assertNotIn("schedule:", p.stdout)
            # Its last line says what to run next: the analysis tool beside this build, on
            # the file, as a shell word.
            command, rest = p.stdout.splitlines()[-1].removeprefix("next:").strip().split(" summary ", 1)
            self.assertTrue(os.access(command, os.X_OK), command)
            self.assertEqual(rest.split()[0], str(out))
            summary = subprocess.run([command, "summary", str(out)], capture_output=True, text=True)
            self.assertEqual(summary.returncode, 0, summary.stderr)
            # A run whose parameters change says when (--set adds the changes by month).
            p = run(["run", SCENARIOS / "baseline.toml", "-o", out, "-r", "1"] + QUICK +
                    ["--set", "schedule.20.retraining.subsidy=true", "--set", "schedule.5.ai.hype_premium=1"],
                    check=True)
            self.assertIn("\nschedule: parameters change at month 5, 20\n", p.stdout)

    def test_profile_breaks_the_time_down_and_gives_the_bytes_the_bench_reads(self):
        with tempdir() as d:
            p = run(["run", SCENARIOS / "baseline.toml", "-o", Path(d) / "p.h5", "--profile"] + QUICK, check=True)
            lines = p.stdout.splitlines()
            start = next(i for i, l in enumerate(lines) if l.startswith("profile"))
            steps = ["initial state", "capability", "matching", "churn", "adoption", "consolidation",
                     "retraining", "demography", "aiq", "record", "compression"]
            rows = lines[start + 1 : start + 1 + len(steps)]
            self.assertEqual([r[2:16].strip() for r in rows], steps)
            self.assertAlmostEqual(sum(float(r.split()[-1].rstrip("%")) for r in rows), 100.0, delta=0.6)
            # The months' times: the burn-in, then year by year (36 months: 3 years), each a
            # mean over its months of all their steps; so weighted by their months they add
            # up to the steps' time (printed in s to the ms; one more ms per row of rounding).
            head = next(i for i, l in enumerate(lines) if l.startswith("time per month"))
            months = lines[head + 1 : head + 5]
            self.assertEqual([r[2:16].strip() for r in months], ["burn-in", "year 1", "year 2", "year 3"])
            self.assertTrue(months[0].endswith("ms (12 months)"), months[0])
            self.assertTrue(lines[head + 5].startswith("worker columns:"), lines[head + 5])
            per_month = [float(r[16:].split()[0]) / 1000 for r in months]
            self.assertTrue(all(t > 0 for t in per_month), per_month)
            steps_seconds = sum(float(r[16:].split()[0]) for r in rows[1:-1])  # not the initial state, not compression
            self.assertAlmostEqual(12 * sum(per_month), steps_seconds, delta=0.001 * len(steps) + 12 * 4 * 5e-7)
            # bench/run.sh takes the third field of this line for its bandwidth bound
            columns = [l.split() for l in lines if l.startswith("worker columns:")]
            self.assertEqual(len(columns), 1)
            self.assertEqual(columns[0][3:], ["bytes", "per", "worker"])
            self.assertTrue(8 <= int(columns[0][2]) <= 64, columns[0])
            # and the second field of this one for the moves per second: the count is the sum
            # over the file's recorded months and replicates of the moves it names
            moves = [l.split() for l in lines if l.startswith("moves:")]
            self.assertEqual(len(moves), 1)
            with h5py.File(Path(d) / "p.h5", "r") as f:
                agg = f["series/aggregate"]
                want = sum(float(agg[k][()].sum()) for k in (
                    "hires", "quits", "layoffs_ordinary", "layoffs_ai", "layoffs_consolidation", "retirements",
                    "entrants", "exits_to_nonparticipation", "reentries", "retraining_entries",
                    "retraining_completions"))
            self.assertGreater(want, 0)
            self.assertEqual(float(moves[0][1]), want)


if __name__ == "__main__":
    unittest.main()
