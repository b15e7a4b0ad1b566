"""CategoricalColumns: fixed training categories; unseen values fall back explicitly."""

import logging

import pandas as pd
import pytest

from riskmodel.features import UNKNOWN, CategoricalColumns
from tests.builders import portfolio_with


def test_categories_are_fixed_at_fit_and_end_with_the_fallback():
    enc = CategoricalColumns().fit(portfolio_with(zone="busan"))
    assert enc.categories_["zone"] == ["busan", UNKNOWN]
    out = enc.transform(portfolio_with(zone="busan"))
    assert isinstance(out["zone"].dtype, pd.CategoricalDtype)
    assert list(out["zone"].cat.categories) == ["busan", UNKNOWN]


def test_an_unseen_value_falls_back_with_a_warning(caplog):
    enc = CategoricalColumns().fit(portfolio_with(zone="busan"))
    with caplog.at_level(logging.WARNING):
        out = enc.transform(portfolio_with(zone="ulsan"))
    assert out["zone"].iloc[0] == UNKNOWN
    assert "ulsan" in caplog.text and UNKNOWN in caplog.text


def test_an_unseen_value_can_be_an_error():
    enc = CategoricalColumns(handle_unknown="error").fit(portfolio_with(zone="busan"))
    with pytest.raises(ValueError, match="unseen in training"):
        enc.transform(portfolio_with(zone="ulsan"))


def test_handle_unknown_is_checked_in_fit():
    message = "'handle_unknown' parameter of CategoricalColumns must be a str among .*'ignore'"
    with pytest.raises(ValueError, match=message):
        CategoricalColumns(handle_unknown="ignore").fit(portfolio_with())


def test_input_must_be_a_portfolio():
    with pytest.raises(TypeError, match="expects X to be a riskmodel Portfolio"):
        CategoricalColumns().fit(pd.DataFrame({"zone": ["busan"]}))


def test_categories_and_zones_are_said_in_the_glossary_words():
    from riskmodel.contract import CATEGORIES
    from riskmodel.i18n import glossary

    enc = CategoricalColumns().fit(portfolio_with(zone="busan"))
    terms = glossary()
    assert enc.describe("zone", "busan", {}) == "zone busan"
    assert enc.describe("zone", "busan", {}, lang="ko") == f"{terms['busan']} 특구"
    for category in CATEGORIES:
        words = enc.describe("category", category, {}, lang="ko")
        assert terms[category] in words and category not in words
    unseen = enc.describe("zone", UNKNOWN, {}, lang="ko")
    assert "특구" in unseen and UNKNOWN not in unseen
