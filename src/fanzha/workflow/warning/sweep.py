"""The desk's clock tick: route new warnings, re-time changed levels, escalate breaches.

Breach marking uses plain UPDATEs that do not bump the warning's version, so an officer's
open outcome form is not invalidated by the clock.

The tick runs every ``FANZHA_DESK_TICK_SECONDS`` in every server process, so each of its
queries must cost next to nothing when there is nothing to do: re-timing and escalation read
small partial indexes (migration ``0004``) that hold only the rows that may need work. SQLite's
planner, without statistics, would rather use ``ix_warnings_open_due`` (and read every open
warning), so on SQLite the queries name their index (``INDEXED BY``). Several processes may
tick at once: on PostgreSQL each takes candidates the others have not locked (``SKIP
LOCKED``), and everywhere an escalation is written only by the UPDATE that still finds the
stage unescalated, so each stage is escalated exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import DateTime, Integer, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from fanzha.core.levels import Level
from fanzha.notify import Message
from fanzha.workflow.action.models import Action, ActionKind
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import SYSTEM, Role
from fanzha.workflow.user.models import User
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig, route_new
from fanzha.workflow.warning.sla import reset_clock

logger = logging.getLogger(__name__)


def _open_literal(session: Session) -> tuple[str, str]:
    """(the literal for ``true``, the SQLite index hint prefix) for the session's database."""
    if session.get_bind().dialect.name == "sqlite":
        return "1", " INDEXED BY "
    return "true", ""


def _hint(prefix: str, index: str) -> str:
    return f"{prefix}{index}" if prefix else ""


def retime(*, session: Session, config: DeskConfig, batch: int = 500) -> int:
    """Recompute deadlines of open warnings whose level changed since they were timed."""
    true, hint = _open_literal(session)
    ids = list(
        session.scalars(
            text(
                f"SELECT id FROM warnings{_hint(hint, 'ix_warnings_retime')} "  # noqa: S608
                f"WHERE is_open = {true} AND routed_at IS NOT NULL AND sla_level <> level "
                "LIMIT :n"
            ).bindparams(bindparam("n", batch, type_=Integer()))
        )
    )
    if not ids:
        return 0
    changed = list(session.scalars(select(EarlyWarning).where(EarlyWarning.id.in_(ids))))
    for warning in changed:
        reset_clock(warning, config.sla)
    session.flush()
    return len(changed)


def escalate_breaches(
    *, session: Session, config: DeskConfig, now: dt.datetime, batch: int = 100
) -> list[int]:
    """Escalate each open warning past its deadline once per stage; return their ids."""
    w = EarlyWarning
    true, hint = _open_literal(session)
    query = text(
        f"SELECT id, due_stage, level, station FROM warnings{_hint(hint, 'ix_warnings_escalate')} "  # noqa: S608
        f"WHERE is_open = {true} AND (escalated_stage IS NULL OR escalated_stage <> due_stage) "
        "AND due_at < :now ORDER BY due_at, id LIMIT :n"
        + ("" if hint else " FOR UPDATE SKIP LOCKED")
    ).bindparams(bindparam("now", now, type_=DateTime()), bindparam("n", batch, type_=Integer()))
    candidates = list(session.execute(query))
    if not candidates:
        return []
    supervisors = _supervisors(session)
    rows = []
    entries = []
    for warning_id, due_stage, level, station in candidates:
        stage = due_stage or "?"
        # Re-checked in the UPDATE: another process may have escalated it, or the officer
        # may have reached the stage, since the candidates were read.
        done = session.execute(
            update(w)
            .where(
                w.id == warning_id,
                w.is_open.is_(True),
                w.due_stage == due_stage,
                w.due_at < now,
                or_(w.escalated_stage.is_(None), w.escalated_stage != stage),
            )
            .values(escalated_stage=stage, breached_at=_first(w.breached_at, now))
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 1) != 1:
            continue
        rows.append((warning_id, due_stage, level, station))
        entries.append(_record_escalation(session, warning_id, stage, now, supervisors))
    # One append for the batch: the chain's lock (SQLite: the write lock is already held)
    # is taken once, at the end, so views are not held up for the whole batch.
    audit.append_many(session=session, entries=entries)
    for warning_id, due_stage, level, station in rows:
        _notify(config, supervisors, warning_id, due_stage or "?", level, station)
    return [r[0] for r in rows]


def _first(column: Any, now: dt.datetime) -> Any:
    return func.coalesce(column, now)


def _supervisors(session: Session) -> list[str]:
    query = select(User.username).where(
        User.role == Role.CENTRE_SUPERVISOR.value, User.active.is_(True)
    )
    return list(session.scalars(query))


def _record_escalation(
    session: Session, warning_id: int, stage: str, now: dt.datetime, supervisors: list[str]
) -> audit.Entry:
    """Add the escalation action; return its audit entry (appended by the caller)."""
    session.add(
        Action(
            warning_id=warning_id,
            kind=ActionKind.ESCALATE.value,
            at=now,
            actor=SYSTEM.label,
            result=stage,
            note="",
            details={"to": supervisors},
        )
    )
    detail = {"stage": stage, "to": supervisors}
    return audit.Entry(SYSTEM.label, "escalate", "warning", str(warning_id), now, detail)


def _notify(
    config: DeskConfig,
    supervisors: list[str],
    warning_id: int,
    stage: str,
    level: int,
    station: str | None,
) -> None:
    if config.channel is None:
        return
    subject = f"超期未劝阻 #{warning_id} {Level(level).zh} {stage} {station or '中心'}"
    for name in supervisors:
        config.channel.send(Message(recipient=name, subject=subject, body=subject))


def tick(*, session: Session, config: DeskConfig, now: dt.datetime) -> dict[str, int]:
    """One desk tick; returns counts of routed, re-timed and escalated warnings."""
    routed = route_new(session=session, config=config, now=now)
    retimed = retime(session=session, config=config)
    escalated = escalate_breaches(session=session, config=config, now=now)
    if routed or escalated:
        logger.info(
            "desk tick: routed %d, retimed %d, escalated %d", routed, retimed, len(escalated)
        )
    return {"routed": routed, "retimed": retimed, "escalated": len(escalated)}
