"""Explanations: exact, additive, and the same as shap.TreeExplainer's."""

import numpy as np
import pytest

from riskmodel.contract import INPUT_GROUPS, TARGETS
from riskmodel.explanations import (
    EXPOSURE_FEATURE,
    explain,
    explanations_table,
    importance,
    importance_by_group,
    shap_contributions,
)
from riskmodel.portfolio import exposure_unit_years


@pytest.fixture(scope="module")
def portfolio(holdout):
    portfolio, _ = holdout
    return portfolio.subset(portfolio.products["product_id"].iloc[:400])


@pytest.fixture(scope="module")
def explanations(model, portfolio):
    return explain(model, portfolio)


@pytest.mark.parametrize("target", TARGETS)
def test_contributions_add_up_to_the_raw_output(model, portfolio, explanations, target):
    expected = model.predict(portfolio)[f"expected_{target}_incidents"].to_numpy()
    np.testing.assert_allclose(explanations[target].raw, np.log(expected), rtol=0, atol=1e-9)


@pytest.mark.parametrize("target", TARGETS)
def test_lightgbm_and_shap_tree_explainer_agree(model, portfolio, explanations, target):
    X = model.features(portfolio)
    reference = shap_contributions(model, X, target)
    ours = explanations[target].contributions[list(X.columns)].to_numpy()
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-9)


def test_the_exposure_offset_is_an_explicit_feature(model, portfolio, explanations):
    ex = explanations["safety"]
    assert ex.specs[-1] == EXPOSURE_FEATURE
    unit_years = exposure_unit_years(portfolio.products).to_numpy()
    np.testing.assert_allclose(ex.values["exposure"], unit_years)
    np.testing.assert_allclose(
        np.exp(ex.contributions["exposure"]),
        unit_years / np.exp(model.training_["mean_log_exposure"]),
    )


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
