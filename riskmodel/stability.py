"""Population stability: has the scored portfolio drifted from the training data?

At training, :func:`reference_distribution` records, for every feature and both risks, the bins
(deciles for numbers, levels for categories, one bin for missing values) and the training shares
in them. At reporting, :func:`population_stability` bins the scored portfolio the same way and
computes the population stability index

    PSI = sum over bins of (new share - training share) x ln(new share / training share),

flagged above 0.1 (a moderate shift: look) and 0.25 (a major shift: the model is being used on a
population it was not trained on). Shares are floored at 0.0001 so an empty bin stays finite.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"x": rng.normal(size=5000)})
>>> ref = reference_distribution(X, {})
>>> same = population_stability(ref, pd.DataFrame({"x": rng.normal(size=5000)}), {})
>>> moved = population_stability(ref, pd.DataFrame({"x": rng.normal(1.0, 1, size=5000)}), {})
>>> bool(same.loc[0, "psi"] < 0.1), bool(moved.loc[0, "psi"] > 0.25)
(True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["reference_distribution", "population_stability", "PSI_MODERATE", "PSI_MAJOR"]

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
_FLOOR = 1e-4
_MISSING = "__missing__"


def _numeric_bins(values: pd.Series) -> list[float]:
    finite = values.dropna().astype(float)
    if finite.empty:
        return []
    edges = np.unique(np.quantile(finite, np.linspace(0.1, 0.9, 9)))
    return [float(e) for e in edges]


def _shares(values: pd.Series, spec: dict) -> dict[str, float]:
    n = len(values)
    if n == 0:
        return {}
    if spec["type"] == "categorical":
        labels = values.astype(object).where(values.notna(), _MISSING).astype(str)
    else:
        x = values.astype(float)
        codes = np.searchsorted(np.asarray(spec["edges"]), x.to_numpy(), side="right")
        labels = pd.Series([f"bin{c}" for c in codes], index=values.index).where(
            x.notna(), _MISSING
        )
    return {str(k): float(v) / n for k, v in labels.value_counts().items()}


def _spec(values: pd.Series) -> dict:
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        return {"type": "categorical"}
    return {"type": "numeric", "edges": _numeric_bins(values)}


def reference_distribution(features: pd.DataFrame, scores: dict[str, np.ndarray]) -> dict:
    """Bins and training shares of every feature column and of every score in ``scores``."""
    out = {"features": {}, "scores": {}}
    for col in features.columns:
        spec = _spec(features[col])
        spec["shares"] = _shares(features[col], spec)
        out["features"][str(col)] = spec
    for name, values in scores.items():
        series = pd.Series(np.asarray(values, dtype=float))
        spec = {"type": "numeric", "edges": _numeric_bins(series)}
        spec["shares"] = _shares(series, spec)
        out["scores"][name] = spec
    return out


def _psi(ref: dict[str, float], new: dict[str, float]) -> float:
    bins = set(ref) | set(new)
    p = np.array([max(ref.get(b, 0.0), _FLOOR) for b in bins])
    q = np.array([max(new.get(b, 0.0), _FLOOR) for b in bins])
    return float(np.sum((q - p) * np.log(q / p)))


def population_stability(
    reference: dict, features: pd.DataFrame, scores: dict[str, np.ndarray]
) -> pd.DataFrame:
    """PSI of every feature and score of ``reference`` on the new data.

    Returns
    -------
    DataFrame
        ``name``, ``kind`` (``feature`` or ``score``), ``psi``, ``flag`` (``stable``,
        ``moderate shift`` above 0.1, ``major shift`` above 0.25), sorted by PSI, largest first.
    """
    rows = []
    for kind, table, new in (
        ("feature", reference.get("features", {}), features),
        ("score", reference.get("scores", {}), scores),
    ):
        for name, spec in table.items():
            if name not in new:
                continue
            values = pd.Series(np.asarray(new[name])) if kind == "score" else new[name]
            if spec["type"] == "categorical":
                values = values.astype(object)
            value = _psi(spec["shares"], _shares(values, spec))
            flag = (
                "major shift"
                if value > PSI_MAJOR
                else "moderate shift"
                if value > PSI_MODERATE
                else "stable"
            )
            rows.append({"name": name, "kind": kind, "psi": value, "flag": flag})
    frame = pd.DataFrame(rows, columns=["name", "kind", "psi", "flag"])
    return frame.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)
