"""Root pytest configuration: files that are not importable as plain modules, and the one small
fitted model every doctest of the package shares."""

import pytest
from _pytest.doctest import DoctestItem

# MLflow runs this file when it loads the logged model; importing it elsewhere would register a
# model as a side effect.
collect_ignore = ["riskmodel/mlflow_entry.py"]


@pytest.fixture(scope="session")
def doctest_model():
    """``(model, portfolio)``: a model fitted once on 1,500 synthetic products with two
    uncertainty refits (enough for intervals), for the examples in the docstrings."""
    from riskmodel.config import TrainConfig
    from riskmodel.models import RiskModel
    from riskmodel.synthetic import generate_portfolio

    portfolio, _ = generate_portfolio(1500, seed=1)
    model = RiskModel(TrainConfig(n_jobs=1, uncertainty_replicates=2)).fit(portfolio)
    return model, portfolio


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace):
    """Docstring examples read ``model``, ``portfolio``, ``TrainConfig``, ``RiskModel`` and
    ``PricingConfig`` from here instead of each fitting a model of its own."""
    if not isinstance(request.node, DoctestItem):
        return
    from riskmodel.config import TrainConfig
    from riskmodel.models import RiskModel
    from riskmodel.pricing import PricingConfig

    if any(">>> model" in e.source or "model," in e.source for e in request.node.dtest.examples):
        model, portfolio = request.getfixturevalue("doctest_model")
        doctest_namespace.update(model=model, portfolio=portfolio)
    doctest_namespace.update(
        TrainConfig=TrainConfig, RiskModel=RiskModel, PricingConfig=PricingConfig
    )
