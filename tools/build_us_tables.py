#!/usr/bin/env python3
"""Rebuild the US occupation tables laborsim reads from the original public data.

    /usr/bin/python3 tools/build_us_tables.py [--data scenarios/data/original] [--out scenarios/data]

Reads the three originals (unchanged) in --data and writes, in --out:

  us_occupations.csv  one row per SOC broad occupation of the mobility network (539):
      code, title, group, group_title, employment, mean_wage, median_wage, wage_source,
      ai_exposure, exposure_source, rated_detailed
  us_mobility.csv     the transition network: source, target, probability

Rules (docs/us-occupations.md explains them):
- Occupations and employment are the network's (del Rio-Chanona et al. 2021): its 539
  codes and its BLS employment (TOT_EMP_OCC), so employment shares and transition
  probabilities come from the same source.
- Wages: BLS OEWS May 2021 for the code (broad row, else detailed row); '#' (top-coded)
  medians are set to 208,000, the top code. Codes of the older SOC vintage the network
  uses that OEWS 2021 no longer has: the network's mean wage, and a median from it by
  the median/mean ratio of the SOC major group in OEWS.
- AI exposure: Eloundou et al.'s human_rating_beta. O*NET-SOC codes are averaged to SOC
  detailed codes, then averaged to the network code (codes whose broad code or detailed
  code equals it) weighted by OEWS detailed employment. Without such a code: O*NET
  occupations with the same title; then the employment-weighted mean of rated network
  occupations of the same SOC minor prefix (first 4 characters, e.g. 15-1); then of the
  same major group. The rule used is in exposure_source.
- Probabilities: each source's row renormalised to sum to exactly one (the original rows
  sum to between 0.9967 and 1.0000).
Output is deterministic: rerunning gives byte-identical files (tests check this).
"""
import argparse
import csv
from collections import defaultdict
from pathlib import Path

TOP_CODED_WAGE = 208000.0  # OEWS '#': wage >= $100/hour or $208,000/year


def num(text):
    t = text.replace(",", "").strip()
    try:
        return float(t)
    except ValueError:
        return None  # '*', '#', '**', empty


def fmt(x):
    return f"{x:.10g}"


