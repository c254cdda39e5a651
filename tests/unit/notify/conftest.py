"""Notify fixtures: the two-database ``factory`` and the local test servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fanzha.notify.testing.ismg import LocalIsmg
from fanzha.notify.testing.robots import LocalRobots
from fanzha.notify.testing.sms_gateway import LocalSmsGateway
from fanzha.notify.testing.smsc import LocalSmsc
from tests.databases import db_url, factory, pg_template, sqlite_template

__all__ = ["db_url", "factory", "pg_template", "sqlite_template"]


@pytest.fixture
def smsc() -> Iterator[LocalSmsc]:
    server = LocalSmsc().start()
    yield server
    server.stop()


@pytest.fixture
def ismg() -> Iterator[LocalIsmg]:
    server = LocalIsmg().start()
    yield server
    server.stop()


@pytest.fixture
def gateway() -> Iterator[LocalSmsGateway]:
    server = LocalSmsGateway().start()
    yield server
    server.stop()


@pytest.fixture
def robots() -> Iterator[LocalRobots]:
    server = LocalRobots().start()
    yield server
    server.stop()
