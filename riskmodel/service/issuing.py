"""Issuing assessments: what the API and the workbench share between a request and the register.

:class:`Services` holds what a request uses (made once per app in its lifespan); the functions
turn an assessment into register records and decide who may read one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from limits.strategies import MovingWindowRateLimiter

from riskmodel.register import NewRecord, Register, StoredRecord, utc_now
from riskmodel.service.engine import LoadedModel, ModelSlot, answers
from riskmodel.service.metrics import Metrics
from riskmodel.service.settings import ServiceSettings
from riskmodel.service.users import User, UserStore

__all__ = ["Services", "request_hash", "new_records", "fill_product_id", "may_read"]


@dataclass
class Services:
    """What the routes use, made once per app in its lifespan."""

    settings: ServiceSettings
    models: ModelSlot
    register: Register
    users: UserStore
    limiter: MovingWindowRateLimiter
    metrics: Metrics


def request_hash(body: Any) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_records(
    loaded: LoadedModel, portfolio, assessment, user: User, key: str | None, request_sha: str
) -> list[NewRecord]:
    out = []
    pricing = assessment.pricing or loaded.pricing
    for answer in answers(loaded, portfolio, assessment):
        full = {
            "assessment_id": str(uuid.uuid4()),
            "created_utc": utc_now(),
            "created_by": user.name,
            **answer,
        }
        out.append(
            NewRecord(
                assessment_id=full["assessment_id"],
                created_utc=full["created_utc"],
                created_by=user.name,
                model_version=loaded.version,
                model_source=loaded.source,
                product_id=answer["product_id"],
                inputs_sha256=answer["inputs_sha256"],
                inputs=answer["inputs"],
                pricing=pricing.to_dict(),
                assessment=full,
                idempotency_key=key,
                request_sha256=request_sha,
            )
        )
    return out


def fill_product_id(rows: list[dict], product_id) -> list[dict]:
    return [{**r, "product_id": r.get("product_id") or product_id} for r in rows]


def may_read(user: User, record: StoredRecord) -> bool:
    """Whether ``user`` may read ``record`` (an underwriter reads only its own)."""
    return user.may("read_all") or (user.may("read_own") and record.created_by == user.name)
