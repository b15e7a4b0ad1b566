"""The pricing configuration: loadings, minimum premium, interval level and grade boundaries.

Every value that turns an expected loss into a premium or a grade lives in one versioned TOML file
(``riskmodel/configs/pricing.toml``); the values used are written into every priced output
(``run_summary.json``, ``pricing.json``), so a premium can always be traced to the config that
made it.

Examples
--------
>>> cfg = PricingConfig.from_dict({"version": "test-1", "expense_ratio": 0.2})
>>> cfg.gross_up(800_000.0)
1066666.6666666667
>>> cfg.grade_of([10_000.0, 50_000_000.0]).tolist()
['A', 'E']
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from riskmodel.config import read_toml, refuse_unknown_keys
from riskmodel.errors import OptionError

__all__ = ["PricingConfig", "load_pricing_config", "GRADES", "DEFAULT_PRICING_CONFIG"]

GRADES = ("A", "B", "C", "D", "E")
#: The versioned pricing config, shipped with the package (package data: an installed wheel reads
#: the same file as a checkout).
DEFAULT_PRICING_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "pricing.toml"


@dataclass(frozen=True)
class PricingConfig:
    """How expected losses become premiums and grades.

    Attributes
    ----------
    version : str
        Name of this set of values (change it whenever a value changes).
    expense_ratio : float
        Share of the gross premium for expenses (acquisition, administration), in [0, 1).
    profit_margin : float
        Share of the gross premium for profit and cost of capital, in [0, 1).
    uncertainty_loading : float
        Share of the distance from the expected loss to the interval's upper end added as an
        uncertainty margin, >= 0: the less the data support a product's expected loss, the more
        is added. At most 1, which keeps the premium monotone in deductible and limit.
    interval_level : float
        Nominal coverage of the expected-loss interval, in (0, 1).
    interval_scale : float
        Multiplies the log-scale standard error measured by the half-sample refits, > 0. The refits
        see estimation noise but not the smoothing bias every model has, so on data with a known
        truth (the synthetic portfolio) the interval needs widening to reach its nominal coverage;
        ``scripts/calibrate_intervals.py`` measures it.
    minimum_premium_krw : float
        No policy is written for less, >= 0.
    grade_thresholds_krw : tuple of 4 floats
        Upper boundaries of grades A to D of the expected loss per unit-year (KRW), increasing;
        grade E is everything above the last.
    """

    version: str = "2026-11-22.2"
    expense_ratio: float = 0.25
    profit_margin: float = 0.05
    uncertainty_loading: float = 0.5
    interval_level: float = 0.9
    interval_scale: float = 1.8
    minimum_premium_krw: float = 300_000.0
    grade_thresholds_krw: tuple[float, ...] = (500_000.0, 1_000_000.0, 3_000_000.0, 10_000_000.0)

    def __post_init__(self):
        for name in ("expense_ratio", "profit_margin"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise OptionError(f"{name} must be in [0, 1), got {value!r}")
        if self.expense_ratio + self.profit_margin >= 1:
            raise OptionError(
                "expense_ratio + profit_margin must be < 1, got "
                f"{self.expense_ratio + self.profit_margin!r}"
            )
        if not 0 <= self.uncertainty_loading <= 1:  # above 1 the premium could fall as d rises
            raise OptionError(
                f"uncertainty_loading must be in [0, 1], got {self.uncertainty_loading!r}"
            )
        if not 0 < self.interval_level < 1:
            raise OptionError(f"interval_level must be in (0, 1), got {self.interval_level!r}")
        if not self.interval_scale > 0:
            raise OptionError(f"interval_scale must be > 0, got {self.interval_scale!r}")
        if self.minimum_premium_krw < 0:
            raise OptionError(f"minimum_premium_krw must be >= 0, got {self.minimum_premium_krw!r}")
        t = tuple(float(x) for x in self.grade_thresholds_krw)
        if len(t) != len(GRADES) - 1 or any(b <= a for a, b in zip(t, t[1:], strict=False)):
            raise OptionError(
                f"grade_thresholds_krw must be {len(GRADES) - 1} increasing numbers (the upper "
                f"boundaries of grades A to D), got {list(self.grade_thresholds_krw)!r}"
            )
        if t[0] <= 0:
            raise OptionError(f"grade_thresholds_krw must be > 0, got {list(t)!r}")
        object.__setattr__(self, "grade_thresholds_krw", t)
        if not str(self.version).strip():
            raise OptionError("version must be a non-empty name")

    # ------------------------------------------------------------------------------ use
    def gross_up(self, risk_premium):
        """Gross premium of a risk premium: ``risk / (1 - expenses - profit)``, at least the
        minimum premium."""
        gross = np.asarray(risk_premium, dtype=float) / (
            1 - self.expense_ratio - self.profit_margin
        )
        out = np.maximum(gross, self.minimum_premium_krw)
        return float(out) if out.ndim == 0 else out

    def grade_of(self, loss_per_unit_year) -> np.ndarray:
        """The grade of each expected loss per unit-year (a boundary belongs to the lower grade)."""
        index = np.searchsorted(
            np.asarray(self.grade_thresholds_krw), np.asarray(loss_per_unit_year), side="left"
        )
        return np.asarray(GRADES)[index]

    def grade_boundaries(self) -> list[dict]:
        """Each grade with its range of expected loss per unit-year (KRW), for the outputs; the
        last grade's upper end is None (no bound)."""
        edges = (0.0, *self.grade_thresholds_krw, None)  # None: no upper bound (valid JSON)
        return [
            {"grade": g, "from_krw_per_unit_year": lo, "to_krw_per_unit_year": hi}
            for g, lo, hi in zip(GRADES, edges[:-1], edges[1:], strict=True)
        ]

    def grade_range_text(self, grade: str) -> str:
        """``"B: 100,000 to 300,000 KRW per unit-year"``."""
        row = next(r for r in self.grade_boundaries() if r["grade"] == grade)
        lo, hi = row["from_krw_per_unit_year"], row["to_krw_per_unit_year"]
        if hi is None:
            return f"{grade}: above {lo:,.0f} KRW expected loss per unit-year"
        return f"{grade}: {lo:,.0f} to {hi:,.0f} KRW expected loss per unit-year"

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["grade_thresholds_krw"] = list(self.grade_thresholds_krw)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PricingConfig:
        """Build a config, refusing unknown keys."""
        data = dict(data)
        refuse_unknown_keys("pricing config", data, cls)
        if "grade_thresholds_krw" in data:
            data["grade_thresholds_krw"] = tuple(data["grade_thresholds_krw"])
        return cls(**data)


def load_pricing_config(path: str | os.PathLike | None = None) -> PricingConfig:
    """Read a TOML pricing config; ``None`` reads the package's ``riskmodel/configs/pricing.toml``
    (:data:`DEFAULT_PRICING_CONFIG`, equal to the defaults; a missing file is an error, not a
    silent fall-back)."""
    if path is None:
        path = DEFAULT_PRICING_CONFIG
    return PricingConfig.from_dict(read_toml(path, "pricing config"))
