"""Saving roster entries: one volunteer per phone (an upsert), teams by name, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.volunteer.models import Team, Volunteer

__all__ = ["Saved", "save_volunteer", "team_by_name"]

Saved = Literal["created", "updated", "unchanged"]
_FIELDS = {
    "name": "name",
    "organisation": "organisation",
    "category": "category",
    "station": "station",
    "community": "community",
    "joined": "joined_on",
    "active": "active",
    "left": "left_on",
}


def team_by_name(
    *, session: Session, name: str, station: str | None, community: str | None
) -> Team:
    """The team of this name (its code), created when new."""
    code = name.strip()
    team = session.scalar(select(Team).where(Team.code == code))
    if team is None:
        team = Team(code=code, name=code, station=station, community=community)
        session.add(team)
        session.flush()
    return team


def _given(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """The model fields the row gives (a column left empty keeps what is stored)."""
    given = {field: values[name] for name, field in _FIELDS.items() if name in values}
    if "station" not in given and given.get("community"):
        station = stations.station_of_community(session=session, community=given["community"])
        if station is not None:
            given["station"] = station
    return given


def save_volunteer(
    *,
    session: Session,
    principal: Principal,
    phone: int,
    values: dict[str, Any],
    team: str | None,
    team_leader: bool,
    now: dt.datetime,
    source: str = "import",
) -> tuple[Volunteer, Saved]:
    """Create or update the volunteer of ``phone``; a save that changes nothing records
    nothing. Values not given keep what is stored (a later file may carry fewer columns)."""
    given = _given(session, values)
    if team:
        given["team_id"] = team_by_name(
            session=session,
            name=team,
            station=given.get("station"),
            community=given.get("community"),
        ).id
    volunteer = session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    outcome: Saved = "updated"
    if volunteer is None:
        volunteer, outcome = Volunteer(phone=phone, source=source), "created"
        session.add(volunteer)
    before = {k: getattr(volunteer, k, None) for k in given}
    changed = {k: v for k, v in given.items() if before.get(k) != v}
    if (
        outcome == "updated"
        and not changed
        and not _leader_changes(session, volunteer, team_leader)
    ):
        return volunteer, "unchanged"
    for key, value in given.items():
        setattr(volunteer, key, value)
    if volunteer.active and volunteer.left_on is not None and "left" not in values:
        volunteer.left_on = None  # back on the roster
    session.flush()
    if team_leader and volunteer.team_id is not None:
        leading = session.get(Team, volunteer.team_id)
        assert leading is not None
        leading.leader_id = volunteer.id
    audit.append(
        session=session,
        actor=principal.label,
        action=f"volunteer.{'create' if outcome == 'created' else 'update'}",
        object_type="volunteer",
        object_id=volunteer.id,
        at=now,
        detail={"fields": sorted(changed if outcome == "updated" else given)},
    )
    return volunteer, outcome


def _leader_changes(session: Session, volunteer: Volunteer, team_leader: bool) -> bool:
    if not team_leader or volunteer.team_id is None:
        return False
    team = session.get(Team, volunteer.team_id)
    return team is not None and team.leader_id != volunteer.id
