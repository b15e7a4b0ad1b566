"""The audit report: one self-contained HTML file that answers a ministry's questions.

Sections: model card; risk criteria (every feature with definition, group, constraint, importance,
and partial-dependence/ICE plots as the evidence that constraints hold); exposure (the learned
curves of units and months with their elasticities and the evidence for them: actual/expected by
band of units out of sample at training and on this portfolio; how the probability of at least one
incident follows from the expected number); performance against a GLM
and a homogeneous baseline with lift and Lorenz curves; calibration by decile, category and zone
with Poisson intervals; stability (PSI of every feature and of the scores against the training
data); consistency across zones and company sizes; pricing; and the recorded limitations. Every
number is computed by the package (:mod:`riskmodel.reports.analysis`); plots are embedded PNGs, so
the file opens offline and prints to PDF.

The report is written in English or Korean (``lang``): its text, the words of the values it shows
(shapes, flags, targets) and the formats of its numbers and dates follow the language; feature
names, column names and the plots' axes stay as the package names them.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel import __version__
from riskmodel.assessment import Assessment, assess
from riskmodel.contract import TARGETS
from riskmodel.evaluation import BAND_LABELS, unit_band
from riskmodel.explanations import importance, importance_by_group
from riskmodel.i18n import N_, check_language
from riskmodel.io import write_text
from riskmodel.models import RiskModel
from riskmodel.portfolio import exposure_unit_years
from riskmodel.pricing import PricingConfig
from riskmodel.pricing.rates import rate_pivot, rate_table
from riskmodel.reports.analysis import (
    actual_to_expected,
    calibration_summary,
    exposure_multipliers,
    exposure_table,
    group_consistency,
    lift_table,
    lorenz_curve,
    partial_dependence,
    performance_table,
)
from riskmodel.reports.criteria import limitations
from riskmodel.reports.figures import (
    ae_figure,
    data_uri,
    exposure_figure,
    lift_figure,
    lorenz_figure,
    pd_ice_figure,
)
from riskmodel.reports.templating import environment
from riskmodel.stability import PSI_MAJOR, PSI_MODERATE, population_stability
from riskmodel.validation import ValidationResult

__all__ = ["audit_context", "render_audit", "write_audit", "SECTIONS"]

#: Section ids, in order; the rendering test checks each is present.
SECTIONS = (
    "model-card",
    "risk-criteria",
    "exposure",
    "performance",
    "calibration",
    "stability",
    "consistency",
    "pricing",
    "limitations",
)
_PD_FEATURES = 6  # per target: the most important features get a PD/ICE plot
#: Words of the values the report shows (the template says them in the report's language).
_VALUE_WORDS = (
    N_("up"),
    N_("down"),
    N_("flat"),
    N_("mixed"),
    N_("categorical"),
    N_("stable"),
    N_("moderate shift"),
    N_("major shift"),
    N_("feature"),
    N_("score"),
    N_("mean risk"),
    N_("actual/expected"),
    N_("decile"),
    N_("company_size"),
    N_("given in memory"),
    N_("poisson"),
    N_("frailty"),
    N_("curves"),
    N_("frailty_curves"),
)


def _mlflow_run(model: RiskModel, tracking_uri: str | None) -> str | None:
    """The MLflow run that logged this model version, if the tracking store knows it."""
    try:
        from riskmodel.tracking import find_run

        return find_run(model.version_, uri=tracking_uri)
    except Exception:  # a report must not fail because the tracking store is absent
        return None


def _gap(target: str, what: str, values: pd.Series) -> dict:
    """The highest and lowest group of ``values`` and their ratio (the gap a reader looks for)."""
    return {
        "target": target,
        "what": what,
        "highest": str(values.idxmax()),
        "lowest": str(values.idxmin()),
        "ratio": float(values.max() / values.min()) if values.min() > 0 else np.nan,
    }


def audit_context(
    model: RiskModel,
    data: ValidationResult,
    pricing: PricingConfig,
    *,
    data_dir: str | os.PathLike | None = None,
    tracking_uri: str | None = None,
    assessment: Assessment | None = None,
) -> dict:
    """Everything the audit template shows, computed from the model and a data folder.

    ``assessment``: the priced assessment of ``data`` with ``pricing``, if already made.
    """
    portfolio = data.portfolio
    if assessment is None:
        assessment = assess(model, portfolio, pricing=pricing, issues=data.issues)
    elif assessment.pricing != pricing or len(assessment.scores) != portfolio.n_products:
        raise ValueError("the assessment given is not this data's assessment with this pricing")
    scores = assessment.scores
    manifest = getattr(model, "manifest_", {}) or {}
    training = model.training_
    has_outcomes = portfolio.incidents is not None

    now = datetime.now(UTC)
    card = {
        "model_version": model.version_,
        "riskmodel_version": manifest.get("riskmodel_version", __version__),
        "code_version": manifest.get("code_version", "unknown"),
        "trained_by": manifest.get("created_by", "unknown"),
        "trained_utc": manifest.get("created_utc", "unknown"),
        "mlflow_run": _mlflow_run(model, tracking_uri),
        "training_products": training.get("products"),
        "training_incidents": training.get("incidents", {}),
        "training_exposure": training.get("exposure_unit_years"),
        "training_fingerprint": training.get("fingerprint"),
        "training_source": manifest.get("training_source", "unknown"),
        "training_period": training.get("coverage_start", {}),
        "config": model.config.to_dict(),
        "report_data": str(data_dir) if data_dir else "given in memory",
        "report_products": portfolio.n_products,
        "report_rejected": int((data.rejects["table"] == "products").sum()),
        "report_utc": now.strftime("%Y-%m-%d %H:%M UTC"),
        "report_time": now.isoformat(timespec="seconds"),
        "report_by": getpass.getuser(),
    }

    X = assessment.features  # PD/ICE, baselines and stability read the assessment's table
    imp = importance(assessment.explanations)
    by_group = importance_by_group(assessment.explanations)
    criteria = []
    for spec in model.feature_specs_:
        row = {
            "name": spec.name,
            "group": spec.input_group,
            "definition": spec.definition,
            "constraints": {t: spec.constraint(t) for t in TARGETS},
        }
        for target in TARGETS:
            hit = imp[(imp["target"] == target) & (imp["feature"] == spec.name)]
            row[f"importance_{target}"] = (
                float(hit["mean_abs_contribution"].iloc[0]) if len(hit) else 0.0
            )
        criteria.append(row)
    pd_plots = []
    for target in TARGETS:
        top = (
            imp[imp["target"] == target]
            .sort_values("mean_abs_contribution", ascending=False)["feature"]
            .head(_PD_FEATURES)
        )
        for feature in top:
            result = partial_dependence(model, X, target, feature)
            constraint = result["constraint"]
            holds = (
                None
                if constraint == 0 or result["monotone"] == "categorical"
                else result["monotone"] in ({"up", "flat"} if constraint > 0 else {"down", "flat"})
            )
            pd_plots.append(
                {
                    "target": target,
                    "feature": feature,
                    "shape": result["monotone"],
                    "constraint": constraint,
                    "holds": holds,
                    "png": data_uri(pd_ice_figure(feature, target, result)),
                }
            )

    exposure = _exposure_section(model, portfolio, scores, manifest)

    performance = lifts = lorenz = None
    calibration = {}
    counts = None
    if has_outcomes:
        counts = portfolio.incident_counts()
        performance = performance_table(model, portfolio, X, scores).to_dict("records")
        lift_tables = {
            t: lift_table(scores[f"expected_{t}_incidents"].to_numpy(), counts[t].to_numpy())
            for t in TARGETS
        }
        lifts = {
            "table": {t: v.to_dict("records") for t, v in lift_tables.items()},
            "png": data_uri(lift_figure(lift_tables)),
        }
        curves = {
            t: lorenz_curve(scores[f"expected_{t}_incidents"].to_numpy(), counts[t].to_numpy())
            for t in TARGETS
        }
        lorenz = {"png": data_uri(lorenz_figure(curves))}
        for target in TARGETS:
            expected = scores[f"expected_{target}_incidents"].to_numpy()
            actual = counts[target].to_numpy()
            decile = lift_tables[target].set_index("decile")
            deciles = actual_to_expected(
                pd.qcut(pd.Series(expected).rank(method="first"), 10, labels=False).to_numpy() + 1,
                actual,
                expected,
            )
            if not np.allclose(deciles["actual"].to_numpy(), decile["actual"].to_numpy()):
                raise RuntimeError(f"{target}: the decile tables of the report disagree")
            parts = {"decile": deciles}
            for column in ("category", "zone"):
                parts[column] = actual_to_expected(
                    portfolio.products[column].astype(str), actual, expected
                )
            calibration[target] = {
                name: {
                    "table": table.to_dict("records"),
                    "flagged": int(table["flag"].sum()),
                    "png": data_uri(ae_figure(table, "group", f"{target} by {name}")),
                }
                for name, table in parts.items()
            }

    stability = population_stability(
        model.reference_, X, {f"{t}_risk": scores[f"{t}_risk"].to_numpy() for t in TARGETS}
    )

    consistency = {}
    for column in ("zone", "company_size"):
        if column not in portfolio.products.columns:
            continue
        table = group_consistency(scores, portfolio.products, counts, column)
        by_level = table.set_index(column)
        gaps = [_gap(target, "mean risk", by_level[f"{target}_risk_mean"]) for target in TARGETS]
        if counts is not None:
            gaps += [_gap(t, "actual/expected", by_level[f"{t}_ae"]) for t in TARGETS]
        consistency[column] = {"table": table.to_dict("records"), "gaps": gaps}

    rates = rate_table(portfolio.products, scores)
    pricing_section = {
        "config": pricing.to_dict(),
        "grades": pricing.grade_boundaries(),
        "grade_counts": scores["grade"]
        .value_counts()
        .reindex(list("ABCDE"), fill_value=0)
        .to_dict(),
        "rates": rate_pivot(rates).to_dict("records"),
        "credibility": model.severity_.credibility_table().to_dict("records"),
        "expected_loss_total": float(scores["expected_loss_krw"].sum()),
        "premium_total": float(scores["premium_krw"].sum()),
        "exposure_total": float(exposure_unit_years(portfolio.products).sum()),
    }
    return {
        "card": card,
        "criteria": criteria,
        "importance_by_group": by_group.to_dict("records"),
        "pd_plots": pd_plots,
        "exposure": exposure,
        "performance": performance,
        "lifts": lifts,
        "lorenz": lorenz,
        "calibration": calibration,
        "stability": stability.to_dict("records"),
        "stability_counts": stability["flag"].value_counts().to_dict(),
        "psi_moderate": PSI_MODERATE,
        "psi_major": PSI_MAJOR,
        "consistency": consistency,
        "pricing": pricing_section,
        "limitations": limitations(model),
        "sections": SECTIONS,
        "targets": TARGETS,
    }


def _exposure_section(model: RiskModel, portfolio, scores: pd.DataFrame, manifest: dict) -> dict:
    """The learned exposure curves, their elasticities and the evidence for them."""
    names = [s.name for s in model.feature_specs_ if s.kind == "exposure"]
    plots = []
    for name in names:
        curves = {t: model.models_[t].exposure_curves_[name] for t in TARGETS}
        knots = np.exp(np.concatenate([c.knots for c in curves.values()]))
        lo, hi = float(knots.min()), float(knots.max())
        seen = portfolio.products[name].astype(float)
        grid = np.geomspace(
            min(lo, float(seen.min()) if len(seen) else lo) / 1.5,
            max(hi, float(seen.max()) if len(seen) else hi) * 2.0,
            80,
        )
        multipliers = {t: exposure_multipliers(model, t, name, grid) for t in TARGETS}
        first = multipliers[TARGETS[0]]
        typical = float(np.exp(np.interp(0.0, np.log(first), np.log(grid))))
        plots.append(
            {
                "feature": name,
                "typical": typical,
                "png": data_uri(exposure_figure(name, grid, multipliers, typical, (lo, hi))),
            }
        )
    evidence = {"validation": {}, "portfolio": {}}
    for target in TARGETS:
        by_units = ((manifest.get("validation") or {}).get(target) or {}).get(
            "actual_to_expected_by_units"
        )
        if by_units:
            bands = [b for b in BAND_LABELS if b in by_units]
            actual = np.array([by_units[b]["actual"] for b in bands], dtype=float)
            expected = np.array([by_units[b]["expected"] for b in bands], dtype=float)
            table = actual_to_expected(np.arange(len(bands)), actual, expected)
            table["group"] = bands
            table["products"] = [by_units[b]["products"] for b in bands]
            evidence["validation"][target] = table.to_dict("records")
    if portfolio.incidents is not None:
        counts = portfolio.incident_counts()
        bands = unit_band(portfolio.products["units_deployed"])
        order = {b: i for i, b in enumerate(BAND_LABELS)}
        for target in TARGETS:
            table = actual_to_expected(
                [order[b] for b in bands],
                counts[target].to_numpy(),
                scores[f"expected_{target}_incidents"].to_numpy(),
            )
            table["group"] = [BAND_LABELS[int(i)] for i in table["group"]]
            evidence["portfolio"][target] = table.to_dict("records")
    segments = [
        {**r, "to": None if np.isinf(r["to"]) else r["to"]}
        for r in exposure_table(model).to_dict("records")
    ]
    return {
        "table": segments,
        "plots": plots,
        "evidence": evidence,
        "calibration": calibration_summary(model),
    }


def render_audit(context: dict, *, lang: str = "en") -> str:
    """The audit report as one HTML document in ``lang`` (``"en"`` or ``"ko"``)."""
    return environment(lang).get_template("audit.html.j2").render(**context)


def write_audit(
    model: RiskModel,
    data: ValidationResult,
    pricing: PricingConfig,
    out_file: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    tracking_uri: str | None = None,
    assessment: Assessment | None = None,
    lang: str = "en",
) -> Path:
    """Build and write the audit report in ``lang`` (atomically)."""
    check_language(lang)
    html = render_audit(
        audit_context(
            model,
            data,
            pricing,
            data_dir=data_dir,
            tracking_uri=tracking_uri,
            assessment=assessment,
        ),
        lang=lang,
    )
    write_text(html, out_file)
    return Path(out_file)
