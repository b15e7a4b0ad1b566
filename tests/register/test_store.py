"""The assessment register: each guarantee it makes, on SQLite and on PostgreSQL.

Tests taking ``register_url`` run on both databases (see conftest.py); the attacks on the chain
go through a connection of their own, as someone with direct access to the database would.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import multiprocessing
import threading
import traceback
import uuid

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import NullPool

from riskmodel.errors import InputError
from riskmodel.register import (
    GENESIS_SHA256,
    VERSION_TABLE,
    IdempotencyConflict,
    NewRecord,
    Register,
    StoredRecord,
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(value) -> str:
    """The canonical JSON of the specification, written out here rather than imported."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_record(i: int = 0, *, day: int = 1, **changes) -> NewRecord:
    fields = dict(
        assessment_id=str(uuid.uuid4()),
        created_utc=f"2026-12-{day:02d}T03:04:05.{i:06d}Z",
        created_by="ana",
        model_version="rm-021b6b9cfc5a",
        model_source="models/demo",
        product_id=f"P-{i}",
        inputs_sha256=sha(f"inputs {i}"),
        inputs={"rows": [{"name": "Société Générale ☂", "turnover": 1.0e6 + i / 3}]},
        pricing={"loading": 0.1, "currency": "EUR"},
        assessment={"premium": 1234.5 + i, "score": 0.1 + i / 7, "reasons": ["a", "b"]},
    )
    fields.update(changes)
    return NewRecord(**fields)


@pytest.fixture
def register(register_url):
    reg = Register(register_url)
    yield reg
    reg.dispose()


@pytest.fixture
def database(register_url):
    """A connection pool of its own onto the register's database (the attacker's, the auditor's)."""
    engine = sa.create_engine(register_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def fill(reg: Register, n: int) -> list[StoredRecord]:
    return [reg.append(new_record(i, day=1 + i % 3))[0] for i in range(1, n + 1)]


# --- 1. committed before return, durable, serialized ---


def test_append_chains_records_committed_before_it_returns(register, database):
    records = [
        new_record(i, idempotency_key=f"k{i}", request_sha256=sha(f"body {i}")) for i in range(3)
    ]
    records.append(new_record(3))
    previous = GENESIS_SHA256
    for seq, record in enumerate(records, start=1):
        stored, created = register.append(record)
        assert created and stored.seq == seq
        # The hashes as the specification defines them, computed independently.
        content = sha(canonical(dataclasses.asdict(record)))
        assert stored.content_sha256 == content
        assert stored.previous_sha256 == previous
        assert stored.record_sha256 == sha(previous + content)
        previous = stored.record_sha256
        # Committed: another connection sees it at once.
        with database.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT seq, record_sha256, assessment_json FROM assessments "
                    "WHERE assessment_id = :id"
                ),
                {"id": record.assessment_id},
            ).one()
        assert (row.seq, row.record_sha256) == (seq, stored.record_sha256)
        assert row.assessment_json == canonical(record.assessment)
        assert register.get(record.assessment_id) == stored
        assert {
            k: v for k, v in dataclasses.asdict(stored).items() if k in dataclasses.asdict(record)
        } == dataclasses.asdict(record)
    assert register.count() == 4
    assert register.get(str(uuid.uuid4())) is None
    assert register.verify_chain() == []


def test_append_takes_the_write_lock_before_reading_the_newest_record(register):
    register.append(new_record(1))
    statements = []
    sa.event.listen(
        register._engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append(" ".join(statement.split())),
    )
    register.append(new_record(2))
    newest = next(i for i, s in enumerate(statements) if "ORDER BY assessments.seq DESC" in s)
    if register._engine.dialect.name == "sqlite":
        assert statements[0] == "BEGIN IMMEDIATE"
        with register._engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 2,
            "busy_timeout": 30000,
            "foreign_keys": 1,
        }
    else:
        lock = next(i for i, s in enumerate(statements) if "pg_advisory_xact_lock" in s)
        assert lock < newest


def _append_worker(url: str, worker: int, n: int, barrier, errors) -> None:
    """One process of the service: opens the register (all at once, on a new database) and
    appends ``n`` records as fast as it can."""
    try:
        reg = Register(url)
        barrier.wait(60)
        for i in range(n):
            stored, created = reg.append(new_record(i, created_by=f"worker-{worker}"))
            assert created
        reg.dispose()
    except BaseException:
        errors.put(f"worker {worker}: {traceback.format_exc()}")
        raise


