"""The validated portfolio: subsets, counts, exposure and the fingerprint of its data."""

import numpy as np
import pandas as pd

from riskmodel.portfolio import exposure_unit_years


def test_a_subset_keeps_exactly_the_chosen_products_and_their_rows(holdout):
    portfolio, _ = holdout
    ids = portfolio.products["product_id"].iloc[[5, 2, 9]].tolist()
    some = portfolio.subset(ids)
    assert set(some.products["product_id"]) == set(ids)
    for frame in (some.test_results, some.certifications, some.incidents):
        assert set(frame["product_id"]) <= set(ids)
    every = portfolio.test_results["product_id"].isin(ids).sum()
    assert len(some.test_results) == every  # no child row lost


def test_incident_counts_cover_every_product_with_zeros(holdout):
    portfolio, _ = holdout
    counts = portfolio.incident_counts()
    assert len(counts) == portfolio.n_products
    assert (counts[["performance", "safety"]] >= 0).all().all()
    kinds = portfolio.incidents.groupby("kind").size()
    for kind in ("performance", "safety"):
        assert counts[kind].sum() == kinds.get(kind, 0)


def test_exposure_is_units_times_years():
    products = pd.DataFrame({"units_deployed": [1, 4], "demo_months": [12.0, 3.0]})
    np.testing.assert_allclose(exposure_unit_years(products), [1.0, 1.0])


def test_the_fingerprint_follows_the_data_not_the_row_order(holdout):
    portfolio, _ = holdout
    ids = portfolio.products["product_id"].iloc[:50].tolist()
    a, b = portfolio.subset(ids), portfolio.subset(ids[::-1])
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != portfolio.subset(ids[:49]).fingerprint()
