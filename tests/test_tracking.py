"""MLflow: every training run is tracked and registered; the registered model scores exactly like
the folder it came from, also in a fresh process; retraining compares with the champion."""

import os
import subprocess
import sys

import mlflow
import pytest

from riskmodel.config import TrainConfig
from riskmodel.pyfunc import to_model_input
from riskmodel.tracking import alias_version, load_scoring_model
from riskmodel.validation import load_portfolio
from riskmodel.workflows import retrain, train

#: End to end: trains or runs whole jobs (still part of `make test`).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow")
    return root, f"sqlite:///{root / 'mlflow.db'}"


@pytest.fixture(scope="module")
def tracked(store, train_folder):
    root, uri = store
    return train(
        train_folder,
        root / "model",
        config=TrainConfig(n_jobs=1, uncertainty_replicates=3),
        track=True,
        tracking_uri=uri,
    )


def test_a_training_run_is_logged_with_params_metrics_tags_and_artifacts(store, tracked):
    _, uri = store
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(tracked.tracked.run_id)
    assert run.data.params["config.seed"] == "0"
    assert run.data.tags["data_fingerprint"] == tracked.model.training_["fingerprint"]
    assert run.data.tags["model_version"] == tracked.model.version_
    for target in ("performance", "safety"):
        for metric in ("auc", "gini", "poisson_deviance", "actual_to_expected", "log_loss"):
            assert f"{target}.{metric}" in run.data.metrics
        assert any(k.startswith(f"{target}.actual_to_expected.") for k in run.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    for name in (
        "feature_definitions.csv",
        "validation_report.json",
        "importance_by_group.csv",
        "shap_summary_safety.png",
        "calibration_safety.png",
    ):
        assert name in artifacts, name
    assert any(a.startswith("shap_dependence_") for a in artifacts)


def test_the_first_version_is_registered_and_becomes_champion(store, tracked):
    _, uri = store
    assert tracked.tracked.version == "1"
    assert alias_version("champion", uri=uri) == "1"
    assert alias_version("last_trained", uri=uri) == "1"


def test_the_pyfunc_scores_like_the_model(store, tracked, score_folder):
    _, uri = store
    mlflow.set_tracking_uri(uri)
    pyfunc = mlflow.pyfunc.load_model("models:/riskmodel@champion")
    portfolio = load_portfolio(score_folder)
    out = pyfunc.predict(to_model_input(portfolio))
    direct = tracked.model.predict(portfolio)
    assert out["product_id"].tolist() == direct["product_id"].tolist()
    assert (out["safety_risk"].to_numpy() == direct["safety_risk"].to_numpy()).all()
    assert out["safety_reason_1"].str.contains("safety risk x").all()
    assert load_scoring_model("models:/riskmodel/1", uri=uri).version_ == tracked.model.version_


def test_a_fresh_process_scores_byte_identically_from_the_registry(
    store, tracked, score_folder, tmp_path
):
    root, uri = store
    env = os.environ | {"MLFLOW_TRACKING_URI": uri}
    cli = [
        sys.executable,
        "-m",
        "riskmodel",
        "-q",
        "score",
        "--no-plots",
        "--data",
        str(score_folder),
    ]
    for model, out in (("models:/riskmodel@champion", "registry"), (str(root / "model"), "folder")):
        done = subprocess.run(
            cli + ["--model", model, "--out", str(tmp_path / out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    for name in ("scores.csv", "explanations.csv"):
        assert (tmp_path / "registry" / name).read_bytes() == (
            tmp_path / "folder" / name
        ).read_bytes()


def test_retraining_registers_a_challenger_and_compares_it_with_the_champion(
    store, tracked, train_folder
):
    _, uri = store
    result = retrain(
        train_folder,
        config=TrainConfig(n_jobs=1, seed=3, uncertainty_replicates=3),
        tracking_uri=uri,
    )
    assert result.tracked.version == "2" and result.champion_version == "1"
    assert alias_version("challenger", uri=uri) == "2"
    assert alias_version("champion", uri=uri) == "1"  # no promotion
    assert list(result.comparison.columns) == ["challenger", "champion", "challenger - champion"]
    assert "safety.auc" in result.comparison.index
    assert result.comparison.notna().all().all()
