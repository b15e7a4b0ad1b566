"""Checking what was issued: one record re-scored, or the whole register.

:func:`verify_record` takes a stored assessment, rebuilds the application from its recorded
inputs (checking their SHA-256 first), assesses it again with the model version and pricing
config the record names, and lists every stated figure that differs. :func:`verify_register`
(``riskmodel register verify``) checks the hash chain of every record and re-scores a sample.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from riskmodel.application import input_hash, portfolio_from_inputs
from riskmodel.assessment import assess
from riskmodel.errors import InputError
from riskmodel.pricing import PricingConfig
from riskmodel.register import Register, StoredRecord
from riskmodel.service.engine import ModelVersions, answers

__all__ = ["verify_record", "verify_register", "RegisterVerification", "COMPARED_TEXT"]

#: Answer fields compared as text (the rest of the numbers are compared with a tolerance).
COMPARED_TEXT = ("grade", "grade_range", "premium_interval", "inputs_sha256", "product_id")
#: Re-scoring runs the same code on one thread: figures agree to rounding (1 KRW in 3.9 billion
#: is 2.5e-10, and is a difference).
_REL_TOL = 1e-12


def _differences(stored: dict, again: dict) -> list[str]:
    out = []
    for key, value in again.items():
        if key not in stored:
            continue
        before = stored[key]
        numbers = (int, float)
        if (
            isinstance(value, numbers)
            and isinstance(before, numbers)
            and not isinstance(value, bool)
            and not isinstance(before, bool)
        ):
            if not math.isclose(before, value, rel_tol=_REL_TOL, abs_tol=1e-300):
                out.append(f"{key}: stored {before!r}, re-scored {value!r}")
        elif key in COMPARED_TEXT or key in ("reasons", "reasons_by_language"):
            if before != value:
                out.append(f"{key}: stored {before!r}, re-scored {value!r}")
    return out


def verify_record(models, record: StoredRecord) -> list[str]:
    """What differs between a stored assessment and its re-scoring (empty: it holds).

    ``models`` gives the model of a version: anything with ``version(version, source)``
    (:class:`~riskmodel.service.engine.ModelSlot`) or ``get(version, source)``
    (:class:`~riskmodel.service.engine.ModelVersions`).
    """
    problems = []
    if input_hash(record.inputs) != record.inputs_sha256:
        problems.append(
            "the recorded inputs were edited: their SHA-256 no longer matches inputs_sha256 "
            f"{record.inputs_sha256}"
        )
    if record.assessment.get("model_version") != record.model_version:
        problems.append(
            f"the answer names model {record.assessment.get('model_version')}, the record "
            f"{record.model_version}"
        )
    get = getattr(models, "version", None) or models.get
    try:
        loaded = get(record.model_version, record.model_source)
        pricing = PricingConfig.from_dict(record.pricing)
        portfolio = portfolio_from_inputs(record.inputs)
        assessment = assess(loaded.model, portfolio, pricing=pricing, n_jobs=1)
        again = answers(loaded, portfolio, assessment)[0]
    except (InputError, ValueError) as exc:
        return [*problems, f"cannot re-score: {exc}"]
    return problems + _differences(record.assessment, again)


@dataclass
class RegisterVerification:
    """The outcome of ``riskmodel register verify``."""

    records: int
    chain_problems: list = field(default_factory=list)  # ChainProblem
    rescored: int = 0
    rescore_problems: dict[str, list[str]] = field(default_factory=dict)  # id -> differences

    @property
    def ok(self) -> bool:
        return not self.chain_problems and not self.rescore_problems

    def lines(self) -> list[str]:
        out = [
            f"{self.records} record(s); hash chain "
            + ("intact" if not self.chain_problems else f"BROKEN at {len(self.chain_problems)}")
            + f"; {self.rescored} re-scored, {len(self.rescore_problems)} differ"
        ]
        for p in self.chain_problems:
            out.append(f"record {p.seq} ({p.assessment_id}): {p.reason}")
        for assessment_id, diffs in self.rescore_problems.items():
            for d in diffs:
                out.append(f"record {assessment_id}: {d}")
        return out


def verify_register(
    register: Register,
    versions: ModelVersions,
    *,
    sample: int = 100,
    seed: int = 0,
) -> RegisterVerification:
    """Check the chain of every record and re-score ``sample`` records drawn with ``seed``
    (all of them when the register holds fewer)."""
    if sample < 0:
        raise InputError(f"sample must be >= 0; got {sample}")
    chain = register.verify_chain()
    n = register.count()
    picked = set(random.Random(seed).sample(range(1, n + 1), min(sample, n))) if n else set()
    result = RegisterVerification(records=n, chain_problems=chain)
    for record in register.records():
        if record.seq not in picked:
            continue
        result.rescored += 1
        diffs = verify_record(versions, record)
        if diffs:
            result.rescore_problems[record.assessment_id] = diffs
    return result
