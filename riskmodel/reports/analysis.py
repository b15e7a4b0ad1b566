"""The numbers of the audit report: every figure the report shows is computed here.

Examples
--------
>>> import numpy as np
>>> lo, hi = poisson_interval(np.array([10.0]), 0.95)
>>> round(float(lo[0]), 2), round(float(hi[0]), 2)
(4.8, 18.39)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from riskmodel.contract import TARGETS
from riskmodel.evaluation import gini, poisson_deviance
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio, exposure_unit_years

__all__ = [
    "poisson_interval",
    "actual_to_expected",
    "performance_table",
    "lift_table",
    "lorenz_curve",
    "partial_dependence",
    "group_consistency",
    "exposure_table",
    "exposure_multipliers",
    "calibration_summary",
]


def poisson_interval(observed: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson mean given ``observed`` counts."""
    observed = np.asarray(observed, dtype=float)
    tail = (1 - level) / 2
    lo = np.where(observed > 0, chi2.ppf(tail, 2 * observed) / 2, 0.0)
    hi = chi2.ppf(1 - tail, 2 * (observed + 1)) / 2
    return lo, hi


def actual_to_expected(
    groups, actual: np.ndarray, expected: np.ndarray, *, level: float = 0.95
) -> pd.DataFrame:
    """Actual/expected incidents per group with the Poisson interval of the ratio, flagged where
    the interval excludes 1."""
    frame = pd.DataFrame({"group": np.asarray(groups), "actual": actual, "expected": expected})
    g = frame.groupby("group", sort=True).agg(
        products=("actual", "size"), actual=("actual", "sum"), expected=("expected", "sum")
    )
    lo, hi = poisson_interval(g["actual"].to_numpy(), level)
    g["ratio"] = g["actual"] / g["expected"]
    g["lower"] = lo / g["expected"]
    g["upper"] = hi / g["expected"]
    g["flag"] = (g["lower"] > 1) | (g["upper"] < 1)
    return g.reset_index()


def performance_table(
    model: RiskModel, portfolio: Portfolio, X: pd.DataFrame, scores: pd.DataFrame
) -> pd.DataFrame:
    """Per target: AUC and Gini of the risk, and mean Poisson deviance of the model, the GLM
    baseline and the homogeneous baseline on this portfolio's outcomes (``X``: its features;
    ``scores``: its assessment's risks and expected incidents, in portfolio order)."""
    counts = portfolio.incident_counts()
    exposure = exposure_unit_years(portfolio.products).to_numpy()
    rows = []
    for target in TARGETS:
        y = counts[target].to_numpy()
        base = model.baselines_[target]
        any_incident = (y > 0).astype(int)
        risk = scores[f"{target}_risk"].to_numpy()
        two_classes = 0 < any_incident.sum() < len(any_incident)
        rows.append(
            {
                "target": target,
                "products": len(y),
                "incidents": int(y.sum()),
                "auc": (gini(any_incident, risk) + 1) / 2 if two_classes else np.nan,
                "gini": gini(any_incident, risk) if two_classes else np.nan,
                "deviance_model": poisson_deviance(
                    y, scores[f"expected_{target}_incidents"].to_numpy()
                ),
                "deviance_glm": poisson_deviance(y, base.predict(X, exposure=exposure)),
                "deviance_homogeneous": poisson_deviance(y, base.predict_homogeneous(exposure)),
            }
        )
    return pd.DataFrame(rows)


