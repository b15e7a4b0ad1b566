"""How good are the scores: discrimination, fit and calibration, against outcomes and the oracle.

On synthetic data the generator's ``truth.csv`` holds the true probabilities, so the model can be
compared with the best possible one (the *oracle*): the gap in AUC and in log-loss is what the model
leaves on the table, and the ratio of summed predicted to summed true probabilities is its
calibration. On real data only the outcome-based metrics are available.

Examples
--------
>>> import numpy as np
>>> round(gini(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])), 3)
1.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, mean_poisson_deviance, roc_auc_score

from riskmodel.contract import TARGETS

__all__ = [
    "gini",
    "poisson_deviance",
    "binary_log_loss",
    "TargetEvaluation",
    "evaluate_scores",
    "validation_report",
    "calibration_table",
    "unit_band",
    "MIN_PRODUCTS_PER_CATEGORY",
    "UNIT_BANDS",
    "BAND_LABELS",
]

#: Categories with fewer products than this are not judged on their own calibration.
MIN_PRODUCTS_PER_CATEGORY = 500
#: Bands of units deployed in which calibration is judged (lowest and highest units of each).
UNIT_BANDS: tuple[tuple[int, float], ...] = (
    (1, 1),
    (2, 3),
    (4, 7),
    (8, 15),
    (16, 40),
    (41, np.inf),
)
_EPS = 1e-12


def unit_band(units) -> np.ndarray:
    """The label of each product's band of units deployed: ``1``, ``2-3``, ..., ``41+``."""
    u = np.asarray(units, dtype=float)
    labels = np.full(len(u), "", dtype=object)
    for lo, hi in UNIT_BANDS:
        text = f"{lo}" if lo == hi else (f"{lo}+" if np.isinf(hi) else f"{lo}-{int(hi)}")
        labels[(u >= lo) & (u <= hi)] = text
    return labels


#: The labels of :data:`UNIT_BANDS`, in order.
BAND_LABELS: tuple[str, ...] = tuple(unit_band([lo for lo, _ in UNIT_BANDS]))


def calibration_table(
    scores: pd.DataFrame, truth: pd.DataFrame, groups, *, target: str
) -> pd.DataFrame:
    """Predicted against true, per group: the sums of risks and of expected incidents.

    ``groups`` labels each scored product (a category, a band of units, a decile); ``truth`` is the
    generator's ``truth.csv`` (``<target>_prob``, ``expected_<target>_incidents``) for the same
    products in the same order as ``scores``.
    """
    frame = pd.DataFrame(
        {
            "group": np.asarray(groups),
            "risk": scores[f"{target}_risk"].to_numpy(),
            "true_risk": truth[f"{target}_prob"].to_numpy(),
            "expected": scores[f"expected_{target}_incidents"].to_numpy(),
            "true_expected": truth[f"expected_{target}_incidents"].to_numpy(),
        }
    )
    g = frame.groupby("group", sort=True).agg(
        products=("risk", "size"),
        risk=("risk", "sum"),
        true_risk=("true_risk", "sum"),
        expected=("expected", "sum"),
        true_expected=("true_expected", "sum"),
    )
    g["risk_ratio"] = g["risk"] / g["true_risk"]
    g["expected_ratio"] = g["expected"] / g["true_expected"]
    return g.reset_index()


def gini(outcome: np.ndarray, score: np.ndarray) -> float:
    """Normalised Gini coefficient, ``2 * AUC - 1``."""
    return 2.0 * float(roc_auc_score(outcome, score)) - 1.0


def poisson_deviance(counts: np.ndarray, expected: np.ndarray) -> float:
    """Mean Poisson deviance of counts against expected counts (lower is better)."""
    return float(mean_poisson_deviance(counts, np.maximum(expected, _EPS)))


def binary_log_loss(outcome: np.ndarray, probability: np.ndarray) -> float:
    """Mean log-loss of "at least one incident" against its predicted probability."""
    p = np.clip(probability, _EPS, 1 - _EPS)
    return float(log_loss(outcome, p, labels=[0, 1]))


