"""Shared machinery of the portfolio transformers: input checks, evidence, words, JSON persistence.

The transformers take a whole :class:`~riskmodel.portfolio.Portfolio` as ``X`` (they need several
tables at once) and return one row per product, in the order of ``X.products``. Each one also
explains itself: :meth:`PortfolioTransformer.evidence` names the rows behind its values (which
standards failed, which certifications count as what) and :meth:`PortfolioTransformer.describe`
puts a value of one of its features into words. Reasons and what-if read these; nothing else
re-derives what a transformer computed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from riskmodel.errors import ModelIntegrityError
from riskmodel.features.spec import FeatureSpec
from riskmodel.i18n import N_, gettext_for, translations
from riskmodel.portfolio import Portfolio

__all__ = [
    "PortfolioTransformer",
    "count_per_product",
    "EVIDENCE_COLUMNS",
    "listed",
    "words_in",
    "plural_words_in",
    "items_in",
    "MORE_ITEMS",
]

#: How a list of evidence items that goes on ends (the items are standards and schemes).
MORE_ITEMS = N_("{items} and {n} more")
_MORE = re.compile(r"^(.*) and (\d+) more$", re.DOTALL)
_SEVERITY = re.compile(r"\((minor|major|critical)\)")

#: The columns of :meth:`PortfolioTransformer.evidence`: the position of the product (its row in
#: ``X.products``), the topic (e.g. ``failed:safety``) and the item (a standard or a scheme).
EVIDENCE_COLUMNS = ("position", "topic", "item")


def words_in(lang: str):
    """``_`` of the ``reports`` catalog in ``lang``: ``words_in("ko")("no lapsed certification")``.
    English, the source language, returns each message as written."""
    return gettext_for(lang, "reports")


def plural_words_in(lang: str):
    """``ngettext`` of the ``reports`` catalog in ``lang``."""
    return translations(lang, "reports").ngettext


def items_in(text: str, lang: str) -> str:
    """Evidence items (written as :data:`MORE_ITEMS` says when they go on) in ``lang``: the
    items themselves, standards and schemes, are never translated; a finding's severity after a
    standard (``IEC 62133-2 (critical)``) is."""
    if lang == "en" or not text:
        return text
    _ = words_in(lang)
    text = _SEVERITY.sub(lambda m: f"({_(m.group(1))})", text)
    found = _MORE.match(text)
    if found is None:
        return text
    return _(MORE_ITEMS).format(items=found.group(1), n=found.group(2))


def listed(
    value, none: str, some: str, evidence: Mapping[str, str], topic: str, *, lang: str = "en"
) -> str:
    """``none`` for a zero count, else ``some`` followed by the product's evidence for ``topic``
    (``none`` and ``some`` already in ``lang``)."""
    return none if value == 0 else f"{some}: {items_in(evidence.get(topic, ''), lang)}"


def count_per_product(pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Number of rows where ``mask`` holds, per product position (0 to ``n - 1``)."""
    return np.bincount(pos[mask], minlength=n).astype("float64")


class PortfolioTransformer(TransformerMixin, BaseEstimator):
    """Base class: a transformer from a Portfolio to a feature DataFrame.

    Subclasses implement ``_fit(portfolio)`` (set fitted attributes ending in ``_``, including
    ``feature_specs_``), ``_transform(portfolio) -> DataFrame`` and ``describe``; those whose
    features aggregate child rows also implement ``_evidence``.
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

    def evidence(self, X: Portfolio) -> pd.DataFrame:
        """The rows behind the feature values, one row per (product, topic, item): see
        :data:`EVIDENCE_COLUMNS`. Empty for a transformer that only reads product columns."""
        check_is_fitted(self, "feature_specs_")
        self._check_input(X)
        out = self._evidence(X)
        return out[list(EVIDENCE_COLUMNS)].reset_index(drop=True)

    def _evidence(self, X: Portfolio) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EVIDENCE_COLUMNS})

    def describe(
        self, feature: str, value, evidence: Mapping[str, str], *, lang: str = "en"
    ) -> str:
        """What ``value`` of ``feature`` (one of this transformer's) says about a product, in
        words of ``lang`` (``"en"`` or ``"ko"``, :data:`riskmodel.i18n.LANGUAGES`); ``evidence``
        maps the product's topics to the items behind them (the joined :meth:`evidence` of the
        product: standards and schemes, which are never translated)."""
        raise NotImplementedError(f"{type(self).__name__} does not describe {feature!r}")

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
            raise ModelIntegrityError(f"state is for {state.get('class')!r}, not {cls.__name__!r}")
        obj = cls(**state["params"])
        for key, value in state["fitted"].items():
            setattr(obj, key, value)
        obj.feature_specs_ = [FeatureSpec.from_dict(s) for s in state["fitted"]["feature_specs_"]]
        obj._restore()
        return obj

    def _restore(self) -> None:
        """Hook: convert JSON lists back to richer types after loading."""
