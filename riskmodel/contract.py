"""The input and output contract, version 1, as data.

Everything else in the package reads table names, column names, types, allowed values and output
columns from here, so the contract lives in exactly one place. The prose version is
``../shared/contract/INPUT_CONTRACT.md`` and, restated for auditors, ``data/README.md``.

Examples
--------
>>> from riskmodel.contract import TABLES, CATEGORIES
>>> TABLES["products"].column("trl").minimum
1
>>> "battery_ess" in CATEGORIES
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from riskmodel.errors import Message
from riskmodel.i18n import N_

__all__ = [
    "CONTRACT_VERSION",
    "CATEGORIES",
    "PUBLIC_EXPOSURE_LEVELS",
    "TEST_KINDS",
    "TEST_OUTCOMES",
    "SEVERITIES",
    "CERT_STATUSES",
    "INCIDENT_KINDS",
    "TARGETS",
    "INPUT_GROUPS",
    "ColumnSpec",
    "TableSpec",
    "TABLES",
    "TABLE_ORDER",
    "SCORES_COLUMNS",
]

CONTRACT_VERSION = 1

CATEGORIES: tuple[str, ...] = (
    "autonomous_vehicle",
    "urban_air_mobility",
    "drone",
    "marine_mobility",
    "robotics",
    "ai_software",
    "digital_healthcare",
    "medical_device",
    "regenerative_bio",
    "battery_ess",
    "hydrogen_energy",
    "renewable_energy",
    "semiconductor_equipment",
)
# Ordered from least to most reachable by the public: the order is meaningful (monotone feature).
PUBLIC_EXPOSURE_LEVELS: tuple[str, ...] = ("closed_site", "restricted_public", "open_public")
TEST_KINDS: tuple[str, ...] = (
    "safety",
    "performance",
    "emc",
    "environmental",
    "software",
    "cybersecurity",
    "biocompatibility",
)
TEST_OUTCOMES: tuple[str, ...] = ("pass", "fail", "conditional")
# Ordered from least to most severe.
SEVERITIES: tuple[str, ...] = ("minor", "major", "critical")
CERT_STATUSES: tuple[str, ...] = ("active", "expired", "suspended", "withdrawn")
INCIDENT_KINDS: tuple[str, ...] = ("performance", "safety")
#: The two risks riskmodel scores; each is an incident kind.
TARGETS: tuple[str, ...] = INCIDENT_KINDS
#: Every feature belongs to exactly one of these groups (explanations.csv ``input_group``).
INPUT_GROUPS: tuple[str, ...] = (
    "category",
    "zone",
    "company",
    "exposure",
    "tests",
    "certifications",
)

ColumnType = Literal["string", "integer", "number", "date", "boolean", "enum"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input table.

    Parameters
    ----------
    name : str
        Column name as it appears in the header.
    dtype : {"string", "integer", "number", "date", "boolean", "enum"}
        Logical type. ``enum`` columns take one of ``allowed``.
    required : bool
        Whether every row must have a value.
    meaning : str
        One line for the data dictionary.
    minimum, maximum : float, optional
        Bounds for numbers; ``exclusive_minimum`` makes the lower bound strict.
    allowed : tuple of str, optional
        The allowed values of an ``enum`` column.
    unique : bool
        Whether the column is a key.
    flag_unknown : bool
        For an ``enum`` column: a value outside ``allowed`` is kept and flagged instead of
        rejected (a new product category is scored with the documented fallback).
    """

    name: str
    dtype: ColumnType
    required: bool
    meaning: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    allowed: tuple[str, ...] | None = None
    unique: bool = False
    flag_unknown: bool = False

    def expectation(self) -> str:
        """Describe in words what a valid value looks like (used in error messages)."""
        return self.expectation_message().render("en")

    def expectation_message(self) -> Message:
        """:meth:`expectation` as a message, to be said in any language (``.render(lang)``)."""
        if self.dtype == "enum":
            kind = Message(N_("one of {values}"), values=", ".join(self.allowed or ()))
        else:
            kind = Message(_KINDS[self.dtype])
        if self.minimum is None and self.maximum is None:
            return kind
        bounds = []
        if self.minimum is not None:
            lower = N_("> {minimum:g}") if self.exclusive_minimum else N_(">= {minimum:g}")
            bounds.append(Message(lower, minimum=self.minimum))
        if self.maximum is not None:
            bounds.append(Message(N_("<= {maximum:g}"), maximum=self.maximum))
        if len(bounds) == 2:
            bounds = [Message(N_("{lower} and {upper}"), lower=bounds[0], upper=bounds[1])]
        return Message(N_("{kind} {bounds}"), kind=kind, bounds=bounds[0])


