"""The assessment register: every assessment the scoring service issues, kept append-only and
tamper evident.

What is stored
--------------
One record per assessment (:class:`NewRecord`): who asked for it and when, the model version and
where that model was loaded from, the product's inputs and their hash, the pricing configuration
used and the whole answer sent to the client. Records are never updated nor deleted: the
register has no method that would, and the database refuses it (triggers on the table; on
PostgreSQL the UPDATE, DELETE and TRUNCATE privileges are also revoked from PUBLIC).

The hash chain
--------------
Records are numbered ``seq`` = 1, 2, 3, ... in the order they were committed, and each carries
three SHA-256 hashes (hexadecimal):

``content_sha256``
    of the record's content: the canonical JSON (keys sorted, no spaces, UTF-8, see
    :func:`canonical_json`) of an object holding every field of :class:`NewRecord`, the
    idempotency fields included (``null`` when absent).
``previous_sha256``
    the ``record_sha256`` of the record before it (64 zeros, :data:`GENESIS_SHA256`, for the
    first record).
``record_sha256``
    ``sha256(previous_sha256 + content_sha256)``, the two hexadecimal texts concatenated.

Anyone holding a copy of the register (:meth:`Register.export`) can recompute the hashes with
nothing but a JSON library and SHA-256; :meth:`Register.verify_chain` does so and names each
record whose content no longer matches its hash, whose hash fields were edited, which is missing
(a gap in ``seq`` or a broken ``previous_sha256`` link) or which was moved to another place.

What the chain does not prove on its own: someone able to write to the database who recomputes
every hash from the edited record to the newest one, or who deletes the newest records, leaves a
chain that verifies. Keep the newest ``record_sha256`` and ``seq`` somewhere the database's
administrators cannot write (a daily e-mail, a signed log, a ticket) and compare: every earlier
record is then fixed by that one hash.

Durability and concurrency
--------------------------
:meth:`Register.append` returns only after the database committed the record. On SQLite the
file is opened in WAL mode with ``synchronous=FULL`` (the commit is on disk when ``append``
returns), a 30 s busy timeout and foreign keys on. Appends are serialized across threads and
processes (a service runs several worker processes on one register): on SQLite each append
takes the database's write lock (``BEGIN IMMEDIATE``) before reading the newest record; on
PostgreSQL it takes a transaction-scoped advisory lock (``pg_advisory_xact_lock``). The chain
therefore never forks, and ``seq`` has no gaps.

The schema is created and upgraded by Alembic migrations shipped in the package
(``riskmodel/register/migrations``) whenever a register is opened; opening is idempotent and
safe from several processes at once. Alembic's bookkeeping table is
``assessment_register_version``, so the register can share a database with other applications.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
import os
import re
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from itertools import batched
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, Connection, Engine, make_url

from riskmodel.errors import InputError

__all__ = [
    "GENESIS_SHA256",
    "VERSION_TABLE",
    "ChainProblem",
    "IdempotencyConflict",
    "NewRecord",
    "Register",
    "RegisterUnavailable",
    "StoredRecord",
    "canonical_json",
    "content_sha256",
    "utc_now",
]

GENESIS_SHA256 = "0" * 64
"""The ``previous_sha256`` of the first record."""

VERSION_TABLE = "assessment_register_version"
"""Alembic's table recording the register's schema revision."""

TABLE = "assessments"

_BUSY_TIMEOUT_S = 30
_PG_CONNECT_TIMEOUT_S = 10
# The key of PostgreSQL's advisory lock that serializes appends and migrations (per database).
_PG_LOCK_KEY = int.from_bytes(b"riskmreg", "big")
# A connection execution option: its transaction writes (SQLite: BEGIN IMMEDIATE).
_WRITE = "riskmodel_register_write"
_MAX_LIMIT = 1000
_MAX_KEY_LENGTH = 255

_UTC_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_CURSOR_RE = re.compile(r"seq<([1-9][0-9]{0,18})")
_JSON_FIELDS = ("inputs", "pricing", "assessment")


# --- records ---


@dataclass(frozen=True)
class NewRecord:
    """One assessment as the service hands it to :meth:`Register.append`.

    Parameters
    ----------
    assessment_id : str
        A new UUID (``str(uuid.uuid4())``: lower case, with hyphens), made by the caller.
    created_utc : str
        When the assessment was made, UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (exactly six
        fraction digits, so that the text sorts in time order); :func:`utc_now` makes one.
    created_by : str
        The user name of who asked for it.
    model_version : str
        The model's version, e.g. ``rm-021b6b9cfc5a``.
    model_source : str
        The model folder or MLflow URI the model was loaded from.
    product_id : str
        The product assessed.
    inputs_sha256 : str
        SHA-256 (64 lower-case hexadecimal digits) of the product's inputs.
    inputs, pricing, assessment : dict
        The product's input rows, the pricing configuration used and the whole answer sent to
        the client; JSON-able (no NaN nor infinity: JSON has no such numbers).
    idempotency_key : str or None
        The client's idempotency key (at most 255 characters): a second append with the same
        ``created_by`` and key returns the first record instead of storing a new one.
    request_sha256 : str or None
        SHA-256 of the request body, to tell a retry (same body) from a reused key (another
        body, :class:`IdempotencyConflict`).
    """

    assessment_id: str
    created_utc: str
    created_by: str
    model_version: str
    model_source: str
    product_id: str
    inputs_sha256: str
    inputs: dict
    pricing: dict
    assessment: dict
    idempotency_key: str | None = None
    request_sha256: str | None = None


@dataclass(frozen=True)
class StoredRecord:
    """A record as committed: every field of :class:`NewRecord` plus its place in the chain.

    ``seq`` numbers the records 1, 2, 3, ... in commit order; ``content_sha256``,
    ``previous_sha256`` and ``record_sha256`` are the hashes described in the module's
    documentation. The JSON fields are as read back from their stored JSON text.
    """

    seq: int
    assessment_id: str
    created_utc: str
    created_by: str
    model_version: str
    model_source: str
    product_id: str
    inputs_sha256: str
    inputs: dict
    pricing: dict
    assessment: dict
    idempotency_key: str | None
    request_sha256: str | None
    content_sha256: str
    previous_sha256: str
    record_sha256: str


@dataclass(frozen=True)
class ChainProblem:
    """One finding of :meth:`Register.verify_chain`.

    ``seq`` and ``assessment_id`` name the record concerned; for a missing (deleted) record
    ``seq`` is the first missing number and ``assessment_id`` is None (it is gone with the
    record). ``reason`` says what does not match.
    """

    seq: int
    assessment_id: str | None
    reason: str


class IdempotencyConflict(InputError):
    """The idempotency key was used before by the same user for another request body.

    ``existing`` is the record stored under that key.
    """

    def __init__(self, message: str, existing: StoredRecord):
        super().__init__(message)
        self.existing = existing


class RegisterUnavailable(InputError):
    """The register's database cannot be reached or opened (the message names the URL, with
    the password masked, and what failed)."""


_NEW_FIELDS = tuple(f.name for f in fields(NewRecord))
_STORED_FIELDS = tuple(f.name for f in fields(StoredRecord))


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``: keys sorted, no spaces, non-ASCII characters as
    themselves, no NaN nor infinity.

    Examples
    --------
    >>> canonical_json({"b": 1.5, "a": ["é", None, True]})
    '{"a":["é",null,true],"b":1.5}'
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain(previous_sha256: str, content: str) -> str:
    return _sha256(previous_sha256 + content)


def content_sha256(record: NewRecord | StoredRecord) -> str:
    """The ``content_sha256`` of a record: SHA-256 of the canonical JSON of its
    :class:`NewRecord` fields.

    Examples
    --------
    >>> r = NewRecord("6f1c0e7e-62c6-4d0c-9d5c-3f0b1a2b3c4d", "2026-12-01T03:04:05.123456Z",
    ...               "ana", "rm-1", "models/demo", "P-1", "a" * 64, {}, {}, {"premium": 12.5})
    >>> content_sha256(r) == hashlib.sha256(canonical_json(
    ...     {f: getattr(r, f) for f in _NEW_FIELDS}).encode()).hexdigest()
    True
    """
    content = {name: getattr(record, name) for name in _NEW_FIELDS}
    for name in _JSON_FIELDS:  # as stored: through JSON once (non-text keys become text)
        content[name], _ = _as_json(name, content[name])
    return _sha256(canonical_json(content))


def utc_now() -> str:
    """The current time in the register's ``created_utc`` format.

    Examples
    --------
    >>> bool(_UTC_RE.fullmatch(utc_now()))
    True
    """
    return _utc_text(datetime.now(UTC))


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ValueError(f"two keys become the same JSON key: {sorted(set(keys))}")
    return out


def _as_json(name: str, value: Any) -> tuple[Any, str]:
    """``value`` as it reads back from JSON, and its canonical text."""
    if not isinstance(value, dict):
        raise InputError(f"NewRecord.{name} must be a dict, not {type(value).__name__}")
    try:
        # Through JSON once, so that the hash is of what is stored: non-string keys become
        # strings (sort_keys could not compare them otherwise), tuples become lists.
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        plain = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except (TypeError, ValueError) as e:
        raise InputError(f"NewRecord.{name} is not JSON-able: {e}") from None
    return plain, canonical_json(plain)


def _check_text(name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"NewRecord.{name} must be a non-empty text, not {value!r}")


def _prepare(record: NewRecord) -> dict[str, Any]:
    """The record's content as stored (JSON fields as plain values), after checking it."""
    if not isinstance(record, NewRecord):
        raise TypeError(f"Register.append takes a NewRecord, not {type(record).__name__}")
    for name in (
        "assessment_id",
        "created_utc",
        "created_by",
        "model_version",
        "model_source",
        "product_id",
        "inputs_sha256",
    ):
        _check_text(name, getattr(record, name))
    for name in ("idempotency_key", "request_sha256"):
        _check_text(name, getattr(record, name), optional=True)
    try:
        canonical_id = str(uuid.UUID(record.assessment_id))
    except ValueError:
        canonical_id = None
    if canonical_id != record.assessment_id:
        raise InputError(
            f"NewRecord.assessment_id must be a UUID as str(uuid.uuid4()) writes it "
            f"(lower case, with hyphens), not {record.assessment_id!r}"
        )
    if not _UTC_RE.fullmatch(record.created_utc) or not _valid_utc(record.created_utc):
        raise InputError(
            f"NewRecord.created_utc must be UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (six fraction "
            f"digits, e.g. riskmodel.register.utc_now()), not {record.created_utc!r}"
        )
    for name in ("inputs_sha256", "request_sha256"):
        value = getattr(record, name)
        if value is not None and not _SHA256_RE.fullmatch(value):
            raise InputError(
                f"NewRecord.{name} must be a SHA-256 as 64 lower-case hexadecimal digits, "
                f"not {value!r}"
            )
    if record.idempotency_key is not None and len(record.idempotency_key) > _MAX_KEY_LENGTH:
        raise InputError(
            f"NewRecord.idempotency_key has {len(record.idempotency_key)} characters; "
            f"at most {_MAX_KEY_LENGTH} are accepted"
        )
    content = {name: getattr(record, name) for name in _NEW_FIELDS}
    for name in _JSON_FIELDS:
        content[name], _ = _as_json(name, content[name])
    for name, value in content.items():
        try:
            canonical_json(value).encode("utf-8")
        except UnicodeEncodeError as e:
            raise InputError(f"NewRecord.{name} is not valid Unicode text: {e}") from None
    return content


