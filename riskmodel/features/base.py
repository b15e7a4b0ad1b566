"""Shared machinery of the portfolio transformers: input checks and JSON persistence.

The transformers take a whole :class:`~riskmodel.portfolio.Portfolio` as ``X`` (they need several
tables at once) and return one row per product, in the order of ``X.products``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from riskmodel.features.spec import FeatureSpec
from riskmodel.portfolio import Portfolio

__all__ = ["PortfolioTransformer", "count_per_product"]


def count_per_product(pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Number of rows where ``mask`` holds, per product position (0 to ``n - 1``)."""
    return np.bincount(pos[mask], minlength=n).astype("float64")


class PortfolioTransformer(TransformerMixin, BaseEstimator):
    """Base class: a transformer from a Portfolio to a feature DataFrame.

    Subclasses implement ``_fit(portfolio)`` (set fitted attributes ending in ``_``, including
    ``feature_specs_``) and ``_transform(portfolio) -> DataFrame``.
    """

    def fit(self, X: Portfolio, y=None):
        self._check_input(X)
        self._fit(X)
        self.n_products_fit_ = X.n_products
        return self

    def transform(self, X: Portfolio) -> pd.DataFrame:
        check_is_fitted(self, "feature_specs_")
        self._check_input(X)
        out = self._transform(X)
        out.index = pd.RangeIndex(X.n_products)
        return out[self.get_feature_names_out().tolist()]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "feature_specs_")
        return np.asarray([s.name for s in self.feature_specs_], dtype=object)

    @staticmethod
    def _child_rows(portfolio: Portfolio, table: str) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows of a child table whose product is in ``portfolio.products``, and for each row the
        position of its product (the row of the feature table it aggregates into)."""
        frame = getattr(portfolio, table)
        pos = pd.Index(portfolio.products["product_id"]).get_indexer(frame["product_id"])
        return frame[pos >= 0], pos[pos >= 0]

    def _check_input(self, X) -> None:
        if not isinstance(X, Portfolio):
            raise TypeError(
                f"{type(self).__name__} expects X to be a riskmodel Portfolio "
                f"(validated tables), got {type(X).__name__}"
            )

    # ---------------------------------------------------------------------- persistence (JSON)
    def fitted_state(self) -> dict:
        """Parameters and fitted attributes as JSON-compatible data."""
        check_is_fitted(self, "feature_specs_")
        state = {k: v for k, v in vars(self).items() if k.endswith("_")}
        state["feature_specs_"] = [s.to_dict() for s in self.feature_specs_]
        return {"class": type(self).__name__, "params": self.get_params(), "fitted": state}

    @classmethod
    def from_state(cls, state: dict) -> PortfolioTransformer:
        """Rebuild a fitted transformer from :meth:`fitted_state` output."""
        if state.get("class") != cls.__name__:
            raise ValueError(f"state is for {state.get('class')!r}, not {cls.__name__!r}")
        obj = cls(**state["params"])
        for key, value in state["fitted"].items():
            setattr(obj, key, value)
        obj.feature_specs_ = [FeatureSpec.from_dict(s) for s in state["fitted"]["feature_specs_"]]
        obj._restore()
        return obj

    def _restore(self) -> None:
        """Hook: convert JSON lists back to richer types after loading."""
