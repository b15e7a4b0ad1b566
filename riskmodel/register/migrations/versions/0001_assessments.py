"""The assessments table: the append-only, hash-chained register of issued assessments.

One row per assessment, numbered by ``seq`` in commit order (see :mod:`riskmodel.register.store`
for the hash chain). ``inputs_json``, ``pricing_json`` and ``assessment_json`` hold canonical JSON
text (sorted keys, no spaces), byte for byte what the hashes were computed from.

The database refuses to change or remove a row: on SQLite ``BEFORE UPDATE`` and ``BEFORE DELETE``
triggers abort the statement; on PostgreSQL a trigger function raises for UPDATE and DELETE (per
row) and TRUNCATE (per statement), and those privileges are revoked from PUBLIC. (The table's
owner and superusers can still drop the triggers: that is what the hash chain is for.)

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MESSAGE = "the assessment register is append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER assessments_append_only_{event.lower()} BEFORE {event} ON assessments
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for event in ("UPDATE", "DELETE")
]

POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION assessments_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP;
    END
    $body$""",
    """CREATE TRIGGER assessments_append_only BEFORE UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION assessments_append_only()""",
    """CREATE TRIGGER assessments_append_only_truncate BEFORE TRUNCATE ON assessments
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_append_only()""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON assessments FROM PUBLIC",
]


def upgrade() -> None:
    """Create the table, its indexes and the append-only triggers."""
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(
            f"the assessment register supports SQLite and PostgreSQL, not {dialect}"
        )
    op.create_table(
        "assessments",
        # INTEGER PRIMARY KEY on SQLite (the rowid), BIGINT on PostgreSQL; always given by the
        # register (the newest seq + 1 under the write lock), never generated.
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
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
        sa.CheckConstraint("seq >= 1", name="ck_assessments_seq_positive"),
        sa.UniqueConstraint("assessment_id", name="uq_assessments_assessment_id"),
        # NULL keys (no idempotency) may repeat: NULLs are distinct in both databases.
        sa.UniqueConstraint("created_by", "idempotency_key", name="uq_assessments_idempotency"),
    )
    # The list filters, each with seq to read a page newest first from the index.
    op.create_index("ix_assessments_product_id", "assessments", ["product_id", "seq"])
    op.create_index("ix_assessments_created_by", "assessments", ["created_by", "seq"])
    op.create_index("ix_assessments_created_utc", "assessments", ["created_utc"])
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    """Refused: the register is never dropped by a migration."""
    raise NotImplementedError(
        "the assessment register is append-only: no migration drops it; a database "
        "administrator who really means to must drop the table by hand"
    )
