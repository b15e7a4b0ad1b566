"""The workbench: web pages for underwriters and auditors, in Korean and English.

Served by the same app as the API (``riskmodel serve``), with the same users, roles, engine and
register. Pages are rendered on the server (Jinja2 templates in ``service/templates``) and work
without JavaScript; htmx (shipped in ``service/static``, from its npm release) adds rows, loads
what-if suggestions and verifies without reloading the page.

- **Log in** at ``/login`` with the user name and the password of ``riskmodel users add
  --password-stdin``. The session is a signed cookie (``HttpOnly``, ``SameSite=Strict``,
  ``Secure`` over HTTPS) that expires after ``session_hours`` and when the password changes;
  every form and htmx request carries the session's CSRF token, and a POST without it is refused.
- **Language**: ``?lang=ko`` or ``?lang=en`` (remembered in a cookie), otherwise the browser's
  ``Accept-Language``; every page has a switch. Messages come from the ``web`` catalog
  (:mod:`riskmodel.i18n`); amounts, numbers and dates are formatted by Babel for the locale.
- **Underwriter**: ``/assess`` (one application; problems shown next to their field in the words
  of validation), ``/assessments/{id}`` (figures as ``data-field``/``data-value`` elements,
  reasons, a waterfall per target, grade boundaries, what-if suggestions applied with one click,
  the statement to print), ``/portfolio`` (upload the contract's CSV files or a zip; a sortable,
  filterable table; ``scores.csv`` and ``rejects.csv`` to download).
- **Auditor**: ``/register`` (filter by date, category, grade, model version), an assessment's
  statement and a verify button, ``/model`` (model card and risk criteria), ``/audit`` (the
  audit report, if the service was given one).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import secrets
import shutil
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from riskmodel import i18n
from riskmodel.application import portfolio_from_inputs
from riskmodel.contract import TABLES
from riskmodel.errors import InputError
from riskmodel.features.pipeline import feature_owners
from riskmodel.i18n import N_
from riskmodel.io import write_csv
from riskmodel.pricing import PricingConfig
from riskmodel.pricing.whatif import suggest, what_if
from riskmodel.reference import OVERSEAS_SCHEMES, expected_standards
from riskmodel.register import StoredRecord
from riskmodel.reports.criteria import criteria
from riskmodel.reports.statement import render_statement
from riskmodel.reports.waterfall import Waterfall, waterfall_of
from riskmodel.service.engine import answers, assess_json, model_card
from riskmodel.service.issuing import Services, may_read, new_records, request_hash
from riskmodel.service.users import User
from riskmodel.service.verification import verify_record
from riskmodel.validation import load_data
from riskmodel.workflows import write_assessment

__all__ = ["install", "Sessions", "load_session_key", "PAGE_CSP", "DOCUMENT_CSP"]

SESSION_COOKIE = "riskmodel_session"
LANG_COOKIE = "riskmodel_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: The pages' content security policy: nothing but this server's own scripts and styles.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: For the self-contained documents the workbench shows (statements, the audit report): their
#: styles are inline, and they run no script.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
#: The most an uploaded zip's tables may hold once unpacked (a zip bomb is refused unread).
_MAX_UNPACKED = 2 * 1024**3
#: Rows of the register and of an uploaded portfolio shown per page.
PAGE_ROWS = 100
_TABLE_FILES = ("products", "test_results", "certifications")

# --------------------------------------------------------------------------------- words
#: How each input column is labelled on the form.
FIELD_LABELS: dict[str, str] = {
    "product_id": N_("Product ID"),
    "company_id": N_("Company ID"),
    "category": N_("Category"),
    "zone": N_("Special zone"),
    "trl": N_("Technology readiness level (TRL)"),
    "company_age_years": N_("Company age (years)"),
    "units_deployed": N_("Units deployed"),
    "demo_months": N_("Demonstration months"),
    "public_exposure": N_("Public access"),
    "coverage_limit_krw": N_("Limit of indemnity (KRW)"),
    "deductible_krw": N_("Deductible (KRW)"),
    "coverage_start": N_("Coverage start"),
    "test_id": N_("Test ID"),
    "standard": N_("Standard"),
    "test_kind": N_("Test kind"),
    "test_date": N_("Test date"),
    "lab_accredited": N_("Accredited laboratory"),
    "outcome": N_("Outcome"),
    "severity": N_("Severity"),
    "measured_value": N_("Measured value"),
    "limit_value": N_("Limit value"),
    "higher_is_better": N_("Higher is better"),
    "scheme": N_("Scheme"),
    "issuer_country": N_("Issuing country"),
    "status": N_("Status"),
    "issued_date": N_("Issue date"),
}
#: The contract's enumerated values in words.
VALUE_WORDS: dict[str, str] = {
    "autonomous_vehicle": N_("autonomous_vehicle"),
    "urban_air_mobility": N_("urban_air_mobility"),
    "drone": N_("drone"),
    "marine_mobility": N_("marine_mobility"),
    "robotics": N_("robotics"),
    "ai_software": N_("ai_software"),
    "digital_healthcare": N_("digital_healthcare"),
    "medical_device": N_("medical_device"),
    "regenerative_bio": N_("regenerative_bio"),
    "battery_ess": N_("battery_ess"),
    "hydrogen_energy": N_("hydrogen_energy"),
    "renewable_energy": N_("renewable_energy"),
    "semiconductor_equipment": N_("semiconductor_equipment"),
    "busan": N_("busan"),
    "gangwon": N_("gangwon"),
    "chungbuk": N_("chungbuk"),
    "jeonnam": N_("jeonnam"),
    "closed_site": N_("closed site"),
    "restricted_public": N_("restricted public"),
    "open_public": N_("open public"),
    "safety": N_("safety"),
    "performance": N_("performance"),
    "emc": N_("EMC"),
    "environmental": N_("environmental"),
    "software": N_("software"),
    "cybersecurity": N_("cybersecurity"),
    "biocompatibility": N_("biocompatibility"),
    "pass": N_("pass"),
    "fail": N_("fail"),
    "conditional": N_("conditional"),
    "minor": N_("minor"),
    "major": N_("major"),
    "critical": N_("critical"),
    "active": N_("active"),
    "expired": N_("expired"),
    "suspended": N_("suspended"),
    "withdrawn": N_("withdrawn"),
    "true": N_("yes"),
    "false": N_("no"),
}
ZONES = ("busan", "gangwon", "chungbuk", "jeonnam")
#: The figures of an assessment, in the order shown, with how each is formatted.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("performance_risk", N_("Performance risk"), "risk"),
    ("safety_risk", N_("Safety risk"), "risk"),
    ("expected_performance_incidents", N_("Expected incidents (performance)"), "count"),
    ("expected_safety_incidents", N_("Expected incidents (safety)"), "count"),
    ("expected_loss_krw", N_("Expected loss"), "krw"),
    ("expected_loss_lower_krw", N_("Expected loss, lower end of the 90% interval"), "krw"),
    ("expected_loss_upper_krw", N_("Expected loss, upper end of the 90% interval"), "krw"),
    ("premium_krw", N_("Premium"), "krw"),
    ("premium_lower_krw", N_("Premium, lower end of the 90% interval"), "krw"),
    ("premium_upper_krw", N_("Premium, upper end of the 90% interval"), "krw"),
    ("grade", N_("Grade"), "text"),
    ("expected_loss_per_unit_year_krw", N_("Expected loss per unit-year"), "krw"),
    ("expected_performance_loss_krw", N_("Expected loss (performance)"), "krw"),
    ("expected_safety_loss_krw", N_("Expected loss (safety)"), "krw"),
)
TARGET_WORDS = {"performance": N_("Performance risk"), "safety": N_("Safety risk")}
ROLE_WORDS = {
    "underwriter": N_("underwriter"),
    "auditor": N_("auditor"),
    "admin": N_("administrator"),
}
#: The columns of an uploaded portfolio's table (scores.csv's), how to show them.
PORTFOLIO_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("product_id", N_("Product ID"), "text"),
    ("category", N_("Category"), "value"),
    *(
        figure
        for figure in FIGURES
        if figure[0]
        in ("performance_risk", "safety_risk", "expected_loss_krw", "premium_krw", "grade")
    ),
)


# ------------------------------------------------------------------------------ sessions
def load_session_key(path: str | os.PathLike) -> bytes:
    """The secret that signs session cookies, created (mode 600) on first use; every worker
    reads the same file, so a session started with one worker holds with the others."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise InputError(f"session key file {str(path)!r} holds fewer than 32 characters")
    return key.encode()


