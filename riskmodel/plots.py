"""Figures: SHAP summary and dependence plots, a product's waterfall, calibration.

Every function returns a matplotlib ``Figure``; :func:`save_figure` writes it as PNG. SHAP's own
plotting functions draw the SHAP figures. Nothing here changes matplotlib's global settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.explanations import Explanation, importance

__all__ = [
    "beeswarm",
    "dependence",
    "waterfall",
    "calibration",
    "save_figure",
    "global_view",
    "PLOT_SAMPLE",
]

#: SHAP summary plots draw at most this many products (a seeded sample).
PLOT_SAMPLE = 2000


def _plt():
    import matplotlib.pyplot as plt  # imported on first use: pyplot is slow to import

    return plt


def _sample(ex: Explanation, n: int, seed: int = 0) -> np.ndarray:
    count = len(ex.product_ids)
    if count <= n:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, n, replace=False))


def beeswarm(ex: Explanation, *, max_display: int = 12) -> object:
    """SHAP summary (beeswarm) of one target: each dot a product, colour the feature's value."""
    import shap

    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.45 * max_display + 1.5))
    shap.plots.beeswarm(
        ex.to_shap()[_sample(ex, PLOT_SAMPLE)],
        max_display=max_display,
        ax=ax,
        show=False,
        plot_size=None,
    )
    ax.set_title(f"{ex.target}: contributions to the log rate behind the risk")
    fig.tight_layout()
    return fig


def dependence(ex: Explanation, feature: str) -> object:
    """SHAP dependence plot: a feature's value against its contribution."""
    import shap

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    values = ex.to_shap()[_sample(ex, PLOT_SAMPLE)]
    shap.plots.scatter(values[:, feature], ax=ax, show=False, hist=False)
    ax.set_title(f"{ex.target}: {feature}")
    ax.set_ylabel("contribution (log scale)")
    fig.tight_layout()
    return fig


def waterfall(explanations: dict[str, Explanation], index: int, *, max_display: int = 10) -> object:
    """One product's waterfall for each target, on the log rate behind the risk (the log of
    expected incidents when incidents are Poisson)."""
    import shap

    plt = _plt()
    fig = plt.figure(figsize=(9, 2 * (max_display * 0.5 + 1.5)))
    for k, ex in enumerate(explanations.values()):
        plt.subplot(len(explanations), 1, k + 1)
        shap.plots.waterfall(ex.to_shap()[index], max_display=max_display, show=False)
        plt.title(f"{ex.target}: product {ex.product_ids[index]}")
    fig.set_size_inches(9, len(explanations) * (max_display * 0.5 + 1.5))
    fig.tight_layout()
    return fig


def calibration(
    expected: np.ndarray, observed: np.ndarray, *, title: str, bins: int = 10
) -> object:
    """Observed against expected incidents by decile of the expected number, with 95% Poisson
    intervals of the observed counts (a well-calibrated model follows the diagonal)."""
    from scipy.stats import chi2

    plt = _plt()
    frame = pd.DataFrame({"expected": expected, "observed": observed})
    frame["bin"] = pd.qcut(frame["expected"].rank(method="first"), bins, labels=False)
    g = frame.groupby("bin").agg(
        expected=("expected", "sum"), observed=("observed", "sum"), n=("observed", "size")
    )
    lo = chi2.ppf(0.025, 2 * g["observed"]) / 2
    hi = chi2.ppf(0.975, 2 * (g["observed"] + 1)) / 2
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.errorbar(
        g["expected"] / g["n"],
        g["observed"] / g["n"],
        yerr=[(g["observed"] - np.nan_to_num(lo)) / g["n"], (hi - g["observed"]) / g["n"]],
        fmt="o",
        capsize=3,
    )
    top = float(max((g["expected"] / g["n"]).max(), (hi / g["n"]).max()))
    ax.plot([0, top], [0, top], "--", color="grey", lw=1)
    ax.set_xlabel("expected incidents per product")
    ax.set_ylabel("observed incidents per product")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Write a figure as PNG and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def global_view(
    explanations: dict[str, Explanation], out_dir: str | os.PathLike, *, top: int = 4
) -> list[Path]:
    """Beeswarm per target and dependence plots of each target's ``top`` features, as PNG."""
    out_dir = Path(out_dir)
    written = []
    ranking = importance(explanations)
    for target, ex in explanations.items():
        written.append(save_figure(beeswarm(ex), out_dir / f"shap_summary_{target}.png"))
        features = ranking[ranking["target"] == target]["feature"].head(top)
        for feature in features:
            written.append(
                save_figure(
                    dependence(ex, feature), out_dir / f"shap_dependence_{target}_{feature}.png"
                )
            )
    return written
