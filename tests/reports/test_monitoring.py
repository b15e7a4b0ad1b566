"""monitoring.html: every target and dimension, alerts marked, in Korean and English."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from riskmodel.monitoring import DIMENSIONS, MonitoringResult
from riskmodel.reports.monitoring import render_monitoring


@pytest.fixture
def result():
    rows = [
        {
            "target": target,
            "dimension": dimension,
            "value": "drone" if dimension == "category" else "all",
            "products": 10,
            "exposure_unit_years": 12.5,
            "actual_incidents": 30 if target == "safety" else 5,
            "expected_incidents": 10.0,
            "ae": 3.0 if target == "safety" else 0.5,
            "ae_lower": 2.0,
            "ae_upper": 4.3,
            "e_value": 1e4 if target == "safety" else 0.4,
            "alert": target == "safety",
            "actual_loss_krw": 3.0e8,
            "expected_loss_krw": 1.0e8,
            "loss_ae": 3.0,
        }
        for target in ("performance", "safety")
        for dimension in DIMENSIONS
    ]
    return MonitoringResult(date(2026, 11, 30), "rm-abc", pd.DataFrame(rows), pd.DataFrame())


@pytest.mark.parametrize("lang, words", [("en", "By category"), ("ko", "분야별")])
def test_the_report_shows_every_segment_and_marks_alerts(result, lang, words):
    html = render_monitoring(result, [{"name": "safety_risk", "psi": 0.02}], lang=lang)
    assert f'<html lang="{lang}">' in html and words in html
    assert html.count('class="alert"') == len(DIMENSIONS)  # the safety rows
    assert html.count("<table>") == 2 * len(DIMENSIONS) + 1
    assert "safety_risk" in html
    assert "₩300,000,000" in html
