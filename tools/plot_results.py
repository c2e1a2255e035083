#!/usr/bin/env python3
"""Plot a laborsim results file with matplotlib, reading the HDF5 directly.

    /usr/bin/python3 tools/plot_results.py results/baseline.h5 [more.h5 ...] -o unemployment.png
    /usr/bin/python3 tools/plot_results.py results/speed -o speed.png   # a directory: its .h5 files (a sweep's)
    /usr/bin/python3 tools/plot_results.py results/hype.h5 --metric regret_rehires --metric vacancies -o h.png

Draws, for each file, the unemployment rate and AI-attributed layoffs (or the series
named with --metric, a panel each), the median and the 5-95% band across replicates,
with a dashed line at each month the scenario's [[schedule]] changes its parameters
(read from the scenario stored in the file). Runs are named by their scenarios; runs of
one scenario, by their files too. A starting point for your own figures:
everything in the file is a NumPy array away (see docs/output-format.md).
"""
import argparse
import difflib
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


def run_labels(files, names):
    """A legend label for each run: its scenario's name, and where two runs share a name,
    the name and file (`baseline (b.h5)`), or its path where the file names repeat too;
    as laborsim-analyze names runs."""
    labels = [f"{n} ({Path(f).name})" if names.count(n) > 1 else n for f, n in zip(files, names)]
    return [f"{n} ({f})" if labels.count(label) > 1 else label for f, n, label in zip(files, names, labels)]


# Titles of the default panels; any other series is titled by its dataset's description.
TITLES = {"unemployment_rate": "Unemployment rate", "layoffs_ai": "AI-attributed layoffs per month"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+")
    ap.add_argument("-o", "--output", default="laborsim.png")
    ap.add_argument("--metric", action="append",
                    help="a series of /series/aggregate to plot, a panel each (repeatable; default: "
                         "unemployment_rate and layoffs_ai)")
    a = ap.parse_args()
    metrics = a.metric or ["unemployment_rate", "layoffs_ai"]
    files = results_files(a.results)
    if not files:
        raise SystemExit("no results files to plot")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), squeeze=False)
    names = []
    for path in files:
        with h5py.File(path, "r") as f:
            if f.attrs.get("filetype") != "laborsim-results":
                raise SystemExit(f"{path}: not a laborsim results file")
            names.append(str(f.attrs["scenario_name"]))
    labels = {}  # metric -> (title, y label)
    for path, name in zip(files, run_labels(files, names)):
        with h5py.File(path, "r") as f:
            scenario = tomllib.loads(f.attrs["scenario_effective_toml"])
            series = f["series/aggregate"]
            for ax, metric in zip(axes[0], metrics):
                if metric not in series:
                    near = difflib.get_close_matches(metric, list(series), n=3)
                    hint = "; did you mean " + ", ".join(f"'{n}'" for n in near) + "?" if near else ""
                    raise SystemExit(f"{path}: no series '{metric}'{hint} (docs/output-format.md lists them)")
                data = series[metric][()]  # [replicate, month]
                unit = series[metric].attrs.get("unit", "")
                if unit == "fraction":
                    data, unit = data * 100, "%"
                labels[metric] = (TITLES.get(metric, series[metric].attrs.get("description", metric)), unit)
                months = np.arange(data.shape[1])
                lo, med, hi = np.percentile(data, [5, 50, 95], axis=0)
                (line,) = ax.plot(months, med, label=name)
                ax.fill_between(months, lo, hi, color=line.get_color(), alpha=0.2)
                for change in scenario.get("schedule", []):
                    ax.axvline(change["month"], color=line.get_color(), linestyle="--", linewidth=1, alpha=0.7)
    for ax, metric in zip(axes[0], metrics):
        title, unit = labels[metric]
        ax.set(title=title[:1].upper() + title[1:], xlabel="month", ylabel=unit)
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print(f"wrote {a.output} ({len(files)} run{'' if len(files) == 1 else 's'}: {', '.join(str(f) for f in files)})")


if __name__ == "__main__":
    main()
