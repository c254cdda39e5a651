"""Publicity and volunteers on the JSON API (``/api/v1/publicity``).

Reads need the scope ``publicity:read`` (permission ``publicity_view``): the volunteer roster
(phones masked, never in full), teams, fixed publicity points, campaigns and events with their
findings (no phones). Recording an event needs ``publicity:write`` (``publicity_edit``) and goes
through :func:`fanzha.workflow.campaign.flows.record_event`, the page form's own function, so
it is validated, scoped and audited exactly as the form is (``publicity.event``). An event sent
with a ``client_id`` is recorded once per caller: a resend answers 200 with the first event and
changes nothing. Desk users may call it with their session cookie plus ``X-CSRF-Token``; an API
key bound to a station, like a station role, sees and records its station's only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from fanzha.web.deps import ApiPrincipal, Db, Desk, Now
from fanzha.workflow.campaign import flows, service
from fanzha.workflow.campaign.models import Campaign, EventFinding, PublicityEvent
from fanzha.workflow.campaign.schemas import EventCreate
from fanzha.workflow.roles import Permission
from fanzha.workflow.volunteer import service as roster

_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
router = APIRouter(
    prefix="/api/v1/publicity", tags=["publicity"], dependencies=[Depends(_key_scheme)]
)

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


class VolunteerOut(BaseModel):
    """A volunteer on the roster; the phone is masked (``138****5678``)."""

    id: int
    name: str
    phone_masked: str
    organisation: str
    category: str
    station: str | None
    community: str | None
    team_id: int | None
    team: str | None
    leader: bool
    joined_on: dt.date | None
    active: bool
    left_on: dt.date | None


class TeamOut(BaseModel):
    """A volunteer team with its leader's name and number of active members."""

    id: int
    code: str
    name: str
    station: str | None
    community: str | None
    leader_id: int | None
    leader: str | None
    members: int


class PointOut(BaseModel):
    """A fixed publicity point (固定宣传点)."""

    id: int
    name: str
    community: str | None
    station: str | None
    address: str
    active: bool


class CampaignOut(BaseModel):
    """A campaign: theme, fraud types, audience, period (days inclusive), areas."""

    id: int
    code: str
    theme: str
    fraud_types: list[str]
    audience: str
    starts_on: dt.date
    ends_on: dt.date
    areas: list[str]
    station: str | None
    source: str
    note: str


class FindingOut(BaseModel):
    """What an event found; the person's phone is never given (see the warning instead)."""

    kind: str
    fraud_type: str
    warning_id: int | None
    outcome: str | None
    note: str


class EventOut(BaseModel):
    """An event with its figures and findings."""

    id: int
    campaign_id: int | None
    kind: str
    held_at: dt.datetime
    place: str
    community: str | None
    station: str | None
    team_id: int | None
    point_id: int | None
    participants: int
    leaflets: int
    banners: int
    consultations: int
    reached: int
    note: str
    source: str
    recorded_by: str
    client_id: str | None
    findings: list[FindingOut]


class EventIn(EventCreate):
    """An event to record (the fields of the event form); ``held_at`` without an offset is the
    desk's local time."""

    client_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="the caller's own id of the event: a resend with it records nothing new",
    )


def _campaign_out(c: Campaign) -> CampaignOut:
    return CampaignOut(
        id=c.id,
        code=c.code,
        theme=c.theme,
        fraud_types=list(c.fraud_types),
        audience=c.audience,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        areas=list(c.areas),
        station=c.station,
        source=c.source,
        note=c.note,
    )


def _event_out(e: PublicityEvent, findings: list[EventFinding]) -> EventOut:
    return EventOut(
        id=e.id,
        campaign_id=e.campaign_id,
        kind=e.kind,
        held_at=e.held_at,
        place=e.place,
        community=e.community,
        station=e.station,
        team_id=e.team_id,
        point_id=e.point_id,
        participants=e.participants,
        leaflets=e.leaflets,
        banners=e.banners,
        consultations=e.consultations,
        reached=e.reached,
        note=e.note,
        source=e.source,
        recorded_by=e.recorded_by,
        client_id=e.client_ref.split("#", 1)[1] if e.client_ref else None,
        findings=[
            FindingOut(
                kind=f.kind,
                fraud_type=f.fraud_type,
                warning_id=f.warning_id,
                outcome=f.outcome,
                note=f.note,
            )
            for f in findings
        ],
    )


