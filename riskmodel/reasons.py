"""Reasons in plain language: the three features that move each score the most, in words.

Each reason names what in the product's file drives the score, using the product's own rows (which
standard failed, which certification is active), and the factor by which it multiplies the
expected number of incidents, e.g. ``failed safety test: IEC 62133-2 (critical): safety risk
x1.80``. A factor above 1 raises the risk, below 1 lowers it. The exposure features (units deployed,
months of coverage) are left out: they scale the risk with the size of the demonstration, not with
what the product's record says, and are shown in ``explanations.csv``.

Examples
--------
>>> describe("public_exposure_level", 2.0, {})
'open public access'
>>> describe("units_deployed", 12.0, {})
'12 units deployed'
>>> describe("tests_safety_failed", 1.0, {"failed:safety": "IEC 62133-2 (critical)"})
'failed safety test: IEC 62133-2 (critical)'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskmodel.explanations import Explanation
from riskmodel.features import UNKNOWN, normalised_margin
from riskmodel.features.lab_tests import (
    SEVERITY_RANK,
    expected_lacking,
    family_label,
    finding_severity,
    latest_tests,
    map_values,
)
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.reference import TEST_KIND_FAMILY, normalise_standard

__all__ = ["N_REASONS", "MIN_EFFECT", "describe", "listings", "reasons_table"]

N_REASONS = 3
#: Effects within 2% of no effect are not reasons.
MIN_EFFECT = float(np.log(1.02))
_LEVELS = {0: "closed site", 1: "restricted public access", 2: "open public access"}
_SEVERITY = {rank: name for name, rank in SEVERITY_RANK.items()}
_LISTED = 3


def _listing(items) -> str:
    items = list(dict.fromkeys(items))
    more = f" and {len(items) - _LISTED} more" if len(items) > _LISTED else ""
    return ", ".join(items[:_LISTED]) + more


def listings(model: RiskModel, portfolio: Portfolio) -> dict[str, dict[str, str]]:
    """For each product, the standards and schemes behind its features, by topic.

    Topics: ``failed:<kind>``, ``critical:<family>``, ``unresolved:<family>``, ``worst:<family>``,
    ``thinnest:<family>``, ``missing:<family>``, ``certs:<class>`` (the certification
    transformer's classes: ``active_overseas_relevant``, ``active_overseas_other``,
    ``active_domestic``, ``withdrawn_suspended``, ``expired``). Computed for the whole portfolio
    at once.
    """
    t = portfolio.test_results
    pid = t["product_id"].to_numpy(dtype=object)
    std = map_values(t["standard"], normalise_standard)
    outcome = t["outcome"].to_numpy(dtype=object)
    family = map_values(t["test_kind"], TEST_KIND_FAMILY)
    pos = pd.Index(portfolio.products["product_id"]).get_indexer(pid)
    latest = latest_tests(pos, std, t["test_date"].to_numpy(), outcome)
    severity = t["severity"].astype("object").to_numpy()
    named = np.where(
        pd.isna(severity),
        t["standard"].astype(str).to_numpy(),
        t["standard"].astype(str).to_numpy() + " (" + severity.astype(str) + ")",
    )
    failed = outcome == "fail"
    parts = [
        pd.DataFrame(
            {
                "pid": pid[failed],
                "topic": "failed:" + t["test_kind"].to_numpy(dtype=object)[failed],
                "item": named[failed],
            }
        ),
        pd.DataFrame(
            {
                "pid": pid[failed & (severity == "critical")],
                "topic": "critical:" + family[failed & (severity == "critical")],
                "item": t["standard"].to_numpy(dtype=object)[failed & (severity == "critical")],
            }
        ),
        pd.DataFrame(
            {
                "pid": pid[failed & latest],
                "topic": "unresolved:" + family[failed & latest],
                "item": named[failed & latest],
            }
        ),
    ]
    # the standards behind the worst current severity (feature ``..._worst_severity``)
    rank = finding_severity(t["severity"], outcome)
    open_rows = latest & (rank > 0)
    worst = pd.DataFrame(
        {
            "pid": pid[open_rows],
            "topic": "worst:" + family[open_rows],
            "item": t["standard"].to_numpy(dtype=object)[open_rows],
            "rank": rank[open_rows],
        }
    )
    at_worst = worst["rank"] == worst.groupby(["pid", "topic"])["rank"].transform("max")
    parts.append(worst[at_worst].drop(columns="rank"))
    margin = normalised_margin(
        t["measured_value"].to_numpy(dtype="float64", na_value=np.nan),
        t["limit_value"].to_numpy(dtype="float64", na_value=np.nan),
        t["higher_is_better"].fillna(True).to_numpy(dtype=bool),
    )
    measured = latest & ~np.isnan(margin)
    thin = pd.DataFrame(
        {
            "pid": pid[measured],
            "topic": "thinnest:" + family[measured],
            "item": t["standard"].to_numpy(dtype=object)[measured],
            "margin": margin[measured],
        }
    )
    thin = thin.sort_values("margin", kind="stable").drop_duplicates(["pid", "topic"])
    parts.append(thin.drop(columns="margin"))
    expected = model.pipeline_.named_transformers["tests"].expected_
    lack_pos, lack_std, lack_fam = expected_lacking(expected, portfolio.products, pos, std, outcome)
    parts.append(
        pd.DataFrame(
            {
                "pid": portfolio.products["product_id"].to_numpy(dtype=object)[lack_pos],
                "topic": "missing:" + lack_fam,
                "item": lack_std,
            }
        )
    )
    # what each certification counts as, in the fitted transformer's own terms
    certs, cert_pos, classes = model.pipeline_.named_transformers["certifications"].classify(
        portfolio
    )
    parts.append(
        pd.DataFrame(
            {
                "pid": portfolio.products["product_id"].to_numpy(dtype=object)[cert_pos],
                "topic": np.where(classes == "", "", "certs:" + classes.astype(object)),
                "item": certs["scheme"].to_numpy(dtype=object),
            }
        )
    )
    items = pd.concat(parts, ignore_index=True)
    items = items[items["topic"] != ""]
    grouped = items.groupby(["pid", "topic"], sort=False)["item"].agg(_listing)
    out: dict[str, dict[str, str]] = {}
    for (product, what), text in grouped.items():
        out.setdefault(product, {})[what] = text
    return out


def describe(feature: str, value, listed: Mapping[str, str]) -> str:
    """What a feature's value says about a product, in words.

    ``listed`` holds the product's listings by topic (see :func:`listings`).
    """
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    if feature in ("category", "zone"):
        if value == UNKNOWN:
            return f"{feature} unseen in training (portfolio-average {feature} effect)"
        return f"{feature} {value}"
    if feature == "trl":
        return f"technology readiness level {int(value)}"
    if feature == "units_deployed":
        return f"{int(value)} unit{'s' if value != 1 else ''} deployed"
    if feature == "demo_months":
        return f"coverage of {value:g} months"
    if feature == "company_age_years":
        return f"company {value:.1f} years old"
    if feature == "public_exposure_level":
        return _LEVELS[int(value)]
    if feature == "tests_accredited_share":
        return (
            "no passed test on file"
            if missing
            else f"{value:.0%} of passed tests from accredited laboratories"
        )
    if feature.startswith("certs_"):
        return _describe_certs(feature, value, listed)
    for family in ("performance", "safety"):
        prefix = f"tests_{family_label(family)}_"
        if feature.startswith(prefix):
            return _describe_family(feature[len(prefix) :], family, value, missing, listed)
    kind, measure = feature[len("tests_") :].rsplit("_", 1)
    if measure == "share":  # tests_<kind>_failing_share
        kind = kind[: -len("_failing")]
        if missing:
            return f"no {kind} test on file"
        return f"{value:.0%} of the {kind} standards tested currently failing"
    if measure == "failed":
        plural = "s" if value > 1 else ""
        return _listed(
            value, f"no failed {kind} test", f"failed {kind} test{plural}", listed, f"failed:{kind}"
        )
    if measure == "passed":
        return f"no {kind} test passed" if value == 0 else f"{int(value)} {kind} test(s) passed"
    return f"{feature} = {value}"


def _describe_family(measure: str, family: str, value, missing: bool, listed) -> str:
    label = f"{family}-related"
    if measure == "worst_severity":
        if value == 0:
            return f"no open {label} finding"
        where = listed.get("worst:" + family)
        return f"open {label} finding of {_SEVERITY[int(value)]} severity" + (
            f" ({where})" if where else ""
        )
    if measure == "critical_failures":
        return _listed(
            value,
            f"no critical {label} failure",
            f"critical {label} failure",
            listed,
            f"critical:{family}",
        )
    if measure == "unresolved":
        return _listed(
            value,
            f"no unresolved {label} failure",
            f"unresolved {label} failure",
            listed,
            f"unresolved:{family}",
        )
    if measure == "min_margin":
        if missing:
            return f"no measured {label} test"
        side = "inside" if value >= 0 else "beyond"
        where = listed.get("thinnest:" + family)
        return f"thinnest {label} margin {abs(value):.0%} {side} the limit" + (
            f" ({where})" if where else ""
        )
    if measure == "mean_margin":
        if missing:
            return f"no measured {label} test"
        side = "inside" if value >= 0 else "beyond"
        return f"{label} measurements on average {abs(value):.0%} {side} their limits"
    if measure == "expected_missing":
        return _listed(
            value,
            f"every expected {label} standard passed",
            f"expected {label} standard without a pass",
            listed,
            f"missing:{family}",
        )
    return f"{measure} ({label}) = {value}"


_CERT_TEXT = {
    "certs_active_overseas_relevant": (
        "no active overseas certification relevant to the category",
        "active overseas certification relevant to the category",
    ),
    "certs_active_overseas_other": (
        "no other active overseas certification",
        "other active overseas certification (not specific to the category)",
    ),
    "certs_active_domestic": ("no active domestic certification", "active domestic certification"),
    "certs_withdrawn_suspended": (
        "no withdrawn or suspended certification",
        "withdrawn or suspended certification",
    ),
    "certs_expired": ("no lapsed certification", "lapsed certification"),
}


def _describe_certs(feature: str, value, listed) -> str:
    if feature == "certs_years_certified":
        return "no active certification" if value == 0 else f"certified for {value:.1f} years"
    none, some = _CERT_TEXT[feature]
    return _listed(value, none, some, listed, "certs:" + feature[len("certs_") :])


def _listed(value, none: str, some: str, listed: Mapping[str, str], topic: str) -> str:
    """``none`` for a zero count, else ``some`` followed by the product's listing for ``topic``."""
    return none if value == 0 else f"{some}: {listed.get(topic, '')}"


