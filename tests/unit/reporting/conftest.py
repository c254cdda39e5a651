"""Reporting fixtures: every test that takes ``factory`` runs on SQLite and PostgreSQL
(the fixtures of ``tests/databases.py``)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.databases import db_url, factory, pg_template, sqlite_template
from tests.unit.reporting.support import City

__all__ = ["db_url", "factory", "pg_template", "sqlite_template"]


@pytest.fixture
def city(factory: sessionmaker[Session]) -> City:
    return City(factory)
