"""The pricing config: defaults equal the shipped file, bad values are refused by name."""

import pytest

from riskmodel.pricing import PricingConfig, load_pricing_config
from riskmodel.pricing.config import DEFAULT_PRICING_CONFIG


def test_the_shipped_file_states_the_defaults():
    assert DEFAULT_PRICING_CONFIG.is_file()
    assert load_pricing_config() == PricingConfig()
    assert load_pricing_config(DEFAULT_PRICING_CONFIG) == PricingConfig()


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"expense_ratio": 1.2}, "expense_ratio must be in"),
        ({"expense_ratio": 0.6, "profit_margin": 0.5}, "expense_ratio \\+ profit_margin"),
        ({"uncertainty_loading": 1.5}, "uncertainty_loading must be in \\[0, 1\\]"),
        ({"interval_level": 1.0}, "interval_level"),
        ({"interval_scale": 0.0}, "interval_scale"),
        ({"minimum_premium_krw": -1}, "minimum_premium_krw"),
        ({"grade_thresholds_krw": [3, 2, 1, 0.5]}, "increasing"),
        ({"grade_thresholds_krw": [1, 2, 3]}, "4 increasing"),
        ({"version": " "}, "version"),
        ({"loading": 0.1}, "unknown key"),
    ],
)
def test_bad_values_are_refused_naming_the_key(values, words):
    with pytest.raises(ValueError, match=words):
        PricingConfig.from_dict(values)


def test_grades_and_their_boundaries():
    cfg = PricingConfig(grade_thresholds_krw=(10, 20, 30, 40))
    assert cfg.grade_of([0, 10, 10.5, 39, 40, 41]).tolist() == ["A", "A", "B", "D", "D", "E"]
    bounds = cfg.grade_boundaries()
    assert [b["grade"] for b in bounds] == list("ABCDE")
    assert bounds[1]["from_krw_per_unit_year"] == 10 and bounds[1]["to_krw_per_unit_year"] == 20
    assert cfg.grade_range_text("B") == "B: 10 to 20 KRW expected loss per unit-year"
    assert "above 40" in cfg.grade_range_text("E")


def test_gross_up_and_minimum():
    cfg = PricingConfig(expense_ratio=0.2, profit_margin=0.1, minimum_premium_krw=1000)
    assert cfg.gross_up(7000.0) == pytest.approx(10000.0)
    assert cfg.gross_up(10.0) == 1000


def test_a_config_file_is_read_and_bad_toml_is_reported(tmp_path):
    good = tmp_path / "p.toml"
    good.write_text('version = "t"\nexpense_ratio = 0.3\n')
    assert load_pricing_config(good).expense_ratio == 0.3
    bad = tmp_path / "bad.toml"
    bad.write_text("expense_ratio = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_pricing_config(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_pricing_config(tmp_path / "missing.toml")
