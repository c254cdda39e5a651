"""Recording an outcome (反馈), with validation and optimistic locking."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from fanzha.core import fraud_types
from fanzha.errors import ConflictError, WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.concurrency import flush_or_conflict, mark_edited
from fanzha.workflow.handling import after_outcome
from fanzha.workflow.outcome.models import CATEGORIES, Outcome, OutcomeCreate
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.warning import service
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig
from fanzha.workflow.warning.sla import reset_clock


def validate(data: OutcomeCreate) -> OutcomeCreate:
    """Check what the category requires; return the data with the fraud type normalised."""
    info = CATEGORIES[data.category]
    if info.needs_loss and data.amount_lost <= 0:
        raise WorkflowError("已被骗 needs the amount lost", field="amount_lost")
    if info.needs_note and not data.note.strip():
        raise WorkflowError("this outcome needs a note (reason or details)", field="note")
    if info.needs_confirmation and (data.confirmed_level is None or not data.confirmed_type):
        raise WorkflowError("confirm the level and the fraud type", field="confirmed_type")
    if data.confirmed_type:
        try:
            data = data.model_copy(
                update={"confirmed_type": fraud_types.parse(data.confirmed_type)}
            )
        except ValueError as exc:
            raise WorkflowError(str(exc), field="confirmed_type") from exc
    return data


def record(
    *,
    session: Session,
    principal: Principal,
    warning_id: int,
    data: OutcomeCreate,
    config: DeskConfig,
    now: dt.datetime,
) -> Outcome:
    """Record an outcome. A stale ``data.version`` or a concurrent commit is a conflict."""
    principal.require(Permission.OUTCOME)
    warning = service.get(session=session, principal=principal, warning_id=warning_id)
    if warning.version_id != data.version:
        raise ConflictError(
            "the warning changed since you opened it; your entry is kept below — check and "
            "submit again",
            warning=warning.id,
            seen=data.version,
            current=warning.version_id,
        )
    if not warning.is_open:
        raise WorkflowError("the warning is closed", warning=warning.id)
    data = validate(data)
    outcome = _outcome_row(warning, principal, data, now)
    session.add(outcome)
    after_outcome(warning, data.category, now)
    reset_clock(warning, config.sla)
    mark_edited(warning)
    flush_or_conflict(session, "warning", warning=warning.id)
    audit.append(
        session=session,
        actor=principal.label,
        action="outcome",
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail={
            "category": data.category.value,
            "status": warning.status,
            "lost_fen": outcome.amount_lost_fen,
            "saved_fen": outcome.amount_saved_fen,
        },
    )
    flush_or_conflict(session, "warning", warning=warning.id)
    return outcome


def _outcome_row(
    warning: EarlyWarning, principal: Principal, data: OutcomeCreate, now: dt.datetime
) -> Outcome:
    return Outcome(
        warning_id=warning.id,
        category=data.category.value,
        final=CATEGORIES[data.category].final,
        amount_lost_fen=round(data.amount_lost * 100),
        amount_saved_fen=round(data.amount_saved * 100),
        confirmed_level=data.confirmed_level,
        confirmed_type=data.confirmed_type,
        note=data.note,
        at=now,
        actor=principal.label,
        user_id=principal.id if principal.kind == "user" else None,
    )
