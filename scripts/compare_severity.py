"""Compare the severity model with a LightGBM Gamma model on held-out synthetic incidents.

    python scripts/compare_severity.py [--train 50000 --test 50000 --seed 1]

Prints, per model: Gamma deviance of the mean loss per incident (lower is better), predicted over
actual payments within each held-out incident's own deductible and limit, and expected payment per
incident over the generator's truth, overall and in the worst category (1 is best).
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=50_000)
    parser.add_argument("--test", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from riskmodel.benchmark import compare_severity

    table = compare_severity(args.train, args.test, seed=args.seed)
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
