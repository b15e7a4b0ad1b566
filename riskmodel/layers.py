"""Expected payments of an insurance layer under a lognormal (mixture) loss distribution.

A policy with deductible ``d`` and limit ``L`` per incident pays ``min(max(X - d, 0), L)`` for a
ground-up loss ``X``. Its expectation is ``LEV(d + L) - LEV(d)``, where the *limited expected value*
``LEV(u) = E[min(X, u)]`` of a lognormal ``X = exp(mu + sigma Z)`` is

    LEV(u) = exp(mu + sigma^2 / 2) * Phi((ln u - mu - sigma^2) / sigma)
             + u * (1 - Phi((ln u - mu) / sigma)).

This is the exact layer expectation under the fitted distribution, not the mean loss clipped to the
layer (which would overstate a high layer and understate a low one). A mixture's layer expectation
is the mixture of its components' layer expectations. ``sigma = 0`` is the limit of a point mass at
``exp(mu)`` (fixed-benefit claims): ``LEV(u) = min(exp(mu), u)``.

Examples
--------
>>> import numpy as np
>>> round(float(lognormal_lev(np.inf, 0.0, 1.0)), 6) == round(float(np.exp(0.5)), 6)
True
>>> float(layer_expectation(0.0, np.inf, 0.0, 1.0)) == float(lognormal_lev(np.inf, 0.0, 1.0))
True
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["lognormal_lev", "layer_expectation", "mixture_layer_expectation"]


def lognormal_lev(u, mu, sigma) -> np.ndarray:
    """``E[min(X, u)]`` for ``X`` lognormal with log-mean ``mu`` and log-sd ``sigma`` (>= 0; 0 is
    a point mass at ``exp(mu)``).

    Broadcasts over its arguments; ``u`` may be 0 (gives 0) or ``inf`` (gives the mean).
    """
    u, mu, sigma = np.broadcast_arrays(
        np.asarray(u, dtype=float), np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    )
    if np.any(sigma < 0) or not np.all(np.isfinite(sigma)):
        raise ValueError(f"sigma must be finite and >= 0, got minimum {float(np.min(sigma))!r}")
    if np.any(u < 0):
        raise ValueError(f"u must be >= 0, got minimum {float(np.min(u))!r}")
    point = sigma == 0
    s = np.where(point, 1.0, sigma)  # placeholder where the point-mass formula applies
    with np.errstate(divide="ignore"):
        log_u = np.log(u)
    mean = np.exp(mu + s**2 / 2)
    below = mean * ndtr((log_u - mu - s**2) / s)
    finite_u = np.where(np.isinf(u), 0.0, u)  # beyond an infinite cap nothing is left
    above = finite_u * (1 - ndtr((log_u - mu) / s))
    value = np.where(point, np.minimum(np.exp(mu), u), below + above)
    return np.where(u == 0, 0.0, value)


def layer_expectation(deductible, limit, mu, sigma) -> np.ndarray:
    """``E[min(max(X - deductible, 0), limit)]`` for a lognormal ``X``.

    Never increases with the deductible and never decreases with the limit.
    """
    deductible = np.asarray(deductible, dtype=float)
    limit = np.asarray(limit, dtype=float)
    if np.any(deductible < 0) or np.any(limit < 0):
        raise ValueError("deductible and limit must be >= 0")
    value = lognormal_lev(deductible + limit, mu, sigma) - lognormal_lev(deductible, mu, sigma)
    return np.maximum(value, 0.0)  # rounding can make an empty layer a hair negative


def mixture_layer_expectation(deductible, limit, weights, mus, sigmas) -> np.ndarray:
    """Layer expectation of a lognormal mixture: ``sum_j w_j E_j[layer]``.

    ``weights``, ``mus`` and ``sigmas`` are sequences (one entry per component) of arrays that
    broadcast with ``deductible`` and ``limit``.
    """
    return sum(
        np.asarray(w, dtype=float) * layer_expectation(deductible, limit, m, s)
        for w, m, s in zip(weights, mus, sigmas, strict=True)
    )
