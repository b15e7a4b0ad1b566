"""Retrain riskmodel, evaluate on a holdout, register the challenger and compare with the champion.

    python scripts/retrain.py --data data/raw/new-portfolio [--holdout DIR] [--config FILE]

Without --holdout, 20% of the companies in --data (with all their products) are held out and the
challenger trains on the rest. The challenger is registered as a new version of `riskmodel` with
the alias `challenger`; nothing is promoted (`riskmodel promote VERSION` does that).
"""

import argparse
import logging

from riskmodel.config import load_config
from riskmodel.workflows import retrain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="data folder with incidents")
    parser.add_argument("--holdout", help="separate holdout folder with incidents")
    parser.add_argument(
        "--holdout-share",
        type=float,
        default=0.2,
        help="share of companies held out when --holdout is not given",
    )
    parser.add_argument("--out", help="also keep the challenger's model folder here")
    parser.add_argument("--config", help="training config (TOML)")
    parser.add_argument("--tracking-uri", help="MLflow store (default: ./mlflow.db)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = retrain(
        args.data,
        holdout_dir=args.holdout,
        model_dir=args.out,
        config=load_config(args.config),
        holdout_share=args.holdout_share,
        tracking_uri=args.tracking_uri,
    )
    print(
        f"\nchallenger: model {result.model.version_}, registered "
        f"{result.tracked.registry_uri} (alias challenger), MLflow run {result.tracked.run_id}"
    )
    if result.champion_version is None:
        print("no champion before this run: the challenger became the champion")
    else:
        print(f"champion: version {result.champion_version}")
    print(
        "\nholdout metrics (higher AUC and Gini, lower log-loss and deviance are better; "
        "actual/expected should be near 1):"
    )
    print(result.comparison.round(4).to_string())


if __name__ == "__main__":
    main()
