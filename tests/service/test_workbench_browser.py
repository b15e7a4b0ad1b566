"""The workbench in real Chromium (Playwright, Debian's chromium): an underwriter logs in with the
keyboard, fills the form, adds rows and submits; the premium on the page equals the API's for the
same inputs; a what-if click lowers it; a 500-product portfolio is uploaded; the language switch
shows Korean; an auditor verifies an assessment. On every page: no console error, and axe-core
(from its npm package) finds no serious or critical accessibility violation. A screenshot of each
page in both languages is saved (``RISKMODEL_SCREENSHOTS``, default
``reports/test-screenshots/workbench``; the README's are in ``docs/screenshots``)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from riskmodel.reports.render import _ARGS, chromium_path
from riskmodel.service.app import create_app
from riskmodel.service.settings import ServiceSettings
from riskmodel.service.users import add_user
from riskmodel.synthetic import generate_portfolio, write_portfolio
from tests.conftest import REPO

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(
    os.environ.get("RISKMODEL_SCREENSHOTS", REPO / "reports" / "test-screenshots" / "workbench")
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(model_dir, tmp_path_factory):
    """The service on 127.0.0.1 (uvicorn in a thread), with an underwriter and an auditor."""
    folder = tmp_path_factory.mktemp("workbench")
    users = folder / "users.toml"
    keys = {
        n: add_user(users, n, r, password=PASSWORD)
        for n, r in [("uw", "underwriter"), ("aud", "auditor")]
    }
    port = _free_port()
    settings = ServiceSettings(
        model=str(model_dir),
        register=f"sqlite:///{folder / 'register.db'}",
        users=str(users),
        port=port,
        uploads_dir=str(folder / "uploads"),
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the service did not start in 60 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", keys
    srv.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def chromium():
    if chromium_path() is None:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (make chromium)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it from npm (npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=list(_ARGS))
        yield browser
        browser.close()


class Person:
    """One browser context (its own cookies), watching the console, checking every page."""

    def __init__(self, chromium, base: str, lang: str = "en"):
        # axe is injected as a script: the pages' CSP (script-src 'self') would refuse it
        self.context = chromium.new_context(
            base_url=base,
            bypass_csp=True,
            locale="ko-KR" if lang == "ko" else "en-US",
            viewport={"width": 1280, "height": 900},
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda m: self.errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"{r.status} {r.url}") if r.status == 404 else None,
        )

    def check(self, name: str) -> None:
        """No console error so far, no serious accessibility violation; a screenshot."""
        page = self.page
        page.wait_for_load_state("networkidle")
        assert self.errors == [], (name, self.errors)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
        )
        bad = [v for v in found if v["impact"] in ("serious", "critical")]
        assert bad == [], (name, bad)
        lang = page.locator("html").get_attribute("lang")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"), full_page=False)

    def both_languages(self, name: str) -> None:
        """Check the page in English and in Korean (through the switch on the page)."""
        for link in ("English", "한국어"):
            self.page.get_by_role("link", name=link, exact=True).click()
            self.page.wait_for_load_state("networkidle")
            self.check(name)

    def login(self, name: str) -> None:
        """With the keyboard alone: the user name field has the focus; Tab; Enter."""
        page = self.page
        page.goto("/login")
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/"), page.url


def _type(page, name: str, value: str) -> None:
    """Choose ``value`` in a select, or type it into an input."""
    field = page.locator(f"[name='{name}']")
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def _fill(page, product, tests, certs) -> None:
    """Type one application into the form; rows are added with the page's buttons."""
    for column, value in product.items():
        _type(page, column, value)
    for kind, rows, button in (
        ("t", tests, "Add a test result"),
        ("c", certs, "Add a certification"),
    ):
        for i, row in enumerate(rows):
            first = page.locator(f"[name='{kind}-{i}-{next(iter(row))}']")
            if first.count() == 0:
                page.get_by_role("button", name=button).click()
                first.wait_for()
            for column, value in row.items():
                _type(page, f"{kind}-{i}-{column}", value)


def _application(holdout, index: int):
    from riskmodel.contract import TABLES

    portfolio = holdout[0]
    pid = portfolio.products["product_id"].iloc[index]

    def text(v):
        if hasattr(v, "date"):
            return v.date().isoformat()
        return str(v).lower() if isinstance(v, bool) else str(v)

    def rows(frame, table):
        cols = [c for c in TABLES[table].column_names if c != "product_id"]
        return [
            {c: text(r[c]) for c in cols if c in r and not _missing(r[c])}
            for _, r in frame[frame["product_id"] == pid].iterrows()
        ]

    product = rows(portfolio.products, "products")[0]
    product["product_id"] = pid
    return (
        product,
        rows(portfolio.test_results, "test_results"),
        rows(portfolio.certifications, "certifications"),
    )


def _missing(v) -> bool:
    import pandas as pd

    return bool(pd.isna(v))


