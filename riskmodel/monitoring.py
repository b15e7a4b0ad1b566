"""Actual against expected as claims arrive: what happened, against what the model said.

For the products covered and the incidents observed up to an as-of date (a data folder of the
input contract), per target and segment (overall, category, zone, grade, coverage-start month,
model version):

- **exposure earned** up to the as-of date: the part of each product's coverage period before it
  (the period runs ``demo_months`` from ``coverage_start``), in unit-years;
- **expected incidents** earned: the model's expected incidents over the whole period times the
  share of the period earned (the hazard is taken as even over the period);
- **actual incidents** dated up to the as-of date, and A/E with its exact (Garwood) Poisson 95%
  interval;
- **losses**: what the policies paid for those incidents (per incident, the loss above the
  deductible up to the limit) against the expected loss in the layer earned, as a ratio (no
  interval: losses are not Poisson; the alert is on incidents);
- **score decomposition** per target (:func:`score_decomposition`): the mean Poisson deviance of
  the earned expectations split as miscalibration - discrimination + uncertainty (Murphy), and
  the Gini of the expectations against whether an incident happened, with a bootstrap interval;
- **alert**: an anytime-valid test, so that the report can be read every month without
  inflating false alarms. Under the model, actual incidents A are Poisson with mean E; the
  mixture likelihood ratio of ``A ~ Poisson(theta E)`` against ``theta = 1``, with theta drawn
  from a Gamma(k, k) prior centred on 1,

      e = k^k / Gamma(k) * Gamma(A + k) / (E + k)^(A + k) * exp(E),

  is a non-negative martingale under the model (Ville's inequality: the chance that it *ever*
  reaches 1 / alpha, however often it is looked at, is at most alpha). A segment alerts when
  ``e >= 1 / alpha`` (``alpha`` = 0.05 per segment: at most a 5% chance of a false alarm over the
  segment's whole life, not per look). The prior's ``k`` = 4 weighs departures of about a
  factor 1.5 to 2 (Robbins' mixture SPRT).

Examples
--------
>>> round(poisson_interval(10, 10.0)[0], 3), round(poisson_interval(10, 10.0)[1], 3)
(0.48, 1.839)
>>> mixture_e_value(0, 0.0)
1.0
>>> mixture_e_value(40, 20.0) > 20, mixture_e_value(20, 20.0) < 1
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.special import gammaln
from scipy.stats import chi2

from riskmodel.assessment import Assessment
from riskmodel.contract import TARGETS
from riskmodel.evaluation import gini, poisson_deviance
from riskmodel.portfolio import Portfolio
from riskmodel.validation import DAYS_PER_MONTH

__all__ = [
    "ALPHA",
    "PRIOR_SHAPE",
    "DIMENSIONS",
    "poisson_interval",
    "mixture_e_value",
    "log_mixture_e_value",
    "earned_share",
    "actual_against_expected",
    "MonitoringResult",
    "score_decomposition",
]

#: False-alarm probability per segment, over the segment's whole life (anytime-valid).
ALPHA = 0.05
#: Shape (= rate) of the Gamma prior of the mixture test.
PRIOR_SHAPE = 4.0
#: The dimensions of ``monitoring.json``'s segments, in order.
DIMENSIONS = ("overall", "category", "zone", "grade", "coverage_start_month", "model_version")


def poisson_interval(actual: int, expected: float, level: float = 0.95) -> tuple[float, float]:
    """The exact (Garwood) interval of A/E for ``actual`` Poisson counts against ``expected``."""
    if expected <= 0:
        return (math.nan, math.nan)
    tail = (1 - level) / 2
    lower = 0.0 if actual == 0 else chi2.ppf(tail, 2 * actual) / 2
    upper = chi2.ppf(1 - tail, 2 * actual + 2) / 2
    return (float(lower / expected), float(upper / expected))


def log_mixture_e_value(actual, expected, shape: float = PRIOR_SHAPE) -> np.ndarray:
    """The logarithm of the Gamma-mixture likelihood ratio of ``actual`` incidents against
    ``expected`` (see the module's documentation), for arrays of counts and expectations."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    k = shape
    return k * np.log(k) - gammaln(k) + gammaln(a + k) - (a + k) * np.log(e + k) + e


def mixture_e_value(actual: int, expected: float, shape: float = PRIOR_SHAPE) -> float:
    """The Gamma-mixture likelihood ratio of ``actual`` incidents against ``expected``; 1 when
    nothing is expected or seen yet."""
    return float(np.exp(min(float(log_mixture_e_value(actual, expected, shape)), 700.0)))


def earned_share(products: pd.DataFrame, as_of: date) -> pd.Series:
    """The share of each product's coverage period before the end of ``as_of`` (0 to 1)."""
    start = pd.to_datetime(products["coverage_start"])
    days = products["demo_months"].astype(float) * DAYS_PER_MONTH
    elapsed = (pd.Timestamp(as_of) + pd.Timedelta(days=1) - start).dt.days.astype(float)
    share = np.where(days > 0, elapsed / days.where(days > 0, 1.0), 0.0)
    return pd.Series(np.clip(share, 0.0, 1.0), index=products.index)


@dataclass
class MonitoringResult:
    """Every segment's figures (``segments``, the rows of ``monitoring.json``) and the products
    behind them."""

    as_of: date
    model_version: str
    segments: pd.DataFrame
    products: pd.DataFrame
    scores: dict | None = None  # target -> score_decomposition

    def to_json(self) -> dict:
        rows = self.segments.astype(object).where(self.segments.notna(), None)
        return {
            "as_of": self.as_of.isoformat(),
            "model_version": self.model_version,
            "alpha": ALPHA,
            "test": (
                "anytime-valid Gamma-mixture sequential probability ratio test of Poisson "
                f"counts (prior shape {PRIOR_SHAPE:g}); alert when the e-value reaches 1/alpha"
            ),
            "segments": rows.to_dict("records"),
            "scores": self.scores,
        }


def actual_against_expected(
    portfolio: Portfolio, assessment: Assessment, as_of: date
) -> MonitoringResult:
    """A/E of every target and segment up to ``as_of`` (products must carry their incidents;
    the assessment is the model's of the same products, in the same order)."""
    products = portfolio.products.reset_index(drop=True)
    scores = assessment.scores.reset_index(drop=True)
    if not (scores["product_id"].to_numpy() == products["product_id"].to_numpy()).all():
        raise ValueError("the assessment is not of these products in this order")
    share = earned_share(products, as_of)
    frame = pd.DataFrame(
        {
            "product_id": products["product_id"],
            "category": products["category"].astype(str),
            "zone": products["zone"].astype(str),
            "grade": scores["grade"].astype(str) if "grade" in scores else "",
            "coverage_start_month": pd.to_datetime(products["coverage_start"]).dt.strftime("%Y-%m"),
            "model_version": scores["model_version"].astype(str),
            "earned_share": share,
            "exposure_unit_years": scores["exposure_unit_years"].astype(float) * share,
        }
    )
    incidents = portfolio.incidents if portfolio.incidents is not None else pd.DataFrame()
    seen = incidents
    if len(incidents):
        seen = incidents[pd.to_datetime(incidents["incident_date"]) <= pd.Timestamp(as_of)]
    layer = products.set_index("product_id")[["deductible_krw", "coverage_limit_krw"]]
    for target in TARGETS:
        frame[f"expected_{target}"] = scores[f"expected_{target}_incidents"].astype(float) * share
        mine = seen[seen["kind"] == target] if len(seen) else pd.DataFrame(columns=["product_id"])
        counts = mine["product_id"].value_counts()
        frame[f"actual_{target}"] = frame["product_id"].map(counts).fillna(0).astype(int)
        loss_column = f"expected_{target}_loss_krw"
        frame[f"expected_loss_{target}"] = (
            scores[loss_column].astype(float) * share if loss_column in scores else np.nan
        )
        paid = pd.Series(dtype=float)
        if len(mine):  # what the policy pays per incident: min(max(loss - deductible, 0), limit)
            terms = layer.loc[mine["product_id"]].to_numpy(dtype=float)
            loss = mine["loss_krw"].to_numpy(dtype=float)
            payment = np.minimum(np.maximum(loss - terms[:, 0], 0.0), terms[:, 1])
            paid = pd.Series(payment).groupby(mine["product_id"].to_numpy()).sum()
        frame[f"actual_loss_{target}"] = frame["product_id"].map(paid).fillna(0.0)
    rows = []
    for target in TARGETS:
        for dimension in DIMENSIONS:
            groups = (
                [("all", frame)] if dimension == "overall" else frame.groupby(dimension, sort=True)
            )
            for value, part in groups:
                actual = int(part[f"actual_{target}"].sum())
                expected = float(part[f"expected_{target}"].sum())
                lower, upper = poisson_interval(actual, expected)
                e_value = mixture_e_value(actual, expected)
                paid = float(part[f"actual_loss_{target}"].sum())
                expected_loss = float(part[f"expected_loss_{target}"].sum())
                rows.append(
                    {
                        "target": target,
                        "dimension": dimension,
                        "value": str(value),
                        "products": int(len(part)),
                        "exposure_unit_years": float(part["exposure_unit_years"].sum()),
                        "actual_incidents": actual,
                        "expected_incidents": expected,
                        "ae": actual / expected if expected > 0 else None,
                        "ae_lower": lower,
                        "ae_upper": upper,
                        "e_value": e_value,
                        "alert": bool(e_value >= 1 / ALPHA),
                        "actual_loss_krw": paid,
                        "expected_loss_krw": expected_loss,
                        "loss_ae": paid / expected_loss if expected_loss > 0 else None,
                    }
                )
    version = str(scores["model_version"].iloc[0]) if len(scores) else ""
    decomposition = {
        target: score_decomposition(frame[f"actual_{target}"], frame[f"expected_{target}"])
        for target in TARGETS
    }
    return MonitoringResult(as_of, version, pd.DataFrame(rows), frame, decomposition)


def score_decomposition(
    actual, expected, *, replicates: int = 200, seed: int = 0, level: float = 0.95
) -> dict:
    """Murphy's decomposition of the mean Poisson deviance of ``expected`` against ``actual``
    counts (products with nothing earned left out) and the Gini with a bootstrap interval.

    ``deviance = miscalibration - discrimination + uncertainty``: miscalibration is what
    recalibrating the expectations (isotonic regression of the counts on them) would remove,
    discrimination what the recalibrated expectations gain over one rate for all (uncertainty,
    the deviance of the mean). Estimated on the same products, miscalibration is above 0 even
    for a calibrated model (isotonic regression fits some noise); compare it between models or
    months rather than with 0. The Gini ranks products by expectation against whether they had an
    incident; its interval resamples products. Figures are None where they cannot be computed
    (no product earned, or no incident or no product without one).
    """
    from sklearn.isotonic import IsotonicRegression

    y = np.asarray(actual, dtype=float)
    mu = np.asarray(expected, dtype=float)
    keep = mu > 0
    y, mu = y[keep], mu[keep]
    out = dict.fromkeys(
        (
            "products",
            "deviance",
            "miscalibration",
            "discrimination",
            "uncertainty",
            "gini",
            "gini_lower",
            "gini_upper",
        )
    )
    out["products"] = int(len(y))
    if not len(y) or y.sum() == 0:
        return out
    recalibrated = IsotonicRegression(y_min=0.0, increasing=True).fit_transform(mu, y)
    deviance = poisson_deviance(y, mu)
    recalibrated_deviance = poisson_deviance(y, recalibrated)
    uncertainty = poisson_deviance(y, np.full_like(y, y.mean()))
    out.update(
        deviance=deviance,
        miscalibration=deviance - recalibrated_deviance,
        discrimination=uncertainty - recalibrated_deviance,
        uncertainty=uncertainty,
    )
    event = (y > 0).astype(int)
    if 0 < event.sum() < len(event):
        out["gini"] = gini(event, mu)
        rng = np.random.default_rng(seed)
        values = []
        for _ in range(replicates):
            pick = rng.integers(0, len(y), size=len(y))
            if 0 < event[pick].sum() < len(pick):
                values.append(gini(event[pick], mu[pick]))
        tail = (1 - level) / 2
        out["gini_lower"], out["gini_upper"] = (
            float(np.quantile(values, tail)),
            float(np.quantile(values, 1 - tail)),
        )
    return out
