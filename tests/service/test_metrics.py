"""Metrics: counts by route template and grade, the model version as an info gauge."""

from riskmodel.service.metrics import Metrics


def test_two_apps_do_not_share_counts():
    a, b = Metrics("10/second"), Metrics("10/second")
    a.assessed(["A"])
    assert b'riskmodel_assessments_total{grade="A"} 1.0' in a.render()[0]
    assert b'grade="A"' not in b.render()[0]


def test_a_reload_moves_the_info_gauge():
    m = Metrics("10/second")
    m.model_loaded("rm-1", None)
    m.model_loaded("rm-2", "rm-1")
    text = m.render()[0].decode()
    assert 'riskmodel_model_info{version="rm-1"} 0.0' in text
    assert 'riskmodel_model_info{version="rm-2"} 1.0' in text
