"""Features read straight from the product row: readiness, company age, public exposure, and the
two measures of exposure, units deployed and months of coverage.

Units and months are ``exposure`` features: the frequency models do not pass them to the trees but
learn how expected incidents grow with each (a non-decreasing curve of its logarithm,
:mod:`riskmodel.models.exposure`). Risk need not grow one for one with units: units at one site
share an operator, a site and a failure mode.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(5, seed=3)
>>> ProductAttributes().fit_transform(portfolio).columns.tolist()
['trl', 'company_age_years', 'public_exposure_level', 'units_deployed', 'demo_months']
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from riskmodel.contract import PUBLIC_EXPOSURE_LEVELS
from riskmodel.features.base import PortfolioTransformer, plural_words_in, words_in
from riskmodel.features.spec import FeatureSpec
from riskmodel.i18n import N_

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
    FeatureSpec(
        "units_deployed",
        "exposure",
        "units in the demonstration; expected incidents grow with them along a learned "
        "non-decreasing curve (the data set its elasticity)",
        monotone={"performance": 1, "safety": 1},
        kind="exposure",
    ),
    FeatureSpec(
        "demo_months",
        "exposure",
        "months of coverage; expected incidents grow with them along a learned non-decreasing "
        "curve (the data set its elasticity)",
        monotone={"performance": 1, "safety": 1},
        kind="exposure",
    ),
)


_LEVEL_WORDS = (N_("closed site"), N_("restricted public access"), N_("open public access"))


class ProductAttributes(PortfolioTransformer):
    """TRL, company age, the ordinal level of public exposure, units and months.

    Attributes
    ----------
    feature_specs_ : list of FeatureSpec
    """

    def _fit(self, portfolio) -> None:
        self.feature_specs_ = list(_SPECS)

    def describe(
        self, feature: str, value, evidence: Mapping[str, str], *, lang: str = "en"
    ) -> str:
        _ = words_in(lang)
        if feature == "trl":
            return _("technology readiness level {level}").format(level=int(value))
        if feature == "units_deployed":
            ngettext = plural_words_in(lang)
            return ngettext(
                "{n} unit deployed", "{n} units deployed", 1 if value == 1 else 2
            ).format(n=int(value))
        if feature == "demo_months":
            return _("coverage of {months} months").format(months=f"{value:g}")
        if feature == "company_age_years":
            return _("company {years} years old").format(years=f"{value:.1f}")
        if feature == "public_exposure_level":
            return _(_LEVEL_WORDS[int(value)])
        return super().describe(feature, value, evidence, lang=lang)

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
                "units_deployed": p["units_deployed"].astype("float64").to_numpy(),
                "demo_months": p["demo_months"].astype("float64").to_numpy(),
            }
        )
