"""What-if: re-score and re-price one product after a change a company could make.

A change is a short phrase:

- ``add certification UL`` (an active certification of that scheme, issued at coverage start; the
  issuing country is the scheme's usual one for the category, ``KR`` for a domestic scheme);
- ``pass test T`` (a passing re-test, by an accredited laboratory at coverage start, of the
  standard of test ``T``; ``T`` is a ``test_id`` or a standard such as ``IEC 62133-2``);
- ``public_exposure closed_site``, ``units 50``, ``months 6``, ``deductible 5000000``,
  ``limit 1000000000``, ``trl 7`` (a product field: the contract's name or the short one).

The changed product goes through the same validation as any input, so an impossible change
(``units -3``) is refused with the contract's reason. :func:`suggest` tries every change a company
can actually make (certify with a scheme it lacks, re-test a standard it currently fails, restrict
public exposure) and ranks them by how much they lower the premium.

Examples
--------
>>> parse_change("add certification UL")
Change(action='add_certification', target='UL', text='add certification UL')
>>> parse_change("units 50")
Change(action='set', target='units_deployed', text='units 50', value='50')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.assessment import Assessment, assess
from riskmodel.contract import PUBLIC_EXPOSURE_LEVELS, TARGETS
from riskmodel.errors import InputError, UnknownProductError
from riskmodel.features.pipeline import feature_owners
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio, contract_text
from riskmodel.pricing.config import PricingConfig
from riskmodel.reference import (
    DOMESTIC_COUNTRY,
    DOMESTIC_SCHEMES,
    normalise_scheme,
    relevant_schemes,
    scheme_country,
)
from riskmodel.validation import validate_tables

__all__ = ["Change", "parse_change", "apply_change", "what_if", "suggest", "WhatIf"]

#: Product fields a what-if may set, by the short names users type.
FIELDS = {
    "units": "units_deployed",
    "units_deployed": "units_deployed",
    "months": "demo_months",
    "demo_months": "demo_months",
    "public_exposure": "public_exposure",
    "exposure": "public_exposure",
    "deductible": "deductible_krw",
    "deductible_krw": "deductible_krw",
    "limit": "coverage_limit_krw",
    "coverage_limit_krw": "coverage_limit_krw",
    "trl": "trl",
}
_SHOWN = ("performance_risk", "safety_risk", "expected_loss_krw", "premium_krw", "grade")


@dataclass(frozen=True)
class Change:
    """One parsed what-if change."""

    action: str  # add_certification, pass_test or set
    target: str  # scheme, test_id/standard, or product column
    text: str
    value: str | None = None

    def __repr__(self) -> str:
        value = "" if self.value is None else f", value={self.value!r}"
        return f"Change(action={self.action!r}, target={self.target!r}, text={self.text!r}{value})"


def parse_change(text: str) -> Change:
    """Parse a change phrase (see the module docstring); raises ``ValueError`` on anything else."""
    words = str(text).split()
    lowered = [w.lower() for w in words]
    if len(words) >= 3 and lowered[:2] == ["add", "certification"]:
        return Change("add_certification", " ".join(words[2:]).upper(), text)
    if len(words) >= 3 and lowered[:2] == ["pass", "test"]:
        return Change("pass_test", " ".join(words[2:]), text)
    if len(words) == 2 and lowered[0] in FIELDS:
        return Change("set", FIELDS[lowered[0]], text, words[1])
    raise InputError(
        f"change {text!r} is not understood; expected 'add certification SCHEME', "
        f"'pass test TEST_ID_OR_STANDARD' or '<field> <value>' with field one of "
        f"{sorted(set(FIELDS))}"
    )


def _one(portfolio: Portfolio, product_id: str) -> Portfolio:
    if product_id not in set(portfolio.products["product_id"]):
        raise UnknownProductError(f"product {product_id!r} is not in the portfolio")
    return portfolio.subset([product_id])


def apply_change(portfolio: Portfolio, product_id: str, change: Change | str) -> Portfolio:
    """The one-product portfolio of ``product_id`` with ``change`` applied, validated again."""
    change = parse_change(change) if isinstance(change, str) else change
    one = _one(portfolio, product_id)
    # as text, the way a data folder arrives, so a change is validated like any input
    tables = {name: contract_text(frame).astype(object) for name, frame in one.tables().items()}
    product = one.products.iloc[0]
    start = pd.Timestamp(product["coverage_start"]).strftime("%Y-%m-%d")
    if change.action == "set":
        tables["products"].loc[:, change.target] = change.value
    elif change.action == "add_certification":
        category = str(product["category"])
        country = scheme_country(category, change.target)
        if change.target in DOMESTIC_SCHEMES:
            country = DOMESTIC_COUNTRY
        elif country is None:
            known = sorted(relevant_schemes(category) | set(DOMESTIC_SCHEMES))
            raise InputError(
                f"scheme {change.target!r} is not one riskmodel knows for "
                f"{category}; known: {known}"
            )
        row = {
            "product_id": product_id,
            "scheme": change.target,
            "issuer_country": country,
            "status": "active",
            "issued_date": start,
        }
        tables["certifications"] = pd.concat(
            [tables["certifications"], pd.DataFrame([row])], ignore_index=True
        )
    elif change.action == "pass_test":
        tests = tables["test_results"]
        match = tests[(tests["test_id"] == change.target) | (tests["standard"] == change.target)]
        if match.empty:
            raise InputError(
                f"product {product_id} has no test {change.target!r} (by test_id or standard); "
                f"its standards: {sorted(set(tests['standard']))}"
            )
        old = match.iloc[-1]
        row = {
            "product_id": product_id,
            "test_id": f"{old['test_id']}-whatif-retest",
            "standard": old["standard"],
            "test_kind": old["test_kind"],
            "test_date": start,
            "lab_accredited": "true",
            "outcome": "pass",
        }
        tests = pd.concat([tests, pd.DataFrame([row])], ignore_index=True)
        tables["test_results"] = tests
    result = validate_tables({k: v for k, v in tables.items() if k != "incidents"})
    if len(result.rejects):
        reasons = "; ".join(
            f"{r.table}.{r.column} = {r.value!r}: {r.reason}"
            for r in result.rejects.itertuples(index=False)
        )
        raise InputError(f"change {change.text!r} gives invalid data: {reasons}")
    return result.portfolio


@dataclass
class WhatIf:
    """Before and after of one product under a list of changes."""

    product_id: str
    changes: list[str]
    before: pd.Series
    after: pd.Series
    moved: pd.DataFrame  # target, feature, before, after, factor
    assessment: Assessment | None = None  # the changed product's whole assessment
    portfolio: Portfolio | None = None  # the changed product's validated rows

    def text(self) -> str:
        """A plain-text summary for the command line."""
        lines = [f"product {self.product_id}: " + "; ".join(self.changes)]
        lines.append(f"  {'':<24}{'before':>26}{'after':>26}")
        for col in _SHOWN:
            b, a = self.before[col], self.after[col]
            if col.endswith("_risk"):
                fb, fa = f"{b:.4f}", f"{a:.4f}"
            elif col == "grade":
                fb, fa = str(b), str(a)
            else:
                fb, fa = f"{b:,.0f}", f"{a:,.0f}"
            lines.append(f"  {col:<24}{fb:>26}{fa:>26}")
        lines.append(
            f"  {'premium interval':<24}{self.before['premium_interval']:>26}"
            f"{self.after['premium_interval']:>26}"
        )
        if len(self.moved):
            lines.append("  what moved (factor on expected incidents):")
            for r in self.moved.itertuples(index=False):
                lines.append(f"    {r.target}: {r.before} -> {r.after}: x{r.factor:.2f}")
        return "\n".join(lines)


def _assessed(model: RiskModel, one: Portfolio, pricing: PricingConfig) -> Assessment:
    return assess(model, one, pricing=pricing, n_jobs=1)


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    return bool(a == b)


def _moved(model: RiskModel, before: Assessment, after: Assessment) -> pd.DataFrame:
    """Per target, the features whose value changed with their factor on expected incidents,
    then one row for everything else (the same values contributing differently through
    interactions in the trees, and exposure). The words are the transformers' own, read with
    each side's evidence."""
    rows = []
    owners = feature_owners(model.pipeline_)
    pid = before.scores["product_id"].iloc[0]
    evidence_b, evidence_a = before.evidence.get(pid, {}), after.evidence.get(pid, {})
    for target in TARGETS:
        ex_b, ex_a = before.explanations[target], after.explanations[target]
        cb, ca = ex_b.contributions.iloc[0], ex_a.contributions.iloc[0]
        vb, va = ex_b.values.iloc[0], ex_a.values.iloc[0]
        delta = ca - cb
        changed = [f for f in delta.index if not _same(vb[f], va[f]) and f != "exposure"]
        for feature in sorted(changed, key=lambda f: -abs(delta[f])):
            describe = owners[feature].describe
            rows.append(
                {
                    "target": target,
                    "feature": feature,
                    "before": describe(feature, vb[feature], evidence_b),
                    "after": describe(feature, va[feature], evidence_a),
                    "factor": float(np.exp(delta[feature])),
                }
            )
        rest = float(delta.drop(changed).sum())
        if abs(rest) > 1e-9:
            rows.append(
                {
                    "target": target,
                    "feature": "(other)",
                    "before": "exposure and interactions of unchanged features",
                    "after": "the same, re-weighted",
                    "factor": float(np.exp(rest)),
                }
            )
    return pd.DataFrame(rows, columns=["target", "feature", "before", "after", "factor"])


