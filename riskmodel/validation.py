"""Turn raw tables into a validated :class:`~riskmodel.portfolio.Portfolio`, row by row.

A bad row does not stop the run: it is set aside with its reason and the rest is used. Only a
table that cannot be used at all stops the run (:class:`ContractError`): a missing table, missing
required columns (with a column diff), no products.

Validation runs in steps, each looking at every row:

1. *reading*: records with the wrong number of fields (from :mod:`riskmodel.io`);
2. *parsing*: each cell is read as the contract's type (whole number, finite number, ISO date,
   ``true``/``false``); enumeration values are normalised for case and surrounding spaces (and
   counted); text longer than :data:`MAX_TEXT_LENGTH` is refused;
3. *column checks* with pandera: required values present, numbers in range, enumeration values
   allowed, keys unique (every copy of a duplicate is set aside: riskmodel never guesses which one
   is right);
4. *cross-table checks*: child rows must belong to an accepted product; test and certification
   dates are on or before ``coverage_start`` and no date lies in the future; incident dates fall
   inside the coverage period; a measured value comes with its limit and direction.

A product whose own row is rejected is not scored (and its test, certification and incident rows
are set aside with it). A product with a rejected test or certification row is scored without that
row and flagged in ``data_issues``. A category outside the contract's list is kept, scored with the
model's fallback and flagged. Every row of every table ends up either used or in the rejects.

Reasons are written in English (``rejects.csv``); each problem also keeps its message, the
English template marked for translation and its parameters (:class:`~riskmodel.errors.Message`,
catalog domain ``validation``), so that :meth:`ValidationResult.rejects_in`,
:meth:`ValidationResult.issues_in` and :meth:`ContractError.in_language` say the same in Korean.
Messages are rendered only for problems: clean data cost nothing more.

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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pandera.pandas as pa

from riskmodel.contract import TABLES, ColumnSpec
from riskmodel.errors import InputError, Joined, Message
from riskmodel.i18n import N_, check_language
from riskmodel.io import MAX_FILE_MB, RawTable, read_raw_tables
from riskmodel.portfolio import Portfolio

__all__ = [
    "Problem",
    "ContractError",
    "StrictModeError",
    "ValidationResult",
    "parse_column",
    "validate_tables",
    "load_data",
    "load_portfolio",
    "DAYS_PER_MONTH",
    "MAX_TEXT_LENGTH",
    "REJECT_COLUMNS",
]

logger = logging.getLogger(__name__)

#: A coverage month is a twelfth of a Julian year.
DAYS_PER_MONTH = 365.25 / 12
#: Text cells longer than this are refused (no identifier or standard name is that long).
MAX_TEXT_LENGTH = 500
#: The columns of ``rejects.csv``.
REJECT_COLUMNS = ("table", "row", "product_id", "column", "value", "reason")
_MAX_SHOWN = 20
_VALUE_SHOWN = 200


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, what the value was, and what the contract expects.

    ``reason`` is in English; ``message``, when known, is the same reason as a template and its
    parameters, so that it can be said in another language (:meth:`in_language`).
    """

    table: str
    row: int | None  # 1-based data row; None for a problem with the whole table
    product_id: str | None
    column: str | None
    value: str | None
    reason: str
    message: Message | Joined | None = field(default=None, compare=False, repr=False)

    def reason_in(self, lang: str) -> str:
        """The reason in ``lang`` (the English ``reason`` if no message was recorded)."""
        check_language(lang)
        if lang == "en" or self.message is None:
            return self.reason
        return self.message.render(lang)

    def in_language(self, lang: str) -> str:
        """Where the problem is, the value and the reason, in ``lang``."""
        where = self.table
        if self.row is not None:
            where = Message(N_("{where}, row {row}"), where=where, row=self.row)
        if self.product_id:
            where = Message(
                N_("{where} (product {product_id})"), where=where, product_id=self.product_id
            )
        if self.column:
            where = Message(N_("{where}, column {column!r}"), where=where, column=self.column)
        why = self.reason_in(lang)
        if self.value is None:
            said = Message(N_("{where}: {why}"), where=where, why=why)
        else:
            said = Message(
                N_("{where}: value {value!r}: {why}"), where=where, value=self.value, why=why
            )
        return said.render(lang)

    def __str__(self) -> str:
        return self.in_language("en")


