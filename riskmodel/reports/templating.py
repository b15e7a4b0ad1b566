"""The jinja2 environment of the report templates (``riskmodel/reports/templates``)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["environment"]


def _num(value, digits: int = 3) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def _pct(value, digits: int = 1) -> str:
    return "-" if value is None or pd.isna(value) else f"{100 * value:.{digits}f}%"


@cache
def environment() -> Environment:
    """Autoescaping environment with the number filters ``num``, ``pct`` and ``exp_m``
    (``exp(mu)`` in millions, for log-scale medians)."""
    env = Environment(
        loader=PackageLoader("riskmodel.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.filters["exp_m"] = lambda mu: f"{np.exp(mu) / 1e6:,.1f}"
    return env
