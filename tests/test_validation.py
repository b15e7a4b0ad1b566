"""Validation row by row: a bad row is set aside with its reason; only an unusable table stops."""

from datetime import datetime

import pandas as pd
import pytest

from riskmodel.io import DataFolderError, read_raw_tables
from riskmodel.validation import (
    REJECT_COLUMNS,
    ContractError,
    StrictModeError,
    load_data,
    load_portfolio,
    validate_tables,
)
from tests.builders import raw_tables

TODAY = datetime(2026, 1, 1)


def _validate(**overrides):
    return validate_tables(raw_tables(**overrides), today=TODAY)


def _only_reject(**overrides):
    result = _validate(**overrides)
    assert len(result.rejects) == 1, result.rejects.to_dict("records")
    return result, result.rejects.iloc[0]


def test_valid_tables_come_back_typed_with_nothing_rejected():
    result = _validate()
    portfolio = result.portfolio
    assert result.rejects.empty and list(result.rejects.columns) == list(REJECT_COLUMNS)
    assert portfolio.products["trl"].tolist() == [6, 7]
    assert str(portfolio.products["coverage_start"].dtype).startswith("datetime64")
    assert portfolio.test_results["lab_accredited"].tolist() == [True, False]
    assert portfolio.incidents["loss_krw"].iloc[0] == 1_500_000
    assert result.reconciliation()["products"] == {"read": 2, "accepted": 2, "rejected": 0}


@pytest.mark.parametrize(
    ("override", "column", "value", "words"),
    [
        ({"products__0__trl": "abc"}, "trl", "abc", "whole number"),
        ({"products__0__trl": "12"}, "trl", "12", "<= 9"),
        ({"products__0__trl": "6.5"}, "trl", "6.5", "whole number"),
        ({"products__0__units_deployed": "1e20"}, "units_deployed", "1e20", "whole number"),
        ({"products__1__units_deployed": "-3"}, "units_deployed", "-3", ">= 1"),
        ({"products__1__demo_months": "0"}, "demo_months", "0", "> 0"),
        ({"products__1__demo_months": "90"}, "demo_months", "90", "<= 60"),
        ({"products__0__company_age_years": "inf"}, "company_age_years", "inf", "a number"),
        ({"products__0__company_age_years": "NaN"}, "company_age_years", "NaN", "a number"),
        (
            {"products__0__coverage_start": "01/02/2025"},
            "coverage_start",
            "01/02/2025",
            "YYYY-MM-DD",
        ),
        (
            {"products__0__coverage_start": "2025-02-30"},
            "coverage_start",
            "2025-02-30",
            "YYYY-MM-DD",
        ),
        ({"products__0__public_exposure": "everyone"}, "public_exposure", "everyone", "one of"),
        ({"products__1__zone": None}, "zone", None, "required"),
        ({"products__1__product_id": "x" * 600}, "product_id", "x" * 200, "too long"),
    ],
)
def test_a_bad_product_row_is_rejected_with_its_reason(override, column, value, words):
    result = _validate(**override)
    products = result.rejects[result.rejects["table"] == "products"]
    assert len(products) == 1, products.to_dict("records")
    reject = products.iloc[0]
    row = int(next(iter(override)).split("__")[1]) + 1
    assert (reject["table"], reject["row"], reject["column"]) == ("products", row, column)
    if value is not None:
        assert reject["value"].startswith(value)
    assert words in reject["reason"]
    assert result.portfolio.n_products == 1  # the other product is still there


def test_a_rejected_product_takes_its_child_rows_with_it():
    result = _validate(products__0__trl="abc")
    rejects = result.rejects
    children = rejects[rejects["table"] != "products"]
    assert set(children["table"]) == {"test_results", "certifications", "incidents"}
    assert (children["reason"] == "its product was rejected (products row 1)").all()
    assert result.portfolio.test_results["product_id"].tolist() == ["P2"]


