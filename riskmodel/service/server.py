"""Starting the service: ``riskmodel serve``.

Before any worker starts, the register is created or migrated (once, not by every worker), the
users file and the model are checked (a bad option fails here, with exit status 2, not in a
worker's log). Then uvicorn runs the app with the settings handed over in the environment, one
or several worker processes (``--workers``; with several, ``PROMETHEUS_MULTIPROC_DIR`` collects
the metrics of all of them and ``kill -HUP <supervisor>`` restarts the workers one by one with
the model reloaded).

Logs are JSON lines on standard error: uvicorn's own access log (client address, raw path and
query) is off; riskmodel's access log has the request id, method, route template, status, time
and the caller's role, never a key, a password, an address or an input value.
"""

from __future__ import annotations

import os
import tempfile

from riskmodel.errors import InputError
from riskmodel.register import Register
from riskmodel.service.engine import ModelSlot
from riskmodel.service.settings import ENV_VAR, ServiceSettings
from riskmodel.service.users import UserStore

__all__ = ["prepare", "serve", "LOG_CONFIG", "WORKER_READY_S"]

#: How long a new worker may take to load its model and get ready during a reload (seconds).
WORKER_READY_S = 30

LOG_CONFIG: dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "riskmodel": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def prepare(settings: ServiceSettings) -> str:
    """Check the users file and the model, create or migrate the register; returns the model
    version that will answer."""
    users = UserStore(settings.users)
    if not len(users):
        raise InputError(f"users file {settings.users} has no user: add one with `users add`")
    register = Register(settings.register)
    register.dispose()
    return ModelSlot(settings.model, tracking_uri=settings.tracking_uri).current.version


def serve(settings: ServiceSettings) -> None:
    """Run the service until stopped (Ctrl-C or SIGTERM finish the requests in flight)."""
    import uvicorn

    prepare(settings)
    os.environ[ENV_VAR] = settings.to_json()
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="riskmodel-metrics-")
    uvicorn.run(
        "riskmodel.service.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=LOG_CONFIG,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        timeout_graceful_shutdown=30,
        # a reload starts each new worker and retires the old one once the new one is ready;
        # uvicorn's default of 5 s is shorter than loading a large model on a busy machine,
        # and a restart that times out keeps the old worker and its old model
        timeout_worker_healthcheck=WORKER_READY_S,
    )
