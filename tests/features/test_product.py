"""Product attributes: TRL, company age, the ordinal level of public exposure, units and months."""

import pytest

from riskmodel.features import ProductAttributes
from riskmodel.synthetic import generate_portfolio


def test_values_and_words():
    portfolio, _ = generate_portfolio(30, seed=3)
    step = ProductAttributes().fit(portfolio)
    X = step.transform(portfolio)
    levels = {"closed_site": 0.0, "restricted_public": 1.0, "open_public": 2.0}
    assert (
        X["public_exposure_level"].tolist()
        == portfolio.products["public_exposure"].map(levels).astype(float).tolist()
    )
    assert (X["units_deployed"] == portfolio.products["units_deployed"]).all()
    assert step.evidence(portfolio).empty  # it reads product columns only
    assert step.describe("units_deployed", 1.0, {}) == "1 unit deployed"
    assert step.describe("demo_months", 6.0, {}) == "coverage of 6 months"
    assert step.describe("public_exposure_level", 2.0, {}) == "open public access"
    assert step.describe("trl", 7.0, {}) == "technology readiness level 7"


def test_product_attributes_are_said_in_korean():
    portfolio, _ = generate_portfolio(5, seed=3)
    step = ProductAttributes().fit(portfolio)
    assert step.describe("trl", 7.0, {}, lang="ko") == "기술성숙도 7단계"
    assert step.describe("units_deployed", 1.0, {}, lang="ko") == "실증 대수 1대"
    assert step.describe("units_deployed", 12.0, {}, lang="ko") == "실증 대수 12대"
    assert step.describe("units_deployed", 12.0, {}) == "12 units deployed"
    with pytest.raises(ValueError, match="lang must be one of"):
        step.describe("trl", 7.0, {}, lang="fr")
