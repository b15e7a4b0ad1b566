"""Experience month by month: earned shares, the truth's mean, and a change applied from its
month in its category only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.synthetic.experience import Change, earned_by_month, monthly_incidents


def test_a_product_earns_its_period_evenly_and_nothing_after_it():
    products = pd.DataFrame({"demo_months": [3.0, 12.0, 24.0, 0.0]})
    share = earned_by_month(products, 12)
    assert share[0, :3] == pytest.approx([1 / 3] * 3) and share[0, 3:].sum() == 0
    assert share[1].sum() == pytest.approx(1.0)
    assert share[2].sum() == pytest.approx(0.5)
    assert share[3].sum() == 0


def test_incidents_follow_the_truth_and_a_change_moves_only_its_category():
    n = 2000
    products = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "category": np.where(np.arange(n) < n // 2, "drone", "robotics"),
            "demo_months": 12.0,
        }
    )
    truth = pd.DataFrame(
        {
            "product_id": products["product_id"],
            "expected_performance_incidents": 1.2,
            "expected_safety_incidents": 2.4,
        }
    )
    plain = monthly_incidents(products, truth, 12, seed=1)
    assert plain["safety"].sum() / n == pytest.approx(2.4, rel=0.05)
    changed = monthly_incidents(products, truth, 12, [Change("safety", "drone", 2.0, 6)], seed=1)
    drone = products["category"].eq("drone").to_numpy()
    first, second = changed["safety"][drone, :6].sum(), changed["safety"][drone, 6:].sum()
    assert second / first == pytest.approx(2.0, rel=0.1)
    assert changed["safety"][~drone].sum() / (n / 2) == pytest.approx(2.4, rel=0.05)
    np.testing.assert_array_equal(changed["performance"], plain["performance"])


def test_a_cohort_whose_truth_changed_from_a_date_is_valid_and_flagged(model):
    from datetime import date

    from riskmodel.assessment import assess
    from riskmodel.monitoring import actual_against_expected
    from riskmodel.synthetic import generate_portfolio
    from riskmodel.synthetic.experience import changed_experience
    from riskmodel.validation import validate_tables

    portfolio, truth = generate_portfolio(1500, seed=51)
    start = date(2021, 1, 1)
    cohort, changed_truth = changed_experience(
        portfolio, truth, [Change("safety", "robotics", 3.0)], start=start, seed=2
    )
    data = validate_tables(cohort.tables(), complete_outcomes=True)
    assert len(data.rejects) == 0  # every incident inside its coverage period
    robotics = portfolio.products["category"].eq("robotics").to_numpy()
    before = truth.set_index("product_id").loc[portfolio.products["product_id"]]
    after = changed_truth.set_index("product_id").loc[portfolio.products["product_id"]]
    ratio = (
        after["expected_safety_incidents"].to_numpy()
        / before["expected_safety_incidents"].to_numpy()
    )
    starts = portfolio.products["coverage_start"].to_numpy()
    assert np.allclose(ratio[~robotics], 1.0)
    assert ratio[robotics & (starts >= np.datetime64(start))] == pytest.approx(3.0)
    assessment = assess(model, data.portfolio, n_jobs=1)
    segments = actual_against_expected(data.portfolio, assessment, date(2030, 1, 1)).segments
    safety = segments[(segments.target == "safety") & (segments.dimension == "category")]
    assert safety.set_index("value").loc["robotics", "alert"]
