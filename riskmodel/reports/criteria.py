"""The risk criteria as JSON, for ministries that compare insurers' criteria side by side.

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> out = criteria(model, PricingConfig())
>>> out["importance_basis"], len(out["features"]) == len(model.feature_specs_)
('LightGBM split gain share (no data given)', True)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from riskmodel.assessment import assess
from riskmodel.contract import CONTRACT_VERSION, TARGETS
from riskmodel.explanations import importance
from riskmodel.i18n import N_
from riskmodel.io import write_text
from riskmodel.models import RiskModel
from riskmodel.pricing import PricingConfig
from riskmodel.validation import ValidationResult

#: What the method cannot do, whatever the data. No figures here: the audit report measures each on
#: its own data (the section named) and the README reports the benchmarks. Marked for the
#: ``reports`` catalog: the audit report says them in its language, the criteria JSON in English.
METHOD_LIMITATIONS = (
    N_(
        "No public product-liability claims data exist: a model trained on synthetic portfolios "
        "must be retrained on real claims before its prices are binding (the model card names "
        "the training data)."
    ),
    N_(
        "Monotone constraints on overlapping failure features move expected safety incidents "
        "between products with and without an unresolved safety failure (README, Measured)."
    ),
    N_(
        "Per-category sums of expected losses carry the sampling error of the training data; "
        "thin or new categories rely on the portfolio complement (calibration section: actual "
        "against expected by category; pricing section: credibility weights)."
    ),
    N_(
        "A category absent from training is priced at the portfolio-average effect: flagged in "
        "data_issues, with the widest interval; no model can rank it as its truth would."
    ),
    N_(
        "The exposure curves of units and months are the same for every product: an elasticity "
        "that differs by category is not learned (exposure section)."
    ),
    N_("Deductibles and limits apply per incident; aggregate limits are not modelled."),
    N_(
        "Interval widths are calibrated on synthetic truth (interval_scale in the pricing "
        "config); recalibrate them when real outcomes accumulate."
    ),
)


def limitations(model: RiskModel) -> list[str]:
    """The method's limitations, then those the data scientist recorded in the training config."""
    return [*METHOD_LIMITATIONS, *model.config.limitations]


__all__ = ["criteria", "write_criteria"]


def _gain_shares(model: RiskModel, target: str) -> dict[str, float]:
    booster = model.models_[target].booster_
    gains = booster.feature_importance(importance_type="gain")
    names = booster.feature_name()
    total = float(np.sum(gains)) or 1.0
    return {n: float(g) / total for n, g in zip(names, gains, strict=True)}


def criteria(
    model: RiskModel, pricing: PricingConfig, *, data: ValidationResult | None = None
) -> dict:
    """Features (definition, input group, monotone constraint and importance per target), grade
    boundaries, pricing config and severity credibility, as one JSON-ready dict.

    Importance is the share of mean absolute SHAP contribution on ``data`` when given, else the
    share of LightGBM split gain.
    """
    if data is not None and data.portfolio.n_products:
        imp = importance(assess(model, data.portfolio).explanations)
        basis = "share of mean absolute SHAP contribution on the given data"
        lookup = {(r.target, r.feature): float(r.share) for r in imp.itertuples(index=False)}
    else:
        basis = "LightGBM split gain share (no data given)"
        lookup = {(t, f): v for t in TARGETS for f, v in _gain_shares(model, t).items()}
    features = [
        {
            "name": spec.name,
            "input_group": spec.input_group,
            "definition": spec.definition,
            "constraints": {t: spec.constraint(t) for t in TARGETS},
            "importance": {t: lookup.get((t, spec.name), 0.0) for t in TARGETS},
        }
        for spec in model.feature_specs_
    ]
    return {
        "format": 1,
        "contract_version": CONTRACT_VERSION,
        "model_version": model.version_,
        "targets": list(TARGETS),
        "score_definition": "probability of at least one incident of the kind in the coverage "
        "period, 1 - exp(-expected incidents)",
        "importance_basis": basis,
        "features": features,
        "grade_basis": "expected loss per unit-year of exposure (KRW)",
        "grade_boundaries": pricing.grade_boundaries(),
        "pricing": pricing.to_dict(),
        "severity_credibility": model.severity_.credibility_table().to_dict("records"),
        "limitations": limitations(model),
    }


def write_criteria(
    model: RiskModel,
    pricing: PricingConfig,
    out_file: str | os.PathLike,
    *,
    data: ValidationResult | None = None,
) -> Path:
    """Write :func:`criteria` as JSON (atomically)."""
    text = json.dumps(criteria(model, pricing, data=data), indent=2, allow_nan=False)
    write_text(text + "\n", out_file)
    return Path(out_file)
