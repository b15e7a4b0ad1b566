"""Reading raw tables from a data folder and writing output files.

Raw tables are read as text (CSV) or as stored (Parquet) and handed to :mod:`riskmodel.validation`
unchanged, so that every value a user sent can be quoted back in an error message.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_csv(pd.DataFrame({"a": [1.5, 2.0]}), folder / "t.csv")
>>> read_table(folder / "t.csv")["a"].tolist()
['1.5', '2']
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from riskmodel.contract import TABLES

__all__ = [
    "DataFolderError",
    "find_table_file",
    "read_table",
    "read_raw_tables",
    "write_csv",
    "FLOAT_FORMAT",
]

#: Ten significant digits: enough to reproduce every score, stable across reruns.
FLOAT_FORMAT = "%.10g"
SUFFIXES = (".csv", ".parquet")


class DataFolderError(ValueError):
    """A data folder or file cannot be read at all (missing, unreadable, wrong format)."""


def find_table_file(folder: str | os.PathLike, table: str) -> Path | None:
    """Return the file holding ``table`` in ``folder`` (``.csv`` or ``.parquet``), or None.

    Raises
    ------
    DataFolderError
        If the folder does not exist, or holds the table twice (CSV and Parquet).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFolderError(f"data folder {str(folder)!r} does not exist or is not a folder")
    found = [
        folder / f"{table}{suffix}"
        for suffix in SUFFIXES
        if (folder / f"{table}{suffix}").is_file()
    ]
    if len(found) > 1:
        raise DataFolderError(
            f"table {table!r} is present twice in {str(folder)!r} "
            f"({', '.join(p.name for p in found)}); "
            "keep exactly one file per table"
        )
    return found[0] if found else None


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read one table; CSV cells come back as text (empty cell -> missing), Parquet as stored."""
    path = Path(path)
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise DataFolderError(f"{path.name}: not a readable Parquet file ({exc})") from exc
    try:
        # utf-8-sig drops a byte-order mark that spreadsheet programs add.
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    except UnicodeDecodeError as exc:
        raise DataFolderError(
            f"{path.name}: not UTF-8 text (byte {exc.start}); save the file as CSV UTF-8"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataFolderError(f"{path.name}: the file is empty (expected a header row)") from exc
    except pd.errors.ParserError as exc:
        raise DataFolderError(f"{path.name}: not a readable CSV file ({exc})") from exc


def read_raw_tables(
    folder: str | os.PathLike, *, require_incidents: bool = False
) -> dict[str, pd.DataFrame]:
    """Read every contract table present in ``folder``.

    Parameters
    ----------
    folder : path
        A data folder as defined by the contract.
    require_incidents : bool
        Whether ``incidents`` must be present (training needs outcomes; scoring does not).

    Returns
    -------
    dict of str to DataFrame
        The tables found, keyed by contract table name; absent optional tables are omitted.
    """
    tables = {}
    for name, spec in TABLES.items():
        path = find_table_file(folder, name)
        if path is None:
            if spec.required or (name == "incidents" and require_incidents):
                raise DataFolderError(
                    f"table {name!r} is missing from {str(folder)!r}: expected {name}.csv or "
                    f"{name}.parquet"
                )
            continue
        tables[name] = read_table(path)
    return tables


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as UTF-8 CSV, atomically and byte-reproducibly.

    The file appears under its final name only once complete (temporary file, then rename), so an
    interrupted run never leaves a partial file that looks finished.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            frame.to_csv(
                handle,
                index=False,
                float_format=FLOAT_FORMAT,
                lineterminator="\n",
                date_format="%Y-%m-%d",
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
