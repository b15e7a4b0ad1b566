"""freMTPL2 benchmark: the modelling core against Noll, Salzmann and Wuethrich (2018).

    python scripts/bench_fremtpl2.py                      # numpy 90/10 split, seed 100
    python scripts/bench_fremtpl2.py --authors-split      # the authors' own R split
    python scripts/bench_fremtpl2.py --test-ids ids.csv   # a given test set (column IDpol)
    python scripts/bench_fremtpl2.py --sample 20000       # a quick run on a subset

Trains ``PoissonGBMRegressor`` (the estimator the product uses) on freMTPL2freq as the authors
prepared it (ClaimNb capped at 4, Exposure capped at 1, 90/10 split) and prints the test Poisson
deviance in their units (x10^-2, unweighted per policy) next to their published figures. The data
is read in place from ``../shared/data/freMTPL2`` (see SOURCE.md and BENCHMARKS.txt there).

Tuning
------
Settings were chosen on the validation deviance (the 20% of the learning set that the estimator
holds out for early stopping, predicted before its refit); the test deviances were recorded, never
used to choose. Numpy split, seed 100, 2 threads, x10^-2; unnamed settings are the estimator's
defaults (learning_rate 0.05, num_leaves 15, min_child_samples 50, reg_lambda 1, colsample 0.9,
max_bin 255, cat_smooth 10, min_data_per_group 50, early stopping after 100 rounds on 20%):

    settings                                             trees  validation    test fit s
    defaults                                               1626     30.077  29.949    76
    learning_rate 0.1                                       510     30.115  29.976    26
    lr 0.1, 31 leaves                                       574     30.069  29.893    33
    lr 0.1, 63 leaves                                       219     30.041  29.887    20
    lr 0.1, 31 leaves, min_child_samples 200                485     30.043  29.903    28
    lr 0.1, 31 leaves, BonusMalus monotone +1               416     30.202  30.109    25
    lr 0.1, 63 leaves, min_child_samples 200, lambda 10     301     30.023  29.891    24
      same, 127 leaves                                      195     30.035  29.873    22
      same, min_child_samples 500                           278     30.059  29.912    25
      same, colsample 0.7                                   248     30.029  29.887    22
      same, cat_smooth 50, min_data_per_group 200           272     30.043  29.899    24
      same, max_bin 1023                                    346     30.031  29.884    31
    lr 0.05, 63 leaves, min_child_samples 200, lambda 10    601     30.018  29.885    74
      same, colsample 0.7                                   494     30.029  29.876    43
      same, 127 leaves (chosen: PARAMS)                     378     30.010  29.876    41

Among the flexible settings the differences (< 0.03) are within noise. The monotone constraint on
BonusMalus costs 0.13 on validation, so no constraint is used. Fit times are from a quiet 2-core
machine; they grow several-fold when other processes compete for the cores.

Result with PARAMS: on the numpy split (seed 100) the test deviance is 29.876 against 32.965 for the
homogeneous model on the same split (-9.4%; the authors' PBM3 is -7.1% below their homogeneous
model). On the authors' own test set (the IDpol left out by R's ``set.seed(100);
sample(1:678013, 610212)`` with ``sample.kind = "Rounding"``, given with ``--test-ids``) the
homogeneous model reproduces their 32.935 / 33.861 exactly and the model scores 28.155 in-sample and
30.921 out-of-sample (381 trees), below their boosting (31.468) and GLM (32.171).
``--authors-split`` rebuilds that test set here: it reimplements R's (< 3.6) seeding of its
Mersenne Twister and the "Rounding" ``sample()``; R 3.5's ``set.seed(1); runif(3)`` gives
0.2655087 0.3721239 0.5728534, as does :func:`r_runif`, and the homogeneous model on the rebuilt
split gives the authors' 32.935 / 33.861 (tested).

Caveat: 38% of the policies share all nine features with another one (some are one policy split
over several rows, which is why later work uses a cleaned version and grouped splits). A random
split, the authors' as well as ours, therefore rewards memorising feature combinations: the
comparison is fair, but the figures are optimistic for genuinely new policies.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import xlogy

from riskmodel.models import PoissonGBMRegressor

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "freMTPL2" / "freMTPL2freq.parquet"

CATEGORICAL = ["Area", "VehBrand", "VehGas", "Region"]
NUMERIC = ["VehPower", "VehAge", "DrivAge", "BonusMalus", "LogDensity"]

# In-sample and out-of-sample figures from BENCHMARKS.txt (section A), on the authors' R split.
PUBLISHED = [
    ("homogeneous", 32.935, 33.861),
    ("GLM1 (49 parameters)", 31.267, 32.171),
    ("PBM3 boosting (depth 3, 50)", 30.132, 31.468),
]

# The settings chosen on the validation split (see "Tuning" above); the test set played no part.
PARAMS: dict = {
    "learning_rate": 0.05,
    "max_iter": 3000,
    "num_leaves": 127,
    "min_child_samples": 200,
    "reg_lambda": 10.0,
    "colsample": 0.9,
    "max_bin": 255,
    "monotone_constraints": None,
    "early_stopping_rounds": 100,
    "validation_fraction": 0.2,
    "refit_full": True,
    "cat_smooth": 10.0,
    "min_data_per_group": 50,
}


def load(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Read freMTPL2freq and prepare it as the authors did.

    Parameters
    ----------
    path : Path
        The Parquet file.

    Returns
    -------
    X : DataFrame
        Features: categoricals as ``category`` (categories fixed from the whole file, so every
        split sees the same ones), numerics as float.
    y : ndarray
        Claim counts capped at 4.
    exposure : ndarray
        Exposures in years capped at 1.
    ids : ndarray
        IDpol of each row, as int64.
    """
    data = pd.read_parquet(path)
    X = pd.DataFrame(
        {c: data[c].astype("float64") for c in ["VehPower", "VehAge", "DrivAge", "BonusMalus"]}
    )
    # Density spans 1 to 27,000 inhabitants per km2: its log is what GLMs use. Trees only see the
    # order, so this changes nothing but the readability of split points.
    X["LogDensity"] = np.log(data["Density"].astype("float64"))
    for col in CATEGORICAL:
        # VehGas is a plain string column, which LightGBM rejects; sorted categories make the
        # encoding independent of row order.
        values = data[col].astype("object")
        X[col] = pd.Categorical(values, categories=sorted(values.unique()))
    X = X[CATEGORICAL + NUMERIC]
    y = np.minimum(data["ClaimNb"].to_numpy("float64"), 4.0)
    exposure = np.minimum(data["Exposure"].to_numpy("float64"), 1.0)
    return X, y, exposure, data["IDpol"].to_numpy("int64")


