"""Save and load a trained :class:`RiskModel` as a self-contained folder, without pickle.

A model folder holds:

- ``manifest.json``: format version, model version, creation time, riskmodel version, training
  summary, and the SHA-256 of every other file;
- ``config.json``: the training configuration;
- ``features.json``: the fitted feature pipeline and the specification of every feature;
- ``<target>.lgb.txt``: the trees of each target in LightGBM's text format;
- ``<target>.json``: the frequency model's parameters, intercept and categories;
- ``severity.json``: the severity model's fitted parameters and credibility weights;
- ``uncertainty.json``: the log-scale standard error of expected losses per target and category;
- ``baselines.json``: the GLM and homogeneous baselines per target (for the audit report);
- ``reference.json``: training distribution of every feature and risk (population stability);
- ``training_rejects.csv`` (when trained from a folder): the training rows set aside, with reasons.

Loading verifies every checksum first and refuses a folder whose files were altered, added to the
manifest's list or removed. Nothing is ever unpickled: JSON and LightGBM's text format only.

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> _ = save_model(model, folder)
>>> load_model(folder).version_ == model.version_
True
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from riskmodel import __version__
from riskmodel.config import TrainConfig
from riskmodel.contract import CONTRACT_VERSION, TARGETS
from riskmodel.errors import ModelIntegrityError
from riskmodel.features import feature_specs, pipeline_from_state, pipeline_state
from riskmodel.io import neutralise_formulas, write_text
from riskmodel.models.baseline import PoissonGLMBaseline
from riskmodel.models.poisson_gbm import PoissonGBMRegressor
from riskmodel.models.risk_model import RiskModel
from riskmodel.models.severity import SeverityModel
from riskmodel.provenance import code_version, current_user
from riskmodel.validation import ValidationResult

__all__ = ["save_model", "load_model", "ModelIntegrityError", "FORMAT_VERSION"]

# 2: severity and uncertainty; 3: baselines and reference distribution; 4: learned exposure
# curves, probability calibration, relevant and other overseas certifications
FORMAT_VERSION = 4
MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(
    model: RiskModel,
    folder: str | os.PathLike,
    *,
    validation: dict | None = None,
    training_data: ValidationResult | None = None,
    source: str | None = None,
) -> Path:
    """Write a fitted model to ``folder`` (created if needed) and return the folder's path.

    ``validation``, the validation report of the training run, is kept in the manifest;
    ``training_data``, how the training folder was read, adds its reconciliation to the manifest
    and its rejected rows as ``training_rejects.csv``, so the model's lineage is complete.
    """
    if not hasattr(model, "models_"):
        raise ValueError("cannot save an unfitted RiskModel: call fit() first")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "config.json": json.dumps(model.config.to_dict(), indent=2, sort_keys=True),
        "features.json": json.dumps(
            pipeline_state(model.pipeline_), indent=1, sort_keys=True, default=str
        ),
    }
    for target in TARGETS:
        meta, text = model.models_[target].to_state()
        files[f"{target}.json"] = json.dumps(meta, indent=2, sort_keys=True)
        files[f"{target}.lgb.txt"] = text
    files["severity.json"] = json.dumps(model.severity_.to_state(), indent=1, sort_keys=True)
    files["uncertainty.json"] = json.dumps(model.uncertainty_, indent=1, sort_keys=True)
    files["baselines.json"] = json.dumps(
        {t: b.to_state() for t, b in model.baselines_.items()}, indent=1, sort_keys=True
    )
    files["reference.json"] = json.dumps(model.reference_, indent=1, sort_keys=True)
    data = None
    if training_data is not None:
        files["training_rejects.csv"] = neutralise_formulas(training_data.rejects).to_csv(
            index=False, lineterminator="\n"
        )
        data = {
            **training_data.reconciliation(),
            "normalised_values": training_data.normalised,
            "notes": training_data.notes,
        }
    for name, text in files.items():
        write_text(text, folder / name)
    manifest = {
        "format_version": FORMAT_VERSION,
        "contract_version": CONTRACT_VERSION,
        "model_version": model.version_,
        "riskmodel_version": __version__,
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "targets": list(TARGETS),
        "training": model.training_,
        "training_source": source or "given in memory",
        "created_by": current_user(),
        "code_version": code_version(),
        "training_data": data,
        "validation": validation,
        "files": {name: _sha256(folder / name) for name in sorted(files)},
    }
    write_text(json.dumps(manifest, indent=2, sort_keys=True), folder / MANIFEST)
    return folder


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a model folder, after checking that every file matches its checksum."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelIntegrityError(f"{str(folder)!r} is not a riskmodel model folder: no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelIntegrityError(f"{path}: manifest is not valid JSON ({exc})") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelIntegrityError(
            f"{path}: model format {manifest.get('format_version')!r} is not "
            f"supported by this riskmodel (expects {FORMAT_VERSION}); retrain the model with "
            "this version"
        )
    problems = []
    for name, digest in manifest.get("files", {}).items():
        file = folder / name
        if not file.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(file) != digest:
            problems.append(f"{name} was altered after training (checksum differs)")
    if problems:
        raise ModelIntegrityError(
            f"model folder {str(folder)!r} failed verification: "
            + "; ".join(problems)
            + ". Retrain or restore the folder."
        )
    return manifest


def load_model(folder: str | os.PathLike) -> RiskModel:
    """Load a model folder written by :func:`save_model`, verifying its checksums first."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    config = TrainConfig.from_dict(json.loads((folder / "config.json").read_text()))
    needed = {"config.json", "features.json", "severity.json", "uncertainty.json"}
    needed |= {"baselines.json", "reference.json"}
    needed |= {f"{t}.{ext}" for t in TARGETS for ext in ("json", "lgb.txt")}
    unlisted = sorted(needed - set(manifest.get("files", {})))
    if unlisted:  # never read a file whose checksum was not recorded at training time
        raise ModelIntegrityError(
            f"model folder {str(folder)!r} failed verification: {unlisted[:3]} not in the "
            "manifest. Retrain or restore the folder."
        )
    model = RiskModel(config)
    model.pipeline_ = pipeline_from_state(json.loads((folder / "features.json").read_text()))
    model.feature_specs_ = feature_specs(model.pipeline_)
    model.models_ = {}
    for target in TARGETS:
        meta = json.loads((folder / f"{target}.json").read_text())
        text = (folder / f"{target}.lgb.txt").read_text()
        model.models_[target] = PoissonGBMRegressor.from_state(meta, text)
    model.severity_ = SeverityModel.from_state(json.loads((folder / "severity.json").read_text()))
    model.uncertainty_ = json.loads((folder / "uncertainty.json").read_text())
    model.baselines_ = {
        t: PoissonGLMBaseline.from_state(s)
        for t, s in json.loads((folder / "baselines.json").read_text()).items()
    }
    model.reference_ = json.loads((folder / "reference.json").read_text())
    model.training_ = manifest["training"]
    model.validation_report_ = manifest.get("validation")
    model.version_ = manifest["model_version"]
    model.manifest_ = manifest
    return model
