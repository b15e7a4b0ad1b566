"""Training configuration: every choice that shapes a model, in one versioned file.

A config is a TOML file (see ``riskmodel/configs/train.toml``, shipped with the package and equal
to the defaults); any key left out takes the default below. The
config used is written into every trained model folder, so a model can always be retrained exactly.

Examples
--------
>>> cfg = TrainConfig.from_dict({"seed": 7, "safety": {"num_leaves": 31}})
>>> cfg.seed, cfg.safety.num_leaves, cfg.performance.num_leaves
(7, 31, 15)
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from riskmodel.errors import OptionError

__all__ = ["BoosterParams", "TrainConfig", "load_config", "read_toml", "refuse_unknown_keys"]


@dataclass(frozen=True)
class BoosterParams:
    """Hyper-parameters of one frequency model (see ``riskmodel.models.PoissonGBMRegressor``)."""

    learning_rate: float = 0.05
    max_iter: int = 3000
    num_leaves: int = 15
    max_depth: int = -1
    # Strong L2 on leaf values and at least 200 products per leaf: the riskiest products (several
    # open failures, open public access, many unit-years) sit in thin leaves whose unregularised
    # Poisson values overshoot by up to 3x, and they dominate expected incidents and losses.
    # Chosen on four held-out portfolios (README, "Regularising the riskiest products").
    min_child_samples: int = 200
    reg_lambda: float = 100.0
    colsample: float = 0.9
    max_bin: int = 255
    early_stopping_rounds: int = 100
    cat_smooth: float = 10.0
    min_data_per_group: int = 50
    monotone_method: str = "intermediate"
    # Segments of the learned exposure curves of units and months (knots at quantiles of the
    # training values); chosen on the robustness worlds together (README, "Robustness").
    exposure_segments: int = 6


@dataclass(frozen=True)
class TrainConfig:
    """How to train a :class:`~riskmodel.models.RiskModel`.

    Attributes
    ----------
    seed : int
        Seeds the validation split, the category dropout and LightGBM.
    n_jobs : int
        Threads for training (LightGBM degrades when oversubscribed: at most the cores you have).
    validation_fraction : float
        Share of companies held out for early stopping (all products of a company stay together).
    category_dropout : float
        Share of training products whose category (and, separately, zone) is hidden, so the models
        learn what an unseen category or zone should score (the ``__unknown__`` fallback).
    handle_unknown : {"fallback", "error"}
        What scoring does with a category or zone unseen in training.
    performance, safety : BoosterParams
        Hyper-parameters of each target's model.
    uncertainty_replicates : int
        Refits on random halves of the companies that measure how much the data support each
        product's expected loss (0: no intervals). Each costs about half a training run.
    severity_min_injuries : int
        A kind with fewer bodily-injury incidents pools its injury uplift with the other kind's.
    limitations : tuple of str
        Known limitations of the model, recorded by the data scientist for the audit report.
    """

    seed: int = 0
    n_jobs: int = 2
    validation_fraction: float = 0.2
    category_dropout: float = 0.02
    handle_unknown: str = "fallback"
    performance: BoosterParams = field(default_factory=BoosterParams)
    safety: BoosterParams = field(default_factory=BoosterParams)
    uncertainty_replicates: int = 10
    severity_min_injuries: int = 30
    limitations: tuple[str, ...] = (
        (
            "Trained and validated on synthetic data: no public product-liability claims data "
            "exist; real claims must replace them before prices are binding."
        ),
        (
            "Monotone constraints on overlapping failure features over-predict the expected "
            "safety incidents of products with an unresolved safety failure and under-predict "
            "the others by a few percent (README, Measured)."
        ),
        (
            "Per-category sums of expected losses are within about 10% of the truth on held-out "
            "portfolios at 200,000 training products (the 5% target of the demo is missed on "
            "some draws); thin or new categories rely on the portfolio complement."
        ),
        (
            "A category absent from training is priced at the portfolio-average effect (flagged "
            "in data_issues, widest interval): no model can rank it as its truth would "
            "(robustness benchmark, world thin_new_categories)."
        ),
        (
            "The exposure curves of units and months are the same for every product: an "
            "elasticity that differs by category is not learned."
        ),
        "Deductibles and limits apply per incident; aggregate limits are not modelled.",
        (
            "Interval widths are calibrated on synthetic truth (interval_scale); recalibrate when "
            "real outcomes accumulate."
        ),
    )

    def __post_init__(self):
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise OptionError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not (isinstance(self.n_jobs, int) and self.n_jobs >= 1):
            raise OptionError(f"n_jobs must be an integer >= 1, got {self.n_jobs!r}")
        if not 0 < self.validation_fraction < 0.9:
            raise OptionError(
                f"validation_fraction must be in (0, 0.9), got {self.validation_fraction!r}"
            )
        if not 0 <= self.category_dropout < 0.5:
            raise OptionError(
                f"category_dropout must be in [0, 0.5), got {self.category_dropout!r}"
            )
        if not (isinstance(self.uncertainty_replicates, int) and 0 <= self.uncertainty_replicates):
            raise OptionError(
                "uncertainty_replicates must be an integer >= 0, got "
                f"{self.uncertainty_replicates!r}"
            )
        if not (isinstance(self.severity_min_injuries, int) and self.severity_min_injuries >= 1):
            raise OptionError(
                f"severity_min_injuries must be an integer >= 1, got {self.severity_min_injuries!r}"
            )
        if self.handle_unknown not in ("fallback", "error"):
            raise OptionError(
                f"handle_unknown must be 'fallback' or 'error', got {self.handle_unknown!r}"
            )

    def params_for(self, target: str) -> BoosterParams:
        """The booster parameters of ``target`` (``performance`` or ``safety``)."""
        return getattr(self, target)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["limitations"] = list(self.limitations)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build a config from nested dicts, refusing unknown keys."""
        data = dict(data)
        refuse_unknown_keys("config", data, cls)
        for target in ("performance", "safety"):
            if target in data:
                section = dict(data[target])
                refuse_unknown_keys(f"config [{target}]", section, BoosterParams)
                data[target] = BoosterParams(**section)
        if "limitations" in data:
            data["limitations"] = tuple(data["limitations"])
        return cls(**data)


def refuse_unknown_keys(where: str, data: dict, cls) -> None:
    allowed = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise OptionError(f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(allowed)}")


def read_toml(path: str | os.PathLike, what: str) -> dict:
    """The contents of a TOML file; ``what`` names it in the errors (a missing file, bad TOML)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist")
    with path.open("rb") as handle:
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise OptionError(f"{path}: not valid TOML ({exc})") from exc


def load_config(path: str | os.PathLike | None) -> TrainConfig:
    """Read a TOML training config; ``None`` gives the defaults."""
    if path is None:
        return TrainConfig()
    return TrainConfig.from_dict(read_toml(path, "config file"))
