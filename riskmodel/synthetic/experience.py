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

import numpy as np
import pandas as pd

from riskmodel.contract import TARGETS

__all__ = ["Change", "earned_by_month", "monthly_incidents"]


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
