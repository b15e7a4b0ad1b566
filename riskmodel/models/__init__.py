"""Models: the Poisson frequency core and the two-target risk model built on it."""

from riskmodel.models.poisson_gbm import PoissonGBMRegressor
from riskmodel.models.risk_model import RiskModel, TrainingDataError

__all__ = ["PoissonGBMRegressor", "RiskModel", "TrainingDataError"]
