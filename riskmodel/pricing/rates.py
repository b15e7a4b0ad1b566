"""Rate tables: premium per unit-month by category x public exposure x grade.

For underwriters who price by table. Each cell is the exposure-weighted premium of the priced
products that fall in it, ``sum(premium) / sum(units x months)``, with the number of products
behind it; a cell with fewer than ``min_products`` is marked thin, an empty cell is left out.

Examples
--------
>>> import pandas as pd
>>> products = pd.DataFrame({"product_id": ["a", "b"], "category": ["drone"] * 2,
...     "public_exposure": ["closed_site"] * 2, "units_deployed": [10, 30],
...     "demo_months": [6.0, 6.0]})
>>> quote = pd.DataFrame({"product_id": ["a", "b"], "premium_krw": [600_000.0, 1_200_000.0],
...     "grade": ["B", "B"]})
>>> rate_table(products, quote, min_products=1)["premium_per_unit_month_krw"].tolist()
[7500.0]
"""

from __future__ import annotations

import pandas as pd

from riskmodel.contract import CATEGORIES, PUBLIC_EXPOSURE_LEVELS
from riskmodel.pricing.config import GRADES

__all__ = ["rate_table", "rate_pivot"]


def rate_table(
    products: pd.DataFrame, quote: pd.DataFrame, *, min_products: int = 30
) -> pd.DataFrame:
    """The long rate table: ``category``, ``public_exposure``, ``grade``, ``products``,
    ``unit_months``, ``premium_per_unit_month_krw``, ``thin`` (fewer than ``min_products``)."""
    frame = products[
        ["product_id", "category", "public_exposure", "units_deployed", "demo_months"]
    ].merge(quote[["product_id", "premium_krw", "grade"]], on="product_id", validate="one_to_one")
    frame["unit_months"] = frame["units_deployed"].astype(float) * frame["demo_months"].astype(
        float
    )
    keys = ["category", "public_exposure", "grade"]
    table = (
        frame.groupby(keys, observed=True)
        .agg(
            products=("product_id", "size"),
            unit_months=("unit_months", "sum"),
            premium=("premium_krw", "sum"),
        )
        .reset_index()
    )
    table["premium_per_unit_month_krw"] = (table["premium"] / table["unit_months"]).round(0)
    table["thin"] = table["products"] < min_products
    order = {
        "category": {c: i for i, c in enumerate(CATEGORIES)},
        "public_exposure": {c: i for i, c in enumerate(PUBLIC_EXPOSURE_LEVELS)},
        "grade": {c: i for i, c in enumerate(GRADES)},
    }
    table = table.sort_values(
        keys, key=lambda col: col.map(order[col.name]).fillna(len(order[col.name])), kind="stable"
    )
    return table.drop(columns="premium").reset_index(drop=True)


def rate_pivot(table: pd.DataFrame) -> pd.DataFrame:
    """The readable form: one row per category and public exposure, one column per grade
    (premium per unit-month, KRW; ``*`` marks a thin cell, ``-`` an empty one)."""
    cells = table.assign(
        cell=[
            f"{v:,.0f}{'*' if thin else ''}"
            for v, thin in zip(table["premium_per_unit_month_krw"], table["thin"], strict=True)
        ]
    )
    pivot = cells.pivot(index=["category", "public_exposure"], columns="grade", values="cell")
    return pivot.reindex(columns=list(GRADES)).fillna("-").reset_index()
