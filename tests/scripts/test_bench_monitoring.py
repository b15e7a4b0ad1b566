"""scripts/bench_monitoring.py's figures on small data: a tripled rate is flagged, chance alone
(tested against the truth) stays under the false-alarm bound."""

from __future__ import annotations

from riskmodel.benchmark import measure_monitoring
from riskmodel.synthetic import generate_portfolio


def test_the_monitoring_benchmark_measures_flags_and_false_alarms(model):
    cohort, truth = generate_portfolio(3000, seed=41)
    r = measure_monitoring(model, cohort, truth, factor=3.0, months=12, draws=40, seed=3)
    assert r["draws"] == 40 and r["categories"] >= 10
    assert r["truth"]["changed_flagged"] >= 0.8
    assert r["truth"]["false_alarms_no_change"] <= 0.08  # 5% bound, 40 draws of noise
    assert 1 <= r["truth"]["months_to_flag_median"] <= 12
    for name in ("model", "truth"):
        assert 0 <= r[name]["false_alarms_other_categories"] <= 1
