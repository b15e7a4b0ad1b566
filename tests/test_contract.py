"""The contract in code matches ../shared/contract/INPUT_CONTRACT.md, column for column."""

import re

import pytest

from riskmodel.contract import CATEGORIES, INPUT_GROUPS, TABLES


def _markdown_tables(text: str) -> dict[str, list[list[str]]]:
    tables, current = {}, None
    for line in text.splitlines():
        heading = re.match(r"^## (\w+)\.csv", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
        elif current and line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] != "column":
                tables[current].append(cells)
    return tables


@pytest.fixture(scope="module")
def contract_text(shared_dir):
    return (shared_dir / "contract" / "INPUT_CONTRACT.md").read_text()


def test_every_table_of_the_contract_is_implemented(contract_text):
    assert set(_markdown_tables(contract_text)) == set(TABLES)


@pytest.mark.parametrize("table", list(TABLES))
def test_columns_and_required_flags_match_the_contract(contract_text, table):
    rows = _markdown_tables(contract_text)[table]
    expected = [(r[0], r[2] == "yes") for r in rows]
    actual = [(c.name, c.required) for c in TABLES[table].columns]
    assert actual == expected


@pytest.mark.parametrize("table", list(TABLES))
def test_enumerations_match_the_contract(contract_text, table):
    for row in _markdown_tables(contract_text)[table]:
        allowed = re.findall(r"`([a-z_]+)`", row[1])
        if len(allowed) > 1:  # an enumeration written as `a`, `b`, ...
            assert TABLES[table].column(row[0]).allowed == tuple(allowed), row[0]


def test_categories_and_input_groups_match_the_contract(contract_text):
    listed = re.search(r"Categories: (.*?)\.\n\n", contract_text, re.S).group(1)
    assert tuple(re.findall(r"`([a-z_]+)`", listed)) == CATEGORIES
    groups = re.search(r"`input_group` \(one of (.*?)\)", contract_text, re.S).group(1)
    assert tuple(re.findall(r"`([a-z_]+)`", groups)) == INPUT_GROUPS


def test_ranges_of_products_match_the_contract():
    p = TABLES["products"]
    assert (p.column("trl").minimum, p.column("trl").maximum) == (1, 9)
    months = p.column("demo_months")
    assert (months.minimum, months.maximum, months.exclusive_minimum) == (0, 60, True)
    assert p.column("units_deployed").minimum == 1
    assert p.column("coverage_limit_krw").exclusive_minimum


@pytest.mark.parametrize(
    ("table", "column", "english", "korean"),
    [
        ("products", "trl", "a whole number >= 1 and <= 9", "1 이상 9 이하인 정수"),
        ("products", "units_deployed", "a whole number >= 1", "1 이상인 정수"),
        ("products", "demo_months", "a number > 0 and <= 60", "0 초과 60 이하인 숫자"),
        ("products", "zone", "a text value", "텍스트 값"),
        ("products", "coverage_start", "a real calendar date written YYYY-MM-DD", None),
        ("test_results", "lab_accredited", "true or false", "true 또는 false"),
        ("certifications", "status", "one of active, expired, suspended, withdrawn", None),
    ],
)
def test_what_a_column_expects_is_said_in_english_and_korean(table, column, english, korean):
    spec = TABLES[table].column(column)
    assert spec.expectation() == spec.expectation_message().render("en") == english
    if korean is not None:
        assert spec.expectation_message().render("ko") == korean


def test_every_expectation_has_its_korean_words():
    for table in TABLES.values():
        for spec in table.columns:
            english, korean = spec.expectation(), spec.expectation_message().render("ko")
            assert korean != english, spec.name
            # the contract's own words (enum values, YYYY-MM-DD, true/false) stay as they are
            for value in spec.allowed or ():
                assert value in korean, (spec.name, value)
            assert not re.search(r"\b(a|an|number|whole|text|value|one of|and)\b", korean), korean
