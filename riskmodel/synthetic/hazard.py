"""The ground-truth hazard model of the synthetic portfolio.

A product's expected number of incidents of each kind in its coverage period is

    expected = rate_per_unit_year * units_deployed * demo_months / 12,
    rate_per_unit_year = reference_rate[category] * product of the factors below,

and the number of incidents is Poisson with that mean, so the true probability of at least one
incident is ``1 - exp(-expected)``. The factors act on the product's *true* record, which the model
sees only through the tables (for example, a non-accredited laboratory reports margins a little
optimistically, and a small latent product quality is never observed). That is the irreducible gap
between the best possible model (the oracle, ``truth.csv``) and any model trained on the tables.

``FACTORS`` lists every multiplier with its value in the base world; ``data/README.md`` prints the
same table. A :class:`~riskmodel.synthetic.worlds.World` changes some of them (zone effects, the
strength of the latent quality, a category x test-family interaction); how expected incidents grow
with units and months is applied by the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.contract import CATEGORIES
from riskmodel.reference import TEST_KIND_FAMILY
from riskmodel.synthetic.worlds import INTERACTION_SCORES, WORLDS, World

__all__ = [
    "HazardInputs",
    "FACTORS",
    "SAFETY_FAMILY",
    "PERFORMANCE_FAMILY",
    "margin_factor",
    "hazard_rates",
]

#: Test kinds whose findings bear on safety incidents, and on performance incidents.
SAFETY_FAMILY: tuple[str, ...] = tuple(k for k, f in TEST_KIND_FAMILY.items() if f == "safety")
PERFORMANCE_FAMILY: tuple[str, ...] = tuple(
    k for k, f in TEST_KIND_FAMILY.items() if f == "performance"
)

#: Multipliers of the hazard rates, per target; documented in data/README.md.
FACTORS: dict[str, dict[str, object]] = {
    "performance": {
        "trl_per_level_above_6": 0.82,
        "young_company_max": 1.50,  # 1 + 0.5 * exp(-age / 3)
        "public_exposure": (0.95, 1.00, 1.08),
        "unresolved_failure_by_severity": (1.12, 1.30, 1.60),  # minor, major, critical
        "resolved_failure": 1.05,
        "conditional": 1.05,
        "untested_expected_standard": 1.12,
        "thin_margin_max": 1.60,  # 1 + 0.6 / (1 + exp((m - 0.03) / 0.02))
        "first_active_overseas_cert": 0.88,
        "withdrawn_or_suspended_cert": 1.25,
        "expired_cert": 1.08,
        "latent_quality_per_sd": float(np.exp(-WORLDS["base"].latent_effect)),
    },
    "safety": {
        "trl_per_level_above_6": 0.88,
        "young_company_max": 1.30,  # 1 + 0.3 * exp(-age / 3)
        "public_exposure": (0.60, 1.00, 1.60),
        "unresolved_failure_by_severity": (1.15, 1.50, 2.20),
        "resolved_failure": 1.08,
        "conditional": 1.05,
        "untested_expected_standard": 1.25,
        "thin_margin_max": 1.90,  # 1 + 0.9 / (1 + exp((m - 0.03) / 0.02))
        "first_active_overseas_cert": "category cert_effect (0.55 to 0.85)",
        "second_active_overseas_cert": 0.88,
        "first_active_domestic_cert": 0.92,
        "withdrawn_or_suspended_cert": 1.60,
        "expired_cert": 1.10,
        "per_year_certified_up_to_10": float(np.exp(-0.03)),
        "open_public_with_unresolved_critical_failure": 1.30,
        "latent_quality_per_sd": float(np.exp(-WORLDS["base"].latent_effect)),
    },
}


@dataclass
class HazardInputs:
    """The true record of each product, one array element per product.

    Counts with a ``_family`` axis are ``(n_products, 2)``: column 0 is the performance family of
    test kinds, column 1 the safety family. ``unresolved`` is ``(n_products, 2, 3)`` by severity.
    """

    category: np.ndarray  # index into the contract's CATEGORIES
    reference_perf: np.ndarray
    reference_safety: np.ndarray
    cert_effect: np.ndarray
    zone_perf: np.ndarray
    zone_safety: np.ndarray
    trl: np.ndarray
    company_age: np.ndarray
    public_level: np.ndarray  # 0 closed_site, 1 restricted_public, 2 open_public
    unresolved: np.ndarray  # (n, 2, 3) latest attempt failed, by severity
    resolved: np.ndarray  # (n, 2) failures later fixed by a passing retest
    conditional: np.ndarray  # (n, 2)
    untested: np.ndarray  # (n, 2) expected standards never tested
    min_true_margin: np.ndarray  # (n, 2) NaN where nothing was measured
    active_overseas: np.ndarray
    active_domestic: np.ndarray
    withdrawn_suspended: np.ndarray
    expired: np.ndarray
    years_certified: np.ndarray  # years since the oldest still-active certification
    latent_quality: np.ndarray


def margin_factor(margin: np.ndarray, maximum: float) -> np.ndarray:
    """Hazard multiplier of the thinnest true margin to a limit: 1 when comfortable, ``maximum``
    when at or beyond the limit, rising steeply between 0.07 and 0 (a logistic step at 0.03)."""
    m = np.nan_to_num(np.asarray(margin, dtype=float), nan=1.0)
    return 1.0 + (maximum - 1.0) / (1.0 + np.exp(np.clip((m - 0.03) / 0.02, -50, 50)))


def _severity_product(unresolved: np.ndarray, factors) -> np.ndarray:
    return np.prod(np.power(np.asarray(factors)[None, :], unresolved), axis=1)


def hazard_rates(x: HazardInputs, world: World = WORLDS["base"]) -> tuple[np.ndarray, np.ndarray]:
    """True incident rates per unit-year at one unit for one year, ``(performance, safety)``."""
    fp, fs = FACTORS["performance"], FACTORS["safety"]
    trl_step = x.trl.astype(float) - 6.0
    young = np.exp(-x.company_age / 3.0)
    scores = np.array([INTERACTION_SCORES[c] for c in CATEGORIES])[x.category]
    power = np.exp(world.interaction * scores)  # 1 everywhere without interaction
    latent = np.exp(-world.latent_effect) ** x.latent_quality

    def findings(family: int, f) -> np.ndarray:
        """Unresolved failures, untested standards and the thinnest margin of one family."""
        raw = (
            _severity_product(x.unresolved[:, family, :], f["unresolved_failure_by_severity"])
            * f["untested_expected_standard"] ** x.untested[:, family]
            * margin_factor(x.min_true_margin[:, family], f["thin_margin_max"])
        )
        return raw**power

    perf = (
        x.reference_perf
        * x.zone_perf**world.zone_scale
        * fp["trl_per_level_above_6"] ** trl_step
        * (1.0 + 0.5 * young)
        * np.asarray(fp["public_exposure"])[x.public_level]
        * findings(0, fp)
        * fp["resolved_failure"] ** x.resolved[:, 0]
        * fp["conditional"] ** x.conditional[:, 0]
        * np.where(x.active_overseas >= 1, fp["first_active_overseas_cert"], 1.0)
        * fp["withdrawn_or_suspended_cert"] ** x.withdrawn_suspended
        * fp["expired_cert"] ** x.expired
        * latent
    )

    critical_open = (x.unresolved[:, 1, 2] > 0) & (x.public_level == 2)
    safety = (
        x.reference_safety
        * x.zone_safety**world.zone_scale
        * fs["trl_per_level_above_6"] ** trl_step
        * (1.0 + 0.3 * young)
        * np.asarray(fs["public_exposure"])[x.public_level]
        * findings(1, fs)
        * fs["resolved_failure"] ** x.resolved[:, 1]
        * fs["conditional"] ** x.conditional[:, 1]
        * np.where(x.active_overseas >= 1, x.cert_effect, 1.0)
        * np.where(x.active_overseas >= 2, fs["second_active_overseas_cert"], 1.0)
        * np.where(x.active_domestic >= 1, fs["first_active_domestic_cert"], 1.0)
        * fs["withdrawn_or_suspended_cert"] ** x.withdrawn_suspended
        * fs["expired_cert"] ** x.expired
        * fs["per_year_certified_up_to_10"] ** np.minimum(x.years_certified, 10.0)
        * np.where(critical_open, fs["open_public_with_unresolved_critical_failure"], 1.0)
        * latent
    )
    return perf, safety
