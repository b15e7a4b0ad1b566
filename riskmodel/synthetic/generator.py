"""Generate a synthetic portfolio that follows the contract, with its ground truth.

No public product-liability claims data exist for demonstration-stage products, so riskmodel is
developed and checked on a synthetic portfolio whose true hazards are known. The generator draws,
in this order and all from one seeded random generator:

1. companies: size (startup, SME, large), age, a latent quality, testing diligence, a home zone
   and a focus category;
2. products: category, zone, TRL, units, coverage period, public exposure, limit, deductible and
   coverage start;
3. test results: each standard the category is expected to meet is tested with a probability set
   by the company's diligence; the true margin to the limit depends on product quality and TRL;
   laboratories without accreditation report margins a little optimistically; failures may be
   followed by a passing (or failing) retest; some applicants add tests outside the catalogue;
4. certifications: domestic and overseas schemes, some lapsed (expired), suspended or withdrawn;
   some applicants also hold an overseas certificate of a scheme that does not bear on their
   category (an FDA 510(k) on a drone), which does not change the true hazard;
5. incidents: Poisson counts from :func:`riskmodel.synthetic.hazard.hazard_rates`, dated inside the
   coverage period, with lognormal losses and bodily-injury flags.

A :class:`~riskmodel.synthetic.worlds.World` (``world=``) changes structural assumptions: how risk
grows with units and months, interactions, zone effects, the loss shape, category shares, the
strength of the latent quality, and non-Poisson counts (overdispersion, clustering).

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, truth = generate_portfolio(50, seed=1)
>>> len(portfolio.products), list(truth.columns[:2])
(50, ['product_id', 'exposure_unit_years'])
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.contract import CATEGORIES, PUBLIC_EXPOSURE_LEVELS, SEVERITIES, TABLES
from riskmodel.errors import OptionError
from riskmodel.io import write_csv
from riskmodel.layers import mixture_layer_expectation
from riskmodel.portfolio import Portfolio, exposure_unit_years
from riskmodel.reference import (
    DOMESTIC_COUNTRY,
    DOMESTIC_SCHEMES,
    OVERSEAS_SCHEMES,
    STANDARDS_CATALOGUE,
    normalise_scheme,
    relevant_schemes,
)
from riskmodel.synthetic.catalogue import (
    CATEGORY_PROFILES,
    COMPANY_SIZES,
    COVERAGE_START_RANGE,
    GENERIC_EXTRA_STANDARDS,
    ZONES,
)
from riskmodel.synthetic.hazard import SAFETY_FAMILY, HazardInputs, hazard_rates
from riskmodel.synthetic.worlds import World
from riskmodel.synthetic.worlds import world as get_world
from riskmodel.validation import DAYS_PER_MONTH

__all__ = ["generate_portfolio", "write_portfolio", "GENERATOR_VERSION"]

GENERATOR_VERSION = 4  # 4: worlds; overseas certificates of schemes irrelevant to the category
# A bodily injury multiplies the loss by about 5 (log-sd 0.6 more); its probability for a safety
# incident scales with public exposure (closed site, restricted, open public).
_BI_FACTOR = 5.0
_BI_SIGMA = 0.6
_BI_PUBLIC = (0.6, 1.0, 1.4)
_DEDUCTIBLES = (0.0, 1e6, 5e6, 1e7, 3e7)
_DEDUCTIBLE_P = (0.15, 0.30, 0.30, 0.15, 0.10)
_CERT_STATUSES = ("active", "expired", "suspended", "withdrawn")
_CAT = {c: i for i, c in enumerate(CATEGORIES)}
_ZONE_NAMES = tuple(ZONES)
#: Share of products that also hold an active-or-not overseas certificate of a scheme irrelevant
#: to their category (no effect on the true hazard).
_IRRELEVANT_CERT_P = 0.15
# A Pareto (Lomax) loss has this tail index in the "pareto" severity shape.
_PARETO_ALPHA = 2.2


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` (rows sum to 1): vectorised categorical sampling."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cdf[:, -1:]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def _signif(x: np.ndarray, digits: int = 4) -> np.ndarray:
    """Round to ``digits`` significant digits, as a laboratory report would."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(x))))
    scale = 10.0 ** (digits - 1 - mag)
    return np.round(x * scale) / scale


