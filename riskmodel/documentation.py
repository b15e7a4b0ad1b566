"""Markdown tables rendered from the code, so the data dictionary never drifts from what runs.

``data/README.md`` holds sections between ``<!-- BEGIN generated:NAME -->`` and
``<!-- END generated:NAME -->`` markers; :func:`update_generated_sections` rewrites them from the
contract, the feature specifications and the generator's assumptions (``scripts/render_docs.py``),
and a test fails when the file is out of date.

Examples
--------
>>> print(render_section("table:certifications").splitlines()[0])
| column | type | required | meaning | checked |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields

from riskmodel.contract import CATEGORIES, TABLES
from riskmodel.features import feature_specs, make_feature_pipeline
from riskmodel.reference import OVERSEAS_SCHEMES, RELEVANT_OVERSEAS_SCHEMES, STANDARDS_CATALOGUE
from riskmodel.synthetic import generate_portfolio
from riskmodel.synthetic.catalogue import CATEGORY_PROFILES, COMPANY_SIZES, ZONES
from riskmodel.synthetic.hazard import FACTORS
from riskmodel.synthetic.worlds import WORLDS, World

__all__ = ["render_section", "update_generated_sections", "SECTIONS"]


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _contract_table(name: str) -> str:
    rows = []
    for col in TABLES[name].columns:
        kind = (
            "one of " + ", ".join(f"`{a}`" for a in col.allowed)
            if col.allowed and len(col.allowed) < 10
            else col.dtype
        )
        if col.name == "category":
            kind = "one of the 13 categories"
        rows.append(
            [
                f"`{col.name}`",
                kind,
                "yes" if col.required else "no",
                col.meaning,
                ("unique; " if col.unique else "")
                + col.expectation()
                + (
                    "; another value is kept, scored with the fallback and flagged"
                    if col.flag_unknown
                    else ""
                ),
            ]
        )
    return _table(["column", "type", "required", "meaning", "checked"], rows)


def _features_table() -> str:
    portfolio, _ = generate_portfolio(200, seed=0)
    specs = feature_specs(make_feature_pipeline().fit(portfolio))
    arrow = {1: "never lowers", -1: "never raises", 0: "free"}
    rows = [
        [
            f"`{s.name}`",
            s.input_group,
            s.definition,
            arrow[s.constraint("performance")],
            arrow[s.constraint("safety")],
        ]
        for s in specs
    ]
    return _table(
        [
            "feature",
            "input group",
            "definition",
            "effect on performance risk as it grows",
            "effect on safety risk as it grows",
        ],
        rows,
    )


def _categories_table() -> str:
    rows = []
    for cat in CATEGORIES:
        p = CATEGORY_PROFILES[cat]
        rows.append(
            [
                f"`{cat}`",
                f"{p.share:.2f}",
                f"{p.units_median:g} (max {p.units_max})",
                f"{min(p.months)}-{max(p.months)}",
                "/".join(f"{x:.2f}" for x in p.public_exposure_p),
                f"{p.perf_rate:g}",
                f"{p.safety_rate:g}",
                f"{p.perf_loss_median / 1e6:g} / {p.safety_loss_median / 1e6:g}",
                f"{p.bi_prob_safety:.2f}",
                f"{p.cert_effect:.2f}",
            ]
        )
    return _table(
        [
            "category",
            "share",
            "units median",
            "months",
            "closed/restricted/open",
            "performance rate",
            "safety rate",
            "median loss perf/safety (M KRW)",
            "bodily injury (safety)",
            "first overseas cert (safety)",
        ],
        rows,
    )


def _standards_table() -> str:
    rows = []
    for cat in CATEGORIES:
        stds = "; ".join(
            f"{s.name} ({s.kind}"
            + (
                f", {s.quantity} {'>=' if s.higher_is_better else '<='} {s.limit:g} {s.unit}"
                if s.limit is not None
                else ""
            )
            + ")"
            for s in STANDARDS_CATALOGUE[cat]
        )
        schemes = ", ".join(f"{s} ({c})" for s, c in OVERSEAS_SCHEMES[cat])
        relevant = ", ".join(sorted(RELEVANT_OVERSEAS_SCHEMES[cat]))
        rows.append([f"`{cat}`", stds, schemes, relevant])
    return _table(
        [
            "category",
            "expected standards (kind, headline measurement and limit)",
            "overseas schemes its applicants hold (issuer country)",
            "overseas schemes relevant to it (feature certs_active_overseas_relevant)",
        ],
        rows,
    )


def _worlds_table() -> str:
    default = World("default", "")
    rows = []
    for w in WORLDS.values():
        changed = [
            f"{f.name} {getattr(w, f.name)}"
            for f in fields(World)
            if f.name not in ("name", "description")
            and getattr(w, f.name) != getattr(default, f.name)
        ]
        rows.append([f"`{w.name}`", w.description, "; ".join(changed) or "(the base assumptions)"])
    return _table(["world", "what differs", "parameters"], rows)


def _zones_table() -> str:
    rows = [
        [
            f"`{z}`",
            f"{p.weight:g}",
            ", ".join(p.focus),
            f"{p.perf_factor:.2f}",
            f"{p.safety_factor:.2f}",
        ]
        for z, p in ZONES.items()
    ]
    return _table(
        ["zone", "weight", "focus categories", "performance factor", "safety factor"], rows
    )


def _companies_table() -> str:
    rows = [
        [f"`{k}`", f"{v[0]:.2f}", f"{v[1]:g}", f"{v[3]:+.1f}", f"Beta{v[4]}", f"{v[5]:.2f}"]
        for k, v in COMPANY_SIZES.items()
    ]
    return _table(
        [
            "size",
            "share",
            "median age (years)",
            "quality shift (sd)",
            "testing diligence",
            "overseas certifications per product",
        ],
        rows,
    )


def _factors_table() -> str:
    keys = list(dict.fromkeys(list(FACTORS["performance"]) + list(FACTORS["safety"])))

    def fmt(value):
        if value is None:
            return "-"
        if isinstance(value, tuple):
            return " / ".join(f"{v:g}" for v in value)
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    rows = [
        [k.replace("_", " "), fmt(FACTORS["performance"].get(k)), fmt(FACTORS["safety"].get(k))]
        for k in keys
    ]
    return _table(["factor", "performance", "safety"], rows)


SECTIONS: dict[str, Callable[[], str]] = {
    **{f"table:{name}": (lambda n=name: _contract_table(n)) for name in TABLES},
    "features": _features_table,
    "categories": _categories_table,
    "standards": _standards_table,
    "zones": _zones_table,
    "companies": _companies_table,
    "hazard-factors": _factors_table,
    "worlds": _worlds_table,
}


def render_section(name: str) -> str:
    """The markdown of one generated section."""
    return SECTIONS[name]()


_MARKER = re.compile(
    r"(<!-- BEGIN generated:(?P<name>[\w:-]+) -->\n)(.*?)(<!-- END generated:"
    r"(?P=name) -->)",
    re.S,
)


def update_generated_sections(text: str) -> str:
    """``text`` with every generated section re-rendered from the code."""

    def replace(match: re.Match) -> str:
        return match.group(1) + render_section(match.group("name")) + "\n" + match.group(4)

    return _MARKER.sub(replace, text)
