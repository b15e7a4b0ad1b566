"""Lineage: which code and which person made a model."""

from riskmodel.provenance import code_version, current_user


def test_code_version_and_user_are_named():
    assert isinstance(code_version(), str) and code_version()
    assert isinstance(current_user(), str) and current_user()
