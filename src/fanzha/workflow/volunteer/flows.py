"""Saving roster entries: one volunteer per phone (an upsert), teams by name, audited; and a
volunteer entered on the roster page (every field as entered, scoped to a station)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.edits import apply_fields, audit_edit
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.station.models import Station
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.models import Category, Team, Volunteer
from fanzha.workflow.volunteer.rows import ParsedVolunteer

__all__ = ["Saved", "enter_volunteer", "save_volunteer", "station_for", "team_by_name"]

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


def station_for(
    *, session: Session, principal: Principal, community: str | None, station: str | None
) -> str | None:
    """The station a roster entry (volunteer, team, point) belongs to: a station role's own
    (a community of another station is refused), else the community's, else ``station``."""
    owner = stations.station_of_community(session=session, community=community)
    if principal.station is not None:
        if owner not in (None, principal.station):
            raise WorkflowError("this community belongs to another station", field="community")
        return principal.station
    if owner is None and station and session.get(Station, station) is None:
        raise WorkflowError("no such station", field="station")
    return owner or station or None


# A field the page leaves empty is cleared (the import keeps what is stored instead).
_ENTERED: dict[str, Any] = {
    "organisation": "",
    "category": Category.VOLUNTEER.value,
    "community": None,
    "joined": None,
    "left": None,
    "active": True,
}


def enter_volunteer(
    *,
    session: Session,
    principal: Principal,
    parsed: ParsedVolunteer,
    station: str | None,
    now: dt.datetime,
    volunteer_id: int | None = None,
) -> Volunteer:
    """Add (``volunteer_id`` None) or edit a volunteer from the page's entry, validated as a
    roster row (:func:`fanzha.workflow.volunteer.rows.parse_volunteer`); audited as the import
    audits (``volunteer.create`` / ``volunteer.update``, the fields changed, no values)."""
    principal.require(Permission.PUBLICITY_EDIT)
    volunteer = (
        Volunteer(source="manual")
        if volunteer_id is None
        else roster.get_volunteer(session=session, principal=principal, volunteer_id=volunteer_id)
    )
    _check_phone(session, parsed.phone, volunteer_id)
    values = {**_ENTERED, **parsed.values}
    given = {field: values.get(name) for name, field in _FIELDS.items()}
    given["station"] = station_for(
        session=session, principal=principal, community=given["community"], station=station
    )
    team = _team_in_scope(session, principal, parsed.team)
    given |= {"phone": parsed.phone, "team_id": team.id if team else None}
    changed = apply_fields(session, volunteer, given)
    if _lead(session, volunteer, team if parsed.team_leader else None):
        changed.append("leader")
    audit_edit(
        session=session,
        principal=principal,
        record=volunteer,
        kind="volunteer",
        object_type="volunteer",
        given=given,
        changed=None if volunteer_id is None else changed,
        at=now,
    )
    return volunteer


def _check_phone(session: Session, phone: int, volunteer_id: int | None) -> None:
    query = select(Volunteer.id).where(Volunteer.phone == phone)
    if volunteer_id is not None:
        query = query.where(Volunteer.id != volunteer_id)
    if session.scalar(query) is not None:
        raise WorkflowError("this phone is on the roster already", field="phone")


def _team_in_scope(session: Session, principal: Principal, code: str | None) -> Team | None:
    if not code:
        return None
    team = session.scalar(select(Team).where(Team.code == code.strip()))
    if team is None or (principal.station is not None and team.station != principal.station):
        raise WorkflowError("no such team in your area", field="team")
    return team


def _lead(session: Session, volunteer: Volunteer, team: Team | None) -> bool:
    """Make ``volunteer`` the leader of ``team`` only (None: of no team); True if it changed."""
    led = session.scalars(select(Team).where(Team.leader_id == volunteer.id)).all()
    changed = False
    for other in led:
        if other is not team:
            other.leader_id, changed = None, True
    if team is not None and team.leader_id != volunteer.id:
        team.leader_id, changed = volunteer.id, True
    return changed
