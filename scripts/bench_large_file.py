"""Benchmark: reading, validating and scoring a data folder with a large test_results.csv.

    python scripts/bench_large_file.py              # 100 MB
    python scripts/bench_large_file.py --mb 50 200  # several sizes, each in a fresh process

Prints the time to read and validate the folder, the time of a whole ``riskmodel score`` run on it
(validation again, features, scores, explanations, outputs) and the peak memory of the process.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[100.0])
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # internal: one size
    args = parser.parse_args()
    if args.one:
        from riskmodel.benchmark import measure_large_file

        print(json.dumps(measure_large_file(args.one, products=args.products).to_dict()))
        return
    header = f"{'file MB':>8} {'test rows':>11} {'read+validate s':>16} {'score run s':>12} "
    print(header + f"{'rejected':>9} {'peak MB':>8}")
    for size in args.mb:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--products", str(args.products)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['file_mb']:>8.1f} {r['test_rows']:>11,} {r['read_validate_s']:>16.1f} "
            f"{r['score_s']:>12.1f} {r['rejected_rows']:>9,} {r['peak_rss_mb']:>8,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
