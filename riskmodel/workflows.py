"""End-to-end jobs: generate, train, score, explain, retrain and the demo.

The CLI and the scripts only parse arguments and call these.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate(root / "train", products=1500, seed=1)
>>> _ = generate(root / "new", products=40, seed=2)
>>> from riskmodel.config import TrainConfig
>>> cfg = TrainConfig(n_jobs=1, uncertainty_replicates=2)
>>> _ = train(root / "train", root / "model", config=cfg, track=False)
>>> result = score(root / "model", root / "new", root / "out", plots=False)
>>> len(result.scores), sorted(p.name for p in (root / "out").iterdir())
(40, ['credibility.csv', 'explanations.csv', 'importance.csv', 'importance_by_group.csv', \
'pricing.json', 'rejects.csv', 'run_summary.json', 'scores.csv'])
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

from riskmodel.assessment import Assessment, assess
from riskmodel.config import TrainConfig
from riskmodel.contract import TARGETS
from riskmodel.errors import OptionError, UnknownProductError
from riskmodel.evaluation import TargetEvaluation, evaluate_scores, validation_report
from riskmodel.explanations import explain, importance, importance_by_group
from riskmodel.io import MAX_FILE_MB, write_csv, write_text
from riskmodel.models import RiskModel
from riskmodel.models.persistence import save_model
from riskmodel.portfolio import Portfolio
from riskmodel.pricing import PricingConfig, load_pricing_config
from riskmodel.pricing.evaluation import evaluate_pricing
from riskmodel.scoring import run_summary, write_outputs
from riskmodel.synthetic import GENERATOR_VERSION, generate_portfolio, write_portfolio
from riskmodel.validation import ValidationResult, load_data

__all__ = [
    "generate",
    "train",
    "score",
    "explain_product",
    "retrain",
    "run_demo",
    "DemoResult",
    "RetrainResult",
    "TrainResult",
    "ScoreResult",
    "DEMO_TARGETS",
]

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]

#: What the demo checks (issue "From product data to two calibrated risk scores").
DEMO_TARGETS = {
    "max_auc_gap": 0.02,
    "max_log_loss_excess": 0.03,
    "max_calibration_error": 0.05,
    # issue "From risk to a premium"
    "max_expected_loss_error": 0.05,
    "max_coverage_gap": 0.05,
}


def generate(
    out_dir: str | os.PathLike,
    *,
    products: int,
    seed: int,
    world: str = "base",
    training: bool = False,
    changes: tuple = (),
    change_from: date | None = None,
) -> Path:
    """Generate a synthetic portfolio with ``truth.csv`` into ``out_dir``, in one of the worlds
    of :mod:`riskmodel.synthetic.worlds` (``training``: a training draw, in which the world's new
    categories are rarer). With ``changes`` (:class:`~riskmodel.synthetic.experience.Change`),
    the truth changes on ``change_from`` and the incidents are drawn from the changed truth, which
    ``truth.csv`` holds (a later cohort whose experience departs from the model's world)."""
    portfolio, truth = generate_portfolio(products, seed=seed, world=world, training=training)
    if changes:
        from riskmodel.synthetic.experience import changed_experience

        if change_from is None:
            raise OptionError("a change needs the date it starts (change_from)")
        portfolio, truth = changed_experience(
            portfolio, truth, changes, start=change_from, seed=seed
        )
    write_portfolio(portfolio, truth, out_dir, seed=seed, world=world, training=training)
    logger.info("generated %d products (seed %d) in %s", products, seed, out_dir)
    return Path(out_dir)


# ------------------------------------------------------------------------------------ training
def _training_artifacts(model: RiskModel, portfolio: Portfolio, out_dir: Path) -> None:
    """SHAP global view, importance and calibration plots on the validation products."""
    from riskmodel import plots

    validation = model.validation_
    held_out = portfolio.subset(validation["product_id"].iloc[: plots.PLOT_SAMPLE])
    explanations = explain(model, held_out)
    plots.global_view(explanations, out_dir)
    write_csv(importance(explanations), out_dir / "importance.csv")
    write_csv(importance_by_group(explanations), out_dir / "importance_by_group.csv")
    for target in TARGETS:
        fig = plots.calibration(
            validation[f"expected_{target}_incidents"].to_numpy(),
            validation[target].to_numpy(),
            title=f"{target}: validation products",
        )
        plots.save_figure(fig, out_dir / f"calibration_{target}.png")


def _fit_and_save(
    portfolio: Portfolio,
    model_dir,
    config,
    progress,
    data: ValidationResult | None = None,
    source: str | None = None,
) -> tuple[RiskModel, dict]:
    model = RiskModel(config).fit(portfolio, progress=progress)
    report = validation_report(model.validation_, portfolio.products)
    save_model(model, model_dir, validation=report, training_data=data, source=source)
    logger.info(
        "trained model %s on %d products; saved to %s",
        model.version_,
        portfolio.n_products,
        model_dir,
    )
    return model, report


@dataclass(frozen=True)
class TrainResult:
    """What a training run made: the model, how its data folder was read, where it was saved
    and (when tracked) where it went in MLflow."""

    model: RiskModel
    data: ValidationResult
    model_dir: Path
    tracked: object | None = None


def train(
    data_dir: str | os.PathLike,
    model_dir: str | os.PathLike,
    *,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    track: bool = True,
    tracking_uri: str | None = None,
    strict: bool = False,
    max_mb: float = MAX_FILE_MB,
) -> TrainResult:
    """Train on a data folder with incidents, save the model folder and (by default) log the
    run to MLflow and register the model.

    Rows that break the contract are set aside (listed in the model folder's
    ``training_rejects.csv``); with ``strict`` any such row stops the run.
    """
    data = load_data(data_dir, require_incidents=True, max_mb=max_mb)
    if strict:
        data.check_strict()
    portfolio = data.portfolio
    model, report = _fit_and_save(
        portfolio, model_dir, config, progress, data, source=str(Path(data_dir).resolve())
    )
    tracked = None
    if track:
        tracked = _track(
            model,
            portfolio,
            model_dir,
            report,
            str(data_dir),
            tracking_uri,
            aliases=("last_trained",),
        )
    return TrainResult(model, data, Path(model_dir), tracked)


def _track(model, portfolio, model_dir, report, data_dir, uri, aliases):
    from riskmodel.tracking import log_training_run

    with tempfile.TemporaryDirectory() as tmp:
        _training_artifacts(model, portfolio, Path(tmp))
        return log_training_run(
            model,
            model_dir,
            report=report,
            artifacts_dir=tmp,
            data_dir=data_dir,
            uri=uri,
            aliases=aliases,
        )


# ------------------------------------------------------------------------------------- scoring
def _load(model: str | os.PathLike | RiskModel, tracking_uri: str | None = None) -> RiskModel:
    if isinstance(model, RiskModel):
        return model
    from riskmodel.tracking import load_scoring_model

    return load_scoring_model(model, uri=tracking_uri)


def pricing_summary(model: RiskModel, pricing: PricingConfig) -> dict:
    """What a priced output must carry: the pricing config, the grade boundaries and the
    severity model's credibility weights per category."""
    credibility = model.severity_.credibility_table()
    return {
        "config": pricing.to_dict(),
        "grade_boundaries": pricing.grade_boundaries(),
        "limit_basis": "deductible and limit apply per incident (no aggregate limit)",
        "credibility": credibility.to_dict("records"),
        "uncertainty_log_sd": model.uncertainty_,
    }


def write_assessment(
    assessment: Assessment,
    data: ValidationResult,
    model: RiskModel,
    out_dir: str | os.PathLike,
    *,
    plots: bool = True,
    pricing: PricingConfig | None = None,
    lang: str = "en",
) -> dict:
    """Write scores.csv, rejects.csv (its reasons in ``lang``), run_summary.json,
    explanations.csv, importance tables,
    plots and, when priced, pricing.json and credibility.csv; returns the run summary written."""
    out = Path(out_dir)
    portfolio = data.portfolio
    summary = run_summary(data, assessment.scores, model)
    if pricing is not None:
        priced = pricing_summary(model, pricing)
        summary["pricing"] = {k: priced[k] for k in ("config", "grade_boundaries", "limit_basis")}
        write_text(json.dumps(priced, indent=2) + "\n", out / "pricing.json")
        write_csv(model.severity_.credibility_table(), out / "credibility.csv")
    write_outputs(assessment.scores, summary, data.rejects_in(lang), out)
    write_csv(assessment.explanations_table(), out / "explanations.csv")
    write_csv(importance(assessment.explanations), out / "importance.csv")
    write_csv(importance_by_group(assessment.explanations), out / "importance_by_group.csv")
    if plots and portfolio.n_products:
        from riskmodel.plots import global_view

        global_view(assessment.explanations, out)
    return summary


@dataclass(frozen=True)
class ScoreResult:
    """What a scoring run made: the assessment, the run summary it wrote, and where."""

    assessment: Assessment
    summary: dict
    out_dir: Path

    @property
    def scores(self) -> pd.DataFrame:
        return self.assessment.scores


def score(
    model: str | os.PathLike | RiskModel,
    data_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    n_jobs: int | None = None,
    plots: bool = True,
    tracking_uri: str | None = None,
    strict: bool = False,
    max_mb: float = MAX_FILE_MB,
    pricing: PricingConfig | None = None,
    lang: str = "en",
) -> ScoreResult:
    """Score and price a data folder with a model folder or MLflow model URI; write the output
    folder: ``scores.csv`` (risks, expected loss, premium, interval, grade, reasons),
    ``rejects.csv``, ``run_summary.json``, ``pricing.json``, ``credibility.csv``,
    ``explanations.csv``, global importance and (``plots``) the SHAP summary and dependence plots.
    ``pricing`` defaults to ``riskmodel/configs/pricing.toml``. ``lang`` (``"en"`` or ``"ko"``):
    the language of the reasons in ``scores.csv`` and ``rejects.csv``; nothing else changes.

    Rows that break the contract are set aside and listed in ``rejects.csv``; the rest is scored.
    With ``strict``, any rejected row stops the run after writing ``rejects.csv`` and
    ``run_summary.json`` (no scores), raising :class:`~riskmodel.validation.StrictModeError`.
    """
    risk_model = _load(model, tracking_uri)
    data = load_data(data_dir, max_mb=max_mb)
    if strict and len(data.rejects):
        summary = run_summary(data, None, risk_model, strict=True)
        write_outputs(None, summary, data.rejects_in(lang), out_dir)
        data.check_strict()
    pricing = pricing or load_pricing_config()
    assessment = assess(
        risk_model, data.portfolio, pricing=pricing, n_jobs=n_jobs, issues=data.issues, lang=lang
    )
    summary = write_assessment(
        assessment, data, risk_model, out_dir, plots=plots, pricing=pricing, lang=lang
    )
    return ScoreResult(assessment, summary, Path(out_dir))


def _one_product_data(data_dir, product_id: str):
    data = load_data(data_dir)
    if product_id not in set(data.portfolio.products["product_id"]):
        rejected = data.rejects[
            (data.rejects["table"] == "products") & (data.rejects["product_id"] == product_id)
        ]
        if len(rejected):
            raise UnknownProductError(
                f"product {product_id!r} was rejected: " + "; ".join(rejected["reason"])
            )
        raise UnknownProductError(f"product {product_id!r} is not in {data_dir}")
    return data


def whatif(
    model: str | os.PathLike | RiskModel,
    data_dir: str | os.PathLike,
    product_id: str,
    *,
    changes: list[str] | None = None,
    suggest_changes: bool = False,
    pricing: PricingConfig | None = None,
    tracking_uri: str | None = None,
) -> str:
    """Before/after of one product under ``changes`` and/or the three changes that would lower
    its premium the most (``suggest_changes``), as text for the command line."""
    from riskmodel.pricing.whatif import suggest, what_if

    if not changes and not suggest_changes:
        raise OptionError("give at least one --change, or --suggest")
    risk_model = _load(model, tracking_uri)
    pricing = pricing or load_pricing_config()
    portfolio = _one_product_data(data_dir, product_id).portfolio
    parts = []
    if changes:
        parts.append(what_if(risk_model, portfolio, product_id, changes, pricing).text())
    if suggest_changes:
        table = suggest(risk_model, portfolio, product_id, pricing)
        if table.empty:
            parts.append(f"product {product_id}: no change a company can make lowers its premium")
        else:
            lines = [f"product {product_id}: changes that lower the premium the most"]
            for i, r in enumerate(table.itertuples(index=False), start=1):
                lines.append(
                    f"  {i}. {r.change}: premium {r.premium_before:,.0f} -> "
                    f"{r.premium_after:,.0f} KRW (saves {r.saving_krw:,.0f}), grade "
                    f"{r.grade_before} -> {r.grade_after}"
                )
            parts.append("\n".join(lines))
        parts.append(
            "\n".join(
                what_if(risk_model, portfolio, product_id, [r.change], pricing).text()
                for r in table.itertuples(index=False)
            )
        )
    return "\n\n".join(p for p in parts if p)


def rates(
    model: str | os.PathLike | RiskModel,
    data_dir: str | os.PathLike,
    out_file: str | os.PathLike,
    *,
    pricing: PricingConfig | None = None,
    min_products: int = 30,
    tracking_uri: str | None = None,
) -> pd.DataFrame:
    """Price a data folder and write its rate table (premium per unit-month by category x public
    exposure x grade) as CSV; returns the readable pivot."""
    from riskmodel.pricing.rates import rate_pivot, rate_table

    risk_model = _load(model, tracking_uri)
    pricing = pricing or load_pricing_config()
    portfolio = load_data(data_dir).portfolio
    quote = assess(risk_model, portfolio, pricing=pricing).scores
    table = rate_table(portfolio.products, quote, min_products=min_products)
    table.insert(0, "pricing_version", pricing.version)
    table.insert(1, "model_version", risk_model.version_)
    write_csv(table, out_file)
    return rate_pivot(table)


def report(
    model: str | os.PathLike | RiskModel,
    data_dir: str | os.PathLike,
    out: str | os.PathLike,
    *,
    products: list[str] | None = None,
    statements: bool = False,
    pricing: PricingConfig | None = None,
    tracking_uri: str | None = None,
    lang: str = "en",
) -> list[Path]:
    """The audit report (``out`` an HTML file), or assessment statements: for ``products`` (one
    product and an ``.html`` ``out``: that file; else one file per product in the folder ``out``),
    or with ``statements`` for every product of the folder; in ``lang`` (``"en"`` or ``"ko"``)."""
    from riskmodel.reports.audit import write_audit
    from riskmodel.reports.statement import write_statements

    risk_model = _load(model, tracking_uri)
    pricing = pricing or load_pricing_config()
    data = load_data(data_dir)
    if products or statements:
        for pid in products or []:  # a clear message for a rejected or unknown product
            if pid not in set(data.portfolio.products["product_id"]):
                _one_product_data(data_dir, pid)
        return write_statements(
            risk_model, data.portfolio, pricing, out, products or None, lang=lang
        )
    return [
        write_audit(
            risk_model,
            data,
            pricing,
            out,
            data_dir=data_dir,
            tracking_uri=tracking_uri,
            lang=lang,
        )
    ]


def verify(
    statement: str | os.PathLike, model: str | os.PathLike | RiskModel, *, tracking_uri=None
):
    """Re-score a statement's recorded inputs and compare (see
    :func:`riskmodel.reports.statement.verify_statement`)."""
    from riskmodel.reports.statement import verify_statement

    return verify_statement(statement, _load(model, tracking_uri))


def criteria(
    model: str | os.PathLike | RiskModel,
    out_file: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    pricing: PricingConfig | None = None,
    tracking_uri: str | None = None,
) -> Path:
    """Write the risk criteria as JSON (importance on ``data_dir`` when given)."""
    from riskmodel.reports.criteria import write_criteria

    data = load_data(data_dir) if data_dir else None
    return write_criteria(
        _load(model, tracking_uri), pricing or load_pricing_config(), out_file, data=data
    )


def explain_product(
    model: str | os.PathLike | RiskModel,
    data_dir: str | os.PathLike,
    product_id: str,
    *,
    plot: str | os.PathLike | None = None,
    tracking_uri: str | None = None,
    max_steps: int = 12,
) -> str:
    """One product's full explanation as a text waterfall (and optionally a PNG).

    Raises
    ------
    KeyError
        If ``product_id`` is not in the data folder.
    """
    risk_model = _load(model, tracking_uri)
    data = _one_product_data(data_dir, product_id)
    one = data.portfolio.subset([product_id])
    assessment = assess(risk_model, one, n_jobs=1, issues=data.issues)
    row = assessment.scores.iloc[0]
    product = one.products.iloc[0]
    lines = [
        f"product {product_id}: {product['category']} in {product['zone']}, "
        f"{product['units_deployed']} unit(s) for {product['demo_months']:g} months "
        f"({row['exposure_unit_years']:.3g} unit-years), model {risk_model.version_}"
    ]
    for target, ex in assessment.explanations.items():
        lines += ["", _waterfall_text(ex, row, target, max_steps)]
    if plot is not None:
        from riskmodel.plots import save_figure, waterfall

        save_figure(waterfall(assessment.explanations, 0), plot)
        lines += ["", f"waterfall plot: {plot}"]
    return "\n".join(lines)


def _waterfall_text(ex, row, target: str, max_steps: int) -> str:
    contrib = ex.contributions.iloc[0]
    values = ex.values.iloc[0]
    groups = {s.name: s.input_group for s in ex.specs}
    order = list(contrib.abs().sort_values(ascending=False, kind="stable").index)
    shown, rest = order[:max_steps], order[max_steps:]
    expected = float(row[f"expected_{target}_incidents"])
    rate = float(np.exp(ex.raw[0]))
    head = f"{target}: risk {row[f'{target}_risk']:.4f} = 1 - exp(-{rate:.4g})"
    if abs(rate - expected) > 1e-9 * max(expected, 1.0):  # a recalibrated probability
        head += (
            f"; {expected:.4g} expected incidents (incidents come overdispersed or in "
            "clusters: the risk is recalibrated, the expected incidents price the policy)"
        )
    else:
        head += f", {expected:.4g} expected incidents"
    out = [
        head,
        f"  {'step':<48} {'value':>14} {'log':>8} {'factor':>7} {'rate':>10}",
        f"  {'base (typical product, typical exposure)':<48} {'':>14} {ex.base:>8.3f} "
        f"{'':>7} {np.exp(ex.base):>10.4g}",
    ]
    running = ex.base
    for f in shown:
        running += contrib[f]
        value = values[f]
        text = f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)
        label = f"{f} [{groups[f]}]"
        out.append(
            f"  {label:<48} {text:>14} {contrib[f]:>+8.3f} {np.exp(contrib[f]):>7.3f} "
            f"{np.exp(running):>10.4g}"
        )
    if rest:
        running += contrib[rest].sum()
        out.append(
            f"  {f'{len(rest)} other features':<48} {'':>14} "
            f"{contrib[rest].sum():>+8.3f} {np.exp(contrib[rest].sum()):>7.3f} "
            f"{np.exp(running):>10.4g}"
        )
    out.append(
        f"  {'= log rate behind the risk':<48} {'':>14} {running:>8.3f} {'':>7} "
        f"{np.exp(running):>10.4g}"
    )
    reasons = [row[f"{target}_reason_{i}"] for i in (1, 2, 3) if row[f"{target}_reason_{i}"]]
    out += ["  reasons: " + ("; ".join(reasons) if reasons else "none above 2%")]
    return "\n".join(out)


