"""Verification: a stored assessment re-scored with the model version it names."""

import dataclasses
import uuid

import pytest

from riskmodel.register import NewRecord, Register, utc_now
from riskmodel.service.engine import ModelVersions, answers, assess_json
from riskmodel.service.verification import verify_record, verify_register
from riskmodel.validation import load_data
from tests.builders import application_body


@pytest.fixture
def stored(tmp_path, model_dir, score_folder):
    """A register holding three assessments made as the service makes them."""
    versions = ModelVersions()
    loaded = versions.load(model_dir)
    portfolio = load_data(score_folder).portfolio
    register = Register(f"sqlite:///{tmp_path / 'r.db'}")
    records = []
    for pid in portfolio.products["product_id"].iloc[:3]:
        body = application_body(portfolio, pid)
        data, assessment = assess_json(
            loaded,
            [body["product"]],
            [{**r, "product_id": pid} for r in body["test_results"]],
            [{**r, "product_id": pid} for r in body["certifications"]],
        )
        (answer,) = answers(loaded, data.portfolio, assessment)
        records.append(
            NewRecord(
                assessment_id=str(uuid.uuid4()),
                created_utc=utc_now(),
                created_by="uw",
                model_version=loaded.version,
                model_source=loaded.source,
                product_id=pid,
                inputs_sha256=answer["inputs_sha256"],
                inputs=answer["inputs"],
                pricing=loaded.pricing.to_dict(),
                assessment=answer,
            )
        )
    yield register, versions, records
    register.dispose()


def test_a_faithful_record_matches(stored):
    register, versions, records = stored
    record, _ = register.append(records[0])
    assert verify_record(versions, record) == []


def test_a_stated_figure_that_was_not_computed_is_named(stored):
    register, versions, records = stored
    answer = {**records[0].assessment, "premium_krw": records[0].assessment["premium_krw"] + 1}
    record, _ = register.append(dataclasses.replace(records[0], assessment=answer))
    (difference,) = verify_record(versions, record)
    assert difference.startswith("premium_krw: stored")


def test_edited_inputs_break_their_hash(stored):
    register, versions, records = stored
    inputs = {**records[0].inputs}
    inputs["products"] = [{**inputs["products"][0], "units_deployed": "999"}]
    record, _ = register.append(dataclasses.replace(records[0], inputs=inputs))
    problems = verify_record(versions, record)
    assert "the recorded inputs were edited" in problems[0]
    assert any(p.startswith("safety_risk") for p in problems)  # and the numbers move


def test_the_register_is_checked_whole_and_by_sample(stored):
    register, versions, records = stored
    for r in records:
        register.append(r)
    result = verify_register(register, versions, sample=2, seed=1)
    assert result.ok and result.records == 3 and result.rescored == 2
    assert "hash chain intact" in result.lines()[0]
    wrong = ModelVersions()
    wrong._versions = {}  # nothing loaded: the recorded folders are read
    assert verify_register(register, wrong, sample=10).rescored == 3
