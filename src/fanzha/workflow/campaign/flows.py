"""Creating campaigns and recording events; an event's findings become leads on the desk.

A potential victim dissuaded on the spot with a known phone becomes a warning of source
``publicity`` (level high) with the outcome 及时劝阻 recorded at once, so it counts in the
desk's figures like any other dissuasion; a hazard with a known phone (两卡 rental, a
suspicious account or app) becomes an open warning of source ``volunteer`` (level medium)
for the station to follow up. Warnings are created only through
:func:`fanzha.workflow.warning.intake.create` (routing, matching and its audit record).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core import fraud_types
from fanzha.errors import NotFoundError, WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.campaign import service
from fanzha.workflow.campaign.models import (
    Campaign,
    EventFinding,
    FindingKind,
    PublicityEvent,
    PublicityPoint,
)
from fanzha.workflow.campaign.schemas import CampaignCreate, EventCreate, FindingCreate
from fanzha.workflow.outcome import flows as outcomes
from fanzha.workflow.outcome.models import Category, OutcomeCreate
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.volunteer.models import Team
from fanzha.workflow.warning import intake
from fanzha.workflow.warning.routing import DeskConfig

__all__ = ["client_ref", "create_campaign", "record_event", "record_event_once"]

FUTURE_SLACK = dt.timedelta(hours=1)


def _fraud_types(codes: list[str]) -> list[str]:
    try:
        return [fraud_types.parse(c) for c in codes if c.strip()]
    except ValueError as exc:
        raise WorkflowError(str(exc), field="fraud_types") from exc


def create_campaign(
    *,
    session: Session,
    principal: Principal,
    data: CampaignCreate,
    now: dt.datetime,
    source: str = "manual",
) -> Campaign:
    """A new campaign (a code that exists is refused)."""
    principal.require(Permission.PUBLICITY_EDIT)
    if data.ends_on < data.starts_on:
        raise WorkflowError("a campaign cannot end before it starts", field="ends_on")
    if session.scalar(select(Campaign.id).where(Campaign.code == data.code)) is not None:
        raise WorkflowError("a campaign with this code exists already", field="code")
    station = principal.station if principal.station is not None else data.station
    campaign = Campaign(
        code=data.code,
        theme=data.theme,
        fraud_types=_fraud_types(data.fraud_types),
        audience=data.audience.value,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        areas=sorted({a.strip() for a in data.areas if a.strip()}),
        station=station,
        source=source,
        note=data.note,
        created_by=principal.label,
    )
    session.add(campaign)
    session.flush()
    audit.append(
        session=session,
        actor=principal.label,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.id,
        at=now,
        detail={"code": campaign.code, "areas": len(campaign.areas)},
    )
    return campaign


def _station_of(session: Session, principal: Principal, data: EventCreate) -> str | None:
    station = stations.station_of_community(session=session, community=data.community)
    if principal.station is not None:
        if station not in (None, principal.station):
            raise WorkflowError("this community belongs to another station", field="community")
        station = principal.station
    return station


def _check_refs(session: Session, principal: Principal, data: EventCreate) -> None:
    if data.campaign_id is not None:
        campaign = session.get(Campaign, data.campaign_id)
        if campaign is None or (
            principal.station is not None and campaign.station not in (None, principal.station)
        ):
            raise NotFoundError("no such campaign", campaign=data.campaign_id)
    if data.team_id is not None:
        team = session.get(Team, data.team_id)
        if team is None or (principal.station is not None and team.station != principal.station):
            raise WorkflowError("no such team in your area", field="team_id")
    if data.point_id is not None:
        point = session.get(PublicityPoint, data.point_id)
        if point is None or (principal.station is not None and point.station != principal.station):
            raise WorkflowError("no such publicity point in your area", field="point_id")


def record_event(
    *,
    session: Session,
    principal: Principal,
    data: EventCreate,
    config: DeskConfig,
    now: dt.datetime,
    source: str = "manual",
    client_ref: str | None = None,
) -> PublicityEvent:
    """Record an event, its figures and findings (findings with a phone become leads)."""
    principal.require(Permission.PUBLICITY_EDIT)
    if data.held_at > now + FUTURE_SLACK:
        raise WorkflowError("an event cannot be recorded before it happened", field="held_at")
    if data.reached < data.consultations:
        raise WorkflowError("fewer people reached than consultations", field="reached")
    _check_refs(session, principal, data)
    event = PublicityEvent(
        **data.model_dump(exclude={"findings", "kind"}),
        kind=data.kind.value,
        station=_station_of(session, principal, data),
        source=source,
        recorded_by=principal.label,
        client_ref=client_ref,
    )
    session.add(event)
    session.flush()
    findings = [_finding(session, principal, event, f, config, now) for f in data.findings]
    audit.append(
        session=session,
        actor=principal.label,
        action="publicity.event",
        object_type="publicity_event",
        object_id=event.id,
        at=now,
        detail={"kind": event.kind, "reached": event.reached, "findings": len(findings)}
        | ({"client_ref": client_ref} if client_ref else {}),
    )
    return event


def client_ref(principal: Principal, client_id: str) -> str:
    """The stored key of a caller's own event id: two callers may use the same ids."""
    return f"{principal.kind}:{principal.id}#{client_id}"


