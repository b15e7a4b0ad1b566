"""The parts a fitted :class:`~riskmodel.models.RiskModel` is made of, all in one protocol.

A fitted model is a sequence of named parts: the feature pipeline, one frequency model per target,
the severity model, the uncertainty of expected losses, and the audit artefacts (the GLM and
homogeneous baselines, the training distribution for population stability). Each part follows the
same protocol, so saving, loading, the manifest and the model version iterate over parts instead
of listing them:

- :meth:`Part.to_state`: the part as text files (name -> text), JSON or LightGBM's text format,
  never pickle;
- :meth:`Part.from_state`: the part back from those files;
- :meth:`Part.digest`: the bytes the model version hashes (only for ``versioned`` parts: an audit
  artefact that no score depends on does not change the version).

Examples
--------
>>> part = JsonPart("uncertainty", {"replicates": 0})
>>> files = part.to_state()
>>> list(files), JsonPart.from_state("uncertainty", files).value
(['uncertainty.json'], {'replicates': 0})
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from riskmodel.contract import TARGETS
from riskmodel.features import feature_specs, pipeline_from_state, pipeline_state
from riskmodel.models.baseline import PoissonGLMBaseline
from riskmodel.models.poisson_gbm import PoissonGBMRegressor
from riskmodel.models.severity import SeverityModel

__all__ = [
    "Part",
    "FeaturesPart",
    "FrequencyPart",
    "SeverityPart",
    "JsonPart",
    "BaselinesPart",
    "PART_CLASSES",
    "DEFAULT_LAYOUT",
]


class Part(ABC):
    """One named component of a fitted model.

    Parameters
    ----------
    name : str
        The part's name in the model (``features``, ``performance``, ...); it names its files.
    value : object
        The fitted component itself.
    versioned : bool
        Whether the model version depends on this part.
    """

    #: Whether parts of this class enter the model version unless told otherwise.
    VERSIONED: ClassVar[bool] = True

    def __init__(self, name: str, value: Any, *, versioned: bool | None = None):
        self.name = name
        self.value = value
        self.versioned = self.VERSIONED if versioned is None else versioned

    @abstractmethod
    def to_state(self) -> dict[str, str]:
        """The part as text files: file name -> text."""

    @classmethod
    @abstractmethod
    def from_state(cls, name: str, files: dict[str, str]) -> Part:
        """The part rebuilt from :meth:`to_state` output."""

    @abstractmethod
    def digest(self) -> bytes:
        """What the model version hashes of this part."""

    def file_names(self) -> list[str]:
        """The names of the files :meth:`to_state` writes."""
        return [f"{self.name}.json"]

    def describe(self) -> dict:
        """The part's entry in a model folder's manifest."""
        return {
            "class": type(self).__name__,
            "files": self.file_names(),
            "versioned": self.versioned,
        }


class FeaturesPart(Part):
    """The fitted feature pipeline (``features.json``, with every feature's spec)."""

    def _state(self) -> dict:
        return pipeline_state(self.value)

    def to_state(self) -> dict[str, str]:
        text = json.dumps(self._state(), indent=1, sort_keys=True, default=str)
        return {f"{self.name}.json": text}

    @classmethod
    def from_state(cls, name: str, files: dict[str, str]) -> FeaturesPart:
        return cls(name, pipeline_from_state(json.loads(files[f"{name}.json"])))

    def digest(self) -> bytes:
        return json.dumps(self._state(), sort_keys=True, default=str).encode()

    @property
    def specs(self):
        return feature_specs(self.value)


class FrequencyPart(Part):
    """One target's frequency model: ``<target>.json`` (parameters, curves, calibration) and
    ``<target>.lgb.txt`` (the trees)."""

    def file_names(self) -> list[str]:
        return [f"{self.name}.json", f"{self.name}.lgb.txt"]

    def to_state(self) -> dict[str, str]:
        meta, text = self.value.to_state()
        return {
            f"{self.name}.json": json.dumps(meta, indent=2, sort_keys=True),
            f"{self.name}.lgb.txt": text,
        }

    @classmethod
    def from_state(cls, name: str, files: dict[str, str]) -> FrequencyPart:
        meta = json.loads(files[f"{name}.json"])
        return cls(name, PoissonGBMRegressor.from_state(meta, files[f"{name}.lgb.txt"]))

    def digest(self) -> bytes:
        meta, text = self.value.to_state()
        return json.dumps(meta, sort_keys=True).encode() + text.encode()


class SeverityPart(Part):
    """The severity model (``severity.json``)."""

    def to_state(self) -> dict[str, str]:
        return {f"{self.name}.json": json.dumps(self.value.to_state(), indent=1, sort_keys=True)}

    @classmethod
    def from_state(cls, name: str, files: dict[str, str]) -> SeverityPart:
        return cls(name, SeverityModel.from_state(json.loads(files[f"{name}.json"])))

    def digest(self) -> bytes:
        return json.dumps(self.value.to_state(), sort_keys=True).encode()


class JsonPart(Part):
    """A part that is plain JSON data (the uncertainty table, the reference distribution)."""

    def to_state(self) -> dict[str, str]:
        return {f"{self.name}.json": json.dumps(self.value, indent=1, sort_keys=True)}

    @classmethod
    def from_state(cls, name: str, files: dict[str, str]) -> JsonPart:
        return cls(name, json.loads(files[f"{name}.json"]))

    def digest(self) -> bytes:
        return json.dumps(self.value, sort_keys=True).encode()


class BaselinesPart(Part):
    """The GLM and homogeneous baselines per target (``baselines.json``), for the audit."""

    def to_state(self) -> dict[str, str]:
        state = {t: b.to_state() for t, b in self.value.items()}
        return {f"{self.name}.json": json.dumps(state, indent=1, sort_keys=True)}

    @classmethod
    def from_state(cls, name: str, files: dict[str, str]) -> BaselinesPart:
        states = json.loads(files[f"{name}.json"])
        return cls(name, {t: PoissonGLMBaseline.from_state(s) for t, s in states.items()})

    def digest(self) -> bytes:
        return b"".join(
            json.dumps(self.value[t].to_state(), sort_keys=True).encode() for t in TARGETS
        )


#: Every part class by name, for loading a manifest's ``parts``.
PART_CLASSES: dict[str, type[Part]] = {
    cls.__name__: cls
    for cls in (FeaturesPart, FrequencyPart, SeverityPart, JsonPart, BaselinesPart)
}

#: The parts of a RiskModel in order (the order the version hashes them), with their class and
#: whether they are versioned; also the layout of model folders of format 3, which had no
#: ``parts`` in their manifest.
DEFAULT_LAYOUT: tuple[tuple[str, type[Part], bool], ...] = (
    ("features", FeaturesPart, True),
    *((t, FrequencyPart, True) for t in TARGETS),
    ("severity", SeverityPart, True),
    ("uncertainty", JsonPart, True),
    ("baselines", BaselinesPart, True),
    ("reference", JsonPart, False),
)
