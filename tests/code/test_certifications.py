"""CertificationFeatures computed by hand."""

import pytest

from riskmodel.features import CertificationFeatures
from tests.builders import portfolio_with


def _features(certs):
    portfolio = portfolio_with(certs=certs)
    return CertificationFeatures().fit(portfolio).transform(portfolio).iloc[0]


def test_counts_by_origin_and_status():
    f = _features(
        [
            {"scheme": "UL", "issuer_country": "US"},
            {"scheme": "CE", "issuer_country": "de"},
            {"scheme": "KC", "issuer_country": "KR"},
            {"scheme": "TUV", "issuer_country": "DE", "status": "withdrawn"},
            {"scheme": "CCC", "issuer_country": "CN", "status": "suspended"},
            {"scheme": "KC", "issuer_country": "KR", "status": "expired"},
        ]
    )
    assert f["certs_active_overseas"] == 2
    assert f["certs_active_domestic"] == 1
    assert f["certs_withdrawn_suspended"] == 2
    assert f["certs_expired"] == 1


def test_years_certified_counts_from_the_oldest_active_certification():
    f = _features(
        [
            {"issued_date": "2023-03-01"},
            {"issued_date": "2015-03-01", "status": "expired"},  # lapsed: does not count
            {"issued_date": "2024-03-01"},
        ]
    )
    assert f["certs_years_certified"] == pytest.approx(2.0, abs=0.01)
    assert _features([])["certs_years_certified"] == 0


def test_domestic_country_is_a_checked_parameter():
    with pytest.raises(ValueError, match="domestic_country must be an ISO 3166"):
        CertificationFeatures(domestic_country="Korea").fit(portfolio_with())
