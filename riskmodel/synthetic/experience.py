"""Experience month by month: incidents drawn from the generator's truth as coverage is earned,
with the truth changed where asked (one category's safety rate doubled, say).

A cohort is a generated portfolio and its truth (:func:`~riskmodel.synthetic.generate_portfolio`).
Each product's coverage runs ``demo_months`` from month 0; in month ``t`` it earns the share of its
period that falls in that month, and its incidents of each kind are Poisson with the true expected
incidents times that share, times the change's factor from the change's month on. Used to measure
how soon monitoring flags a change and how often it flags segments that did not change.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, truth = generate_portfolio(300, seed=5)
>>> change = Change("safety", "drone", factor=2.0, from_month=0)
>>> counts = monthly_incidents(portfolio.products, truth, 12, [change], seed=1)
>>> counts["safety"].shape
(300, 12)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from riskmodel.contract import TARGETS
from riskmodel.portfolio import Portfolio
from riskmodel.validation import DAYS_PER_MONTH

__all__ = ["Change", "earned_by_month", "monthly_incidents", "changed_experience"]


@dataclass(frozen=True)
class Change:
    """The truth of ``target`` multiplied by ``factor`` for products of ``category`` from
    month ``from_month`` (0-based) on."""

    target: str
    category: str
    factor: float = 2.0
    from_month: int = 0


def earned_by_month(products: pd.DataFrame, months: int) -> np.ndarray:
    """The share of each product's coverage period earned in each of ``months`` months
    (products x months; rows sum to at most 1)."""
    length = products["demo_months"].to_numpy(dtype=float)
    edges = np.arange(months + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cumulative = np.clip(edges[None, :] / length[:, None], 0.0, 1.0)
    cumulative[length <= 0] = 0.0
    return np.diff(cumulative, axis=1)


def monthly_incidents(
    products: pd.DataFrame,
    truth: pd.DataFrame,
    months: int,
    changes: Sequence[Change] = (),
    *,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Per target, the incidents of every product in every month (products x months), drawn
    from the truth (``expected_<target>_incidents`` over the whole period) with ``changes``."""
    rng = np.random.default_rng(seed)
    share = earned_by_month(products, months)
    truth = truth.set_index("product_id").loc[products["product_id"]]
    category = products["category"].astype(str).to_numpy()
    out = {}
    for target in TARGETS:
        mean = truth[f"expected_{target}_incidents"].to_numpy(dtype=float)[:, None] * share
        for change in changes:
            if change.target == target:
                rows = category == change.category
                mean[rows, change.from_month :] *= change.factor
        out[target] = rng.poisson(mean)
    return out


def changed_experience(
    portfolio: Portfolio,
    truth: pd.DataFrame,
    changes: Sequence[Change],
    *,
    start: date,
    seed: int = 0,
) -> tuple[Portfolio, pd.DataFrame]:
    """A cohort whose truth changed on the calendar date ``start``: each change multiplies its
    category's ``target`` rate from that date on (``from_month`` is ignored here). Incidents are
    drawn month by month of each product's own coverage period from the changed truth (dates
    inside the month, never past the period's end); losses and injuries are drawn from the
    cohort's own incidents of the same kind (severity per incident does not change). Returns the
    portfolio with these incidents and the truth with the changed expected incidents."""
    rng = np.random.default_rng(seed)
    products = portfolio.products.reset_index(drop=True)
    months = int(np.ceil(products["demo_months"].max()))
    share = earned_by_month(products, months)
    begin = pd.to_datetime(products["coverage_start"]).to_numpy()
    month_start = begin[:, None] + (np.arange(months) * DAYS_PER_MONTH * 86400e9).astype(
        "timedelta64[ns]"
    )
    after = month_start >= np.datetime64(pd.Timestamp(start))
    one = truth.set_index("product_id").loc[products["product_id"]]
    category = products["category"].astype(str).to_numpy()
    new_truth = truth.set_index("product_id").loc[products["product_id"]].copy()
    rows = []
    for target in TARGETS:
        mean = one[f"expected_{target}_incidents"].to_numpy(dtype=float)[:, None] * share
        for change in changes:
            if change.target == target:
                mean[category == change.category] *= np.where(
                    after[category == change.category], change.factor, 1.0
                )
        new_truth[f"expected_{target}_incidents"] = mean.sum(axis=1)
        counts = rng.poisson(mean)
        pool = portfolio.incidents[portfolio.incidents["kind"] == target]
        product_index, month_index = np.nonzero(counts)
        repeat = counts[product_index, month_index]
        product_index = np.repeat(product_index, repeat)
        month_index = np.repeat(month_index, repeat)
        offset = (month_index + rng.uniform(size=len(month_index))) * DAYS_PER_MONTH
        length = products["demo_months"].to_numpy(dtype=float)[product_index] * DAYS_PER_MONTH
        offset = np.minimum(offset, np.maximum(length - 1.0, 0.0))
        when = begin[product_index] + (offset * 86400e9).astype("timedelta64[ns]")
        picked = None
        if len(pool):
            picked = pool.iloc[rng.integers(0, len(pool), size=len(product_index))]
        rows.append(
            pd.DataFrame(
                {
                    "product_id": products["product_id"].to_numpy()[product_index],
                    "incident_date": pd.to_datetime(when).normalize(),
                    "kind": target,
                    "loss_krw": picked["loss_krw"].to_numpy() if picked is not None else 0.0,
                    "bodily_injury": (
                        picked["bodily_injury"].to_numpy() if picked is not None else False
                    ),
                }
            )
        )
    incidents = pd.concat(rows, ignore_index=True).sort_values(
        ["incident_date", "product_id", "kind"], kind="stable", ignore_index=True
    )
    incidents.insert(1, "incident_id", [f"X{seed}-I{i:07d}" for i in range(len(incidents))])
    incidents = incidents[list(portfolio.incidents.columns)]
    changed = Portfolio(
        portfolio.products, portfolio.test_results, portfolio.certifications, incidents
    )
    return changed, new_truth.reset_index()
