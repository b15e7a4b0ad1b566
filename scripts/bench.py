"""Benchmark: training time, scoring throughput and peak memory at several portfolio sizes.

    python scripts/bench.py                 # 10,000, 50,000 and 200,000 products
    python scripts/bench.py --sizes 20000   # one size

Each size runs in a fresh process so its peak memory is its own. Figures, not assertions.
Columns: scoring throughput (2 threads, 20,000 new products), explanation throughput (both targets,
LightGBM's TreeSHAP, 2,000 products) against shap.TreeExplainer on the same model and rows, their
largest difference, single-product scoring latency (1 thread) and peak memory.
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
    columns = [
        ("products", 9, "{products:,}"),
        ("test rows", 10, "{test_rows:,}"),
        ("generate s", 10, "{generate_s:.1f}"),
        ("train s", 8, "{train_s:.1f}"),
        ("trees perf/safety", 17, "{trees}"),
        ("score/s", 8, "{batch_products_per_s:,.0f}"),
        ("explain/s", 9, "{explain_products_per_s:,.0f}"),
        ("shap/s", 7, "{shap_products_per_s:,.0f}"),
        ("max diff", 8, "{explain_max_difference:.0e}"),
        ("single ms", 9, "{single_ms:.1f}"),
        ("peak MB", 8, "{peak_rss_mb:,.0f}"),
    ]
    print(" ".join(f"{name:>{width}}" for name, width, _ in columns))
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--threads", str(args.threads)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["trees"] = f"{r['trees']['performance']}/{r['trees']['safety']}"
        print(" ".join(f"{fmt.format(**r):>{width}}" for _, width, fmt in columns), flush=True)


if __name__ == "__main__":
    main()
