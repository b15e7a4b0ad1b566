"""Who and what made an artefact: the code version and the user, for lineage records."""

from __future__ import annotations

import getpass
import subprocess
from pathlib import Path

__all__ = ["code_version", "current_user"]


def code_version() -> str:
    """The git commit of the code (short hash, ``+dirty`` with uncommitted changes), or
    ``unknown`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty=+dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def current_user() -> str:
    """The login name running the process, or ``unknown``."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