def test_an_underwriter_assesses_tries_a_what_if_and_prints(server, chromium, holdout):
    base, keys = server
    person = Person(chromium, base)
    page = person.page
    person.login("uw")
    person.both_languages("home")
    page.goto("/assess?lang=en")
    person.check("assess")
    # an application with failed tests and open public access, so that changes lower its premium
    portfolio = holdout[0]
    failed = set(
        portfolio.test_results.loc[portfolio.test_results["outcome"] == "fail", "product_id"]
    )
    index = next(i for i, p in enumerate(portfolio.products["product_id"]) if p in failed)
    product, tests, certs = _application(holdout, index)
    product["public_exposure"] = "open_public"
    page.goto("/assess?tests=1&certs=1&lang=en")
    _fill(page, product, tests, certs)
    with page.expect_navigation():
        page.get_by_role("button", name="Assess", exact=True).click()
    assert "/assessments/" in page.url
    shown = float(page.locator("[data-field='premium_krw']").first.get_attribute("data-value"))
    api = httpx.post(
        f"{base}/v1/assessments",
        json={"product": product, "test_results": tests, "certifications": certs},
        headers={"Authorization": f"Bearer {keys['uw']}"},
        timeout=60,
    )
    assert api.status_code == 201, api.text
    assert shown == api.json()["premium_krw"]
    # what-if suggestions load by themselves; one click applies one
    first = page.locator("button.suggestion").first
    first.wait_for(timeout=30_000)
    first.click()
    after = page.locator("#whatif [data-field='premium_krw']")
    after.wait_for(timeout=30_000)
    assert float(after.get_attribute("data-value")) < shown
    person.both_languages("assessment")
    # the statement to print
    page.get_by_role("link", name="인쇄용 위험평가서").click()
    page.wait_for_load_state("load")
    assert page.locator("#riskmodel-statement").count() == 1
    assert person.errors == []


def test_form_problems_are_shown_next_to_the_field(server, chromium):
    base, _ = server
    person = Person(chromium, base, lang="ko")
    page = person.page
    person.login("uw")
    page.goto("/assess?example=1")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.locator("[name='units_deployed']").fill("0")
    page.get_by_role("button", name="위험평가 실행").click()
    problem = page.locator("#f-units_deployed-problem")
    problem.wait_for()
    assert page.locator("[name='units_deployed']").get_attribute("aria-invalid") == "true"
    person.errors = [e for e in person.errors if "422" not in e]  # the answer's status, by design
    person.check("assess-problems")


def test_a_500_product_portfolio_is_uploaded(server, chromium, tmp_path):
    base, _ = server
    portfolio, truth = generate_portfolio(500, seed=31)
    write_portfolio(portfolio, truth, tmp_path, seed=31)
    person = Person(chromium, base)
    page = person.page
    person.login("uw")
    page.goto("/portfolio?lang=en")
    person.check("portfolio")
    page.locator("#files").set_input_files(
        [str(tmp_path / n) for n in ("products.csv", "test_results.csv", "certifications.csv")]
    )
    page.get_by_role("button", name="Upload and assess").click()
    page.locator("table#scores").wait_for(timeout=120_000)
    assert "500 products assessed" in page.content()
    assert page.locator("table#scores tbody tr").count() == 100
    # sort by safety risk, largest first
    page.get_by_role("link", name="Safety risk").click()
    page.wait_for_load_state("load")
    values = [
        float(v)
        for v in page.locator("td[data-field='safety_risk']").evaluate_all(
            "es => es.map(e => e.dataset.value)"
        )
    ]
    assert values == sorted(values, reverse=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download scores.csv").click()
    assert download.value.suggested_filename == "scores.csv"
    person.both_languages("portfolio-result")


def test_an_auditor_browses_the_register_and_verifies(server, chromium, holdout):
    base, keys = server
    product, tests, certs = _application(holdout, 1)
    made = httpx.post(
        f"{base}/v1/assessments",
        json={"product": product, "test_results": tests, "certifications": certs},
        headers={"Authorization": f"Bearer {keys['uw']}"},
        timeout=60,
    )
    assert made.status_code == 201
    person = Person(chromium, base)
    page = person.page
    person.login("aud")
    page.goto("/register?lang=en")
    person.both_languages("register")
    page.goto(f"/register?product_id={product['product_id']}&lang=ko")
    page.get_by_role("link", name=product["product_id"]).first.click()
    page.wait_for_load_state("load")
    assert "위험평가" in page.content()
    page.get_by_role("button", name="검증").click()
    verdict = page.locator("#verified [data-field='match']")
    verdict.wait_for(timeout=30_000)
    assert verdict.get_attribute("data-value") == "true"
    person.check("verified")
    page.goto("/model?lang=en")
    person.both_languages("model")
    page.goto("/audit?lang=en")
    person.check("audit")
