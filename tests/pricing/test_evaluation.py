"""Prices and scores against a known truth: evaluate_pricing and calibration_by_category."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.pricing.evaluation import (
    CALIBRATION_MEASURES,
    calibration_by_category,
    evaluate_pricing,
)


@pytest.fixture
def tables():
    ids = [f"p{i}" for i in range(6)]
    products = pd.DataFrame({"product_id": ids, "category": ["drone"] * 4 + ["robotics"] * 2})
    truth = pd.DataFrame(
        {
            "product_id": ids,
            "performance_prob": [0.1, 0.2, 0.3, 0.4, 0.5, 0.5],
            "safety_prob": [0.1] * 6,
            "expected_performance_incidents": [1.0] * 6,
            "expected_safety_incidents": [2.0] * 6,
            "expected_loss_krw": [100.0] * 6,
        }
    )
    # predicted in another order than truth: the join, not the row order, must pair them
    predicted = pd.DataFrame(
        {
            "product_id": ids[::-1],
            "performance_risk": [0.5, 0.5, 0.4, 0.3, 0.2, 0.1],
            "safety_risk": [0.2] * 6,
            "expected_performance_incidents": [3.0, 3.0, 1.0, 1.0, 1.0, 1.0],
            "expected_safety_incidents": [2.0] * 6,
            "expected_loss_krw": [50.0, 50.0, 100.0, 100.0, 100.0, 100.0],
        }
    )
    return predicted, truth, products


def _ratio(table, measure, category):
    row = table[(table["measure"] == measure) & (table["category"] == category)]
    assert len(row) == 1
    return row["predicted_to_true"].iloc[0]


def test_calibration_by_category_sums_per_category_and_overall(tables):
    predicted, truth, products = tables
    table = calibration_by_category(predicted, truth, products, min_products=3)
    assert list(table["measure"].unique()) == list(CALIBRATION_MEASURES)
    assert _ratio(table, "performance_risk", "(all)") == pytest.approx(1.0)
    assert _ratio(table, "safety_risk", "drone") == pytest.approx(2.0)
    assert _ratio(table, "expected_performance_incidents", "robotics") == pytest.approx(3.0)
    assert _ratio(table, "expected_performance_incidents", "drone") == pytest.approx(1.0)
    assert _ratio(table, "expected_loss_krw", "robotics") == pytest.approx(0.5)
    assert _ratio(table, "expected_loss_krw", "(all)") == pytest.approx(500 / 600)
    # the portfolio row comes first within each measure; only big categories are checked
    first = table.groupby("measure", sort=False).head(1)
    assert (first["category"] == "(all)").all()
    checked = table[table["measure"] == "expected_loss_krw"].set_index("category")["checked"]
    assert checked.to_dict() == {"(all)": True, "drone": True, "robotics": False}


def test_calibration_by_category_uses_the_columns_it_has(tables):
    predicted, truth, products = tables
    table = calibration_by_category(predicted[["product_id", "expected_loss_krw"]], truth, products)
    assert set(table["measure"]) == {"expected_loss_krw"}


def test_calibration_by_category_refuses_what_it_cannot_compare(tables):
    predicted, truth, products = tables
    with pytest.raises(ValueError, match="none of the columns"):
        calibration_by_category(predicted[["product_id"]], truth, products)
    with pytest.raises(ValueError, match=r"truth lacks the columns \['safety_prob'\]"):
        calibration_by_category(predicted, truth.drop(columns="safety_prob"), products)
    with pytest.raises(ValueError, match="does not cover every product"):
        calibration_by_category(predicted, truth.iloc[1:], products)


def test_evaluate_pricing_coverage_and_worst_category(tables):
    _, truth, products = tables
    quote = pd.DataFrame(
        {
            "product_id": truth["product_id"],
            "expected_loss_krw": [90.0, 90.0, 90.0, 90.0, 130.0, 130.0],
            "expected_loss_lower_krw": [50.0] * 4 + [110.0] * 2,
            "expected_loss_upper_krw": [150.0] * 4 + [200.0] * 2,
        }
    )
    ev = evaluate_pricing(quote, truth, products, min_products=2)
    assert ev["coverage"] == pytest.approx(4 / 6)
    assert ev["by_category"]["robotics"]["coverage"] == 0.0
    assert ev["worst_category_ratio"] == pytest.approx(1.3)
    assert ev["checked_categories"] == ["drone", "robotics"]
    assert np.isclose(ev["predicted_to_true"], 620 / 600)
