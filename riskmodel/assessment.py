"""A complete assessment of a portfolio: scores, their explanations and the reasons in words.

This is what ``riskmodel score`` writes and what the MLflow model returns: the scores of
:mod:`riskmodel.scoring`, the exact contributions of :mod:`riskmodel.explanations` and the top
reasons of :mod:`riskmodel.reasons`, assembled in one place.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> from riskmodel.config import TrainConfig
>>> from riskmodel.models import RiskModel
>>> train, _ = generate_portfolio(1500, seed=1)
>>> model = RiskModel(TrainConfig(n_jobs=1)).fit(train)
>>> result = assess(model, train.subset(train.products["product_id"][:3]))
>>> [c for c in result.scores.columns if c.startswith("safety_reason")]
['safety_reason_1', 'safety_reason_2', 'safety_reason_3']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from riskmodel.explanations import Explanation, explain, explanations_table
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.reasons import reasons_table
from riskmodel.scoring import score_portfolio

__all__ = ["Assessment", "assess", "score_with_reasons"]


@dataclass
class Assessment:
    """Scores with reasons (one row per product) and the explanations behind them."""

    scores: pd.DataFrame
    explanations: dict[str, Explanation]

    def explanations_table(self) -> pd.DataFrame:
        """The long ``explanations.csv`` table."""
        return explanations_table(self.explanations)


def assess(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    n_jobs: int | None = None,
    issues: Mapping[str, list[str]] | None = None,
) -> Assessment:
    """Score every product, explain every score and put the top reasons into the scores.

    ``issues`` (per product_id, from validation) go into ``data_issues``.
    """
    X = model.features(portfolio)  # built once: scores, explanations and prices read it
    scores = score_portfolio(model, portfolio, n_jobs=n_jobs, issues=issues, features=X)
    explanations = explain(model, portfolio, n_jobs=n_jobs, features=X)
    reasons = reasons_table(model, portfolio, explanations)
    tail = ["data_issues", "model_version"]
    head = [c for c in scores.columns if c not in tail]
    merged = pd.concat([scores[head], reasons.drop(columns="product_id"), scores[tail]], axis=1)
    return Assessment(merged, explanations)


def score_with_reasons(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    n_jobs: int | None = None,
    issues: Mapping[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The scores table with reasons (what ``scores.csv`` holds)."""
    return assess(model, portfolio, n_jobs=n_jobs, issues=issues).scores
