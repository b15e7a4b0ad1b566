"""A fitted model is made of parts that all save, load and hash the same way."""

import copy
import json

import pytest

from riskmodel.models import RiskModel
from riskmodel.models.parts import DEFAULT_LAYOUT, PART_CLASSES, JsonPart
from riskmodel.models.persistence import ModelIntegrityError, load_model, save_model


def test_every_part_round_trips_through_its_files(model):
    assert [p.name for p in model.parts_.values()] == [name for name, _, _ in DEFAULT_LAYOUT]
    for part in model.parts_.values():
        files = part.to_state()
        assert sorted(files) == sorted(part.file_names())
        again = type(part).from_state(part.name, files)
        assert again.to_state() == files, part.name
        assert again.digest() == part.digest(), part.name


def test_the_version_iterates_the_versioned_parts(model):
    changed = copy.deepcopy(model)
    changed.parts_["reference"] = JsonPart("reference", {"other": 1}, versioned=False)
    assert changed._content_hash() == model.version_  # an audit artefact no score reads
    changed.parts_["uncertainty"] = JsonPart("uncertainty", {**model.uncertainty_, "x": 1})
    assert changed._content_hash() != model.version_


def test_the_manifest_lists_the_parts_and_loading_reads_them(tmp_path, model):
    folder = save_model(model, tmp_path / "m")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [entry["name"] for entry in manifest["parts"]] == list(model.parts_)
    for entry in manifest["parts"]:
        assert entry["class"] in PART_CLASSES and set(entry["files"]) <= set(manifest["files"])
    loaded = load_model(folder)
    assert list(loaded.parts_) == list(model.parts_)
    assert loaded._content_hash() == model.version_


def test_a_folder_of_the_previous_format_loads_and_an_older_one_is_refused(tmp_path, model):
    folder = save_model(model, tmp_path / "m")
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    previous = {k: v for k, v in manifest.items() if k != "parts"} | {"format_version": 4}
    path.write_text(json.dumps(previous))
    assert load_model(folder).version_ == model.version_  # format 4: the default layout
    path.write_text(json.dumps(previous | {"format_version": 3}))
    with pytest.raises(
        ModelIntegrityError, match="model format 3 .* reads formats 4, 5 and writes 5"
    ):
        load_model(folder)


def test_a_model_needs_all_its_parts(model):
    parts = [p for p in model.parts_.values() if p.name != "severity"]
    with pytest.raises(ModelIntegrityError, match="made of the parts"):
        RiskModel.from_parts(model.config, parts, training={}, version="rm-x")
