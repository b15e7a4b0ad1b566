"""Reading raw tables from a data folder and writing output files safely.

Raw tables are read as text (CSV) or as stored (Parquet) and handed to
:mod:`riskmodel.validation` unchanged, so every value a user sent can be quoted back. Reading is
forgiving where the intent is clear and says what it did: a byte-order mark is dropped, Windows
line endings are read, a semicolon or tab separator is detected, Korean text saved as CP949
(EUC-KR) is decoded, a record with the wrong number of fields is set aside as a bad record with its
row number. It stops only when a file cannot be read at all, saying what was expected and what was
found. Files above a size limit are refused before they are read, so a huge file never exhausts
memory.

Outputs are written atomically (a temporary file, then a rename) and text cells that a spreadsheet
would execute as a formula are neutralised.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_csv(pd.DataFrame({"a": [1.5, 2.0], "b": ["=1+1", "x"]}), folder / "t.csv")
>>> (folder / "t.csv").read_text().splitlines()
['a,b', "1.5,'=1+1", '2,x']
>>> read_table(folder / "t.csv", "t").frame["a"].tolist()
['1.5', '2']
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from riskmodel.contract import TABLES
from riskmodel.errors import InputError, Message
from riskmodel.i18n import N_

__all__ = [
    "DataFolderError",
    "RawTable",
    "BadRecord",
    "find_table_file",
    "read_table",
    "read_raw_tables",
    "write_csv",
    "write_text",
    "neutralise_formulas",
    "FLOAT_FORMAT",
    "MAX_FILE_MB",
]

#: Ten significant digits: enough to reproduce every score, stable across reruns.
FLOAT_FORMAT = "%.10g"
SUFFIXES = (".csv", ".parquet")
#: Files larger than this are refused before reading (``--max-file-mb`` changes it).
MAX_FILE_MB = 512
_SEPARATORS = (",", ";", "\t", "|")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class DataFolderError(InputError):
    """A data folder or file cannot be read at all (missing, unreadable, wrong format)."""


@dataclass(frozen=True)
class BadRecord:
    """A CSV record that could not be read as a row of the table."""

    row: int  # 1-based data row (record) number
    text: str
    fields: int  # the record's number of fields
    header: int  # the header's

    @property
    def message(self) -> Message:
        """Why the record was set aside, in any language."""
        return Message(
            N_("the row has {fields} fields but the header has {header}"),
            fields=self.fields,
            header=self.header,
        )

    @property
    def reason(self) -> str:
        return self.message.render("en")


@dataclass
class RawTable:
    """One table as read: text cells (CSV) or stored types (Parquet).

    The frame's index holds the 1-based data row numbers of the file, so rows set aside as bad
    records leave gaps rather than shifting the numbers of the rows after them.
    """

    name: str
    frame: pd.DataFrame
    source: Path | None = None
    notes: list[str] = field(default_factory=list)
    bad_records: list[BadRecord] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Data rows in the file, including those set aside as bad records."""
        return len(self.frame) + len(self.bad_records)


def find_table_file(folder: str | os.PathLike, table: str) -> Path | None:
    """Return the file holding ``table`` in ``folder`` (``.csv`` or ``.parquet``), or None.

    Raises
    ------
    DataFolderError
        If the folder does not exist, holds the table twice (CSV and Parquet), or holds it only
        in another format (an Excel workbook, say).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFolderError(
            Message(
                N_("data folder {folder!r} does not exist or is not a folder"), folder=str(folder)
            )
        )
    found = [folder / f"{table}{s}" for s in SUFFIXES if (folder / f"{table}{s}").is_file()]
    if len(found) > 1:
        raise DataFolderError(
            Message(
                N_(
                    "table {table!r} is present twice in {folder!r} ({files}); keep exactly one "
                    "file per table"
                ),
                table=table,
                folder=str(folder),
                files=", ".join(p.name for p in found),
            )
        )
    if not found:
        others = sorted(p.name for p in folder.glob(f"{table}.*") if p.is_file())
        if others:
            raise DataFolderError(
                Message(
                    N_(
                        "table {table!r}: found {others} in {folder!r}, but only {table}.csv "
                        "(UTF-8 text) or {table}.parquet can be read; export it as CSV UTF-8"
                    ),
                    table=table,
                    others=others,
                    folder=str(folder),
                )
            )
    return found[0] if found else None


def _decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # Korean spreadsheets often save CP949 (a superset of EUC-KR).
        return data.decode("cp949"), [f"{path.name}: not UTF-8; decoded as Korean CP949/EUC-KR"]
    except UnicodeDecodeError:
        raise DataFolderError(
            Message(
                N_(
                    "{file}: not UTF-8 text (invalid byte at position {position}) and not "
                    "Korean CP949/EUC-KR either; save the file as CSV UTF-8"
                ),
                file=path.name,
                position=utf8_error.start,
            )
        ) from None


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _parse_with_bad_records(text: str, sep: str) -> tuple[pd.DataFrame, list[BadRecord]]:
    """The slow, careful path: every record checked for its number of fields."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = [h.strip() for h in next(reader)]
    rows, index, bad = [], [], []
    for number, record in enumerate(reader, start=1):
        if not record:  # a blank line is no record
            continue
        if len(record) != len(header):
            joined = sep.join(record)
            bad.append(BadRecord(number, joined[:200], len(record), len(header)))
            continue
        rows.append([None if v == "" else v for v in record])
        index.append(number)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(index, dtype="int64"), dtype=object)
    return frame, bad


