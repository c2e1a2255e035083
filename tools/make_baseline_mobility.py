#!/usr/bin/env python3
"""Write scenarios/data/baseline_mobility.csv: an illustrative year-to-year occupational
transition matrix for the 18 occupations of the baseline (used when a scenario based on
it sets labor_market.matching = "network").

Each occupation keeps 90% of its workers; the other 10% are split over the moves listed
below in proportion to the weights. The moves are chosen from the paths MODEL.md
section 1 describes (routine roles toward hybrid and specialised ones, tech roles
toward the AI roles, healthcare and trades mostly within themselves) and from the
shape of the CPS transition network (most moves stay within an occupational group).
They are illustrative, not estimates; the data-driven network is us_mobility.csv.

    /usr/bin/python3 tools/make_baseline_mobility.py
"""
import csv
from pathlib import Path

STAY = 0.90
MOVES = {
    "software_developers": {"ml_engineers": 3, "mlops_infrastructure": 3, "data_analysts": 2, "computer_vision_robotics": 1, "domain_specialists": 1},
    "ml_engineers": {"software_developers": 3, "mlops_infrastructure": 3, "computer_vision_robotics": 2, "data_analysts": 1, "ai_governance": 1},
    "mlops_infrastructure": {"software_developers": 4, "ml_engineers": 3, "data_analysts": 1},
    "computer_vision_robotics": {"ml_engineers": 3, "software_developers": 3, "manufacturing": 1},
    "data_labelers_ai_trainers": {"data_analysts": 3, "content_moderation": 3, "customer_support": 2, "administrative_support": 2, "prompt_engineers": 1},
    "prompt_engineers": {"marketing": 3, "data_analysts": 3, "software_developers": 2, "ai_governance": 1, "data_labelers_ai_trainers": 1},
    "ai_governance": {"legal_research_support": 3, "domain_specialists": 3, "data_analysts": 2, "ml_engineers": 1},
    "customer_support": {"administrative_support": 4, "logistics": 2, "content_moderation": 2, "marketing": 1, "nurses_healthcare": 1},
    "content_moderation": {"customer_support": 4, "data_labelers_ai_trainers": 2, "administrative_support": 2, "marketing": 1},
    "administrative_support": {"customer_support": 3, "legal_research_support": 2, "data_analysts": 1, "logistics": 2, "nurses_healthcare": 1},
    "legal_research_support": {"administrative_support": 3, "ai_governance": 2, "domain_specialists": 2, "data_analysts": 1},
    "marketing": {"data_analysts": 3, "customer_support": 1, "domain_specialists": 2, "prompt_engineers": 1, "administrative_support": 1},
    "data_analysts": {"software_developers": 2, "ml_engineers": 2, "marketing": 2, "domain_specialists": 2, "ai_governance": 1},
    "domain_specialists": {"data_analysts": 2, "ai_governance": 2, "marketing": 1, "legal_research_support": 1},
    "nurses_healthcare": {"administrative_support": 1, "domain_specialists": 1, "customer_support": 1},
    "skilled_trades": {"manufacturing": 3, "logistics": 2},
    "manufacturing": {"logistics": 3, "skilled_trades": 3, "computer_vision_robotics": 1},
    "logistics": {"manufacturing": 3, "skilled_trades": 2, "customer_support": 1},
}


def main():
    out = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "baseline_mobility.csv"
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "target", "probability"])
        for src, moves in MOVES.items():
            total = sum(moves.values())
            w.writerow([src, src, f"{STAY:.10g}"])
            for dst, weight in moves.items():
                w.writerow([src, dst, f"{(1 - STAY) * weight / total:.10g}"])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
