"""Benchmark: every speed figure of the issue "Fast", today's value against its target and its
anchors, measured in one run on one model.

    python scripts/bench_speed.py                      # trains on 50,000 products, scores 50,000
    python scripts/bench_speed.py --model models/demo --data data/raw/demo-holdout-10000-s2

Anchors: shap.TreeExplainer and LightGBM's pred_contrib on the same rows; statements' former PNG
waterfalls. Training time at 200,000 products is measured by scripts/bench.py. Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: train one on --products)")
    parser.add_argument("--data", help="data folder to score (with --model)")
    parser.add_argument("--products", type=int, default=50_000, help="training and scoring size")
    parser.add_argument("--explain", type=int, default=2_000, help="products to explain")
    parser.add_argument("--applications", type=int, default=200, help="one-at-a-time products")
    parser.add_argument("--statements", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    from riskmodel.benchmark import SPEED_TARGETS, measure_speed
    from riskmodel.config import TrainConfig
    from riskmodel.models import RiskModel
    from riskmodel.models.persistence import load_model
    from riskmodel.pricing import load_pricing_config
    from riskmodel.synthetic import generate_portfolio
    from riskmodel.validation import load_data

    trained = None
    if args.model:
        if not args.data:
            parser.error("--model needs --data")
        model, portfolio = load_model(args.model), load_data(args.data).portfolio
    else:
        train, _ = generate_portfolio(args.products, seed=1)
        t0 = time.perf_counter()
        model = RiskModel(TrainConfig(n_jobs=args.threads)).fit(train)
        trained = (args.products, time.perf_counter() - t0)
        portfolio, _ = generate_portfolio(args.products, seed=2)
    r = measure_speed(
        model,
        portfolio,
        load_pricing_config(),
        explain_products=args.explain,
        applications=args.applications,
        statements=args.statements,
        n_jobs=args.threads,
    )
    if trained:
        r["train_products"], r["train_s"] = trained
    print(f"model {r['model_version']}, {r['cores']} cores, {args.threads} threads for batches")
    rows = [
        (
            f"explanations ({r['explain_products']:,} products, both targets)",
            f"{r['explanations_per_s']:,.0f}/s = {r['explanations_speedup_vs_shap']:.1f}x shap",
            "explanations_speedup_vs_shap",
            f"shap {r['shap_per_s']:,.0f}/s, pred_contrib {r['pred_contrib_per_s']:,.0f}/s, "
            f"explain(method='lightgbm') {r['lightgbm_explanations_per_s']:,.0f}/s; "
            f"max diff from shap {r['explanations_max_difference']:.0e}",
        ),
        (
            f"one application, p50 ({r['applications']} products, 1 thread)",
            f"{r['application_p50_ms']:.1f} ms",
            "application_p50_ms",
            "validate + assess + price (validation p50 "
            f"{r['application_validation_p50_ms']:.1f} ms)",
        ),
        ("one application, p99", f"{r['application_p99_ms']:.1f} ms", "application_p99_ms", ""),
        (
            f"batch scoring with prices ({r['batch_products']:,} products)",
            f"{r['batch_products_per_s']:,.0f}/s",
            "batch_products_per_s",
            f"features included; peak {r['peak_rss_mb']:,.0f} MB",
        ),
        (
            "statement",
            f"{r['statement_ms']:.0f} ms",
            "statement_ms",
            f"its waterfalls as PNG: {r['statement_png_anchor_ms']:.0f} ms",
        ),
        ("statement verification", f"{r['verify_ms']:.0f} ms", "verify_ms", ""),
    ]
    if trained:
        rows.append(
            (
                f"training {r['train_products']:,} products",
                f"{r['train_s']:.0f} s",
                None,
                "target: 200,000 in 90 s (scripts/bench.py)",
            )
        )
    print(f"{'figure':<52}{'today':>30}  {'target':>18}  anchors")
    for label, today, key, anchor in rows:
        target = ""
        if key:
            value, unit, higher = SPEED_TARGETS[key]
            target = f"{'>=' if higher else '<='} {value:,.0f} {unit}"
        print(f"{label:<52}{today:>30}  {target:>18}  {anchor}")
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
