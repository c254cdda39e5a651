"""The simulated publicity year: deterministic, campaign planned from the risk map, and its
teams, roster, campaign and events written into the workflow store (replaced on a rerun)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.sim.publicity import PublicityConfig, simulate_publicity
from fanzha.sim.publicity_store import write_publicity
from fanzha.workflow.campaign import service
from fanzha.workflow.campaign.models import Campaign, PublicityEvent
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.models import Volunteer
from tests.databases import db_url, factory, pg_template, sqlite_template

__all__ = ["db_url", "factory", "pg_template", "sqlite_template"]

SMALL = PublicityConfig(communities=24, residents_per_community=2000, targeted=6, seed=5)


def test_publicity_sim_is_deterministic_and_targets_the_plan() -> None:
    a, b = simulate_publicity(SMALL), simulate_publicity(SMALL)
    assert a.rows == b.rows and a.plan == b.plan
    assert len(a.plan.communities) == 6 and a.start == dt.date(2026, 7, 1)
    assert a.truth["contacts"] == pytest.approx(-SMALL.true_effect * SMALL.reach)
    other = simulate_publicity(PublicityConfig(**{**SMALL.__dict__, "seed": 6}))
    assert other.rows != a.rows
    names = [f"X{i}" for i in range(30)]
    named = simulate_publicity(SMALL, names=names)
    assert {r.community for r in named.rows} == set(names)


def test_publicity_sim_written_to_the_store(factory: sessionmaker[Session]) -> None:
    sim = simulate_publicity(SMALL)
    stations = {c: f"S{i % 3}" for i, c in enumerate(sim.communities)}
    first = write_publicity(factory, sim, stations=stations, events_per_month=2)
    again = write_publicity(factory, sim, stations=stations, events_per_month=2)
    assert first == again and first.events == 6 * 6 * 2 and first.teams == 24
    with factory() as s:
        assert s.scalar(select(func.count(Volunteer.id))) == first.volunteers
        campaign = s.scalar(select(Campaign))
        assert campaign is not None and campaign.areas == list(sim.plan.communities)
        assert campaign.audience == sim.plan.audience.value
        events = s.scalar(select(func.count(PublicityEvent.id)))
        assert events == first.events
        january = roster.active_count(session=s, on=dt.date(2026, 1, 31))
        december = roster.active_count(session=s, on=dt.date(2026, 12, 31))
        assert december > 3 * january  # the roster grows over the year
        figures = service.figures(
            session=s, since=dt.datetime(2026, 7, 1), until=dt.datetime(2027, 1, 1)
        )
        assert figures.events == first.events and figures.reached > 0
        assert figures.hazards + figures.dissuaded == first.findings