def test_processes_appending_at_once_keep_one_chain(register_url):
    workers, each = 8, 25
    ctx = multiprocessing.get_context("spawn")
    barrier, errors = ctx.Barrier(workers), ctx.Queue()
    processes = [
        ctx.Process(target=_append_worker, args=(register_url, w, each, barrier, errors))
        for w in range(workers)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert [p.exitcode for p in processes] == [0] * workers, failures
    with Register(register_url) as reg:
        records = list(reg.records(batch=64))
        assert [r.seq for r in records] == list(range(1, workers * each + 1))
        assert sorted(r.created_by for r in records) == sorted(
            f"worker-{w}" for w in range(workers) for _ in range(each)
        )
        assert reg.verify_chain() == []


def test_threads_share_one_register(register):
    threads, each = 4, 15
    failures = []

    def work(t: int) -> None:
        try:
            for i in range(each):
                register.append(new_record(i, created_by=f"thread-{t}"))
                register.list(created_by=f"thread-{t}", limit=5)
        except Exception:
            failures.append(traceback.format_exc())

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert failures == []
    assert [r.seq for r in register] == list(range(1, threads * each + 1))
    assert register.verify_chain() == []


# --- 2. append-only ---


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE assessments SET product_id = 'P-other' WHERE seq = 2",
        "UPDATE assessments SET record_sha256 = previous_sha256",
        "DELETE FROM assessments WHERE seq = 3",
        "DELETE FROM assessments",
        "TRUNCATE assessments",
    ],
)
def test_the_database_refuses_updates_and_deletes(register, database, statement):
    if statement.startswith("TRUNCATE") and database.dialect.name == "sqlite":
        pytest.skip("SQLite has no TRUNCATE (DELETE FROM is its form)")
    before = fill(register, 3)
    with pytest.raises(sa.exc.DBAPIError, match="the assessment register is append-only"):
        with database.begin() as conn:
            conn.exec_driver_sql(statement)
    assert list(register) == before
    assert not [name for name in dir(Register) if name.startswith(("update", "delete", "remove"))]


# --- 3. tamper evident ---


def drop_triggers(database) -> None:
    """What an administrator can do: drop the triggers that refuse UPDATE and DELETE."""
    with database.begin() as conn:
        if database.dialect.name == "sqlite":
            names = (
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = 'assessments'"
                )
                .scalars()
                .all()
            )
            for name in names:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            names = (
                conn.exec_driver_sql(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = 'assessments'::regclass AND NOT tgisinternal"
                )
                .scalars()
                .all()
            )
            for name in names:
                conn.exec_driver_sql(f"DROP TRIGGER {name} ON assessments")
    assert names


def edit_premium(conn, records):
    text = conn.execute(
        sa.text("SELECT assessment_json FROM assessments WHERE seq = 5")
    ).scalar_one()
    assessment = json.loads(text)
    assessment["premium"] = assessment["premium"] - 500
    conn.execute(
        sa.text("UPDATE assessments SET assessment_json = :t WHERE seq = 5"),
        {"t": canonical(assessment)},
    )


def edit_product_and_rehash(conn, records):
    """A careful attacker: edits the content and recomputes the record's own hashes."""
    record = dataclasses.replace(records[4], product_id="P-other")
    content = sha(
        canonical({f.name: getattr(record, f.name) for f in dataclasses.fields(NewRecord)})
    )
    conn.execute(
        sa.text(
            "UPDATE assessments SET product_id = 'P-other', content_sha256 = :c, "
            "record_sha256 = :r WHERE seq = 5"
        ),
        {"c": content, "r": sha(record.previous_sha256 + content)},
    )


def swap_5_and_6(conn, records):
    for old, new in ((5, 1000), (6, 5), (1000, 6)):
        conn.execute(sa.text(f"UPDATE assessments SET seq = {new} WHERE seq = {old}"))


