"""Behavioural tests of the trained model (Made-With-ML style): directional, invariance and
minimum-functionality checks on a held-out portfolio."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.portfolio import Portfolio
from riskmodel.reference import STANDARDS_CATALOGUE

N = 300


@pytest.fixture(scope="module")
def base(holdout) -> Portfolio:
    portfolio, _ = holdout
    return portfolio.subset(portfolio.products["product_id"].iloc[:N])


def _with(portfolio: Portfolio, table: str, rows: pd.DataFrame) -> Portfolio:
    tables = portfolio.tables()
    frame = tables[table]
    rows = rows.astype({c: frame[c].dtype for c in rows.columns})
    tables[table] = pd.concat([frame, rows[frame.columns]], ignore_index=True)
    return Portfolio(**tables)


def _failed_critical_safety_tests(portfolio: Portfolio) -> pd.DataFrame:
    rows = []
    for p in portfolio.products.itertuples():
        std = next(s for s in STANDARDS_CATALOGUE[p.category] if s.kind == "safety")
        measured = limit = hib = None
        if std.limit:
            limit, hib = std.limit, std.higher_is_better
            measured = limit * (0.8 if hib else 1.2)
        rows.append(
            {
                "product_id": p.product_id,
                "test_id": f"X-{p.product_id}",
                "standard": std.name,
                "test_kind": "safety",
                "test_date": p.coverage_start - pd.Timedelta(days=10),
                "lab_accredited": True,
                "outcome": "fail",
                "severity": "critical",
                "measured_value": measured,
                "limit_value": limit,
                "higher_is_better": hib,
            }
        )
    return pd.DataFrame(rows)


def _active_overseas_certs(
    portfolio: Portfolio, issued_days_before: int, scheme: str = "UL"
) -> pd.DataFrame:
    p = portfolio.products
    return pd.DataFrame(
        {
            "product_id": p["product_id"],
            "scheme": scheme,
            "issuer_country": "US",
            "status": "active",
            "issued_date": p["coverage_start"] - pd.Timedelta(days=issued_days_before),
        }
    )


def test_a_failed_critical_safety_test_never_lowers_safety_risk(model, base):
    before = model.predict(base)
    after = model.predict(_with(base, "test_results", _failed_critical_safety_tests(base)))
    assert (after["safety_risk"] >= before["safety_risk"]).all()
    assert (after["safety_risk"] > before["safety_risk"]).mean() > 0.5  # and usually raises it
    assert (after["performance_risk"] >= before["performance_risk"]).all()


@pytest.mark.parametrize("issued_days_before", [0, 400, 3000])
@pytest.mark.parametrize("scheme", ["UL", "FDA_510K", "EASA_C2"])  # relevant to some, not others
def test_an_active_overseas_certification_never_raises_either_risk(
    model, base, issued_days_before, scheme
):
    before = model.predict(base)
    after = model.predict(
        _with(base, "certifications", _active_overseas_certs(base, issued_days_before, scheme))
    )
    for target in ("performance", "safety"):
        assert (after[f"{target}_risk"] <= before[f"{target}_risk"]).all()


@pytest.mark.parametrize(
    ("column", "change"),
    [
        ("units_deployed", lambda s: s * 3),
        ("units_deployed", lambda s: s * 500),  # far beyond any fleet seen in training
        ("demo_months", lambda s: np.minimum(s + 6, 60)),
        ("demo_months", lambda s: np.maximum(s / 4, 0.25)),  # shorter: never higher (reversed)
    ],
)
def test_more_units_or_months_never_lower_either_risk(model, base, column, change):
    changed = base.products[column].astype(float)
    products = base.products.assign(**{column: change(changed)})
    first, second = (
        model.predict(base),
        model.predict(Portfolio(products, base.test_results, base.certifications)),
    )
    more = products[column].astype(float) >= changed
    assert more.all() or (~more).all()
    low, high = (first, second) if more.all() else (second, first)
    for target in ("performance", "safety"):
        assert (high[f"{target}_risk"] >= low[f"{target}_risk"]).all()
        assert (high[f"{target}_risk"] > low[f"{target}_risk"]).any()
        expected = f"expected_{target}_incidents"
        assert (high[expected] >= low[expected]).all()


def test_scores_do_not_depend_on_row_order_ids_or_outcomes(model, base):
    before = model.predict(base).set_index("product_id")
    shuffled = base.subset(base.products["product_id"])
    shuffled.products = shuffled.products.sample(frac=1, random_state=0).reset_index(drop=True)
    shuffled.test_results = shuffled.test_results.sample(frac=1, random_state=1)
    shuffled.incidents = None  # outcomes are never an input of a score
    after = model.predict(shuffled).set_index("product_id").loc[before.index]
    pd.testing.assert_frame_equal(before, after)

    renamed = Portfolio(
        *(
            t.assign(product_id="new-" + t["product_id"])
            for t in (base.products, base.test_results, base.certifications)
        )
    )
    np.testing.assert_array_equal(model.predict(renamed)["safety_risk"], before["safety_risk"])


def test_one_products_record_does_not_move_another_products_score(model, base):
    first = base.products["product_id"].iloc[0]
    extra = _failed_critical_safety_tests(base.subset([first]))
    before = model.predict(base)
    after = model.predict(_with(base, "test_results", extra))
    others = before["product_id"] != first
    pd.testing.assert_frame_equal(before[others], after[others])


def test_a_bad_record_scores_worse_than_a_clean_one(model, base):
    """Minimum functionality: same product, clean file versus failures and withdrawals."""
    clean = Portfolio(base.products, base.test_results.iloc[0:0], base.certifications.iloc[0:0])
    one = _failed_critical_safety_tests(base)
    failures = pd.concat(
        [one.assign(test_id=one["test_id"] + f"-{i}") for i in range(3)], ignore_index=True
    )
    withdrawn = _active_overseas_certs(base, 800).assign(status="withdrawn")
    bad = _with(_with(clean, "test_results", failures), "certifications", withdrawn)
    good = _with(clean, "certifications", _active_overseas_certs(base, 800))
    assert (model.predict(bad)["safety_risk"] > model.predict(good)["safety_risk"]).mean() > 0.95
