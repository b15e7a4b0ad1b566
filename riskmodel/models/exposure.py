"""Learned exposure: how expected claims grow with units, months or miles, estimated from the data.

A frequency model with a fixed offset ``log(units x months)`` forces risk to grow one for one with
every unit deployed. Real demonstrations do not: units at one site share an operator, a site and a
failure mode, so a fleet of 40 is rarely 40 times as risky as one unit (California's autonomous
vehicles: disengagements grow with miles with an elasticity of about 0.6). Here each exposure
measure ``x`` enters the log of the expected count through a learned curve

    g(x) = sum_m slope_m * ramp_m(log x),    slope_m >= 0,

a continuous function, piecewise linear in ``log x`` with knots at quantiles of the training values.
Every slope is an elasticity (0.6: ten times the units, four times the claims) and none is negative
(nor above 3), so more exposure never lowers the expected count. Below the smallest and above the
largest training value the nearest segment's slope continues, so a fleet larger than any seen in
training still costs more. A measure with a single value in training carries no evidence about its
elasticity: it gets the proportional slope 1 (the classical offset), flagged ``learned = False``.

:func:`fit_curves` estimates the slopes by Poisson maximum likelihood (L-BFGS-B with the bounds
``slope >= 0``) with everything else in the model held in an offset, optionally together with the
coefficients of a linear design (the starting point of
:class:`~riskmodel.models.poisson_gbm.PoissonGBMRegressor`, which then alternates between its trees
and the curves). A small penalty on differences between adjacent slopes pulls thinly observed
segments towards their neighbours (a power law when the data say little).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> units = rng.integers(1, 60, 5000).astype(float)
>>> y = rng.poisson(0.2 * units ** 0.6)
>>> curves, _, _ = fit_curves({"units": units}, y, offset=np.zeros(5000))
>>> round(float(curves["units"].slopes.mean()), 1)
0.6
>>> bool(curves["units"](np.array([100.0]))[0] > curves["units"](np.array([50.0]))[0])
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

__all__ = ["ExposureCurve", "fit_curves", "make_knots", "DEFAULT_SEGMENTS"]

#: Segments of a curve when the data have enough distinct values.
DEFAULT_SEGMENTS = 6
#: Penalty on squared differences of adjacent slopes, in log-likelihood units: a normal prior on
#: each difference with standard deviation 0.1. Thinly observed segments (the first, 1 to 2 units)
#: lean on their neighbours; a change of elasticity the data show clearly survives.
DEFAULT_SMOOTHING = 100.0
#: The slope of a measure with a single training value: proportional, the classical offset.
UNLEARNED_SLOPE = 1.0
#: The largest elasticity a segment may take: risk growing faster than the cube of units or
#: months is not a demonstration's exposure but a few claims in a tiny portfolio.
MAX_SLOPE = 3.0
_MAX_ITER = 500


@dataclass(frozen=True)
class ExposureCurve:
    """A non-decreasing curve of ``log x``, anchored at ``g(exp(knots[0])) = 0``.

    Attributes
    ----------
    knots : ndarray
        Segment boundaries on the log scale, increasing (one knot: a single training value).
    slopes : ndarray
        The elasticity on each segment (``len(knots) - 1`` values, one for a single knot), >= 0.
    reference : float
        Mean of ``g`` over the training rows: explanations measure exposure against it.
    learned : bool
        False when the training data had a single value (the slope is then 1, not estimated).
    """

    knots: np.ndarray
    slopes: np.ndarray
    reference: float = 0.0
    learned: bool = True

    def basis(self, x) -> np.ndarray:
        """The ramps of ``log x``: one column per segment."""
        z = np.log(np.asarray(x, dtype=float))
        return _ramps(z, self.knots)

    def __call__(self, x) -> np.ndarray:
        """``g(x)`` (not centred)."""
        return self.basis(x) @ self.slopes

    def elasticity(self, x) -> np.ndarray:
        """The slope of ``g`` against ``log x`` at ``x`` (the right-hand slope at a knot)."""
        z = np.log(np.asarray(x, dtype=float))
        inner = self.knots[1:-1]
        return self.slopes[np.searchsorted(inner, z, side="right")]

    def with_slopes(self, slopes, reference: float | None = None) -> ExposureCurve:
        return ExposureCurve(
            self.knots,
            np.asarray(slopes, dtype=float),
            self.reference if reference is None else float(reference),
            self.learned,
        )

    def to_state(self) -> dict:
        return {
            "knots": [float(k) for k in self.knots],
            "slopes": [float(s) for s in self.slopes],
            "reference": float(self.reference),
            "learned": bool(self.learned),
        }

    @classmethod
    def from_state(cls, state: Mapping) -> ExposureCurve:
        slopes = np.asarray(state["slopes"], dtype=float)
        if np.any(slopes < 0) or not np.all(np.isfinite(slopes)):
            raise ValueError(f"exposure curve slopes must be finite and >= 0, got {list(slopes)}")
        return cls(
            np.asarray(state["knots"], dtype=float),
            slopes,
            float(state["reference"]),
            bool(state["learned"]),
        )


def _ramps(z: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Ramp functions of ``z``: the first extends below the first knot, the last above the last."""
    k = len(knots) - 1
    if k <= 0:  # a single knot: one linear term through it
        return (z - knots[0])[:, None]
    cols = []
    for m in range(k):
        lo = -np.inf if m == 0 else knots[m]
        hi = np.inf if m == k - 1 else knots[m + 1]
        cols.append(np.clip(z, lo, hi) - knots[m])
    return np.column_stack(cols)


