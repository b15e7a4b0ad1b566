"""Evaluation against outcomes and the truth: bands of units, calibration tables, the report."""

import pandas as pd
import pytest

from riskmodel.evaluation import (
    BAND_LABELS,
    calibration_table,
    evaluate_scores,
    unit_band,
    validation_report,
)


def test_units_fall_into_the_issue_bands():
    units = [1, 2, 3, 4, 7, 8, 15, 16, 40, 41, 5000]
    assert unit_band(units).tolist() == [
        "1",
        "2-3",
        "2-3",
        "4-7",
        "4-7",
        "8-15",
        "8-15",
        "16-40",
        "16-40",
        "41+",
        "41+",
    ]
    assert BAND_LABELS == ("1", "2-3", "4-7", "8-15", "16-40", "41+")


def test_calibration_table_sums_predictions_and_truth_per_group():
    scores = pd.DataFrame(
        {"safety_risk": [0.1, 0.2, 0.3], "expected_safety_incidents": [0.1, 0.25, 0.4]}
    )
    truth = pd.DataFrame(
        {"safety_prob": [0.1, 0.1, 0.3], "expected_safety_incidents": [0.1, 0.1, 0.5]}
    )
    table = calibration_table(scores, truth, ["a", "a", "b"], target="safety").set_index("group")
    assert table.loc["a", "risk_ratio"] == pytest.approx(1.5)
    assert table.loc["b", "expected_ratio"] == pytest.approx(0.8)
    assert table["products"].tolist() == [2, 1]


def test_against_the_truth_bands_and_expected_incidents_are_judged(model, holdout):
    portfolio, truth = holdout
    scores = model.predict(portfolio)
    ev = evaluate_scores(scores, portfolio.incident_counts(), portfolio.products, truth)
    for target in ("performance", "safety"):
        e = ev[target]
        assert e.expected_to_true == pytest.approx(
            scores[f"expected_{target}_incidents"].sum()
            / truth[f"expected_{target}_incidents"].sum()
        )
        counts = pd.Series(unit_band(portfolio.products["units_deployed"])).value_counts()
        judged = [b for b in BAND_LABELS if counts.get(b, 0) >= 500]
        assert list(e.predicted_to_true_by_band) == judged
        assert list(e.expected_to_true_by_band) == judged
        assert all(0.5 < r < 2 for r in e.predicted_to_true_by_band.values())


def test_the_validation_report_gives_actual_and_expected_by_band_of_units(model, train_portfolio):
    report = validation_report(model.validation_, train_portfolio.products)
    held = train_portfolio.products.set_index("product_id").loc[model.validation_["product_id"]]
    for target in ("performance", "safety"):
        bands = report[target]["actual_to_expected_by_units"]
        assert list(bands) == [b for b in BAND_LABELS if b in bands]
        assert sum(b["products"] for b in bands.values()) == len(held)
        assert sum(b["actual"] for b in bands.values()) == model.validation_[target].sum()
        assert sum(b["expected"] for b in bands.values()) == pytest.approx(
            model.validation_[f"expected_{target}_incidents"].sum()
        )


def test_an_empty_validation_set_gives_a_note_not_an_error(train_portfolio):
    empty = pd.DataFrame(
        columns=[
            "product_id",
            "performance_risk",
            "safety_risk",
            "expected_performance_incidents",
            "expected_safety_incidents",
            "exposure_unit_years",
            "performance",
            "safety",
        ]
    )
    report = validation_report(empty, train_portfolio.products)
    assert report["safety"]["products"] == 0 and "too few incidents" in report["safety"]["note"]