@dataclass
class TargetEvaluation:
    """Metrics of one target on one scored portfolio."""

    target: str
    products: int
    observed_share: float
    auc: float
    gini: float
    log_loss: float
    poisson_deviance: float
    actual_to_expected: float
    oracle_auc: float | None = None
    oracle_log_loss: float | None = None
    predicted_to_true: float | None = None
    predicted_to_true_by_category: dict[str, float] = field(default_factory=dict)
    expected_to_true: float | None = None
    predicted_to_true_by_band: dict[str, float] = field(default_factory=dict)
    expected_to_true_by_band: dict[str, float] = field(default_factory=dict)

    @property
    def auc_gap(self) -> float | None:
        return None if self.oracle_auc is None else self.oracle_auc - self.auc

    @property
    def log_loss_excess(self) -> float | None:
        """Relative excess log-loss over the oracle (0.03 = 3% worse)."""
        return None if self.oracle_log_loss is None else self.log_loss / self.oracle_log_loss - 1

    def to_dict(self) -> dict:
        data = asdict(self)
        data["auc_gap"] = self.auc_gap
        data["log_loss_excess"] = self.log_loss_excess
        return data


def evaluate_scores(
    scores: pd.DataFrame,
    counts: pd.DataFrame,
    products: pd.DataFrame,
    truth: pd.DataFrame | None = None,
) -> dict[str, TargetEvaluation]:
    """Evaluate scored products against observed incidents and, if given, the true probabilities.

    Parameters
    ----------
    scores : DataFrame
        ``product_id``, ``<target>_risk`` and ``expected_<target>_incidents``.
    counts : DataFrame
        ``product_id`` and observed incident counts per target (see
        :meth:`riskmodel.portfolio.Portfolio.incident_counts`).
    products : DataFrame
        ``product_id`` and ``category``, for calibration per category.
    truth : DataFrame, optional
        The generator's ``truth.csv``: ``product_id``, ``<target>_prob`` and
        ``expected_<target>_incidents``. With it, the sums of risks and of expected incidents
        are compared with the truth overall, per category and per band of units deployed
        (groups with at least ``MIN_PRODUCTS_PER_CATEGORY`` products).
    """
    frame = scores.merge(
        counts, on="product_id", how="left", validate="one_to_one", suffixes=("", "_count")
    )
    frame = frame.merge(
        products[["product_id", "category", "units_deployed"]], on="product_id", how="left"
    )
    if truth is not None:
        frame = frame.merge(
            truth, on="product_id", how="left", validate="one_to_one", suffixes=("", "_truth")
        )
        if frame[[f"{t}_prob" for t in TARGETS]].isna().any().any():
            raise ValueError("truth does not cover every scored product")
    results = {}
    for target in TARGETS:
        count_col = target if target in counts.columns else f"{target}_count"
        n = frame[count_col].fillna(0).to_numpy()
        hit = (n > 0).astype(int)
        risk = frame[f"{target}_risk"].to_numpy()
        expected = frame[f"expected_{target}_incidents"].to_numpy()
        ev = TargetEvaluation(
            target=target,
            products=len(frame),
            observed_share=float(hit.mean()),
            auc=float(roc_auc_score(hit, risk)) if 0 < hit.sum() < len(hit) else float("nan"),
            gini=gini(hit, risk) if 0 < hit.sum() < len(hit) else float("nan"),
            log_loss=binary_log_loss(hit, risk),
            poisson_deviance=poisson_deviance(n, expected),
            actual_to_expected=float(n.sum() / expected.sum()),
        )
        if truth is not None:
            true_p = frame[f"{target}_prob"].to_numpy()
            ev.oracle_auc = float(roc_auc_score(hit, true_p)) if 0 < hit.sum() < len(hit) else None
            ev.oracle_log_loss = binary_log_loss(hit, true_p)
            ev.predicted_to_true = float(risk.sum() / true_p.sum())
            by_cat = frame.groupby("category", observed=True).agg(
                n=(f"{target}_risk", "size"),
                pred=(f"{target}_risk", "sum"),
                true=(f"{target}_prob", "sum"),
            )
            ev.predicted_to_true_by_category = {
                str(cat): float(row.pred / row.true)
                for cat, row in by_cat.iterrows()
                if row.n >= MIN_PRODUCTS_PER_CATEGORY
            }
            true_expected = frame[f"expected_{target}_incidents_truth"].to_numpy()
            ev.expected_to_true = float(expected.sum() / true_expected.sum())
            bands = calibration_table(
                frame,
                frame.assign(**{f"expected_{target}_incidents": true_expected}),
                unit_band(frame["units_deployed"]),
                target=target,
            )
            bands = bands[bands["products"] >= MIN_PRODUCTS_PER_CATEGORY].set_index("group")
            order = [b for b in BAND_LABELS if b in bands.index]
            ev.predicted_to_true_by_band = {b: float(bands.loc[b, "risk_ratio"]) for b in order}
            ev.expected_to_true_by_band = {b: float(bands.loc[b, "expected_ratio"]) for b in order}
        results[target] = ev
    return results