def poisson_deviance(obs: np.ndarray, pred: np.ndarray) -> float:
    """Mean Poisson deviance per policy in the authors' units (x10^-2).

    ``200 * (sum(pred) - sum(obs) + sum(obs * log(obs / pred))) / n``, the last term 0 where
    ``obs == 0``.
    """
    return float(200 * (pred.sum() - obs.sum() + xlogy(obs, obs / pred).sum()) / len(obs))


def r_runif(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); runif(n)`` of R before 3.6 (Mersenne Twister, R's initial scrambling)."""
    state = int(seed) % 2**32
    for _ in range(50):  # R's Randomize(): 50 rounds of the LCG before filling the state
        state = (69069 * state + 1) % 2**32
    key = []
    for _ in range(625):
        state = (69069 * state + 1) % 2**32
        key.append(state)
    generator = np.random.MT19937(0)
    generator.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(key[1:], dtype=np.uint32), "pos": 624},
    }
    u = generator.random_raw(n).astype(np.float64) * 2.3283064365386963e-10
    tiny = 0.5 * 2.328306437080797e-10  # R keeps draws strictly inside (0, 1)
    return np.clip(u, tiny, 1 - tiny)


def r_sample(n: int, k: int, seed: int) -> np.ndarray:
    """``set.seed(seed); sample(1:n, k)`` of R before 3.6 (``sample.kind = "Rounding"``),
    as 0-based row indices in R's order."""
    u = r_runif(k, seed)
    pool = np.arange(n)
    out = np.empty(k, dtype=np.int64)
    remaining = n
    for i in range(k):  # R's do_sample without replacement: swap the pick with the last
        j = int(remaining * u[i])
        out[i] = pool[j]
        remaining -= 1
        pool[j] = pool[remaining]
    return out


