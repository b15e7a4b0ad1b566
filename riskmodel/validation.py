"""Turn raw tables into a validated :class:`~riskmodel.portfolio.Portfolio`, or say exactly why not.

Validation runs in three steps, each reporting every problem it finds (not only the first):

1. *parsing*: each cell is read as the contract's type (whole number, number, ISO date,
   ``true``/``false``); enumeration values are normalised for case and surrounding spaces;
2. *column checks* with pandera: required values present, numbers in range, enumeration values
   allowed, keys unique;
3. *cross-table checks*: child rows point at a known product; test and certification dates are on or
   before ``coverage_start``; incident dates fall inside the coverage period; a measured value comes
   with its limit and direction.

A problem names the table, the 1-based data row, the product, the column, the value and, in words,
what was expected. :class:`ContractError` carries them all.

Examples
--------
>>> import pandas as pd
>>> from riskmodel.validation import parse_column
>>> from riskmodel.contract import TABLES
>>> values, bad = parse_column(pd.Series(["3", "x", None]), TABLES["products"].column("trl"))
>>> values.tolist(), bad.tolist()
([3, <NA>, <NA>], [False, True, False])
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from riskmodel.contract import TABLES, ColumnSpec, TableSpec
from riskmodel.io import read_raw_tables
from riskmodel.portfolio import Portfolio

__all__ = [
    "Problem",
    "ContractError",
    "parse_column",
    "validate_tables",
    "load_portfolio",
    "DAYS_PER_MONTH",
]

logger = logging.getLogger(__name__)

#: A coverage month is a twelfth of a Julian year.
DAYS_PER_MONTH = 365.25 / 12
_MAX_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it is, what it was, and what the contract expects."""

    table: str
    row: int | None  # 1-based data row; None for a problem with the whole table
    product_id: str | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.table}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.product_id:
            where += f" (product {self.product_id})"
        if self.column:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f": value {self.value!r}"
        return f"{where}{value}: {self.reason}"


