#!/usr/bin/env python3
"""Calibration table of a laborsim results file: model vs US data (MODEL.md section 4).

Averages each monthly figure over replicates and over the months after the first year
(the first year still carries the initial allocation). Exit status 1 if --check is
given and a figure is outside its tolerance.

    /usr/bin/python3 tools/calibration_table.py results.h5 [--check] [--markdown]
"""
import argparse
import sys

import h5py
import numpy as np

TENURE = "BLS Employee Tenure in 2024 (January 2024)"

# name, how to compute from /series/aggregate, data value, tolerance (relative), unit, source
TARGETS = [
    ("E->U rate, monthly", "e_to_u_rate", 0.010, 0.10, "%", "BLS CPS gross flows 2024-25"),
    ("U->E rate, monthly", "u_to_e_rate", 0.26, 0.10, "%", "BLS CPS gross flows"),
    ("quits, monthly", "quit_rate", 0.020, 0.10, "%", "BLS JOLTS 2024"),
    ("layoffs & discharges, monthly", "layoff_rate", 0.011, 0.10, "%", "BLS JOLTS 2024"),
    ("unemployment rate", "unemployment_rate", 0.040, 0.10, "%", "BLS 2024 average"),
    ("median unemployment duration", "median_unemployment_weeks", 9.0, 0.10, "weeks", "BLS CPS 2023-24"),
]
INFO = [
    ("mean unemployment duration", "mean_unemployment_weeks", 21.0, "weeks", "BLS CPS 2023-24"),
    ("long-term (27+ weeks) share", "long_term_unemployed_share", 0.21, "%", "BLS CPS 2023-24"),
    ("job openings rate v/(e+v)", None, 0.045, "%", "BLS JOLTS 2024"),
    ("employed a year or less at their employer", "first_year_tenure_share", 0.22, "%", TENURE),
    ("median years at the current employer", "median_tenure_months", 3.9, "years", TENURE),
]


# From the spell panel: displacements of the run's last three years and whether they
# ended in a job by its end, as the Displaced Worker Survey asks in January 2024 of those
# displaced in 2021-23 after 3+ years at their employer (name, ages at displacement,
# data value).
DISPLACED = [
    ("displaced after 3+ years' tenure in the last 3 years, reemployed by the end", (0, 200), 0.657),
    ("  ages 20-24", (20, 24), 0.85),
    ("  ages 25-54", (25, 54), 0.745),
    ("  ages 55-64", (55, 64), 0.55),
]
DWS = "BLS Displaced Worker Survey, Jan 2024"
JLS = "Jacobson, LaLonde & Sullivan 1993 (earnings, 6+ years' tenure, long-term)"
DVW = "Davis & von Wachter 2011 (men aged 50 or less, 3+ years' tenure, mass layoffs 1980-2005 when unemployment was below 6%)"
DVW_YEARS = 20


def earnings_loss(spells, comparison, year, min_tenure):
    """1 - (displaced's earnings in the year / their wages before) / (the comparison
    group's), over the rows of min_tenure months or more whose year is observed."""
    ratios = []
    for t in (spells, comparison):
        e = t[f"earnings_year{year}"].astype(float)
        keep = ~np.isnan(e) & (t["tenure_months"] >= min_tenure)
        if not keep.any():
            return None
        ratios.append(e[keep].sum() / t["wage"][keep].astype(float).sum())
    return 1 - ratios[0] / ratios[1]


def pv_lost(spells, comparison, years, min_tenure, max_age, discount=0.05):
    """Earnings lost over the first `years` years after, in years of the wage before:
    the sum over the years of (comparison group's earnings / wages - the displaced's),
    year y discounted by (1 + discount)^-(y-1), over the rows of min_tenure months or
    more, aged max_age or less, with all those years observed (Davis & von Wachter's
    present value). None where the file follows fewer years or no one that long."""
    ratios = []
    for t in (spells, comparison):
        if f"earnings_year{years}" not in t:
            return None
        e = np.stack([t[f"earnings_year{y}"].astype(float) for y in range(1, years + 1)])
        keep = ~np.isnan(e).any(axis=0) & (t["tenure_months"] >= min_tenure) & (t["age"] <= max_age)
        if not keep.any():
            return None
        ratios.append(e[:, keep].sum(axis=1) / t["wage"][keep].astype(float).sum())
    return float(sum((c - d) / (1 + discount) ** y for y, (d, c) in enumerate(zip(*ratios))))


# BLS Employee Tenure in 2024: median years with the current employer by age.
TENURE_BY_AGE = [("  aged 25-34", (25, 34), 2.7), ("  aged 55-64", (55, 64), 9.6)]


def tenure_by_age_rows(comparison):
    """Median years at the employer by age, from the comparison group: each employed panel
    worker of months 0, 12, 24, ... drawn at the same rate, so a random sample of the
    employed then, with its tenure and age (tenure uniform within its month)."""
    rows = []
    for name, (lo, hi), data in TENURE_BY_AGE:
        m = (comparison["age"] >= lo) & (comparison["age"] <= hi)
        got = fmt(np.median(comparison["tenure_months"][m] + 0.5) / 12, "years") if m.any() else "n/a (none)"
        rows.append((name, got, fmt(data, "years"), "not targeted", "-", TENURE))
    return rows


