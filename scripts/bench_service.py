"""Benchmark: the scoring service under load, beside the in-process anchor, in one run.

    python scripts/bench_service.py --model models/demo --data data/raw/demo-holdout-10000-s2

16 concurrent clients (wrk, loopback only, bounded by --duration), one product with tests and
certifications per request, explanations included, register on SQLite; then the batch endpoint
with 1,000 products. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo", help="model folder")
    parser.add_argument("--data", default="data/raw/demo-holdout-10000-s2", help="data folder")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="requests at once per worker")
    parser.add_argument("--applications", type=int, default=500, help="distinct products sent")
    parser.add_argument("--batch", type=int, default=1000, help="products per batch request")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    from riskmodel.service.loadtest import SERVICE_TARGETS, measure_service

    r = measure_service(
        args.model,
        args.data,
        clients=args.clients,
        duration_s=args.duration,
        workers=args.workers,
        threads=args.threads,
        applications=args.applications,
        batch_products=args.batch,
    )
    a = r["anchor_in_process"]
    print(
        f"service: {r['workers']} worker(s) x {r['threads']} thread(s), {r['clients']} clients, "
        f"{r['cores']} cores, "
        f"{r['duration_s']:.1f} s, {r['requests']:,} requests, {r['errors']} errors"
    )
    print(f"{'':<34}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'per s':>9}")
    print(
        f"{'in-process, one thread (anchor)':<34}{a['p50_ms']:>9.1f}{a['p95_ms']:>9.1f}"
        f"{a['p99_ms']:>9.1f}{a['per_s']:>9.0f}"
    )
    print(
        f"{'POST /v1/assessments over HTTP':<34}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
        f"{r['p99_ms']:>9.1f}{r['assessments_per_s']:>9.0f}"
    )
    print(
        f"{'target':<34}{'':>9}{'':>9}{SERVICE_TARGETS['p99_ms']:>9.0f}"
        f"{SERVICE_TARGETS['assessments_per_s']:>9.0f}"
    )
    print(
        f"batch of {r['batch_products']:,} products: best {r['batch_s']['best']:.2f} s, "
        f"median {r['batch_s']['median']:.2f} s (target {SERVICE_TARGETS['batch_1000_s']:.0f} s)"
    )
    print(
        f"register: {r['register_records']:,} records, chain "
        f"{'intact' if r['register_chain_intact'] else 'BROKEN'}"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(r, fh, indent=2)


if __name__ == "__main__":
    main()
