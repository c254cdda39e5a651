"""Generic fixtures for integration tests: a fresh PostgreSQL database, Chromium, a live server.

PostgreSQL tests need ``FANZHA_TEST_POSTGRES_URL`` (an admin URL; CI sets it) and get their
own database, dropped afterwards. Browser tests need ``FANZHA_TEST_CHROMIUM`` (the path of
Debian's chromium; CI sets it). Both skip with a clear reason when unset.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _admin(admin_url: str, sql: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database for this test."""
    admin = os.environ.get("FANZHA_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("FANZHA_TEST_POSTGRES_URL is not set (CI sets it)")
    name = f"fz_it_{uuid.uuid4().hex[:12]}"
    _admin(admin, f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of a Chromium binary for Playwright."""
    path = os.environ.get("FANZHA_TEST_CHROMIUM", "")
    if not path or not Path(path).exists():
        pytest.skip("FANZHA_TEST_CHROMIUM is not set or missing (CI sets /usr/bin/chromium)")
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """Runs an ASGI app with uvicorn in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """Command-line switches for Debian's Chromium in headless CI."""
    return list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def live_server() -> type[LiveServer]:
    """The :class:`LiveServer` context manager (``with live_server(app) as server: …``)."""
    return LiveServer