def _standards_table() -> pd.DataFrame:
    rows = []
    for cat in CATEGORIES:
        for std in STANDARDS_CATALOGUE[cat]:
            rows.append((_CAT[cat], std.name, std.kind, std.limit, std.higher_is_better, std.unit))
    return pd.DataFrame(rows, columns=["cat", "standard", "kind", "limit", "hib", "unit"])


def _category_shares(w: World, training: bool) -> np.ndarray:
    """Each category's share of applications in the world (new categories rarer in training)."""
    share = np.array(
        [
            CATEGORY_PROFILES[c].share
            * w.category_share.get(c, 1.0)
            * (w.new_share_in_training if training and c in w.new_categories else 1.0)
            for c in CATEGORIES
        ]
    )
    return share / share.sum()


def _companies(rng, n, share):
    sizes = tuple(COMPANY_SIZES)
    size = rng.choice(len(sizes), n, p=[COMPANY_SIZES[s][0] for s in sizes])
    median = np.array([COMPANY_SIZES[s][1] for s in sizes])[size]
    sigma = np.array([COMPANY_SIZES[s][2] for s in sizes])[size]
    age = np.clip(np.round(median * np.exp(sigma * rng.standard_normal(n)), 1), 0.3, 80.0)
    quality = np.array([COMPANY_SIZES[s][3] for s in sizes])[size] + rng.standard_normal(n)
    a = np.array([COMPANY_SIZES[s][4][0] for s in sizes])[size]
    b = np.array([COMPANY_SIZES[s][4][1] for s in sizes])[size]
    diligence = rng.beta(a, b)
    zone_w = np.array([z.weight for z in ZONES.values()])
    home = rng.choice(len(ZONES), n, p=zone_w / zone_w.sum())
    focus = rng.choice(len(CATEGORIES), n, p=share)
    # Larger companies run more demonstrations.
    weight = rng.lognormal(0.0, 0.8, n) * np.array([1.0, 1.5, 3.0])[size]
    return dict(
        size=size,
        sizes=sizes,
        age=age,
        quality=quality,
        diligence=diligence,
        home=home,
        focus=focus,
        weight=weight / weight.sum(),
    )


def _products(rng, n, comp, share):
    nc = len(comp["age"])
    c = rng.choice(nc, n, p=comp["weight"])
    cat = np.where(
        rng.random(n) < 0.75,
        comp["focus"][c],
        rng.choice(len(CATEGORIES), n, p=share),
    )
    # Zone: the company's home zone, else a zone chosen with a preference for its focus categories.
    zone_w = np.array(
        [[z.weight * (3.0 if k in z.focus else 1.0) for z in ZONES.values()] for k in CATEGORIES]
    )
    zone = np.where(rng.random(n) < 0.7, comp["home"][c], _pick(rng, zone_w[cat]))
    prof = [CATEGORY_PROFILES[k] for k in CATEGORIES]
    is_large = comp["size"][c] == 2
    trl = np.clip(
        np.round(6.2 + 0.35 * comp["quality"][c] + 0.3 * is_large + 1.1 * rng.standard_normal(n)),
        3,
        9,
    ).astype(int)
    med = np.array([p.units_median for p in prof])[cat]
    sig = np.array([p.units_sigma for p in prof])[cat]
    umax = np.array([p.units_max for p in prof])[cat]
    units = np.clip(np.round(med * np.exp(sig * rng.standard_normal(n))), 1, umax).astype(int)
    months_tab = np.array([p.months for p in prof], dtype=float)
    months = months_tab[cat, rng.integers(0, months_tab.shape[1], n)]
    public = _pick(rng, np.array([p.public_exposure_p for p in prof])[cat])
    limit_idx = rng.random(n)
    limit = np.array(
        [
            p.limits_krw[int(u * len(p.limits_krw))]
            for p, u in zip((prof[k] for k in cat), limit_idx, strict=True)
        ],
        dtype="float64",
    )
    deductible = np.asarray(_DEDUCTIBLES)[rng.choice(len(_DEDUCTIBLES), n, p=_DEDUCTIBLE_P)]
    lo, hi = (np.datetime64(d) for d in COVERAGE_START_RANGE)
    start = lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n).astype("timedelta64[D]")
    latent = 0.6 * comp["quality"][c] + 0.8 * rng.standard_normal(n)
    return dict(
        company=c,
        cat=cat,
        zone=zone,
        trl=trl,
        units=units,
        months=months,
        public=public,
        limit=limit,
        deductible=deductible,
        start=start,
        latent=latent,
    )


