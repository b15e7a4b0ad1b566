"""Scores and the run's reconciliation."""

import json

import pandas as pd
import pytest

from riskmodel.contract import SCORES_COLUMNS
from riskmodel.scoring import run_summary, score_portfolio, write_outputs
from riskmodel.validation import validate_tables


def test_scores_follow_the_contract_and_note_an_unseen_category(model, holdout):
    portfolio, _ = holdout
    one = portfolio.subset(portfolio.products["product_id"].iloc[:3])
    products = one.products.copy()
    products["zone"] = products["zone"].astype(str)
    products.loc[0, "zone"] = "atlantis"
    changed = type(one)(products, one.test_results, one.certifications)
    issues = {products["product_id"][1]: ["row 7 set aside"]}
    scores = score_portfolio(model, changed, issues=issues)
    assert tuple(scores.columns[: len(SCORES_COLUMNS)]) == SCORES_COLUMNS
    assert "zone 'atlantis' unseen in training" in scores["data_issues"][0]
    assert scores["data_issues"][1] == "row 7 set aside"
    assert (scores["model_version"] == model.version_).all()


def test_the_summary_reconciles_and_is_written(tmp_path, model, holdout):
    portfolio, _ = holdout
    tables = {k: v.head(20) if k == "products" else v for k, v in portfolio.tables().items()}
    data = validate_tables(tables)
    scores = score_portfolio(model, data.portfolio)
    summary = run_summary(data, scores, model)
    products = summary["products"]
    assert products["read"] == products["scored"] + products["rejected"] == 20
    for table in summary["tables"].values():
        assert table["read"] == table["used"] + table["rejected"]
    write_outputs(scores, summary, data.rejects, tmp_path)
    assert json.loads((tmp_path / "run_summary.json").read_text())["products"] == products
    assert len(pd.read_csv(tmp_path / "scores.csv")) == 20
    assert run_summary(data, None, model, strict=True)["products"]["scored"] == 0


def test_a_scored_count_that_does_not_reconcile_is_a_defect(model, holdout):
    portfolio, _ = holdout
    data = validate_tables({k: v for k, v in portfolio.subset(["S12-P0000000"]).tables().items()})
    with pytest.raises(RuntimeError, match="1 products accepted but 0 scored"):
        run_summary(data, score_portfolio(model, data.portfolio).iloc[0:0], model)