def split(
    ids: np.ndarray, *, seed: int, sample: int | None, test_ids: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the learning and the test set.

    Parameters
    ----------
    ids : ndarray
        IDpol of every row.
    seed : int
        Seed of numpy's generator for the sample and the random split.
    sample : int or None
        Use only this many policies: drawn before splitting, or with ``test_ids`` drawn from the
        learning rows (so the test set stays exactly the one given).
    test_ids : ndarray or None
        IDpol of the test policies; all other rows learn. None for a random 90/10 split.

    Returns
    -------
    learn, test : ndarray of int
        Sorted row indices.
    """
    rng = np.random.default_rng(seed)
    rows = np.arange(len(ids))
    if test_ids is not None:
        unknown = np.setdiff1d(test_ids, ids)
        if len(unknown):
            raise SystemExit(
                f"error: {len(unknown)} test IDpol not in the data, e.g. {unknown[:5]}"
            )
        is_test = np.isin(ids, test_ids)
        learn, test = rows[~is_test], rows[is_test]
        if sample is not None and sample < len(learn):
            learn = np.sort(rng.choice(learn, sample, replace=False))
        return learn, test
    if sample is not None and sample < len(rows):
        rows = np.sort(rng.choice(rows, sample, replace=False))
    shuffled = rng.permutation(rows)
    # round(0.9 n): 610,212 learning policies on the full data, as in the authors' R split.
    n_learn = round(0.9 * len(rows))
    return np.sort(shuffled[:n_learn]), np.sort(shuffled[n_learn:])


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the deviance table; the last line is the test deviance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="freMTPL2freq.parquet")
    parser.add_argument("--test-ids", type=Path, help="CSV with a column IDpol: the test set")
    parser.add_argument(
        "--authors-split",
        action="store_true",
        help="the authors' test set: R's set.seed(100); sample(1:n, 0.9 n)",
    )
    parser.add_argument("--seed", type=int, default=100, help="numpy seed of split and sample")
    parser.add_argument("--sample", type=int, help="use only N policies (quick runs, tests)")
    parser.add_argument("--threads", type=int, default=2, help="LightGBM threads")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"{args.data} not found (freMTPL2freq.parquet from ../shared/data/freMTPL2)")
    if args.sample is not None and args.sample < 100:
        parser.error(f"--sample must be at least 100, got {args.sample}")

    X, y, exposure, ids = load(args.data)
    test_ids = None
    if args.authors_split:
        if args.test_ids is not None:
            parser.error("use either --authors-split or --test-ids")
        learning = r_sample(len(ids), round(0.9 * len(ids)), 100)
        test_ids = np.setdiff1d(ids, ids[learning])
    if args.test_ids is not None:
        table = pd.read_csv(args.test_ids)
        if "IDpol" not in table.columns:
            parser.error(f"{args.test_ids} has no column IDpol (columns: {list(table.columns)})")
        test_ids = np.unique(table["IDpol"].to_numpy("int64"))
        if len(test_ids) == 0:
            parser.error(f"{args.test_ids} lists no IDpol")
    learn, test = split(ids, seed=args.seed, sample=args.sample, test_ids=test_ids)

    print(f"freMTPL2freq: {len(ids):,} policies; ClaimNb capped at 4, Exposure capped at 1")
    if args.authors_split:
        how = "the authors' split (R < 3.6: set.seed(100); sample(1:678013, 610212))"
    elif test_ids is not None:
        how = f"test set from {args.test_ids} ({len(test_ids):,} IDpol)"
    else:
        how = f"numpy random 90/10 split, seed {args.seed}"
    sampled = ""
    if args.sample and test_ids is not None:
        sampled = f", {args.sample:,} learning policies drawn at random"
    elif args.sample:
        sampled = f", sample of {args.sample:,} policies"
    print(f"split: {how}{sampled}: learn {len(learn):,} / test {len(test):,}")
    if test_ids is None:
        print(
            "note: a numpy split is not the authors' R split (set.seed(100); sample()): "
            "figures are comparable in scale, not identical"
        )

    model = PoissonGBMRegressor(**PARAMS, random_state=args.seed, n_jobs=args.threads)
    start = time.perf_counter()
    model.fit(X.iloc[learn], y[learn], exposure=exposure[learn])
    seconds = time.perf_counter() - start
    pred_learn = model.predict(X.iloc[learn], exposure=exposure[learn])
    pred_test = model.predict(X.iloc[test], exposure=exposure[test])
    # The validation rows are a part of the learning set held out for early stopping; their
    # predictions come from the model before the refit, so this is the figure used for tuning.
    valid = learn[model.validation_index_]
    valid_dev = poisson_deviance(y[valid], model.validation_prediction_)

    # Homogeneous model: the learning set's claim frequency times each policy's exposure.
    frequency = y[learn].sum() / exposure[learn].sum()
    homog_learn = poisson_deviance(y[learn], frequency * exposure[learn])
    homog_test = poisson_deviance(y[test], frequency * exposure[test])
    test_dev = poisson_deviance(y[test], pred_test)

    print(
        f"model: PoissonGBMRegressor, {len(X.columns)} features; early stopping on "
        f"{model.validation_fraction:.0%} of the learning set chose {model.best_iteration_} "
        f"trees, then refitted on all of it"
    )
    print(f"training time: {seconds:.1f} s (early stopping and refit, {args.threads} threads)")
    print(f"validation deviance (x10^-2, early-stopping rows, before refit): {valid_dev:.3f}")
    print()
    print(f"{'Poisson deviance (x10^-2)':<40} {'in-sample':>10} {'out-of-sample':>14}")
    print("Noll, Salzmann & Wuethrich (2018), their split:")
    for name, inside, outside in PUBLISHED:
        print(f"  {name:<38} {inside:>10.3f} {outside:>14.3f}")
    print("riskmodel, this split:")
    print(f"  {'homogeneous':<38} {homog_learn:>10.3f} {homog_test:>14.3f}")
    print(
        f"  {'PoissonGBMRegressor':<38} {poisson_deviance(y[learn], pred_learn):>10.3f} "
        f"{test_dev:>14.3f}"
    )
    print(f"test deviance (x10^-2): {test_dev:.3f}")


if __name__ == "__main__":
    main()
