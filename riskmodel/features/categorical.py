"""Category and zone as native categorical features with the categories fixed at training time.

LightGBM reads pandas categoricals by their codes, so the categories must be exactly those seen in
training, in the same order. A value never seen in training cannot be scored as if it were known:
it falls back, explicitly and with a logged warning, to the level ``__unknown__``. The models learn
what ``__unknown__`` means from a random share of training products whose category or zone is
hidden (``category_dropout`` in the training config), so the fallback scores a product with the
portfolio-average effect of that column given everything else known about it.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(30, seed=3)
>>> enc = CategoricalColumns().fit(portfolio)
>>> enc.transform(portfolio)["zone"].dtype.name
'category'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd
from sklearn.utils._param_validation import StrOptions

from riskmodel.errors import InputError, OptionError
from riskmodel.features.base import PortfolioTransformer, words_in
from riskmodel.features.spec import FeatureSpec
from riskmodel.i18n import N_

__all__ = ["CategoricalColumns", "UNKNOWN"]

logger = logging.getLogger(__name__)

#: The fallback level of every categorical feature.
UNKNOWN = "__unknown__"

_DEFINITIONS = {
    "category": "product category (contract list); a category unseen in training scores as "
    f"{UNKNOWN}",
    "zone": "special zone or region of the demonstration; a zone unseen in training scores as "
    f"{UNKNOWN}",
}

#: The words of the columns and of their values (contract categories, special zones), marked for
#: the ``reports`` catalog; a value without a translation is shown as it is written.
_COLUMN_WORDS = (N_("category"), N_("zone"))
_VALUE_WORDS = (
    N_("autonomous_vehicle"),
    N_("urban_air_mobility"),
    N_("drone"),
    N_("marine_mobility"),
    N_("robotics"),
    N_("ai_software"),
    N_("digital_healthcare"),
    N_("medical_device"),
    N_("regenerative_bio"),
    N_("battery_ess"),
    N_("hydrogen_energy"),
    N_("renewable_energy"),
    N_("semiconductor_equipment"),
    N_("busan"),
    N_("gangwon"),
    N_("chungbuk"),
    N_("jeonnam"),
    N_("gyeongbuk"),
    N_("daegu"),
    N_("daejeon"),
    N_("sejong"),
    N_("gyeonggi"),
)


class CategoricalColumns(PortfolioTransformer):
    """Encode product columns as pandas categoricals with fixed training categories.

    Parameters
    ----------
    columns : tuple of str
        Product columns to encode; each becomes a feature of the same name and input group.
    handle_unknown : {"fallback", "error"}
        What to do with a value unseen in training: map it to ``__unknown__`` with a warning, or
        raise ``ValueError``.

    Attributes
    ----------
    categories_ : dict of str to list of str
        The fixed categories of each column (training values, sorted, then ``__unknown__``).
    feature_specs_ : list of FeatureSpec
    """

    _parameter_constraints: dict = {
        "columns": [tuple, list],
        "handle_unknown": [StrOptions({"fallback", "error"})],
    }

    def __init__(
        self, columns: tuple[str, ...] = ("category", "zone"), handle_unknown: str = "fallback"
    ):
        self.columns = columns
        self.handle_unknown = handle_unknown

    def _fit(self, portfolio) -> None:
        self._validate_params()
        products = portfolio.products
        missing = [c for c in self.columns if c not in products.columns]
        if missing:
            raise OptionError(
                f"columns {missing} are not in products (has {list(products.columns)})"
            )
        self.categories_ = {
            col: sorted(set(products[col].dropna().astype(str)) - {UNKNOWN}) + [UNKNOWN]
            for col in self.columns
        }
        self.feature_specs_ = [
            FeatureSpec(
                col,
                col if col in ("category", "zone") else "company",
                _DEFINITIONS.get(col, f"product column {col}"),
                kind="categorical",
            )
            for col in self.columns
        ]

    def describe(
        self, feature: str, value, evidence: Mapping[str, str], *, lang: str = "en"
    ) -> str:
        _ = words_in(lang)
        if value == UNKNOWN:
            return _("{feature} unseen in training (portfolio-average {feature} effect)").format(
                feature=_(feature)
            )
        value = str(value)
        return _("{feature} {value}").format(feature=_(feature), value=_(value) if value else "")

    def _transform(self, portfolio) -> pd.DataFrame:
        products = portfolio.products
        out = {}
        for col in self.columns:
            values = products[col].astype("str")
            known = values.isin(self.categories_[col][:-1])
            if not known.all():
                unseen = sorted(values[~known].dropna().unique().tolist())
                message = (
                    f"products.{col}: {int((~known).sum())} product(s) have values unseen in "
                    f"training {unseen[:10]}; expected one of {self.categories_[col][:-1]}"
                )
                if self.handle_unknown == "error":
                    raise InputError(message)
                logger.warning("%s; scored with the fallback level %s", message, UNKNOWN)
            out[col] = pd.Categorical(
                values.where(known, UNKNOWN), categories=self.categories_[col]
            )
        return pd.DataFrame(out)
