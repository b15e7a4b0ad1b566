"""The GLM and homogeneous baselines the audit compares the trees with."""

import numpy as np
import pandas as pd

from riskmodel.models.baseline import PoissonGLMBaseline


def _data(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "trl": rng.integers(3, 10, n).astype(float),
            "units": rng.integers(1, 50, n).astype(float),
            "zone": pd.Categorical(rng.choice(["a", "b"], n)),
        }
    )
    rate = np.exp(-1.0 - 0.2 * (X["trl"] - 6) + 0.5 * (X["zone"] == "b")) * X["units"] ** 0.7
    exposure = np.ones(n)
    return X, rng.poisson(rate), exposure, rate


def test_the_glm_recovers_effects_the_homogeneous_model_cannot():
    X, y, exposure, rate = _data()
    glm = PoissonGLMBaseline(log_features=["units"]).fit(X, y, exposure=exposure)
    mu = glm.predict(X, exposure=exposure)
    flat = glm.predict_homogeneous(exposure)
    assert np.allclose(flat, y.mean())
    assert np.corrcoef(np.log(mu), np.log(rate))[0, 1] > 0.95
    assert abs(mu.sum() / y.sum() - 1) < 0.01  # a Poisson GLM with intercept balances


def test_state_round_trips_the_predictions():
    X, y, exposure, _ = _data(500, seed=1)
    glm = PoissonGLMBaseline(log_features=["units"]).fit(X, y, exposure=exposure)
    again = PoissonGLMBaseline.from_state(glm.to_state())
    np.testing.assert_allclose(
        again.predict(X, exposure=exposure), glm.predict(X, exposure=exposure), rtol=1e-12
    )
