"""The probability of at least one claim when counts are not Poisson.

A Poisson frequency model estimates the expected number of claims ``mu`` well even when counts are
overdispersed (an unobserved frailty) or clustered (one failure at a site hits several units), but
its probability of at least one claim, ``1 - exp(-mu)``, is then too high: the claims come in
fewer, larger bunches. Write ``log mu = T + sum_j g_j(x_j)``, with ``g_j`` the learned exposure
curve of feature ``j`` (units, months) and ``T`` the rest (intercept and trees). The risk is

    risk = 1 - (1 + k * m) ** (-1 / k)      (1 - exp(-m) when k = 0),

the probability of at least one claim of a Poisson count with mean ``m`` times a gamma frailty of
mean 1 and variance ``k`` (negative binomial), where

- ``m = mu`` (``poisson`` when ``k = 0``; ``frailty`` otherwise: overdispersion), or
- ``log m = a + b * T + sum_j h_j(x_j)``, with ``h_j`` the probability's own non-decreasing
  exposure curve on the knots of ``g_j`` (``curves``, ``frailty_curves``): clustering that grows
  with the size of a fleet, whose incidents come in larger bunches.

The parameters are estimated by maximum likelihood of "at least one claim" on out-of-sample
predictions (the rows held out for early stopping). Forms are added one at a time, each kept only
when a likelihood-ratio test at 1% rejects the simpler one, so Poisson data keep the Poisson
probability. ``b >= 0`` and every curve is non-decreasing, and the risk grows with ``m``, so the
risk still never falls when a monotone feature or an exposure moves up.

Explanations: on the contract's scale the raw output is ``eta = log(-log(1 - risk))``. Without a
frailty ``eta = log m`` is additive, so SHAP contributions stay exact (the trees' contributions
times ``b``, each exposure feature's the value of its curve). With a frailty ``eta = f(log m)`` with
``f(z) = log(log(1 + k e^z) / k)`` increasing; each contribution to ``log m`` is then multiplied by
the same factor ``(f(log m) - f(base)) / (log m - base)`` (the slope of ``f`` at the base where they
coincide), so the contributions still add up exactly and keep their signs and proportions
(:meth:`ProbabilityCalibration.rescale`).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> log_mu = rng.normal(-1.5, 0.8, 100_000)
>>> frailty = rng.gamma(1.0, 1.0, 100_000)  # variance 1: strongly overdispersed
>>> hit = rng.poisson(np.exp(log_mu) * frailty) > 0
>>> cal = fit_calibration(log_mu, {}, hit)
>>> cal.form, round(cal.frailty, 1)
('frailty', 1.0)
>>> true = 1 - 1 / (1 + np.exp(log_mu))  # negative binomial with frailty variance 1
>>> poisson = -np.expm1(-np.exp(log_mu))
>>> round(float(poisson.sum() / true.sum()), 2), round(float(cal.risk(log_mu, {}, {}).sum()
...     / true.sum()), 2)
(1.15, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import minimize
from scipy.stats import chi2
from sklearn.model_selection import GroupKFold, KFold

from riskmodel.models.exposure import DEFAULT_SMOOTHING, MAX_SLOPE, ExposureCurve

__all__ = ["ProbabilityCalibration", "fit_calibration", "POISSON", "FORMS"]

FORMS = ("poisson", "frailty", "curves", "frailty_curves")
#: Level of the likelihood-ratio tests between the nested forms.
TEST_LEVEL = 0.01
#: Folds of the out-of-fold check a form must also pass (its likelihood on rows it was not
#: estimated on must beat the simpler form's).
CV_FOLDS = 5
#: How many standard errors (over the folds) the mean out-of-fold gain must exceed.
CV_STANDARD_ERRORS = 2.0
#: Fewest rows with and without a claim for a calibration to be estimated at all.
MIN_EVENTS = 50
#: Bounds of the log of the frailty variance (below, a frailty is indistinguishable from none).
_LOG_K = (-12.0, 3.0)


def _frailty_eta(z: np.ndarray, k: float) -> np.ndarray:
    """``log(log(1 + k e^z) / k)``: the cloglog of the probability of at least one claim of a
    Poisson count with mean ``e^z`` times a gamma frailty of variance ``k`` (``z`` when k = 0)."""
    z = np.asarray(z, dtype=float)
    if k <= 0:
        return z
    m = np.exp(np.clip(z, -700.0, 700.0))
    return np.log(np.log1p(k * m) / k)


@dataclass(frozen=True)
class ProbabilityCalibration:
    """``risk = 1 - exp(-exp(f(constant + trees_slope * T + sum_j curves[j](x_j))))``.

    Attributes
    ----------
    form : {"poisson", "frailty", "curves", "frailty_curves"}
        Without ``curves`` in the name, ``log m`` is the count model's ``log mu`` (``constant``,
        ``trees_slope`` and ``curves`` unused: the count model's own curves apply).
    constant, trees_slope : float
    curves : dict of str to ExposureCurve
        The probability's exposure curves (their ``reference`` is their mean over the training
        rows, for explanations).
    frailty : float
        ``k``, the variance of the gamma frailty (0: Poisson given ``m``).
    loglik_gain : float
        Log-likelihood gained over the Poisson probability on the rows it was estimated on.
    rows : int
        Rows it was estimated on.
    """

    form: str = "poisson"
    constant: float = 0.0
    trees_slope: float = 1.0
    curves: dict[str, ExposureCurve] = field(default_factory=dict)
    frailty: float = 0.0
    loglik_gain: float = 0.0
    rows: int = 0

    def __post_init__(self):
        if self.form not in FORMS:
            raise ValueError(f"form must be one of {FORMS}, got {self.form!r}")
        if not (np.isfinite(self.trees_slope) and self.trees_slope >= 0):
            raise ValueError(f"trees_slope must be finite and >= 0, got {self.trees_slope!r}")
        if not (np.isfinite(self.frailty) and self.frailty >= 0):
            raise ValueError(f"frailty must be finite and >= 0, got {self.frailty!r}")

    @property
    def applied(self) -> bool:
        return self.form != "poisson"

    @property
    def own_curves(self) -> bool:
        return self.form in ("curves", "frailty_curves")

    def exposure_curves(self, count_curves: Mapping[str, ExposureCurve]):
        """The curves of ``log m``: the probability's own, or the count model's."""
        return self.curves if self.own_curves else dict(count_curves)

    def trees_part(self, trees) -> np.ndarray:
        """The trees' part of ``log m`` (with the constant)."""
        trees = np.asarray(trees, dtype=float)
        return self.constant + self.trees_slope * trees if self.own_curves else trees

    def log_m(self, trees, exposures: Mapping[str, np.ndarray], count_curves) -> np.ndarray:
        """``log m``: additive in the trees' part and the exposure curves."""
        curves = self.exposure_curves(count_curves)
        base = self.trees_part(trees)
        return base + sum((c(exposures[name]) for name, c in curves.items()), np.zeros(len(base)))

    def eta(self, trees, exposures: Mapping[str, np.ndarray], count_curves) -> np.ndarray:
        """``log(-log(1 - risk))`` from the trees' part and the exposure values."""
        return _frailty_eta(self.log_m(trees, exposures, count_curves), self.frailty)

    def risk(self, trees, exposures, count_curves) -> np.ndarray:
        return -np.expm1(-np.exp(self.eta(trees, exposures, count_curves)))

    def rescale(self, contributions: np.ndarray, base: np.ndarray):
        """Contributions to ``log m`` (rows x features) and their base, as contributions to
        ``eta`` and its base: unchanged without a frailty, else each row's multiplied by
        ``(f(log m) - f(base)) / (log m - base)``."""
        if self.frailty <= 0:
            return contributions, base
        total = base + contributions.sum(axis=1)
        f_total, f_base = _frailty_eta(total, self.frailty), _frailty_eta(base, self.frailty)
        step = total - base
        m = np.exp(base)
        slope = m / ((1 + self.frailty * m) * np.exp(f_base))  # f'(base)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(np.abs(step) > 1e-9, (f_total - f_base) / step, slope)
        return contributions * factor[:, None], f_base

    def with_references(self, exposures: Mapping, weight) -> ProbabilityCalibration:
        """The same calibration with each own curve's reference set to its mean over
        ``exposures`` (the training rows)."""
        if not self.own_curves:
            return self
        curves = {
            name: c.with_slopes(c.slopes, float(np.average(c(exposures[name]), weights=weight)))
            for name, c in self.curves.items()
        }
        return replace(self, curves=curves)

    def to_state(self) -> dict:
        return {
            "form": self.form,
            "constant": float(self.constant),
            "trees_slope": float(self.trees_slope),
            "curves": {k: c.to_state() for k, c in self.curves.items()},
            "frailty": float(self.frailty),
            "loglik_gain": float(self.loglik_gain),
            "rows": int(self.rows),
        }

    @classmethod
    def from_state(cls, state: Mapping) -> ProbabilityCalibration:
        return cls(
            str(state["form"]),
            float(state["constant"]),
            float(state["trees_slope"]),
            {k: ExposureCurve.from_state(c) for k, c in state["curves"].items()},
            float(state["frailty"]),
            float(state["loglik_gain"]),
            int(state["rows"]),
        )


