"""Test-result features: what the laboratory record says about a product.

Per test kind: tests passed, tests failed, and the share of the standards tested whose most recent
test failed. Per family of kinds (safety-related: safety, biocompatibility, cybersecurity;
performance-related: performance, software, environmental, emc): the worst severity among the most
recent tests of its standards, critical failures ever, standards whose most recent test failed
(*unresolved*), the thinnest normalised margin to a limit in the most recent measured test of each
standard, and the standards the category is expected to meet that have no passing result on file.
Finally the share of passed tests done by accredited laboratories.

"Most recent" matters: a failure fixed and passed on retest stays on file (it counts as failed, and
as a critical failure if it was one) but is no longer unresolved, no longer sets the worst current
severity, and its margin is the retest's. The features are
built so that adding a failed test can only move them towards more risk (or leave them): together
with the models' monotone constraints this guarantees that a failed test never lowers a risk.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(20, seed=3)
>>> features = LabTestFeatures().fit_transform(portfolio)
>>> bool((features["tests_safety_failed"] >= 0).all())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.contract import TEST_KINDS
from riskmodel.features.base import (
    PortfolioTransformer,
    count_per_product,
    items_in,
    listed,
    plural_words_in,
    words_in,
)
from riskmodel.features.spec import FeatureSpec
from riskmodel.i18n import N_
from riskmodel.reference import FAMILIES, STANDARDS_CATALOGUE, TEST_KIND_FAMILY, normalise_standard

__all__ = [
    "LabTestFeatures",
    "normalised_margin",
    "family_label",
    "expected_lacking",
    "latest_tests",
    "map_values",
    "SEVERITY_RANK",
    "finding_severity",
]

_BOTH_UP = {"performance": 1, "safety": 1}
_BOTH_DOWN = {"performance": -1, "safety": -1}
#: Rank of a finding's severity, as the ``..._worst_severity`` features count it.
SEVERITY_RANK = {"minor": 1, "major": 2, "critical": 3}
_OUTCOME_ORDER = {"pass": 0, "conditional": 1, "fail": 2}


def normalised_margin(measured, limit, higher_is_better) -> np.ndarray:
    """Distance from a measurement to its limit, as a fraction of the limit.

    Positive on the good side of the limit, negative beyond it; missing where there is no
    measurement or the limit is zero.

    Examples
    --------
    >>> normalised_margin([110.0, 90.0], [100.0, 100.0], [True, False]).tolist()
    [0.1, 0.1]
    """
    measured = np.asarray(measured, dtype=float)
    limit = np.asarray(limit, dtype=float)
    hib = np.asarray(higher_is_better, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(hib, measured - limit, limit - measured) / np.abs(limit)
    return np.where(np.isfinite(margin), margin, np.nan)


def map_values(series: pd.Series, mapping) -> np.ndarray:
    """``series.map(mapping)`` computed once per distinct value (tables have millions of rows but
    only a few distinct kinds, outcomes or standards)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array(
        [mapping(u) if callable(mapping) else mapping.get(u) for u in uniques] + [None],
        dtype=object,
    )
    return lookup[codes]


def finding_severity(severity: pd.Series, outcome: np.ndarray) -> np.ndarray:
    """The :data:`SEVERITY_RANK` of each test's finding: 0 for a pass; a failure without a recorded
    severity counts as major (the conservative reading), a conditional pass without one as minor."""
    rank = map_values(severity, SEVERITY_RANK).astype("float64")
    rank = np.where(np.isnan(rank), np.where(outcome == "fail", 2.0, 1.0), rank)
    return np.where(outcome == "pass", 0.0, rank)


def family_label(family: str) -> str:
    """The name part of a family's features: ``safety`` -> ``safety_related``."""
    return f"{family}_related"


@dataclass(frozen=True)
class _TestRows:
    """The test rows of a portfolio and what is derived from each row, once."""

    table: pd.DataFrame
    pos: np.ndarray  # position of the row's product
    kind: np.ndarray
    family: np.ndarray
    outcome: np.ndarray
    std: np.ndarray  # normalised standard
    latest: np.ndarray  # the most recent test of its (product, standard)
    severity: np.ndarray  # SEVERITY_RANK of the finding
    margin: np.ndarray  # normalised margin (missing without a measurement)


