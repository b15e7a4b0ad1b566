"""The workbench's pages through the real app: log in, CSRF, roles, languages, the assessment
form and its problems, the result page's figures (equal to the API's), what-if, verify, the
register's filters, uploads and downloads."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from riskmodel.service.app import create_app
from riskmodel.service.settings import ServiceSettings
from riskmodel.service.users import add_user
from tests.service.conftest import auth

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    path = tmp_path_factory.mktemp("web-users") / "users.toml"
    keys = {
        name: add_user(path, name, role, password=PASSWORD)
        for name, role in [("uw", "underwriter"), ("uw2", "underwriter"), ("aud", "auditor")]
    }
    return path, keys


@pytest.fixture
def app_settings(tmp_path, model_dir, people):
    return ServiceSettings(
        model=str(model_dir),
        register=f"sqlite:///{tmp_path / 'register.db'}",
        users=str(people[0]),
        uploads_dir=str(tmp_path / "uploads"),
    )


@pytest.fixture
def browser(app_settings):
    """``browser()``: a new TestClient (its own cookies) of one app."""
    app = create_app(app_settings)
    clients = []

    def make():
        client = TestClient(app, raise_server_exceptions=False, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


class _Forms(HTMLParser):
    """The pages' hidden inputs, data-field values, labels and inputs."""

    def __init__(self):
        super().__init__()
        self.hidden, self.fields, self.labels, self.inputs = {}, {}, set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        if "data-field" in a and "data-value" in a:
            self.fields.setdefault(a["data-field"], a["data-value"])
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select") and a.get("type") != "hidden":
            self.inputs.append(a)


def parse(html: str) -> _Forms:
    p = _Forms()
    p.feed(html)
    return p


def csrf(client, url="/login") -> str:
    return parse(client.get(url).text).hidden["csrf_token"]


def login(client, name="uw"):
    token = csrf(client)
    r = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r


def application_form(holdout, product_id: str) -> dict:
    """The form fields of one product of the held-out portfolio (as a person would type them)."""
    holdout = holdout[0]
    from riskmodel.contract import TABLES

    p = holdout.products.set_index("product_id").loc[product_id]
    data = {"product_id": product_id}
    for col in TABLES["products"].column_names[1:]:
        v = p[col]
        data[col] = v.date().isoformat() if hasattr(v, "date") else str(v)
    for i, (_, t) in enumerate(
        holdout.test_results[holdout.test_results.product_id == product_id].iterrows()
    ):
        for col, v in t.items():
            if col not in TABLES["test_results"].column_names[1:] or pd.isna(v):
                continue
            text = (
                v.date().isoformat()
                if hasattr(v, "date")
                else str(v).lower()
                if isinstance(v, bool)
                else str(v)
            )
            data[f"t-{i}-{col}"] = text
    certs = holdout.certifications[holdout.certifications.product_id == product_id]
    for i, (_, c) in enumerate(certs.iterrows()):
        for col, v in c.items():
            if col not in TABLES["certifications"].column_names[1:] or pd.isna(v):
                continue
            data[f"c-{i}-{col}"] = v.date().isoformat() if hasattr(v, "date") else str(v)
    return data


def api_body(form: dict) -> dict:
    product = {k: v for k, v in form.items() if not re.match(r"[tc]-\d+-", k)}
    rows = {"t": {}, "c": {}}
    for k, v in form.items():
        m = re.match(r"([tc])-(\d+)-(.+)", k)
        if m:
            rows[m[1]].setdefault(int(m[2]), {})[m[3]] = v
    return {
        "product": product,
        "test_results": list(rows["t"].values()),
        "certifications": list(rows["c"].values()),
    }