def _valid_utc(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return False
    return True


# --- the table (its schema is made by migrations/versions; this mirrors it for queries) ---

_metadata = sa.MetaData()
_table = sa.Table(
    TABLE,
    _metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("assessment_id", sa.String(36), nullable=False),
    sa.Column("created_utc", sa.String(27), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("model_source", sa.Text, nullable=False),
    sa.Column("product_id", sa.Text, nullable=False),
    sa.Column("inputs_sha256", sa.String(64), nullable=False),
    sa.Column("inputs_json", sa.Text, nullable=False),
    sa.Column("pricing_json", sa.Text, nullable=False),
    sa.Column("assessment_json", sa.Text, nullable=False),
    sa.Column("idempotency_key", sa.Text, nullable=True),
    sa.Column("request_sha256", sa.String(64), nullable=True),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("previous_sha256", sa.String(64), nullable=False),
    sa.Column("record_sha256", sa.String(64), nullable=False),
)
_c = _table.c


def _column(name: str) -> str:
    return f"{name}_json" if name in _JSON_FIELDS else name


def _row_content(row: Any) -> dict[str, Any]:
    """The content of a stored row, JSON fields parsed (raises ValueError if one is not JSON)."""
    content = {}
    for name in _NEW_FIELDS:
        value = getattr(row, _column(name))
        if name in _JSON_FIELDS:
            try:
                value = json.loads(value)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{name}_json is not JSON ({e})") from None
        content[name] = value
    return content


def _to_record(row: Any) -> StoredRecord:
    try:
        content = _row_content(row)
    except ValueError as e:
        raise ValueError(
            f"assessment register record seq {row.seq}: {e}; the database was altered outside "
            f"riskmodel (Register.verify_chain names what changed)"
        ) from None
    return StoredRecord(
        seq=int(row.seq),
        content_sha256=row.content_sha256,
        previous_sha256=row.previous_sha256,
        record_sha256=row.record_sha256,
        **content,
    )


# --- opening ---


def _mask(url: str | URL) -> str:
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module (it would not BEGIN before a SELECT
    # nor allow BEGIN IMMEDIATE); the "begin" hook below emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the write lock at BEGIN, before it reads the newest record.
    writes = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _make_engine(url: str | URL) -> tuple[Engine, URL]:
    shown = _mask(url)
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError, TypeError) as e:
        raise InputError(
            f"cannot open the assessment register {shown!r}: not a database URL ({e}); "
            f"expected sqlite:///path/to/register.db or postgresql+psycopg://user:password@host"
            f":5432/database"
        ) from None
    shown = _mask(parsed)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
            raise InputError(
                f"cannot open the assessment register {shown}: an in-memory SQLite database "
                f"would lose every record when the process ends; give a file, "
                f"sqlite:///path/to/register.db"
            )
        folder = Path(database).expanduser().resolve().parent
        if not database.startswith("file:") and not folder.is_dir():
            raise InputError(
                f"cannot open the assessment register {shown}: the folder {folder} does not "
                f"exist; create it first"
            )
        connect_args: dict[str, Any] = {"timeout": _BUSY_TIMEOUT_S}
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":  # SQLAlchemy would pick psycopg2, not installed
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect_args = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
    else:
        raise InputError(
            f"cannot open the assessment register {shown}: {backend!r} databases are not "
            f"supported; use sqlite:///path/to/register.db or postgresql+psycopg://..."
        )
    try:
        engine = sa.create_engine(
            parsed, connect_args=connect_args, pool_pre_ping=backend == "postgresql"
        )
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
        raise InputError(f"cannot open the assessment register {shown}: {e}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine, parsed


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    folder = str(Path(__file__).resolve().parent / "migrations")
    config.set_main_option("script_location", folder.replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


# --- paging helpers ---


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq<{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        text = ""
    match = _CURSOR_RE.fullmatch(text)
    if not match:
        raise InputError(
            f"cursor {cursor!r} is not one the register gave out; pass the cursor of the "
            f"previous page unchanged, or none for the first page"
        )
    return int(match.group(1))


def _bound(value: str | date | datetime, name: str, *, end: bool) -> tuple[str, bool]:
    """``(text, inclusive)``: the created_utc text bounding a ``since`` or ``until`` filter.

    A day (``YYYY-MM-DD`` or a date) covers the whole day: ``since`` from its first moment,
    ``until`` up to (excluding) the next day's. A datetime without time zone is taken as UTC.
    """
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return _day_bound(value, end=end)
    elif isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return _day_bound(date.fromisoformat(value.strip()), end=end)
        except ValueError as e:
            raise InputError(f"{name}={value!r} is not a date: {e}") from None
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(
                f"{name}={value!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 date and time "
                f"(e.g. 2026-12-01T03:04:05Z)"
            ) from None
    else:
        raise InputError(f"{name} must be a date or an ISO 8601 text, not {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _utc_text(moment), True


def _day_bound(day: date, *, end: bool) -> tuple[str, bool]:
    if end:
        return _utc_text(datetime.combine(day + timedelta(days=1), time(), UTC)), False
    return _utc_text(datetime.combine(day, time(), UTC)), True


# --- the register ---


class Register:
    """The assessment register in a SQLite file or a PostgreSQL database.

    Opening creates the schema, or upgrades it, to the newest migration. One ``Register`` may
    be shared by the threads of a process (each call checks out its own connection); every
    process opens its own (after ``fork``, pooled connections are left to the parent).

    Parameters
    ----------
    url : str
        A SQLAlchemy URL: ``sqlite:///path/to/register.db`` (the folder must exist) or
        ``postgresql+psycopg://user:password@host:5432/database`` (``postgresql://`` is taken
        as psycopg too).

    Raises
    ------
    InputError
        The URL is not one the register can use, or the database cannot be reached or
        opened (:class:`RegisterUnavailable`); the message names the URL with its password
        masked.

    Examples
    --------
    >>> import tempfile, uuid
    >>> folder = tempfile.TemporaryDirectory()
    >>> register = Register(f"sqlite:///{folder.name}/register.db")
    >>> record = NewRecord(str(uuid.uuid4()), utc_now(), "ana", "rm-021b6b9cfc5a",
    ...                    "models/demo", "P-17", "0" * 64, {"rows": []}, {"loading": 0.1},
    ...                    {"premium": 1234.5})
    >>> stored, created = register.append(record)
    >>> stored.seq, created, stored.previous_sha256 == GENESIS_SHA256
    (1, True, True)
    >>> register.get(record.assessment_id).assessment
    {'premium': 1234.5}
    >>> register.verify_chain()
    []
    >>> register.dispose(); folder.cleanup()
    """

    def __init__(self, url: str | URL):
        self._engine, parsed = _make_engine(url)
        self._url = _mask(parsed)
        self._backend = parsed.get_backend_name()
        self._password = parsed.password
        try:
            self._migrate()
        except exc.DBAPIError as e:  # e.g. permission denied to create the table
            self._engine.dispose()
            raise InputError(
                f"cannot open the assessment register {self._url}: {self._clean(e)}"
            ) from None
        except BaseException:
            self._engine.dispose()
            raise
        # Pooled connections must not be used by a forked child (a worker forked after the
        # register was opened): the child opens its own.
        engine_ref = weakref.ref(self._engine)

        def _forget_parent_connections() -> None:
            engine = engine_ref()
            if engine is not None:
                engine.dispose(close=False)

        os.register_at_fork(after_in_child=_forget_parent_connections)

    # --- plumbing ---

    @property
    def url(self) -> str:
        """The database URL, with the password masked (for display)."""
        return self._url

    def __repr__(self) -> str:
        return f"Register({self._url!r})"

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()

    def dispose(self) -> None:
        """Close the register's pooled database connections (it may still be used: calls
        after this open new ones)."""
        self._engine.dispose()

    def _clean(self, error: BaseException) -> str:
        text = _first_line(error)
        if self._password:
            text = text.replace(self._password, "***")
        return text

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except (exc.OperationalError, exc.InterfaceError) as e:
            what = (
                f"cannot open the assessment register {self._url}"
                if action == "opening"
                else f"the assessment register {self._url} is unavailable ({action} failed)"
            )
            raise RegisterUnavailable(f"{what}: {self._clean(e)}") from e

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        with self._translate(action), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        """A transaction holding the register's write lock; commits when the block ends."""
        with (
            self._translate(action),
            self._engine.connect().execution_options(**{_WRITE: True}) as conn,
            conn.begin(),
        ):
            if self._backend == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
            yield conn

    def _migrate(self) -> None:
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = _alembic_config()
        script = ScriptDirectory.from_config(config)
        heads = set(script.get_heads())
        with self._read("opening") as conn:
            current = set(
                MigrationContext.configure(
                    conn, opts={"version_table": VERSION_TABLE}
                ).get_current_heads()
            )
        unknown = {r for r in current if r not in {s.revision for s in script.walk_revisions()}}
        if unknown:
            raise InputError(
                f"cannot open the assessment register {self._url}: its schema revision "
                f"{', '.join(sorted(unknown))} is newer than this riskmodel knows "
                f"({', '.join(sorted(heads))}); use the riskmodel version that wrote it"
            )
        if current == heads:
            return
        with self._write("creating or upgrading the schema") as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    # --- writing ---

    def append_many(self, records: Sequence[NewRecord]) -> list[StoredRecord]:
        """Store ``records`` (without idempotency keys) as the newest records of the chain, in
        one transaction: all of them or, on an error, none. Returns after the commit.

        Raises
        ------
        InputError
            A record is malformed, carries an idempotency key, or its ``assessment_id`` is
            already in the register.
        RegisterUnavailable
            The database cannot be reached (nothing was stored).
        """
        prepared = []
        for record in records:
            if record.idempotency_key is not None:
                raise InputError("append_many stores records without an idempotency key")
            content = _prepare(record)
            texts = {name: canonical_json(content[name]) for name in _JSON_FIELDS}
            prepared.append((content, texts, _sha256(canonical_json(content))))
        if not prepared:
            return []
        stored: list[StoredRecord] = []
        try:
            with self._write("append") as conn:
                last = conn.execute(
                    sa.select(_c.seq, _c.record_sha256).order_by(_c.seq.desc()).limit(1)
                ).first()
                seq, previous = (0, GENESIS_SHA256) if last is None else tuple(last)
                rows = []
                for content, texts, content_hash in prepared:
                    seq += 1
                    record_hash = _chain(previous, content_hash)
                    values = {
                        _column(n): texts[n] if n in texts else content[n] for n in _NEW_FIELDS
                    }
                    values.update(
                        seq=seq,
                        content_sha256=content_hash,
                        previous_sha256=previous,
                        record_sha256=record_hash,
                    )
                    rows.append(values)
                    stored.append(
                        StoredRecord(
                            seq=seq,
                            content_sha256=content_hash,
                            previous_sha256=previous,
                            record_sha256=record_hash,
                            **content,
                        )
                    )
                    previous = record_hash
                conn.execute(sa.insert(_table), rows)
        except exc.IntegrityError as e:
            raise InputError(
                f"a record of this batch is already in the register: {self._clean(e)}"
            ) from None
        return stored

    def by_idempotency_key(self, created_by: str, key: str) -> StoredRecord | None:
        """The record ``created_by`` stored with idempotency ``key``, if any."""
        with self._read("reading") as conn:
            row = conn.execute(
                sa.select(_table).where(_c.created_by == created_by, _c.idempotency_key == key)
            ).first()
        return None if row is None else _to_record(row)

    def append(self, record: NewRecord) -> tuple[StoredRecord, bool]:
        """Store ``record`` as the newest record of the chain; returns after the commit.

        Parameters
        ----------
        record : NewRecord
            The assessment to store.

        Returns
        -------
        (StoredRecord, bool)
            The stored record and True; or, when this user's ``idempotency_key`` was seen
            before with the same ``request_sha256`` (or this very record was stored before,
            same ``assessment_id`` and content: a retried append), the first record and False,
            nothing new being stored.

        Raises
        ------
        IdempotencyConflict
            The user's idempotency key was used before with another ``request_sha256``.
        InputError
            A field of ``record`` is malformed, or ``assessment_id`` is already in the register
            with other content.
        RegisterUnavailable
            The database cannot be reached (the record may or may not be stored: retry with
            the same record, which is then returned with False if it was).
        """
        content = _prepare(record)
        texts = {name: canonical_json(content[name]) for name in _JSON_FIELDS}
        content_hash = _sha256(canonical_json(content))
        try:
            with self._write("append") as conn:
                existing = self._find_existing(conn, record, content_hash)
                if existing is not None:
                    return existing, False
                last = conn.execute(
                    sa.select(_c.seq, _c.record_sha256).order_by(_c.seq.desc()).limit(1)
                ).first()
                seq, previous = (
                    (1, GENESIS_SHA256) if last is None else (last.seq + 1, last.record_sha256)
                )
                values = {_column(n): texts[n] if n in texts else content[n] for n in _NEW_FIELDS}
                values.update(
                    seq=seq,
                    content_sha256=content_hash,
                    previous_sha256=previous,
                    record_sha256=_chain(previous, content_hash),
                )
                conn.execute(sa.insert(_table).values(**values))
        except exc.IntegrityError:
            # Another writer stored this key (or this record) between our check and our insert:
            # the serializing lock makes this unreachable in the register's own use, but a
            # writer that bypassed it must not make the retry fail. The winner's record is
            # returned.
            with self._read("append") as conn:
                existing = self._find_existing(conn, record, content_hash)
            if existing is None:
                raise
            return existing, False
        return StoredRecord(
            seq=seq,
            content_sha256=content_hash,
            previous_sha256=previous,
            record_sha256=values["record_sha256"],
            **content,
        ), True

    def _find_existing(
        self, conn: Connection, record: NewRecord, content_hash: str
    ) -> StoredRecord | None:
        """The record a repeated append returns instead of storing ``record``, if any."""
        if record.idempotency_key is not None:
            row = conn.execute(
                sa.select(_table).where(
                    _c.created_by == record.created_by,
                    _c.idempotency_key == record.idempotency_key,
                )
            ).first()
            if row is not None:
                first = _to_record(row)
                if first.request_sha256 != record.request_sha256:
                    raise IdempotencyConflict(
                        f"the idempotency key {record.idempotency_key!r} of {record.created_by!r} "
                        f"was used for another request (assessment {first.assessment_id}, "
                        f"{first.created_utc}); use a new key for a new request",
                        first,
                    )
                return first
        row = conn.execute(
            sa.select(_table).where(_c.assessment_id == record.assessment_id)
        ).first()
        if row is None:
            return None
        if row.content_sha256 != content_hash:
            raise InputError(
                f"assessment_id {record.assessment_id} is already in the register (seq "
                f"{row.seq}) with other content; every assessment needs a new id"
            )
        return _to_record(row)

    # --- reading ---

    def get(self, assessment_id: str) -> StoredRecord | None:
        """The record of ``assessment_id``, or None if there is none."""
        with self._read("get") as conn:
            row = conn.execute(sa.select(_table).where(_c.assessment_id == assessment_id)).first()
        return None if row is None else _to_record(row)

    def list(
        self,
        *,
        product_id: str | None = None,
        created_by: str | None = None,
        since: str | date | datetime | None = None,
        until: str | date | datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
        model_version: str | None = None,
        category: str | None = None,
        grade: str | None = None,
    ) -> tuple[list[StoredRecord], str | None]:
        """One page of records, newest first.

        Parameters
        ----------
        product_id, created_by, model_version : str, optional
            Only records of this product, made by this user, or issued by this model version.
        category, grade : str, optional
            Only records of products of this category, or assessed in this grade (read from the
            stored inputs and assessment).
        since, until : str, date or datetime, optional
            Only records created from ``since`` and up to ``until`` (``created_utc``). A day
            (``YYYY-MM-DD``) counts whole: ``until="2026-12-01"`` includes all of that day. A
            date and time (ISO 8601) is taken as UTC unless it says otherwise; both ends are
            inclusive.
        limit : int
            Records per page, 1 to 1000.
        cursor : str, optional
            The cursor returned with the previous page; None for the first page. Pages stay
            consistent while records are appended: the next page continues below the last
            record shown.

        Returns
        -------
        (list of StoredRecord, str or None)
            The page, and the cursor of the next page (None when this page is the last).
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _MAX_LIMIT:
            raise InputError(f"limit must be a whole number from 1 to {_MAX_LIMIT}, not {limit!r}")
        query = sa.select(_table)
        if product_id is not None:
            query = query.where(_c.product_id == product_id)
        if created_by is not None:
            query = query.where(_c.created_by == created_by)
        if model_version is not None:
            query = query.where(_c.model_version == model_version)
        if category is not None:
            query = query.where(
                self._json_text(_c.inputs_json, "products", 0, "category") == category
            )
        if grade is not None:
            query = query.where(self._json_text(_c.assessment_json, "grade") == grade)
        if since is not None:
            text, _ = _bound(since, "since", end=False)
            query = query.where(_c.created_utc >= text)
        if until is not None:
            text, inclusive = _bound(until, "until", end=True)
            query = query.where(_c.created_utc <= text if inclusive else _c.created_utc < text)
        if cursor is not None:
            query = query.where(_c.seq < _decode_cursor(cursor))
        query = query.order_by(_c.seq.desc()).limit(limit + 1)
        with self._read("list") as conn:
            rows = conn.execute(query).all()
        page = [_to_record(row) for row in rows[:limit]]
        return page, (_encode_cursor(page[-1].seq) if len(rows) > limit else None)

    def _json_text(self, column, *path: str | int):
        """The text at ``path`` in a JSON text column, in this database's SQL."""
        if self._engine.dialect.name == "postgresql":
            return sa.cast(column, postgresql.JSONB)[tuple(str(p) for p in path)].astext
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        return sa.func.json_extract(column, where)

    def count(self) -> int:
        """How many records the register holds."""
        with self._read("count") as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(_table)))

    def __iter__(self) -> Iterator[StoredRecord]:
        return self.records()

    def records(self, batch: int = 1000) -> Iterator[StoredRecord]:
        """Every record, oldest first, read ``batch`` at a time (memory stays flat however
        large the register). Records appended after the iteration started are not included."""
        return (_to_record(row) for row in self._rows(batch))

    def _rows(self, batch: int) -> Iterator[Any]:
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise InputError(f"batch must be a whole number of at least 1, not {batch!r}")
        return self._row_batches(batch)

    def _row_batches(self, batch: int) -> Iterator[Any]:
        with self._read("reading records") as conn:
            newest = conn.scalar(sa.select(sa.func.max(_c.seq)))
        if newest is None:
            return
        after = None
        while True:
            query = sa.select(_table).where(_c.seq <= newest)
            if after is not None:
                query = query.where(_c.seq > after)
            with self._read("reading records") as conn:
                rows = conn.execute(query.order_by(_c.seq).limit(batch)).all()
            if not rows:
                return
            yield from rows
            after = rows[-1].seq

    # --- auditing ---

    def verify_chain(self) -> list[ChainProblem]:
        """Recompute every hash and link; the problems found, oldest first (empty: intact).

        Each record's ``content_sha256`` must be the hash of its content and its
        ``record_sha256`` the hash of its ``previous_sha256`` and ``content_sha256``; its
        ``previous_sha256`` must be the ``record_sha256`` of the record before it, and ``seq``
        must count up by one from 1. A record whose stored JSON text is not canonical was
        rewritten outside the register and is named too. See the module documentation for
        what the chain cannot detect (rewriting every later hash, deleting the newest
        records) and how to close that gap.
        """
        problems: list[ChainProblem] = []
        expected_seq = 1
        previous_seq = 0
        # The hashes the next record may link to: the stored record_sha256 of the record before
        # it, or the one its stored fields give (so that one edited hash field names one record).
        links = {GENESIS_SHA256}
        for row in self._rows(1000):
            seq, aid = int(row.seq), row.assessment_id
            if seq != expected_seq:
                gap = f"{expected_seq} to {seq - 1}" if seq > expected_seq + 1 else expected_seq
                after = f"seq {previous_seq}" if previous_seq else "the start"
                problems.append(
                    ChainProblem(
                        expected_seq,
                        None,
                        f"record seq {gap} missing (deleted): {after} is followed by seq {seq}",
                    )
                )
            if row.previous_sha256 not in links:
                before = f"seq {previous_seq}" if previous_seq else "none: this is the first"
                problems.append(
                    ChainProblem(
                        seq,
                        aid,
                        f"previous_sha256 does not match the record_sha256 of the record before it "
                        f"({before}): a record before it was deleted, records were reordered, or "
                        f"this previous_sha256 was edited",
                    )
                )
            try:
                content = _row_content(row)
            except ValueError as e:
                problems.append(ChainProblem(seq, aid, f"content cannot be read: {e}"))
            else:
                if _sha256(canonical_json(content)) != row.content_sha256:
                    problems.append(
                        ChainProblem(
                            seq,
                            aid,
                            "content_sha256 does not match the record's content: a field was "
                            "edited after the record was stored (or content_sha256 itself)",
                        )
                    )
                for name in _JSON_FIELDS:
                    if canonical_json(content[name]) != getattr(row, f"{name}_json"):
                        problems.append(
                            ChainProblem(
                                seq,
                                aid,
                                f"{name}_json is not the canonical JSON the register writes: it "
                                f"was rewritten outside riskmodel",
                            )
                        )
            own = _chain(str(row.previous_sha256), str(row.content_sha256))
            if row.record_sha256 != own:
                problems.append(
                    ChainProblem(
                        seq,
                        aid,
                        "record_sha256 is not sha256(previous_sha256 + content_sha256): one of "
                        "these hash fields was edited",
                    )
                )
            links = {row.record_sha256, own}
            expected_seq, previous_seq = seq + 1, seq
        return problems

    def export(self, path: str | os.PathLike[str]) -> int:
        """Write every record to ``path``, one row each, oldest first; the number of rows.

        The format follows the extension: ``.csv`` (UTF-8, a header row) or ``.parquet``. The
        columns are :class:`StoredRecord`'s fields; ``inputs``, ``pricing`` and ``assessment``
        hold the JSON text exactly as stored, so that the hashes can be recomputed from the
        file alone. The file is replaced only once complete.

        Raises
        ------
        InputError
            (a ``ValueError``) for another extension, or a folder that does not exist.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise InputError(
                f"cannot export the register to {path}: the format follows the file name's "
                f"extension, which must be .csv or .parquet, not {path.suffix or 'none'!r}"
            )
        if not path.parent.is_dir():
            raise InputError(f"cannot export the register to {path}: {path.parent} does not exist")
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            rows = self._export_csv(partial) if suffix == ".csv" else self._export_parquet(partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return rows

    @staticmethod
    def _export_row(row: Any) -> list[Any]:
        return [getattr(row, _column(name)) for name in _STORED_FIELDS]

    def _export_csv(self, path: Path) -> int:
        rows = 0
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(_STORED_FIELDS)
            for row in self._rows(1000):
                writer.writerow(self._export_row(row))
                rows += 1
        return rows

    def _export_parquet(self, path: Path) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema(
            [pa.field("seq", pa.int64(), nullable=False)]
            + [
                pa.field(name, pa.string(), nullable=name in ("idempotency_key", "request_sha256"))
                for name in _STORED_FIELDS[1:]
            ]
        )
        rows = 0
        with pq.ParquetWriter(path, schema) as writer:
            for chunk in batched(map(self._export_row, self._rows(1000)), 1000):
                columns = zip(*chunk, strict=True)
                arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                rows += len(chunk)
        return rows
