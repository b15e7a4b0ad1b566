"""The assessment stage: one pass from a model and a portfolio to everything said about it."""

import numpy as np
import pandas as pd
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


def test_the_reasons_are_said_in_korean_from_the_assessment_itself(model, some, monkeypatch):
    result = assess(model, some, pricing=CONFIG)
    english = result.reasons_in("en")
    reason_columns = [c for c in result.scores.columns if "_reason_" in c]
    assert list(english.columns) == ["product_id", *reason_columns]
    pd.testing.assert_frame_equal(english, result.scores[english.columns])

    # compute once, read everywhere: no feature is built and nothing is scored again
    def refuse(*args, **kwargs):
        raise AssertionError("reasons_in must not rebuild features or re-score")

    monkeypatch.setattr(type(model), "features", refuse)
    monkeypatch.setattr(type(model), "predict", refuse)
    korean = result.reasons_in("ko")
    assert list(korean.columns) == list(english.columns)
    assert korean["product_id"].tolist() == english["product_id"].tolist()
    for column in reason_columns:
        assert (korean[column] != "").tolist() == (english[column] != "").tolist(), column
        said = korean[column][korean[column] != ""]
        assert said.str.contains("위험도 x").all()
        factors = english[column].str.extract(r"x(\d+\.\d+)$")[0]
        assert korean[column].str.extract(r"x(\d+\.\d+)$")[0].equals(factors)
    said = english[reason_columns].to_numpy() != ""
    assert (korean[reason_columns].to_numpy() != english[reason_columns].to_numpy())[said].all()
    with pytest.raises(ValueError, match="lang must be one of"):
        result.reasons_in("fr")


def test_an_assessment_in_korean_differs_only_in_its_reasons(model, some):
    english = assess(model, some, pricing=CONFIG)
    korean = assess(model, some, pricing=CONFIG, lang="ko")
    reason_columns = [c for c in english.scores.columns if "_reason_" in c]
    other = [c for c in english.scores.columns if c not in reason_columns]
    pd.testing.assert_frame_equal(english.scores[other], korean.scores[other])
    pd.testing.assert_frame_equal(
        korean.reasons_in("en"), english.scores[["product_id", *reason_columns]]
    )
