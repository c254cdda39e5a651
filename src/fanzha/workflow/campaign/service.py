"""Campaign queries within scope, and the figures of a period (events, reach, findings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from fanzha.errors import NotFoundError
from fanzha.workflow.campaign.models import (
    Campaign,
    EventFinding,
    FindingKind,
    PublicityEvent,
    PublicityPoint,
)
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import service as roster

__all__ = [
    "Figures",
    "community_heat",
    "event_by_client_ref",
    "events_of",
    "figures",
    "findings_of",
    "get_campaign",
    "get_point",
    "list_campaigns",
    "points_of",
]

AnySelect = Select[*tuple[Any, ...]]
_S = TypeVar("_S", bound=AnySelect)


def _campaigns_in_scope(query: _S, principal: Principal) -> _S:
    principal.require(Permission.PUBLICITY_VIEW)
    if principal.station is not None:
        query = query.where(or_(Campaign.station.is_(None), Campaign.station == principal.station))
    return query


def _events_in_scope(query: _S, principal: Principal) -> _S:
    principal.require(Permission.PUBLICITY_VIEW)
    if principal.station is not None:
        query = query.where(PublicityEvent.station == principal.station)
    return query


def list_campaigns(
    *,
    session: Session,
    principal: Principal,
    limit: int = 50,
    offset: int = 0,
    station: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Campaign]:
    """Campaigns in scope, the latest start first; ``station`` narrows to that station's,
    ``since``/``until`` to those running on some day of ``[since, until)``."""
    query = _campaigns_in_scope(select(Campaign), principal)
    if station is not None:
        query = query.where(Campaign.station == station)
    if since is not None:
        query = query.where(Campaign.ends_on >= since)
    if until is not None:
        query = query.where(Campaign.starts_on < until)
    query = query.order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_campaign(*, session: Session, principal: Principal, campaign_id: int) -> Campaign:
    """The campaign if it exists and is in scope, else :class:`NotFoundError`."""
    query = _campaigns_in_scope(select(Campaign).where(Campaign.id == campaign_id), principal)
    campaign = session.scalar(query)
    if campaign is None:
        raise NotFoundError("no such campaign", campaign=campaign_id)
    return campaign


def events_of(
    *,
    session: Session,
    principal: Principal,
    campaign_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    station: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[PublicityEvent]:
    """Events in scope (of one campaign, or all; of a station; held in ``[since, until)``),
    the latest first."""
    query = _events_in_scope(select(PublicityEvent), principal)
    if campaign_id is not None:
        query = query.where(PublicityEvent.campaign_id == campaign_id)
    if station is not None:
        query = query.where(PublicityEvent.station == station)
    if since is not None:
        query = query.where(PublicityEvent.held_at >= since)
    if until is not None:
        query = query.where(PublicityEvent.held_at < until)
    query = query.order_by(PublicityEvent.held_at.desc(), PublicityEvent.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def event_by_client_ref(*, session: Session, client_ref: str) -> PublicityEvent | None:
    """The event recorded with this caller's ``client_ref`` (see ``flows.client_ref``)."""
    return session.scalar(select(PublicityEvent).where(PublicityEvent.client_ref == client_ref))


def findings_of(*, session: Session, event_ids: list[int]) -> dict[int, list[EventFinding]]:
    """The findings of the given events, per event."""
    found: dict[int, list[EventFinding]] = {i: [] for i in event_ids}
    if event_ids:
        query = select(EventFinding).where(EventFinding.event_id.in_(event_ids))
        for finding in session.scalars(query.order_by(EventFinding.id)):
            found[finding.event_id].append(finding)
    return found


def _points_in_scope(query: _S, principal: Principal) -> _S:
    principal.require(Permission.PUBLICITY_VIEW)
    if principal.station is not None:
        query = query.where(PublicityPoint.station == principal.station)
    return query


def points_of(
    *, session: Session, principal: Principal, active_only: bool = True
) -> list[PublicityPoint]:
    """Fixed publicity points in scope (the active ones unless ``active_only`` is False)."""
    query = _points_in_scope(select(PublicityPoint), principal)
    if active_only:
        query = query.where(PublicityPoint.active.is_(True))
    return list(session.scalars(query.order_by(PublicityPoint.name)))


def get_point(*, session: Session, principal: Principal, point_id: int) -> PublicityPoint:
    """The point if it exists and is in scope, else :class:`NotFoundError`."""
    query = _points_in_scope(select(PublicityPoint).where(PublicityPoint.id == point_id), principal)
    point = session.scalar(query)
    if point is None:
        raise NotFoundError("no such publicity point", point=point_id)
    return point


@dataclass(frozen=True)
class Figures:
    """Campaign figures of a period."""

    events: int
    reached: int
    leaflets: int
    banners: int
    consultations: int
    participants: int
    hazards: int
    dissuaded: int
    volunteers_active: int


def _period(query: _S, since: dt.datetime, until: dt.datetime, station: str | None) -> _S:
    query = query.where(PublicityEvent.held_at >= since, PublicityEvent.held_at < until)
    return query.where(PublicityEvent.station == station) if station else query


def figures(
    *, session: Session, since: dt.datetime, until: dt.datetime, station: str | None = None
) -> Figures:
    """Events and their sums in ``[since, until)``; volunteers active at the end of it."""
    e = PublicityEvent
    sums = select(
        func.count(e.id),
        func.coalesce(func.sum(e.reached), 0),
        func.coalesce(func.sum(e.leaflets), 0),
        func.coalesce(func.sum(e.banners), 0),
        func.coalesce(func.sum(e.consultations), 0),
        func.coalesce(func.sum(e.participants), 0),
    )
    n, reached, leaflets, banners, consultations, participants = session.execute(
        _period(sums, since, until, station)
    ).one()
    kinds = _period(
        select(EventFinding.kind, func.count(EventFinding.id))
        .join(e, e.id == EventFinding.event_id)
        .group_by(EventFinding.kind),
        since,
        until,
        station,
    )
    by_kind = {str(k): int(c) for k, c in session.execute(kinds)}
    dissuaded = by_kind.pop(FindingKind.DISSUADED.value, 0)
    last_day = (until - dt.timedelta(seconds=1)).date()
    return Figures(
        events=int(n),
        reached=int(reached),
        leaflets=int(leaflets),
        banners=int(banners),
        consultations=int(consultations),
        participants=int(participants),
        hazards=sum(by_kind.values()),
        dissuaded=dissuaded,
        volunteers_active=roster.active_count(session=session, station=station, on=last_day),
    )


def community_heat(
    *, session: Session, since: dt.datetime, until: dt.datetime, station: str | None = None
) -> dict[str, dict[str, int]]:
    """Per community: events and people reached in the period (for the heat table)."""
    e = PublicityEvent
    query = _period(
        select(e.community, func.count(e.id), func.coalesce(func.sum(e.reached), 0))
        .where(e.community.is_not(None))
        .group_by(e.community),
        since,
        until,
        station,
    )
    return {str(c): {"events": int(n), "reached": int(r)} for c, n, r in session.execute(query)}