def what_if(
    model: RiskModel,
    portfolio: Portfolio,
    product_id: str,
    changes: list[str],
    pricing: PricingConfig,
) -> WhatIf:
    """Apply ``changes`` in order to one product and compare its risk, premium and grade."""
    if not changes:
        raise InputError("give at least one change")
    before = _one(portfolio, product_id)
    after = before
    for change in changes:
        after = apply_change(after, product_id, change)
    assessed_b, assessed_a = _assessed(model, before, pricing), _assessed(model, after, pricing)
    return WhatIf(
        product_id,
        list(changes),
        assessed_b.scores.iloc[0],
        assessed_a.scores.iloc[0],
        _moved(model, assessed_b, assessed_a),
        assessed_a,
        after,
    )


def candidate_changes(model: RiskModel, portfolio: Portfolio, product_id: str) -> list[str]:
    """Changes a company can actually make: certify with an overseas scheme relevant to its
    category that it does not hold active, re-test a standard whose latest result is not a pass,
    restrict public exposure. What the product holds and fails is read from the feature
    transformers' evidence, so it is what the model itself counted."""
    one = _one(portfolio, product_id)
    product = one.products.iloc[0]
    transformers = model.pipeline_.named_transformers
    certs = transformers["certifications"].evidence(one)
    active = certs.loc[certs["topic"].str.startswith("certs:active_"), "item"]
    held = {normalise_scheme(s) for s in active}
    out = [
        f"add certification {scheme}"
        for scheme in sorted(relevant_schemes(str(product["category"])))
        if scheme not in held
    ]
    tests = transformers["tests"].evidence(one)
    failing = tests.loc[tests["topic"].str.startswith("open:"), "item"]
    out += [f"pass test {standard}" for standard in sorted(set(failing))]
    level = PUBLIC_EXPOSURE_LEVELS.index(str(product["public_exposure"]))
    out += [f"public_exposure {lvl}" for lvl in PUBLIC_EXPOSURE_LEVELS[:level]]
    return out