_SEVERITY_NAME = {rank: name for name, rank in SEVERITY_RANK.items()}
#: The words of the test kinds, the families and the severities (marked for the ``reports``
#: catalog; in English they are the contract's own names).
_KIND_WORDS = (
    N_("safety"),
    N_("performance"),
    N_("emc"),
    N_("environmental"),
    N_("software"),
    N_("cybersecurity"),
    N_("biocompatibility"),
)
_FAMILY_WORDS = {"safety": N_("safety-related"), "performance": N_("performance-related")}
_SEVERITY_WORDS = (N_("minor"), N_("major"), N_("critical"))
#: Per measure of a family: the words for none and for some (followed by the evidence).
_LISTED_WORDS = {
    "critical_failures": (N_("no critical {label} failure"), N_("critical {label} failure")),
    "unresolved": (N_("no unresolved {label} failure"), N_("unresolved {label} failure")),
    "expected_missing": (
        N_("every expected {label} standard passed"),
        N_("expected {label} standard without a pass"),
    ),
}
_TOPIC_PREFIX = {"critical_failures": "critical", "unresolved": "unresolved"}


def _percent(value) -> str:
    return f"{abs(value):.0%}"


def _describe_family(measure: str, family: str, value, missing: bool, evidence, lang: str) -> str:
    _ = words_in(lang)
    label = _(_FAMILY_WORDS.get(family, f"{family}-related"))
    if measure == "worst_severity":
        if value == 0:
            return _("no open {label} finding").format(label=label)
        where = items_in(evidence.get("worst:" + family) or "", lang)
        severity = _(_SEVERITY_NAME[int(value)])
        if where:
            return _("open {label} finding of {severity} severity ({where})").format(
                label=label, severity=severity, where=where
            )
        return _("open {label} finding of {severity} severity").format(
            label=label, severity=severity
        )
    if measure in _LISTED_WORDS:
        none, some = _LISTED_WORDS[measure]
        topic = f"{_TOPIC_PREFIX.get(measure, 'missing')}:{family}"
        return listed(
            value,
            _(none).format(label=label),
            _(some).format(label=label),
            evidence,
            topic,
            lang=lang,
        )
    if measure in ("min_margin", "mean_margin"):
        if missing:
            return _("no measured {label} test").format(label=label)
        inside = value >= 0
        if measure == "mean_margin":
            message = (
                _("{label} measurements on average {percent} inside their limits")
                if inside
                else _("{label} measurements on average {percent} beyond their limits")
            )
            return message.format(label=label, percent=_percent(value))
        where = items_in(evidence.get("thinnest:" + family) or "", lang)
        if where:
            message = (
                _("thinnest {label} margin {percent} inside the limit ({where})")
                if inside
                else _("thinnest {label} margin {percent} beyond the limit ({where})")
            )
        else:
            message = (
                _("thinnest {label} margin {percent} inside the limit")
                if inside
                else _("thinnest {label} margin {percent} beyond the limit")
            )
        return message.format(label=label, percent=_percent(value), where=where)
    return _("{measure} ({label}) = {value}").format(measure=measure, label=label, value=value)


