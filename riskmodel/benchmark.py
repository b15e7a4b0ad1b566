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
import pandas as pd

from riskmodel.config import TrainConfig
from riskmodel.contract import TARGETS
from riskmodel.explanations import explain, shap_contributions
from riskmodel.models import RiskModel
from riskmodel.scoring import score_portfolio
from riskmodel.synthetic import generate_portfolio

__all__ = [
    "BenchResult",
    "measure",
    "LargeFileResult",
    "measure_large_file",
    "compare_severity",
    "StatementResult",
    "measure_statements",
    "SPEED_TARGETS",
    "measure_speed",
    "measure_monitoring",
]


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
    explain(model, some, n_jobs=n_jobs)
    explain_rate = explain_products / (time.perf_counter() - t0)
    X = model.features(some)
    t0 = time.perf_counter()
    reference = {t: shap_contributions(model, X, t) for t in TARGETS}
    shap_rate = explain_products / (time.perf_counter() - t0)
    difference = _largest_difference(model, X, reference, n_jobs)
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


def _gamma_layer(deductible, limit, mean, shape) -> np.ndarray:
    """Layer expectation ``E[min(max(X-d,0),L)]`` of a Gamma with this mean and shape."""
    from scipy.special import gammainc

    scale = mean / shape

    def lev(u):
        u = np.asarray(u, dtype=float)
        finite = np.isfinite(u)
        x = np.where(finite, u, 0.0) / scale
        value = mean * gammainc(shape + 1, x) + np.where(finite, u, 0.0) * (1 - gammainc(shape, x))
        return np.where(finite, value, mean)

    return np.maximum(lev(np.asarray(deductible) + np.asarray(limit)) - lev(deductible), 0.0)


def compare_severity(
    train_products: int = 50_000, test_products: int = 50_000, *, seed: int = 1, n_jobs: int = 2
) -> pd.DataFrame:
    """The severity model against a LightGBM Gamma model on held-out synthetic incidents.

    Both are fitted on the incidents of one portfolio (category, public exposure and kind as
    features for the Gamma model, whose shape is estimated from its Pearson residuals) and judged
    on another portfolio: Gamma deviance of the mean loss per incident, the ratio of predicted to
    actual payments within each incident's layer, and the error of the expected payment per
    incident against the generator's truth, overall and in the worst category.
    """
    import lightgbm as lgb
    import pandas as pd

    from riskmodel.models.severity import SeverityModel

    train, _ = generate_portfolio(train_products, seed=seed)
    test, truth = generate_portfolio(test_products, seed=seed + 1000)

    def frame(p):
        inc = p.incidents.merge(
            p.products[
                [
                    "product_id",
                    "category",
                    "public_exposure",
                    "deductible_krw",
                    "coverage_limit_krw",
                ]
            ]
        )
        inc["loss"] = inc["loss_krw"].astype(float)
        return inc

    tr, te = frame(train), frame(test)
    features = ["category", "public_exposure", "kind"]

    def design(f):
        return pd.DataFrame(
            {c: f[c].astype(pd.CategoricalDtype(sorted(tr[c].unique()))) for c in features}
        )

    booster = lgb.train(
        {
            "objective": "gamma",
            "learning_rate": 0.05,
            "num_leaves": 15,
            "min_data_in_leaf": 50,
            "verbose": -1,
            "num_threads": n_jobs,
            "seed": seed,
            "deterministic": True,
        },
        lgb.Dataset(design(tr), tr["loss"]),
        num_boost_round=300,
    )
    fitted = booster.predict(design(tr))
    shape = 1.0 / float(np.mean((tr["loss"] / fitted - 1) ** 2))
    sev = SeverityModel().fit(train)

    rows = {}
    gbm_mean = booster.predict(design(te))
    ours_mean = np.empty(len(te))
    ours_layer = np.empty(len(te))
    for kind in ("performance", "safety"):
        m = (te["kind"] == kind).to_numpy()
        ours_mean[m] = sev.mean(kind, te.loc[m, "category"], te.loc[m, "public_exposure"])
        ours_layer[m] = sev.layer_payment(
            kind,
            te.loc[m, "category"],
            te.loc[m, "public_exposure"],
            te.loc[m, "deductible_krw"],
            te.loc[m, "coverage_limit_krw"],
        )
    gbm_layer = _gamma_layer(te["deductible_krw"], te["coverage_limit_krw"], gbm_mean, shape)
    paid = np.minimum(np.maximum(te["loss"] - te["deductible_krw"], 0), te["coverage_limit_krw"])

    def deviance(mu):
        y = te["loss"].to_numpy()
        return float(np.mean(2 * (y / mu - np.log(y / mu) - 1)))

    # expected payment per incident against the truth, weighted by the true expected incidents
    prod = test.products.merge(truth, on="product_id")
    truth_rows = []
    for kind in ("performance", "safety"):
        n = prod[f"expected_{kind}_incidents"].to_numpy()
        true_pay = prod[f"expected_{kind}_loss_krw"].to_numpy() / n
        ours = sev.layer_payment(
            kind,
            prod["category"],
            prod["public_exposure"],
            prod["deductible_krw"],
            prod["coverage_limit_krw"],
        )
        d = pd.DataFrame(
            {c: prod[c].astype(pd.CategoricalDtype(sorted(tr[c].unique()))) for c in features[:2]}
        )
        d["kind"] = pd.Categorical([kind] * len(d), categories=sorted(tr["kind"].unique()))
        gbm = _gamma_layer(
            prod["deductible_krw"], prod["coverage_limit_krw"], booster.predict(d), shape
        )
        truth_rows.append(
            pd.DataFrame(
                {
                    "category": prod["category"],
                    "w": n,
                    "true": n * true_pay,
                    "ours": n * ours,
                    "gbm": n * gbm,
                }
            )
        )
    tt = pd.concat(truth_rows)
    by = tt.groupby("category")[["true", "ours", "gbm"]].sum()
    for name, mean, layer, col in (
        ("SeverityModel (credibility lognormal mixture)", ours_mean, ours_layer, "ours"),
        ("LightGBM Gamma + fitted shape", gbm_mean, gbm_layer, "gbm"),
    ):
        ratio = by[col] / by["true"]
        rows[name] = {
            "gamma deviance of mean": deviance(mean),
            "layer paid: predicted/actual": float(layer.sum() / paid.sum()),
            "expected payment / truth": float(tt[col].sum() / tt["true"].sum()),
            "worst category / truth": float(ratio.iloc[int(np.argmax(np.abs(ratio - 1)))]),
        }
    return pd.DataFrame(rows).T


