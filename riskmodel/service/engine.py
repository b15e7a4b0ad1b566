"""What the service does for a request, without the web: models over time, and answers.

:class:`ModelSlot` holds the model answering requests. A reload loads the new model *before*
swapping one reference, so requests in flight finish with the model they started with and no
request waits for a load. Every answer names its model version; verifying an old assessment
loads the version it names from the source the register recorded (a model folder, or an MLflow
registry version: an alias such as ``models:/riskmodel@champion`` is resolved to the version it
pointed at when loaded, ``models:/riskmodel/7``).

:func:`assess_json` is the one path from JSON rows to an assessment: the rows become the text
cells a CSV file would hold (:mod:`riskmodel.application`), are validated as a data folder is,
then go through :func:`riskmodel.assessment.assess`; :func:`answers` reads the assessment into
the service's answer per product. The numbers are the ones ``riskmodel score`` writes.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.application import applications_inputs, input_hash, tables_from_json
from riskmodel.assessment import Assessment, assess
from riskmodel.contract import TARGETS
from riskmodel.errors import InputError
from riskmodel.i18n import LANGUAGES
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PricingConfig
from riskmodel.pricing.config import load_pricing_config
from riskmodel.tracking import REGISTERED_NAME, is_model_uri, load_scoring_model
from riskmodel.validation import ValidationResult, validate_tables

__all__ = [
    "LoadedModel",
    "ModelVersions",
    "ModelSlot",
    "resolve_source",
    "assess_json",
    "answers",
    "model_card",
]

_ALIAS = re.compile(r"^models:/([^/@]+)@([^/]+)$")


def resolve_source(reference: str | os.PathLike, *, tracking_uri: str | None = None) -> str:
    """A source that names one model for good: an absolute folder, or a registry version
    (an alias is resolved to the version it points at now)."""
    text = str(reference)
    if not is_model_uri(text):
        return str(Path(text).resolve())
    match = _ALIAS.match(text)
    if not match:
        return text
    from riskmodel.tracking import _mlflow

    mlflow = _mlflow(tracking_uri)
    try:
        version = mlflow.MlflowClient().get_model_version_by_alias(match[1], match[2]).version
    except mlflow.exceptions.MlflowException as exc:
        raise InputError(
            f"model {text}: the registry has no alias {match[2]!r} of {match[1]!r} ({exc})"
        ) from None
    return f"models:/{match[1]}/{version}"


@dataclass(frozen=True)
class LoadedModel:
    """A model, where it was loaded from, and the pricing config it prices with."""

    model: RiskModel
    source: str
    pricing: PricingConfig

    @property
    def version(self) -> str:
        return self.model.version_


class ModelVersions:
    """Models by version, loaded once each from the source a record names; thread-safe."""

    def __init__(self, *, pricing: PricingConfig | None = None, tracking_uri: str | None = None):
        self.pricing = pricing or load_pricing_config()
        self.tracking_uri = tracking_uri
        self._lock = threading.Lock()
        self._versions: dict[str, LoadedModel] = {}

    def load(self, reference: str | os.PathLike) -> LoadedModel:
        """Load a model folder or URI (an alias resolved to its version now) and keep it."""
        source = resolve_source(reference, tracking_uri=self.tracking_uri)
        loaded = LoadedModel(
            load_scoring_model(source, uri=self.tracking_uri), source, self.pricing
        )
        with self._lock:
            self._versions.setdefault(loaded.version, loaded)
        return loaded

    def get(self, version: str, source: str) -> LoadedModel:
        """The model of ``version``, loaded from ``source`` if not in memory.

        Raises
        ------
        InputError
            If ``source`` cannot be loaded or holds another version.
        """
        with self._lock:
            hit = self._versions.get(version)
        if hit is not None:
            return hit
        try:
            model = load_scoring_model(source, uri=self.tracking_uri)
        except (OSError, InputError) as exc:
            raise InputError(f"model {version} cannot be loaded from {source}: {exc}") from None
        if model.version_ != version:
            raise InputError(
                f"the register names model {version} at {source}, which now holds {model.version_}"
            )
        loaded = LoadedModel(model, source, self.pricing)
        with self._lock:
            self._versions.setdefault(version, loaded)
        return loaded


class ModelSlot:
    """The model answering requests, swapped atomically on reload; thread-safe.

    Parameters
    ----------
    reference : str or path
        A model folder or an MLflow model URI.
    pricing : PricingConfig, optional
        Default: the shipped ``riskmodel/configs/pricing.toml``.
    tracking_uri : str, optional
        MLflow tracking URI for ``models:/`` references.
    """

    def __init__(
        self,
        reference: str | os.PathLike,
        *,
        pricing: PricingConfig | None = None,
        tracking_uri: str | None = None,
    ):
        self.reference = str(reference)
        self.versions = ModelVersions(pricing=pricing, tracking_uri=tracking_uri)
        self.pricing = self.versions.pricing
        self._lock = threading.Lock()
        self._current = self.versions.load(self.reference)

    @property
    def current(self) -> LoadedModel:
        return self._current

    def reload(self) -> tuple[LoadedModel, LoadedModel]:
        """Load the reference again (a folder re-read, an alias re-resolved: it may have moved)
        and swap it in; returns (previous, current). A model that fails to load raises and
        leaves the current one answering."""
        loaded = self.versions.load(self.reference)
        with self._lock:
            previous, self._current = self._current, loaded
        return previous, loaded

    def version(self, version: str, source: str) -> LoadedModel:
        """See :meth:`ModelVersions.get`."""
        return self.versions.get(version, source)


def assess_json(
    loaded: LoadedModel,
    products: Sequence[Mapping],
    test_results: Sequence[Mapping],
    certifications: Sequence[Mapping],
    *,
    pricing: PricingConfig | None = None,
) -> tuple[ValidationResult, Assessment | None]:
    """Validate JSON rows as a data folder is validated, and assess the accepted products
    (one thread). The assessment is None when no product was accepted."""
    data = validate_tables(tables_from_json(products, test_results, certifications))
    if not data.portfolio.n_products:
        return data, None
    assessment = assess(
        loaded.model,
        data.portfolio,
        pricing=pricing or loaded.pricing,
        n_jobs=1,
        issues=data.issues,
    )
    return data, assessment


def _plain(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def answers(loaded: LoadedModel, portfolio: Portfolio, assessment: Assessment) -> list[dict]:
    """Per accepted product, in portfolio order: its numbers, reasons, explanations, data
    issues, its canonical inputs and their SHA-256 (without id, time or user: the register adds
    those)."""
    scores = assessment.scores
    long = assessment.explanations_table()
    columns = [c for c in long.columns if c not in ("product_id", "order")]
    arrays = [long[c].to_numpy(dtype=object) for c in columns]
    at = columns.index("value")
    arrays[at] = np.array([None if _plain(v) is None else str(v) for v in arrays[at]], object)
    arrays = [np.array([_plain(v) for v in a], dtype=object) for a in arrays]
    positions = long.groupby("product_id", sort=False).indices
    reason_cols = {t: [c for c in scores.columns if c.startswith(f"{t}_reason_")] for t in TARGETS}

    def reasons(row: Mapping) -> dict[str, list[str]]:
        return {t: [row[c] for c in cols if row[c]] for t, cols in reason_cols.items()}

    # every language's reasons, from the assessment's own explanations and evidence
    by_language = {
        lang: assessment.reasons_in(lang).set_index("product_id").to_dict("index")
        for lang in LANGUAGES
    }
    out = []
    all_inputs = applications_inputs(portfolio)
    for row in scores.to_dict("records"):
        pid = row["product_id"]
        inputs = all_inputs[pid]
        where = positions.get(pid, [])
        explanations = [
            dict(zip(columns, values, strict=True))
            for values in zip(*(a[where].tolist() for a in arrays), strict=True)
        ]
        answer = {
            k: _plain(v)
            for k, v in row.items()
            if not any(k in cols for cols in reason_cols.values()) and k != "data_issues"
        }
        answer.update(
            product_id=str(pid),
            pricing_version=(assessment.pricing or loaded.pricing).version,
            inputs_sha256=input_hash(inputs),
            reasons=reasons(row),
            reasons_by_language={lang: reasons(by_language[lang][pid]) for lang in LANGUAGES},
            explanations=explanations,
            data_issues=[s for s in str(row["data_issues"] or "").split("; ") if s],
            inputs=inputs,
        )
        out.append(answer)
    return out


def model_card(loaded: LoadedModel) -> dict:
    """Who trained the model, when, on what, and how it validated (from its manifest)."""
    manifest = getattr(loaded.model, "manifest_", {}) or {}
    keep = (
        "model_version",
        "format_version",
        "contract_version",
        "riskmodel_version",
        "code_version",
        "created_by",
        "created_utc",
        "training_source",
        "training",
        "training_data",
        "validation",
    )
    card = {k: manifest[k] for k in keep if k in manifest}
    card["model_version"] = loaded.version
    card["registered_name"] = REGISTERED_NAME
    card["config"] = loaded.model.config.to_dict()
    return card
