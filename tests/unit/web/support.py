"""Helpers shared by the desk's web tests."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fanzha.web.app import tick_once
from fanzha.workflow.roles import Role
from fanzha.workflow.warning.models import EarlyWarning

NOW = dt.datetime(2026, 3, 2, 10, 0, 0)
_SERIAL = itertools.count(1)
PASSWORD = "correct-horse-battery"
ROLE_USERS = {
    "operator": (Role.CENTRE_OPERATOR, None),
    "supervisor": (Role.CENTRE_SUPERVISOR, None),
    "officer": (Role.STATION_OFFICER, "S1"),
    "officer2": (Role.STATION_OFFICER, "S2"),
    "grid": (Role.GRID_WORKER, "S1"),
    "leader": (Role.LEADER, None),
    "admin": (Role.ADMIN, None),
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def add_warning(app: FastAPI, **kw: Any) -> int:
    """Insert a detection warning and route it (one desk tick)."""
    factory = app.state.desk.factory
    n = kw.pop("n", 0)
    values: dict[str, Any] = {
        "resident_id": f"R{next(_SERIAL)}",
        "phone": 8613812340000 + n,
        "community": "C1",
        "station": None,
        "episode_start": NOW,
        "warned_at": NOW,
        "last_signal_at": NOW,
        "level": 3,
        "level_history": [],
        "fraud_type": "impersonate_police",
        "score": 7.5,
        "reasons": [
            {
                "kind": "fraud_call",
                "time": "2026-03-02T09:40:00",
                "weight": 4.0,
                "fraud_type": "impersonate_police",
                "evidence": "通话 320 秒",
            }
        ],
        "n_signals": 1,
        "rules_version": "v1",
        "engine": "duckdb",
        "source": "detection",
        "status": "new",
    }
    values.update(kw)
    with factory.begin() as s:
        w = EarlyWarning(**values)
        s.add(w)
        s.flush()
        wid = w.id
    tick_once(app.state.desk)
    return wid


def version_of(app: FastAPI, warning_id: int) -> int:
    """The warning's current version (what an outcome form carries)."""
    with app.state.desk.factory() as s:
        w = s.get(EarlyWarning, warning_id)
        assert w is not None
        return w.version_id


class Browser:
    """A TestClient that logs in and knows its CSRF token."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = ""

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
        )
        self.refresh_csrf()
        return response

    def refresh_csrf(self) -> None:
        page = self.client.get("/login")
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    def post(self, url: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})})

    def api(self, method: str, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)
