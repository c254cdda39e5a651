"""One-to-one places re-allocated to likelier victims: the engine, then the store service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.store.database import transaction
from fanzha.workflow.action.models import Action
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.tier import service
from fanzha.workflow.tier.engine import DeskBudget, Place, TierInput, decide, displaceable
from fanzha.workflow.tier.rules import TierRules, load_tier_rules
from fanzha.workflow.tier.service import (
    TierConfig,
    assign_tiers,
    escalate_warning,
    escalated_to_one_to_one,
)
from fanzha.workflow.warning.models import EarlyWarning

RULES = load_tier_rules(None)
T0 = dt.datetime(2026, 11, 1, 9, 0)


def with_realloc(on: bool) -> TierRules:
    return RULES.model_copy(
        update={"one_to_one": RULES.one_to_one.model_copy(update={"reallocate": on})}
    )


def item(key: str, score: float | None, minutes: int = 0, level: int = 2) -> TierInput:
    t = T0 + dt.timedelta(minutes=minutes)
    return TierInput(key, "S1", t, level, frozenset({"indicator_call"}), score)


def run(capacity: int, scores: list[float | None], budget: DeskBudget | None = None) -> list[Any]:
    desk = budget or DeskBudget(capacity, reallocate=True)
    return [decide(item(str(i), p, i), RULES, desk) for i, p in enumerate(scores)]


def test_realloc_packaged_rules_turn_it_on() -> None:
    assert RULES.one_to_one.reallocate is True
    assert RULES.version == "2026.12-3"


def test_realloc_a_later_likelier_candidate_takes_the_least_likely_place() -> None:
    a, b, c = run(2, [0.6, 0.7, 0.9])
    assert a.tier == b.tier == c.tier == "one_to_one"
    assert c.displaced is not None and c.displaced.key == "0"  # the least likely holder
    assert c.reasons[-1]["code"] == "took_place"
    d = run(2, [0.6, 0.7, 0.9, 0.65])[-1]  # 0.65 < both holders left (0.7, 0.9)
    assert d.tier == "assisted" and d.displaced is None and d.reasons[-1]["code"] == "desk_full"


def test_realloc_off_keeps_first_come() -> None:
    c = run(2, [0.6, 0.7, 0.9], DeskBudget(2, reallocate=False))[-1]
    assert c.tier == "assisted" and c.displaced is None


def test_realloc_never_takes_a_started_place() -> None:
    budget = DeskBudget(1, reallocate=True)
    budget.hold("S1", Place("held", 0.55, T0, locked_at=T0 + dt.timedelta(minutes=5)))
    early = decide(item("early", 0.99, minutes=1), RULES, budget)
    assert early.displaced is not None and early.displaced.key == "held"  # not started yet
    budget = DeskBudget(1, reallocate=True)
    budget.hold("S1", Place("held", 0.55, T0, locked_at=T0 + dt.timedelta(minutes=5)))
    late = decide(item("late", 0.99, minutes=10), RULES, budget)
    assert late.tier == "assisted" and late.displaced is None


def test_realloc_ties_keep_the_earlier_holder() -> None:
    tie = run(1, [0.7, 0.7])[-1]
    assert tie.tier == "assisted" and tie.displaced is None
    places = [Place("first", 0.6, T0), Place("second", 0.6, T0 + dt.timedelta(minutes=1))]
    least = displaceable(places, 0.8, T0 + dt.timedelta(minutes=2))
    assert least is not None and least.key == "second"  # ranked last among equals
    assert displaceable(places, None, T0) is None  # no score: displaces nobody


def test_realloc_capacity_zero_and_one() -> None:
    assert [d.tier for d in run(0, [0.6, 0.9])] == ["assisted", "assisted"]
    a, b, c = run(1, [0.6, 0.9, 0.8])
    assert (a.tier, b.tier, c.tier) == ("one_to_one", "one_to_one", "assisted")
    assert b.displaced is not None and b.displaced.key == "0"
    assert c.displaced is None


def test_realloc_other_day_and_station_have_their_own_places() -> None:
    budget = DeskBudget(1, reallocate=True)
    decide(item("a", 0.6), RULES, budget)
    tomorrow = decide(item("b", 0.9, minutes=24 * 60), RULES, budget)
    assert tomorrow.tier == "one_to_one" and tomorrow.displaced is None


# --- the store service (SQLite and PostgreSQL: the ``factory`` of tests/databases.py) ---


def stored(session: Session, resident: str, minutes: int) -> EarlyWarning:
    t = T0 + dt.timedelta(minutes=minutes)
    warning = EarlyWarning(
        resident_id=resident,
        station="S1",
        episode_start=t,
        warned_at=t,
        last_signal_at=t,
        level=2,
        score=2.0,
        reasons=[{"kind": "indicator_call", "time": t.isoformat(sep=" ")}],
        rules_version="r",
    )
    session.add(warning)
    session.flush()
    return warning


@pytest.fixture
def scores(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Victim scores by resident, in place of a victim model."""
    by_resident: dict[str, float] = {}

    def fake(todo: list[EarlyWarning], config: TierConfig) -> dict[int, Any]:
        return {w.id: (by_resident[w.resident_id], []) for w in todo}

    monkeypatch.setattr(service, "_victim_scores", fake)
    return by_resident


