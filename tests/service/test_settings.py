"""Service settings: one default and one check each."""

import pytest

from riskmodel.errors import OptionError
from riskmodel.service.settings import ENV_VAR, ServiceSettings


def test_settings_travel_to_workers_through_the_environment(monkeypatch):
    s = ServiceSettings(model="m", register="sqlite:///r.db", users="u.toml", workers=3)
    monkeypatch.setenv(ENV_VAR, s.to_json())
    assert ServiceSettings.from_env() == s
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(OptionError, match="riskmodel serve"):
        ServiceSettings.from_env()


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("rate_limit", "lots", "rate_limit must read like"),
        ("max_body_mb", 0, "max_body_mb must be in"),
        ("port", 70000, "port must be"),
        ("workers", 65, "workers must be"),
    ],
)
def test_bad_settings_name_the_setting_the_range_and_the_value(field, value, words):
    with pytest.raises(OptionError, match=words) as info:
        ServiceSettings(model="m", register="r", users="u", **{field: value})
    assert repr(value) in str(info.value)
