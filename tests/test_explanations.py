"""Explanations: exact, additive, and the same as shap.TreeExplainer's."""

import numpy as np
import pytest

from riskmodel.contract import INPUT_GROUPS, TARGETS
from riskmodel.explanations import (
    explain,
    explanations_table,
    importance,
    importance_by_group,
    shap_contributions,
)


@pytest.fixture(scope="module")
def portfolio(holdout):
    portfolio, _ = holdout
    return portfolio.subset(portfolio.products["product_id"].iloc[:400])


@pytest.fixture(scope="module")
def explanations(model, portfolio):
    return explain(model, portfolio)


@pytest.mark.parametrize("target", TARGETS)
def test_contributions_add_up_to_the_raw_output(model, portfolio, explanations, target):
    scores = model.predict(portfolio)
    raw = explanations[target].raw
    # the contract's identity for scale log_rate
    np.testing.assert_allclose(
        -np.expm1(-np.exp(raw)), scores[f"{target}_risk"], rtol=1e-12, atol=1e-12
    )
    if not model.models_[target].calibration_.applied:  # Poisson: raw is log expected incidents
        expected = scores[f"expected_{target}_incidents"].to_numpy()
        np.testing.assert_allclose(raw, np.log(expected), rtol=0, atol=1e-9)


@pytest.mark.parametrize("target", TARGETS)
def test_lightgbm_and_shap_tree_explainer_agree(model, portfolio, explanations, target):
    X = model.features(portfolio)
    est = model.models_[target]
    cal = est.calibration_
    reference = shap_contributions(model, X, target) * (cal.trees_slope if cal.applied else 1)
    ours = explanations[target].contributions[est.tree_columns_].to_numpy()
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-9)


def test_units_and_months_are_explained_by_their_learned_curves(model, portfolio, explanations):
    ex = explanations["safety"]
    est = model.models_["safety"]
    exposure = [s.name for s in ex.specs if s.kind == "exposure"]
    assert exposure == ["units_deployed", "demo_months"]
    assert set(exposure).isdisjoint(est.tree_columns_)
    curves = est.calibration_.exposure_curves(est.exposure_curves_)
    for name in exposure:
        curve = curves[name]  # the count model's, or the recalibrated probability's own
        assert np.all(curve.slopes >= 0)
        values = ex.values[name].to_numpy()
        np.testing.assert_allclose(
            ex.contributions[name], curve(values) - curve.reference, atol=1e-12
        )
        order = np.argsort(values, kind="stable")  # more exposure never contributes less
        assert np.all(np.diff(ex.contributions[name].to_numpy()[order]) >= -1e-12)
        assert ex.values[name].equals(portfolio.products[name].astype(float).reset_index(drop=True))


def test_the_long_table_has_one_row_per_product_target_and_feature(portfolio, explanations):
    table = explanations_table(explanations)
    n_features = len(explanations["safety"].specs)
    assert len(table) == portfolio.n_products * len(TARGETS) * (n_features + 1)
    assert table["product_id"].iloc[0] == table["product_id"].iloc[2 * (n_features + 1) - 1]
    assert set(table["input_group"]) <= set(INPUT_GROUPS) | {"base"}
    sums = table.groupby(["product_id", "target"], sort=False)["contribution"].sum()
    np.testing.assert_allclose(
        sums.xs("safety", level="target").to_numpy(), explanations["safety"].raw, atol=1e-9
    )


def test_global_importance_shares_sum_to_one(explanations):
    by_group = importance_by_group(explanations)
    for target in TARGETS:
        assert by_group[by_group["target"] == target]["share"].sum() == pytest.approx(1)
        assert set(by_group[by_group["target"] == target]["input_group"]) == set(INPUT_GROUPS)
    ranking = importance(explanations)
    assert ranking.groupby("target")["share"].sum().tolist() == pytest.approx([1, 1])


def test_an_empty_portfolio_explains_to_an_empty_table(model, portfolio):
    empty = portfolio.subset([])
    assert len(explanations_table(explain(model, empty))) == 0
