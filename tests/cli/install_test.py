"""The engine as a library for other projects: `cmake --install` puts the tools, the
headers and a CMake package in a prefix; a separate project (tests/install) finds it
with find_package(laborsim), links laborsim::engine, and its one replicate is the
same, to the bit, as the one `laborsim run` writes."""
import os
import subprocess
import unittest
from pathlib import Path

import h5py
import numpy as np

from common import CMAKE, SCENARIOS, SOURCE, run, tempdir

BUILD = Path(os.environ.get("LABORSIM_BUILD_DIR", SOURCE / "build"))
OVERRIDES = ["simulation.workers=20000", "simulation.months=24", "simulation.burn_in_months=6"]


class Install(unittest.TestCase):
    def test_another_project_builds_against_the_installed_engine(self):
        with tempdir() as d:
            d = Path(d)
            prefix = d / "prefix"

            def step(*args):
                p = subprocess.run([str(a) for a in args], capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, f"{args}:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
                return p

            step(CMAKE, "--install", BUILD, "--prefix", prefix)
            for f in ["bin/laborsim", "bin/laborsim-analyze", "include/laborsim/model.hpp",
                      "lib/cmake/laborsim/laborsimConfig.cmake", "lib/cmake/laborsim/laborsimConfigVersion.cmake"]:
                self.assertTrue((prefix / f).exists(), f)
            step(CMAKE, "-S", SOURCE / "tests" / "install", "-B", d / "consumer", f"-DCMAKE_PREFIX_PATH={prefix}",
                 "-DCMAKE_BUILD_TYPE=Release")
            step(CMAKE, "--build", d / "consumer", "-j2")
            mine = step(d / "consumer" / "consumer", SCENARIOS / "baseline.toml", *OVERRIDES).stdout.split()

            # The installed tool and the library agree with each other.
            out = d / "run.h5"
            p = subprocess.run([prefix / "bin" / "laborsim", "run", SCENARIOS / "baseline.toml", "-r", "1", "--quiet",
                                "-o", out, *[a for o in OVERRIDES for a in ("--set", o)]],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            with h5py.File(out) as f:
                tool = f["series/aggregate/unemployment_rate"][0]
            self.assertEqual(len(mine), 24)
            np.testing.assert_array_equal(np.array([float(x) for x in mine]), tool)
            self.assertTrue(0.01 < tool.mean() < 0.1)

            # A newer major or minor version than installed is refused.
            (d / "want").mkdir()
            (d / "want" / "CMakeLists.txt").write_text(
                "cmake_minimum_required(VERSION 3.20)\nproject(w LANGUAGES C CXX)\nfind_package(laborsim 9.0 REQUIRED)\n")
            p = subprocess.run([CMAKE, "-S", d / "want", "-B", d / "want" / "b", f"-DCMAKE_PREFIX_PATH={prefix}"],
                               capture_output=True, text=True)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("laborsim", p.stderr)


if __name__ == "__main__":
    unittest.main()
