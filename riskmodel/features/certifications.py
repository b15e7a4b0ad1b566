"""Certification-history features: overseas and domestic certifications, lapses, withdrawals.

A certification counts as *overseas* when its issuer country is not Korea (the programme's fast
track rewards certifications such as UL, CE or FDA). Statuses are as of ``coverage_start``.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(20, seed=3)
>>> CertificationFeatures().fit_transform(portfolio).columns.tolist()[:2]
['certs_active_overseas', 'certs_active_domestic']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.features.base import PortfolioTransformer, count_per_product
from riskmodel.features.spec import FeatureSpec
from riskmodel.reference import DOMESTIC_COUNTRY

__all__ = ["CertificationFeatures"]

_DAYS_PER_YEAR = 365.25
_SPECS = (
    FeatureSpec(
        "certs_active_overseas",
        "certifications",
        "number of active certifications from overseas bodies (UL, CE, FDA, ...)",
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


class CertificationFeatures(PortfolioTransformer):
    """Aggregate ``certifications`` to one row of features per product.

    Parameters
    ----------
    domestic_country : str
        ISO 3166 alpha-2 code of the home country; certifications from elsewhere are overseas.

    Attributes
    ----------
    feature_specs_ : list of FeatureSpec
    """

    def __init__(self, domestic_country: str = DOMESTIC_COUNTRY):
        self.domestic_country = domestic_country

    def _fit(self, portfolio) -> None:
        if not (isinstance(self.domestic_country, str) and len(self.domestic_country) == 2):
            raise ValueError(
                "domestic_country must be an ISO 3166 alpha-2 code such as 'KR', got "
                f"{self.domestic_country!r}"
            )
        self.feature_specs_ = list(_SPECS)

    def _transform(self, portfolio) -> pd.DataFrame:
        products = portfolio.products
        n = len(products)
        c, pos = self._child_rows(portfolio, "certifications")
        status = c["status"].to_numpy(dtype=object)
        overseas = c["issuer_country"].str.upper().to_numpy(dtype=object) != self.domestic_country
        active = status == "active"

        def count(mask) -> np.ndarray:
            return count_per_product(pos, mask, n)

        start = products["coverage_start"].to_numpy()[pos]
        years = (start - c["issued_date"].to_numpy()) / np.timedelta64(1, "D") / _DAYS_PER_YEAR
        held = np.zeros(n)
        np.maximum.at(held, pos[active], np.maximum(years[active], 0.0))
        return pd.DataFrame(
            {
                "certs_active_overseas": count(active & overseas),
                "certs_active_domestic": count(active & ~overseas),
                "certs_withdrawn_suspended": count(np.isin(status, ("withdrawn", "suspended"))),
                "certs_expired": count(status == "expired"),
                "certs_years_certified": held,
            }
        )
