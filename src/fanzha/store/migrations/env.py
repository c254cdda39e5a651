"""Alembic environment: runs migrations on the URL given in the Alembic config.

All migrations of one upgrade run in one transaction, on SQLite too: Python's ``sqlite3``
otherwise commits every ``CREATE``/``ALTER`` on its own, so a process killed mid-upgrade left
tables of a revision without its ``alembic_version`` row, and every later command failed with
"table … already exists". With the driver's own transaction handling off and an explicit
``BEGIN``, SQLite's DDL is transactional: a killed upgrade leaves the schema as it was.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, create_engine, event

import fanzha.workflow.models_registry  # noqa: F401  (imports every table module)
from fanzha.store.database import Base

target_metadata = Base.metadata


def _transactional_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy, not the driver, begin SQLite transactions (DDL included)."""

    def no_driver_transactions(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None

    def begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    event.listen(engine, "connect", no_driver_transactions)
    event.listen(engine, "begin", begin)


def run_migrations() -> None:
    """Run migrations online against the configured URL."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _transactional_sqlite(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
