"""Rate tables add up to the premiums behind them."""

import numpy as np

from riskmodel.pricing import PricingConfig, price_portfolio
from riskmodel.pricing.rates import rate_pivot, rate_table


def test_rates_reproduce_the_premiums_behind_them(model, holdout):
    portfolio, _ = holdout
    quote = price_portfolio(model, portfolio, PricingConfig(), n_jobs=1)
    table = rate_table(portfolio.products, quote, min_products=20)
    assert table["products"].sum() == portfolio.n_products
    total = (table["premium_per_unit_month_krw"] * table["unit_months"]).sum()
    assert total == np.round(total) and abs(total / quote["premium_krw"].sum() - 1) < 1e-3
    assert (table["thin"] == (table["products"] < 20)).all()
    assert set(table["grade"]) <= set("ABCDE")
    pivot = rate_pivot(table)
    assert list(pivot.columns) == ["category", "public_exposure", *"ABCDE"]
    assert len(pivot) == table[["category", "public_exposure"]].drop_duplicates().shape[0]
