"""The case registry's JSON API (``/api/v1/cases``), for the desk and partner systems.

A partner (e.g. the provincial case system) sends ``X-API-Key`` with the scope ``cases:write``;
desk users may call it with their session cookie plus ``X-CSRF-Token``. ``POST`` is an upsert
by ``case_no`` (201 when new, 200 when it updated an existing case), so a retry or a resend
never duplicates a case. Phones and account numbers are masked; amounts are in fen.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.security import APIKeyHeader

from fanzha.web.deps import ApiPrincipal, Db, Desk, Now
from fanzha.web.pages.cases import clocks_of
from fanzha.workflow.case import flows, service
from fanzha.workflow.case.schemas import CaseCreate, CaseRead

_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
router = APIRouter(prefix="/api/v1", tags=["cases"], dependencies=[Depends(_key_scheme)])


@router.get("/cases", response_model=list[CaseRead])
def list_cases(
    db: Db,
    desk: Desk,
    who: ApiPrincipal,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    station: str | None = None,
    fraud_type: str | None = None,
    solved: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CaseRead]:
    """Cases in scope reported in [since, until), latest first, with their accounts."""
    filters = service.CaseFilter(
        since=since, until=until, station=station, fraud_type=fraud_type, solved=solved
    )
    cases = service.list_cases(
        session=db, principal=who, filters=filters, limit=limit, offset=offset
    )
    accounts = service.accounts_of(session=db, case_ids=[c.id for c in cases])
    clocks = clocks_of(desk)
    return [service.case_read(c, accounts[c.id], clocks) for c in cases]


@router.post(
    "/cases",
    response_model=CaseRead,
    status_code=201,
    responses={200: {"description": "an existing case (same case_no): updated or unchanged"}},
)
def save_case(
    data: CaseCreate, response: Response, db: Db, desk: Desk, who: ApiPrincipal, now: Now
) -> CaseRead:
    """Create or update a case by ``case_no`` (accounts by account number); validated and
    audited like an entry on the desk."""
    clocks = clocks_of(desk)
    case, outcome = flows.save(
        session=db, principal=who, data=data, clocks=clocks, now=now, source="api"
    )
    db.commit()
    if outcome != "created":
        response.status_code = 200
    accounts = service.accounts_of(session=db, case_ids=[case.id])[case.id]
    return service.case_read(case, accounts, clocks)


@router.get("/cases/{case_id}", response_model=CaseRead)
def get_case(case_id: int, db: Db, desk: Desk, who: ApiPrincipal, now: Now) -> CaseRead:
    """One case with its accounts and clocks (the view is audited)."""
    case = flows.view(session=db, principal=who, case_id=case_id, now=now, group=desk.views)
    db.commit()
    accounts = service.accounts_of(session=db, case_ids=[case.id])[case.id]
    return service.case_read(case, accounts, clocks_of(desk))
