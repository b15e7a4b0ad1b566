"""The tamper-evident assessment register: every assessment the scoring service issues, stored
append-only in a hash chain (SQLite or PostgreSQL). See :mod:`riskmodel.register.store`."""

from __future__ import annotations

from riskmodel.register.store import (
    GENESIS_SHA256,
    VERSION_TABLE,
    ChainProblem,
    IdempotencyConflict,
    NewRecord,
    Register,
    RegisterUnavailable,
    StoredRecord,
    canonical_json,
    content_sha256,
    utc_now,
)

__all__ = [
    "GENESIS_SHA256",
    "VERSION_TABLE",
    "ChainProblem",
    "IdempotencyConflict",
    "NewRecord",
    "Register",
    "RegisterUnavailable",
    "StoredRecord",
    "canonical_json",
    "content_sha256",
    "utc_now",
]
