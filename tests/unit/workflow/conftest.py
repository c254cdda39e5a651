"""Service-layer fixtures: every test that takes ``factory`` runs on SQLite and PostgreSQL
(the fixtures of ``tests/databases.py``; the PostgreSQL half is skipped, with a reason, when
``FANZHA_TEST_POSTGRES_URL`` is unset)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from fanzha.settings import DEFAULT_SLA_MINUTES
from fanzha.workflow.user import service as users
from fanzha.workflow.warning.routing import DeskConfig
from tests.databases import db_url, empty_db_url, factory, pg_template, sqlite_template
from tests.unit.workflow.support import Desk

__all__ = ["db_url", "empty_db_url", "factory", "pg_template", "sqlite_template"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost makes every created user take ~100 ms."""
    monkeypatch.setattr(
        users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def config() -> DeskConfig:
    return DeskConfig(sla=DEFAULT_SLA_MINUTES, capacity=2)


@pytest.fixture
def desk(factory: sessionmaker[Session]) -> Desk:
    return Desk(factory)
