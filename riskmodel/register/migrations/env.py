"""Alembic environment of the assessment register.

The register's schema is migrated by :class:`riskmodel.register.Register` when it opens a
database, never by the ``alembic`` command (there is no ``alembic.ini``): ``Register`` builds an
``alembic.config.Config`` in code and passes its own connection, already inside the transaction
that holds the register's write lock, in ``config.attributes["connection"]``. The migrations
therefore run in that transaction, one process at a time, and commit with it.

Alembic's bookkeeping table is ``assessment_register_version`` (not ``alembic_version``), so that
the register can live in a database other applications migrate with Alembic too.
"""

from __future__ import annotations

from alembic import context

from riskmodel.register.store import VERSION_TABLE


def run_migrations() -> None:
    """Run the pending migrations on the connection ``Register`` passed in."""
    if context.is_offline_mode():
        raise RuntimeError("the assessment register's migrations have no offline (--sql) mode")
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "the assessment register's migrations run through riskmodel.register.Register(url), "
            "which passes its connection in config.attributes['connection']"
        )
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


# Alembic executes this file with its context set up; importing it otherwise (pytest's doctest
# collection, documentation tools) does nothing.
if hasattr(context, "config"):
    run_migrations()