POISSON = ProbabilityCalibration()


def _loglik(eta: np.ndarray, hit: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Bernoulli log-likelihood of ``hit`` under the cloglog link, and its derivative in eta."""
    lam = np.exp(np.clip(eta, -50.0, 50.0))
    log_p = np.log(-np.expm1(-lam))  # log P(at least one)
    value = float(np.sum(w * np.where(hit, log_p, -lam)))
    # d/d eta: hit -> lam * exp(-lam) / p = lam / expm1(lam), no hit -> -lam
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.where(hit, lam / np.expm1(lam), -lam)
    return value, w * ratio


def _fit(
    D: np.ndarray, offset, hit, w, start, frailty: bool, constant: bool = True, pairs=()
) -> tuple[np.ndarray, float]:
    """Maximum likelihood of ``log m = offset + theta_1 + D @ theta_2:`` (``theta_2: >= 0``) and,
    with ``frailty``, of ``theta_0 = log k``; ``theta_0`` is held at 0 without a frailty and
    ``theta_1`` without a ``constant``. ``pairs`` of parameter positions (adjacent slopes of a
    curve) are pulled together as the exposure curves' are (``DEFAULT_SMOOTHING``); the
    log-likelihood returned is without that penalty."""
    n = len(hit)

    def objective(theta):
        z = offset + theta[1] + D @ theta[2:]
        if frailty:
            k = np.exp(theta[0])
            m = np.exp(np.clip(z, -700.0, 700.0))
            lam = np.log1p(k * m) / k
            eta = np.log(lam)
            r = m / ((1 + k * m) * lam)  # d eta / d z; d eta / d log k = r - 1
        else:
            eta, r = z, np.ones(n)
        value, d = _loglik(eta, hit, w)
        dz = d * r
        grad_k = float(np.sum(d * (r - 1))) if frailty else 0.0
        grad = np.r_[grad_k, np.sum(dz), D.T @ dz]
        for a, b in pairs:
            diff = theta[a] - theta[b]
            value -= 0.5 * DEFAULT_SMOOTHING * diff * diff
            grad[a] -= DEFAULT_SMOOTHING * diff
            grad[b] += DEFAULT_SMOOTHING * diff
        return -value / n, -grad / n

    bounds = [_LOG_K if frailty else (0.0, 0.0), (None, None) if constant else (0.0, 0.0)]
    bounds += [(0.0, MAX_SLOPE)] * D.shape[1]
    start = np.r_[start[0] if frailty else 0.0, start[1:]]
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
    )
    theta = result.x
    return theta, _evaluate(theta, D, offset, hit, w, frailty)


def _evaluate(theta, D, offset, hit, w, frailty: bool) -> float:
    """Log-likelihood of ``hit`` under the parameters ``theta`` of :func:`_fit`."""
    z = offset + theta[1] + D @ theta[2:]
    eta = _frailty_eta(z, float(np.exp(theta[0]))) if frailty else z
    return _loglik(eta, hit, w)[0]


def _folds(n: int, groups) -> list[tuple[np.ndarray, np.ndarray]]:
    """``CV_FOLDS`` splits of the rows for the out-of-fold check, keeping each group together
    when there are enough groups; deterministic."""
    if groups is not None and len(np.unique(groups)) >= CV_FOLDS:
        splitter = GroupKFold(n_splits=CV_FOLDS)
        return list(splitter.split(np.zeros(n), groups=groups))
    return list(KFold(n_splits=CV_FOLDS, shuffle=True, random_state=0).split(np.zeros(n)))


def _out_of_fold(folds, D, offset, hit, w, start, frailty, constant=True, pairs=()) -> np.ndarray:
    """Out-of-fold log-likelihood of a form, one value per fold: fitted on all folds but one,
    evaluated on that one."""
    values = []
    for fit_rows, test_rows in folds:
        theta, _ = _fit(
            D[fit_rows],
            offset[fit_rows],
            hit[fit_rows],
            w[fit_rows],
            start,
            frailty,
            constant,
            pairs,
        )
        values.append(
            _evaluate(theta, D[test_rows], offset[test_rows], hit[test_rows], w[test_rows], frailty)
        )
    return np.array(values)


def _better_out_of_fold(complex_: np.ndarray, simple: np.ndarray) -> bool:
    """Whether the per-fold out-of-fold gain of the complex form is positive beyond its noise:
    its mean more than ``CV_STANDARD_ERRORS`` standard errors above 0."""
    gain = complex_ - simple
    error = float(gain.std(ddof=1)) / np.sqrt(len(gain))
    return float(gain.mean()) > CV_STANDARD_ERRORS * error


def _significant(ll_complex: float, ll_simple: float, df: int) -> bool:
    return 2.0 * (ll_complex - ll_simple) > chi2.ppf(1.0 - TEST_LEVEL, df=df)


def fit_calibration(
    trees,
    exposures: Mapping[str, tuple[np.ndarray, ExposureCurve]],
    hit,
    weight=None,
    groups=None,
) -> ProbabilityCalibration:
    """Choose and estimate the calibration from out-of-sample predictions and observed hits.

    Forward selection from the Poisson probability: a frailty (1 parameter) if the test at 1%
    rejects Poisson; then the probability's own exposure curves (with a constant and a trees'
    slope) if the test rejects the form so far. A form is kept only if, besides, its
    log-likelihood out of fold (``CV_FOLDS`` folds, by group when given) beats the simpler
    form's by more than ``CV_STANDARD_ERRORS`` standard errors of the gain over the folds. The
    test alone, in-sample, treats rows as independent; products of one company are not, and on
    Poisson data it then keeps a ten-parameter form that moves the sums of risks by a few
    percent.

    Parameters
    ----------
    trees : array
        The trees' part ``T`` of each row's ``log mu``.
    exposures : mapping of str to (values, curve)
        Each exposure feature's values and the count model's curve (``log mu = T + sum g_j``).
    hit : array of bool
        Whether the row had at least one claim.
    weight : array, optional
        Row weights.
    groups : array, optional
        Group of each row (company) for the out-of-fold check.
    """
    trees = np.asarray(trees, dtype=float)
    hit = np.asarray(hit, dtype=bool)
    n = len(hit)
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    poisson = replace(POISSON, rows=n)
    if n == 0 or min(int(hit.sum()), int((~hit).sum())) < MIN_EVENTS:
        return poisson
    count = {name: curve(x) for name, (x, curve) in exposures.items()}
    log_mu = trees + sum(count.values(), np.zeros(n))
    ll_poisson = _loglik(log_mu, hit, w)[0]

    folds = _folds(n, None if groups is None else np.asarray(groups))
    none = np.zeros((n, 0))
    start = np.array([np.log(0.1), 0.0])
    theta, ll = _fit(none, log_mu, hit, w, start, frailty=True, constant=False)
    # Poisson has no parameter: its out-of-fold log-likelihood is its log-likelihood per fold
    oof_chosen = np.array([_loglik(log_mu[r], hit[r], w[r])[0] for _, r in folds])
    chosen, ll_chosen = poisson, ll_poisson
    if _significant(ll, ll_poisson, 1):
        oof = _out_of_fold(folds, none, log_mu, hit, w, start, frailty=True, constant=False)
        if _better_out_of_fold(oof, oof_chosen):
            k = float(np.exp(theta[0]))
            chosen = ProbabilityCalibration(
                "frailty", frailty=k, loglik_gain=ll - ll_poisson, rows=n
            )
            ll_chosen, oof_chosen = ll, oof

    # the probability's own exposure curves: ramps of the learnable curves, fixed ones in the offset
    blocks, fixed, learnable = [], np.zeros(n), []
    for name, (x, curve) in exposures.items():
        if curve.learned:
            blocks.append(curve.basis(x))
            learnable.append(name)
        else:
            fixed = fixed + curve(x)
    if not blocks:
        return chosen
    t_center = float(trees.mean())
    D = np.column_stack([trees - t_center, *blocks])
    with_frailty = chosen.frailty > 0
    start = np.r_[
        np.log(chosen.frailty) if with_frailty else 0.0,
        t_center,
        1.0,
        *[exposures[k][1].slopes for k in learnable],
    ]
    pairs, pos = [], 3  # positions of adjacent slopes of one curve in theta
    for name in learnable:
        size = len(exposures[name][1].slopes)
        pairs += [(pos + m, pos + m + 1) for m in range(size - 1)]
        pos += size
    own, ll_own = _fit(D, fixed, hit, w, start, frailty=with_frailty, pairs=pairs)
    df = D.shape[1] + 1  # a constant, the trees' slope and the curves' slopes
    if not _significant(ll_own, ll_chosen, df):
        return chosen
    oof = _out_of_fold(folds, D, fixed, hit, w, start, frailty=with_frailty, pairs=pairs)
    if not _better_out_of_fold(oof, oof_chosen):
        return chosen
    curves, pos = {name: c for name, (_, c) in exposures.items()}, 3
    for name in learnable:
        curve = exposures[name][1]
        size = len(curve.slopes)
        curves[name] = curve.with_slopes(np.maximum(own[pos : pos + size], 0.0))
        pos += size
    k = float(np.exp(own[0])) if with_frailty and own[0] > _LOG_K[0] + 1e-6 else 0.0
    return ProbabilityCalibration(
        "frailty_curves" if k > 0 else "curves",
        float(own[1] - own[2] * t_center),
        float(own[2]),
        curves,
        k,
        ll_own - ll_poisson,
        n,
    )
