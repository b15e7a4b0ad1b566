"""Schemathesis against ``/openapi.json`` of the real app served by uvicorn on 127.0.0.1.

Bounded: a fixed number of generated requests per operation and mode (derandomized, so every
run sends the same ones), bodies that follow the schema and bodies that break it. Every answer
must be no 5xx, a documented status, the documented content type, and match its schema.
"""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from riskmodel.service.app import create_app
from riskmodel.service.settings import ServiceSettings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def live_url(tmp_path_factory, model_dir, users_file):
    """The app under uvicorn in a thread, on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("schemathesis")
    settings_ = ServiceSettings(
        model=str(model_dir),
        register=f"sqlite:///{folder / 'register.db'}",
        users=str(users_file[0]),
        port=port,
        rate_limit="100000/second",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings_), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise AssertionError("the server did not start")
    yield url
    server.should_exit = True
    thread.join(timeout=30)


def _operations():
    """The operations of the app's OpenAPI document (read from the app itself, at collection)."""
    from riskmodel.service.app import create_app as make

    spec = make(ServiceSettings(model="m", register="sqlite:///x.db", users="u")).openapi()
    schema = schemathesis.openapi.from_dict(spec)
    return {op.ok().label: op.ok() for op in schema.get_all_operations()}


OPERATIONS = _operations()


def _cases():
    """Every operation with bodies that follow its schema and, where it takes any input, bodies
    and parameters that break it."""
    for label, operation in sorted(OPERATIONS.items()):
        yield pytest.param(label, GenerationMode.POSITIVE, id=f"{label} positive")
        raw = operation.definition.raw
        if raw.get("parameters") or raw.get("requestBody"):
            yield pytest.param(label, GenerationMode.NEGATIVE, id=f"{label} negative")


@pytest.mark.parametrize("label, mode", list(_cases()))
def test_no_input_gets_a_5xx_and_every_answer_matches_its_schema(label, mode, live_url, users_file):
    keys = users_file[1]
    operation = OPERATIONS[label]

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        case.call_and_validate(
            base_url=live_url,
            headers={"Authorization": f"Bearer {keys['adm']}"},
            checks=CHECKS,
        )

    check()
