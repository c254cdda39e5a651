"""Web fixtures: an app on a fresh SQLite store with one user per role and a fixed clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.web import create_app
from fanzha.workflow.station import service as stations
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate
from tests.unit.web.support import PASSWORD, ROLE_USERS, Browser, Clock


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("webtmpl") / "desk.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(
    web_template: Path, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> FastAPI:
    monkeypatch.setattr(
        users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    path = tmp_path / "desk.db"
    shutil.copy(web_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", login_max_failures=3)
    app = create_app(
        settings, engine=make_engine(settings.database_url), clock=clock, run_ticker=False
    )
    factory = session_factory(app.state.desk.engine)
    with factory.begin() as s:
        stations.upsert_jurisdiction(
            session=s,
            rows=[
                {"community": "C1", "station": "S1", "station_name": "一所"},
                {"community": "C2", "station": "S2", "station_name": "二所"},
            ],
        )
        for name, (role, station) in ROLE_USERS.items():
            users.create(
                session=s,
                data=UserCreate(
                    username=name,
                    display_name=name,
                    role=role,
                    station_code=station,
                    password=PASSWORD,
                ),
            )
    return app


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browser]:
    b = Browser(app)
    yield b
    b.client.close()
