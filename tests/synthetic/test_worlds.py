"""The family of synthetic worlds: each follows the contract, with a truth its data agree with."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.reference import normalise_scheme, relevant_schemes
from riskmodel.synthetic import generate_portfolio
from riskmodel.synthetic.worlds import WORLDS, World, world
from riskmodel.validation import validate_tables


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_every_world_follows_the_contract_and_is_deterministic(name):
    portfolio, truth = generate_portfolio(600, seed=5, world=name)
    tables = {k: v.astype("object").where(v.notna(), None) for k, v in portfolio.tables().items()}
    result = validate_tables(tables)
    assert result.rejects.empty and result.portfolio.n_products == 600
    again, truth_again = generate_portfolio(600, seed=5, world=name)
    assert again.fingerprint() == portfolio.fingerprint() and truth.equals(truth_again)
    for kind in ("performance", "safety"):
        assert truth[f"{kind}_prob"].between(0, 1).all()
        # at least one incident is never likelier than the expected number of them
        assert (truth[f"{kind}_prob"] <= truth[f"expected_{kind}_incidents"] + 1e-12).all()


@pytest.mark.parametrize("name", ["base", "sublinear_units", "overdispersed", "clustered"])
def test_observed_counts_and_hits_agree_with_the_truth(name):
    portfolio, truth = generate_portfolio(40_000, seed=9, world=name)
    counts = portfolio.incident_counts()
    for kind in ("performance", "safety"):
        expected = truth[f"expected_{kind}_incidents"].to_numpy()
        hits = (counts[kind].to_numpy() > 0).sum()
        p = truth[f"{kind}_prob"].to_numpy()
        # hits are Bernoulli: within 4 sd of the sum of the true probabilities
        assert abs(hits - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())
        # counts: generous bounds, the riskiest products dominate a sum of incidents
        assert counts[kind].sum() / expected.sum() == pytest.approx(1, abs=0.08)


def test_sublinear_units_make_fleets_cheaper_per_unit():
    base, tb = generate_portfolio(20_000, seed=2)
    sub, ts = generate_portfolio(20_000, seed=2, world="sublinear_units")
    pd.testing.assert_frame_equal(base.products, sub.products)  # same products, other truth
    units = base.products["units_deployed"].to_numpy()
    ratio = ts["expected_safety_incidents"] / tb["expected_safety_incidents"]
    assert ratio[units > 40].mean() < 1 < ratio[units == 1].mean()


def test_clustered_and_overdispersed_probabilities_are_below_poisson():
    for name in ("overdispersed", "clustered"):
        _, truth = generate_portfolio(3000, seed=3, world=name)
        poisson = -np.expm1(-truth["expected_safety_incidents"])
        assert (truth["safety_prob"] <= poisson + 1e-12).all()
        assert truth["safety_prob"].sum() < 0.97 * poisson.sum()


def test_new_categories_are_absent_or_rarer_in_a_training_draw():
    w = world("thin_new_categories")
    train, _ = generate_portfolio(3000, seed=4, world=w, training=True)
    held, _ = generate_portfolio(3000, seed=5, world=w)
    assert not set(w.new_categories) & set(train.products["category"])
    assert set(w.new_categories) <= set(held.products["category"])
    rarer = World("rarer", "", new_categories=("drone",), new_share_in_training=0.02)
    train, _ = generate_portfolio(20_000, seed=6, world=rarer, training=True)
    held, _ = generate_portfolio(20_000, seed=6, world=rarer)
    drones = [(p.products["category"] == "drone").sum() for p in (train, held)]
    assert 0 < drones[0] < drones[1] / 20


def test_fixed_benefit_losses_are_one_value_per_kind_category_and_injury():
    portfolio, _ = generate_portfolio(5000, seed=6, world="strong_zones_fixed_benefit")
    inc = portfolio.incidents.merge(portfolio.products[["product_id", "category"]])
    assert (inc.groupby(["kind", "category", "bodily_injury"])["loss_krw"].nunique() == 1).all()


def test_some_overseas_certificates_are_not_relevant_to_the_category():
    portfolio, _ = generate_portfolio(4000, seed=8)
    c = portfolio.certifications.merge(portfolio.products[["product_id", "category"]])
    overseas = c[c["issuer_country"] != "KR"]
    relevant = [
        normalise_scheme(s) in relevant_schemes(k)
        for s, k in zip(overseas["scheme"], overseas["category"], strict=True)
    ]
    share_other = 1 - np.mean(relevant)
    assert 0.05 < share_other < 0.3


def test_a_world_checks_its_parameters():
    with pytest.raises(ValueError, match="units_elasticity must be in"):
        World("w", "", units_elasticity=-1.0)
    with pytest.raises(ValueError, match="severity must be one of"):
        World("w", "", severity="weibull")
    with pytest.raises(ValueError, match="world must be one of"):
        world("mars")
