"""scripts/bench_robustness.py runs end to end on small worlds and prints every figure and check."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "bench_robustness.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_robustness", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plain_classifier_reads_the_simple_features(bench, train_portfolio):
    features = bench.simple_features(train_portfolio)
    assert len(features) == train_portfolio.n_products
    for column in ("failed_safety", "failed_critical", "margin_safety", "accredited_share"):
        assert column in features.columns
    assert (
        features["certs_active"].sum()
        == (train_portfolio.certifications["status"] == "active").sum()
    )
    assert (features["log_units"] == np.log(train_portfolio.products["units_deployed"])).all()


@pytest.mark.slow
def test_a_small_world_end_to_end(bench, tmp_path, capsys, monkeypatch):
    out = tmp_path / "figures.json"
    cache = tmp_path / "plain.json"
    args = ["--worlds", "clustered", "--train", "2500", "--holdout", "1500"]
    assert bench.main([*args, "--json", str(out), "--plain-cache", str(cache)]) == 0
    printed = capsys.readouterr().out
    for text in ("== clustered", "worst band", "mean relative excess log-loss", "largest AUC gap"):
        assert text in printed
    results = json.loads(out.read_text())
    assert [r["world"] for r in results] == ["clustered"]
    for m in results[0]["targets"].values():
        assert 0.5 < m["auc"] and 0.5 < m["plain_auc"] and 0.5 < m["oracle_auc"]
        assert m["excess_log_loss"] == pytest.approx(m["log_loss"] - m["oracle_log_loss"])
        assert set(m["checks"]) == {
            "excess log-loss <= half the plain classifier's",
            "AUC within 0.005 of the truth",
            "sums within 3% overall",
            "sums within 10% in every band of units",
        }
    # the plain classifier's predictions are kept and reused, not computed again
    monkeypatch.setattr(bench, "plain_classifier", lambda *a, **k: pytest.fail("recomputed"))
    assert bench.main([*args, "--plain-cache", str(cache), "--set", "num_leaves=7"]) == 0
    assert "booster parameters overridden: {'num_leaves': 7}" in capsys.readouterr().out
