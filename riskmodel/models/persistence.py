"""Save and load a trained :class:`RiskModel` as a self-contained folder, without pickle.

A model folder holds one set of files per part of the model (:mod:`riskmodel.models.parts`;
saving and loading iterate over the parts, listed in the manifest with their class and files):

- ``manifest.json``: format version, model version, creation time, riskmodel version, training
  summary, the parts, and the SHA-256 of every other file;
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

from sklearn.exceptions import NotFittedError

from riskmodel import __version__
from riskmodel.config import TrainConfig
from riskmodel.contract import CONTRACT_VERSION, TARGETS
from riskmodel.errors import ModelIntegrityError
from riskmodel.io import neutralise_formulas, write_text
from riskmodel.models.parts import DEFAULT_LAYOUT, PART_CLASSES
from riskmodel.models.risk_model import RiskModel
from riskmodel.provenance import code_version, current_user
from riskmodel.validation import ValidationResult

__all__ = ["save_model", "load_model", "ModelIntegrityError", "FORMAT_VERSION"]

# 2: severity and uncertainty; 3: baselines and reference distribution; 4: learned exposure
# curves, probability calibration, relevant and other overseas certifications; 5: the parts are
# listed in the manifest (a folder of format 4 has the same files and the default layout)
FORMAT_VERSION = 5
#: Formats this riskmodel reads.
READABLE_FORMATS = (4, 5)
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
    if "parts_" not in vars(model):
        raise NotFittedError("cannot save an unfitted RiskModel: call fit() first")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {"config.json": json.dumps(model.config.to_dict(), indent=2, sort_keys=True)}
    parts = []  # a list: the order is the order the version hashes them
    for name, part in model.parts_.items():
        files.update(part.to_state())
        parts.append({"name": name, **part.describe()})
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
        "parts": parts,
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
    if manifest.get("format_version") not in READABLE_FORMATS:
        raise ModelIntegrityError(
            f"{path}: model format {manifest.get('format_version')!r} is not supported by this "
            f"riskmodel (it reads formats {', '.join(map(str, READABLE_FORMATS))} and writes "
            f"{FORMAT_VERSION}); retrain the model with this version"
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
    if "config.json" not in manifest.get("files", {}):
        raise ModelIntegrityError(
            f"model folder {str(folder)!r} failed verification: config.json not in the "
            "manifest. Retrain or restore the folder."
        )
    config = TrainConfig.from_dict(json.loads((folder / "config.json").read_text()))
    layout = manifest.get("parts") or [
        {"name": name, "class": cls.__name__, "versioned": versioned}
        for name, cls, versioned in DEFAULT_LAYOUT
    ]  # format 4 listed no parts: they were the default ones
    recorded = set(manifest.get("files", {}))
    parts = []
    for entry in layout:
        name = entry["name"]
        cls = PART_CLASSES.get(entry.get("class"))
        if cls is None:
            raise ModelIntegrityError(
                f"model folder {str(folder)!r}: part {name!r} is of an unknown class "
                f"{entry.get('class')!r} (known: {sorted(PART_CLASSES)})"
            )
        needed = entry.get("files") or cls(name, None).file_names()
        unlisted = sorted(set(needed) - recorded)
        if unlisted:  # never read a file whose checksum was not recorded at training time
            raise ModelIntegrityError(
                f"model folder {str(folder)!r} failed verification: {unlisted[:3]} not in the "
                "manifest. Retrain or restore the folder."
            )
        texts = {f: (folder / f).read_text() for f in needed}
        part = cls.from_state(name, texts)
        part.versioned = bool(entry.get("versioned", True))
        parts.append(part)
    return RiskModel.from_parts(
        config,
        parts,
        training=manifest["training"],
        version=manifest["model_version"],
        manifest=manifest,
    )
