"""LabTestFeatures: each feature computed by hand on one small product."""

import numpy as np
import pytest

from riskmodel.features import LabTestFeatures, normalised_margin
from riskmodel.reference import STANDARDS_CATALOGUE
from tests.builders import portfolio_with


def _features(tests):
    portfolio = portfolio_with(tests)
    return LabTestFeatures().fit(portfolio).transform(portfolio).iloc[0]


def test_counts_and_rates_by_kind():
    f = _features(
        [
            {"outcome": "pass"},
            {"outcome": "fail", "severity": "major", "standard": "IEC 62619"},
            {"outcome": "conditional", "severity": "minor", "standard": "UL 9540A"},
            {"test_kind": "emc", "standard": "IEC 61000-6-2"},
        ]
    )
    assert (f["tests_safety_passed"], f["tests_safety_failed"]) == (1, 1)
    assert f["tests_safety_failing_share"] == pytest.approx(1 / 3)  # conditional is no failure
    assert (f["tests_emc_passed"], f["tests_emc_failing_share"]) == (1, 0)
    assert np.isnan(f["tests_software_failing_share"])  # no software test at all
    assert f["tests_safety_related_worst_severity"] == 2
    assert f["tests_performance_related_worst_severity"] == 0


def test_a_failure_without_severity_counts_as_major():
    f = _features([{"outcome": "fail"}])
    assert f["tests_safety_related_worst_severity"] == 2


def test_unresolved_means_the_latest_test_of_the_standard_failed():
    f = _features(
        [
            {"outcome": "fail", "severity": "critical", "test_date": "2024-06-01"},
            {"outcome": "pass", "test_date": "2024-09-01"},  # fixed: resolved
            {"standard": "IEC 62619", "outcome": "pass", "test_date": "2024-06-01"},
            {
                "standard": "IEC 62619",
                "outcome": "fail",
                "severity": "minor",
                "test_date": "2024-09-01",
            },  # broke later: unresolved
        ]
    )
    assert f["tests_safety_related_unresolved"] == 1
    assert f["tests_safety_related_critical_failures"] == 1
    assert f["tests_safety_failing_share"] == pytest.approx(1 / 2)  # of 2 standards, 1 failing


def test_edition_suffixes_do_not_split_a_standard():
    f = _features(
        [
            {
                "standard": "IEC 62133-2:2017",
                "outcome": "fail",
                "severity": "major",
                "test_date": "2024-06-01",
            },
            {"standard": "iec 62133-2", "outcome": "pass", "test_date": "2024-09-01"},
        ]
    )
    assert f["tests_safety_related_unresolved"] == 0


def test_expected_standards_missing_counts_catalogue_standards_without_a_pass():
    expected = STANDARDS_CATALOGUE["battery_ess"]
    n_safety = sum(s.kind == "safety" for s in expected)
    n_perf = len(expected) - n_safety
    f = _features([])
    assert f["tests_safety_related_expected_missing"] == n_safety
    assert f["tests_performance_related_expected_missing"] == n_perf
    f = _features(
        [{"outcome": "pass"}, {"standard": "IEC 62619", "outcome": "fail", "severity": "minor"}]
    )
    assert f["tests_safety_related_expected_missing"] == n_safety - 1  # a failed test is no pass


def test_the_margin_of_a_fixed_failure_is_the_retests():
    f = _features(
        [
            {
                "outcome": "fail",
                "severity": "major",
                "measured_value": "190",
                "limit_value": "170",
                "higher_is_better": "false",
                "test_date": "2024-06-01",
            },
            {
                "measured_value": "153",
                "limit_value": "170",
                "higher_is_better": "false",
                "test_date": "2024-09-01",
            },
        ]
    )
    assert f["tests_safety_related_min_margin"] == pytest.approx(0.1)
    assert f["tests_safety_related_mean_margin"] == pytest.approx(0.1)  # the retest, not both
    assert (f["tests_safety_failed"], f["tests_safety_related_worst_severity"]) == (1, 0)


def test_minimum_margin_and_accredited_share():
    f = _features(
        [
            {"measured_value": "150", "limit_value": "170", "higher_is_better": "false"},
            {
                "standard": "UL 9540A",
                "measured_value": "66",
                "limit_value": "60",
                "higher_is_better": "true",
                "lab_accredited": "false",
            },
            {
                "standard": "IEC 62620",
                "test_kind": "performance",
                "outcome": "fail",
                "severity": "minor",
                "measured_value": "76",
                "limit_value": "80",
                "higher_is_better": "true",
            },
        ]
    )
    assert f["tests_safety_related_min_margin"] == pytest.approx(0.1)
    assert f["tests_performance_related_min_margin"] == pytest.approx(-0.05)
    # the average over the latest measured test of each standard: (20/170 + 6/60) / 2
    assert f["tests_safety_related_mean_margin"] == pytest.approx((20 / 170 + 0.1) / 2)
    assert f["tests_performance_related_mean_margin"] == pytest.approx(-0.05)
    assert f["tests_accredited_share"] == pytest.approx(0.5)  # of the two passed tests


def test_normalised_margin_is_missing_for_a_zero_or_absent_limit():
    out = normalised_margin([1.0, 1.0, np.nan], [0.0, np.nan, 5.0], [True, True, True])
    assert np.isnan(out).all()


def test_no_tests_at_all_gives_zero_counts_and_missing_rates():
    f = _features([])
    assert f["tests_safety_failed"] == 0 and np.isnan(f["tests_safety_failing_share"])
    assert np.isnan(f["tests_accredited_share"])


@pytest.mark.parametrize("outcome", ["fail", "pass"])
def test_adding_a_test_moves_every_feature_in_the_documented_direction(outcome):
    """The property the monotone constraints rely on (see the module docstring)."""
    base = [
        {
            "outcome": "pass",
            "measured_value": "150",
            "limit_value": "170",
            "higher_is_better": "false",
        },
        {"standard": "IEC 62619", "outcome": "fail", "severity": "minor"},
    ]
    extra = {
        "standard": "UL 1973",
        "outcome": outcome,
        "test_date": "2025-02-01",
        "severity": "critical" if outcome == "fail" else None,
        "measured_value": "200" if outcome == "fail" else "100",
        "limit_value": "170",
        "higher_is_better": "false",
    }
    transformer = LabTestFeatures().fit(portfolio_with(base))
    before = transformer.transform(portfolio_with(base)).iloc[0]
    after = transformer.transform(portfolio_with(base + [extra])).iloc[0]
    sign = 1 if outcome == "fail" else -1
    for spec in transformer.feature_specs_:
        direction = spec.constraint("safety")
        if direction == 0 or np.isnan(before[spec.name]) and np.isnan(after[spec.name]):
            continue
        change = np.nan_to_num(after[spec.name] - before[spec.name])
        assert change * direction * sign >= 0, spec.name
