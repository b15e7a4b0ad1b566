"""The service's commands: users add, register verify and export, serve's option checks."""

import pandas as pd
from typer.testing import CliRunner

from riskmodel.cli import app
from riskmodel.register import Register
from riskmodel.service.users import UserStore

runner = CliRunner()


def _run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kw)


def test_users_add_prints_the_key_last_and_stores_only_hashes(tmp_path):
    users = tmp_path / "users.toml"
    result = _run("users", "add", "--users", users, "--name", "kim", "--role", "auditor")
    assert result.exit_code == 0
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("rmk_") and key not in users.read_text()
    assert UserStore(users).authenticate(key).role == "auditor"
    with_password = _run(
        *("users", "add", "--users", users, "--name", "lee", "--role", "admin"),
        "--password-stdin",
        input="a long enough password\n",
    )
    assert with_password.exit_code == 0
    assert UserStore(users).check_password("lee", "a long enough password").name == "lee"
    bad = _run("users", "add", "--users", users, "--name", "x", "--role", "owner")
    assert bad.exit_code == 2 and "role must be one of" in bad.stderr


def test_register_export_and_verify_of_an_empty_register(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Register(url).dispose()
    exported = _run("register", "export", "--register", url, "--out", tmp_path / "r.csv")
    assert exported.exit_code == 0 and "wrote 0 record(s)" in exported.stdout
    assert pd.read_csv(tmp_path / "r.csv").empty
    checked = _run("register", "verify", "--register", url)
    assert checked.exit_code == 0 and "0 record(s); hash chain intact" in checked.stdout
    wrong = _run("register", "export", "--register", url, "--out", tmp_path / "r.xlsx")
    assert wrong.exit_code == 2


def test_serve_refuses_bad_options_before_starting(tmp_path, model_dir):
    missing = _run(
        *("serve", "--model", model_dir, "--register", f"sqlite:///{tmp_path / 'r.db'}"),
        *("--users", tmp_path / "nobody.toml"),
    )
    assert missing.exit_code == 2 and "users add" in missing.stderr
    zero = _run(
        *("serve", "--model", model_dir, "--register", f"sqlite:///{tmp_path / 'r.db'}"),
        *("--users", tmp_path / "nobody.toml", "--workers", "0"),
    )
    assert zero.exit_code == 2 and "workers must be an integer in [1, 64]; got 0" in zero.stderr
    french = _run(
        *("serve", "--model", model_dir, "--register", f"sqlite:///{tmp_path / 'r.db'}"),
        *("--users", tmp_path / "nobody.toml", "--file-language", "fr"),
    )
    assert french.exit_code == 2 and "file_language must be one of en, ko" in french.stderr
