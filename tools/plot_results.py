#!/usr/bin/env python3
"""Plot a laborsim results file with matplotlib, reading the HDF5 directly.

    /usr/bin/python3 tools/plot_results.py results/baseline.h5 [more.h5 ...] -o unemployment.png
    /usr/bin/python3 tools/plot_results.py results/speed -o speed.png   # a directory: its .h5 files (a sweep's)

Draws the unemployment rate (median and 5-95% band across replicates) and AI-attributed
layoffs for each file, with a dashed line at each month the scenario's [[schedule]]
changes its parameters (read from the scenario stored in the file). A starting point
for your own figures: everything in the file is a NumPy array away (see
docs/output-format.md).
"""
import argparse
import re
import tomllib
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def results_files(arguments):
    """Each file as given, and each directory as the .h5 files in it in natural order
    (speed=2 before speed=10), as laborsim-analyze reads them."""
    def natural(p):
        return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", p.name)]
    out = []
    for a in map(Path, arguments):
        out += sorted(a.glob("*.h5"), key=natural) if a.is_dir() else [a]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+")
    ap.add_argument("-o", "--output", default="laborsim.png")
    a = ap.parse_args()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    files = results_files(a.results)
    if not files:
        raise SystemExit("no results files to plot")
    for path in files:
        with h5py.File(path, "r") as f:
            if f.attrs.get("filetype") != "laborsim-results":
                raise SystemExit(f"{path}: not a laborsim results file")
            name = f.attrs["scenario_name"]
            u = f["series/aggregate/unemployment_rate"][()] * 100  # [replicate, month]
            ai = f["series/aggregate/layoffs_ai"][()]
            scenario = tomllib.loads(f.attrs["scenario_effective_toml"])
        months = np.arange(u.shape[1])
        for ax, data in [(ax1, u), (ax2, ai)]:
            lo, med, hi = np.percentile(data, [5, 50, 95], axis=0)
            (line,) = ax.plot(months, med, label=name)
            ax.fill_between(months, lo, hi, color=line.get_color(), alpha=0.2)
            for change in scenario.get("schedule", []):
                ax.axvline(change["month"], color=line.get_color(), linestyle="--", linewidth=1, alpha=0.7)
    ax1.set(title="Unemployment rate", xlabel="month", ylabel="%")
    ax2.set(title="AI-attributed layoffs per month", xlabel="month", ylabel="workers")
    ax1.legend()
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print(f"wrote {a.output} ({len(files)} run{'' if len(files) == 1 else 's'}: {', '.join(str(f) for f in files)})")


if __name__ == "__main__":
    main()
