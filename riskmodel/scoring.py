"""Score a portfolio with a trained model and write the contract's output files.

``scores.csv`` has one row per product: ``product_id``, ``performance_risk`` and ``safety_risk``
(the probabilities of at least one incident of that kind in the coverage period), the expected
numbers of incidents, the exposure in unit-years, ``data_issues`` (why a score deserves a second
look, e.g. a category unseen in training scored with the fallback) and ``model_version``.
``run_summary.json`` reconciles what was read with what was scored.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> from riskmodel.config import TrainConfig
>>> from riskmodel.models import RiskModel
>>> train, _ = generate_portfolio(1500, seed=1)
>>> model = RiskModel(TrainConfig(n_jobs=1)).fit(train)
>>> score_portfolio(model, train.subset(["S1-P0000000"])).columns.tolist()[:3]
['product_id', 'performance_risk', 'safety_risk']
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from riskmodel.contract import SCORES_COLUMNS
from riskmodel.features import UNKNOWN
from riskmodel.io import write_csv
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio

__all__ = ["score_portfolio", "run_summary", "write_outputs"]


def _fallback_notes(model: RiskModel, portfolio: Portfolio) -> pd.Series:
    categorical = model.pipeline_.named_transformers["categorical"]
    notes = pd.Series("", index=portfolio.products.index, dtype="str")
    for col, cats in categorical.categories_.items():
        values = portfolio.products[col].astype("str")
        unseen = ~values.isin(cats[:-1])
        text = f"{col} '" + values[unseen] + f"' unseen in training: scored as {UNKNOWN}"
        notes[unseen] = (notes[unseen] + "; " + text).str.lstrip("; ")
    return notes


def score_portfolio(
    model: RiskModel, portfolio: Portfolio, *, n_jobs: int | None = None
) -> pd.DataFrame:
    """Scores of every product, in the order of ``portfolio.products``.

    Parameters
    ----------
    model : RiskModel
        A fitted or loaded model.
    portfolio : Portfolio
        Validated tables (incidents, if present, are ignored).
    n_jobs : int, optional
        Threads for prediction (1 suits single requests; default: the model's training setting).
    """
    scores = model.predict(portfolio, n_jobs=n_jobs)
    scores["data_issues"] = _fallback_notes(model, portfolio).to_numpy()
    scores["model_version"] = model.version_
    assert tuple(scores.columns[: len(SCORES_COLUMNS)]) == SCORES_COLUMNS
    return scores


def run_summary(portfolio: Portfolio, scores: pd.DataFrame, model: RiskModel) -> dict:
    """Reconciliation of the run in the contract's format: rows read = used + rejected."""
    tables = {
        name: {"read": len(frame), "used": len(frame), "rejected": 0}
        for name, frame in portfolio.tables().items()
    }
    return {
        "tables": tables,
        "products": {"read": portfolio.n_products, "scored": len(scores), "rejected": 0},
        "model_version": model.version_,
        "products_with_data_issues": int((scores["data_issues"] != "").sum()),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write_outputs(scores: pd.DataFrame, summary: dict, out_dir: str | os.PathLike) -> Path:
    """Write ``scores.csv`` and ``run_summary.json`` to ``out_dir``; return its path."""
    out = Path(out_dir)
    write_csv(scores, out / "scores.csv")
    tmp = out / ".run_summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "run_summary.json")
    return out