@dataclass
class StatementResult:
    """Milliseconds per statement, per verification, and per pair of waterfalls drawn either way
    (HTML, as statements draw them now; PNG with matplotlib and SHAP, the anchor)."""

    statements: int
    statement_ms: float
    verify_ms: float
    assess_ms: float
    waterfalls_html_ms: float
    waterfalls_png_ms: float
    statement_kb: float

    def to_dict(self) -> dict:
        return asdict(self)


def measure_statements(model, portfolio, pricing, *, n: int = 50) -> StatementResult:
    """Time statements, their verification, the one-product assessment inside each, and the
    waterfalls of each product drawn as HTML and as the PNG statements used to embed."""
    import tempfile
    from pathlib import Path

    from riskmodel.assessment import assess
    from riskmodel.plots import waterfall as png_waterfall
    from riskmodel.reports.figures import data_uri
    from riskmodel.reports.statement import render_statement, verify_statement
    from riskmodel.reports.waterfall import render_waterfall, waterfall

    ids = portfolio.products["product_id"].iloc[:n].tolist()
    some = portfolio.subset(ids)
    render_statement(model, some, ids[0], pricing)  # warm: templates, imports
    t0 = time.perf_counter()
    pages = [render_statement(model, some, pid, pricing) for pid in ids]
    statement = (time.perf_counter() - t0) / len(ids)
    folder = Path(tempfile.mkdtemp())
    paths = []
    for pid, page in zip(ids, pages, strict=True):
        paths.append(folder / f"{pid}.html")
        paths[-1].write_text(page, encoding="utf-8")
    t0 = time.perf_counter()
    if not all(verify_statement(path, model).ok for path in paths):
        raise RuntimeError("a statement written by this run did not verify")
    verify = (time.perf_counter() - t0) / len(ids)
    ones = [some.subset([pid]) for pid in ids]
    t0 = time.perf_counter()
    assessed = [assess(model, one, pricing=pricing, n_jobs=1) for one in ones]
    assessing = (time.perf_counter() - t0) / len(ids)
    t0 = time.perf_counter()
    for a in assessed:
        for target in TARGETS:
            render_waterfall(waterfall(a.explanations[target], 0))
    html = (time.perf_counter() - t0) / len(ids)
    k = min(len(ids), 10)  # the PNG path is slow: ten products are enough
    t0 = time.perf_counter()
    for a in assessed[:k]:
        for target in TARGETS:
            data_uri(png_waterfall({target: a.explanations[target]}, 0))
    png = (time.perf_counter() - t0) / k
    return StatementResult(
        len(ids),
        statement * 1000,
        verify * 1000,
        assessing * 1000,
        html * 1000,
        png * 1000,
        float(np.mean([len(p.encode()) for p in pages]) / 1000),
    )