#: What a valid value of each type looks like (enumerations list their values).
_KINDS = {
    "string": N_("a text value"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "date": N_("a real calendar date written YYYY-MM-DD"),
    "boolean": N_("true or false"),
}


@dataclass(frozen=True)
class TableSpec:
    """One input table of the contract.

    Parameters
    ----------
    name : str
        Table name; the file is ``<name>.csv`` or ``<name>.parquet``.
    columns : tuple of ColumnSpec
        The contract's columns, in contract order.
    required : bool
        Whether the file must be present in a data folder.
    key : str, optional
        The unique key column.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool
    key: str | None = None
    purpose: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _col(name: str, dtype: ColumnType, required: bool, meaning: str, **kw) -> ColumnSpec:
    return ColumnSpec(name=name, dtype=dtype, required=required, meaning=meaning, **kw)


PRODUCTS = TableSpec(
    name="products",
    required=True,
    key="product_id",
    purpose="one row per product under assessment",
    columns=(
        _col("product_id", "string", True, "unique key", unique=True),
        _col("company_id", "string", True, "applicant company"),
        _col("category", "enum", True, "product category", allowed=CATEGORIES, flag_unknown=True),
        _col("zone", "string", True, "special zone or region where the product is demonstrated"),
        _col(
            "trl",
            "integer",
            True,
            "technology readiness level at application",
            minimum=1,
            maximum=9,
        ),
        _col("company_age_years", "number", True, "age of the applicant company", minimum=0),
        _col("units_deployed", "integer", True, "units in the demonstration", minimum=1),
        _col(
            "demo_months",
            "number",
            True,
            "length of the coverage period in months",
            minimum=0,
            maximum=60,
            exclusive_minimum=True,
        ),
        _col(
            "public_exposure",
            "enum",
            True,
            "who can be reached by the product",
            allowed=PUBLIC_EXPOSURE_LEVELS,
        ),
        _col(
            "coverage_limit_krw",
            "number",
            True,
            "limit of indemnity",
            minimum=0,
            exclusive_minimum=True,
        ),
        _col("deductible_krw", "number", True, "deductible per incident", minimum=0),
        _col("coverage_start", "date", True, "start of the coverage period"),
    ),
)

TEST_RESULTS = TableSpec(
    name="test_results",
    required=True,
    key="test_id",
    purpose="zero or more test results per product",
    notes=(
        "test_date is on or before the product's coverage_start",
        "higher_is_better is needed when measured_value and limit_value are given",
    ),
    columns=(
        _col("product_id", "string", True, "a product_id of products"),
        _col("test_id", "string", True, "unique key", unique=True),
        _col("standard", "string", True, "the standard tested against, e.g. IEC 62133-2"),
        _col("test_kind", "enum", True, "what the test examines", allowed=TEST_KINDS),
        _col("test_date", "date", True, "date of the test, on or before coverage_start"),
        _col("lab_accredited", "boolean", True, "tested by an accredited laboratory"),
        _col("outcome", "enum", True, "result of the test", allowed=TEST_OUTCOMES),
        _col("severity", "enum", False, "for fail and conditional outcomes", allowed=SEVERITIES),
        _col("measured_value", "number", False, "the measured value"),
        _col("limit_value", "number", False, "the limit the standard sets"),
        _col(
            "higher_is_better", "boolean", False, "whether values above the limit are the good side"
        ),
    ),
)

CERTIFICATIONS = TableSpec(
    name="certifications",
    required=True,
    purpose="zero or more certifications per product",
    notes=("issued_date is on or before the product's coverage_start",),
    columns=(
        _col("product_id", "string", True, "a product_id of products"),
        _col("scheme", "string", True, "certification scheme, e.g. KC, UL, CE, FDA_510K"),
        _col("issuer_country", "string", True, "ISO 3166 alpha-2 country of the certifying body"),
        _col("status", "enum", True, "status at coverage_start", allowed=CERT_STATUSES),
        _col("issued_date", "date", True, "date issued, on or before coverage_start"),
    ),
)

INCIDENTS = TableSpec(
    name="incidents",
    required=False,
    key="incident_id",
    purpose="outcomes, for training and evaluation only (optional when scoring)",
    notes=("incident_date lies inside the product's coverage period",),
    columns=(
        _col("product_id", "string", True, "a product_id of products"),
        _col("incident_id", "string", True, "unique key", unique=True),
        _col("incident_date", "date", True, "inside the product's coverage period"),
        _col(
            "kind", "enum", True, "a performance failure or a safety event", allowed=INCIDENT_KINDS
        ),
        _col("loss_krw", "number", True, "ground-up loss of the incident", minimum=0),
        _col("bodily_injury", "boolean", True, "someone was hurt"),
    ),
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (PRODUCTS, TEST_RESULTS, CERTIFICATIONS, INCIDENTS)
}
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

#: The first columns of scores.csv, in order; later columns are added by later stages.
SCORES_COLUMNS: tuple[str, ...] = ("product_id", "performance_risk", "safety_risk")
