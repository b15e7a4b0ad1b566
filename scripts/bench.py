"""Benchmark: training time, scoring throughput and peak memory at several portfolio sizes.

    python scripts/bench.py                 # 10,000, 50,000 and 200,000 products
    python scripts/bench.py --sizes 20000   # one size

Each size runs in a fresh process so its peak memory is its own. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size
    args = parser.parse_args()
    if args.one:
        from riskmodel.benchmark import measure

        print(json.dumps(measure(args.one, n_jobs=args.threads).to_dict()))
        return
    header = (
        f"{'products':>9} {'test rows':>10} {'generate s':>10} {'train s':>8} "
        f"{'trees perf/safety':>17} {'batch products/s':>16} {'single ms':>9} "
        f"{'peak MB':>8}"
    )
    print(header)
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--threads", str(args.threads)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        trees = f"{r['trees']['performance']}/{r['trees']['safety']}"
        print(
            f"{r['products']:>9,} {r['test_rows']:>10,} {r['generate_s']:>10.1f} "
            f"{r['train_s']:>8.1f} {trees:>17} {r['batch_products_per_s']:>16,.0f} "
            f"{r['single_ms']:>9.1f} {r['peak_rss_mb']:>8,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
