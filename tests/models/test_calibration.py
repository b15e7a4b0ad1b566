"""The probability of at least one claim: Poisson kept for Poisson data, a frailty for
overdispersed counts, own exposure curves for clusters that grow with a fleet; exact rescaling."""

import json

import numpy as np
import pytest

from riskmodel.models.calibration import POISSON, ProbabilityCalibration, fit_calibration
from riskmodel.models.exposure import ExposureCurve, make_knots


def _units(rng, n):
    units = np.clip(np.round(np.exp(rng.normal(1.3, 1.0, n))), 1, 200)
    knots = make_knots(units, segments=3)
    return units, ExposureCurve(knots, np.full(len(knots) - 1, 1.0))


def test_poisson_counts_keep_the_poisson_probability():
    rng = np.random.default_rng(0)
    trees = rng.normal(-2.0, 0.8, 30_000)
    hit = rng.poisson(np.exp(trees)) > 0
    cal = fit_calibration(trees, {}, hit)
    assert cal.form == "poisson" and not cal.applied
    np.testing.assert_allclose(cal.risk(trees, {}, {}), -np.expm1(-np.exp(trees)))


def test_too_few_events_keep_the_poisson_probability():
    trees = np.full(200, -5.0)
    hit = np.zeros(200, dtype=bool)
    hit[:3] = True
    assert fit_calibration(trees, {}, hit) == ProbabilityCalibration(rows=200)


def test_overdispersed_counts_get_a_frailty_close_to_the_truth():
    rng = np.random.default_rng(1)
    n = 60_000
    trees = rng.normal(-1.2, 0.8, n)
    hit = rng.poisson(np.exp(trees) * rng.gamma(2.0, 0.5, n)) > 0  # frailty variance 0.5
    cal = fit_calibration(trees, {}, hit)
    assert cal.form == "frailty"
    assert cal.frailty == pytest.approx(0.5, abs=0.15)
    true = 1 - (1 + 0.5 * np.exp(trees)) ** -2.0
    assert cal.risk(trees, {}, {}).sum() / true.sum() == pytest.approx(1, abs=0.02)


def test_clusters_growing_with_units_get_own_exposure_curves():
    rng = np.random.default_rng(2)
    n = 60_000
    units, curve = _units(rng, n)
    events = np.exp(rng.normal(-2.0, 0.6, n)) * units**0.5
    size = 1 + 0.1 * (units - 1)  # a failure hits about a tenth of the other units too
    mu = events * size
    trees = np.log(mu) - curve(units)  # the count model's split of log mu
    hit = rng.poisson(events) > 0
    cal = fit_calibration(trees, {"units": (units, curve)}, hit)
    assert cal.own_curves
    own = cal.curves["units"]
    assert np.all(own.slopes >= 0) and np.all(own.slopes < 1.0)  # events grow slower than mu
    risk = cal.risk(trees, {"units": units}, {"units": curve})
    true = -np.expm1(-events)
    big = units > 20
    assert risk[big].sum() / true[big].sum() == pytest.approx(1, abs=0.06)
    assert -np.expm1(-mu[big]).sum() / true[big].sum() > 1.3  # what Poisson would say


def test_rescaling_through_a_frailty_adds_up_and_keeps_signs():
    cal = ProbabilityCalibration("frailty", frailty=0.7)
    rng = np.random.default_rng(3)
    contributions = rng.normal(0, 0.4, (50, 6))
    base = np.full(50, -1.5)
    scaled, new_base = cal.rescale(contributions, base)
    log_m = base + contributions.sum(axis=1)
    eta = np.log(-np.log1p(-cal.risk(log_m, {}, {})))
    np.testing.assert_allclose(new_base + scaled.sum(axis=1), eta, atol=1e-12)
    assert np.all(np.sign(scaled) == np.sign(contributions))
    assert POISSON.rescale(contributions, base)[0] is contributions


def test_state_round_trips():
    rng = np.random.default_rng(4)
    units, curve = _units(rng, 100)
    cal = ProbabilityCalibration(
        "frailty_curves",
        -0.2,
        0.9,
        {"units": curve.with_slopes([0.4, 0.5, 0.6][: len(curve.slopes)], 1.0)},
        0.3,
        12.0,
        100,
    )
    again = ProbabilityCalibration.from_state(json.loads(json.dumps(cal.to_state())))
    trees = rng.normal(-2, 1, 100)
    np.testing.assert_array_equal(
        again.risk(trees, {"units": units}, {}), cal.risk(trees, {"units": units}, {})
    )
    with pytest.raises(ValueError, match="form must be one of"):
        ProbabilityCalibration("negative_binomial")
    with pytest.raises(ValueError, match="frailty must be finite and >= 0"):
        ProbabilityCalibration("frailty", frailty=-1.0)


def test_rows_that_are_not_independent_do_not_fool_the_choice_of_form():
    # Poisson data, each product repeated as if 25 products of one company shared everything: the
    # likelihood-ratio test, which takes rows as independent, rejects Poisson (without groups a
    # richer form is kept); the out-of-fold check by company keeps Poisson.
    rng = np.random.default_rng(1)
    n, copies = 2_000, 25
    units, curve = _units(rng, n)
    trees = rng.normal(-2.0, 0.8, n)
    hit = rng.poisson(np.exp(trees + curve(units))) > 0
    rows = (np.repeat(trees, copies), {"units": (np.repeat(units, copies), curve)})
    fooled = fit_calibration(*rows, np.repeat(hit, copies))
    assert fooled.applied  # the in-sample test alone, and folds that split a company
    cal = fit_calibration(*rows, np.repeat(hit, copies), groups=np.repeat(np.arange(n), copies))
    assert cal.form == "poisson"


def test_real_overdispersion_passes_the_out_of_fold_check_by_company():
    rng = np.random.default_rng(3)
    companies = np.repeat(np.arange(6_000), 10)
    trees = rng.normal(-1.2, 0.8, len(companies))
    frailty = rng.gamma(2.0, 0.5, len(companies))  # per product: variance 0.5
    hit = rng.poisson(np.exp(trees) * frailty) > 0
    cal = fit_calibration(trees, {}, hit, groups=companies)
    assert cal.form == "frailty" and cal.frailty == pytest.approx(0.5, abs=0.15)
