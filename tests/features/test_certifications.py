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
    assert f["certs_active_overseas_relevant"] == 2  # UL and CE bear on a battery_ess
    assert f["certs_active_overseas_other"] == 0
    assert f["certs_active_domestic"] == 1
    assert f["certs_withdrawn_suspended"] == 2
    assert f["certs_expired"] == 1


def test_overseas_certificates_count_as_relevant_only_for_their_category():
    f = _features(
        [
            {"scheme": "UL 9540", "issuer_country": "US"},  # written as a person would
            {"scheme": "fda 510(k)", "issuer_country": "US"},  # a medical scheme on an ESS
            {"scheme": "EASA_C2", "issuer_country": "DE"},  # a drone scheme on an ESS
            {"scheme": "FDA_510K", "issuer_country": "US", "status": "expired"},
        ]
    )
    assert f["certs_active_overseas_relevant"] == 1
    assert f["certs_active_overseas_other"] == 2
    assert f["certs_expired"] == 1


def test_the_relevance_catalogue_is_copied_into_the_fitted_transformer(monkeypatch):
    from riskmodel import reference

    portfolio = portfolio_with(certs=[{"scheme": "UL_9540", "issuer_country": "US"}])
    fitted = CertificationFeatures().fit(portfolio)
    monkeypatch.setitem(reference.RELEVANT_OVERSEAS_SCHEMES, "battery_ess", frozenset())
    state = fitted.fitted_state()
    restored = CertificationFeatures.from_state(state)
    assert restored.transform(portfolio).iloc[0]["certs_active_overseas_relevant"] == 1


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
    message = "'domestic_country' parameter .* ISO 3166 alpha-2 code such as 'KR'. Got 'Korea'"
    with pytest.raises(ValueError, match=message):
        CertificationFeatures(domestic_country="Korea").fit(portfolio_with())
