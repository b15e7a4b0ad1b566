"""TreeSHAP once per decision pattern equals LightGBM's (and so shap's) TreeSHAP."""

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import shap

from riskmodel.explanations import explain
from riskmodel.models.treeshap import (
    _CATEGORICAL,
    _MISSING_NAN,
    _MISSING_ZERO,
    _ZERO,
    TreeShap,
    _code,
    lightgbm_matrix,
)


def _goes_left(tree, A: np.ndarray) -> np.ndarray:
    """Every row's decision at every split, LightGBM's rules, written independently in numpy:
    ``(rows, splits)`` booleans, the reference the compiled decisions are tested against."""
    out = np.empty((len(A), tree.n_splits), dtype=bool)
    for i in range(tree.n_splits):
        x = A[:, tree.feature[i]]
        nan = np.isnan(x)
        if tree.kind[i] == _CATEGORICAL:
            # NaN and negative values go right; otherwise left when in the split's set
            ok = ~nan & (np.nan_to_num(x, nan=-1.0) >= 0)
            out[:, i] = ok & np.isin(np.where(ok, x, -1).astype(np.int64), tree.categories[i])
            continue
        m = tree.missing[i]
        value = np.where(nan, 0.0, x) if m != _MISSING_NAN else x
        left = value <= tree.threshold[i]
        if m == _MISSING_ZERO:
            left = np.where(np.abs(value) <= _ZERO, tree.default_left[i], left)
        elif m == _MISSING_NAN:
            left = np.where(nan, tree.default_left[i], left)
        out[:, i] = left
    return out


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "count": rng.poisson(2.0, n).astype(float),
            "gap": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),  # missing values
            "zeroish": np.where(rng.random(n) < 0.3, 0.0, rng.gamma(2.0, size=n)),
            "kind": pd.Categorical(
                rng.choice(["a", "b", "c", "d", "e", "f"], n), categories=list("abcdef")
            ),
        }
    )
    X.loc[rng.random(n) < 0.05, "kind"] = np.nan  # a missing category
    signal = (
        X["x"]
        + 0.5 * X["count"]
        + np.nan_to_num(X["gap"].to_numpy())
        + X["kind"].cat.codes.isin([1, 3]) * 1.5
        - 0.3 * X["zeroish"]
    )
    return X, rng.poisson(np.exp(0.3 * signal - 1.0))


@pytest.mark.parametrize(
    "params",
    [
        {"objective": "poisson", "num_leaves": 15, "min_data_per_group": 5, "cat_smooth": 1},
        {"objective": "regression", "num_leaves": 31, "max_depth": 6},
        {"objective": "poisson", "num_leaves": 7, "zero_as_missing": True},
        {"objective": "poisson", "num_leaves": 63, "min_data_in_leaf": 2},  # deep, many patterns
    ],
)
def test_equal_to_lightgbm_on_random_trees(params):
    X, y = _frame(3000, seed=len(params))
    booster = lgb.train(
        {
            **params,
            "verbose": -1,
            "seed": 1,
            "min_data_per_group": params.get("min_data_per_group", 5),
        },
        lgb.Dataset(X, y),
        num_boost_round=40,
    )
    test, _ = _frame(1500, seed=99)
    explainer = TreeShap(booster)
    kinds = {int(k) for tree in explainer.trees for k in tree.kind}
    missing = {int(m) for tree in explainer.trees for m in tree.missing}
    assert 1 in kinds  # categorical splits are exercised
    assert missing & {1, 2}  # and splits with missing values (zero-as-missing or NaN)
    ours = explainer.contributions(test)
    reference = booster.predict(test, pred_contrib=True)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)
    by_shap = shap.TreeExplainer(booster).shap_values(test)
    np.testing.assert_allclose(ours[:, :-1], by_shap, rtol=1e-12, atol=1e-12)
    # additive: the contributions and the expected value sum to the raw prediction
    np.testing.assert_allclose(ours.sum(axis=1), booster.predict(test, raw_score=True), atol=1e-9)


def test_compiled_decisions_follow_lightgbms_rules():
    X, y = _frame(2000, seed=5)
    booster = lgb.train(
        {"objective": "poisson", "num_leaves": 15, "verbose": -1, "min_data_per_group": 5},
        lgb.Dataset(X, y),
        num_boost_round=10,
    )
    shap_ = TreeShap(booster)
    A = lightgbm_matrix(X)
    for t, tree in enumerate(shap_.trees):
        if tree.n_splits == 0:
            continue
        bits = _goes_left(tree, A)
        packed = bits.astype(np.int64) @ (np.int64(1) << np.arange(tree.n_splits, dtype=np.int64))
        off = shap_._node_start[t]
        codes = [
            _code(A, r, off, tree.n_splits, shap_._feature, shap_._threshold, shap_._kind,
                  shap_._default_left, shap_._missing, shap_._cats)
            for r in range(0, len(A), 7)
        ]  # fmt: skip
        np.testing.assert_array_equal(codes, packed[::7])
    # the leaves those decisions reach are LightGBM's own
    leaves = booster.predict(X, pred_leaf=True)
    for t, tree in enumerate(shap_.trees):
        if tree.n_splits == 0:
            continue
        node, left = np.zeros(len(A), dtype=int), _goes_left(tree, A)
        for _ in range(tree.n_splits):
            inner = node < tree.n_splits
            step = np.where(left[np.arange(len(A)), np.minimum(node, tree.n_splits - 1)],
                            tree.left[node], tree.right[node])  # fmt: skip
            node = np.where(inner, step, node)
        np.testing.assert_array_equal(node - tree.n_splits, leaves[:, t])


def test_a_row_gets_the_same_bits_alone_or_in_any_batch(model, holdout):
    portfolio, _ = holdout
    X = model.features(portfolio.subset(portfolio.products["product_id"].iloc[:700]))
    est = model.models_["safety"]
    explainer = TreeShap(est.booster_)
    batch = explainer.contributions(X[est.tree_columns_])  # 700 rows: parallel chunks
    alone = np.vstack(
        [explainer.contributions(X[est.tree_columns_].iloc[[i]]) for i in (0, 350, 699)]
    )
    np.testing.assert_array_equal(alone, batch[[0, 350, 699]])
    np.testing.assert_array_equal(explainer.contributions(X[est.tree_columns_], n_jobs=1), batch)


def test_the_models_explanations_are_the_same_either_way(model, holdout):
    portfolio, _ = holdout
    some = portfolio.subset(portfolio.products["product_id"].iloc[:400])
    fast = explain(model, some)  # the default: once per pattern
    reference = explain(model, some, method="lightgbm")
    for target in reference:
        np.testing.assert_allclose(
            fast[target].contributions.to_numpy(),
            reference[target].contributions.to_numpy(),
            rtol=1e-12,
            atol=1e-12,
        )
        assert fast[target].base == pytest.approx(reference[target].base, abs=1e-12)
    with pytest.raises(ValueError, match="method must be 'lightgbm' or 'patterns'"):
        model.models_["safety"].predict_contributions(model.features(some), method="shap")


def test_a_forest_with_single_leaf_trees():
    """A tree that found no split is a single leaf: it adds to the expected value only."""
    X, _ = _frame(300, seed=3)
    y = np.ones(300)  # nothing to learn: every tree is one leaf
    booster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, y), 3)
    ours = TreeShap(booster).contributions(X)
    np.testing.assert_allclose(ours, booster.predict(X, pred_contrib=True), atol=1e-12)
    assert np.all(ours[:, :-1] == 0)
