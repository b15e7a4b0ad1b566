"""From scores to a quote: expected loss in the policy's layer, its interval, premium and grade.

For each product and kind (performance, safety):

    expected loss = expected incidents x expected payment per incident within the layer,

where the payment per incident is ``E[min(max(X - deductible, 0), limit)]`` under the severity
model's distribution (:mod:`riskmodel.layers`). The interval of the expected loss reflects how
well the data pin down the product's category: the log-scale standard error measured at training
by refitting frequency and severity on random halves of the companies
(:class:`riskmodel.models.RiskModel`), times ``interval_scale``. Then

    premium = max(minimum, (expected loss + loading x (upper - expected loss))
                           / (1 - expense ratio - profit margin)),

and the grade comes from the expected loss per unit-year of exposure. Every step is monotone in
the way an underwriter expects: a higher deductible never raises the premium, a higher limit never
lowers it, and anything that lowers expected incidents (an active overseas certification) never
raises it, because the interval's relative width depends on the category only.

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> quote = price_portfolio(model, portfolio.subset(["S1-P0000000"]), PricingConfig())
>>> bool((quote["premium_krw"] >= quote["expected_loss_krw"]).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

from riskmodel.contract import TARGETS
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio, exposure_unit_years
from riskmodel.pricing.config import PricingConfig

__all__ = ["expected_losses", "price_portfolio", "with_pricing_columns", "PRICING_COLUMNS"]

#: Columns :func:`price_portfolio` adds to ``scores.csv``, in order.
PRICING_COLUMNS = (
    "expected_loss_krw",
    "premium_krw",
    "premium_interval",
    "grade",
    "expected_performance_loss_krw",
    "expected_safety_loss_krw",
    "expected_loss_lower_krw",
    "expected_loss_upper_krw",
    "premium_lower_krw",
    "premium_upper_krw",
    "expected_loss_per_unit_year_krw",
    "grade_range",
)


def expected_losses(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    level: float = 0.9,
    scale: float = 1.0,
    n_jobs: int | None = None,
    predictions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Expected loss in each product's layer, per kind and in total, with its interval.

    ``predictions``, the model's predictions for this portfolio (:meth:`RiskModel.predict`, or
    scores that carry its ``expected_<kind>_incidents`` columns) when already made, are used
    instead of predicting again.

    The interval of each kind's expected loss is ``expected x exp(+- z x scale x sd)``, where
    ``sd`` is the log-scale standard error of the product's category measured by the model's
    half-sample refits (:attr:`RiskModel.uncertainty_`) and ``z`` the normal quantile of ``level``;
    the total's interval adds the kinds' ends.

    Returns
    -------
    DataFrame
        ``product_id``, ``expected_performance_loss_krw``, ``expected_safety_loss_krw``,
        ``expected_loss_krw``, ``expected_loss_lower_krw``, ``expected_loss_upper_krw`` and, per
        kind, ``payment_per_<kind>_incident_krw`` (expected payment per incident in the layer).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if scale < 0:
        raise ValueError(f"scale must be >= 0, got {scale!r}")
    products = portfolio.products
    if predictions is None:
        scores = model.predict(portfolio, n_jobs=n_jobs)
    elif predictions["product_id"].tolist() != products["product_id"].tolist():
        raise ValueError("predictions must list the portfolio's products in the same order")
    else:
        scores = predictions
    category = products["category"].astype(str)
    z = float(ndtri(0.5 + level / 2)) * scale
    out = pd.DataFrame({"product_id": products["product_id"].to_numpy()})
    lower = upper = 0.0
    payments = {}
    for kind in TARGETS:
        payments[kind] = model.severity_.layer_payment(
            kind,
            category,
            products["public_exposure"].astype(str),
            products["deductible_krw"].astype(float),
            products["coverage_limit_krw"].astype(float),
        )
        loss = scores[f"expected_{kind}_incidents"].to_numpy() * payments[kind]
        sd = model.uncertainty_log_sd(kind, category)
        out[f"expected_{kind}_loss_krw"] = loss
        lower = lower + loss * np.exp(-z * sd)
        upper = upper + loss * np.exp(z * sd)
    out["expected_loss_krw"] = sum(out[f"expected_{k}_loss_krw"] for k in TARGETS)
    out["expected_loss_lower_krw"] = lower
    out["expected_loss_upper_krw"] = upper
    for kind in TARGETS:
        out[f"payment_per_{kind}_incident_krw"] = payments[kind]
    return out


def price_portfolio(
    model: RiskModel,
    portfolio: Portfolio,
    config: PricingConfig,
    *,
    n_jobs: int | None = None,
    predictions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Expected loss, premium, premium interval and grade of every product (``predictions``: as
    in :func:`expected_losses`).

    Returns
    -------
    DataFrame
        ``product_id`` and :data:`PRICING_COLUMNS`, one row per product in portfolio order.
    """
    losses = expected_losses(
        model,
        portfolio,
        level=config.interval_level,
        scale=config.interval_scale,
        n_jobs=n_jobs,
        predictions=predictions,
    )
    expected = losses["expected_loss_krw"].to_numpy()
    upper = losses["expected_loss_upper_krw"].to_numpy()
    margin = config.uncertainty_loading * (upper - expected)
    out = losses[["product_id"]].copy()
    out["expected_loss_krw"] = expected
    out["premium_krw"] = np.round(config.gross_up(expected + margin), 0)
    lower_premium = np.round(config.gross_up(losses["expected_loss_lower_krw"].to_numpy()), 0)
    upper_premium = np.round(config.gross_up(upper), 0)
    out["premium_interval"] = [
        f"{lo:,.0f} to {hi:,.0f}" for lo, hi in zip(lower_premium, upper_premium, strict=True)
    ]
    exposure = exposure_unit_years(portfolio.products).to_numpy()
    per_unit_year = expected / exposure
    out["grade"] = config.grade_of(per_unit_year)
    for kind in TARGETS:
        out[f"expected_{kind}_loss_krw"] = losses[f"expected_{kind}_loss_krw"].to_numpy()
    out["expected_loss_lower_krw"] = losses["expected_loss_lower_krw"].to_numpy()
    out["expected_loss_upper_krw"] = upper
    out["premium_lower_krw"] = lower_premium
    out["premium_upper_krw"] = upper_premium
    out["expected_loss_per_unit_year_krw"] = per_unit_year
    out["grade_range"] = [config.grade_range_text(g) for g in out["grade"]]
    if tuple(out.columns[1:]) != PRICING_COLUMNS:
        raise RuntimeError(f"pricing columns {list(out.columns)} differ from PRICING_COLUMNS")
    return out


def with_pricing_columns(scores: pd.DataFrame, quote: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with the pricing columns of ``quote`` placed right after the two risks (the
    layout of ``scores.csv``); both tables list the same products in the same order."""
    if scores["product_id"].tolist() != quote["product_id"].tolist():
        raise ValueError("scores and quote must list the same products in the same order")
    head, tail = list(scores.columns[:3]), list(scores.columns[3:])
    return pd.concat(
        [
            scores[head].reset_index(drop=True),
            quote[list(PRICING_COLUMNS)].reset_index(drop=True),
            scores[tail].reset_index(drop=True),
        ],
        axis=1,
    )
