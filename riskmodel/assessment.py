"""The assessment stage: one model and one validated portfolio in, one complete assessment out.

Everything a person or a program is told about a product comes from here, computed once: the
feature table is built once, and from it the risks and expected incidents
(:mod:`riskmodel.scoring`), the exact contributions (:mod:`riskmodel.explanations`), the evidence
of the feature transformers and the reasons in words (:mod:`riskmodel.reasons`) and, given a
pricing config, the expected losses, their interval, the premium and the grade
(:mod:`riskmodel.pricing`). The CSV writers, the audit report, statements, what-if, the MLflow
model and the CLI read the :class:`Assessment`; none of them scores, explains or prices again.
Its reasons are said in English (or the ``lang`` it is given); :meth:`Assessment.reasons_in` says
them in another language from the same explanations and evidence.

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
from riskmodel.features.base import PortfolioTransformer
from riskmodel.features.pipeline import feature_evidence, feature_owners
from riskmodel.i18n import check_language
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PricingConfig, price_portfolio, with_pricing_columns
from riskmodel.reasons import reasons_from
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
    owners : dict of str to PortfolioTransformer or None
        Each feature's transformer (:func:`~riskmodel.features.pipeline.feature_owners`): what
        puts the explanations into words, in any language (:meth:`reasons_in`).
    lang : str
        The language of the reasons in :attr:`scores`.
    """

    scores: pd.DataFrame
    explanations: dict[str, Explanation]
    features: pd.DataFrame
    evidence: Mapping[str, Mapping[str, str]]
    pricing: PricingConfig | None = None
    owners: Mapping[str, PortfolioTransformer] | None = None
    lang: str = "en"

    @property
    def priced(self) -> bool:
        """Whether the scores carry expected losses, premiums and grades."""
        return self.pricing is not None

    def explanations_table(self) -> pd.DataFrame:
        """The long ``explanations.csv`` table."""
        return explanations_table(self.explanations)

    def reason_columns(self) -> list[str]:
        """The columns of :attr:`scores` that hold reasons (``<target>_reason_<rank>``)."""
        return [c for c in self.scores.columns if "_reason_" in c]

    def reasons_in(self, lang: str) -> pd.DataFrame:
        """``product_id`` and the reason columns of :attr:`scores`, said in ``lang`` (``"en"`` or
        ``"ko"``): put into words from this assessment's own explanations and evidence, without
        building features or scoring again."""
        check_language(lang)
        columns = ["product_id", *self.reason_columns()]
        if lang == self.lang:
            return self.scores[columns].reset_index(drop=True)
        if self.owners is None:
            raise ValueError("this assessment does not know its transformers: assess() again")
        ids = self.scores["product_id"].to_numpy(dtype=object)
        table = reasons_from(
            self.explanations, self.owners, self.evidence, lang=lang, product_ids=ids
        )
        return table[columns]

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
    lang: str = "en",
) -> Assessment:
    """Score, explain, give reasons for and (with ``pricing``) price every product.

    ``issues`` (per product_id, from validation) go into ``data_issues``. ``n_jobs``: threads for
    the trees (1 suits a single application). ``lang``: the language of the reasons in
    ``scores`` (English by default; :meth:`Assessment.reasons_in` says them in another).
    """
    check_language(lang)
    X = model.features(portfolio)  # built once: everything below reads it
    scores = score_portfolio(model, portfolio, n_jobs=n_jobs, issues=issues, features=X)
    explanations = explain(model, portfolio, n_jobs=n_jobs, features=X)
    evidence = feature_evidence(model.pipeline_, portfolio)
    owners = feature_owners(model.pipeline_)
    ids = portfolio.products["product_id"].to_numpy(dtype=object)
    reasons = reasons_from(explanations, owners, evidence, lang=lang, product_ids=ids)
    tail = ["data_issues", "model_version"]
    head = [c for c in scores.columns if c not in tail]
    merged = pd.concat([scores[head], reasons.drop(columns="product_id"), scores[tail]], axis=1)
    if pricing is not None:
        quote = price_portfolio(model, portfolio, pricing, n_jobs=n_jobs, predictions=scores)
        merged = with_pricing_columns(merged, quote)
    return Assessment(merged, explanations, X, evidence, pricing, owners, lang)


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
