"""Roster queries within the principal's scope (a station's people for station roles)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from fanzha.core import phone as phones
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer.models import Team, Volunteer

__all__ = [
    "RosterRow",
    "active_count",
    "category_counts",
    "list_volunteers",
    "masked",
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


def list_volunteers(
    *,
    session: Session,
    principal: Principal,
    active: bool | None = None,
    team_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RosterRow]:
    """Volunteers in scope, by name."""
    query = scoped(select(Volunteer, Team).outerjoin(Team, Team.id == Volunteer.team_id), principal)
    if active is not None:
        query = query.where(Volunteer.active.is_(active))
    if team_id is not None:
        query = query.where(Volunteer.team_id == team_id)
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
        )
        for v, t in session.execute(query)
    ]


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


def teams_of(*, session: Session, principal: Principal) -> list[Team]:
    """Teams in scope, by name."""
    principal.require(Permission.PUBLICITY_VIEW)
    query = select(Team).order_by(Team.name)
    if principal.station is not None:
        query = query.where(Team.station == principal.station)
    return list(session.scalars(query))
