"""Layer expectations under a lognormal: exact against numerical integration, and monotone."""

import numpy as np
import pytest
from scipy import integrate, stats

from riskmodel.layers import layer_expectation, lognormal_lev, mixture_layer_expectation


def _numeric_layer(d, limit, mu, sigma):
    dist = stats.lognorm(s=sigma, scale=np.exp(mu))
    value, _ = integrate.quad(lambda x: dist.sf(x), d, d + limit, limit=200)
    return value  # E[min(max(X-d,0),L)] = integral of the survival function over the layer


@pytest.mark.parametrize(
    ("d", "limit", "mu", "sigma"),
    [(0, 1e6, 13.0, 1.0), (5e5, 2e6, 13.0, 1.2), (1e7, 1e8, 15.0, 0.8), (1e5, 1e5, 11.0, 2.0)],
)
def test_the_layer_expectation_is_exact(d, limit, mu, sigma):
    expected = _numeric_layer(d, limit, mu, sigma)
    assert layer_expectation(d, limit, mu, sigma) == pytest.approx(expected, rel=1e-6)


def test_an_unlimited_layer_from_zero_is_the_mean_and_clipping_the_mean_is_wrong():
    mu, sigma = 13.0, 1.1
    mean = np.exp(mu + sigma**2 / 2)
    assert lognormal_lev(np.inf, mu, sigma) == pytest.approx(mean)
    assert layer_expectation(0.0, np.inf, mu, sigma) == pytest.approx(mean)
    d, limit = mean / 2, mean
    clipped = min(max(mean - d, 0), limit)  # the shortcut the issue forbids
    assert abs(layer_expectation(d, limit, mu, sigma) - clipped) > 0.05 * clipped


def test_monotone_in_deductible_and_limit():
    d = np.linspace(0, 5e6, 50)
    values = layer_expectation(d, 1e7, 14.0, 1.3)
    assert np.all(np.diff(values) <= 0)
    limits = np.linspace(0, 5e7, 50)
    values = layer_expectation(1e5, limits, 14.0, 1.3)
    assert values[0] == 0 and np.all(np.diff(values) >= 0)


def test_a_mixture_is_the_weighted_sum_of_its_components():
    one = layer_expectation(1e5, 1e7, 13.0, 1.0)
    two = layer_expectation(1e5, 1e7, 14.6, 1.2)
    mix = mixture_layer_expectation(1e5, 1e7, (0.7, 0.3), (13.0, 14.6), (1.0, 1.2))
    assert mix == pytest.approx(0.7 * one + 0.3 * two)


@pytest.mark.parametrize(
    ("kw", "words"),
    [({"sigma": -0.1}, "sigma"), ({"sigma": np.nan}, "sigma"), ({"u": -1.0}, "u must")],
)
def test_bad_parameters_are_refused(kw, words):
    args = {"u": 1.0, "mu": 0.0, "sigma": 1.0, **kw}
    with pytest.raises(ValueError, match=words):
        lognormal_lev(**args)


def test_a_zero_sigma_is_a_point_mass_and_the_limit_of_small_sigmas():
    """Fixed-benefit claims: every loss the same."""
    loss = 5e6
    for d, limit in ((0.0, np.inf), (1e6, 3e6), (6e6, 1e7), (1e6, 1e7)):
        exact = min(max(loss - d, 0.0), limit)
        assert float(layer_expectation(d, limit, np.log(loss), 0.0)) == pytest.approx(exact)
        near = float(layer_expectation(d, limit, np.log(loss), 1e-4))
        assert near == pytest.approx(exact, rel=1e-3, abs=1.0)