class LabTestFeatures(PortfolioTransformer):
    """Aggregate ``test_results`` to one row of features per product.

    Attributes
    ----------
    expected_ : dict of str to list of [str, str]
        For each category, the normalised expected standards and their family, copied from
        :data:`riskmodel.reference.STANDARDS_CATALOGUE` at fit time.
    feature_specs_ : list of FeatureSpec
    """

    def _fit(self, portfolio) -> None:
        self.expected_ = {
            cat: [[normalise_standard(s.name), TEST_KIND_FAMILY[s.kind]] for s in standards]
            for cat, standards in STANDARDS_CATALOGUE.items()
        }
        specs = []
        for kind in TEST_KINDS:
            specs += [
                FeatureSpec(
                    f"tests_{kind}_passed",
                    "tests",
                    f"number of {kind} tests passed outright",
                    monotone=_BOTH_DOWN,
                ),
                FeatureSpec(
                    f"tests_{kind}_failed",
                    "tests",
                    f"number of {kind} tests failed",
                    monotone=_BOTH_UP,
                ),
                FeatureSpec(
                    f"tests_{kind}_failing_share",
                    "tests",
                    f"share of the {kind} standards tested whose most recent test failed "
                    "(missing when none was tested)",
                    monotone=_BOTH_UP,
                ),
            ]
        for family in FAMILIES:
            label = family_label(family)
            kinds = ", ".join(k for k, f in TEST_KIND_FAMILY.items() if f == family)
            specs += [
                FeatureSpec(
                    f"tests_{label}_worst_severity",
                    "tests",
                    f"worst severity among the most recent tests of the {kinds} standards "
                    "(0 none, 1 minor, 2 major, 3 critical)",
                    monotone=_BOTH_UP,
                ),
                FeatureSpec(
                    f"tests_{label}_critical_failures",
                    "tests",
                    f"number of {kinds} tests failed with critical severity",
                    monotone=_BOTH_UP,
                ),
                FeatureSpec(
                    f"tests_{label}_unresolved",
                    "tests",
                    f"number of {kinds} standards whose most recent test failed",
                    monotone=_BOTH_UP,
                ),
                FeatureSpec(
                    f"tests_{label}_min_margin",
                    "tests",
                    f"thinnest margin to a limit in the most recent measured test of each "
                    f"{kinds} standard, as a fraction of the limit (negative beyond it; "
                    "missing when none)",
                    monotone=_BOTH_DOWN,
                ),
                FeatureSpec(
                    f"tests_{label}_mean_margin",
                    "tests",
                    f"average margin to a limit over the most recent measured test of each "
                    f"{kinds} standard, as a fraction of the limit (a product's quality shows in "
                    "all its measurements, not only the worst; missing when none)",
                    monotone=_BOTH_DOWN,
                ),
                FeatureSpec(
                    f"tests_{label}_expected_missing",
                    "tests",
                    f"{kinds} standards the category is expected to meet with no passed or "
                    "conditional test on file",
                    monotone=_BOTH_UP,
                ),
            ]
        specs.append(
            FeatureSpec(
                "tests_accredited_share",
                "tests",
                "share of passed tests done by accredited laboratories "
                "(missing when no test passed)",
            )
        )
        self.feature_specs_ = specs

    def _rows(self, portfolio) -> _TestRows:
        """The test rows with what every feature and every piece of evidence reads from them."""
        t, pos = self._child_rows(portfolio, "test_results")
        outcome = t["outcome"].to_numpy(dtype=object)
        std = map_values(t["standard"], normalise_standard)
        return _TestRows(
            table=t,
            pos=pos,
            kind=t["test_kind"].to_numpy(dtype=object),
            family=map_values(t["test_kind"], TEST_KIND_FAMILY),
            outcome=outcome,
            std=std,
            latest=latest_tests(pos, std, t["test_date"].to_numpy(), outcome),
            severity=finding_severity(t["severity"], outcome),
            margin=normalised_margin(
                t["measured_value"].to_numpy(dtype="float64", na_value=np.nan),
                t["limit_value"].to_numpy(dtype="float64", na_value=np.nan),
                t["higher_is_better"].fillna(True).to_numpy(dtype=bool),
            ),
        )

    def _transform(self, portfolio) -> pd.DataFrame:
        products = portfolio.products
        n = len(products)
        r = self._rows(portfolio)
        t, pos, kind, family, latest, severity, margin = (
            r.table,
            r.pos,
            r.kind,
            r.family,
            r.latest,
            r.severity,
            r.margin,
        )
        passed, failed = r.outcome == "pass", r.outcome == "fail"

        def count(mask) -> np.ndarray:
            return count_per_product(pos, mask, n)

        out: dict[str, np.ndarray] = {}
        for k in TEST_KINDS:
            of_kind = kind == k
            tested = count(of_kind & latest)
            out[f"tests_{k}_passed"] = count(of_kind & passed)
            out[f"tests_{k}_failed"] = count(of_kind & failed)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"tests_{k}_failing_share"] = np.where(
                    tested > 0, count(of_kind & latest & failed) / tested, np.nan
                )

        missing = self._expected_missing(products, pos, r.std, r.outcome)
        for fam in FAMILIES:
            label = family_label(fam)
            in_fam = family == fam
            worst = np.zeros(n)
            np.maximum.at(worst, pos[in_fam & latest], severity[in_fam & latest])
            out[f"tests_{label}_worst_severity"] = worst
            out[f"tests_{label}_critical_failures"] = count(in_fam & failed & (severity == 3))
            out[f"tests_{label}_unresolved"] = count(in_fam & latest & failed)
            low = np.full(n, np.inf)
            measured = in_fam & latest & ~np.isnan(margin)
            np.minimum.at(low, pos[measured], margin[measured])
            out[f"tests_{label}_min_margin"] = np.where(np.isinf(low), np.nan, low)
            n_measured = count(measured)
            total = np.bincount(pos[measured], weights=margin[measured], minlength=n)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"tests_{label}_mean_margin"] = np.where(
                    n_measured > 0, total / n_measured, np.nan
                )
            out[f"tests_{label}_expected_missing"] = missing[fam]

        accredited = t["lab_accredited"].fillna(False).to_numpy(dtype=bool)
        n_passed = count(passed)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["tests_accredited_share"] = np.where(
                n_passed > 0, count(passed & accredited) / n_passed, np.nan
            )
        return pd.DataFrame(out)

    def _evidence(self, portfolio) -> pd.DataFrame:
        """Topics: ``failed:<kind>`` (the failed tests, with severity), ``critical:<family>``,
        ``unresolved:<family>`` (standards whose latest test failed), ``open:<family>`` (standards
        whose latest test is not a pass), ``worst:<family>`` (the standards at the worst open
        severity), ``thinnest:<family>`` (the standard with the thinnest latest margin) and
        ``missing:<family>`` (expected standards without a pass)."""
        r = self._rows(portfolio)
        t, pos, family, latest, rank = r.table, r.pos, r.family, r.latest, r.severity
        standard = t["standard"].astype(str).to_numpy(dtype=object)
        severity = t["severity"].astype("object").to_numpy()
        named = np.where(pd.isna(severity), standard, standard + " (" + severity.astype(str) + ")")
        failed = r.outcome == "fail"
        critical = failed & (severity == "critical")

        def part(mask, topic, item) -> pd.DataFrame:
            return pd.DataFrame({"position": pos[mask], "topic": topic[mask], "item": item[mask]})

        open_rows = latest & (rank > 0)
        worst = pd.DataFrame(
            {
                "position": pos[open_rows],
                "topic": "worst:" + family[open_rows],
                "item": standard[open_rows],
                "rank": rank[open_rows],
            }
        )
        at_worst = worst["rank"] == worst.groupby(["position", "topic"])["rank"].transform("max")
        measured = latest & ~np.isnan(r.margin)
        thin = pd.DataFrame(
            {
                "position": pos[measured],
                "topic": "thinnest:" + family[measured],
                "item": standard[measured],
                "margin": r.margin[measured],
            }
        )
        thin = thin.sort_values("margin", kind="stable").drop_duplicates(["position", "topic"])
        lack_pos, lack_std, lack_fam = expected_lacking(
            self.expected_, portfolio.products, pos, r.std, r.outcome
        )
        return pd.concat(
            [
                part(failed, "failed:" + r.kind, named),
                part(critical, "critical:" + family, standard),
                part(failed & latest, "unresolved:" + family, named),
                worst[at_worst].drop(columns="rank"),
                thin.drop(columns="margin"),
                pd.DataFrame(
                    {"position": lack_pos, "topic": "missing:" + lack_fam, "item": lack_std}
                ),
                part(open_rows, "open:" + family, standard),
            ],
            ignore_index=True,
        )

    def describe(
        self, feature: str, value, evidence: Mapping[str, str], *, lang: str = "en"
    ) -> str:
        if not feature.startswith("tests_"):
            return super().describe(feature, value, evidence, lang=lang)
        _ = words_in(lang)
        missing = value is None or (isinstance(value, float) and np.isnan(value))
        if feature == "tests_accredited_share":
            if missing:
                return _("no passed test on file")
            return _("{percent} of passed tests from accredited laboratories").format(
                percent=f"{value:.0%}"
            )
        for family in FAMILIES:
            prefix = f"tests_{family_label(family)}_"
            if feature.startswith(prefix):
                return _describe_family(
                    feature[len(prefix) :], family, value, missing, evidence, lang
                )
        kind, measure = feature[len("tests_") :].rsplit("_", 1)
        if measure == "share":  # tests_<kind>_failing_share
            kind = kind[: -len("_failing")]
            if missing:
                return _("no {kind} test on file").format(kind=_(kind))
            return _("{percent} of the {kind} standards tested currently failing").format(
                percent=f"{value:.0%}", kind=_(kind)
            )
        if measure == "failed":
            ngettext = plural_words_in(lang)
            some = ngettext("failed {kind} test", "failed {kind} tests", 2 if value > 1 else 1)
            return listed(
                value,
                _("no failed {kind} test").format(kind=_(kind)),
                some.format(kind=_(kind)),
                evidence,
                f"failed:{kind}",
                lang=lang,
            )
        if measure == "passed":
            if value == 0:
                return _("no {kind} test passed").format(kind=_(kind))
            return _("{n} {kind} test(s) passed").format(n=int(value), kind=_(kind))
        return super().describe(feature, value, evidence, lang=lang)

    def _expected_missing(self, products, pos, std, outcome) -> dict[str, np.ndarray]:
        """Per family: expected standards of each product's category with no pass on file."""
        lacking_pos, _, lacking_fam = expected_lacking(self.expected_, products, pos, std, outcome)
        return {
            fam: np.bincount(lacking_pos[lacking_fam == fam], minlength=len(products)).astype(
                "float64"
            )
            for fam in FAMILIES
        }