#: The speed targets (issue "Fast"): figure -> (target, unit, higher is better).
SPEED_TARGETS = {
    "explanations_speedup_vs_shap": (20.0, "x", True),
    "application_p50_ms": (3.0, "ms", False),
    "application_p99_ms": (10.0, "ms", False),
    "batch_products_per_s": (100_000.0, "products/s", True),
    "train_200k_s": (90.0, "s", False),
    "statement_ms": (50.0, "ms", False),
    "verify_ms": (20.0, "ms", False),
}


def measure_speed(
    model,
    portfolio,
    pricing,
    *,
    explain_products: int = 2_000,
    applications: int = 200,
    batch_products: int | None = None,
    statements: int = 20,
    n_jobs: int = 2,
) -> dict:
    """Every speed figure of one model, with its anchors, in one run (``scripts/bench_speed.py``).

    - explanations of ``explain_products`` (both targets): riskmodel's, ``shap.TreeExplainer``
      and LightGBM's ``pred_contrib`` on the same rows, their largest difference;
    - one application at a time (one thread): contract-text tables of one product, validated,
      assessed and priced, over ``applications`` different products: p50 and p99;
    - batch scoring with prices, explanations off (``n_jobs`` threads), features included;
    - statements and their verification (:func:`measure_statements`).
    """
    from riskmodel.assessment import assess
    from riskmodel.portfolio import contract_text
    from riskmodel.pricing import price_portfolio
    from riskmodel.validation import validate_tables

    out: dict = {"cores": _cores(), "model_version": model.version_}
    ids = portfolio.products["product_id"]
    some = portfolio.subset(ids.iloc[:explain_products])
    explain(model, some.subset(ids.iloc[:10]), n_jobs=n_jobs)  # warm-up (loads the kernel)
    t0 = time.perf_counter()
    explain(model, some, n_jobs=n_jobs)
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    explain(model, some, n_jobs=n_jobs, method="lightgbm")
    lightgbm_s = time.perf_counter() - t0
    X = model.features(some)
    t0 = time.perf_counter()
    reference = {t: shap_contributions(model, X, t) for t in TARGETS}
    shap_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in TARGETS:
        est = model.models_[t]
        est.booster_.predict(X[est.tree_columns_], pred_contrib=True, num_threads=n_jobs)
    contrib_s = time.perf_counter() - t0
    n = some.n_products
    out["explain_products"] = n
    out["explanations_per_s"] = n / ours_s
    out["lightgbm_explanations_per_s"] = n / lightgbm_s
    out["shap_per_s"] = n / shap_s
    out["pred_contrib_per_s"] = n / contrib_s
    out["explanations_speedup_vs_shap"] = shap_s / ours_s
    out["explanations_max_difference"] = _largest_difference(model, X, reference, n_jobs)

    chosen = ids.iloc[:applications].tolist()
    tables = [
        {
            name: contract_text(frame).astype(object)
            for name, frame in portfolio.subset([pid]).tables().items()
            if name != "incidents"
        }
        for pid in chosen
    ]
    times, validating = [], []
    for one in tables:
        t0 = time.perf_counter()
        data = validate_tables(one)
        t1 = time.perf_counter()
        assess(model, data.portfolio, pricing=pricing, n_jobs=1, issues=data.issues)
        times.append(time.perf_counter() - t0)
        validating.append(t1 - t0)
    skip = 1 if len(times) > 1 else 0  # the first one warms up
    times, validating = (np.asarray(t[skip:]) * 1000 for t in (times, validating))
    out["applications"] = len(chosen)
    out["application_p50_ms"] = float(np.percentile(times, 50))
    out["application_p99_ms"] = float(np.percentile(times, 99))
    out["application_validation_p50_ms"] = float(np.percentile(validating, 50))

    batch = portfolio if batch_products is None else portfolio.subset(ids.iloc[:batch_products])
    t0 = time.perf_counter()
    predictions = model.predict(batch, n_jobs=n_jobs)
    price_portfolio(model, batch, pricing, n_jobs=n_jobs, predictions=predictions)
    out["batch_products"] = batch.n_products
    out["batch_products_per_s"] = batch.n_products / (time.perf_counter() - t0)
    out["peak_rss_mb"] = _peak_rss_mb()

    st = measure_statements(model, portfolio, pricing, n=statements)
    out["statement_ms"] = st.statement_ms
    out["verify_ms"] = st.verify_ms
    out["statement_png_anchor_ms"] = st.waterfalls_png_ms
    return out


