"""The service through its real app (lifespan, middleware, routes, register on SQLite)."""

from __future__ import annotations

import copy
import json
import logging

import pandas as pd
import pytest

from riskmodel.io import FLOAT_FORMAT
from riskmodel.service.schemas import ASSESSMENT_EXAMPLE
from riskmodel.validation import load_data, validate_tables
from riskmodel.workflows import score
from tests.builders import application_body
from tests.service.conftest import auth

NUMBERS = (
    "performance_risk",
    "safety_risk",
    "expected_loss_krw",
    "premium_krw",
    "expected_loss_lower_krw",
    "expected_loss_upper_krw",
    "expected_performance_incidents",
    "expected_safety_incidents",
)


def _post(client, key, body=None, headers=None):
    return client.post(
        "/v1/assessments",
        json=ASSESSMENT_EXAMPLE if body is None else body,
        headers={**auth(key), **(headers or {})},
    )


def test_health_needs_no_key_and_names_the_model(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["model_version"].startswith("rm-")


def test_keys_and_roles(client, keys):
    assert client.post("/v1/assessments", json=ASSESSMENT_EXAMPLE).status_code == 401
    wrong = client.get("/v1/model", headers=auth("rmk_0123456789abcdef_" + "x" * 43))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.headers["content-type"] == "application/problem+json"
    assert _post(client, keys["aud"]).status_code == 403  # an auditor never creates
    assert client.get("/v1/model", headers=auth(keys["uw"])).status_code == 403
    assert client.post("/v1/admin/reload", headers=auth(keys["aud"])).status_code == 403
    assert client.get("/v1/model", headers=auth(keys["aud"])).status_code == 200


def test_an_assessment_is_stored_and_read_back(client, keys):
    answer = _post(client, keys["uw"])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["location"] == f"/v1/assessments/{body['assessment_id']}"
    for field in ("performance_risk", "safety_risk", "expected_loss_krw", "premium_krw", "grade"):
        assert field in body
    assert set(body["reasons"]) == {"performance", "safety"}
    bases = [e for e in body["explanations"] if e["feature"] == "__base__"]
    assert len(bases) == 2
    again = client.get(f"/v1/assessments/{body['assessment_id']}", headers=auth(keys["uw"]))
    assert again.status_code == 200 and again.json() == body
    assert client.get(f"/v1/assessments/{body['assessment_id']}", headers=auth(keys["aud"])).json()[
        "premium_krw"
    ] == pytest.approx(body["premium_krw"])


def test_the_service_gives_the_numbers_of_riskmodel_score(
    client, keys, model_dir, score_folder, tmp_path
):
    run = score(model_dir, score_folder, tmp_path / "out", plots=False)
    written = pd.read_csv(tmp_path / "out" / "scores.csv", dtype=str, keep_default_na=False)
    explained = pd.read_csv(tmp_path / "out" / "explanations.csv", dtype=str, keep_default_na=False)
    portfolio = load_data(score_folder).portfolio
    for pid in portfolio.products["product_id"].iloc[:4]:
        answer = _post(client, keys["uw"], application_body(portfolio, pid))
        assert answer.status_code == 201, answer.text
        body = answer.json()
        row = written[written["product_id"] == pid].iloc[0]
        for field in NUMBERS:
            assert FLOAT_FORMAT % body[field] == row[field], field
        assert body["grade"] == row["grade"]
        assert body["model_version"] == run.summary["model_version"]
        assert body["reasons"]["safety"][0] == row["safety_reason_1"]
        mine = explained[explained["product_id"] == pid]
        assert [FLOAT_FORMAT % e["contribution"] for e in body["explanations"]] == list(
            mine["contribution"]
        )


def test_bad_input_is_a_problem_in_the_words_of_rejects_csv(client, keys):
    body = copy.deepcopy(ASSESSMENT_EXAMPLE)
    body["product"]["trl"] = 12
    body["test_results"][1]["outcome"] = "maybe"
    answer = _post(client, keys["uw"], body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    errors = answer.json()["errors"]
    where = {(e["table"], e["row"], e["column"]) for e in errors}
    assert ("products", 1, "trl") in where
    # one entry per refused row, as rejects.csv: its own problem, and its product's refusal
    assert ("test_results", 2, "outcome; product_id") in where
    assert ("certifications", 1, "product_id") in where
    # the same words as validating the same cells from CSV
    from riskmodel.application import tables_from_json

    pid = body["product"]["product_id"]
    tables = tables_from_json(
        [body["product"]],
        [{**r, "product_id": pid} for r in body["test_results"]],
        [{**r, "product_id": pid} for r in body["certifications"]],
    )
    rejects = validate_tables(tables).rejects
    assert sorted(e["reason"] for e in errors) == sorted(rejects["reason"])


@pytest.mark.parametrize(
    "mutate, column, words",
    [
        (lambda b: b["product"].update(trl=[7]), "trl", "expected a whole number"),
        (lambda b: b["product"].update(colour="red"), "colour", "not a column of the contract"),
        (lambda b: b["product"].pop("category"), "category", "a value is required"),
        (
            lambda b: b["test_results"][0].update(lab_accredited="perhaps"),
            "lab_accredited",
            "expected true or false",
        ),
    ],
)
def test_odd_bodies_get_422_naming_the_column(client, keys, mutate, column, words):
    body = copy.deepcopy(ASSESSMENT_EXAMPLE)
    mutate(body)
    answer = _post(client, keys["uw"], body)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(e["column"] == column and words in e["reason"] for e in errors), errors


def test_a_body_that_is_not_json_is_a_422_not_a_500(client, keys):
    answer = client.post(
        "/v1/assessments",
        content=b"{not json",
        headers={**auth(keys["uw"]), "content-type": "application/json"},
    )
    assert answer.status_code == 422 and "not valid JSON" in answer.json()["errors"][0]["reason"]


def test_idempotency_keys(client, keys):
    first = _post(client, keys["uw"], headers={"Idempotency-Key": "k-1"})
    again = _post(client, keys["uw"], headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    listed = client.get("/v1/assessments", headers=auth(keys["aud"])).json()["assessments"]
    assert len(listed) == 1
    other = copy.deepcopy(ASSESSMENT_EXAMPLE)
    other["product"]["units_deployed"] = 3
    assert _post(client, keys["uw"], other, headers={"Idempotency-Key": "k-1"}).status_code == 409
    # a key is per user: another underwriter's k-1 is its own
    assert (
        _post(client, keys["uw2"], headers={"Idempotency-Key": "k-1"}).json()["assessment_id"]
        != first.json()["assessment_id"]
    )


def test_an_underwriter_sees_only_its_own(client, keys):
    mine = _post(client, keys["uw"]).json()["assessment_id"]
    theirs = _post(client, keys["uw2"]).json()["assessment_id"]
    assert client.get(f"/v1/assessments/{theirs}", headers=auth(keys["uw"])).status_code == 404
    listed = client.get("/v1/assessments", headers=auth(keys["uw"])).json()["assessments"]
    assert [a["assessment_id"] for a in listed] == [mine]
    everything = client.get("/v1/assessments", headers=auth(keys["aud"])).json()
    assert [a["assessment_id"] for a in everything["assessments"]] == [theirs, mine]
    assert client.get("/v1/assessments/nope", headers=auth(keys["aud"])).status_code == 404


def test_the_register_pages_and_filters(client, keys):
    ids = [_post(client, keys["uw"]).json()["assessment_id"] for _ in range(3)]
    first = client.get("/v1/assessments?limit=2", headers=auth(keys["aud"])).json()
    assert [a["assessment_id"] for a in first["assessments"]] == ids[::-1][:2]
    rest = client.get(
        f"/v1/assessments?limit=2&cursor={first['next_cursor']}", headers=auth(keys["aud"])
    ).json()
    assert [a["assessment_id"] for a in rest["assessments"]] == ids[:1]
    none = client.get("/v1/assessments?product_id=nothing", headers=auth(keys["aud"])).json()
    assert none["assessments"] == []
    assert (
        client.get("/v1/assessments?since=yesterday", headers=auth(keys["aud"])).status_code == 422
    )


def test_batch_sets_bad_rows_aside_and_reconciles(client, keys, score_folder):
    portfolio = load_data(score_folder).portfolio
    pids = list(portfolio.products["product_id"].iloc[:3])
    bodies = [application_body(portfolio, pid) for pid in pids]
    bodies[1]["product"]["demo_months"] = -1
    batch = {
        "products": [b["product"] for b in bodies],
        "test_results": [
            {**r, "product_id": pid}
            for pid, b in zip(pids, bodies, strict=True)
            for r in b["test_results"]
        ],
        "certifications": [
            {**r, "product_id": pid}
            for pid, b in zip(pids, bodies, strict=True)
            for r in b["certifications"]
        ],
    }
    answer = client.post("/v1/assessments/batch", json=batch, headers=auth(keys["uw"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [a["product_id"] for a in body["assessments"]] == [pids[0], pids[2]]
    assert {(r["table"], r["row"], r["column"]) for r in body["rejects"]} >= {
        ("products", 2, "demo_months")
    }
    assert body["summary"]["products"] == {"read": 3, "scored": 2, "rejected": 1}
    stored = client.get(
        f"/v1/assessments/{body['assessments'][0]['assessment_id']}", headers=auth(keys["aud"])
    )
    assert stored.status_code == 200
    too_many = {"products": [bodies[0]["product"]] * 1001}
    assert (
        client.post("/v1/assessments/batch", json=too_many, headers=auth(keys["uw"])).status_code
        == 422
    )


def test_verify_and_whatif(client, keys):
    created = _post(client, keys["uw"]).json()
    verified = client.post(
        f"/v1/assessments/{created['assessment_id']}/verify", headers=auth(keys["aud"])
    )
    assert verified.status_code == 200 and verified.json()["match"] is True
    assert (
        client.post(
            f"/v1/assessments/{created['assessment_id']}/verify", headers=auth(keys["uw"])
        ).status_code
        == 403
    )
    whatif = client.post(
        "/v1/whatif",
        json={
            "assessment_id": created["assessment_id"],
            "changes": ["public_exposure closed_site"],
        },
        headers=auth(keys["uw"]),
    )
    assert whatif.status_code == 200, whatif.text
    after = whatif.json()
    assert after["based_on"] == created["assessment_id"]
    assert after["premium_before_krw"] == created["premium_krw"]
    assert after["safety_risk"] < created["safety_risk"]  # directional: less public, less risk
    assert after["premium_krw"] <= created["premium_krw"]
    listed = client.get("/v1/assessments", headers=auth(keys["aud"])).json()["assessments"]
    assert len(listed) == 1  # a what-if is not stored
    bad = client.post(
        "/v1/whatif",
        json={"assessment_id": created["assessment_id"], "changes": ["paint it blue"]},
        headers=auth(keys["uw"]),
    )
    assert bad.status_code == 422 and "paint it blue" in bad.json()["detail"]


def test_model_card_criteria_and_reload(client, keys):
    model = client.get("/v1/model", headers=auth(keys["aud"])).json()
    assert model["model_version"] == model["criteria"]["model_version"]
    assert model["model_card"]["model_version"] == model["model_version"]
    assert {f["name"] for f in model["criteria"]["features"]} >= {"units_deployed", "category"}
    reloaded = client.post("/v1/admin/reload", headers=auth(keys["adm"]))
    assert reloaded.status_code == 200
    assert reloaded.json()["previous_version"] == reloaded.json()["model_version"]


def test_body_size_rate_limit_and_headers(make_client, keys):
    small = make_client(max_body_mb=0.001, rate_limit="3/minute")
    big = copy.deepcopy(ASSESSMENT_EXAMPLE)
    big["test_results"] = big["test_results"] * 20
    assert _post(small, keys["uw"], big).status_code == 413
    answers = [small.get("/v1/assessments", headers=auth(keys["aud"])) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    head = answers[0].headers
    assert head["x-content-type-options"] == "nosniff" and head["x-frame-options"] == "DENY"
    assert len(head["x-request-id"]) == 32 and head["cache-control"] == "no-store"
    cors = small.get("/healthz", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in cors.headers


def test_metrics_count_requests_grades_rejects_and_the_model(client, keys):
    _post(client, keys["uw"])
    bad = copy.deepcopy(ASSESSMENT_EXAMPLE)
    bad["product"]["trl"] = 0
    _post(client, keys["uw"], bad)
    text = client.get("/metrics").text
    assert (
        'riskmodel_http_requests_total{method="POST",route="/v1/assessments",status="201"} 1.0'
        in text
    )
    assert "riskmodel_assessments_total{grade=" in text
    # the refused product, and its two test and two certification rows
    assert "riskmodel_rejected_inputs_total 5.0" in text
    assert 'riskmodel_model_info{version="rm-' in text
    assert "riskmodel_http_request_duration_seconds_bucket" in text


def test_the_access_log_is_json_and_holds_no_key(client, keys, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/v1/assessments?product_id=secret-product", headers=auth(keys["aud"]))
    records = [r for r in caplog.records if r.name == "riskmodel.access"]
    assert records and records[-1].route == "/v1/assessments" and records[-1].role == "auditor"
    server_side = [  # the test's own HTTP client (httpx) logs its URLs: not the service's log
        r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    ]
    logged = json.dumps([r.__dict__ for r in server_side], default=str)
    assert keys["aud"] not in logged and "secret-product" not in logged
    assert len(records[-1].request_id) == 32


def test_openapi_has_every_contract_endpoint_with_examples(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    for path, method in [
        ("/v1/assessments", "post"),
        ("/v1/assessments/batch", "post"),
        ("/v1/assessments/{assessment_id}", "get"),
        ("/v1/assessments", "get"),
        ("/v1/assessments/{assessment_id}/verify", "post"),
        ("/v1/whatif", "post"),
        ("/v1/model", "get"),
        ("/healthz", "get"),
        ("/metrics", "get"),
    ]:
        assert method in paths[path], (path, method)
    schemas = spec["components"]["schemas"]
    for body in ("AssessmentRequest", "BatchRequest", "WhatIfRequest"):
        assert schemas[body].get("examples"), body
