"""Validation: valid data pass typed; every kind of bad value is reported with its location."""

import pytest

from riskmodel.io import DataFolderError, read_raw_tables
from riskmodel.validation import ContractError, load_portfolio, validate_tables
from tests.builders import raw_tables


def _problems(**overrides):
    with pytest.raises(ContractError) as info:
        validate_tables(raw_tables(**overrides))
    return info.value.problems


def test_valid_tables_come_back_typed():
    portfolio = validate_tables(raw_tables())
    assert portfolio.products["trl"].tolist() == [6, 7]
    assert str(portfolio.products["coverage_start"].dtype).startswith("datetime64")
    assert portfolio.test_results["lab_accredited"].tolist() == [True, False]
    assert portfolio.incidents["loss_krw"].iloc[0] == 1_500_000


@pytest.mark.parametrize(
    ("override", "column", "value", "words"),
    [
        ({"products__0__trl": "abc"}, "trl", "abc", "whole number"),
        ({"products__0__trl": "12"}, "trl", "12", "<= 9"),
        ({"products__0__trl": "6.5"}, "trl", "6.5", "whole number"),
        ({"products__1__units_deployed": "-3"}, "units_deployed", "-3", ">= 1"),
        ({"products__1__demo_months": "0"}, "demo_months", "0", "> 0"),
        ({"products__1__demo_months": "90"}, "demo_months", "90", "<= 60"),
        ({"products__0__company_age_years": "inf"}, "company_age_years", "inf", "a number"),
        (
            {"products__0__coverage_start": "01/02/2025"},
            "coverage_start",
            "01/02/2025",
            "YYYY-MM-DD",
        ),
        ({"products__0__public_exposure": "everyone"}, "public_exposure", "everyone", "one of"),
        ({"products__0__category": "toaster"}, "category", "toaster", "one of"),
        ({"test_results__0__lab_accredited": "yes"}, "lab_accredited", "yes", "true or false"),
    ],
)
def test_a_bad_value_is_reported_with_table_row_column_and_value(override, column, value, words):
    problems = _problems(**override)
    assert len(problems) == 1
    p = problems[0]
    table = next(iter(override)).split("__")[0]
    row = int(next(iter(override)).split("__")[1]) + 1
    assert (p.table, p.row, p.column, p.value) == (table, row, column, value)
    assert words in p.reason
    assert f"row {row}" in str(ContractError(problems))


def test_a_missing_required_value_is_reported():
    (p,) = _problems(products__1__zone=None)
    assert (p.row, p.column, p.product_id) == (2, "zone", "P2")
    assert "required" in p.reason


def test_duplicate_keys_are_reported_on_every_copy():
    problems = _problems(products__1__product_id="P1")
    dup = [p for p in problems if p.column == "product_id" and "unique" in p.reason]
    assert {p.row for p in dup} == {1, 2}


def test_enumeration_values_are_normalised_for_case_and_spaces():
    portfolio = validate_tables(
        raw_tables(products__0__public_exposure=" Open_Public ", test_results__0__outcome="PASS")
    )
    assert portfolio.products["public_exposure"].iloc[0] == "open_public"
    assert portfolio.test_results["outcome"].iloc[0] == "pass"


@pytest.mark.parametrize(
    ("override", "column", "words"),
    [
        ({"test_results__0__product_id": "P9"}, "product_id", "not in products"),
        ({"test_results__0__test_date": "2025-01-02"}, "test_date", "on or before"),
        ({"certifications__0__issued_date": "2026-01-01"}, "issued_date", "on or before"),
        ({"incidents__0__incident_date": "2026-06-01"}, "incident_date", "inside"),
        ({"incidents__0__incident_date": "2024-12-31"}, "incident_date", "inside"),
        ({"test_results__0__limit_value": None}, "limit_value", "needs its limit_value"),
        ({"test_results__0__higher_is_better": None}, "higher_is_better", "needed"),
    ],
)
def test_cross_table_rules_are_checked(override, column, words):
    problems = _problems(**override)
    assert [p.column for p in problems] == [column]
    assert words in problems[0].reason


def test_missing_required_columns_give_a_column_diff():
    raw = raw_tables()
    raw["products"] = raw["products"].drop(columns=["trl"]).rename(columns={"zone": "region"})
    (p,) = _problems(products=raw["products"])
    assert "['zone', 'trl']" in p.reason and "region" in p.reason


def test_an_empty_products_table_stops_the_run():
    raw = raw_tables()
    (p,) = _problems(products=raw["products"].iloc[0:0])
    assert "no rows" in p.reason


def test_every_problem_is_reported_not_only_the_first():
    problems = _problems(
        products__0__trl="0", products__1__trl="x", test_results__1__outcome="maybe"
    )
    assert len(problems) == 3


def test_a_folder_loads_from_csv_and_parquet_alike(tmp_path):
    raw = raw_tables()
    for name, frame in raw.items():
        if name == "products":
            frame.to_csv(tmp_path / f"{name}.csv", index=False)
        else:
            validate = validate_tables(raw)
            typed = getattr(validate, name)
            typed.to_parquet(tmp_path / f"{name}.parquet")
    portfolio = load_portfolio(tmp_path)
    assert portfolio.test_results["lab_accredited"].tolist() == [True, False]
    assert portfolio.incidents["kind"].tolist() == ["safety"]


def test_missing_files_and_duplicated_formats_are_folder_errors(tmp_path):
    with pytest.raises(DataFolderError, match="does not exist"):
        read_raw_tables(tmp_path / "nowhere")
    with pytest.raises(DataFolderError, match="products.csv or products.parquet"):
        read_raw_tables(tmp_path)
    raw_tables()["products"].to_csv(tmp_path / "products.csv", index=False)
    raw_tables()["products"].to_parquet(tmp_path / "products.parquet")
    with pytest.raises(DataFolderError, match="present twice"):
        read_raw_tables(tmp_path)


def test_training_requires_incidents(tmp_path):
    for name, frame in raw_tables().items():
        if name != "incidents":
            frame.to_csv(tmp_path / f"{name}.csv", index=False)
    assert load_portfolio(tmp_path).incidents is None
    with pytest.raises(DataFolderError, match="incidents"):
        load_portfolio(tmp_path, require_incidents=True)