def test_a_rejected_child_row_flags_its_product_which_is_still_scored():
    result, reject = _only_reject(test_results__1__lab_accredited="yes")
    assert (reject["table"], reject["row"], reject["column"]) == (
        "test_results",
        2,
        "lab_accredited",
    )
    assert result.portfolio.n_products == 2
    assert "1 test_results row(s) rejected (rows 2)" in result.issues["P2"][0]


def test_duplicate_product_ids_reject_every_copy_and_their_children():
    result = _validate(products__1__product_id="P1")
    products = result.rejects[result.rejects["table"] == "products"]
    assert products["row"].tolist() == [1, 2]
    assert "unique" in products["reason"].iloc[0]
    children = result.rejects[result.rejects["table"] != "products"]
    of_p1 = children[children["product_id"] == "P1"]
    assert len(of_p1) == 3 and of_p1["reason"].str.contains("several products rows").all()
    # P2's own test row now points at a product that no longer exists
    assert children[children["product_id"] == "P2"]["reason"].tolist() == [
        "this product_id is not in products"
    ]
    assert result.portfolio.n_products == 0


def test_duplicate_test_ids_reject_both_rows():
    result = _validate(test_results__1__test_id="T1")
    assert result.rejects["row"].tolist() == [1, 2]
    assert result.portfolio.test_results.empty


def test_case_and_space_variants_are_normalised_and_counted():
    result = _validate(
        products__0__public_exposure=" Open_Public ", test_results__0__outcome="PASS"
    )
    assert result.rejects.empty
    assert result.portfolio.products["public_exposure"].iloc[0] == "open_public"
    assert result.normalised == {"products.public_exposure": 1, "test_results.outcome": 1}


def test_an_unknown_category_is_kept_and_flagged():
    result = _validate(products__0__category="quantum_computer")
    assert result.rejects.empty
    assert "'quantum_computer' is not one of the contract's categories" in result.issues["P1"][0]


@pytest.mark.parametrize(
    ("override", "column", "words"),
    [
        ({"test_results__0__product_id": "P9"}, "product_id", "not in products"),
        ({"test_results__0__test_date": "2025-01-02"}, "test_date", "on or before"),
        ({"certifications__0__issued_date": "2025-06-01"}, "issued_date", "on or before"),
        ({"incidents__0__incident_date": "2026-03-01"}, "incident_date", "in the future"),
        ({"incidents__0__incident_date": "2024-12-31"}, "incident_date", "inside"),
        ({"test_results__0__limit_value": None}, "limit_value", "needs its limit_value"),
        ({"test_results__0__higher_is_better": None}, "higher_is_better", "needed"),
        ({"test_results__0__measured_value": "-inf"}, "measured_value", "a number"),
    ],
)
def test_cross_table_rules_reject_the_row(override, column, words):
    _, reject = _only_reject(**override)
    assert reject["column"] == column and words in reject["reason"]


def test_several_problems_of_one_row_are_one_reject():
    result = _validate(products__0__trl="0", products__0__units_deployed="none")
    reject = result.rejects[result.rejects["table"] == "products"].iloc[0]
    assert set(reject["column"].split("; ")) == {"trl", "units_deployed"}
    assert "expected a whole number" in reject["reason"]


def test_missing_required_columns_stop_with_a_column_diff():
    raw = raw_tables()
    raw["products"] = raw["products"].drop(columns=["trl"]).rename(columns={"zone": "region"})
    with pytest.raises(ContractError) as info:
        validate_tables(raw)
    (p,) = info.value.problems
    assert "['zone', 'trl']" in p.reason and "region" in p.reason


def test_an_empty_products_table_stops_the_run():
    raw = raw_tables()
    raw["products"] = raw["products"].iloc[0:0]
    with pytest.raises(ContractError, match="no rows: there is no product"):
        validate_tables(raw)


def test_the_reconciliation_balances():
    result = _validate(
        products__0__trl="x", test_results__1__outcome="maybe", certifications__0__status="lost"
    )
    summary = result.reconciliation()
    for table, counts in summary["tables"].items():
        assert counts["read"] == counts["used"] + counts["rejected"], table
    assert summary["products"] == {"read": 2, "accepted": 1, "rejected": 1}


