"""Reasons in plain language: the three features that move each score the most, in words.

Each reason names what in the product's file drives the score, using the product's own rows (which
standard failed, which certification is active), and the factor by which it multiplies the
expected number of incidents, e.g. ``failed safety test: IEC 62133-2 (critical): safety risk
x1.80``. A factor above 1 raises the risk, below 1 lowers it. The exposure features (units deployed,
months of coverage) are left out: they scale the risk with the size of the demonstration, not with
what the product's record says, and are shown in ``explanations.csv``.

Reasons are said in English or Korean (``lang``): the transformers' words and the reasons'
frame are messages of the ``reports`` catalog (:mod:`riskmodel.i18n`), e.g. ``부적합 안전 시험:
IEC 62133-2 (치명): 안전 위험도 x1.80``; standards and schemes are never translated.

The words and the rows behind them come from the feature transformers themselves
(:func:`~riskmodel.features.pipeline.feature_evidence`,
:meth:`~riskmodel.features.base.PortfolioTransformer.describe`): this module only ranks.

Examples
--------
>>> from riskmodel.features import LabTestFeatures
>>> LabTestFeatures().describe("tests_safety_failed", 1.0, {"failed:safety": "IEC 62133-2"})
'failed safety test: IEC 62133-2'
>>> LabTestFeatures().describe(
...     "tests_safety_failed", 1.0, {"failed:safety": "IEC 62133-2 (critical)"}, lang="ko"
... )
'부적합 안전 시험: IEC 62133-2 (치명)'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskmodel.explanations import Explanation
from riskmodel.features.base import PortfolioTransformer, words_in
from riskmodel.features.pipeline import feature_evidence, feature_owners
from riskmodel.i18n import N_, check_language
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio

__all__ = ["N_REASONS", "MIN_EFFECT", "reasons_table", "reasons_from"]

N_REASONS = 3
#: Effects within 2% of no effect are not reasons.
MIN_EFFECT = float(np.log(1.02))
#: A reason: what the product's file says, then the factor on the target's expected incidents.
_REASON_WORDS = {
    "performance": N_("{what}: performance risk x{factor}"),
    "safety": N_("{what}: safety risk x{factor}"),
}


def reasons_table(
    model: RiskModel,
    portfolio: Portfolio,
    explanations: dict[str, Explanation],
    *,
    evidence: Mapping[str, Mapping[str, str]] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """``<target>_reason_1`` to ``_3`` for every product: the largest effects, in words of
    ``lang`` (``"en"`` or ``"ko"``).

    Effects are ranked by the size of their contribution (up or down); the exposure features
    and effects under 2% are left out, so a product may have fewer than three reasons.
    ``evidence`` is the portfolio's :func:`~riskmodel.features.pipeline.feature_evidence`, if
    already gathered.
    """
    if evidence is None:
        evidence = feature_evidence(model.pipeline_, portfolio)
    ids = portfolio.products["product_id"].to_numpy(dtype=object)
    return reasons_from(
        explanations, feature_owners(model.pipeline_), evidence, lang=lang, product_ids=ids
    )


def reasons_from(
    explanations: Mapping[str, Explanation],
    owners: Mapping[str, PortfolioTransformer],
    evidence: Mapping[str, Mapping[str, str]],
    *,
    lang: str = "en",
    product_ids=None,
) -> pd.DataFrame:
    """The reasons table from explanations already made (no feature is built, nothing is
    scored): ``owners`` are the features' transformers
    (:func:`~riskmodel.features.pipeline.feature_owners`), ``evidence`` the products'
    :func:`~riskmodel.features.pipeline.feature_evidence`; ``product_ids`` default to the
    explanations' products."""
    check_language(lang)
    _ = words_in(lang)
    if product_ids is None:
        first = next(iter(explanations.values()), None)
        product_ids = np.asarray([] if first is None else first.product_ids, dtype=object)
    ids = np.asarray(product_ids, dtype=object)
    out = pd.DataFrame({"product_id": ids})
    for target, ex in explanations.items():
        names = [s.name for s in ex.specs if s.kind != "exposure"]
        describers = [owners[f].describe for f in names]
        contrib = ex.contributions[names].to_numpy()
        values = ex.values[names].astype("object").to_numpy()
        order = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :N_REASONS]
        template = _(_REASON_WORDS.get(target, "{what}: " + target + " risk x{factor}"))
        for rank in range(N_REASONS):
            j = order[:, rank] if len(ids) else np.zeros(0, dtype=int)
            phi = contrib[np.arange(len(ids)), j]
            out[f"{target}_reason_{rank + 1}"] = [
                template.format(
                    what=describers[f](names[f], values[i, f], evidence.get(ids[i], {}), lang=lang),
                    factor=f"{np.exp(p):.2f}",
                )
                if abs(p) >= MIN_EFFECT
                else ""
                for i, (f, p) in enumerate(zip(j, phi, strict=True))
            ]
    return out
