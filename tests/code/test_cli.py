"""The command line, end to end on small folders: generate, train, score; and its error paths."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from riskmodel.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_help_lists_every_command():
    result = _run("--help")
    assert result.exit_code == 0
    for command in ("generate", "train", "score", "demo"):
        assert command in result.output


@pytest.fixture(scope="module")
def trained(tmp_path_factory, train_folder):
    model_dir = tmp_path_factory.mktemp("cli") / "model"
    config = tmp_path_factory.mktemp("cfg") / "c.toml"
    config.write_text("n_jobs = 1\n")
    result = _run("train", "--data", train_folder, "--out", model_dir, "--config", config)
    assert result.exit_code == 0, result.output
    return model_dir


def test_generate_writes_a_portfolio(tmp_path):
    result = _run("generate", "--out", tmp_path, "--products", 25, "--seed", 4)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "products.csv")) == 25
    assert json.loads((tmp_path / "generator.json").read_text())["seed"] == 4


def test_score_writes_contract_outputs_and_is_byte_identical_on_rerun(
    tmp_path, trained, score_folder
):
    for out in ("a", "b"):
        result = _run("score", "--model", trained, "--data", score_folder, "--out", tmp_path / out)
        assert result.exit_code == 0, result.output
    first = (tmp_path / "a" / "scores.csv").read_bytes()
    assert first == (tmp_path / "b" / "scores.csv").read_bytes()
    scores = pd.read_csv(tmp_path / "a" / "scores.csv", keep_default_na=False)
    assert scores.columns[:3].tolist() == ["product_id", "performance_risk", "safety_risk"]
    assert len(scores) == 300 and scores["safety_risk"].between(0, 1).all()
    summary = json.loads((tmp_path / "a" / "run_summary.json").read_text())
    assert summary["products"] == {"read": 300, "scored": 300, "rejected": 0}
    for counts in summary["tables"].values():
        assert counts["read"] == counts["used"] + counts["rejected"]


def test_retraining_on_the_same_data_gives_byte_identical_scores(
    tmp_path, trained, train_folder, score_folder
):
    config = tmp_path / "c.toml"
    config.write_text("n_jobs = 1\n")
    assert (
        _run(
            "train", "--data", train_folder, "--out", tmp_path / "m2", "--config", config
        ).exit_code
        == 0
    )
    for model, out in ((trained, "a"), (tmp_path / "m2", "b")):
        assert (
            _run(
                "score", "--model", model, "--data", score_folder, "--out", tmp_path / out
            ).exit_code
            == 0
        )
    assert (tmp_path / "a" / "scores.csv").read_bytes() == (
        tmp_path / "b" / "scores.csv"
    ).read_bytes()


def _copy_with_product_cell(source, target, row: int, column: str, value: str):
    """A copy of a data folder (without incidents) with one products cell changed."""
    target.mkdir()
    for name in ("test_results", "certifications"):
        (target / f"{name}.csv").write_bytes((source / f"{name}.csv").read_bytes())
    products = pd.read_csv(source / "products.csv", dtype=str)
    products.loc[row, column] = value
    products.to_csv(target / "products.csv", index=False)
    return target


def test_an_unseen_zone_is_scored_with_the_fallback_and_flagged(tmp_path, trained, score_folder):
    data = _copy_with_product_cell(score_folder, tmp_path / "data", 0, "zone", "jeju")
    result = _run("score", "--model", trained, "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "out" / "scores.csv", keep_default_na=False)
    assert "zone 'jeju' unseen in training" in scores.loc[0, "data_issues"]
    assert (scores.loc[1:, "data_issues"] == "").all()


def test_bad_data_stops_with_a_clear_message_and_exit_status_2(tmp_path, trained, score_folder):
    data = _copy_with_product_cell(score_folder, tmp_path / "data", 3, "trl", "twelve")
    result = _run("score", "--model", trained, "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "products, row 4" in result.output and "'trl'" in result.output
    assert "twelve" in result.output
    assert not (tmp_path / "out" / "scores.csv").exists()


def test_training_without_incidents_is_refused(tmp_path, score_folder):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("products", "test_results", "certifications"):
        (data / f"{name}.csv").write_bytes((score_folder / f"{name}.csv").read_bytes())
    result = _run("train", "--data", data, "--out", tmp_path / "m")
    assert result.exit_code == 2 and "incidents" in result.output


def test_a_tampered_model_is_refused(tmp_path, trained, score_folder):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(trained, copy)
    (copy / "config.json").write_text("{}")
    result = _run("score", "--model", copy, "--data", score_folder, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "altered" in result.output
