"""Actual against expected: exact intervals, the anytime-valid test's false alarms and power,
earned exposure, and a doubled safety rate in one category flagged on real assessments."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from riskmodel.assessment import assess
from riskmodel.monitoring import (
    ALPHA,
    DIMENSIONS,
    actual_against_expected,
    earned_share,
    mixture_e_value,
    poisson_interval,
)
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PricingConfig


def test_the_interval_is_garwoods_and_covers_as_often_as_it_says():
    lower, upper = poisson_interval(0, 5.0)
    assert lower == 0 and upper == pytest.approx(3.6889 / 5, rel=1e-4)
    # coverage of the 95% interval of A/E when A ~ Poisson(E): at least 95% (exact intervals)
    for expected in (0.7, 3.0, 12.0):
        ks = np.arange(0, 200)
        covered = [
            poisson_interval(int(k), expected)[0] <= 1 <= poisson_interval(int(k), expected)[1]
            for k in ks
        ]
        assert poisson.pmf(ks, expected)[covered].sum() >= 0.95
    assert np.isnan(poisson_interval(3, 0.0)[0])


def test_looking_every_month_keeps_false_alarms_under_alpha():
    """12 monthly looks at 4,000 segments whose rate is as the model says: at most 5% ever
    alert; a segment whose rate doubled alerts within the year most of the time."""
    rng = np.random.default_rng(7)
    monthly = rng.gamma(2.0, 1.5, size=4000)  # expected incidents per month, varied segments

    def ever_alerts(factor: float) -> np.ndarray:
        actual = np.cumsum(rng.poisson(monthly[:, None] * factor, size=(4000, 12)), axis=1)
        expected = np.cumsum(np.repeat(monthly[:, None], 12, axis=1), axis=1)
        alerts = np.zeros(4000, dtype=bool)
        for month in range(12):
            alerts |= [
                mixture_e_value(int(a), float(e)) >= 1 / ALPHA
                for a, e in zip(actual[:, month], expected[:, month], strict=True)
            ]
        return alerts

    assert ever_alerts(1.0).mean() <= ALPHA
    assert ever_alerts(2.0).mean() >= 0.8


def test_exposure_is_earned_up_to_the_as_of_day():
    products = pd.DataFrame(
        {
            "coverage_start": pd.to_datetime(["2026-01-01", "2026-01-01", "2027-01-01"]),
            "demo_months": [12.0, 24.0, 6.0],
        }
    )
    share = earned_share(products, date(2026, 12, 31))
    assert share.iloc[0] == pytest.approx(365 / 365.25, abs=1e-3)
    assert share.iloc[1] == pytest.approx(0.5, abs=1e-3)
    assert share.iloc[2] == 0
    assert (earned_share(products, date(2030, 1, 1)) == 1).all()


@pytest.fixture(scope="module")
def cohort(model, holdout):
    """The held-out portfolio's assessment, as of after every coverage period ended."""
    portfolio, _ = holdout
    assessment = assess(model, portfolio, pricing=PricingConfig(), n_jobs=1)
    return portfolio, assessment


def _doubled(portfolio: Portfolio, category: str) -> Portfolio:
    """Every safety incident of ``category``'s products seen twice (its rate doubled)."""
    incidents = portfolio.incidents
    ids = set(portfolio.products.loc[portfolio.products["category"] == category, "product_id"])
    extra = incidents[(incidents["kind"] == "safety") & incidents["product_id"].isin(ids)].copy()
    extra["incident_id"] = extra["incident_id"] + "-again"
    return Portfolio(
        portfolio.products,
        portfolio.test_results,
        portfolio.certifications,
        pd.concat([incidents, extra], ignore_index=True),
    )


def test_a_doubled_safety_rate_is_flagged_in_its_category(cohort):
    portfolio, assessment = cohort
    as_of = date(2035, 1, 1)
    before = actual_against_expected(portfolio, assessment, as_of).segments
    overall = before[(before["dimension"] == "overall")]
    assert set(overall["target"]) == {"performance", "safety"}
    assert overall["ae"].between(0.8, 1.25).all()  # the model's own world: about right
    assert set(before["dimension"]) == set(DIMENSIONS)
    safety = before[(before["target"] == "safety") & (before["dimension"] == "category")]
    category = safety.sort_values("expected_incidents").iloc[-1]["value"]  # the largest
    after = actual_against_expected(_doubled(portfolio, category), assessment, as_of).segments
    by_category = after[(after["target"] == "safety") & (after["dimension"] == "category")]
    flagged = by_category.set_index("value")
    assert flagged.loc[category, "alert"]
    assert flagged.loc[category, "ae_lower"] > 1
    others = flagged.drop(index=category)
    assert flagged.loc[category, "e_value"] > others["e_value"].max()
    # the performance figures did not move
    perf = [s[(s["target"] == "performance")].reset_index(drop=True) for s in (before, after)]
    pd.testing.assert_frame_equal(perf[0], perf[1])


