"""The settings of one running service: one default and one check each.

``riskmodel serve`` parses its options into :class:`ServiceSettings`; worker processes receive
them as JSON in the environment variable ``RISKMODEL_SERVICE_SETTINGS`` (uvicorn starts workers
from an import string, so the settings cannot travel as an object).

Examples
--------
>>> s = ServiceSettings(model="models/demo", register="sqlite:///r.db", users="users.toml")
>>> s.rate_limit, s.max_body_mb
('100/second', 8.0)
>>> ServiceSettings.from_json(s.to_json()) == s
True
>>> ServiceSettings(model="m", register="r", users="u", workers=0)
Traceback (most recent call last):
...
riskmodel.errors.OptionError: workers must be an integer in [1, 64]; got 0
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

from limits import parse

from riskmodel.errors import OptionError
from riskmodel.i18n import LANGUAGES

__all__ = ["ServiceSettings", "ENV_VAR"]

#: Where worker processes find their settings.
ENV_VAR = "RISKMODEL_SERVICE_SETTINGS"


@dataclass(frozen=True)
class ServiceSettings:
    """How the service runs.

    Attributes
    ----------
    model : str
        Model folder or MLflow URI (``models:/riskmodel@champion``).
    register : str
        SQLAlchemy URL of the assessment register.
    users : str
        The users file (``riskmodel users add``).
    host, port : str, int
        Where to listen (default loopback: put a TLS reverse proxy in front).
    workers : int
        Worker processes (each loads the model; 1 to 64).
    threads : int
        Requests assessed at once by one worker (1 to 64). Assessing is CPU-bound and mostly
        holds Python's GIL: scale with workers (two per core measured best), not threads.
    pricing : str, optional
        Pricing config TOML (default: the shipped one).
    tracking_uri : str, optional
        MLflow tracking URI for ``models:/`` references.
    rate_limit : str
        Requests allowed per API key and worker, in the ``limits`` notation
        (``100/second``, ``5000/minute``); beyond it, 429.
    max_body_mb : float
        Largest request body accepted (413 beyond), in (0, 256].
    max_upload_mb : float
        Largest portfolio the workbench accepts in one upload (CSV files or a zip), in
        (0, 1024].
    session_hours : float
        How long a workbench login lasts, in (0, 168] hours.
    session_key_file : str, optional
        The secret that signs workbench session cookies (created, mode 600, if missing; shared
        by the workers). Default: the users file's path with ``.session-key`` added.
    uploads_dir : str, optional
        Where the workbench keeps uploaded portfolios and their outputs (default: a
        ``workbench-uploads`` folder beside the users file).
    file_language : str
        The language of the files the workbench writes (the reasons of an uploaded portfolio's
        ``scores.csv`` and ``rejects.csv``): ``en`` (default) or ``ko``. Pages follow the reader.
    audit_report : str, optional
        The audit report the workbench shows auditors (``riskmodel audit``'s ``audit.html``, or
        its folder; ``audit.ko.html`` is preferred for Korean readers when present).
    """

    model: str
    register: str
    users: str
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    threads: int = 1
    pricing: str | None = None
    tracking_uri: str | None = None
    rate_limit: str = "100/second"
    max_body_mb: float = 8.0
    max_upload_mb: float = 64.0
    session_hours: float = 8.0
    session_key_file: str | None = None
    uploads_dir: str | None = None
    file_language: str = "en"
    audit_report: str | None = None

    def __post_init__(self):
        if not isinstance(self.workers, int) or not 1 <= self.workers <= 64:
            raise OptionError(f"workers must be an integer in [1, 64]; got {self.workers!r}")
        if not isinstance(self.threads, int) or not 1 <= self.threads <= 64:
            raise OptionError(f"threads must be an integer in [1, 64]; got {self.threads!r}")
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise OptionError(f"port must be an integer in [0, 65535]; got {self.port!r}")
        if not 0 < float(self.max_body_mb) <= 256:
            raise OptionError(f"max_body_mb must be in (0, 256]; got {self.max_body_mb!r}")
        if not 0 < float(self.max_upload_mb) <= 1024:
            raise OptionError(f"max_upload_mb must be in (0, 1024]; got {self.max_upload_mb!r}")
        if self.file_language not in LANGUAGES:
            raise OptionError(
                f"file_language must be one of {', '.join(LANGUAGES)}; got {self.file_language!r}"
            )
        if not 0 < float(self.session_hours) <= 168:
            raise OptionError(f"session_hours must be in (0, 168]; got {self.session_hours!r}")
        try:
            parse(self.rate_limit)
        except ValueError:
            raise OptionError(
                f"rate_limit must read like '100/second' or '5000/minute'; got {self.rate_limit!r}"
            ) from None

    @property
    def max_body_bytes(self) -> int:
        return int(float(self.max_body_mb) * 1024 * 1024)

    @property
    def max_upload_bytes(self) -> int:
        return int(float(self.max_upload_mb) * 1024 * 1024)

    @property
    def session_key_path(self) -> str:
        return self.session_key_file or f"{self.users}.session-key"

    @property
    def uploads_path(self) -> str:
        return self.uploads_dir or os.path.join(
            os.path.dirname(os.path.abspath(self.users)), "workbench-uploads"
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ServiceSettings:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_env(cls) -> ServiceSettings:
        text = os.environ.get(ENV_VAR)
        if not text:
            raise OptionError(f"{ENV_VAR} is not set: start the service with `riskmodel serve`")
        return cls.from_json(text)
