"""Load figures of the scoring service (``scripts/bench_service.py``), measured with ``wrk``.

One run, side by side: the anchor (the same applications assessed in-process, one thread, no
HTTP and no register), the service under ``wrk`` (``clients`` connections, one product with its
tests and certifications per request, explanations included, register on SQLite, bounded by
``duration``), and the batch endpoint (1,000 products per request). Traffic goes to 127.0.0.1
only. Latency percentiles come from wrk's own histogram (its ``done`` hook prints them).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from riskmodel.application import application_json
from riskmodel.errors import InputError
from riskmodel.register import Register
from riskmodel.service.engine import ModelSlot, assess_json
from riskmodel.service.users import add_user
from riskmodel.validation import load_data

__all__ = ["measure_service", "SERVICE_TARGETS"]

#: The issue's targets on a 2-core machine.
SERVICE_TARGETS = {"p99_ms": 20.0, "assessments_per_s": 300.0, "batch_1000_s": 1.0}

_LUA = """
local bodies = {%(bodies)s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
request = function()
  i = i + 1
  return wrk.format(nil, "/v1/assessments", nil, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "errors_status": %%d, "errors_connect": %%d, ' ..
    '"errors_read": %%d, "errors_timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.timeout, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lua_string(text: str) -> str:
    level = "=" * 3
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def _bodies(data_dir, n: int) -> tuple[list[dict], list[dict]]:
    portfolio = load_data(data_dir).portfolio
    ids = list(portfolio.products["product_id"][:n])
    bodies = [application_json(portfolio, pid) for pid in ids]
    return bodies, ids


def _anchor(model_dir, bodies: list[dict]) -> dict:
    """The same applications assessed in-process, one thread: what HTTP and the register add
    to."""
    slot = ModelSlot(model_dir)
    times = []
    for body in bodies:
        pid = body["product"]["product_id"]
        t0 = time.perf_counter()
        assess_json(
            slot.current,
            [body["product"]],
            [{**r, "product_id": pid} for r in body["test_results"]],
            [{**r, "product_id": pid} for r in body["certifications"]],
        )
        times.append(time.perf_counter() - t0)
    ms = np.array(times[min(10, len(times) // 10) :]) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "per_s": float(1000 / ms.mean()),
    }


def _serve(model_dir, register_url, users, port, workers, threads, log) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskmodel", "-q", "serve", "--model", str(model_dir)]
        + ["--register", register_url, "--users", str(users), "--port", str(port)]
        + [
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--rate-limit",
            "1000000/second",
            "--max-body-mb",
            "64",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the service stopped while starting (see its log)")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("the service did not get ready in 120 s")


def _batch(port: int, key: str, bodies: list[dict], repeats: int) -> list[float]:
    batch = {"products": [], "test_results": [], "certifications": []}
    for b in bodies:
        pid = b["product"]["product_id"]
        batch["products"].append(b["product"])
        batch["test_results"] += [{**r, "product_id": pid} for r in b["test_results"]]
        batch["certifications"] += [{**r, "product_id": pid} for r in b["certifications"]]
    payload = json.dumps(batch).encode()
    times = []
    with httpx.Client(timeout=120) as http:
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = http.post(
                f"http://127.0.0.1:{port}/v1/assessments/batch",
                content=payload,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            times.append(time.perf_counter() - t0)
            if r.status_code != 200 or len(r.json()["assessments"]) != len(bodies):
                raise RuntimeError(f"batch answered {r.status_code}: {r.text[:300]}")
    return times


def measure_service(
    model_dir: str | os.PathLike,
    data_dir: str | os.PathLike,
    *,
    clients: int = 16,
    duration_s: int = 20,
    workers: int = 4,
    threads: int = 1,
    applications: int = 500,
    batch_products: int = 1000,
    batch_repeats: int = 3,
    register: str | None = None,
) -> dict:
    """Measure the service; returns the figures (see the module docstring)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise InputError("wrk is not installed: `apt-get install wrk` (Debian's package)")
    bodies, _ = _bodies(data_dir, max(applications, batch_products))
    singles = bodies[:applications]
    anchor = _anchor(model_dir, singles[:200])
    with tempfile.TemporaryDirectory(prefix="riskmodel-bench-") as tmp:
        tmp = Path(tmp)
        users = tmp / "users.toml"
        key = add_user(users, "bench", "underwriter")
        register_url = register or f"sqlite:///{tmp / 'register.db'}"
        port = _free_port()
        log = (tmp / "server.log").open("wb")
        proc = _serve(model_dir, register_url, users, port, workers, threads, log)
        try:
            script = tmp / "post.lua"
            script.write_text(
                _LUA
                % {
                    "bodies": ",\n".join(_lua_string(json.dumps(b)) for b in singles),
                    "key": key,
                }
            )
            url = f"http://127.0.0.1:{port}"
            warm = subprocess.run(
                [wrk, "-t1", "-c2", "-d3s", "-s", str(script), url],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if warm.returncode:
                raise RuntimeError(f"wrk failed: {warm.stderr}")
            run = subprocess.run(
                [wrk, "-t1", f"-c{clients}", f"-d{duration_s}s", "--timeout", "10s"]
                + ["-s", str(script), url],
                capture_output=True,
                text=True,
                timeout=duration_s + 60,
            )
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            batch_times = _batch(port, key, bodies[:batch_products], batch_repeats)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
            log.close()
        store = Register(register_url)
        stored = store.count()
        chain = store.verify_chain()
        store.dispose()
    seconds = figures["duration_us"] / 1e6
    errors = sum(v for k, v in figures.items() if k.startswith("errors_"))
    return {
        "clients": clients,
        "workers": workers,
        "threads": threads,
        "duration_s": seconds,
        "requests": figures["requests"],
        "errors": errors,
        "assessments_per_s": (figures["requests"] - errors) / seconds,
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "anchor_in_process": anchor,
        "batch_products": len(bodies[:batch_products]),
        "batch_s": {"best": min(batch_times), "median": statistics.median(batch_times)},
        "register_records": stored,
        "register_chain_intact": not chain,
        "cores": os.cpu_count(),
    }
