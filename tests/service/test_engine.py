"""The engine: JSON rows to one assessment, and models over time."""

import shutil

import pytest

from riskmodel.errors import InputError
from riskmodel.service.engine import ModelSlot, answers, assess_json, resolve_source
from riskmodel.service.schemas import ASSESSMENT_EXAMPLE
from riskmodel.validation import load_data
from tests.builders import application_body


def _rows(body):
    pid = body["product"]["product_id"]
    return (
        [body["product"]],
        [{**r, "product_id": pid} for r in body["test_results"]],
        [{**r, "product_id": pid} for r in body["certifications"]],
    )


def test_json_rows_are_assessed_like_a_data_folder(model_dir, score_folder):
    slot = ModelSlot(model_dir)
    portfolio = load_data(score_folder).portfolio
    pid = portfolio.products["product_id"].iloc[0]
    data, assessment = assess_json(slot.current, *_rows(application_body(portfolio, pid)))
    assert len(data.rejects) == 0
    (answer,) = answers(slot.current, data.portfolio, assessment)
    assert answer["product_id"] == pid and answer["model_version"] == slot.current.version
    assert answer["inputs"]["products"][0]["product_id"] == pid
    assert len(answer["inputs_sha256"]) == 64 and answer["data_issues"] == []


def test_nothing_accepted_gives_no_assessment(model_dir):
    slot = ModelSlot(model_dir)
    product = {**ASSESSMENT_EXAMPLE["product"], "trl": 99}
    data, assessment = assess_json(slot.current, [product], [], [])
    assert assessment is None and data.rejects["column"].tolist() == ["trl"]


def test_a_reload_swaps_the_model_and_old_versions_stay_loadable(model_dir, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(model_dir, folder)
    slot = ModelSlot(folder)
    before = slot.current
    assert resolve_source(folder) == str(folder.resolve()) == before.source
    previous, current = slot.reload()
    assert previous is before and current.version == before.version
    assert slot.version(before.version, before.source).model is not None
    with pytest.raises(InputError, match="now holds"):
        slot.versions.get("rm-000000000000", str(folder))
    shutil.rmtree(folder)
    with pytest.raises((InputError, OSError)):
        slot.reload()  # a model that cannot load leaves the current one answering
    assert slot.current is current