def _outcomes(rng, reported):
    """Outcome and severity from the margin a laboratory reports."""
    outcome = np.where(reported >= 0.02, 0, np.where(reported >= 0.0, 2, 1))  # pass, fail, cond.
    severity = np.where(
        outcome == 0, -1, np.where(reported < -0.12, 2, np.where(reported < -0.05, 1, 0))
    )
    # Conditional passes carry minor findings, occasionally major ones.
    severity = np.where(outcome == 2, (rng.random(len(reported)) < 0.2).astype(int), severity)
    return outcome, severity


def _tests(rng, prod, comp, stds, w: World):
    n = len(prod["cat"])
    diligence = comp["diligence"][prod["company"]]
    per_cat = stds.groupby("cat").indices
    n_exp = np.array([len(per_cat[k]) for k in range(len(CATEGORIES))])[prod["cat"]]
    first = np.array([per_cat[k][0] for k in range(len(CATEGORIES))])[prod["cat"]]
    pid = np.repeat(np.arange(n), n_exp)
    std = np.repeat(first, n_exp) + (
        np.arange(n_exp.sum()) - np.repeat(np.cumsum(n_exp) - n_exp, n_exp)
    )
    p_test = np.clip(0.45 + 0.45 * diligence[pid] + 0.04 * (prod["trl"][pid] - 6), 0.15, 0.98)
    tested = rng.random(len(pid)) < p_test
    untested_pid, untested_std = pid[~tested], std[~tested]
    pid, std = pid[tested], std[tested]
    extra = rng.random(n) < 0.25
    extra_pid = np.flatnonzero(extra)
    extra_choice = rng.integers(0, len(GENERIC_EXTRA_STANDARDS), len(extra_pid))

    def attempt(pids, true_margin, accredited_p):
        accredited = rng.random(len(pids)) < accredited_p
        # Non-accredited laboratories report margins a little optimistically.
        reported = (
            true_margin + np.where(accredited, 0.0, 0.03) + 0.01 * rng.standard_normal(len(pids))
        )
        outcome, severity = _outcomes(rng, reported)
        return accredited, reported, outcome, severity

    all_pid = np.concatenate([pid, extra_pid])
    kinds = np.concatenate(
        [
            stds["kind"].to_numpy()[std],
            np.array([GENERIC_EXTRA_STANDARDS[i][1] for i in extra_choice], dtype=object),
        ]
    )
    names = np.concatenate(
        [
            stds["standard"].to_numpy()[std],
            np.array([GENERIC_EXTRA_STANDARDS[i][0] for i in extra_choice], dtype=object),
        ]
    )
    limits = np.concatenate(
        [stds["limit"].to_numpy(dtype=float)[std], np.full(len(extra_pid), np.nan)]
    )
    hib = np.concatenate(
        [stds["hib"].to_numpy(dtype=bool)[std], np.ones(len(extra_pid), dtype=bool)]
    )
    mu = 0.12 + w.latent_in_margins * prod["latent"][all_pid] + 0.03 * (prod["trl"][all_pid] - 6)
    true1 = mu + 0.09 * rng.standard_normal(len(all_pid))
    acc_p = np.clip(0.55 + 0.4 * diligence[all_pid], 0.0, 0.97)
    acc1, rep1, out1, sev1 = attempt(all_pid, true1, acc_p)
    days_before = rng.integers(60, 721, len(all_pid))
    # A failure is retested (after a fix) with a probability that grows with diligence.
    retest = (out1 == 1) & (rng.random(len(all_pid)) < 0.45 + 0.45 * diligence[all_pid])
    r = np.flatnonzero(retest)
    true2 = true1[r] + np.abs(0.12 + 0.05 * rng.standard_normal(len(r)))
    acc2, rep2, out2, sev2 = attempt(all_pid[r], true2, acc_p[r])
    gap = np.minimum(days_before[r] - 1, rng.integers(14, 121, len(r)))
    latest_true = true1.copy()
    latest_true[r] = true2
    latest_out = out1.copy()
    latest_out[r] = out2
    latest_sev = sev1.copy()
    latest_sev[r] = sev2

    rows = dict(
        pid=np.concatenate([all_pid, all_pid[r]]),
        standard=np.concatenate([names, names[r]]),
        kind=np.concatenate([kinds, kinds[r]]),
        days_before=np.concatenate([days_before, days_before[r] - gap]),
        accredited=np.concatenate([acc1, acc2]),
        outcome=np.concatenate([out1, out2]),
        severity=np.concatenate([sev1, sev2]),
        reported=np.concatenate([rep1, rep2]),
        limit=np.concatenate([limits, limits[r]]),
        hib=np.concatenate([hib, hib[r]]),
    )
    # Ground truth per standard tested (its latest attempt) and per expected standard skipped.
    fam = np.where(np.isin(kinds, SAFETY_FAMILY), 1, 0)
    resolved_fail = np.zeros(len(all_pid), dtype=bool)
    resolved_fail[r] = out2 != 1
    truth = dict(
        pid=all_pid,
        family=fam,
        latest_true=latest_true,
        latest_out=latest_out,
        latest_sev=latest_sev,
        resolved=resolved_fail,
        measured=~np.isnan(limits),
        conditional_any=(out1 == 2) | np.isin(np.arange(len(all_pid)), r[out2 == 2]),
    )
    untested_fam = np.where(np.isin(stds["kind"].to_numpy()[untested_std], SAFETY_FAMILY), 1, 0)
    return rows, truth, (untested_pid, untested_fam)


