"""The validated input tables of one data folder.

A :class:`Portfolio` holds typed tables that satisfy the contract; it is what the feature pipeline,
the models and the generator exchange. Build one with :func:`riskmodel.validation.load_portfolio`
(from files) or :func:`riskmodel.validation.validate_tables` (from data frames).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskmodel.contract import TABLES
from riskmodel.io import write_csv

__all__ = ["Portfolio", "exposure_unit_years", "contract_text"]

MONTHS_PER_YEAR = 12.0


def exposure_unit_years(products: pd.DataFrame) -> pd.Series:
    """Exposure of each product in unit-years: ``units_deployed * demo_months / 12``.

    This is the exposure the frequency models use as their offset: expected incidents are
    proportional to it, other things equal.
    """
    return (
        products["units_deployed"].astype(float)
        * products["demo_months"].astype(float)
        / MONTHS_PER_YEAR
    )


@dataclass
class Portfolio:
    """Typed, validated tables of one data folder.

    Attributes
    ----------
    products, test_results, certifications : DataFrame
        The contract's required tables, typed (dates as datetime64, booleans as ``boolean``).
    incidents : DataFrame or None
        Outcomes, when present (training and evaluation).
    """

    products: pd.DataFrame
    test_results: pd.DataFrame
    certifications: pd.DataFrame
    incidents: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, keyed by contract name, in contract order."""
        out = {name: getattr(self, name) for name in TABLES}
        return {k: v for k, v in out.items() if v is not None}

    @property
    def n_products(self) -> int:
        return len(self.products)

    def incident_counts(self) -> pd.DataFrame:
        """Number of incidents of each kind per product (zero where none), indexed like products.

        Raises
        ------
        ValueError
            If the portfolio has no incidents table.
        """
        if self.incidents is None:
            raise ValueError("this portfolio has no incidents table; outcomes are needed here")
        counts = (
            self.incidents.groupby(["product_id", "kind"], observed=True)
            .size()
            .unstack("kind", fill_value=0)
        )
        ids = self.products["product_id"]
        out = pd.DataFrame({"product_id": ids.to_numpy()})
        for kind in ("performance", "safety"):
            col = counts[kind] if kind in counts.columns else pd.Series(dtype="int64")
            out[kind] = ids.map(col).fillna(0).astype("int64").to_numpy()
        return out

    def fingerprint(self) -> str:
        """SHA-256 over the tables' values in their contract text form.

        The same data give the same fingerprint whether they came from CSV, Parquet or the
        generator; any changed value, row or column changes it.
        """
        digest = hashlib.sha256()
        for name, frame in self.tables().items():
            digest.update(f"{name}:{','.join(map(str, frame.columns))}:{len(frame)}".encode())
            for col in frame.columns:
                values = _canonical(frame[col])
                digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
        return digest.hexdigest()

    def write(self, folder: str | os.PathLike) -> None:
        """Write the tables to ``folder`` as contract CSV files (``true``/``false``, ISO dates)."""
        folder = Path(folder)
        for name, frame in self.tables().items():
            write_csv(contract_text(frame), folder / f"{name}.csv")

    def subset(self, product_ids) -> Portfolio:
        """The portfolio restricted to ``product_ids`` (child rows follow their product)."""
        keep = set(product_ids)

        def pick(frame):
            if frame is None:
                return None
            return frame[frame["product_id"].isin(keep)].reset_index(drop=True)

        return Portfolio(
            pick(self.products),
            pick(self.test_results),
            pick(self.certifications),
            pick(self.incidents),
        )


def _canonical(series: pd.Series) -> pd.Series:
    """One representation per logical type, so typed, CSV-read and Parquet-read data hash alike."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.astype("datetime64[ns]")
    return series.astype("str")


def contract_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render booleans and dates the way the contract writes them."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_bool_dtype(series):
            out[col] = series.map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[col] = series.dt.strftime("%Y-%m-%d")
    return out
