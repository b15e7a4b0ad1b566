"""The severity model: recovers the generator's loss distribution, credibility behaves, persists."""

import numpy as np
import pytest

from riskmodel.models.severity import SeverityModel
from riskmodel.synthetic import generate_portfolio
from riskmodel.synthetic.catalogue import CATEGORY_PROFILES


@pytest.fixture(scope="module")
def big():
    portfolio, _ = generate_portfolio(20000, seed=31)
    return portfolio, SeverityModel().fit(portfolio)


def test_recovers_the_generators_loss_distribution(big):
    _, sev = big
    for kind, attr in (("performance", "perf_loss_median"), ("safety", "safety_loss_median")):
        for cat, row in sev.params_[kind]["categories"].items():
            if row["incidents"] - row["injuries"] < 200:
                continue
            profile = CATEGORY_PROFILES[cat]
            assert row["mu"] == pytest.approx(np.log(getattr(profile, attr)), abs=0.2), (kind, cat)
            assert row["sigma"] == pytest.approx(profile.loss_sigma, abs=0.15), (kind, cat)
    safety = sev.params_["safety"]
    assert safety["injury_sd"] == pytest.approx(0.6, abs=0.15)
    rel = safety["exposure_relativity"]
    assert rel["closed_site"] < rel["restricted_public"] < rel["open_public"]
    uplift = [row["delta"] for row in safety["categories"].values()]
    assert np.median(uplift) == pytest.approx(np.log(5.0), abs=0.2)


def test_a_thin_category_leans_on_the_portfolio_and_a_new_one_gets_the_complement():
    portfolio, _ = generate_portfolio(6000, seed=32)
    products = portfolio.products
    drones = products.loc[products["category"] == "drone", "product_id"]
    keep = set(products["product_id"]) - set(drones.iloc[5:])  # five drones left
    thin = portfolio.subset(sorted(keep))
    sev = SeverityModel().fit(thin)
    table = sev.credibility_table().set_index(["kind", "category"])
    for kind in ("performance", "safety"):
        z = table.loc[kind, "credibility_mean"]
        assert z["drone"] < z["robotics"]
        new = sev.layer_payment(kind, ["quantum_computer"], ["open_public"], [0.0], [1e13])
        c = sev.params_[kind]["complement"]
        comp = sev.components(kind, ["quantum_computer"], ["open_public"])
        assert comp["mu"][0] == pytest.approx(c["mu"]) and new[0] > 0


def test_layer_payments_are_monotone_and_below_the_mean(big):
    _, sev = big
    d = np.linspace(0, 5e7, 20)
    pay = sev.layer_payment("safety", ["drone"] * 20, ["open_public"] * 20, d, np.full(20, 1e9))
    assert np.all(np.diff(pay) <= 0)
    limits = np.linspace(1e6, 1e10, 20)
    pay = sev.layer_payment("safety", ["drone"] * 20, ["open_public"] * 20, np.zeros(20), limits)
    assert np.all(np.diff(pay) >= 0)
    assert pay[-1] <= sev.mean("safety", ["drone"], ["open_public"])[0] * (1 + 1e-9)


def test_round_trips_through_its_state(big):
    portfolio, sev = big
    again = SeverityModel.from_state(sev.to_state())
    p = portfolio.products.head(50)
    args = (p["category"], p["public_exposure"], p["deductible_krw"], p["coverage_limit_krw"])
    np.testing.assert_array_equal(
        again.layer_payment("safety", *args), sev.layer_payment("safety", *args)
    )


def test_refuses_what_it_cannot_use(big):
    portfolio, _ = big
    with pytest.raises(ValueError, match="min_injuries"):
        SeverityModel(min_injuries=0).fit(portfolio)
    no_incidents = portfolio.subset(portfolio.products["product_id"].head(10))
    no_incidents.incidents = None
    with pytest.raises(ValueError, match="no incidents"):
        SeverityModel().fit(no_incidents)
    with pytest.raises(RuntimeError, match="not fitted"):
        SeverityModel().mean("safety", ["drone"], ["open_public"])
