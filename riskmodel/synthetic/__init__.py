"""Synthetic portfolios with a known ground truth, for development, tests and the demo."""

from riskmodel.synthetic.generator import GENERATOR_VERSION, generate_portfolio, write_portfolio

__all__ = ["generate_portfolio", "write_portfolio", "GENERATOR_VERSION"]