def _test_table(rows, prod, ids, seed) -> pd.DataFrame:
    start = prod["start"][rows["pid"]]
    test_date = start - rows["days_before"].astype("timedelta64[D]")
    measured_ok = ~np.isnan(rows["limit"])
    lim = rows["limit"]
    measured = np.where(rows["hib"], lim * (1 + rows["reported"]), lim * (1 - rows["reported"]))
    pct = np.isin(rows["standard"], _PERCENT_STANDARDS)
    measured = np.where(pct, np.clip(measured, 0.0, 100.0), np.maximum(measured, 0.0))
    frame = pd.DataFrame(
        {
            "pid": rows["pid"],
            "product_id": ids[rows["pid"]],
            "standard": rows["standard"].astype(str),
            "test_kind": rows["kind"].astype(str),
            "test_date": test_date,
            "lab_accredited": rows["accredited"],
            "outcome": np.array(["pass", "fail", "conditional"])[rows["outcome"]],
            "severity": np.where(
                rows["severity"] >= 0,
                np.array(SEVERITIES, dtype=object)[np.maximum(rows["severity"], 0)],
                None,
            ),
            "measured_value": np.where(measured_ok, _signif(measured), np.nan),
            "limit_value": np.where(measured_ok, lim, np.nan),
            "higher_is_better": np.where(measured_ok, rows["hib"], None),
        }
    )
    frame = frame.sort_values(["pid", "test_date", "standard"], kind="stable").reset_index(
        drop=True
    )
    frame.insert(1, "test_id", [f"S{seed}-T{i:08d}" for i in range(len(frame))])
    frame = frame.drop(columns="pid")
    frame["severity"] = frame["severity"].astype("str").where(frame["severity"].notna())
    frame["higher_is_better"] = frame["higher_is_better"].astype("boolean")
    frame["lab_accredited"] = frame["lab_accredited"].astype("boolean")
    return frame[list(TABLES["test_results"].column_names)]


_PERCENT_STANDARDS = tuple(s.name for v in STANDARDS_CATALOGUE.values() for s in v if s.unit == "%")
_ALL_OVERSEAS = tuple(dict.fromkeys(sc for v in OVERSEAS_SCHEMES.values() for sc in v))


