"""Root pytest configuration: files that are not importable as plain modules, and the one small
fitted model every doctest of the package shares."""

import os

# Before LightGBM loads OpenMP: idle OpenMP threads sleep instead of spinning. `make test` runs
# the suite in one process per core (pytest-xdist) and each may train with two threads; spinning
# threads of one process would take the cores the other needs (the suite took 9:16 serially,
# 7:52 on two processes with spinning threads, 6:52 with sleeping ones).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest  # noqa: E402
from _pytest.doctest import DoctestItem  # noqa: E402

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
