"""The assessment stage: one model and one validated portfolio in, one complete assessment out.

Everything a person or a program is told about a product comes from here, computed once: the
feature table is built once, and from it the risks and expected incidents
(:mod:`riskmodel.scoring`), the exact contributions (:mod:`riskmodel.explanations`), the evidence
of the feature transformers and the reasons in words (:mod:`riskmodel.reasons`) and, given a
pricing config, the expected losses, their interval, the premium and the grade
(:mod:`riskmodel.pricing`). The CSV writers, the audit report, statements, what-if, the MLflow
model and the CLI read the :class:`Assessment`; none of them scores, explains or prices again.

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> one = portfolio.subset(portfolio.products["product_id"][:3])
>>> result = assess(model, one, pricing=PricingConfig())
>>> [c for c in result.scores.columns if c.startswith("safety_reason")]
['safety_reason_1', 'safety_reason_2', 'safety_reason_3']
>>> result.priced, len(result.scores)
(True, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from riskmodel.explanations import Explanation, explain, explanations_table
from riskmodel.features.pipeline import feature_evidence
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PricingConfig, price_portfolio, with_pricing_columns
from riskmodel.reasons import reasons_table
from riskmodel.scoring import score_portfolio

__all__ = ["Assessment", "assess", "score_with_reasons"]


@dataclass(frozen=True)
class Assessment:
    """One assessment of a portfolio.

    Attributes
    ----------
    scores : DataFrame
        One row per product in portfolio order, with the columns of ``scores.csv``: risks, (when
        priced) expected loss, interval, premium and grade, expected incidents, exposure, reasons,
        data issues and the model version.
    explanations : dict of str to Explanation
        Per target, the feature values and their exact contributions.
    features : DataFrame
        The feature table every figure above was computed from (one row per product).
    evidence : dict
        Per product_id, the rows behind its feature values by topic, in words
        (:func:`~riskmodel.features.pipeline.feature_evidence`).
    pricing : PricingConfig or None
        The pricing config the premiums were computed with (None: not priced).
    """

    scores: pd.DataFrame
    explanations: dict[str, Explanation]
    features: pd.DataFrame
    evidence: Mapping[str, Mapping[str, str]]
    pricing: PricingConfig | None = None

    @property
    def priced(self) -> bool:
        """Whether the scores carry expected losses, premiums and grades."""
        return self.pricing is not None

    def explanations_table(self) -> pd.DataFrame:
        """The long ``explanations.csv`` table."""
        return explanations_table(self.explanations)

    def product(self, product_id: str) -> pd.Series:
        """One product's row of :attr:`scores`."""
        rows = self.scores.index[self.scores["product_id"] == product_id]
        if len(rows) != 1:
            raise KeyError(f"product {product_id!r} is not in the assessment")
        return self.scores.loc[rows[0]]


def assess(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    pricing: PricingConfig | None = None,
    n_jobs: int | None = None,
    issues: Mapping[str, list[str]] | None = None,
) -> Assessment:
    """Score, explain, give reasons for and (with ``pricing``) price every product.

    ``issues`` (per product_id, from validation) go into ``data_issues``. ``n_jobs``: threads for
    the trees (1 suits a single application).
    """
    X = model.features(portfolio)  # built once: everything below reads it
    scores = score_portfolio(model, portfolio, n_jobs=n_jobs, issues=issues, features=X)
    explanations = explain(model, portfolio, n_jobs=n_jobs, features=X)
    evidence = feature_evidence(model.pipeline_, portfolio)
    reasons = reasons_table(model, portfolio, explanations, evidence=evidence)
    tail = ["data_issues", "model_version"]
    head = [c for c in scores.columns if c not in tail]
    merged = pd.concat([scores[head], reasons.drop(columns="product_id"), scores[tail]], axis=1)
    if pricing is not None:
        quote = price_portfolio(model, portfolio, pricing, n_jobs=n_jobs, predictions=scores)
        merged = with_pricing_columns(merged, quote)
    return Assessment(merged, explanations, X, evidence, pricing)


def score_with_reasons(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    pricing: PricingConfig | None = None,
    n_jobs: int | None = None,
    issues: Mapping[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The scores table with reasons (what ``scores.csv`` holds)."""
    return assess(model, portfolio, pricing=pricing, n_jobs=n_jobs, issues=issues).scores
