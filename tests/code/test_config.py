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
    assert (cfg.seed, cfg.safety.num_leaves, cfg.performance.num_leaves) == (5, 31, 15)
    assert cfg.limitations == ("synthetic data only",)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sed = 5\n", r"unknown key\(s\) \['sed'\]"),
        ("[safety]\nleaves = 3\n", r"config \[safety\]: unknown key\(s\) \['leaves'\]"),
        ("seed = -1\n", "seed must be an integer >= 0, got -1"),
        ("category_dropout = 0.7\n", r"category_dropout must be in \[0, 0.5\), got 0.7"),
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
