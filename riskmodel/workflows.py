"""End-to-end jobs: generate, train, score and the demo. The CLI and scripts only call these.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate(root / "train", products=1500, seed=1)
>>> _ = generate(root / "new", products=40, seed=2)
>>> from riskmodel.config import TrainConfig
>>> _ = train(root / "train", root / "model", config=TrainConfig(n_jobs=1))
>>> scores = score(root / "model", root / "new", root / "out")
>>> len(scores), (root / "out" / "scores.csv").is_file()
(40, True)
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from riskmodel.config import TrainConfig
from riskmodel.evaluation import TargetEvaluation, evaluate_scores
from riskmodel.io import read_table
from riskmodel.models import RiskModel
from riskmodel.models.persistence import load_model, save_model
from riskmodel.scoring import run_summary, score_portfolio, write_outputs
from riskmodel.synthetic import GENERATOR_VERSION, generate_portfolio, write_portfolio
from riskmodel.validation import load_portfolio

__all__ = ["generate", "train", "score", "run_demo", "DemoResult", "DEMO_TARGETS"]

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]

#: What the demo checks (issue "From product data to two calibrated risk scores").
DEMO_TARGETS = {"max_auc_gap": 0.02, "max_log_loss_excess": 0.03, "max_calibration_error": 0.05}


def generate(out_dir: str | os.PathLike, *, products: int, seed: int) -> Path:
    """Generate a synthetic portfolio with ``truth.csv`` into ``out_dir``."""
    portfolio, truth = generate_portfolio(products, seed=seed)
    write_portfolio(portfolio, truth, out_dir, seed=seed)
    logger.info("generated %d products (seed %d) in %s", products, seed, out_dir)
    return Path(out_dir)


def train(
    data_dir: str | os.PathLike,
    model_dir: str | os.PathLike,
    *,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
) -> RiskModel:
    """Train on a data folder with incidents and save the model folder."""
    portfolio = load_portfolio(data_dir, require_incidents=True)
    model = RiskModel(config).fit(portfolio, progress=progress)
    save_model(model, model_dir)
    logger.info(
        "trained model %s on %d products; saved to %s",
        model.version_,
        portfolio.n_products,
        model_dir,
    )
    return model


def score(
    model_dir: str | os.PathLike,
    data_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Score a data folder with a saved model; write ``scores.csv`` and ``run_summary.json``."""
    return _score_and_write(load_model(model_dir), load_portfolio(data_dir), out_dir, n_jobs=n_jobs)


def _score_and_write(
    model: RiskModel, portfolio, out_dir, *, n_jobs: int | None = None
) -> pd.DataFrame:
    scores = score_portfolio(model, portfolio, n_jobs=n_jobs)
    write_outputs(scores, run_summary(portfolio, scores, model), out_dir)
    return scores


@dataclass
class DemoResult:
    """Where the demo put everything, what it measured and how long each step took."""

    train_dir: Path
    holdout_dir: Path
    model_dir: Path
    out_dir: Path
    model_version: str
    evaluations: dict[str, TargetEvaluation]
    seconds: dict[str, float] = field(default_factory=dict)

    def checks(self) -> dict[str, bool]:
        """Each demo target, met or not."""
        out = {}
        for target, ev in self.evaluations.items():
            out[f"{target}: AUC within {DEMO_TARGETS['max_auc_gap']} of the oracle"] = (
                ev.auc_gap <= DEMO_TARGETS["max_auc_gap"]
            )
            out[
                f"{target}: log-loss within {DEMO_TARGETS['max_log_loss_excess']:.0%} of the oracle"
            ] = ev.log_loss_excess <= DEMO_TARGETS["max_log_loss_excess"]
            worst = max(
                [abs(ev.predicted_to_true - 1)]
                + [abs(r - 1) for r in ev.predicted_to_true_by_category.values()]
            )
            out[
                f"{target}: sum of risks within {DEMO_TARGETS['max_calibration_error']:.0%} of the "
                "truth, overall and per category"
            ] = worst <= DEMO_TARGETS["max_calibration_error"]
        return out


def _reuse_or_generate(folder: Path, products: int, seed: int) -> None:
    meta = folder / "generator.json"
    if meta.is_file():
        found = json.loads(meta.read_text())
        if (found.get("generator_version"), found.get("seed"), found.get("products")) == (
            GENERATOR_VERSION,
            seed,
            products,
        ):
            logger.info("reusing %s (same generator version, seed and size)", folder)
            return
    generate(folder, products=products, seed=seed)


def run_demo(
    root: str | os.PathLike = ".",
    *,
    train_products: int = 200_000,
    holdout_products: int = 10_000,
    train_seed: int = 1,
    holdout_seed: int = 2,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Generate a training and a held-out portfolio, train, score the held-out one, evaluate.

    Outputs go under ``root``: ``data/raw/demo-train``, ``data/raw/demo-holdout`` (generated once
    and reused), ``models/demo`` and ``reports/demo`` (``scores.csv``, ``run_summary.json``,
    ``evaluation.json``).
    """
    if holdout_seed == train_seed:
        raise ValueError(
            "holdout_seed must differ from train_seed: the held-out portfolio must be "
            "a different draw"
        )
    root = Path(root)
    train_dir = root / "data" / "raw" / f"demo-train-{train_products}-s{train_seed}"
    holdout_dir = root / "data" / "raw" / f"demo-holdout-{holdout_products}-s{holdout_seed}"
    model_dir, out_dir = root / "models" / "demo", root / "reports" / "demo"
    seconds = {}
    t0 = time.perf_counter()
    _reuse_or_generate(train_dir, train_products, train_seed)
    _reuse_or_generate(holdout_dir, holdout_products, holdout_seed)
    seconds["generate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = train(train_dir, model_dir, config=config, progress=progress)
    seconds["train"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    holdout = load_portfolio(holdout_dir)
    # Score with the saved folder, not the in-memory model: the demo checks the real artefact.
    scores = _score_and_write(load_model(model_dir), holdout, out_dir)
    seconds["score"] = time.perf_counter() - t0
    truth = read_table(holdout_dir / "truth.csv")
    truth = truth.astype({c: "float64" for c in truth.columns if c != "product_id"})
    evaluations = evaluate_scores(scores, holdout.incident_counts(), holdout.products, truth)
    result = DemoResult(
        train_dir, holdout_dir, model_dir, out_dir, model.version_, evaluations, seconds
    )
    report = {
        "model_version": model.version_,
        "train_dir": str(train_dir),
        "holdout_dir": str(holdout_dir),
        "targets": DEMO_TARGETS,
        "evaluation": {t: ev.to_dict() for t, ev in evaluations.items()},
        "checks": result.checks(),
        "seconds": seconds,
    }
    (out_dir / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    return result
