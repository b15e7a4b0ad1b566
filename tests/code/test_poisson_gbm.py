"""PoissonGBMRegressor: the modelling core on plain claim-frequency data."""

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


def _fit(claims, **params):
    X, y, exposure, _ = claims
    return PoissonGBMRegressor(n_jobs=1, **params).fit(X, y, exposure=exposure)


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
        ({"learning_rate": 0}, "learning_rate must be a number > 0 and <= 1, got 0"),
        ({"num_leaves": 1}, "num_leaves must be an integer >= 2, got 1"),
        (
            {"validation_fraction": 1.5},
            "validation_fraction must be a number > 0 and <= 0.9, got 1.5",
        ),
        ({"monotone_constraints": {"height": 1}}, r"names columns not in X: \['height'\]"),
        ({"monotone_constraints": {"age": 2}}, "must be -1, 0 or 1"),
        ({"monotone_method": "exact"}, "monotone_method must be"),
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
