"""Baselines the frequency models are judged against: a homogeneous rate and a Poisson GLM.

Both are fitted at training on the same features, counts and exposure as the boosted models and kept
in the model folder, so the audit report can compare all three on any data with outcomes.

- *homogeneous*: one rate per unit-year for every product (total incidents / total exposure);
- *GLM*: scikit-learn's ``PoissonRegressor`` on the same features (categories one-hot encoded,
  numbers standardised with a missing-value indicator, the ``log_features`` such as units and
  months on the log scale, so the GLM estimates a power law in them), fitted to the rate with
  exposure as weight, which is the Poisson GLM with a log-exposure offset.

Examples
--------
>>> import numpy as np, pandas as pd
>>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0] * 50, "c": pd.Categorical(["x", "y"] * 100)})
>>> y = np.r_[[0, 0, 1, 2] * 50]
>>> glm = PoissonGLMBaseline().fit(X, y, exposure=np.ones(200))
>>> bool(glm.predict(X, exposure=np.ones(200))[3] > glm.predict(X, exposure=np.ones(200))[0])
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import PoissonRegressor

__all__ = ["PoissonGLMBaseline"]


class PoissonGLMBaseline:
    """A Poisson GLM with a log-exposure offset on the model's own features.

    Parameters
    ----------
    alpha : float, default 1e-4
        L2 penalty (keeps rare one-hot levels finite).
    log_features : sequence of str, default ()
        Numeric columns (> 0) that enter on the log scale.

    Attributes
    ----------
    design_ : dict
        How features become columns: numeric means and scales, categorical levels.
    coef_ : ndarray
        Coefficients of the design columns; ``intercept_`` the intercept (log rate per unit of
        exposure).
    homogeneous_rate_ : float
        Total count over total exposure: the homogeneous baseline.
    """

    def __init__(self, alpha: float = 1e-4, log_features=()):
        self.alpha = alpha
        self.log_features = tuple(log_features)

    def design(self, X: pd.DataFrame, fitting: bool) -> np.ndarray:
        """The design matrix of ``X`` (``fitting``: learn the standardisation and levels first)."""
        if fitting:
            self.design_ = {"numeric": {}, "categorical": {}}
            for col in X.columns:
                if isinstance(X[col].dtype, pd.CategoricalDtype) or X[col].dtype == object:
                    levels = sorted(map(str, pd.Series(X[col]).dropna().unique()))
                    self.design_["categorical"][str(col)] = levels[1:]  # first level = reference
                else:
                    x = self._numeric(X, col)
                    mean = float(x.mean()) if x.notna().any() else 0.0
                    scale = float(x.std()) if x.notna().sum() > 1 and x.std() > 0 else 1.0
                    self.design_["numeric"][str(col)] = {
                        "mean": mean,
                        "scale": scale,
                        "missing": bool(x.isna().any()),
                    }
        columns = []
        for col, spec in self.design_["numeric"].items():
            x = self._numeric(X, col)
            columns.append(((x - spec["mean"]) / spec["scale"]).fillna(0.0).to_numpy())
            if spec["missing"]:
                columns.append(x.isna().to_numpy(dtype=float))
        for col, levels in self.design_["categorical"].items():
            values = X[col].astype(object).astype(str).to_numpy()
            columns += [(values == level).astype(float) for level in levels]
        return np.column_stack(columns) if columns else np.zeros((len(X), 0))

    def _numeric(self, X: pd.DataFrame, col) -> pd.Series:
        x = X[col].astype(float)
        return np.log(x) if col in self.log_features else x

    def fit(self, X: pd.DataFrame, y, *, exposure) -> PoissonGLMBaseline:
        """Fit on features ``X``, counts ``y`` and ``exposure`` (> 0)."""
        if not self.alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha!r}")
        y = np.asarray(y, dtype=float)
        exposure = np.asarray(exposure, dtype=float)
        if np.any(exposure <= 0):
            raise ValueError("exposure must be > 0")
        self.homogeneous_rate_ = float(y.sum() / exposure.sum())
        design = self.design(X, fitting=True)
        glm = PoissonRegressor(alpha=self.alpha, max_iter=1000, solver="newton-cholesky")
        glm.fit(design, y / exposure, sample_weight=exposure)
        self.coef_ = glm.coef_
        self.intercept_ = float(glm.intercept_)
        return self

    def predict(self, X: pd.DataFrame, *, exposure) -> np.ndarray:
        """Expected counts for ``exposure``."""
        eta = self.intercept_ + self.design(X, fitting=False) @ self.coef_
        return np.asarray(exposure, dtype=float) * np.exp(eta)

    def predict_homogeneous(self, exposure) -> np.ndarray:
        """Expected counts of the homogeneous baseline."""
        return np.asarray(exposure, dtype=float) * self.homogeneous_rate_

    def to_state(self) -> dict:
        return {
            "alpha": self.alpha,
            "log_features": list(self.log_features),
            "design": self.design_,
            "coef": [float(c) for c in self.coef_],
            "intercept": self.intercept_,
            "homogeneous_rate": self.homogeneous_rate_,
        }

    @classmethod
    def from_state(cls, state: dict) -> PoissonGLMBaseline:
        model = cls(alpha=state["alpha"], log_features=state.get("log_features", ()))
        model.design_ = state["design"]
        model.coef_ = np.asarray(state["coef"], dtype=float)
        model.intercept_ = state["intercept"]
        model.homogeneous_rate_ = state["homogeneous_rate"]
        return model