def suggest(
    model: RiskModel,
    portfolio: Portfolio,
    product_id: str,
    pricing: PricingConfig,
    *,
    top: int = 3,
) -> pd.DataFrame:
    """The ``top`` changes (of :func:`candidate_changes`) that lower the premium the most.

    Returns
    -------
    DataFrame
        ``change``, ``premium_before``, ``premium_after``, ``saving_krw``, ``grade_before``,
        ``grade_after``, best first; only changes that lower the premium.
    """
    one = _one(portfolio, product_id)
    before = _assessed(model, one, pricing).scores.iloc[0]
    rows = []
    for change in candidate_changes(model, portfolio, product_id):
        after = _assessed(model, apply_change(one, product_id, change), pricing).scores.iloc[0]
        rows.append(
            {
                "change": change,
                "premium_before": before["premium_krw"],
                "premium_after": after["premium_krw"],
                "saving_krw": before["premium_krw"] - after["premium_krw"],
                "grade_before": before["grade"],
                "grade_after": after["grade"],
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "change",
            "premium_before",
            "premium_after",
            "saving_krw",
            "grade_before",
            "grade_after",
        ],
    )
    table = table[table["saving_krw"] > 0].sort_values("saving_krw", ascending=False, kind="stable")
    return table.head(top).reset_index(drop=True)