def make_knots(x, weight=None, segments: int = DEFAULT_SEGMENTS) -> np.ndarray:
    """Knots on ``log x`` at weighted quantiles of the training values (distinct values only)."""
    if not (isinstance(segments, int | np.integer) and segments >= 1):
        raise ValueError(f"segments must be an integer >= 1, got {segments!r}")
    z = np.log(np.asarray(x, dtype=float))
    w = np.ones_like(z) if weight is None else np.asarray(weight, dtype=float)
    distinct = np.unique(z)
    if len(distinct) <= segments + 1:
        return distinct
    order = np.argsort(z, kind="stable")
    cum = np.cumsum(w[order])
    cum /= cum[-1]
    inner = [z[order][np.searchsorted(cum, q)] for q in np.arange(1, segments) / segments]
    return np.unique(np.r_[distinct[0], inner, distinct[-1]])


def _start(knots: np.ndarray) -> tuple[np.ndarray, bool]:
    """Starting slopes (proportional) and whether the curve can be learned at all."""
    if len(knots) == 1:
        return np.array([UNLEARNED_SLOPE]), False
    return np.full(len(knots) - 1, UNLEARNED_SLOPE), True


def fit_curves(
    exposures: Mapping[str, np.ndarray],
    y,
    *,
    offset,
    weight=None,
    design: np.ndarray | None = None,
    knots: Mapping[str, np.ndarray] | None = None,
    segments: int = DEFAULT_SEGMENTS,
    smoothing: float = DEFAULT_SMOOTHING,
    ridge: float = 1.0,
) -> tuple[dict[str, ExposureCurve], float, np.ndarray]:
    """Poisson maximum likelihood of the exposure curves, holding ``offset`` fixed.

    The log of the expected count of row ``i`` is
    ``offset_i + c + sum_j g_j(x_ij) + design_i @ gamma``; ``c`` (a constant), the slopes of every
    ``g_j`` (>= 0) and ``gamma`` (with an L2 penalty ``ridge``) are estimated together.

    Parameters
    ----------
    exposures : mapping of name to array
        Each exposure measure per row, finite and > 0.
    y : array
        Counts per row (>= 0).
    offset : array
        Everything else in the model, on the log scale.
    weight : array, optional
        Row weights (default 1).
    design : array of shape (n, p), optional
        Further linear terms estimated alongside (e.g. the features, for a starting point).
    knots : mapping of name to array, optional
        Knots per measure (default: :func:`make_knots` on these rows).
    segments, smoothing, ridge : see the module docstring.

    Returns
    -------
    curves : dict of name to ExposureCurve
        With ``reference`` the weighted mean of each curve over these rows.
    constant : float
        The estimated ``c``.
    gamma : ndarray
        Coefficients of ``design`` (empty without one).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    offset = np.asarray(offset, dtype=float)
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    knots = dict(knots or {})
    names = list(exposures)
    blocks, starts, learnable = [], [], []
    for name in names:
        x = np.asarray(exposures[name], dtype=float)
        if x.shape != (n,) or not np.all(np.isfinite(x)) or np.any(x <= 0):
            raise ValueError(f"exposure {name!r} must be {n} finite values > 0")
        if name not in knots:
            knots[name] = make_knots(x, w, segments)
        blocks.append(_ramps(np.log(x), knots[name]))
        slope0, ok = _start(knots[name])
        starts.append(slope0)
        learnable.append(ok)
    D = np.zeros((n, 0)) if design is None else np.asarray(design, dtype=float)
    curve_cols = np.hstack(blocks) if blocks else np.zeros((n, 0))
    sizes = [b.shape[1] for b in blocks]
    fixed = np.concatenate(
        [np.full(s, not ok) for s, ok in zip(sizes, learnable, strict=True)] or [np.zeros(0, bool)]
    )
    start = np.concatenate(starts) if starts else np.zeros(0)
    # fixed (unlearnable) slopes go into the offset; the rest is estimated
    base = offset + (curve_cols[:, fixed] @ start[fixed] if fixed.any() else 0.0)
    free_cols = curve_cols[:, ~fixed]
    X = np.hstack([np.ones((n, 1)), free_cols, D])
    n_free = free_cols.shape[1]
    # adjacent-slope differences within each learnable curve
    pairs, pos = [], 0
    for s, ok in zip(sizes, learnable, strict=True):
        if ok:
            pairs += [(1 + pos + m, 1 + pos + m + 1) for m in range(s - 1)]
            pos += s
    total_w = float(np.sum(w))
    claims = float(np.sum(w * y))
    if claims <= 0:
        raise ValueError("the rows have no claims: exposure curves cannot be estimated")
    theta0 = np.zeros(X.shape[1])
    theta0[1 : 1 + n_free] = start[~fixed]
    rate0 = np.log(claims / float(np.sum(w * np.exp(base + free_cols @ start[~fixed]))))
    theta0[0] = rate0

    def objective(theta):
        eta = base + X @ theta
        mu = np.exp(np.minimum(eta, 700.0))
        value = np.sum(w * (mu - y * eta))
        grad = X.T @ (w * (mu - y))
        gamma = theta[1 + n_free :]
        value += 0.5 * ridge * float(gamma @ gamma)
        grad[1 + n_free :] += ridge * gamma
        for a, b in pairs:
            d = theta[a] - theta[b]
            value += 0.5 * smoothing * d * d
            grad[a] += smoothing * d
            grad[b] -= smoothing * d
        return value / total_w, grad / total_w

    bounds = [(None, None)] + [(0.0, MAX_SLOPE)] * n_free + [(None, None)] * D.shape[1]
    result = minimize(
        objective,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": _MAX_ITER, "ftol": 1e-12, "gtol": 1e-8},
    )
    theta = result.x
    slopes = start.copy()
    slopes[~fixed] = theta[1 : 1 + n_free]
    curves, pos = {}, 0
    for name, s, ok, block in zip(names, sizes, learnable, blocks, strict=True):
        sl = np.maximum(slopes[pos : pos + s], 0.0)
        pos += s
        reference = float(np.average(block @ sl, weights=w)) if total_w > 0 else 0.0
        curves[name] = ExposureCurve(np.asarray(knots[name], dtype=float), sl, reference, ok)
    return curves, float(theta[0]), theta[1 + n_free :]
