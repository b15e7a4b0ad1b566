"""Shared fixtures: small synthetic portfolios and one trained model per test session.

Fixtures stay small so the whole suite runs in minutes; the demo and scripts/bench.py measure the
full-size figures.
"""

from __future__ import annotations

import os
import secrets
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


# --------------------------------------------------------------------- the register's databases
POSTGRES_ENV = "RISKMODEL_TEST_POSTGRES"


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request, tmp_path):
    """A SQLAlchemy URL of an empty database: a SQLite file in ``tmp_path``, or a database
    ``rm_test_<hex>`` created for the test on ``$RISKMODEL_TEST_POSTGRES`` and dropped after it
    (with the connections the test left open)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(
            f"PostgreSQL case: {POSTGRES_ENV} is not set; run `make postgres` and set it to the "
            f"URL it prints (make test does both)"
        )
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    url = sa.engine.make_url(server)
    name = f"rm_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as e:
        admin.dispose()
        pytest.fail(
            f"{POSTGRES_ENV}={url.render_as_string(hide_password=True)} cannot create a test "
            f"database (run `make postgres`): {str(e.orig).strip()}"
        )
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # FORCE ends the connections an engine of the test did not dispose of.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