def reasons_table(
    model: RiskModel, portfolio: Portfolio, explanations: dict[str, Explanation]
) -> pd.DataFrame:
    """``<target>_reason_1`` to ``_3`` for every product: the largest effects, in words.

    Effects are ranked by the size of their contribution (up or down); the exposure features
    and effects under 2% are left out, so a product may have fewer than three reasons.
    """
    listed = listings(model, portfolio)
    ids = portfolio.products["product_id"].to_numpy(dtype=object)
    out = pd.DataFrame({"product_id": ids})
    for target, ex in explanations.items():
        names = [s.name for s in ex.specs if s.kind != "exposure"]
        contrib = ex.contributions[names].to_numpy()
        values = ex.values[names].astype("object").to_numpy()
        order = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :N_REASONS]
        for rank in range(N_REASONS):
            j = order[:, rank] if len(ids) else np.zeros(0, dtype=int)
            phi = contrib[np.arange(len(ids)), j]
            out[f"{target}_reason_{rank + 1}"] = [
                f"{describe(names[f], values[i, f], listed.get(ids[i], {}))}: {target} risk "
                f"x{np.exp(p):.2f}"
                if abs(p) >= MIN_EFFECT
                else ""
                for i, (f, p) in enumerate(zip(j, phi, strict=True))
            ]
    return out
