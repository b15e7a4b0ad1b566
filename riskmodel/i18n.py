"""Korean and English for everything a person reads: message catalogs, the glossary and formats.

Messages are written in English in the code and the templates (``_("Premium")``) and translated
in gettext catalogs, ``riskmodel/locale/<lang>/LC_MESSAGES/<domain>.po``, which Babel reads
(the ``.po`` files are the source; they are compiled in memory when first used, so no binary
``.mo`` file is kept). One domain per part of the package: ``web`` (the workbench's pages),
``reports`` (reasons, waterfalls, statements and the audit report) and ``validation`` (what is
said about bad input). ``scripts/update_catalogs.py`` extracts the messages of the package and
its templates and merges them into the catalogs; a test fails if a message has no translation.
The Korean words for riskmodel's concepts (위험도, 보험료, 자기부담금, ...) have one home,
``riskmodel/locale/glossary.toml``, and a test checks that every translation uses them.

Numbers, amounts in KRW, percentages and dates are formatted by Babel for the locale.

Examples
--------
>>> t = translations("ko", "web")
>>> t.gettext("Premium")
'보험료'
>>> format_krw(1234567.4, "en")
'₩1,234,567'
>>> negotiate("ko-KR,ko;q=0.9,en;q=0.8")
'ko'
>>> negotiate("fr-FR,fr;q=0.9")
'en'
"""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

__all__ = [
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "DOMAINS",
    "LOCALE_DIR",
    "check_language",
    "translations",
    "gettext_for",
    "catalog_path",
    "negotiate",
    "glossary",
    "format_krw",
    "format_number",
    "format_percent_value",
    "format_date",
    "format_datetime",
    "N_",
    "DOMAIN_SOURCES",
    "extract_messages",
]

#: The languages riskmodel speaks; the first is the source language of the messages.
LANGUAGES: tuple[str, ...] = ("en", "ko")
#: The language of files and of the command line unless a ``--lang`` or setting says otherwise.
DEFAULT_LANGUAGE = "en"
#: The catalogs: one per part of the package that speaks to people.
DOMAINS: tuple[str, ...] = ("web", "reports", "validation")
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALES = {"en": "en_US", "ko": "ko_KR"}


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for extraction without translating it here (it is translated where it
    is shown)."""
    return message


def check_language(lang: str, *, name: str = "lang") -> str:
    """``lang`` if riskmodel speaks it, else a ValueError naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"{name} must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


def catalog_path(lang: str, domain: str) -> Path:
    """Where the ``.po`` catalog of ``lang`` and ``domain`` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(lang: str, domain: str) -> NullTranslations:
    """The catalog of ``lang`` for ``domain`` (the source language, English, translates to
    itself)."""
    check_language(lang)
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {', '.join(DOMAINS)}; got {domain!r}")
    path = catalog_path(lang, domain)
    if lang == LANGUAGES[0] or not path.exists():
        if lang != LANGUAGES[0]:
            raise FileNotFoundError(f"no {lang} catalog for {domain}: {path}")
        return NullTranslations()
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=_BABEL_LOCALES[lang], domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


def gettext_for(lang: str, domain: str):
    """``_`` for ``lang`` and ``domain``: ``_("Premium")`` -> ``"보험료"``."""
    return translations(lang, domain).gettext


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language to answer in for an ``Accept-Language`` header (its best match among
    :data:`LANGUAGES`, else ``default``)."""
    if not accept_language:
        return default
    preferred = []
    for part in accept_language.split(","):
        token, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if token and q > 0:
            preferred.append((q, token.replace("-", "_")))
    preferred.sort(key=lambda item: -item[0])  # stable: ties keep the header's order
    found = Locale.negotiate([t for _, t in preferred], list(LANGUAGES), sep="_")
    return str(found.language) if found is not None else default


@cache
def glossary() -> dict[str, str]:
    """The glossary: English term -> the Korean term used everywhere."""
    with open(LOCALE_DIR / "glossary.toml", "rb") as fh:
        return dict(tomllib.load(fh)["terms"])


def _locale(lang: str) -> str:
    return _BABEL_LOCALES[check_language(lang)]


def format_krw(value: float, lang: str) -> str:
    """An amount in won, rounded to the won: ``₩1,234,567``."""
    return format_currency(round(float(value)), "KRW", locale=_locale(lang))


def format_number(value: float, lang: str, *, digits: int = 0) -> str:
    """A number with the locale's grouping and ``digits`` decimals."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def format_percent_value(value: float, lang: str, *, digits: int = 1) -> str:
    """A share (0.123) as a percentage (``12.3%``)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=_locale(lang))


def format_date(value: dt.date | str, lang: str) -> str:
    """A date in the locale's medium form (``Dec 1, 2026``, ``2026. 12. 1.``)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return _format_date(value, format="medium", locale=_locale(lang))


def format_datetime(value: dt.datetime | str, lang: str) -> str:
    """A UTC time in the locale's medium form, marked UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return _format_datetime(value, format="medium", tzinfo=dt.UTC, locale=_locale(lang)) + " UTC"


#: Where each domain's messages are written (globs relative to the package's folder).
DOMAIN_SOURCES: dict[str, tuple[str, ...]] = {
    "web": ("service/web.py", "service/templates/*.html"),
    "reports": (
        "features/*.py",
        "reasons.py",
        "assessment.py",
        "reports/*.py",
        "reports/templates/*.j2",
    ),
    "validation": ("io.py", "validation.py", "contract.py", "errors.py", "application.py"),
}
_KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extract_messages(domain: str) -> dict[str, list[tuple[str, int]]]:
    """Every message marked for translation in ``domain``'s sources: msgid (or the singular
    and plural joined by ``\\x00``) -> where it is written (path relative to the package, line).
    """
    from babel.messages.extract import extract_from_file

    root = Path(__file__).parent
    found: dict[str, list[tuple[str, int]]] = {}
    for pattern in DOMAIN_SOURCES[domain]:
        for path in sorted(root.glob(pattern)):
            method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
            options = {} if method == "python" else {"extensions": "jinja2.ext.i18n"}
            for lineno, message, _comments, _context in extract_from_file(
                method, str(path), keywords=_KEYWORDS, options=options
            ):
                key = "\x00".join(message) if isinstance(message, tuple) else message
                found.setdefault(key, []).append((str(path.relative_to(root)), lineno))
    return found
