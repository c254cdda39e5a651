"""The simulated publicity year in the workflow store: teams, a growing volunteer roster, the
planned campaign and its events with what they found (for pages, dashboards and reports).

Everything is marked ``source='sim'`` (volunteers, campaign, events), phones are from the
reserved range ``+86 170 0…`` and names are made up. Findings are stored without a phone (so
they make no warning); the warnings and cases of :mod:`fanzha.sim.history` do not know about
the campaign — the effect check runs on :class:`~fanzha.sim.publicity.PublicitySim`'s own rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.reporting.targeting import add_months
from fanzha.sim.publicity import GROUPS, PublicitySim
from fanzha.workflow.campaign.models import (
    Audience,
    Campaign,
    EventFinding,
    EventKind,
    FindingKind,
    PublicityEvent,
)
from fanzha.workflow.volunteer.models import Category, Team, Volunteer

__all__ = ["StoreSummary", "write_publicity"]

PHONE_BASE = 8617000000000
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_CATEGORIES = tuple(Category)  # staff, employee, community, student, volunteer
_CATEGORY_SHARES = (0.15, 0.3, 0.2, 0.2, 0.15)
_KINDS: dict[Audience, tuple[EventKind, ...]] = {
    Audience.RETIREES: (EventKind.COMMUNITY, EventKind.MARKET, EventKind.FIXED_POINT),
    Audience.STUDENTS: (EventKind.CAMPUS, EventKind.ONLINE),
    Audience.EMPLOYEES: (EventKind.ENTERPRISE, EventKind.ONLINE),
    Audience.FARMERS: (EventKind.VILLAGE, EventKind.MARKET),
    Audience.HOMEMAKERS: (EventKind.COMMUNITY, EventKind.ONLINE),
}
FINDING_KINDS = (FindingKind.TWO_CARDS, FindingKind.SUSPICIOUS_ACCOUNT, FindingKind.OTHER_HAZARD)


@dataclass(frozen=True)
class StoreSummary:
    """What was written."""

    teams: int
    volunteers: int
    events: int
    findings: int


def _clear(session: Session) -> None:
    sim_events = select(PublicityEvent.id).where(PublicityEvent.source == "sim")
    session.execute(delete(EventFinding).where(EventFinding.event_id.in_(sim_events)))
    session.execute(delete(PublicityEvent).where(PublicityEvent.source == "sim"))
    session.execute(delete(Campaign).where(Campaign.source == "sim"))
    session.execute(delete(Volunteer).where(Volunteer.source == "sim"))
    session.execute(delete(Team).where(Team.code.like("sim-%")))


def _roster(
    session: Session, sim: PublicitySim, stations: dict[str, str], rng: np.random.Generator
) -> tuple[dict[str, int], int]:
    """One team per community; members joining faster and faster (×6 over the year)."""
    first = sim.config.first_month
    days = (add_months(first, sim.config.months) - first).days
    teams: dict[str, int] = {}
    n = 0
    for community in sim.communities:
        team = Team(code=f"sim-{community}", name=f"{community}蓝马甲", community=community)
        team.station = stations.get(community)
        session.add(team)
        session.flush()
        teams[community] = team.id
        size = int(rng.integers(15, 45))
        joined = np.sort(first.toordinal() + (days * rng.power(2.5, size=size)).astype(int))
        for day in joined:
            left = rng.random() < 0.1
            session.add(_volunteer(rng, n, community, team, int(day), left, days))
            n += 1
        session.flush()
        team.leader_id = session.scalar(select(Volunteer.id).where(Volunteer.team_id == team.id))
    return teams, n


def _volunteer(
    rng: np.random.Generator, n: int, community: str, team: Team, day: int, left: bool, days: int
) -> Volunteer:
    joined = dt.date.fromordinal(day)
    category = _CATEGORIES[int(rng.choice(len(_CATEGORIES), p=_CATEGORY_SHARES))]
    name = _SURNAMES[int(rng.integers(len(_SURNAMES)))] + "".join(
        _GIVEN[int(i)] for i in rng.integers(len(_GIVEN), size=int(rng.integers(1, 3)))
    )
    left_on = joined + dt.timedelta(days=int(rng.integers(30, 200))) if left else None
    return Volunteer(
        phone=PHONE_BASE + n,
        name=name,
        organisation="",
        category=category.value,
        station=team.station,
        community=community,
        team_id=team.id,
        joined_on=joined,
        active=left_on is None,
        left_on=left_on,
        source="sim",
    )


def _campaign(session: Session, sim: PublicitySim) -> Campaign:
    plan = sim.plan
    campaign = Campaign(
        code=f"sim-{sim.start:%Y%m}-{plan.audience.value}",
        theme=plan.headline_zh.split("：", 1)[-1][:200],
        fraud_types=list(plan.fraud_types),
        audience=plan.audience.value,
        starts_on=sim.start,
        ends_on=add_months(sim.start, sim.config.months - sim.config.start) - dt.timedelta(days=1),
        areas=list(plan.communities),
        source="sim",
        created_by="system:0:sim",
    )
    session.add(campaign)
    session.flush()
    return campaign


def write_publicity(
    factory: sessionmaker[Session],
    sim: PublicitySim,
    *,
    stations: dict[str, str] | None = None,
    events_per_month: int = 4,
) -> StoreSummary:
    """Replace any simulated publicity in the store with this one."""
    rng = np.random.default_rng(sim.config.seed + 7)
    stations = stations or {}
    with factory.begin() as session:
        _clear(session)
        teams, volunteers = _roster(session, sim, stations, rng)
        campaign = _campaign(session, sim)
        events, findings = _events(session, sim, campaign, teams, stations, rng, events_per_month)
    return StoreSummary(len(teams), volunteers, events, findings)


def _events(
    session: Session,
    sim: PublicitySim,
    campaign: Campaign,
    teams: dict[str, int],
    stations: dict[str, str],
    rng: np.random.Generator,
    per_month: int,
) -> tuple[int, int]:
    audience = sim.plan.audience
    kinds = _KINDS.get(audience, (EventKind.COMMUNITY,))
    share = GROUPS[audience].share if audience in GROUPS else 1.0
    n_events = n_findings = 0
    for community in sim.plan.communities:
        audience_size = sim.population[community] * share * sim.config.reach
        for m in range(sim.config.start, sim.config.months):
            month = add_months(sim.config.first_month, m)
            for _ in range(per_month):
                reached = int(rng.poisson(audience_size / per_month / 2))
                event = PublicityEvent(
                    campaign_id=campaign.id,
                    kind=kinds[int(rng.integers(len(kinds)))].value,
                    place=f"{community}活动点",
                    community=community,
                    station=stations.get(community),
                    held_at=dt.datetime.combine(month, dt.time(9))
                    + dt.timedelta(days=int(rng.integers(0, 27)), hours=int(rng.integers(0, 8))),
                    team_id=teams[community],
                    participants=int(rng.integers(4, 15)),
                    leaflets=int(reached * rng.uniform(0.5, 1.0)),
                    banners=int(rng.integers(0, 3)),
                    consultations=int(reached * rng.uniform(0.05, 0.15)),
                    reached=reached,
                    source="sim",
                    recorded_by="system:0:sim",
                )
                session.add(event)
                session.flush()
                n_events += 1
                n_findings += _findings(session, event, rng)
    return n_events, n_findings


def _findings(session: Session, event: PublicityEvent, rng: np.random.Generator) -> int:
    kinds = [FINDING_KINDS[int(rng.integers(len(FINDING_KINDS)))] for _ in range(rng.poisson(0.3))]
    kinds += [FindingKind.DISSUADED] * int(rng.poisson(0.2))
    for kind in kinds:
        session.add(EventFinding(event_id=event.id, kind=kind.value, details={"sim": True}))
    return len(kinds)
