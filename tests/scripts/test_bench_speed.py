"""scripts/bench_speed.py on a small model: one table, every figure with its target and anchors."""

import json
import subprocess
import sys

import pytest

from riskmodel.benchmark import SPEED_TARGETS
from tests.conftest import REPO


@pytest.mark.slow
def test_the_script_prints_every_figure_against_its_target(tmp_path, model_dir, score_folder):
    out = tmp_path / "speed.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "bench_speed.py"),
            *("--model", str(model_dir), "--data", str(score_folder)),
            *("--explain", "200", "--applications", "6"),
            *("--statements", "2", "--threads", "1", "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    for label in ("explanations", "one application, p50", "batch scoring", "statement"):
        assert label in result.stdout
    assert "x shap" in result.stdout and "<= 3 ms" in result.stdout
    figures = json.loads(out.read_text())
    assert set(SPEED_TARGETS) - {"train_200k_s"} <= set(figures)
    assert figures["explanations_max_difference"] < 1e-9  # exact: equal to shap's TreeSHAP
    assert figures["application_p50_ms"] <= figures["application_p99_ms"]
    assert 0 < figures["application_validation_p50_ms"] < figures["application_p50_ms"]
