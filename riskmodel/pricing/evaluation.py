"""How good the prices are against a known truth (the synthetic generator's ``truth.csv``).

Examples
--------
>>> import pandas as pd
>>> quote = pd.DataFrame({"product_id": ["a", "b"], "expected_loss_krw": [10.0, 30.0],
...     "expected_loss_lower_krw": [5.0, 20.0], "expected_loss_upper_krw": [20.0, 40.0]})
>>> truth = pd.DataFrame({"product_id": ["a", "b"], "expected_loss_krw": [12.0, 50.0]})
>>> products = pd.DataFrame({"product_id": ["a", "b"], "category": ["drone", "drone"]})
>>> ev = evaluate_pricing(quote, truth, products, min_products=1)
>>> ev["predicted_to_true"], ev["coverage"]
(0.6451612903225806, 0.5)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CALIBRATION_MEASURES", "calibration_by_category", "evaluate_pricing"]

#: Predicted column -> its true counterpart in ``truth.csv``, for :func:`calibration_by_category`.
CALIBRATION_MEASURES: dict[str, str] = {
    "performance_risk": "performance_prob",
    "safety_risk": "safety_prob",
    "expected_performance_incidents": "expected_performance_incidents",
    "expected_safety_incidents": "expected_safety_incidents",
    "expected_loss_krw": "expected_loss_krw",
}


def evaluate_pricing(
    quote: pd.DataFrame,
    truth: pd.DataFrame,
    products: pd.DataFrame,
    *,
    min_products: int = 500,
    training_incidents: dict[str, int] | None = None,
) -> dict:
    """Expected losses against the true expected losses, and interval coverage.

    Parameters
    ----------
    quote : DataFrame
        ``product_id``, ``expected_loss_krw``, ``expected_loss_lower_krw``,
        ``expected_loss_upper_krw`` (as :func:`riskmodel.pricing.price_portfolio` returns).
    truth : DataFrame
        ``product_id`` and ``expected_loss_krw`` (the generator's truth).
    products : DataFrame
        ``product_id`` and ``category``.
    min_products : int
        Categories with fewer held-out products are reported but not counted as checked.
    training_incidents : dict, optional
        Incidents per category in the training data, to relate interval width to data.

    Returns
    -------
    dict
        ``predicted_to_true`` overall and ``by_category``; ``coverage`` overall and per category;
        ``median_log_width`` per category; ``width_vs_incidents_rank_correlation`` (negative when
        thinner categories get wider intervals).
    """
    frame = quote.merge(
        truth[["product_id", "expected_loss_krw"]].rename(columns={"expected_loss_krw": "true"}),
        on="product_id",
        validate="one_to_one",
    ).merge(products[["product_id", "category"]], on="product_id", validate="one_to_one")
    if len(frame) != len(quote):
        raise ValueError(f"truth covers {len(frame)} of the {len(quote)} priced products")
    inside = (frame["expected_loss_lower_krw"] <= frame["true"]) & (
        frame["true"] <= frame["expected_loss_upper_krw"]
    )
    frame = frame.assign(
        inside=inside,
        log_width=np.log(frame["expected_loss_upper_krw"] / frame["expected_loss_lower_krw"]),
    )
    by = frame.groupby("category")
    table = pd.DataFrame(
        {
            "products": by.size(),
            "predicted_to_true": by["expected_loss_krw"].sum() / by["true"].sum(),
            "coverage": by["inside"].mean(),
            "median_log_width": by["log_width"].median(),
        }
    )
    checked = table[table["products"] >= min_products]
    result = {
        "products": int(len(frame)),
        "predicted_to_true": float(frame["expected_loss_krw"].sum() / frame["true"].sum()),
        "coverage": float(inside.mean()),
        "by_category": {
            str(c): {k: (int(v) if k == "products" else float(v)) for k, v in row.items()}
            for c, row in table.iterrows()
        },
        "checked_categories": [str(c) for c in checked.index],
        "worst_category_ratio": float(
            checked["predicted_to_true"].iloc[
                int(np.argmax(np.abs(checked["predicted_to_true"] - 1)))
            ]
        )
        if len(checked)
        else None,
    }
    if training_incidents:
        incidents = pd.Series(training_incidents).reindex(table.index)
        known = incidents.notna()
        result["width_vs_incidents_rank_correlation"] = (
            float(table.loc[known, "median_log_width"].corr(incidents[known], method="spearman"))
            if known.sum() > 2
            else None
        )
    return result


def calibration_by_category(
    predicted: pd.DataFrame,
    truth: pd.DataFrame,
    products: pd.DataFrame,
    *,
    min_products: int = 500,
) -> pd.DataFrame:
    """Sum of each prediction over the sum of its truth, for the portfolio and per category.

    Sums of risks, of expected incidents and of expected losses answer different questions: a
    sum of probabilities saturates for the riskiest products, while expected incidents and losses
    are dominated by them, so a model can be calibrated on one and not on the others.

    Parameters
    ----------
    predicted : DataFrame
        ``product_id`` and the predicted columns of :data:`CALIBRATION_MEASURES` that it has.
    truth : DataFrame
        The generator's ``truth.csv``.
    products : DataFrame
        ``product_id`` and ``category``.
    min_products : int
        Categories with at least this many products are marked ``checked``.

    Returns
    -------
    DataFrame
        One row per measure and category (``category`` ``"(all)"`` for the portfolio):
        ``measure``, ``category``, ``products``, ``predicted``, ``true``, ``predicted_to_true``,
        ``checked``.

    Examples
    --------
    >>> import pandas as pd
    >>> predicted = pd.DataFrame({"product_id": ["a", "b"], "expected_loss_krw": [10.0, 30.0]})
    >>> truth = pd.DataFrame({"product_id": ["a", "b"], "expected_loss_krw": [10.0, 20.0]})
    >>> products = pd.DataFrame({"product_id": ["a", "b"], "category": ["drone", "robotics"]})
    >>> table = calibration_by_category(predicted, truth, products, min_products=1)
    >>> table[["category", "predicted_to_true"]].to_dict("records")[0]
    {'category': '(all)', 'predicted_to_true': 1.3333333333333333}
    """
    measures = {p: t for p, t in CALIBRATION_MEASURES.items() if p in predicted.columns}
    if not measures:
        raise ValueError(
            f"predicted has none of the columns {sorted(CALIBRATION_MEASURES)}; "
            f"got {list(predicted.columns)}"
        )
    missing = sorted(set(measures.values()) - set(truth.columns))
    if missing:
        raise ValueError(f"truth lacks the columns {missing} (truth.csv of generator version 3)")
    frame = (
        predicted[["product_id", *measures]]
        .merge(
            truth[["product_id", *set(measures.values())]],
            on="product_id",
            how="left",
            validate="one_to_one",
            suffixes=("", "__true"),
        )
        .merge(products[["product_id", "category"]], on="product_id", how="left")
    )
    categories = frame["category"].astype(str).rename("category")
    parts = []
    for pred, true in measures.items():
        true_col = true if true != pred else f"{true}__true"
        if frame[true_col].isna().any():
            raise ValueError(f"truth does not cover every product (column {true})")
        by_category = frame.groupby(categories).agg(
            products=(pred, "size"), predicted=(pred, "sum"), true=(true_col, "sum")
        )
        total = pd.DataFrame(
            {"products": len(frame), "predicted": frame[pred].sum(), "true": frame[true_col].sum()},
            index=pd.Index(["(all)"], name="category"),
        )
        part = pd.concat([total, by_category]).reset_index()
        part.insert(0, "measure", pred)
        part["predicted_to_true"] = part["predicted"] / part["true"]
        part["checked"] = (part["category"] == "(all)") | (part["products"] >= min_products)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def coverage_by_scale(
    model, portfolio, truth: pd.DataFrame, *, level: float, scales, n_jobs: int | None = None
) -> pd.DataFrame:
    """Interval coverage of the true expected loss for each candidate ``interval_scale``.

    For calibrating :attr:`PricingConfig.interval_scale` on a portfolio with a known truth that
    was used neither for training nor for the demo's checks.
    """
    from riskmodel.pricing.premium import expected_losses

    true = (
        portfolio.products[["product_id"]]
        .merge(truth[["product_id", "expected_loss_krw"]], on="product_id", validate="one_to_one")[
            "expected_loss_krw"
        ]
        .to_numpy()
    )
    rows = []
    for scale in scales:
        losses = expected_losses(model, portfolio, level=level, scale=scale, n_jobs=n_jobs)
        inside = (losses["expected_loss_lower_krw"].to_numpy() <= true) & (
            true <= losses["expected_loss_upper_krw"].to_numpy()
        )
        rows.append({"scale": scale, "coverage": float(inside.mean())})
    return pd.DataFrame(rows)
