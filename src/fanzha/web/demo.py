"""Demo seeding: stations from the jurisdictions, one login per role, existing warnings routed.

``make demo`` calls :func:`seed_demo` after detection and then serves the desk.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.workflow.clock import local_now
from fanzha.workflow.roles import STATION_ROLES, Role
from fanzha.workflow.station import service as stations
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig
from fanzha.workflow.warning.sweep import tick

Row = dict[str, str | None]


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print."""

    username: str
    role: str
    station: str | None
    password: str


def jurisdictions_from_store(data_dir: Path) -> list[Row]:
    """The ingested jurisdiction table of the event store (empty if none was ingested)."""
    from fanzha.store.event_store import EventStore

    store = EventStore(data_dir)
    if not store.files("jurisdictions"):
        return []
    with store.connect() as con:
        rows = con.execute(
            "SELECT community, community_name, station, station_name FROM jurisdictions"
        ).fetchall()
    keys = ("community", "community_name", "station", "station_name")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _from_warnings(session: Session) -> list[Row]:
    query = select(EarlyWarning.community, EarlyWarning.station).distinct()
    return [
        {"community": c, "station": s, "community_name": c, "station_name": s}
        for c, s in session.execute(query)
        if c and s
    ]


def seed_demo(
    factory: sessionmaker[Session],
    *,
    jurisdictions: Iterable[Row] | None = None,
    password: str | None = None,
    sla: DeskConfig | None = None,
    now: dt.datetime | None = None,
) -> list[DemoLogin]:
    """Create stations, one user per role (an officer per station) and route new warnings.

    Users that already exist are left alone (and not returned), so seeding twice is safe.
    """
    from fanzha.settings import DEFAULT_SLA_MINUTES

    config = sla or DeskConfig(sla=DEFAULT_SLA_MINUTES)
    with factory.begin() as session:
        rows = list(jurisdictions) if jurisdictions is not None else []
        stations.upsert_jurisdiction(session=session, rows=rows or _from_warnings(session))
        codes = [s.code for s in stations.list_all(session=session)]
        logins = _create_users(session, codes, password)
        while tick(session=session, config=config, now=now or local_now())["routed"]:
            pass
    return logins


def _plan(codes: list[str]) -> list[tuple[str, Role, str | None]]:
    plan: list[tuple[str, Role, str | None]] = [
        ("admin", Role.ADMIN, None),
        ("operator", Role.CENTRE_OPERATOR, None),
        ("supervisor", Role.CENTRE_SUPERVISOR, None),
        ("leader", Role.LEADER, None),
    ]
    plan += [(f"officer_{c}".lower()[:64], Role.STATION_OFFICER, c) for c in codes]
    if codes:
        plan.append(("grid", Role.GRID_WORKER, codes[0]))
    return plan


def _create_users(session: Session, codes: list[str], password: str | None) -> list[DemoLogin]:
    logins = []
    for name, role, station in _plan(codes):
        if users.get_by_username(session=session, username=name) is not None:
            continue
        secret = password or secrets.token_urlsafe(9)
        users.create(
            session=session,
            data=UserCreate(
                username=name,
                display_name=name,
                role=role,
                password=secret,
                station_code=station if role in STATION_ROLES else None,
            ),
        )
        logins.append(DemoLogin(name, role.value, station, secret))
    return logins
