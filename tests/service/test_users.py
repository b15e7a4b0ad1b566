"""Users: argon2 hashes only, keys shown once, roles, a file changed while running."""

import pytest

from riskmodel.errors import InputError, OptionError
from riskmodel.service.users import PERMISSIONS, ROLES, UserStore, add_user


def test_the_file_keeps_hashes_never_keys_or_passwords(tmp_path):
    path = tmp_path / "users.toml"
    key = add_user(path, "kim", "underwriter", password="correct horse battery")
    text = path.read_text()
    assert key not in text and "correct horse" not in text and "$argon2id$" in text
    assert oct(path.stat().st_mode)[-3:] == "600"
    store = UserStore(path)
    assert store.authenticate(key).name == "kim"
    assert store.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert store.check_password("kim", "correct horse battery").role == "underwriter"
    assert store.check_password("kim", "wrong password!!") is None
    assert store.check_password("nobody", "correct horse battery") is None


def test_a_new_key_replaces_the_old_and_the_running_store_sees_it(tmp_path):
    path = tmp_path / "users.toml"
    old = add_user(path, "lee", "auditor")
    store = UserStore(path)
    assert store.authenticate(old) is not None
    new = add_user(path, "lee", "admin")
    assert store.authenticate(old) is None  # the cache of verified keys is dropped
    assert store.authenticate(new).role == "admin"


@pytest.mark.parametrize(
    "name, role, match",
    [
        ("kim", "boss", "role must be one of"),
        ("", "admin", "name must be"),
        ("a b", "admin", "name"),
    ],
)
def test_bad_users_are_refused_with_the_rule(tmp_path, name, role, match):
    with pytest.raises(OptionError, match=match):
        add_user(tmp_path / "u.toml", name, role)


def test_roles_follow_the_contract(tmp_path):
    assert ROLES == ("underwriter", "auditor", "admin")
    assert "assess" not in PERMISSIONS["auditor"] and "reload" not in PERMISSIONS["underwriter"]
    assert PERMISSIONS["admin"] >= PERMISSIONS["auditor"] | PERMISSIONS["underwriter"]
    with pytest.raises(InputError, match="does not exist"):
        UserStore(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text('[users.x]\nrole = "king"\nkey_id = "a"\nkey_hash = "b"\n')
    with pytest.raises(InputError, match="role 'king'"):
        UserStore(tmp_path / "bad.toml")
