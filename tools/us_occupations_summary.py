#!/usr/bin/env python3
"""What the US-occupations pair of runs shows (docs/us-occupations.md).

    /usr/bin/python3 tools/us_occupations_summary.py REFERENCE.h5 SHOCK.h5 [--markdown]

REFERENCE is a run of scenarios/us_occupations.toml (AI off), SHOCK one of
us_occupations_ai_shock.toml with the same seed. Prints: employment change by AI-exposure
decile (shock vs reference, last 12 months), the occupations losing and gaining most,
time to reemployment of displaced workers by exposure decile (spell panel), and how far
the mobility network lets them move.
"""
import argparse

import h5py
import numpy as np


def load(path):
    f = h5py.File(path, "r")
    occ = [s.decode() if isinstance(s, bytes) else s for s in f["groups/occupation"][()]]
    return f, occ


def deciles(exposure, weights):
    """Employment-weighted exposure deciles: 0 = least exposed tenth of employment."""
    order = np.argsort(exposure, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    d = np.empty(len(exposure), dtype=int)
    d[order] = np.minimum((cum - 1e-12) * 10, 9).astype(int)
    return d


def table(rows, head, markdown):
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(str(c) for c in r) + " |")
    else:
        w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference")
    ap.add_argument("shock")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    fr, occ = load(a.reference)
    fs, _ = load(a.shock)
    titles = dict(zip(occ, occ))
    try:
        import csv
        from pathlib import Path
        table_path = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "us_occupations.csv"
        titles = {r["code"]: r["title"] for r in csv.DictReader(open(table_path))}
    except OSError:
        pass
    expo = fr["groups/occupation_ai_exposure"][()]
    er = fr["series/by_occupation/employed"][()]  # [rep, month, occ]
    es = fs["series/by_occupation/employed"][()]
    base = er[:, 0, :].mean(axis=0)
    dec = deciles(expo, np.maximum(base, 1e-9))
    late_r = er[:, -12:, :].mean(axis=(0, 1))
    late_s = es[:, -12:, :].mean(axis=(0, 1))

    print("Employment by AI-exposure decile, shock vs reference (mean of the last 12 months):")
    rows = []
    for d in range(10):
        m = dec == d
        chg = late_s[m].sum() / late_r[m].sum() - 1
        rows.append((d + 1, f"{expo[m].min():.2f}-{expo[m].max():.2f}", m.sum(), f"{100 * base[m].sum() / base.sum():.1f}%", f"{100 * chg:+.1f}%"))
    table(rows, ["decile", "exposure", "occupations", "employment share", "employment change"], a.markdown)

    big = base >= np.quantile(base, 0.5)  # leave out the smallest occupations (noisy)
    rel = np.where(late_r > 0, late_s / np.maximum(late_r, 1e-9) - 1, 0)
    idx = np.where(big)[0]
    order = idx[np.argsort(rel[idx])]
    print("Occupations losing most (of the larger half), shock vs reference:")
    table([(occ[i], titles.get(occ[i], ""), f"{expo[i]:.2f}", f"{100 * rel[i]:+.1f}%") for i in order[:10]],
          ["code", "title", "exposure", "employment change"], a.markdown)
    print("Occupations gaining most:")
    table([(occ[i], titles.get(occ[i], ""), f"{expo[i]:.2f}", f"{100 * rel[i]:+.1f}%") for i in order[::-1][:10]],
          ["code", "title", "exposure", "employment change"], a.markdown)

    s = {k: fs["spells"][k][()] for k in fs["spells"]}
    dur = s["end_month"] - s["start_month"]
    ev = s["reemployed"] == 1
    print("Displaced workers in the shock run by exposure decile of their occupation (spell panel):")
    rows = []
    for d in [0, 4, 9]:
        m = dec[s["occupation"]] == d
        if not m.any():
            continue
        # Kaplan-Meier share reemployed within 6 and 12 months
        def km(t):
            surv, dd, ee = 1.0, dur[m], ev[m]
            for x in np.unique(dd[ee]):
                if x > t:
                    break
                at_risk = (dd >= x).sum()
                surv *= 1 - ((dd == x) & ee).sum() / at_risk
            return 1 - surv
        moved = (s["new_occupation"][m & ev] != s["occupation"][m & ev]).mean()
        ai_share = (s["cause"][m] == 2).mean()
        rows.append((d + 1, m.sum(), f"{100 * ai_share:.0f}%", f"{100 * km(6):.0f}%", f"{100 * km(12):.0f}%", f"{100 * moved:.0f}%"))
    table(rows, ["decile", "spells", "AI-displaced", "reemployed 6 mo", "reemployed 12 mo", "changed occupation"], a.markdown)

    a_ii = None
    try:
        import csv
        from pathlib import Path
        mob = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "us_mobility.csv"
        a_ii = {r["source"]: float(r["probability"]) for r in csv.DictReader(open(mob)) if r["source"] == r["target"]}
    except OSError:
        pass
    moved = ev & (s["new_occupation"] != s["occupation"])
    same_group = np.array([occ[i][:2] == occ[j][:2] for i, j in zip(s["occupation"][moved], s["new_occupation"][moved])])
    print(f"Rehires into another occupation: {100 * moved.sum() / max(ev.sum(), 1):.1f}% of rehires; "
          f"{100 * same_group.mean() if len(same_group) else 0:.0f}% of those stay in the same SOC major group.")
    if a_ii:
        print(f"Network: mean probability of staying in one's occupation from year to year {np.mean(list(a_ii.values())):.2f}.")


if __name__ == "__main__":
    main()
