"""Per-product assessment statements, and their verification.

A statement is a one-page HTML file for a policy file: the product's inputs, its risks, expected
loss, premium, grade, a SHAP waterfall per target, its reasons in words, and the model and pricing
versions. It embeds, as JSON, the product's input rows exactly as they were scored (contract text),
their SHA-256 (``input_hash``), an ``assessment_id`` (a hash of the model version, pricing version
and input hash) and the numbers it states. :func:`verify_statement` re-scores the recorded inputs
with a model and says whether the same numbers come out, or exactly what differs; an edit of the
recorded inputs breaks the hash and is reported as such.

A statement is written in English or Korean (``lang``): its headings, reasons and waterfall labels
are in that language and its amounts and numbers in that locale's format, while the embedded
record, which verification reads, is the same in both.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from riskmodel.application import application_inputs, input_hash, portfolio_from_inputs
from riskmodel.assessment import Assessment, assess
from riskmodel.contract import TARGETS
from riskmodel.errors import InputError, UnknownProductError
from riskmodel.i18n import check_language
from riskmodel.io import write_text
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PricingConfig
from riskmodel.reports.templating import environment
from riskmodel.reports.waterfall import render_waterfall, waterfall

__all__ = [
    "statement_record",
    "render_statement",
    "write_statements",
    "read_statement",
    "verify_statement",
    "Verification",
    "STATED_NUMBERS",
]

#: The numbers a statement states, and that verification compares.
STATED_NUMBERS = (
    "performance_risk",
    "safety_risk",
    "expected_performance_incidents",
    "expected_safety_incidents",
    "expected_loss_krw",
    "expected_loss_lower_krw",
    "expected_loss_upper_krw",
    "premium_krw",
)
_TAG = re.compile(
    r'<script type="application/json" id="riskmodel-statement">(.*?)</script>', re.DOTALL
)


def _numbers(assessment: Assessment) -> dict:
    """The stated numbers of a one-product assessment."""
    row = assessment.scores.iloc[0]
    out = {k: float(row[k]) for k in STATED_NUMBERS}
    out["grade"] = str(row["grade"])
    return out


def statement_record(
    model: RiskModel, portfolio: Portfolio, product_id: str, pricing: PricingConfig
) -> dict:
    """The machine-readable core of a statement (what is embedded and verified)."""
    return _assessed(model, portfolio, product_id, pricing)[0]


def _assessed(
    model: RiskModel,
    portfolio: Portfolio,
    product_id: str,
    pricing: PricingConfig,
    lang: str = "en",
) -> tuple[dict, Assessment]:
    """The statement record and the assessment of the one product rebuilt from its recorded
    inputs (its reasons in ``lang``)."""
    inputs = application_inputs(portfolio, product_id)
    digest = input_hash(inputs)
    # score exactly what is recorded
    assessment = assess(model, portfolio_from_inputs(inputs), pricing=pricing, n_jobs=1, lang=lang)
    assessment_id = hashlib.sha256(
        f"{model.version_}|{pricing.version}|{digest}".encode()
    ).hexdigest()[:16]
    return {
        "format": 1,
        "assessment_id": assessment_id,
        "product_id": product_id,
        "model_version": model.version_,
        "pricing": pricing.to_dict(),
        "input_hash": digest,
        "inputs": inputs,
        "numbers": _numbers(assessment),
    }, assessment


def render_statement(
    model: RiskModel,
    portfolio: Portfolio,
    product_id: str,
    pricing: PricingConfig,
    *,
    lang: str = "en",
) -> str:
    """One product's statement as HTML in ``lang`` (``"en"`` or ``"ko"``; waterfalls as HTML,
    labelled in the transformers' words)."""
    check_language(lang)
    record, assessment = _assessed(model, portfolio, product_id, pricing, lang)
    row = assessment.scores.iloc[0]
    owners = assessment.owners
    evidence = assessment.evidence.get(str(row["product_id"]), {})

    def words(feature: str, value) -> str:
        return owners[feature].describe(feature, value, evidence, lang=lang)

    figures = {
        t: Markup(
            render_waterfall(
                waterfall(assessment.explanations[t], 0, words=words, lang=lang), lang=lang
            )
        )
        for t in TARGETS
    }
    reasons = {
        t: [row[c] for c in assessment.scores.columns if c.startswith(f"{t}_reason_") and row[c]]
        for t in TARGETS
    }
    embedded = json.dumps(record, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
    return (
        environment(lang)
        .get_template("statement.html.j2")
        .render(
            record=record,
            product=record["inputs"]["products"][0],
            tests=record["inputs"].get("test_results", []),
            certs=record["inputs"].get("certifications", []),
            numbers=record["numbers"],
            grade_row=next(
                g for g in pricing.grade_boundaries() if g["grade"] == record["numbers"]["grade"]
            ),
            data_issues=row.get("data_issues", ""),
            reasons=reasons,
            figures=figures,
            targets=TARGETS,
            embedded=embedded,
        )
    )


def write_statements(
    model: RiskModel,
    portfolio: Portfolio,
    pricing: PricingConfig,
    out: str | os.PathLike,
    product_ids: list[str] | None = None,
    *,
    lang: str = "en",
) -> list[Path]:
    """Write one statement per product in ``lang``: to ``out`` itself for a single product given
    with a ``.html`` name, else ``<out>/<product_id>.html`` per product."""
    check_language(lang)
    ids = list(product_ids) if product_ids else list(portfolio.products["product_id"])
    missing = sorted(set(ids) - set(portfolio.products["product_id"]))
    if missing:
        raise UnknownProductError(f"product(s) {missing[:5]} not in the portfolio")
    out = Path(out)
    single = len(ids) == 1 and out.suffix == ".html"
    paths = []
    for pid in ids:
        path = out if single else out / f"{re.sub(r'[^A-Za-z0-9._-]', '_', pid)}.html"
        write_text(render_statement(model, portfolio, pid, pricing, lang=lang), path)
        paths.append(path)
    return paths


def read_statement(path: str | os.PathLike) -> dict:
    """The record embedded in a statement file."""
    text = Path(path).read_text(encoding="utf-8")
    match = _TAG.search(text)
    if not match:
        raise InputError(f"{path}: not a riskmodel statement (no embedded record)")
    try:
        return json.loads(match.group(1).replace("<\\/", "</"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: the embedded record is not valid JSON ({exc})") from exc


@dataclass
class Verification:
    """Outcome of :func:`verify_statement`."""

    path: str
    assessment_id: str
    ok: bool
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        if self.ok:
            return (
                f"{self.path}: VERIFIED (assessment {self.assessment_id}): "
                "same inputs, same numbers"
            )
        return f"{self.path}: NOT VERIFIED (assessment {self.assessment_id})\n  " + "\n  ".join(
            self.problems
        )


def verify_statement(
    path: str | os.PathLike, model: RiskModel, *, rel_tol: float = 1e-9
) -> Verification:
    """Re-score a statement's recorded inputs with ``model`` and compare every stated number."""
    record = read_statement(path)
    problems = []
    if input_hash(record["inputs"]) != record.get("input_hash"):
        problems.append(
            "the recorded inputs were edited: their SHA-256 no longer matches the input_hash "
            f"{record.get('input_hash')}"
        )
    if record.get("model_version") != model.version_:
        problems.append(
            f"the statement was made with model {record.get('model_version')}, "
            f"verification used {model.version_}"
        )
    pricing = PricingConfig.from_dict(record["pricing"])
    try:
        one = portfolio_from_inputs(record["inputs"])
        numbers = _numbers(assess(model, one, pricing=pricing, n_jobs=1))
    except ValueError as exc:
        problems.append(str(exc))
        numbers = {}
    for key, stated in record["numbers"].items():
        if key not in numbers:
            continue
        again = numbers[key]
        if key == "grade":
            if again != stated:
                problems.append(f"grade: stated {stated}, re-scored {again}")
        elif abs(again - stated) > rel_tol * max(abs(stated), 1e-300):
            problems.append(f"{key}: stated {stated!r}, re-scored {again!r}")
    return Verification(str(path), record.get("assessment_id", "?"), not problems, problems)
