"""Campaigns and events: figures, scope, and findings recorded as leads with their outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.campaign import flows, service
from fanzha.workflow.campaign.models import EventFinding, EventKind, FindingKind
from fanzha.workflow.campaign.schemas import CampaignCreate, EventCreate, FindingCreate
from fanzha.workflow.outcome.models import Outcome
from fanzha.workflow.roles import Role
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig
from tests.unit.workflow.support import NOW, Desk

DAY = dt.timedelta(days=1)


def _campaign(**kw: object) -> CampaignCreate:
    values: dict[str, object] = {
        "code": "2026-03-养老",
        "theme": "守护养老钱",
        "fraud_types": ["fake_investment", "冒充公检法"],
        "audience": "retirees",
        "starts_on": dt.date(2026, 3, 1),
        "ends_on": dt.date(2026, 3, 31),
        "areas": ["C1", "C2", " "],
    }
    values.update(kw)
    return CampaignCreate.model_validate(values)


def _event(**kw: object) -> EventCreate:
    values: dict[str, object] = {
        "kind": EventKind.MARKET,
        "held_at": NOW - dt.timedelta(hours=2),
        "place": "城关集市",
        "community": "C1",
        "participants": 8,
        "leaflets": 400,
        "banners": 2,
        "consultations": 35,
        "reached": 600,
    }
    values.update(kw)
    return EventCreate.model_validate(values)


def test_campaigns_event_findings_become_leads_with_outcome(
    factory: sessionmaker[Session], desk: Desk, config: DeskConfig
) -> None:
    desk.station("S1", ("C1",))
    leader = desk.user("gw", Role.GRID_WORKER, "S1")
    findings = [
        FindingCreate(
            kind=FindingKind.DISSUADED, fraud_type="fake_investment", phone="13911110001"
        ),
        FindingCreate(kind=FindingKind.TWO_CARDS, phone="13911110002", note="收购银行卡"),
        FindingCreate(kind=FindingKind.SUSPICIOUS_ACCOUNT),  # no phone: no lead
    ]
    with factory.begin() as s:
        campaign = flows.create_campaign(session=s, principal=leader, data=_campaign(), now=NOW)
        assert campaign.station == "S1" and campaign.areas == ["C1", "C2"]
        assert campaign.fraud_types == ["fake_investment", "impersonate_police"]
        event = flows.record_event(
            session=s,
            principal=leader,
            data=_event(campaign_id=campaign.id, findings=findings),
            config=config,
            now=NOW,
        )
        event_id = event.id
    with factory() as s:
        rows = list(s.scalars(select(EventFinding).where(EventFinding.event_id == event_id)))
        dissuaded, hazard, silent = sorted(rows, key=lambda f: f.id)
        assert silent.warning_id is None
        w = s.get(EarlyWarning, dissuaded.warning_id)
        assert w is not None and (w.source, w.is_open, w.outcome) == (
            "publicity",
            False,
            "dissuaded",
        )
        assert w.station == "S1" and dissuaded.outcome == "dissuaded"
        outcome = s.scalar(select(Outcome).where(Outcome.warning_id == w.id))
        assert outcome is not None and outcome.actor == leader.label
        h = s.get(EarlyWarning, hazard.warning_id)
        assert h is not None and (h.source, h.is_open, h.level) == ("volunteer", True, 2)
        figures = service.figures(session=s, since=NOW - DAY, until=NOW + DAY)
        assert (figures.events, figures.reached, figures.leaflets) == (1, 600, 400)
        assert (figures.hazards, figures.dissuaded, figures.consultations) == (2, 1, 35)
        assert service.community_heat(session=s, since=NOW - DAY, until=NOW + DAY) == {
            "C1": {"events": 1, "reached": 600}
        }
        actions = set(s.scalars(select(AuditRecord.action)))
        assert {"campaign.create", "publicity.event", "create", "outcome"} <= actions


def test_campaigns_one_phone_dissuaded_twice_in_one_event_is_refused_clearly(
    factory: sessionmaker[Session], desk: Desk, config: DeskConfig
) -> None:
    desk.station("S1", ("C1",))
    leader = desk.user("gw", Role.GRID_WORKER, "S1")
    twice = [FindingCreate(kind=FindingKind.DISSUADED, phone="13911110001")] * 2
    with factory() as s:
        with pytest.raises(WorkflowError, match="already has a warning"):
            flows.record_event(
                session=s, principal=leader, data=_event(findings=twice), config=config, now=NOW
            )
        s.rollback()
        assert s.scalars(select(EarlyWarning)).all() == []


def test_campaigns_event_refused_inputs(
    factory: sessionmaker[Session], desk: Desk, config: DeskConfig
) -> None:
    desk.station("S1", ("C1",))
    desk.station("S2", ("C2",))
    officer = desk.user("o1", Role.STATION_OFFICER, "S1")
    leader_of_all = desk.user("op", Role.CENTRE_OPERATOR)
    boss = desk.user("boss", Role.LEADER)
    cases = [
        (_event(held_at=NOW + DAY), "before it happened"),
        (_event(reached=3, consultations=10), "fewer people reached"),
        (_event(community="C2"), "another station"),
        (_event(team_id=999), "no such team"),
    ]
    with factory() as s:
        for data, why in cases:
            with pytest.raises(WorkflowError, match=why):
                flows.record_event(session=s, principal=officer, data=data, config=config, now=NOW)
            s.rollback()
        with pytest.raises(NotFoundError):
            flows.record_event(
                session=s, principal=officer, data=_event(campaign_id=42), config=config, now=NOW
            )
        with pytest.raises(PermissionDeniedError):
            flows.record_event(session=s, principal=boss, data=_event(), config=config, now=NOW)
        with pytest.raises(WorkflowError, match="end before"):
            flows.create_campaign(
                session=s,
                principal=leader_of_all,
                data=_campaign(ends_on=dt.date(2026, 2, 1)),
                now=NOW,
            )


def test_campaigns_scope_of_a_station(
    factory: sessionmaker[Session], desk: Desk, config: DeskConfig
) -> None:
    desk.station("S1", ("C1",))
    desk.station("S2", ("C2",))
    op = desk.user("op", Role.CENTRE_OPERATOR)
    o2 = desk.user("o2", Role.STATION_OFFICER, "S2")
    with factory.begin() as s:
        city = flows.create_campaign(session=s, principal=op, data=_campaign(code="city"), now=NOW)
        own = flows.create_campaign(
            session=s, principal=op, data=_campaign(code="s1", station="S1"), now=NOW
        )
        flows.record_event(session=s, principal=op, data=_event(), config=config, now=NOW)
        city_id, own_id = city.id, own.id
    with factory() as s:
        assert [c.code for c in service.list_campaigns(session=s, principal=o2)] == ["city"]
        with pytest.raises(NotFoundError):
            service.get_campaign(session=s, principal=o2, campaign_id=own_id)
        assert service.get_campaign(session=s, principal=o2, campaign_id=city_id).code == "city"
        assert service.events_of(session=s, principal=o2) == []
        assert len(service.events_of(session=s, principal=op)) == 1
