"""Tier rules, decisions, escalation and ranking; tiers stored on warnings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import ConfigError, WorkflowError
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.tier.engine import DeskBudget, TierInput, base_tier, decide, escalate
from fanzha.workflow.tier.rules import load_tier_rules, parse_tier_rules
from fanzha.workflow.tier.service import TierConfig, assign_tiers, escalate_warning
from fanzha.workflow.warning.models import EarlyWarning

RULES = load_tier_rules(None)
T0 = dt.datetime(2026, 11, 1, 9, 0)


def item(
    key: str = "1",
    level: int = 2,
    kinds: tuple[str, ...] = ("indicator_call",),
    score: float | None = None,
    station: str | None = "S1",
    minutes: int = 0,
) -> TierInput:
    return TierInput(
        key, station, T0 + dt.timedelta(minutes=minutes), level, frozenset(kinds), score
    )


def test_tier_rules_packaged_default_is_versioned() -> None:
    assert RULES.version and RULES.full_version.startswith(RULES.version + "+")
    assert RULES.escalation.unconfirmed["assisted"] == "one_to_one"


def test_tier_rules_bad_field_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"one_to_one\.min_victim_score"):
        parse_tier_rules(b'version = "x"\n[one_to_one]\nmin_victim_score = 2.0\n', "bad.toml")
    with pytest.raises(ConfigError, match="cannot read"):
        load_tier_rules(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="tier rules are not valid TOML") as bad:
        parse_tier_rules(b"version = \n", "bad.toml")
    assert bad.value.context.get("file") == "bad.toml"


def test_tier_base_follows_victim_score() -> None:
    assert base_tier(item(score=0.9), RULES)[0] == "one_to_one"
    assert base_tier(item(score=0.2), RULES)[0] == "assisted"
    assert base_tier(item(score=0.05, level=3), RULES)[0] == "automated"
    tier, reasons = base_tier(item(score=0.001, level=1, kinds=("indicator_sms",)), RULES)
    assert tier == "watch" and reasons[0]["code"] == "watch" and reasons[0]["zh"]


def test_tier_base_without_model_uses_level_and_signals() -> None:
    assert base_tier(item(level=4), RULES)[0] == "one_to_one"
    assert base_tier(item(level=3), RULES)[0] == "assisted"
    assert base_tier(item(level=2, kinds=("indicator_app",)), RULES)[0] == "assisted"
    assert base_tier(item(level=2), RULES)[0] == "automated"
    assert base_tier(item(level=1, kinds=("indicator_sms",)), RULES)[0] == "watch"
    assert base_tier(item(level=1, kinds=("indicator_call",)), RULES)[0] == "automated"


def test_tier_desk_capacity_sends_overflow_to_assisted() -> None:
    budget = DeskBudget(capacity=2)
    tiers = [decide(item(str(i), score=0.9), RULES, budget).tier for i in range(3)]
    assert tiers == ["one_to_one", "one_to_one", "assisted"]
    overflow = decide(item("x", score=0.9), RULES, budget)
    assert overflow.reasons[-1]["code"] == "desk_full"
    other_station = decide(item("y", score=0.9, station="S2"), RULES, budget)
    next_day = decide(item("z", score=0.9, minutes=24 * 60), RULES, budget)
    assert other_station.tier == next_day.tier == "one_to_one"


def test_tier_never_goes_down_and_watch_escalates_on_a_new_signal() -> None:
    budget = DeskBudget(capacity=5)
    kept = decide(item(score=0.0, level=2), RULES, budget, current="one_to_one")
    assert kept.tier == "one_to_one" and kept.reasons[-1]["code"] == "kept"
    again = decide(item(score=0.0, level=1, kinds=("indicator_sms",)), RULES, budget, "watch")
    assert again.tier == "automated"


def test_tier_escalate_on_outcomes() -> None:
    assert escalate("automated", "unanswered", RULES)[0] == "assisted"
    assert escalate("assisted", "unconfirmed", RULES)[0] == "one_to_one"
    assert escalate("assisted", "confirmed", RULES) == ("assisted", None)
    assert escalate("watch", "new_signal", RULES)[0] == "automated"
    assert escalate("one_to_one", "refused", RULES) == ("one_to_one", None)
    with pytest.raises(WorkflowError):
        escalate("automated", "maybe", RULES)


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'wf.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def stored(session: Session, resident: str, level: int, minutes: int, kind: str) -> EarlyWarning:
    t = T0 + dt.timedelta(minutes=minutes)
    warning = EarlyWarning(
        resident_id=resident,
        station="S1",
        episode_start=t,
        warned_at=t,
        last_signal_at=t,
        level=level,
        score=float(level),
        reasons=[{"kind": kind, "time": t.isoformat(sep=" ")}],
        rules_version="r",
    )
    session.add(warning)
    return warning


def test_tier_service_assigns_ranks_and_rejudges_new_signals(
    factory: sessionmaker[Session],
) -> None:
    config = TierConfig(RULES, capacity=1)
    with transaction(factory) as session:
        stored(session, "PA", 4, 0, "indicator_account")
        stored(session, "PB", 4, 5, "indicator_account")
        stored(session, "PC", 1, 10, "indicator_sms")
        report = assign_tiers(session, config)
    assert report.judged == 3
    with factory() as session:
        rows = {w.resident_id: w for w in session.scalars(select(EarlyWarning))}
        assert rows["PA"].tier == "one_to_one" and rows["PA"].tier_rank == 1
        assert rows["PB"].tier == "assisted"  # the station's one place today is taken
        assert rows["PC"].tier == "watch" and rows["PC"].reached_at is None
        assert rows["PA"].tier_reasons and rows["PA"].tier_rules_version == RULES.full_version
    with transaction(factory) as session:
        assert assign_tiers(session, config).judged == 0  # nothing new
        pc = session.scalars(select(EarlyWarning).where(EarlyWarning.resident_id == "PC")).one()
        pc.last_signal_at = T0 + dt.timedelta(minutes=30)
        assert assign_tiers(session, config).judged == 1
    with factory() as session:
        pc = session.scalars(select(EarlyWarning).where(EarlyWarning.resident_id == "PC")).one()
        assert pc.tier == "automated"
        assert pc.reached_at == T0 + dt.timedelta(minutes=30)
        actions = set(session.scalars(select(AuditRecord.action)))
        assert "tier" in actions


def test_tier_service_escalates_an_unconfirmed_robot_call(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        w = stored(session, "PA", 2, 0, "indicator_call")
        assign_tiers(session, TierConfig(RULES, capacity=3))
        assert w.tier == "automated"
        later = T0 + dt.timedelta(hours=1)
        assert escalate_warning(session, w, "unanswered", RULES, now=later)
        assert escalate_warning(session, w, "unconfirmed", RULES, now=later)
        assert not escalate_warning(session, w, "unconfirmed", RULES, now=later)
        assert w.tier == "one_to_one" and w.tier_rank == 1
        assert [r["code"] for r in w.tier_reasons or []][-2:] == ["escalated", "escalated"]
