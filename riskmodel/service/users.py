"""Users of the scoring service: who they are, their role, and how they prove it.

The users file (TOML, created by ``riskmodel users add``) holds one table per user: the role, an
argon2id hash of the API key and, for the browser, of the password. Neither the key nor the
password is stored or logged; the key is printed once, when it is made. A key reads
``rmk_<key id>_<secret>``: the key id finds the user without trying every hash, the secret is
checked against the argon2 hash (32 random bytes: it cannot be guessed, the hash makes a stolen
file useless).

Checking an argon2 hash takes tens of milliseconds by design; a service answering hundreds of
requests a second remembers, per process, the SHA-256 of keys it has already verified (never the
key itself), for as long as the file is unchanged.

Roles (``../shared/contract/SERVICE_CONTRACT.md``): an *underwriter* creates assessments and
what-ifs and reads its own; an *auditor* reads every assessment, lists, exports and verifies the
register and reads the model card; an *admin* may do everything and reload the model.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "users.toml"
>>> key = add_user(path, "kim", "underwriter")
>>> users = UserStore(path)
>>> users.authenticate(key).role, users.authenticate("rmk_x_y")
('underwriter', None)
>>> "kim" in path.read_text() and key not in path.read_text()
True
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from riskmodel.errors import InputError, OptionError

__all__ = [
    "ROLES",
    "PERMISSIONS",
    "User",
    "UserStore",
    "add_user",
]

#: The roles of the contract, and what each may do.
ROLES: tuple[str, ...] = ("underwriter", "auditor", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "underwriter": frozenset({"assess", "whatif", "read_own"}),
    "auditor": frozenset({"read_all", "list", "export", "verify", "model"}),
    "admin": frozenset(
        {"assess", "whatif", "read_own", "read_all", "list", "export", "verify", "model", "reload"}
    ),
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_KEY = re.compile(r"^rmk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")
_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults


@dataclass(frozen=True)
class User:
    """One user: name, role, and the hashes that prove who they are."""

    name: str
    role: str
    key_id: str
    key_hash: str
    password_hash: str | None = None
    created_utc: str = ""

    def may(self, permission: str) -> bool:
        """Whether the user's role grants ``permission``."""
        return permission in PERMISSIONS[self.role]


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise OptionError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    return role


def _read(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"users file {path} is not valid TOML: {exc}") from None
    users = data.get("users", {})
    for name, entry in users.items():
        missing = [k for k in ("role", "key_id", "key_hash") if k not in entry]
        if missing:
            raise InputError(f"users file {path}: user {name!r} lacks {missing}")
        if entry["role"] not in ROLES:
            raise InputError(
                f"users file {path}: user {name!r} has role {entry['role']!r}; expected one of "
                f"{', '.join(ROLES)}"
            )
    return users


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(path: Path, users: dict[str, dict]) -> None:
    lines = [
        "# riskmodel service users: argon2id hashes only (written by `riskmodel users add`).",
        "",
    ]
    for name in sorted(users):
        lines.append(f"[users.{_toml_string(name)}]")
        for key in ("role", "key_id", "key_hash", "password_hash", "created_utc"):
            if users[name].get(key) is not None:
                lines.append(f"{key} = {_toml_string(str(users[name][key]))}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def add_user(path: str | os.PathLike, name: str, role: str, *, password: str | None = None) -> str:
    """Create or update user ``name`` in the users file with a new API key (returned: it is
    stored nowhere) and, given ``password``, a browser password. The file is created if missing
    and is readable by its owner only."""
    if not _NAME.match(name or ""):
        raise OptionError(
            "name must be 1 to 64 letters, digits or . _ @ - (starting with a letter or digit); "
            f"got {name!r}"
        )
    _check_role(role)
    if password is not None and len(password) < 12:
        raise OptionError("password must have at least 12 characters")
    path = Path(path)
    users = _read(path)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    entry = dict(users.get(name, {}))
    entry.update(
        role=role,
        key_id=key_id,
        key_hash=_HASHER.hash(secret),
        created_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    if password is not None:
        entry["password_hash"] = _HASHER.hash(password)
    users[name] = entry
    _write(path, users)
    return f"rmk_{key_id}_{secret}"


class UserStore:
    """The users of a users file, re-read when the file changes; thread-safe."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(
                f"users file {self.path} does not exist: create it with "
                "`riskmodel users add --users FILE --name NAME --role ROLE`"
            )
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._by_key_id: dict[str, User] = {}
        self._by_name: dict[str, User] = {}
        self._verified: dict[str, str] = {}  # sha256(key) -> user name
        self._refresh()

    def _refresh(self) -> None:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            users = {
                name: User(
                    name=name,
                    role=entry["role"],
                    key_id=entry["key_id"],
                    key_hash=entry["key_hash"],
                    password_hash=entry.get("password_hash"),
                    created_utc=entry.get("created_utc", ""),
                )
                for name, entry in _read(self.path).items()
            }
            self._by_name = users
            self._by_key_id = {u.key_id: u for u in users.values()}
            self._verified = {}
            self._stamp = stamp

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> User | None:
        self._refresh()
        return self._by_name.get(name)

    def authenticate(self, key: str | None) -> User | None:
        """The user whose API key this is, or None."""
        if not key:
            return None
        self._refresh()
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        name = self._verified.get(digest)
        if name is not None and name in self._by_name:
            return self._by_name[name]
        match = _KEY.match(key)
        user = self._by_key_id.get(match.group(1)) if match else None
        if user is None or not _verify(user.key_hash, match.group(2)):
            return None
        with self._lock:
            self._verified[digest] = user.name
        return user

    def check_password(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs (always argon2: no cache for passwords)."""
        user = self.get(name)
        if user is None or user.password_hash is None:
            _verify(_DUMMY, password)  # the same time whether or not the user exists
            return None
        return user if _verify(user.password_hash, password) else None


_DUMMY = _HASHER.hash("riskmodel-no-such-user")


def _verify(hashed: str, secret: str) -> bool:
    try:
        return _HASHER.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False