def _largest_difference(model, X, reference: dict, n_jobs: int) -> float:
    """The largest difference between riskmodel's tree contributions (before any probability
    calibration rescales them) and shap's, over rows, tree features and targets."""
    out = 0.0
    for t in TARGETS:
        est = model.models_[t]
        ours, _ = est.predict_contributions(X, n_jobs=n_jobs)
        out = max(out, float(np.abs(ours[est.tree_columns_].to_numpy() - reference[t]).max()))
    return out


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def measure_monitoring(
    model: RiskModel,
    portfolio,
    truth: pd.DataFrame,
    *,
    target: str = "safety",
    category: str | None = None,
    factor: float = 2.0,
    months: int = 12,
    draws: int = 200,
    seed: int = 0,
) -> dict:
    """How soon monitoring flags a changed category, and how often it flags the others.

    The cohort's incidents are drawn month by month from the generator's truth
    (:func:`~riskmodel.synthetic.experience.monthly_incidents`), ``draws`` times with
    ``category``'s ``target`` rate multiplied by ``factor`` from month 0 (default: the category
    with the most expected incidents) and ``draws`` times unchanged. Each month, every category's
    cumulative actual incidents are tested against the model's earned expectation (the same
    anytime-valid test as ``riskmodel monitor``) and, as the anchor, against the truth's own.

    Returns false alarms per unchanged category over the ``months`` (share of category-draws that
    ever alert), the share of draws whose changed category is flagged, and the months to flag it.
    """
    from riskmodel.monitoring import ALPHA, log_mixture_e_value
    from riskmodel.synthetic.experience import Change, earned_by_month, monthly_incidents

    products = portfolio.products.reset_index(drop=True)
    predicted = model.predict(portfolio)
    share = earned_by_month(products, months)
    categories = products["category"].astype(str).to_numpy()
    levels = sorted(set(categories))
    member = np.stack([categories == c for c in levels]).astype(float)  # categories x products
    truth_one = truth.set_index("product_id").loc[products["product_id"]]
    expected = {
        "model": member @ (predicted[f"expected_{target}_incidents"].to_numpy()[:, None] * share),
        "truth": member
        @ (truth_one[f"expected_{target}_incidents"].to_numpy(dtype=float)[:, None] * share),
    }
    expected = {k: np.cumsum(v, axis=1) for k, v in expected.items()}  # categories x months
    if category is None:
        category = levels[int(np.argmax(expected["truth"][:, -1]))]
    changed = levels.index(category)

    def first_alerts(changes) -> dict[str, np.ndarray]:
        """Per anchor, the first month (1-based; 0 = never) each category alerts, per draw."""
        out = {name: np.zeros((draws, len(levels)), dtype=int) for name in expected}
        for d in range(draws):
            counts = monthly_incidents(products, truth, months, changes, seed=seed + d)[target]
            actual = np.cumsum(member @ counts, axis=1)
            for name, mean in expected.items():
                alert = log_mixture_e_value(actual, mean) >= np.log(1 / ALPHA)
                ever = alert.any(axis=1)
                out[name][d] = np.where(ever, alert.argmax(axis=1) + 1, 0)
        return out

    unchanged = first_alerts(())
    with_change = first_alerts((Change(target, category, factor, 0),))
    others = [i for i in range(len(levels)) if i != changed]
    result = {
        "target": target,
        "changed_category": category,
        "factor": factor,
        "months": months,
        "draws": draws,
        "categories": len(levels),
        "expected_in_changed_category_per_year": float(expected["truth"][changed, -1]),
    }
    for name in expected:
        flagged = with_change[name][:, changed]
        result[name] = {
            "false_alarms_no_change": float((unchanged[name] > 0).mean()),
            "false_alarms_other_categories": float((with_change[name][:, others] > 0).mean()),
            "worst_category_false_alarms": float((unchanged[name] > 0).mean(axis=0).max()),
            "changed_flagged": float((flagged > 0).mean()),
            "months_to_flag_median": float(np.median(flagged[flagged > 0]))
            if (flagged > 0).any()
            else None,
        }
    return result
