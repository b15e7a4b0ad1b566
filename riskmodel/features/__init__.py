"""Feature pipeline: product category, test results and certification history -> features."""

from riskmodel.features.categorical import UNKNOWN, CategoricalColumns
from riskmodel.features.certifications import CertificationFeatures
from riskmodel.features.lab_tests import LabTestFeatures, normalised_margin
from riskmodel.features.pipeline import (
    feature_specs,
    make_feature_pipeline,
    pipeline_from_state,
    pipeline_state,
)
from riskmodel.features.product import ProductAttributes
from riskmodel.features.spec import FeatureSpec

__all__ = [
    "FeatureSpec",
    "CategoricalColumns",
    "ProductAttributes",
    "LabTestFeatures",
    "CertificationFeatures",
    "make_feature_pipeline",
    "feature_specs",
    "pipeline_state",
    "pipeline_from_state",
    "normalised_margin",
    "UNKNOWN",
]
