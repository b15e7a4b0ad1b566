"""The reference tables cover every category and test kind of the contract."""

from riskmodel.contract import CATEGORIES, TEST_KINDS
from riskmodel.reference import (
    RELEVANT_OVERSEAS_SCHEMES,
    STANDARDS_CATALOGUE,
    TEST_KIND_FAMILY,
)
from riskmodel.synthetic.catalogue import CATEGORY_PROFILES
from riskmodel.synthetic.worlds import INTERACTION_SCORES


def test_every_category_has_its_standards_and_relevant_schemes():
    assert set(STANDARDS_CATALOGUE) == set(CATEGORIES)
    assert set(RELEVANT_OVERSEAS_SCHEMES) == set(CATEGORIES)
    assert all(RELEVANT_OVERSEAS_SCHEMES[c] for c in CATEGORIES)


def test_every_test_kind_has_a_family():
    assert set(TEST_KIND_FAMILY) == set(TEST_KINDS)


def test_the_generator_knows_every_category():
    assert set(CATEGORY_PROFILES) == set(CATEGORIES)
    assert set(INTERACTION_SCORES) == set(CATEGORIES)