def main():
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=root / "scenarios" / "data" / "original")
    ap.add_argument("--out", type=Path, default=root / "scenarios" / "data")
    a = ap.parse_args()

    edges = list(csv.DictReader(open(a.data / "occupational-mobility" / "asec_to_bls_mobility_edgelist.csv", newline="")))
    oes_rows = list(csv.DictReader(open(a.data / "bls-oes-2021" / "national_May2021_dl.csv", newline="", encoding="utf-8-sig")))
    onet = list(csv.DictReader(open(a.data / "gpts-are-gpts" / "occ_level.csv", newline="")))

    # --- the network's occupations, titles, employment, mean wages
    title, employment, net_wage = {}, {}, {}
    for e in edges:
        for code, t, emp in [(e["OCC_source"], e["OCC_TITLE_OCCLY"], e["TOT_EMP_OCCLY"]), (e["OCC_target"], e["OCC_TITLE_OCC"], e["TOT_EMP_OCC"])]:
            title[code] = t
            employment[code] = float(emp)
        net_wage[e["OCC_target"]] = num(e["A_MEAN_OCC"])
    codes = sorted(title)

    # --- OEWS
    oes = {r["OCC_CODE"]: r for r in oes_rows}
    major_title = {r["OCC_CODE"][:2]: r["OCC_TITLE"] for r in oes_rows if r["O_GROUP"] == "major"}
    major_ratio = {}
    for r in oes_rows:
        if r["O_GROUP"] == "major" and num(r["A_MEAN"]) and num(r["A_MEDIAN"]):
            major_ratio[r["OCC_CODE"][:2]] = num(r["A_MEDIAN"]) / num(r["A_MEAN"])
    detailed_emp = {r["OCC_CODE"]: num(r["TOT_EMP"]) for r in oes_rows if r["O_GROUP"] == "detailed"}

    # --- exposure: O*NET-SOC -> SOC detailed (mean of its O*NET codes)
    by_detailed, by_title = defaultdict(list), defaultdict(list)
    for r in onet:
        by_detailed[r["O*NET-SOC Code"][:7]].append(float(r["human_rating_beta"]))
        by_title[r["Title"].strip().lower()].append(float(r["human_rating_beta"]))
    detailed_exposure = {d: sum(v) / len(v) for d, v in by_detailed.items()}

    rows = {}
    for code in codes:
        # wages
        r = oes.get(code)
        if r is not None and num(r["A_MEAN"]) is not None:
            mean = num(r["A_MEAN"])
            median = TOP_CODED_WAGE if r["A_MEDIAN"].strip() == "#" else num(r["A_MEDIAN"])
            wage_source = "oews_" + r["O_GROUP"]
            if median is None:
                median, wage_source = mean * major_ratio.get(code[:2], 1.0), wage_source + "_median_estimated"
        else:
            mean = net_wage.get(code)
            median = mean * major_ratio.get(code[:2], 1.0)
            wage_source = "network_mean"
        # exposure, direct
        matches = sorted(d for d in detailed_exposure if d == code or d[:6] + "0" == code)
        exposure, source = None, None
        if matches:
            w = [detailed_emp.get(d) or 0.0 for d in matches]
            if sum(w) > 0:
                exposure = sum(wi * detailed_exposure[d] for wi, d in zip(w, matches)) / sum(w)
            else:
                exposure = sum(detailed_exposure[d] for d in matches) / len(matches)
            source = "onet_code"
        elif title[code].strip().lower() in by_title:
            v = by_title[title[code].strip().lower()]
            exposure, source = sum(v) / len(v), "onet_title"
        rows[code] = dict(code=code, title=title[code], group=code[:2], group_title=major_title.get(code[:2], ""),
                          employment=employment[code], mean_wage=mean, median_wage=median, wage_source=wage_source,
                          ai_exposure=exposure, exposure_source=source, rated_detailed=len(matches))

    # exposure fallbacks: employment-weighted mean of rated occupations sharing a prefix
    for prefix_len, label in [(4, "minor_prefix_mean"), (2, "major_group_mean")]:
        rated = [r for r in rows.values() if r["exposure_source"] in ("onet_code", "onet_title")]
        for r in rows.values():
            if r["ai_exposure"] is not None:
                continue
            peers = [p for p in rated if p["code"][:prefix_len] == r["code"][:prefix_len]]
            if peers:
                r["ai_exposure"] = sum(p["employment"] * p["ai_exposure"] for p in peers) / sum(p["employment"] for p in peers)
                r["exposure_source"] = label
    assert all(r["ai_exposure"] is not None for r in rows.values())

    a.out.mkdir(parents=True, exist_ok=True)
    cols = ["code", "title", "group", "group_title", "employment", "mean_wage", "median_wage", "wage_source",
            "ai_exposure", "exposure_source", "rated_detailed"]
    with open(a.out / "us_occupations.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for code in codes:
            r = rows[code]
            w.writerow([fmt(r[c]) if isinstance(r[c], float) else r[c] for c in cols])

    rowsum = defaultdict(float)
    for e in edges:
        rowsum[e["OCC_source"]] += float(e["transition_prob_BLS_ASECnorm_corr"])
    with open(a.out / "us_mobility.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "target", "probability"])
        for e in sorted(edges, key=lambda e: (e["OCC_source"], e["OCC_target"])):
            w.writerow([e["OCC_source"], e["OCC_target"], fmt(float(e["transition_prob_BLS_ASECnorm_corr"]) / rowsum[e["OCC_source"]])])
    counts = defaultdict(int)
    for r in rows.values():
        counts[r["exposure_source"]] += 1
    print(f"wrote {len(codes)} occupations ({dict(counts)}) and {len(edges)} transitions to {a.out}")


if __name__ == "__main__":
    main()
