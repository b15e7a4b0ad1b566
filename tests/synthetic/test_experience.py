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
