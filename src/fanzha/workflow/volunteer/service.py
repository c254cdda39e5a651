"""Roster queries within the principal's scope (a station's people for station roles)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from fanzha.core import phone as phones
from fanzha.errors import NotFoundError
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer.models import Team, Volunteer

__all__ = [
    "RosterFilter",
    "RosterRow",
    "TeamRow",
    "active_count",
    "category_counts",
    "get_team",
    "get_volunteer",
    "list_teams",
    "list_volunteers",
    "masked",
    "roster_counts",
    "scoped",
    "teams_of",
]

AnySelect = Select[*tuple[Any, ...]]
_S = TypeVar("_S", bound=AnySelect)


def masked(key: int | None) -> str:
    """A roster phone as lists show it (``138****5678``); empty once purged."""
    return phones.mask(key) if key is not None else ""


def scoped(query: _S, principal: Principal) -> _S:
    """Restrict a query over volunteers to what ``principal`` may see."""
    principal.require(Permission.PUBLICITY_VIEW)
    if principal.station is not None:
        query = query.where(Volunteer.station == principal.station)
    return query


@dataclass(frozen=True)
class RosterRow:
    """A volunteer as the roster page shows them (phone masked)."""

    id: int
    name: str
    phone_masked: str
    organisation: str
    category: str
    station: str | None
    community: str | None
    team: str | None
    leader: bool
    joined_on: dt.date | None
    active: bool
    left_on: dt.date | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class RosterFilter:
    """What the roster page filters on (``None``: any)."""

    active: bool | None = None
    team_id: int | None = None
    community: str | None = None
    station: str | None = None


def _filtered(query: _S, filters: RosterFilter) -> _S:
    if filters.active is not None:
        query = query.where(Volunteer.active.is_(filters.active))
    if filters.team_id is not None:
        query = query.where(Volunteer.team_id == filters.team_id)
    if filters.community is not None:
        query = query.where(Volunteer.community == filters.community)
    if filters.station is not None:
        query = query.where(Volunteer.station == filters.station)
    return query


def list_volunteers(
    *,
    session: Session,
    principal: Principal,
    active: bool | None = None,
    team_id: int | None = None,
    community: str | None = None,
    limit: int = 100,
    offset: int = 0,
    station: str | None = None,
) -> list[RosterRow]:
    """Volunteers in scope, by name."""
    query = scoped(select(Volunteer, Team).outerjoin(Team, Team.id == Volunteer.team_id), principal)
    query = _filtered(query, RosterFilter(active, team_id, community, station))
    query = query.order_by(Volunteer.name, Volunteer.id).limit(limit).offset(offset)
    return [
        RosterRow(
            id=v.id,
            name=v.name,
            phone_masked=masked(v.phone),
            organisation=v.organisation,
            category=v.category,
            station=v.station,
            community=v.community,
            team=t.name if t else None,
            leader=bool(t and t.leader_id == v.id),
            joined_on=v.joined_on,
            active=v.active,
            left_on=v.left_on,
            team_id=v.team_id,
        )
        for v, t in session.execute(query)
    ]


def roster_counts(
    *,
    session: Session,
    principal: Principal,
    team_id: int | None = None,
    community: str | None = None,
) -> dict[str, int]:
    """Volunteers in scope (of a team, a community): total, active, left."""
    query = select(Volunteer.active, func.count(Volunteer.id)).group_by(Volunteer.active)
    query = _filtered(scoped(query, principal), RosterFilter(None, team_id, community))
    by_state = {bool(a): int(n) for a, n in session.execute(query)}
    active, left = by_state.get(True, 0), by_state.get(False, 0)
    return {"total": active + left, "active": active, "left": left}


def get_volunteer(*, session: Session, principal: Principal, volunteer_id: int) -> Volunteer:
    """The volunteer if on the roster and in scope, else :class:`NotFoundError`."""
    query = scoped(select(Volunteer).where(Volunteer.id == volunteer_id), principal)
    volunteer = session.scalar(query)
    if volunteer is None:
        raise NotFoundError("no such volunteer", volunteer=volunteer_id)
    return volunteer


def active_count(*, session: Session, station: str | None = None, on: dt.date | None = None) -> int:
    """Volunteers on the roster on day ``on`` (joined by then, not left; default: active now)."""
    query = select(func.count(Volunteer.id))
    if on is None:
        query = query.where(Volunteer.active.is_(True))
    else:
        query = query.where(
            or_(Volunteer.joined_on.is_(None), Volunteer.joined_on <= on),
            or_(Volunteer.left_on.is_(None), Volunteer.left_on > on),
        )
    if station is not None:
        query = query.where(Volunteer.station == station)
    return int(session.scalar(query) or 0)


def category_counts(*, session: Session, principal: Principal) -> dict[str, int]:
    """Active volunteers per category, in scope."""
    query = scoped(
        select(Volunteer.category, func.count(Volunteer.id))
        .where(Volunteer.active.is_(True))
        .group_by(Volunteer.category),
        principal,
    )
    return {str(c): int(n) for c, n in session.execute(query)}


def _teams_in_scope(query: _S, principal: Principal) -> _S:
    principal.require(Permission.PUBLICITY_VIEW)
    if principal.station is not None:
        query = query.where(Team.station == principal.station)
    return query


def teams_of(*, session: Session, principal: Principal) -> list[Team]:
    """Teams in scope, by name."""
    query = _teams_in_scope(select(Team).order_by(Team.name), principal)
    return list(session.scalars(query))


def get_team(*, session: Session, principal: Principal, team_id: int) -> Team:
    """The team if it exists and is in scope, else :class:`NotFoundError`."""
    team = session.scalar(_teams_in_scope(select(Team).where(Team.id == team_id), principal))
    if team is None:
        raise NotFoundError("no such team", team=team_id)
    return team


@dataclass(frozen=True)
class TeamRow:
    """A team as the teams page lists it: its leader's name and active members."""

    team: Team
    leader: str | None
    members: int


def list_teams(*, session: Session, principal: Principal) -> list[TeamRow]:
    """Teams in scope, by name, with their leader and number of active members."""
    teams = teams_of(session=session, principal=principal)
    ids = [t.id for t in teams]
    members = select(Volunteer.team_id, func.count(Volunteer.id)).where(
        Volunteer.active.is_(True), Volunteer.team_id.in_(ids)
    )
    sizes: dict[int | None, int] = dict(session.execute(members.group_by(Volunteer.team_id)).all())
    leaders = [t.leader_id for t in teams if t.leader_id is not None]
    found = session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(leaders)))
    names: dict[int | None, str] = dict(found.all())
    return [TeamRow(t, names.get(t.leader_id), sizes.get(t.id, 0)) for t in teams]
