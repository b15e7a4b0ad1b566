"""Pricing: expected loss within each policy's layer, its interval, premium, grade, what-if and
rate tables (after scores and explanations in the data flow)."""

from riskmodel.pricing.config import GRADES, PricingConfig, load_pricing_config
from riskmodel.pricing.premium import (
    PRICING_COLUMNS,
    expected_losses,
    price_portfolio,
    with_pricing_columns,
)

__all__ = [
    "GRADES",
    "PricingConfig",
    "load_pricing_config",
    "PRICING_COLUMNS",
    "expected_losses",
    "price_portfolio",
    "with_pricing_columns",
]
