"""scripts/bench_statements.py on a small model: prints every figure and the anchor."""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_the_script_prints_statements_verification_and_the_png_anchor(
    tmp_path, model_dir, score_folder
):
    out = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "bench_statements.py"),
            "--model",
            str(model_dir),
            "--data",
            str(score_folder),
            "--statements",
            "3",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    for label in ("statement (HTML waterfalls)", "anchor: both waterfalls as PNG", "verification"):
        assert label in result.stdout
    figures = json.loads(out.read_text())
    assert figures["statements"] == 3
    assert 0 < figures["waterfalls_html_ms"] < figures["waterfalls_png_ms"]
    assert figures["assess_ms"] < figures["statement_ms"]
