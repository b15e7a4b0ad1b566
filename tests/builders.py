"""Small hand-made tables for unit tests (text cells, as read from CSV)."""

import pandas as pd


def raw_tables(**overrides) -> dict[str, pd.DataFrame]:
    """A two-product portfolio as text, as read from CSV; overrides replace cells or tables."""
    products = pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "company_id": ["C1", "C1"],
            "category": ["drone", "battery_ess"],
            "zone": ["busan", "jeonnam"],
            "trl": ["6", "7"],
            "company_age_years": ["3.5", "10"],
            "units_deployed": ["10", "2"],
            "demo_months": ["12", "6"],
            "public_exposure": ["open_public", "closed_site"],
            "coverage_limit_krw": ["1000000000", "500000000"],
            "deductible_krw": ["0", "1000000"],
            "coverage_start": ["2025-01-01", "2025-03-01"],
        }
    )
    tests = pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "test_id": ["T1", "T2"],
            "standard": ["EN 4709-001", "IEC 62133-2"],
            "test_kind": ["safety", "safety"],
            "test_date": ["2024-10-01", "2025-02-01"],
            "lab_accredited": ["true", "false"],
            "outcome": ["pass", "fail"],
            "severity": [None, "critical"],
            "measured_value": ["1.5", "180"],
            "limit_value": ["2", "170"],
            "higher_is_better": ["false", "false"],
        }
    )
    certs = pd.DataFrame(
        {
            "product_id": ["P1"],
            "scheme": ["CE"],
            "issuer_country": ["FR"],
            "status": ["active"],
            "issued_date": ["2023-05-01"],
        }
    )
    incidents = pd.DataFrame(
        {
            "product_id": ["P1"],
            "incident_id": ["I1"],
            "incident_date": ["2025-06-01"],
            "kind": ["safety"],
            "loss_krw": ["1500000"],
            "bodily_injury": ["false"],
        }
    )
    tables = {
        "products": products,
        "test_results": tests,
        "certifications": certs,
        "incidents": incidents,
    }
    for key, value in overrides.items():
        table, _, rest = key.partition("__")
        if not rest:
            tables[table] = value
        else:
            row, column = rest.split("__", 1)
            tables[table].loc[int(row), column] = value
    return tables


def portfolio_with(
    tests: list[dict] | None = None, certs: list[dict] | None = None, **product_overrides
):
    """A validated one-product portfolio (P1, a battery_ess starting 2025-03-01) with the given
    test and certification rows; unspecified test fields take passing, accredited defaults."""
    from riskmodel.validation import validate_tables

    product = {
        "product_id": "P1",
        "company_id": "C1",
        "category": "battery_ess",
        "zone": "jeonnam",
        "trl": "6",
        "company_age_years": "5",
        "units_deployed": "3",
        "demo_months": "12",
        "public_exposure": "restricted_public",
        "coverage_limit_krw": "1000000000",
        "deductible_krw": "0",
        "coverage_start": "2025-03-01",
    } | product_overrides
    test_rows = []
    for i, row in enumerate(tests or []):
        test_rows.append(
            {
                "product_id": "P1",
                "test_id": f"T{i}",
                "standard": "IEC 62133-2",
                "test_kind": "safety",
                "test_date": "2025-01-01",
                "lab_accredited": "true",
                "outcome": "pass",
                "severity": None,
                "measured_value": None,
                "limit_value": None,
                "higher_is_better": None,
            }
            | row
        )
    cert_rows = [
        {
            "product_id": "P1",
            "scheme": "UL",
            "issuer_country": "US",
            "status": "active",
            "issued_date": "2023-03-01",
        }
        | row
        for row in certs or []
    ]
    test_cols = [
        "product_id",
        "test_id",
        "standard",
        "test_kind",
        "test_date",
        "lab_accredited",
        "outcome",
        "severity",
        "measured_value",
        "limit_value",
        "higher_is_better",
    ]
    cert_cols = ["product_id", "scheme", "issuer_country", "status", "issued_date"]
    result = validate_tables(
        {
            "products": pd.DataFrame([product]),
            "test_results": pd.DataFrame(test_rows, columns=test_cols),
            "certifications": pd.DataFrame(cert_rows, columns=cert_cols),
        }
    )
    assert result.rejects.empty, result.rejects.to_dict("records")
    return result.portfolio


def application_body(portfolio, product_id: str) -> dict:
    """The JSON body of ``POST /v1/assessments`` for one product of a validated portfolio."""
    from riskmodel.application import application_json

    return application_json(portfolio, product_id)
