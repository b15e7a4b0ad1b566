"""scripts/check_calibration.py compares a model's sums with the truth on held-out portfolios."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from riskmodel.pricing.evaluation import CALIBRATION_MEASURES
from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "check_calibration.py"


def test_check_calibration_prints_and_writes_every_measure(model_dir, score_folder, tmp_path):
    table_file = tmp_path / "calibration.csv"
    out = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--model",
            str(model_dir),
            "--data",
            str(score_folder),
            "--min-products",
            "10",
            "--csv",
            str(table_file),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "worst category over all portfolios" in out.stdout
    table = pd.read_csv(table_file)
    assert set(table["measure"]) == set(CALIBRATION_MEASURES)
    assert set(table["portfolio"]) == {score_folder.name}
    overall = table[table["category"] == "(all)"].set_index("measure")
    # expected losses and incidents are positive sums; a ratio far from 1 would mean a broken join
    assert overall["predicted_to_true"].between(0.5, 2.0).all(), overall
    for measure in CALIBRATION_MEASURES:
        assert measure in out.stdout


def test_check_calibration_needs_portfolios():
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--model", "m", "--seeds", "3"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--seeds needs --generate N" in out.stderr