def test_losses_are_what_the_policies_paid_against_the_expected_loss_in_the_layer(cohort):
    portfolio, assessment = cohort
    segments = actual_against_expected(portfolio, assessment, date(2035, 1, 1)).segments
    overall = segments[segments["dimension"] == "overall"].set_index("target")
    terms = portfolio.products.set_index("product_id")
    for target in ("performance", "safety"):
        mine = portfolio.incidents[portfolio.incidents["kind"] == target]
        d = terms.loc[mine["product_id"], "deductible_krw"].to_numpy(dtype=float)
        limit = terms.loc[mine["product_id"], "coverage_limit_krw"].to_numpy(dtype=float)
        paid = np.minimum(np.maximum(mine["loss_krw"].to_numpy(dtype=float) - d, 0), limit).sum()
        assert overall.loc[target, "actual_loss_krw"] == pytest.approx(paid)
        expected = assessment.scores[f"expected_{target}_loss_krw"].sum()
        assert overall.loc[target, "expected_loss_krw"] == pytest.approx(expected)
        assert 0.5 < overall.loc[target, "loss_ae"] < 2  # the model's own world, one draw


def test_the_score_decomposition_adds_up_and_sees_miscalibration(cohort):
    from riskmodel.monitoring import score_decomposition

    portfolio, assessment = cohort
    result = actual_against_expected(portfolio, assessment, date(2035, 1, 1))
    for target, d in result.scores.items():
        assert d["deviance"] == pytest.approx(
            d["miscalibration"] - d["discrimination"] + d["uncertainty"], abs=1e-12
        )
        assert d["miscalibration"] >= -1e-12 and d["discrimination"] >= -1e-12
        assert d["gini_lower"] <= d["gini"] <= d["gini_upper"] and d["gini"] > 0.2
        frame = result.products
        doubled = score_decomposition(frame[f"actual_{target}"], 2 * frame[f"expected_{target}"])
        # recalibration depends only on the order of the expectations: doubling them moves the
        # deviance by exactly the added miscalibration, and discrimination and the Gini not at all
        assert doubled["miscalibration"] > d["miscalibration"]
        assert doubled["deviance"] - d["deviance"] == pytest.approx(
            doubled["miscalibration"] - d["miscalibration"], abs=1e-12
        )
        assert doubled["discrimination"] == pytest.approx(d["discrimination"], abs=1e-12)
        assert doubled["gini"] == pytest.approx(d["gini"])
    empty = score_decomposition([0, 0], [0.0, 0.0])
    assert empty["products"] == 0 and empty["deviance"] is None


def test_nothing_is_expected_before_coverage_starts(cohort):
    portfolio, assessment = cohort
    early = actual_against_expected(portfolio, assessment, date(2000, 1, 1)).segments
    assert (early["expected_incidents"] == 0).all() and (early["actual_incidents"] == 0).all()
    assert not early["alert"].any()


def test_monitor_writes_the_contracts_json_and_a_report_in_both_languages(
    model_dir, score_folder, tmp_path
):
    from typer.testing import CliRunner

    from riskmodel.cli import app

    runner = CliRunner()
    for lang in ("en", "ko"):
        out = tmp_path / lang
        result = runner.invoke(
            app,
            [
                "monitor",
                "--model",
                str(model_dir),
                "--data",
                str(score_folder),
                "--as-of",
                "2023-06-30",
                "--out",
                str(out),
                "--lang",
                lang,
            ],
        )
        assert result.exit_code == 0, result.output
        body = json.loads((out / "monitoring.json").read_text())
        assert body["as_of"] == "2023-06-30" and body["model_version"].startswith("rm-")
        keys = {
            "target",
            "dimension",
            "value",
            "exposure_unit_years",
            "actual_incidents",
            "expected_incidents",
            "ae",
            "ae_lower",
            "ae_upper",
            "alert",
        }
        assert all(keys <= set(s) for s in body["segments"])
        assert {s["dimension"] for s in body["segments"]} >= {
            "overall",
            "category",
            "zone",
            "grade",
        }
        assert body["drift"] and {"name", "psi"} <= set(body["drift"][0])
        html = (out / "monitoring.html").read_text()
        assert f'<html lang="{lang}">' in html
    assert "실제 대비 예상" in (tmp_path / "ko" / "monitoring.html").read_text()
    bad = runner.invoke(
        app,
        [
            "monitor",
            "--model",
            str(model_dir),
            "--data",
            str(score_folder),
            "--as-of",
            "soon",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert bad.exit_code == 2


def test_a_generated_cohort_whose_truth_changed_is_flagged_by_monitor(model_dir, tmp_path):
    from typer.testing import CliRunner

    from riskmodel.cli import app

    runner = CliRunner()
    folder = tmp_path / "cohort"
    made = runner.invoke(
        app,
        [
            "generate",
            "--out",
            str(folder),
            "--products",
            "1500",
            "--seed",
            "51",
            "--change",
            "safety:robotics:3",
            "--change-from",
            "2021-01-01",
        ],
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        app,
        [
            "monitor",
            "--model",
            str(model_dir),
            "--data",
            str(folder),
            "--as-of",
            "2030-01-01",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "safety category=robotics" in " ".join(result.output.split())
    body = json.loads((tmp_path / "m" / "monitoring.json").read_text())
    robotics = [
        s
        for s in body["segments"]
        if (s["target"], s["dimension"], s["value"]) == ("safety", "category", "robotics")
    ]
    assert robotics[0]["alert"] and robotics[0]["ae_lower"] > 1
    for bad in ("safety:robotics", "safety:spaceships:2", "safety:robotics:-1"):
        refused = runner.invoke(
            app,
            [
                "generate",
                "--out",
                str(tmp_path / "x"),
                "--products",
                "10",
                "--change",
                bad,
                "--change-from",
                "2021-01-01",
            ],
        )
        assert refused.exit_code == 2 and "--change must read" in refused.output
