"""The service's request and response bodies, made from the contract-as-code module.

The rows of a request (a product, its test results, its certifications) are built from
:data:`riskmodel.contract.TABLES`: one field per column, documented in OpenAPI with the
contract's type, bounds, allowed values and meaning. There is no second copy of the columns.

Type checks are *not* done here: a row field takes any JSON number, boolean, string or null,
and the values go through :func:`riskmodel.validation.validate_tables`, exactly as the cells of a
CSV file do, so a JSON body is refused with the same words as ``rejects.csv``. Only what has no
CSV counterpart is refused by the models themselves: a column the contract does not name, a row
that is not an object, a value that is a list or an object.

Examples
--------
>>> ProductRow.model_json_schema()["properties"]["trl"]["maximum"]
9
>>> "category" in ProductRow.model_json_schema()["required"]
True
>>> AssessmentRequest.model_validate(ASSESSMENT_EXAMPLE).product.category
'drone'
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from riskmodel.contract import TABLES, TARGETS, ColumnSpec
from riskmodel.validation import MAX_TEXT_LENGTH, REJECT_COLUMNS

__all__ = [
    "MAX_BATCH_PRODUCTS",
    "ProductRow",
    "TestResultRow",
    "CertificationRow",
    "AssessmentRequest",
    "BatchRequest",
    "ExplanationRow",
    "Reasons",
    "Assessment",
    "AssessmentPage",
    "BatchAnswer",
    "RejectRow",
    "Verification",
    "WhatIfRequest",
    "WhatIfAnswer",
    "MovedFeature",
    "ModelAnswer",
    "ReloadAnswer",
    "Problem",
    "ProblemItem",
    "ASSESSMENT_EXAMPLE",
]

#: The most products one batch request may carry (the contract's figure).
MAX_BATCH_PRODUCTS = 1000

JsonScalar = str | int | float | bool | None


def _json_schema(spec: ColumnSpec) -> dict:
    schema: dict[str, Any]
    if spec.dtype == "integer":
        schema = {"type": "integer"}
    elif spec.dtype == "number":
        schema = {"type": "number"}
    elif spec.dtype == "boolean":
        schema = {"type": "boolean"}
    elif spec.dtype == "date":
        schema = {"type": "string", "format": "date"}
    elif spec.dtype == "enum" and not spec.flag_unknown:
        schema = {"type": "string", "enum": list(spec.allowed or ())}
    else:
        schema = {"type": "string", "maxLength": MAX_TEXT_LENGTH}
        if spec.allowed:
            schema["examples"] = list(spec.allowed)
    if spec.minimum is not None:
        schema["exclusiveMinimum" if spec.exclusive_minimum else "minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    if isinstance(schema.get("minimum"), float) and schema["minimum"].is_integer():
        schema["minimum"] = int(schema["minimum"])
    for bound in ("exclusiveMinimum", "maximum"):
        if isinstance(schema.get(bound), float) and schema[bound].is_integer():
            schema[bound] = int(schema[bound])
    if not spec.required:
        schema = {"anyOf": [schema, {"type": "null"}]}
    schema["description"] = spec.meaning + (
        ""
        if spec.dtype != "enum" or not spec.flag_unknown
        else " (another value is scored with "
        "the portfolio-average effect and flagged in data_issues)"
    )
    return schema


def _row_model(name: str, table: str, *, product_id_required: bool) -> type[BaseModel]:
    spec = TABLES[table]
    fields: dict[str, Any] = {}
    required = []
    for col in spec.columns:
        schema = _json_schema(col)
        fields[col.name] = (Annotated[JsonScalar, WithJsonSchema(schema)], None)
        if col.required and (col.name != "product_id" or product_id_required):
            required.append(col.name)
    config = ConfigDict(
        extra="forbid",
        title=name,
        json_schema_extra={"required": required, "description": spec.purpose},
    )
    return create_model(name, __config__=config, **fields)


ProductRow = _row_model("ProductRow", "products", product_id_required=True)
TestResultRow = _row_model("TestResultRow", "test_results", product_id_required=False)
CertificationRow = _row_model("CertificationRow", "certifications", product_id_required=False)
_BatchTestResultRow = _row_model("BatchTestResultRow", "test_results", product_id_required=True)
_BatchCertificationRow = _row_model(
    "BatchCertificationRow", "certifications", product_id_required=True
)

ASSESSMENT_EXAMPLE: dict = {
    "product": {
        "product_id": "APP-2026-0001",
        "company_id": "C-0042",
        "category": "drone",
        "zone": "gangwon",
        "trl": 7,
        "company_age_years": 6.5,
        "units_deployed": 12,
        "demo_months": 18,
        "public_exposure": "restricted_public",
        "coverage_limit_krw": 500000000,
        "deductible_krw": 1000000,
        "coverage_start": "2026-03-01",
    },
    "test_results": [
        {
            "test_id": "T-1",
            "standard": "IEC 62133-2",
            "test_kind": "safety",
            "test_date": "2025-11-12",
            "lab_accredited": True,
            "outcome": "pass",
            "severity": None,
            "measured_value": 41.5,
            "limit_value": 60,
            "higher_is_better": False,
        },
        {
            "test_id": "T-2",
            "standard": "IEC 60068-2-6",
            "test_kind": "environmental",
            "test_date": "2025-12-03",
            "lab_accredited": True,
            "outcome": "conditional",
            "severity": "minor",
        },
    ],
    "certifications": [
        {"scheme": "KC", "issuer_country": "KR", "status": "active", "issued_date": "2025-06-30"},
        {
            "scheme": "EASA_C2",
            "issuer_country": "DE",
            "status": "active",
            "issued_date": "2025-09-15",
        },
    ],
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentRequest(_Body):
    """One application: a product, its test results and its certifications (child rows may
    leave out ``product_id``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ASSESSMENT_EXAMPLE]})

    product: ProductRow  # type: ignore[valid-type]
    test_results: list[TestResultRow] = Field(default_factory=list)  # type: ignore[valid-type]
    certifications: list[CertificationRow] = Field(default_factory=list)  # type: ignore[valid-type]


