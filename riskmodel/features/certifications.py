"""Certification-history features: overseas and domestic certifications, lapses, withdrawals.

A certification counts as *overseas* when its issuer country is not Korea (the programme's fast
track rewards certifications such as UL, CE or FDA). An active overseas certification is *relevant*
when its scheme tests what fails in the field for the product's category (FDA 510(k) for a medical
device, UL 9540 for an ESS, IECEx for hydrogen: ``reference.RELEVANT_OVERSEAS_SCHEMES``, copied into
the fitted transformer so a later edit of the catalogue never changes a trained model) and *other*
otherwise (an FDA 510(k) on a drone): two features, each of which never raises a risk, so the model
can learn how much each kind is worth. Statuses are as of ``coverage_start``.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(20, seed=3)
>>> CertificationFeatures().fit_transform(portfolio).columns.tolist()[:3]
['certs_active_overseas_relevant', 'certs_active_overseas_other', 'certs_active_domestic']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import InvalidParameterError

from riskmodel.features.base import PortfolioTransformer, count_per_product, listed, words_in
from riskmodel.features.spec import FeatureSpec
from riskmodel.i18n import N_
from riskmodel.reference import DOMESTIC_COUNTRY, RELEVANT_OVERSEAS_SCHEMES, normalise_scheme

__all__ = ["CertificationFeatures", "CERT_CLASSES"]

_DAYS_PER_YEAR = 365.25
#: What a certification row counts as, in the order of the count features.
CERT_CLASSES = (
    "active_overseas_relevant",
    "active_overseas_other",
    "active_domestic",
    "withdrawn_suspended",
    "expired",
)
_SPECS = (
    FeatureSpec(
        "certs_active_overseas_relevant",
        "certifications",
        "number of active overseas certifications of schemes relevant to the category (UL 9540 "
        "for an ESS, FDA 510(k) for a medical device, ...)",
        monotone={"performance": -1, "safety": -1},
    ),
    FeatureSpec(
        "certs_active_overseas_other",
        "certifications",
        "number of other active overseas certifications (schemes that do not bear on the "
        "category, e.g. an FDA 510(k) on a drone)",
        monotone={"performance": -1, "safety": -1},
    ),
    FeatureSpec(
        "certs_active_domestic",
        "certifications",
        "number of active certifications from Korean bodies (KC, ...)",
        monotone={"performance": -1, "safety": -1},
    ),
    FeatureSpec(
        "certs_withdrawn_suspended",
        "certifications",
        "number of certifications withdrawn or suspended",
        monotone={"performance": 1, "safety": 1},
    ),
    FeatureSpec(
        "certs_expired",
        "certifications",
        "number of certifications that lapsed (expired)",
        monotone={"performance": 1, "safety": 1},
    ),
    FeatureSpec(
        "certs_years_certified",
        "certifications",
        "years from the issue of the oldest still-active certification to coverage start "
        "(0 when none is active)",
        monotone={"performance": -1, "safety": -1},
    ),
)


#: Words for a zero and a positive count of each class.
_WORDS = {
    "certs_active_overseas_relevant": (
        N_("no active overseas certification relevant to the category"),
        N_("active overseas certification relevant to the category"),
    ),
    "certs_active_overseas_other": (
        N_("no other active overseas certification"),
        N_("other active overseas certification (not specific to the category)"),
    ),
    "certs_active_domestic": (
        N_("no active domestic certification"),
        N_("active domestic certification"),
    ),
    "certs_withdrawn_suspended": (
        N_("no withdrawn or suspended certification"),
        N_("withdrawn or suspended certification"),
    ),
    "certs_expired": (N_("no lapsed certification"), N_("lapsed certification")),
}


class CertificationFeatures(PortfolioTransformer):
    """Aggregate ``certifications`` to one row of features per product.

    Parameters
    ----------
    domestic_country : str
        ISO 3166 alpha-2 code of the home country; certifications from elsewhere are overseas.

    Attributes
    ----------
    relevant_ : dict of str to list of str
        Per category, the (normalised) overseas schemes relevant to it.
    feature_specs_ : list of FeatureSpec
    """

    _parameter_constraints: dict = {
        "domestic_country": [str],  # and two letters: an ISO 3166 alpha-2 code such as "KR"
    }

    def __init__(self, domestic_country: str = DOMESTIC_COUNTRY):
        self.domestic_country = domestic_country

    def _fit(self, portfolio) -> None:
        self._validate_params()
        if not (len(self.domestic_country) == 2 and self.domestic_country.isalpha()):
            raise InvalidParameterError(
                f"The 'domestic_country' parameter of {type(self).__name__} must be an ISO 3166 "
                f"alpha-2 code such as 'KR'. Got {self.domestic_country!r} instead."
            )
        self.relevant_ = {cat: sorted(s) for cat, s in RELEVANT_OVERSEAS_SCHEMES.items()}
        self.feature_specs_ = list(_SPECS)

    def classify(self, portfolio) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """What each certification row counts as (one of :data:`CERT_CLASSES`, or ``""`` for
        none), with the rows and their products' positions (:meth:`_child_rows`)."""
        c, pos = self._child_rows(portfolio, "certifications")
        status = c["status"].to_numpy(dtype=object)
        overseas = (
            c["issuer_country"].str.upper().to_numpy(dtype=object) != self.domestic_country.upper()
        )
        category = portfolio.products["category"].astype(str).to_numpy(dtype=object)[pos]
        raw = c["scheme"].astype(str)
        names = raw.map({s: normalise_scheme(s) for s in raw.unique()}).to_numpy(dtype=object)
        pairs = [(cat, s) for cat, schemes in self.relevant_.items() for s in schemes]
        relevant = pd.MultiIndex.from_arrays([category, names]).isin(pairs)
        active = status == "active"
        classes = np.select(
            [
                active & overseas & relevant,
                active & overseas,
                active,
                np.isin(status, ("withdrawn", "suspended")),
                status == "expired",
            ],
            list(CERT_CLASSES),
            default="",
        )
        return c, pos, classes

    def _evidence(self, portfolio) -> pd.DataFrame:
        """Topics ``certs:<class>``: the schemes counted in each class of :data:`CERT_CLASSES`."""
        certs, pos, classes = self.classify(portfolio)
        counted = classes != ""
        return pd.DataFrame(
            {
                "position": pos[counted],
                "topic": "certs:" + classes[counted].astype(object),
                "item": certs["scheme"].to_numpy(dtype=object)[counted],
            }
        )

    def describe(
        self, feature: str, value, evidence: Mapping[str, str], *, lang: str = "en"
    ) -> str:
        _ = words_in(lang)
        if feature == "certs_years_certified":
            if value == 0:
                return _("no active certification")
            return _("certified for {years} years").format(years=f"{value:.1f}")
        none, some = _WORDS[feature]
        topic = "certs:" + feature[len("certs_") :]
        return listed(value, _(none), _(some), evidence, topic, lang=lang)

    def _transform(self, portfolio) -> pd.DataFrame:
        products = portfolio.products
        n = len(products)
        c, pos, classes = self.classify(portfolio)
        start = products["coverage_start"].to_numpy()[pos]
        years = (start - c["issued_date"].to_numpy()) / np.timedelta64(1, "D") / _DAYS_PER_YEAR
        active = c["status"].to_numpy(dtype=object) == "active"
        held = np.zeros(n)
        np.maximum.at(held, pos[active], np.maximum(years[active], 0.0))
        out = {f"certs_{k}": count_per_product(pos, classes == k, n) for k in CERT_CLASSES}
        out["certs_years_certified"] = held
        return pd.DataFrame(out)
