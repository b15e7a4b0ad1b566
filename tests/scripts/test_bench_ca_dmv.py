"""scripts/bench_ca_dmv.py: reading the DMV reports, the reference figures, the printed table."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "bench_ca_dmv.py"
LAST_LINE = re.compile(r"^2023 mean Poisson deviance: (\d+\.\d{2})$")


def _load_script():
    spec = importlib.util.spec_from_file_location("bench_ca_dmv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_script()


@pytest.fixture(scope="module")
def data_dir(shared_dir) -> Path:
    path = shared_dir / "data" / "ca_dmv_av"
    if not path.is_dir():
        pytest.fail(f"{path} is missing: the benchmark needs ../shared/data/ca_dmv_av")
    return path


@pytest.fixture(scope="module")
def reports(data_dir):
    return bench.read_reports(data_dir)


@pytest.mark.parametrize(
    "spellings, expected",
    [
        (["AIMOTIVE INC.", "aiMotive Inc."], "AIMOTIVE"),
        (["ZOOX, INC", "ZOOX INC", "Zoox, Inc"], "ZOOX"),
        (["WAYMO LLC", "Waymo LLC"], "WAYMO"),
        (["CRUISE LLC", "Cruise", "Cruise LLC", "GM Cruise LLC"], "CRUISE"),
        (["NVIDIA", "NVIDIA CORPORATION"], "NVIDIA"),
        (["AUTOX TECHNOLOGIES, INC", "AutoX"], "AUTOX"),
        (["NURO, INC", "Nuro Inc"], "NURO"),
        (["GATIK AI INC.", "GATIK AI INC", "Gatik AI Inc"], "GATIK AI"),
        (
            ["DIDI RESEARCH AMERICA LLC", "DIDI RESEARCH AMERICA, LLC", "Didi Research America"],
            "DIDI RESEARCH AMERICA",
        ),
        (["VALEO NORTH AMERICA INC.", "Valeo North America"], "VALEO NORTH AMERICA"),
        (["MOTIONAL AD, INC.", "Motional AD, Inc."], "MOTIONAL AD"),
        (["PONY.AI, INC."], "PONY AI"),
        (
            ["TOYOTA RESEARCH INSTITUTE, INC.", "TOYOTA RESEARCH INSTITUTE"],
            "TOYOTA RESEARCH INSTITUTE",
        ),
        (["  Waymo   LLC  "], "WAYMO"),
    ],
)
def test_manufacturer_spellings_meet(spellings, expected):
    assert {bench.normalise_manufacturer(s) for s in spellings} == {expected}


def test_renamed_manufacturers_stay_apart_as_in_the_references():
    # Only case, punctuation and suffixes are normalised: Apollo's and Mercedes's short 2023 names
    # do not meet their earlier ones (the quoted figures need this).
    assert bench.normalise_manufacturer("Apollo") != bench.normalise_manufacturer(
        "APOLLO AUTONOMOUS DRIVING USA LLC"
    )
    assert bench.normalise_manufacturer("Mercedes") == "MERCEDES"
    assert bench.normalise_manufacturer("INC") == "INC"  # a name is never emptied


def test_entity_key_joins_renamed_manufacturers_by_permit(reports):
    # SOURCE.md: names change between years and files; the permit number stays. Apollo (AVT015),
    # Mercedes (AVT002) and Nissan (AVT007) report under one-word names in 2023.
    by_permit = reports[reports["permit"].isin(["AVT015", "AVT002", "AVT007"])]
    for permit, rows in by_permit.groupby("permit"):
        assert rows["manufacturer"].nunique() == 2, permit
        assert rows["entity"].nunique() == 1, permit
    entities = reports.groupby("manufacturer")["entity"].first()
    assert entities["APOLLO"] == entities["APOLLO AUTONOMOUS DRIVING USA"]  # also via AVDT006
    assert entities["MERCEDES"] == entities["MERCEDES BENZ RESEARCH DEVELOPMENT NORTH AMERICA"]
    assert entities["NISSAN"] == entities["NISSAN NORTH AMERICA INC DBA ALLIANCE INNOVATION LAB"]
    # different permits stay apart, and a name that was never renamed keeps itself
    assert entities["WOVEN BY TOYOTA U S"] != entities["TOYOTA RESEARCH INSTITUTE"]
    assert entities["WAYMO"] == "WAYMO" and entities["CRUISE"] == "CRUISE"
    joined = entities[entities != entities.index]
    assert set(joined.index) == {
        "APOLLO",
        "MERCEDES BENZ RESEARCH DEVELOPMENT NORTH AMERICA",
        "NISSAN NORTH AMERICA INC DBA ALLIANCE INNOVATION LAB",
    }


def test_entity_key_is_transitive_and_ignores_blank_permits():
    frame = pd.DataFrame(
        {
            "manufacturer": ["A", "B", "B", "C", "D", "E"],
            "permit": ["P1", "P1", "P2", "P2", " ", " "],
            "year": [2021, 2021, 2022, 2023, 2021, 2022],
        }
    )
    assert bench.entity_key(frame).tolist() == ["C", "C", "C", "C", "D", "E"]


def test_log_relativities_shrink_on_the_log_scale():
    rng = np.random.default_rng(0)
    truth = {"a": -2.0, "b": 0.0, "c": 1.0, "d": 3.0, "thin": 3.0}
    groups = np.array([g for g in truth for _ in range(2 if g == "thin" else 200)])
    expected = np.where(groups == "thin", 0.05, 2.0)
    y = rng.poisson(expected * np.exp([truth[g] for g in groups]))
    y[groups == "thin"] = [1, 0]  # 1 against 0.1 expected: log relativity 2.3
    fit = bench.log_relativities(y, expected, groups)
    table = fit.table
    own = {g: np.log(y[groups == g].sum() / expected[groups == g].sum()) for g in truth}
    big = ["a", "b", "c", "d"]
    assert np.allclose(table.loc[big, "estimate"], [truth[g] for g in big], atol=0.3)
    assert np.allclose(table.loc[big, "estimate"], [own[g] for g in big], atol=0.02)
    assert table.loc["thin", "z"] < 0.9 < table.loc[big, "z"].min()
    # the thin group is pulled towards the complement, on the log scale
    assert fit.complement < table.loc["thin", "estimate"] < own["thin"]
    # a new group gets the complement: a typical group on the log scale, not the mean rate
    assert fit.estimate(["new"])[0] == pytest.approx(fit.complement)
    assert -2.0 < fit.complement < 3.0


@pytest.mark.parametrize(
    "cell, value",
    [
        ("1,049.54", 1049.54),
        ("12,321.88", 12321.88),
        ("830 .04", 830.04),
        ("531.58 ", 531.58),
        (" 7 ", 7.0),
        ("0.00", 0.0),
        ("1,234,567", 1234567.0),
        (".5", 0.5),
    ],
)
def test_quirky_numbers(cell, value):
    assert bench.parse_number(cell) == pytest.approx(value)


def test_empty_cell_is_missing():
    assert math.isnan(bench.parse_number("")) and math.isnan(bench.parse_number("  "))


@pytest.mark.parametrize("cell", ["abc", "N/A", "1,04", "10,0000", "-3", "1.2.3", "12,34.5"])
def test_unreadable_numbers_raise(cell):
    with pytest.raises(ValueError, match="not a number"):
        bench.parse_number(cell)


def test_read_reports_on_the_real_folder(reports):
    sizes = reports.groupby(["year", "permit_type"]).size().to_dict()
    assert sizes == {
        (2021, "driver"): 1174,
        (2022, "driver"): 1553,
        (2022, "driverless"): 552,
        (2023, "driver"): 1603,
        (2023, "driverless"): 1225,
    }
    assert set(reports["year"]) == {2021, 2022, 2023}
    for col in ["manufacturer", "entity", "manufacturer_raw", "vin", "miles", "disengagements"]:
        assert reports[col].notna().all(), col
    assert (reports["miles"] >= 0).all()
    assert (reports["disengagements"] == reports["disengagements"].round()).all()
    counts = reports.attrs["counts"]
    assert counts["blank rows dropped"] == 651
    assert counts["missing annual totals taken from the months"] == 47
    assert counts["cells with stray spaces"] == 2
    assert counts["manufacturer spellings"] == 50
    assert counts["manufacturers after normalising"] == 34
    assert counts["entities after joining names by permit"] == 31

    def row(year, vin, permit_type="driver"):
        hit = reports[
            (reports["year"] == year)
            & (reports["vin"] == vin)
            & (reports["permit_type"] == permit_type)
        ]
        assert len(hit) == 1, hit
        return hit.iloc[0]

    apollo = row(2021, "3LN6L5LU2HR615153")  # annual total written "830 .04"
    assert apollo["miles"] == pytest.approx(830.04) and apollo["disengagements"] == 1
    assert apollo["manufacturer"] == "APOLLO AUTONOMOUS DRIVING USA"
    aimotive = row(2023, "4T1B21HK3KU514477")  # "9,627.74", raw name "aiMotive Inc."
    assert aimotive["miles"] == pytest.approx(9627.74) and aimotive["disengagements"] == 443
    assert (aimotive["manufacturer_raw"], aimotive["manufacturer"]) == ("aiMotive Inc.", "AIMOTIVE")
    assert aimotive["line"] == 2


def test_unreadable_cell_names_file_line_and_value(data_dir, tmp_path):
    source = data_dir / "2021-Autonomous-Mileage-Reports-CSV.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",830 .04,", ",83O.04,")  # a letter O for a zero
    assert "83O.04" in lines[3]
    (tmp_path / source.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"2021-Autonomous.*line 4.*'83O\.04'"):
        bench.read_reports(tmp_path)


def test_empty_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no mileage reports"):
        bench.read_reports(tmp_path)


def test_split(reports):
    train, test = bench.split(reports)
    assert set(train["year"]) == {2021, 2022} and set(test["year"]) == {2023}
    for part in (train, test):
        assert (part["permit_type"] == "driver").all() and (part["miles"] > 0).all()
    assert (len(train), len(test)) == (2042, 1077)


def test_references_reproduce_the_quoted_figures(reports):
    train, test = bench.split(reports)
    y = test["disengagements"].to_numpy(float)
    got = {
        "homogeneous": bench.homogeneous(train, test),
        "by_manufacturer": bench.by_manufacturer(train, test),
        "glm": bench.glm(train, test),
    }
    for name, mu in got.items():
        assert mu.shape == y.shape and np.all(mu > 0)
        assert round(bench.deviance(y, mu), 2) == bench.REFERENCES[name], name


def test_references_with_names_joined_by_permit(reports):
    # For transparency: the entity key does not help the GLM (25.02 against 25.00).
    train, test = bench.split(reports)
    y = test["disengagements"].to_numpy(float)
    by_maker = bench.by_manufacturer(train, test, key="entity")
    assert round(bench.deviance(y, by_maker), 2) == 28.50
    assert round(bench.deviance(y, bench.glm(train, test, key="entity")), 2) == 25.02


def test_project_model_refuses_an_unknown_variant(reports):
    train, test = bench.split(reports)
    with pytest.raises(ValueError, match="variant must be one of"):
        bench.project_model(train, test, variant="categorical")


def test_script_prints_the_table_and_the_last_line():
    # No --data: the default folder, resolved from the script's location, must be found.
    out = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, f"exit code {out.returncode}\n{out.stdout}\n{out.stderr}"
    lines = out.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, f"last line is not '2023 mean Poisson deviance: <n.nn>': {lines[-1]!r}"
    assert 0 < float(match.group(1)) < 100
    table = "\n".join(lines)
    for label, quoted, by_permit in [
        ("homogeneous rate per mile", "31.83", "31.83"),
        ("rate per mile by manufacturer", "28.30", "28.50"),
        ("Poisson GLM: manufacturer + log miles", "25.00", "25.02"),
    ]:
        row = rf"^{re.escape(label)}\s+{quoted}\s+{quoted}\s+{by_permit}\s"
        assert re.search(row, table, re.M), label
    chosen = re.search(
        r"^GBM: credibility rate \+ miles curve \(project\)\s+(\d+\.\d{2})\s", table, re.M
    )
    assert chosen, "no row for the project model"
    assert chosen.group(1) == match.group(1)  # the last line is the project model's deviance
    for label in ["GBM: credibility rate, elasticity 1", "GBM: log relativity"]:
        assert re.search(rf"^{re.escape(label)}.*\s\d+\.\d{{2}}\s", table, re.M), label


def test_missing_data_folder_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--data", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    assert "is not a folder" in capsys.readouterr().err
