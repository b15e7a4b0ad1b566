"""Assumptions of the synthetic portfolio: categories, zones, companies, loss sizes.

Every number that shapes the generated data is here, named, so that ``data/README.md`` can print
and justify it and a reviewer can change one assumption in one place. Rates are incidents per
unit-year for a *reference product* (TRL 6, an established company, restricted public access, every
expected test passed with a comfortable margin, no certification); the hazard model
(:mod:`riskmodel.synthetic.hazard`) multiplies them by the product's risk factors.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CategoryProfile",
    "CATEGORY_PROFILES",
    "ZoneProfile",
    "ZONES",
    "COMPANY_SIZES",
    "GENERIC_EXTRA_STANDARDS",
    "COVERAGE_START_RANGE",
]


@dataclass(frozen=True)
class CategoryProfile:
    """How products of one category look and fail.

    Attributes
    ----------
    share : float
        Relative frequency of the category among applications.
    units_median, units_sigma, units_max : float
        Units deployed: lognormal with this median and log-sd, at least 1 and at most ``units_max``.
    months : tuple of int
        Coverage periods offered (months), drawn uniformly.
    public_exposure_p : tuple of float
        Probabilities of closed_site, restricted_public, open_public.
    perf_rate, safety_rate : float
        Reference incidents per unit-year.
    perf_loss_median, safety_loss_median : float
        Median ground-up loss per incident (KRW) without bodily injury.
    loss_sigma : float
        Log-sd of the loss per incident.
    bi_prob_safety, bi_prob_perf : float
        Probability that a safety (performance) incident injures someone.
    cert_effect : float
        Safety-hazard multiplier of the first active overseas certification: stronger (lower) in
        categories whose international schemes test what fails in the field.
    limits_krw : tuple of float
        Limits of indemnity offered.
    """

    share: float
    units_median: float
    units_sigma: float
    units_max: int
    months: tuple[int, ...]
    public_exposure_p: tuple[float, float, float]
    perf_rate: float
    safety_rate: float
    perf_loss_median: float
    safety_loss_median: float
    loss_sigma: float
    bi_prob_safety: float
    bi_prob_perf: float
    cert_effect: float
    limits_krw: tuple[float, ...]


M = 1_000_000  # KRW
_MONTHS_SHORT = (3, 6, 6, 9, 12, 12, 18, 24)
_MONTHS_LONG = (6, 12, 12, 18, 24, 24, 36, 48)
_LIMITS_SMALL = (100 * M, 300 * M, 500 * M, 1_000 * M)
_LIMITS_LARGE = (500 * M, 1_000 * M, 3_000 * M, 5_000 * M, 10_000 * M)

CATEGORY_PROFILES: dict[str, CategoryProfile] = {
    "autonomous_vehicle": CategoryProfile(
        0.10,
        4,
        0.9,
        60,
        _MONTHS_SHORT,
        (0.25, 0.45, 0.30),
        0.036,
        0.026,
        18 * M,
        60 * M,
        1.1,
        0.35,
        0.05,
        0.72,
        _LIMITS_LARGE,
    ),
    "urban_air_mobility": CategoryProfile(
        0.04,
        2,
        0.6,
        8,
        _MONTHS_SHORT,
        (0.55, 0.40, 0.05),
        0.094,
        0.081,
        40 * M,
        250 * M,
        1.2,
        0.40,
        0.05,
        0.70,
        _LIMITS_LARGE,
    ),
    "drone": CategoryProfile(
        0.12,
        12,
        1.0,
        400,
        _MONTHS_SHORT,
        (0.30, 0.45, 0.25),
        0.0072,
        0.0048,
        4 * M,
        15 * M,
        1.0,
        0.25,
        0.02,
        0.75,
        _LIMITS_SMALL,
    ),
    "marine_mobility": CategoryProfile(
        0.06,
        3,
        0.8,
        40,
        _MONTHS_SHORT,
        (0.30, 0.50, 0.20),
        0.055,
        0.042,
        25 * M,
        80 * M,
        1.1,
        0.20,
        0.03,
        0.75,
        _LIMITS_LARGE,
    ),
    "robotics": CategoryProfile(
        0.12,
        8,
        1.0,
        300,
        _MONTHS_LONG,
        (0.45, 0.35, 0.20),
        0.012,
        0.0054,
        6 * M,
        20 * M,
        1.0,
        0.45,
        0.05,
        0.72,
        _LIMITS_SMALL,
    ),
    "ai_software": CategoryProfile(
        0.10,
        5,
        1.1,
        200,
        _MONTHS_LONG,
        (0.20, 0.40, 0.40),
        0.018,
        0.006,
        12 * M,
        30 * M,
        1.3,
        0.05,
        0.01,
        0.85,
        _LIMITS_SMALL,
    ),
    "digital_healthcare": CategoryProfile(
        0.08,
        6,
        1.0,
        200,
        _MONTHS_LONG,
        (0.15, 0.60, 0.25),
        0.013,
        0.0063,
        10 * M,
        40 * M,
        1.2,
        0.30,
        0.02,
        0.70,
        _LIMITS_SMALL,
    ),
    "medical_device": CategoryProfile(
        0.09,
        30,
        1.1,
        2000,
        _MONTHS_LONG,
        (0.20, 0.65, 0.15),
        0.0024,
        0.0012,
        8 * M,
        60 * M,
        1.2,
        0.60,
        0.05,
        0.55,
        _LIMITS_LARGE,
    ),
    "regenerative_bio": CategoryProfile(
        0.05,
        10,
        0.9,
        200,
        _MONTHS_LONG,
        (0.35, 0.60, 0.05),
        0.011,
        0.0073,
        30 * M,
        150 * M,
        1.3,
        0.70,
        0.10,
        0.65,
        _LIMITS_LARGE,
    ),
    "battery_ess": CategoryProfile(
        0.08,
        3,
        0.9,
        60,
        _MONTHS_LONG,
        (0.40, 0.40, 0.20),
        0.030,
        0.018,
        20 * M,
        120 * M,
        1.3,
        0.20,
        0.02,
        0.55,
        _LIMITS_LARGE,
    ),
    "hydrogen_energy": CategoryProfile(
        0.06,
        2,
        0.7,
        20,
        _MONTHS_LONG,
        (0.40, 0.40, 0.20),
        0.053,
        0.034,
        25 * M,
        200 * M,
        1.4,
        0.30,
        0.03,
        0.65,
        _LIMITS_LARGE,
    ),
    "renewable_energy": CategoryProfile(
        0.06,
        5,
        1.0,
        100,
        _MONTHS_LONG,
        (0.55, 0.30, 0.15),
        0.018,
        0.013,
        15 * M,
        50 * M,
        1.1,
        0.15,
        0.02,
        0.80,
        _LIMITS_SMALL,
    ),
    "semiconductor_equipment": CategoryProfile(
        0.04,
        3,
        0.8,
        30,
        _MONTHS_LONG,
        (0.90, 0.10, 0.00),
        0.043,
        0.024,
        50 * M,
        80 * M,
        1.2,
        0.15,
        0.01,
        0.80,
        _LIMITS_LARGE,
    ),
}
del M


@dataclass(frozen=True)
class ZoneProfile:
    """A demonstration zone: which categories it attracts and how its sites shift the hazards.

    Attributes
    ----------
    weight : float
        Relative number of companies based in the zone.
    focus : tuple of str
        Categories the zone specialises in (a product in a focus category is three times as
        likely to be demonstrated there).
    perf_factor, safety_factor : float
        Multipliers of the hazards for site conditions (coast, climate, density of people).
    """

    weight: float
    focus: tuple[str, ...]
    perf_factor: float
    safety_factor: float


# Loosely following the focus industries of Korea's first global innovation special zones; the
# factors are assumptions for the synthetic data, not findings about real regions.
ZONES: dict[str, ZoneProfile] = {
    "busan": ZoneProfile(1.2, ("marine_mobility", "drone"), 1.10, 1.15),
    "gangwon": ZoneProfile(0.9, ("digital_healthcare", "ai_software"), 0.95, 0.95),
    "chungbuk": ZoneProfile(0.9, ("regenerative_bio", "medical_device"), 1.00, 1.00),
    "jeonnam": ZoneProfile(1.0, ("hydrogen_energy", "renewable_energy", "battery_ess"), 1.05, 1.10),
    "gyeongbuk": ZoneProfile(0.9, ("battery_ess", "robotics"), 1.00, 1.05),
    "daegu": ZoneProfile(0.8, ("robotics", "medical_device"), 0.95, 0.95),
    "daejeon": ZoneProfile(0.8, ("semiconductor_equipment", "ai_software"), 0.90, 0.90),
    "sejong": ZoneProfile(0.7, ("autonomous_vehicle", "urban_air_mobility"), 1.00, 0.90),
    "gyeonggi": ZoneProfile(
        1.5, ("ai_software", "semiconductor_equipment", "autonomous_vehicle"), 0.95, 1.00
    ),
}

#: Company size: (share of companies, median age in years, log-sd of age, quality shift,
#: testing diligence (beta a, b), mean number of overseas certifications per product).
COMPANY_SIZES: dict[str, tuple[float, float, float, float, tuple[float, float], float]] = {
    "startup": (0.55, 3.0, 0.6, -0.2, (3.0, 3.0), 0.35),
    "sme": (0.35, 11.0, 0.5, 0.1, (4.0, 2.5), 0.70),
    "large": (0.10, 30.0, 0.4, 0.4, (6.0, 1.5), 1.40),
}

#: Tests outside the category catalogue that some applicants add (standard, kind, accredited).
GENERIC_EXTRA_STANDARDS: tuple[tuple[str, str], ...] = (
    ("IEC 61010-1", "safety"),
    ("IEC 60068-2-1", "environmental"),
    ("IEC 61000-4-2", "emc"),
    ("ISO/IEC 27001", "cybersecurity"),
    ("IEC 62368-1", "safety"),
)

#: Coverage periods start between these dates (inclusive).
COVERAGE_START_RANGE = ("2020-01-01", "2022-06-30")