class ContractError(InputError):
    """The data cannot be used (or, in strict mode, are not clean); ``problems`` lists them.

    Its text is English; :meth:`in_language` says it in another language.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.in_language("en"))

    def in_language(self, lang: str) -> str:
        check_language(lang)
        n = len(self.problems)
        head = Message.ngettext(
            "the data do not follow the input contract ({count} problem):",
            "the data do not follow the input contract ({count} problems):",
            n,
            count=n,
        ).render(lang)
        shown = "\n".join(f"  - {p.in_language(lang)}" for p in self.problems[:_MAX_SHOWN])
        more = n - _MAX_SHOWN
        tail = (
            "\n" + Message(N_("  ... and {count} more"), count=more).render(lang)
            if more > 0
            else ""
        )
        return f"{head}\n{shown}{tail}"


class StrictModeError(ContractError):
    """Strict mode: some rows were rejected, so the run stops (rejects.csv says which)."""


@dataclass
class ValidationResult:
    """The usable portfolio, and an account of every row that was not used.

    Attributes
    ----------
    portfolio : Portfolio
        The accepted rows, typed.
    rejects : DataFrame
        One row per input row not used: ``table``, ``row``, ``product_id``, ``column``,
        ``value``, ``reason`` (several problems of one row are joined with ``; ``).
    read : dict of str to int
        Data rows read per table.
    notes : list of str
        What reading did that a user should know (encoding, separator, empty file).
    normalised : dict of str to int
        Values normalised for case or spaces, per ``table.column``.
    issues : dict of str to list of str
        Per product_id, why its score deserves a second look (rows set aside, unknown category).
    reason_messages : list of Joined, optional
        Per row of ``rejects``, in its order, its ``reason`` as messages (template and
        parameters), to be said in another language (:meth:`rejects_in`).
    issue_messages : dict of str to list of Message, optional
        ``issues`` as messages (:meth:`issues_in`).
    """

    portfolio: Portfolio
    rejects: pd.DataFrame
    read: dict[str, int]
    notes: list[str] = field(default_factory=list)
    normalised: dict[str, int] = field(default_factory=dict)
    issues: dict[str, list[str]] = field(default_factory=dict)
    reason_messages: list[Joined] | None = field(default=None, repr=False)
    issue_messages: dict[str, list[Message]] | None = field(default=None, repr=False)

    def rejects_in(self, lang: str) -> pd.DataFrame:
        """``rejects`` with each ``reason`` said in ``lang`` (``"en"``: a copy of ``rejects``).

        Raises
        ------
        ValueError
            If riskmodel does not speak ``lang`` (the message names the languages it speaks).
        """
        check_language(lang)
        out = self.rejects.copy()
        if lang == "en" or out.empty:
            return out
        if self.reason_messages is None or len(self.reason_messages) != len(out):
            raise ValueError(
                "the reasons of these rejects were not recorded as messages: they can only be "
                "given in English"
            )
        out["reason"] = [m.render(lang) for m in self.reason_messages]
        return out

    def issues_in(self, lang: str) -> dict[str, list[str]]:
        """``issues`` said in ``lang`` (``"en"``: a copy of ``issues``)."""
        check_language(lang)
        if lang == "en" or not self.issues:
            return {pid: list(said) for pid, said in self.issues.items()}
        if self.issue_messages is None:
            raise ValueError(
                "these issues were not recorded as messages: they can only be given in English"
            )
        return {pid: [m.render(lang) for m in said] for pid, said in self.issue_messages.items()}

    def check_strict(self) -> None:
        """Raise :class:`StrictModeError` if any row was rejected."""
        if len(self.rejects):
            raise StrictModeError(rejects_as_problems(self.rejects, self.reason_messages))

    def rejected(self, table: str) -> int:
        return int((self.rejects["table"] == table).sum())

    def reconciliation(self) -> dict:
        """Rows read, used and rejected per table, and products read, accepted and rejected."""
        tables = {}
        for name, read in self.read.items():
            used = len(getattr(self.portfolio, name))
            tables[name] = {"read": read, "used": used, "rejected": self.rejected(name)}
            if read != used + self.rejected(name):  # cannot happen: a bug, not a data problem
                raise AssertionError(f"reconciliation of {name} does not balance: {tables[name]}")
        return {
            "tables": tables,
            "products": {
                "read": self.read["products"],
                "accepted": self.portfolio.n_products,
                "rejected": self.rejected("products"),
            },
        }


# --------------------------------------------------------------------------------------- parsing
#: The dates a column may hold (the range of nanosecond timestamps, in whole years).
FIRST_DATE, LAST_DATE = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def _in_date_range(values: pd.Series) -> pd.Series:
    """Dates as nanosecond timestamps; a date outside FIRST_DATE..LAST_DATE (a typo such as
    0202 for 2022) is not a date the contract can mean: missing, so reported unparsable."""
    inside = values.isna() | ((values >= FIRST_DATE) & (values <= LAST_DATE))
    return values.where(inside).astype("datetime64[ns]")


def _typed(series: pd.Series, spec: ColumnSpec) -> bool:
    """Whether a column holds typed values of its contract type (e.g. Parquet's numbers,
    booleans and dates) rather than cells to be read as text (CSV, JSON as cells)."""
    if spec.dtype in ("integer", "number"):
        return pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series)
    if spec.dtype == "date":
        return pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.infer_dtype(
            series, skipna=True
        ) in ("datetime", "datetime64", "date")
    if spec.dtype == "boolean":
        return pd.api.types.is_bool_dtype(series)
    return False


@dataclass(frozen=True)
class _Parsed:
    """One column parsed: its typed values, where a present value is not of the contract's type
    and, for text columns, each cell's length and whether normalising changed it."""

    values: object
    bad: np.ndarray
    lengths: np.ndarray | None = None
    normalised: np.ndarray | None = None

    def part(self, rows: slice) -> _Parsed:
        def cut(a):
            return None if a is None else a[rows]

        return _Parsed(self.values[rows], self.bad[rows], cut(self.lengths), cut(self.normalised))


