"""Property-based: random corruptions of a valid portfolio never break the run's promises.

For any mix of corrupted cells and duplicated rows, written to CSV and read back:
the run ends in scores or a clear refusal (never an unhandled exception), the reconciliation
balances, every accepted product's risks lie in [0, 1], and products whose rows were not touched
keep exactly the scores they get from the clean file.
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmodel.contract import TABLES
from riskmodel.io import DataFolderError, read_raw_tables
from riskmodel.synthetic import generate_portfolio
from riskmodel.validation import ContractError, validate_tables

NASTY = [
    "",
    "abc",
    "-1",
    "0",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1e309",
    "99999999999999999999",
    "2099-01-01",
    "1/2/2020",
    "2021-02-30",
    " PASS ",
    "TRUE",
    "yes",
    "=1+1",
    "@cmd",
    "+33",
    "x" * 700,
    "한국어",
    "a,b",
    'q"uote',
    "line\nbreak",
    "  ",
    "null",
    "None",
    "closed_site",
    "fail",
    "critical",
    "quantum_computer",
    "-0.5",
    "1.5",
    "60.0001",
]
KEYS = {"products": "product_id", "test_results": "test_id", "incidents": "incident_id"}


@pytest.fixture(scope="module")
def clean(model):
    portfolio, _ = generate_portfolio(60, seed=41)
    text = {name: _as_text(frame) for name, frame in portfolio.tables().items()}
    scores = model.predict(portfolio).set_index("product_id")
    return text, scores


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    from riskmodel.portfolio import contract_text

    out = contract_text(frame).astype("object")
    return out.where(out.notna(), "").astype(str)


corruption = st.tuples(
    st.sampled_from(sorted(TABLES)),  # table
    st.integers(min_value=0, max_value=10_000),  # row (modulo the table's length)
    st.integers(min_value=0, max_value=20),  # column (modulo the table's width)
    st.one_of(st.sampled_from(NASTY), st.text(max_size=12)),  # new value
)


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cells=st.lists(corruption, min_size=1, max_size=8),
    duplicates=st.lists(
        st.tuples(st.sampled_from(sorted(TABLES)), st.integers(0, 10_000)), max_size=2
    ),
)
def test_random_corruptions_keep_the_promises(model, clean, cells, duplicates):
    text, clean_scores = clean
    tables = {name: frame.copy() for name, frame in text.items()}
    touched: set[str] = set()
    for table, row, col, value in cells:
        frame = tables[table]
        if frame.empty:
            continue
        r, c = row % len(frame), col % frame.shape[1]
        touched.add(frame["product_id"].iat[r])
        frame.iat[r, c] = value
        touched.add(value)  # a new product_id or key may collide with another product's
    for table, row in duplicates:
        frame = tables[table]
        if len(frame):
            touched.add(frame["product_id"].iat[row % len(frame)])
            tables[table] = pd.concat([frame, frame.iloc[[row % len(frame)]]], ignore_index=True)
    for table, key in KEYS.items():  # a key made equal to another row's key touches both
        frame = tables[table]
        touched |= set(frame.loc[frame[key].duplicated(keep=False), "product_id"])

    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in tables.items():
            # CRLF, as spreadsheets write it; it also makes the writer quote a bare "\r" in a
            # cell, which a "\n" terminator leaves bare (and every reader splits the row there).
            frame.to_csv(Path(tmp) / f"{name}.csv", index=False, lineterminator="\r\n")
        try:
            result = validate_tables(read_raw_tables(tmp))
        except (ContractError, DataFolderError):
            return  # a clear refusal (e.g. every product rejected) is a valid outcome
    summary = result.reconciliation()
    for counts in summary["tables"].values():
        assert counts["read"] == counts["used"] + counts["rejected"]
    read = {name: len(frame) for name, frame in tables.items()}
    assert {t: c["read"] for t, c in summary["tables"].items()} == read
    if result.portfolio.n_products == 0:
        return
    scores = model.predict(result.portfolio).set_index("product_id")
    assert scores[["performance_risk", "safety_risk"]].stack().between(0, 1).all()
    untouched = [pid for pid in clean_scores.index if pid not in touched]
    assert set(untouched) <= set(scores.index)
    np.testing.assert_array_equal(
        scores.loc[untouched].to_numpy(), clean_scores.loc[untouched].to_numpy()
    )
