"""The JSON API of protective stop-payments (``/api/v1``): list, lift, appeal, decide.

Same authentication and scoping as :mod:`fanzha.web.api`: a restriction whose warning is
outside the caller's scope is 404. Reads are audited like views of the warning.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from fanzha.web.deps import ApiPrincipal, Db, Now
from fanzha.workflow.audit import service as audit
from fanzha.workflow.restriction import flows, service
from fanzha.workflow.restriction.models import (
    AppealIn,
    AppealRead,
    DecisionIn,
    LiftIn,
    Restriction,
    RestrictionRead,
)
from fanzha.workflow.warning import service as warnings

_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
router = APIRouter(prefix="/api/v1", tags=["restrictions"], dependencies=[Depends(_key_scheme)])


def _read(db: Session, restrictions: list[Restriction]) -> list[RestrictionRead]:
    appeals = service.appeals_of(session=db, restriction_ids=[r.id for r in restrictions])
    return [
        RestrictionRead.model_validate(r).model_copy(
            update={"appeals": [AppealRead.model_validate(a) for a in appeals.get(r.id, [])]}
        )
        for r in restrictions
    ]


@router.get("/warnings/{warning_id}/restrictions", response_model=list[RestrictionRead])
def of_warning(warning_id: int, db: Db, who: ApiPrincipal, now: Now) -> list[RestrictionRead]:
    """The stop-payments of one warning, newest first, with their appeals (audited)."""
    warning = warnings.get(session=db, principal=who, warning_id=warning_id)
    found = _read(db, service.of_warning(session=db, warning_id=warning.id))
    entry = audit.Entry(
        who.label, "view", "warning", str(warning.id), now, {"part": "restrictions"}
    )
    audit.append_many(session=db, entries=[entry])
    db.commit()
    return found


@router.get("/restrictions", response_model=list[RestrictionRead])
def active(
    db: Db,
    who: ApiPrincipal,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[RestrictionRead]:
    """Active stop-payments in scope, oldest first (audited)."""
    found = _read(db, service.active(session=db, principal=who, limit=limit))
    detail = {"ids": [r.id for r in found]}
    audit.append_many(
        session=db, entries=[audit.Entry(who.label, "view", "restrictions", "active", now, detail)]
    )
    db.commit()
    return found


@router.post("/restrictions/{restriction_id}/lift", response_model=RestrictionRead)
def lift(restriction_id: int, data: LiftIn, db: Db, who: ApiPrincipal, now: Now) -> RestrictionRead:
    """Lift a stop-payment (needs the stop_payment permission and a reason)."""
    restriction = flows.lift(
        session=db, principal=who, restriction_id=restriction_id, reason=data.reason, now=now
    )
    db.commit()
    return _read(db, [restriction])[0]


@router.post("/restrictions/{restriction_id}/appeals", response_model=AppealRead, status_code=201)
def appeal(restriction_id: int, data: AppealIn, db: Db, who: ApiPrincipal, now: Now) -> AppealRead:
    """Record the person's appeal (one undecided at a time; 409 otherwise)."""
    found = flows.record_appeal(
        session=db, principal=who, restriction_id=restriction_id, text=data.text, now=now
    )
    db.commit()
    return AppealRead.model_validate(found)


@router.post(
    "/restrictions/{restriction_id}/appeals/{appeal_id}/decision", response_model=RestrictionRead
)
def decide(
    restriction_id: int, appeal_id: int, data: DecisionIn, db: Db, who: ApiPrincipal, now: Now
) -> RestrictionRead:
    """Decide an appeal; ``upheld`` lifts the stop-payment at once."""
    flows.decide_appeal(
        session=db,
        principal=who,
        restriction_id=restriction_id,
        appeal_id=appeal_id,
        decision=data.decision,
        note=data.note,
        now=now,
    )
    db.commit()
    restriction = service.get(session=db, principal=who, restriction_id=restriction_id)
    return _read(db, [restriction])[0]
