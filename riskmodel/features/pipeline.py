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

from sklearn.pipeline import FeatureUnion

from riskmodel.features.base import PortfolioTransformer
from riskmodel.features.categorical import CategoricalColumns
from riskmodel.features.certifications import CertificationFeatures
from riskmodel.features.lab_tests import LabTestFeatures
from riskmodel.features.product import ProductAttributes
from riskmodel.features.spec import FeatureSpec

__all__ = ["make_feature_pipeline", "feature_specs", "pipeline_state", "pipeline_from_state"]

_TRANSFORMERS: dict[str, type[PortfolioTransformer]] = {
    cls.__name__: cls
    for cls in (CategoricalColumns, ProductAttributes, LabTestFeatures, CertificationFeatures)
}
STATE_VERSION = 1


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


def pipeline_state(pipeline: FeatureUnion) -> dict:
    """JSON-compatible state of a fitted pipeline."""
    return {
        "version": STATE_VERSION,
        "steps": [[name, step.fitted_state()] for name, step in pipeline.transformer_list],
    }


def pipeline_from_state(state: dict) -> FeatureUnion:
    """Rebuild a fitted pipeline from :func:`pipeline_state` output."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(
            f"feature pipeline state version {state.get('version')!r} is not "
            f"supported (expected {STATE_VERSION})"
        )
    steps = []
    for name, step_state in state["steps"]:
        cls = _TRANSFORMERS.get(step_state.get("class"))
        if cls is None:
            raise ValueError(f"unknown transformer {step_state.get('class')!r} in pipeline state")
        steps.append((name, cls.from_state(step_state)))
    union = FeatureUnion(steps, verbose_feature_names_out=False).set_output(transform="pandas")
    return union
