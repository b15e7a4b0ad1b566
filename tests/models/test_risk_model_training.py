"""Training on contract-valid portfolios the generator never makes: it trains, or it refuses with
exit status 2 and a message saying what the data lack. Never a crash.

Portfolios are small and odd: a kind of incident with no bodily injury, no incident of one kind,
a category or zone with one product or with no incidents, one company, every product in one zone
or one category, no test or certification rows at all, every loss equal (fixed benefits), a single
value of units or months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from riskmodel.cli import app
from riskmodel.contract import CATEGORIES, PUBLIC_EXPOSURE_LEVELS
from riskmodel.models.persistence import load_model
from riskmodel.validation import load_data

runner = CliRunner()
ZONES = ("busan", "jeonnam", "sejong", "gangwon")
KINDS = ("safety", "performance", "emc", "software")
CONFIG = """n_jobs = 1
uncertainty_replicates = 2
[performance]
max_iter = 40
[safety]
max_iter = 40
"""


@st.composite
def odd_specs(draw) -> dict:
    """The shape of an odd portfolio: its size, its patterns and a seed for the values."""
    return {
        "n": draw(st.integers(2, 40)),
        "seed": draw(st.integers(0, 2**31 - 1)),
        "companies": draw(st.integers(1, 4)),
        "categories": draw(
            st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)
        ),
        "zones": draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True)),
        "one_units": draw(st.booleans()),
        "one_months": draw(st.booleans()),
        "with_tests": draw(st.booleans()),
        "with_certs": draw(st.booleans()),
        # mostly both kinds, so most examples train
        "kinds": draw(st.sampled_from(["both", "both", "both", "performance", "safety", "none"])),
        "injuries": draw(st.sampled_from(["random", "none", "no performance injury", "all"])),
        "equal_losses": draw(st.booleans()),
        "rate": draw(st.sampled_from([0.3, 1.0, 3.0])),
    }


#: The patterns the issue names, each drawn at least once whatever hypothesis draws.
NAMED = {
    "no performance injury": {"injuries": "no performance injury"},
    "no injury at all": {"injuries": "none"},
    "no incident of one kind": {"kinds": "safety"},
    "one company": {"companies": 1},
    "one zone, one category": {"zones": ["busan"], "categories": ["drone"]},
    "no test or certification rows": {"with_tests": False, "with_certs": False},
    "every loss equal": {"equal_losses": True},
    "one value of units and of months": {"one_units": True, "one_months": True},
}
BASE_SPEC = {
    "n": 30,
    "seed": 7,
    "companies": 3,
    "categories": ["drone", "battery_ess"],
    "zones": ["busan", "sejong"],
    "one_units": False,
    "one_months": False,
    "with_tests": True,
    "with_certs": True,
    "kinds": "both",
    "injuries": "random",
    "equal_losses": False,
    "rate": 1.0,
}


def build(spec: dict) -> dict[str, pd.DataFrame]:
    """Contract-valid tables, as text, with the patterns of ``spec``."""
    n, rng = spec["n"], np.random.default_rng(spec["seed"])
    companies, categories, zones = spec["companies"], spec["categories"], spec["zones"]
    one_units, one_months = spec["one_units"], spec["one_months"]
    with_tests, with_certs, kinds = spec["with_tests"], spec["with_certs"], spec["kinds"]
    injuries, equal_losses, rate = spec["injuries"], spec["equal_losses"], spec["rate"]
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    months = np.full(n, 12.0) if one_months else rng.choice([1.5, 6.0, 12.0, 24.0], n)
    products = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "company_id": [f"C{c}" for c in rng.integers(0, companies, n)],
            "category": rng.choice(categories, n),
            "zone": rng.choice(zones, n),
            "trl": rng.integers(1, 10, n).astype(str),
            "company_age_years": rng.uniform(0, 40, n).round(1).astype(str),
            "units_deployed": (np.ones(n, int) if one_units else rng.integers(1, 300, n)).astype(
                str
            ),
            "demo_months": months.astype(str),
            "public_exposure": rng.choice(PUBLIC_EXPOSURE_LEVELS, n),
            "coverage_limit_krw": rng.choice(["100000000", "1000000000"], n),
            "deductible_krw": rng.choice(["0", "1000000"], n),
            "coverage_start": start.strftime("%Y-%m-%d"),
        }
    )
    m = int(rng.integers(1, 3 * n)) if with_tests else 0
    owner = rng.integers(0, n, m)
    outcome = rng.choice(["pass", "fail", "conditional"], m)
    measured = rng.random(m) < 0.5
    tests = pd.DataFrame(
        {
            "product_id": products["product_id"].to_numpy()[owner],
            "test_id": [f"T{i}" for i in range(m)],
            "standard": rng.choice(["IEC 62133-2", "ISO 26262", "UL 2580", "OWN-1"], m),
            "test_kind": rng.choice(KINDS, m),
            "test_date": (start[owner] - pd.to_timedelta(rng.integers(0, 400, m), unit="D"))
            .strftime("%Y-%m-%d")
            .to_numpy(),
            "lab_accredited": rng.choice(["true", "false"], m),
            "outcome": outcome,
            "severity": np.where(
                outcome == "pass", "", rng.choice(["minor", "major", "critical", ""], m)
            ),
            "measured_value": np.where(measured, rng.uniform(50, 150, m).round(2).astype(str), ""),
            "limit_value": np.where(measured, "100", ""),
            "higher_is_better": np.where(measured, rng.choice(["true", "false"], m), ""),
        }
    )
    k = int(rng.integers(1, 2 * n)) if with_certs else 0
    owner = rng.integers(0, n, k)
    scheme = rng.choice(["UL", "CE", "FDA_510K", "KC", "IECEX"], k)
    certs = pd.DataFrame(
        {
            "product_id": products["product_id"].to_numpy()[owner],
            "scheme": scheme,
            "issuer_country": np.where(scheme == "KC", "KR", "US"),
            "status": rng.choice(["active", "expired", "suspended", "withdrawn"], k),
            "issued_date": (start[owner] - pd.to_timedelta(rng.integers(0, 2000, k), unit="D"))
            .strftime("%Y-%m-%d")
            .to_numpy(),
        }
    )
    drawn = {"performance": kinds in ("both", "performance"), "safety": kinds in ("both", "safety")}
    rows = []
    for kind, on in drawn.items():
        counts = rng.poisson(rate, n) if on else np.zeros(n, int)
        for i in np.repeat(np.arange(n), counts):
            day = int(rng.integers(0, int(months[i] * 30)))
            hurt = {
                "random": rng.random() < 0.3,
                "none": False,
                "no performance injury": kind == "safety" and rng.random() < 0.5,
                "all": True,
            }[injuries]
            rows.append(
                {
                    "product_id": f"P{i}",
                    "incident_id": f"I{len(rows)}",
                    "incident_date": (start[i] + pd.Timedelta(days=day)).strftime("%Y-%m-%d"),
                    "kind": kind,
                    "loss_krw": "5000000" if equal_losses else str(int(rng.lognormal(15, 1.2))),
                    "bodily_injury": "true" if hurt else "false",
                }
            )
    incidents = pd.DataFrame(
        rows,
        columns=["product_id", "incident_id", "incident_date", "kind", "loss_krw", "bodily_injury"],
    )
    return {
        "products": products,
        "test_results": tests,
        "certifications": certs,
        "incidents": incidents,
    }


def _write(tables: dict[str, pd.DataFrame], folder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


def _with_examples(test):
    for overrides in NAMED.values():
        test = example(spec={**BASE_SPEC, **overrides})(test)
    return test


@pytest.mark.slow
@settings(
    max_examples=12,  # besides the named patterns above, each an explicit example
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@_with_examples
@given(spec=odd_specs())
def test_training_trains_or_says_what_the_data_lack(spec, tmp_path_factory):
    tables = build(spec)
    root = tmp_path_factory.mktemp("odd")
    _write(tables, root / "data")
    (root / "train.toml").write_text(CONFIG)
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(root / "data"),
            "--out",
            str(root / "model"),
            "--config",
            str(root / "train.toml"),
            "--no-track",
        ],
        catch_exceptions=False,
    )
    kinds = set(tables["incidents"]["kind"])
    if kinds != {"performance", "safety"}:  # a kind without any incident cannot be modelled
        assert result.exit_code == 2, result.output
        missing = [k for k in ("performance", "safety") if k not in kinds][0]
        assert f"have no {missing} incidents" in " ".join(result.output.split())
        assert "Traceback" not in result.output
        return
    assert result.exit_code == 0, result.output
    model = load_model(root / "model")
    portfolio = load_data(root / "data").portfolio
    scores = model.predict(portfolio)
    for target in ("performance", "safety"):
        risk = scores[f"{target}_risk"].to_numpy()
        assert np.all(np.isfinite(risk)) and np.all((risk >= 0) & (risk <= 1))
    out = root / "scored"
    scored = runner.invoke(
        app,
        [
            "score",
            "--model",
            str(root / "model"),
            "--data",
            str(root / "data"),
            "--out",
            str(out),
            "--no-plots",
        ],
        catch_exceptions=False,
    )
    assert scored.exit_code == 0, scored.output
    premiums = pd.read_csv(out / "scores.csv")["premium_krw"]
    assert premiums.notna().all() and (premiums > 0).all()
