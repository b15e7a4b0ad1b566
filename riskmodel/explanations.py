"""Exact TreeSHAP explanations of every score.

For each product and target, the model's raw output is split exactly into a base value and one
contribution per feature:

    raw = base + sum of contributions,
    risk = 1 - exp(-exp(raw)).

When incidents are Poisson (the probability calibration kept the identity, as in the synthetic
base world) ``raw`` is the log of the expected number of incidents in the coverage period; when the
held-out products showed overdispersed or clustered incidents, ``raw`` is the recalibrated
``log(-log(1 - risk))`` (:mod:`riskmodel.models.calibration`), each contribution scaled by its
part's slope, so the contract's identity still holds exactly.

The contributions of the tree features are exact path-dependent TreeSHAP values, computed once per
distinct decision pattern of each tree (:mod:`riskmodel.models.treeshap`): the same algorithm as
LightGBM's ``pred_contrib`` and ``shap.TreeExplainer``, equal to both within 1e-12, and several
times faster on a portfolio. The exposure features (units
deployed, months of coverage) enter through learned curves, not trees: their contribution is the
curve's value against its mean over the training products, so the base value is the raw output of a
typical product at the training portfolio's typical exposure
(:meth:`~riskmodel.models.PoissonGBMRegressor.predict_contributions`). Contributions are on the
log scale; ``exp(contribution)`` is the factor by which a feature multiplies the expected number of
incidents (the rate behind the risk), which is how an actuary reads them.

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> five = portfolio.subset(portfolio.products["product_id"][:5])
>>> ex = explain(model, five)["safety"]
>>> bool(np.allclose(-np.expm1(-np.exp(ex.raw)), model.predict(five)["safety_risk"]))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.contract import TARGETS
from riskmodel.features.spec import FeatureSpec
from riskmodel.models import RiskModel
from riskmodel.portfolio import Portfolio

__all__ = [
    "Explanation",
    "explain",
    "explanations_table",
    "shap_contributions",
    "importance",
    "importance_by_group",
    "SCALE",
]

#: The scale of every contribution: the log of the expected number of incidents.
SCALE = "log_rate"


@dataclass
class Explanation:
    """SHAP contributions of one target for a set of products.

    Attributes
    ----------
    target : str
        ``performance`` or ``safety``.
    product_ids : ndarray
        The products, in the portfolio's order.
    values : DataFrame
        Feature values (the model's inputs).
    contributions : DataFrame
        Contribution of each feature (same columns as ``values``) on the log-rate scale.
    base : float
        Base value: log of the expected incidents of a typical product at typical exposure.
    specs : list of FeatureSpec
        The specification of each column.
    """

    target: str
    product_ids: np.ndarray
    values: pd.DataFrame
    contributions: pd.DataFrame
    base: float
    specs: list[FeatureSpec]

    @property
    def raw(self) -> np.ndarray:
        """The raw output, ``log(-log(1 - risk))``: base plus all contributions (the log of the
        expected number of incidents when incidents are Poisson)."""
        return self.base + self.contributions.to_numpy().sum(axis=1)

    @property
    def factors(self) -> pd.DataFrame:
        """Multiplicative factors ``exp(contribution)`` on the expected number of incidents."""
        return np.exp(self.contributions)

    def to_shap(self):
        """A ``shap.Explanation`` for SHAP's plots (categorical values as their codes)."""
        import shap  # heavy import, only needed for plots

        data = self.values.copy()
        for col in data.columns:
            if isinstance(data[col].dtype, pd.CategoricalDtype):
                data[col] = data[col].cat.codes.astype(float)
        return shap.Explanation(
            values=self.contributions.to_numpy(),
            base_values=np.full(len(data), self.base),
            data=data.to_numpy(dtype=float),
            display_data=self.values.astype("object").to_numpy(),
            feature_names=list(self.contributions.columns),
        )


def explain(
    model: RiskModel,
    portfolio: Portfolio,
    *,
    n_jobs: int | None = None,
    features: pd.DataFrame | None = None,
    method: str = "patterns",
) -> dict[str, Explanation]:
    """Exact contributions of every feature to every product's score, for both targets.

    ``features``: the portfolio's feature table, if already built; ``method``: how the trees'
    TreeSHAP is computed (:meth:`~riskmodel.models.PoissonGBMRegressor.predict_contributions`).
    """
    X = model.features_for(portfolio, features)
    specs = list(model.feature_specs_)
    out = {}
    for target in TARGETS:
        est = model.models_[target]
        contributions, base = est.predict_contributions(
            X, n_jobs=n_jobs, calibrated=True, method=method
        )
        out[target] = Explanation(
            target=target,
            product_ids=portfolio.products["product_id"].to_numpy(),
            values=X,
            contributions=contributions.reset_index(drop=True),
            base=float(base[0]) if len(base) else float(est.intercept_),
            specs=specs,
        )
    return out


def shap_contributions(model: RiskModel, X: pd.DataFrame, target: str) -> np.ndarray:
    """Tree-feature contributions from ``shap.TreeExplainer`` (to check LightGBM's own), for the
    columns the trees use."""
    import shap

    est = model.models_[target]
    explainer = shap.TreeExplainer(est.booster_)
    return np.asarray(explainer.shap_values(X[est.tree_columns_]))


def explanations_table(explanations: dict[str, Explanation]) -> pd.DataFrame:
    """The long table of ``explanations.csv`` as the contract defines it.

    One row per product, target and feature (``product_id``, ``target``, ``feature``,
    ``input_group``, ``value``, ``contribution``, ``scale``), then a ``__base__`` row per product
    and target; riskmodel adds ``factor`` = exp(contribution).
    """
    frames = []
    for target, ex in explanations.items():
        n, names = len(ex.product_ids), [s.name for s in ex.specs]
        groups = [s.input_group for s in ex.specs]
        values = ex.values[names].astype("object").to_numpy()
        contributions = ex.contributions[names].to_numpy()
        k = len(names) + 1
        block = pd.DataFrame(
            {
                "product_id": np.repeat(ex.product_ids, k),
                "target": target,
                "feature": np.tile(names + ["__base__"], n),
                "input_group": np.tile(groups + ["base"], n),
                "value": np.column_stack([values, np.full(n, None, dtype=object)]).reshape(-1),
                "contribution": np.column_stack([contributions, np.full(n, ex.base)]).reshape(-1),
                "scale": SCALE,
            }
        )
        block["order"] = np.repeat(np.arange(n), k)
        frames.append(block)
    if not frames:
        return pd.DataFrame(
            columns=[
                "product_id",
                "target",
                "feature",
                "input_group",
                "value",
                "contribution",
                "scale",
                "factor",
            ]
        )
    table = pd.concat(frames, ignore_index=True)
    table["target_order"] = table["target"].map({t: i for i, t in enumerate(TARGETS)})
    table = table.sort_values(["order", "target_order"], kind="stable").drop(
        columns=["order", "target_order"]
    )
    table["factor"] = np.exp(table["contribution"])
    return table.reset_index(drop=True)


def importance(explanations: dict[str, Explanation]) -> pd.DataFrame:
    """Global importance: mean absolute contribution of each feature, per target."""
    rows = []
    for target, ex in explanations.items():
        mean_abs = ex.contributions.abs().mean()
        for spec in ex.specs:
            rows.append(
                {
                    "target": target,
                    "feature": spec.name,
                    "input_group": spec.input_group,
                    "mean_abs_contribution": float(mean_abs[spec.name]),
                }
            )
    return _ranked_shares(rows)


def importance_by_group(explanations: dict[str, Explanation]) -> pd.DataFrame:
    """How much of the risk comes from each input group: mean absolute contribution per product
    of the group's features together (signed contributions summed within the group first), and its
    share, per target."""
    rows = []
    for target, ex in explanations.items():
        group_of = {s.name: s.input_group for s in ex.specs}
        by_group = ex.contributions.T.groupby(group_of).sum().T  # signed sum within each group
        for group, value in by_group.abs().mean().items():
            rows.append({"target": target, "input_group": group, "mean_abs_contribution": value})
    return _ranked_shares(rows)


def _ranked_shares(rows: list[dict]) -> pd.DataFrame:
    """Rows with each one's share of its target's total, largest first within each target."""
    frame = pd.DataFrame(rows)
    total = frame.groupby("target")["mean_abs_contribution"].transform("sum")
    frame["share"] = frame["mean_abs_contribution"] / total
    return frame.sort_values(
        ["target", "share"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)