def validation_report(validation: pd.DataFrame, products: pd.DataFrame) -> dict:
    """Metrics of out-of-sample predictions against observed incidents, per target.

    ``validation`` holds ``product_id``, ``<target>_risk``, ``expected_<target>_incidents``,
    ``exposure_unit_years`` and the observed counts per target (e.g. ``RiskModel.validation_``).
    Returns JSON-ready data (only ``products`` 0 and a ``note`` when nothing was held out): for
    each target the products, observed share, AUC, Gini, log-loss,
    Poisson deviance (also of a homogeneous model, for reference) and actual/expected overall,
    per category and per band of units deployed (the evidence for the learned exposure curve).
    """
    if validation.empty:  # too few claims to hold any out (see PoissonGBMRegressor)
        return {
            target: {
                "products": 0,
                "note": "no validation split: too few incidents to hold any out",
            }
            for target in TARGETS
        }
    counts = validation[["product_id", *TARGETS]]
    scores = validation.drop(columns=list(TARGETS))
    exposure = validation["exposure_unit_years"].to_numpy()
    evaluations = evaluate_scores(scores, counts, products)
    frame = validation.merge(
        products[["product_id", "category", "units_deployed"]], on="product_id", how="left"
    )
    frame["units_band"] = unit_band(frame["units_deployed"])
    report = {}
    for target, ev in evaluations.items():
        n = frame[target].to_numpy()
        by_cat = frame.groupby("category", observed=True).agg(
            actual=(target, "sum"),
            expected=(f"expected_{target}_incidents", "sum"),
            products=(target, "size"),
        )
        report[target] = {
            "products": ev.products,
            "observed_share": ev.observed_share,
            "auc": ev.auc,
            "gini": ev.gini,
            "log_loss": ev.log_loss,
            "poisson_deviance": ev.poisson_deviance,
            "poisson_deviance_homogeneous": poisson_deviance(
                n, exposure * n.sum() / exposure.sum()
            ),
            "actual_to_expected": ev.actual_to_expected,
            "actual_to_expected_by_category": {
                str(cat): {
                    "products": int(row.products),
                    "actual": int(row.actual),
                    "expected": float(row.expected),
                    "ratio": float(row.actual / row.expected),
                }
                for cat, row in by_cat.iterrows()
            },
            "actual_to_expected_by_units": {
                band: {
                    "products": int(part[target].size),
                    "actual": int(part[target].sum()),
                    "expected": float(part[f"expected_{target}_incidents"].sum()),
                }
                for band in BAND_LABELS
                if len(part := frame[frame["units_band"] == band])
            },
        }
    return report
