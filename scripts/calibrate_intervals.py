"""Calibrate the pricing config's interval_scale on a portfolio with a known truth.

    python scripts/calibrate_intervals.py --model models/demo --data data/raw/calibration-10000-s3

The half-sample refits measure estimation noise but not the smoothing bias every model has, so
their standard error understates how far an expected loss can be from the truth. This script prints
the coverage of the true expected loss (``truth.csv``) for a grid of scales at the config's interval
level; put the smallest scale that reaches the level into ``riskmodel/configs/pricing.toml``. Use a
portfolio that was neither trained on nor used by the demo's checks (``--generate`` makes one).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model folder")
    parser.add_argument("--data", required=True, type=Path, help="data folder with truth.csv")
    parser.add_argument("--generate", type=int, metavar="N", help="first generate N products")
    parser.add_argument("--seed", type=int, default=3, help="seed for --generate")
    parser.add_argument("--pricing", help="pricing config (default riskmodel/configs/pricing.toml)")
    parser.add_argument("--step", type=float, default=0.05, help="grid step of the scales")
    args = parser.parse_args()

    from riskmodel.models.persistence import load_model
    from riskmodel.pricing import load_pricing_config
    from riskmodel.pricing.evaluation import coverage_by_scale
    from riskmodel.validation import load_data
    from riskmodel.workflows import generate

    if args.generate:
        generate(args.data, products=args.generate, seed=args.seed)
    model = load_model(args.model)
    config = load_pricing_config(args.pricing)
    portfolio = load_data(args.data).portfolio
    truth = pd.read_csv(args.data / "truth.csv", dtype={"product_id": str})
    table = coverage_by_scale(
        model,
        portfolio,
        truth,
        level=config.interval_level,
        scales=np.round(np.arange(0.5, 4.0 + args.step / 2, args.step), 3),
    )
    print(f"coverage of the true expected loss at level {config.interval_level:.0%}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    enough = table[table["coverage"] >= config.interval_level]
    if len(enough):
        print(f"smallest scale reaching the level: {enough['scale'].iloc[0]:g}")
    else:
        print("no scale in the grid reaches the level")


if __name__ == "__main__":
    main()