def _certifications(rng, prod, comp, ids):
    n = len(prod["cat"])
    c = prod["company"]
    mean_overseas = np.array([COMPANY_SIZES[s][5] for s in comp["sizes"]])[comp["size"][c]]
    mean_overseas = (
        mean_overseas * np.exp(0.25 * prod["latent"]) * (0.6 + 0.8 * comp["diligence"][c])
    )
    n_overseas = np.minimum(rng.poisson(mean_overseas), 3)
    has_domestic = rng.random(n) < 0.55 + 0.3 * comp["diligence"][c]
    rows_pid, rows_scheme, rows_country = [], [], []
    schemes_by_cat = [OVERSEAS_SCHEMES[k] for k in CATEGORIES]
    n_options = np.array([len(o) for o in schemes_by_cat])[prod["cat"]]
    # Distinct schemes per product: consecutive entries of the category's list from a random start.
    offset = np.floor(rng.random(n) * n_options).astype(int)
    for slot in range(3):
        take = np.flatnonzero(n_overseas > slot)
        for k in range(len(CATEGORIES)):
            sel = take[prod["cat"][take] == k]
            options = schemes_by_cat[k]
            choice = (offset[sel] + slot) % len(options)
            rows_pid.append(sel)
            rows_scheme.append(np.array([options[i][0] for i in choice], dtype=object))
            rows_country.append(np.array([options[i][1] for i in choice], dtype=object))
    # Some applicants also hold an overseas certificate that does not bear on their category.
    other = [
        [(sc, co) for sc, co in _ALL_OVERSEAS if normalise_scheme(sc) not in relevant_schemes(k)]
        for k in CATEGORIES
    ]
    extra = np.flatnonzero(rng.random(n) < _IRRELEVANT_CERT_P)
    pick = rng.random(len(extra))
    extra_rows = [
        other[prod["cat"][i]][int(u * len(other[prod["cat"][i]]))]
        for i, u in zip(extra, pick, strict=True)
    ]
    rows_pid.append(extra)
    rows_scheme.append(np.array([r[0] for r in extra_rows], dtype=object))
    rows_country.append(np.array([r[1] for r in extra_rows], dtype=object))
    dom = np.flatnonzero(has_domestic)
    dom_scheme = np.where(
        rng.random(len(dom)) < 0.8,
        "KC",
        np.asarray(DOMESTIC_SCHEMES, dtype=object)[
            rng.integers(1, len(DOMESTIC_SCHEMES), len(dom))
        ],
    )
    pid = np.concatenate(rows_pid + [dom])
    scheme = np.concatenate(rows_scheme + [dom_scheme.astype(object)])
    country = np.concatenate(rows_country + [np.full(len(dom), DOMESTIC_COUNTRY, dtype=object)])
    # Poorer products lose certifications more often; older certificates lapse more often.
    age_days = rng.integers(30, 8 * 365, len(pid))
    age_days = np.minimum(age_days, np.maximum(30, (comp["age"][c[pid]] * 365).astype(int)))
    bad = 1.0 / (1.0 + np.exp(3.2 + 0.8 * prod["latent"][pid]))
    lapse = np.clip(0.04 + 0.05 * age_days / 365, 0, 0.5)
    u = rng.random(len(pid))
    status = np.where(u < bad * 0.5, 3, np.where(u < bad, 2, np.where(u < bad + lapse, 1, 0)))
    issued = prod["start"][pid] - age_days.astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "pid": pid,
            "product_id": ids[pid],
            "scheme": scheme.astype(str),
            "issuer_country": country.astype(str),
            "status": np.asarray(_CERT_STATUSES)[status],
            "issued_date": issued,
        }
    )
    frame = frame.sort_values(["pid", "issued_date", "scheme"], kind="stable").reset_index(
        drop=True
    )
    cats = np.asarray(CATEGORIES)[prod["cat"][frame["pid"].to_numpy()]]
    truth = dict(
        pid=frame["pid"].to_numpy(),
        overseas=frame["issuer_country"].to_numpy() != DOMESTIC_COUNTRY,
        relevant=np.array(
            [
                normalise_scheme(sc) in relevant_schemes(k)
                for sc, k in zip(frame["scheme"], cats, strict=True)
            ],
            dtype=bool,
        ),
        status=frame["status"].to_numpy(),
        years=(
            (prod["start"][frame["pid"].to_numpy()] - frame["issued_date"].to_numpy())
            .astype("timedelta64[D]")
            .astype(float)
            / 365.25
        ),
    )
    return frame.drop(columns="pid"), truth