# ---------------------------------------------------------------------------------- log in
def test_pages_need_a_login_and_come_back_after_it(browser):
    client = browser()
    r = client.get("/register?grade=A", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    token = csrf(client)
    r = client.post(
        "/login",
        data={
            "username": "aud",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/register?grade=A",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/register?grade=A"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/register").status_code == 200


def test_a_wrong_password_or_a_foreign_next_is_refused(browser):
    client = browser()
    token = csrf(client)
    r = client.post("/login", data={"username": "uw", "password": "nope", "csrf_token": token})
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = client.post(
        "/login",
        data={
            "username": "uw",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_a_post_without_the_csrf_token_is_refused(browser):
    client = browser()
    client.get("/login")
    r = client.post("/login", data={"username": "uw", "password": PASSWORD})
    assert r.status_code == 403
    login(client)
    assert client.post("/assess", data={"product_id": "X"}).status_code == 403
    r = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403


def test_log_out_ends_the_session(browser):
    client = browser()
    login(client)
    token = csrf(client, "/")
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_is_no_login(browser):
    client = browser()
    client.cookies.set("riskmodel_session", "eyJ1IjoiYXVkIn0.forged.sig")
    assert client.get("/register", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------------------- languages
def test_language_follows_accept_language_and_the_switch(browser):
    client = browser()
    r = client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert '<html lang="ko">' in r.text and "로그인" in r.text
    r = client.get("/login?lang=en", headers={"Accept-Language": "ko-KR"})
    assert '<html lang="en">' in r.text and "Log in" in r.text
    # the choice is remembered
    r = client.get("/login", headers={"Accept-Language": "ko-KR"})
    assert '<html lang="en">' in r.text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_input_has_a_label(browser, lang):
    client = browser()
    login(client)
    for url in ("/assess", "/assess?example=1", "/portfolio", "/register"):
        html = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}").text
        page = parse(html)
        unlabelled = [i for i in page.inputs if i.get("id") not in page.labels]
        assert not unlabelled, (url, unlabelled)


# ------------------------------------------------------------------------ the application
def test_the_form_has_an_input_per_product_column(browser):
    from riskmodel.contract import TABLES

    client = browser()
    login(client)
    names = {i.get("name") for i in parse(client.get("/assess").text).inputs}
    assert set(TABLES["products"].column_names) <= names


def test_assessing_on_the_page_gives_the_apis_numbers(browser, holdout, people):
    client = browser()
    login(client)
    pid = holdout[0].products["product_id"].iloc[3]
    form = application_form(holdout, pid)
    token = csrf(client, "/assess")
    r = client.post("/assess", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    page = client.get(r.headers["location"])
    fields = parse(page.text).fields
    api = client.post("/v1/assessments", json=api_body(form), headers=auth(people[1]["uw"]))
    assert api.status_code == 201, api.text
    answer = api.json()
    for name in ("performance_risk", "safety_risk", "expected_loss_krw", "premium_krw", "grade"):
        assert fields[name] == (answer[name] if name == "grade" else repr(float(answer[name]))), (
            name
        )
    for name in ("expected_loss_lower_krw", "expected_loss_upper_krw", "expected_safety_incidents"):
        assert float(fields[name]) == answer[name]


def test_problems_are_shown_next_to_their_field(browser, holdout):
    client = browser()
    login(client)
    pid = holdout[0].products["product_id"].iloc[0]
    form = application_form(holdout, pid)
    form["units_deployed"] = "-3"
    form["t-0-outcome"] = "maybe"
    token = csrf(client, "/assess")
    r = client.post("/assess", data={**form, "csrf_token": token})
    assert r.status_code == 422
    assert 'id="f-units_deployed" name="units_deployed" value="-3"' in r.text
    assert 'aria-invalid="true" aria-describedby="f-units_deployed-problem"' in r.text
    assert 'id="f-units_deployed-problem"' in r.text and 'id="f-t-0-outcome-problem"' in r.text
    # what was typed is kept
    assert 'value="maybe" selected' in r.text


def test_rows_are_added_and_removed(browser):
    client = browser()
    login(client)
    token = csrf(client, "/assess")
    r = client.post(
        "/assess", data={"csrf_token": token, "action": "add:test", "t-0-standard": "A"}
    )
    assert 'name="t-1-standard"' in r.text and 'value="A"' in r.text
    r = client.post(
        "/assess",
        data={
            "csrf_token": token,
            "action": "remove:test-0",
            "t-0-standard": "A",
            "t-1-standard": "B",
        },
    )
    assert 'name="t-1-standard"' not in r.text and 'value="B"' in r.text


def test_roles_and_owners(browser, holdout):
    uw, uw2, aud = browser(), browser(), browser()
    login(uw)
    login(uw2, "uw2")
    login(aud, "aud")
    form = application_form(holdout, holdout[0].products["product_id"].iloc[5])
    r = uw.post("/assess", data={**form, "csrf_token": csrf(uw, "/assess")}, follow_redirects=False)
    url = r.headers["location"]
    assert uw2.get(url).status_code == 404  # another underwriter's
    assert aud.get(url).status_code == 200
    assert aud.get("/assess").status_code == 403
    assert uw.get("/model").status_code == 403
    # the auditor verifies it
    token = csrf(aud, url)
    r = aud.post(f"{url}/verify", data={"csrf_token": token})
    assert r.status_code == 200 and 'data-field="match" data-value="true"' in r.text


def test_what_if_moves_the_premium(browser, holdout):
    client = browser()
    login(client)
    form = application_form(holdout, holdout[0].products["product_id"].iloc[7])
    form["public_exposure"] = "open_public"
    r = client.post(
        "/assess", data={**form, "csrf_token": csrf(client, "/assess")}, follow_redirects=False
    )
    url = r.headers["location"]
    token = csrf(client, url)
    r = client.post(
        f"{url}/whatif",
        data={"csrf_token": token, "change": "public_exposure closed_site"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    fields = parse(r.text).fields
    assert float(fields["premium_krw"]) < float(fields["premium_before_krw"])
    r = client.post(
        f"{url}/whatif",
        data={"csrf_token": token, "change": "nonsense"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422 and 'role="alert"' in r.text
    suggestions = client.get(f"{url}/suggestions", headers={"HX-Request": "true"})
    assert suggestions.status_code == 200 and "<html" not in suggestions.text


def test_the_statement_and_the_register(browser, holdout, people):
    client = browser()
    login(client)
    form = application_form(holdout, holdout[0].products["product_id"].iloc[2])
    r = client.post(
        "/assess", data={**form, "csrf_token": csrf(client, "/assess")}, follow_redirects=False
    )
    url = r.headers["location"]
    statement = client.get(f"{url}/statement")
    assert statement.status_code == 200 and "riskmodel-statement" in statement.text
    assert "script-src" not in statement.headers["content-security-policy"]
    category = form["category"]
    listed = client.get(f"/register?category={category}")
    assert url in listed.text
    other = "drone" if category != "drone" else "robotics"
    assert url not in client.get(f"/register?category={other}").text
    assert url not in client.get("/register?grade=Z").text
    # the API filters the same way
    key = {"Authorization": f"Bearer {people[1]['aud']}"}
    found = client.get(f"/v1/assessments?category={category}", headers=key).json()["assessments"]
    assert url.rsplit("/", 1)[1] in [a["assessment_id"] for a in found]
    assert client.get(f"/v1/assessments?category={other}", headers=key).json()["assessments"] == []


def test_pages_send_a_strict_content_security_policy(browser):
    client = browser()
    r = client.get("/login")
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert client.get("/static/htmx.min.js").status_code == 200


# ---------------------------------------------------------------------------- portfolios
def _csv_files(folder) -> dict[str, bytes]:
    return {
        name: (folder / name).read_bytes()
        for name in ("products.csv", "test_results.csv", "certifications.csv")
    }


def test_a_portfolio_upload_gives_a_table_and_downloads(browser, score_folder):
    client = browser()
    login(client)
    files = _csv_files(score_folder)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for name, content in files.items():
            z.writestr(f"portfolio/{name}", content)
    token = csrf(client, "/portfolio")
    r = client.post(
        "/portfolio",
        data={"csrf_token": token},
        files=[("files", ("portfolio.zip", archive.getvalue(), "application/zip"))],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:1000]
    url = r.headers["location"]
    table = client.get(f"{url}?sort=safety_risk&order=desc")
    assert table.status_code == 200
    risks = [
        float(v) for v in re.findall(r'data-field="safety_risk" data-value="([^"]+)"', table.text)
    ]
    assert risks and risks == sorted(risks, reverse=True)
    scores = client.get(f"{url}/scores.csv")
    assert scores.status_code == 200 and scores.text.startswith("product_id")
    assert client.get(f"{url}/rejects.csv").status_code == 200
    assert client.get(f"{url}/../../etc/passwd").status_code == 404
    other = browser()
    login(other, "uw2")
    assert other.get(url).status_code == 404


def test_a_bad_upload_is_explained(browser):
    client = browser()
    login(client)
    token = csrf(client, "/portfolio")
    r = client.post(
        "/portfolio",
        data={"csrf_token": token},
        files=[("files", ("notes.txt", b"hello", "text/plain"))],
    )
    assert r.status_code == 422 and "notes.txt" in r.text


def test_the_result_page_speaks_korean(browser, holdout):
    client = browser()
    login(client)
    form = application_form(holdout, holdout[0].products["product_id"].iloc[9])
    r = client.post(
        "/assess", data={**form, "csrf_token": csrf(client, "/assess")}, follow_redirects=False
    )
    english = client.get(r.headers["location"] + "?lang=en").text
    korean = client.get(r.headers["location"] + "?lang=ko").text
    assert '<html lang="ko">' in korean and "보험료" in korean and "안전 위험도" in korean
    assert "recorded in English only" not in english
    assert "영어로만 기록" not in korean  # the reasons were stored in Korean too
    # the same figures whatever the language; only their words differ
    assert parse(english).fields == parse(korean).fields
    reasons = re.findall(r'data-field="safety_reasons">(.*?)</ol>', korean, re.S)
    assert reasons and re.search("[가-힣]", reasons[0])
    assert "₩" in korean


def test_the_shipped_htmx_is_its_npm_release():
    import json as _json

    from tests.conftest import REPO

    lock = _json.loads((REPO / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/htmx.org"]["version"]
    shipped = (REPO / "riskmodel" / "service" / "static" / "htmx.min.js").read_bytes()
    assert f'version:"{version}"'.encode() in shipped
    released = REPO / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"
    if not released.exists():
        pytest.fail("node_modules is missing: `make test` installs it from npm (npm ci)")
    assert shipped == released.read_bytes()


def test_files_keep_their_configured_language(app_settings, score_folder):
    import dataclasses

    from riskmodel.errors import OptionError

    with pytest.raises(OptionError, match="file_language must be one of en, ko; got 'fr'"):
        dataclasses.replace(app_settings, file_language="fr")
    settings = dataclasses.replace(app_settings, file_language="ko")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client)
        files = _csv_files(score_folder)
        r = client.post(
            "/portfolio?lang=en",
            data={"csrf_token": csrf(client, "/portfolio")},
            files=[("files", (n, c, "text/csv")) for n, c in files.items()],
            follow_redirects=False,
        )
        scores = client.get(r.headers["location"] + "/scores.csv").text
    header = scores.splitlines()[0]
    assert "safety_reason_1" in header and re.search("[가-힣]", scores)


def test_a_zip_that_unpacks_too_large_is_refused(browser, monkeypatch):
    from riskmodel.service import web

    monkeypatch.setattr(web, "_MAX_UNPACKED", 1000)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("products.csv", "product_id\n" + "P\n" * 5000)
    client = browser()
    login(client)
    r = client.post(
        "/portfolio",
        data={"csrf_token": csrf(client, "/portfolio")},
        files=[("files", ("big.zip", archive.getvalue(), "application/zip"))],
    )
    assert r.status_code == 422 and "products.csv in the zip is too large" in r.text
