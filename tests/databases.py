"""Two-database fixtures: every test that takes ``factory`` runs on SQLite and PostgreSQL.

SQLite copies a migrated template file; PostgreSQL migrates one uniquely named database per
test session and truncates every table of the workflow store before each test, so tests never
collide (and never touch another session's database). The PostgreSQL half is skipped, with a
reason, when ``FANZHA_TEST_POSTGRES_URL`` is unset. A ``conftest.py`` imports these fixtures.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import fanzha.workflow.models_registry  # noqa: F401 - registers every table
from fanzha.store.database import Base, make_engine, session_factory, upgrade


def all_tables() -> list[str]:
    """Every table of the workflow store (new tables are truncated without a list to update)."""
    return sorted(Base.metadata.tables)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    admin = os.environ.get("FANZHA_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("FANZHA_TEST_POSTGRES_URL is not set (CI sets it)")
    name = f"fz_tmpl_{uuid.uuid4().hex[:10]}"
    _admin_exec(admin, f'CREATE DATABASE "{name}"')
    upgrade(make_url(admin).set(database=name).render_as_string(hide_password=False))
    yield name
    _admin_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_exec(admin_url: str, sql: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.integration]),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "desk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    name = request.getfixturevalue("pg_template")
    url = make_url(os.environ["FANZHA_TEST_POSTGRES_URL"]).set(database=name)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(all_tables())} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url.render_as_string(hide_password=False)


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.integration]),
    ]
)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own on each backend (for migration tests: no schema yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = os.environ.get("FANZHA_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("FANZHA_TEST_POSTGRES_URL is not set (CI sets it)")
    name = f"fz_mig_{uuid.uuid4().hex[:10]}"
    _admin_exec(admin, f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _admin_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