def _hazard_inputs(prod, comp, test_truth, untested, cert_truth) -> HazardInputs:
    n = len(prod["cat"])
    prof = [CATEGORY_PROFILES[k] for k in CATEGORIES]
    zones = [ZONES[z] for z in _ZONE_NAMES]
    t = test_truth
    unresolved = np.zeros((n, 2, 3))
    failing = t["latest_out"] == 1
    np.add.at(unresolved, (t["pid"][failing], t["family"][failing], t["latest_sev"][failing]), 1)
    resolved = np.zeros((n, 2))
    np.add.at(resolved, (t["pid"][t["resolved"]], t["family"][t["resolved"]]), 1)
    conditional = np.zeros((n, 2))
    np.add.at(conditional, (t["pid"][t["conditional_any"]], t["family"][t["conditional_any"]]), 1)
    untested_count = np.zeros((n, 2))
    np.add.at(untested_count, untested, 1)
    min_margin = np.full((n, 2), np.inf)
    m = t["measured"]
    np.minimum.at(min_margin, (t["pid"][m], t["family"][m]), t["latest_true"][m])
    min_margin[np.isinf(min_margin)] = np.nan
    ct = cert_truth
    active = ct["status"] == "active"

    def count(mask):
        return np.bincount(ct["pid"][mask], minlength=n)

    years = np.zeros(n)
    np.maximum.at(years, ct["pid"][active], ct["years"][active])
    return HazardInputs(
        category=prod["cat"],
        reference_perf=np.array([p.perf_rate for p in prof])[prod["cat"]],
        reference_safety=np.array([p.safety_rate for p in prof])[prod["cat"]],
        cert_effect=np.array([p.cert_effect for p in prof])[prod["cat"]],
        zone_perf=np.array([z.perf_factor for z in zones])[prod["zone"]],
        zone_safety=np.array([z.safety_factor for z in zones])[prod["zone"]],
        trl=prod["trl"],
        company_age=comp["age"][prod["company"]],
        public_level=prod["public"],
        unresolved=unresolved,
        resolved=resolved,
        conditional=conditional,
        untested=untested_count,
        min_true_margin=min_margin,
        active_overseas=count(active & ct["overseas"] & ct["relevant"]),
        active_domestic=count(active & ~ct["overseas"]),
        withdrawn_suspended=count(np.isin(ct["status"], ("withdrawn", "suspended"))),
        expired=count(ct["status"] == "expired"),
        years_certified=years,
        latent_quality=prod["latent"],
    )


def _loss_mixture(prod, kind: str, pid=None) -> tuple[np.ndarray, ...]:
    """The true loss distribution per incident: median, log-sd and injury probability."""
    prof = [CATEGORY_PROFILES[k] for k in CATEGORIES]
    cat = prod["cat"] if pid is None else prod["cat"][pid]
    public = prod["public"] if pid is None else prod["public"][pid]
    median = np.array(
        [p.perf_loss_median if kind == "performance" else p.safety_loss_median for p in prof]
    )[cat]
    sigma = np.array([p.loss_sigma for p in prof])[cat]
    if kind == "safety":
        bi_p = np.array([p.bi_prob_safety for p in prof])[cat] * np.array(_BI_PUBLIC)[public]
    else:
        bi_p = np.array([p.bi_prob_perf for p in prof])[cat]
    return median, sigma, np.clip(bi_p, 0, 0.95)


def _lomax_lev(scale: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """``E[min(X, cap)]`` of a Lomax (Pareto II) loss with tail index ``_PARETO_ALPHA``."""
    a = _PARETO_ALPHA
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isinf(cap), 0.0, scale / (scale + cap))
    return scale / (a - 1.0) * (1.0 - ratio ** (a - 1.0))


def _lomax_scale(median: np.ndarray) -> np.ndarray:
    """The Lomax scale with this median."""
    return median / (2.0 ** (1.0 / _PARETO_ALPHA) - 1.0)


def _true_layer_payment(prod, kind: str, w: World) -> np.ndarray:
    """Expected payment per incident within each product's deductible and limit, exactly under
    the world's loss distribution (the 1,000 KRW floor and rounding are ignored)."""
    median, sigma, bi_p = _loss_mixture(prod, kind)
    d, limit = prod["deductible"], prod["limit"]
    if w.severity == "lognormal":
        mu = np.log(median)
        return mixture_layer_expectation(
            d,
            limit,
            (1 - bi_p, bi_p),
            (mu, mu + np.log(_BI_FACTOR)),
            (sigma, np.sqrt(sigma**2 + _BI_SIGMA**2)),
        )
    if w.severity == "pareto":
        out = 0.0
        for share, scale in ((1 - bi_p, _lomax_scale(median)), (bi_p, _lomax_scale(median) * 5)):
            out = out + share * (_lomax_lev(scale, d + limit) - _lomax_lev(scale, d))
        return out
    # fixed benefit: one loss per kind and category, times the injury factor when someone is hurt
    pay = [np.minimum(np.maximum(x - d, 0.0), limit) for x in (median, median * _BI_FACTOR)]
    return (1 - bi_p) * pay[0] + bi_p * pay[1]


