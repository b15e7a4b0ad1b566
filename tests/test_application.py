"""One application as a record: canonical inputs, their hash, and JSON rows to raw tables."""

import math

import pandas as pd
import pytest

from riskmodel.application import (
    application_inputs,
    input_hash,
    json_cell,
    portfolio_from_inputs,
    tables_from_json,
)
from riskmodel.errors import InputError
from riskmodel.validation import validate_tables
from tests.builders import raw_tables


def test_json_values_become_the_text_of_a_csv_cell():
    assert [json_cell(v) for v in (True, False, 7, 6.5, 1e20, None, math.nan, "x")] == [
        "true",
        "false",
        "7",
        "6.5",
        "1e+20",
        None,
        None,
        "x",
    ]
    assert json_cell([1, 2]) == "[1, 2]"  # kept, so that validation refuses it in words


def test_inputs_round_trip_through_validation_with_a_stable_hash():
    portfolio = validate_tables(raw_tables()).portfolio
    inputs = application_inputs(portfolio, "P1")
    assert [r["product_id"] for r in inputs["products"]] == ["P1"]
    assert "incidents" not in inputs
    again = application_inputs(portfolio_from_inputs(inputs), "P1")
    assert again == inputs and input_hash(again) == input_hash(inputs)
    edited = {**inputs, "products": [{**inputs["products"][0], "trl": "8"}]}
    assert input_hash(edited) != input_hash(inputs)


def test_recorded_inputs_that_no_longer_validate_are_refused():
    portfolio = validate_tables(raw_tables()).portfolio
    inputs = application_inputs(portfolio, "P1")
    inputs["products"][0]["trl"] = "eleven"
    with pytest.raises(InputError, match="no longer pass validation") as info:
        portfolio_from_inputs(inputs)
    child = "its product was rejected (products row 1)"
    assert str(info.value) == (
        "the recorded inputs no longer pass validation: expected a whole number >= 1 and <= 9"
        f"; {child}; {child}"
    )
    child = "해당 제품이 반려되었습니다(products 1행)"
    assert info.value.in_language("ko") == (
        "기록된 입력이 더 이상 검증을 통과하지 못합니다: 올바른 값은 1 이상 9 이하인 정수입니다"
        f"; {child}; {child}"
    )


def test_a_products_body_that_is_not_a_list_is_refused_in_either_language():
    with pytest.raises(InputError, match="products must be a list of rows") as info:
        tables_from_json({"product_id": "P1"}, [], [])
    assert info.value.in_language("ko") == "products는 행의 목록이어야 합니다"


def test_json_rows_keep_order_row_numbers_and_unknown_columns():
    tables = tables_from_json(
        [{"product_id": "P1", "colour": "red"}], [{"test_id": "a"}, {"test_id": "b"}], []
    )
    assert list(tables["test_results"].index) == [1, 2]
    assert tables["test_results"]["test_id"].tolist() == ["a", "b"]
    assert "colour" in tables["products"].columns and pd.isna(tables["products"].loc[1, "trl"])
