"""The command line, end to end on small folders: generate, train, score, explain; error paths."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from riskmodel.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _score(model, data, out, *extra):
    return _run("score", "--model", model, "--data", data, "--out", out, "--no-plots", *extra)


def test_help_lists_every_command():
    result = _run("--help")
    assert result.exit_code == 0
    commands = ("generate", "train", "score", "explain", "whatif", "rates", "report", "verify")
    for command in (*commands, "criteria", "promote", "demo"):
        assert command in result.output


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_text("n_jobs = 1\nuncertainty_replicates = 3\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, train_folder, config):
    model_dir = tmp_path_factory.mktemp("cli") / "model"
    result = _run(
        "train", "--data", train_folder, "--out", model_dir, "--config", config, "--no-track"
    )
    assert result.exit_code == 0, result.output
    return model_dir


@pytest.fixture(scope="module")
def scored(tmp_path_factory, trained, score_folder):
    out = tmp_path_factory.mktemp("scored")
    result = _run("score", "--model", trained, "--data", score_folder, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_score_prices_every_product_with_the_config_it_names(
    scored, tmp_path, trained, score_folder
):
    from riskmodel.pricing import PRICING_COLUMNS, PricingConfig

    scores = pd.read_csv(scored / "scores.csv", keep_default_na=False)
    assert scores.columns[3 : 3 + len(PRICING_COLUMNS)].tolist() == list(PRICING_COLUMNS)
    assert (scores["premium_krw"] >= PricingConfig().minimum_premium_krw).all()
    assert set(scores["grade"]) <= set("ABCDE")
    summary = json.loads((scored / "run_summary.json").read_text())
    assert summary["pricing"]["config"] == PricingConfig().to_dict()
    assert [g["grade"] for g in summary["pricing"]["grade_boundaries"]] == list("ABCDE")
    pricing = json.loads((scored / "pricing.json").read_text())
    assert {"config", "grade_boundaries", "credibility", "uncertainty_log_sd"} <= set(pricing)
    assert (scored / "credibility.csv").is_file()
    # another config, another premium; its version is in the output
    cfg = tmp_path / "pricing.toml"
    cfg.write_text('version = "test-2"\nexpense_ratio = 0.4\n')
    result = _score(trained, score_folder, tmp_path / "out", "--pricing", cfg)
    assert result.exit_code == 0, result.output
    again = pd.read_csv(tmp_path / "out" / "scores.csv", keep_default_na=False)
    assert (again["premium_krw"] >= scores["premium_krw"]).all()
    assert (again["premium_krw"] > scores["premium_krw"]).any()
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text())
    assert summary["pricing"]["config"]["version"] == "test-2"


def test_score_in_korean_writes_korean_reasons_and_the_same_numbers(
    scored, tmp_path, trained, score_folder
):
    result = _score(trained, score_folder, tmp_path / "ko", "--lang", "ko")
    assert result.exit_code == 0, result.output
    english = pd.read_csv(scored / "scores.csv", keep_default_na=False)
    korean = pd.read_csv(tmp_path / "ko" / "scores.csv", keep_default_na=False)
    reasons = [c for c in english.columns if "_reason_" in c]
    assert list(korean.columns) == list(english.columns) and reasons
    pd.testing.assert_frame_equal(korean.drop(columns=reasons), english.drop(columns=reasons))
    for target, words in (("performance", "성능 위험도"), ("safety", "안전 위험도")):
        assert korean[f"{target}_reason_1"].str.contains(f": {words} x").all()
        assert not korean[f"{target}_reason_1"].str.contains(f"{target} risk").any()
    assert (korean[reasons] != "").equals(english[reasons] != "")
    wrong = _score(trained, score_folder, tmp_path / "fr", "--lang", "fr")
    assert wrong.exit_code == 2 and "--lang" in wrong.output


def test_whatif_and_rates_commands(tmp_path, trained, score_folder):
    product = pd.read_csv(score_folder / "products.csv")["product_id"].iloc[0]
    result = _run(
        "whatif",
        "--model",
        trained,
        "--data",
        score_folder,
        "--product",
        product,
        "--change",
        "units 1",
        "--suggest",
    )
    assert result.exit_code == 0, result.output
    assert "premium_krw" in result.output and "before" in result.output
    bad = _run(
        "whatif",
        "--model",
        trained,
        "--data",
        score_folder,
        "--product",
        product,
        "--change",
        "paint it red",
    )
    assert bad.exit_code == 2 and "not understood" in bad.output
    missing = _run(
        "whatif",
        "--model",
        trained,
        "--data",
        score_folder,
        "--product",
        "nope",
        "--change",
        "units 1",
    )
    assert missing.exit_code == 2 and "nope" in missing.output
    result = _run("rates", "--model", trained, "--data", score_folder, "--out", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    rates = pd.read_csv(tmp_path / "r.csv")
    assert {"category", "public_exposure", "grade", "premium_per_unit_month_krw"} <= set(rates)
    assert rates["products"].sum() == 300


def test_generate_writes_a_portfolio(tmp_path):
    result = _run("generate", "--out", tmp_path, "--products", 25, "--seed", 4)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "products.csv")) == 25
    assert json.loads((tmp_path / "generator.json").read_text())["seed"] == 4


def test_one_score_run_builds_the_feature_table_once(
    tmp_path, monkeypatch, model_dir, score_folder
):
    # scores, explanations, reasons and prices all read the one feature table of the assessment
    from sklearn.pipeline import FeatureUnion

    calls = []
    transform = FeatureUnion.transform

    def counted(self, X, **params):
        calls.append(len(X.products))
        return transform(self, X, **params)

    monkeypatch.setattr(FeatureUnion, "transform", counted)
    result = _score(model_dir, score_folder, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert calls == [300]  # one transform, of the whole portfolio (score_folder: 300 products)


def test_score_writes_contract_outputs(scored):
    scores = pd.read_csv(scored / "scores.csv", keep_default_na=False)
    assert scores.columns[:3].tolist() == ["product_id", "performance_risk", "safety_risk"]
    assert len(scores) == 300 and scores["safety_risk"].between(0, 1).all()
    for target in ("performance", "safety"):
        assert (scores[f"{target}_reason_1"].str.contains(f": {target} risk x")).all()
    summary = json.loads((scored / "run_summary.json").read_text())
    assert summary["products"] == {"read": 300, "scored": 300, "rejected": 0}
    for counts in summary["tables"].values():
        assert counts["read"] == counts["used"] + counts["rejected"]
    for name in ("explanations.csv", "importance_by_group.csv", "shap_summary_safety.png"):
        assert (scored / name).is_file(), name
    assert len(list(scored.glob("shap_dependence_safety_*.png"))) == 4


def test_explanations_csv_follows_the_contract_and_adds_up(scored):
    scores = pd.read_csv(scored / "scores.csv", keep_default_na=False)
    ex = pd.read_csv(scored / "explanations.csv", keep_default_na=False)
    assert ex.columns.tolist()[:7] == [
        "product_id",
        "target",
        "feature",
        "input_group",
        "value",
        "contribution",
        "scale",
    ]
    assert set(ex["scale"]) == {"log_rate"}
    assert set(ex["input_group"]) == {
        "category",
        "zone",
        "company",
        "exposure",
        "tests",
        "certifications",
        "base",
    }
    base = ex[ex["feature"] == "__base__"]
    assert len(base) == 2 * len(scores) and (base["input_group"] == "base").all()
    total = ex.groupby(["product_id", "target"])["contribution"].sum().unstack()
    for target in ("performance", "safety"):
        risk = 1 - np.exp(-np.exp(total.loc[scores["product_id"], target].to_numpy()))
        np.testing.assert_allclose(risk, scores[f"{target}_risk"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ex["factor"], np.exp(ex["contribution"]), rtol=1e-6)


def test_scores_are_byte_identical_on_rerun_and_after_retraining(
    tmp_path, trained, config, train_folder, score_folder
):
    assert (
        _run(
            "train",
            "--data",
            train_folder,
            "--out",
            tmp_path / "m2",
            "--config",
            config,
            "--no-track",
        ).exit_code
        == 0
    )
    for model, out in ((trained, "a"), (trained, "b"), (tmp_path / "m2", "c")):
        assert _score(model, score_folder, tmp_path / out).exit_code == 0
    first = (tmp_path / "a" / "scores.csv").read_bytes()
    assert first == (tmp_path / "b" / "scores.csv").read_bytes()
    assert first == (tmp_path / "c" / "scores.csv").read_bytes()
    assert (tmp_path / "a" / "explanations.csv").read_bytes() == (
        tmp_path / "c" / "explanations.csv"
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
    result = _score(trained, data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "out" / "scores.csv", keep_default_na=False)
    assert "zone 'jeju' unseen in training" in scores.loc[0, "data_issues"]
    assert (scores.loc[1:, "data_issues"] == "").all()


def test_a_bad_row_is_rejected_and_the_rest_is_scored(tmp_path, trained, score_folder):
    data = _copy_with_product_cell(score_folder, tmp_path / "data", 3, "trl", "twelve")
    result = _score(trained, data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    rejects = pd.read_csv(tmp_path / "out" / "rejects.csv", keep_default_na=False)
    row = rejects[rejects["table"] == "products"].iloc[0]
    assert (row["row"], row["column"], row["value"]) == (4, "trl", "twelve")
    scores = pd.read_csv(tmp_path / "out" / "scores.csv", keep_default_na=False)
    assert row["product_id"] not in set(scores["product_id"])
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text())
    products = summary["products"]
    assert products["read"] == products["scored"] + products["rejected"]
    assert "rejected" in result.output


def test_strict_mode_fails_on_any_reject_with_exit_status_1(tmp_path, trained, score_folder):
    data = _copy_with_product_cell(score_folder, tmp_path / "data", 3, "trl", "twelve")
    result = _score(trained, data, tmp_path / "out", "--strict")
    assert result.exit_code == 1
    assert "products, row 4" in result.output and "twelve" in result.output
    assert not (tmp_path / "out" / "scores.csv").exists()
    assert (tmp_path / "out" / "rejects.csv").exists()


def test_training_without_incidents_is_refused(tmp_path, score_folder):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("products", "test_results", "certifications"):
        (data / f"{name}.csv").write_bytes((score_folder / f"{name}.csv").read_bytes())
    result = _run("train", "--data", data, "--out", tmp_path / "m", "--no-track")
    assert result.exit_code == 2 and "incidents" in result.output


def test_a_tampered_model_is_refused(tmp_path, trained, score_folder):
    copy = tmp_path / "model"
    shutil.copytree(trained, copy)
    (copy / "config.json").write_text("{}")
    result = _score(copy, score_folder, tmp_path / "out")
    assert result.exit_code == 2 and "altered" in result.output


def test_explain_prints_a_waterfall_that_ends_at_the_score(tmp_path, trained, scored, score_folder):
    scores = pd.read_csv(scored / "scores.csv", keep_default_na=False).set_index("product_id")
    product = scores.index[7]
    result = _run(
        "explain",
        "--model",
        trained,
        "--data",
        score_folder,
        "--product",
        product,
        "--plot",
        tmp_path / "wf.png",
    )
    assert result.exit_code == 0, result.output
    for target in ("performance", "safety"):
        assert f"{target}: risk {scores.loc[product, f'{target}_risk']:.4f}" in result.output
        assert scores.loc[product, f"{target}_reason_1"] in result.output
    assert "base (typical product, typical exposure)" in result.output
    assert (tmp_path / "wf.png").stat().st_size > 10_000


def test_explain_an_unknown_product_is_a_clear_error(trained, score_folder):
    result = _run("explain", "--model", trained, "--data", score_folder, "--product", "nope")
    assert result.exit_code == 2 and "'nope' is not in" in result.output


def test_report_statements_verify_and_criteria_commands(tmp_path, trained, train_folder):
    audit = tmp_path / "audit.html"
    result = _run("report", "--model", trained, "--data", train_folder, "--out", audit)
    assert result.exit_code == 0, result.output
    html = audit.read_text()
    assert 'id="calibration"' in html and audit.stat().st_size < 10_000_000
    product = pd.read_csv(train_folder / "products.csv")["product_id"].iloc[0]
    one = tmp_path / "one.html"
    result = _run(
        "report", "--model", trained, "--data", train_folder, "--product", product, "--out", one
    )
    assert result.exit_code == 0, result.output
    result = _run("verify", "--statement", one, "--model", trained)
    assert result.exit_code == 0 and "VERIFIED" in result.output
    edited = tmp_path / "edited.html"
    edited.write_text(one.read_text().replace('"demo_months": "', '"demo_months": "1', 1))
    result = _run("verify", "--statement", edited, "--model", trained)
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output
    korean = tmp_path / "ko.html"
    result = _run(
        "report",
        "--model",
        trained,
        "--data",
        train_folder,
        "--product",
        product,
        "--out",
        korean,
        "--lang",
        "ko",
    )
    assert result.exit_code == 0, result.output
    assert '<html lang="ko">' in korean.read_text(encoding="utf-8")
    result = _run("verify", "--statement", korean, "--model", trained)
    assert result.exit_code == 0 and "VERIFIED" in result.output
    audit_ko = tmp_path / "audit.ko.html"
    result = _run(
        "report", "--model", trained, "--data", train_folder, "--out", audit_ko, "--lang", "ko"
    )
    assert result.exit_code == 0, result.output
    html = audit_ko.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "모델 감사 보고서" in html
    out = tmp_path / "criteria.json"
    result = _run("criteria", "--model", trained, "--out", out)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["grade_boundaries"][0]["grade"] == "A"
    missing = _run(
        "report",
        "--model",
        trained,
        "--data",
        train_folder,
        "--product",
        "nope",
        "--out",
        tmp_path / "x.html",
    )
    assert missing.exit_code == 2 and "nope" in missing.output


def test_only_the_users_errors_exit_2_and_defects_exit_3(tmp_path, monkeypatch, score_folder):
    """A config value out of range is the user's (2, with the parameter named); a ValueError
    raised inside riskmodel is a defect (3, "internal error"), never passed off as bad input."""
    config = tmp_path / "train.toml"
    config.write_text("validation_fraction = 1.5\n")
    bad = _run("train", "--data", score_folder, "--out", tmp_path / "m", "--config", config)
    assert bad.exit_code == 2 and "validation_fraction" in bad.output

    def broken(*args, **kwargs):
        raise ValueError("a bug, not the user's input")

    monkeypatch.setattr("riskmodel.workflows.score", broken)
    result = _score(tmp_path / "no-model", score_folder, tmp_path / "out")
    assert result.exit_code == 3 and "internal error (ValueError)" in result.output


def test_a_data_problem_is_said_in_the_language_asked(tmp_path, model_dir):
    result = _run(
        "score",
        "--model",
        model_dir,
        "--data",
        tmp_path / "nowhere",
        "--out",
        tmp_path / "o",
        "--lang",
        "ko",
    )
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "데이터 폴더" in said and "없거나 폴더가 아닙니다" in said
    result = _run(
        "score", "--model", model_dir, "--data", tmp_path / "nowhere", "--out", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "does not exist or is not a folder" in " ".join(result.output.split())
