"""The transformers' shared machinery: input checks, evidence, persistence."""

import pandas as pd
import pytest

from riskmodel.errors import ModelIntegrityError
from riskmodel.features import CertificationFeatures, LabTestFeatures
from riskmodel.features.base import EVIDENCE_COLUMNS
from riskmodel.synthetic import generate_portfolio


def test_evidence_names_product_positions_topics_and_items():
    portfolio, _ = generate_portfolio(40, seed=3)
    for step in (LabTestFeatures(), CertificationFeatures()):
        evidence = step.fit(portfolio).evidence(portfolio)
        assert tuple(evidence.columns) == EVIDENCE_COLUMNS
        assert evidence["position"].between(0, portfolio.n_products - 1).all()
        assert evidence["topic"].str.contains(":").all()


def test_a_transformer_wants_a_portfolio_and_its_own_state():
    portfolio, _ = generate_portfolio(10, seed=3)
    with pytest.raises(TypeError, match="expects X to be a riskmodel Portfolio"):
        LabTestFeatures().fit(pd.DataFrame())
    state = CertificationFeatures().fit(portfolio).fitted_state()
    with pytest.raises(ModelIntegrityError, match="state is for 'CertificationFeatures'"):
        LabTestFeatures.from_state(state)
    with pytest.raises(NotImplementedError, match="does not describe 'trl'"):
        LabTestFeatures().fit(portfolio).describe("trl", 5, {})