class ContractError(ValueError):
    """The data do not follow the input contract; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:_MAX_SHOWN])
        more = len(self.problems) - _MAX_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"the data do not follow the input contract ({len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''}):\n{shown}{tail}"
        )


# --------------------------------------------------------------------------------------- parsing
def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text, missing where empty; works for CSV text and typed Parquet columns."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def parse_column(series: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    """Parse one column to its contract type.

    Returns
    -------
    values : Series
        The typed values (missing where the cell was empty or could not be parsed).
    unparsable : Series of bool
        True where a value was present but is not of the contract's type.
    """
    if spec.dtype in ("integer", "number"):
        if pd.api.types.is_bool_dtype(series):
            numbers = pd.Series(np.nan, index=series.index)
            present = series.notna()
        elif pd.api.types.is_numeric_dtype(series):
            numbers = series.astype("float64")
            present = series.notna()
        else:
            text = _as_text(series)
            present = text.notna()
            numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = present & ~np.isfinite(numbers.fillna(np.inf)) | (present & numbers.isna())
        if spec.dtype == "integer":
            bad |= present & numbers.notna() & (numbers != np.round(numbers))
            values = numbers.where(~bad).astype("Int64")
        else:
            values = numbers.where(~bad)
        return values, bad
    if spec.dtype == "date":
        if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.infer_dtype(
            series, skipna=True
        ) in ("datetime", "datetime64", "date"):
            values = series.astype("datetime64[ns]")
            return values, pd.Series(False, index=series.index)
        text = _as_text(series)
        values = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
        return values, text.notna() & values.isna()
    if spec.dtype == "boolean":
        if pd.api.types.is_bool_dtype(series):
            return series.astype("boolean"), pd.Series(False, index=series.index)
        text = _as_text(series).str.lower()
        values = text.map({"true": True, "false": False}).astype("boolean")
        return values, text.notna() & values.isna()
    text = _as_text(series)
    if spec.dtype == "enum":
        text = text.str.lower()
    return text.astype("str"), pd.Series(False, index=series.index)


def _schema(spec: TableSpec) -> pa.DataFrameSchema:
    columns = {}
    for col in spec.columns:
        checks = []
        if col.allowed is not None:
            checks.append(pa.Check.isin(list(col.allowed), error="allowed"))
        if col.minimum is not None:
            checks.append(
                pa.Check.gt(col.minimum, error="range")
                if col.exclusive_minimum
                else pa.Check.ge(col.minimum, error="range")
            )
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum, error="range"))
        columns[col.name] = pa.Column(
            nullable=not col.required, checks=checks, unique=col.unique, required=False
        )
    return pa.DataFrameSchema(columns, name=spec.name)


_SCHEMAS = {name: _schema(spec) for name, spec in TABLES.items()}


def _reason(spec: ColumnSpec, check: str) -> str:
    if check == "not_nullable":
        return f"a value is required here ({spec.expectation()})"
    if check.startswith("field_uniqueness") or check == "unique":
        return f"{spec.name} must be unique but this value appears more than once"
    return f"expected {spec.expectation()}"


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value)


class _Collector:
    """Gathers problems; a cell is reported once, with the first (most specific) reason."""

    def __init__(self):
        self.problems: list[Problem] = []
        self._seen: set[tuple] = set()

    def add_rows(
        self,
        table: str,
        raw: pd.DataFrame,
        mask: pd.Series,
        column: str | None,
        reason: str,
        values: pd.Series | None = None,
    ):
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        source = raw[column] if values is None and column in raw.columns else values
        for pos in rows:
            if (table, pos, column) in self._seen:
                continue
            self._seen.add((table, pos, column))
            pid = raw["product_id"].iloc[pos] if "product_id" in raw.columns else None
            value = None if source is None else source.iloc[pos]
            self.problems.append(
                Problem(table, int(pos) + 1, _text(pid), column, _text(value), reason)
            )


def _check_columns(name: str, raw: pd.DataFrame, out: _Collector) -> None:
    spec = TABLES[name]
    missing = [c for c in spec.required_columns if c not in raw.columns]
    if missing:
        extra = [c for c in raw.columns if c not in spec.column_names]
        out.problems.append(
            Problem(
                name,
                None,
                None,
                None,
                None,
                f"missing required column(s) {missing}; "
                f"expected columns {list(spec.column_names)}, "
                f"found {list(raw.columns)}"
                + (f" (not in the contract: {extra})" if extra else ""),
            )
        )


def _parse_table(name: str, raw: pd.DataFrame, out: _Collector) -> pd.DataFrame:
    spec = TABLES[name]
    typed = raw.copy()
    for col in spec.columns:
        if col.name not in raw.columns:  # optional column absent: add it empty, typed
            raw_col = pd.Series([None] * len(raw), index=raw.index, dtype="object")
        else:
            raw_col = raw[col.name]
        values, bad = parse_column(raw_col, col)
        if bad.any():
            out.add_rows(name, raw, bad, col.name, f"expected {col.expectation()}", raw_col)
        if col.dtype == "enum" and col.name in raw.columns:
            changed = values.notna() & (values != raw_col.astype("string"))
            if changed.any():
                logger.info(
                    "%s.%s: normalised case or spaces in %d value(s)",
                    name,
                    col.name,
                    int(changed.sum()),
                )
        typed[col.name] = values
    return typed


def _run_schema(name: str, raw: pd.DataFrame, typed: pd.DataFrame, out: _Collector) -> None:
    try:
        _SCHEMAS[name].validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            column, check, index = case.column, str(case.check), case.index
            if index is None or (isinstance(index, float) and np.isnan(index)):
                continue  # a dtype-level report duplicated by row-level ones
            spec = TABLES[name].column(column)
            mask = pd.Series(False, index=raw.index)
            mask.iloc[int(index)] = True
            values = raw[column] if column in raw.columns else typed[column]
            out.add_rows(name, raw, mask, column, _reason(spec, check), values)


def _lookup(by_product: pd.Series, product_ids: pd.Series) -> pd.Series:
    """Per-product values for child rows, keeping the dtype (missing for unknown products)."""
    return pd.Series(by_product.reindex(product_ids.to_numpy()).to_numpy(), index=product_ids.index)


def _cross_checks(
    tables: dict[str, pd.DataFrame], raws: dict[str, pd.DataFrame], out: _Collector
) -> None:
    products = tables["products"].drop_duplicates("product_id", keep=False).set_index("product_id")
    start = products["coverage_start"]
    end = start + pd.to_timedelta(products["demo_months"].astype(float) * DAYS_PER_MONTH, unit="D")
    for name in ("test_results", "certifications", "incidents"):
        if name not in tables:
            continue
        frame, raw = tables[name], raws[name]
        known = frame["product_id"].isin(tables["products"]["product_id"])
        out.add_rows(
            name,
            raw,
            frame["product_id"].notna() & ~known,
            "product_id",
            "this product_id is not in products",
        )
        own_start = _lookup(start, frame["product_id"])
        date_col = {
            "test_results": "test_date",
            "certifications": "issued_date",
            "incidents": "incident_date",
        }[name]
        dates = frame[date_col]
        if name == "incidents":
            own_end = _lookup(end, frame["product_id"])
            outside = dates.notna() & own_start.notna() & ((dates < own_start) | (dates >= own_end))
            out.add_rows(
                name,
                raw,
                outside,
                date_col,
                "the incident date must lie inside the product's coverage period",
            )
        else:
            late = dates.notna() & own_start.notna() & (dates > own_start)
            out.add_rows(
                name, raw, late, date_col, "must be on or before the product's coverage_start"
            )
    if "test_results" in tables:
        tests, raw = tables["test_results"], raws["test_results"]
        has_measure = tests["measured_value"].notna()
        out.add_rows(
            "test_results",
            raw,
            has_measure & tests["limit_value"].isna(),
            "limit_value",
            "a measured_value needs its limit_value",
        )
        out.add_rows(
            "test_results",
            raw,
            has_measure & tests["limit_value"].notna() & tests["higher_is_better"].isna(),
            "higher_is_better",
            "needed (true or false) when measured_value and limit_value are given",
        )


def validate_tables(raw_tables: dict[str, pd.DataFrame]) -> Portfolio:
    """Validate raw tables against the contract and return them typed.

    Parameters
    ----------
    raw_tables : dict of str to DataFrame
        Tables keyed by contract name (``products``, ``test_results``, ``certifications`` and
        optionally ``incidents``), as read by :func:`riskmodel.io.read_raw_tables` or built in code.

    Raises
    ------
    ContractError
        Listing every problem found, each with table, row, product, column, value and reason.
    """
    out = _Collector()
    for name, spec in TABLES.items():
        if spec.required and name not in raw_tables:
            out.problems.append(Problem(name, None, None, None, None, "the table is missing"))
    if out.problems:
        raise ContractError(out.problems)
    raws = {name: raw.reset_index(drop=True) for name, raw in raw_tables.items() if name in TABLES}
    for name, raw in raws.items():
        _check_columns(name, raw, out)
    if out.problems:
        raise ContractError(out.problems)
    if len(raws["products"]) == 0:
        raise ContractError(
            [
                Problem(
                    "products",
                    None,
                    None,
                    None,
                    None,
                    "the table has no rows: there is no product to assess",
                )
            ]
        )
    typed = {name: _parse_table(name, raw, out) for name, raw in raws.items()}
    for name in typed:
        _run_schema(name, raws[name], typed[name], out)
    _cross_checks(typed, raws, out)
    if out.problems:
        raise ContractError(sorted(out.problems, key=_problem_order))
    return Portfolio(
        products=typed["products"],
        test_results=typed["test_results"],
        certifications=typed["certifications"],
        incidents=typed.get("incidents"),
    )


def _problem_order(p: Problem):
    return (list(TABLES).index(p.table), p.row or 0, p.column or "")


def load_portfolio(folder: str | os.PathLike, *, require_incidents: bool = False) -> Portfolio:
    """Read and validate a data folder.

    Parameters
    ----------
    folder : path
        Folder with ``products``, ``test_results``, ``certifications`` and optionally
        ``incidents`` as CSV or Parquet.
    require_incidents : bool
        Training needs outcomes: set True to make a missing ``incidents`` table an error.

    Raises
    ------
    DataFolderError
        If a file is missing or unreadable.
    ContractError
        If values break the contract.
    """
    return validate_tables(read_raw_tables(folder, require_incidents=require_incidents))
