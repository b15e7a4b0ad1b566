"""Pricing behaves as an underwriter expects: layers, monotonicity, intervals, grades, truth."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.config import TrainConfig
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PRICING_COLUMNS, PricingConfig, expected_losses, price_portfolio
from riskmodel.reference import OVERSEAS_SCHEMES
from riskmodel.synthetic import generate_portfolio

CONFIG = PricingConfig()


@pytest.fixture(scope="module")
def quote(model, holdout):
    portfolio, _ = holdout
    return price_portfolio(model, portfolio, CONFIG, n_jobs=1)


def _with(portfolio, **columns):
    products = portfolio.products.copy()
    for name, value in columns.items():
        products[name] = value
    out = portfolio.subset(products["product_id"])
    out.products = products
    return out


def test_every_product_gets_a_consistent_quote(quote, holdout):
    portfolio, _ = holdout
    assert list(quote.columns) == ["product_id", *PRICING_COLUMNS]
    assert len(quote) == portfolio.n_products
    el, premium = quote["expected_loss_krw"], quote["premium_krw"]
    assert (quote["expected_loss_lower_krw"] <= el).all() and (
        el <= quote["expected_loss_upper_krw"]
    ).all()
    assert (premium >= CONFIG.minimum_premium_krw).all()
    margin = CONFIG.uncertainty_loading * (quote["expected_loss_upper_krw"] - el)
    gross = np.maximum(
        (el + margin) / (1 - CONFIG.expense_ratio - CONFIG.profit_margin),
        CONFIG.minimum_premium_krw,
    )
    np.testing.assert_allclose(premium, gross.round(0), rtol=0, atol=0.5)
    np.testing.assert_allclose(
        el, quote["expected_performance_loss_krw"] + quote["expected_safety_loss_krw"], rtol=1e-12
    )
    assert (quote["grade"] == CONFIG.grade_of(quote["expected_loss_per_unit_year_krw"])).all()
    assert all(
        r.startswith(g + ":") for g, r in zip(quote["grade"], quote["grade_range"], strict=True)
    )


def test_a_higher_deductible_never_raises_the_premium(model, holdout):
    portfolio, _ = holdout
    base = portfolio.products["deductible_krw"].astype(float)
    premiums = [
        price_portfolio(model, _with(portfolio, deductible_krw=base + extra), CONFIG, n_jobs=1)[
            "premium_krw"
        ].to_numpy()
        for extra in (0.0, 1e6, 1e7, 1e8)
    ]
    for lower, higher in zip(premiums, premiums[1:], strict=False):
        assert np.all(higher <= lower)
    assert np.any(premiums[-1] < premiums[0])


def test_a_higher_limit_never_lowers_the_premium(model, holdout):
    portfolio, _ = holdout
    base = portfolio.products["coverage_limit_krw"].astype(float)
    premiums = [
        price_portfolio(model, _with(portfolio, coverage_limit_krw=base * f), CONFIG, n_jobs=1)[
            "premium_krw"
        ].to_numpy()
        for f in (0.01, 0.1, 1.0, 10.0)
    ]
    for lower, higher in zip(premiums, premiums[1:], strict=False):
        assert np.all(higher >= lower)
    assert np.any(premiums[-1] > premiums[0])


@pytest.mark.parametrize(
    ("column", "factors"),
    [("units_deployed", (1, 2, 10, 1000)), ("demo_months", (0.25, 0.5, 1.0, 4.0))],
)
def test_more_units_or_months_never_lower_the_premium(model, holdout, column, factors):
    portfolio, _ = holdout
    base = portfolio.products[column].astype(float)
    limit = 60.0 if column == "demo_months" else np.inf
    quotes = [
        price_portfolio(
            model,
            _with(portfolio, **{column: np.clip(np.round(base * f, 2), 0.25, limit)}),
            CONFIG,
            n_jobs=1,
        )
        for f in factors
    ]
    for key in ("premium_krw", "expected_loss_krw", "expected_loss_upper_krw"):
        values = [q[key].to_numpy() for q in quotes]
        for lower, higher in zip(values, values[1:], strict=False):
            assert np.all(higher >= lower - 1e-6), key
        assert np.any(values[-1] > values[0])


@pytest.mark.slow
def test_adding_an_active_overseas_certification_never_raises_the_premium(model, holdout):
    """Every relevant overseas scheme added, as an active certificate, to each of 40 products:
    priced together as one portfolio of variants (product_id ``<id>~<scheme>``)."""
    portfolio, _ = holdout
    base = portfolio.subset(portfolio.products["product_id"].head(40))
    variants, extra = [], []
    for pid, category, start in base.products[
        ["product_id", "category", "coverage_start"]
    ].itertuples(index=False):
        for scheme, country in OVERSEAS_SCHEMES[category]:
            variants.append((pid, f"{pid}~{scheme}"))
            extra.append(
                {
                    "product_id": f"{pid}~{scheme}",
                    "scheme": scheme,
                    "issuer_country": country,
                    "status": "active",
                    "issued_date": start,
                }
            )
    assert len(variants) > 100
    rename = pd.DataFrame(variants, columns=["product_id", "variant"])

    def copies(frame):
        out = frame.merge(rename, on="product_id").drop(columns="product_id")
        return out.rename(columns={"variant": "product_id"})[list(frame.columns)]

    certs = pd.concat([copies(base.certifications), pd.DataFrame(extra)], ignore_index=True)
    changed = Portfolio(
        copies(base.products).reset_index(drop=True),
        copies(base.test_results).reset_index(drop=True),
        certs.astype({c: base.certifications[c].dtype for c in base.certifications.columns}),
    )
    before = price_portfolio(model, base, CONFIG, n_jobs=1)
    after = price_portfolio(model, changed, CONFIG, n_jobs=1)
    after["product_id"] = after["product_id"].str.split("~").str[0]
    joined = after.merge(before, on="product_id", suffixes=("", "_before"))
    assert (joined["premium_krw"] <= joined["premium_krw_before"]).all()
    assert (
        joined["expected_loss_upper_krw"] <= joined["expected_loss_upper_krw_before"] + 1e-6
    ).all()


def test_layer_losses_are_below_unlimited_losses(model, holdout):
    portfolio, _ = holdout
    layered = expected_losses(model, portfolio, n_jobs=1)["expected_loss_krw"]
    unlimited = expected_losses(
        model, _with(portfolio, deductible_krw=0.0, coverage_limit_krw=1e15), n_jobs=1
    )["expected_loss_krw"]
    assert np.all(layered.to_numpy() <= unlimited.to_numpy() * (1 + 1e-12))


def test_close_to_the_true_expected_loss_at_a_small_size(quote, holdout):
    # the demo checks 5% at 200,000 training products; 6,000 are far noisier
    _, truth = holdout
    ratio = quote["expected_loss_krw"].sum() / truth["expected_loss_krw"].sum()
    assert ratio == pytest.approx(1.0, abs=0.2)


@pytest.mark.slow
def test_a_thin_category_gets_a_wider_interval():
    portfolio, _ = generate_portfolio(4000, seed=41)
    products = portfolio.products
    robots = products.loc[products["category"] == "robotics", "product_id"]
    thin = portfolio.subset(sorted(set(products["product_id"]) - set(robots.iloc[40:])))
    cfg = TrainConfig(n_jobs=2, uncertainty_replicates=4)
    full_sd = RiskModel(cfg).fit(portfolio).uncertainty_["log_sd"]
    thin_sd = RiskModel(cfg).fit(thin).uncertainty_["log_sd"]
    for kind in ("performance", "safety"):
        assert thin_sd[kind]["robotics"] > full_sd[kind]["robotics"]


def test_an_unseen_category_gets_the_widest_interval(model, holdout):
    portfolio, _ = holdout
    one = portfolio.subset(portfolio.products["product_id"].head(1))
    unseen = _with(one, category=pd.Series(["quantum_computer"], dtype=object).to_numpy())
    sd = model.uncertainty_log_sd("safety", unseen.products["category"])
    assert sd[0] == max(model.uncertainty_["log_sd"]["safety"].values())


def test_prices_from_given_predictions_equal_prices_from_the_model(model, holdout):
    # the assessment prices from the expected incidents it already holds, not by predicting again
    portfolio = holdout[0]
    predictions = model.predict(portfolio)
    config = PricingConfig()
    again = price_portfolio(model, portfolio, config)
    given = price_portfolio(model, portfolio, config, predictions=predictions)
    pd.testing.assert_frame_equal(again, given)
    with pytest.raises(ValueError, match="same order"):
        price_portfolio(model, portfolio, config, predictions=predictions.iloc[::-1])


def test_a_feature_table_of_another_portfolio_is_refused(model, holdout):
    portfolio = holdout[0]
    X = model.features(portfolio.subset(portfolio.products["product_id"][:10]))
    with pytest.raises(ValueError, match="features has 10 rows"):
        model.predict(portfolio, features=X)