def displaced_rows(spells, months, comparison=None):
    """Rows comparing the panel's displacements with the DWS and JLS figures (not targeted)."""
    start, reemployed, age = spells["start_month"], spells["reemployed"] == 1, spells["age"]
    # Files of format version 2 do not record tenure: every displacement counts there,
    # and the rows say so.
    known = "tenure_months" in spells
    tenure = spells["tenure_months"] if known else np.full(len(start), 10**6)
    recent = (start >= months - 36) & (tenure >= 36)
    rows = []
    for name, (lo, hi), data in DISPLACED:
        if not known:
            name = name.replace("after 3+ years' tenure", "(any tenure: not in this file)")
        m = recent & (age >= lo) & (age <= hi)
        got = fmt(reemployed[m].mean(), "%") if m.any() else "n/a (none)"
        rows.append((name, got, fmt(data, "%"), "not targeted", "-", DWS))
    back = reemployed & (spells["wage"] > 0)
    for name, keep in [("wage loss at rehire (1 - mean new/old wage)", back),
                       ("  after 6+ years' tenure", back & (tenure >= 72) & known)]:
        if keep.any():
            loss = 1 - float(np.mean(spells["new_wage"][keep] / spells["wage"][keep]))
            rows.append((name, fmt(loss, "%"), "-", "not targeted", "-", "-"))
    # Earnings against the comparison group (format version 4 on): the measure of JLS,
    # whose 25% is years after the loss; the model follows three years.
    if comparison is not None:
        for name, min_tenure, data, src in [("earnings loss in year 3 after displacement, vs not displaced", 0, None, "-"),
                                            ("  after 6+ years' tenure (both groups)", 72, 0.25, JLS)]:
            loss = earnings_loss(spells, comparison, 3, min_tenure)
            rows.append((name, "n/a (none)" if loss is None else fmt(loss, "%"), "-" if data is None else fmt(data, "%"),
                         "not targeted", "-", src))
        # Davis & von Wachter's present value over 20 years: only a run that follows them
        # (output.earnings_years = 20) for 21 years or more can say.
        pv = pv_lost(spells, comparison, DVW_YEARS, 36, 50)
        followed = sum(k.startswith("earnings_year") for k in spells)
        got = (f"{pv:.2f} years" if pv is not None else
               f"n/a ({followed} years followed)" if followed < DVW_YEARS else "n/a (run under 21 years)")
        rows.append(("earnings lost over 20 years, present value at 5%, 3+ years' tenure, aged 50 or less", got,
                     "1.40 years", "not targeted", "-", DVW))
    return rows


def value(agg, key, skip):
    if key is None:
        v = agg["vacancies"][:, skip:]
        e = agg["employed"][:, skip:]
        return float(np.mean(v / (v + e)))
    return float(np.mean(agg[key][:, skip:]))


def fmt(x, unit):
    return f"{100 * x:.2f}%" if unit == "%" else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--check", action="store_true", help="exit 1 if a figure is out of tolerance")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--skip-months", type=int, default=12)
    a = ap.parse_args()
    with h5py.File(a.results, "r") as f:
        agg = {k: f["series/aggregate"][k][()] for k in f["series/aggregate"]}
        reps = int(f.attrs["replicates"])
        months = int(f.attrs["months"])
        spells = {k: f["spells"][k][()] for k in f["spells"]} if "spells" in f else {}
        comparison = {k: f["comparison"][k][()] for k in f["comparison"]} if "comparison" in f else None
    rows, ok = [], True
    for name, key, data, tol, unit, src in TARGETS:
        m = value(agg, key, a.skip_months)
        good = abs(m - data) <= tol * data
        ok &= good
        rows.append((name, fmt(m, unit), fmt(data, unit), f"±{int(tol * 100)}%", "yes" if good else "NO", src))
    for name, key, data, unit, src in INFO:
        if key is not None and key not in agg:  # a series added after the file was written
            rows.append((name, "n/a (not in this file)", fmt(data, unit), "not targeted", "-", src))
            continue
        m = value(agg, key, a.skip_months)
        if unit == "years":  # the series is in months
            m /= 12
        rows.append((name, fmt(m, unit), fmt(data, unit), "not targeted", "-", src))
    if comparison is not None and len(comparison["age"]) > 0:
        rows += tenure_by_age_rows(comparison)
    if spells and len(spells["start_month"]) > 0 and months >= 36:
        rows += displaced_rows(spells, months, comparison)
    head = ("figure", "model", "data", "tolerance", "within", "source")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print(f"\n(mean over {reps} replicates, months {a.skip_months}+; displaced workers: the spell panel of every "
              f"replicate)")
    else:
        w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))
    if a.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
