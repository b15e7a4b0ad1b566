"""The demo job end to end at a small size: every output is there and every check is reported."""

import json

import pytest

from riskmodel.config import TrainConfig
from riskmodel.workflows import DEMO_TARGETS, run_demo

#: End to end: trains or runs whole jobs (still part of `make test`).
pytestmark = pytest.mark.slow


def test_the_demo_writes_scores_prices_evaluation_and_the_audit_report(tmp_path):
    result = run_demo(
        tmp_path,
        train_products=3000,
        holdout_products=800,
        config=TrainConfig(n_jobs=1, uncertainty_replicates=2),
        track=False,
    )
    out = result.out_dir
    for name in ("scores.csv", "pricing.json", "evaluation.json", "audit.html", "rejects.csv"):
        assert (out / name).is_file(), name
    checks = result.checks()
    assert len(checks) == 9 and all(isinstance(v, bool) for v in checks.values())
    report = json.loads((out / "evaluation.json").read_text())
    assert report["targets"] == DEMO_TARGETS
    assert 0 < report["pricing"]["coverage"] <= 1
    assert set(result.seconds) == {"generate", "train", "score, explain and price", "audit report"}
    # the model was saved and the held-out portfolio scored from the folder
    assert (result.model_dir / "manifest.json").is_file()
