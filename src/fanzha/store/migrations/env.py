"""Alembic environment: runs migrations on the URL given in the Alembic config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import fanzha.workflow.models_registry  # noqa: F401  (imports every table module)
from fanzha.store.database import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations online against the configured URL."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
