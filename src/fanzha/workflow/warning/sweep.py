"""The desk's clock tick: route new warnings, re-time changed levels, escalate breaches.

Breach marking uses plain UPDATEs that do not bump the warning's version, so an officer's
open outcome form is not invalidated by the clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select, update
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


def retime(*, session: Session, config: DeskConfig, batch: int = 500) -> int:
    """Recompute deadlines of open warnings whose level changed since they were timed."""
    query = select(EarlyWarning).where(
        EarlyWarning.is_open.is_(True),
        EarlyWarning.routed_at.is_not(None),
        EarlyWarning.sla_level != EarlyWarning.level,
    )
    changed = list(session.scalars(query.limit(batch)))
    for warning in changed:
        reset_clock(warning, config.sla)
    session.flush()
    return len(changed)


def escalate_breaches(
    *, session: Session, config: DeskConfig, now: dt.datetime, batch: int = 100
) -> list[int]:
    """Escalate each open warning past its deadline once per stage; return their ids."""
    w = EarlyWarning
    query = select(w.id, w.due_stage, w.level, w.station).where(
        w.is_open.is_(True),
        w.due_at < now,
        (w.escalated_stage.is_(None)) | (w.escalated_stage != w.due_stage),
    )
    rows = list(session.execute(query.limit(batch)))
    supervisors = _supervisors(session)
    for warning_id, due_stage, level, station in rows:
        stage = due_stage or "?"
        session.execute(
            update(w)
            .where(w.id == warning_id)
            .values(escalated_stage=stage, breached_at=_first(w.breached_at, now))
            .execution_options(synchronize_session=False)
        )
        _record_escalation(session, warning_id, stage, now, supervisors)
        _notify(config, supervisors, warning_id, stage, level, station)
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
) -> None:
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
    audit.append(
        session=session,
        actor=SYSTEM.label,
        action="escalate",
        object_type="warning",
        object_id=warning_id,
        at=now,
        detail={"stage": stage, "to": supervisors},
    )


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
