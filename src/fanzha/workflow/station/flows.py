"""What an administrator does to stations and communities: checked and audited.

Each flow checks :attr:`Permission.ADMIN_STATIONS`, changes the station through
:mod:`~fanzha.workflow.station.service` and appends to the audit log in the caller's
transaction (the caller commits).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service
from fanzha.workflow.station.models import Station
from fanzha.workflow.user.flows import audit_admin

STATION_OPS = ("rename", "deactivate", "activate")


def create_station(
    *, session: Session, principal: Principal, code: str, name: str, now: dt.datetime
) -> Station:
    """Add a station."""
    principal.require(Permission.ADMIN_STATIONS)
    station = service.create(session=session, code=code.strip(), name=name.strip())
    audit_admin(session, principal, now, "station.create", station.code, {"name": station.name})
    return station


def change_station(
    *, session: Session, principal: Principal, code: str, op: str, name: str, now: dt.datetime
) -> dict[str, Any]:
    """Rename, deactivate or reactivate a station; returns what changed (as audited)."""
    principal.require(Permission.ADMIN_STATIONS)
    if op == "rename":
        before = service.get(session=session, code=code).name
        detail: dict[str, Any] = {
            "from": before,
            "to": service.rename(session=session, code=code, name=name).name,
        }
    elif op in ("deactivate", "activate"):
        service.set_active(session=session, code=code, active=op == "activate")
        detail = {"active": op == "activate"}
    else:
        raise WorkflowError("unknown operation", op=op)
    audit_admin(session, principal, now, f"station.{op}", code, detail)
    return detail


def move_community(
    *, session: Session, principal: Principal, community: str, to_station: str, now: dt.datetime
) -> tuple[str, str]:
    """Give a community to another station (new warnings route there; open ones stay)."""
    principal.require(Permission.ADMIN_STATIONS)
    before, after = service.move_community(
        session=session, community=community, to_station=to_station
    )
    audit_admin(session, principal, now, "community.move", community, {"from": before, "to": after})
    return before, after
