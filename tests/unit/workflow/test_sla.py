"""SLA clocks: deadlines per level, breach escalation once per stage, re-timing on level rises."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import patch

from sqlalchemy import Update, text, update
from sqlalchemy.orm import Session

from fanzha.notify import MemoryChannel
from fanzha.settings import DEFAULT_SLA_MINUTES
from fanzha.workflow.action.models import ActionCreate, ActionKind
from fanzha.workflow.roles import Role
from fanzha.workflow.warning import flows, service, sweep
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig
from fanzha.workflow.warning.sla import deadlines, format_remaining
from tests.unit.workflow.support import NOW, Desk


def test_deadlines_follow_level_defaults() -> None:
    d = deadlines(4, NOW, DEFAULT_SLA_MINUTES)
    assert [d[k] - NOW for k in d] == [
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=10),
        dt.timedelta(minutes=60),
    ]
    assert deadlines(3, NOW, DEFAULT_SLA_MINUTES)["visit"] - NOW == dt.timedelta(hours=24)


def test_format_remaining_shows_overdue_negative() -> None:
    assert format_remaining(dt.timedelta(minutes=-12)) == "-12m"
    assert format_remaining(dt.timedelta(minutes=65)) == "1h05m"
    assert format_remaining(dt.timedelta(days=2, hours=3)) == "2d03h"


def test_breach_escalates_to_supervisor_once_per_stage(desk: Desk) -> None:
    channel = MemoryChannel()
    config = DeskConfig(sla=DEFAULT_SLA_MINUTES, capacity=5, channel=channel)
    desk.station("S1", ("C1",))
    boss = desk.user("boss", Role.CENTRE_SUPERVISOR)
    wid = desk.warning(community="C1", level=4)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    late = NOW + dt.timedelta(minutes=6)
    with desk.factory.begin() as s:
        assert sweep.tick(session=s, config=config, now=late)["escalated"] == 1
    with desk.factory.begin() as s:
        assert sweep.tick(session=s, config=config, now=late)["escalated"] == 0
        overdue = service.overdue(session=s, principal=boss, now=late)
    assert [w.id for w in overdue] == [wid]
    assert desk.get(wid).breached_at == late
    assert len(channel.for_recipient("boss")) == 1
    assert "超期未劝阻" in channel.for_recipient("boss")[0].subject


def test_action_advances_stage_and_clears_overdue(desk: Desk, config: DeskConfig) -> None:
    desk.station("S1", ("C1",))
    officer = desk.user("a", Role.STATION_OFFICER, "S1")
    wid = desk.warning(community="C1", level=3)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
        flows.sign(session=s, principal=officer, warning_id=wid, config=config, now=NOW)
    assert desk.get(wid).due_stage == "contact"
    with desk.factory.begin() as s:
        flows.act(
            session=s,
            principal=officer,
            warning_id=wid,
            config=config,
            now=NOW,
            data=ActionCreate(kind=ActionKind.CALL, result="reached"),
        )
    w = desk.get(wid)
    assert w.due_stage == "visit" and w.due_at == NOW + dt.timedelta(hours=24)


def test_level_rise_retimes_open_warning(desk: Desk, config: DeskConfig) -> None:
    desk.station("S1", ("C1",))
    wid = desk.warning(community="C1", level=2)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    assert desk.get(wid).due_at == NOW + dt.timedelta(minutes=240)
    with desk.factory.begin() as s:
        w = s.get(sweep.EarlyWarning, wid)
        assert w is not None
        w.level = 4  # detection raises the level
    with desk.factory.begin() as s:
        assert sweep.tick(session=s, config=config, now=NOW)["retimed"] == 1
    assert desk.get(wid).due_at == NOW + dt.timedelta(minutes=5)


def test_two_ticks_reading_the_same_breach_escalate_it_once(desk: Desk) -> None:
    """Several server processes tick: a candidate another tick holds is skipped (PostgreSQL),
    and only the UPDATE that still finds the stage unescalated records the escalation."""
    channel = MemoryChannel()
    config = DeskConfig(sla=DEFAULT_SLA_MINUTES, capacity=5, channel=channel)
    desk.station("S1", ("C1",))
    desk.user("boss", Role.CENTRE_SUPERVISOR)
    wid = desk.warning(community="C1", level=4)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    late = NOW + dt.timedelta(minutes=6)
    real_execute = Session.execute
    other: list[int] = []
    started: list[bool] = []

    def other_process_first(self: Session, statement: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(statement, Update) and not started:  # between its read and its update
            started.append(True)
            with desk.factory.begin() as s2:  # SQLite: escalates; PostgreSQL: skips the lock
                other.extend(sweep.escalate_breaches(session=s2, config=config, now=late))
        return real_execute(self, statement, *args, **kw)

    with desk.factory.begin() as s, patch.object(Session, "execute", other_process_first):
        mine = sweep.escalate_breaches(session=s, config=config, now=late)
    assert started and sorted(mine + other) == [wid]
    with desk.factory() as s:
        kinds = [a.kind for a in service.actions_of(session=s, warning_id=wid)]
    assert kinds.count(ActionKind.ESCALATE.value) == 1
    assert len(channel.for_recipient("boss")) == 1


def test_tick_indexes_serve_retime_and_escalation(desk: Desk, config: DeskConfig) -> None:
    """The tick's scans are probes of partial indexes, not reads of every open warning."""
    desk.station("S1", ("C1",))
    wid = desk.warning(community="C1", level=2)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
        s.execute(update(EarlyWarning).where(EarlyWarning.id == wid).values(level=4))
        sqlite = s.get_bind().dialect.name == "sqlite"
        if sqlite:
            plan = " ".join(
                str(r[-1])
                for r in s.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM warnings INDEXED BY ix_warnings_retime"
                        " WHERE is_open = 1 AND routed_at IS NOT NULL AND sla_level <> level"
                    )
                )
            )
            assert "ix_warnings_retime" in plan
        assert sweep.retime(session=s, config=config) == 1
    assert desk.get(wid).due_at == NOW + dt.timedelta(minutes=5)
