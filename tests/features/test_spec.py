"""Feature specs: each feature documented, with constraints that cannot contradict its kind."""

import pytest

from riskmodel.features.spec import FeatureSpec


def test_a_spec_round_trips_and_gives_its_constraints():
    spec = FeatureSpec("tests_safety_failed", "tests", "failed tests", monotone={"safety": 1})
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
    assert (spec.constraint("safety"), spec.constraint("performance")) == (1, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_group": "weather"}, "input_group must be one of"),
        ({"monotone": {"safety": 2}}, "monotone must map"),
        ({"kind": "text"}, "kind must be 'numeric', 'categorical' or 'exposure'"),
        ({"kind": "categorical", "monotone": {"safety": 1}}, "categorical feature cannot be"),
        ({"kind": "exposure", "monotone": {"safety": 1}}, "must be monotone \\+1"),
    ],
)
def test_a_contradictory_spec_is_refused(kwargs, message):
    base = {"name": "x", "input_group": "tests", "definition": "d"}
    with pytest.raises(ValueError, match=message):
        FeatureSpec(**(base | kwargs))
