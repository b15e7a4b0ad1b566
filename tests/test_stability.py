"""Population stability: bins fixed at training, PSI near 0 for the same population, large for a
shifted one, and categories handled."""

import numpy as np
import pandas as pd

from riskmodel.stability import population_stability, reference_distribution


def test_psi_is_small_for_the_same_population_and_large_for_a_shifted_one():
    rng = np.random.default_rng(1)
    train = pd.DataFrame(
        {
            "x": rng.normal(size=20000),
            "c": pd.Categorical(rng.choice(["a", "b", "c"], size=20000, p=[0.5, 0.3, 0.2])),
        }
    )
    ref = reference_distribution(train, {"risk": rng.uniform(size=20000)})
    same = pd.DataFrame(
        {
            "x": rng.normal(size=5000),
            "c": pd.Categorical(rng.choice(["a", "b", "c"], size=5000, p=[0.5, 0.3, 0.2])),
        }
    )
    table = population_stability(ref, same, {"risk": rng.uniform(size=5000)}).set_index("name")
    assert (table["psi"] < 0.02).all() and (table["flag"] == "stable").all()
    shifted = pd.DataFrame(
        {
            "x": rng.normal(0.5, 1, size=5000),
            "c": pd.Categorical(rng.choice(["a", "b", "d"], size=5000, p=[0.2, 0.2, 0.6])),
        }
    )
    table = population_stability(ref, shifted, {"risk": rng.uniform(0.5, 1, size=5000)})
    table = table.set_index("name")
    assert table.loc["c", "flag"] == "major shift"  # a new level counts against the floor
    assert table.loc["x", "psi"] > 0.1 and table.loc["risk", "flag"] == "major shift"
    assert table["psi"].is_monotonic_decreasing


def test_missing_values_have_their_own_bin():
    ref = reference_distribution(pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0] * 100}), {})
    assert ref["features"]["x"]["shares"]["__missing__"] == 0.25
    out = population_stability(ref, pd.DataFrame({"x": [np.nan] * 10}), {})
    assert out.loc[0, "flag"] == "major shift"
