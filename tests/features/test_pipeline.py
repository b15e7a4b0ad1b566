"""The feature pipeline: documented features, JSON round trip, one row per product."""

import json

from riskmodel.contract import INPUT_GROUPS, TARGETS
from riskmodel.features import (
    feature_specs,
    make_feature_pipeline,
    pipeline_from_state,
    pipeline_state,
)


def test_every_feature_is_documented_once(train_portfolio):
    specs = feature_specs(make_feature_pipeline().fit(train_portfolio))
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    for spec in specs:
        assert spec.input_group in INPUT_GROUPS
        assert len(spec.definition) > 15
        assert all(spec.constraint(t) in (-1, 0, 1) for t in TARGETS)
    assert {s.input_group for s in specs} == set(INPUT_GROUPS) - {"exposure"} | {"exposure"}


def test_the_behavioural_directions_are_declared(train_portfolio):
    specs = {s.name: s for s in feature_specs(make_feature_pipeline().fit(train_portfolio))}
    assert specs["tests_safety_failed"].constraint("safety") == 1
    assert specs["tests_safety_related_critical_failures"].constraint("safety") == 1
    for name in ("certs_active_overseas_relevant", "certs_active_overseas_other"):
        assert specs[name].constraint("safety") == -1
        assert specs[name].constraint("performance") == -1
    for name in ("units_deployed", "demo_months"):  # learned curves, never decreasing
        assert specs[name].kind == "exposure"
        assert all(specs[name].constraint(t) == 1 for t in TARGETS)


def test_one_row_per_product_in_product_order(train_portfolio):
    sub = train_portfolio.subset(train_portfolio.products["product_id"].iloc[[5, 1, 3]])
    X = make_feature_pipeline().fit(train_portfolio).transform(sub)
    assert len(X) == 3 and list(X.index) == [0, 1, 2]
    assert X.columns.tolist() == [
        s.name for s in feature_specs(make_feature_pipeline().fit(train_portfolio))
    ]


def test_state_survives_json(train_portfolio):
    pipeline = make_feature_pipeline().fit(train_portfolio)
    state = json.loads(json.dumps(pipeline_state(pipeline)))
    restored = pipeline_from_state(state)
    assert restored.transform(train_portfolio).equals(pipeline.transform(train_portfolio))
    assert feature_specs(restored) == feature_specs(pipeline)
