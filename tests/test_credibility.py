"""Bühlmann-Straub credibility: textbook values, limits and the complement for new groups."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.credibility import buhlmann_straub


def test_matches_a_hand_computed_example():
    # two groups, equal weights: Xbar = (2, 4), v = 1, a = (sum w (Xbar-X)^2 - v)/(w - sum w^2/w)
    x = [1.0, 3.0, 3.0, 5.0]
    g = ["a", "a", "b", "b"]
    fit = buhlmann_straub(x, g)
    v = (1 + 1 + 1 + 1) / 2
    a = (2 * 1 + 2 * 1 - v) / (4 - 8 / 4)
    z = 2 / (2 + v / a)
    assert fit.within_variance == pytest.approx(v)
    assert fit.between_variance == pytest.approx(a)
    assert fit.table["z"].tolist() == pytest.approx([z, z])
    assert fit.table.loc["a", "estimate"] == pytest.approx(z * 2 + (1 - z) * 3)


def test_more_data_more_credibility_and_new_groups_get_the_complement():
    rng = np.random.default_rng(0)
    means = {"big": 0.0, "mid": 1.0, "small": 2.0, "other": -1.0}
    sizes = {"big": 2000, "mid": 200, "small": 5, "other": 500}
    x = np.concatenate([rng.normal(means[k], 1.0, sizes[k]) for k in means])
    g = np.concatenate([[k] * sizes[k] for k in means])
    fit = buhlmann_straub(x, g)
    z = fit.table["z"]
    assert z["big"] > z["mid"] > z["small"] > 0
    assert fit.weight(["never seen"])[0] == 0
    assert fit.estimate(["never seen"])[0] == pytest.approx(fit.complement)
    # a thin group is pulled towards the complement, a rich one barely
    own = fit.table["own_mean"]
    assert abs(fit.table.loc["small", "estimate"] - own["small"]) > abs(
        fit.table.loc["big", "estimate"] - own["big"]
    )


def test_no_difference_between_groups_means_no_credibility():
    x = np.tile([1.0, 2.0, 3.0], 10)
    g = np.repeat(list("abcdefghij"), 3)
    fit = buhlmann_straub(x, g)
    assert (fit.table["z"] == 0).all() and fit.complement == pytest.approx(2.0)


def test_weights_count_like_repeated_rows():
    x, g = [1.0, 2.0, 5.0, 7.0, 6.0], ["a", "a", "b", "b", "c"]
    weighted = buhlmann_straub(x, g, weights=[2, 1, 1, 1, 1]).table["own_mean"]
    assert weighted["a"] == pytest.approx(4 / 3)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (([], []), "at least one"),
        (([1.0], ["a", "b"]), "same length"),
        (([1.0, 2.0], ["a", "b"], [1, -1]), "weights"),
        (([np.inf], ["a"]), "finite"),
    ],
)
def test_bad_input_is_refused(args, words):
    with pytest.raises(ValueError, match=words):
        buhlmann_straub(*args)


def test_a_single_group_is_the_portfolio():
    fit = buhlmann_straub(pd.Series([1.0, 2.0]), ["only", "only"])
    assert fit.table.loc["only", "z"] == 1 and fit.complement == pytest.approx(1.5)