ATTACKS = {
    "premium in the assessment": (edit_premium, {5}),
    "product_id": (
        lambda conn, _: conn.exec_driver_sql(
            "UPDATE assessments SET product_id = 'P-other' WHERE seq = 5"
        ),
        {5},
    ),
    "record_sha256": (
        lambda conn, _: conn.exec_driver_sql(
            f"UPDATE assessments SET record_sha256 = '{'f' * 64}' WHERE seq = 5"
        ),
        {5},
    ),
    "previous_sha256": (
        lambda conn, _: conn.exec_driver_sql(
            "UPDATE assessments SET previous_sha256 = record_sha256 WHERE seq = 5"
        ),
        {5},
    ),
    # The next record's link gives it away.
    "content with its hashes recomputed": (edit_product_and_rehash, {6}),
    "record deleted": (
        lambda conn, _: conn.exec_driver_sql("DELETE FROM assessments WHERE seq = 5"),
        {5, 6},
    ),
    # Both moved records, and the one after them (its link is to the record now at seq 5).
    "records reordered": (swap_5_and_6, {5, 6, 7}),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_verify_chain_names_the_tampered_record(register, database, attack):
    change, named = ATTACKS[attack]
    records = fill(register, 8)
    assert register.verify_chain() == []
    drop_triggers(database)
    with database.begin() as conn:
        change(conn, records)
    problems = register.verify_chain()
    assert {p.seq for p in problems} == named, problems
    by_seq = {r.seq: r.assessment_id for r in records}
    for p in problems:
        if attack == "record deleted" and p.seq == 5:
            assert p.assessment_id is None and "seq 5 missing" in p.reason
        elif attack == "records reordered" and p.seq in (5, 6):
            assert p.assessment_id == by_seq[11 - p.seq]  # the record now at that place
        else:
            assert p.assessment_id == by_seq[p.seq]
    if attack == "content with its hashes recomputed":
        assert "seq 5" in problems[0].reason


def test_verify_chain_of_an_empty_register(register):
    assert register.verify_chain() == []
    assert register.count() == 0
    assert register.list() == ([], None)


# --- 4. idempotency ---


def test_a_repeated_idempotency_key_returns_the_first_record(register):
    body = sha("request body")
    first, created = register.append(new_record(1, idempotency_key="key-1", request_sha256=body))
    assert created
    again, created = register.append(new_record(2, idempotency_key="key-1", request_sha256=body))
    assert (again, created) == (first, False)
    assert register.count() == 1
    # The key is the user's: another user's same key is another request.
    _, created = register.append(
        new_record(3, created_by="ben", idempotency_key="key-1", request_sha256=body)
    )
    assert created
    # No key: every append is new.
    assert register.append(new_record(4))[1] and register.append(new_record(5))[1]
    with pytest.raises(IdempotencyConflict, match="key-1") as raised:
        register.append(new_record(6, idempotency_key="key-1", request_sha256=sha("other")))
    assert raised.value.existing == first
    assert register.count() == 4
    assert register.verify_chain() == []


def test_the_idempotency_race_returns_the_winner(register, monkeypatch):
    """Two appends with one key: the loser checked before the winner committed, so its insert
    hits the unique constraint; it returns the winner's record."""
    body = sha("request body")
    winner, _ = register.append(new_record(1, idempotency_key="key-1", request_sha256=body))
    original, calls = Register._find_existing, []

    def checked_too_early(self, conn, record, content_hash):
        calls.append(record.assessment_id)
        return None if len(calls) == 1 else original(self, conn, record, content_hash)

    monkeypatch.setattr(Register, "_find_existing", checked_too_early)
    loser = new_record(2, idempotency_key="key-1", request_sha256=body)
    assert register.append(loser) == (winner, False)
    assert len(calls) == 2 and register.count() == 1


def test_a_retried_append_of_the_same_record_stores_it_once(register):
    record = new_record(1)
    first, _ = register.append(record)
    assert register.append(record) == (first, False)
    with pytest.raises(InputError, match="already in the register"):
        register.append(dataclasses.replace(record, product_id="P-other"))
    assert register.count() == 1


# --- 5. listing, paging, streaming ---


def test_list_filters_newest_first(register):
    fill(register, 12)  # days 2, 3, 1, 2, 3, 1, ... (1 + i % 3)

    def seqs(**filters):
        page, cursor = register.list(**filters)
        assert cursor is None
        return [r.seq for r in page]

    everything = list(range(12, 0, -1))
    assert seqs() == everything
    assert seqs(product_id="P-4") == [4]
    register.append(new_record(13, created_by="ben", product_id="P-4"))
    assert seqs(product_id="P-4") == [13, 4]
    assert seqs(created_by="ben") == [13]
    assert seqs(created_by="ana", product_id="P-4") == [4]
    records = list(register)
    on_day = {
        d: [r.seq for r in reversed(records) if r.created_utc[8:10] == f"{d:02d}"]
        for d in (1, 2, 3)
    }
    assert on_day[1] == [13, 12, 9, 6, 3]
    assert seqs(since="2026-12-02", until="2026-12-02") == on_day[2]
    assert seqs(until="2026-12-01") == on_day[1]
    assert seqs(until="2026-12-01", created_by="ana") == on_day[1][1:]
    assert seqs(since="2026-12-03") == on_day[3]
    assert seqs(since="2026-12-04") == []
    # Date and time bounds are inclusive; without a zone they are UTC.
    moment = records[4].created_utc  # seq 5, day 3
    assert seqs(since=moment, until=moment) == [5]
    assert seqs(since=moment.replace("Z", "+00:00"), until=moment[:-1]) == [5]
    assert seqs(since=moment.replace("T03", "T04").replace("Z", "+01:00"), until=moment) == [5]


def test_list_filters_by_model_version_category_and_grade(register):
    """The workbench's register filters, on both databases (JSON read in each one's SQL)."""
    for i, (version, category, grade) in enumerate(
        [
            ("v1", "drone", "A"),
            ("v2", "drone", "C"),
            ("v1", "medical_device", "C"),
            ("v2", "b", "B"),
        ]
    ):
        register.append(
            new_record(
                i,
                model_version=version,
                inputs={"products": [{"product_id": f"P-{i}", "category": category}]},
                assessment={"grade": grade, "premium_krw": 1.0 + i},
            )
        )

    def seqs(**filters):
        return [r.seq for r in register.list(**filters)[0]]

    assert seqs(model_version="v1") == [3, 1]
    assert seqs(category="drone") == [2, 1]
    assert seqs(grade="C") == [3, 2]
    assert seqs(category="drone", grade="C", model_version="v2") == [2]
    assert seqs(category="robotics") == []
    assert seqs(grade="C'; DROP TABLE x; --") == []


def test_pages_stay_consistent_while_records_are_appended(register):
    fill(register, 12)
    page1, cursor = register.list(limit=5)
    assert [r.seq for r in page1] == [12, 11, 10, 9, 8] and cursor
    fill(register, 3)  # seq 13 to 15, appended between two page reads
    page2, cursor = register.list(limit=5, cursor=cursor)
    page3, end = register.list(limit=5, cursor=cursor)
    assert [r.seq for r in page2] == [7, 6, 5, 4, 3]
    assert [r.seq for r in page3] == [2, 1] and end is None
    first, _ = register.list(limit=15)
    assert register.list(limit=15) == (first, None) and len(first) == 15


@pytest.mark.parametrize(
    "arguments",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": True},
        {"cursor": "not-a-cursor"},
        {"since": "yesterday"},
        {"until": "2026-13-01"},
    ],
)
def test_list_rejects_arguments_it_cannot_use(tmp_path, arguments):
    with Register(f"sqlite:///{tmp_path / 'r.db'}") as reg:
        with pytest.raises(InputError, match=next(iter(arguments))):
            reg.list(**arguments)


