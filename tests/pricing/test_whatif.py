"""What-if changes: parsing, applying through validation, before/after, suggestions."""

import pytest

from riskmodel.pricing import PricingConfig
from riskmodel.pricing.whatif import (
    apply_change,
    candidate_changes,
    parse_change,
    suggest,
    what_if,
)

CONFIG = PricingConfig()


@pytest.fixture(scope="module")
def portfolio(holdout):
    return holdout[0]


def _failing_product(portfolio):
    tests = portfolio.test_results
    return tests.loc[tests["outcome"] == "fail", "product_id"].iloc[0]


@pytest.mark.parametrize(
    ("text", "action", "target", "value"),
    [
        ("add certification ul", "add_certification", "UL", None),
        ("pass test IEC 62133-2", "pass_test", "IEC 62133-2", None),
        ("units 50", "set", "units_deployed", "50"),
        ("months 6", "set", "demo_months", "6"),
        ("public_exposure closed_site", "set", "public_exposure", "closed_site"),
        ("deductible 5000000", "set", "deductible_krw", "5000000"),
        ("limit 1000000000", "set", "coverage_limit_krw", "1000000000"),
    ],
)
def test_changes_are_parsed(text, action, target, value):
    change = parse_change(text)
    assert (change.action, change.target, change.value) == (action, target, value)


@pytest.mark.parametrize("text", ["", "paint it red", "units", "colour blue"])
def test_unknown_changes_are_refused_with_the_grammar(text):
    with pytest.raises(ValueError, match="expected 'add certification SCHEME'"):
        parse_change(text)


def test_an_impossible_change_is_refused_with_the_contracts_reason(portfolio):
    pid = portfolio.products["product_id"].iloc[0]
    with pytest.raises(ValueError, match="units_deployed.*-3.*>= 1"):
        apply_change(portfolio, pid, "units -3")
    with pytest.raises(ValueError, match="not one riskmodel knows"):
        apply_change(portfolio, pid, "add certification NOPE")
    with pytest.raises(ValueError, match="has no test"):
        apply_change(portfolio, pid, "pass test XYZ 1")
    with pytest.raises(KeyError):
        apply_change(portfolio, "no-such-product", "units 3")


def test_a_certificate_relevant_to_the_category_can_be_added_and_counts_as_relevant(
    model, portfolio
):
    battery = portfolio.products.query("category == 'battery_ess'")["product_id"].iloc[0]
    after = apply_change(portfolio, battery, "add certification UL 9540")
    added = after.certifications.iloc[-1]
    assert (added["scheme"], added["issuer_country"], added["status"]) == (
        "UL 9540",
        "US",
        "active",
    )
    features = model.features(after).iloc[0]
    before = model.features(portfolio.subset([battery])).iloc[0]
    assert (
        features["certs_active_overseas_relevant"] == before["certs_active_overseas_relevant"] + 1
    )
    assert features["certs_active_overseas_other"] == before["certs_active_overseas_other"]
    drone = portfolio.products.query("category == 'drone'")["product_id"].iloc[0]
    with pytest.raises(ValueError, match="'FDA_510K' is not one riskmodel knows for drone"):
        apply_change(portfolio, drone, "add certification FDA_510K")
    assert "add certification UL_9540" in candidate_changes(model, portfolio, battery)


def test_changes_land_where_expected(portfolio):
    pid = _failing_product(portfolio)
    standard = portfolio.test_results.query("product_id == @pid and outcome == 'fail'")[
        "standard"
    ].iloc[0]
    after = apply_change(portfolio, pid, f"pass test {standard}")
    retest = after.test_results[after.test_results["test_id"].str.endswith("-whatif-retest")]
    assert retest["outcome"].tolist() == ["pass"] and retest["standard"].tolist() == [standard]
    units = apply_change(portfolio, pid, "units 50")
    assert units.products["units_deployed"].tolist() == [50]


def test_what_if_reports_before_after_and_what_moved(model, portfolio):
    pid = portfolio.products["product_id"].iloc[3]
    result = what_if(model, portfolio, pid, ["units 1", "public_exposure closed_site"], CONFIG)
    assert result.after["premium_krw"] <= result.before["premium_krw"]
    assert result.after["expected_loss_krw"] < result.before["expected_loss_krw"]
    text = result.text()
    for word in ("before", "after", "premium_krw", "grade", "premium interval", "what moved"):
        assert word in text
    if portfolio.products.set_index("product_id").loc[pid, "public_exposure"] != "closed_site":
        assert "closed site" in text
    # the moved factors multiply to the change in expected incidents (exposure included)
    for target in ("performance", "safety"):
        factors = result.moved.loc[result.moved["target"] == target, "factor"].prod()
        before = result.before[f"expected_{target}_loss_krw"]
        assert factors > 0 and before > 0


def test_suggest_ranks_real_changes_that_lower_the_premium(model, portfolio):
    pid = _failing_product(portfolio)
    table = suggest(model, portfolio, pid, CONFIG)
    assert 1 <= len(table) <= 3
    assert (table["saving_krw"] > 0).all()
    assert table["saving_krw"].is_monotonic_decreasing
    assert set(table["change"]) <= set(candidate_changes(model, portfolio, pid))
    assert (table["premium_after"] == table["premium_before"] - table["saving_krw"]).all()


def test_candidates_are_changes_a_company_can_make(model, portfolio):
    pid = _failing_product(portfolio)
    one = portfolio.subset([pid])
    candidates = candidate_changes(model, portfolio, pid)
    active = set(one.certifications.loc[one.certifications["status"] == "active", "scheme"])
    assert not any(c == f"add certification {s}" for s in active for c in candidates)
    assert any(c.startswith("pass test ") for c in candidates)
    exposure = one.products["public_exposure"].iloc[0]
    assert f"public_exposure {exposure}" not in candidates
    for change in candidates:  # each is a change the contract accepts
        assert apply_change(portfolio, pid, change).n_products == 1
