"""Fixtures of the service tests: users, settings and a running app (through its lifespan)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from riskmodel.service.app import create_app
from riskmodel.service.settings import ServiceSettings
from riskmodel.service.users import add_user


@pytest.fixture(scope="session")
def users_file(tmp_path_factory):
    """A users file with one user of each role (and a second underwriter); their keys."""
    path = tmp_path_factory.mktemp("users") / "users.toml"
    keys = {
        name: add_user(path, name, role)
        for name, role in [
            ("uw", "underwriter"),
            ("uw2", "underwriter"),
            ("aud", "auditor"),
            ("adm", "admin"),
        ]
    }
    return path, keys


@pytest.fixture
def make_client(tmp_path, model_dir, users_file):
    """``make_client(**settings)``: a TestClient of a fresh app on a fresh SQLite register."""
    clients = []

    def make(**overrides):
        settings = ServiceSettings(
            model=str(model_dir),
            register=overrides.pop("register", f"sqlite:///{tmp_path / 'register.db'}"),
            users=str(users_file[0]),
            **overrides,
        )
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture(scope="session")
def keys(users_file):
    return users_file[1]


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}