def _numbers(numbers: np.ndarray, present: np.ndarray, integer: np.ndarray) -> _Parsed:
    """Numbers as floats (missing where empty or wrong); a present value is wrong unless it is
    finite and, where ``integer``, a whole number a float holds exactly."""
    bad = present & ~np.isfinite(numbers)
    # beyond 2**53 a float no longer holds every whole number (and int64 overflows)
    whole = ~np.isnan(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) <= 2**53)
    bad |= present & integer & ~np.isnan(numbers) & ~whole
    return _Parsed(np.where(bad, np.nan, numbers), bad)


def _parse_text(cells: pd.Series, dtype: str, integer: np.ndarray) -> _Parsed:
    """Parse cells as ``dtype`` (as text: stripped, missing where empty); ``integer`` marks the
    cells of whole-number columns among numbers."""
    cells = cells.astype("string")
    text = cells.str.strip()
    text = text.mask(text == "")
    present = text.notna().to_numpy()
    if dtype in ("integer", "number"):
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return _numbers(numbers, present, integer)
    if dtype == "date":
        values = _in_date_range(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))
        return _Parsed(values.array, present & values.isna().to_numpy())
    if dtype == "boolean":
        values = text.str.lower().map({"true": True, "false": False}).astype("boolean")
        return _Parsed(values.array, present & values.isna().to_numpy())
    values = (text.str.lower() if dtype == "enum" else text).astype("str")
    lengths = values.str.len().to_numpy(dtype="float64", na_value=np.nan)
    changed = (values.notna() & (values != cells)).fillna(False).to_numpy(dtype=bool)
    return _Parsed(values.array, np.zeros(len(text), dtype=bool), lengths, changed)


def _parse_typed(series: pd.Series, spec: ColumnSpec) -> _Parsed:
    """Parse a column of typed values (see :func:`_typed`); numbers as floats."""
    if spec.dtype == "date":
        values = _in_date_range(pd.to_datetime(series, errors="coerce"))
        return _Parsed(values.array, (series.notna() & values.isna()).to_numpy(dtype=bool))
    if spec.dtype == "boolean":
        return _Parsed(series.astype("boolean").array, np.zeros(len(series), dtype=bool))
    present = series.notna().to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(series):  # true/false is not a number
        numbers = np.full(len(series), np.nan)
    else:
        numbers = series.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    return _numbers(numbers, present, np.full(len(series), spec.dtype == "integer"))


