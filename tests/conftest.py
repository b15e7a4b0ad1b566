"""Shared fixtures: small synthetic portfolios and one trained model per test session.

Fixtures stay small so the whole suite runs in minutes; the demo and scripts/bench.py measure the
full-size figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from riskmodel.config import TrainConfig
from riskmodel.models import RiskModel
from riskmodel.synthetic import generate_portfolio, write_portfolio

# The suite is reproducible: property tests draw the same examples on every run. To search for new
# failures, run with HYPOTHESIS_PROFILE=explore (random draws, ten times more examples).
settings.register_profile("default", max_examples=40, derandomize=True, database=None)
settings.register_profile("explore", max_examples=400, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests need ../shared beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def train_portfolio():
    portfolio, _ = generate_portfolio(6000, seed=11)
    return portfolio


@pytest.fixture(scope="session")
def holdout():
    """A held-out portfolio from another seed, with its truth."""
    return generate_portfolio(1500, seed=12)


@pytest.fixture(scope="session")
def model(train_portfolio) -> RiskModel:
    """The session's model: both cores (tests run one at a time) and four uncertainty refits
    (enough to rank categories' intervals; the default ten are for real portfolios)."""
    return RiskModel(TrainConfig(n_jobs=2, uncertainty_replicates=4)).fit(train_portfolio)


@pytest.fixture(scope="session")
def train_folder(tmp_path_factory, train_portfolio) -> Path:
    folder = tmp_path_factory.mktemp("train")
    portfolio, truth = generate_portfolio(3000, seed=21)
    write_portfolio(portfolio, truth, folder, seed=21)
    return folder


@pytest.fixture(scope="session")
def score_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("score")
    portfolio, truth = generate_portfolio(300, seed=22)
    write_portfolio(portfolio, truth, folder, seed=22)
    return folder


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, model) -> Path:
    """The session model saved as a model folder (for command-line tests)."""
    from riskmodel.models.persistence import save_model

    return save_model(model, tmp_path_factory.mktemp("model") / "model")