# ------------------------------------------------------------------------------------ retrain
@dataclass
class RetrainResult:
    """A retraining: the new model, where it went and how it compares with the champion."""

    model: RiskModel
    tracked: object
    comparison: pd.DataFrame
    champion_version: str | None


def _split_by_company(portfolio: Portfolio, share: float, seed: int) -> tuple[Portfolio, Portfolio]:
    companies = portfolio.products["company_id"].astype(str).to_numpy()
    splitter = GroupShuffleSplit(n_splits=1, test_size=share, random_state=seed)
    fit_idx, hold_idx = next(splitter.split(companies, groups=companies))
    ids = portfolio.products["product_id"].to_numpy()
    return portfolio.subset(ids[np.sort(fit_idx)]), portfolio.subset(ids[np.sort(hold_idx)])


def _holdout_metrics(model: RiskModel, holdout: Portfolio) -> dict[str, float]:
    scores = model.predict(holdout)
    evaluations = evaluate_scores(scores, holdout.incident_counts(), holdout.products)
    out = {}
    for target, ev in evaluations.items():
        out |= {
            f"{target}.auc": ev.auc,
            f"{target}.gini": ev.gini,
            f"{target}.log_loss": ev.log_loss,
            f"{target}.poisson_deviance": ev.poisson_deviance,
            f"{target}.actual_to_expected": ev.actual_to_expected,
        }
    return out


