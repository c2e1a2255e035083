"""Shared helpers for the command-line tests: where the executables and scenarios are."""
import os
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(os.environ.get("LABORSIM_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SCENARIOS = SOURCE / "scenarios"
LABORSIM = os.environ.get("LABORSIM", str(SOURCE / "build" / "sim" / "laborsim"))
ANALYZE = os.environ.get("LABORSIM_ANALYZE", str(SOURCE / "build" / "analysis" / "laborsim-analyze"))
CMAKE = os.environ.get("CMAKE", "cmake")

# A quick version of the baseline for tests that need a results file.
QUICK = ["--set", "simulation.workers=20000", "--set", "simulation.months=36", "--set", "simulation.burn_in_months=12"]


def run(args, cwd=None, check=False):
    p = subprocess.run([LABORSIM] + [str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"laborsim {args} failed ({p.returncode}):\n{p.stderr}")
    return p


def analyze(args, cwd=None, check=False):
    p = subprocess.run([ANALYZE] + [str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"laborsim-analyze {args} failed ({p.returncode}):\n{p.stderr}")
    return p


def rscript(code, cwd=None):
    """Runs CODE with R's Rscript (installed by tools/install-deps.sh with rhdf5) and
    returns the finished process; fails the test if R is missing or the code fails."""
    import shutil
    if shutil.which("Rscript") is None:
        raise AssertionError("Rscript not found: tools/install-deps.sh installs R (r-base-core, r-bioc-rhdf5)")
    with tempfile.NamedTemporaryFile("w", suffix=".R", prefix="laborsim-test-") as script:
        script.write(code)
        script.flush()
        p = subprocess.run(["Rscript", "--vanilla", script.name], cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"Rscript failed ({p.returncode}):\n{p.stderr}")
    return p


def tempdir():
    return tempfile.TemporaryDirectory(prefix="laborsim-test-")


def run_scenario(directory, name, options=()):
    """Runs scenarios/NAME.toml into DIRECTORY/NAME.h5 (a tempdir or a path) and returns that path."""
    out = Path(getattr(directory, "name", directory)) / f"{name}.h5"
    run(["run", SCENARIOS / f"{name}.toml", "-o", out, *options], check=True)
    return out


def file_size_limit(nbytes):
    """A preexec_fn for subprocess: files the child writes may not grow past NBYTES, and a
    write past it fails with EFBIG (SIGXFSZ ignored), as a write to a full disk fails."""
    import resource
    import signal

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit
