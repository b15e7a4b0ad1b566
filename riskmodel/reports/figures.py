"""Figures of the audit pack, as embedded PNG data URIs (a report must open with no network)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

__all__ = [
    "data_uri",
    "pd_ice_figure",
    "lift_figure",
    "lorenz_figure",
    "ae_figure",
    "exposure_figure",
]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def data_uri(fig, dpi: int = 72) -> str:
    """The figure as a ``data:image/png;base64,...`` URI; closes it."""
    plt = _plt()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pd_ice_figure(feature: str, target: str, result: dict) -> object:
    """ICE curves (grey) and partial dependence (bold) of one feature on the log rate."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.6, 2.4))
    grid = result["grid"]
    if result["monotone"] == "categorical":
        x = np.arange(len(grid))
        ax.plot(x, result["ice"].T, color="0.8", lw=0.5)
        ax.plot(x, result["pd"], "o-", color="C3", lw=2)
        ax.set_xticks(x, [str(g) for g in grid], rotation=60, fontsize=6, ha="right")
    else:
        ax.plot(grid, result["ice"].T, color="0.8", lw=0.5)
        ax.plot(grid, result["pd"], color="C3", lw=2)
    ax.set_title(f"{feature} ({target})", fontsize=8)
    ax.set_ylabel("log expected rate", fontsize=7)
    ax.tick_params(labelsize=6)
    fig.tight_layout()
    return fig


def lift_figure(lifts: dict[str, pd.DataFrame]) -> object:
    """Lift by decile of the expected number of incidents, per target."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.5, 3))
    width = 0.4
    for i, (target, table) in enumerate(lifts.items()):
        ax.bar(table["decile"] + (i - 0.5) * width, table["lift"], width=width, label=target)
    ax.axhline(1, color="grey", lw=1, ls="--")
    ax.set_xlabel("decile of expected incidents (10 = riskiest)")
    ax.set_ylabel("actual rate / portfolio rate")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def lorenz_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> object:
    """Lorenz curves: share of incidents caught by the riskiest share of products."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.6, 3.2))
    for target, (x, y) in curves.items():
        ax.plot(x, y, label=target)
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=1, label="random")
    ax.set_xlabel("share of products, riskiest first")
    ax.set_ylabel("share of incidents")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def ae_figure(table: pd.DataFrame, label: str, title: str) -> object:
    """Actual/expected with intervals, one point per group; red where the interval excludes 1."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 0.25 * len(table) + 1.0))
    y = np.arange(len(table))
    colors = ["C3" if f else "C0" for f in table["flag"]]
    ax.errorbar(
        table["ratio"],
        y,
        xerr=[table["ratio"] - table["lower"], table["upper"] - table["ratio"]],
        fmt="none",
        ecolor="0.6",
    )
    ax.scatter(table["ratio"], y, c=colors, zorder=3, s=12)
    ax.axvline(1, color="grey", ls="--", lw=1)
    ax.set_yticks(y, [str(v) for v in table[label]], fontsize=6)
    ax.set_xlabel("actual / expected incidents", fontsize=7)
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def exposure_figure(
    feature: str,
    grid: np.ndarray,
    multipliers: dict[str, np.ndarray],
    reference: float,
    training_range: tuple[float, float],
) -> object:
    """The learned exposure curve of each target (expected incidents against the typical value),
    on log-log axes, beside the proportional line a fixed offset would impose."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.2, 3.0))
    for target, values in multipliers.items():
        ax.plot(grid, values, lw=2, label=f"{target} (learned)")
    ax.plot(grid, grid / reference, "--", color="grey", lw=1, label="proportional (fixed offset)")
    lo, hi = training_range
    ax.axvspan(lo, hi, color="0.93", zorder=0, label="training range")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(feature, fontsize=7)
    ax.set_ylabel("expected incidents / at the typical value", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig
