"""Score a data folder with a trained model (thin wrapper of `riskmodel score`).

python scripts/score.py --model models/my-model --data data/raw/new --out reports/new
"""

import argparse
import logging

from riskmodel.workflows import score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model folder written by train")
    parser.add_argument("--data", required=True, help="data folder to score")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--threads", type=int, default=None, help="prediction threads")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scores = score(args.model, args.data, args.out, n_jobs=args.threads).scores
    print(f"scored {len(scores)} products; wrote {args.out}/scores.csv")


if __name__ == "__main__":
    main()
