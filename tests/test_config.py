"""Training config: TOML file, defaults, and clear errors."""

import pytest

from riskmodel.config import TrainConfig, load_config


def test_the_shipped_config_loads_and_equals_the_defaults(tmp_path):
    from tests.conftest import REPO

    assert load_config(REPO / "riskmodel" / "configs" / "train.toml") == TrainConfig()
    assert load_config(None) == TrainConfig()


def test_a_partial_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('seed = 5\nlimitations = ["synthetic data only"]\n[safety]\nnum_leaves = 31\n')
    cfg = load_config(path)
    assert (cfg.seed, cfg.safety["num_leaves"], cfg.performance["num_leaves"]) == (5, 31, 15)
    assert cfg.limitations == ("synthetic data only",)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sed = 5\n", r"unknown key\(s\) \['sed'\]"),
        ("[safety]\nleaves = 3\n", r"config \[safety\]: unknown key\(s\) \['leaves'\]"),
        ("[safety]\nn_jobs = 3\n", r"\['n_jobs'\] are set by riskmodel"),
        ("seed = -1\n", r"'seed' parameter of TrainConfig must be an int in the range \[0, inf\)"),
        ("category_dropout = 0.7\n", r"'category_dropout' .* range \[0.0, 0.5\). Got 0.7"),
        (
            "[performance]\nlearning_rate = 2.0\n",
            r"'learning_rate' parameter of PoissonGBMRegressor \(config \[performance\]\) must be "
            r"a float in the range \(0.0, 1.0\]. Got 2.0 instead",
        ),
        ("validation_fraction = 0.95\n", r"'validation_fraction' .* \(0.0, 0.9\]. Got 0.95"),
        ("seed = \n", "not valid TOML"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_config(path)


def test_a_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_a_built_wheel_ships_the_configs(tmp_path):
    # an installed wheel must read the same configs as the checkout, not fall back to defaults
    import shutil
    import subprocess
    import sys
    import zipfile

    from tests.conftest import REPO

    src = tmp_path / "src"
    shutil.copytree(
        REPO / "riskmodel", src / "riskmodel", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("riskmodel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"riskmodel/configs/train.toml", "riskmodel/configs/pricing.toml"} <= names


def test_each_setting_has_one_default_and_one_check():
    """A section's defaults are the estimator's; the top-level settings are checked by the
    constraint of the estimator or transformer they are handed to."""
    import inspect

    from riskmodel.config import BOOSTER_SET_BY_MODEL
    from riskmodel.models import PoissonGBMRegressor

    signature = inspect.signature(PoissonGBMRegressor.__init__).parameters
    for name, value in TrainConfig().performance.items():
        assert value == signature[name].default, name
    assert set(TrainConfig().performance) | set(BOOSTER_SET_BY_MODEL) == set(signature) - {"self"}
    constraints = PoissonGBMRegressor._parameter_constraints
    assert set(constraints) == set(signature) - {"self"}  # every parameter declared
    for bad in (0.0, 0.95):  # the same bound in the config and in the estimator
        with pytest.raises(ValueError, match="validation_fraction"):
            TrainConfig(validation_fraction=bad)
        with pytest.raises(ValueError, match="validation_fraction"):
            PoissonGBMRegressor(validation_fraction=bad)._check_params()