def test_list_filters_have_indexes(register, database):
    inspector = sa.inspect(database)
    first_columns = {ix["column_names"][0] for ix in inspector.get_indexes("assessments")}
    assert {"product_id", "created_by", "created_utc"} <= first_columns
    unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("assessments")}
    assert {("assessment_id",), ("created_by", "idempotency_key")} <= unique


def test_records_stream_oldest_first(register):
    records = fill(register, 7)
    assert list(register.records(batch=3)) == records
    assert list(register) == records
    stream = register.records(batch=2)
    assert next(stream) == records[0]
    register.append(new_record(8))  # after the iteration started: not included
    assert [r.seq for r in stream] == list(range(2, 8))
    assert register.count() == 8
    with pytest.raises(InputError, match="batch"):
        register.records(batch=0)


# --- export ---


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_one_row_per_record_with_its_hashes(register, tmp_path, suffix):
    empty = tmp_path / f"empty{suffix}"
    assert register.export(empty) == 0
    records = fill(register, 4) + [
        register.append(new_record(5, idempotency_key="k", request_sha256=sha("b")))[0]
    ]
    path = tmp_path / f"register{suffix}"
    assert register.export(path) == 5
    columns = [f.name for f in dataclasses.fields(StoredRecord)]
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        with open(empty, newline="", encoding="utf-8") as f:
            assert list(csv.reader(f)) == [columns]
        assert list(rows[0]) == columns
    else:
        table = pq.read_table(path)
        assert table.column_names == columns and table.schema.field("seq").type == "int64"
        assert pq.read_table(empty).num_rows == 0
        rows = table.to_pylist()
    for row, record in zip(rows, records, strict=True):
        assert int(row["seq"]) == record.seq
        # An auditor's check from the file alone.
        content = {f.name: row[f.name] or None for f in dataclasses.fields(NewRecord)}
        for name in ("inputs", "pricing", "assessment"):
            assert row[name] == canonical(getattr(record, name))
            content[name] = json.loads(row[name])
        assert sha(canonical(content)) == row["content_sha256"] == record.content_sha256
        assert sha(row["previous_sha256"] + row["content_sha256"]) == row["record_sha256"]


