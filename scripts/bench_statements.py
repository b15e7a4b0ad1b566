"""Benchmark: assessment statements and their verification, per product.

    python scripts/bench_statements.py                      # trains a 20,000-product model
    python scripts/bench_statements.py --model models/demo --data data/raw/demo-holdout-10000-s2

Prints, side by side in one run: milliseconds per statement and per verification, the one-product
assessment inside each, and the two waterfalls of a product drawn as HTML (what statements embed)
against the PNG drawn with matplotlib and SHAP (what they embedded before, the anchor).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: train one on --products)")
    parser.add_argument("--data", help="data folder to draw products from (with --model)")
    parser.add_argument("--products", type=int, default=20_000, help="training size, no --model")
    parser.add_argument("--statements", type=int, default=50, help="statements to time")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    from riskmodel.benchmark import measure_statements
    from riskmodel.config import TrainConfig
    from riskmodel.models import RiskModel
    from riskmodel.models.persistence import load_model
    from riskmodel.pricing import load_pricing_config
    from riskmodel.synthetic import generate_portfolio
    from riskmodel.validation import load_data

    if args.model:
        model = load_model(args.model)
        if not args.data:
            parser.error("--model needs --data")
        portfolio = load_data(args.data).portfolio
    else:
        train, _ = generate_portfolio(args.products, seed=1)
        model = RiskModel(TrainConfig(uncertainty_replicates=2)).fit(train)
        portfolio, _ = generate_portfolio(max(args.statements, 100), seed=2)
    r = measure_statements(model, portfolio, load_pricing_config(), n=args.statements)
    print(f"{r.statements} statements, model {model.version_}, 1 thread per product")
    print(f"{'':<42}{'ms':>10}")
    for label, value in (
        ("statement (HTML waterfalls)", r.statement_ms),
        ("  of which the one-product assessment", r.assess_ms),
        ("  of which both waterfalls as HTML", r.waterfalls_html_ms),
        ("anchor: both waterfalls as PNG (matplotlib)", r.waterfalls_png_ms),
        ("verification", r.verify_ms),
    ):
        print(f"{label:<42}{value:>10.1f}")
    print(f"statement size: {r.statement_kb:.0f} kB")
    if args.json:
        Path(args.json).write_text(json.dumps(r.to_dict(), indent=2) + "\n")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
