"""Robustness benchmark: riskmodel on a family of structurally different worlds, against the truth
and against a plain LightGBM classifier.

    python scripts/bench_robustness.py                        # every world, 100,000 / 20,000
    python scripts/bench_robustness.py --worlds base clustered --train 20000 --holdout 10000
    python scripts/bench_robustness.py --config my-train.toml --json out.json

For each world of :mod:`riskmodel.synthetic.worlds` it draws a training portfolio (seed 101, a
training draw: the world's new categories rarer) and a held-out one (seed 202), trains riskmodel
(the frequency models only: no uncertainty refits) and, in this script, the classifier a competent
analyst writes in an afternoon: LightGBM's binary classifier of "at least one incident" on simple
features (failed tests by kind and by severity, the thinnest margin per kind, the share of
accredited laboratories, certificates by status, active overseas certificates, log units, months,
TRL, company age, category, zone, public exposure), with early stopping on a fifth of the companies.
It prints, per world and target, against the true probabilities (the oracle): AUC, log-loss and its
excess over the oracle's, the sums of predicted / true probabilities and of expected incidents
overall, the worst category and the worst band of units deployed (1, 2-3, 4-7, 8-15, 16-40, 41+;
groups with at least 500 held-out products) and the worst decile of predicted risk (sums of risks),
then each world's checks:

- excess log-loss over the truth at most half the plain classifier's;
- AUC within 0.005 of the truth's;
- sums of predicted / true probabilities and of expected incidents within 3% overall and within
  10% in every band of units with at least 500 products.

Also the sum of expected losses in each policy's layer against the truth (the severity model is
lognormal; worlds with Pareto or fixed-benefit losses show what that costs). Settings are chosen on
all worlds together (``--config`` takes a training config), never on one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit

from riskmodel.config import TrainConfig, load_config
from riskmodel.contract import CATEGORIES, PUBLIC_EXPOSURE_LEVELS, TARGETS, TEST_KINDS
from riskmodel.evaluation import (
    MIN_PRODUCTS_PER_CATEGORY,
    binary_log_loss,
    calibration_table,
    evaluate_scores,
)
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.pricing.premium import expected_losses
from riskmodel.reference import DOMESTIC_COUNTRY
from riskmodel.synthetic import generate_portfolio
from riskmodel.synthetic.worlds import WORLDS

TARGETS_CHECKED = {
    "auc_gap": 0.005,
    "excess_share_of_plain": 0.5,
    "overall": 0.03,
    "band": 0.10,
}


# ------------------------------------------------------------------------- the plain classifier
def simple_features(portfolio: Portfolio) -> pd.DataFrame:
    """What an analyst computes in an afternoon, one row per product."""
    p = portfolio.products.reset_index(drop=True)
    ids = p["product_id"]
    t = portfolio.test_results
    c = portfolio.certifications
    out = pd.DataFrame(index=ids)
    failed = t[t["outcome"] == "fail"]
    for kind in TEST_KINDS:
        out[f"failed_{kind}"] = failed[failed["test_kind"] == kind].groupby("product_id").size()
    for sev in ("minor", "major", "critical"):
        out[f"failed_{sev}"] = failed[failed["severity"] == sev].groupby("product_id").size()
    hib = t["higher_is_better"].fillna(True).astype(bool)
    measured = t["measured_value"].astype(float)
    limit = t["limit_value"].astype(float)
    margin = np.where(hib, measured / limit - 1, 1 - measured / limit)
    t = t.assign(margin=margin)
    for kind in TEST_KINDS:
        out[f"margin_{kind}"] = t[t["test_kind"] == kind].groupby("product_id")["margin"].min()
    out["accredited_share"] = t.groupby("product_id")["lab_accredited"].mean().astype(float)
    for status in ("active", "expired", "suspended", "withdrawn"):
        out[f"certs_{status}"] = c[c["status"] == status].groupby("product_id").size()
    overseas = c[(c["status"] == "active") & (c["issuer_country"] != DOMESTIC_COUNTRY)]
    out["certs_active_overseas"] = overseas.groupby("product_id").size()
    counts = [col for col in out.columns if col.startswith(("failed_", "certs_"))]
    out[counts] = out[counts].fillna(0)
    out = out.reset_index(drop=True)
    out["log_units"] = np.log(p["units_deployed"].astype(float))
    out["months"] = p["demo_months"].astype(float)
    out["trl"] = p["trl"].astype(float)
    out["company_age"] = p["company_age_years"].astype(float)
    out["category"] = pd.Categorical(p["category"].astype(str), categories=CATEGORIES)
    out["zone"] = pd.Categorical(p["zone"].astype(str))
    out["public_exposure"] = pd.Categorical(
        p["public_exposure"].astype(str), categories=PUBLIC_EXPOSURE_LEVELS
    )
    return out


def plain_classifier(train: Portfolio, holdout: Portfolio, seed: int) -> dict[str, np.ndarray]:
    """Probabilities of at least one incident on ``holdout``, per target."""
    X = simple_features(train)
    Xh = simple_features(holdout)
    Xh["zone"] = pd.Categorical(Xh["zone"].astype(str), categories=X["zone"].cat.categories)
    counts = train.incident_counts()
    companies = train.products["company_id"].astype(str).to_numpy()
    fit_idx, val_idx = next(
        GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=seed).split(X, groups=companies)
    )
    out = {}
    for target in TARGETS:
        y = (counts[target].to_numpy() > 0).astype(int)
        clf = lgb.LGBMClassifier(
            n_estimators=3000,
            learning_rate=0.05,
            num_leaves=31,
            min_child_samples=50,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=seed,
            n_jobs=2,
            verbosity=-1,
        )
        clf.fit(
            X.iloc[fit_idx],
            y[fit_idx],
            eval_X=X.iloc[val_idx],
            eval_y=y[val_idx],
            callbacks=[lgb.early_stopping(100, verbose=False)],
        )
        out[target] = clf.predict_proba(Xh)[:, 1]
    return out


# --------------------------------------------------------------------------------- one world
def run_world(
    name: str, n_train: int, n_holdout: int, config: TrainConfig, plain_cache: dict | None = None
) -> dict:
    w = WORLDS[name]
    t0 = time.perf_counter()
    train, _ = generate_portfolio(n_train, seed=101, world=w, training=True)
    holdout, truth = generate_portfolio(n_holdout, seed=202, world=w)
    model = RiskModel(config).fit(train)
    fit_s = time.perf_counter() - t0
    scores = model.predict(holdout)
    losses = expected_losses(model, holdout)
    evaluations = evaluate_scores(scores, holdout.incident_counts(), holdout.products, truth)
    key = f"{name}/{n_train}/{n_holdout}/{config.seed}"
    if plain_cache is not None and key in plain_cache:  # it does not depend on riskmodel's config
        plain = {t: np.asarray(v) for t, v in plain_cache[key].items()}
    else:
        plain = plain_classifier(train, holdout, seed=config.seed)
        if plain_cache is not None:
            plain_cache[key] = {t: v.tolist() for t, v in plain.items()}
    hits = holdout.incident_counts()
    result = {
        "world": name,
        "description": w.description,
        "fit_seconds": fit_s,
        "expected_loss_to_true": float(
            losses["expected_loss_krw"].sum() / truth["expected_loss_krw"].sum()
        ),
        "targets": {},
    }
    for target in TARGETS:
        ev = evaluations[target]
        hit = (hits[target].to_numpy() > 0).astype(int)
        plain_ll = binary_log_loss(hit, plain[target])
        plain_auc = float(roc_auc_score(hit, plain[target]))
        ll_excess = ev.log_loss - ev.oracle_log_loss
        plain_excess = plain_ll - ev.oracle_log_loss
        cats = ev.predicted_to_true_by_category
        worst_cat = max(cats, key=lambda c: abs(cats[c] - 1)) if cats else None
        bands = {
            **{f"risk {b}": r for b, r in ev.predicted_to_true_by_band.items()},
            **{f"incidents {b}": r for b, r in ev.expected_to_true_by_band.items()},
        }
        worst_band = max(bands, key=lambda b: abs(bands[b] - 1)) if bands else None
        risk = scores[f"{target}_risk"].to_numpy()
        deciles = calibration_table(
            scores,
            truth,
            pd.qcut(pd.Series(risk).rank(method="first"), 10, labels=False).to_numpy() + 1,
            target=target,
        )
        by_decile = dict(zip(deciles["group"].astype(int), deciles["risk_ratio"], strict=True))
        worst_decile = max(by_decile, key=lambda d: abs(by_decile[d] - 1))
        checks = {
            "excess log-loss <= half the plain classifier's": ll_excess
            <= TARGETS_CHECKED["excess_share_of_plain"] * max(plain_excess, 0.0),
            "AUC within 0.005 of the truth": ev.auc_gap <= TARGETS_CHECKED["auc_gap"],
            "sums within 3% overall": max(
                abs(ev.predicted_to_true - 1), abs(ev.expected_to_true - 1)
            )
            <= TARGETS_CHECKED["overall"],
            "sums within 10% in every band of units": all(
                abs(r - 1) <= TARGETS_CHECKED["band"] for r in bands.values()
            ),
        }
        result["targets"][target] = {
            "auc": ev.auc,
            "oracle_auc": ev.oracle_auc,
            "plain_auc": plain_auc,
            "log_loss": ev.log_loss,
            "oracle_log_loss": ev.oracle_log_loss,
            "plain_log_loss": plain_ll,
            "excess_log_loss": ll_excess,
            "plain_excess_log_loss": plain_excess,
            "predicted_to_true": ev.predicted_to_true,
            "expected_to_true": ev.expected_to_true,
            "plain_predicted_to_true": float(plain[target].sum() / truth[f"{target}_prob"].sum()),
            "by_category": cats,
            "worst_category": worst_cat,
            "by_band": bands,
            "worst_band": worst_band,
            "by_decile": {int(d): float(r) for d, r in by_decile.items()},
            "worst_decile": int(worst_decile),
            "checks": checks,
        }
    return result


def print_world(r: dict) -> None:
    print(f"\n== {r['world']}: {r['description']} (fit {r['fit_seconds']:.0f} s)")
    print(
        f"  {'target':<12} {'AUC':>7} {'truth':>7} {'plain':>7} {'log-loss':>9} {'truth':>7} "
        f"{'plain':>7} {'excess':>8} {'plain ex':>8} {'P/true':>7} {'E/true':>7} "
        f"{'worst category':>26} {'worst band':>22} {'worst decile':>13}"
    )
    for target, m in r["targets"].items():
        wc = m["worst_category"]
        wb = m["worst_band"]
        cat_text = f"{wc} {m['by_category'][wc]:.3f}" if wc else "-"
        band_text = f"{wb} {m['by_band'][wb]:.3f}" if wb else "-"
        wd = m["worst_decile"]
        decile_text = f"{wd}: {m['by_decile'][wd]:.3f}"
        print(
            f"  {target:<12} {m['auc']:>7.4f} {m['oracle_auc']:>7.4f} {m['plain_auc']:>7.4f} "
            f"{m['log_loss']:>9.4f} {m['oracle_log_loss']:>7.4f} {m['plain_log_loss']:>7.4f} "
            f"{m['excess_log_loss']:>8.4f} {m['plain_excess_log_loss']:>8.4f} "
            f"{m['predicted_to_true']:>7.3f} {m['expected_to_true']:>7.3f} "
            f"{cat_text:>26} {band_text:>22} {decile_text:>13}"
        )
    print(f"  expected losses in each layer / truth: {r['expected_loss_to_true']:.3f}")
    for target, m in r["targets"].items():
        failed = [k for k, ok in m["checks"].items() if not ok]
        print(f"  {target}: " + ("all checks pass" if not failed else "FAIL " + "; ".join(failed)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", nargs="+", default=list(WORLDS), choices=list(WORLDS))
    parser.add_argument("--train", type=int, default=100_000)
    parser.add_argument("--holdout", type=int, default=20_000)
    parser.add_argument("--config", help="training config (TOML); default: the defaults")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a booster parameter of both targets (e.g. num_leaves=31); repeatable",
    )
    parser.add_argument(
        "--plain-cache",
        help="JSON file keeping the plain classifier's predictions between runs",
    )
    args = parser.parse_args(argv)
    config = load_config(args.config)
    config = dataclasses.replace(config, uncertainty_replicates=0)
    if args.set:
        overrides = {}
        for item in args.set:
            key, _, value = item.partition("=")
            overrides[key] = json.loads(value)
        config = dataclasses.replace(
            config,
            performance={**config.performance, **overrides},
            safety={**config.safety, **overrides},
        )
        print(f"booster parameters overridden: {overrides}")
    cache = None
    if args.plain_cache:
        path = Path(args.plain_cache)
        cache = json.loads(path.read_text()) if path.is_file() else {}
    print(
        f"robustness benchmark: {len(args.worlds)} worlds, {args.train:,} training and "
        f"{args.holdout:,} held-out products; groups of at least {MIN_PRODUCTS_PER_CATEGORY} "
        "products"
    )
    results = []
    for name in args.worlds:
        results.append(run_world(name, args.train, args.holdout, config, cache))
        print_world(results[-1])
        if cache is not None:
            Path(args.plain_cache).write_text(json.dumps(cache))
    failed = [
        (r["world"], t)
        for r in results
        for t, m in r["targets"].items()
        if not all(m["checks"].values())
    ]
    mean_excess = np.mean(
        [
            m["excess_log_loss"] / m["oracle_log_loss"]
            for r in results
            for m in r["targets"].values()
        ]
    )
    print(
        f"\nmean relative excess log-loss over the truth, all worlds and targets: {mean_excess:.2%}"
    )
    worst_gap = max(m["oracle_auc"] - m["auc"] for r in results for m in r["targets"].values())
    print(f"largest AUC gap to the truth: {worst_gap:.4f}")
    print(
        "worlds and targets failing a check: "
        + (", ".join(f"{w}/{t}" for w, t in failed) if failed else "none")
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
