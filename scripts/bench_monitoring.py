"""Benchmark: how soon `riskmodel monitor` flags a category whose safety rate doubled, and how often
it flags categories that did not change, over many simulated years of experience.

    python scripts/bench_monitoring.py                       # trains on 50,000, cohort of 20,000
    python scripts/bench_monitoring.py --model models/demo --cohort 10000 --draws 500

Incidents are drawn month by month from the generator's truth (riskmodel/synthetic/experience.py);
every category is tested each month with the anytime-valid test of `riskmodel monitor`, against
the model's expectation and, as the anchor, against the truth's own (where only chance can
alarm). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: train one on --train products)")
    parser.add_argument("--train", type=int, default=50_000, help="training products")
    parser.add_argument("--cohort", type=int, default=20_000, help="products in the cohort")
    parser.add_argument("--draws", type=int, default=200, help="simulated years per scenario")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--factor", type=float, default=2.0)
    parser.add_argument("--category", help="the category that changes (default: the largest)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()

    from riskmodel.benchmark import measure_monitoring
    from riskmodel.config import TrainConfig
    from riskmodel.models import RiskModel
    from riskmodel.synthetic import generate_portfolio

    if args.model:
        from riskmodel.tracking import load_scoring_model

        model = load_scoring_model(args.model)
    else:
        train, _ = generate_portfolio(args.train, seed=1)
        model = RiskModel(TrainConfig(uncertainty_replicates=2)).fit(train)
    cohort, truth = generate_portfolio(args.cohort, seed=7 + args.seed)
    r = measure_monitoring(
        model,
        cohort,
        truth,
        factor=args.factor,
        months=args.months,
        draws=args.draws,
        seed=args.seed,
        category=args.category,
    )
    print(
        f"cohort {args.cohort:,} products, {r['categories']} categories, {r['draws']} simulated "
        f"years per scenario; safety rate x{r['factor']:g} in {r['changed_category']} "
        f"({r['expected_in_changed_category_per_year']:.1f} true incidents a year before it)"
    )
    print(
        f"{'tested against':<16}{'false alarms':>14}{'worst category':>16}"
        f"{'others, change':>16}{'changed flagged':>17}{'months to flag':>16}"
    )
    for name in ("model", "truth"):
        m = r[name]
        months = "-" if m["months_to_flag_median"] is None else f"{m['months_to_flag_median']:.0f}"
        print(
            f"{name:<16}{m['false_alarms_no_change']:>14.1%}{m['worst_category_false_alarms']:>16.1%}"
            f"{m['false_alarms_other_categories']:>16.1%}{m['changed_flagged']:>17.1%}{months:>16}"
        )
    print(
        "false alarms: share of (category, year) pairs that ever alert within the months, target "
        "at most 5%; months to flag: median over the years in which the change was flagged"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(r, fh, indent=2)


if __name__ == "__main__":
    main()