def retrain(
    data_dir: str | os.PathLike,
    *,
    holdout_dir: str | os.PathLike | None = None,
    model_dir: str | os.PathLike | None = None,
    config: TrainConfig | None = None,
    holdout_share: float = 0.2,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
) -> RetrainResult:
    """Train a challenger, evaluate it on a holdout, log and register it (alias ``challenger``)
    and compare it with the current champion on the same holdout.

    Without ``holdout_dir``, ``holdout_share`` of the companies in ``data_dir`` (with all their
    products) are held out and the challenger trains on the rest. No promotion happens here.
    """
    from riskmodel.tracking import alias_version, load_scoring_model

    config = config or TrainConfig()
    data = load_data(data_dir, require_incidents=True)
    if holdout_dir is None:
        fit_part, holdout = _split_by_company(data.portfolio, holdout_share, config.seed)
    else:
        fit_part = data.portfolio
        holdout = load_data(holdout_dir, require_incidents=True).portfolio
    champion = alias_version("champion", uri=tracking_uri)
    with tempfile.TemporaryDirectory() as tmp:
        target_dir = Path(model_dir) if model_dir else Path(tmp) / "model"
        model, report = _fit_and_save(
            fit_part, target_dir, config, progress, source=f"{Path(data_dir).resolve()} (fit part)"
        )
        report["holdout"] = _holdout_metrics(model, holdout)
        tracked = _track(
            model,
            fit_part,
            target_dir,
            report,
            str(data_dir),
            tracking_uri,
            aliases=("challenger", "last_trained"),
        )
    rows = {"challenger": report["holdout"]}
    if champion is not None and champion != tracked.version:
        current = load_scoring_model("models:/riskmodel@champion", uri=tracking_uri)
        rows["champion"] = _holdout_metrics(current, holdout)
    comparison = pd.DataFrame(rows)
    if "champion" in comparison:
        comparison["challenger - champion"] = comparison["challenger"] - comparison["champion"]
    return RetrainResult(model, tracked, comparison, champion)


