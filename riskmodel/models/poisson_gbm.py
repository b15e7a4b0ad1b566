"""A gradient-boosted Poisson frequency model with an exposure offset, on LightGBM.

This is riskmodel's modelling core. It knows nothing about products: give it a feature table, claim
counts and exposures, and it estimates the expected number of claims per unit of exposure,

    E[count] = exposure * exp(intercept_ + sum_j g_j(x_j) + F(x)),

where ``F`` is a sum of trees fitted with LightGBM's Poisson objective and ``log(exposure)`` enters
as a fixed offset. Columns named in ``exposure_features`` (units, months, miles) are kept out of the
trees: each enters through a learned non-decreasing curve ``g_j`` of its logarithm
(:mod:`riskmodel.models.exposure`), so the data decide how claims grow with them and more exposure
never lowers the expected count. Curves and trees are fitted by backfitting: curves from a Poisson
GLM on the features (:meth:`start_curves`), trees given the curves, curves given the trees, the
final trees, and the curves once more (``exposure_backfit=False`` keeps the starting curves).
Monotone constraints fix the direction of a feature's effect where it is known. The probability of
at least one claim is ``1 - exp(-expected count)`` unless the rows held out for early stopping show
that counts are not Poisson (overdispersed or clustered): then it is recalibrated
(:mod:`riskmodel.models.calibration`). Early stopping picks the number of trees on a validation
split; the final model is then refitted on all rows with that number of trees (``refit_full``).
Training is deterministic for a given ``random_state`` and ``n_jobs``.

It works on any claim-frequency table, e.g. freMTPL2 (see ``scripts/bench_fremtpl2.py``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.uniform(18, 80, 2000)})
>>> exposure = rng.uniform(0.1, 1.0, 2000)
>>> y = rng.poisson(exposure * np.exp(-2 + 0.02 * (X["age"] - 50)))
>>> model = PoissonGBMRegressor(max_iter=50, monotone_constraints={"age": 1}).fit(
...     X, y, exposure=exposure)
>>> bool(model.predict(pd.DataFrame({"age": [70.0]}))[0]
...      >= model.predict(pd.DataFrame({"age": [20.0]}))[0])
True
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import d2_tweedie_score
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from riskmodel.models.baseline import PoissonGLMBaseline
from riskmodel.models.calibration import POISSON, ProbabilityCalibration, fit_calibration
from riskmodel.models.exposure import DEFAULT_SEGMENTS, ExposureCurve, fit_curves, make_knots
from riskmodel.models.treeshap import TreeShap

__all__ = ["PoissonGBMRegressor"]

STATE_VERSION = 2  # 2: exposure curves

logger = logging.getLogger(__name__)


def _as_1d(name: str, values, n: int, *, default: float | None = None) -> np.ndarray:
    if values is None:
        return np.full(n, default, dtype="float64")
    arr = np.asarray(values, dtype="float64").reshape(-1)
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values but X has {n} rows")
    return arr


class PoissonGBMRegressor(RegressorMixin, BaseEstimator):
    """Poisson gradient boosting with a log-exposure offset.

    The defaults are riskmodel's chosen settings (README, "Regularising the riskiest products" and
    "Robustness"); a training config's ``[performance]`` and ``[safety]`` sections are keyword
    arguments of this class, and :attr:`_parameter_constraints` is the one place their allowed
    values are declared.

    Parameters
    ----------
    learning_rate : float, default=0.05
        Shrinkage of each tree, in (0, 1].
    max_iter : int, default=3000
        Maximum number of trees, >= 1 (early stopping usually ends far sooner).
    num_leaves : int, default=15
        Maximum leaves per tree, >= 2.
    max_depth : int, default=-1
        Maximum tree depth; -1 for no limit.
    min_child_samples : int, default=200
        Minimum rows in a leaf. With ``reg_lambda`` it keeps the riskiest products (several open
        failures, open public access, many unit-years) out of thin leaves whose unregularised
        Poisson values overshoot.
    reg_lambda : float, default=100.0
        L2 penalty on leaf values.
    colsample : float, default=0.9
        Share of features considered per tree, in (0, 1].
    max_bin : int, default=255
        Histogram bins per numeric feature.
    monotone_constraints : dict of str to int, or sequence of int, optional
        Direction of each feature's effect (+1 increasing, -1 decreasing, 0 free); a dict is keyed
        by column name and may leave features out.
    monotone_method : {"basic", "intermediate", "advanced"}, default="intermediate"
        LightGBM's method for enforcing the constraints.
    early_stopping_rounds : int or None, default=100
        Stop when the validation Poisson deviance has not improved for this many trees.
    validation_fraction : float, default=0.2
        Share of rows held out for early stopping when no ``eval_set`` is given, in (0, 0.9].
    refit_full : bool, default=True
        After early stopping, refit on all rows with the chosen number of trees.
    cat_smooth : float, default=10.0
        Smoothing of categorical splits.
    min_data_per_group : int, default=50
        Minimum rows per category in a categorical split.
    random_state : int, default=0
        Seed for the validation split and LightGBM.
    n_jobs : int, default=2
        Threads LightGBM uses (for training and prediction).
    exposure_features : sequence of str, default=()
        Columns of X (numbers > 0) that measure exposure; each enters through a learned
        non-decreasing curve of its logarithm instead of the trees.
    exposure_segments : int, default=6
        Segments of each exposure curve (fewer when the column has fewer distinct values).
    exposure_backfit : bool, default=True
        Re-estimate the exposure curves given the trees (after early stopping and after the final
        trees); False keeps the starting curves (``start_curves`` or those given to ``fit``).
    calibrate_probability : bool, default=True
        Recalibrate the probability of at least one claim on the rows held out for early stopping
        when they reject the Poisson probability (needs the internal validation split).

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The fitted trees.
    intercept_ : float
        Log of the overall claim frequency per unit of exposure on the training rows.
    feature_names_in_ : ndarray of str
        Column names seen in fit (only when X was a DataFrame).
    columns_ : list of str
        Column names used internally (``x0``, ``x1``, ... for arrays).
    tree_columns_ : list of str
        The columns the trees use (``columns_`` without the exposure features).
    exposure_curves_ : dict of str to ExposureCurve
        The learned curve of each exposure feature.
    calibration_ : ProbabilityCalibration
        How the probability of at least one claim follows from the expected count.
    categories_ : dict of str to list
        Categories of each categorical column seen in fit.
    best_iteration_ : int
        Number of trees chosen by early stopping (``max_iter`` without it).
    n_iter_ : int
        Number of trees in ``booster_``.
    validation_deviance_ : list of float
        Mean Poisson deviance on the validation rows after each tree (empty without validation).
    validation_index_ : ndarray of int
        Rows held out for early stopping by the internal split (empty otherwise).
    validation_prediction_ : ndarray of float
        Expected counts of those rows from the model before the refit: out-of-sample predictions
        for evaluating the configuration. Not saved by :meth:`to_state`.
    validation_risk_ : ndarray of float
        Their probabilities of at least one claim (calibrated). Not saved.
    """

    _parameter_constraints: dict = {
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "num_leaves": [Interval(Integral, 2, None, closed="left")],
        "max_depth": [Interval(Integral, -1, None, closed="left")],
        "min_child_samples": [Interval(Integral, 1, None, closed="left")],
        "reg_lambda": [Interval(Real, 0, None, closed="left")],
        "colsample": [Interval(Real, 0, 1, closed="right")],
        "max_bin": [Interval(Integral, 2, None, closed="left")],
        "monotone_constraints": [Mapping, "array-like", None],
        "monotone_method": [StrOptions({"basic", "intermediate", "advanced"})],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 0.9, closed="right")],
        "refit_full": ["boolean"],
        "cat_smooth": [Interval(Real, 0, None, closed="left")],
        "min_data_per_group": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
        "exposure_features": [list, tuple],
        "exposure_segments": [Interval(Integral, 1, None, closed="left")],
        "exposure_backfit": ["boolean"],
        "calibrate_probability": ["boolean"],
    }

    def __init__(
        self,
        *,
        learning_rate: float = 0.05,
        max_iter: int = 3000,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_child_samples: int = 200,
        reg_lambda: float = 100.0,
        colsample: float = 0.9,
        max_bin: int = 255,
        monotone_constraints: Mapping[str, int] | Sequence[int] | None = None,
        monotone_method: str = "intermediate",
        early_stopping_rounds: int | None = 100,
        validation_fraction: float = 0.2,
        refit_full: bool = True,
        cat_smooth: float = 10.0,
        min_data_per_group: int = 50,
        random_state: int = 0,
        n_jobs: int = 2,
        exposure_features: Sequence[str] = (),
        exposure_segments: int = DEFAULT_SEGMENTS,
        exposure_backfit: bool = True,
        calibrate_probability: bool = True,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.colsample = colsample
        self.max_bin = max_bin
        self.monotone_constraints = monotone_constraints
        self.monotone_method = monotone_method
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.refit_full = refit_full
        self.cat_smooth = cat_smooth
        self.min_data_per_group = min_data_per_group
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.exposure_features = exposure_features
        self.exposure_segments = exposure_segments
        self.exposure_backfit = exposure_backfit
        self.calibrate_probability = calibrate_probability

    # ------------------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        """Every parameter against :attr:`_parameter_constraints` (scikit-learn's own check:
        the error names the parameter, what is allowed and the value received), then what no
        single constraint can say."""
        self._validate_params()
        features = self.exposure_features
        if not all(isinstance(f, str) for f in features):
            raise InvalidParameterError(
                f"The 'exposure_features' parameter of {type(self).__name__} must be a sequence "
                f"of column names. Got {features!r} instead."
            )
        if len(set(features)) != len(features):
            raise InvalidParameterError(
                f"The 'exposure_features' parameter of {type(self).__name__} names a column "
                f"twice. Got {list(features)!r} instead."
            )

    def _as_frame(self, X, *, fitting: bool) -> pd.DataFrame:
        """X as a DataFrame with the fit's columns; arrays get scikit-learn's standard checks."""
        if not isinstance(X, pd.DataFrame):
            arr = validate_data(
                self, X, reset=fitting, ensure_all_finite="allow-nan", dtype="numeric"
            )
            frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        else:
            frame = X
            if not all(isinstance(c, str) for c in frame.columns):
                frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
            if (fitting and frame.shape[0] == 0) or frame.shape[1] == 0:
                raise ValueError(
                    f"X is empty (shape {frame.shape}): need at least one row and one column"
                )
            bad = [  # read from the dtypes, not column by column: this runs on every predict
                c
                for c, dtype in frame.dtypes.items()
                if not (
                    isinstance(dtype, pd.CategoricalDtype)
                    or pd.api.types.is_numeric_dtype(dtype)
                    or pd.api.types.is_bool_dtype(dtype)
                )
            ]
            if bad:
                raise ValueError(
                    f"columns {bad} are neither numeric nor categorical; cast text "
                    "columns to pandas 'category' with fixed categories"
                )
            if fitting:
                self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
                self.n_features_in_ = frame.shape[1]
        if fitting:
            return frame
        expected = list(self.columns_)
        if list(frame.columns) != expected:
            missing = [c for c in expected if c not in frame.columns]
            extra = [c for c in frame.columns if c not in expected]
            if missing or extra:
                raise ValueError(
                    f"X does not have the columns seen in fit: missing {missing}, "
                    f"unexpected {extra}"
                )
            frame = frame[expected]
        dtypes = frame.dtypes
        for col, cats in self.categories_.items():
            dtype = dtypes[col]
            if not isinstance(dtype, pd.CategoricalDtype) or list(dtype.categories) != list(cats):
                if not isinstance(dtype, pd.CategoricalDtype):
                    raise ValueError(f"column {col!r} must be categorical as in fit, got {dtype}")
                values = frame[col].astype("object")
                unseen = sorted(set(values.dropna()) - set(cats), key=str)
                if unseen:
                    raise ValueError(
                        f"column {col!r} has categories unseen in fit: {unseen[:10]} "
                        f"(known: {list(cats)[:20]})"
                    )
                frame = frame.assign(**{col: pd.Categorical(values, categories=cats)})
        return frame

    def _lgb_params(self, monotone: list[int]) -> dict:
        return {
            "objective": "poisson",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.reg_lambda,
            "feature_fraction": self.colsample,
            "max_bin": self.max_bin,
            "monotone_constraints": monotone,
            "monotone_constraints_method": self.monotone_method,
            "cat_smooth": self.cat_smooth,
            "min_data_per_group": self.min_data_per_group,
            "max_cat_to_onehot": 4,
            "seed": self.random_state,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.n_jobs,
            "verbosity": -1,
            "metric": "poisson",
        }

    def _monotone_list(self, columns: list[str]) -> list[int]:
        """One constraint per tree column; an exposure feature may be named with +1 (its curve
        is non-decreasing by construction) and nothing else."""
        spec = self.monotone_constraints
        exposure = set(self.exposure_features)
        if spec is None:
            return [0] * len(columns)
        if isinstance(spec, Mapping):
            unknown = [k for k in spec if k not in columns and k not in exposure]
            if unknown:
                raise ValueError(f"monotone_constraints names columns not in X: {unknown}")
            wrong = {k: v for k, v in spec.items() if k in exposure and int(v) != 1}
            if wrong:
                raise ValueError(
                    "exposure features are non-decreasing by construction; monotone_constraints "
                    f"may give them only +1, got {wrong}"
                )
            values = [int(spec.get(c, 0)) for c in columns]
        else:
            values = [int(v) for v in spec]
            if len(values) != len(columns):
                raise ValueError(
                    f"monotone_constraints has {len(values)} entries but the trees use "
                    f"{len(columns)} columns"
                )
        if any(v not in (-1, 0, 1) for v in values):
            raise ValueError(f"monotone_constraints values must be -1, 0 or 1, got {values}")
        return values

    def _exposure_values(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Each exposure feature as floats, refusing anything but finite numbers > 0."""
        out = {}
        for col in self.exposure_features:
            if col not in frame.columns:
                raise ValueError(
                    f"exposure feature {col!r} is not a column of X "
                    f"(columns: {list(frame.columns)})"
                )
            if not pd.api.types.is_numeric_dtype(frame[col]):
                raise ValueError(
                    f"exposure feature {col!r} must be numeric, got {frame[col].dtype}"
                )
            x = frame[col].to_numpy(dtype="float64", na_value=np.nan)
            bad = ~np.isfinite(x) | (x <= 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"exposure feature {col!r} must be finite and > 0; "
                    f"row {row} has {float(x[row])}"
                )
            out[col] = x
        return out

    @staticmethod
    def _curve_offset(values: dict[str, np.ndarray], curves, rows=slice(None)):
        """Sum of the exposure curves per row (0 without exposure features)."""
        return sum((curve(values[col][rows]) for col, curve in curves.items()), 0.0)

    # ------------------------------------------------------------------------------- fit
    def fit(
        self,
        X,
        y,
        *,
        exposure=None,
        sample_weight=None,
        groups=None,
        eval_set=None,
        callbacks: Sequence[Callable] | None = None,
        exposure_curves: Mapping[str, ExposureCurve] | None = None,
    ) -> PoissonGBMRegressor:
        """Fit the model.

        Parameters
        ----------
        X : DataFrame or array of shape (n, p)
            Features; categorical columns must have pandas ``category`` dtype.
        y : array of shape (n,)
            Claim counts (non-negative; fractional values are allowed).
        exposure : array of shape (n,), optional
            Exposure of each row (> 0) with elasticity 1, e.g. policy-years; default 1.
        sample_weight : array of shape (n,), optional
            Row weights (>= 0).
        groups : array of shape (n,), optional
            Group labels: rows of one group stay on the same side of the validation split.
        eval_set : tuple (X_val, y_val, exposure_val), optional
            Validation data for early stopping, instead of an internal split.
        callbacks : list of callable, optional
            LightGBM callbacks (e.g. progress reporting).
        exposure_curves : mapping of str to ExposureCurve, optional
            Starting curves of the exposure features (e.g. a fitted model's, for refits of it);
            by default they start from a Poisson GLM on all features.
        """
        self._check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        frame = self._as_frame(X, fitting=True)
        n = len(frame)
        if n < 2:
            raise ValueError(f"X must have at least 2 rows, got {n} sample")
        y = column_or_1d(
            np.asarray(y, dtype="float64") if not hasattr(y, "dtype") else y,
            warn=True,
            dtype="float64",
        )
        y = _as_1d("y", y, n)
        exposure = _as_1d("exposure", exposure, n, default=1.0)
        weight = _as_1d("sample_weight", sample_weight, n, default=1.0)
        if not np.all(np.isfinite(y)) or np.any(y < 0):
            bad = int(np.flatnonzero(~np.isfinite(y) | (y < 0))[0])
            raise ValueError(f"y must be finite counts >= 0; row {bad} has {y[bad]!r}")
        if not np.all(np.isfinite(exposure)) or np.any(exposure <= 0):
            bad = int(np.flatnonzero(~np.isfinite(exposure) | (exposure <= 0))[0])
            raise ValueError(f"exposure must be finite and > 0; row {bad} has {exposure[bad]!r}")
        if not np.all(np.isfinite(weight)) or np.any(weight < 0) or weight.sum() <= 0:
            raise ValueError("sample_weight must be finite, >= 0 and not all zero")
        if float(np.sum(weight * y)) <= 0:
            raise ValueError(
                "the training rows have no claims at all: a frequency model needs at least one"
            )
        values = self._exposure_values(frame)

        self.columns_ = [str(c) for c in frame.columns]
        self.tree_columns_ = [c for c in self.columns_ if c not in values]
        if not self.tree_columns_:
            raise ValueError(
                "X needs at least one column besides the exposure features "
                f"{list(self.exposure_features)} for the trees"
            )
        trees_in = frame[self.tree_columns_]
        self.categories_ = {
            c: trees_in[c].cat.categories.tolist()
            for c in trees_in.columns
            if isinstance(trees_in[c].dtype, pd.CategoricalDtype)
        }
        cat_cols = list(self.categories_)
        params = self._lgb_params(self._monotone_list(self.tree_columns_))
        log_exposure = np.log(exposure)
        curves = self._initial_curves(values, trees_in, y, log_exposure, weight, exposure_curves)

        train_idx, valid_idx, valid = np.arange(n), np.zeros(0, dtype=int), None
        if self.early_stopping_rounds is not None:
            if eval_set is not None:
                Xv, yv, ev = eval_set
                fv = self._as_frame(Xv, fitting=True)
                v_values = self._exposure_values(fv)
                valid = (
                    fv[self.tree_columns_],
                    _as_1d("y_val", yv, len(fv)),
                    np.log(_as_1d("exposure_val", ev, len(fv), default=1.0))
                    + self._curve_offset(v_values, curves),
                    np.ones(len(fv)),
                )
            elif (split := self._validation_split(n, groups, y, weight)) is not None:
                train_idx, valid_idx = split
                valid = (
                    trees_in.iloc[valid_idx],
                    y[valid_idx],
                    log_exposure[valid_idx] + self._curve_offset(values, curves, valid_idx),
                    weight[valid_idx],
                )
        # without a validation split with claims on both sides the number of trees cannot be
        # chosen: one tree only, so the model is in effect its intercept and exposure curves
        rounds = self.max_iter if valid is not None or self.early_stopping_rounds is None else 1

        offset = log_exposure + self._curve_offset(values, curves)
        booster, intercept, evals = self._train(
            trees_in.iloc[train_idx],
            y[train_idx],
            offset[train_idx],
            weight[train_idx],
            params,
            cat_cols,
            rounds,
            valid,
            callbacks,
        )
        self.best_iteration_ = booster.best_iteration if valid is not None else rounds
        self.best_iteration_ = max(1, int(self.best_iteration_ or booster.current_iteration()))
        self.validation_deviance_ = [float(v) for v in evals.get("valid", {}).get("poisson", [])]
        self.validation_index_ = valid_idx
        self.validation_prediction_ = np.zeros(0)
        if len(valid_idx):  # out-of-sample predictions of the held-out rows, before any refit
            fv, _, off_v, _ = valid
            trees = booster.predict(
                fv, raw_score=True, num_iteration=self.best_iteration_, num_threads=self.n_jobs
            )
            self.validation_prediction_ = np.exp(intercept + off_v + trees)
        if valid is not None and eval_set is None and self.refit_full:
            if values and self.exposure_backfit:  # the curves given the early-stopped trees
                curves, intercept = self._refit_curves(
                    curves, values, booster, trees_in, y, log_exposure, weight, intercept
                )
                offset = log_exposure + self._curve_offset(values, curves)
            booster, intercept, _ = self._train(
                trees_in, y, offset, weight, params, cat_cols, self.best_iteration_, None, callbacks
            )
        elif valid is not None:
            booster = lgb.Booster(
                model_str=booster.model_to_string(num_iteration=self.best_iteration_)
            )
        if values and self.exposure_backfit:  # the curves once more, given the final trees
            rows = train_idx if (valid is not None and not self.refit_full) else slice(None)
            curves, intercept = self._refit_curves(
                curves,
                {k: v[rows] for k, v in values.items()},
                booster,
                trees_in.iloc[rows] if isinstance(rows, np.ndarray) else trees_in,
                y[rows],
                log_exposure[rows],
                weight[rows],
                intercept,
            )
        self.booster_ = booster
        self.intercept_ = intercept
        self.exposure_curves_ = curves
        self.n_iter_ = int(booster.num_trees())
        self._calibrate(values, y, weight, groups)
        return self

    def _calibrate(self, values, y, weight, groups) -> None:
        """The probability of at least one claim, from the out-of-sample predictions of the rows
        held out for early stopping, split as the final model splits ``log mu`` (trees' part and
        final curves)."""
        self.calibration_ = POISSON
        self.validation_risk_ = -np.expm1(-self.validation_prediction_)
        rows = self.validation_index_
        if not len(rows) or not self.calibrate_probability:
            return
        v_values = {c: x[rows] for c, x in values.items()}
        v_curves = {c: (v_values[c], k) for c, k in self.exposure_curves_.items()}
        trees = np.log(self.validation_prediction_) - self._curve_offset(
            v_values, self.exposure_curves_
        )
        calibration = fit_calibration(
            trees,
            v_curves,
            y[rows] > 0,
            weight[rows],
            None if groups is None else np.asarray(groups)[rows],
        )
        self.calibration_ = calibration.with_references(values, weight)
        self.validation_risk_ = self.calibration_.risk(trees, v_values, self.exposure_curves_)

    def _validation_split(self, n, groups, y, weight) -> tuple[np.ndarray, np.ndarray] | None:
        """Rows for fitting and for early stopping, keeping each group together (rows apart when
        there is a single group); None when either side would have no claims."""
        grouped = groups is not None and len(np.unique(np.asarray(groups))) > 1
        if groups is not None and not grouped:
            logger.info("a single group: the validation split is by rows")
        splitter = (GroupShuffleSplit if grouped else ShuffleSplit)(
            n_splits=1, test_size=self.validation_fraction, random_state=self.random_state
        )
        train_idx, valid_idx = next(splitter.split(np.zeros(n), groups=groups if grouped else None))
        train_idx, valid_idx = np.sort(train_idx), np.sort(valid_idx)
        claims = [float(weight[idx] @ y[idx]) for idx in (train_idx, valid_idx)]
        if min(claims) <= 0 or not len(valid_idx):
            logger.warning(
                "too few claims for a validation split (%g to fit, %g to validate): no early "
                "stopping; one tree",
                *claims,
            )
            return None
        return train_idx, valid_idx

    def _initial_curves(self, values, trees_in, y, log_exposure, weight, given):
        """Starting curves: ``given`` ones, or :meth:`start_curves`' GLM on these rows."""
        if not values:
            return {}
        if given is not None:
            missing = [c for c in values if c not in given]
            if missing:
                raise ValueError(f"exposure_curves lacks a curve for {missing}")
            return {c: given[c] for c in values}
        return self._glm_curves(values, trees_in, y, log_exposure, weight)

    def _glm_curves(self, values, others, y, log_exposure, weight) -> dict[str, ExposureCurve]:
        knots = {col: make_knots(x, weight, self.exposure_segments) for col, x in values.items()}
        design = PoissonGLMBaseline().design(others, fitting=True) if others.shape[1] else None
        curves, _, _ = fit_curves(
            values, y, offset=log_exposure, weight=weight, design=design, knots=knots
        )
        return curves

    def start_curves(self, X, y, *, exposure=None, sample_weight=None) -> dict[str, ExposureCurve]:
        """The curves ``fit`` starts from: a Poisson GLM of the exposure curves and all other
        columns of ``X`` (categories one-hot, numbers standardised). Pass them to ``fit`` as
        ``exposure_curves`` when the trees are to see other values than the GLM should, e.g.
        categories hidden at random to learn a fallback, which would bias the curves."""
        self._check_params()
        frame = self._as_frame(X, fitting=True)
        values = self._exposure_values(frame)
        n = len(frame)
        y = _as_1d("y", np.asarray(y, dtype="float64"), n)
        log_exposure = np.log(_as_1d("exposure", exposure, n, default=1.0))
        weight = _as_1d("sample_weight", sample_weight, n, default=1.0)
        others = frame[[c for c in frame.columns if c not in values]]
        return self._glm_curves(values, others, y, log_exposure, weight) if values else {}

    def _refit_curves(self, curves, values, booster, trees_in, y, log_exposure, weight, intercept):
        """The curves (and the intercept) that fit best given the trees of ``booster``."""
        trees = booster.predict(trees_in, raw_score=True, num_threads=self.n_jobs)
        refit, constant, _ = fit_curves(
            values,
            y,
            offset=log_exposure + intercept + trees,
            weight=weight,
            knots={c: curve.knots for c, curve in curves.items()},
        )
        return refit, intercept + constant

    def _train(self, frame, y, offset, weight, params, cat_cols, rounds, valid, callbacks):
        """Boost ``rounds`` trees on the log-scale ``offset`` (exposure and curves); the
        intercept is the log of claims over expected claims at the offset alone (``fit`` has made
        sure the rows have claims)."""
        claims = float(np.sum(weight * y))
        intercept = float(np.log(claims / np.sum(weight * np.exp(offset))))
        train = lgb.Dataset(
            frame,
            label=y,
            weight=weight,
            init_score=intercept + offset,
            categorical_feature=cat_cols or "auto",
            free_raw_data=True,
            params={"max_bin": params["max_bin"], "verbosity": -1},
        )
        evals: dict = {}
        cbs = list(callbacks or [])
        valid_sets, names = [], []
        if valid is not None:
            fv, yv, off_v, wv = valid
            valid_sets = [
                lgb.Dataset(
                    fv,
                    label=yv,
                    weight=wv,
                    init_score=intercept + off_v,
                    reference=train,
                    categorical_feature=cat_cols or "auto",
                )
            ]
            names = ["valid"]
            cbs += [
                lgb.early_stopping(self.early_stopping_rounds, verbose=False),
                lgb.record_evaluation(evals),
            ]
        booster = lgb.train(
            params,
            train,
            num_boost_round=rounds,
            valid_sets=valid_sets,
            valid_names=names,
            callbacks=cbs,
        )
        return booster, intercept, evals

    # --------------------------------------------------------------------------- predict
    def predict_raw(self, X, *, exposure=None, n_jobs: int | None = None) -> np.ndarray:
        """Log of the expected count: ``intercept_ + log(exposure) + sum_j g_j(x_j) + F(x)``.

        ``n_jobs`` overrides the thread count for this call (1 suits single requests).
        """
        trees, values = self._components(X, exposure, n_jobs)
        return trees + self._curve_offset(values, self.exposure_curves_)

    def _components(self, X, exposure, n_jobs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The trees' part of ``log mu`` (intercept, offset and trees) and the exposure values."""
        frame, log_exposure = self._predict_inputs(X, exposure)
        values = self._exposure_values(frame)
        if len(frame) == 0:
            return np.zeros(0), values
        threads = self.n_jobs if n_jobs is None else n_jobs
        trees = self.booster_.predict(
            frame[self.tree_columns_], raw_score=True, num_threads=threads
        )
        return self.intercept_ + log_exposure + trees, values

    def _predict_inputs(self, X, exposure) -> tuple[pd.DataFrame, np.ndarray]:
        check_is_fitted(self, "booster_")
        frame = self._as_frame(X, fitting=False)
        exposure = _as_1d("exposure", exposure, len(frame), default=1.0)
        if not np.all(np.isfinite(exposure)) or np.any(exposure <= 0):
            raise ValueError("exposure must be finite and > 0")
        return frame, np.log(exposure)

    def predict_contributions(
        self,
        X,
        *,
        exposure=None,
        n_jobs: int | None = None,
        calibrated: bool = False,
        method: str = "patterns",
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Exact additive contributions to :meth:`predict_raw`, one column per column of X.

        Tree features get their exact TreeSHAP values (``method``); an exposure feature gets
        ``g_j(x) - reference_j``, its curve against the training rows' mean. Returns the
        contributions and the base value of each row, ``intercept_ + log(exposure) + TreeSHAP's
        expected value + sum_j reference_j``, so that ``base + contributions.sum(axis=1)`` equals
        :meth:`predict_raw`. With ``calibrated``, everything is on the scale of the probability,
        ``log(-log(1 - probability))``: tree contributions times the calibration's trees slope,
        each exposure feature's from the probability's own curve, the base with the
        calibration's constant, all rescaled through the frailty when there is one
        (:meth:`~riskmodel.models.calibration.ProbabilityCalibration.rescale`).

        ``method``: ``"patterns"`` (TreeSHAP once per distinct decision pattern of each tree,
        :class:`~riskmodel.models.treeshap.TreeShap`; the default: several times faster, and a
        row's result does not depend on the rows around it) or ``"lightgbm"`` (LightGBM's
        ``pred_contrib``); they agree within 1e-12.
        """
        if method not in ("lightgbm", "patterns"):
            raise ValueError(f"method must be 'lightgbm' or 'patterns', got {method!r}")
        frame, log_exposure = self._predict_inputs(X, exposure)
        threads = self.n_jobs if n_jobs is None else n_jobs
        trees = frame[self.tree_columns_]
        if len(frame) and method == "patterns":
            if getattr(self, "_treeshap", None) is None or self._treeshap[0] is not self.booster_:
                self._treeshap = (self.booster_, TreeShap(self.booster_))
            contrib = self._treeshap[1].contributions(trees, n_jobs=threads)
        elif len(frame):
            contrib = self.booster_.predict(trees, pred_contrib=True, num_threads=threads)
        else:
            contrib = np.zeros((0, len(self.tree_columns_) + 1))
        cal = self.calibration_ if calibrated else POISSON
        slope = cal.trees_slope if cal.own_curves else 1.0
        out = pd.DataFrame(slope * contrib[:, :-1], columns=self.tree_columns_, index=frame.index)
        base = cal.trees_part(self.intercept_ + log_exposure + contrib[:, -1])
        values = self._exposure_values(frame)
        for col, curve in cal.exposure_curves(self.exposure_curves_).items():
            out[col] = curve(values[col]) - curve.reference
            base = base + curve.reference
        out = out[self.columns_]
        rescaled, base = cal.rescale(out.to_numpy(), np.asarray(base, dtype=float))
        out = pd.DataFrame(rescaled, columns=out.columns, index=out.index)
        return out, base

    def predict(self, X, *, exposure=None, n_jobs: int | None = None) -> np.ndarray:
        """Expected number of claims for the given exposure (default 1: the rate)."""
        return np.exp(self.predict_raw(X, exposure=exposure, n_jobs=n_jobs))

    def predict_probability(self, X, *, exposure=None, n_jobs: int | None = None) -> np.ndarray:
        """Probability of at least one claim: ``1 - exp(-expected count)``, recalibrated when
        counts were found not to be Poisson (:attr:`calibration_`)."""
        trees, values = self._components(X, exposure, n_jobs)
        return self.calibration_.risk(trees, values, self.exposure_curves_)

    def predict_count_and_probability(
        self, X, *, exposure=None, n_jobs: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict` and :meth:`predict_probability` from one pass through the trees."""
        trees, values = self._components(X, exposure, n_jobs)
        expected = np.exp(trees + self._curve_offset(values, self.exposure_curves_))
        return expected, self.calibration_.risk(trees, values, self.exposure_curves_)

    def score(self, X, y, sample_weight=None, *, exposure=None) -> float:
        """D^2: the share of Poisson deviance explained, relative to the mean of ``y``."""
        mean = self.predict(X, exposure=exposure)
        return float(d2_tweedie_score(y, mean, sample_weight=sample_weight, power=1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    # ------------------------------------------------------------------------- persistence
    def to_state(self) -> tuple[dict, str]:
        """The fitted model as JSON-compatible metadata and LightGBM's text format."""
        check_is_fitted(self, "booster_")
        meta = {
            "version": STATE_VERSION,
            "params": self.get_params(),
            "intercept_": self.intercept_,
            "columns_": self.columns_,
            "feature_names_in_": (
                None
                if not hasattr(self, "feature_names_in_")
                else [str(c) for c in self.feature_names_in_]
            ),
            "categories_": {k: pd.Index(cats).tolist() for k, cats in self.categories_.items()},
            "best_iteration_": self.best_iteration_,
            "n_iter_": self.n_iter_,
            "validation_deviance_": self.validation_deviance_,
            "tree_columns_": self.tree_columns_,
            "exposure_curves_": {c: k.to_state() for c, k in self.exposure_curves_.items()},
            "calibration_": self.calibration_.to_state(),
        }
        json.dumps(meta)  # fail here, not later, if something is not serialisable
        return meta, self.booster_.model_to_string()

    @classmethod
    def from_state(cls, meta: dict, model_text: str) -> PoissonGBMRegressor:
        """Rebuild a fitted model from :meth:`to_state` output."""
        if meta.get("version") not in (1, STATE_VERSION):
            raise ValueError(
                f"model state version {meta.get('version')!r} is not supported "
                f"(expected {STATE_VERSION})"
            )
        est = cls(**meta["params"])
        est.booster_ = lgb.Booster(model_str=model_text)
        est.intercept_ = float(meta["intercept_"])
        est.columns_ = list(meta["columns_"])
        if meta["feature_names_in_"] is not None:
            est.feature_names_in_ = np.asarray(meta["feature_names_in_"], dtype=object)
        est.n_features_in_ = len(est.columns_)
        est.categories_ = {k: list(v) for k, v in meta["categories_"].items()}
        est.best_iteration_ = int(meta["best_iteration_"])
        est.n_iter_ = int(meta["n_iter_"])
        est.validation_deviance_ = list(meta["validation_deviance_"])
        # version 1 had no exposure curves: every column went to the trees
        est.tree_columns_ = list(meta.get("tree_columns_", est.columns_))
        est.exposure_curves_ = {
            c: ExposureCurve.from_state(k) for c, k in meta.get("exposure_curves_", {}).items()
        }
        calibration = meta.get("calibration_")
        est.calibration_ = (
            POISSON if calibration is None else ProbabilityCalibration.from_state(calibration)
        )
        return est
