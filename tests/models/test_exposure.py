"""Learned exposure curves: non-decreasing, continuous, extrapolating, recovering an elasticity."""

import json

import numpy as np
import pytest

from riskmodel.models.exposure import ExposureCurve, fit_curves, make_knots


def test_knots_sit_at_quantiles_of_the_distinct_values():
    x = np.r_[np.ones(50), np.full(30, 2.0), np.arange(3, 23, dtype=float)]
    knots = make_knots(x, segments=4)
    assert knots[0] == 0.0 and knots[-1] == pytest.approx(np.log(22))
    assert np.all(np.diff(knots) > 0)
    assert len(make_knots(np.array([3.0, 6.0, 12.0] * 10), segments=4)) == 3  # few values
    assert len(make_knots(np.full(10, 12.0))) == 1  # a single value
    with pytest.raises(ValueError, match="segments must be an integer >= 1, got 0"):
        make_knots(x, segments=0)


def test_a_curve_is_continuous_non_decreasing_and_extends_its_outer_slopes():
    curve = ExposureCurve(np.log([1.0, 4.0, 16.0]), np.array([0.8, 0.3]))
    x = np.geomspace(0.1, 1000, 400)
    g = curve(x)
    assert np.all(np.diff(g) >= 0)
    assert np.max(np.abs(np.diff(g))) < 0.1  # no jumps
    assert curve(np.array([1.0]))[0] == 0.0
    assert curve(np.array([4.0]))[0] == pytest.approx(0.8 * np.log(4))
    # beyond the training range the outer slopes continue
    assert curve(np.array([1000.0]))[0] - curve(np.array([100.0]))[0] == pytest.approx(
        0.3 * np.log(10)
    )
    assert curve(np.array([0.5]))[0] == pytest.approx(0.8 * np.log(0.5))
    assert curve.elasticity(np.array([2.0, 8.0, 5000.0])).tolist() == [0.8, 0.3, 0.3]


def test_state_round_trips_and_refuses_a_negative_slope():
    curve = ExposureCurve(np.log([1.0, 4.0, 16.0]), np.array([0.8, 0.3]), 0.4, True)
    again = ExposureCurve.from_state(json.loads(json.dumps(curve.to_state())))
    np.testing.assert_array_equal(again(np.array([3.0, 30.0])), curve(np.array([3.0, 30.0])))
    state = curve.to_state() | {"slopes": [0.8, -0.1]}
    with pytest.raises(ValueError, match="slopes must be finite and >= 0"):
        ExposureCurve.from_state(state)


@pytest.mark.parametrize("elasticity", [0.5, 1.0, 1.4])
def test_fit_recovers_a_power_law_with_other_effects_in_the_design(elasticity):
    rng = np.random.default_rng(3)
    n = 20_000
    units = np.clip(np.round(np.exp(rng.normal(1.5, 1.1, n))), 1, 500)
    z = rng.normal(size=n) + 0.3 * np.log(units)  # a feature correlated with units
    y = rng.poisson(0.05 * units**elasticity * np.exp(0.5 * z))
    curves, _, gamma = fit_curves(
        {"units": units}, y, offset=np.zeros(n), design=z[:, None], ridge=0.0
    )
    assert np.average(curves["units"].slopes) == pytest.approx(elasticity, abs=0.08)
    assert gamma[0] == pytest.approx(0.5, abs=0.05)


def test_a_decreasing_truth_gives_flat_not_negative_slopes():
    rng = np.random.default_rng(4)
    units = rng.integers(1, 50, 10_000).astype(float)
    y = rng.poisson(2.0 / units)  # fewer claims with more units: not allowed to be learned
    curves, _, _ = fit_curves({"units": units}, y, offset=np.zeros(len(units)))
    assert np.all(curves["units"].slopes >= 0)
    assert np.all(curves["units"].slopes < 0.05)


def test_a_single_value_is_not_learned_and_stays_proportional():
    rng = np.random.default_rng(5)
    months = np.full(500, 12.0)
    y = rng.poisson(0.3, 500)
    curves, constant, _ = fit_curves({"months": months}, y, offset=np.zeros(500))
    assert not curves["months"].learned
    assert curves["months"].slopes.tolist() == [1.0]
    assert np.exp(constant) == pytest.approx(y.mean(), rel=1e-6)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="exposure 'units' must be 3 finite values > 0"):
        fit_curves({"units": np.array([1.0, 0.0, 2.0])}, np.ones(3), offset=np.zeros(3))
    with pytest.raises(ValueError, match="no claims"):
        fit_curves({"units": np.array([1.0, 3.0, 2.0])}, np.zeros(3), offset=np.zeros(3))
