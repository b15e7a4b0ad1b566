"""Train riskmodel on a data folder (thin wrapper of `riskmodel train` for data scientists).

python scripts/train.py --data data/raw/my-portfolio --out models/my-model [--config FILE]
"""

import argparse
import logging

from riskmodel.config import load_config
from riskmodel.workflows import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="data folder with incidents")
    parser.add_argument("--out", required=True, help="model folder to write")
    parser.add_argument("--config", help="training config (TOML)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = train(args.data, args.out, config=load_config(args.config)).model
    print(f"model {model.version_} saved to {args.out}")


if __name__ == "__main__":
    main()
