"""Performance figures: training time, scoring throughput and peak memory at a portfolio size.

Used by ``scripts/bench.py``, which runs each size in a fresh process so that peak memory is the
size's own.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import asdict, dataclass

from riskmodel.config import TrainConfig
from riskmodel.models import RiskModel
from riskmodel.scoring import score_portfolio
from riskmodel.synthetic import generate_portfolio

__all__ = ["BenchResult", "measure"]


@dataclass
class BenchResult:
    """Figures for one portfolio size."""

    products: int
    test_rows: int
    generate_s: float
    train_s: float
    trees: dict[str, int]
    batch_products_per_s: float
    single_ms: float
    peak_rss_mb: float

    def to_dict(self) -> dict:
        return asdict(self)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def measure(
    products: int,
    *,
    seed: int = 1,
    n_jobs: int = 2,
    score_products: int = 20_000,
    single_requests: int = 50,
) -> BenchResult:
    """Generate ``products``, train on them, and time batch and single-product scoring.

    Batch scoring uses ``n_jobs`` threads on a separate portfolio of ``score_products``; single
    requests score one product at a time with one thread, as a scoring service would.
    """
    t0 = time.perf_counter()
    train, _ = generate_portfolio(products, seed=seed)
    generate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = RiskModel(TrainConfig(n_jobs=n_jobs)).fit(train)
    train_s = time.perf_counter() - t0
    new, _ = generate_portfolio(score_products, seed=seed + 1)
    score_portfolio(model, new.subset(new.products["product_id"].iloc[:10]))  # warm-up
    t0 = time.perf_counter()
    score_portfolio(model, new, n_jobs=n_jobs)
    batch = score_products / (time.perf_counter() - t0)
    ids = new.products["product_id"].iloc[:single_requests]
    singles = [new.subset([pid]) for pid in ids]
    t0 = time.perf_counter()
    for one in singles:
        score_portfolio(model, one, n_jobs=1)
    single_ms = (time.perf_counter() - t0) / single_requests * 1000
    return BenchResult(
        products,
        len(train.test_results),
        round(generate_s, 2),
        round(train_s, 2),
        {t: m.n_iter_ for t, m in model.models_.items()},
        round(batch, 1),
        round(single_ms, 2),
        round(_peak_rss_mb(), 1),
    )
