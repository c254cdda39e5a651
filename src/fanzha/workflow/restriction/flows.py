"""The stop-payment lifecycle: created with the action, lifted, appealed, decided; audited.

Every flow checks the principal's permission and the warning's scope, changes the
restriction and appends to the audit log, all in the caller's transaction. Lifting and
deciding are conditional updates (``WHERE status = 'active'`` / ``decision IS NULL``), so two
people doing it at the same moment cannot both succeed: the second gets a
:class:`ConflictError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, WorkflowError
from fanzha.workflow.action.models import Action
from fanzha.workflow.audit import service as audit
from fanzha.workflow.restriction import service
from fanzha.workflow.restriction.models import (
    APPEAL_UPHELD_REASON,
    Appeal,
    Decision,
    Restriction,
    RestrictionKind,
    RestrictionStatus,
)
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.warning.models import EarlyWarning


def _audit(
    session: Session, principal: Principal, action: str, rid: int, now: dt.datetime, **detail: Any
) -> None:
    audit.append(
        session=session,
        actor=principal.label,
        action=f"restriction.{action}",
        object_type="restriction",
        object_id=rid,
        at=now,
        detail=detail,
    )


def create_from_action(
    *, session: Session, principal: Principal, warning: EarlyWarning, action: Action
) -> Restriction:
    """The restriction a recorded stop-payment action puts on the person (same transaction)."""
    details = action.details or {}
    restriction = Restriction(
        warning_id=warning.id,
        action_id=action.id,
        resident_id=warning.resident_id,
        kind=RestrictionKind.STOP_PAYMENT.value,
        reason=str(details["reason"]),
        notice=str(details["notice"]),
        appeal_channel=str(details["appeal_channel"]),
        requested_at=action.at,
        requested_by=principal.label,
        status=RestrictionStatus.ACTIVE.value,
    )
    session.add(restriction)
    session.flush()
    _audit(session, principal, "create", restriction.id, action.at, warning=warning.id)
    return restriction


def lift(
    *, session: Session, principal: Principal, restriction_id: int, reason: str, now: dt.datetime
) -> Restriction:
    """Lift an active restriction by hand; the reason is required."""
    principal.require(Permission.STOP_PAYMENT)
    restriction = service.get(session=session, principal=principal, restriction_id=restriction_id)
    if not reason.strip():
        raise WorkflowError("say why the restriction is lifted", restriction=restriction_id)
    _lift(session, principal, restriction, reason.strip(), now)
    return restriction


def _lift(
    session: Session, principal: Principal, restriction: Restriction, reason: str, now: dt.datetime
) -> None:
    done = session.execute(
        update(Restriction)
        .where(
            Restriction.id == restriction.id,
            Restriction.status == RestrictionStatus.ACTIVE.value,
        )
        .values(
            status=RestrictionStatus.LIFTED.value,
            lifted_at=now,
            lifted_by=principal.label,
            lift_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise ConflictError("the restriction is already lifted", restriction=restriction.id)
    session.refresh(restriction)
    _audit(session, principal, "lift", restriction.id, now, reason=audit.text_digest(reason))


def record_appeal(
    *, session: Session, principal: Principal, restriction_id: int, text: str, now: dt.datetime
) -> Appeal:
    """Record the person's appeal against an active restriction (one undecided at a time)."""
    if not (principal.can(Permission.ACT) or principal.can(Permission.STOP_PAYMENT)):
        principal.require(Permission.STOP_PAYMENT)
    restriction = service.get(session=session, principal=principal, restriction_id=restriction_id)
    if restriction.status != RestrictionStatus.ACTIVE.value:
        raise WorkflowError("the restriction is already lifted", restriction=restriction_id)
    if not text.strip():
        raise WorkflowError("write down what the person appeals", restriction=restriction_id)
    if service.pending_appeal(session=session, restriction_id=restriction.id) is not None:
        raise ConflictError(
            "an appeal is already waiting for a decision", restriction=restriction.id
        )
    appeal = Appeal(
        restriction_id=restriction.id,
        appealed_at=now,
        recorded_by=principal.label,
        text=text.strip(),
    )
    session.add(appeal)
    session.flush()
    _audit(session, principal, "appeal", restriction.id, now, appeal=appeal.id)
    return appeal


def decide_appeal(
    *,
    session: Session,
    principal: Principal,
    restriction_id: int,
    appeal_id: int,
    decision: Decision,
    note: str,
    now: dt.datetime,
) -> Appeal:
    """Decide an appeal; upheld lifts the restriction at once ("appeal upheld")."""
    principal.require(Permission.STOP_PAYMENT)
    restriction = service.get(session=session, principal=principal, restriction_id=restriction_id)
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or appeal.restriction_id != restriction.id:
        raise WorkflowError("no such appeal on this restriction", appeal=appeal_id)
    if decision is Decision.REJECTED and not note.strip():
        raise WorkflowError("say why the appeal is rejected", appeal=appeal_id)
    _decide(session, principal, appeal, decision, note.strip(), now)
    if decision is Decision.UPHELD and restriction.status == RestrictionStatus.ACTIVE.value:
        _lift(session, principal, restriction, APPEAL_UPHELD_REASON, now)
    return appeal


def _decide(
    session: Session,
    principal: Principal,
    appeal: Appeal,
    decision: Decision,
    note: str,
    now: dt.datetime,
) -> None:
    done = session.execute(
        update(Appeal)
        .where(Appeal.id == appeal.id, Appeal.decision.is_(None))
        .values(
            decision=decision.value, decided_at=now, decided_by=principal.label, decision_note=note
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise ConflictError("the appeal has already been decided", appeal=appeal.id)
    session.refresh(appeal)
    detail = {"appeal": appeal.id, "decision": decision.value, "note": audit.text_digest(note)}
    _audit(session, principal, "decide", appeal.restriction_id, now, **detail)
