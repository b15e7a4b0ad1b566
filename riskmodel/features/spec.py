"""What a feature is, in words: its name, input group, definition and known direction of effect.

Every transformer of the feature pipeline declares a :class:`FeatureSpec` for each column it makes,
so reports, explanations and the monotone constraints of the models all read from one place.

Examples
--------
>>> spec = FeatureSpec("trl", "company", "technology readiness level (1-9) at application",
...                    monotone={"performance": -1, "safety": -1})
>>> spec.constraint("safety")
-1
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from riskmodel.contract import INPUT_GROUPS, TARGETS

__all__ = ["FeatureSpec"]


@dataclass(frozen=True)
class FeatureSpec:
    """A documented model feature.

    Parameters
    ----------
    name : str
        Column name in the feature table.
    input_group : str
        One of the contract's input groups (``category``, ``zone``, ``company``, ``exposure``,
        ``tests``, ``certifications``).
    definition : str
        One line a ministry auditor can read.
    monotone : dict of str to {-1, 0, 1}
        Known direction of the feature's effect on each target: +1 never lowers the risk when the
        feature grows, -1 never raises it, 0 (or absent) unconstrained.
    kind : {"numeric", "categorical", "exposure"}
        How the model treats the feature: ``exposure`` features (units, months) enter through a
        learned non-decreasing curve of their logarithm instead of the trees
        (:mod:`riskmodel.models.exposure`), so they must be monotone +1 for every target.
    """

    name: str
    input_group: str
    definition: str
    monotone: dict[str, int] = field(default_factory=dict)
    kind: Literal["numeric", "categorical", "exposure"] = "numeric"

    def __post_init__(self):
        if self.input_group not in INPUT_GROUPS:
            raise ValueError(
                f"feature {self.name!r}: input_group must be one of {INPUT_GROUPS}, "
                f"got {self.input_group!r}"
            )
        for target, direction in self.monotone.items():
            if target not in TARGETS or direction not in (-1, 0, 1):
                raise ValueError(
                    f"feature {self.name!r}: monotone must map {TARGETS} to -1, 0 or "
                    f"1, got {target!r}: {direction!r}"
                )
        if self.kind not in ("numeric", "categorical", "exposure"):
            raise ValueError(
                f"feature {self.name!r}: kind must be 'numeric', 'categorical' or 'exposure', "
                f"got {self.kind!r}"
            )
        if self.kind == "categorical" and any(self.monotone.values()):
            raise ValueError(f"feature {self.name!r}: a categorical feature cannot be monotone")
        if self.kind == "exposure" and any(self.constraint(t) != 1 for t in TARGETS):
            raise ValueError(
                f"feature {self.name!r}: an exposure feature never lowers a risk, so it must be "
                f"monotone +1 for {TARGETS}, got {self.monotone}"
            )

    def constraint(self, target: str) -> int:
        """The monotone constraint of this feature for ``target`` (-1, 0 or +1)."""
        return self.monotone.get(target, 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        return cls(**data)