def record_event_once(
    *,
    session: Session,
    principal: Principal,
    data: EventCreate,
    config: DeskConfig,
    now: dt.datetime,
    client_id: str | None,
    source: str = "api",
) -> tuple[PublicityEvent, bool]:
    """:func:`record_event`, unless this caller recorded ``client_id`` before: then that event,
    unchanged (a resend changes nothing and is not audited again). ``(event, created)``."""
    principal.require(Permission.PUBLICITY_EDIT)
    ref = client_ref(principal, client_id) if client_id else None
    if ref is not None:
        found = service.event_by_client_ref(session=session, client_ref=ref)
        if found is not None:
            return found, False
    event = record_event(
        session=session,
        principal=principal,
        data=data,
        config=config,
        now=now,
        source=source,
        client_ref=ref,
    )
    return event, True


def _desk_principal(principal: Principal) -> Principal:
    """The recorder, allowed to create the lead and its outcome whatever their role."""
    extra = {Permission.CREATE, Permission.OUTCOME, Permission.VIEW}
    return dataclasses.replace(
        principal, permissions=principal.permissions | extra, station=None, max_level=None
    )


def _finding(
    session: Session,
    principal: Principal,
    event: PublicityEvent,
    data: FindingCreate,
    config: DeskConfig,
    now: dt.datetime,
) -> EventFinding:
    try:
        fraud_type = fraud_types.parse(data.fraud_type)
    except ValueError as exc:
        raise WorkflowError(str(exc), field="fraud_type") from exc
    finding = EventFinding(
        event_id=event.id, kind=data.kind.value, fraud_type=fraud_type, note=data.note
    )
    if data.phone and data.phone.strip():
        _as_lead(session, _desk_principal(principal), event, data, finding, config, now)
    session.add(finding)
    session.flush()
    return finding


def _as_lead(
    session: Session,
    principal: Principal,
    event: PublicityEvent,
    data: FindingCreate,
    finding: EventFinding,
    config: DeskConfig,
    now: dt.datetime,
) -> None:
    dissuaded = data.kind is FindingKind.DISSUADED
    lead = intake.LeadCreate(
        phone=data.phone or "",
        level="high" if dissuaded else "medium",
        fraud_type=finding.fraud_type,
        source="publicity" if dissuaded else "volunteer",
        source_unit=f"publicity-event-{event.id}",
        community=event.community,
        narrative=f"{event.kind} {event.place}: {data.kind.value} {data.note}".strip(),
    )
    warning = intake.create(session=session, principal=principal, data=lead, config=config, now=now)
    finding.warning_id, finding.phone = warning.id, warning.phone
    if not dissuaded:
        return
    outcomes.record(
        session=session,
        principal=principal,
        warning_id=warning.id,
        data=OutcomeCreate(
            category=Category.DISSUADED,
            version=warning.version_id,
            confirmed_level=warning.level,
            confirmed_type=warning.fraud_type,
            note=data.note or "现场劝阻",
        ),
        config=config,
        now=now,
    )
    finding.outcome = Category.DISSUADED.value
