"""PoissonGBMRegressor: the modelling core on plain claim-frequency data."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from riskmodel.models import PoissonGBMRegressor


@pytest.fixture(scope="module")
def claims():
    rng = np.random.default_rng(0)
    n = 6000
    X = pd.DataFrame(
        {
            "age": rng.uniform(18, 80, n),
            "region": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "noise": rng.normal(size=n),
        }
    )
    exposure = rng.uniform(0.1, 2.0, n)
    rate = np.exp(
        -2.0
        + 0.03 * (X["age"] - 50)
        + X["region"].map({"a": 0.0, "b": 0.5, "c": -0.5}).astype(float)
    )
    y = rng.poisson(exposure * rate)
    return X, y, exposure, rate


#: Leaves sized for these 6,000 rows (the defaults suit portfolios of 100,000 products and more).
SMALL = {"min_child_samples": 50, "reg_lambda": 1.0}


def _fit(claims, **params):
    X, y, exposure, _ = claims
    return PoissonGBMRegressor(n_jobs=1, **(SMALL | params)).fit(X, y, exposure=exposure)


def test_recovers_the_true_rates(claims):
    X, _, _, rate = claims
    model = _fit(claims)
    ratio = model.predict(X) / rate
    assert abs(np.mean(ratio) - 1) < 0.05
    assert np.corrcoef(np.log(model.predict(X)), np.log(rate))[0, 1] > 0.9


def test_exposure_is_an_offset(claims):
    X, *_ = claims
    model = _fit(claims, max_iter=50)
    one = model.predict(X.head(20))
    np.testing.assert_allclose(model.predict(X.head(20), exposure=np.full(20, 2.5)), 2.5 * one)
    np.testing.assert_allclose(model.predict_probability(X.head(20)), 1 - np.exp(-one))


def test_monotone_constraints_hold(claims):
    X, *_ = claims
    model = _fit(claims, monotone_constraints={"noise": -1, "age": 1}, max_iter=100)
    grid = pd.concat([X.head(1)] * 50, ignore_index=True)
    grid["noise"] = np.linspace(-3, 3, 50)
    assert np.all(np.diff(model.predict(grid)) <= 1e-12)
    grid["noise"] = 0.0
    grid["age"] = np.linspace(18, 80, 50)
    assert np.all(np.diff(model.predict(grid)) >= -1e-12)


def test_training_is_deterministic(claims):
    X, *_ = claims
    a, b = _fit(claims, max_iter=80), _fit(claims, max_iter=80)
    assert a.booster_.model_to_string() == b.booster_.model_to_string()
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_early_stopping_picks_fewer_trees_and_refits_on_all_rows(claims):
    model = _fit(claims, learning_rate=0.3, max_iter=2000, early_stopping_rounds=20)
    assert model.best_iteration_ < 2000
    assert model.n_iter_ == model.best_iteration_
    assert len(model.validation_deviance_) > model.best_iteration_


def test_state_round_trip_predicts_identically(claims):
    X, *_ = claims
    model = _fit(claims, max_iter=60)
    meta, text = model.to_state()
    restored = PoissonGBMRegressor.from_state(meta, text)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_columns_and_categories_are_checked_at_predict(claims):
    X, *_ = claims
    model = _fit(claims, max_iter=20)
    with pytest.raises(ValueError, match=r"missing \['noise'\], unexpected \['extra'\]"):
        model.predict(X.drop(columns="noise").assign(extra=1.0))
    bad = X.head(3).assign(region=pd.Categorical(["a", "z", "b"]))
    with pytest.raises(ValueError, match=r"column 'region' has categories unseen in fit: \['z'\]"):
        model.predict(bad)
    reordered = X.head(3).assign(
        region=pd.Categorical(X["region"].head(3).astype(str), categories=["c", "b", "a"])
    )
    np.testing.assert_allclose(model.predict(reordered), model.predict(X.head(3)))
    with pytest.raises(ValueError, match="text columns"):
        model.predict(X.head(3).assign(region=X["region"].head(3).astype(str)))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"learning_rate": 0},
            r"'learning_rate' parameter of PoissonGBMRegressor must be a float in the range "
            r"\(0.0, 1.0\]. Got 0 instead",
        ),
        ({"num_leaves": 1}, r"'num_leaves' .* an int in the range \[2, inf\). Got 1 instead"),
        (
            {"validation_fraction": 1.5},
            r"'validation_fraction' .* a float in the range \(0.0, 0.9\]. Got 1.5 instead",
        ),
        ({"monotone_constraints": {"height": 1}}, r"names columns not in X: \['height'\]"),
        ({"monotone_constraints": {"age": 2}}, "must be -1, 0 or 1"),
        ({"monotone_method": "exact"}, "'monotone_method' .* must be a str among .*'exact'"),
    ],
)
def test_parameter_errors_name_the_parameter_range_and_value(claims, params, message):
    with pytest.raises(ValueError, match=message):
        _fit(claims, **params)


def test_bad_targets_and_exposures_are_refused(claims):
    X, y, exposure, _ = claims
    with pytest.raises(ValueError, match="y must be finite counts >= 0; row 0"):
        PoissonGBMRegressor().fit(X, np.r_[-1, y[1:]], exposure=exposure)
    with pytest.raises(ValueError, match="exposure must be finite and > 0; row 1"):
        PoissonGBMRegressor().fit(X, y, exposure=np.r_[1.0, 0.0, exposure[2:]])
    with pytest.raises(ValueError, match="no claims at all"):
        PoissonGBMRegressor(early_stopping_rounds=None).fit(X, np.zeros(len(X)))


# ------------------------------------------------------------------------------ learned exposure
@pytest.fixture(scope="module")
def fleets():
    """Claims that grow with units as units ** 0.6 and with months proportionally; units are
    larger in region "b", so a model that ignores the curve would misattribute them."""
    rng = np.random.default_rng(1)
    n = 8000
    region = rng.choice(["a", "b"], n)
    units = np.clip(np.round(np.exp(rng.normal(1.2, 1.1, n))), 1, 400)
    units = np.where(region == "b", units * 4, units)
    months = rng.choice([3.0, 6.0, 12.0, 24.0], n)
    quality = rng.normal(size=n)
    rate = 0.12 * np.exp(0.3 * (region == "b") - 0.3 * quality) * units**0.6 * months / 12
    X = pd.DataFrame(
        {
            "quality": quality,
            "region": pd.Categorical(region),
            "units": units,
            "months": months,
        }
    )
    return X, rng.poisson(rate), rate


def _fit_fleets(fleets, **params):
    X, y, _ = fleets
    return PoissonGBMRegressor(
        n_jobs=1, exposure_features=["units", "months"], learning_rate=0.1, **params
    ).fit(X, y)


def test_learned_exposure_recovers_a_sublinear_elasticity(fleets):
    X, _, rate = fleets
    model = _fit_fleets(fleets)
    units = model.exposure_curves_["units"]
    assert units.learned and np.all(units.slopes >= 0)
    assert np.average(units.slopes) == pytest.approx(0.6, abs=0.12)
    assert np.average(model.exposure_curves_["months"].slopes) == pytest.approx(1.0, abs=0.15)
    assert "units" not in model.tree_columns_ and "months" not in model.tree_columns_
    predicted = model.predict(X)
    for lo, hi in ((1, 1), (2, 7), (8, 40), (41, np.inf)):
        band = (X["units"] >= lo) & (X["units"] <= hi)
        assert predicted[band].sum() / rate[band].sum() == pytest.approx(1.0, abs=0.1)


def test_more_exposure_never_lowers_the_expected_count_even_beyond_the_training_range(fleets):
    X, *_ = fleets
    model = _fit_fleets(fleets, max_iter=80)
    grid = pd.concat([X.head(1)] * 60, ignore_index=True)
    grid["units"] = np.geomspace(0.2, 20_000, 60)  # below and above anything seen in training
    assert np.all(np.diff(model.predict(grid)) >= -1e-12)
    assert model.predict(grid)[-1] > model.predict(grid.iloc[[-10]])[0]  # still grows
    grid["units"] = 5.0
    grid["months"] = np.linspace(0.5, 60, 60)
    assert np.all(np.diff(model.predict(grid)) >= -1e-12)


def test_contributions_of_curves_and_trees_add_up(fleets):
    X, *_ = fleets
    model = _fit_fleets(fleets, max_iter=60)
    contributions, base = model.predict_contributions(X.head(50))
    assert list(contributions.columns) == list(X.columns)
    np.testing.assert_allclose(base + contributions.sum(axis=1), model.predict_raw(X.head(50)))
    calibrated, base = model.predict_contributions(X.head(50), calibrated=True)
    risk = -np.expm1(-np.exp(base + calibrated.sum(axis=1)))
    np.testing.assert_allclose(risk, model.predict_probability(X.head(50)), rtol=1e-12)


def test_starting_curves_can_be_given_and_kept(fleets):
    X, y, _ = fleets
    est = PoissonGBMRegressor(
        n_jobs=1, max_iter=30, exposure_features=["units", "months"], exposure_backfit=False
    )
    start = est.start_curves(X, y)
    assert np.average(start["units"].slopes) == pytest.approx(0.6, abs=0.12)
    model = est.fit(X, y, exposure_curves=start)
    for name, curve in start.items():  # kept as given: the trees are fitted around them
        np.testing.assert_array_equal(model.exposure_curves_[name].slopes, curve.slopes)
    backfitted = PoissonGBMRegressor(
        n_jobs=1, max_iter=30, exposure_features=["units", "months"]
    ).fit(X, y, exposure_curves=start)
    assert not np.array_equal(backfitted.exposure_curves_["units"].slopes, start["units"].slopes)
    with pytest.raises(ValueError, match="'exposure_backfit' parameter .* Got 'no' instead"):
        PoissonGBMRegressor(exposure_features=["units"], exposure_backfit="no").fit(X, y)


def test_a_single_training_value_is_not_learned_and_stays_proportional(fleets):
    X, y, _ = fleets
    one_month = X.assign(months=12.0)
    model = PoissonGBMRegressor(n_jobs=1, max_iter=40, exposure_features=["units", "months"]).fit(
        one_month, y
    )
    months = model.exposure_curves_["months"]
    assert not months.learned and months.slopes.tolist() == [1.0]
    six = model.predict(one_month.head(5).assign(months=6.0))
    np.testing.assert_allclose(six * 2, model.predict(one_month.head(5)))


def test_state_with_curves_and_calibration_round_trips(fleets):
    X, *_ = fleets
    model = _fit_fleets(fleets, max_iter=40)
    meta, text = model.to_state()
    restored = PoissonGBMRegressor.from_state(json.loads(json.dumps(meta)), text)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.predict_probability(X), model.predict_probability(X))


def test_a_state_without_curves_still_loads(claims):
    X, *_ = claims
    model = _fit(claims, max_iter=20)
    meta, text = model.to_state()
    old = {k: v for k, v in meta.items() if k not in ("tree_columns_", "exposure_curves_")}
    old = {
        **old,
        "version": 1,
        "params": {
            k: v
            for k, v in meta["params"].items()
            if k not in ("exposure_features", "exposure_segments", "calibrate_probability")
        },
    }
    old.pop("calibration_")
    np.testing.assert_array_equal(
        PoissonGBMRegressor.from_state(old, text).predict(X), model.predict(X)
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"units": 0.0}, r"exposure feature 'units' must be finite and > 0; row 0 has 0.0"),
        ({"units": np.nan}, "exposure feature 'units' must be finite and > 0; row 0 has nan"),
    ],
)
def test_bad_exposure_values_are_refused_naming_column_row_and_value(fleets, change, message):
    X, y, _ = fleets
    bad = X.copy()
    for col, value in change.items():
        bad.loc[0, col] = value
    with pytest.raises(ValueError, match=message):
        PoissonGBMRegressor(exposure_features=["units"], max_iter=5).fit(bad, y)


def test_exposure_feature_errors(fleets):
    X, y, _ = fleets
    with pytest.raises(ValueError, match="exposure feature 'miles' is not a column of X"):
        PoissonGBMRegressor(exposure_features=["miles"]).fit(X, y)
    with pytest.raises(ValueError, match="exposure feature 'region' must be numeric"):
        PoissonGBMRegressor(exposure_features=["region"]).fit(X, y)
    with pytest.raises(ValueError, match=r"may give them only \+1"):
        PoissonGBMRegressor(exposure_features=["units"], monotone_constraints={"units": -1}).fit(
            X, y
        )
    with pytest.raises(ValueError, match="'exposure_features' parameter .* Got 'units' instead"):
        PoissonGBMRegressor(exposure_features="units").fit(X, y)
    with pytest.raises(ValueError, match="at least one column besides the exposure features"):
        PoissonGBMRegressor(exposure_features=["units"]).fit(X[["units"]], y)


# ------------------------------------------------------------------- probability calibration
def test_overdispersed_counts_get_a_calibrated_probability():
    rng = np.random.default_rng(2)
    n = 20_000
    X = pd.DataFrame({"x": rng.normal(size=n), "units": rng.integers(1, 30, n).astype(float)})
    mean = 0.3 * np.exp(0.5 * X["x"]) * X["units"] ** 0.5
    y = rng.poisson(mean * rng.gamma(1.0, 1.0, n))  # frailty variance 1
    model = PoissonGBMRegressor(n_jobs=1, learning_rate=0.1, exposure_features=["units"]).fit(X, y)
    assert model.calibration_.applied
    true = 1 - 1 / (1 + mean)  # P(at least one) of a negative binomial with that frailty
    poisson = -np.expm1(-model.predict(X))
    calibrated = model.predict_probability(X)
    assert abs(calibrated.sum() / true.sum() - 1) < 0.03 < poisson.sum() / true.sum() - 1
    assert model.predict(X).sum() / mean.sum() == pytest.approx(1, abs=0.03)  # counts unchanged
    count, probability = model.predict_count_and_probability(X)  # one pass, the same numbers
    np.testing.assert_array_equal(count, model.predict(X))
    np.testing.assert_array_equal(probability, calibrated)


def test_poisson_counts_keep_the_poisson_probability(claims):
    X, *_ = claims
    model = _fit(claims)
    assert not model.calibration_.applied
    np.testing.assert_allclose(model.predict_probability(X), -np.expm1(-model.predict(X)))


@parametrize_with_checks(
    [
        PoissonGBMRegressor(
            max_iter=50,
            learning_rate=0.3,
            early_stopping_rounds=None,
            min_child_samples=1,
            min_data_per_group=1,
            n_jobs=1,
        )
    ],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": (
            "LightGBM counts rows, not weights, in min_data_in_leaf"
        ),
    },
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
