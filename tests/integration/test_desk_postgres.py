"""The desk on PostgreSQL: migrations up and down, and station scoping through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from fanzha.settings import Settings
from fanzha.store.database import alembic_config, make_engine, session_factory, upgrade
from fanzha.web import create_app
from fanzha.web.app import tick_once
from fanzha.web.demo import seed_demo
from fanzha.workflow.user import service as users
from fanzha.workflow.warning.models import EarlyWarning

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
NOW = dt.datetime(2026, 3, 2, 10, 0)


def test_desk_migration_downgrades_and_upgrades(postgres_url: str) -> None:
    upgrade(postgres_url)
    command.downgrade(alembic_config(postgres_url), "0001_initial")
    engine = make_engine(postgres_url)
    assert "audit_log" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    assert "is_open" in {c["name"] for c in inspect(engine).get_columns("warnings")}
    engine.dispose()


def test_desk_api_scoping_on_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    factory = session_factory(engine)
    with factory.begin() as s:
        for n, community in enumerate(("C1", "C2")):
            s.add(
                EarlyWarning(
                    resident_id=f"P{n}",
                    phone=8613700000000 + n,
                    community=community,
                    episode_start=NOW,
                    warned_at=NOW,
                    last_signal_at=NOW,
                    level=3,
                    level_history=[],
                    fraud_type="romance",
                    score=3.0,
                    reasons=[],
                    n_signals=1,
                    rules_version="v",
                    engine="duckdb",
                    source="detection",
                    status="new",
                )
            )
    rows = [{"community": "C1", "station": "S1"}, {"community": "C2", "station": "S2"}]
    seed_demo(factory, jurisdictions=rows, password="pg-password-1", now=NOW)
    app = create_app(
        Settings(database_url=postgres_url), engine=engine, clock=lambda: NOW, run_ticker=False
    )
    tick_once(app.state.desk)
    client = TestClient(app)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/login", data={"username": "officer_s1", "password": "pg-password-1", "csrf_token": token}
    )
    listed = client.get("/api/v1/warnings").json()
    assert [w["station"] for w in listed] == ["S1"]
    with factory() as s:
        other = s.query(EarlyWarning).filter_by(community="C2").one().id
    assert client.get(f"/api/v1/warnings/{other}").status_code == 404
    engine.dispose()
