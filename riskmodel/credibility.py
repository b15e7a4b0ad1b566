"""Bühlmann-Straub credibility: blend each group's experience with the portfolio's.

For groups ``i`` (categories) with observations ``X_ij`` and weights ``w_ij``, the credibility
estimate of group ``i`` is ``Z_i * Xbar_i + (1 - Z_i) * mu``, with

- ``Xbar_i = sum_j w_ij X_ij / w_i``, the group's own (weighted) mean, ``w_i = sum_j w_ij``;
- ``v``, the expected process variance (within groups):
  ``sum_ij w_ij (X_ij - Xbar_i)^2 / sum_i (n_i - 1)``;
- ``a``, the variance of the hypothetical means (between groups):
  ``(sum_i w_i (Xbar_i - Xbar)^2 - v (r - 1)) / (w - sum_i w_i^2 / w)``, floored at 0;
- ``Z_i = w_i / (w_i + v / a)``, the credibility weight;
- ``mu = sum_i Z_i Xbar_i / sum_i Z_i``, the credibility-weighted complement (the weighted overall
  mean when no group earns credibility).

A group absent from the data (a brand-new category) has ``Z = 0`` and gets the complement ``mu``.
When the groups do not differ more than chance allows (``a = 0``) every ``Z`` is 0.

References: Bühlmann and Straub (1970); Klugman, Panjer and Willmot, *Loss Models*, ch. 18.

Examples
--------
>>> import pandas as pd
>>> x = pd.Series([1.0, 1.2, 0.9, 3.0, 3.3, 2.9, 2.0])
>>> g = pd.Series(["a", "a", "a", "b", "b", "b", "c"])
>>> fit = buhlmann_straub(x, g)
>>> fit.table.loc["b", "z"] > fit.table.loc["c", "z"]
np.True_
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CredibilityFit", "buhlmann_straub"]


@dataclass(frozen=True)
class CredibilityFit:
    """Result of :func:`buhlmann_straub`.

    Attributes
    ----------
    table : DataFrame
        Per group: ``n`` (observations), ``weight``, ``own_mean``, ``z`` (credibility weight) and
        ``estimate`` (the blended value).
    complement : float
        What a group with no data gets (the credibility-weighted overall mean).
    within_variance, between_variance : float
        The estimated ``v`` and ``a``; ``k = v / a`` is the weight at which ``Z = 1/2``.
    """

    table: pd.DataFrame
    complement: float
    within_variance: float
    between_variance: float

    @property
    def k(self) -> float:
        return (
            np.inf if self.between_variance <= 0 else self.within_variance / self.between_variance
        )

    def estimate(self, groups) -> np.ndarray:
        """The blended value of each group in ``groups``; the complement for an unknown group."""
        lookup = self.table["estimate"]
        return pd.Series(groups).map(lookup).fillna(self.complement).to_numpy(dtype=float)

    def weight(self, groups) -> np.ndarray:
        """The credibility weight of each group in ``groups`` (0 for an unknown group)."""
        return pd.Series(groups).map(self.table["z"]).fillna(0.0).to_numpy(dtype=float)


def buhlmann_straub(values, groups, weights=None) -> CredibilityFit:
    """Fit Bühlmann-Straub credibility of ``values`` by ``groups``.

    Parameters
    ----------
    values : array-like of float
        One observation per row.
    groups : array-like
        The group of each row.
    weights : array-like of float, optional
        Row weights (default 1): exposure, or the number of incidents a row stands for.

    Raises
    ------
    ValueError
        If there is no observation, the lengths differ, or a weight is negative or not finite.
    """
    x = np.asarray(values, dtype=float)
    g = pd.Series(np.asarray(groups)).astype(str)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if not (len(x) == len(g) == len(w)):
        raise ValueError(
            f"values, groups and weights must have the same length, got {len(x)}, {len(g)}, "
            f"{len(w)}"
        )
    if len(x) == 0:
        raise ValueError("buhlmann_straub needs at least one observation, got none")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0)) or w.sum() <= 0:
        raise ValueError("weights must be finite, >= 0 and not all 0")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    frame = pd.DataFrame({"x": x, "w": w, "g": g})
    frame["wx"] = frame["w"] * frame["x"]
    by = frame.groupby("g", sort=True)
    n = by.size()
    weight = by["w"].sum()
    own = by["wx"].sum() / weight.where(weight > 0)
    own = own.fillna(float(np.average(x, weights=w)))
    frame["dev2"] = frame["w"] * (frame["x"] - frame["g"].map(own)) ** 2
    dof = float((n - 1).clip(lower=0).sum())
    v = float(frame["dev2"].sum() / dof) if dof > 0 else 0.0
    total = float(weight.sum())
    overall = float((weight * own).sum() / total)
    r = len(n)
    if r > 1:
        denom = total - float((weight**2).sum()) / total
        a = (float((weight * (own - overall) ** 2).sum()) - v * (r - 1)) / denom
        a = max(a, 0.0)
    else:
        a = np.inf  # one group: it is the portfolio
    if a == np.inf or (a > 0 and v == 0):
        z = pd.Series(1.0, index=n.index)
    elif a == 0:
        z = pd.Series(0.0, index=n.index)
    else:
        z = weight / (weight + v / a)
    complement = float((z * own).sum() / z.sum()) if z.sum() > 0 else overall
    table = pd.DataFrame(
        {
            "n": n.astype(int),
            "weight": weight,
            "own_mean": own,
            "z": z,
            "estimate": z * own + (1 - z) * complement,
        }
    )
    return CredibilityFit(table, complement, v, float(a))
