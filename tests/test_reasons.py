"""Reasons in words: the product's own standards and schemes, with the factor of each effect."""

import copy
import re

import numpy as np
import pandas as pd
import pytest

from riskmodel.assessment import assess
from riskmodel.features.pipeline import describe_feature, feature_evidence, feature_owners
from riskmodel.portfolio import Portfolio
from riskmodel.reasons import MIN_EFFECT


@pytest.mark.parametrize(
    ("feature", "value", "listed", "text"),
    [
        ("category", "drone", {}, "category drone"),
        ("zone", "__unknown__", {}, "zone unseen in training (portfolio-average zone effect)"),
        ("trl", 7.0, {}, "technology readiness level 7"),
        ("public_exposure_level", 0.0, {}, "closed site"),
        (
            "tests_safety_failed",
            2.0,
            {"failed:safety": "IEC 62133-2 (critical), UL 1973 (minor)"},
            "failed safety tests: IEC 62133-2 (critical), UL 1973 (minor)",
        ),
        ("tests_safety_failed", 0.0, {}, "no failed safety test"),
        ("tests_cybersecurity_failing_share", np.nan, {}, "no cybersecurity test on file"),
        (
            "tests_safety_related_unresolved",
            1.0,
            {"unresolved:safety": "UL 9540A (major)"},
            "unresolved safety-related failure: UL 9540A (major)",
        ),
        (
            "tests_safety_related_worst_severity",
            3.0,
            {"worst:safety": "UL 9540A"},
            "open safety-related finding of critical severity (UL 9540A)",
        ),
        ("tests_safety_related_worst_severity", 0.0, {}, "no open safety-related finding"),
        (
            "tests_safety_related_min_margin",
            -0.05,
            {"thinnest:safety": "IEC 62619"},
            "thinnest safety-related margin 5% beyond the limit (IEC 62619)",
        ),
        (
            "tests_performance_related_expected_missing",
            2.0,
            {"missing:performance": "IEC 62620"},
            "expected performance-related standard without a pass: IEC 62620",
        ),
        (
            "tests_safety_related_mean_margin",
            0.12,
            {},
            "safety-related measurements on average 12% inside their limits",
        ),
        (
            "certs_active_overseas_relevant",
            2.0,
            {"certs:active_overseas_relevant": "UL, CE"},
            "active overseas certification relevant to the category: UL, CE",
        ),
        (
            "certs_active_overseas_other",
            1.0,
            {"certs:active_overseas_other": "FDA_510K"},
            "other active overseas certification (not specific to the category): FDA_510K",
        ),
        (
            "certs_active_overseas_relevant",
            0.0,
            {},
            "no active overseas certification relevant to the category",
        ),
        (
            "certs_withdrawn_suspended",
            1.0,
            {"certs:withdrawn_suspended": "TUV"},
            "withdrawn or suspended certification: TUV",
        ),
    ],
)
def test_describe(model, feature, value, listed, text):
    assert describe_feature(model.pipeline_, feature, value, listed) == text


def test_every_feature_can_be_described(model, holdout):
    portfolio, _ = holdout
    X = model.features(portfolio.subset(portfolio.products["product_id"].iloc[:50]))
    for spec in model.feature_specs_:
        for value in X[spec.name].unique():
            text = describe_feature(model.pipeline_, spec.name, value, {})
            assert text and "=" not in text, (spec.name, value, text)


def test_a_failed_critical_test_is_named_in_the_reasons(model, holdout):
    portfolio, _ = holdout
    one = _failed_critical(portfolio, ("EN 4709-001", "ASTM F3322", "IEC 61508"))
    scores = assess(model, one).scores
    reasons = " | ".join(scores[[f"safety_reason_{i}" for i in (1, 2, 3)]].iloc[0])
    assert "critical" in reasons and ("EN 4709-001" in reasons or "failure" in reasons)


def test_reasons_are_ranked_by_size_and_small_effects_are_left_out(model, holdout):
    portfolio, _ = holdout
    some = portfolio.subset(portfolio.products["product_id"].iloc[:200])
    result = assess(model, some)
    factors = result.scores["safety_reason_1"].str.extract(r"x(\d+\.\d+)$")[0].astype(float)
    second = result.scores["safety_reason_2"].str.extract(r"x(\d+\.\d+)$")[0].astype(float)
    both = factors.notna() & second.notna()
    assert (np.abs(np.log(factors[both])) >= np.abs(np.log(second[both])) - 0.01).all()
    assert (np.abs(np.log(factors.dropna())) >= MIN_EFFECT - 0.01).all()


def test_the_worst_severity_lists_only_the_standards_at_that_severity(model, holdout):
    portfolio, _ = holdout
    rows = [
        ("A", "IEC 61508", "fail", "critical", 30),
        ("B", "ASTM F3322", "fail", "minor", 20),
        ("C", "EN 4709-001", "fail", "critical", 40),
        ("D", "EN 4709-001", "pass", None, 10),  # a later pass resolves C
    ]
    assert _worst_listed(model, portfolio, rows) == "IEC 61508"
    # as in the feature: a failure without a recorded severity counts as major, a pass as none
    rows = [
        ("B", "ASTM F3322", "fail", "minor", 20),
        ("E", "IEC 61508", "fail", None, 30),
        ("F", "EN 4709-001", "pass", "critical", 10),
    ]
    assert _worst_listed(model, portfolio, rows) == "IEC 61508"