def _parse_all(frame: pd.DataFrame, specs) -> dict[str, _Parsed]:
    """Parse the columns ``specs`` of ``frame`` to their contract types (a column absent from
    ``frame`` is read as empty cells).

    Text columns of one type are parsed together, stacked into one long column: a table of one
    row costs a few pandas operations per type instead of several per column (one application
    is mostly such tables), and a large table about the same as column by column.
    """
    n = len(frame)
    out: dict[str, _Parsed] = {}
    groups: dict[str, list[tuple[ColumnSpec, pd.Series]]] = defaultdict(list)
    for spec in specs:
        kind = "number" if spec.dtype == "integer" else spec.dtype  # parsed alike
        if spec.name not in frame.columns:
            empty = pd.Series([None] * n, index=frame.index, dtype="object")
            groups[kind].append((spec, empty))
        elif _typed(frame[spec.name], spec):
            out[spec.name] = _parse_typed(frame[spec.name], spec)
        else:
            groups[kind].append((spec, frame[spec.name]))
    for kind, members in groups.items():
        stacked = pd.concat([cells for _, cells in members], ignore_index=True)
        integer = np.repeat([spec.dtype == "integer" for spec, _ in members], n)
        parsed = _parse_text(stacked, kind, integer)
        for i, (spec, _) in enumerate(members):
            out[spec.name] = parsed.part(slice(i * n, (i + 1) * n))
    for spec in specs:  # whole numbers as such, however they were read
        if spec.dtype == "integer":
            column = out[spec.name]
            missing = np.isnan(column.values)
            whole = np.where(missing, 0, column.values).astype("int64")
            out[spec.name] = _Parsed(pd.arrays.IntegerArray(whole, missing), column.bad)
    return {spec.name: out[spec.name] for spec in specs}


