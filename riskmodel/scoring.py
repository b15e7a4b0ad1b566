"""Score a portfolio with a trained model and write the contract's output files.

``scores.csv`` has one row per product: ``product_id``, ``performance_risk`` and ``safety_risk``
(the probabilities of at least one incident of that kind in the coverage period), the expected
numbers of incidents, the exposure in unit-years, ``data_issues`` (why a score deserves a second
look: rows of its file set aside, a category unseen in training scored with the fallback) and
``model_version``. ``rejects.csv`` lists every input row that was not used, with its reason, and
``run_summary.json`` reconciles what was read with what was used, rejected and scored.

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> score_portfolio(model, portfolio.subset(["S1-P0000000"])).columns.tolist()[:3]
['product_id', 'performance_risk', 'safety_risk']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from riskmodel.contract import SCORES_COLUMNS
from riskmodel.features import UNKNOWN
from riskmodel.io import write_csv, write_text
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.validation import ValidationResult

__all__ = ["score_portfolio", "run_summary", "write_outputs"]


def _fallback_notes(model: RiskModel, portfolio: Portfolio) -> pd.Series:
    categorical = model.pipeline_.named_transformers["categorical"]
    notes = pd.Series("", index=portfolio.products.index, dtype="str")
    for col, cats in categorical.categories_.items():
        values = portfolio.products[col].astype("str")
        unseen = ~values.isin(cats[:-1])
        if not unseen.any():  # the usual case: nothing to say, and nothing to build
            continue
        text = f"{col} '" + values[unseen] + f"' unseen in training: scored as {UNKNOWN}"
        notes[unseen] = (notes[unseen] + "; " + text).str.lstrip("; ")
    return notes


def score_portfolio(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    n_jobs: int | None = None,
    issues: Mapping[str, list[str]] | None = None,
    features: pd.DataFrame | None = None,
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
    issues : mapping of product_id to list of str, optional
        Data issues found by validation (rows set aside, unknown category), put into
        ``data_issues`` before the model's own notes (a category or zone unseen in training).
    features : DataFrame, optional
        The portfolio's feature table, if already built (:meth:`RiskModel.features`).
    """
    scores = model.predict(portfolio, n_jobs=n_jobs, features=features)
    fallback = _fallback_notes(model, portfolio).to_numpy()
    issues = issues or {}
    scores["data_issues"] = [
        "; ".join([*issues.get(pid, []), *([note] if note else [])])
        for pid, note in zip(scores["product_id"], fallback, strict=True)
    ]
    scores["model_version"] = model.version_
    if tuple(scores.columns[: len(SCORES_COLUMNS)]) != SCORES_COLUMNS:
        raise RuntimeError(
            f"scores columns {list(scores.columns)} do not start with the contract's"
        )
    return scores


def run_summary(
    validation: ValidationResult,
    scores: pd.DataFrame | None,
    model: RiskModel | None,
    *,
    strict: bool = False,
) -> dict:
    """The reconciliation of a run in the contract's format.

    ``tables``: rows read, used and rejected per table (read = used + rejected); ``products``:
    read, scored and rejected (read = scored + rejected). Also what was normalised, the reading
    notes, the model version and the time of the run. ``scores`` is None when a strict run stopped
    before scoring.
    """
    reconciliation = validation.reconciliation()
    products = reconciliation["products"]
    scored = 0 if scores is None else len(scores)
    summary = {
        "tables": reconciliation["tables"],
        "products": {
            "read": products["read"],
            "scored": scored,
            "rejected": products["read"] - scored,
        },
        "products_accepted": products["accepted"],
        "products_with_data_issues": 0
        if scores is None
        else int((scores["data_issues"] != "").sum()),
        "normalised_values": validation.normalised,
        "notes": validation.notes,
        "strict": strict,
        "model_version": None if model is None else model.version_,
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if scores is not None and products["accepted"] != scored:  # a bug, never a data problem
        raise RuntimeError(f"{products['accepted']} products accepted but {scored} scored")
    return summary


def write_outputs(
    scores: pd.DataFrame | None, summary: dict, rejects: pd.DataFrame, out_dir: str | os.PathLike
) -> Path:
    """Write ``scores.csv`` (unless None), ``rejects.csv`` and ``run_summary.json``, atomically."""
    out = Path(out_dir)
    if scores is not None:
        write_csv(scores, out / "scores.csv")
    write_csv(rejects, out / "rejects.csv")
    write_text(json.dumps(summary, indent=2) + "\n", out / "run_summary.json")
    return out
