"""A small simulated city, loaded into an event store, shared by the stream tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore
from fanzha.stream.redis_server import free_port, redis_binary, start_redis
from tests.databases import db_url, pg_template, sqlite_template

__all__ = ["db_url", "pg_template", "sqlite_template"]


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulator folder: 3,000 residents, 2 days, enough fraud to warn many."""
    root = tmp_path_factory.mktemp("stream-city")
    simulate(SimConfig(residents=3000, days=2, seed=5, fraud_multiplier=30), root / "sim")
    return root / "sim"


@pytest.fixture(scope="session")
def city_store(city_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    """The city loaded by file ingest, as ``fanzha load`` does."""
    store = EventStore(tmp_path_factory.mktemp("stream-store") / "data")
    ingest_directory(city_dir, store, pseudonym_key="test-key")
    return store


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server of the test session's own, on a free port (skipped when not installed)."""
    if redis_binary() is None:
        pytest.skip("redis-server is not installed (.ci/run installs Debian's redis-server)")
    port = free_port()
    process = start_redis(tmp_path_factory.mktemp("redis"), port, durable=False)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