def _losses(rng, median, sigma, bi_p, w: World) -> tuple[np.ndarray, np.ndarray]:
    """Ground-up losses and bodily-injury flags of incidents in the world's loss shape."""
    m = len(median)
    injury = rng.random(m) < bi_p
    if w.severity == "lognormal":
        loss = median * np.exp(sigma * rng.standard_normal(m))
        uplift = _BI_FACTOR * np.exp(_BI_SIGMA * rng.standard_normal(m))
    elif w.severity == "pareto":
        loss = _lomax_scale(median) * ((1.0 - rng.random(m)) ** (-1.0 / _PARETO_ALPHA) - 1.0)
        uplift = np.full(m, _BI_FACTOR)
    else:
        loss, uplift = median.astype(float), np.full(m, _BI_FACTOR)
    return np.where(injury, loss * uplift, loss), injury


def _failure_events(rng, mean: np.ndarray, w: World) -> np.ndarray:
    """Failure events per product: Poisson, gamma-mixed when the world is overdispersed."""
    if w.dispersion > 0:
        k = w.dispersion
        mean = mean * rng.gamma(1.0 / k, k, len(mean))
    return rng.poisson(mean)


def _incidents(rng, prod, ids, events, w: World, seed) -> pd.DataFrame:
    """Incidents of each kind: failure events, each hitting one unit and, in a clustered world,
    every other unit of the product with probability ``cluster_share`` on the same day."""
    frames = []
    for kind in ("performance", "safety"):
        n_events = _failure_events(rng, events[kind], w)
        event_pid = np.repeat(np.arange(len(n_events)), n_events)
        event_days = np.floor(
            rng.random(len(event_pid)) * prod["months"][event_pid] * DAYS_PER_MONTH
        ).astype(int)
        size = np.ones(len(event_pid), dtype=int)
        if w.cluster_share > 0:
            size += rng.binomial(prod["units"][event_pid] - 1, w.cluster_share)
        pid, days = np.repeat(event_pid, size), np.repeat(event_days, size)
        median, sigma, bi_p = _loss_mixture(prod, kind, pid)
        loss, injury = _losses(rng, median, sigma, bi_p, w)
        frames.append(
            pd.DataFrame(
                {
                    "pid": pid,
                    "product_id": ids[pid],
                    "kind": kind,
                    "incident_date": prod["start"][pid] + days.astype("timedelta64[D]"),
                    "loss_krw": np.maximum(1000.0, np.round(loss, -3)),
                    "bodily_injury": injury,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["pid", "incident_date", "kind"], kind="stable").reset_index(
        drop=True
    )
    frame.insert(1, "incident_id", [f"S{seed}-I{i:07d}" for i in range(len(frame))])
    frame["bodily_injury"] = frame["bodily_injury"].astype("boolean")
    return frame[
        ["product_id", "incident_id", "incident_date", "kind", "loss_krw", "bodily_injury"]
    ]


def generate_portfolio(
    n_products: int,
    seed: int = 0,
    *,
    world: str | World = "base",
    training: bool = False,
) -> tuple[Portfolio, pd.DataFrame]:
    """Draw a synthetic portfolio and its ground truth.

    Parameters
    ----------
    n_products : int
        Number of products, at least 1.
    seed : int
        Seed of the random generator: the same seed, size and world give the same portfolio.
    world : str or World, default "base"
        The structural assumptions (:mod:`riskmodel.synthetic.worlds`).
    training : bool, default False
        A training draw: the world's new categories are rarer (or absent), as for a model
        trained before the programme grew.

    Returns
    -------
    portfolio : Portfolio
        The four contract tables (``products`` carries the extra optional column
        ``company_size``).
    truth : DataFrame
        Per product: ``exposure_unit_years``, the true incident rates per unit-year, the true
        expected numbers of incidents in the coverage period, the true probabilities of at least
        one incident and the true expected losses in each policy's layer, per kind.
    """
    if not isinstance(n_products, (int, np.integer)) or n_products < 1:
        raise OptionError(f"n_products must be a whole number >= 1, got {n_products!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(f"seed must be a whole number >= 0, got {seed!r}")
    w = get_world(world)
    share = _category_shares(w, bool(training))
    rng = np.random.default_rng(seed)
    comp = _companies(rng, max(1, int(round(n_products / 2.5))), share)
    prod = _products(rng, n_products, comp, share)
    ids = np.array([f"S{seed}-P{i:07d}" for i in range(n_products)], dtype=object)
    stds = _standards_table()
    test_rows, test_truth, untested = _tests(rng, prod, comp, stds, w)
    tests = _test_table(test_rows, prod, ids, seed)
    certs, cert_truth = _certifications(rng, prod, comp, ids)
    perf_rate, safety_rate = hazard_rates(
        _hazard_inputs(prod, comp, test_truth, untested, cert_truth), w
    )
    products = pd.DataFrame(
        {
            "product_id": ids.astype(str),
            "company_id": [f"S{seed}-C{c:06d}" for c in prod["company"]],
            "category": np.asarray(CATEGORIES)[prod["cat"]],
            "zone": np.asarray(_ZONE_NAMES)[prod["zone"]],
            "trl": prod["trl"].astype("int64"),
            "company_age_years": comp["age"][prod["company"]],
            "units_deployed": prod["units"].astype("int64"),
            "demo_months": prod["months"],
            "public_exposure": np.asarray(PUBLIC_EXPOSURE_LEVELS)[prod["public"]],
            "coverage_limit_krw": prod["limit"],
            "deductible_krw": prod["deductible"],
            "coverage_start": prod["start"].astype("datetime64[ns]"),
            "company_size": np.asarray(comp["sizes"])[comp["size"][prod["company"]]],
        }
    )
    exposure = exposure_unit_years(products).to_numpy()
    # failure events in the coverage period, equal to the base world's at the category's median
    # units and 12 months; incidents per event (clusters) on top
    typical = np.array([CATEGORY_PROFILES[k].units_median for k in CATEGORIES])[prod["cat"]]
    scale = (
        typical
        * (prod["units"] / typical) ** w.units_elasticity
        * (prod["months"] / 12.0) ** w.months_elasticity
    )
    events = {"performance": perf_rate * scale, "safety": safety_rate * scale}
    per_event = 1.0 + w.cluster_share * (prod["units"] - 1.0)
    incidents = _incidents(rng, prod, ids, events, w, seed)
    truth = pd.DataFrame({"product_id": ids.astype(str), "exposure_unit_years": exposure})
    for kind in ("performance", "safety"):
        expected = events[kind] * per_event
        truth[f"{kind}_rate"] = expected / exposure
        truth[f"expected_{kind}_incidents"] = expected
    for kind in ("performance", "safety"):
        k = w.dispersion
        truth[f"{kind}_prob"] = (
            -np.expm1(-np.log1p(k * events[kind]) / k) if k > 0 else -np.expm1(-events[kind])
        )
    for kind in ("performance", "safety"):
        truth[f"expected_{kind}_loss_krw"] = truth[
            f"expected_{kind}_incidents"
        ].to_numpy() * _true_layer_payment(prod, kind, w)
    truth["expected_loss_krw"] = (
        truth["expected_performance_loss_krw"] + truth["expected_safety_loss_krw"]
    )
    tests["test_date"] = tests["test_date"].astype("datetime64[ns]")
    certs["issued_date"] = certs["issued_date"].astype("datetime64[ns]")
    incidents["incident_date"] = incidents["incident_date"].astype("datetime64[ns]")
    return Portfolio(products, tests, certs, incidents), truth


def write_portfolio(
    portfolio: Portfolio,
    truth: pd.DataFrame,
    folder: str | os.PathLike,
    *,
    seed: int,
    world: str | World = "base",
    training: bool = False,
) -> None:
    """Write a generated portfolio, ``truth.csv`` and ``generator.json`` (how it was made)."""
    folder = Path(folder)
    portfolio.write(folder)
    write_csv(truth, folder / "truth.csv")
    meta = {
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "world": get_world(world).name,
        "training_draw": bool(training),
        "products": int(portfolio.n_products),
        "fingerprint": portfolio.fingerprint(),
    }
    (folder / "generator.json").write_text(json.dumps(meta, indent=2) + "\n")