def test_export_refuses_other_formats(register, tmp_path):
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        register.export(tmp_path / "register.xlsx")
    assert not (tmp_path / "register.xlsx").exists()


# --- content: what goes in comes out ---

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values, product=st.text(min_size=1, max_size=10).filter(str.strip))
def test_values_come_back_exactly(tmp_path, value, product):
    with Register(f"sqlite:///{tmp_path / 'values.db'}") as reg:
        record = new_record(1, product_id=product, assessment={"value": value, "x": [value]})
        stored, _ = reg.append(record)
        got = reg.get(record.assessment_id)
        assert got == stored
        assert got.assessment == {"value": value, "x": [value]}
        assert got.product_id == product
        # Floats compare exactly (and -0.0 keeps its sign).
        assert canonical(got.assessment) == canonical(record.assessment)
        assert reg.verify_chain() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"assessment": {"premium": float("nan")}}, "assessment"),
        ({"inputs": [1, 2]}, "inputs"),
        ({"pricing": {"when": object()}}, "pricing"),
        ({"created_utc": "2026-12-01T03:04:05Z"}, "created_utc"),
        ({"created_utc": "2026-02-30T03:04:05.000000Z"}, "created_utc"),
        ({"assessment_id": "P-1"}, "assessment_id"),
        ({"inputs_sha256": "ABC"}, "inputs_sha256"),
        ({"request_sha256": "x" * 64}, "request_sha256"),
        ({"created_by": " "}, "created_by"),
        ({"idempotency_key": "k" * 256}, "idempotency_key"),
    ],
)
def test_malformed_records_are_refused(tmp_path, changes, field):
    with Register(f"sqlite:///{tmp_path / 'r.db'}") as reg:
        with pytest.raises(InputError, match=f"NewRecord.{field}"):
            reg.append(new_record(1, **changes))
        assert reg.count() == 0


# --- opening, schema, errors ---


def test_opening_is_idempotent_and_migrates_to_head(register_url, database):
    with Register(register_url) as first:
        stored = fill(first, 2)
    with Register(register_url) as again:
        assert list(again) == stored
        stored.append(again.append(new_record(3))[0])
        assert again.verify_chain() == []
    with database.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all() == [("0001",)]
    assert "alembic_version" not in sa.inspect(database).get_table_names()


def test_a_newer_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Register(url).dispose()
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(InputError, match="9999 is newer"):
        Register(url)


def test_the_url_shown_masks_the_password(register, register_url):
    password = sa.engine.make_url(register_url).password
    if password:
        assert f":{password}@" not in register.url and ":***@" in register.url
        assert f":{password}@" not in repr(register)
    else:
        assert register.url == register_url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://ana:s3cret@127.0.0.1:1/register", "refused"),
        ("postgresql://ana:s3cret@127.0.0.1:1/register", "refused"),
        ("this is not a URL", "not a database URL"),
        ("mysql://ana:s3cret@localhost/register", "not supported"),
        ("sqlite://", "in-memory"),
        ("sqlite:////nonexistent-folder/register.db", "/nonexistent-folder does not exist"),
    ],
)
def test_unusable_urls_say_which_and_why(url, message):
    with pytest.raises(InputError, match=message) as raised:
        Register(url)
    text = str(raised.value)
    assert "s3cret" not in text
    if "://" in url and "s3cret" in url:
        assert "ana:***@" in text


def test_the_query_table_mirrors_the_migrated_schema(register):
    """``store._table`` (what queries read and write) states the columns the migrations create:
    the same names in the same order, nullability and text lengths, on both databases."""
    from riskmodel.register.store import TABLE, _table

    with register._engine.connect() as conn:
        created = sa.inspect(conn).get_columns(TABLE)
    assert [c["name"] for c in created] == [c.name for c in _table.columns]
    for found, stated in zip(created, _table.columns, strict=True):
        assert found["nullable"] == stated.nullable, stated.name
        length = getattr(stated.type, "length", None)
        assert getattr(found["type"], "length", None) == length, stated.name
