"""The synthetic portfolio: follows the contract, is deterministic, looks like the real thing."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.contract import CATEGORIES, CERT_STATUSES, TEST_KINDS
from riskmodel.features import normalised_margin
from riskmodel.reference import DOMESTIC_COUNTRY, STANDARDS_CATALOGUE, normalise_standard
from riskmodel.synthetic import generate_portfolio
from riskmodel.synthetic.catalogue import CATEGORY_PROFILES
from riskmodel.validation import DAYS_PER_MONTH, load_portfolio, validate_tables


@pytest.fixture(scope="module")
def generated():
    return generate_portfolio(4000, seed=7)


def test_a_written_portfolio_passes_the_contract(train_folder):
    portfolio = load_portfolio(train_folder, require_incidents=True)
    assert portfolio.n_products == 3000
    truth = pd.read_csv(train_folder / "truth.csv")
    assert truth["product_id"].tolist() == portfolio.products["product_id"].tolist()


def test_the_in_memory_tables_are_already_valid(generated):
    portfolio, _ = generated
    tables = {k: v.astype("object").where(v.notna(), None) for k, v in portfolio.tables().items()}
    result = validate_tables(tables)
    assert result.rejects.empty and result.portfolio.n_products == portfolio.n_products


def test_same_seed_same_portfolio_other_seed_other_portfolio():
    a, ta = generate_portfolio(300, seed=3)
    b, tb = generate_portfolio(300, seed=3)
    c, _ = generate_portfolio(300, seed=4)
    assert a.fingerprint() == b.fingerprint() and ta.equals(tb)
    assert a.fingerprint() != c.fingerprint()
    assert not set(a.products["product_id"]) & set(c.products["product_id"])


def test_truth_is_consistent(generated):
    portfolio, truth = generated
    for kind in ("performance", "safety"):
        np.testing.assert_allclose(
            truth[f"{kind}_prob"], 1 - np.exp(-truth[f"expected_{kind}_incidents"])
        )
        np.testing.assert_allclose(
            truth[f"expected_{kind}_incidents"],
            truth[f"{kind}_rate"] * truth["exposure_unit_years"],
        )
    counts = portfolio.incident_counts()
    for kind in ("performance", "safety"):  # Poisson: observed total within 4 sd of expected
        expected = truth[f"expected_{kind}_incidents"].sum()
        assert abs(counts[kind].sum() - expected) < 4 * np.sqrt(expected)


def test_every_category_status_and_kind_occurs(generated):
    portfolio, _ = generated
    assert set(portfolio.products["category"]) == set(CATEGORIES)
    assert set(portfolio.certifications["status"]) == set(CERT_STATUSES)
    assert set(portfolio.test_results["test_kind"]) == set(TEST_KINDS)
    assert {"open_public", "closed_site"} <= set(portfolio.products["public_exposure"])


def test_categories_have_their_own_rates_and_loss_sizes(generated):
    portfolio, truth = generated
    frame = truth.merge(portfolio.products[["product_id", "category"]])
    rates = frame.groupby("category")["safety_rate"].median()
    assert rates.max() / rates.min() > 5
    losses = portfolio.incidents.merge(portfolio.products[["product_id", "category"]])
    medians = losses[~losses["bodily_injury"]].groupby("category")["loss_krw"].median()
    assert medians.max() / medians.min() > 5
    injured = losses.groupby("bodily_injury")["loss_krw"].median()
    assert injured[True] > 2 * injured[False]


def test_tests_cite_the_catalogue_and_measure_near_their_limits(generated):
    portfolio, _ = generated
    tests = portfolio.test_results.merge(portfolio.products[["product_id", "category"]])
    catalogue = {(c, normalise_standard(s.name)) for c, v in STANDARDS_CATALOGUE.items() for s in v}
    in_catalogue = [
        (c, normalise_standard(s)) in catalogue
        for c, s in zip(tests["category"], tests["standard"], strict=True)
    ]
    assert np.mean(in_catalogue) > 0.9
    measured = tests.dropna(subset=["measured_value"])
    margin = normalised_margin(
        measured["measured_value"],
        measured["limit_value"],
        measured["higher_is_better"].astype(bool),
    )
    assert np.mean(np.abs(margin) < 0.3) > 0.9
    fails = measured[measured["outcome"] == "fail"]
    assert (
        normalised_margin(
            fails["measured_value"], fails["limit_value"], fails["higher_is_better"].astype(bool)
        )
        < 0.05
    ).all()
    assert 0.05 < (tests["outcome"] == "fail").mean() < 0.25
    assert tests.loc[tests["outcome"] == "pass", "severity"].isna().all()


def test_dates_and_certifications_follow_the_contract_rules(generated):
    portfolio, _ = generated
    p = portfolio.products.set_index("product_id")
    t = portfolio.test_results
    assert (t["test_date"].to_numpy() <= p.loc[t["product_id"], "coverage_start"].to_numpy()).all()
    i = portfolio.incidents
    start = p.loc[i["product_id"], "coverage_start"].to_numpy()
    end = (
        start
        + pd.to_timedelta(
            p.loc[i["product_id"], "demo_months"].to_numpy() * DAYS_PER_MONTH, unit="D"
        ).to_numpy()
    )
    assert ((i["incident_date"].to_numpy() >= start) & (i["incident_date"].to_numpy() < end)).all()
    c = portfolio.certifications
    overseas = c["issuer_country"] != DOMESTIC_COUNTRY
    assert 0.2 < overseas.mean() < 0.8
    assert not c.duplicated(["product_id", "scheme"]).any()


def test_exposure_follows_each_category_profile(generated):
    portfolio, _ = generated
    units = portfolio.products.groupby("category")["units_deployed"].max()
    for cat, top in units.items():
        assert top <= CATEGORY_PROFILES[cat].units_max


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="n_products must be a whole number >= 1, got 0"):
        generate_portfolio(0)
    with pytest.raises(ValueError, match="seed must be a whole number >= 0, got -2"):
        generate_portfolio(10, seed=-2)


def test_true_expected_layer_losses_match_the_losses_drawn():
    portfolio, truth = generate_portfolio(30000, seed=77)
    np.testing.assert_allclose(
        truth["expected_loss_krw"],
        truth["expected_performance_loss_krw"] + truth["expected_safety_loss_krw"],
    )
    inc = portfolio.incidents.merge(
        portfolio.products[["product_id", "deductible_krw", "coverage_limit_krw"]]
    )
    paid = np.minimum(
        np.maximum(inc["loss_krw"] - inc["deductible_krw"], 0), inc["coverage_limit_krw"]
    )
    for kind in ("performance", "safety"):  # heavy tails: a loose Monte Carlo check
        drawn = paid[inc["kind"] == kind].sum()
        assert drawn / truth[f"expected_{kind}_loss_krw"].sum() == pytest.approx(1, abs=0.1)
