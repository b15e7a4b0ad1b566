"""The assessment stage: one pass from a model and a portfolio to everything said about it."""

import numpy as np
import pytest

from riskmodel.assessment import assess
from riskmodel.contract import SCORES_COLUMNS
from riskmodel.pricing import PRICING_COLUMNS, PricingConfig, price_portfolio

CONFIG = PricingConfig()


@pytest.fixture(scope="module")
def some(holdout):
    portfolio, _ = holdout
    return portfolio.subset(portfolio.products["product_id"].iloc[:40])


def test_one_assessment_holds_scores_prices_reasons_and_their_evidence(model, some):
    result = assess(model, some, pricing=CONFIG)
    columns = list(result.scores.columns)
    assert columns[:3] == list(SCORES_COLUMNS[:3])  # product_id and the two risks first
    assert columns[3 : 3 + len(PRICING_COLUMNS)] == list(PRICING_COLUMNS)  # then the price
    assert result.priced and result.pricing == CONFIG
    assert len(result.features) == some.n_products == len(result.scores)
    assert set(result.explanations) == {"performance", "safety"}
    assert set(result.evidence) <= set(some.products["product_id"])
    pid = some.products["product_id"].iloc[3]
    assert result.product(pid)["product_id"] == pid
    with pytest.raises(KeyError, match="not in the assessment"):
        result.product("nope")


def test_the_prices_equal_pricing_on_its_own(model, some):
    result = assess(model, some, pricing=CONFIG)
    alone = price_portfolio(model, some, CONFIG)
    for column in ("expected_loss_krw", "premium_krw", "grade", "premium_interval"):
        assert result.scores[column].tolist() == alone[column].tolist(), column


def test_without_pricing_the_scores_carry_no_price(model, some):
    result = assess(model, some)
    assert not result.priced
    assert not set(PRICING_COLUMNS) & set(result.scores.columns)
    expected = result.scores["expected_safety_incidents"].to_numpy()
    np.testing.assert_allclose(
        result.scores["safety_risk"], model.predict(some)["safety_risk"], rtol=0, atol=0
    )
    assert (expected > 0).all()


def test_an_empty_portfolio_gives_an_empty_assessment(model, some):
    empty = some.subset([])
    result = assess(model, empty, pricing=CONFIG)
    assert len(result.scores) == 0 and result.evidence == {}