def _worst_listed(model, portfolio, rows) -> str:
    product = portfolio.products.iloc[[0]].reset_index(drop=True)
    start = product["coverage_start"][0]
    tests = pd.DataFrame(
        [
            {
                "product_id": product["product_id"][0],
                "test_id": test_id,
                "standard": std,
                "test_kind": "safety",
                "test_date": start - pd.Timedelta(days=days),
                "lab_accredited": True,
                "outcome": outcome,
                "severity": severity,
                "measured_value": None,
                "limit_value": None,
                "higher_is_better": None,
            }
            for test_id, std, outcome, severity, days in rows
        ]
    ).astype({c: portfolio.test_results[c].dtype for c in portfolio.test_results.columns})
    one = Portfolio(product, tests, portfolio.certifications.iloc[0:0])
    return feature_evidence(model.pipeline_, one)[product["product_id"][0]]["worst:safety"]


def test_the_domestic_country_moves_features_evidence_and_words_together(model, holdout):
    """The certification transformer's parameter is the one truth: change it, and the feature
    values, the evidence behind them and the reasons' words all follow."""
    portfolio, _ = holdout
    product = portfolio.products.iloc[[0]].reset_index(drop=True)
    pid = product["product_id"][0]
    certs = pd.DataFrame(
        [
            {
                "product_id": pid,
                "scheme": "UL",
                "issuer_country": "US",
                "status": "active",
                "issued_date": product["coverage_start"][0] - pd.Timedelta(days=400),
            }
        ]
    ).astype({c: portfolio.certifications[c].dtype for c in portfolio.certifications.columns})
    one = Portfolio(product, portfolio.test_results.iloc[0:0], certs)
    american = copy.deepcopy(model)
    american.pipeline_.named_transformers["certifications"].set_params(domestic_country="US")
    for m, domestic, overseas in ((model, 0, 1), (american, 1, 0)):
        result = assess(m, one)
        values = result.explanations["safety"].values.iloc[0]
        assert values["certs_active_domestic"] == domestic
        assert (
            values["certs_active_overseas_other"] + values["certs_active_overseas_relevant"]
            == overseas
        )
        owner = feature_owners(m.pipeline_)["certs_active_domestic"]
        words = owner.describe("certs_active_domestic", domestic, result.evidence[pid])
        assert words == (
            "active domestic certification: UL" if domestic else "no active domestic certification"
        )
        topics = set(result.evidence[pid])
        assert ("certs:active_domestic" in topics) == bool(domestic)


def _failed_critical(portfolio, standards=("IEC 62133-2",)) -> Portfolio:
    """The first product of ``portfolio`` alone, with a failed critical safety test of each of
    ``standards`` and no certification."""
    product = portfolio.products.iloc[[0]].reset_index(drop=True)
    fails = pd.DataFrame(
        [
            {
                "product_id": product["product_id"][0],
                "test_id": f"K{i + 1}",
                "standard": standard,
                "test_kind": "safety",
                "test_date": product["coverage_start"][0] - pd.Timedelta(days=9),
                "lab_accredited": True,
                "outcome": "fail",
                "severity": "critical",
                "measured_value": None,
                "limit_value": None,
                "higher_is_better": None,
            }
            for i, standard in enumerate(standards)
        ]
    ).astype({c: portfolio.test_results[c].dtype for c in portfolio.test_results.columns})
    return Portfolio(product, fails, portfolio.certifications.iloc[0:0])


def test_a_failed_critical_safety_test_is_named_in_korean(model, holdout):
    portfolio, _ = holdout
    one = _failed_critical(portfolio)
    korean = assess(model, one, lang="ko").scores
    reasons = [korean[f"safety_reason_{i}"].iloc[0] for i in (1, 2, 3)]
    named = [r for r in reasons if "IEC 62133-2" in r]
    assert named, reasons
    assert all("안전 위험도 x" in r and "safety" not in r for r in named)
    assert any("치명" in r for r in named)
    # the same reasons, factor for factor, as in English
    english = assess(model, one).scores
    for i in (1, 2, 3):
        en, ko = english[f"safety_reason_{i}"].iloc[0], korean[f"safety_reason_{i}"].iloc[0]
        assert bool(en) == bool(ko)
        if en:
            assert en.rsplit(" x", 1)[-1] == ko.rsplit(" x", 1)[-1]
            assert "safety risk x" in en and "안전 위험도 x" in ko


def test_the_words_in_korean_keep_the_evidence_and_the_glossary(model):
    pipeline = model.pipeline_
    listed = {"failed:safety": "IEC 62133-2 (critical), UL 1973 (minor) and 2 more"}
    words = describe_feature(pipeline, "tests_safety_failed", 4.0, listed, lang="ko")
    assert words == "부적합 안전 시험: IEC 62133-2 (치명), UL 1973 (경미) 외 2건"
    words = describe_feature(pipeline, "certs_active_overseas_relevant", 1.0, {}, lang="ko")
    assert "해외 인증" in words
    words = describe_feature(
        pipeline, "tests_performance_related_expected_missing", 1.0, {}, lang="ko"
    )
    assert "규격" in words


def test_every_feature_can_be_described_in_korean(model, holdout):
    portfolio, _ = holdout
    X = model.features(portfolio.subset(portfolio.products["product_id"].iloc[:50]))
    for spec in model.feature_specs_:
        for value in X[spec.name].unique():
            english = describe_feature(model.pipeline_, spec.name, value, {})
            korean = describe_feature(model.pipeline_, spec.name, value, {}, lang="ko")
            assert korean and korean != english, (spec.name, value, korean)
            assert re.search("[가-힣]", korean), (spec.name, value, korean)
