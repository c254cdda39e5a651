"""What people do to a warning: sign for it, act, record outcomes, transfer, reassign, reveal.

Every flow takes the principal, checks its permission and scope, changes the warning, records
an :class:`Action` where it is part of the handling, and appends to the audit log — all in the
caller's transaction. Optimistic locking: an outcome names the warning version it was based
on; a different current version, or a concurrent commit, is a :class:`ConflictError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from fanzha.core import phone
from fanzha.errors import ConflictError, WorkflowError
from fanzha.workflow.action.models import (
    ACTION_PERMISSION,
    CONTACT_KINDS,
    LADDER,
    Action,
    ActionCreate,
    ActionKind,
)
from fanzha.workflow.audit import service as audit
from fanzha.workflow.concurrency import flush_or_conflict
from fanzha.workflow.handling import after_action
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.warning import service
from fanzha.workflow.warning.models import EarlyWarning, WarningStatus
from fanzha.workflow.warning.routing import DeskConfig, officer_loads, pick_officer, reassign
from fanzha.workflow.warning.sla import reset_clock


def _record(
    session: Session,
    principal: Principal,
    warning: EarlyWarning,
    kind: ActionKind,
    now: dt.datetime,
    *,
    result: str | None = None,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> Action:
    action = Action(
        warning_id=warning.id,
        kind=kind.value,
        at=now,
        actor=principal.label,
        user_id=principal.id if principal.kind == "user" else None,
        result=result,
        note=note,
        details=details or {},
    )
    session.add(action)
    flush_or_conflict(session, "warning", warning=warning.id)
    audit.append(
        session=session,
        actor=principal.label,
        action=f"action.{kind.value}",
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail={
            "result": result,
            "status": warning.status,
            **{k: _audited(k, v) for k, v in (details or {}).items()},
        },
    )
    return action


# Officers' free texts: the audit log keeps their digest (see ``audit.text_digest``).
_FREE_TEXT = frozenset({"reason", "notice", "appeal_channel"})


def _audited(key: str, value: Any) -> Any:
    return audit.text_digest(value) if key in _FREE_TEXT and isinstance(value, str) else value


def _open(warning: EarlyWarning) -> None:
    if not warning.is_open:
        raise WorkflowError("the warning is closed", warning=warning.id, status=warning.status)


def view(
    *,
    session: Session,
    principal: Principal,
    warning_id: int,
    now: dt.datetime,
    group: audit.GroupCommit | None = None,
) -> EarlyWarning:
    """The warning in scope; the view is audited.

    Without ``group`` the record is appended in the caller's transaction (the caller commits);
    with it, it is appended by group commit and is committed when this returns.
    """
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    entry = audit.Entry(principal.label, "view", "warning", str(warning.id), now)
    if group is None:
        audit.append_many(session=session, entries=[entry])
    else:
        group.append(session=session, entry=entry)
    return warning


def sign(
    *,
    session: Session,
    principal: Principal,
    warning_id: int,
    config: DeskConfig,
    now: dt.datetime,
) -> EarlyWarning:
    """签收: the principal takes responsibility; starts the contact clock."""
    principal.require(Permission.SIGN)
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    _open(warning)
    if warning.signed_at is not None:
        raise ConflictError("the warning is already signed for", warning=warning.id)
    warning.signed_at = now
    warning.status = WarningStatus.SIGNED
    if principal.kind == "user" and warning.assignee_id is None:
        warning.assignee_id = principal.id
    reset_clock(warning, config.sla)
    _record(session, principal, warning, ActionKind.SIGN, now)
    flush_or_conflict(session, "warning", warning=warning.id)
    return warning


def act(
    *,
    session: Session,
    principal: Principal,
    warning_id: int,
    data: ActionCreate,
    config: DeskConfig,
    now: dt.datetime,
) -> Action:
    """Record a call, SMS, relative contacted, visit, operator assistance or stop-payment."""
    permission = ACTION_PERMISSION.get(data.kind)
    if permission is None or data.kind in (ActionKind.SIGN, ActionKind.TRANSFER, ActionKind.ASSIGN):
        raise WorkflowError("use the dedicated form for this action", kind=data.kind.value)
    principal.require(permission)
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    _open(warning)
    details = _validate_action(data)
    _advance(warning, data, now)
    reset_clock(warning, config.sla)
    action = _record(
        session,
        principal,
        warning,
        data.kind,
        now,
        result=data.result,
        note=data.note,
        details=details,
    )
    after_action(session=session, principal=principal, warning=warning, action=action)
    flush_or_conflict(session, "warning", warning=warning.id)
    return action


def _validate_action(data: ActionCreate) -> dict[str, Any]:
    if data.kind is ActionKind.STOP_PAYMENT:
        missing = [f for f in ("reason", "notice", "appeal_channel") if not getattr(data, f)]
        if missing:
            raise WorkflowError("a protective stop-payment needs " + ", ".join(missing))
        return {"reason": data.reason, "notice": data.notice, "appeal_channel": data.appeal_channel}
    if data.kind in (ActionKind.CALL, ActionKind.VISIT) and not data.result:
        raise WorkflowError("say how the call or visit went", kind=data.kind.value)
    return {}


def _advance(warning: EarlyWarning, data: ActionCreate, now: dt.datetime) -> None:
    if warning.signed_at is None:
        warning.signed_at = now
    if data.kind in CONTACT_KINDS and warning.contacted_at is None:
        warning.contacted_at = now
    if data.kind is ActionKind.VISIT and data.result == "met":
        warning.visited_at = now
        warning.contacted_at = warning.contacted_at or now
    warning.status = WarningStatus.IN_PROGRESS


def next_steps(
    *,
    session: Session,
    principal: Principal,
    warning: EarlyWarning,
    actions: list[Action] | None = None,
) -> list[ActionKind]:
    """The escalation ladder's steps not yet taken that the principal may take, in order
    (``actions``: the warning's actions, if the caller has already read them)."""
    if not warning.is_open:
        return []
    if actions is None:
        actions = service.actions_of(session=session, warning_id=warning.id)
    done = {a.kind for a in actions}
    steps = [k for k in LADDER if k.value not in done or k is ActionKind.CALL]
    return [k for k in steps if principal.can(ACTION_PERMISSION[k])]


def transfer(
    *,
    session: Session,
    principal: Principal,
    warning_id: int,
    to_station: str | None,
    note: str,
    config: DeskConfig,
    now: dt.datetime,
) -> EarlyWarning:
    """移交: to another station, or (``to_station=None``) out of the centre's area (closes)."""
    principal.require(Permission.TRANSFER)
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    _open(warning)
    if not note.strip():
        raise WorkflowError("say why the warning is transferred")
    before = warning.station
    if to_station is None:
        warning.close(WarningStatus.TRANSFERRED, now)
    else:
        stations.get_active(session=session, code=to_station)
        warning.station, warning.status, warning.signed_at = to_station, WarningStatus.ROUTED, None
        loads = officer_loads(session=session, station=to_station)
        warning.assignee_id = pick_officer(loads, config.capacity)
        reset_clock(warning, config.sla)
    details = {"from": before, "to": to_station or "outside"}
    _record(session, principal, warning, ActionKind.TRANSFER, now, note=note, details=details)
    flush_or_conflict(session, "warning", warning=warning.id)
    return warning


def assign(
    *,
    session: Session,
    principal: Principal,
    warning_id: int,
    user_id: int | None,
    now: dt.datetime,
) -> EarlyWarning:
    """Manual (re)assignment to an officer of the warning's station."""
    principal.require(Permission.ASSIGN)
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    _open(warning)
    holder = reassign(session=session, principal=principal, warning=warning, user_id=user_id)
    _record(session, principal, warning, ActionKind.ASSIGN, now, details={"to": holder})
    flush_or_conflict(session, "warning", warning=warning.id)
    return warning


def reveal(
    *, session: Session, principal: Principal, warning_id: int, purpose: str, now: dt.datetime
) -> str:
    """The unmasked phone number, for an action; the purpose is audited."""
    principal.require(Permission.REVEAL)
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    if len(purpose.strip()) < 4:
        raise WorkflowError("give the purpose of unmasking (at least 4 characters)")
    audit.append(
        session=session,
        actor=principal.label,
        action="reveal",
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail={"field": "phone", "purpose": purpose.strip()},
    )
    return phone.display(warning.phone) if warning.phone else "—"
