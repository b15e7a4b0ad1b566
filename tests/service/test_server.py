"""The real server: ``riskmodel serve`` in a process, killed with SIGKILL while 8 clients write.

Every assessment answered with 201 must be in the register after a restart, the chain must hold
(``riskmodel register verify`` exits 0), and an edited record makes it exit 1 naming the record.
Run on SQLite and on a real PostgreSQL server (``make postgres``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from riskmodel.register import Register
from riskmodel.service.schemas import ASSESSMENT_EXAMPLE

RISKMODEL = [sys.executable, "-m", "riskmodel"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(model_dir, register_url, users, port, log: Path, workers=1) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            *RISKMODEL,
            "serve",
            "--model",
            str(model_dir),
            "--register",
            register_url,
            "--users",
            str(users),
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--rate-limit",
            "10000/second",
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches every worker
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"the server did not get ready: {log.read_text()[-3000:]}")


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*RISKMODEL, *args], capture_output=True, text=True, timeout=300)


def test_a_crash_loses_no_answered_assessment_and_the_chain_holds(
    register_url, model_dir, users_file, tmp_path
):
    users, keys = users_file
    port, log = _free_port(), tmp_path / "server.log"
    proc = _start(model_dir, register_url, users, port, log, workers=2)
    answered: list[str] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(i: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            n = 0
            while not stop.is_set():
                body = {**ASSESSMENT_EXAMPLE}
                body["product"] = {**body["product"], "product_id": f"CRASH-{i}-{n}"}
                n += 1
                try:
                    r = http.post(
                        "/v1/assessments",
                        json=body,
                        headers={"Authorization": f"Bearer {keys['uw']}"},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 201:
                    with lock:
                        answered.append(r.json()["assessment_id"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(answered) < 24 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # no goodbye: workers die mid-request
    proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(answered) >= 24, log.read_text()[-3000:]

    proc = _start(model_dir, register_url, users, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for assessment_id in answered:
                r = http.get(
                    f"/v1/assessments/{assessment_id}",
                    headers={"Authorization": f"Bearer {keys['aud']}"},
                )
                assert r.status_code == 200, assessment_id
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)

    checked = _cli("register", "verify", "--register", register_url, "--sample", "5")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "hash chain intact" in checked.stdout

    # tamper: an attacker with the database owner's rights lifts the guard and edits record 7
    store = Register(register_url)
    victim = next(r for r in store.records() if r.seq == 7)
    store.dispose()
    engine = sa.create_engine(register_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            triggers = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='trigger'"
            ).scalars()
            for name in list(triggers):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("ALTER TABLE assessments DISABLE TRIGGER USER")
        conn.execute(
            sa.text("UPDATE assessments SET product_id = 'EDITED' WHERE seq = 7"),
        )
    engine.dispose()
    checked = _cli("register", "verify", "--register", register_url, "--sample", "0")
    assert checked.returncode == 1
    assert victim.assessment_id in checked.stdout


def test_a_reload_restarts_the_workers_without_failing_a_request(model_dir, users_file, tmp_path):
    users, keys = users_file
    port, log = _free_port(), tmp_path / "server.log"
    register = f"sqlite:///{tmp_path / 'register.db'}"
    proc = _start(model_dir, register, users, port, log, workers=2)
    statuses: list[int | str] = []
    stop = threading.Event()

    def client(i: int) -> None:
        """A well-behaved client: a retiring worker may close a keep-alive connection just as a
        request goes out on it (HTTP/1.1 allows that), so a request that gets no answer is sent
        once more with the same Idempotency-Key (the register answers it at most once). A
        request fails if its retry gets no answer either, or any answer but 201."""
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            n = 0
            while not stop.is_set():
                n += 1
                headers = {
                    "Authorization": f"Bearer {keys['uw']}",
                    "Idempotency-Key": f"reload-{i}-{n}",
                }
                for attempt in (1, 2):
                    try:
                        r = http.post("/v1/assessments", json=ASSESSMENT_EXAMPLE, headers=headers)
                    except httpx.TransportError as e:
                        if attempt == 2:
                            statuses.append(f"no answer: {e!r}")
                    else:
                        statuses.append(r.status_code)
                        break

    threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
    try:
        for t in threads:
            t.start()
        time.sleep(2)
        reloaded = httpx.post(
            f"http://127.0.0.1:{port}/v1/admin/reload",
            headers={"Authorization": f"Bearer {keys['adm']}"},
            timeout=60,
        )
        assert reloaded.status_code == 200
        deadline = time.monotonic() + 90  # both workers replaced, one at a time
        while time.monotonic() < deadline and not (
            "restarting processes" in (text := log.read_text())
            and text.count("Application startup complete") >= 4  # two started, two restarted
        ):
            time.sleep(0.2)
        assert log.read_text().count("Application startup complete") >= 4, log.read_text()[-3000:]
        n = len(statuses)
        while len(statuses) < n + 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(statuses) >= n + 3  # still answering after the restart
        assert "was not ready in time" not in log.read_text()  # no worker kept its old model
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    assert "restarting processes" in log.read_text()
    assert statuses and set(statuses) == {201}, sorted(set(statuses), key=str)