def expected_lacking(expected: dict, products: pd.DataFrame, pos, std, outcome):
    """The expected standards without a passing (or conditional) result, one entry per product
    and standard: ``(product positions, normalised standards, families)``.

    ``expected`` maps each category to ``[normalised standard, family]`` pairs (the
    ``expected_`` attribute of a fitted :class:`LabTestFeatures`); ``pos``, ``std`` and
    ``outcome`` describe the test rows (product position, normalised standard, outcome).
    """
    n = len(products)
    cats = list(expected)
    items = [list(dict(map(tuple, expected[c])).items()) for c in cats]  # de-duplicated
    sizes = np.array([len(i) for i in items] + [0])  # the last entry: category not in catalogue
    flat_std = np.array([name for i in items for name, _ in i], dtype=object)
    flat_fam = np.array([fam for i in items for _, fam in i], dtype=object)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    codes = pd.Index(cats).get_indexer(products["category"].astype(str))
    codes = np.where(codes < 0, len(cats), codes)  # a category outside the catalogue expects none
    per_product = sizes[codes]
    want_pos = np.repeat(np.arange(n), per_product)
    offset = np.arange(per_product.sum()) - np.repeat(
        np.cumsum(per_product) - per_product, per_product
    )
    want = np.repeat(first[codes], per_product) + offset
    on_file = np.asarray(outcome) != "fail"
    have = pd.MultiIndex.from_arrays([want_pos, flat_std[want]]).isin(
        pd.MultiIndex.from_arrays([np.asarray(pos)[on_file], np.asarray(std)[on_file]])
    )
    return want_pos[~have], flat_std[want][~have], flat_fam[want][~have]


def latest_tests(pos, std, dates, outcome) -> np.ndarray:
    """True on the rows that are the most recent test of their (product, standard).

    On a tie of dates the worse outcome counts as the later one (the conservative reading).
    """
    order = pd.DataFrame(
        {
            "pos": pos,
            "std": std,
            "date": dates,
            "rank": map_values(pd.Series(outcome), _OUTCOME_ORDER),
        }
    )
    last = (
        order.sort_values(["pos", "std", "date", "rank"], kind="stable")
        .drop_duplicates(["pos", "std"], keep="last")
        .index.to_numpy()
    )
    flag = np.zeros(len(pos), dtype=bool)
    flag[last] = True
    return flag
