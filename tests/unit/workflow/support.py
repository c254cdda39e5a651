"""Builders shared by the desk's service-layer tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fanzha.workflow.roles import Principal, Role, user_principal
from fanzha.workflow.station.models import Community, Station
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate
from fanzha.workflow.warning.models import EarlyWarning

NOW = dt.datetime(2026, 3, 2, 10, 0, 0)
PASSWORD = "correct-horse-battery"


class Desk:
    """Builds stations, users and warnings for a test."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self._n = 0

    def station(self, code: str, communities: tuple[str, ...] = ()) -> None:
        with self.factory.begin() as s:
            s.add(Station(code=code, name=f"{code}派出所", active=True))
            s.flush()
            for c in communities:
                s.add(Community(code=c, name=c, station_code=code))

    def user(self, name: str, role: Role, station: str | None = None, **kw: Any) -> Principal:
        with self.factory.begin() as s:
            u = users.create(
                session=s,
                data=UserCreate(
                    username=name,
                    display_name=name,
                    role=role,
                    station_code=station,
                    password=PASSWORD,
                    **kw,
                ),
            )
            return user_principal(u.id, u.username, role, u.station_code)

    def warning(self, **kw: Any) -> int:
        self._n += 1
        values: dict[str, Any] = {
            "resident_id": f"R{self._n:06d}",
            "phone": 8613800000000 + self._n,
            "community": None,
            "station": None,
            "episode_start": NOW,
            "warned_at": NOW,
            "last_signal_at": NOW,
            "level": 3,
            "level_history": [],
            "fraud_type": "fake_investment",
            "score": 5.0,
            "reasons": [
                {
                    "kind": "call",
                    "time": NOW.isoformat(),
                    "weight": 3.0,
                    "fraud_type": "fake_investment",
                    "evidence": "call 300s",
                }
            ],
            "n_signals": 1,
            "rules_version": "test",
            "engine": "duckdb",
            "source": "detection",
            "status": "new",
        }
        values.update(kw)
        with self.factory.begin() as s:
            w = EarlyWarning(**values)
            s.add(w)
            s.flush()
            return w.id

    def get(self, warning_id: int) -> EarlyWarning:
        with self.factory() as s:
            w = s.get(EarlyWarning, warning_id)
            assert w is not None
            return w