def _batch_example() -> dict:
    pid = ASSESSMENT_EXAMPLE["product"]["product_id"]
    return {
        "products": [ASSESSMENT_EXAMPLE["product"]],
        "test_results": [{"product_id": pid, **r} for r in ASSESSMENT_EXAMPLE["test_results"]],
        "certifications": [{"product_id": pid, **r} for r in ASSESSMENT_EXAMPLE["certifications"]],
    }


class BatchRequest(_Body):
    """Up to 1,000 products with their child rows (which carry ``product_id``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_batch_example()]})

    products: list[ProductRow] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_BATCH_PRODUCTS
    )
    test_results: list[_BatchTestResultRow] = Field(default_factory=list)  # type: ignore[valid-type]
    certifications: list[_BatchCertificationRow] = Field(  # type: ignore[valid-type]
        default_factory=list
    )


class ExplanationRow(BaseModel):
    """One row of ``explanations.csv`` for the product (``__base__`` included)."""

    target: str
    feature: str
    input_group: str
    value: str | None
    contribution: float
    scale: str
    factor: float


class Reasons(BaseModel):
    """The reasons in words, per target, most important first."""

    performance: list[str]
    safety: list[str]


class _Numbers(BaseModel):
    product_id: str
    model_version: str
    pricing_version: str
    inputs_sha256: str
    performance_risk: float
    safety_risk: float
    expected_performance_incidents: float
    expected_safety_incidents: float
    exposure_unit_years: float
    expected_loss_krw: float
    expected_performance_loss_krw: float
    expected_safety_loss_krw: float
    expected_loss_lower_krw: float
    expected_loss_upper_krw: float
    expected_loss_per_unit_year_krw: float
    premium_krw: float
    premium_lower_krw: float
    premium_upper_krw: float
    premium_interval: str
    grade: str
    grade_range: str
    reasons: Reasons
    reasons_by_language: dict[str, Reasons] | None = Field(
        None, description="the reasons in every language riskmodel speaks (en, ko)"
    )
    explanations: list[ExplanationRow]
    data_issues: list[str]


class Assessment(_Numbers):
    """One issued assessment, as stored in the register."""

    assessment_id: str
    created_utc: str
    created_by: str
    inputs: dict[str, list[dict[str, str | None]]] = Field(
        description="the product's input rows exactly as scored (contract text)"
    )


class AssessmentPage(BaseModel):
    """A page of the register, newest first; ``next_cursor`` fetches the next page."""

    assessments: list[Assessment]
    next_cursor: str | None


class RejectRow(BaseModel):
    """One input row not used, as in ``rejects.csv``."""

    table: str
    row: int | None
    product_id: str | None
    column: str | None
    value: str | None
    reason: str


assert tuple(RejectRow.model_fields) == REJECT_COLUMNS  # one definition of the columns


class BatchAnswer(BaseModel):
    """The assessments of the accepted products, every row set aside, and the reconciliation
    (as in ``run_summary.json``)."""

    assessments: list[Assessment]
    rejects: list[RejectRow]
    summary: dict[str, Any]


class Verification(BaseModel):
    """Whether re-scoring the stored inputs with the recorded model gives the stored numbers."""

    assessment_id: str
    model_version: str
    match: bool
    differences: list[str]


class WhatIfRequest(_Body):
    """Changes (the CLI's syntax) to apply to a stored assessment's application."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "assessment_id": "8a7c1c9e-4f0e-4a53-9d8e-1f0c2b7a6d55",
                    "changes": ["add certification UL_3030"],
                }
            ]
        },
    )

    assessment_id: str = Field(max_length=100)
    changes: list[Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]] = Field(
        min_length=1, max_length=20
    )


class MovedFeature(BaseModel):
    """A feature whose value the changes moved, and its factor on expected incidents."""

    target: str
    feature: str
    before: str | None
    after: str | None
    factor: float


class WhatIfAnswer(_Numbers):
    """The changed application, assessed and not stored."""

    based_on: str = Field(description="the assessment the changes were applied to")
    changes: list[str]
    premium_before_krw: float
    grade_before: str
    moved: list[MovedFeature]


class ModelAnswer(BaseModel):
    """The model answering requests: its version, model card and risk criteria."""

    model_version: str
    model_source: str
    pricing_version: str
    targets: list[str] = Field(default=list(TARGETS))
    model_card: dict[str, Any]
    criteria: dict[str, Any]


class ReloadAnswer(BaseModel):
    """The model before and after an admin reload."""

    previous_version: str
    model_version: str
    model_source: str


class ProblemItem(BaseModel):
    """One problem with the input, in the words of ``rejects.csv``."""

    table: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str


class Problem(BaseModel):
    """An error answer (RFC 9457, ``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] = Field(default_factory=list)
