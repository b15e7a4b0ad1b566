"""The feature pipeline: the product, test and certification transformers side by side.

It is a scikit-learn :class:`~sklearn.pipeline.FeatureUnion` whose input is a
:class:`~riskmodel.portfolio.Portfolio` and whose output is one DataFrame row per product. Its state
is saved as JSON (no pickle), together with the documented :class:`FeatureSpec` of every feature.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(20, seed=3)
>>> pipeline = make_feature_pipeline().fit(portfolio)
>>> specs = feature_specs(pipeline)
>>> specs[0].name, specs[0].input_group
('category', 'category')
>>> pipeline_from_state(pipeline_state(pipeline)).transform(portfolio).equals(
...     pipeline.transform(portfolio))
True
"""

from __future__ import annotations

import pandas as pd
from sklearn.pipeline import FeatureUnion

from riskmodel.errors import ModelIntegrityError
from riskmodel.features.base import MORE_ITEMS, PortfolioTransformer
from riskmodel.features.categorical import CategoricalColumns
from riskmodel.features.certifications import CertificationFeatures
from riskmodel.features.lab_tests import LabTestFeatures
from riskmodel.features.product import ProductAttributes
from riskmodel.features.spec import FeatureSpec
from riskmodel.portfolio import Portfolio

__all__ = [
    "make_feature_pipeline",
    "feature_specs",
    "pipeline_state",
    "pipeline_from_state",
    "feature_evidence",
    "describe_feature",
    "feature_owners",
]

_TRANSFORMERS: dict[str, type[PortfolioTransformer]] = {
    cls.__name__: cls
    for cls in (CategoricalColumns, ProductAttributes, LabTestFeatures, CertificationFeatures)
}
STATE_VERSION = 1
#: How many items of one topic a description lists before "and N more".
LISTED_ITEMS = 3


def make_feature_pipeline(*, handle_unknown: str = "fallback") -> FeatureUnion:
    """A new, unfitted feature pipeline.

    Parameters
    ----------
    handle_unknown : {"fallback", "error"}
        What the categorical columns do with values unseen in training (see
        :class:`~riskmodel.features.categorical.CategoricalColumns`).
    """
    union = FeatureUnion(
        [
            ("categorical", CategoricalColumns(handle_unknown=handle_unknown)),
            ("product", ProductAttributes()),
            ("tests", LabTestFeatures()),
            ("certifications", CertificationFeatures()),
        ],
        verbose_feature_names_out=False,
    )
    return union.set_output(transform="pandas")


def feature_specs(pipeline: FeatureUnion) -> list[FeatureSpec]:
    """The specs of every feature of a fitted pipeline, in column order."""
    return [spec for _, step in pipeline.transformer_list for spec in step.feature_specs_]


def _listing(items) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:LISTED_ITEMS])
    if len(items) <= LISTED_ITEMS:
        return shown
    return MORE_ITEMS.format(items=shown, n=len(items) - LISTED_ITEMS)


def feature_evidence(pipeline: FeatureUnion, portfolio: Portfolio) -> dict[str, dict[str, str]]:
    """Per product_id, the evidence of every transformer joined into words by topic (e.g.
    ``{"failed:safety": "IEC 62133-2 (critical), UL 2271"}``): what :func:`describe_feature`
    reads. Products without evidence are absent."""
    parts = [step.evidence(portfolio) for _, step in pipeline.transformer_list]
    items = pd.concat(parts, ignore_index=True)
    ids = portfolio.products["product_id"].to_numpy(dtype=object)
    items["product_id"] = ids[items["position"].to_numpy(dtype=int)]
    grouped = items.groupby(["product_id", "topic"], sort=False)["item"].agg(_listing)
    out: dict[str, dict[str, str]] = {}
    for (product, topic), text in grouped.items():
        out.setdefault(product, {})[topic] = text
    return out


def feature_owners(pipeline: FeatureUnion) -> dict[str, PortfolioTransformer]:
    """Each feature's transformer: the one that made it, knows its evidence and its words."""
    return {s.name: step for _, step in pipeline.transformer_list for s in step.feature_specs_}


def describe_feature(
    pipeline: FeatureUnion, feature: str, value, evidence, *, lang: str = "en"
) -> str:
    """A feature's value in words of ``lang``, by the transformer that made it, with the
    product's evidence (one entry of :func:`feature_evidence`)."""
    owner = feature_owners(pipeline).get(feature)
    if owner is None:
        raise KeyError(f"feature {feature!r} is not made by this pipeline")
    return owner.describe(feature, value, evidence, lang=lang)


def pipeline_state(pipeline: FeatureUnion) -> dict:
    """JSON-compatible state of a fitted pipeline."""
    return {
        "version": STATE_VERSION,
        "steps": [[name, step.fitted_state()] for name, step in pipeline.transformer_list],
    }


def pipeline_from_state(state: dict) -> FeatureUnion:
    """Rebuild a fitted pipeline from :func:`pipeline_state` output."""
    if state.get("version") != STATE_VERSION:
        raise ModelIntegrityError(
            f"feature pipeline state version {state.get('version')!r} is not "
            f"supported (expected {STATE_VERSION})"
        )
    steps = []
    for name, step_state in state["steps"]:
        cls = _TRANSFORMERS.get(step_state.get("class"))
        if cls is None:
            raise ModelIntegrityError(
                f"unknown transformer {step_state.get('class')!r} in pipeline state"
            )
        steps.append((name, cls.from_state(step_state)))
    union = FeatureUnion(steps, verbose_feature_names_out=False).set_output(transform="pandas")
    return union