def _write(folder, tables, fmt="csv"):
    for name, frame in tables.items():
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False)
        else:
            frame.to_parquet(folder / f"{name}.parquet")


def test_a_folder_loads_from_csv_and_parquet_alike(tmp_path):
    clean = validate_tables(raw_tables(), today=TODAY).portfolio
    _write(tmp_path, {"products": raw_tables()["products"]})
    _write(
        tmp_path,
        {n: getattr(clean, n) for n in ("test_results", "certifications", "incidents")},
        fmt="parquet",
    )
    portfolio = load_portfolio(tmp_path, today=TODAY)
    assert portfolio.test_results["lab_accredited"].tolist() == [True, False]
    assert portfolio.incidents["kind"].tolist() == ["safety"]


def test_strict_loading_refuses_any_reject(tmp_path):
    _write(tmp_path, raw_tables(products__0__trl="x"))
    assert len(load_data(tmp_path, today=TODAY).rejects) == 4
    with pytest.raises(StrictModeError, match="products, row 1"):
        load_portfolio(tmp_path, today=TODAY)


def test_missing_files_and_duplicated_formats_are_folder_errors(tmp_path):
    with pytest.raises(DataFolderError, match="does not exist"):
        read_raw_tables(tmp_path / "nowhere")
    with pytest.raises(DataFolderError, match="products.csv or products.parquet"):
        read_raw_tables(tmp_path)
    (tmp_path / "products.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(DataFolderError, match="only products.csv"):
        read_raw_tables(tmp_path)
    raw_tables()["products"].to_csv(tmp_path / "products.csv", index=False)
    raw_tables()["products"].to_parquet(tmp_path / "products.parquet")
    with pytest.raises(DataFolderError, match="present twice"):
        read_raw_tables(tmp_path)


def test_training_requires_incidents(tmp_path):
    _write(tmp_path, {n: f for n, f in raw_tables().items() if n != "incidents"})
    assert load_data(tmp_path, today=TODAY).portfolio.incidents is None
    with pytest.raises(DataFolderError, match="incidents"):
        load_data(tmp_path, require_incidents=True)


def test_the_default_today_is_the_current_date():
    result = validate_tables(raw_tables(incidents__0__incident_date="2099-01-01"))
    assert "in the future" in result.rejects["reason"].iloc[0]
    assert pd.Timestamp.now().year < 2099


def test_for_training_a_product_with_a_rejected_incident_is_set_aside_whole():
    bad = {"incidents__0__loss_krw": "lots"}
    scoring = _validate(**bad)
    assert set(scoring.portfolio.products["product_id"]) == {"P1", "P2"}
    training = validate_tables(raw_tables(**bad), today=TODAY, complete_outcomes=True)
    assert set(training.portfolio.products["product_id"]) == {"P2"}
    rejects = training.rejects.set_index("table")
    product = rejects.loc["products"]
    assert product["product_id"] == "P1" and "claims record is incomplete" in product["reason"]
    assert rejects.loc["incidents", "column"] == "loss_krw"
    children = training.rejects[training.rejects["table"].isin(["test_results", "certifications"])]
    assert (
        set(children["product_id"]) == {"P1"} and children["reason"].str.contains("left out").all()
    )
    assert training.reconciliation()["products"] == {"read": 2, "accepted": 1, "rejected": 1}


def test_dates_outside_the_timestamp_range_are_rejected_not_a_crash():
    # found by schemathesis through the service: year 1000 overflowed pandas' nanoseconds
    tables = raw_tables()
    tables["products"].loc[0, "coverage_start"] = "1000-02-09"
    tables["products"].loc[1, "coverage_start"] = "4653-11-25"
    result = validate_tables(tables)
    assert result.portfolio.n_products == 0
    dated = result.rejects[result.rejects["table"] == "products"]
    assert dated["column"].tolist() == ["coverage_start", "coverage_start"]
    assert dated["reason"].str.contains("a real calendar date").all()
