"""One application: a product's input rows as a record, its hash, and the way back to data.

An application is one product with its test results and certifications. Statements and the
assessment register keep it as *canonical inputs*: per table, the product's rows in the contract's
text form (exactly what ``products.csv`` and its child files would hold), so that re-scoring the
record later goes through the same validation as a data folder. :func:`input_hash` is the SHA-256
of their canonical JSON: a statement's ``input_hash`` and a register record's ``inputs_sha256``
are the same number for the same application.

JSON bodies (the scoring service) are turned into the same raw tables as CSV files by
:func:`tables_from_json`: numbers, booleans and ``YYYY-MM-DD`` strings become the text a CSV cell
would hold, then :func:`riskmodel.validation.validate_tables` checks them, with the same words in
its problems as ``rejects.csv``.

Examples
--------
>>> tables = tables_from_json(
...     [{"product_id": "P1", "trl": 7, "demo_months": 6.5}],
...     [{"product_id": "P1", "lab_accredited": True}],
...     [],
... )
>>> tables["products"].loc[1, ["trl", "demo_months"]].tolist()
['7', '6.5']
>>> tables["test_results"].loc[1, "lab_accredited"], len(tables["certifications"])
('true', 0)
>>> len(input_hash({"products": [{"product_id": "P1"}]}))
64
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from riskmodel.contract import TABLES
from riskmodel.errors import InputError, Joined, Message
from riskmodel.i18n import N_
from riskmodel.portfolio import Portfolio, contract_text
from riskmodel.validation import validate_tables

__all__ = [
    "APPLICATION_TABLES",
    "application_inputs",
    "applications_inputs",
    "input_hash",
    "portfolio_from_inputs",
    "json_cell",
    "json_value",
    "application_json",
    "tables_from_json",
]

#: The tables an application is made of (incidents are outcomes, never inputs).
APPLICATION_TABLES: tuple[str, ...] = tuple(n for n in TABLES if n != "incidents")


def application_inputs(portfolio: Portfolio, product_id: str) -> dict[str, list[dict]]:
    """The canonical inputs of one product: per table, its rows as contract text (None for an
    empty cell), in the portfolio's order."""
    return applications_inputs(portfolio.subset([product_id]))[product_id]


def applications_inputs(portfolio: Portfolio) -> dict[str, dict[str, list[dict]]]:
    """:func:`application_inputs` of every product at once (one pass over each table)."""
    out: dict[str, dict[str, list[dict]]] = {
        pid: {name: [] for name in APPLICATION_TABLES} for pid in portfolio.products["product_id"]
    }
    for name in APPLICATION_TABLES:
        text = contract_text(getattr(portfolio, name)).astype(object)
        text = text.where(text.notna(), None)
        for r in text.to_dict("records"):
            out[r["product_id"]][name].append(
                {k: (None if v is None else str(v)) for k, v in r.items()}
            )
    return out


def input_hash(inputs: Mapping) -> str:
    """SHA-256 of the canonical JSON of a product's input rows."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def portfolio_from_inputs(inputs: Mapping) -> Portfolio:
    """The validated one-product portfolio of recorded inputs.

    Raises
    ------
    InputError
        If the recorded rows no longer pass validation (they were edited, or the contract
        changed).
    """
    tables = {}
    for name in APPLICATION_TABLES:
        rows = inputs.get(name, [])
        tables[name] = pd.DataFrame(rows, columns=list(TABLES[name].column_names)).astype(object)
    result = validate_tables(tables)
    if len(result.rejects):
        raise InputError(
            Message(
                N_("the recorded inputs no longer pass validation: {problems}"),
                problems=Joined(result.reason_messages),
            )
        )
    return result.portfolio


def json_cell(value) -> str | None:
    """The text a CSV cell would hold for a JSON value: ``true``/``false`` for booleans, the
    shortest exact text of a number, strings as given, None (or a NaN) for an empty cell. Any
    other JSON value (a list, an object) is kept as its JSON text, which validation refuses with
    the contract's words."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def json_value(text: str | None, spec) -> str | int | float | bool | None:
    """A contract text cell as the JSON value a client sends for the column ``spec``: a number
    for numbers, a boolean for booleans, the text otherwise (None for an empty cell)."""
    if text is None or text == "":
        return None
    if spec.dtype == "integer":
        return int(float(text)) if "." in text or "e" in text.lower() else int(text)
    if spec.dtype == "number":
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if spec.dtype == "boolean":
        return str(text).lower() == "true"
    return str(text)


def application_json(portfolio: Portfolio, product_id: str) -> dict:
    """One product as the body of the service's ``POST /v1/assessments``: ``product``, and its
    ``test_results`` and ``certifications`` without ``product_id``."""
    inputs = application_inputs(portfolio, product_id)

    def rows(table: str, keep_id: bool) -> list[dict]:
        specs = [c for c in TABLES[table].columns if keep_id or c.name != "product_id"]
        return [{c.name: json_value(r.get(c.name), c) for c in specs} for r in inputs[table]]

    return {
        "product": rows("products", True)[0],
        "test_results": rows("test_results", False),
        "certifications": rows("certifications", False),
    }


def _table(name: str, rows: Sequence[Mapping]) -> pd.DataFrame:
    columns = list(TABLES[name].column_names)
    extra = sorted({k for r in rows for k in r} - set(columns))
    frame = pd.DataFrame(
        [{k: json_cell(v) for k, v in r.items()} for r in rows],
        columns=columns + extra,
        dtype=object,
    )
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def tables_from_json(
    products: Sequence[Mapping],
    test_results: Sequence[Mapping],
    certifications: Sequence[Mapping],
) -> dict[str, pd.DataFrame]:
    """Raw tables (text cells, rows numbered from 1 in the order given) from JSON rows, ready
    for :func:`~riskmodel.validation.validate_tables`. Columns the contract does not name are
    kept, as a CSV file's would be; a missing column is left empty (validation says so)."""
    if not isinstance(products, Sequence):
        raise InputError(Message(N_("products must be a list of rows")))
    return {
        "products": _table("products", products),
        "test_results": _table("test_results", test_results),
        "certifications": _table("certifications", certifications),
    }
