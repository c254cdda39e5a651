"""The JSON API (``/api/v1``), described by OpenAPI at ``/api/openapi.json``.

Partners authenticate with ``X-API-Key`` (scopes: warnings:read, leads:write, outcomes:read,
outcomes:write); desk users may call it with their session cookie plus ``X-CSRF-Token``.
Scoping is the same as on the pages: out-of-scope warnings are 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from sqlalchemy import select

from fanzha.core import phone
from fanzha.web.deps import ApiPrincipal, Db, Desk, Now
from fanzha.workflow.action.models import ActionCreate, ActionRead
from fanzha.workflow.outcome import flows as outcomes
from fanzha.workflow.outcome.models import Outcome, OutcomeCreate, OutcomeRead
from fanzha.workflow.roles import Permission
from fanzha.workflow.warning import flows, service
from fanzha.workflow.warning.intake import LeadCreate
from fanzha.workflow.warning.intake import create as create_lead
from fanzha.workflow.warning.models import EarlyWarning, LevelStep, Reason

_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
router = APIRouter(prefix="/api/v1", tags=["desk"], dependencies=[Depends(_key_scheme)])


class WarningOut(BaseModel):
    """A warning as partners see it: the phone is masked."""

    id: int
    level: int
    status: str
    station: str | None
    fraud_type: str
    source: str
    source_unit: str | None
    instruction_no: str | None
    phone_masked: str
    warned_at: dt.datetime
    due_at: dt.datetime | None
    due_stage: str | None
    outcome: str | None
    version: int


class WarningDetail(WarningOut):
    """A warning with its reasons, actions and outcomes."""

    reasons: list[Reason]
    level_history: list[LevelStep]
    actions: list[ActionRead]
    outcomes: list[OutcomeRead]


class RevealIn(BaseModel):
    """Why the full number is needed (audited)."""

    purpose: str = Field(min_length=4, max_length=200)


class TransferIn(BaseModel):
    """Where to transfer (``null`` = out of the area) and why."""

    to_station: str | None = None
    note: str = Field(min_length=1, max_length=2000)


def _out(w: EarlyWarning) -> WarningOut:
    return WarningOut(
        id=w.id,
        level=w.level,
        status=w.status,
        station=w.station,
        fraud_type=w.fraud_type,
        source=w.source,
        source_unit=w.source_unit,
        instruction_no=w.instruction_no,
        phone_masked=phone.mask(w.phone) if w.phone else "",
        warned_at=w.warned_at,
        due_at=w.due_at,
        due_stage=w.due_stage,
        outcome=w.outcome,
        version=w.version_id,
    )


@router.get("/warnings", response_model=list[WarningOut])
def list_warnings(
    db: Db,
    who: ApiPrincipal,
    now: Now,
    level: int | None = None,
    status: str | None = None,
    station: str | None = None,
    fraud_type: str | None = None,
    source: str | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[WarningOut]:
    """Warnings in scope, most urgent first (open ones unless ``status`` is given)."""
    filters = service.QueueFilter(
        level=level,
        status=status,
        station=station,
        fraud_type=fraud_type,
        source=source,
        overdue=overdue,
    )
    rows = service.queue(
        session=db, principal=who, filters=filters, now=now, limit=limit, offset=offset
    )
    return [_out(w) for w in rows]


@router.post("/warnings", response_model=WarningOut, status_code=201)
def push_lead(data: LeadCreate, db: Db, desk: Desk, who: ApiPrincipal, now: Now) -> WarningOut:
    """Push a lead (e.g. a bank's suspicious transfer); it is routed at once."""
    warning = create_lead(session=db, principal=who, data=data, config=desk.config, now=now)
    db.commit()
    return _out(warning)


@router.get("/warnings/{warning_id}", response_model=WarningDetail)
def get_warning(warning_id: int, db: Db, desk: Desk, who: ApiPrincipal, now: Now) -> WarningDetail:
    """One warning with reasons, actions and outcomes (the view is audited)."""
    w = flows.view(session=db, principal=who, warning_id=warning_id, now=now, group=desk.views)
    db.commit()
    return WarningDetail(
        **_out(w).model_dump(),
        reasons=w.reasons,
        level_history=w.level_history,
        actions=[
            ActionRead.model_validate(a) for a in service.actions_of(session=db, warning_id=w.id)
        ],
        outcomes=[
            OutcomeRead.model_validate(o) for o in service.outcomes_of(session=db, warning_id=w.id)
        ],
    )


@router.post("/warnings/{warning_id}/sign", response_model=WarningOut)
def sign(warning_id: int, db: Db, desk: Desk, who: ApiPrincipal, now: Now) -> WarningOut:
    """签收."""
    w = flows.sign(session=db, principal=who, warning_id=warning_id, config=desk.config, now=now)
    db.commit()
    return _out(w)


@router.post("/warnings/{warning_id}/actions", response_model=ActionRead, status_code=201)
def act(
    warning_id: int, data: ActionCreate, db: Db, desk: Desk, who: ApiPrincipal, now: Now
) -> ActionRead:
    """Record an action."""
    action = flows.act(
        session=db, principal=who, warning_id=warning_id, data=data, config=desk.config, now=now
    )
    db.commit()
    return ActionRead.model_validate(action)


@router.post(
    "/warnings/{warning_id}/outcomes",
    response_model=OutcomeRead,
    status_code=201,
    responses={409: {"description": "the warning changed since `version`"}},
)
def record_outcome(
    warning_id: int, data: OutcomeCreate, db: Db, desk: Desk, who: ApiPrincipal, now: Now
) -> OutcomeRead:
    """Record an outcome; ``version`` must be the warning's current version (else 409)."""
    outcome = outcomes.record(
        session=db, principal=who, warning_id=warning_id, data=data, config=desk.config, now=now
    )
    db.commit()
    return OutcomeRead.model_validate(outcome)


@router.post("/warnings/{warning_id}/reveal")
def reveal(warning_id: int, data: RevealIn, db: Db, who: ApiPrincipal, now: Now) -> dict[str, str]:
    """The full phone number; the purpose goes to the audit log."""
    shown = flows.reveal(
        session=db, principal=who, warning_id=warning_id, purpose=data.purpose, now=now
    )
    db.commit()
    return {"phone": shown}


@router.post("/warnings/{warning_id}/transfer", response_model=WarningOut)
def transfer(
    warning_id: int, data: TransferIn, db: Db, desk: Desk, who: ApiPrincipal, now: Now
) -> WarningOut:
    """移交 to another station, or out of the area (``to_station: null``)."""
    w = flows.transfer(
        session=db,
        principal=who,
        warning_id=warning_id,
        to_station=data.to_station,
        note=data.note,
        config=desk.config,
        now=now,
    )
    db.commit()
    return _out(w)


@router.get("/outcomes", response_model=list[OutcomeRead])
def list_outcomes(
    db: Db,
    who: ApiPrincipal,
    since_id: int = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[OutcomeRead]:
    """Outcomes in scope after ``since_id`` (for a provincial system reading results)."""
    who.require(Permission.VIEW)
    query = service.scoped(
        select(Outcome).join(EarlyWarning, EarlyWarning.id == Outcome.warning_id), who
    ).where(Outcome.id > since_id)
    rows = db.scalars(query.order_by(Outcome.id).limit(limit))
    return [OutcomeRead.model_validate(o) for o in rows]
