"""Performance figures: training time, scoring throughput and peak memory at a portfolio size.

Used by ``scripts/bench.py``, which runs each size in a fresh process so that peak memory is the
size's own.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from riskmodel.config import TrainConfig
from riskmodel.contract import TARGETS
from riskmodel.explanations import explain, shap_contributions
from riskmodel.models import RiskModel
from riskmodel.scoring import score_portfolio
from riskmodel.synthetic import generate_portfolio

__all__ = ["BenchResult", "measure", "LargeFileResult", "measure_large_file"]


@dataclass
class BenchResult:
    """Figures for one portfolio size."""

    products: int
    test_rows: int
    generate_s: float
    train_s: float
    trees: dict[str, int]
    batch_products_per_s: float
    explain_products_per_s: float
    shap_products_per_s: float
    explain_max_difference: float
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
    explain_products: int = 2_000,
    single_requests: int = 50,
) -> BenchResult:
    """Generate ``products``, train on them, and time scoring and explaining.

    Batch scoring uses ``n_jobs`` threads on a separate portfolio of ``score_products``; single
    requests score one product at a time with one thread, as a scoring service would.
    Explanations (both targets, LightGBM's TreeSHAP) are timed on ``explain_products`` of them
    and compared, on the same model and rows, with ``shap.TreeExplainer``.
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
    some = new.subset(new.products["product_id"].iloc[:explain_products])
    t0 = time.perf_counter()
    ours = explain(model, some, n_jobs=n_jobs)
    explain_rate = explain_products / (time.perf_counter() - t0)
    X = model.features(some)
    t0 = time.perf_counter()
    reference = {t: shap_contributions(model, X, t) for t in TARGETS}
    shap_rate = explain_products / (time.perf_counter() - t0)
    difference = max(
        float(np.abs(ours[t].contributions[list(X.columns)].to_numpy() - reference[t]).max())
        for t in TARGETS
    )
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
        round(explain_rate, 1),
        round(shap_rate, 1),
        difference,
        round(single_ms, 2),
        round(_peak_rss_mb(), 1),
    )


@dataclass
class LargeFileResult:
    """Figures for scoring a data folder whose ``test_results.csv`` is large."""

    file_mb: float
    test_rows: int
    products: int
    read_validate_s: float
    score_s: float
    rejected_rows: int
    peak_rss_mb: float

    def to_dict(self) -> dict:
        return asdict(self)


def measure_large_file(
    size_mb: float = 100, *, products: int = 5_000, seed: int = 1, n_jobs: int = 2
) -> LargeFileResult:
    """Write a data folder whose ``test_results.csv`` is ``size_mb`` large, then time reading and
    validating it and scoring it with a small model (all outputs written, no plots).

    The test rows are copies of a generated portfolio's rows with new ``test_id`` values, so
    every one of them is read, checked and used.
    """
    import tempfile
    from pathlib import Path

    import pandas as pd

    from riskmodel.portfolio import contract_text
    from riskmodel.synthetic import write_portfolio
    from riskmodel.validation import load_data
    from riskmodel.workflows import score

    portfolio, truth = generate_portfolio(products, seed=seed)
    model = RiskModel(TrainConfig(seed=seed, n_jobs=n_jobs)).fit(portfolio)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_portfolio(portfolio, truth, data, seed=seed)
        tests = contract_text(portfolio.test_results)
        one_copy = len(tests.to_csv(index=False).encode())
        copies = int(np.ceil(size_mb * 1024 * 1024 / one_copy))
        big = pd.concat([tests] * copies, ignore_index=True)
        big["test_id"] = [f"T{k:09d}" for k in range(len(big))]
        path = data / "test_results.csv"
        big.to_csv(path, index=False)
        del big, tests
        file_mb = path.stat().st_size / 1024 / 1024
        start = time.perf_counter()
        checked = load_data(data)
        read_s = time.perf_counter() - start
        rows, rejected = checked.read["test_results"], len(checked.rejects)
        del checked
        start = time.perf_counter()
        score(model, data, Path(tmp) / "out", n_jobs=n_jobs, plots=False)
        score_s = time.perf_counter() - start
    return LargeFileResult(
        file_mb=file_mb,
        test_rows=rows,
        products=products,
        read_validate_s=read_s,
        score_s=score_s,
        rejected_rows=rejected,
        peak_rss_mb=_peak_rss_mb(),
    )