@router.get("/volunteers", response_model=list[VolunteerOut])
def list_volunteers(
    db: Db,
    who: ApiPrincipal,
    station: str | None = None,
    team_id: int | None = None,
    community: str | None = None,
    active: bool | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[VolunteerOut]:
    """The roster in scope by name, phones masked; filters: station, team, community, active."""
    rows = roster.list_volunteers(
        session=db,
        principal=who,
        active=active,
        team_id=team_id,
        community=community,
        station=station,
        limit=limit,
        offset=offset,
    )
    return [
        VolunteerOut(
            id=r.id,
            name=r.name,
            phone_masked=r.phone_masked,
            organisation=r.organisation,
            category=r.category,
            station=r.station,
            community=r.community,
            team_id=r.team_id,
            team=r.team,
            leader=r.leader,
            joined_on=r.joined_on,
            active=r.active,
            left_on=r.left_on,
        )
        for r in rows
    ]


@router.get("/teams", response_model=list[TeamOut])
def list_teams(db: Db, who: ApiPrincipal) -> list[TeamOut]:
    """Teams in scope by name, with their leader and number of active members."""
    return [
        TeamOut(
            id=row.team.id,
            code=row.team.code,
            name=row.team.name,
            station=row.team.station,
            community=row.team.community,
            leader_id=row.team.leader_id,
            leader=row.leader,
            members=row.members,
        )
        for row in roster.list_teams(session=db, principal=who)
    ]


@router.get("/points", response_model=list[PointOut])
def list_points(db: Db, who: ApiPrincipal, active_only: bool = False) -> list[PointOut]:
    """Fixed publicity points in scope by name (those out of use too, unless ``active_only``)."""
    points = service.points_of(session=db, principal=who, active_only=active_only)
    return [
        PointOut(
            id=p.id,
            name=p.name,
            community=p.community,
            station=p.station,
            address=p.address,
            active=p.active,
        )
        for p in points
    ]


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(
    db: Db,
    who: ApiPrincipal,
    station: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[CampaignOut]:
    """Campaigns in scope, the latest start first; those running on a day of [since, until)."""
    campaigns = service.list_campaigns(
        session=db,
        principal=who,
        station=station,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return [_campaign_out(c) for c in campaigns]


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: int, db: Db, who: ApiPrincipal) -> CampaignOut:
    """One campaign in scope (another station's is 404)."""
    return _campaign_out(service.get_campaign(session=db, principal=who, campaign_id=campaign_id))


@router.get("/events", response_model=list[EventOut])
def list_events(
    db: Db,
    who: ApiPrincipal,
    campaign_id: int | None = None,
    station: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[EventOut]:
    """Events in scope held in [since, until), the latest first, with their findings."""
    events = service.events_of(
        session=db,
        principal=who,
        campaign_id=campaign_id,
        station=station,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    findings = service.findings_of(session=db, event_ids=[e.id for e in events])
    return [_event_out(e, findings[e.id]) for e in events]


def _local(value: dt.datetime, zone: str) -> dt.datetime:
    """A time with an offset as the desk's naive local time (as the form's ``parse_time``)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


@router.post(
    "/events",
    response_model=EventOut,
    status_code=201,
    responses={
        200: {"description": "this caller sent the same client_id before: the first event"},
        422: {"description": "refused, with the field (as the event form refuses it)"},
    },
)
def record_event(
    body: EventIn, response: Response, db: Db, desk: Desk, who: ApiPrincipal, now: Now
) -> EventOut:
    """Record an event (findings with a phone become leads on the desk); audited."""
    who.require(Permission.PUBLICITY_EDIT)
    values = body.model_dump(exclude={"client_id"})
    values["held_at"] = _local(body.held_at, desk.settings.timezone)
    data = EventCreate.model_validate(values)
    try:
        event, created = flows.record_event_once(
            session=db,
            principal=who,
            data=data,
            config=desk.config,
            now=now,
            client_id=body.client_id,
        )
        db.commit()
    except IntegrityError:  # the same client_id recorded at the same moment by another request
        db.rollback()
        if body.client_id is None:
            raise
        found = service.event_by_client_ref(
            session=db, client_ref=flows.client_ref(who, body.client_id)
        )
        if found is None:
            raise
        event, created = found, False
    if not created:
        response.status_code = 200
    return _event_out(event, service.findings_of(session=db, event_ids=[event.id])[event.id])