# ---------------------------------------------------------------------------------------- demo
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
    tracked: object | None = None
    pricing: dict | None = None
    interval_level: float = 0.9

    def checks(self) -> dict[str, bool]:
        """Each demo target, met or not."""
        out = {}
        if self.pricing is not None:
            p, limit = self.pricing, DEMO_TARGETS["max_expected_loss_error"]
            ratios = [p["predicted_to_true"]] + [
                p["by_category"][c]["predicted_to_true"] for c in p["checked_categories"]
            ]
            out[
                f"expected loss: sum within {limit:.0%} of the true expected loss, overall and "
                "per category"
            ] = max(abs(r - 1) for r in ratios) <= limit
            gap = DEMO_TARGETS["max_coverage_gap"]
            out[
                f"expected-loss intervals cover the truth at {self.interval_level:.0%} "
                f"within {gap * 100:.0f} points"
            ] = abs(p["coverage"] - self.interval_level) <= gap
            rho = p.get("width_vs_incidents_rank_correlation")
            out["intervals are wider for categories with fewer training incidents"] = (
                rho is not None and rho < 0
            )
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
                f"{target}: sum of risks within {DEMO_TARGETS['max_calibration_error']:.0%} of "
                "the truth, overall and per category"
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
    track: bool = True,
    pricing: PricingConfig | None = None,
) -> DemoResult:
    """Generate a training and a held-out portfolio, train, score the held-out one, evaluate.

    Outputs go under ``root``: ``data/raw/demo-train-*`` and ``data/raw/demo-holdout-*``
    (generated once and reused), ``models/demo``, ``reports/demo`` (scores, explanations, plots,
    pricing, ``run_summary.json``, ``evaluation.json``, the audit report ``audit.html``) and,
    with ``track``, the MLflow store ``mlflow.db``/``mlruns``.
    """
    if holdout_seed == train_seed:
        raise OptionError(
            "holdout_seed must differ from train_seed: the held-out portfolio must "
            "be a different draw"
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
    uri = None
    if track:
        from riskmodel.tracking import tracking_uri

        uri = tracking_uri(root)
    trained = train(
        train_dir, model_dir, config=config, progress=progress, track=track, tracking_uri=uri
    )
    model = trained.model
    seconds["train"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    holdout_data = load_data(holdout_dir)
    holdout = holdout_data.portfolio
    # Score with the saved folder, not the in-memory model: the demo checks the real artefact.
    saved = _load(model_dir)
    pricing = pricing or load_pricing_config()
    assessment = assess(saved, holdout, pricing=pricing, issues=holdout_data.issues)
    write_assessment(assessment, holdout_data, saved, out_dir, pricing=pricing)
    scores = assessment.scores
    seconds["score, explain and price"] = time.perf_counter() - t0
    truth = pd.read_csv(holdout_dir / "truth.csv", dtype={"product_id": str})
    evaluations = evaluate_scores(scores, holdout.incident_counts(), holdout.products, truth)
    incidents = {
        cat: sum(
            saved.severity_.params_[k]["categories"].get(cat, {}).get("incidents", 0)
            for k in TARGETS
        )
        for cat in set(holdout.products["category"])
    }
    priced = evaluate_pricing(scores, truth, holdout.products, training_incidents=incidents)
    from riskmodel.reports.audit import write_audit

    t0 = time.perf_counter()
    write_audit(
        saved,
        holdout_data,
        pricing,
        out_dir / "audit.html",
        data_dir=holdout_dir,
        tracking_uri=uri,
        assessment=assessment,
    )
    seconds["audit report"] = time.perf_counter() - t0
    result = DemoResult(
        train_dir,
        holdout_dir,
        model_dir,
        out_dir,
        model.version_,
        evaluations,
        seconds,
        trained.tracked,
        priced,
        pricing.interval_level,
    )
    report = {
        "model_version": model.version_,
        "train_dir": str(train_dir),
        "holdout_dir": str(holdout_dir),
        "targets": DEMO_TARGETS,
        "evaluation": {t: ev.to_dict() for t, ev in evaluations.items()},
        "pricing": priced,
        "checks": result.checks(),
        "seconds": seconds,
    }
    (out_dir / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    return result


def monitor(
    model: str | os.PathLike | RiskModel,
    data_dir: str | os.PathLike,
    as_of: date,
    out_dir: str | os.PathLike,
    *,
    tracking_uri: str | None = None,
    pricing: PricingConfig | None = None,
    lang: str = "en",
    n_jobs: int | None = None,
) -> dict:
    """Actual against expected up to ``as_of`` for the products and incidents of a data folder:
    writes ``monitoring.json`` (the contract's fields, every segment's figures and the drift of
    features and scores) and ``monitoring.html`` (in ``lang``); returns the JSON written."""
    from riskmodel.monitoring import actual_against_expected
    from riskmodel.reports.monitoring import render_monitoring
    from riskmodel.stability import population_stability

    risk_model = _load(model, tracking_uri)
    data = load_data(data_dir, require_incidents=True)
    pricing = pricing or load_pricing_config()
    assessment = assess(
        risk_model, data.portfolio, pricing=pricing, n_jobs=n_jobs, issues=data.issues, lang=lang
    )
    result = actual_against_expected(data.portfolio, assessment, as_of)
    scores = {f"{t}_risk": assessment.scores[f"{t}_risk"].to_numpy() for t in TARGETS}
    drift = population_stability(risk_model.reference_, assessment.features, scores)
    out = Path(out_dir)
    body = result.to_json()
    body["drift"] = drift.to_dict("records")
    body["rejects"] = int(len(data.rejects))
    write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", out / "monitoring.json")
    write_text(render_monitoring(result, body["drift"], lang=lang), out / "monitoring.html")
    return body
