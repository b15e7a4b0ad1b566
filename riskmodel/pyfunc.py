"""riskmodel as one MLflow ``pyfunc`` model: the feature pipeline and both models behind one
``predict``.

The model's input is one row per product: the contract's ``products`` columns, plus
``test_results`` and ``certifications``, each a JSON array of that product's rows (contract
columns, contract text values). Every column is text, so the MLflow signature never meets a
categorical dtype; the pipeline inside casts and validates exactly as ``riskmodel score`` does.
The output is the ``scores.csv`` table (risks, expected incidents, reasons, model version).

The model is logged *from code* (``riskmodel/mlflow_entry.py``) with the model folder as its only
artifact, so loading it unpickles nothing: the folder is verified against its checksums and read
from JSON and LightGBM's text format.

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(3, seed=1)
>>> frame = to_model_input(portfolio)
>>> list(frame.columns[-2:]), from_model_input(frame).portfolio.n_products
(['test_results', 'certifications'], 3)
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from riskmodel.assessment import score_with_reasons
from riskmodel.contract import TABLES
from riskmodel.errors import InputError
from riskmodel.models import RiskModel
from riskmodel.models.persistence import load_model
from riskmodel.portfolio import Portfolio, contract_text
from riskmodel.pricing import PricingConfig, load_pricing_config
from riskmodel.validation import ValidationResult, validate_tables

__all__ = ["RiskModelPyfunc", "to_model_input", "from_model_input", "signature", "CHILD_TABLES"]

CHILD_TABLES = ("test_results", "certifications")


def to_model_input(portfolio: Portfolio) -> pd.DataFrame:
    """One text row per product, child rows as JSON arrays (the pyfunc's input format)."""
    products = contract_text(portfolio.products)[list(TABLES["products"].column_names)]
    frame = products.astype("object").where(products.notna(), None).astype("str")
    for table in CHILD_TABLES:
        rows = contract_text(getattr(portfolio, table))
        rows = rows.astype("object").where(rows.notna(), None)
        columns = [c for c in TABLES[table].column_names if c != "product_id"]
        grouped = {
            pid: json.dumps(group[columns].to_dict("records"), default=str)
            for pid, group in rows.groupby("product_id", sort=False)
        }
        frame[table] = frame["product_id"].map(grouped).fillna("[]").astype("str")
    return frame


def from_model_input(frame: pd.DataFrame) -> ValidationResult:
    """Validate a pyfunc input frame (rows that break the contract are set aside, as in
    ``riskmodel score``)."""
    missing = [c for c in CHILD_TABLES if c not in frame.columns]
    if missing:
        raise InputError(
            f"model input lacks the column(s) {missing}: each product row needs its "
            "test_results and certifications as JSON arrays"
        )
    products = frame.drop(columns=list(CHILD_TABLES)).reset_index(drop=True)
    tables = {"products": products}
    for table in CHILD_TABLES:
        rows = []
        for pid, text in zip(products["product_id"], frame[table], strict=True):
            for row in json.loads(text or "[]"):
                rows.append({"product_id": pid, **row})
        tables[table] = pd.DataFrame(rows, columns=list(TABLES[table].column_names), dtype=object)
    return validate_tables(tables)


def signature(output_columns: list[str]) -> ModelSignature:
    """Input: contract product columns and the two JSON columns, all text; output: scores."""
    spec = TABLES["products"]
    inputs = [ColSpec("string", c.name, required=c.required) for c in spec.columns]
    inputs += [ColSpec("string", table) for table in CHILD_TABLES]
    outputs = [
        ColSpec(
            "string"
            if c in ("product_id", "model_version", "data_issues", "premium_interval", "grade")
            or "reason" in c
            or c == "grade_range"
            else "double",
            c,
        )
        for c in output_columns
    ]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))


class RiskModelPyfunc(mlflow.pyfunc.PythonModel):
    """The MLflow face of a riskmodel model folder."""

    def load_context(self, context) -> None:
        self.model: RiskModel = load_model(context.artifacts["model_dir"])
        pricing = context.artifacts.get("pricing")
        self.pricing = (
            PricingConfig.from_dict(json.loads(Path(pricing).read_text()))
            if pricing
            else load_pricing_config()
        )

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """One output row per input row: the scores of the accepted products, then one row per
        rejected product with no scores and the reasons in ``data_issues``."""
        data = from_model_input(model_input)
        scores = score_with_reasons(
            self.model,
            data.portfolio,
            pricing=self.pricing if data.portfolio.n_products else None,
            n_jobs=1,
            issues=data.issues,
        )
        rejected = data.rejects[data.rejects["table"] == "products"]
        if len(rejected):
            missing = pd.DataFrame(
                {
                    "product_id": rejected["product_id"].to_numpy(),
                    "data_issues": ("rejected: " + rejected["reason"]).to_numpy(),
                    "model_version": self.model.version_,
                }
            )
            scores = pd.concat([scores, missing], ignore_index=True)
        return scores