def parse_column(series: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    """Parse one column to its contract type.

    Returns
    -------
    values : Series
        The typed values (missing where the cell was empty or could not be parsed).
    unparsable : Series of bool
        True where a value was present but is not of the contract's type.
    """
    parsed = _parse_all(pd.DataFrame({spec.name: series}), [spec])[spec.name]
    return pd.Series(parsed.values, index=series.index), pd.Series(parsed.bad, index=series.index)


def _schema(name: str) -> pa.DataFrameSchema:
    columns = {}
    for col in TABLES[name].columns:
        checks = []
        if col.allowed is not None and not col.flag_unknown:
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
    return pa.DataFrameSchema(columns, name=name)


_SCHEMAS = {name: _schema(name) for name in TABLES}


def _reason(spec: ColumnSpec, check: str) -> Message:
    if check == "not_nullable":
        return Message(
            N_("a value is required here ({expectation})"),
            expectation=spec.expectation_message(),
        )
    if check.startswith("field_uniqueness") or check == "unique":
        return Message(
            N_("{column} must be unique but this value appears more than once"), column=spec.name
        )
    return _expected(spec)


def _expected(spec: ColumnSpec) -> Message:
    return Message(N_("expected {expectation}"), expectation=spec.expectation_message())


def _text(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return text if len(text) <= _VALUE_SHOWN else text[:_VALUE_SHOWN] + f"... ({len(text)} chars)"


class _Collector:
    """Gathers problems; a cell is reported once, with the first (most specific) reason.

    A reason is given as a :class:`~riskmodel.errors.Message`; it is said in English (the
    problem's ``reason``) only when the mask holds a problem.
    """

    def __init__(self):
        self.problems: list[Problem] = []
        self._seen: set[tuple] = set()

    def add(
        self,
        table: str,
        raw: pd.DataFrame,
        mask,
        column: str | None,
        message: Message,
        values: pd.Series | None = None,
    ) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(positions):
            return
        reason = message.render("en")
        if values is None:
            values = raw[column] if column in raw.columns else None
        pids = raw["product_id"] if "product_id" in raw.columns else None
        for pos in positions:
            row = int(raw.index[pos])
            if (table, row, column) in self._seen:
                continue
            self._seen.add((table, row, column))
            self.problems.append(
                Problem(
                    table,
                    row,
                    None if pids is None else _text(pids.iloc[pos]),
                    column,
                    None if values is None else _text(values.iloc[pos]),
                    reason,
                    message,
                )
            )

    def rows(self, table: str) -> set[int]:
        return {p.row for p in self.problems if p.table == table and p.row is not None}


# ------------------------------------------------------------------------------------- tables
def _check_columns(name: str, raw: pd.DataFrame) -> Problem | None:
    spec = TABLES[name]
    missing = [c for c in spec.required_columns if c not in raw.columns]
    if not missing:
        return None
    extra = [c for c in raw.columns if c not in spec.column_names]
    params = {"missing": missing, "expected": list(spec.column_names), "found": list(raw.columns)}
    if extra:
        message = Message(
            N_(
                "missing required column(s) {missing}; expected columns {expected}, found "
                "{found} (not in the contract: {extra})"
            ),
            extra=extra,
            **params,
        )
    else:
        message = Message(
            N_("missing required column(s) {missing}; expected columns {expected}, found {found}"),
            **params,
        )
    return _table_problem(name, message)


def _table_problem(name: str, message: Message) -> Problem:
    """A problem with the whole table."""
    return Problem(name, None, None, None, None, message.render("en"), message)


def _parse_table(name: str, raw: pd.DataFrame, out: _Collector, normalised: dict) -> pd.DataFrame:
    specs = TABLES[name].columns
    parsed = _parse_all(raw, specs)
    for col in specs:  # a problem's value is the raw cell (none for an absent column)
        column, present = parsed[col.name], col.name in raw.columns
        if column.bad.any():
            out.add(name, raw, column.bad, col.name, _expected(col))
        if column.lengths is not None and present:
            too_long = column.lengths > MAX_TEXT_LENGTH
            if too_long.any():
                out.add(
                    name,
                    raw,
                    too_long,
                    col.name,
                    Message(
                        N_("text of {length:,} characters is too long (at most {maximum})"),
                        length=int(np.nanmax(column.lengths)),
                        maximum=MAX_TEXT_LENGTH,
                    ),
                )
        if col.dtype == "enum" and present and column.normalised.any():
            normalised[f"{name}.{col.name}"] = int(column.normalised.sum())
    columns = {c: raw[c] for c in raw.columns}
    columns.update({col.name: parsed[col.name].values for col in specs})
    return pd.DataFrame(columns, index=raw.index)


def _run_schema(name: str, raw: pd.DataFrame, typed: pd.DataFrame, out: _Collector) -> None:
    try:
        _SCHEMAS[name].validate(typed.reset_index(drop=True), lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples(index=False):
            index = case.index
            if index is None or (isinstance(index, float) and np.isnan(index)):
                continue  # a dtype-level report duplicated by row-level ones
            spec = TABLES[name].column(case.column)
            mask = np.zeros(len(raw), dtype=bool)
            mask[int(index)] = True
            values = raw[case.column] if case.column in raw.columns else typed[case.column]
            out.add(name, raw, mask, case.column, _reason(spec, str(case.check)), values)


def _lookup(by_product: pd.Series, product_ids: pd.Series) -> pd.Series:
    """Per-product values for child rows, keeping the dtype (missing for unknown products)."""
    return pd.Series(by_product.reindex(product_ids.to_numpy()).to_numpy(), index=product_ids.index)


_NOT_IN_PRODUCTS = Message(N_("this product_id is not in products"))
_OUTSIDE_COVERAGE = Message(N_("the incident date must lie inside the product's coverage period"))
_AFTER_COVERAGE_START = Message(N_("must be on or before the product's coverage_start"))
_NO_LIMIT = Message(N_("a measured_value needs its limit_value"))
_NO_DIRECTION = Message(N_("needed (true or false) when measured_value and limit_value are given"))


def _cross_checks(
    typed: dict[str, pd.DataFrame],
    raws: dict[str, pd.DataFrame],
    out: _Collector,
    today: pd.Timestamp,
) -> None:
    products, raw_products = typed["products"], raws["products"]
    rejected_rows = out.rows("products")
    accepted = products[~raw_products.index.isin(list(rejected_rows))]
    ids = products["product_id"]
    duplicated = ids[ids.duplicated(keep=False) & ids.notna()]
    rows_of = {pid: [int(r) for r in raw_products.index[ids == pid]] for pid in set(duplicated)}
    failed = {
        str(ids.iloc[i]): int(raw_products.index[i])
        for i in range(len(ids))
        if int(raw_products.index[i]) in rejected_rows and pd.notna(ids.iloc[i])
    }
    start = accepted.set_index("product_id")["coverage_start"]
    end = start + pd.to_timedelta(
        accepted.set_index("product_id")["demo_months"].astype(float) * DAYS_PER_MONTH, unit="D"
    )
    date_col = {
        "test_results": "test_date",
        "certifications": "issued_date",
        "incidents": "incident_date",
    }
    for name in ("test_results", "certifications", "incidents"):
        if name not in typed:
            continue
        frame, raw = typed[name], raws[name]
        pid = frame["product_id"]
        dup = pid.isin(list(rows_of))
        for product in pid[dup].unique():
            out.add(
                name,
                raw,
                (pid == product).to_numpy(),
                "product_id",
                Message(
                    N_(
                        "product_id {product_id} appears in several products rows {rows}: "
                        "riskmodel cannot tell which one this row belongs to"
                    ),
                    product_id=product,
                    rows=rows_of[product],
                ),
            )
        gone = pid.isin(list(failed)) & ~dup
        for product in pid[gone].unique():
            out.add(
                name,
                raw,
                (pid == product).to_numpy(),
                "product_id",
                Message(N_("its product was rejected (products row {row})"), row=failed[product]),
            )
        unknown = pid.notna() & ~pid.isin(ids) & ~dup
        out.add(name, raw, unknown, "product_id", _NOT_IN_PRODUCTS)
        dates = frame[date_col[name]]
        out.add(
            name,
            raw,
            dates.notna() & (dates > today),
            date_col[name],
            Message(N_("the date is in the future (after {today:%Y-%m-%d})"), today=today),
        )
        own_start = _lookup(start, pid)
        if name == "incidents":
            own_end = _lookup(end, pid)
            outside = dates.notna() & own_start.notna() & ((dates < own_start) | (dates >= own_end))
            out.add(
                name,
                raw,
                outside,
                date_col[name],
                _OUTSIDE_COVERAGE,
            )
        else:
            late = dates.notna() & own_start.notna() & (dates > own_start)
            out.add(name, raw, late, date_col[name], _AFTER_COVERAGE_START)
    if "test_results" in typed:
        tests, raw = typed["test_results"], raws["test_results"]
        measure = tests["measured_value"].notna()
        out.add(
            "test_results",
            raw,
            measure & tests["limit_value"].isna(),
            "limit_value",
            _NO_LIMIT,
        )
        out.add(
            "test_results",
            raw,
            measure & tests["limit_value"].notna() & tests["higher_is_better"].isna(),
            "higher_is_better",
            _NO_DIRECTION,
        )


def _set_aside_incomplete_outcomes(raws: dict[str, pd.DataFrame], out: _Collector) -> None:
    products = raws["products"]
    bad_incidents = [p for p in out.problems if p.table == "incidents" and p.product_id is not None]
    rejected = out.rows("products")
    live = products.loc[~products.index.isin(list(rejected)), "product_id"]
    rows_of: dict[str, list[int]] = defaultdict(list)
    for p in bad_incidents:
        if p.product_id in set(live) and p.row not in rows_of[p.product_id]:
            rows_of[p.product_id].append(p.row)
    for pid, rows in rows_of.items():
        at = (live == pid).to_numpy()
        out.add(
            "products",
            products.loc[~products.index.isin(list(rejected))],
            at,
            "product_id",
            Message(
                N_(
                    "incidents row(s) {rows} rejected: its claims record is incomplete, so it is "
                    "left out (training and evaluation need every incident)"
                ),
                rows=sorted(rows)[:5],
            ),
        )
    product_rows = dict(zip(live, live.index, strict=False))
    for name in ("test_results", "certifications", "incidents"):
        raw = raws.get(name)
        if raw is None or not rows_of:
            continue
        done = out.rows(name)
        for pid in rows_of:
            mask = (raw["product_id"] == pid).to_numpy() & ~raw.index.isin(list(done))
            out.add(
                name,
                raw,
                mask,
                "product_id",
                Message(
                    N_("its product was left out (products row {row}): incomplete claims record"),
                    row=product_rows[pid],
                ),
            )


def _rejects_frame(
    problems: list[Problem], tables: dict[str, RawTable]
) -> tuple[pd.DataFrame, list[Joined]]:
    """The rejects, one row per table row, and per row its reasons as messages."""
    by_row: dict[tuple, list[Problem]] = defaultdict(list)
    for p in problems:
        by_row[(p.table, p.row)].append(p)
    rows, messages = [], []
    for (table, row), items in by_row.items():
        reasons: dict[str, Message | None] = {}
        for p in items:  # each reason once, in order
            reasons.setdefault(p.reason, p.message)
        rows.append(
            {
                "table": table,
                "row": row,
                "product_id": items[0].product_id,
                "column": "; ".join(dict.fromkeys(p.column or "" for p in items)),
                "value": "; ".join(
                    dict.fromkeys("" if p.value is None else p.value for p in items)
                ),
                "reason": "; ".join(reasons),
            }
        )
        messages.append(Joined(reasons.values()))
    for table, raw in tables.items():
        for record in raw.bad_records:
            rows.append(
                {
                    "table": table,
                    "row": record.row,
                    "product_id": None,
                    "column": "",
                    "value": record.text,
                    "reason": record.reason,
                }
            )
            messages.append(Joined([record.message]))
    frame = pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
    order = {name: i for i, name in enumerate(TABLES)}
    frame["_t"] = frame["table"].map(order)
    frame = frame.sort_values(["_t", "row"], kind="stable").drop(columns="_t")
    messages = [messages[i] for i in frame.index]
    frame["row"] = frame["row"].astype("Int64")
    return frame.reset_index(drop=True), messages


def _product_issues(
    rejects: pd.DataFrame, accepted_ids: set, products: pd.DataFrame
) -> dict[str, list[Message]]:
    issues: dict[str, list[Message]] = defaultdict(list)
    children = rejects[rejects["table"] != "products"]
    for (pid, table), group in children.groupby(["product_id", "table"], sort=False):
        if pid in accepted_ids:
            params = {
                "count": len(group),
                "table": table,
                "rows": ", ".join(str(r) for r in group["row"].head(5)),
            }
            if len(group) <= 5:
                issues[pid].append(
                    Message(
                        N_("{count} {table} row(s) rejected (rows {rows}): scored without them"),
                        **params,
                    )
                )
            else:
                issues[pid].append(
                    Message(
                        N_(
                            "{count} {table} row(s) rejected (rows {rows} and {more} more): "
                            "scored without them"
                        ),
                        more=len(group) - 5,
                        **params,
                    )
                )
    unknown = products[~products["category"].isin(TABLES["products"].column("category").allowed)]
    for pid, cat in zip(unknown["product_id"], unknown["category"], strict=True):
        issues[pid].append(
            Message(
                N_("category '{category}' is not one of the contract's categories"), category=cat
            )
        )
    return dict(issues)


def validate_tables(
    raw_tables: dict[str, pd.DataFrame | RawTable],
    *,
    today: datetime | None = None,
    complete_outcomes: bool = False,
) -> ValidationResult:
    """Validate raw tables against the contract, row by row.

    Parameters
    ----------
    raw_tables : dict of str to DataFrame or RawTable
        Tables keyed by contract name (``products``, ``test_results``, ``certifications`` and
        optionally ``incidents``), as read by :func:`riskmodel.io.read_raw_tables` or built in
        code (a DataFrame's rows are numbered from 1).
    today : datetime, optional
        The date after which no test, certification or incident date may lie (default: now, UTC).
    complete_outcomes : bool, default False
        For training and evaluation: a product with a rejected incident row is set aside with all
        its rows, because its claims record is incomplete and would understate its risk.

    Raises
    ------
    ContractError
        Only when a table cannot be used at all: a required table or column is missing, or there
        is no product.
    """
    tables: dict[str, RawTable] = {}
    for name, table in raw_tables.items():
        if name not in TABLES:
            continue
        if not isinstance(table, RawTable):
            frame = table.copy()
            frame.index = pd.RangeIndex(1, len(frame) + 1)
            table = RawTable(name, frame)
        tables[name] = table
    fatal = [
        _table_problem(n, Message(N_("the table is missing")))
        for n, spec in TABLES.items()
        if spec.required and n not in tables
    ]
    fatal += [p for n, t in tables.items() if (p := _check_columns(n, t.frame)) is not None]
    if not fatal and len(tables["products"].frame) == 0:
        fatal.append(
            _table_problem(
                "products", Message(N_("the table has no rows: there is no product to assess"))
            )
        )
    if fatal:
        raise ContractError(fatal)
    today_ts = pd.Timestamp(today or datetime.now(UTC)).tz_localize(None).normalize()
    out, normalised = _Collector(), {}
    raws = {name: t.frame for name, t in tables.items()}
    typed = {name: _parse_table(name, raw, out, normalised) for name, raw in raws.items()}
    for name in typed:
        _run_schema(name, raws[name], typed[name], out)
    _cross_checks(typed, raws, out, today_ts)
    if complete_outcomes and "incidents" in typed:
        _set_aside_incomplete_outcomes(raws, out)
    rejects, reason_messages = _rejects_frame(out.problems, tables)
    kept = {}
    for name, frame in typed.items():
        drop = set(rejects.loc[rejects["table"] == name, "row"].dropna().astype(int))
        kept[name] = frame[~frame.index.isin(list(drop))].reset_index(drop=True)
    portfolio = Portfolio(
        products=kept["products"],
        test_results=kept["test_results"],
        certifications=kept["certifications"],
        incidents=kept.get("incidents"),
    )
    if normalised:
        logger.info("normalised case or spaces in %s", normalised)
    issues = _product_issues(rejects, set(portfolio.products["product_id"]), portfolio.products)
    result = ValidationResult(
        portfolio=portfolio,
        rejects=rejects,
        read={name: t.rows_read for name, t in tables.items()},
        notes=[note for t in tables.values() for note in t.notes],
        normalised=normalised,
        issues={pid: [m.render("en") for m in said] for pid, said in issues.items()},
        reason_messages=reason_messages,
        issue_messages=issues,
    )
    result.reconciliation()  # balances by construction; checked on every run
    if len(rejects):
        logger.warning(
            "%d row(s) rejected: %s", len(rejects), rejects.groupby("table").size().to_dict()
        )
    return result


def load_data(
    folder: str | os.PathLike,
    *,
    require_incidents: bool = False,
    max_mb: float = MAX_FILE_MB,
    today: datetime | None = None,
) -> ValidationResult:
    """Read and validate a data folder, setting bad rows aside (see :func:`validate_tables`).

    With ``require_incidents`` (training, evaluation) the incidents table must be present and a
    product with a rejected incident row is set aside (``complete_outcomes``).

    Raises
    ------
    DataFolderError
        If a file is missing or cannot be read at all.
    ContractError
        If a table cannot be used at all (missing columns, no products).
    """
    tables = read_raw_tables(folder, require_incidents=require_incidents, max_mb=max_mb)
    return validate_tables(tables, today=today, complete_outcomes=require_incidents)


def load_portfolio(
    folder: str | os.PathLike, *, require_incidents: bool = False, today: datetime | None = None
) -> Portfolio:
    """Read and validate a data folder that must be clean: any rejected row is an error.

    Raises
    ------
    DataFolderError, ContractError
        As :func:`load_data`; ``ContractError`` also lists every rejected row.
    """
    result = load_data(folder, require_incidents=require_incidents, today=today)
    result.check_strict()
    return result.portfolio


def rejects_as_problems(
    rejects: pd.DataFrame, messages: list[Joined] | None = None
) -> list[Problem]:
    """The rows of a rejects table as :class:`Problem` objects (for messages); ``messages``,
    one per row (:attr:`ValidationResult.reason_messages`), lets them be said in any language."""
    if messages is None or len(messages) != len(rejects):
        messages = [None] * len(rejects)
    return [
        Problem(
            r.table,
            None if pd.isna(r.row) else int(r.row),
            None if pd.isna(r.product_id) else r.product_id,
            r.column or None,
            r.value or None,
            r.reason,
            message,
        )
        for r, message in zip(rejects.itertuples(index=False), messages, strict=True)
    ]
