"""Numeric features read straight from the product row: readiness, company age, public exposure.

Units and months are not features: they form the exposure (unit-years) the frequency models use as
an offset, so the expected number of incidents is proportional to them by construction.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(5, seed=3)
>>> ProductAttributes().fit_transform(portfolio).columns.tolist()
['trl', 'company_age_years', 'public_exposure_level']
"""

from __future__ import annotations

import pandas as pd

from riskmodel.contract import PUBLIC_EXPOSURE_LEVELS
from riskmodel.features.base import PortfolioTransformer
from riskmodel.features.spec import FeatureSpec

__all__ = ["ProductAttributes"]

_SPECS = (
    FeatureSpec(
        "trl",
        "company",
        "technology readiness level (1-9) at application; higher means more mature",
        monotone={"performance": -1, "safety": -1},
    ),
    FeatureSpec("company_age_years", "company", "age of the applicant company in years"),
    FeatureSpec(
        "public_exposure_level",
        "exposure",
        "who can be reached: 0 closed site, 1 restricted public, 2 open public",
        monotone={"safety": 1},
    ),
)


class ProductAttributes(PortfolioTransformer):
    """TRL, company age and the ordinal level of public exposure.

    Attributes
    ----------
    feature_specs_ : list of FeatureSpec
    """

    def _fit(self, portfolio) -> None:
        self.feature_specs_ = list(_SPECS)

    def _transform(self, portfolio) -> pd.DataFrame:
        p = portfolio.products
        level = {name: i for i, name in enumerate(PUBLIC_EXPOSURE_LEVELS)}
        return pd.DataFrame(
            {
                "trl": p["trl"].astype("float64").to_numpy(),
                "company_age_years": p["company_age_years"].astype("float64").to_numpy(),
                "public_exposure_level": p["public_exposure"]
                .map(level)
                .astype("float64")
                .to_numpy(),
            }
        )
