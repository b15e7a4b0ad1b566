"""Reading files as people send them: BOM, CRLF, semicolons, Korean encodings, ragged rows,
empty files, huge files; and writing outputs safely."""

import pandas as pd
import pytest

from riskmodel.io import (
    DataFolderError,
    neutralise_formulas,
    read_raw_tables,
    read_table,
    write_csv,
)

HEADER = "product_id,scheme,issuer_country,status,issued_date"
ROWS = ["P1,UL,US,active,2023-01-01", "P2,KC,KR,expired,2022-05-01"]


def _write(path, text: str, encoding="utf-8", newline="\n"):
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_bom_and_crlf_are_read_transparently(tmp_path):
    path = _write(
        tmp_path / "certifications.csv",
        "\n".join([HEADER, *ROWS]) + "\n",
        encoding="utf-8-sig",
        newline="\r\n",
    )
    table = read_table(path, "certifications")
    assert table.frame.columns[0] == "product_id"
    assert table.frame["issued_date"].tolist() == ["2023-01-01", "2022-05-01"]
    assert table.notes == []


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_semicolon_or_tab_separator_is_detected_and_noted(tmp_path, sep):
    text = "\n".join(line.replace(",", sep) for line in [HEADER, *ROWS])
    table = read_table(_write(tmp_path / "certifications.csv", text), "certifications")
    assert table.frame.shape == (2, 5)
    assert "separator" in table.notes[0]


def test_korean_cp949_is_decoded_and_noted(tmp_path):
    text = "\n".join([HEADER, "한국로봇-01,KC,KR,active,2023-01-01"])
    table = read_table(
        _write(tmp_path / "certifications.csv", text, encoding="cp949"), "certifications"
    )
    assert table.frame["product_id"].iloc[0] == "한국로봇-01"
    assert "CP949" in table.notes[0]


def test_bytes_that_are_no_text_are_refused_clearly(tmp_path):
    path = tmp_path / "certifications.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x82\x00" * 50)
    with pytest.raises(DataFolderError, match="not UTF-8 text .* and not Korean CP949"):
        read_table(path, "certifications")


def test_a_ragged_record_is_set_aside_and_later_rows_keep_their_numbers(tmp_path):
    text = "\n".join([HEADER, ROWS[0], "P9,UL,US,active,2023-01-01,extra", ROWS[1]])
    table = read_table(_write(tmp_path / "certifications.csv", text), "certifications")
    assert list(table.frame.index) == [1, 3]
    (bad,) = table.bad_records
    assert bad.row == 2 and "6 fields but the header has 5" in bad.reason
    assert table.rows_read == 3


def test_empty_files(tmp_path):
    empty = tmp_path / "certifications.csv"
    empty.write_bytes(b"")
    table = read_table(empty, "certifications")
    assert table.frame.empty and "empty file" in table.notes[0]
    header_only = _write(tmp_path / "certs2.csv", HEADER + "\n")
    assert read_table(header_only, "certifications").frame.empty
    products = tmp_path / "products.csv"
    products.write_bytes(b"")
    with pytest.raises(DataFolderError, match="products.csv: the file is empty"):
        read_table(products, "products")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "certifications.csv"
    with path.open("wb") as handle:
        handle.truncate(3 * 1024 * 1024)  # sparse: 3 MB of nothing, cheap to make
    with pytest.raises(DataFolderError, match="3 MB is larger than the limit of 2 MB"):
        read_table(path, "certifications", max_mb=2)


def test_folder_reading_counts_rows(tmp_path):
    _write(tmp_path / "products.csv", "product_id\nP1\n")
    _write(tmp_path / "test_results.csv", "product_id\n")
    _write(tmp_path / "certifications.csv", "\n".join([HEADER, *ROWS]))
    tables = read_raw_tables(tmp_path)
    assert {n: t.rows_read for n, t in tables.items()} == {
        "products": 1,
        "test_results": 0,
        "certifications": 2,
    }


def test_formula_cells_are_neutralised_but_numbers_are_not():
    frame = pd.DataFrame(
        {
            "text": ["=HYPERLINK(1)", "+1", "-x", "@SUM", "plain", None],
            "number": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist()[:5] == ["'=HYPERLINK(1)", "'+1", "'-x", "'@SUM", "plain"]
    assert safe["number"].tolist() == frame["number"].tolist()


def test_outputs_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "scores.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()

    class Interrupted(Exception):
        pass

    def fail(*args, **kwargs):
        raise Interrupted

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail)
    with pytest.raises(Interrupted):
        write_csv(pd.DataFrame({"a": [2]}), target)
    assert target.read_bytes() == before  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temporary left behind


def test_no_code_path_unpickles(tmp_path):
    """Model folders are JSON and LightGBM text; nothing in the package loads pickles."""
    from tests.conftest import REPO

    for path in (REPO / "riskmodel").rglob("*.py"):
        text = path.read_text()
        for word in (
            "import pickle",
            "pickle.load",
            "joblib",
            "cloudpickle",
            "skops",
            "dill",
            "torch.load",
        ):
            assert word not in text, f"{path.name} uses {word}"
