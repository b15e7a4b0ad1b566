"""Training configuration: every choice that shapes a model, in one versioned file.

A config is a TOML file (see ``riskmodel/configs/train.toml``, shipped with the package and equal
to the defaults); any key left out takes its default. The ``[performance]`` and ``[safety]``
sections are keyword arguments of :class:`~riskmodel.models.PoissonGBMRegressor`: their defaults
and allowed values are the estimator's own, declared once in its ``_parameter_constraints``. The
top-level settings borrow the constraints of the estimator or transformer they are handed to. The
config used is written into every trained model folder, so a model can always be retrained
exactly.

Examples
--------
>>> cfg = TrainConfig.from_dict({"seed": 7, "safety": {"num_leaves": 31}})
>>> cfg.seed, cfg.safety["num_leaves"], cfg.performance["num_leaves"]
(7, 31, 15)
>>> TrainConfig(validation_fraction=1.5)
Traceback (most recent call last):
...
sklearn.utils._param_validation.InvalidParameterError: The 'validation_fraction' parameter of \
TrainConfig must be a float in the range (0.0, 0.9]. Got 1.5 instead.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import tomllib
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path

from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from riskmodel.errors import OptionError

__all__ = [
    "TrainConfig",
    "BOOSTER_SET_BY_MODEL",
    "booster_params",
    "load_config",
    "read_toml",
    "refuse_unknown_keys",
]

#: Parameters of PoissonGBMRegressor that the RiskModel sets itself (from the feature specs or the
#: top-level settings shared by both targets): a ``[performance]`` or ``[safety]`` section may
#: not set them.
BOOSTER_SET_BY_MODEL = (
    "monotone_constraints",
    "exposure_features",
    "exposure_backfit",
    "validation_fraction",
    "random_state",
    "n_jobs",
)


def _estimator():
    # imported here: riskmodel.models imports this module
    from riskmodel.models.poisson_gbm import PoissonGBMRegressor

    return PoissonGBMRegressor


def booster_params(section=None, *, where: str = "config [section]") -> dict:
    """A ``[performance]`` or ``[safety]`` section resolved to keyword arguments of
    PoissonGBMRegressor: its defaults, overridden by ``section``, checked against its constraints.

    Examples
    --------
    >>> booster_params({"num_leaves": 31})["num_leaves"], booster_params()["max_iter"]
    (31, 3000)
    """
    estimator = _estimator()
    defaults = {
        name: p.default
        for name, p in inspect.signature(estimator.__init__).parameters.items()
        if name != "self" and name not in BOOSTER_SET_BY_MODEL
    }
    section = dict(section or {})
    refuse_unknown_keys(where, section, defaults, set_by_riskmodel=BOOSTER_SET_BY_MODEL)
    params = {**defaults, **section}
    validate_parameter_constraints(
        {k: v for k, v in estimator._parameter_constraints.items() if k in params},
        params,
        caller_name=f"{estimator.__name__} ({where})",
    )
    return params


def _constraints() -> dict:
    from riskmodel.features.categorical import CategoricalColumns
    from riskmodel.models.severity import SeverityModel

    booster = _estimator()._parameter_constraints
    return {
        "seed": booster["random_state"],
        "n_jobs": booster["n_jobs"],
        "validation_fraction": booster["validation_fraction"],
        "category_dropout": [Interval(Real, 0, 0.5, closed="left")],
        "handle_unknown": CategoricalColumns._parameter_constraints["handle_unknown"],
        "uncertainty_replicates": [Interval(Integral, 0, None, closed="left")],
        "severity_min_injuries": SeverityModel._parameter_constraints["min_injuries"],
        "limitations": [tuple],
    }


@dataclass(frozen=True)
class TrainConfig:
    """How to train a :class:`~riskmodel.models.RiskModel`.

    Attributes
    ----------
    seed : int
        Seeds the validation split, the category dropout and LightGBM (``random_state``).
    n_jobs : int
        Threads for training (LightGBM degrades when oversubscribed: at most the cores you have).
    validation_fraction : float
        Share of companies held out for early stopping (all products of a company stay
        together), in (0, 0.9].
    category_dropout : float
        Share of training products whose category (and, separately, zone) is hidden, so the models
        learn what an unseen category or zone should score (the ``__unknown__`` fallback), in
        [0, 0.5).
    handle_unknown : {"fallback", "error"}
        What scoring does with a category or zone unseen in training.
    performance, safety : dict
        Keyword arguments of each target's PoissonGBMRegressor, resolved (every key present).
    uncertainty_replicates : int
        Refits on random halves of the companies that measure how much the data support each
        product's expected loss (0: no intervals). Each costs about half a training run.
    severity_min_injuries : int
        A kind with fewer bodily-injury incidents pools its injury uplift with the other kind's.
    limitations : tuple of str
        Limitations of this model that the data scientist records for the audit report (the
        report states the method's own, with their measured figures).
    """

    seed: int = 0
    n_jobs: int = 2
    validation_fraction: float = 0.2
    category_dropout: float = 0.02
    handle_unknown: str = "fallback"
    performance: dict = field(default_factory=dict)
    safety: dict = field(default_factory=dict)
    uncertainty_replicates: int = 10
    severity_min_injuries: int = 30
    limitations: tuple[str, ...] = ()

    def __post_init__(self):
        params = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        validate_parameter_constraints(
            _constraints(),
            {k: v for k, v in params.items() if k not in ("performance", "safety")},
            caller_name="TrainConfig",
        )
        for target in ("performance", "safety"):
            resolved = booster_params(getattr(self, target), where=f"config [{target}]")
            object.__setattr__(self, target, resolved)

    def params_for(self, target: str) -> dict:
        """The PoissonGBMRegressor keyword arguments of ``target`` (``performance`` or
        ``safety``)."""
        return dict(getattr(self, target))

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["limitations"] = list(self.limitations)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build a config from nested dicts, refusing unknown keys."""
        data = dict(data)
        refuse_unknown_keys("config", data, cls)
        if "limitations" in data:
            data["limitations"] = tuple(data["limitations"])
        return cls(**data)


def refuse_unknown_keys(where: str, data: dict, allowed, *, set_by_riskmodel=()) -> None:
    """Refuse keys of ``data`` that are not ``allowed`` (a dataclass's fields, or names), saying
    which of them riskmodel sets itself."""
    names = (
        {f.name for f in dataclasses.fields(allowed)}
        if dataclasses.is_dataclass(allowed)
        else set(allowed)
    )
    unknown = sorted(set(data) - names)
    if unknown:
        theirs = sorted(set(unknown) & set(set_by_riskmodel))
        raise OptionError(
            f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(names)}"
            + (f" ({theirs} are set by riskmodel)" if theirs else "")
        )


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
