"""The jinja2 environments of the report templates (``riskmodel/reports/templates``), one per
language: the templates' words are messages of the ``reports`` catalog (``{{ _("...") }}`` and
``{% trans %}`` blocks, :mod:`jinja2.ext.i18n`), and numbers, amounts in won, percentages and
dates are formatted for the language's locale (:mod:`riskmodel.i18n`)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from riskmodel import i18n

__all__ = ["environment"]


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


@cache
def environment(lang: str = "en") -> Environment:
    """Autoescaping environment speaking ``lang``, with ``_``/``gettext``/``ngettext`` of the
    ``reports`` catalog and the filters ``words`` (a value the package names, such as a target, a
    category or a flag, in ``lang``; other values as they are), ``num`` (a number with ``digits``
    decimals), ``pct`` (a share as a percentage), ``krw`` (an amount in won), ``day`` (a date),
    ``moment`` (a UTC time) and ``exp_m`` (``exp(mu)`` in millions, for log-scale medians); a
    missing value shows as ``-``."""
    i18n.check_language(lang)
    env = Environment(
        loader=PackageLoader("riskmodel.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(lang, "reports"), newstyle=False)
    env.globals["lang"] = lang
    gettext = i18n.translations(lang, "reports").gettext
    env.filters["words"] = lambda v: gettext(v) if isinstance(v, str) and v else v
    env.filters["num"] = lambda v, digits=3: (
        "-" if _missing(v) else i18n.format_number(v, lang, digits=digits)
    )
    env.filters["pct"] = lambda v, digits=1: (
        "-" if _missing(v) else i18n.format_percent_value(v, lang, digits=digits)
    )
    env.filters["krw"] = lambda v: "-" if _missing(v) else i18n.format_krw(v, lang)
    env.filters["day"] = lambda v: "-" if not v else _date(v, lang)
    env.filters["moment"] = lambda v: "-" if not v else _moment(v, lang)
    env.filters["exp_m"] = lambda mu: i18n.format_number(np.exp(mu) / 1e6, lang, digits=1)
    return env


def _date(value, lang: str) -> str:
    try:
        return i18n.format_date(value, lang)
    except (TypeError, ValueError):
        return str(value)


def _moment(value, lang: str) -> str:
    try:
        return i18n.format_datetime(value, lang)
    except (TypeError, ValueError):
        return str(value)