def by_resident(session: Session) -> dict[str, EarlyWarning]:
    return {w.resident_id: w for w in session.scalars(select(EarlyWarning))}


def test_realloc_service_displaces_an_unstarted_warning(
    factory: sessionmaker[Session], scores: dict[str, float]
) -> None:
    config = TierConfig(RULES, capacity=1)
    scores.update(PA=0.6, PB=0.9)
    with transaction(factory) as session:
        stored(session, "PA", 0)
        assign_tiers(session, config)
    with transaction(factory) as session:
        stored(session, "PB", 10)
        report = assign_tiers(session, config)
        assert report.displaced == 1
    with factory() as session:
        rows = by_resident(session)
        assert rows["PB"].tier == "one_to_one" and rows["PB"].tier_rank == 1
        assert rows["PA"].tier == "assisted" and rows["PA"].tier_rank is None
        last = (rows["PA"].tier_reasons or [])[-1]
        assert last["code"] == "gave_place" and "让位" in last["zh"] and "likelier" in last["en"]
        audit = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "tier_displace")
        ).one()
        assert audit.object_id == str(rows["PA"].id)


def test_realloc_service_never_displaces_a_started_warning(
    factory: sessionmaker[Session], scores: dict[str, float]
) -> None:
    config = TierConfig(RULES, capacity=1)
    scores.update(PA=0.6, PB=0.9, PC=0.95, PD=0.97)
    with transaction(factory) as session:
        stored(session, "PA", 0)
        assign_tiers(session, config)
        pa = by_resident(session)["PA"]
        pa.status, pa.signed_at = "signed", T0 + dt.timedelta(minutes=2)  # an officer signed
    with transaction(factory) as session:
        stored(session, "PB", 10)
        assert assign_tiers(session, config).displaced == 0
        pa = by_resident(session)["PA"]
        pa.status = "new"  # signed_at alone keeps it started; now an action instead:
        pa.signed_at = None
        session.add(Action(warning_id=pa.id, kind="call", at=T0, actor="officer", result="reached"))
    with transaction(factory) as session:
        stored(session, "PC", 20)
        assert assign_tiers(session, config).displaced == 0
    with factory() as session:
        rows = by_resident(session)
        assert rows["PA"].tier == "one_to_one"
        assert rows["PB"].tier == rows["PC"].tier == "assisted"
        assert (rows["PC"].tier_reasons or [])[-1]["code"] == "desk_full"


def test_realloc_service_never_displaces_an_escalated_warning(
    factory: sessionmaker[Session], scores: dict[str, float]
) -> None:
    config = TierConfig(RULES, capacity=1)
    scores.update(PA=0.2, PB=0.9)
    with transaction(factory) as session:
        pa = stored(session, "PA", 0)
        assign_tiers(session, config)
        assert pa.tier == "assisted"
        assert escalate_warning(session, pa, "unconfirmed", RULES, now=T0)  # robot call failed
    with transaction(factory) as session:
        stored(session, "PB", 10)
        assert assign_tiers(session, config).displaced == 0
    with factory() as session:
        rows = by_resident(session)
        assert rows["PA"].tier == "one_to_one" and rows["PB"].tier == "assisted"
        assert escalated_to_one_to_one(session) == {rows["PA"].id}  # `fanzha evaluate` splits
