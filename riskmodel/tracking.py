"""MLflow tracking and model registry, in an embedded SQLite store inside the project.

Every training run is an MLflow run: parameters (the training config), tags (data fingerprint,
model version, riskmodel version, code version), metrics per target on the validation products
(Poisson deviance, AUC, Gini, log-loss, actual/expected overall and per category) and artifacts
(feature definitions, the validation report, SHAP and calibration plots, importance by input
group). The model is logged as one pyfunc (:mod:`riskmodel.pyfunc`) and registered as a new
version of ``riskmodel``; the alias ``last_trained`` moves to it, and the first version also
becomes ``champion``. Scoring accepts ``models:/riskmodel@champion`` wherever it accepts a
model folder.

The store is ``sqlite:///<project>/mlflow.db`` with artifacts in ``<project>/mlruns`` unless the
environment sets ``MLFLOW_TRACKING_URI``; no server is needed. Browse it with
``mlflow ui --backend-store-uri sqlite:///mlflow.db``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskmodel import __version__
from riskmodel.contract import TARGETS
from riskmodel.models import RiskModel
from riskmodel.models.persistence import load_model
from riskmodel.pricing import load_pricing_config
from riskmodel.provenance import code_version

__all__ = [
    "find_run",
    "REGISTERED_NAME",
    "TrackedModel",
    "tracking_uri",
    "log_training_run",
    "load_scoring_model",
    "is_model_uri",
    "set_alias",
    "alias_version",
]

logger = logging.getLogger(__name__)

REGISTERED_NAME = "riskmodel"
EXPERIMENT = "riskmodel"
_ENTRY = Path(__file__).with_name("mlflow_entry.py")


@dataclass
class TrackedModel:
    """Where a training run went in MLflow."""

    run_id: str
    model_uri: str
    version: str
    name: str = REGISTERED_NAME

    @property
    def registry_uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def tracking_uri(root: str | os.PathLike | None = None) -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the project's embedded SQLite store."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    root = Path(root or Path.cwd()).resolve()
    return f"sqlite:///{root / 'mlflow.db'}"


def _mlflow(uri: str | None):
    import mlflow  # heavy: imported when tracking is actually used

    uri = uri or tracking_uri()
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts = None
        if uri.startswith("sqlite:///"):  # keep artifacts beside the database
            artifacts = (Path(uri[len("sqlite:///") :]).parent / "mlruns").as_uri()
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts)
    mlflow.set_experiment(EXPERIMENT)
    return mlflow


def _code_version() -> str:
    return code_version()


def find_run(model_version: str, *, uri: str | None = None) -> str | None:
    """The id of the MLflow run that logged ``model_version``, or None."""
    mlflow = _mlflow(uri)
    runs = mlflow.search_runs(
        search_all_experiments=True,
        filter_string=f"tags.model_version = '{model_version}'",
        output_format="list",
        max_results=1,
    )
    return runs[0].info.run_id if runs else None


def _flatten(prefix: str, data: dict) -> dict[str, object]:
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flatten(f"{name}.", value)
        elif isinstance(value, list | tuple):
            out[name] = json.dumps(value)
        else:
            out[name] = value
    return out


def _metric_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-./ " else "_" for ch in text)


def validation_metrics(report: dict) -> dict[str, float]:
    """Flat MLflow metrics from :func:`riskmodel.evaluation.validation_report` output (and the
    ``holdout`` metrics a retraining adds)."""
    metrics = {f"holdout.{k}": float(v) for k, v in report.get("holdout", {}).items()}
    for target in TARGETS:
        values = report[target]
        if not values.get("products"):  # nothing was held out
            continue
        for key in (
            "auc",
            "gini",
            "log_loss",
            "poisson_deviance",
            "poisson_deviance_homogeneous",
            "actual_to_expected",
            "observed_share",
        ):
            metrics[f"{target}.{key}"] = float(values[key])
        for cat, row in values["actual_to_expected_by_category"].items():
            metrics[_metric_name(f"{target}.actual_to_expected.{cat}")] = float(row["ratio"])
    return metrics


def log_training_run(
    model: RiskModel,
    model_dir: str | os.PathLike,
    *,
    report: dict,
    artifacts_dir: str | os.PathLike | None = None,
    data_dir: str | None = None,
    uri: str | None = None,
    aliases: tuple[str, ...] = ("last_trained",),
    run_name: str | None = None,
) -> TrackedModel:
    """Log a trained model folder as an MLflow run and register it.

    Parameters
    ----------
    model : RiskModel
        The fitted model (for its config, specs and training summary).
    model_dir : path
        Its saved folder: the only artifact of the logged pyfunc.
    report : dict
        The validation report (metrics are logged from it).
    artifacts_dir : path, optional
        A folder of files to log as run artifacts (plots, tables).
    aliases : tuple of str
        Registry aliases to point at the new version. The first version ever registered also
        becomes ``champion``.
    """
    from riskmodel.pyfunc import signature  # imports mlflow

    mlflow = _mlflow(uri)
    client = mlflow.MlflowClient()
    with mlflow.start_run(run_name=run_name or model.version_) as run:
        mlflow.log_params(_flatten("config.", model.config.to_dict()))
        mlflow.set_tags(
            {
                "data_fingerprint": model.training_["fingerprint"],
                "model_version": model.version_,
                "riskmodel_version": __version__,
                "code_version": _code_version(),
                "data_dir": str(data_dir or ""),
                "training_products": str(model.training_["products"]),
            }
        )
        mlflow.log_metrics(validation_metrics(report))
        with tempfile.TemporaryDirectory() as tmp:
            specs = pd.DataFrame([s.to_dict() for s in model.feature_specs_])
            specs["monotone"] = specs["monotone"].map(json.dumps)
            specs.to_csv(Path(tmp) / "feature_definitions.csv", index=False)
            (Path(tmp) / "validation_report.json").write_text(json.dumps(report, indent=2))
            mlflow.log_artifacts(tmp)
        if artifacts_dir is not None:
            mlflow.log_artifacts(str(artifacts_dir))
        with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
            warnings.simplefilter("ignore")  # MLflow's advice on type hints and integer columns
            # the pricing config goes with the model, so the served model prices as logged
            pricing = Path(tmp) / "pricing.json"
            pricing.write_text(json.dumps(load_pricing_config().to_dict(), indent=2))
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=str(_ENTRY),
                artifacts={"model_dir": str(Path(model_dir).resolve()), "pricing": str(pricing)},
                signature=signature(_output_columns()),
                registered_model_name=REGISTERED_NAME,
            )
        version = str(info.registered_model_version)
    for alias in aliases:
        client.set_registered_model_alias(REGISTERED_NAME, alias, version)
    if alias_version("champion", uri=uri) is None:
        client.set_registered_model_alias(REGISTERED_NAME, "champion", version)
    logger.info(
        "logged run %s; registered %s version %s", run.info.run_id, REGISTERED_NAME, version
    )
    return TrackedModel(run.info.run_id, info.model_uri, version)


def _output_columns() -> list[str]:
    from riskmodel.pricing import PRICING_COLUMNS
    from riskmodel.reasons import N_REASONS

    cols = ["product_id"] + [f"{t}_risk" for t in TARGETS] + list(PRICING_COLUMNS)
    cols += [f"expected_{t}_incidents" for t in TARGETS] + ["exposure_unit_years"]
    cols += [f"{t}_reason_{i + 1}" for t in TARGETS for i in range(N_REASONS)]
    return cols + ["data_issues", "model_version"]


def alias_version(alias: str, *, uri: str | None = None) -> str | None:
    """The registered version an alias points to, or None."""
    mlflow = _mlflow(uri)
    try:
        return str(mlflow.MlflowClient().get_model_version_by_alias(REGISTERED_NAME, alias).version)
    except mlflow.exceptions.MlflowException:
        return None


def set_alias(alias: str, version: str, *, uri: str | None = None) -> None:
    """Point a registry alias (e.g. ``champion``) at a version."""
    mlflow = _mlflow(uri)
    mlflow.MlflowClient().set_registered_model_alias(REGISTERED_NAME, alias, str(version))


def is_model_uri(reference: str | os.PathLike) -> bool:
    """Whether ``reference`` is an MLflow URI (``models:/...``, ``runs:/...``) not a folder."""
    return str(reference).startswith(("models:/", "runs:/"))


def load_scoring_model(reference: str | os.PathLike, *, uri: str | None = None) -> RiskModel:
    """A model folder or an MLflow model URI such as ``models:/riskmodel@champion``."""
    if not is_model_uri(reference):
        return load_model(reference)
    mlflow = _mlflow(uri)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = mlflow.pyfunc.load_model(str(reference))
    return loaded.unwrap_python_model().model
