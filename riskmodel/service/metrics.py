"""The service's Prometheus metrics (``GET /metrics``).

- ``riskmodel_http_requests_total{method, route, status}`` and
  ``riskmodel_http_request_duration_seconds{method, route}`` (histogram), by route *template*
  (``/v1/assessments/{assessment_id}``), never by raw path;
- ``riskmodel_assessments_total{grade}``: assessments stored, by grade;
- ``riskmodel_rejected_inputs_total``: input rows (or body fields) refused;
- ``riskmodel_model_info{version}``: 1 for the model version answering requests.

Each app has its own registry (two apps in one process do not mix their counts). With several
workers, ``riskmodel serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums the workers'
files (prometheus_client's multiprocess mode).

Examples
--------
>>> m = Metrics("100/second")
>>> m.observe_request("GET", "/healthz", 200, 0.002)
>>> m.assessed(["B", "B", "C"])
>>> body, _ = m.render()
>>> b'riskmodel_assessments_total{grade="B"} 2.0' in body
True
"""

from __future__ import annotations

import os

from limits import parse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

__all__ = ["Metrics"]

_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


class Metrics:
    """The metrics of one app, and the parsed rate limit item its limiter uses."""

    def __init__(self, rate_limit: str):
        self.rate_item = parse(rate_limit)
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = Counter(
            "riskmodel_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "riskmodel_http_request_duration_seconds",
            "Time to answer, by route",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=reg,
        )
        self.assessments = Counter(
            "riskmodel_assessments", "Assessments stored, by grade", ["grade"], registry=reg
        )
        self.rejects = Counter(
            "riskmodel_rejected_inputs", "Input rows or body fields refused", registry=reg
        )
        self.model_info = Gauge(
            "riskmodel_model_info",
            "1 for the model version answering requests",
            ["version"],
            registry=reg,
            multiprocess_mode="livemax",
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def assessed(self, grades) -> None:
        for grade in grades:
            self.assessments.labels(str(grade)).inc()

    def rejected(self, n: int) -> None:
        if n:
            self.rejects.inc(n)

    def model_loaded(self, version: str, previous: str | None) -> None:
        if previous and previous != version:
            self.model_info.labels(previous).set(0)
        self.model_info.labels(version).set(1)

    def render(self) -> tuple[bytes, str]:
        """The text exposition (every worker's, in multiprocess mode)."""
        if self.multiprocess:
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
