"""scripts/bench_service.py on a small model: the service under wrk beside its anchor."""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_the_script_prints_latency_throughput_batch_and_the_register(
    tmp_path, model_dir, score_folder
):
    out = tmp_path / "service.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "bench_service.py"),
            *("--model", str(model_dir), "--data", str(score_folder)),
            *("--duration", "3", "--clients", "4", "--workers", "1"),
            *("--applications", "30", "--batch", "50", "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for label in ("in-process, one thread (anchor)", "POST /v1/assessments", "batch of 50"):
        assert label in result.stdout
    figures = json.loads(out.read_text())
    assert figures["errors"] == 0 and figures["requests"] > 0
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    # every answered request and the warm-up and batches are in the register, chained
    assert figures["register_chain_intact"]
    assert figures["register_records"] >= figures["requests"] + 3 * 50
