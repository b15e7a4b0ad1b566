"""Bad input, end to end through the command line: every row used or rejected with a reason, the
reconciliation balances, untouched products keep their exact scores, and no traceback."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from riskmodel.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _read(folder) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("products", "test_results", "certifications", "incidents")
    }


def _score(model_dir, data, out, *extra):
    result = _run("score", "--model", model_dir, "--data", data, "--out", out, "--no-plots", *extra)
    return result


@pytest.fixture(scope="module")
def clean_scores(tmp_path_factory, model_dir, score_folder):
    out = tmp_path_factory.mktemp("clean")
    assert _score(model_dir, score_folder, out).exit_code == 0
    return pd.read_csv(out / "scores.csv", dtype={"product_id": str}, keep_default_na=False)


def _corrupt(tables: dict[str, pd.DataFrame]) -> dict:
    """Apply 27 kinds of corruption, each to its own product. Returns the corrupted tables, the
    touched product ids, the number of kinds, and the product whose test row was rejected for a
    bad boolean (it is still scored, flagged)."""
    p, t, c, i = (
        tables[n].copy() for n in ("products", "test_results", "certifications", "incidents")
    )
    ids = list(p["product_id"])
    touched: set[str] = set()
    kinds = 0

    def product(k, column, value):
        nonlocal kinds
        p.loc[k, column] = value
        touched.add(ids[k])
        kinds += 1

    product(0, "trl", "abc")  # wrong type
    product(1, "trl", "12")  # out of range
    product(2, "units_deployed", "-5")  # negative
    product(3, "demo_months", "0")  # zero months
    product(4, "demo_months", "90")  # too long
    product(5, "zone", "")  # missing required value
    product(6, "public_exposure", f" {p.loc[6, 'public_exposure'].title()} ")  # normalised
    product(7, "category", "quantum_computer")  # unknown category: fallback
    product(8, "zone", "jeju")  # unseen zone: fallback
    product(9, "coverage_start", "2021/05/01")  # unparseable date
    product(10, "company_age_years", "inf")  # infinity
    product(11, "company_age_years", "NaN")  # NaN
    product(12, "company_id", "C" * 5000)  # very long string
    product(13, "product_id", '=HYPERLINK("http://x")')  # formula injection, valid row
    touched.add('=HYPERLINK("http://x")')
    # duplicate product_id: a copy of product 14 under product 15's id (both 15s rejected)
    p = pd.concat([p, p.iloc[[14]].assign(product_id=ids[15])], ignore_index=True)
    touched |= {ids[14], ids[15]}
    kinds += 1

    # Child-row corruptions go to products that have such rows, each to its own product.
    candidates = range(20, len(ids))
    tested = [k for k in candidates if (t["product_id"] == ids[k]).any()]
    measured = [
        k for k in tested if ((t["product_id"] == ids[k]) & (t["measured_value"] != "")).any()
    ]
    certified = [k for k in candidates if (c["product_id"] == ids[k]).any()]
    used: set[int] = set()

    def first_row(frame, k, only=None):
        mask = frame["product_id"] == ids[k]
        if only is not None:
            mask &= only
        return frame.index[mask][0]

    def child(frame, pool, column, value, only=None) -> str:
        nonlocal kinds
        k = next(k for k in pool if k not in used)
        used.add(k)
        touched.add(ids[k])
        frame.loc[first_row(frame, k, only), column] = value
        kinds += 1
        return ids[k]

    child(t, tested, "product_id", "NOT-A-PRODUCT")  # unknown product
    touched.add("NOT-A-PRODUCT")
    child(t, tested, "test_date", "2099-01-01")  # in the future
    child(t, tested, "outcome", "maybe")  # unknown enumeration
    flagged = child(t, tested, "lab_accredited", "yes")  # not a boolean
    child(t, measured, "limit_value", "", t["measured_value"] != "")  # measured, no limit
    child(t, measured, "measured_value", "inf", t["measured_value"] != "")  # infinity
    late = next(k for k in tested if k not in used)  # after coverage_start
    start = p.loc[p["product_id"] == ids[late], "coverage_start"].iloc[0]
    child(t, [late], "test_date", (pd.Timestamp(start) + pd.Timedelta(days=3)).strftime("%Y-%m-%d"))
    a = next(k for k in tested if k not in used)  # duplicate test_id
    b = next(k for k in tested if k not in used and k != a)
    child(t, [a], "test_id", t.loc[first_row(t, b), "test_id"])
    used.add(b)
    touched.add(ids[b])
    child(c, certified, "issued_date", "31-12-2020")  # date in the wrong format
    child(c, certified, "status", "revoked")  # unknown status
    clean_incidents = i.index[~i["product_id"].isin(touched)]
    i.loc[clean_incidents[0], "incident_date"] = "2020-01-01"  # outside the coverage period
    touched.add(i.loc[clean_incidents[0], "product_id"])
    kinds += 1
    return {
        "tables": {"products": p, "test_results": t, "certifications": c, "incidents": i},
        "touched": touched,
        "kinds": kinds,
        "flagged": flagged,
    }


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory, model_dir, score_folder):
    corruption = _corrupt(_read(score_folder))
    tables = corruption["tables"]
    data = tmp_path_factory.mktemp("corrupted")
    # File-level variants too: products with a BOM and CRLF, certifications with semicolons,
    # and one ragged record in certifications.
    tables["products"].to_csv(
        data / "products.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )
    tables["test_results"].to_csv(data / "test_results.csv", index=False)
    text = tables["certifications"].to_csv(index=False, sep=";").splitlines()
    text.insert(3, text[3] + ";extra")
    (data / "certifications.csv").write_text("\n".join(text) + "\n")
    tables["incidents"].to_csv(data / "incidents.csv", index=False)
    out = tmp_path_factory.mktemp("out")
    result = _score(model_dir, data, out)
    return corruption | {"result": result, "out": out, "data": data}


def test_at_least_twenty_kinds_of_corruption_are_mixed_in(corrupted):
    assert corrupted["kinds"] >= 20


def test_the_run_succeeds_and_every_row_is_accounted_for(corrupted):
    assert corrupted["result"].exit_code == 0, corrupted["result"].output
    out = corrupted["out"]
    summary = json.loads((out / "run_summary.json").read_text())
    rejects = pd.read_csv(out / "rejects.csv", keep_default_na=False)
    scores = pd.read_csv(out / "scores.csv", keep_default_na=False)
    for table, counts in summary["tables"].items():
        assert counts["read"] == counts["used"] + counts["rejected"], table
        assert counts["rejected"] == (rejects["table"] == table).sum(), table
    lines = {name: len(frame) for name, frame in corrupted["tables"].items()}
    lines["certifications"] += 1  # the ragged record
    assert {t: c["read"] for t, c in summary["tables"].items()} == lines
    products = summary["products"]
    assert products["read"] == products["scored"] + products["rejected"] == lines["products"]
    assert products["scored"] == len(scores)
    assert scores["safety_risk"].between(0, 1).all()
    assert (rejects["reason"] != "").all() and rejects["row"].notna().all()
    assert summary["normalised_values"] == {"products.public_exposure": 1}
    assert any("separator" in note for note in summary["notes"])


def test_untouched_products_get_exactly_their_clean_scores(corrupted, clean_scores):
    scores = pd.read_csv(
        corrupted["out"] / "scores.csv", dtype={"product_id": str}, keep_default_na=False
    ).set_index("product_id")
    clean = clean_scores.set_index("product_id")
    untouched = [pid for pid in clean.index if pid not in corrupted["touched"]]
    assert len(untouched) > 250
    # dtypes may differ (a column of whole numbers reads back as int), values may not
    pd.testing.assert_frame_equal(scores.loc[untouched], clean.loc[untouched], check_dtype=False)


def test_each_kind_of_problem_is_explained(corrupted):
    rejects = pd.read_csv(corrupted["out"] / "rejects.csv", keep_default_na=False)
    reasons = " | ".join(rejects["reason"])
    for words in (
        "expected a whole number",
        "<= 9",
        ">= 1",
        "> 0",
        "<= 60",
        "a value is required",
        "a real calendar date written YYYY-MM-DD",
        "expected a number",
        "too long",
        "must be unique",
        "appears in several products rows",
        "not in products",
        "in the future",
        "one of pass, fail, conditional",
        "true or false",
        "needs its limit_value",
        "on or before the product's coverage_start",
        "inside the product's coverage",
        "one of active, expired",
        "fields but the header has",
        "its product was rejected",
    ):
        assert words in reasons, words


def test_flagged_products_say_why(corrupted):
    scores = pd.read_csv(
        corrupted["out"] / "scores.csv", dtype={"product_id": str}, keep_default_na=False
    ).set_index("product_id")
    ids = list(corrupted["tables"]["products"]["product_id"])
    assert (
        "quantum_computer' is not one of the contract's categories"
        in scores.loc[ids[7], "data_issues"]
    )
    assert "zone 'jeju' unseen in training" in scores.loc[ids[8], "data_issues"]
    assert "test_results row(s) rejected" in scores.loc[corrupted["flagged"], "data_issues"]
    assert scores.loc[ids[6], "data_issues"] == ""  # normalised, not flagged


def test_normalised_values_score_like_the_originals(corrupted, clean_scores):
    scores = pd.read_csv(
        corrupted["out"] / "scores.csv", dtype={"product_id": str}, keep_default_na=False
    ).set_index("product_id")
    pid = corrupted["tables"]["products"]["product_id"].iloc[6]
    assert (
        scores.loc[pid, "safety_risk"]
        == clean_scores.set_index("product_id").loc[pid, "safety_risk"]
    )


def test_formulas_are_neutralised_in_the_outputs(corrupted):
    text = (corrupted["out"] / "scores.csv").read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_strict_mode_fails_the_run_but_still_reconciles(corrupted, model_dir, tmp_path):
    result = _score(model_dir, corrupted["data"], tmp_path, "--strict")
    assert result.exit_code == 1
    assert "strict mode" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "scores.csv").exists()
    summary = json.loads((tmp_path / "run_summary.json").read_text())
    assert summary["strict"] and summary["products"]["scored"] == 0
    assert len(pd.read_csv(tmp_path / "rejects.csv")) > 20


def test_strict_mode_passes_clean_data(model_dir, score_folder, tmp_path):
    assert _score(model_dir, score_folder, tmp_path, "--strict").exit_code == 0


def test_korean_cp949_files_are_scored(model_dir, score_folder, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    tables = _read(score_folder)
    tables["products"].loc[0, "company_id"] = "한국로봇주식회사"
    tables["products"].to_csv(data / "products.csv", index=False, encoding="cp949")
    for name in ("test_results", "certifications"):
        tables[name].to_csv(data / f"{name}.csv", index=False)
    result = _score(model_dir, data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text())
    assert summary["products"]["scored"] == 300 and "CP949" in summary["notes"][0]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "the file is empty"),
        (
            b"product_id,company_id,category,zone,trl,company_age_years,units_deployed,demo_months,"
            b"public_exposure,coverage_limit_krw,deductible_krw,coverage_start\n",
            "no product",
        ),
        (b"\x00\xff\xfe\x81" * 100, "not UTF-8 text"),
        (b"id;name\n1;x\n", "missing required column"),
    ],
)
def test_unusable_files_stop_with_a_clear_message(
    model_dir, score_folder, tmp_path, content, words
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "products.csv").write_bytes(content)
    for name in ("test_results", "certifications"):
        (data / f"{name}.csv").write_bytes((score_folder / f"{name}.csv").read_bytes())
    result = _score(model_dir, data, tmp_path / "out")
    assert result.exit_code == 2 and words in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_a_100_mb_file_is_read_or_refused_without_running_out_of_memory(
    model_dir, score_folder, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    tables = _read(score_folder)
    for name in ("products", "certifications"):
        tables[name].to_csv(data / f"{name}.csv", index=False)
    tests = tables["test_results"]
    copies = int(np.ceil(1.1 * 100 * 1024 * 1024 / len(tests.to_csv(index=False).encode())))
    big = pd.concat([tests] * copies, ignore_index=True)
    big["test_id"] = [f"T{k:08d}" for k in range(len(big))]
    big.to_csv(data / "test_results.csv", index=False)
    size_mb = (data / "test_results.csv").stat().st_size / 1024 / 1024
    assert size_mb >= 100
    refused = _score(model_dir, data, tmp_path / "refused", "--max-file-mb", 50)
    assert refused.exit_code == 2 and "larger than the limit of 50 MB" in refused.output
    result = _score(model_dir, data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text())
    assert summary["tables"]["test_results"]["read"] == len(big)