def read_table(path: str | os.PathLike, name: str, *, max_mb: float = MAX_FILE_MB) -> RawTable:
    """Read one table file (CSV or Parquet) into a :class:`RawTable`."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise DataFolderError(
            Message(
                N_(
                    "{file}: {size:,.0f} MB is larger than the limit of {limit:,g} MB; split the "
                    "file or raise the limit (--max-file-mb)"
                ),
                file=path.name,
                size=size / 1024 / 1024,
                limit=max_mb,
            )
        )
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise DataFolderError(
                Message(
                    N_("{file}: not a readable Parquet file ({error})"), file=path.name, error=exc
                )
            ) from exc
        frame.index = pd.RangeIndex(1, len(frame) + 1)
        return RawTable(name, frame, path)
    if size == 0:
        if TABLES[name].required and name == "products":
            raise DataFolderError(
                Message(
                    N_(
                        "{file}: the file is empty (expected a header row and at least one product)"
                    ),
                    file=path.name,
                )
            )
        frame = pd.DataFrame(columns=list(TABLES[name].column_names), dtype=object)
        return RawTable(
            name, frame, path, [f"{path.name}: empty file (no header): read as no rows"]
        )
    text, notes = _decode(path, path.read_bytes())
    first_line = text.split("\n", 1)[0]
    sep = _separator(first_line)
    if sep != ",":
        notes.append(f"{path.name}: read with {repr(sep)} as the separator")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
        )
        bad: list[BadRecord] = []
        frame.index = pd.RangeIndex(1, len(frame) + 1)
        frame.columns = [str(c).strip() for c in frame.columns]
    except pd.errors.EmptyDataError as exc:
        raise DataFolderError(
            Message(
                N_("{file}: no header row (expected the columns {columns})"),
                file=path.name,
                columns=list(TABLES[name].column_names),
            )
        ) from exc
    except pd.errors.ParserError:
        frame, bad = _parse_with_bad_records(text, sep)
    if bad:
        notes.append(f"{path.name}: {len(bad)} record(s) with the wrong number of fields set aside")
    return RawTable(name, frame, path, notes, bad)


def read_raw_tables(
    folder: str | os.PathLike, *, require_incidents: bool = False, max_mb: float = MAX_FILE_MB
) -> dict[str, RawTable]:
    """Read every contract table present in ``folder``.

    Parameters
    ----------
    folder : path
        A data folder as defined by the contract.
    require_incidents : bool
        Whether ``incidents`` must be present (training needs outcomes; scoring does not).
    max_mb : float
        Refuse files larger than this many megabytes.
    """
    tables = {}
    for name, spec in TABLES.items():
        path = find_table_file(folder, name)
        if path is None:
            if spec.required or (name == "incidents" and require_incidents):
                raise DataFolderError(
                    Message(
                        N_(
                            "table {table!r} is missing from {folder!r}: expected {table}.csv or "
                            "{table}.parquet"
                        ),
                        table=name,
                        folder=str(folder),
                    )
                )
            continue
        tables[name] = read_table(path, name, max_mb=max_mb)
    return tables


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that start like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab,
    carriage return) with an apostrophe, so a spreadsheet shows them instead of running them.
    Numbers are left alone."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_string_dtype(series) or series.dtype == object:
            text = series.astype("object")
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            if risky.any():
                out[col] = text.where(~risky, "'" + text.astype(str))
    return out


def _atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as UTF-8 CSV, atomically, byte-reproducibly and formula-safe.

    The file appears under its final name only once complete (temporary file, then rename), so an
    interrupted run never leaves a partial file that looks finished.
    """
    safe = neutralise_formulas(frame)
    _atomic(
        Path(path),
        lambda handle: safe.to_csv(
            handle,
            index=False,
            float_format=FLOAT_FORMAT,
            lineterminator="\n",
            date_format="%Y-%m-%d",
        ),
    )


def write_text(text: str, path: str | os.PathLike) -> None:
    """Write a text file atomically."""
    _atomic(Path(path), lambda handle: handle.write(text))
