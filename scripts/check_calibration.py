"""How well a model's sums match the truth on several held-out synthetic portfolios, per category.

    python scripts/check_calibration.py --model models/demo --generate 10000 --seeds 3 4 5

For each portfolio (a data folder with ``truth.csv``, or one generated per ``--seeds`` under
``data/raw/check-N-sS``) it prints, for the sums of risks, of expected incidents and of expected
losses, the ratio predicted / true over the portfolio and in its worst category with at least
``--min-products`` products, then the worst over all portfolios. One held-out draw says little
about a per-category target; several say how often it holds. ``--csv`` keeps the full table.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model folder")
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="data folders")
    parser.add_argument("--generate", type=int, metavar="N", help="generate N products per seed")
    parser.add_argument("--seeds", type=int, nargs="*", default=[], help="seeds for --generate")
    parser.add_argument("--min-products", type=int, default=500)
    parser.add_argument("--csv", type=Path, help="write the full table here")
    args = parser.parse_args()
    if args.seeds and not args.generate:
        parser.error("--seeds needs --generate N")

    import pandas as pd

    from riskmodel.models.persistence import load_model
    from riskmodel.pricing import expected_losses
    from riskmodel.pricing.evaluation import calibration_by_category
    from riskmodel.validation import load_data
    from riskmodel.workflows import generate

    folders = list(args.data)
    for seed in args.seeds:
        folder = Path("data/raw") / f"check-{args.generate}-s{seed}"
        if not (folder / "truth.csv").is_file():
            generate(folder, products=args.generate, seed=seed)
        folders.append(folder)
    if not folders:
        parser.error("give --data folders or --generate N --seeds S ...")
    model = load_model(args.model)
    tables = []
    for folder in folders:
        portfolio = load_data(folder).portfolio
        # expected_losses predicts the frequencies again: cheap next to reading the folder
        predicted = model.predict(portfolio).merge(
            expected_losses(model, portfolio)[["product_id", "expected_loss_krw"]],
            on="product_id",
            validate="one_to_one",
        )
        truth = pd.read_csv(folder / "truth.csv", dtype={"product_id": str})
        table = calibration_by_category(
            predicted, truth, portfolio.products, min_products=args.min_products
        )
        tables.append(table.assign(portfolio=folder.name))
    full = pd.concat(tables, ignore_index=True)
    checked = full[full["checked"] & (full["category"] != "(all)")].assign(
        error=lambda t: (t["predicted_to_true"] - 1).abs()
    )
    worst = checked.loc[checked.groupby(["portfolio", "measure"], sort=False)["error"].idxmax()]
    overall = full[full["category"] == "(all)"].set_index(["portfolio", "measure"])
    summary = worst.set_index(["portfolio", "measure"])[["category", "predicted_to_true"]].rename(
        columns={"category": "worst category", "predicted_to_true": "worst ratio"}
    )
    summary.insert(0, "overall ratio", overall["predicted_to_true"])
    print(f"predicted / true; categories with at least {args.min_products} products")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    across = checked.loc[checked.groupby("measure", sort=False)["error"].idxmax()]
    print("\nworst category over all portfolios")
    print(
        across[["measure", "portfolio", "category", "predicted_to_true"]].to_string(
            index=False, float_format=lambda v: f"{v:.3f}"
        )
    )
    if args.csv:
        full.to_csv(args.csv, index=False)
        print(f"\nfull table: {args.csv}")


if __name__ == "__main__":
    main()
