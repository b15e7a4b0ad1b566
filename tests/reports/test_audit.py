"""The audit pack: the report's sections and numbers, statements, verification, criteria JSON."""

import json
import re

import numpy as np
import pytest

from riskmodel.pricing import PricingConfig
from riskmodel.reports.analysis import actual_to_expected, poisson_interval
from riskmodel.reports.audit import SECTIONS, audit_context, render_audit
from riskmodel.reports.criteria import criteria
from riskmodel.reports.statement import read_statement, verify_statement, write_statements
from riskmodel.validation import validate_tables

CONFIG = PricingConfig()


@pytest.fixture(scope="module")
def data(holdout):
    portfolio, _ = holdout
    return validate_tables({k: v for k, v in portfolio.tables().items()})


@pytest.fixture(scope="module")
def context(model, data):
    return audit_context(model, data, CONFIG, data_dir="holdout")


def test_poisson_intervals_are_exact():
    lo, hi = poisson_interval(np.array([0.0, 10.0]))
    assert lo[0] == 0 and hi[0] == pytest.approx(3.689, abs=1e-3)
    assert (lo[1], hi[1]) == pytest.approx((4.795, 18.390), abs=1e-3)
    table = actual_to_expected(["a", "a", "b"], np.array([5, 5, 0]), np.array([1.0, 1.0, 5.0]))
    assert table.set_index("group").loc["a", "flag"] and table.set_index("group").loc["b", "flag"]


def test_the_report_has_every_section_and_its_numbers(context, model):
    html = render_audit(context)
    for section in SECTIONS:
        assert f'id="{section}"' in html
    assert context["card"]["model_version"] in html
    perf = {r["target"]: r for r in context["performance"]}
    for target in ("performance", "safety"):
        assert 0.5 < perf[target]["auc"] <= 1
        # the boosted model beats the homogeneous baseline on held-out data
        assert perf[target]["deviance_model"] < perf[target]["deviance_homogeneous"]
    assert [c["name"] for c in context["criteria"]] == [s.name for s in model.feature_specs_]
    assert len(context["pd_plots"]) == 12  # six per target
    assert all(p["holds"] in (True, None) for p in context["pd_plots"])
    names = {r["name"] for r in context["stability"]}
    assert {"performance_risk", "safety_risk"} <= names
    assert set(context["consistency"]) == {"zone", "company_size"}
    assert html.count("data:image/png;base64,") >= 12 + 2 + 6
    assert "http://" not in html and "https://" not in html  # nothing loads from a network


def test_the_report_shows_the_learned_exposure_curves_with_their_evidence(context, model):
    exposure = context["exposure"]
    features = {p["feature"] for p in exposure["plots"]}
    assert features == {"units_deployed", "demo_months"}
    assert all(p["png"].startswith("data:image/png;base64,") for p in exposure["plots"])
    for target in ("performance", "safety"):
        rows = [r for r in exposure["table"] if r["target"] == target]
        curve = model.models_[target].exposure_curves_["units_deployed"]
        units = [r for r in rows if r["feature"] == "units_deployed"]
        assert [r["elasticity"] for r in units] == pytest.approx(curve.slopes.tolist())
        assert units[0]["from"] == 0.0 and units[-1]["to"] is None  # extends both ways
        # evidence on the report's data: every band of units, actual against expected
        bands = exposure["evidence"]["portfolio"][target]
        assert [b["group"] for b in bands][0] == "1"
        assert sum(b["products"] for b in bands) == context["card"]["report_products"]
    assert {c["target"] for c in exposure["calibration"]} == {"performance", "safety"}
    html = render_audit(context)
    assert "Exposure: how risk grows with units and months" in html


def test_statements_verify_and_an_edit_is_detected(model, holdout, tmp_path):
    portfolio, _ = holdout
    ids = list(portfolio.products["product_id"].head(3))
    paths = write_statements(model, portfolio, CONFIG, tmp_path, ids)
    assert len(paths) == 3
    for path in paths:
        result = verify_statement(path, model)
        assert result.ok, result.text()
    record = read_statement(paths[0])
    assert record["product_id"] == ids[0] and len(record["input_hash"]) == 64
    text = paths[0].read_text()
    # a waterfall per target, drawn in HTML (no image) and labelled in the transformers' words
    assert text.count('<table class="waterfall"') == 2 and "data:image/png" not in text
    assert "base value: a typical product" in text and "units deployed" in text
    units = record["inputs"]["products"][0]["units_deployed"]
    edited = re.sub(
        r'("units_deployed": ")' + re.escape(units) + '"',
        r"\g<1>" + str(int(units) + 7) + '"',
        text,
    )
    assert edited != text
    (tmp_path / "edited.html").write_text(edited)
    result = verify_statement(tmp_path / "edited.html", model)
    assert not result.ok and any("edited" in p for p in result.problems)
    assert any("premium_krw" in p or "risk" in p for p in result.problems)


def test_criteria_json_lists_every_feature_and_the_grades(model, data, tmp_path):
    out = criteria(model, CONFIG, data=data)
    json.dumps(out)  # machine-readable
    assert {f["name"] for f in out["features"]} == {s.name for s in model.feature_specs_}
    feature = out["features"][0]
    assert {"name", "input_group", "definition", "constraints", "importance"} <= set(feature)
    assert [g["grade"] for g in out["grade_boundaries"]] == list("ABCDE")
    assert out["model_version"] == model.version_


def test_a_korean_statement_has_korean_headings_and_verifies(model, holdout, tmp_path):
    portfolio, _ = holdout
    pid = portfolio.products["product_id"].iloc[0]
    (korean,) = write_statements(model, portfolio, CONFIG, tmp_path / "ko.html", [pid], lang="ko")
    (english,) = write_statements(model, portfolio, CONFIG, tmp_path / "en.html", [pid])
    text = korean.read_text(encoding="utf-8")
    assert '<html lang="ko">' in text and '<html lang="en">' in english.read_text()
    for heading in ("위험평가서", "<h2>결과</h2>", "<h2>산출 사유</h2>", "성능 위험도", "보험료"):
        assert heading in text, heading
    assert "기준값: " in text and "Risk assessment statement" not in text
    assert "위험도 x" in text  # the reasons, in Korean
    # the same record, the same numbers: verification reads it whatever the language
    assert read_statement(korean) == read_statement(english)
    result = verify_statement(korean, model)
    assert result.ok, result.text()


def test_the_audit_report_renders_in_korean(context):
    html = render_audit(context, lang="ko")
    assert '<html lang="ko">' in html
    for section in SECTIONS:
        assert f'id="{section}"' in html
    for heading in ("모델 감사 보고서", "모델 카드", "위험 기준", "요율표", "부록: 한계"):
        assert heading in html, heading
    assert "Exposure: how risk grows" not in html
    assert context["card"]["model_version"] in html
    english = render_audit(context)
    assert '<html lang="en">' in english and "Exposure: how risk grows" in english
    # the same plots in both languages
    assert html.count("data:image/png;base64,") == english.count("data:image/png;base64,")
