"""Model folders: self-contained, no pickle, verified on load."""

import json

import numpy as np
import pytest

from riskmodel.models.persistence import ModelIntegrityError, load_model, save_model


@pytest.fixture(scope="module")
def folder(tmp_path_factory, model):
    return save_model(model, tmp_path_factory.mktemp("model"))


def test_a_loaded_model_scores_identically(folder, model, holdout):
    portfolio, _ = holdout
    loaded = load_model(folder)
    assert loaded.version_ == model.version_
    a, b = model.predict(portfolio), loaded.predict(portfolio)
    assert a.equals(b)
    assert loaded._content_hash() == model.version_  # the version is the content, not a label


def test_the_folder_holds_only_json_and_lightgbm_text(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "baselines.json",
        "config.json",
        "features.json",
        "manifest.json",
        "performance.json",
        "performance.lgb.txt",
        "reference.json",
        "safety.json",
        "safety.lgb.txt",
        "severity.json",
        "uncertainty.json",
    ]
    for path in folder.iterdir():
        path.read_text(encoding="utf-8")  # text, not a binary pickle
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert manifest["training"]["products"] == 6000


def test_an_altered_file_is_refused(tmp_path, model):
    folder = save_model(model, tmp_path / "m")
    path = folder / "safety.lgb.txt"
    path.write_text(path.read_text().replace("leaf_value=", "leaf_value=1", 1))
    with pytest.raises(ModelIntegrityError, match="safety.lgb.txt was altered"):
        load_model(folder)


def test_a_missing_file_or_manifest_is_refused(tmp_path, model):
    folder = save_model(model, tmp_path / "m")
    (folder / "features.json").unlink()
    with pytest.raises(ModelIntegrityError, match="features.json is missing"):
        load_model(folder)
    with pytest.raises(ModelIntegrityError, match="not a riskmodel model folder"):
        load_model(tmp_path)


def test_unfitted_models_cannot_be_saved(tmp_path):
    from riskmodel.models import RiskModel

    with pytest.raises(ValueError, match="unfitted"):
        save_model(RiskModel(), tmp_path)


def test_thread_count_does_not_change_predictions(model, holdout):
    portfolio, _ = holdout
    np.testing.assert_array_equal(
        model.predict(portfolio, n_jobs=1)["safety_risk"],
        model.predict(portfolio, n_jobs=2)["safety_risk"],
    )