def lift_table(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Actual and expected incidents by decile of the expected number (1 = lowest), and the lift:
    each decile's actual rate over the portfolio's."""
    frame = pd.DataFrame({"expected": expected, "actual": actual})
    frame["decile"] = (
        pd.qcut(frame["expected"].rank(method="first"), bins, labels=False).astype(int) + 1
    )
    g = frame.groupby("decile").agg(
        products=("actual", "size"), actual=("actual", "sum"), expected=("expected", "sum")
    )
    overall = frame["actual"].sum() / len(frame)
    g["lift"] = (g["actual"] / g["products"]) / overall if overall > 0 else np.nan
    return g.reset_index()


def lorenz_curve(expected: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of products (riskiest first) against cumulative share of incidents."""
    order = np.argsort(-np.asarray(expected), kind="stable")
    a = np.asarray(actual, dtype=float)[order]
    x = np.arange(1, len(a) + 1) / len(a)
    y = np.cumsum(a) / a.sum() if a.sum() > 0 else x
    return np.r_[0, x], np.r_[0, y]


def partial_dependence(
    model: RiskModel,
    X: pd.DataFrame,
    target: str,
    feature: str,
    *,
    sample: int = 150,
    grid: int = 12,
    seed: int = 0,
) -> dict:
    """ICE curves and their average (partial dependence) of one feature on the log expected rate,
    for a sample of the rows of the feature table ``X`` (``model.features(portfolio)``).

    Returns ``{"grid": values, "ice": array (sample x grid), "pd": array, "monotone": "up",
    "down", "flat" or "mixed", "constraint": +1, -1 or 0}``, on the log scale (exposure fixed).
    """
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), size=min(sample, len(X)), replace=False)
    base = X.iloc[rows].reset_index(drop=True)
    column = X[feature]
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = [v for v in column.cat.categories if (column == v).any()]
    else:
        finite = column.dropna().astype(float)
        values = (
            list(np.unique(np.quantile(finite, np.linspace(0, 1, grid)))) if len(finite) else []
        )
    est = model.models_[target]
    ice = np.empty((len(base), len(values)))
    for j, value in enumerate(values):
        changed = base.copy()
        changed[feature] = (
            pd.Categorical([value] * len(base), categories=column.cat.categories)
            if isinstance(column.dtype, pd.CategoricalDtype)
            else value
        )
        ice[:, j] = np.log(est.predict(changed, exposure=np.ones(len(base)), n_jobs=1))
    pd_curve = ice.mean(axis=0) if len(values) else np.array([])
    spec = next(s for s in model.feature_specs_ if s.name == feature)
    steps = np.diff(ice, axis=1) if len(values) > 1 else np.zeros((len(base), 0))
    if isinstance(column.dtype, pd.CategoricalDtype) or steps.size == 0:
        shape = "categorical"
    elif np.all(steps >= -1e-12) and np.any(steps > 1e-12):
        shape = "up"
    elif np.all(steps <= 1e-12) and np.any(steps < -1e-12):
        shape = "down"
    elif np.all(np.abs(steps) <= 1e-12):
        shape = "flat"
    else:
        shape = "mixed"
    return {
        "grid": values,
        "ice": ice,
        "pd": pd_curve,
        "monotone": shape,
        "constraint": spec.constraint(target),
    }


def group_consistency(
    scores: pd.DataFrame, products: pd.DataFrame, counts: pd.DataFrame | None, column: str
) -> pd.DataFrame:
    """Per level of ``column`` (zone, company size): products, mean and median risk per target
    and, with outcomes, actual/expected incidents with its interval."""
    frame = scores.merge(products[["product_id", column]], on="product_id")
    rows = []
    for level, part in frame.groupby(column, sort=True):
        row = {column: level, "products": len(part)}
        for target in TARGETS:
            row[f"{target}_risk_mean"] = float(part[f"{target}_risk"].mean())
            row[f"{target}_risk_median"] = float(part[f"{target}_risk"].median())
        rows.append(row)
    table = pd.DataFrame(rows)
    if counts is not None:
        for target in TARGETS:
            ae = actual_to_expected(
                frame[column],
                counts.set_index(products["product_id"])
                .loc[frame["product_id"], target]
                .to_numpy(),
                frame[f"expected_{target}_incidents"].to_numpy(),
            )
            table[f"{target}_ae"] = ae["ratio"].to_numpy()
            table[f"{target}_ae_lower"] = ae["lower"].to_numpy()
            table[f"{target}_ae_upper"] = ae["upper"].to_numpy()
    return table


def exposure_table(model: RiskModel) -> pd.DataFrame:
    """Per target and exposure feature, each segment of its learned curve: the range of values
    it covers (the first and last extend beyond the training data), its elasticity, and whether
    it was learned (a feature with one training value keeps the proportional elasticity 1)."""
    rows = []
    for target in TARGETS:
        for name, curve in model.models_[target].exposure_curves_.items():
            edges = np.exp(curve.knots)
            for m, slope in enumerate(curve.slopes):
                rows.append(
                    {
                        "target": target,
                        "feature": name,
                        "from": float(edges[m]) if m > 0 else 0.0,
                        "to": float(edges[m + 1]) if m + 2 < len(edges) else np.inf,
                        "elasticity": float(slope),
                        "learned": bool(curve.learned),
                    }
                )
    return pd.DataFrame(rows)


def exposure_multipliers(model: RiskModel, target: str, feature: str, values) -> np.ndarray:
    """Expected incidents at each of ``values`` of an exposure feature, as a multiple of those at
    the training portfolio's typical value (the curve's reference), everything else equal."""
    curve = model.models_[target].exposure_curves_[feature]
    return np.exp(curve(np.asarray(values, dtype=float)) - curve.reference)


def calibration_summary(model: RiskModel) -> list[dict]:
    """Per target, how the probability of at least one incident follows from the expected
    number: the form chosen (Poisson, scaled, own exposure curves) and its parameters."""
    rows = []
    for target in TARGETS:
        cal = model.models_[target].calibration_
        rows.append(
            {
                "target": target,
                "form": cal.form,
                "constant": cal.constant,
                "trees_slope": cal.trees_slope,
                "curves": {k: [float(v) for v in c.slopes] for k, c in cal.curves.items()},
                "loglik_gain": cal.loglik_gain,
                "rows": cal.rows,
            }
        )
    return rows