class Sessions:
    """Signed, expiring session cookies: ``{"u": user or None, "s": password stamp, "c": CSRF
    token}``. A changed password (a new stamp) ends the user's sessions."""

    def __init__(self, key: bytes, hours: float):
        self._signer = URLSafeTimedSerializer(key, salt="riskmodel.workbench.session")
        self.max_age = int(hours * 3600)

    def new(self, user: User | None = None) -> dict:
        return {
            "u": None if user is None else user.name,
            "s": None if user is None else stamp(user),
            "c": secrets.token_urlsafe(32),
        }

    def dumps(self, session: dict) -> str:
        return self._signer.dumps(session)

    def loads(self, cookie: str | None) -> dict | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # includes expired
            return None
        return data if isinstance(data, dict) and isinstance(data.get("c"), str) else None


def stamp(user: User) -> str:
    """A fingerprint of the user's password hash (a new password ends old sessions)."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------ templates
def _plain_number(value) -> str:
    """``data-value``: the number as JSON writes it (full precision, no grouping)."""
    if value is None:
        return ""
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool):
        return json.dumps(float(value) if isinstance(value, float | np.floating) else int(value))
    return str(value)


@cache
def environment(lang: str) -> Environment:
    """The templates, with ``_``/``gettext`` of ``lang`` installed (one environment per
    language, so concurrent requests in two languages never share a translator)."""
    env = Environment(
        loader=PackageLoader("riskmodel.service", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    t = i18n.translations(lang, "web")
    env.install_gettext_translations(t, newstyle=True)
    env.globals["_"] = t.gettext
    env.filters["krw"] = lambda v: "-" if v is None else i18n.format_krw(v, lang)
    env.filters["risk"] = lambda v: (
        "-" if v is None else i18n.format_percent_value(v, lang, digits=2)
    )
    env.filters["count"] = lambda v: "-" if v is None else i18n.format_number(v, lang, digits=4)
    env.filters["number"] = lambda v, d=0: (
        "-" if v is None else i18n.format_number(v, lang, digits=d)
    )
    env.filters["day"] = lambda v: "-" if not v else i18n.format_date(v, lang)
    env.filters["moment"] = lambda v: "-" if not v else i18n.format_datetime(v, lang)
    env.filters["plain"] = _plain_number
    env.filters["words"] = lambda v: t.gettext(VALUE_WORDS[v]) if v in VALUE_WORDS else v
    env.filters["label"] = lambda c: t.gettext(FIELD_LABELS.get(c, c))
    env.filters["fmt"] = lambda v, kind: _format(kind, v, lang)
    return env


def _format(kind: str, value, lang: str) -> str:
    env = environment(lang)
    if kind == "text":
        return "-" if value is None else str(value)
    if kind == "value":
        return env.filters["words"](value)
    return env.filters[kind](value)


# ------------------------------------------------------------------------------ requests
class LoginRequired(Exception):
    """The page needs a logged-in user: answered by a redirect to the login page."""

    def __init__(self, next_url: str):
        self.next_url = next_url


class PageError(Exception):
    """An error answered with a page (in the reader's language)."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@dataclass
class Page:
    """One request to a page: who asks, in which language, with which session."""

    request: Request
    services: Services
    sessions: Sessions
    lang: str
    session: dict
    user: User | None
    set_lang: bool = False
    new_session: bool = False

    def _(self, message: str) -> str:
        return i18n.translations(self.lang, "web").gettext(message)

    def require(self, permission: str | None = None) -> User:
        """The logged-in user, if their role grants ``permission``."""
        if self.user is None:
            target = self.request.url.path
            if self.request.url.query:
                target += "?" + self.request.url.query
            raise LoginRequired(target)
        if permission is not None and not self.user.may(permission):
            role = self._(ROLE_WORDS[self.user.role])
            raise PageError(
                403, self._("Your role ({role}) may not open this page.").format(role=role)
            )
        return self.user

    def check_csrf(self, form: Mapping[str, Any] | None = None) -> None:
        sent = self.request.headers.get(CSRF_HEADER) or (form or {}).get(CSRF_FIELD) or ""
        if not secrets.compare_digest(str(sent), self.session["c"]):
            raise PageError(
                403,
                self._(
                    "The form has expired or did not come from this site; reload and try again."
                ),
            )
        origin = self.request.headers.get("origin")
        if origin and origin != "null":
            host = self.request.headers.get("host", "")
            if origin.split("://", 1)[-1] != host:
                raise PageError(403, self._("The form did not come from this site."))

    def lang_url(self, lang: str) -> str:
        query = dict(self.request.query_params)
        query["lang"] = lang
        return f"{self.request.url.path}?{urlencode(query)}"

    def render(self, template: str, status: int = 200, **context) -> HTMLResponse:
        env = environment(self.lang)
        context.setdefault("fragment", bool(self.request.headers.get("hx-request")))
        body = env.get_template(template).render(
            page=self,
            lang=self.lang,
            user=self.user,
            csrf=self.session["c"],
            role_words=ROLE_WORDS,
            **context,
        )
        return self.finish(HTMLResponse(body, status_code=status))

    def redirect(self, url: str) -> Response:
        if self.request.headers.get("hx-request"):
            response: Response = Response(status_code=204, headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        return self.finish(response)

    def finish(self, response: Response) -> Response:
        secure = self.request.url.scheme == "https"
        if self.new_session:
            response.set_cookie(
                SESSION_COOKIE,
                self.sessions.dumps(self.session),
                max_age=self.sessions.max_age,
                httponly=True,
                samesite="strict",
                secure=secure,
                path="/",
            )
        if self.set_lang:
            response.set_cookie(
                LANG_COOKIE, self.lang, max_age=365 * 86400, samesite="lax", secure=secure, path="/"
            )
        response.headers["content-language"] = self.lang
        response.headers["vary"] = "Accept-Language, Cookie"
        return response

    def start_session(self, user: User | None) -> None:
        self.session = self.sessions.new(user)
        self.user = user
        self.new_session = True


def _page(request: Request) -> Page:
    services: Services = request.state.services
    sessions: Sessions = request.state.sessions
    asked = request.query_params.get("lang")
    set_lang = asked in i18n.LANGUAGES
    if set_lang:
        lang = asked
    elif request.cookies.get(LANG_COOKIE) in i18n.LANGUAGES:
        lang = request.cookies[LANG_COOKIE]
    else:
        lang = i18n.negotiate(request.headers.get("accept-language"))
    session = sessions.loads(request.cookies.get(SESSION_COOKIE))
    user = None
    if session is not None and session.get("u"):
        found = services.users.get(session["u"])
        if found is not None and stamp(found) == session.get("s"):
            user = found
            request.scope["state"]["user"] = user
        else:
            session = None
    page = Page(request, services, sessions, lang, session or sessions.new(), user, set_lang)
    page.new_session = session is None
    return page


PageDep = Annotated[Page, Depends(_page)]
router = APIRouter(include_in_schema=False)


# ------------------------------------------------------------------------- the application
def _columns(table: str) -> list:
    return [c for c in TABLES[table].columns if c.name != "product_id"]


@dataclass
class ApplicationForm:
    """The form's values: the product's fields and the child rows, as typed (text)."""

    product: dict[str, str]
    tests: list[dict[str, str]]
    certs: list[dict[str, str]]

    @classmethod
    def empty(cls, tests: int = 1, certs: int = 1) -> ApplicationForm:
        product = {c.name: "" for c in TABLES["products"].columns}
        product["product_id"] = f"APP-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3).upper()}"
        return cls(
            product,
            [{c.name: "" for c in _columns("test_results")} for _ in range(tests)],
            [{c.name: "" for c in _columns("certifications")} for _ in range(certs)],
        )

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> ApplicationForm:
        product = {c.name: str(form.get(c.name, "")).strip() for c in TABLES["products"].columns}
        rows: dict[str, dict[int, dict[str, str]]] = {"t": {}, "c": {}}
        for key, value in form.items():
            prefix, _, rest = key.partition("-")
            index, _, column = rest.partition("-")
            if prefix in rows and index.isdigit() and column:
                rows[prefix].setdefault(int(index), {})[column] = str(value).strip()
        tests = [
            {c.name: rows["t"][i].get(c.name, "") for c in _columns("test_results")}
            for i in sorted(rows["t"])
        ]
        certs = [
            {c.name: rows["c"][i].get(c.name, "") for c in _columns("certifications")}
            for i in sorted(rows["c"])
        ]
        return cls(product, tests, certs)

    def rows(self) -> tuple[dict, list[dict], list[dict], dict[tuple[str, int], int]]:
        """The JSON rows of the application (empty rows left out, empty cells as missing) and
        where each submitted row is on the form: ``(table, row number) -> form index``."""

        def cells(row: Mapping[str, str]) -> dict:
            return {k: v for k, v in row.items() if v != ""}

        pid = self.product.get("product_id", "")
        product = cells(self.product)
        where: dict[tuple[str, int], int] = {}
        tests, certs = [], []
        for table, source, out in (
            ("test_results", self.tests, tests),
            ("certifications", self.certs, certs),
        ):
            for i, row in enumerate(source):
                if any(v for v in row.values()):
                    out.append({"product_id": pid, **cells(row)})
                    where[(table, len(out))] = i
        return product, tests, certs, where


def _field_name(table: str, index: int | None, column: str | None) -> str | None:
    if column is None:
        return None
    if table == "products":
        return column
    if index is None:
        return None
    return f"{'t' if table == 'test_results' else 'c'}-{index}-{column}"


def _problems(rejects, where: dict[tuple[str, int], int]) -> tuple[dict[str, list[str]], list[str]]:
    """Validation's problems by form field, and those that belong to no one field.

    A row's several problems come joined (``outcome; product_id`` with their reasons joined
    the same way); each goes to its own field. A child row set aside only because its product
    was is not repeated: the product's own problems say why.
    """
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    product_rejected = bool((rejects["table"] == "products").any())
    for r in rejects.astype(object).where(rejects.notna(), None).to_dict("records"):
        row = None if r["row"] is None else int(r["row"])
        index = 0 if r["table"] == "products" else where.get((r["table"], row)) if row else None
        columns = [c for c in str(r["column"] or "").split("; ") if c]
        reasons = str(r["reason"]).split("; ")
        pairs = (
            list(zip(columns, reasons, strict=True))
            if len(columns) == len(reasons) and columns
            else [(c, str(r["reason"])) for c in columns] or [(None, str(r["reason"]))]
        )
        for column, reason in pairs:
            if r["table"] != "products" and column == "product_id" and product_rejected:
                continue
            name = _field_name(r["table"], index, column)
            if name is None:
                if reason not in general:
                    general.append(reason)
            else:
                by_field.setdefault(name, []).append(reason)
    return by_field, general


def _form_context(page: Page, form: ApplicationForm, errors=None, general=()) -> dict:
    category = form.product.get("category", "")
    schemes = sorted(
        {s for per in OVERSEAS_SCHEMES.values() for s, _ in per}
        if category not in OVERSEAS_SCHEMES
        else {s for s, _ in OVERSEAS_SCHEMES[category]} | {"KC", "KGS", "MFDS", "KS", "K_MARK"}
    )
    try:
        standards = sorted({s.name for s in expected_standards(category)}) if category else []
    except (KeyError, ValueError):
        standards = []
    return {
        "form": form,
        "products": TABLES["products"].columns,
        "test_columns": _columns("test_results"),
        "cert_columns": _columns("certifications"),
        "zones": ZONES,
        "errors": errors or {},
        "general": list(general),
        "schemes": schemes,
        "standards": standards,
    }


@router.get("/assess", response_class=HTMLResponse)
def assess_form(page: PageDep, tests: int = 1, certs: int = 1, example: bool = False) -> Response:
    page.require("assess")
    tests, certs = min(max(tests, 0), 50), min(max(certs, 0), 50)
    form = _example() if example else ApplicationForm.empty(tests, certs)
    return page.render("assess.html", **_form_context(page, form))


@router.post("/assess", response_class=HTMLResponse)
async def assess_submit(request: Request, page: PageDep) -> Response:
    user = page.require("assess")
    form_data = await request.form()
    page.check_csrf(form_data)
    form = ApplicationForm.parse(form_data)
    action = str(form_data.get("action", "assess"))
    if action != "assess":
        _edit_rows(form, action)
        return page.render("assess.html", **_form_context(page, form))
    return await run_in_threadpool(_issue, page, user, form)


def _edit_rows(form: ApplicationForm, action: str) -> None:
    verb, _, what = action.partition(":")
    kind, _, index = what.partition("-")
    rows = form.tests if kind == "test" else form.certs if kind == "cert" else None
    if rows is None:
        return
    table = "test_results" if kind == "test" else "certifications"
    if verb == "add" and len(rows) < 50:
        rows.append({c.name: "" for c in _columns(table)})
    elif verb == "remove" and index.isdigit() and int(index) < len(rows):
        rows.pop(int(index))


def _issue(page: Page, user: User, form: ApplicationForm) -> Response:
    product, tests, certs, where = form.rows()
    loaded = page.services.models.current
    try:
        data, assessment = assess_json(loaded, [product], tests, certs)
    except InputError as exc:
        return page.render(
            "assess.html", status=422, **_form_context(page, form, general=[str(exc)])
        )
    if len(data.rejects) or assessment is None:
        page.services.metrics.rejected(len(data.rejects))
        by_field, general = _problems(data.rejects_in(page.lang), where)
        return page.render(
            "assess.html", status=422, **_form_context(page, form, by_field, general)
        )
    raw = {"product": product, "test_results": tests, "certifications": certs}
    record = new_records(loaded, data.portfolio, assessment, user, None, request_hash(raw))[0]
    stored, _ = page.services.register.append(record)
    page.services.metrics.assessed([stored.assessment["grade"]])
    return page.redirect(f"/assessments/{stored.assessment_id}")


def _example() -> ApplicationForm:
    """A filled-in application to start from (a drone with two tests and a certificate)."""
    form = ApplicationForm.empty(0, 0)
    form.product.update(
        company_id="C-EXAMPLE",
        category="drone",
        zone="gangwon",
        trl="7",
        company_age_years="4.5",
        units_deployed="12",
        demo_months="12",
        public_exposure="restricted_public",
        coverage_limit_krw="1000000000",
        deductible_krw="5000000",
        coverage_start=date.today().isoformat(),
    )
    form.tests = [
        {
            "test_id": "T1",
            "standard": "IEC 62133-2",
            "test_kind": "safety",
            "test_date": "2026-03-02",
            "lab_accredited": "true",
            "outcome": "fail",
            "severity": "major",
            "measured_value": "",
            "limit_value": "",
            "higher_is_better": "",
        },
        {
            "test_id": "T2",
            "standard": "IEC 61000-6-2",
            "test_kind": "emc",
            "test_date": "2026-04-10",
            "lab_accredited": "true",
            "outcome": "pass",
            "severity": "",
            "measured_value": "",
            "limit_value": "",
            "higher_is_better": "",
        },
    ]
    form.certs = [
        {"scheme": "KC", "issuer_country": "KR", "status": "active", "issued_date": "2025-11-20"}
    ]
    return form


# -------------------------------------------------------------------------- an assessment
def _record(page: Page, assessment_id: str) -> StoredRecord:
    user = page.require()
    record = page.services.register.get(assessment_id)
    if record is None or not may_read(user, record):
        raise PageError(
            404, page._("No assessment {id} that you may read.").format(id=assessment_id)
        )
    return record


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def waterfalls(page: Page, record: StoredRecord) -> dict[str, Waterfall]:
    """The stored contributions of each target as a waterfall, labelled in the reader's
    language by the model's own transformers."""
    loaded = page.services.models.version(record.model_version, record.model_source)
    owners = feature_owners(loaded.model.pipeline_)

    def words(feature: str, value) -> str:
        owner = owners.get(feature)
        return feature if owner is None else owner.describe(feature, value, {}, lang=page.lang)

    out = {}
    for target in TARGET_WORDS:
        rows = [r for r in record.assessment.get("explanations", []) if r["target"] == target]
        base = next((r["contribution"] for r in rows if r["feature"] == "__base__"), None)
        steps = [r for r in rows if r["feature"] != "__base__"]
        if base is None or not steps:
            continue
        out[target] = waterfall_of(
            target,
            record.product_id,
            float(base),
            [r["feature"] for r in steps],
            [float(r["contribution"]) for r in steps],
            [_number(r["value"]) for r in steps],
            words=words,
            lang=page.lang,
        )
    return out


def _reasons(page: Page, record: StoredRecord) -> tuple[dict, bool]:
    """The stored reasons in the reader's language (and whether they are in it)."""
    by_language = record.assessment.get("reasons_by_language") or {}
    if page.lang in by_language:
        return by_language[page.lang], True
    return record.assessment.get("reasons", {}), page.lang == "en"


def _grades(record: StoredRecord) -> list[dict]:
    return PricingConfig.from_dict(record.pricing).grade_boundaries()


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(assessment_id: str, page: PageDep) -> Response:
    record = _record(page, assessment_id)
    figures = [
        (name, label, kind, record.assessment.get(name))
        for name, label, kind in FIGURES
        if name in record.assessment
    ]
    shown = {name for name, *_ in FIGURES}
    other = {
        k: v
        for k, v in record.assessment.items()
        if k not in shown and isinstance(v, int | float | str) and not isinstance(v, bool)
    }
    reasons, translated = _reasons(page, record)
    return page.render(
        "assessment.html",
        record=record,
        a=record.assessment,
        product=record.inputs["products"][0],
        figures=figures,
        other=other,
        reasons=reasons,
        reasons_translated=translated,
        waterfalls=waterfalls(page, record),
        targets=TARGET_WORDS,
        grades=_grades(record),
    )


@router.get("/assessments/{assessment_id}/suggestions", response_class=HTMLResponse)
def suggestions(assessment_id: str, page: PageDep) -> Response:
    record = _record(page, assessment_id)
    page.require("whatif")
    loaded = page.services.models.version(record.model_version, record.model_source)
    portfolio = portfolio_from_inputs(record.inputs)
    table = suggest(
        loaded.model, portfolio, record.product_id, PricingConfig.from_dict(record.pricing)
    )
    rows = [{**r, "words": change_words(page, r["change"])} for r in table.to_dict("records")]
    return page.render("suggestions.html", record=record, rows=rows)


def change_words(page: Page, change: str) -> str:
    """A what-if change (the CLI's syntax) in the reader's words."""
    verb, _, rest = change.partition(" ")
    if change.startswith("add certification "):
        return page._("Add the certification {scheme}").format(scheme=change.split(" ", 2)[2])
    if change.startswith("pass test "):
        return page._("Pass the test {standard}").format(standard=change.split(" ", 2)[2])
    if verb == "public_exposure":
        level = environment(page.lang).filters["words"](rest)
        return page._("Public access: {level}").format(level=level)
    return change


@router.post("/assessments/{assessment_id}/whatif", response_class=HTMLResponse)
async def whatif_page(assessment_id: str, request: Request, page: PageDep) -> Response:
    form = await request.form()
    page.check_csrf(form)
    changes = [str(c) for c in form.getlist("change") if str(c).strip()]
    return await run_in_threadpool(_whatif, page, assessment_id, changes)


def _whatif(page: Page, assessment_id: str, changes: list[str]) -> Response:
    record = _record(page, assessment_id)
    page.require("whatif")
    loaded = page.services.models.version(record.model_version, record.model_source)
    portfolio = portfolio_from_inputs(record.inputs)
    pricing = PricingConfig.from_dict(record.pricing)
    try:
        if not changes:
            raise ValueError(page._("Choose a change."))
        result = what_if(loaded.model, portfolio, record.product_id, changes, pricing)
    except ValueError as exc:
        return page.render(
            "whatif.html", status=422, record=record, error=str(exc), changes=changes
        )
    after = answers(loaded, result.portfolio, result.assessment)[0]
    return page.render(
        "whatif.html",
        record=record,
        before=record.assessment,
        after=after,
        changes=[change_words(page, c) for c in changes],
        error=None,
    )


@router.get("/assessments/{assessment_id}/statement", response_class=HTMLResponse)
def statement_page(assessment_id: str, page: PageDep) -> Response:
    record = _record(page, assessment_id)
    loaded = page.services.models.version(record.model_version, record.model_source)
    portfolio = portfolio_from_inputs(record.inputs)
    pricing = PricingConfig.from_dict(record.pricing)
    html = render_statement(loaded.model, portfolio, record.product_id, pricing, lang=page.lang)
    return page.finish(HTMLResponse(html))


@router.post("/assessments/{assessment_id}/verify", response_class=HTMLResponse)
async def verify_page(assessment_id: str, request: Request, page: PageDep) -> Response:
    form = await request.form()
    page.check_csrf(form)
    return await run_in_threadpool(_verify, page, assessment_id)


def _verify(page: Page, assessment_id: str) -> Response:
    record = _record(page, assessment_id)
    page.require("verify")
    differences = verify_record(page.services.models, record)
    return page.render(
        "verified.html",
        record=record,
        differences=differences,
    )


# ----------------------------------------------------------------------------- the register
def _day(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


@router.get("/register", response_class=HTMLResponse)
def register_page(
    page: PageDep,
    since: str | None = None,
    until: str | None = None,
    category: str | None = None,
    grade: str | None = None,
    model_version: str | None = None,
    product_id: str | None = None,
    cursor: str | None = None,
) -> Response:
    user = page.require()
    if not (user.may("list") or user.may("read_own")):
        raise PageError(403, page._("Your role may not read the register."))
    filters = {
        "since": _day(since),
        "until": _day(until),
        "category": category if category in TABLES["products"].column("category").allowed else None,
        "grade": grade or None,
        "model_version": (model_version or "").strip()[:100] or None,
        "product_id": (product_id or "").strip()[:500] or None,
    }
    try:
        records, next_cursor = page.services.register.list(
            created_by=None if user.may("list") else user.name,
            limit=PAGE_ROWS,
            cursor=cursor or None,
            **filters,
        )
    except (ValueError, InputError):
        records, next_cursor = [], None
    query = {k: v for k, v in filters.items() if v}
    return page.render(
        "register.html",
        records=records,
        filters=filters,
        categories=TABLES["products"].column("category").allowed,
        grades=[g["grade"] for g in page.services.models.current.pricing.grade_boundaries()],
        next_url=(
            f"/register?{urlencode({**query, 'cursor': next_cursor})}" if next_cursor else None
        ),
    )


# --------------------------------------------------------------------- the model and the audit
@router.get("/model", response_class=HTMLResponse)
def model_page(page: PageDep) -> Response:
    page.require("model")
    loaded = page.services.models.current
    return page.render(
        "model.html",
        loaded=loaded,
        card=model_card(loaded),
        criteria=criteria(loaded.model, loaded.pricing),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(page: PageDep) -> Response:
    page.require("model")
    path = _audit_report(page.services.settings.audit_report, page.lang)
    if path is None:
        return page.render("audit.html")
    return page.finish(HTMLResponse(path.read_text(encoding="utf-8")))


def _audit_report(setting: str | None, lang: str) -> Path | None:
    if not setting:
        return None
    path = Path(setting)
    if path.is_dir():
        for name in (f"audit.{lang}.html", "audit.html"):
            if (path / name).is_file():
                return path / name
        return None
    return path if path.is_file() else None


# --------------------------------------------------------------------------- portfolios
def _run_dir(page: Page, run_id: str) -> Path:
    user = page.require("assess")
    if len(run_id) != 32 or not all(c in "0123456789abcdef" for c in run_id):
        raise PageError(404, page._("No such portfolio."))
    folder = Path(page.services.settings.uploads_path) / run_id
    try:
        meta = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        raise PageError(404, page._("No such portfolio.")) from None
    if meta.get("created_by") != user.name and not user.may("read_all"):
        raise PageError(404, page._("No such portfolio."))
    return folder


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio_form(page: PageDep) -> Response:
    page.require("assess")
    return page.render("portfolio.html", error=None)


@router.post("/portfolio", response_class=HTMLResponse)
async def portfolio_upload(request: Request, page: PageDep) -> Response:
    user = page.require("assess")
    form = await request.form(max_files=10, max_fields=10)
    page.check_csrf(form)
    files = {}
    for upload in form.getlist("files"):
        if hasattr(upload, "read") and upload.filename:
            files[Path(upload.filename).name] = await upload.read()
    return await run_in_threadpool(_score_upload, page, user, files)


def _unpack(files: dict[str, bytes], folder: Path, _: Callable[[str], str]) -> None:
    """Write the uploaded tables (CSV files, or a zip holding them) into ``folder``."""
    wanted = {f"{t}.csv" for t in _TABLE_FILES}
    found = {}
    unpacked = 0
    for name, content in files.items():
        if name.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    for info in archive.infolist():
                        base = Path(info.filename).name
                        if base in wanted and not info.is_dir():
                            unpacked += info.file_size
                            if unpacked > _MAX_UNPACKED:
                                raise InputError(
                                    _("{name} in the zip is too large").format(name=base)
                                )
                            found[base] = archive.read(info)
            except zipfile.BadZipFile:
                raise InputError(_("{name} is not a zip file").format(name=name)) from None
        elif name in wanted:
            found[name] = content
        else:
            raise InputError(
                _("{name} is not one of the contract's files ({files}) or a zip of them").format(
                    name=name, files=", ".join(sorted(wanted))
                )
            )
    if "products.csv" not in found:
        raise InputError(_("the upload has no products.csv"))
    folder.mkdir(parents=True)
    for name, content in found.items():
        (folder / name).write_bytes(content)


def _score_upload(page: Page, user: User, files: dict[str, bytes]) -> Response:
    run_id = uuid.uuid4().hex
    folder = Path(page.services.settings.uploads_path) / run_id
    loaded = page.services.models.current
    lang = page.services.settings.file_language  # the files' language; pages follow the reader
    try:
        _unpack(files, folder / "input", page._)
        data = load_data(folder / "input")
    except InputError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return page.render("portfolio.html", status=422, error=str(exc))
    from riskmodel.assessment import assess

    assessment = None
    if data.portfolio.n_products:
        assessment = assess(
            loaded.model,
            data.portfolio,
            pricing=loaded.pricing,
            n_jobs=1,
            issues=data.issues,
            lang=lang,
        )
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        records = new_records(loaded, data.portfolio, assessment, user, None, digest.hexdigest())
        page.services.register.append_many(records)
        page.services.metrics.assessed([r.assessment["grade"] for r in records])
    if len(data.rejects):
        page.services.metrics.rejected(len(data.rejects))
    output = folder / "output"
    if assessment is not None:
        write_assessment(
            assessment, data, loaded.model, output, plots=False, pricing=loaded.pricing, lang=lang
        )
    else:
        from riskmodel.scoring import run_summary, write_outputs

        summary = run_summary(data, None, loaded.model)
        write_outputs(None, summary, data.rejects_in(lang), output)
    for each in i18n.LANGUAGES:  # what the page shows a reader of each language
        write_csv(data.rejects_in(each), output / f"rejects.{each}.csv")
    meta = {
        "run_id": run_id,
        "created_by": user.name,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_version": loaded.version,
        "files": sorted(files),
        "products": int(data.portfolio.n_products),
        "rejects": int(len(data.rejects)),
    }
    (folder / "run.json").write_text(json.dumps(meta))
    return page.redirect(f"/portfolio/{run_id}")


def _read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@router.get("/portfolio/{run_id}", response_class=HTMLResponse)
def portfolio_result(
    run_id: str,
    page: PageDep,
    sort: str = "premium_krw",
    order: str = "desc",
    category: str | None = None,
    grade: str | None = None,
    q: str | None = None,
    start: int = 0,
) -> Response:
    folder = _run_dir(page, run_id)
    meta = json.loads((folder / "run.json").read_text())
    rows = _read_csv(folder / "output" / "scores.csv")
    translated = folder / "output" / f"rejects.{page.lang}.csv"
    rejects = _read_csv(translated if translated.exists() else folder / "output" / "rejects.csv")
    names = [c for c, *_ in PORTFOLIO_COLUMNS]
    sort = sort if sort in names else "premium_krw"
    kinds = {c: k for c, _, k in PORTFOLIO_COLUMNS}
    shown = [
        r
        for r in rows
        if (not category or r.get("category") == category)
        and (not grade or r.get("grade") == grade)
        and (not q or q.lower() in r.get("product_id", "").lower())
    ]

    def key(r):
        v = r.get(sort, "")
        if kinds[sort] in ("risk", "krw"):
            try:
                return (0, float(v))
            except ValueError:
                return (1, math.inf)
        return (0, v)

    shown.sort(key=key, reverse=order == "desc")
    start = max(0, min(start, max(len(shown) - 1, 0)))
    values = [
        {c: (r.get(c), kinds[c], _cell(r.get(c), kinds[c])) for c in names}
        for r in shown[start : start + PAGE_ROWS]
    ]
    query = {
        "sort": sort,
        "order": order,
        "category": category or "",
        "grade": grade or "",
        "q": q or "",
    }
    return page.render(
        "portfolio_result.html",
        run_id=run_id,
        meta=meta,
        columns=PORTFOLIO_COLUMNS,
        rows=values,
        total=len(rows),
        matching=len(shown),
        start=start,
        page_rows=PAGE_ROWS,
        rejects=rejects[:PAGE_ROWS],
        n_rejects=len(rejects),
        query=query,
        categories=sorted({r.get("category", "") for r in rows}),
        grades=sorted({r.get("grade", "") for r in rows}),
        sort_url=lambda c: (
            "?"
            + urlencode(
                {**query, "sort": c, "order": "asc" if sort == c and order == "desc" else "desc"}
            )
        ),
        page_url=lambda s: "?" + urlencode({**query, "start": s}),
    )


def _cell(value, kind: str):
    if kind in ("risk", "krw"):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return value


@router.get("/portfolio/{run_id}/{name}")
def portfolio_download(run_id: str, name: str, page: PageDep) -> Response:
    folder = _run_dir(page, run_id)
    if name not in ("scores.csv", "rejects.csv"):
        raise PageError(404, page._("No such file."))
    path = folder / "output" / name
    if not path.exists():
        raise PageError(404, page._("No such file."))
    return FileResponse(path, media_type="text/csv", filename=name)


# ------------------------------------------------------------------------------ log in / out
@router.get("/", response_class=HTMLResponse)
def home(page: PageDep) -> Response:
    page.require()
    return page.render("home.html", model_version=page.services.models.current.version)


@router.get("/login", response_class=HTMLResponse)
def login_form(page: PageDep, next: str = "/") -> Response:  # noqa: A002
    return page.render("login.html", next=_local(next), error=None)


def _local(url: str) -> str:
    """Only a path of this site (never another site's address) to go to after logging in."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, page: PageDep) -> Response:
    form = await request.form()
    page.check_csrf(form)
    name = str(form.get("username", "")).strip()[:200]
    password = str(form.get("password", ""))[:1000]
    target = _local(str(form.get("next", "/")))
    user = await run_in_threadpool(page.services.users.check_password, name, password)
    if user is None:
        return page.render(
            "login.html", status=401, next=target, error=page._("Wrong user name or password.")
        )
    page.start_session(user)
    return page.redirect(target)


@router.post("/logout")
async def logout(request: Request, page: PageDep) -> Response:
    form = await request.form()
    page.check_csrf(form)
    page.start_session(None)
    response = page.redirect("/login")
    return response


# --------------------------------------------------------------------------------- install
def install(app: FastAPI) -> None:
    """Add the workbench to ``app``: the pages, the static files, and the answers to a page
    that needs a login or cannot be shown."""
    app.include_router(router)
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    async def _favicon():
        return FileResponse(static / "favicon.svg", media_type="image/svg+xml")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        return _page(request).redirect(f"/login?{urlencode({'next': exc.next_url})}")

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError):
        page = _page(request)
        return page.render("error.html", status=exc.status, message=exc.message)
