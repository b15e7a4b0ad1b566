"""A family of structurally different synthetic worlds, each with a known truth.

riskmodel must hold on data it did not generate: an insurer's portfolio will not follow the
project's generator. A *world* changes one structural assumption of the generator while keeping the
input contract, so a model chosen on all worlds together is not tuned to one set of assumptions.
``base`` is the generator as documented in ``data/README.md``; the others differ in

- **exposure**: risk growing with units deployed sub-linearly (elasticity 0.6: units at one site
  share an operator, a site and a failure mode) or super-linearly (1.3), and with months
  sub-linearly;
- **interactions**: test findings matter by category (a failed safety test is worse for batteries
  and hydrogen than for AI software), so risk is not a product of main effects;
- **zones**: no zone effect at all, or strong zone effects;
- **severity**: heavy-tailed (Pareto) losses, or fixed-benefit claims (every loss of a kind and
  category the same);
- **thin and new categories**: four categories ten times rarer, and two new to the programme,
  absent from a training draw (``new_share_in_training`` 0) but present in the portfolio priced;
- **latent quality**: a strong unobserved product quality, which test margins reveal (noisily);
- **non-Poisson counts**: overdispersion (a gamma frailty per product: negative binomial counts) and
  clustering (one failure at a site hits several units: compound Poisson counts).

The truth written with each portfolio (``truth.csv``) is the best possible prediction from the
product's true record: its expected incidents and its probability of at least one incident, which
under overdispersion or clustering is no longer ``1 - exp(-expected)``.

Examples
--------
>>> sorted(WORLDS)[:3]
['base', 'clustered', 'interactions']
>>> world("sublinear_units").units_elasticity
0.6
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskmodel.contract import CATEGORIES
from riskmodel.errors import OptionError

__all__ = ["World", "WORLDS", "world", "SEVERITY_SHAPES"]

SEVERITY_SHAPES = ("lognormal", "pareto", "fixed")


@dataclass(frozen=True)
class World:
    """One set of structural assumptions of the synthetic generator.

    Attributes
    ----------
    name, description : str
    units_elasticity, months_elasticity : float
        Expected incidents grow as ``units ** e_u * (months / 12) ** e_m`` (1 and 1: proportional
        to unit-years, the base world).
    interaction : float
        Strength of the category x test-family interaction: the multipliers of unresolved
        failures, thin margins and untested standards are raised to a per-category power
        ``exp(interaction * s_c)`` (0: none).
    zone_scale : float
        Zone multipliers are raised to this power (0: no zone effect).
    latent_effect : float
        Hazard multiplier per standard deviation of the latent product quality is
        ``exp(-latent_effect)``.
    latent_in_margins : float
        How much a test's true margin to its limit moves per standard deviation of the latent
        quality (how well tests reveal it).
    dispersion : float
        Variance of a mean-one gamma frailty per product and kind (0: Poisson counts).
    cluster_share : float
        Each failure event also hits each other unit of the product with this probability
        (0: one incident per event).
    severity : {"lognormal", "pareto", "fixed"}
        Shape of the loss per incident (same median per kind and category).
    category_share : dict of str to float
        Multipliers of the categories' shares of applications.
    new_categories : tuple of str
        Categories new to the programme: in a training draw their share is multiplied by
        ``new_share_in_training`` (0 leaves them out altogether).
    new_share_in_training : float
    """

    name: str
    description: str
    units_elasticity: float = 1.0
    months_elasticity: float = 1.0
    interaction: float = 0.0
    zone_scale: float = 1.0
    latent_effect: float = 0.10
    latent_in_margins: float = 0.07
    dispersion: float = 0.0
    cluster_share: float = 0.0
    severity: str = "lognormal"
    category_share: dict[str, float] = field(default_factory=dict)
    new_categories: tuple[str, ...] = ()
    new_share_in_training: float = 0.0

    def __post_init__(self):
        checks = {
            "units_elasticity": (0.0, 3.0),
            "months_elasticity": (0.0, 3.0),
            "interaction": (0.0, 3.0),
            "zone_scale": (0.0, 5.0),
            "latent_effect": (0.0, 2.0),
            "latent_in_margins": (0.0, 0.5),
            "dispersion": (0.0, 10.0),
            "cluster_share": (0.0, 1.0),
            "new_share_in_training": (0.0, 1.0),
        }
        for name, (lo, hi) in checks.items():
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ValueError(
                    f"world {self.name!r}: {name} must be in [{lo}, {hi}], got {value}"
                )
        if self.severity not in SEVERITY_SHAPES:
            raise ValueError(
                f"world {self.name!r}: severity must be one of {SEVERITY_SHAPES}, "
                f"got {self.severity!r}"
            )
        unknown = sorted((set(self.category_share) | set(self.new_categories)) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"world {self.name!r}: unknown categories {unknown}")


#: Per-category interaction scores ``s_c``: positive where test findings matter more.
INTERACTION_SCORES: dict[str, float] = {
    "autonomous_vehicle": 0.5,
    "urban_air_mobility": 0.6,
    "drone": 0.2,
    "marine_mobility": 0.1,
    "robotics": 0.3,
    "ai_software": -1.0,
    "digital_healthcare": -0.8,
    "medical_device": 0.4,
    "regenerative_bio": -0.3,
    "battery_ess": 0.8,
    "hydrogen_energy": 0.9,
    "renewable_energy": -0.4,
    "semiconductor_equipment": -0.6,
}

_THIN = ("urban_air_mobility", "marine_mobility", "regenerative_bio", "semiconductor_equipment")

WORLDS: dict[str, World] = {
    w.name: w
    for w in (
        World("base", "the project's generator (data/README.md)"),
        World(
            "sublinear_units",
            "risk grows with units with elasticity 0.6 and with months with 0.8",
            units_elasticity=0.6,
            months_elasticity=0.8,
        ),
        World(
            "superlinear_units",
            "risk grows with units with elasticity 1.3 (crowded sites)",
            units_elasticity=1.3,
        ),
        World(
            "interactions",
            "test findings matter by category (category x test family)",
            interaction=0.6,
        ),
        World(
            "no_zones_heavy_tail",
            "no zone effect; Pareto-tailed losses",
            zone_scale=0.0,
            severity="pareto",
        ),
        World(
            "strong_zones_fixed_benefit",
            "zone effects cubed; fixed-benefit claims (one loss per kind and category)",
            zone_scale=3.0,
            severity="fixed",
        ),
        World(
            "thin_new_categories",
            "four categories ten times rarer; two categories new to the programme, absent "
            "from training",
            category_share={c: 0.1 for c in _THIN},
            new_categories=("digital_healthcare", "renewable_energy"),
        ),
        World(
            "latent_quality",
            "a strong latent product quality, unobserved but revealed by test margins",
            latent_effect=0.3,
            latent_in_margins=0.12,
        ),
        World(
            "overdispersed",
            "a gamma frailty per product (variance 0.5): negative binomial counts",
            dispersion=0.5,
        ),
        World(
            "clustered",
            "failure events grow with units as 0.5; each event hits other units at the site "
            "with probability 0.05 (compound Poisson counts)",
            units_elasticity=0.5,
            cluster_share=0.05,
        ),
    )
}


def world(name: str | World) -> World:
    """The world called ``name`` (a :class:`World` is returned as it is)."""
    if isinstance(name, World):
        return name
    if name not in WORLDS:
        raise OptionError(f"world must be one of {sorted(WORLDS)}, got {name!r}")
    return WORLDS[name]
