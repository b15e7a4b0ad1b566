"""riskmodel: objective, explainable risk scores for new-product liability insurance."""

__version__ = "0.1.0"
